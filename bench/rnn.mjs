// Recurrent layers: LSTM and GRU forward (inference) and one training step (forward, backward,
// Adam update), wasmgrad against TensorFlow.js's wasm and cpu backends in the same run.
//
//   npm run bench -- rnn [--quick] [--no-tfjs] [--tfjs-backends wasm,cpu] [--threads 1,2] [--builds relaxed]
//                        [--configs lstm-128,gru-128,gru-128-resetBefore,lstm-512,gru-512]
//
// TF.js peer: @tensorflow/tfjs-layers is not installed here, so the peer is tf.layers.lstm /
// tf.layers.gru's computation written out with tfjs-core ops exactly as tfjs-layers runs it
// (transpose to time-major, unstack, per step: matMul(x, kernel), matMul(h, recurrentKernel), add,
// biasAdd, split, gate activations; stack) and trained with tf.train.adam's minimize, which is what
// model.fit does per batch. recurrentActivation is sigmoid on both sides (tf.layers' default is
// hardSigmoid; Keras's is sigmoid). TF.js's GRU is the reset-before form (it has no resetAfter).
import * as wg from 'wasmgrad';
import { parseArgs, measure, measureOptions, printTable, writeResults, loadMonitor } from './lib/harness.mjs';
import { loadTfjs, tfjsWasmInfo, registerTfGradients } from './lib/tfjs.mjs';
import os from 'node:os';

const args = parseArgs(process.argv.slice(2));
const opts = measureOptions(args);
const slowOpts = { minTime: 0, warmup: 1, warmupTime: 0, runs: args.quick ? 1 : 3 };
const log = (...a) => args.json || console.error(...a);

const CONFIGS = [
  { name: 'lstm-128', cell: 'lstm', units: 128, input: 64, T: 32, B: 32 },
  { name: 'gru-128', cell: 'gru', units: 128, input: 64, T: 32, B: 32 },
  { name: 'gru-128-resetBefore', cell: 'gru', resetAfter: false, units: 128, input: 64, T: 32, B: 32 },
  { name: 'lstm-512', cell: 'lstm', units: 512, input: 64, T: 16, B: 64 },
  { name: 'gru-512', cell: 'gru', units: 512, input: 64, T: 16, B: 64 },
];
const wanted = typeof args.extra.configs === 'string' ? args.extra.configs.split(',') : null;
const configs = CONFIGS.filter((c) => !wanted || wanted.includes(c.name));

function data(n, seed) {
  const r = wg.seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

// ---- TF.js: tf.layers' recurrent computation on tfjs-core ops --------------------------------
function tfModel(tf, c) {
  const G = (c.cell === 'lstm' ? 4 : 3) * c.units;
  const u = c.units;
  const kernel = tf.variable(tf.tensor(data(c.input * G, 1).map((v) => v * 0.1), [c.input, G]));
  const rec = tf.variable(tf.tensor(data(u * G, 2).map((v) => v * 0.05), [u, G]));
  const bias = tf.variable(tf.zeros([G]));
  const x = tf.tensor(data(c.B * c.T * c.input, 3), [c.B, c.T, c.input]);
  const y = tf.tensor(data(c.B * u, 4), [c.B, u]);
  const lstmStep = (xt, h, cs) => {
    let z = tf.matMul(xt, kernel);
    z = tf.add(z, tf.matMul(h, rec));
    z = tf.add(z, bias);
    const [z0, z1, z2, z3] = tf.split(z, 4, 1);
    const i = tf.sigmoid(z0), f = tf.sigmoid(z1);
    const cn = tf.add(tf.mul(f, cs), tf.mul(i, tf.tanh(z2)));
    const o = tf.sigmoid(z3);
    return [tf.mul(o, tf.tanh(cn)), cn];
  };
  const gruStep = (xt, h) => {
    // tfjs-layers GRUCell (implementation 2): slices of the recurrent kernel every step
    const matrixX = tf.add(tf.matMul(xt, kernel), bias);
    const matrixInner = tf.matMul(h, tf.slice(rec, [0, 0], [u, 2 * u]));
    const [xz, xr, xh] = tf.split(matrixX, 3, 1);
    const [rz, rr] = tf.split(matrixInner, 2, 1);
    const z = tf.sigmoid(tf.add(xz, rz));
    const r = tf.sigmoid(tf.add(xr, rr));
    const rh = tf.matMul(tf.mul(r, h), tf.slice(rec, [0, 2 * u], [u, u]));
    const hh = tf.tanh(tf.add(xh, rh));
    return [tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh))];
  };
  const forward = () => {
    const steps = tf.unstack(tf.transpose(x, [1, 0, 2]));
    let h = tf.zeros([c.B, u]);
    let cs = tf.zeros([c.B, u]);
    for (const xt of steps) {
      if (c.cell === 'lstm') [h, cs] = lstmStep(xt, h, cs);
      else [h] = gruStep(xt, h);
    }
    return h;
  };
  const optimizer = tf.train.adam(1e-3);
  return {
    forward: () => tf.tidy(forward).dispose(),
    train: () => tf.tidy(() => optimizer.minimize(() => tf.losses.meanSquaredError(y, forward()), false, [kernel, rec, bias])),
    dispose: () => [kernel, rec, bias, x, y].forEach((t) => t.dispose()),
  };
}

// ---- wasmgrad ----------------------------------------------------------------------------------
function wgModel(c) {
  const layer = c.cell === 'lstm' ? wg.layers.lstm({ units: c.units }) : wg.layers.gru({ units: c.units, resetAfter: c.resetAfter ?? true });
  const x = wg.tensor(data(c.B * c.T * c.input, 3), [c.B, c.T, c.input]);
  const y = wg.tensor(data(c.B * c.units, 4), [c.B, c.units]);
  layer.apply(x).dispose(); // builds the weights
  const optimizer = wg.optimizers.adam({ learningRate: 1e-3 });
  return {
    forward: () => layer.apply(x).dispose(),
    train: () => optimizer.minimize(() => wg.losses.meanSquaredError(y, layer.apply(x, { training: true })), false, layer.trainableWeights),
    dispose: () => {
      layer.dispose();
      x.dispose();
      y.dispose();
      optimizer.dispose?.();
    },
  };
}

const monitor = loadMonitor();
const results = {}; // config -> column -> { forward, train, forwardCpu, trainCpu }
const note = (cfg, col, what, ms) => (((results[cfg] ??= {})[col] ??= {})[what] = ms);

/**
 * measure(), plus the process's CPU time per call over all calls (warm-up included). For a
 * single-threaded peer this is the time the work would take on an idle core: on a loaded machine
 * it moves much less than the wall time, so ratios of single-threaded runs are read from it too.
 */
function timed(cfg, col, what, fn, o) {
  let calls = 0;
  const c0 = process.cpuUsage();
  const m = measure(() => {
    calls++;
    fn();
  }, o);
  const c = process.cpuUsage(c0);
  note(cfg, col, what, m.medianMs);
  note(cfg, col, `${what}Cpu`, (c.user + c.system) / 1000 / calls);
}

// Peers run one after the other for each configuration, so that a change in the machine's load
// hits them alike.
const backends = !args.tfjs ? [] : typeof args.extra['tfjs-backends'] === 'string' ? args.extra['tfjs-backends'].split(',') : ['wasm', 'cpu'];
if (backends.length) {
  await loadTfjs('wasm');
  log(`TF.js wasm: ${JSON.stringify(tfjsWasmInfo())}`);
  await registerTfGradients();
}
// the fastest build unless --builds names others
const builds = process.argv.some((a) => a.startsWith('--builds')) ? args.builds : ['relaxed'];
const wgColumns = [];
for (const c of configs) {
  for (const backend of backends) {
    const tf = await loadTfjs(backend);
    const m = tfModel(tf, c);
    const o = backend === 'cpu' || c.units >= 512 ? slowOpts : opts;
    timed(c.name, `tfjs-${backend}`, 'forward', m.forward, o);
    timed(c.name, `tfjs-${backend}`, 'train', m.train, o);
    log(`tfjs-${backend} ${c.name}: ${JSON.stringify(results[c.name][`tfjs-${backend}`])}`);
    m.dispose();
  }
  for (const build of builds) {
    const shared = build === 'relaxed' || build === 'simd-threads';
    const threadCounts = shared ? args.threads : [1];
    await wg.init({ backend: build, threads: Math.max(...threadCounts) });
    for (const t of threadCounts) {
      wg.setThreads(t);
      await wg.ready(); // workers started, or a 2-thread figure times the caller alone
      const col = `wasmgrad ${build} ${t}t`;
      if (!wgColumns.includes(col)) wgColumns.push(col);
      const m = wgModel(c);
      timed(c.name, col, 'forward', m.forward, opts);
      timed(c.name, col, 'train', m.train, opts);
      log(`${col} ${c.name}: ${JSON.stringify(results[c.name][col])}`);
      m.dispose();
    }
  }
}

const load = monitor.stop();
log(`load: ${JSON.stringify(load)}`);
let markdown = '';
const short = (col) => col.split(' ').pop();
for (const what of ['forward', 'train']) {
  const rows = configs.map((c) => {
    const r = results[c.name];
    const best = Math.min(r['tfjs-wasm']?.[what] ?? Infinity, r['tfjs-cpu']?.[what] ?? Infinity);
    const bestCpu = Math.min(r['tfjs-wasm']?.[`${what}Cpu`] ?? Infinity, r['tfjs-cpu']?.[`${what}Cpu`] ?? Infinity);
    const row = { config: `${c.name} (in ${c.input}, T ${c.T}, B ${c.B})`, 'tfjs wasm': r['tfjs-wasm']?.[what], 'tfjs cpu': r['tfjs-cpu']?.[what] };
    for (const col of wgColumns) {
      row[col] = r[col]?.[what];
      row[`x ${short(col)}`] = Number.isFinite(best) ? best / r[col]?.[what] : undefined;
    }
    const one = wgColumns.find((col) => short(col) === '1t');
    if (one) {
      row['cpu tfjs'] = Number.isFinite(bestCpu) ? bestCpu : undefined;
      row['cpu 1t'] = r[one]?.[`${what}Cpu`];
      row['x cpu'] = Number.isFinite(bestCpu) ? bestCpu / r[one]?.[`${what}Cpu`] : undefined;
    }
    return row;
  });
  const columns = [
    { key: 'config' },
    { key: 'tfjs wasm', digits: 2 },
    { key: 'tfjs cpu', digits: 2 },
    ...wgColumns.flatMap((col) => [{ key: col, digits: 2 }, { key: `x ${short(col)}`, title: `vs best TF.js (${short(col)})`, digits: 1 }]),
  ];
  if (wgColumns.some((col) => short(col) === '1t')) {
    columns.push({ key: 'cpu tfjs', title: 'CPU ms, best TF.js', digits: 2 }, { key: 'cpu 1t', title: 'CPU ms, wasmgrad 1t', digits: 2 }, { key: 'x cpu', title: 'vs best TF.js (CPU time)', digits: 1 });
  }
  markdown += printTable(`${what === 'forward' ? 'Forward (inference)' : 'Training step (forward, backward, Adam)'}: median wall ms; CPU ms per call`, columns, rows) + '\n';
}
markdown += `Load during the run: this process kept ${load.ownCores?.toFixed(2)} cores busy, other processes ${load.otherCores?.toFixed(2)} (of ${os.cpus().length}).\n`;
if (!args.json) writeResults('rnn', { results, load }, markdown);
else console.log(JSON.stringify(results));
await wg.shutdown();
process.exit(0);
