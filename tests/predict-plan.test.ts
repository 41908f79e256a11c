// The compiled inference plan of predict / predictOnBatch (src/models/plan.ts): the bits of the
// unplanned forward pass for every kind of model, batch size and build; dropped when the graph, a
// layer's configuration or trainable flag changes; weight writes seen at once; no memory growth;
// buffers freed with the model.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, THREADED_BUILDS } from './helpers';

type Model = wg.LayersModel;
const BATCHES = [1, 3, 17];

/** Today's path: the graph run layer by layer in a tidy without a tape. */
function unplanned(model: Model, xs: wg.Tensor[]): Float32Array[] {
  return wg.tidy(() => wg.noGrad(() => model.forward(xs, false))).map((t) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  });
}

function planned(model: Model, xs: wg.Tensor[], batch = false): Float32Array[] {
  const r = batch ? model.predict(xs.length === 1 ? xs[0] : xs, { batchSize: 5 }) : model.predictOnBatch(xs.length === 1 ? xs[0] : xs);
  const outs = Array.isArray(r) ? r : [r];
  return outs.map((t) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  });
}

function expectSameBits(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength))).toBe(true));
}

function inputs(shapes: number[][], seed: number, int = 0): wg.Tensor[] {
  return shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    if (int) return wg.tensor(Int32Array.from(randomArray(n, seed + i, 0, int), (v) => Math.floor(v)), s, 'int32');
    return wg.tensor(randomArray(n, seed + i), s);
  });
}

function mlp(): Model {
  return wg.sequential({
    layers: [
      wg.layers.dense({ units: 13, activation: 'relu', inputShape: [7] }),
      wg.layers.dense({ units: 9, activation: 'sigmoid' }),
      wg.layers.dense({ units: 6, activation: 'tanh' }),
      wg.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
}

function cnn(): Model {
  return wg.sequential({
    layers: [
      wg.layers.conv2d({ filters: 5, kernelSize: 3, activation: 'relu', padding: 'same', inputShape: [9, 11, 3] }),
      wg.layers.maxPooling2d({ poolSize: 2 }),
      wg.layers.conv2d({ filters: 6, kernelSize: [2, 3], strides: [1, 2] }),
      wg.layers.batchNormalization({}),
      wg.layers.activation({ activation: 'elu' }),
      wg.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
      wg.layers.dropout({ rate: 0.3 }),
      wg.layers.flatten(),
      wg.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
}

function rnn(): Model {
  return wg.sequential({
    layers: [
      wg.layers.dense({ units: 5, activation: 'tanh', inputShape: [6, 3] }),
      wg.layers.lstm({ units: 7, returnSequences: true }),
      wg.layers.gru({ units: 4 }),
      wg.layers.dense({ units: 3 }),
    ],
  });
}

function recurrentOptions(): Model {
  return wg.sequential({
    layers: [
      wg.layers.simpleRNN({ units: 5, returnSequences: true, activation: 'relu', inputShape: [6, 3] }),
      wg.layers.gru({ units: 17, returnSequences: true, resetAfter: false, goBackwards: true }),
      wg.layers.lstm({ units: 9, returnSequences: true, recurrentActivation: 'hardSigmoid', useBias: false }),
      wg.layers.gru({ units: 16, goBackwards: true }),
    ],
  });
}

function functional(): Model {
  const a = wg.layers.input({ shape: [5] });
  const b = wg.layers.input({ shape: [5] });
  const d1 = wg.layers.dense({ units: 8, activation: 'relu' }).apply(a) as wg.SymbolicTensor;
  const d2 = wg.layers.dense({ units: 8 }).apply(b) as wg.SymbolicTensor;
  const sum = wg.layers.add().apply([d1, d2]) as wg.SymbolicTensor;
  const gate = wg.layers.dense({ units: 1, activation: 'sigmoid' }).apply(b) as wg.SymbolicTensor;
  const gated = wg.layers.multiply().apply([sum, gate]) as wg.SymbolicTensor; // broadcast [B, 8] by [B, 1]
  const cat = wg.layers.concatenate().apply([gated, a]) as wg.SymbolicTensor;
  const wide = wg.layers.concatenate({ axis: 1 }).apply([a, cat]) as wg.SymbolicTensor;
  const out1 = wg.layers.dense({ units: 3, activation: 'softmax' }).apply(wide) as wg.SymbolicTensor;
  const out2 = wg.layers.dropout({ rate: 0.5 }).apply(d1) as wg.SymbolicTensor;
  return wg.model({ inputs: [a, b], outputs: [out1, out2, d1] });
}

function branches(): Model {
  const x = wg.layers.input({ shape: [7, 5, 3] });
  const c1 = wg.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as wg.SymbolicTensor;
  const c2 = wg.layers.conv2d({ filters: 3, kernelSize: 1 }).apply(x) as wg.SymbolicTensor;
  const channels = wg.layers.concatenate().apply([c1, c2]) as wg.SymbolicTensor; // [B, 7, 5, 5]
  const rows = wg.layers.concatenate({ axis: 1 }).apply([channels, channels]) as wg.SymbolicTensor; // [B, 14, 5, 5]
  const pooled = wg.layers.maxPooling2d({ poolSize: [3, 2], strides: [2, 1] }).apply(rows) as wg.SymbolicTensor;
  const out = wg.layers.dense({ units: 2 }).apply(wg.layers.flatten().apply(pooled) as wg.SymbolicTensor) as wg.SymbolicTensor;
  return wg.model({ inputs: x, outputs: out });
}

function globalPools(): Model {
  const x = wg.layers.input({ shape: [6, 5, 3] });
  const c = wg.layers.conv2d({ filters: 4, kernelSize: 2, activation: 'relu' }).apply(x) as wg.SymbolicTensor;
  const avg = wg.layers.globalAveragePooling2d({}).apply(c) as wg.SymbolicTensor;
  const mx = wg.layers.globalMaxPooling2d({}).apply(c) as wg.SymbolicTensor;
  const seq = wg.layers.reshape({ targetShape: [30, 3] }).apply(x) as wg.SymbolicTensor;
  const avg1 = wg.layers.globalAveragePooling1d({}).apply(seq) as wg.SymbolicTensor;
  const mx1 = wg.layers.globalMaxPooling1d({}).apply(seq) as wg.SymbolicTensor;
  return wg.model({ inputs: x, outputs: [wg.layers.add().apply([avg, mx]) as wg.SymbolicTensor, wg.layers.subtract().apply([avg1, mx1]) as wg.SymbolicTensor] });
}

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'selu', 'gelu', 'softplus', 'swish', 'relu6', 'softsign', 'hardSigmoid', 'mish'];

/** Every activation by name, in dense layers and activation layers, and a user function named like a built-in. */
function activations(): Model {
  const layers: wg.Layer[] = [wg.layers.dense({ units: 6, inputShape: [5] })];
  for (const a of ACTIVATIONS) layers.push(wg.layers.dense({ units: 6, activation: a }), wg.layers.activation({ activation: a }));
  const sigmoid = (x: wg.Tensor) => wg.mul(x, wg.scalar(0.5));
  layers.push(wg.layers.dense({ units: 3, activation: sigmoid }));
  return wg.sequential({ layers });
}

function masked(): Model {
  return wg.sequential({
    layers: [
      wg.layers.embedding({ inputDim: 6, outputDim: 4, maskZero: true, inputLength: 5 }),
      wg.layers.dense({ units: 4, activation: 'relu' }),
      wg.layers.lstm({ units: 3 }),
      wg.layers.dense({ units: 2 }),
    ],
  });
}

function flattenLast(): Model {
  return wg.sequential({ layers: [wg.layers.dense({ units: 6, inputShape: [4] }), wg.layers.reshape({ targetShape: [2, 3] })] });
}

const CASES: [string, () => Model, (b: number) => number[][], number][] = [
  ['dense MLP', mlp, (b) => [[b, 7]], 0],
  ['CNN: conv, pool, batch norm, dropout, flatten', cnn, (b) => [[b, 9, 11, 3]], 0],
  ['dense over time, LSTM, GRU', rnn, (b) => [[b, 6, 3]], 0],
  ['simpleRNN, GRU reset before, LSTM without bias, backwards and hard sigmoid gates', recurrentOptions, (b) => [[b, 6, 3]], 0],
  ['functional with add, a broadcast multiply and concatenate, three outputs', functional, (b) => [[b, 5], [b, 5]], 0],
  ['image branches joined along channels and rows (concatenate of rank 4)', branches, (b) => [[b, 7, 5, 3]], 0],
  ['global average and max pooling, 2-D and 1-D', globalPools, (b) => [[b, 6, 5, 3]], 0],
  ['every activation, built-in and a user function named sigmoid', activations, (b) => [[b, 5]], 0],
  ['embedding with a padding mask, then LSTM', masked, (b) => [[b, 5]], 6],
  ['a view (reshape) as the output', flattenLast, (b) => [[b, 4]], 0],
];

afterAll(() => wg.shutdown());

describe.each(builds())('the inference plan, %s build', (build) => {
  test.each(CASES)('%s: bits of the unplanned path at batch 1, 3, 17, in predictOnBatch and batched predict', async (_, make, shapes, int) => {
    await useBuild(build, THREADED_BUILDS.includes(build) ? 2 : 1);
    const model = make();
    for (const b of BATCHES) {
      const xs = inputs(shapes(b), 11 * b, int);
      const want = unplanned(model, xs);
      // the first call runs unplanned, the second traces and plans, the next ones run the plan
      for (let k = 0; k < 3; k++) expectSameBits(planned(model, xs), want);
      expectSameBits(planned(model, xs, true), want);
      for (const x of xs) x.dispose();
    }
    const plans = model.plans.describe();
    expect(plans.length).toBeGreaterThan(0);
    model.dispose();
    expect(model.plans.describe()).toEqual([]);
  });

  test('what is planned: the MLP, the CNN, the image branches and the functional model whole', async () => {
    await useBuild(build);
    const counts = (make: () => Model, shape: number[], int = 0) => {
      const m = make();
      const xs = inputs([shape], 1, int);
      planned(m, xs);
      planned(m, xs);
      const [p] = m.plans.describe();
      m.dispose();
      for (const x of xs) x.dispose();
      return [p.planned, p.steps];
    };
    expect(counts(mlp, [3, 7])).toEqual([4, 4]);
    expect(counts(rnn, [3, 6, 3])).toEqual([4, 4]);
    expect(counts(recurrentOptions, [3, 6, 3])).toEqual([4, 4]);
    expect(counts(cnn, [3, 9, 11, 3])).toEqual([9, 9]);
    expect(counts(flattenLast, [3, 4])).toEqual([2, 2]);
    expect(counts(branches, [3, 7, 5, 3])).toEqual([7, 7]);
    expect(counts(globalPools, [3, 6, 5, 3])).toEqual([8, 8]);
    // softsign, hardSigmoid and mish are composites (their layers run their own call), as is the user function
    expect(counts(activations, [3, 5])).toEqual([1 + 2 * (ACTIVATIONS.length - 3), 2 + 2 * ACTIVATIONS.length]);
    const f = functional();
    const xs = inputs([[3, 5], [3, 5]], 4);
    planned(f, xs);
    planned(f, xs);
    // every call: dense x4, add, multiply, concatenate x2, dropout
    expect(f.plans.describe()[0]).toMatchObject({ planned: 9, steps: 9 });
    f.dispose();
    for (const x of xs) x.dispose();
  });

  test('weights written by a training step, setWeights and assign are seen; trainable and graph changes replan', async () => {
    await useBuild(build);
    const model = mlp() as wg.Sequential;
    model.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    const [x] = inputs([[3, 7]], 5);
    const y = wg.oneHot(wg.tensor([0, 3, 4], [3], 'int32'), 5);
    planned(model, [x]);
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    const before = planned(model, [x]);
    await model.trainOnBatch(x, y);
    const afterStep = planned(model, [x]);
    expect(Buffer.from(afterStep[0].buffer).equals(Buffer.from(before[0].buffer))).toBe(false);
    expectSameBits(afterStep, unplanned(model, [x]));
    const ws = model.getWeights().map((w, i) => (i === 0 ? wg.tidy(() => wg.mul(w, wg.scalar(-2))) : w));
    model.setWeights(ws);
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    (model.layers[1].weights[1] as wg.Variable).assign(wg.tensor(randomArray(9, 3), [9]));
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    model.layers[2].trainable = false;
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    expect(model.plans.describe().length).toBe(0); // dropped, and this call traced anew without a plan kept yet
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    model.add(wg.layers.dense({ units: 2 }));
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    model.pop();
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    for (const t of [x, y, ...ws]) t.dispose();
    model.dispose();
  });

  test('batch norm: the moving statistics a training step writes are seen by the plan', async () => {
    await useBuild(build);
    const model = cnn();
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const [x] = inputs([[4, 9, 11, 3]], 8);
    const y = wg.oneHot(wg.tensor([0, 1, 2, 3], [4], 'int32'), 4);
    planned(model, [x]);
    const before = planned(model, [x]);
    expectSameBits(before, unplanned(model, [x]));
    await model.trainOnBatch(x, y);
    const after = planned(model, [x]);
    expect(Buffer.from(after[0].buffer).equals(Buffer.from(before[0].buffer))).toBe(false);
    expectSameBits(after, unplanned(model, [x]));
    expect(model.plans.describe()[0].planned).toBe(9);
    for (const t of [x, y]) t.dispose();
    model.dispose();
  });

  test('memory stays flat over 1000 planned calls, and dropping the plans (as dispose does) frees their buffers', async () => {
    await useBuild(build);
    // the allocator's live blocks: the plan's buffers are memory the library keeps, not tensors memory() counts
    const blocks = () => (wg._engine().allocator as unknown as { sizes: Map<number, number> }).sizes.size;
    const base = wg.memory();
    const model = cnn();
    const xs = inputs([[3, 9, 11, 3]], 9);
    unplanned(model, xs); // the drivers' own scratch, kept across calls, is allocated here
    const unplannedBlocks = blocks();
    planned(model, xs);
    planned(model, xs);
    expect(blocks()).toBeGreaterThan(unplannedBlocks);
    const warm = wg.memory();
    const warmBlocks = blocks();
    for (let i = 0; i < 1000; i++) model.predictOnBatch(xs[0]).dispose();
    const after = wg.memory();
    expect(blocks()).toBe(warmBlocks);
    expect(after.numTensors).toBe(warm.numTensors);
    expect(after.numBytes).toBe(warm.numBytes);
    expect(after.wasmBytes).toBe(warm.wasmBytes);
    model.plans.clear();
    expect(blocks()).toBe(unplannedBlocks);
    // one call with new shapes plans nothing (a model predicted once pays for no plan); the second plans
    planned(model, xs);
    expect(model.plans.describe().length).toBe(0);
    expect(blocks()).toBe(unplannedBlocks);
    planned(model, xs);
    expect(model.plans.describe().length).toBe(1);
    model.dispose();
    expect(model.plans.describe()).toEqual([]);
    for (const x of xs) x.dispose();
    expect(wg.memory().numTensors).toBe(base.numTensors);
    expect(wg.memory().numBytes).toBe(base.numBytes);
  });
});

describe('the plan against errors and odd layers', () => {
  test('a disposed weight raises the error of the unplanned path', async () => {
    await useBuild('simd');
    const model = mlp();
    const [x] = inputs([[2, 7]], 1);
    planned(model, [x]);
    planned(model, [x]);
    model.layers[1].weights[0].dispose();
    let want = '';
    try {
      unplanned(model, [x]);
    } catch (e) {
      want = (e as Error).message;
    }
    expect(want).not.toBe('');
    expect(() => model.predictOnBatch(x)).toThrow(want);
    x.dispose();
    model.dispose();
  });

  test('a subclass of a planned layer runs its own call', async () => {
    await useBuild('simd');
    class Doubled extends wg.layers.Dense {
      call(inputs: wg.Tensor | wg.Tensor[]): wg.Tensor {
        const y = super.call(inputs) as wg.Tensor;
        const z = wg.mul(y, wg.scalar(2));
        y.dispose();
        return z;
      }
    }
    const model = wg.sequential({ layers: [new Doubled({ units: 3, inputShape: [4] })] });
    const [x] = inputs([[3, 4]], 2);
    planned(model, [x]);
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    expect(model.plans.describe()[0].planned).toBe(0);
    x.dispose();
    model.dispose();
  });

  test('a fallback layer that returns another shape than traced: the run is abandoned for the unplanned answer', async () => {
    await useBuild('simd');
    class Sometimes extends wg.Layer {
      static className = 'Sometimes';
      wide = false;
      call(inputs: wg.Tensor | wg.Tensor[]): wg.Tensor {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        return this.wide ? wg.concat([x, x], 1) : wg.clone(x);
      }
    }
    const odd = new Sometimes({});
    const model = wg.sequential({ layers: [wg.layers.dense({ units: 3, inputShape: [4] }), odd, wg.layers.activation({ activation: 'relu' })] });
    const [x] = inputs([[3, 4]], 6);
    planned(model, [x]);
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    odd.wide = true;
    const want = unplanned(model, [x]);
    expect(want[0].length).toBe(18);
    const before = wg.memory().numTensors;
    expectSameBits(planned(model, [x]), want);
    expect(wg.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  test('a layer predicting with its own model meanwhile gets the unplanned answer; the running plan is kept', async () => {
    await useBuild('simd');
    let outer: Model | null = null;
    const seen: Float32Array[] = [];
    class Peek extends wg.Layer {
      static className = 'Peek';
      call(inputs: wg.Tensor | wg.Tensor[]): wg.Tensor {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        if (outer && x.shape[1] === 5) {
          const m = outer;
          outer = null;
          seen.push(...planned(m, [wg.tidy(() => wg.reshape(wg.slice(x, [0, 0], [x.shape[0], 4]), [x.shape[0], 4]))]));
        }
        return wg.clone(x);
      }
    }
    const model = wg.sequential({ layers: [wg.layers.dense({ units: 5, inputShape: [4] }), new Peek({}), wg.layers.dense({ units: 2 })] });
    const [x] = inputs([[3, 4]], 7);
    planned(model, [x]);
    planned(model, [x]);
    outer = model;
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    expect(seen.length).toBe(1);
    expect(model.plans.describe().length).toBe(1);
    expectSameBits(planned(model, [x]), unplanned(model, [x]));
    x.dispose();
    model.dispose();
  });
});
