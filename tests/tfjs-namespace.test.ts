// Fixes to the TF.js namespace found by running TF.js programs on it, each checked against
// @tensorflow/tfjs 4.22 (cpu backend): precision/recall on binary predictions, pow with tensor
// exponents (negative bases, broadcasting, gradients to both operands), atan2's broadcast
// gradients, tf.grad of non-scalar functions, TF.js's order of model weights and layers, and
// tf.Sequential / tf.LayersModel (new, fromConfig) making TF.js models.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import { expectClose, randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

const same = (ours: wt.Tensor, theirs: tf.Tensor, tol = 1e-6) => {
  expect(ours.shape).toEqual(theirs.shape);
  expectClose(ours.dataSync(), theirs.dataSync() as Float32Array, tol, tol);
};

describe('tf.metrics', () => {
  it('precision and recall count predictions equal to 1 and 0 (no threshold), 0 with no positives', () => {
    const cases: [number[], number[]][] = [
      [[1, 0, 1, 0, 1], [1, 1, 0, 0, 1]],
      [[1, 0, 1, 0], [0.8, 0.3, 0.4, 0.7]],
      [[0, 0, 1], [0, 0, 0]],
    ];
    for (const [t, p] of cases) {
      same(wt.metrics.precision(wt.tensor(t), wt.tensor(p)), tf.metrics.precision(tf.tensor(t), tf.tensor(p)));
      same(wt.metrics.recall(wt.tensor(t), wt.tensor(p)), tf.metrics.recall(tf.tensor(t), tf.tensor(p)));
    }
  });
});

describe('pow', () => {
  const base = randomArray(6, 3, -2, 2);
  it('a tensor exponent: negative bases with whole exponents, broadcasting, method and function', () => {
    same(wt.tensor(base, [2, 3]).pow(wt.scalar(3)), tf.tensor(base, [2, 3]).pow(tf.scalar(3)), 1e-5);
    same(wt.pow(wt.tensor(base, [2, 3]), wt.tensor([2, 3, 1])), tf.pow(tf.tensor(base, [2, 3]), tf.tensor([2, 3, 1])), 1e-5);
    same(wt.tensor(base, [2, 3]).pow(2), tf.tensor(base, [2, 3]).pow(2), 1e-5);
    const ints = wt.tensor([2, -3], [2], 'int32').pow(wt.tensor([3, 2], [2], 'int32'));
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([8, 9]);
  });

  it('gradients to the base and to a broadcast exponent, as TF.js', () => {
    const pos = Array.from(base, (v) => Math.abs(v) + 0.1);
    const f = (b: wt.Tensor, e: wt.Tensor) => b.pow(e).sum();
    const g = (b: tf.Tensor, e: tf.Tensor) => b.pow(e).sum();
    for (const values of [pos, Array.from(base)]) {
      const ours = wt.grads(f)([wt.tensor(values, [2, 3]), wt.tensor([2, 1.5, 3], [3])]);
      const theirs = tf.grads(g)([tf.tensor(values, [2, 3]), tf.tensor([2, 1.5, 3], [3])]);
      // negative bases with a fractional exponent give NaN in both libraries, in the same places
      for (const k of [0, 1]) {
        expect(ours[k].shape).toEqual(theirs[k].shape);
        const o = ours[k].dataSync(), t = theirs[k].dataSync();
        expect(Array.from(o, Number.isNaN)).toEqual(Array.from(t, Number.isNaN));
        expectClose(o.map((v) => (Number.isNaN(v) ? 0 : v)), Array.from(t, (v) => (Number.isNaN(v) ? 0 : v)), 1e-4, 1e-5);
      }
    }
  });
});

describe('atan2', () => {
  it('broadcast operands get gradients of their own shapes', () => {
    const a = randomArray(6, 4, -2, 2), b = [0.5, -1, 2];
    const [ga, gb] = wt.grads((x: wt.Tensor, y: wt.Tensor) => wt.atan2(x, y).sum())([wt.tensor(a, [2, 3]), wt.tensor(b)]);
    const [ta, tb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.atan2(x, y).sum())([tf.tensor(a, [2, 3]), tf.tensor(b)]);
    same(ga, ta, 1e-5);
    same(gb, tb, 1e-5);
  });
});

describe('tf.grad and tf.grads', () => {
  it('take functions with non-scalar results (dy = ones), and dy when given', () => {
    const v = [0.5, 1.5, -2];
    same(wt.grad((x: wt.Tensor) => x.sin().mul(x))(wt.tensor(v)), tf.grad((x: tf.Tensor) => x.sin().mul(x))(tf.tensor(v)), 1e-5);
    const dy = [1, -2, 0.5];
    same(wt.grad((x: wt.Tensor) => x.square())(wt.tensor(v), wt.tensor(dy)), tf.grad((x: tf.Tensor) => x.square())(tf.tensor(v), tf.tensor(dy)), 1e-5);
    const [gp, gq] = wt.grads((p: wt.Tensor, q: wt.Tensor) => p.mul(q))([wt.tensor(v), wt.tensor(dy)]);
    expectClose(gp.dataSync(), dy, 1e-6, 1e-6);
    expectClose(gq.dataSync(), v, 1e-6, 1e-6);
    expect(() => wt.grad(3 as never)).toThrow(wt.WasmgradError);
  });
});

describe('model weights in TF.js order', () => {
  function build(lib: typeof tf | typeof wt) {
    const m = (lib as typeof tf).sequential();
    m.add((lib as typeof tf).layers.dense({ units: 3, inputShape: [2], name: 'd1' }));
    m.add((lib as typeof tf).layers.batchNormalization({ name: 'bn' }));
    m.add((lib as typeof tf).layers.dense({ units: 1, name: 'd2' }));
    return m;
  }

  it('trainable weights first, then the others: weights, getWeights, setWeights and saved names', async () => {
    const theirs = build(tf);
    const ours = build(wt) as unknown as wt.LayersModel;
    const names = (ws: { name: string }[]) => ws.map((w) => w.name.replace(/_\d+$/, ''));
    expect(ours.weights.map((w) => w.shape)).toEqual(theirs.weights.map((w) => w.shape));
    const values = theirs.weights.map((w, i) => randomArray(w.shape.reduce((a, b) => a * b, 1), 10 + i, 0.1, 1));
    theirs.setWeights(values.map((v, i) => tf.tensor(v, theirs.weights[i].shape)));
    ours.setWeights(values.map((v, i) => wt.tensor(v, ours.weights[i].shape)));
    ours.getWeights().forEach((w, i) => expectClose(w.dataSync(), values[i], 0, 0));
    const x = randomArray(8, 20);
    same(ours.predict(wt.tensor(x, [4, 2])) as wt.Tensor, theirs.predict(tf.tensor(x, [4, 2])) as tf.Tensor, 1e-5);

    let saved: tf.io.ModelArtifacts | null = null;
    await theirs.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    let ourSaved: wt.io.TfjsArtifacts | null = null;
    await ours.save(wt.io.withSaveHandler(async (a) => {
      ourSaved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    expect(names(ourSaved!.weightSpecs as { name: string }[])).toEqual(names(saved!.weightSpecs!));
    expect(() => ours.setWeights(values.slice(1).map((v) => wt.tensor(v)))).toThrow(wt.WasmgradError);

    // model.weights as TF.js's LayerVariables: val, read(), write()
    const w0 = ours.weights[0] as unknown as { val: wt.Variable; read(): wt.Tensor; write(t: wt.Tensor): unknown };
    const t0 = theirs.weights[0];
    expect(w0.val).toBe(ours.weights[0]);
    const replacement = randomArray(6, 30);
    w0.write(wt.tensor(replacement, [2, 3]));
    t0.write(tf.tensor(replacement, [2, 3]));
    expectClose(w0.read().dataSync(), t0.read().dataSync() as Float32Array, 0, 0);
    same(ours.predict(wt.tensor(x, [4, 2])) as wt.Tensor, theirs.predict(tf.tensor(x, [4, 2])) as tf.Tensor, 1e-5);
  });
});

describe('functional models list their layers by depth, as TF.js and Keras', () => {
  // branches of different depths, a layer shared by two of them, an input only the last layer reads
  function build(lib: typeof tf | typeof wt) {
    const L = (lib as typeof tf).layers;
    const x = (lib as typeof tf).input({ shape: [4], name: 'x' });
    const y = (lib as typeof tf).input({ shape: [3], name: 'y' });
    const shared = L.dense({ units: 3, name: 'shared' });
    const a = L.dense({ units: 3, name: 'a' }).apply(x) as tf.SymbolicTensor;
    const c = L.dense({ units: 3, name: 'c' }).apply(L.dense({ units: 3, name: 'b' }).apply(x)) as tf.SymbolicTensor;
    const s1 = shared.apply(a) as tf.SymbolicTensor;
    const s2 = shared.apply(L.dense({ units: 3, name: 'e' }).apply(L.dense({ units: 3, name: 'd' }).apply(c)) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const joined = L.concatenate({ name: 'join' }).apply([s1, s2, y]) as tf.SymbolicTensor;
    return (lib as typeof tf).model({ inputs: [x, y], outputs: [L.dense({ units: 2, name: 'out' }).apply(joined) as tf.SymbolicTensor, a] });
  }

  it('the same layer order and weight order as TF.js, so weights pass between the two by position', () => {
    const theirs = build(tf);
    const ours = build(wt) as unknown as wt.LayersModel;
    expect(ours.layers.map((l) => l.name)).toEqual(theirs.layers.map((l) => l.name));
    expect(ours.weights.map((w) => w.shape)).toEqual(theirs.weights.map((w) => w.shape));
    theirs.setWeights(theirs.weights.map((w, i) => tf.tensor(randomArray(w.shape.reduce((p, q) => p * q, 1), 40 + i, -1, 1), w.shape)));
    ours.setWeights(theirs.getWeights().map((w) => wt.tensor(w.dataSync() as Float32Array, w.shape)));
    const [xv, yv] = [randomArray(3 * 4, 50), randomArray(3 * 3, 51)];
    const o = ours.predict([wt.tensor(xv, [3, 4]), wt.tensor(yv, [3, 3])]) as wt.Tensor[];
    const t = theirs.predict([tf.tensor(xv, [3, 4]), tf.tensor(yv, [3, 3])]) as tf.Tensor[];
    o.forEach((oi, i) => same(oi, t[i], 1e-5));
  });
});

describe('tf.Sequential and tf.LayersModel', () => {
  it('fromConfig(cls, config) as TF.js calls it, and new, make TF.js models (weights in TF.js order); instanceof holds for every model', () => {
    const m = wt.sequential({ layers: [wt.layers.dense({ units: 3, inputShape: [2] }), wt.layers.batchNormalization(), wt.layers.dense({ units: 2 })] });
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] }), tf.layers.batchNormalization(), tf.layers.dense({ units: 2 })] });
    const again = wt.Sequential.fromConfig(wt.Sequential, m.getConfig() as never) as wt.Sequential;
    const alone = (wt.Sequential.fromConfig as unknown as (c: unknown) => wt.Sequential)(m.getConfig());
    for (const c of [again, alone, new wt.Sequential({ layers: [wt.layers.dense({ units: 3, inputShape: [2] }), wt.layers.batchNormalization(), wt.layers.dense({ units: 2 })] })]) {
      expect(c.weights.map((w) => w.shape)).toEqual(t.weights.map((w) => w.shape));
      expect(c.saveFormat).toBe('tfjs');
      expect(c instanceof wt.Sequential && c instanceof wt.LayersModel).toBe(true);
    }
    again.setWeights(m.getWeights());
    const x = wt.tensor(randomArray(6, 60), [3, 2]);
    same(again.predict(x) as wt.Tensor, m.predict(x) as unknown as tf.Tensor, 0);
    expect(m instanceof wt.Sequential).toBe(true);

    const input = wt.input({ shape: [3] });
    const f = new wt.LayersModel({ inputs: input, outputs: wt.layers.dense({ units: 2 }).apply(input) as wt.SymbolicTensor });
    expect(f.name).toMatch(/^model/);
    const g = wt.LayersModel.fromConfig(wt.LayersModel, f.getConfig() as never) as wt.LayersModel;
    expect(g.saveFormat).toBe('tfjs');
    expect(g instanceof wt.LayersModel && !(g instanceof wt.Sequential)).toBe(true);
  });
});
