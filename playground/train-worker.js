// Trains the playground's network in a Web Worker, so the page stays responsive: wasmgrad runs here
// (with its own thread pool where the page is cross-origin isolated), and each update posts the
// losses, the decision surface over a grid and every neuron's output over the same grid.
import * as wg from '/dist/index.js';
import { FEATURES, makeData } from './datasets.js';

const GRID = 48;
const EXTENT = 6;
/** Training runs in slices of about this many milliseconds between updates. */
const SLICE_MS = 40;

let state = null;
let playing = false;
let generation = 0;

function featureRows(points, features) {
  const fns = features.map((f) => FEATURES[f]);
  const out = new Float32Array(points.length * fns.length);
  points.forEach((p, i) => fns.forEach((fn, j) => (out[i * fns.length + j] = fn(p.x, p.y))));
  return out;
}

function gridPoints() {
  const pts = [];
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      pts.push({ x: -EXTENT + ((c + 0.5) * 2 * EXTENT) / GRID, y: EXTENT - ((r + 0.5) * 2 * EXTENT) / GRID });
    }
  }
  return pts;
}

function targets(points, regression) {
  return Float32Array.from(points, (p) => (regression ? p.label : p.label > 0 ? 1 : 0));
}

function regularizer(kind, rate) {
  if (kind === 'l1') return wg.regularizers.l1({ l1: rate });
  if (kind === 'l2') return wg.regularizers.l2({ l2: rate });
  return undefined;
}

function build(config) {
  dispose();
  const data = makeData(config.dataset, { samples: config.samples, noise: config.noise, trainRatio: config.trainRatio, seed: config.seed });
  const nf = config.features.length;
  if (nf === 0) throw new Error('choose at least one input feature');
  const input = wg.input({ shape: [nf] });
  const outputs = [];
  let h = input;
  config.hidden.forEach((units, i) => {
    h = wg.layers.dense({
      units, activation: config.activation, kernelRegularizer: regularizer(config.regularization, config.regularizationRate),
      kernelInitializer: wg.initializers.glorotUniform({ seed: config.seed * 131 + i }), name: `hidden${i + 1}`,
    }).apply(h);
    outputs.push(h);
  });
  const out = wg.layers.dense({
    units: 1, activation: data.regression ? 'linear' : 'sigmoid', kernelInitializer: wg.initializers.glorotUniform({ seed: config.seed * 131 + 99 }), name: 'output',
  }).apply(h);
  outputs.push(out);
  const model = wg.model({ inputs: input, outputs: out });
  const probe = wg.model({ inputs: input, outputs });
  const optimizer = config.optimizer === 'adam'
    ? wg.optimizers.adam({ learningRate: config.learningRate })
    : wg.optimizers.sgd({ learningRate: config.learningRate, momentum: config.optimizer === 'momentum' ? 0.9 : 0 });
  model.compile({ optimizer, loss: data.regression ? 'meanSquaredError' : 'binaryCrossentropy' });
  const grid = gridPoints();
  state = {
    config, data, model, probe, epoch: 0, history: [],
    xTrain: wg.tensor(featureRows(data.train, config.features), [data.train.length, nf]),
    yTrain: wg.tensor(targets(data.train, data.regression), [data.train.length, 1]),
    xTest: wg.tensor(featureRows(data.test, config.features), [data.test.length, nf]),
    yTest: targets(data.test, data.regression),
    yTrainValues: targets(data.train, data.regression),
    xGrid: wg.tensor(featureRows(grid, config.features), [grid.length, nf]),
  };
}

function dispose() {
  if (!state) return;
  for (const t of [state.xTrain, state.yTrain, state.xTest, state.xGrid]) t.dispose();
  state.model.dispose();
  state = null;
}

/** Loss and accuracy of the model's predictions against targets (computed in JS from one predict). */
function score(x, y) {
  const p = wg.tidy(() => state.model.predict(x).dataSync());
  const regression = state.data.regression;
  let loss = 0, correct = 0;
  for (let i = 0; i < y.length; i++) {
    if (regression) loss += (p[i] - y[i]) ** 2;
    else {
      const q = Math.min(Math.max(p[i], 1e-7), 1 - 1e-7);
      loss -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
      if ((p[i] >= 0.5 ? 1 : 0) === y[i]) correct++;
    }
  }
  return { loss: loss / y.length, accuracy: regression ? null : correct / y.length };
}

function snapshot() {
  const train = score(state.xTrain, state.yTrainValues);
  const test = score(state.xTest, state.yTest);
  state.history.push([train.loss, test.loss]);
  const layers = wg.tidy(() => state.probe.predict(state.xGrid).map((t) => t.dataSync()));
  const heat = layers.pop();
  const neurons = [];
  for (const [l, values] of layers.entries()) {
    const units = state.config.hidden[l];
    const maps = Array.from({ length: units }, () => new Float32Array(GRID * GRID));
    for (let i = 0; i < GRID * GRID; i++) for (let u = 0; u < units; u++) maps[u][i] = values[i * units + u];
    neurons.push(maps);
  }
  return {
    type: 'update', epoch: state.epoch, train, test, history: state.history, heat, neurons, grid: GRID, extent: EXTENT,
    regression: state.data.regression, points: { train: state.data.train, test: state.data.test }, memory: wg.memory(),
  };
}

async function trainSlice() {
  const start = performance.now();
  const { batchSize } = state.config;
  while (performance.now() - start < SLICE_MS) {
    await state.model.fit(state.xTrain, state.yTrain, { epochs: 1, batchSize, shuffle: true, verbose: 0, seed: state.epoch + 1 });
    state.epoch++;
  }
}

async function loop(gen) {
  while (playing && gen === generation && state) {
    await trainSlice();
    if (gen !== generation || !state) return;
    postMessage(snapshot());
    await new Promise((r) => setTimeout(r, 0)); // let pause and new settings in
  }
}

onmessage = async (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'config') {
      generation++;
      build(msg.config);
      postMessage(snapshot());
      if (playing) loop(generation);
    } else if (msg.type === 'play') {
      if (!playing) {
        playing = true;
        loop(generation);
      }
    } else if (msg.type === 'pause') {
      playing = false;
    } else if (msg.type === 'step') {
      playing = false;
      generation++;
      await state.model.fit(state.xTrain, state.yTrain, { epochs: 1, batchSize: state.config.batchSize, shuffle: true, verbose: 0, seed: state.epoch + 1 });
      state.epoch++;
      postMessage(snapshot());
    }
  } catch (err) {
    postMessage({ type: 'error', message: String(err && err.message ? err.message : err) });
  }
};

// One core is left to the page (it draws while this trains): the pool gets the others.
const info = await wg.init({ threads: Math.max(1, (navigator.hardwareConcurrency || 2) - 1) });
postMessage({ type: 'ready', backend: info.backend, threads: info.threads, isolated: self.crossOriginIsolated === true });
