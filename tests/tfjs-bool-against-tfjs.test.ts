// Bool tensors in wasmgrad/tfjs against @tensorflow/tfjs 4.22 (cpu backend): what makes them
// (comparisons, logical ops, isNaN, any / all, cast, creation from booleans), what keeps them
// (reshape, slice, gather, concat ...), and what counts them (sum is int32, mean float32), with
// the same dtype, the same values and a Uint8Array from dataSync.
import { describe, test, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Lib = typeof tf;
const inputs = (lib: Lib) => ({
  a: lib.tensor([1, 2, 3, NaN, -1, 0]),
  b: lib.tensor([3, 2, 1, 0, -1, 5]),
  i: lib.tensor([1, 2, 3, 0, -1, 7], [6], 'int32'),
  t: lib.tensor([true, false, true, true, false, false]),
  f: lib.tensor([false, false, true, false, true, false]),
  m: lib.tensor([[true, false, true], [false, false, true]]),
});
type In = ReturnType<typeof inputs>;

// Each case runs on both libraries: a tensor out, or an array of them.
const CASES: Record<string, (lib: Lib, x: In) => unknown> = {
  greater: (l, x) => l.greater(x.a, x.b),
  greaterEqual: (l, x) => l.greaterEqual(x.a, x.b),
  less: (l, x) => l.less(x.a, 2),
  lessEqual: (l, x) => l.lessEqual(x.i, x.i),
  equal: (l, x) => l.equal(x.a, x.b),
  equalBools: (l, x) => l.equal(x.t, x.f),
  equalBoolFloat: (l, x) => l.equal(x.t, l.tensor([1, 0, 0, 1, 1, 0])),
  notEqualInts: (l, x) => l.notEqual(x.i, l.tensor([1, 0, 3, 1, -1, 7], [6], 'int32')),
  greaterBools: (l, x) => l.greater(x.t, x.f),
  logicalAnd: (l, x) => l.logicalAnd(x.t, x.f),
  logicalOr: (l, x) => l.logicalOr(x.t, x.f),
  logicalXor: (l, x) => l.logicalXor(x.t, x.f),
  logicalNot: (l, x) => l.logicalNot(x.m),
  isNaN: (l, x) => l.isNaN(x.a),
  isInf: (l, x) => l.isInf(l.tensor([Infinity, 1, -Infinity])),
  isFinite: (l, x) => l.isFinite(x.a),
  any: (l, x) => l.any(x.m),
  anyAxis: (l, x) => l.any(x.m, 1),
  allAxisKeep: (l, x) => l.all(x.m, 0, true),
  castToBool: (l) => l.cast(l.tensor([0, 0.5, -2, NaN, 1e-30]), 'bool'),
  castIntToBool: (l, x) => l.cast(x.i, 'bool'),
  castBoolToFloat: (l, x) => l.cast(x.t, 'float32'),
  castBoolToInt: (l, x) => l.cast(x.t, 'int32'),
  castBoolToBool: (l, x) => l.cast(x.t, 'bool'),
  tensorOfBooleans: (l) => l.tensor([[true], [false]]),
  tensorAsBool: (l) => l.tensor([1, 0, 2, 0.4, -0.6], [5], 'bool'),
  scalarTrue: (l) => l.scalar(true),
  zerosBool: (l) => l.zeros([2, 3], 'bool'),
  onesBool: (l) => l.ones([3], 'bool'),
  fillBool: (l) => l.fill([2], 1, 'bool'),
  zerosLike: (l, x) => l.zerosLike(x.t),
  onesLike: (l, x) => l.onesLike(x.m),
  oneHotBool: (l) => l.oneHot(l.tensor([1, 0, 2], [3], 'int32'), 3, 1, 0, 'bool'),
  bufferBool: (l) => { const b = l.buffer([3], 'bool'); b.set(1, 1); return b.toTensor(); },
  sum: (l, x) => l.sum(x.t),
  sumAxis: (l, x) => l.sum(x.m, 1),
  prod: (l, x) => l.prod(x.m, 0),
  mean: (l, x) => l.mean(x.m, 1),
  max: (l, x) => l.max(x.m, 1),
  min: (l, x) => l.min(x.t),
  cumsum: (l, x) => l.cumsum(x.t),
  argMax: (l, x) => l.argMax(x.m, 1),
  addFloat: (l, x) => l.add(x.t, x.a),
  addInt: (l, x) => l.add(x.t, x.i),
  mulNumber: (l, x) => l.mul(x.t, 2),
  maximumBools: (l, x) => l.maximum(x.t, x.f),
  minimumFloat: (l, x) => l.minimum(x.t, x.b),
  exp: (l, x) => l.exp(x.t),
  matMul: (l, x) => l.matMul(x.m, l.tensor([[1], [2], [3]])),
  where: (l, x) => l.where(x.t, x.a, x.b),
  whereBroadcast: (l, x) => l.where(x.m, l.tensor([[1, 2, 3]]), l.scalar(0)),
  whereBoolBranches: (l, x) => l.where(x.t, x.t, x.f),
  whereFromComparison: (l, x) => l.where(l.greater(x.a, x.b), x.a, x.b),
  reshape: (l, x) => l.reshape(x.t, [2, 3]),
  expandDims: (l, x) => l.expandDims(x.t, 0),
  squeeze: (l, x) => l.squeeze(l.reshape(x.t, [1, 6])),
  slice: (l, x) => l.slice(x.m, [0, 1], [2, 2]),
  gather: (l, x) => l.gather(x.t, l.tensor([5, 0, 0], [3], 'int32')),
  concat: (l, x) => l.concat([x.t, x.f]),
  stack: (l, x) => l.stack([x.t, x.f], 1),
  unstack: (l, x) => l.unstack(x.m),
  split: (l, x) => l.split(x.t, 3),
  tile: (l, x) => l.tile(x.m, [2, 1]),
  reverse: (l, x) => l.reverse(x.m, 1),
  transpose: (l, x) => l.transpose(x.m),
  pad: (l, x) => l.pad(x.m, [[1, 0], [0, 1]]),
  broadcastTo: (l, x) => l.broadcastTo(l.reshape(x.t, [6, 1]), [6, 2]),
  clone: (l, x) => l.clone(x.t),
};

const asList = (r: unknown) => (Array.isArray(r) ? r : [r]) as tf.Tensor[];

describe('bool tensors: dtype, values and data as in TF.js', () => {
  for (const [name, run] of Object.entries(CASES)) {
    test(name, () => {
      const want = asList(run(tf, inputs(tf)));
      const got = asList(run(wt as unknown as Lib, inputs(wt as unknown as Lib)));
      expect(got.length).toBe(want.length);
      got.forEach((g, k) => {
        const w = want[k];
        expect({ dtype: g.dtype, shape: g.shape }).toEqual({ dtype: w.dtype, shape: w.shape });
        expect(Array.from(g.dataSync())).toEqual(Array.from(w.dataSync()));
        if (w.dtype === 'bool') expect(g.dataSync()).toBeInstanceOf(Uint8Array);
        expect(g.arraySync()).toEqual(w.arraySync());
      });
    });
  }
});

describe('bool tensors elsewhere', () => {
  test('print as true / false, as TF.js', () => {
    for (const make of [(l: Lib) => l.tensor([[true, false], [false, true]]), (l: Lib) => l.scalar(false)]) {
      expect(make(wt as unknown as Lib).toString(true)).toBe(make(tf).toString(true));
    }
  });

  test('data() resolves to a Uint8Array of 0 / 1', async () => {
    const d = await wt.tensor([true, false, true]).data();
    expect(d).toBeInstanceOf(Uint8Array);
    expect(Array.from(d)).toEqual([1, 0, 1]);
  });

  test('a comparison chained on tensor methods counts matches, as accuracy code does', () => {
    const pred = wt.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]);
    const labels = wt.tensor([[0, 1], [1, 0], [1, 0]]);
    const hits = wt.equal(pred.argMax(1), labels.argMax(1));
    expect(hits.dtype).toBe('bool');
    expect(hits.sum().dtype).toBe('int32');
    expect(hits.sum().dataSync()[0]).toBe(2);
    expect(hits.mean().dataSync()[0]).toBeCloseTo(2 / 3, 6);
    expect(hits.cast('float32').mean().dataSync()[0]).toBeCloseTo(2 / 3, 6);
  });

  test('bool tensors go through tidy and dispose without leaking', () => {
    const before = wt.memory().numTensors;
    wt.tidy(() => {
      const m = wt.greater(wt.tensor([1, 2, 3]), 2);
      wt.logicalNot(wt.logicalAnd(m, wt.isNaN(wt.tensor([NaN, 1, 2])))).sum();
    });
    expect(wt.memory().numTensors).toBe(before);
  });

  test('io.encodeWeights writes a bool as one byte, as TF.js, and decodeWeights reads it back as bool', async () => {
    const [ours, theirs] = [await wt.io.encodeWeights({ m: wt.tensor([true, false, true]) }), await tf.io.encodeWeights({ m: tf.tensor([true, false, true]) })];
    expect(ours.specs).toEqual(theirs.specs);
    expect(Array.from(new Uint8Array(ours.data as ArrayBuffer))).toEqual(Array.from(new Uint8Array(theirs.data as ArrayBuffer)));
    const back = wt.io.decodeWeights(theirs.data, theirs.specs).m;
    expect([back.dtype, Array.from(back.dataSync())]).toEqual(['bool', [1, 0, 1]]);
  });

  test('a variable holds a bool tensor', () => {
    const v = wt.variable(wt.tensor([true, false]), false);
    expect(v.dtype).toBe('bool');
    expect(Array.from(v.dataSync())).toEqual([1, 0]);
    v.dispose();
  });

  test('gradients flow through where to the branches, not the bool condition', () => {
    const a = wt.tensor([1, 2, 3]);
    const g = wt.grad((x: wt.Tensor) => wt.where(wt.greater(x, 1.5), wt.mul(x, x), x).sum())(a);
    expect(Array.from(g.dataSync())).toEqual([1, 4, 6]);
  });
});
