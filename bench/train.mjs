// Training throughput on real MNIST digits (the `mnist` package): the classic MLP (784-256-128-10,
// relu, softmax, Adam) at batch 64 and 128, and the small CNN (conv 3x3x16 - maxpool - conv 3x3x32
// - maxpool - dense 64 - dense 10) at batch 64; wasmgrad's model.fit against native PyTorch (1 and
// 2 threads) and TensorFlow.js's wasm and cpu backends on the same data and batches, in the same
// run. Then per-op profiles of one MLP and one CNN training step (where the time goes), the cold
// start of a Node process, and the accuracy
// targets: test accuracy after 8 epochs on 8,000 digits (2,000 held out), >= 97% for the MLP and
// >= 98% for the CNN, with the examples' recipe (examples/lib/recipe.mjs) on several data splits.
//
//   npm run bench -- train [--quick] [--no-tfjs] [--threads 1,2] [--builds relaxed] [--samples 4096]
//                          [--no-accuracy] [--acc-seeds 1,2,3] [--python EXE] [--no-torch]
//
// --no-accuracy skips the accuracy part (a quick speed run); --acc-seeds lists its data splits
// (default 1,2,3; 1 with --quick).
//
// TF.js peer: @tensorflow/tfjs-layers is not installed here, so the peer is what tf.LayersModel.fit
// does per batch, written with tfjs-core: gather the batch rows, then optimizer.minimize over the
// forward pass (matMul + bias + relu, softmax cross-entropy from logits) in a tidy. TF.js's wasm
// backend cannot train the CNN (it has no Conv2DBackpropFilter / MaxPoolGrad kernels): the bench
// tries and reports the error.
//
// PyTorch peer (bench/lib/torch-peer.mjs, torch-train.py): when a Python with torch is found
// (--python EXE, $WASMGRAD_BENCH_PYTHON, python3, the system python3, python), each model is trained
// in native PyTorch at torch.set_num_threads(1) and (2) from the same initial weights (wasmgrad's
// model's, passed in a temporary file with the data and the batch order), with Adam (lr 1e-3,
// epsilon 1e-7) and softmax cross-entropy from the logits, the same warm-up and timed runs. The
// tables give wasmgrad / the better of PyTorch's two figures. Without torch the tables say so.
// PyTorch is a measuring peer only, never a dependency.
import * as wg from 'wasmgrad';
import { parseArgs, median, printTable, writeResults, loadMonitor, idleCheck } from './lib/harness.mjs';
import { loadTfjs, tfjsWasmInfo, registerTfGradients } from './lib/tfjs.mjs';
import { loadMnist } from '../examples/lib/mnist.mjs';
import { RECIPE, trainDigits, deskew, distorter, distortionSeed, describeRecipe } from '../examples/lib/recipe.mjs';
import { buildMlp } from '../examples/mnist-mlp.mjs';
import { buildCnn } from '../examples/mnist-cnn.mjs';
import { findTorch, runTorch } from './lib/torch-peer.mjs';
import { profileMlp, profileCnn } from './lib/train-profile.mjs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = parseArgs(process.argv.slice(2));
const log = (...a) => args.json || console.error(...a);
const samples = Number(args.extra.samples ?? (args.quick ? 1024 : 4096));

const data = loadMnist({ train: 8000, test: 0 });
const labels = data.train.labels;
/** A fixed shuffled order, the same batches for every peer. */
const order = (() => {
  let a = 7;
  const o = Int32Array.from({ length: data.train.count }, (_, i) => i);
  for (let i = o.length - 1; i > 0; i--) {
    a = (a * 1103515245 + 12345) >>> 0;
    const j = a % (i + 1);
    [o[i], o[j]] = [o[j], o[i]];
  }
  return o;
})();

// ---- TF.js peers ---------------------------------------------------------------------------------
function glorot(tf, shape, seed) {
  const limit = Math.sqrt(6 / (shape[0] * (shape.length > 2 ? shape[0] * shape[1] : 1) + shape[shape.length - 1]));
  return tf.variable(tf.randomUniform(shape, -limit, limit, 'float32', seed));
}

function tfMlp(tf) {
  const vars = [glorot(tf, [784, 256], 1), tf.variable(tf.zeros([256])), glorot(tf, [256, 128], 2), tf.variable(tf.zeros([128])), glorot(tf, [128, 10], 3), tf.variable(tf.zeros([10]))];
  const [w1, b1, w2, b2, w3, b3] = vars;
  const forward = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)), w3), b3);
  return { vars, forward, inputShape: [784] };
}

function tfCnn(tf) {
  const vars = [glorot(tf, [3, 3, 1, 16], 1), tf.variable(tf.zeros([16])), glorot(tf, [3, 3, 16, 32], 2), tf.variable(tf.zeros([32])), glorot(tf, [800, 64], 3), tf.variable(tf.zeros([64])), glorot(tf, [64, 10], 4), tf.variable(tf.zeros([10]))];
  const [k1, c1, k2, c2, w3, b3, w4, b4] = vars;
  const forward = (x) => {
    let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, k1, 1, 'valid'), c1)), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k2, 1, 'valid'), c2)), 2, 2, 'valid');
    h = tf.relu(tf.add(tf.matMul(tf.reshape(h, [-1, 800]), w3), b3));
    return tf.add(tf.matMul(h, w4), b4);
  };
  return { vars, forward, inputShape: [28, 28, 1] };
}

/** Trains `n` samples in batches (the first n of the fixed order), as fit does per batch. */
function tfTrainer(tf, net, batch) {
  const x = tf.tensor(data.train.images, [data.train.count, ...net.inputShape]);
  const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), 'float32');
  const opt = tf.train.adam(1e-3);
  return {
    run: (n) => {
      for (let b = 0; b + batch <= n; b += batch) {
        tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(b, b + batch), 'int32');
          const xb = tf.gather(x, idx), yb = tf.gather(y, idx);
          const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, net.forward(xb)), true, net.vars);
          loss.dataSync();
        });
      }
    },
    dispose: () => [x, y, ...net.vars].forEach((t) => t.dispose()),
  };
}

// ---- wasmgrad --------------------------------------------------------------------------------------
function wgMlp() {
  return wg.sequential({
    layers: [
      wg.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
      wg.layers.dense({ units: 128, activation: 'relu', kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
      wg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
}

function wgCnn() {
  const L = wg.layers;
  if (typeof L.conv2d !== 'function' || typeof L.maxPooling2d !== 'function') return null;
  const init = (seed) => wg.initializers.glorotUniform({ seed });
  return wg.sequential({
    layers: [
      L.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(1) }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 64, activation: 'relu', kernelInitializer: init(3) }),
      L.dense({ units: 10, activation: 'softmax', kernelInitializer: init(4) }),
    ],
  });
}

/** The initial weights of a fresh model (what the PyTorch peer starts from). */
function initialWeights(makeModel) {
  const model = makeModel();
  if (!model) return null;
  const weights = model.getWeights().map((t) => ({ shape: t.shape, values: t.dataSync().slice() }));
  model.dispose();
  return weights;
}

/** model.fit over the first n samples of the fixed order (no shuffling: the same batches as the peers). */
function wgTrainer(makeModel, inputShape, batch) {
  const model = makeModel();
  if (!model) return null;
  const rows = Array.from(order);
  const xAll = wg.tensor(data.train.images, [data.train.count, ...inputShape]);
  const x = wg.gather(xAll, rows);
  xAll.dispose();
  const ids = wg.tensor(labels, [labels.length], 'int32');
  const yAll = wg.oneHot(ids, 10);
  const y = wg.gather(yAll, rows);
  yAll.dispose();
  ids.dispose();
  model.compile({ optimizer: wg.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  return {
    model, x, y,
    run: async (n) => {
      const xs = n === x.shape[0] ? x : wg.slice(x, 0, n), ys = n === y.shape[0] ? y : wg.slice(y, 0, n);
      await model.fit(xs, ys, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0, yieldEvery: 1e9 });
      if (xs !== x) xs.dispose(), ys.dispose();
    },
    dispose: () => {
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

const monitor = loadMonitor();
const idle = await idleCheck();
if (idle.otherCores > 0.2) log(`warning: other processes keep ${idle.otherCores.toFixed(2)} cores busy: figures are noisy`);
const results = []; // { model, batch, peer, samplesPerSec, note }
const timingOpts = (n) => ({ minTime: 0, warmup: 1, warmupTime: 0, runs: args.quick ? 1 : 3, n });

/**
 * Samples/s of the median timed run after a warm-up; also per CPU second of the process (the
 * figure other processes disturb least, for one thread: a second one's waits count as CPU time).
 */
async function timeTrainer(label, trainer, n, runs) {
  await trainer.run(Math.min(n, 256)); // warm-up: tier-up, slots, buffers
  const times = [], cpu = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await trainer.run(n);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const done = Math.floor(n / trainer.batch) * trainer.batch;
  const sps = done / (median(times) / 1000), cpuSps = done / (median(cpu) / 1000);
  log(`${label}: ${sps.toFixed(0)} samples/s, ${cpuSps.toFixed(0)} per CPU second (${times.map((t) => t.toFixed(0)).join(', ')} ms for ${n})`);
  return { sps, cpuSps };
}

// TF.js first (its backends stay loaded), then wasmgrad.
const tfPeers = args.tfjs ? ['wasm', 'cpu'] : [];
if (tfPeers.length) {
  await loadTfjs('wasm');
  log(`TF.js wasm: ${JSON.stringify(tfjsWasmInfo())}`);
  await registerTfGradients();
}
const runs = args.quick ? 1 : 3;
const torch = args.extra['no-torch'] !== undefined || args.extra.torch === 'false' ? { missing: 'not run (--no-torch)' } : findTorch(args.extra.python);
log(torch.missing ? `PyTorch: ${torch.missing}` : `PyTorch ${torch.version} (${torch.python})`);
const TORCH_THREADS = [1, 2];
// the initial weights the PyTorch peer starts from (seeded initializers: those of wasmgrad's runs)
await wg.init({ threads: 1 });
const torchInit = torch.missing ? {} : { MLP: initialWeights(wgMlp), CNN: initialWeights(wgCnn) };
const plan = [
  { model: 'MLP', batch: 64, tf: tfMlp, wgMake: wgMlp, shape: [784] },
  { model: 'MLP', batch: 128, tf: tfMlp, wgMake: wgMlp, shape: [784] },
  { model: 'CNN', batch: 64, tf: tfCnn, wgMake: wgCnn, shape: [28, 28, 1] },
];
for (const p of plan) {
  for (const backend of tfPeers) {
    const tf = await loadTfjs(backend);
    // TF.js cpu is two orders of magnitude slower: fewer samples
    const n = backend === 'cpu' ? (p.model === 'CNN' ? p.batch * (args.quick ? 1 : 2) : Math.min(samples, 1024)) : samples;
    let sps = null, cpuSps = null, note = '';
    try {
      const trainer = { ...tfTrainer(tf, p.tf(tf), p.batch), batch: p.batch };
      try {
        ({ sps, cpuSps } = await timeTrainer(`tfjs-${backend} ${p.model} b${p.batch}`, trainer, n, backend === 'cpu' ? 1 : runs));
      } finally {
        trainer.dispose();
      }
    } catch (err) {
      note = `cannot train: ${String(err?.message ?? err).split('\n')[0].slice(0, 90)}`;
      log(`tfjs-${backend} ${p.model}: ${note}`);
    }
    results.push({ model: p.model, batch: p.batch, peer: `TF.js ${backend}`, sps, cpuSps, note });
  }
  // native PyTorch, right before wasmgrad (the same machine load, as near as can be)
  if (torch.missing) {
    results.push({ model: p.model, batch: p.batch, peer: 'PyTorch native', sps: null, note: torch.missing, torch: true });
  } else {
    try {
      const rows = runTorch(torch, { model: p.model, weights: torchInit[p.model], data: data.train, order, batch: p.batch, samples, runs, threads: TORCH_THREADS });
      for (const r of rows) {
        log(`pytorch ${r.threads}t ${p.model} b${p.batch}: ${r.samplesPerSec.toFixed(0)} samples/s, ${r.cpuSamplesPerSec.toFixed(0)} per CPU second (${r.ms.map((t) => t.toFixed(0)).join(', ')} ms for ${samples})`);
        const note = r.blasThreadsSet ? '' : "BLAS thread count not set (its own pool may use more threads)";
        results.push({ model: p.model, batch: p.batch, peer: `PyTorch ${torch.version} ${r.threads}t`, sps: r.samplesPerSec, cpuSps: r.threads === 1 ? r.cpuSamplesPerSec : null, note, torch: true });
      }
    } catch (err) {
      const note = `PyTorch failed: ${String(err?.message ?? err).split('\n')[0].slice(0, 90)}`;
      log(note);
      results.push({ model: p.model, batch: p.batch, peer: 'PyTorch native', sps: null, note, torch: true });
    }
  }
  const builds = process.argv.some((a) => a.startsWith('--builds')) ? args.builds : ['relaxed'];
  for (const build of builds) {
    const shared = build === 'relaxed' || build === 'simd-threads';
    const threadCounts = shared ? args.threads : [1];
    await wg.init({ backend: build, threads: Math.max(...threadCounts) });
    for (const t of threadCounts) {
      wg.setThreads(t);
      const trainer = wgTrainer(p.wgMake, p.shape, p.batch);
      const peer = `wasmgrad ${build} ${t}t`;
      if (!trainer) {
        results.push({ model: p.model, batch: p.batch, peer, sps: null, note: 'conv layers not in this build yet' });
        continue;
      }
      trainer.batch = p.batch;
      const { sps, cpuSps } = await timeTrainer(`${peer} ${p.model} b${p.batch}`, trainer, samples, runs);
      results.push({ model: p.model, batch: p.batch, peer, sps, cpuSps: t === 1 ? cpuSps : null, note: '' });
      trainer.dispose();
    }
  }
}

// ---- per-op profiles of one MLP and one CNN training step (batch 64) -------------------------------
// one thread: the figures add up (on a busy 2-core machine a second thread mostly waits)
const profileThreads = Number(args.extra['profile-threads'] ?? 1);
await wg.init({ backend: 'relaxed', threads: profileThreads });
const profileOpts = args.quick ? { minTime: 0.05, warmup: 2, warmupTime: 0.02, runs: 3 } : { minTime: 0.3, warmup: 3, warmupTime: 0.05, runs: 5 };
const profiles = {};
for (const [name, make, shape, fn] of [['MLP', wgMlp, [784], profileMlp], ['CNN', wgCnn, [28, 28, 1], profileCnn]]) {
  const tr = wgTrainer(make, shape, 64);
  profiles[name] = await fn(wg, tr, order, profileOpts, args.quick ? (name === 'CNN' ? 20 : 50) : (name === 'CNN' ? 60 : 200));
  tr.dispose();
}
const profile = profiles.MLP;
await wg.shutdown();

// ---- accuracy: the targets, 8 epochs on 8,000 digits, 2,000 held out ------------------------
// Each model trained from scratch per data split (seeds of loadMnist: the split, the shuffles and
// the distortions), with the recipe of examples/lib/recipe.mjs (what the examples and the demo
// run) and, for comparison, the bare setting. TF.js cross-check: the MLP recipe written with
// tfjs-core on its wasm backend (the same initial weights, distortions, batches and learning
// rates), on the first split. Apart from the speed rows above: distortions run in JavaScript.
const TARGETS = { MLP: 0.97, CNN: 0.98 };
const accuracy = [];
const accSeeds = String(args.extra['acc-seeds'] ?? (args.quick ? '1' : '1,2,3')).split(',').map(Number);
const accOn = args.extra['no-accuracy'] === undefined && args.extra.accuracy !== 'false';
if (accOn) {
  // the build a fresh process picks (as `npm run demo` does): builds round differently (fused
  // multiply-add), thread counts do not, so this is the build whose accuracy the demo prints
  const fresh = JSON.parse(String(execFileSync(process.execPath, [fileURLToPath(new URL('./lib/cold-start.mjs', import.meta.url)), '{"threads":1}'])).trim());
  await wg.init({ backend: fresh.backend, threads: Math.max(...args.threads) });
  const acc = { backend: wg.backendInfo().backend, threads: wg.backendInfo().threads };
  const nets = [
    { model: 'MLP', build: buildMlp, shape: [784] },
    { model: 'CNN', build: buildCnn, shape: [28, 28, 1] },
  ];
  for (const net of nets) {
    for (const seed of accSeeds) {
      const split = loadMnist({ seed });
      for (const plain of [false, true]) {
        const model = net.build();
        const init = plain || seed !== accSeeds[0] ? null : model.getWeights().map((t) => {
          const w = { shape: t.shape, values: t.dataSync() };
          t.dispose();
          return w;
        });
        const r = await trainDigits(model, split, { shape: net.shape, seed, plain });
        model.dispose();
        const row = { model: net.model, peer: `wasmgrad ${acc.backend} ${acc.threads}t`, seed, recipe: plain ? 'plain' : 'recipe', ...pick(r), target: TARGETS[net.model] };
        accuracy.push(row);
        log(`accuracy ${row.model} ${row.recipe} split ${seed}: test ${(100 * r.testAccuracy).toFixed(2)}%, train ${(100 * r.trainAccuracy).toFixed(2)}%, ${r.seconds.toFixed(1)} s (distortions ${r.augmentSeconds.toFixed(1)} s)`);
        if (init && net.model === 'MLP' && args.tfjs) {
          const tf = await loadTfjs('wasm');
          const t = await tfRecipeMlp(tf, split, init, seed);
          accuracy.push({ model: 'MLP', peer: 'TF.js wasm', seed, recipe: 'recipe', ...t, target: TARGETS.MLP });
          log(`accuracy MLP recipe split ${seed}, TF.js wasm: test ${(100 * t.testAccuracy).toFixed(2)}%, train ${(100 * t.trainAccuracy).toFixed(2)}%, ${t.seconds.toFixed(1)} s`);
        }
      }
    }
  }
  await wg.shutdown();
}

/** The better of PyTorch's figures among a table's rows, or null. */
function torchBest(rows) {
  const v = rows.filter((r) => r.torch && r.sps).map((r) => r.sps);
  return v.length ? Math.max(...v) : null;
}

function pick(r) {
  return { trainAccuracy: r.trainAccuracy, testAccuracy: r.testAccuracy, seconds: r.seconds, augmentSeconds: r.augmentSeconds };
}

/**
 * The MLP recipe in tfjs-core, step for step as trainDigits runs it on wasmgrad: the same initial
 * weights, deskewed digits, distortions (same seed), shuffles (fit's seeded Fisher-Yates), label
 * smoothing, Adam with the cosine-decayed rate set before each step, batch 32.
 */
async function tfRecipeMlp(tf, split, init, seed) {
  const n = split.train.count, nTest = split.test.count, B = RECIPE.batchSize, e = RECIPE.labelSmoothing;
  const vars = init.map((w) => tf.variable(tf.tensor(w.values, w.shape)));
  const [w1, b1, w2, b2, w3, b3] = vars;
  const logits = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)), w3), b3);
  const trainImages = deskew(split.train.images, n), testImages = deskew(split.test.images, nTest);
  const yHard = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(split.train.labels, 'int32'), 10), 'float32'));
  const ySmooth = tf.tidy(() => tf.add(tf.mul(yHard, 1 - e), e / 10));
  const opt = tf.train.adam(RECIPE.learningRate, 0.9, 0.999, 1e-7);
  const steps = RECIPE.epochs * Math.ceil(n / B);
  const distort = distorter({ seed: distortionSeed(seed) });
  const random = wg.seededRandom(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let augmentMs = 0, step = 0;
  const t0 = performance.now();
  for (let epoch = 0; epoch < RECIPE.epochs; epoch++) {
    const ta = performance.now();
    const x = tf.tensor(distort(trainImages, n), [n, 784]);
    augmentMs += performance.now() - ta;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let b = 0; b < n; b += B) {
      opt.learningRate = RECIPE.learningRate * 0.5 * (1 + Math.cos((Math.PI * Math.min(step++, steps)) / steps));
      tf.tidy(() => {
        const idx = tf.tensor1d(order.subarray(b, Math.min(n, b + B)), 'int32');
        const xb = tf.gather(x, idx), yb = tf.gather(ySmooth, idx);
        opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, logits(xb)), true, vars).dataSync();
      });
    }
    x.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const accuracyOf = (images, labels, count) => {
    const p = tf.tidy(() => tf.argMax(logits(tf.tensor(images, [count, 784])), 1).dataSync());
    let right = 0;
    for (let i = 0; i < count; i++) right += p[i] === labels[i];
    return right / count;
  };
  const out = {
    trainAccuracy: accuracyOf(trainImages, split.train.labels, n),
    testAccuracy: accuracyOf(testImages, split.test.labels, nTest),
    seconds,
    augmentSeconds: augmentMs / 1000,
  };
  opt.dispose();
  for (const t of [...vars, yHard, ySmooth]) t.dispose();
  return out;
}

// ---- cold start: import, init, build a small model, first predict (a fresh Node process) ----------
const cold = [];
{
  const script = fileURLToPath(new URL('./lib/cold-start.mjs', import.meta.url));
  for (const [label, options] of [['threads: 1', '{"threads":1}'], ['default (auto threads)', '{}']]) {
    const ms = [];
    for (let i = 0; i < (args.quick ? 1 : 5); i++) {
      const out = execFileSync(process.execPath, [script, options]);
      ms.push(JSON.parse(String(out).trim()));
    }
    ms.sort((a, b) => a.ms - b.ms);
    cold.push({ setting: label, ms: ms[ms.length >> 1].ms, sinceStart: ms[ms.length >> 1].sinceStart });
  }
}

const load = monitor.stop();
log(`load: ${JSON.stringify(load)}`);

// ---- tables ---------------------------------------------------------------------------------------
let md = '';
const fmt = (v) => (v === null || v === undefined ? '-' : Math.round(v));
for (const p of plan) {
  const rows = results.filter((r) => r.model === p.model && r.batch === p.batch);
  const tfw = rows.find((r) => r.peer === 'TF.js wasm')?.sps;
  const tfc = rows.find((r) => r.peer === 'TF.js cpu')?.sps;
  const pt = torchBest(rows);
  const pt1 = rows.find((r) => r.torch && r.cpuSps)?.cpuSps;
  const table = rows.map((r) => ({
    peer: r.peer,
    'samples/s': fmt(r.sps),
    'x PyTorch best': r.sps && pt ? `${(r.sps / pt).toFixed(2)}x` : '-',
    'per CPU second (1 thread)': fmt(r.cpuSps),
    'x PyTorch 1t per CPU second': r.cpuSps && pt1 ? `${(r.cpuSps / pt1).toFixed(2)}x` : '-',
    'x TF.js wasm': r.sps && tfw ? `${(r.sps / tfw).toFixed(1)}x` : '-',
    'x TF.js cpu': r.sps && tfc ? `${(r.sps / tfc).toFixed(0)}x` : '-',
    note: r.note,
  }));
  md += printTable(`${p.model}, batch ${p.batch}: training samples/s (model.fit; ${samples} samples per timed run)`, ['peer', 'samples/s', 'x PyTorch best', 'per CPU second (1 thread)', 'x PyTorch 1t per CPU second', 'x TF.js wasm', 'x TF.js cpu', 'note'], table);
}
// the targets: wasmgrad's best against PyTorch's best of 1 and 2 threads, batch 64
const TORCH_TARGETS = { MLP: 1.0, CNN: 1.2 };
const vsTorch = [];
for (const p of plan.filter((q) => q.batch === 64)) {
  const rows = results.filter((r) => r.model === p.model && r.batch === p.batch);
  const pt = torchBest(rows);
  const wgBest = Math.max(0, ...rows.filter((r) => r.peer.startsWith('wasmgrad') && r.sps).map((r) => r.sps));
  const wgCpu = rows.find((r) => r.peer.startsWith('wasmgrad') && r.cpuSps)?.cpuSps, ptCpu = rows.find((r) => r.torch && r.cpuSps)?.cpuSps;
  vsTorch.push({ model: p.model, wasmgrad: wgBest || null, pytorch: pt, ratio: pt && wgBest ? wgBest / pt : null, cpuRatio: wgCpu && ptCpu ? wgCpu / ptCpu : null, target: TORCH_TARGETS[p.model] });
}
md += printTable(`wasmgrad against native PyTorch (best of ${TORCH_THREADS.join(' and ')} threads), batch 64, ${process.release.name} ${process.version}`, ['model', 'wasmgrad best', 'PyTorch best', 'ratio', 'target', 'met', '1 thread each, per CPU second'],
  vsTorch.map((v) => ({
    model: v.model,
    'wasmgrad best': fmt(v.wasmgrad),
    'PyTorch best': v.pytorch ? fmt(v.pytorch) : torch.missing,
    ratio: v.ratio ? `${v.ratio.toFixed(2)}x` : '-',
    target: `>= ${v.target.toFixed(1)}x`,
    met: v.ratio === null ? '-' : v.ratio >= v.target ? 'met' : 'missed',
    '1 thread each, per CPU second': v.cpuRatio ? `${v.cpuRatio.toFixed(2)}x` : '-',
  })));
for (const [name, rows] of Object.entries(profiles)) {
  const stepMs = rows.at(-1).ms;
  md += printTable(`One ${name} training step, batch 64 (relaxed build, ${profileThreads} thread${profileThreads > 1 ? 's' : ''}): where the time goes`, ['op', 'ms', 'share'], rows.map((r) => ({ op: r.op, ms: r.ms.toFixed(3), share: `${((100 * r.ms) / stepMs).toFixed(0)}%` })));
}
md += printTable('Cold start in a fresh Node process: import, init, build a small model, first predict', ['setting', 'ms', 'since process start (ms)'], cold.map((c) => ({ setting: c.setting, ms: c.ms.toFixed(1), 'since process start (ms)': c.sinceStart.toFixed(0) })));
if (accuracy.length) {
  const pct = (v) => `${(100 * v).toFixed(2)}%`;
  md += printTable(`Test accuracy after ${RECIPE.epochs} epochs on 8,000 digits (2,000 held out)`, ['model', 'training', 'peer', 'data split', 'train accuracy', 'test accuracy', 'target', 'met', 'fit time (s)'],
    accuracy.map((r) => ({
      model: r.model,
      training: r.recipe === 'plain' ? 'plain' : 'recipe',
      peer: r.peer,
      'data split': `seed ${r.seed}`,
      'train accuracy': pct(r.trainAccuracy),
      'test accuracy': pct(r.testAccuracy),
      target: `>= ${pct(r.target).replace('.00', '')}`,
      met: r.testAccuracy >= r.target ? 'met' : 'missed',
      'fit time (s)': r.recipe === 'plain' ? r.seconds.toFixed(1) : `${r.seconds.toFixed(1)} (distortions ${r.augmentSeconds.toFixed(1)})`,
    })));
  md += `\nrecipe (examples/lib/recipe.mjs; the examples and the demo): ${describeRecipe()}; ${RECIPE.epochs} epochs.\n`;
  md += `plain: ${describeRecipe(true)}, ${RECIPE.epochs} epochs (the issue's bare setting, for comparison).\n`;
  md += 'Train accuracy: the model evaluated on the 8,000 training digits as the test digits are prepared (undistorted). ' +
    'The data split seed also seeds the shuffles and the distortions; the initial weights are the examples\' (seeded). ' +
    'TF.js wasm: the same recipe written with tfjs-core (same initial weights, distortions, batches and learning rates). ' +
    'Fit times include the distortions, done in JavaScript; the speed tables above time plain fit on fixed data.\n';
}
md += torch.missing
  ? `\nPyTorch native: not measured, ${torch.missing}.\n`
  : `\nPyTorch ${torch.version} native (${torch.python}), measured in this run at torch.set_num_threads(${TORCH_THREADS.join(') and (')}) (OpenBLAS's own pool set to the same count); same data, batches, initial weights and optimizer.\n`;
md += `Machine load during the run: other processes kept ${load.otherCores?.toFixed(2) ?? '?'} cores busy (load average ${load.loadavg1.toFixed(1)}).\n`;
if (args.json) console.log(JSON.stringify({ results, vsTorch, profile, profiles, cold, accuracy, load }, null, 2));
else console.log(md.split("\n").filter((l) => !l.startsWith("|") && !l.startsWith("###") && l.trim()).join("\n"));
writeResults('train', { samples, torch: torch.missing ? { missing: torch.missing } : { version: torch.version }, results, vsTorch, profile, profiles, cold, accuracy, recipe: accuracy.length ? { ...RECIPE, text: describeRecipe() } : null, load }, md);
