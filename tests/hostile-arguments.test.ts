// Public functions of both entries given hostile arguments (found by fuzzing the API): each raises a
// WasmgradError naming the call, at once, allocates nothing it cannot hold and leaks no tensor.
import * as wg from 'wasmgrad';
import * as tf from 'wasmgrad/tfjs';
import { describe, test, expect, beforeAll } from 'vitest';

beforeAll(async () => {
  await tf.ready();
});

/** f throws a WasmgradError matching message, within a second, and leaves no tensor behind. */
function refuses(f: () => unknown, message: RegExp): void {
  const before = wg.memory().numTensors;
  const t0 = performance.now();
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, String(message)).toBeInstanceOf(wg.WasmgradError);
  expect((error as Error).message).toMatch(message);
  expect(performance.now() - t0).toBeLessThan(1000);
  expect(wg.memory().numTensors).toBe(before);
}

describe('sizes are checked before anything is allocated', () => {
  test('tile: an output past the memory is refused at once; a large repeat count runs in the output size', () => {
    const x = wg.tensor([1, 2]);
    refuses(() => wg.tile(x, [1e9]), /^tile: \[2\] tiled \[1000000000\] times has 2000000000 values, more than the engine's memory holds/);
    refuses(() => wg.tile(x, [1e12]), /^tile: .* more than the engine's memory holds/);
    const t0 = performance.now();
    const y = wg.tile(x, [1e6]);
    expect(performance.now() - t0).toBeLessThan(2000); // was one concat of a million copies
    const v = y.dataSync();
    expect(v.length).toBe(2e6);
    expect([v[0], v[1], v[1_999_998], v[1_999_999]]).toEqual([1, 2, 1, 2]);
    const m = wg.tensor([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');
    expect(wg.tile(m, [2, 0]).shape).toEqual([4, 0]);
    // an empty output is no reason to build a huge index list
    expect(wg.tile(m, [1e9, 0]).shape).toEqual([2e9, 0]);
    expect(wg.tile(wg.zeros([0, 3]), [1e9, 1]).shape).toEqual([0, 3]);
    expect(wg.tile(m, [1, 2]).arraySync()).toEqual([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
    // the gradient sums the copies
    expect(wg.grad((t) => wg.sum(wg.mul(wg.tile(t, [3]), wg.tensor([1, 2, 3, 4, 5, 6]))))(x).arraySync()).toEqual([9, 12]);
    for (const t of [x, y, m]) t.dispose();
  });

  test('ops that fill values in JavaScript: counts past the memory, or not counts, are refused', () => {
    const [i, first, seven, empty, row, probs] = [tf.tensor1d([0, 1], 'int32'), tf.tensor1d([0], 'int32'), tf.tensor1d([7]), tf.tensor1d([]), tf.tensor2d([[0]], [1, 1], 'int32'), tf.tensor2d([[0.5, 0.5]])];
    refuses(() => tf.sparseToDense(first, seven, [1.5]), /^sparseToDense: shape \[1\.5\] has an invalid dimension 1\.5/);
    refuses(() => tf.sparseToDense(first, seven, [-1]), /^sparseToDense: shape \[-1\] has an invalid dimension -1/);
    refuses(() => tf.scatterND(row, seven, [2.5]), /^scatterND: shape \[2\.5\] has an invalid dimension/);
    refuses(() => tf.bincount(i, empty, 1e12), /^bincount: 1000000000000 values are more than the engine's memory holds/);
    refuses(() => tf.denseBincount(i, empty, 1e12), /^denseBincount: 1000000000000 values are more/);
    refuses(() => tf.multinomial(probs, 1e12), /^multinomial: 1000000000000 values are more/);
    refuses(() => tf.randomGamma([1e6, 1e6], 1), /^randomGamma: 1000000000000 values are more/);
    refuses(() => tf.math.confusionMatrix(i, i, 1e6), /^confusionMatrix: 1000000000000 values are more/);
    const signal = tf.tensor1d([1, 2, 3]);
    refuses(() => tf.signal.frame(signal, 2 ** 31, 1, true), /^frame: \d+ values are more/);
    refuses(() => tf.buffer([1e12]), /^buffer: 1000000000000 values are more/);
    refuses(() => tf.signal.hannWindow(2 ** 31), /^cosineWindow: 2147483648 values are more/);
    refuses(() => tf.rand([1e6, 1e6], () => 1), /^rand: 1000000000000 values are more/);
    refuses(() => tf.rand([-1], () => 1), /^rand: shape \[-1\] has an invalid dimension -1/);
    tf.dispose([i, first, seven, empty, row, probs, signal]);
  });
});

describe('arguments of the wrong kind', () => {
  test('layer.call before the layer is built builds it, as apply does', () => {
    const x = wg.ones([2, 3]);
    const dense = wg.layers.dense({ units: 2, kernelInitializer: 'ones' });
    const y = dense.call(x, {}) as wg.Tensor;
    expect(dense.built).toBe(true);
    expect(y.arraySync()).toEqual([[3, 3], [3, 3]]);
    const before = wg.memory().numTensors;
    const e = wg.layers.embedding({ inputDim: 5, outputDim: 2 });
    const rows = e.call(wg.tensor([1, 2], [2], 'int32'), {}) as wg.Tensor;
    expect(rows.shape).toEqual([2, 2]);
    rows.dispose();
    // the embedding's weights and the index tensor, nothing else
    expect(wg.memory().numTensors).toBe(before + 2);
    const lstm = wg.layers.lstm({ units: 4 });
    expect((lstm.call(wg.ones([1, 3, 2]), {}) as wg.Tensor).shape).toEqual([1, 4]);
    expect((wg.layers.batchNormalization().call(wg.ones([2, 3]), {}) as wg.Tensor).shape).toEqual([2, 3]);
  });

  test('null options are the defaults, other non-objects are refused', () => {
    expect(wg.initializers.varianceScaling(null as never)([2, 2]).shape).toEqual([2, 2]);
    refuses(() => wg.initializers.varianceScaling(3 as never), /^varianceScaling: options must be an object, got 3/);
    expect(tf.constraints.maxNorm(null as never).getConfig()).toEqual({ maxValue: 2, axis: 0 });
    expect(tf.constraints.minMaxNorm(null as never).getConfig()).toEqual({ minValue: 0, maxValue: 1, rate: 1, axis: 0 });
    expect(tf.constraints.unitNorm(null as never).getConfig()).toEqual({ axis: 0 });
    refuses(() => tf.constraints.unitNorm('x' as never), /^unitNorm: options must be an object, got "x"/);
    const rbm = wg.classic.rbm({ visible: 4, hidden: 2, seed: 1 });
    refuses(() => rbm.sample(null as never), /^rbm\.sample: count must be/);
    refuses(() => rbm.sample([] as never), /^rbm\.sample: options must be an object, got \[\]/);
    rbm.dispose();
  });

  test('variableGrads, print, pool and indexToLoc given what they cannot use', () => {
    refuses(() => wg.variableGrads(() => wg.scalar(1), {} as never), /^variableGrads: varList must be an array of Variables, got \{\}/);
    refuses(() => (tf.print as (x?: unknown) => void)(), /^print: x must be a Tensor, got undefined/);
    refuses(() => tf.print([1, 2] as never), /^print: x must be a Tensor, got object/);
    const x = tf.ones([1, 4, 4, 3]);
    refuses(() => tf.pool(x, [2, 2], 'max', 'valid', 1n as never), /^pool: dilations must be 1 or \[1, 1\] \(others are not supported\), got a bigint \(1\)/);
    const b = wg.buffer([2, 3]);
    expect([0, 1, 4, 5].map((k) => b.indexToLoc(k))).toEqual([[0, 0], [0, 1], [1, 1], [1, 2]]);
    for (const bad of [NaN, 'abc', 6, -3, 1.5]) refuses(() => b.indexToLoc(bad as number), /^buffer\.indexToLoc: index must be a whole number in \[0, 6\) for shape \[2,3\]/);
    refuses(() => tf.util.indexToLoc(NaN, 2, [2]), /^util\.indexToLoc: index must be a whole number, got null/);
    expect(tf.util.indexToLoc(5, 2, [2])).toEqual([2, 1]);
    x.dispose();
  });

  test('History records metrics named like Object.prototype members', () => {
    const h = new wg.History();
    h.onEpochEnd(0, { toString: 1, constructor: 2, __proto__: 3, loss: 4 } as never);
    h.onEpochEnd(1, { toString: 5, loss: 6 } as never);
    expect(h.history.toString).toEqual([1, 5]);
    expect(h.history.constructor).toEqual([2]);
    expect(h.history.loss).toEqual([4, 6]);
    expect(Object.getPrototypeOf(h.history)).toBe(Object.prototype);
  });

  test('messages show an options object, not [object Object]; deep nesting is no stack overflow', async () => {
    refuses(() => wg.fill({ a: 1 } as never, 0), /^fill: shape must be an array of whole numbers, got \{"a":1\}/);
    let deep: unknown[] = [1];
    for (let k = 0; k < 5000; k++) deep = [deep];
    expect(() => tf.util.assertNonNegativeIntegerDimensions(deep as never)).toThrow(/Tensor must have a shape comprised of positive integers/);
    await expect(async () => wg.data.array([1, 2, 3, 4]).shuffle(5, deep as never)).rejects.toThrow(/^dataset\.shuffle: seed must be a string or a number, got /);
  });
});

describe('a second fuzzing round: data pipelines, loaders, layer options, callbacks', () => {
  test('prefetch with a huge buffer ends with its source; a batch that cannot be stacked frees its elements', async () => {
    const t0 = performance.now();
    const got = await wg.data.array([[1, 2], [3, 4], [5, 6]]).prefetch(2 ** 31).take(2).toArray();
    expect(performance.now() - t0).toBeLessThan(2000); // it used to call the source 2^31 times
    expect(got.length).toBe(2);
    expect(await wg.data.array([1, 2, 3, 4, 5]).prefetch(2).toArray()).toEqual([1, 2, 3, 4, 5]);
    const [a, b] = [wg.tensor([1, 2, 3, 4, 5, 6], [2, 3]), wg.ones([1, 4, 4, 3])];
    const before = wg.memory().numTensors;
    await expect(wg.data.array([a, b]).batch(2).toArray()).rejects.toThrow(wg.WasmgradError);
    expect(wg.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });

  test('a model file whose weightData is not bytes is refused by the loader', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    let artifacts: Record<string, unknown> = {};
    await m.save(tf.io.withSaveHandler(async (a: Record<string, unknown>) => ((artifacts = a), { modelArtifactsInfo: {} })) as never);
    for (const weightData of [Symbol('s'), 0n, 5, 'abc']) {
      await expect(tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, weightData } as never))).rejects.toThrow(/weightData: buffer 0 must be an ArrayBuffer or a typed array, got (symbol|bigint|number|string)/);
    }
    m.dispose();
  });

  test('layer options: initializers and activations must give tensors, shapes must be shapes, epsilon a number', () => {
    const x = wg.ones([2, 3]);
    refuses(() => wg.layers.dense({ units: 2, kernelInitializer: (() => 1) as never }).apply(x), /^dense(_\d+)?\.addWeight\('kernel'\): the initializer must return a Tensor of shape \[3,2\], got 1/);
    refuses(() => wg.layers.dense({ units: 2, kernelInitializer: (() => wg.ones([2, 2])) as never }).apply(x), /the initializer must return a Tensor of shape \[3,2\], got a float32 tensor \[2,2\]/);
    const dense = wg.layers.dense({ units: 2, activation: (() => 1) as never });
    dense.build([2, 3]); // its weights are the layer's, not a leak
    refuses(() => dense.apply(x), /^activation .*: must return a Tensor, got 1/);
    dense.dispose();
    refuses(() => wg.layers.dense({ units: 2, batchInputShape: true as never }), /^Dense: batchInputShape must be an array of whole numbers >= 0 \(or null\), got true/);
    refuses(() => wg.layers.dense({ units: 2, inputShape: 3 as never }), /^Dense: inputShape must be an array/);
    refuses(() => wg.layers.layerNormalization({ epsilon: Symbol('s') as never }), /epsilon must be >= 0/);
    refuses(() => wg.layers.batchNormalization({ epsilon: '1' as never }), /epsilon must be >= 0/);
    refuses(() => wg.layers.lstmCell({ units: 2 }).stateShapes(null as never), /\.stateShapes: expected a step's shape \[batch, \.\.\.\], got null/);
    refuses(() => wg.buffer([2, 2]).locToIndex(null as never), /^buffer: expected 2 indices for shape \[2,2\], got null/);
    x.dispose();
  });

  test('callbacks given null options or null logs', () => {
    expect(() => wg.callbacks.earlyStopping(null as never)).not.toThrow();
    expect(() => wg.callbacks.reduceLROnPlateau(null as never)).not.toThrow();
    refuses(() => wg.callbacks.earlyStopping(3 as never), /^earlyStopping: options must be an object, got 3/);
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      expect(() => wg.callbacks.earlyStopping({}).onEpochEnd(0, null as never)).not.toThrow();
    } finally {
      console.warn = warn;
    }
    expect(() => (tf.util.assert as (e: boolean) => void)(false)).toThrow(/^util\.assert: assertion failed$/);
  });
});
