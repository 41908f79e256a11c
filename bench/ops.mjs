// Ops: elementwise throughput in GB/s against the machine's measured memory bandwidth (and against
// TF.js wasm's time for the same op where it has one); the fused
// Adam step on a 1M-parameter buffer and softmax cross-entropy forward + backward on [512, 1000],
// wasmgrad against TensorFlow.js's wasm and cpu backends in the same run.
//
//   npm run bench -- ops [--quick] [--no-tfjs] [--builds relaxed,simd] [--threads 1,2]
//                        [--elements 16777216] [--params 1048576]
//
// Bandwidth: bytes moved (every input read once, the output written once) per second. The
// machine's figure is the best of a 64 MiB memcpy (TypedArray.set) and wasmgrad's threaded wasm
// copy kernel (broadcastTo to the same shape) over the same sizes, far above L2 and L3. ns per element
// and thread (time x threads / elements) is the kernel's pace: a compute-bound op keeps it from run to
// run while the bandwidth this VM measures moves (37 to 81 GB/s seen), and its share with it.
// Adam: opt.applyGradients({ w: g }) (wasmgrad: one fused pass over p, g, m, v; 28 bytes per
// parameter) against tf.train.adam(...).applyGradients({ w: g }).
// Softmax cross-entropy: value and gradient with respect to the logits, wg.valueAndGrad of
// wg.losses.softmaxCrossEntropy (and of categoricalCrossentropy(labels, softmax(z)), which takes
// the fused kernel from the softmax's logits) against tf.valueAndGrad(tf.losses.softmaxCrossEntropy).
import * as wg from 'wasmgrad';
import { parseArgs, measure, measureOptions, printTable, writeResults, loadMonitor } from './lib/harness.mjs';
import { loadTfjs, tfjsWasmInfo, registerTfGradients } from './lib/tfjs.mjs';

const argv = process.argv.slice(2);
const args = parseArgs(argv);
if (!argv.some((a) => a.startsWith('--builds'))) args.builds = ['relaxed'];
const opts = measureOptions(args);
const log = (...a) => args.json || console.error(...a);
const ELEMENTS = Number(args.extra.elements ?? 16 * 1024 * 1024);
const PARAMS = Number(args.extra.params ?? 1024 * 1024);
const [XB, XN] = [512, 1000];
const GB = 1e9;
const monitor = loadMonitor();
const results = { bandwidth: {}, elementwise: [], adam: [], xent: [] };
let markdown = '';

function data(n, seed, lo = -1, hi = 1) {
  const r = wg.seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}
function oneHot(rows, n, seed) {
  const out = new Float32Array(rows * n);
  const ids = data(rows, seed, 0, n);
  for (let r = 0; r < rows; r++) out[r * n + Math.floor(ids[r])] = 1;
  return out;
}

// Elementwise ops: name, streams (inputs + output), the wasmgrad call and the TF.js one (or null)
// on x, y in [-2, 2] and p in [0.01, 4] (log), each [ELEMENTS / 4096, 4096].
const ELEMENTWISE = [
  ['add', 3, (t) => wg.add(t.x, t.y), (t, tf) => tf.add(t.x, t.y)],
  ['add (flat [N])', 3, (t) => wg.add(t.flat, t.flatY), null],
  ['mul', 3, (t) => wg.mul(t.x, t.y), (t, tf) => tf.mul(t.x, t.y)],
  ['relu', 2, (t) => wg.relu(t.x), (t, tf) => tf.relu(t.x)],
  ['exp', 2, (t) => wg.exp(t.x), (t, tf) => tf.exp(t.x)],
  ['log', 2, (t) => wg.log(t.p), (t, tf) => tf.log(t.p)],
  ['sigmoid', 2, (t) => wg.sigmoid(t.x), (t, tf) => tf.sigmoid(t.x)],
  ['tanh', 2, (t) => wg.tanh(t.x), (t, tf) => tf.tanh(t.x)],
  ['gelu', 2, (t) => wg.gelu(t.x), null],
];
const shape2d = [Math.round(ELEMENTS / 4096), 4096];

// ---- TF.js peers ----------------------------------------------------------------------------------
const tfTimes = {}; // backend -> { adam, xent }
const tfElementwise = {}; // op -> ms on TF.js wasm
if (args.tfjs) {
  const tf = await loadTfjs('wasm');
  log(`TF.js wasm: ${JSON.stringify(tfjsWasmInfo())}`);
  await registerTfGradients();
  const inputs = { x: tf.tensor(data(ELEMENTS, 1, -2, 2), shape2d), y: tf.tensor(data(ELEMENTS, 2, -2, 2), shape2d), p: tf.tensor(data(ELEMENTS, 5, 0.01, 4), shape2d) };
  for (const [op, , , tfFn] of ELEMENTWISE) {
    if (tfFn) tfElementwise[op] = measure(() => tfFn(inputs, tf).dispose(), opts).medianMs;
  }
  Object.values(inputs).forEach((v) => v.dispose());
  log(`TF.js wasm elementwise ms: ${JSON.stringify(tfElementwise)}`);
  for (const backend of ['wasm', 'cpu']) {
    const tf = await loadTfjs(backend);
    const w = tf.variable(tf.tensor(data(PARAMS, 1)), true, `w_${backend}`);
    const g = tf.tensor(data(PARAMS, 2));
    const opt = tf.train.adam(0.001);
    const adam = measure(() => opt.applyGradients({ [`w_${backend}`]: g }), opts).medianMs;
    opt.dispose();
    w.dispose();
    g.dispose();
    const labels = tf.tensor(oneHot(XB, XN, 3), [XB, XN]);
    const logits = tf.tensor(data(XB * XN, 4, -3, 3), [XB, XN]);
    const vg = tf.valueAndGrad((z) => tf.losses.softmaxCrossEntropy(labels, z));
    const xent = measure(() => {
      const { value, grad } = vg(logits);
      value.dispose();
      grad.dispose();
    }, opts).medianMs;
    labels.dispose();
    logits.dispose();
    tfTimes[backend] = { adam, xent };
    log(`TF.js ${backend}: adam ${adam.toFixed(3)} ms, softmax xent ${xent.toFixed(3)} ms`);
  }
}

// ---- memory bandwidth ---------------------------------------------------------------------------------
{
  const src = new Float32Array(ELEMENTS).fill(1.5), dst = new Float32Array(ELEMENTS);
  const ms = measure(() => dst.set(src), opts).medianMs;
  results.bandwidth.memcpy = (2 * ELEMENTS * 4) / (ms / 1e3) / GB;
  log(`memcpy (TypedArray.set) ${ELEMENTS * 4 / 2 ** 20} MiB: ${results.bandwidth.memcpy.toFixed(1)} GB/s`);
}

for (const build of args.builds) {
  const shared = build === 'relaxed' || build === 'simd-threads';
  const threadCounts = shared ? args.threads : [1];
  await wg.init({ backend: build, threads: Math.max(...threadCounts) });
  for (const t of threadCounts) {
    wg.setThreads(t);
    await wg.ready(); // workers started, or a 2-thread figure times the caller alone
    const col = `${build} ${t}t`;
    // the wasm copy kernel: the bandwidth an elementwise kernel could reach with this build and thread count
    const x = wg.tensor(data(ELEMENTS, 1, -2, 2), shape2d), y = wg.tensor(data(ELEMENTS, 2, -2, 2), shape2d);
    const copy = measure(() => wg.broadcastTo(x, shape2d).dispose(), opts).medianMs;
    results.bandwidth[col] = (2 * ELEMENTS * 4) / (copy / 1e3) / GB;
    if (t === threadCounts[0]) {
      // memmove inside the wasm memory (clone: TypedArray.copyWithin), one thread
      const mm = measure(() => wg.clone(x).dispose(), opts).medianMs;
      results.bandwidth[`${build} memmove`] = (2 * ELEMENTS * 4) / (mm / 1e3) / GB;
    }
    const inputs = { x, y, flat: wg.reshape(x, [ELEMENTS]), flatY: wg.reshape(y, [ELEMENTS]), p: wg.tensor(data(ELEMENTS, 5, 0.01, 4), shape2d) };
    for (const [op, streams, fn] of ELEMENTWISE) {
      const ms = measure(() => fn(inputs).dispose(), opts).medianMs;
      const gbs = (streams * ELEMENTS * 4) / (ms / 1e3) / GB;
      results.elementwise.push({ op, config: col, threads: t, ms, gbs });
    }
    Object.values(inputs).forEach((v) => v.dispose());

    // Adam on PARAMS parameters
    const w = wg.variable(wg.randomUniform([PARAMS], -1, 1, 3), true, 'adam_w');
    const g = wg.randomUniform([PARAMS], -1, 1, 4);
    for (const [label, make] of [
      ['adam', () => wg.optimizers.adam({ learningRate: 0.001 })],
      ['adam clipNorm', () => wg.optimizers.adam({ learningRate: 0.001, clipNorm: 1 })],
      ['sgd momentum', () => wg.optimizers.sgd({ learningRate: 0.001, momentum: 0.9 })],
    ]) {
      const opt = make();
      const ms = measure(() => opt.applyGradients({ adam_w: g }), opts).medianMs;
      opt.dispose();
      results.adam.push({ optimizer: label, config: col, ms });
    }
    w.dispose();
    g.dispose();

    // softmax cross-entropy forward + backward
    const labels = wg.tensor(oneHot(XB, XN, 3), [XB, XN]);
    const logits = wg.tensor(data(XB * XN, 4, -3, 3), [XB, XN]);
    const paths = [
      ['softmaxCrossEntropy(labels, z)', wg.valueAndGrad((z) => wg.losses.softmaxCrossEntropy(labels, z))],
      ['categoricalCrossentropy(labels, softmax(z))', wg.valueAndGrad((z) => wg.losses.categoricalCrossentropy(labels, wg.softmax(z)))],
    ];
    for (const [label, vg] of paths) {
      const ms = measure(() => {
        const { value, grad } = vg(logits);
        value.dispose();
        grad.dispose();
      }, opts).medianMs;
      results.xent.push({ path: label, config: col, ms });
    }
    labels.dispose();
    logits.dispose();
    log(`${col} done`);
  }
}
await wg.shutdown();
const load = monitor.stop();

// ---- tables -------------------------------------------------------------------------------------------
const bw = Math.max(...Object.values(results.bandwidth));
results.bandwidth.best = bw;
markdown += printTable(
  `Memory bandwidth (read + write, ${ELEMENTS * 4 / 2 ** 20} MiB per buffer), GB/s`,
  ['copy', { key: 'GB/s', digits: 1 }],
  Object.entries(results.bandwidth).filter(([k]) => k !== 'best').map(([k, v]) => [
    k === 'memcpy' ? 'memcpy (TypedArray.set, 1 thread)' : k.endsWith('memmove') ? `memmove in wasm memory (clone), ${k.split(' ')[0]} 1t` : `wasm copy kernel (broadcastTo), ${k}`, v]),
) + '\n';
markdown += printTable(
  `Elementwise ops on ${ELEMENTS} floats [${shape2d}] (bytes: inputs read + output written), GB/s and share of ${bw.toFixed(1)} GB/s`,
  ['op', 'config', { key: 'ms', digits: 2 }, { key: 'ns per element and thread', digits: 3 }, { key: 'GB/s', digits: 1 }, { key: '% of bandwidth', digits: 0 }, { key: 'x TF.js wasm', digits: 1 }],
  [
    ...results.elementwise.map((r) => [r.op, r.config, r.ms, (r.ms * 1e6 * r.threads) / ELEMENTS, r.gbs, (100 * r.gbs) / bw, tfElementwise[r.op] ? tfElementwise[r.op] / r.ms : null]),
    ...Object.entries(tfElementwise).map(([op, ms]) => {
      const gbs = (ELEMENTWISE.find((e) => e[0] === op)[1] * ELEMENTS * 4) / (ms / 1e3) / GB;
      return [op, 'TF.js wasm', ms, null, gbs, (100 * gbs) / bw, null];
    }),
  ],
) + '\n';
markdown += `Compute-bound ops keep their ns per element and thread from run to run; their share of the bandwidth moves with the bandwidth measured in the run.\n\n`;
const adamRows = results.adam.map((r) => [r.optimizer, r.config, r.ms, (28 * PARAMS) / (r.ms / 1e3) / GB,
  tfTimes.wasm ? tfTimes.wasm.adam / r.ms : null, tfTimes.cpu ? tfTimes.cpu.adam / r.ms : null]);
for (const [b, t] of Object.entries(tfTimes)) adamRows.push(['tf.train.adam', `TF.js ${b}`, t.adam, (28 * PARAMS) / (t.adam / 1e3) / GB, null, null]);
markdown += printTable(
  `Optimizer step on ${PARAMS} parameters (applyGradients), ms; GB/s counts Adam's 28 bytes per parameter`,
  ['optimizer', 'config', { key: 'ms', digits: 3 }, { key: 'GB/s', digits: 1 }, { key: 'x TF.js wasm', digits: 1 }, { key: 'x TF.js cpu', digits: 1 }],
  adamRows,
) + '\n';
const xentRows = results.xent.map((r) => [r.path, r.config, r.ms, tfTimes.wasm ? tfTimes.wasm.xent / r.ms : null, tfTimes.cpu ? tfTimes.cpu.xent / r.ms : null]);
for (const [b, t] of Object.entries(tfTimes)) xentRows.push(['tf.losses.softmaxCrossEntropy', `TF.js ${b}`, t.xent, null, null]);
markdown += printTable(
  `Softmax cross-entropy [${XB}, ${XN}], value and gradient wrt the logits, ms`,
  ['path', 'config', { key: 'ms', digits: 3 }, { key: 'x TF.js wasm', digits: 1 }, { key: 'x TF.js cpu', digits: 1 }],
  xentRows,
) + '\n';
markdown += `Other processes kept ${load.otherCores?.toFixed(2) ?? '?'} cores busy on average during the run.\n`;
if (load.otherCores > 0.2) log(`warning: the machine was busy (${load.otherCores.toFixed(2)} other cores): figures are noisy`);
if (args.json) console.log(JSON.stringify({ results, tfjs: { ...tfTimes, elementwise: tfElementwise }, load }, null, 2));
else writeResults('ops', { results, tfjs: { ...tfTimes, elementwise: tfElementwise }, load }, markdown);
