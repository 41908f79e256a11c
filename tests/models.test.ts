// Models: sequential and functional graphs (multiple inputs and outputs, shared layers, merge layers,
// nested models), summary, weights, the advanced activation layers, and predict (batched, no tape,
// no leaks) on every build.
import { describe, test, expect, afterAll, beforeAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, expectNoLeak } from './helpers';

afterAll(() => wg.shutdown());

const mlp = (seed = 1) =>
  wg.sequential({
    layers: [
      wg.layers.dense({ units: 16, activation: 'relu', inputShape: [8], kernelInitializer: wg.initializers.glorotUniform({ seed }) }),
      wg.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });

describe.each(builds())('models on the %s build', (build) => {
  test('sequential forward equals the layers applied by hand; predict is batched and leak-free', async () => {
    await useBuild(build, 2);
    const m = mlp();
    const x = wg.tensor(randomArray(50 * 8, 7), [50, 8]);
    const byHand = wg.tidy(() => m.layers.reduce((t: wg.Tensor, l) => l.apply(t) as wg.Tensor, x));
    let p!: wg.Tensor;
    expectNoLeak(() => {
      const a = m.predict(x, { batchSize: 7 }) as wg.Tensor;
      const b = m.predict(x, { batchSize: 64 }) as wg.Tensor;
      expect(a.shape).toEqual([50, 3]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      a.dispose();
      b.dispose();
    });
    p = m.predictOnBatch(x) as wg.Tensor;
    expectClose(p.dataSync(), byHand.dataSync(), 1e-6, 1e-6);
    for (const t of [x, byHand, p]) t.dispose();
    m.dispose();
  });
});

describe('graphs', () => {
  beforeAll(async () => {
    await wg.init();
  });

  test('sequential: layers, input shape, summary table, counts, getLayer', () => {
    const m = wg.sequential({ name: 'mlp_summary' });
    m.add(wg.layers.dense({ units: 4, inputShape: [3], name: 'h1' }));
    m.add(wg.layers.dense({ units: 2, useBias: false, name: 'h2' }));
    expect(m.layers.map((l) => l.name)).toEqual(['h1', 'h2']);
    expect(m.inputs[0].shape).toEqual([null, 3]);
    expect(m.outputs[0].shape).toEqual([null, 2]);
    expect(m.countParams()).toBe(3 * 4 + 4 + 4 * 2);
    expect(m.getLayer('h2')).toBe(m.layers[1]);
    expect(m.getLayer(0).name).toBe('h1');
    expect(() => m.getLayer('nope')).toThrow(wg.WasmgradError);
    const lines: string[] = [];
    m.summary(undefined, undefined, (s) => lines.push(s));
    const text = lines.join('\n');
    expect(text).toContain('Model: "mlp_summary"');
    expect(text).toMatch(/h1 \(Dense\)\s+\(None, 4\)\s+16/);
    expect(text).toMatch(/h2 \(Dense\)\s+\(None, 2\)\s+8/);
    expect(text).toContain('Total params: 24');
    expect(text).toContain('Trainable params: 24');
    expect(text).toContain('Non-trainable params: 0');
    expect(m.weightNames).toEqual(['h1/kernel', 'h1/bias', 'h2/kernel']);
    m.dispose();
  });

  test('sequential without an input shape builds on the first data; pop removes the top', () => {
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 5 }), wg.layers.dense({ units: 2 })] });
    expect(m.built).toBe(false);
    const x = wg.ones([4, 6]);
    const y = m.predict(x) as wg.Tensor;
    expect(y.shape).toEqual([4, 2]);
    expect(m.inputs[0].shape).toEqual([null, 6]);
    m.pop();
    const z = m.predict(x) as wg.Tensor;
    expect(z.shape).toEqual([4, 5]);
    for (const t of [x, y, z]) t.dispose();
    m.dispose();
  });

  test('getWeights / setWeights round trip and checks', () => {
    const a = mlp(3), b = mlp(9);
    const x = wg.tensor(randomArray(10 * 8, 1), [10, 8]);
    const ws = a.getWeights();
    b.setWeights(ws);
    const pa = a.predict(x) as wg.Tensor, pb = b.predict(x) as wg.Tensor;
    expect(Array.from(pb.dataSync())).toEqual(Array.from(pa.dataSync()));
    expect(() => b.setWeights(ws.slice(1))).toThrow(/expected 4 tensors/);
    expect(() => b.setWeights([ws[1], ws[0], ws[2], ws[3]])).toThrow(wg.WasmgradError);
    for (const t of [...ws, x, pa, pb]) t.dispose();
    a.dispose();
    b.dispose();
  });

  test('functional: two inputs, two outputs, a shared layer, add / concatenate / multiply', () => {
    const a = wg.input({ shape: [4], name: 'in_a' });
    const b = wg.input({ shape: [4], name: 'in_b' });
    const shared = wg.layers.dense({ units: 3, name: 'shared', kernelInitializer: wg.initializers.glorotUniform({ seed: 5 }) });
    const ha = shared.apply(a) as wg.SymbolicTensor;
    const hb = shared.apply(b) as wg.SymbolicTensor;
    const sum = wg.layers.add({ name: 'sum' }).apply([ha, hb]) as wg.SymbolicTensor;
    const prod = wg.layers.multiply({ name: 'prod' }).apply([ha, hb]) as wg.SymbolicTensor;
    const cat = wg.layers.concatenate({ name: 'cat' }).apply([sum, prod]) as wg.SymbolicTensor;
    expect(cat.shape).toEqual([null, 6]);
    const out1 = wg.layers.dense({ units: 1, name: 'out1' }).apply(cat) as wg.SymbolicTensor;
    const out2 = wg.layers.activation({ activation: 'linear', name: 'out2' }).apply(sum) as wg.SymbolicTensor;
    const m = wg.model({ inputs: [a, b], outputs: [out1, out2] });
    expect(m.inputNames).toEqual(['in_a', 'in_b']);
    expect(m.outputNames).toEqual(['out1', 'out2']);
    expect(m.layers.map((l) => l.name)).toEqual(['in_a', 'in_b', 'shared', 'sum', 'prod', 'cat', 'out1', 'out2']);
    expect(m.countParams()).toBe(4 * 3 + 3 + 6 + 1);
    const xa = wg.tensor(randomArray(5 * 4, 2), [5, 4]);
    const xb = wg.tensor(randomArray(5 * 4, 3), [5, 4]);
    const before = wg.memory().numTensors;
    const [y1, y2] = m.predict([xa, xb]) as wg.Tensor[];
    expect(wg.memory().numTensors).toBe(before + 2);
    expect(y1.shape).toEqual([5, 1]);
    const want = wg.tidy(() => {
      const pa = shared.apply(xa) as wg.Tensor, pb = shared.apply(xb) as wg.Tensor;
      return wg.add(pa, pb);
    });
    expectClose(y2.dataSync(), want.dataSync(), 1e-6, 1e-6);
    // by name too
    const [z1] = m.predict({ in_a: xa, in_b: xb }) as wg.Tensor[];
    expect(Array.from(z1.dataSync())).toEqual(Array.from(y1.dataSync()));
    const lines: string[] = [];
    m.summary(undefined, undefined, (s) => lines.push(s));
    expect(lines.join('\n')).toMatch(/shared \(Dense\)\s+multiple\s+15\s+in_a\[0\]\[0\]/);
    expect(lines.join('\n')).toMatch(/in_b\[0\]\[0\]/);
    for (const t of [xa, xb, y1, y2, want, z1]) t.dispose();
    m.dispose();
  });

  test('a residual block (add) and a nested model used as a layer', () => {
    const inner = mlp(11);
    const x = wg.input({ shape: [8] });
    const h = wg.layers.dense({ units: 8, activation: 'relu' }).apply(x) as wg.SymbolicTensor;
    const res = wg.layers.add().apply([x, h]) as wg.SymbolicTensor;
    const out = inner.apply(res) as wg.SymbolicTensor;
    expect(out.shape).toEqual([null, 3]);
    const m = wg.model({ inputs: x, outputs: out });
    expect(m.countParams()).toBe(8 * 8 + 8 + inner.countParams());
    expect(m.weightNames.slice(-4)).toEqual([`${inner.name}/${inner.layers[0].name}/kernel`, `${inner.name}/${inner.layers[0].name}/bias`, `${inner.name}/${inner.layers[1].name}/kernel`, `${inner.name}/${inner.layers[1].name}/bias`]);
    const xv = wg.tensor(randomArray(6 * 8, 4), [6, 8]);
    const y = m.predict(xv) as wg.Tensor;
    expect(y.shape).toEqual([6, 3]);
    const rows = y.arraySync() as number[][];
    for (const r of rows) expect(r.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    xv.dispose();
    y.dispose();
    m.dispose();
  });

  test('graph errors: disconnected, duplicate names, wrong inputs', () => {
    const a = wg.input({ shape: [2] });
    const b = wg.input({ shape: [2] });
    const s = wg.layers.add().apply([a, b]) as wg.SymbolicTensor;
    expect(() => wg.model({ inputs: a, outputs: s })).toThrow(/disconnected/);
    const d1 = wg.layers.dense({ units: 2, name: 'same' }).apply(a) as wg.SymbolicTensor;
    const d2 = wg.layers.dense({ units: 2, name: 'same' }).apply(d1) as wg.SymbolicTensor;
    expect(() => wg.model({ inputs: a, outputs: d2 })).toThrow(/unique/);
    expect(() => wg.model({ inputs: d1, outputs: d2 })).toThrow(wg.WasmgradError);
    expect(() => wg.layers.add().apply([a, wg.input({ shape: [3] })])).toThrow(/broadcast/);
    expect(() => wg.layers.concatenate({ axis: 0 }).apply([a, b])).toThrow(/batch axis/);
    const ok = wg.model({ inputs: [a, b], outputs: s });
    const x = wg.ones([2, 3]);
    expect(() => ok.predict([x, x])).toThrow(/must have shape/);
    expect(() => ok.predict(x)).toThrow(/expected 2 input/);
    x.dispose();
  });

  test('input layer in a sequential model; int32 inputs for an embedding', () => {
    const m = wg.sequential({ layers: [wg.layers.inputLayer({ shape: [5], dtype: 'int32' }), wg.layers.embedding({ inputDim: 10, outputDim: 3 }), wg.layers.flatten()] });
    expect(m.layers.length).toBe(2);
    const ids = wg.tensor(Int32Array.from([1, 2, 3, 4, 5, 0, 0, 9, 9, 9]), [2, 5], 'int32');
    const y = m.predict(ids) as wg.Tensor;
    expect(y.shape).toEqual([2, 15]);
    for (const t of [ids, y]) t.dispose();
    m.dispose();
  });

  test('merge layers: subtract, average, maximum, minimum values', () => {
    const p = wg.tensor([[1, -2, 3]]), q = wg.tensor([[0.5, 4, -1]]);
    const cases: [wg.layers.Layer, number[]][] = [
      [wg.layers.subtract(), [0.5, -6, 4]],
      [wg.layers.average(), [0.75, 1, 1]],
      [wg.layers.maximum(), [1, 4, 3]],
      [wg.layers.minimum(), [0.5, -2, -1]],
    ];
    for (const [l, want] of cases) {
      const y = l.apply([p, q]) as wg.Tensor;
      expect(Array.from(y.dataSync())).toEqual(want);
      y.dispose();
    }
    p.dispose();
    q.dispose();
  });
});

describe('advanced activations', () => {
  beforeAll(async () => {
    await wg.init();
  });

  test('prelu: per-unit slopes, shared axes, gradient to alpha', () => {
    const l = wg.layers.prelu({ alphaInitializer: wg.initializers.constant({ value: 0.25 }) });
    const x = wg.tensor([[-2, 3], [4, -8]]);
    const y = l.apply(x) as wg.Tensor;
    expect(Array.from(y.dataSync())).toEqual([-0.5, 3, 4, -2]);
    expect(l.weights[0].shape).toEqual([2]);
    const { grads } = wg.variableGrads(() => wg.sum(l.apply(x) as wg.Tensor), l.trainableWeights);
    // d/dalpha_j sum(alpha_j min(x, 0)) = sum of the negative inputs of unit j
    expect(Array.from(grads[l.weights[0].name].dataSync())).toEqual([-2, -8]);
    const img = wg.layers.prelu({ sharedAxes: [1, 2] });
    const yi = img.apply(wg.ones([1, 4, 4, 3])) as wg.Tensor;
    expect(img.weights[0].shape).toEqual([1, 1, 3]);
    for (const t of [x, y, yi, ...Object.values(grads)]) t.dispose();
  });

  test('maxout: max over contiguous groups, in a trainable dense + maxout stack', () => {
    const l = wg.layers.maxout({ units: 2 });
    const x = wg.tensor([[1, 5, -1, 2, 0, 7], [9, 0, 0, -3, -4, -5]]);
    const y = l.apply(x) as wg.Tensor;
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([5, 7, 9, -3]);
    expect(() => l.apply(wg.ones([1, 5]))).toThrow(/multiple of units/);
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 8, inputShape: [2] }), wg.layers.maxout({ units: 4 }), wg.layers.dense({ units: 1 })] });
    expect(m.outputs[0].shape).toEqual([null, 1]);
    expect(wg.layers.leakyReLU({ alpha: 0.1 }).apply(wg.tensor([-10, 1])) instanceof wg.Tensor).toBe(true);
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });

  test('initializers are seedable: the same seed gives the same weights', () => {
    const make = () => wg.layers.dense({ units: 4, inputShape: [3], kernelInitializer: wg.initializers.heNormal({ seed: 42 }) });
    const a = make(), b = make();
    const x = wg.ones([1, 3]);
    (a.apply(x) as wg.Tensor).dispose();
    (b.apply(x) as wg.Tensor).dispose();
    expect(Array.from(a.weights[0].dataSync())).toEqual(Array.from(b.weights[0].dataSync()));
    x.dispose();
    a.dispose();
    b.dispose();
  });
});
