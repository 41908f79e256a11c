// The layers TF.js code uses that wasmgrad added (reshaping, wrappers, dot, separable convolution,
// noise, masking, ...), each against the real @tensorflow/tfjs 4.22: same config and weights give
// the same symbolic shapes and outputs (1e-5), input and weight gradients agree with TF.js's and
// with central finite differences, and models holding them round-trip through wasmgrad's format
// and TF.js's (loaded back by TF.js itself).
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import { expectClose, randomArray } from './helpers';
import { gradCheck } from './gradcheck';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wg.init({ backend: 'simd', threads: 1 });
});

type AnyLayer = { apply(x: unknown, kw?: unknown): unknown };
interface Case {
  name: string;
  tf: () => tf.layers.Layer;
  wg: () => wg.Layer;
  /** Per-sample input shapes (one per input). */
  inputs: number[][];
  batch?: number;
  /** Inputs with whole rows at this value (masking). */
  data?: (i: number, n: number) => Float32Array;
  /**
   * Why TF.js's own gradient cannot be the reference (its nearest-neighbour resize gradient is wrong
   * for batch or channels > 1, bilinear's fails on non-square scales, dilated depthwise and the
   * Greater / Any ops have none); finite differences still check ours.
   */
  tfGradBroken?: string;
  /** Why central differences cannot check the inputs' gradient (a step across a mask flips it); an exact check replaces them. */
  exactInputGrad?: (x: Float32Array, dy: Float32Array) => Float32Array;
  /** Why a model saved by TF.js cannot be reloaded (TF.js 4.22's SeparableConv2D config omits depthMultiplier). */
  tfConfigBroken?: string;
}

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);
const single = <T>(xs: T[]): T | T[] => (xs.length === 1 ? xs[0] : xs);

async function tfArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let out: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    out = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out!;
}

async function wgTfjsArtifacts(model: wg.LayersModel): Promise<tf.io.ModelArtifacts> {
  let out: unknown = null;
  await model.save(wg.io.withSaveHandler(async (a) => {
    out = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }) as never);
  return out as tf.io.ModelArtifacts;
}

/** Central differences in float32 of sum(dy * layer(xs)) with respect to each trainable weight, at sampled points. */
function weightFiniteDifferences(layer: wg.Layer, xs: wg.Tensor[], dy: Float32Array, analytic: Float32Array[]): void {
  layer.trainableWeights.forEach((v, wi) => {
    const base = Float32Array.from(v.dataSync());
    const points = base.length <= 12 ? base.map((_, i) => i) : Array.from({ length: 12 }, (_, k) => Math.floor((k * (base.length - 1)) / 11));
    for (const j of points) {
      const h = 1e-2 * (1 + Math.abs(base[j]));
      const at = (val: number) => {
        const data = base.slice();
        data[j] = val;
        const t = wg.tensor(data, v.shape);
        v.assign(t);
        t.dispose();
        const out = wg.tidy(() => layer.apply(single(xs) as wg.Tensor) as wg.Tensor);
        const o = out.dataSync();
        let s = 0;
        for (let i = 0; i < o.length; i++) s += o[i] * dy[i];
        out.dispose();
        return s;
      };
      const xp = Math.fround(base[j] + h), xm = Math.fround(base[j] - h);
      const numeric = (at(xp) - at(xm)) / (xp - xm);
      const a = analytic[wi][j];
      expect(Math.abs(a - numeric), `${layer.name} weight ${wi} index ${j}: analytic ${a}, numeric ${numeric}`).toBeLessThanOrEqual(2e-2 + 2e-2 * Math.abs(numeric));
    }
    const t = wg.tensor(base, v.shape);
    v.assign(t);
    t.dispose();
  });
}

async function checkAgainstTfjs(c: Case): Promise<void> {
  const batch = c.batch ?? 3;
  const tl = c.tf();
  const wl = c.wg();
  // symbolic shapes
  const tIns = c.inputs.map((s) => tf.input({ shape: s }));
  const wIns = c.inputs.map((s) => wg.input({ shape: s }));
  const tOut = tl.apply(single(tIns) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const wOut = wl.apply(single(wIns) as wg.SymbolicTensor) as wg.SymbolicTensor;
  expect(wOut.shape, `${c.name}: symbolic output shape`).toEqual(tOut.shape);
  expect(wl.outputShape, `${c.name}: layer.outputShape`).toEqual(tl.outputShape);
  // the same weights
  const tw = tl.getWeights();
  expect(wl.getWeights().map((w) => w.shape), `${c.name}: weight shapes`).toEqual(tw.map((w) => w.shape));
  const seeded = tw.map((w, i) => randomArray(w.size, 40 + i, -0.6, 0.6));
  tl.setWeights(tw.map((w, i) => tf.tensor(seeded[i], w.shape)));
  wl.setWeights(tw.map((w, i) => wg.tensor(seeded[i], w.shape)));
  // the same outputs
  const data = c.inputs.map((s, i) => (c.data ? c.data(i, batch * sizeOf(s)) : randomArray(batch * sizeOf(s), 60 + i, -1.5, 1.5)));
  const tm = tf.model({ inputs: tIns, outputs: tOut });
  const wm = wg.model({ inputs: wIns, outputs: wOut });
  const tx = data.map((d, i) => tf.tensor(d, [batch, ...c.inputs[i]]));
  const wx = data.map((d, i) => wg.tensor(d, [batch, ...c.inputs[i]]));
  const tPred = tm.predict(single(tx) as tf.Tensor) as tf.Tensor;
  const wPred = wm.predict(single(wx) as wg.Tensor) as wg.Tensor;
  expect(wPred.shape, `${c.name}: output shape`).toEqual(tPred.shape);
  expectClose(wPred.dataSync(), tPred.dataSync() as Float32Array, 1e-5, 1e-5, `${c.name} predict`);

  {
    // gradients of sum(dy * y) with respect to the inputs and the weights, against TF.js's
    const dy = randomArray(wPred.size, 77, -1, 1);
    const tdy = tf.tensor(dy, tPred.shape);
    const wdy = wg.tensor(dy, wPred.shape);
    const wInGrads = wg.grads((...xs: wg.Tensor[]) => wg.sum(wg.mul(wl.apply(single(xs) as wg.Tensor) as wg.Tensor, wdy)))(wx);
    const wWGrads = wl.trainableWeights.length ? wg.variableGrads(() => wg.sum(wg.mul(wl.apply(single(wx) as wg.Tensor) as wg.Tensor, wdy)), wl.trainableWeights).grads : {};
    const wG = wl.trainableWeights.map((w) => Float32Array.from(wWGrads[w.name].dataSync()));
    if (!c.tfGradBroken) {
      const tLoss = () => tf.sum(tf.mul((tl as unknown as AnyLayer).apply(single(tx)) as tf.Tensor, tdy)) as tf.Scalar;
      const tInGrads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul((tl as unknown as AnyLayer).apply(single(xs)) as tf.Tensor, tdy)))(tx);
      const tWGrads = tl.trainableWeights.length ? tf.variableGrads(tLoss, tl.trainableWeights.map((w) => w.read() as tf.Variable)).grads : {};
      wInGrads.forEach((g, i) => expectClose(g.dataSync(), tInGrads[i].dataSync() as Float32Array, 1e-4, 1e-4, `${c.name} input grad ${i}`));
      const tG = tl.trainableWeights.map((w) => tWGrads[(w.read() as tf.Variable).name].dataSync() as Float32Array);
      wG.forEach((g, i) => expectClose(g, tG[i], 1e-4, 1e-4, `${c.name} weight grad ${i}`));
    }
    // and against central finite differences
    if (c.exactInputGrad) expectClose(wInGrads[0].dataSync(), c.exactInputGrad(data[0], dy), 1e-6, 1e-6, `${c.name} exact input grad`);
    else gradCheck((...xs) => wl.apply(single(xs) as wg.Tensor) as wg.Tensor, wx, { name: `${c.name} (inputs)`, maxPoints: 24, leaks: false });
    if (wG.length) weightFiniteDifferences(wl, wx, dy, wG);
    wdy.dispose();
  }

  // round trips: wasmgrad's format, TF.js's format into real TF.js, and TF.js's own save into wasmgrad
  const back = await wg.loadModel(await wm.save());
  expectClose((back.predict(single(wx) as wg.Tensor) as wg.Tensor).dataSync(), wPred.dataSync(), 1e-6, 1e-6, `${c.name} reloaded`);
  const intoTf = await tf.loadLayersModel(tf.io.fromMemory(await wgTfjsArtifacts(wm)));
  expectClose((intoTf.predict(single(tx) as tf.Tensor) as tf.Tensor).dataSync() as Float32Array, wPred.dataSync(), 1e-5, 1e-5, `${c.name} loaded by TF.js`);
  if (c.tfConfigBroken) return;
  const fromTf = await wg.loadModel((await tfArtifacts(tm)) as never);
  expectClose((fromTf.predict(single(wx) as wg.Tensor) as wg.Tensor).dataSync(), tPred.dataSync() as Float32Array, 1e-5, 1e-5, `${c.name} saved by TF.js`);
}

const L = wg.layers;
const T = tf.layers;

const deterministic: Case[] = [
  { name: 'repeatVector', tf: () => T.repeatVector({ n: 3 }), wg: () => L.repeatVector({ n: 3 }), inputs: [[5]] },
  { name: 'permute', tf: () => T.permute({ dims: [3, 1, 2] }), wg: () => L.permute({ dims: [3, 1, 2] }), inputs: [[3, 4, 2]] },
  {
    name: 'upSampling2d nearest', tf: () => T.upSampling2d({ size: [2, 3] }), wg: () => L.upSampling2d({ size: [2, 3] }), inputs: [[3, 4, 2]],
    tfGradBroken: 'TF.js resizeNearestNeighbor gradient is off by up to 4.5 here (batch 3, 2 channels); ours equals the exact block sums',
  },
  {
    name: 'upSampling2d bilinear', tf: () => T.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }),
    wg: () => L.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }), inputs: [[3, 4, 2]],
    tfGradBroken: 'TF.js resizeBilinear gradient throws a shape error on non-square inputs',
  },
  { name: 'zeroPadding2d default', tf: () => T.zeroPadding2d({}), wg: () => L.zeroPadding2d(), inputs: [[3, 2, 2]] },
  {
    name: 'zeroPadding2d pairs', tf: () => T.zeroPadding2d({ padding: [[1, 2], [0, 3]] }),
    wg: () => L.zeroPadding2d({ padding: [[1, 2], [0, 3]] }), inputs: [[3, 4, 2]],
  },
  {
    name: 'cropping2d', tf: () => T.cropping2D({ cropping: [[1, 2], [0, 1]] }),
    wg: () => L.cropping2d({ cropping: [[1, 2], [0, 1]] }), inputs: [[5, 6, 2]],
  },
  { name: 'cropping2D symmetric', tf: () => T.cropping2D({ cropping: [1, 2] }), wg: () => L.cropping2D({ cropping: [1, 2] }), inputs: [[5, 6, 2]] },
  {
    name: 'timeDistributed(dense)', tf: () => T.timeDistributed({ layer: T.dense({ units: 3, activation: 'tanh' }) }),
    wg: () => L.timeDistributed({ layer: L.dense({ units: 3, activation: 'tanh' }) }), inputs: [[4, 5]],
  },
  {
    name: 'timeDistributed(conv2d)', tf: () => T.timeDistributed({ layer: T.conv2d({ filters: 2, kernelSize: 2 }) }),
    wg: () => L.timeDistributed({ layer: L.conv2d({ filters: 2, kernelSize: 2 }) }), inputs: [[2, 4, 4, 3]], batch: 2,
  },
  { name: 'dot 2D', tf: () => T.dot({ axes: 1 }), wg: () => L.dot({ axes: 1 }), inputs: [[4], [4]] },
  { name: 'dot 3D', tf: () => T.dot({ axes: [2, 2] }), wg: () => L.dot({ axes: [2, 2] }), inputs: [[3, 4], [5, 4]] },
  { name: 'dot 3D x 2D', tf: () => T.dot({ axes: [2, 1] }), wg: () => L.dot({ axes: [2, 1] }), inputs: [[3, 4], [4]] },
  { name: 'dot normalize', tf: () => T.dot({ axes: -1, normalize: true }), wg: () => L.dot({ axes: -1, normalize: true }), inputs: [[3, 4], [2, 4]] },
  {
    name: 'separableConv2d same stride 2', tf: () => T.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', strides: 2, activation: 'tanh' }),
    wg: () => L.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', strides: 2, activation: 'tanh' }), inputs: [[7, 7, 3]], batch: 2,
  },
  {
    name: 'separableConv2d depthMultiplier 2', tf: () => T.separableConv2d({ filters: 3, kernelSize: 3, depthMultiplier: 2, activation: 'sigmoid' }),
    wg: () => L.separableConv2d({ filters: 3, kernelSize: 3, depthMultiplier: 2, activation: 'sigmoid' }), inputs: [[5, 6, 2]], batch: 2,
    tfConfigBroken: "TF.js 4.22's SeparableConv2D.getConfig leaves out depthMultiplier, so TF.js cannot reload it either",
  },
  {
    name: 'separableConv2d dilated, no bias', tf: () => T.separableConv2d({ filters: 3, kernelSize: [2, 3], dilationRate: 2, useBias: false }),
    wg: () => L.separableConv2d({ filters: 3, kernelSize: [2, 3], dilationRate: 2, useBias: false }), inputs: [[6, 7, 2]], batch: 2,
    tfGradBroken: 'TF.js has no gradient for dilated depthwise convolutions',
  },
  {
    name: 'thresholdedReLU', tf: () => T.thresholdedReLU({ theta: 0.3 }), wg: () => L.thresholdedReLU({ theta: 0.3 }), inputs: [[4, 3]],
    // values kept 0.1 away from theta, so no finite-difference step crosses it
    data: (_, n) => randomArray(n, 13, -1, 1).map((v) => (Math.abs(v - 0.3) < 0.1 ? v + 0.25 : v)),
    tfGradBroken: 'TF.js has no gradient for Greater, so its thresholdedReLU does not train',
  },
  { name: 'rescaling', tf: () => T.rescaling({ scale: 1 / 127.5, offset: -1 }), wg: () => L.rescaling({ scale: 1 / 127.5, offset: -1 }), inputs: [[6]] },
  {
    name: 'masking', tf: () => T.masking({ maskValue: 0.5 }), wg: () => L.masking({ maskValue: 0.5 }), inputs: [[4, 3]],
    data: (_, n) => maskedData(n, 3, 0.5), tfGradBroken: 'TF.js has no gradient for Any, so its masking layer does not train',
    // the gradient is dy where the row is kept and 0 where masked
    exactInputGrad: (x, dy) => dy.map((d, i) => (x.slice(i - (i % 3), i - (i % 3) + 3).every((v) => v === 0.5) ? 0 : d)),
  },
];

/** Random data with every third feature row all equal to maskValue. */
function maskedData(n: number, features: number, maskValue: number): Float32Array {
  const d = randomArray(n, 91, -1, 1);
  for (let r = 0; r < n / features; r++) if (r % 3 === 1) d.fill(maskValue, r * features, (r + 1) * features);
  return d;
}

describe('new layers match TF.js 4.22 (shapes, outputs, gradients, save/load both ways)', () => {
  for (const c of deterministic) it(c.name, () => checkAgainstTfjs(c));

  it('masking feeds its mask to a following LSTM (the same last outputs as TF.js)', async () => {
    const make = (lib: typeof T | typeof L) =>
      [lib.masking({ maskValue: 0, inputShape: [5, 2] } as never), lib.lstm({ units: 3, recurrentActivation: 'sigmoid' } as never)];
    const tm = tf.sequential({ layers: make(T) as tf.layers.Layer[] });
    const wm = wg.sequential({ layers: make(L) as wg.Layer[] });
    const ws = tm.getWeights().map((w, i) => randomArray(w.size, 5 + i, -0.5, 0.5));
    tm.setWeights(tm.getWeights().map((w, i) => tf.tensor(ws[i], w.shape)));
    wm.setWeights(wm.getWeights().map((w, i) => wg.tensor(ws[i], w.shape)));
    const x = randomArray(3 * 5 * 2, 8);
    x.fill(0, 6, 10); // sample 0: the last two steps padded
    x.fill(0, 10 + 2, 10 + 4); // sample 1: step 1 padded
    const a = (tm.predict(tf.tensor(x, [3, 5, 2])) as tf.Tensor).dataSync() as Float32Array;
    const b = (wm.predict(wg.tensor(x, [3, 5, 2])) as wg.Tensor).dataSync();
    expectClose(b, a, 1e-5, 1e-5, 'masking + lstm');
    const unmasked = wg.sequential({ layers: [L.lstm({ units: 3, recurrentActivation: 'sigmoid', inputShape: [5, 2] })] });
    unmasked.setWeights(wm.getWeights().slice(0));
    const c = (unmasked.predict(wg.tensor(x, [3, 5, 2])) as wg.Tensor).dataSync();
    expect(Math.abs(c[0] - b[0]) + Math.abs(c[1] - b[1])).toBeGreaterThan(1e-4); // the mask changed sample 0
  });
});

describe('padding masks travel through layers that support masking, as in TF.js', () => {
  const middles: [string, (lib: typeof L | typeof T) => unknown][] = [
    ['dropout', (lib) => lib.dropout({ rate: 0.3 })],
    ['dense', (lib) => lib.dense({ units: 3 })],
    ['activation', (lib) => lib.activation({ activation: 'tanh' })],
    ['gaussianNoise', (lib) => lib.gaussianNoise({ stddev: 0.3 })],
    ['timeDistributed', (lib) => lib.timeDistributed({ layer: (lib.dense as (a: object) => never)({ units: 2 }) })],
  ];
  for (const [name, middle] of middles) {
    it(`embedding(maskZero) -> ${name} -> simpleRNN`, () => {
      const make = (lib: typeof L | typeof T) => [lib.embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputLength: 4 }), middle(lib), lib.simpleRNN({ units: 2 })];
      const tm = tf.sequential({ layers: make(T) as tf.layers.Layer[] });
      const wm = wg.sequential({ layers: make(L) as wg.Layer[] });
      const ws = tm.getWeights().map((w, i) => randomArray(w.size, 5 + i, -0.5, 0.5));
      tm.setWeights(tm.getWeights().map((w, i) => tf.tensor(ws[i], w.shape)));
      wm.setWeights(wm.getWeights().map((w, i) => wg.tensor(ws[i], w.shape)));
      const ids = [1, 2, 0, 0, 3, 4, 1, 0];
      const a = (tm.predict(tf.tensor(ids, [2, 4])) as tf.Tensor).dataSync() as Float32Array;
      const b = (wm.predict(wg.tensor(ids, [2, 4], 'int32')) as wg.Tensor).dataSync();
      expectClose(b, a, 1e-5, 1e-5, name);
    });
  }
});

describe('noise layers (training only)', () => {
  const x = () => wg.tensor(randomArray(400 * 25, 3, 0.5, 1.5), [400, 25]);
  const cases: [string, () => wg.Layer, () => tf.layers.Layer][] = [
    ['gaussianNoise', () => L.gaussianNoise({ stddev: 0.3, seed: 1 }), () => T.gaussianNoise({ stddev: 0.3 })],
    ['gaussianDropout', () => L.gaussianDropout({ rate: 0.2, seed: 1 }), () => T.gaussianDropout({ rate: 0.2 })],
  ];
  for (const [name, make, makeTf] of cases) {
    it(`${name}: identity at inference, the same mean and spread as TF.js in training, reproducible with a seed`, () => {
      const xs = x();
      const l = make();
      const inf = l.apply(xs) as wg.Tensor;
      expect(Array.from(inf.dataSync())).toEqual(Array.from(xs.dataSync()));
      const ours = (l.apply(xs, { training: true }) as wg.Tensor).dataSync();
      const theirs = (makeTf().apply(tf.tensor(xs.dataSync(), xs.shape), { training: true }) as tf.Tensor).dataSync();
      const stats = (v: ArrayLike<number>, ref: ArrayLike<number>) => {
        let m = 0, d = 0;
        for (let i = 0; i < v.length; i++) m += v[i] - ref[i];
        m /= v.length;
        for (let i = 0; i < v.length; i++) d += (v[i] - ref[i] - m) ** 2;
        return [m, Math.sqrt(d / v.length)];
      };
      const [m1, s1] = stats(ours, xs.dataSync());
      const [m2, s2] = stats(theirs, xs.dataSync());
      expect(Math.abs(m1 - m2)).toBeLessThan(0.02);
      expect(Math.abs(s1 - s2) / s2).toBeLessThan(0.05);
      expect(s1).toBeGreaterThan(0.05);
      const again = (make().apply(xs, { training: true }) as wg.Tensor).dataSync();
      expect(Array.from(again)).toEqual(Array.from(ours));
      // gradient: a fresh seeded layer per evaluation draws the same noise, so differences are exact
      gradCheck((t) => make().apply(t, { training: true }) as wg.Tensor, [{ values: randomArray(12, 4, 0.5, 1.5), shape: [3, 4] }], { name, leaks: false });
    });
  }

  it('alphaDropout keeps zero mean and unit variance (Keras formula; TF.js 4.22 flips the sign of the dropped value)', () => {
    const rate = 0.2;
    const l = L.alphaDropout({ rate, seed: 3 });
    const xs = wg.randomNormal([500, 40], 0, 1, 11);
    expect(Array.from((l.apply(xs) as wg.Tensor).dataSync())).toEqual(Array.from(xs.dataSync()));
    const y = (l.apply(xs, { training: true }) as wg.Tensor).dataSync();
    const v = xs.dataSync();
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = ((1 - rate) * (1 + rate * alphaP ** 2)) ** -0.5;
    const b = -a * alphaP * rate;
    let mean = 0, dropped = 0;
    for (let i = 0; i < y.length; i++) {
      const kept = Math.abs(y[i] - (a * v[i] + b)) < 1e-5;
      const drop = Math.abs(y[i] - (a * alphaP + b)) < 1e-5;
      expect(kept || drop, `element ${i}: ${y[i]}`).toBe(true);
      if (!kept) dropped++;
      mean += y[i];
    }
    mean /= y.length;
    let variance = 0;
    for (let i = 0; i < y.length; i++) variance += (y[i] - mean) ** 2;
    variance /= y.length;
    expect(Math.abs(dropped / y.length - rate)).toBeLessThan(0.02);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    gradCheck((t) => L.alphaDropout({ rate, seed: 5 }).apply(t, { training: true }) as wg.Tensor, [{ values: randomArray(12, 4), shape: [3, 4] }], { leaks: false });
  });

  it('spatialDropout1d drops whole channels per sample and rescales the rest', () => {
    const l = L.spatialDropout1d({ rate: 0.5, seed: 2 });
    const xs = wg.tensor(randomArray(8 * 6 * 10, 5, 0.5, 1.5), [8, 6, 10]);
    expect(Array.from((l.apply(xs) as wg.Tensor).dataSync())).toEqual(Array.from(xs.dataSync()));
    const y = (l.apply(xs, { training: true }) as wg.Tensor).dataSync();
    const v = xs.dataSync();
    let dropped = 0;
    for (let b = 0; b < 8; b++) {
      for (let c = 0; c < 10; c++) {
        const ratios = Array.from({ length: 6 }, (_, t) => y[(b * 6 + t) * 10 + c] / v[(b * 6 + t) * 10 + c]);
        const r0 = ratios[0];
        expect(r0 === 0 || Math.abs(r0 - 2) < 1e-6, `ratio ${r0}`).toBe(true);
        for (const r of ratios) expect(r).toBeCloseTo(r0, 6);
        if (r0 === 0) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(15);
    expect(dropped).toBeLessThan(65);
    gradCheck((t) => L.spatialDropout1d({ rate: 0.4, seed: 9 }).apply(t, { training: true }) as wg.Tensor, [{ values: randomArray(24, 4), shape: [2, 3, 4] }], { leaks: false });
  });

  it('noise layers save and load in both formats (TF.js reads their configs)', async () => {
    const m = wg.sequential({
      layers: [
        L.gaussianNoise({ stddev: 0.2, inputShape: [4, 3] }), L.gaussianDropout({ rate: 0.1 }), L.alphaDropout({ rate: 0.1 }),
        L.spatialDropout1d({ rate: 0.3 }), L.flatten(), L.dense({ units: 2 }),
      ],
    });
    const xs = wg.tensor(randomArray(2 * 12, 6), [2, 4, 3]);
    const want = (m.predict(xs) as wg.Tensor).dataSync();
    const back = await wg.loadModel(await m.save());
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expectClose((back.predict(xs) as wg.Tensor).dataSync(), want, 1e-6, 1e-6, 'reloaded');
    const intoTf = await tf.loadLayersModel(tf.io.fromMemory(await wgTfjsArtifacts(m)));
    expect(intoTf.layers.map((l) => l.getClassName())).toEqual(['GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'SpatialDropout1D', 'Flatten', 'Dense']);
    expectClose((intoTf.predict(tf.tensor(xs.dataSync(), xs.shape)) as tf.Tensor).dataSync() as Float32Array, want, 1e-5, 1e-5, 'TF.js');
  });
});

describe('TF.js spellings and bad configs', () => {
  it('aliases make the same layer classes', () => {
    const pairs: [unknown, unknown][] = [
      [L.maxPool1d({ poolSize: 2 }), L.MaxPooling1D], [L.maxPool2d({ poolSize: 2 }), L.MaxPooling2D],
      [L.avgPool1d({ poolSize: 2 }), L.AveragePooling1D], [L.avgPool2d({ poolSize: 2 }), L.AveragePooling2D],
      [L.avgPooling1d({ poolSize: 2 }), L.AveragePooling1D], [L.avgPooling2d({ poolSize: 2 }), L.AveragePooling2D],
      [L.globalMaxPool1d(), L.GlobalMaxPooling1D], [L.globalMaxPool2d(), L.GlobalMaxPooling2D],
      [L.globalAveragePool1d(), L.GlobalAveragePooling1D], [L.globalAveragePool2d(), L.GlobalAveragePooling2D],
      [L.cropping2D({ cropping: 1 }), L.Cropping2D], [L.reLU(), L.ReLU], [L.softmax(), L.Softmax],
      [L.activation({ activation: 'relu' }), L.Activation], [L.conv2dTranspose({ filters: 2, kernelSize: 2 }), L.Conv2DTranspose],
    ];
    for (const [made, cls] of pairs) expect(made).toBeInstanceOf(cls as never);
  });

  it('refuses bad configs and inputs with WasmgradError', () => {
    const bad: [string, () => unknown][] = [
      ['repeatVector n', () => L.repeatVector({ n: 0 })],
      ['permute dims', () => L.permute({ dims: [1, 3] })],
      ['permute not an array', () => L.permute({ dims: 2 as never })],
      ['upSampling2d size', () => L.upSampling2d({ size: [2, 0] })],
      ['upSampling2d interpolation', () => L.upSampling2d({ interpolation: 'bicubic' as never })],
      ['upSampling2d channelsFirst', () => L.upSampling2d({ dataFormat: 'channelsFirst' })],
      ['zeroPadding2d negative', () => L.zeroPadding2d({ padding: -1 })],
      ['zeroPadding2d shape', () => L.zeroPadding2d({ padding: [[1, 2, 3], [1, 1]] })],
      ['cropping2d missing', () => L.cropping2d({} as never)],
      ['timeDistributed layer', () => L.timeDistributed({ layer: 3 as never })],
      ['dot axes 0', () => L.dot({ axes: 0 })],
      ['dot axes', () => L.dot({ axes: [1] as never })],
      ['separableConv2d filters', () => L.separableConv2d({ filters: 0, kernelSize: 3 })],
      ['separableConv2d depthMultiplier', () => L.separableConv2d({ filters: 2, kernelSize: 3, depthMultiplier: 1.5 })],
      ['gaussianNoise stddev', () => L.gaussianNoise({ stddev: -1 })],
      ['gaussianDropout rate', () => L.gaussianDropout({ rate: 1 })],
      ['alphaDropout noiseShape', () => L.alphaDropout({ rate: 0.1, noiseShape: [0] })],
      ['spatialDropout1d rate', () => L.spatialDropout1d({ rate: -0.1 })],
      ['masking value', () => L.masking({ maskValue: NaN })],
      ['thresholdedReLU theta', () => L.thresholdedReLU({ theta: 'x' as never })],
      ['rescaling scale', () => L.rescaling({} as never)],
      ['cropping too much', () => L.cropping2d({ cropping: 3 }).apply(wg.input({ shape: [5, 5, 1] }))],
      ['permute rank', () => L.permute({ dims: [2, 1] }).apply(wg.input({ shape: [3, 4, 5] }))],
      ['repeatVector rank', () => L.repeatVector({ n: 2 }).apply(wg.input({ shape: [3, 4] }))],
      ['dot mismatch', () => L.dot({ axes: 1 }).apply([wg.input({ shape: [3] }), wg.input({ shape: [4] })])],
      ['dot one input', () => L.dot({ axes: 1 }).apply([wg.input({ shape: [3] })])],
      ['timeDistributed rank', () => L.timeDistributed({ layer: L.dense({ units: 2 }) }).apply(wg.input({ shape: [3] }))],
      ['spatialDropout1d rank', () => L.spatialDropout1d({ rate: 0.1 }).apply(wg.input({ shape: [3] }))],
    ];
    for (const [what, f] of bad) expect(f, what).toThrow(wg.WasmgradError);
  });
});

describe('initializers: TF.js spellings and serialized forms', () => {
  const stdOf = (t: wg.Tensor) => {
    const v = t.dataSync();
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  };
  const get = (spec: unknown) => wg.initializers.getInitializer(spec as never, 'zeros');

  it('names as TF.js writes them', () => {
    for (const name of ['leCunNormal', 'leCunUniform', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'varianceScaling', 'truncatedNormal', 'randomNormal', 'randomUniform', 'orthogonal', 'zeros', 'ones', 'constant']) {
      const t = get(name)([30, 20]);
      expect(t.shape, name).toEqual([30, 20]);
      t.dispose();
    }
    const eye = get({ className: 'Identity', config: { gain: 2 } })([3, 3]);
    expect(Array.from(eye.dataSync())).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2]);
    expect(() => get('identity')([2, 3])).toThrow(wg.WasmgradError);
    const c = get({ className: 'Constant', config: { value: 0.25 } })([2]);
    expect(Array.from(c.dataSync())).toEqual([0.25, 0.25]);
    expect(wg.initializers.leCunNormal({ seed: 1 }).className).toBe('LecunNormal');
  });

  it('VarianceScaling in TF.js and Keras spellings gives the right spread', () => {
    const shape = [200, 300];
    const uniform = get({ className: 'VarianceScaling', config: { scale: 2, mode: 'fanAvg', distribution: 'uniform', seed: 3 } })(shape);
    expect(stdOf(uniform)).toBeCloseTo(Math.sqrt(2 / 250), 3); // uniform(-l, l), l = sqrt(3 s / n): std sqrt(s / n)
    const keras = get({ class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_avg', distribution: 'truncated_normal', seed: 3 } })(shape);
    expect(stdOf(keras)).toBeCloseTo(Math.sqrt(2 / 250), 3);
    const fanIn = get({ className: 'VarianceScaling', config: { scale: 1, mode: 'fanIn', distribution: 'normal', seed: 4 } })(shape);
    expect(stdOf(fanIn)).toBeCloseTo(Math.sqrt(1 / 200), 3);
    for (const t of [uniform, keras, fanIn]) t.dispose();
    expect(() => get({ className: 'VarianceScaling', config: { mode: 'fanSideways' } })).toThrow(/mode/);
    expect(() => get({ className: 'VarianceScaling', config: { distribution: 'cauchy' } })).toThrow(/distribution/);
  });

  it('refuses prototype names and junk, listing the known names', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'nope']) {
      expect(() => get(name), name).toThrow(/unknown initializer.*expected one of .*glorotUniform/);
    }
    expect(() => get({ className: 'constructor' })).toThrow(wg.WasmgradError);
    expect(() => get({ className: 'GlorotUniform', config: 'x' })).toThrow(wg.WasmgradError);
    expect(() => get(42)).toThrow(wg.WasmgradError);
  });
});
