// The TensorFlow.js entry follows TF.js where TF.js and Keras 3 disagree: checked step for step
// against @tensorflow/tfjs 4.22 (cpu backend) on the same weights and data.
import { describe, it, expect, beforeAll } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { expectClose, randomArray } from './helpers';

beforeAll(async () => {
  await real.setBackend('cpu');
});

const X = randomArray(16 * 5, 1, -1, 1);
const Y = Float32Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? 1 : 0));

/** The same small model in both libraries, with the same weights. */
function twin(opt: () => [real.Optimizer, tf.train.Optimizer], regularize = false) {
  const [ro, wo] = opt();
  const r = real.sequential({ layers: [real.layers.dense({ units: 4, inputShape: [5], activation: 'tanh', kernelRegularizer: regularize ? real.regularizers.l2({ l2: 0.05 }) : undefined }), real.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const w = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [5], activation: 'tanh', kernelRegularizer: regularize ? tf.regularizers.l2({ l2: 0.05 }) : undefined }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const weights = r.getWeights().map((t, i) => randomArray(t.size, 10 + i, -0.7, 0.7));
  r.setWeights(weights.map((v, i) => real.tensor(v, r.getWeights()[i].shape)));
  w.setWeights(weights.map((v, i) => tf.tensor(v, w.getWeights()[i].shape)));
  r.compile({ optimizer: ro, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  w.compile({ optimizer: wo, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return { r, w };
}

async function fitBoth(opt: () => [real.Optimizer, tf.train.Optimizer], regularize = false) {
  const { r, w } = twin(opt, regularize);
  const args = { epochs: 5, batchSize: 4, shuffle: false, verbose: 0, validationSplit: 0.25 };
  const hr = await r.fit(real.tensor(X, [16, 5]), real.tensor(Y, [16, 1]), args);
  const hw = await w.fit(tf.tensor(X, [16, 5]), tf.tensor(Y, [16, 1]), args);
  return { hr: hr.history as Record<string, number[]>, hw: hw.history as Record<string, number[]>, r, w };
}

describe('wasmgrad/tfjs follows TF.js', () => {
  it('initialises itself on import: no tf.ready() needed', () => {
    expect(wg.backendInfo().backend).toMatch(/relaxed|simd|scalar/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('history keys (acc, val_acc) and values match, step for step, with SGD', async () => {
    const { hr, hw } = await fitBoth(() => [real.train.sgd(0.3), tf.train.sgd(0.3)]);
    expect(Object.keys(hw).sort()).toEqual(Object.keys(hr).sort());
    for (const k of Object.keys(hr)) expectClose(hw[k], hr[k], 1e-5, 1e-4, k);
  });

  it('RMSprop puts epsilon inside the root, as TF.js (with momentum too)', async () => {
    for (const [m, c] of [[0, false], [0.8, false]] as const) {
      const { hr, hw } = await fitBoth(() => [real.train.rmsprop(0.05, 0.9, m, 1e-3, c), tf.train.rmsprop(0.05, 0.9, m, 1e-3, c)]);
      expectClose(hw.loss, hr.loss, 1e-5, 1e-4, `rmsprop momentum ${m} centered ${c}`);
    }
  });

  it('positional optimizer constructors: adam, adagrad, adadelta, momentum', async () => {
    const pairs: [string, () => [real.Optimizer, tf.train.Optimizer]][] = [
      ['adam', () => [real.train.adam(0.02, 0.8, 0.99), tf.train.adam(0.02, 0.8, 0.99)]],
      ['adagrad', () => [real.train.adagrad(0.2), tf.train.adagrad(0.2)]],
      ['adadelta', () => [real.train.adadelta(1, 0.9), tf.train.adadelta(1, 0.9)]],
      ['momentum', () => [real.train.momentum(0.1, 0.9, true), tf.train.momentum(0.1, 0.9, true)]],
    ];
    for (const [name, opt] of pairs) {
      const { hr, hw } = await fitBoth(opt);
      expectClose(hw.loss, hr.loss, 1e-5, 1e-4, name);
    }
  });

  it('validation loss leaves the weight penalty out, as TF.js', async () => {
    const { hr, hw } = await fitBoth(() => [real.train.sgd(0.1), tf.train.sgd(0.1)], true);
    expectClose(hw.loss, hr.loss, 1e-5, 1e-4, 'loss');
    expectClose(hw.val_loss, hr.val_loss, 1e-5, 1e-4, 'val_loss');
  });

  it('LSTM and GRU defaults are those of TF.js (hard sigmoid, reset before, no unit forget bias)', () => {
    for (const kind of ['lstm', 'gru'] as const) {
      const r = real.sequential({ layers: [real.layers[kind]({ units: 3, inputShape: [4, 2] })] });
      const w = tf.sequential({ layers: [tf.layers[kind]({ units: 3, inputShape: [4, 2] })] });
      const shapes = r.getWeights().map((t) => t.shape);
      expect(w.getWeights().map((t) => t.shape)).toEqual(shapes);
      const ws = shapes.map((s, i) => randomArray(s.reduce((a, b) => a * b, 1), 30 + i, -1, 1));
      r.setWeights(ws.map((v, i) => real.tensor(v, shapes[i])));
      w.setWeights(ws.map((v, i) => tf.tensor(v, shapes[i])));
      const x = randomArray(2 * 8, 5, -2, 2);
      expectClose((w.predict(tf.tensor(x, [2, 4, 2])) as tf.Tensor).dataSync(), (r.predict(real.tensor(x, [2, 4, 2])) as real.Tensor).dataSync() as Float32Array, 1e-5, 1e-5, kind);
    }
  });

  it('metrics are per example; losses take labels first, with weights and reductions', () => {
    const yt = [[0, 1, 0], [1, 0, 0], [0, 0, 1]], yp = [[0.1, 0.7, 0.2], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6]];
    const pairs: [string, () => tf.Tensor, () => real.Tensor][] = [
      ['categoricalAccuracy', () => tf.metrics.categoricalAccuracy(tf.tensor(yt), tf.tensor(yp)), () => real.metrics.categoricalAccuracy(real.tensor(yt), real.tensor(yp))],
      ['binaryAccuracy', () => tf.metrics.binaryAccuracy(tf.tensor(yt), tf.tensor(yp)), () => real.metrics.binaryAccuracy(real.tensor(yt), real.tensor(yp))],
      ['metrics.meanSquaredError', () => tf.metrics.meanSquaredError(tf.tensor(yt), tf.tensor(yp)), () => real.metrics.meanSquaredError(real.tensor(yt), real.tensor(yp))],
      ['categoricalCrossentropy', () => tf.metrics.categoricalCrossentropy(tf.tensor(yt), tf.tensor(yp)), () => real.metrics.categoricalCrossentropy(real.tensor(yt), real.tensor(yp))],
      ['precision', () => tf.metrics.precision(tf.tensor(yt), tf.tensor(yp)), () => real.metrics.precision(real.tensor(yt), real.tensor(yp))],
      ['precision of 0/1 predictions', () => tf.metrics.precision(tf.tensor(yt), tf.tensor([[0, 1, 1], [1, 0, 0], [0, 1, 0]])), () => real.metrics.precision(real.tensor(yt), real.tensor([[0, 1, 1], [1, 0, 0], [0, 1, 0]]))],
      ['recall of 0/1 predictions', () => tf.metrics.recall(tf.tensor(yt), tf.tensor([[0, 1, 1], [1, 0, 0], [0, 1, 0]])), () => real.metrics.recall(real.tensor(yt), real.tensor([[0, 1, 1], [1, 0, 0], [0, 1, 0]]))],
      ['absoluteDifference', () => tf.losses.absoluteDifference(tf.tensor(yt), tf.tensor(yp), tf.tensor([[1], [0], [2]])), () => real.losses.absoluteDifference(real.tensor(yt), real.tensor(yp), real.tensor([[1], [0], [2]]))],
      ['meanSquaredError SUM', () => tf.losses.meanSquaredError(tf.tensor(yt), tf.tensor(yp), undefined, tf.Reduction.SUM), () => real.losses.meanSquaredError(real.tensor(yt), real.tensor(yp), undefined, real.Reduction.SUM)],
      ['softmaxCrossEntropy smoothing', () => tf.losses.softmaxCrossEntropy(tf.tensor(yt), tf.tensor(yp), undefined, 0.1), () => real.losses.softmaxCrossEntropy(real.tensor(yt), real.tensor(yp), undefined, 0.1)],
      ['sigmoidCrossEntropy', () => tf.losses.sigmoidCrossEntropy(tf.tensor(yt), tf.tensor(yp)), () => real.losses.sigmoidCrossEntropy(real.tensor(yt), real.tensor(yp))],
      ['huberLoss', () => tf.losses.huberLoss(tf.tensor(yt), tf.tensor(yp), undefined, 0.2), () => real.losses.huberLoss(real.tensor(yt), real.tensor(yp), undefined, 0.2)],
      ['hingeLoss', () => tf.losses.hingeLoss(tf.tensor(yt), tf.tensor(yp)), () => real.losses.hingeLoss(real.tensor(yt), real.tensor(yp))],
      ['logLoss MEAN', () => tf.losses.logLoss(tf.tensor(yt), tf.tensor(yp), undefined, 1e-7, tf.Reduction.MEAN), () => real.losses.logLoss(real.tensor(yt), real.tensor(yp), undefined, 1e-7, real.Reduction.MEAN)],
      ['cosineDistance NONE', () => tf.losses.cosineDistance(tf.tensor(yt), tf.tensor(yp), 1, undefined, tf.Reduction.NONE), () => real.losses.cosineDistance(real.tensor(yt), real.tensor(yp), 1, undefined, real.Reduction.NONE)],
    ];
    for (const [name, mine, theirs] of pairs) {
      const a = mine(), b = theirs();
      expect(a.shape, name).toEqual(b.shape);
      expectClose(a.dataSync(), b.dataSync() as Float32Array, 1e-5, 1e-5, name);
    }
  });

  it('TF.js signatures: randomUniform(shape, min, max, dtype, seed), argMax default axis 0, tensor2d rank check', () => {
    const u = tf.randomUniform([1000], 2, 3, 'float32', 5);
    const v = u.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...v)).toBeLessThan(3);
    expect(tf.argMax(tf.tensor([[1, 5], [3, 2]])).arraySync()).toEqual([1, 0]);
    expect(() => tf.tensor2d([1, 2, 3])).toThrow(/rank 2/);
    expect(tf.tensor3d([[[1]]]).rank).toBe(3);
    tf.dispose([u, { a: tf.scalar(1) }]);
    expect(u.isDisposed).toBe(true);
    // one argument, as TF.js's: a second (of any kind) is ignored, not read as a nesting depth
    const w = tf.scalar(2);
    (tf.dispose as (...a: unknown[]) => void)({ w }, Object.create(null), 99);
    expect(w.isDisposed).toBe(true);
  });
});
