// No leak on any error path: every op family, layer call, fit, evaluate, predict and loader is run
// with its k-th allocation failing (as if memory ran out there), for every k until it succeeds; after
// each failure the live tensors and their bytes are back where they were. Also a callback that
// throws and a bad shape found late.
import * as wg from 'wasmgrad';
import { describe, test, expect, beforeAll, afterEach } from 'vitest';
import { useBuild, randomArray } from './helpers';

const allocator = () => wg._engine().allocator;

function disposeAll(v: unknown): void {
  if (v instanceof wg.Tensor) v.dispose();
  else if (Array.isArray(v)) v.forEach(disposeAll);
  else if (v && typeof v === 'object' && !(v instanceof wg.LayersModel)) Object.values(v).forEach(disposeAll);
}

function live(): { numTensors: number; numBytes: number } {
  const { numTensors, numBytes } = wg.memory();
  return { numTensors, numBytes };
}

/**
 * Runs fn with allocation k failing, for k = 0, 1, 2, ... until fn succeeds; each failure must be a
 * WasmgradError leaving memory as it was. Returns how many failure points there were.
 */
async function everyFailurePoint(what: string, fn: () => unknown, cleanup: (result: unknown) => void = disposeAll, max = 400): Promise<number> {
  for (let k = 0; k < max; k++) {
    const before = live();
    allocator().failAfter(k);
    let result: unknown;
    let error: unknown = null;
    try {
      result = await fn();
    } catch (err) {
      error = err;
    } finally {
      allocator().failAfter(null);
    }
    if (error) {
      expect(error, `${what}: failure ${k} must be a WasmgradError, got ${String(error)}`).toBeInstanceOf(wg.WasmgradError);
      expect(live(), `${what}: leak after failing allocation ${k}: ${(error as Error).message}`).toEqual(before);
      continue;
    }
    cleanup(result);
    expect(live(), `${what}: leak after success`).toEqual(before);
    return k;
  }
  throw new Error(`${what}: never succeeded within ${max} allocations`);
}

const t = (shape: number[], seed = 1) => wg.tensor(randomArray(shape.reduce((a, b) => a * b, 1), seed), shape);

beforeAll(() => useBuild('relaxed', 2));
afterEach(() => allocator().failAfter(null));

describe('ops: an allocation failing midway leaks nothing, forward and backward', () => {
  const cases: [string, () => wg.Tensor[], (xs: wg.Tensor[]) => wg.Tensor | wg.Tensor[]][] = [
    ['binary', () => [t([3, 4]), t([4], 2)], ([a, b]) => wg.div(wg.add(a, b), wg.maximum(a, b))],
    ['unary', () => [t([5, 7])], ([a]) => wg.gelu(wg.exp(wg.tanh(a)))],
    ['matmul', () => [t([9, 5]), t([5, 6], 2)], ([a, b]) => wg.matMul(a, b, false, false)],
    ['reduce', () => [t([4, 6])], ([a]) => [wg.sum(a, 1), wg.mean(a), wg.max(a, 0), wg.argMax(a)]],
    ['softmax', () => [t([3, 5])], ([a]) => [wg.softmax(a, 0), wg.logSoftmax(a)]],
    ['shape', () => [t([4, 3]), t([2, 3], 2)], ([a, b]) => [wg.concat([a, b], 0), wg.gather(a, [3, 0, 3]), wg.transpose(a), wg.slice(a, [1, 0], [2, 2])]],
    ['conv', () => [t([2, 6, 6, 3]), t([3, 3, 3, 4], 2), t([3, 3, 3, 2], 3)], ([x, f, d]) => [wg.conv2d(x, f, 1, 'same'), wg.depthwiseConv2d(x, d, 1, 'valid')]],
    ['conv1d and transpose', () => [t([2, 8, 3]), t([3, 3, 4], 2), t([1, 4, 4, 2]), t([3, 3, 5, 2], 3)], ([x, f, y, g]) => [wg.conv1d(x, f, 1, 'same'), wg.conv2dTranspose(y, g, [1, 8, 8, 5], 2, 'same')]],
    ['pool', () => [t([2, 6, 6, 3])], ([x]) => [wg.maxPool(x, 2, 2, 'valid'), wg.avgPool(x, 3, 1, 'same')]],
    ['norm', () => [t([4, 3]), t([3], 2), t([3], 3)], ([x, m, s]) => {
      const { mean, variance } = wg.moments(x, [0]);
      return [mean, variance, wg.batchNorm(x, m, wg.abs(s), m, s)];
    }],
    ['losses', () => [t([4, 5]), wg.softmax(t([4, 5], 2))], ([y, p]) => [wg.losses.categoricalCrossentropy(wg.softmax(y), p), wg.losses.meanSquaredError(y, p)]],
  ];

  test.each(cases)('%s', async (name, make, op) => {
    const xs = make();
    // several ops in one expression: tidy frees what the earlier ones made (the ops free their own)
    const forward = await everyFailurePoint(`${name} forward`, () => wg.tidy(() => op(xs)));
    expect(forward).toBeGreaterThan(0);
    const f = (...vs: wg.Tensor[]) => {
      const out = op(vs);
      const list = Array.isArray(out) ? out : [out];
      return list.filter((o) => o.dtype === 'float32').map((o) => wg.sum(o)).reduce((a, b) => wg.add(a, b));
    };
    await everyFailurePoint(`${name} backward`, () => wg.tidy(() => wg.valueAndGrads(f)(xs.filter((x) => x.dtype === 'float32'))));
    xs.forEach((x) => x.dispose());
  });

  test('recurrent sequences and dropout', async () => {
    const [B, T, I, U] = [2, 3, 4, 3];
    const x = t([B, T, I]), k = t([I, 4 * U], 2), r = t([U, 4 * U], 3), b = t([4 * U], 4);
    const kg = t([I, 3 * U], 5), rg = t([U, 3 * U], 6), bg = t([2, 3 * U], 7);
    await everyFailurePoint('lstmSequence', () => wg.lstmSequence(x, k, r, b, null, null, { returnSequences: true } as never));
    await everyFailurePoint('gruSequence', () => wg.gruSequence(x, kg, rg, bg, null));
    await everyFailurePoint('lstm backward', () => wg.valueAndGrads((xx: wg.Tensor, kk: wg.Tensor) => wg.sum(wg.lstmSequence(xx, kk, r, b, null, null)[0]))([x, k]));
    await everyFailurePoint('dropout', () => wg.dropout(x, 0.5, 3));
    for (const v of [x, k, r, b, kg, rg, bg]) v.dispose();
  });

  test('making tensors', async () => {
    await everyFailurePoint('tensor', () => wg.tidy(() => [wg.tensor([[1, 2], [3, 4]]), wg.zeros([3]), wg.randomNormal([4, 4], 0, 1, 2), wg.oneHot(wg.tensor([1, 0], [2], 'int32'), 3)]));
  });
});

describe('layers, fit, evaluate and predict leak nothing when memory runs out midway', () => {
  test('layer calls (weights built before)', async () => {
    const layers: [wg.Layer, wg.Tensor][] = [
      [wg.layers.dense({ units: 5, activation: 'relu' }), t([3, 4])],
      [wg.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'sigmoid' }), t([1, 5, 5, 2])],
      [wg.layers.lstm({ units: 3, returnSequences: true }), t([2, 4, 3])],
      [wg.layers.batchNormalization({}), t([4, 3])],
      [wg.layers.bidirectional({ layer: wg.layers.gru({ units: 2 }) as never }), t([2, 3, 2])],
    ];
    for (const [layer, x] of layers) {
      disposeAll(layer.apply(x)); // builds the weights
      await everyFailurePoint(`${layer.className} apply`, () => layer.apply(x, { training: true }));
      layer.dispose();
      x.dispose();
    }
  });

  function makeModel(): wg.LayersModel {
    const layers = [wg.layers.dense({ units: 6, inputShape: [4], activation: 'relu' }), wg.layers.dense({ units: 3, activation: 'softmax' })];
    try {
      const m = wg.sequential({ layers });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    } catch (err) {
      // the model was never made: its layers (built up to the failure) are the caller's to free
      for (const l of layers) l.dispose();
      throw err;
    }
  }

  test('fit from scratch: model, optimizer slots and all; everything disposed after a failure', async () => {
    const x = t([10, 4]), y = wg.oneHot(wg.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [10], 'int32'), 3);
    const baseline = live();
    const points = await everyFailurePoint('fit', async () => {
      const m = makeModel();
      try {
        await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, validationSplit: 0.2 });
      } finally {
        m.dispose();
      }
      return null;
    });
    expect(points).toBeGreaterThan(10);
    expect(live()).toEqual(baseline);
    x.dispose();
    y.dispose();
  });

  test('evaluate and predict on a trained model', async () => {
    const m = makeModel();
    const x = t([10, 4]), y = wg.oneHot(wg.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [10], 'int32'), 3);
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    await everyFailurePoint('evaluate', () => m.evaluate(x, y, { batchSize: 3 }));
    await everyFailurePoint('predict', () => m.predict(x, { batchSize: 3 }));
    await everyFailurePoint('trainOnBatch', () => m.trainOnBatch(x, y));
    m.dispose();
    x.dispose();
    y.dispose();
  });

  test('predict through a plan with recurrent layers (their driver called by the plan)', async () => {
    const m = wg.sequential({
      layers: [
        wg.layers.lstm({ units: 5, returnSequences: true, inputShape: [4, 3] }),
        wg.layers.gru({ units: 4, goBackwards: true }),
        wg.layers.dense({ units: 2 }),
      ],
    });
    const x = t([3, 4, 3]);
    // the allocator's live blocks: the plan's buffers and the driver's workspace are not tensors live() counts
    const blocks = () => (allocator() as unknown as { sizes: Map<number, number> }).sizes.size;
    const want = m.predict(x) as wg.Tensor;
    const base = { blocks: blocks(), live: live() };
    for (let k = 0; k < 30; k++) {
      for (let i = 0; i < 2; i++) disposeAll(m.predict(x)); // the second call makes the plan
      expect(m.plans.describe()[0]).toMatchObject({ planned: 3, steps: 3 });
      // a failed run is abandoned (the plan goes) and the layers' own path answers
      allocator().failAfter(k);
      let y: wg.Tensor;
      try {
        y = m.predict(x) as wg.Tensor;
      } finally {
        allocator().failAfter(null);
      }
      expect(y.dataSync()).toEqual(want.dataSync());
      y.dispose();
      m.plans.clear();
      expect({ blocks: blocks(), live: live() }, `failing allocation ${k}`).toEqual(base);
    }
    want.dispose();
    m.dispose();
    x.dispose();
  });

  test('a callback that throws midway, and a bad target shape found after the forward pass', async () => {
    const m = makeModel();
    const x = t([10, 4]), y = wg.oneHot(wg.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], [10], 'int32'), 3);
    await m.fit(x, y, { epochs: 1, verbose: 0 }); // optimizer slots exist from here on
    const before = live();
    const boom = { onBatchEnd: (batch: number) => { if (batch === 1) throw new Error('callback failed'); } };
    await expect(m.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0, callbacks: boom })).rejects.toThrow('callback failed');
    expect(live()).toEqual(before);
    const wrong = wg.ones([10, 4]);
    await expect(m.fit(x, wrong, { epochs: 1, verbose: 0 })).rejects.toThrow(wg.WasmgradError);
    expect(() => m.evaluate(x, wrong)).toThrow(wg.WasmgradError);
    expect(live()).toEqual({ numTensors: before.numTensors + 1, numBytes: before.numBytes + wrong.size * 4 });
    for (const v of [wrong, x, y]) v.dispose();
    m.dispose();
  });
});

describe('loaders leak nothing when memory runs out midway', () => {
  test('loadModel and decodeSafetensors', async () => {
    const m2 = wg.sequential({ layers: [wg.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }), wg.layers.flatten(), wg.layers.dense({ units: 2 })] });
    m2.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const a = await m2.save();
    await everyFailurePoint('loadModel', () => wg.loadModel(a), (loaded) => (loaded as wg.LayersModel).dispose());
    const record = { a: t([3, 4]), b: t([5], 2), c: wg.tensor([1, 2], [2], 'int32') };
    const bytes = wg.io.encodeSafetensors(record);
    disposeAll(record);
    await everyFailurePoint('decodeSafetensors', () => wg.io.decodeSafetensors(bytes));
    m2.dispose();
  });
});
