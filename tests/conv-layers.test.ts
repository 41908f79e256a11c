// Convolution, pooling and normalization layers (src/layers/conv.ts, pooling.ts,
// normalization.ts): output shapes (eager and symbolic), weights and their order, configs that
// rebuild the layer, values against the ops and references, batch normalization in training
// (batch statistics, moving averages updated) and in inference (moving statistics), and a small
// conv net that trains.
import { describe, test, expect, afterAll, beforeAll } from 'vitest';
import * as wg from 'wasmgrad';
import { useBuild, randomArray, expectClose } from './helpers';
import { ref } from './gradcheck';
import { refConv2d, refDepthwise, refPool } from './conv-ref';

afterAll(() => wg.shutdown());
beforeAll(() => useBuild('relaxed', 2));

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Applies a layer eagerly and symbolically; checks both shapes; returns the eager output values. */
function run(layer: wg.Layer, xShape: number[], seed = 1, kwargs = {}): { shape: number[]; data: Float32Array; x: Float32Array } {
  const xv = randomArray(sizeOf(xShape), seed);
  const out = wg.tidy(() => {
    const y = layer.apply(wg.tensor(xv, xShape), kwargs) as wg.Tensor;
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
  const sym = layer.apply(wg.input({ shape: xShape.slice(1) })) as wg.SymbolicTensor;
  expect(sym.shape, `${layer.name} symbolic shape`).toEqual([null, ...out.shape.slice(1)]);
  return { ...out, x: xv };
}

function weight(layer: wg.Layer, i: number): Float32Array {
  const ws = layer.getWeights();
  const d = ws[i].dataSync() as Float32Array;
  ws.forEach((w) => w.dispose());
  return d;
}

/** fromConfig(getConfig()) gives a layer of the same class and config (names aside). */
function roundTrip(layer: wg.Layer): void {
  const config = layer.getConfig();
  const cls = wg.layers.getLayerClass(layer.className);
  const again = cls.fromConfig({ ...config, name: `${layer.name}_copy` });
  expect(again.className).toBe(layer.className);
  expect({ ...again.getConfig(), name: layer.name }).toEqual(config);
  JSON.stringify(config); // serializable
}

describe('convolution layers', () => {
  test('conv2d: shape, weights, fused relu and bias, other activations, config', () => {
    const layer = wg.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', biasInitializer: 'ones' });
    const r = run(layer, [2, 7, 8, 3]);
    expect(r.shape).toEqual([2, 4, 4, 5]);
    expect(layer.weightNames).toEqual(['kernel', 'bias']);
    expect(layer.weights.map((w) => w.shape)).toEqual([[3, 3, 3, 5], [5]]);
    expect(layer.weights.map((w) => w.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    const want = refConv2d(ref(r.x, [2, 7, 8, 3]), ref(weight(layer, 0), [3, 3, 3, 5]), { strides: [2, 2], dilations: [1, 1], pad: 'same' }, ref(weight(layer, 1), [5]), true);
    expectClose(r.data, want.data, 1e-5, 1e-5, 'conv2d relu');
    roundTrip(layer);

    const t = wg.layers.conv2d({ filters: 2, kernelSize: [2, 3], dilationRate: 2, activation: 'tanh', useBias: false });
    const rt = run(t, [1, 6, 7, 2], 2);
    expect(rt.shape).toEqual([1, 4, 3, 2]);
    expect(t.weightNames).toEqual(['kernel']);
    const wt = refConv2d(ref(rt.x, [1, 6, 7, 2]), ref(weight(t, 0), [2, 3, 2, 2]), { strides: [1, 1], dilations: [2, 2], pad: 'valid' });
    expectClose(rt.data, wt.data.map(Math.tanh), 1e-5, 1e-5, 'conv2d tanh');
    expect(t.getConfig()).toMatchObject({ filters: 2, kernelSize: [2, 3], strides: [1, 1], padding: 'valid', dilationRate: [2, 2], activation: 'tanh', useBias: false });
    roundTrip(t);
  });

  test('conv1d (valid, same, causal)', () => {
    for (const padding of ['valid', 'same', 'causal'] as const) {
      const layer = wg.layers.conv1d({ filters: 4, kernelSize: 3, padding, dilationRate: padding === 'causal' ? 2 : 1 });
      const r = run(layer, [2, 9, 3], 3);
      expect(r.shape).toEqual([2, padding === 'valid' ? 7 : 9, 4]);
      expect(layer.weights[0].shape).toEqual([3, 3, 4]);
      const d = padding === 'causal' ? 2 : 1;
      const y = refConv2d(ref(r.x, [2, 1, 9, 3]), ref(weight(layer, 0), [1, 3, 3, 4]), { strides: [1, 1], dilations: [1, d], pad: padding });
      expectClose(r.data, y.data, 1e-5, 1e-5, `conv1d ${padding}`);
      roundTrip(layer);
    }
  });

  test('depthwiseConv2d with a depth multiplier', () => {
    const layer = wg.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', biasInitializer: 'ones' });
    const r = run(layer, [2, 5, 6, 3], 4);
    expect(r.shape).toEqual([2, 5, 6, 6]);
    expect(layer.weightNames).toEqual(['depthwise_kernel', 'bias']);
    expect(layer.weights.map((w) => w.shape)).toEqual([[3, 3, 3, 2], [6]]);
    const y = refDepthwise(ref(r.x, [2, 5, 6, 3]), ref(weight(layer, 0), [3, 3, 3, 2]), { strides: [1, 1], dilations: [1, 1], pad: 'same' });
    expectClose(r.data, y.data.map((v) => v + 1), 1e-5, 1e-5, 'depthwise');
    expect(layer.getConfig()).toMatchObject({ depthMultiplier: 2, kernelSize: [3, 3] });
    roundTrip(layer);
  });

  test('conv2dTranspose: Keras output lengths, values as the op', () => {
    for (const [padding, s, k, want] of [['same', 2, 3, [2, 8, 10, 4]], ['valid', 2, 3, [2, 9, 11, 4]], ['valid', 3, 2, [2, 12, 15, 4]]] as const) {
      const layer = wg.layers.conv2dTranspose({ filters: 4, kernelSize: k, strides: s, padding, useBias: false });
      const r = run(layer, [2, 4, 5, 3], 5);
      expect(r.shape).toEqual(want);
      expect(layer.weights[0].shape).toEqual([k, k, 4, 3]);
      const y = wg.tidy(() => wg.conv2dTranspose(wg.tensor(r.x, [2, 4, 5, 3]), layer.weights[0], [...want], s, padding).dataSync());
      expectClose(r.data, y, 1e-6, 1e-6, `conv2dTranspose ${padding} ${s}`);
      roundTrip(layer);
    }
  });

  test('bad arguments and inputs raise WasmgradError naming the layer', () => {
    expect(() => wg.layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a whole number >= 1/);
    expect(() => wg.layers.conv2d({ filters: 2, kernelSize: [3] })).toThrow(/kernelSize must be a positive whole number or 2 of them/);
    expect(() => wg.layers.conv2d({ filters: 2, kernelSize: 3, strides: 0 })).toThrow(/strides must be/);
    expect(() => wg.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'causal' })).toThrow(/padding must be 'valid' or 'same', got "causal"/);
    expect(() => wg.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as 'channelsLast' })).toThrow(/channelsLast/);
    const layer = wg.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c2' });
    wg.tidy(() => layer.apply(wg.ones([1, 5, 5, 3])));
    expect(() => wg.tidy(() => layer.apply(wg.ones([1, 5, 5, 4])))).toThrow(/c2: expected input of rank 4 with 3 channels, got \[1,5,5,4\]/);
    expect(() => wg.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(wg.input({ shape: [5, 5] }))).toThrow(wg.WasmgradError);
  });
});

describe('pooling layers', () => {
  test('max and average pooling: strides default to the pool size; 1-D variants; config', () => {
    const mp = wg.layers.maxPooling2d({ poolSize: 2 });
    const r = run(mp, [2, 7, 6, 3], 6);
    expect(r.shape).toEqual([2, 3, 3, 3]);
    expectClose(r.data, refPool(ref(r.x, [2, 7, 6, 3]), true, [2, 2], [2, 2], 'valid').data, 0, 0, 'maxPooling2d');
    expect(mp.getConfig()).toMatchObject({ poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
    roundTrip(mp);
    const ap = wg.layers.averagePooling2d({ poolSize: [3, 3], strides: 1, padding: 'same' });
    const ra = run(ap, [1, 5, 5, 4], 7);
    expect(ra.shape).toEqual([1, 5, 5, 4]);
    expectClose(ra.data, refPool(ref(ra.x, [1, 5, 5, 4]), false, [3, 3], [1, 1], 'same').data, 1e-6, 1e-6, 'averagePooling2d');
    roundTrip(ap);
    const m1 = wg.layers.maxPooling1d({ poolSize: 3, strides: 2 });
    expect(run(m1, [2, 9, 5], 8).shape).toEqual([2, 4, 5]);
    const a1 = wg.layers.averagePooling1d({ poolSize: 2, padding: 'same' });
    expect(run(a1, [2, 9, 5], 9).shape).toEqual([2, 5, 5]);
  });

  test('global pooling, with keepDims', () => {
    const g = wg.layers.globalAveragePooling2d({});
    const r = run(g, [2, 3, 4, 5], 10);
    expect(r.shape).toEqual([2, 5]);
    const want = new Float64Array(10);
    r.x.forEach((v, i) => (want[Math.floor(i / 60) * 5 + (i % 5)] += v / 12));
    expectClose(r.data, want, 1e-6, 1e-6, 'globalAveragePooling2d');
    const gm = wg.layers.globalMaxPooling2d({ keepDims: true });
    expect(run(gm, [2, 3, 4, 5], 11).shape).toEqual([2, 1, 1, 5]);
    roundTrip(gm);
    expect(run(wg.layers.globalMaxPooling1d(), [2, 7, 3], 12).shape).toEqual([2, 3]);
    expect(run(wg.layers.globalAveragePooling1d(), [2, 7, 3], 13).shape).toEqual([2, 3]);
  });
});

describe('normalization layers', () => {
  test('batchNormalization: weights in Keras order, training vs inference', () => {
    const bn = wg.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3, betaInitializer: 'ones' });
    const shape = [8, 3, 3, 4];
    const xv = randomArray(sizeOf(shape), 14, -1, 3);
    const x = wg.tensor(xv, shape);
    // inference before any training: moving mean 0, variance 1
    const y0 = wg.tidy(() => (bn.apply(x) as wg.Tensor).dataSync());
    expect(bn.weightNames).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance']);
    expect(bn.trainableWeights.map((w) => w.name)).toEqual([`${bn.name}/gamma`, `${bn.name}/beta`]);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual([`${bn.name}/moving_mean`, `${bn.name}/moving_variance`]);
    expectClose(y0, Array.from(xv, (v) => v / Math.sqrt(1 + 1e-3) + 1), 1e-5, 1e-5, 'inference with initial statistics');

    // training: batch statistics, and the moving averages move 10% of the way
    const y1 = wg.tidy(() => (bn.apply(x, { training: true }) as wg.Tensor).dataSync());
    const C = 4, R = xv.length / C;
    const mean = new Float64Array(C), variance = new Float64Array(C);
    xv.forEach((v, i) => (mean[i % C] += v / R));
    xv.forEach((v, i) => (variance[i % C] += (v - mean[i % C]) ** 2 / R));
    expectClose(y1, Array.from(xv, (v, i) => (v - mean[i % C]) / Math.sqrt(variance[i % C] + 1e-3) + 1), 1e-5, 1e-4, 'training output');
    expectClose(weight(bn, 2), Array.from(mean, (m) => 0.1 * m), 1e-6, 1e-5, 'moving mean');
    expectClose(weight(bn, 3), Array.from(variance, (v) => 0.9 + 0.1 * v), 1e-6, 1e-5, 'moving variance');

    // inference now uses the moving statistics
    const mm = weight(bn, 2), mv = weight(bn, 3);
    const y2 = wg.tidy(() => (bn.apply(x, { training: false }) as wg.Tensor).dataSync());
    expectClose(y2, Array.from(xv, (v, i) => (v - mm[i % C]) / Math.sqrt(mv[i % C] + 1e-3) + 1), 1e-5, 1e-5, 'inference output');

    // gradients reach gamma and beta through the training path; moving statistics get none
    const { grads } = wg.variableGrads(() => wg.sum(wg.square(bn.apply(x, { training: true }) as wg.Tensor)), bn.trainableWeights);
    expect(Object.keys(grads)).toEqual([`${bn.name}/gamma`, `${bn.name}/beta`]);
    // d/dbeta of sum(y^2) = 2 sum(y) = 2 * R * beta (the normalized part sums to zero)
    expectClose(grads[`${bn.name}/beta`].dataSync(), new Array(C).fill(2 * R), 1e-3, 1e-4, 'dbeta');
    Object.values(grads).forEach((g) => g.dispose());
    x.dispose();
    expect(bn.getConfig()).toMatchObject({ axis: -1, momentum: 0.9, epsilon: 1e-3, center: true, scale: true });
    roundTrip(bn);
    const plain = wg.layers.batchNormalization({ center: false, scale: false });
    wg.tidy(() => plain.apply(wg.ones([2, 3]), { training: true }));
    expect(plain.weightNames).toEqual(['moving_mean', 'moving_variance']);
    // the last axis by its index (as TF.js saves it) is the last axis; another axis is refused when built
    wg.tidy(() => wg.layers.batchNormalization({ axis: 1 }).apply(wg.ones([2, 3])));
    expect(() => wg.layers.batchNormalization({ axis: 1 }).apply(wg.ones([2, 3, 4]))).toThrow(/only the last axis.*got axis 1/);
  });

  test('layerNormalization normalizes each row', () => {
    const ln = wg.layers.layerNormalization({ epsilon: 1e-5 });
    const r = run(ln, [3, 4, 6], 15);
    expect(r.shape).toEqual([3, 4, 6]);
    expect(ln.weightNames).toEqual(['gamma', 'beta']);
    for (let row = 0; row < 12; row++) {
      const v = Array.from(r.data.subarray(row * 6, row * 6 + 6));
      const m = v.reduce((a, b) => a + b) / 6;
      expect(Math.abs(m)).toBeLessThan(1e-5);
      expect(Math.abs(v.reduce((a, b) => a + (b - m) ** 2, 0) / 6 - 1)).toBeLessThan(1e-3);
    }
    roundTrip(ln);
  });
});

describe('a small conv net', () => {
  test('trains: conv2d, batchNormalization, maxPooling2d, depthwiseConv2d, globalAveragePooling2d, dense', async () => {
    // two classes: a bright blob in the top half or in the bottom half
    const n = 64;
    const xs = new Float32Array(n * 8 * 8 * 1), ys = new Float32Array(n * 2);
    const r = randomArray(n * 64, 16, 0, 0.3);
    for (let i = 0; i < n; i++) {
      const top = i % 2 === 0;
      for (let p = 0; p < 64; p++) xs[i * 64 + p] = r[i * 64 + p] + ((p < 32) === top ? 0.7 : 0);
      ys[i * 2 + (top ? 0 : 1)] = 1;
    }
    const model = wg.sequential({
      layers: [
        wg.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
        wg.layers.batchNormalization(),
        wg.layers.maxPooling2d({ poolSize: 2 }),
        wg.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu' }),
        wg.layers.globalAveragePooling2d(),
        wg.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.02 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = wg.tensor(xs, [n, 8, 8, 1]), y = wg.tensor(ys, [n, 2]);
    // the first epoch makes the optimizer's slots; after that, memory stays flat
    const h0 = await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, seed: 1 });
    const before = wg.memory().numTensors;
    const h = await model.fit(x, y, { epochs: 14, batchSize: 16, verbose: 0, seed: 2 });
    expect(wg.memory().numTensors).toBe(before);
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan((h0.history.loss as number[])[0] * 0.7);
    const acc = (h.history.acc ?? h.history.accuracy) as number[];
    expect(acc[acc.length - 1]).toBeGreaterThan(0.85);
    x.dispose();
    y.dispose();
  });
});
