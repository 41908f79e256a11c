// Shape and data-movement ops (src/ops/shape.ts on assembly/copy.ts): reshape, transpose, concat,
// slice, gather, oneHot, expandDims, squeeze, stack, clone. Forward against plain index arithmetic
// (exact: these ops only move bits, int32 too), backward against finite differences.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, THREADED_BUILDS, expectNoLeak } from './helpers';
import { gradCheck, sizeOf, stridesOf, expectSameBitsAcrossThreads, type RefTensor } from './gradcheck';

afterAll(() => wg.shutdown());

// ---- float64 references: plain index arithmetic ------------------------------------------------

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}
const ravel = (idx: number[], shape: readonly number[]) => idx.reduce((acc, v, d) => acc * shape[d] + v, 0);

function refTranspose(x: RefTensor, perm: number[]): RefTensor {
  const shape = perm.map((p) => x.shape[p]);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const o = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, d) => (src[p] = o[d]));
    out[i] = x.data[ravel(src, x.shape)];
  }
  return { data: out, shape };
}

function refSlice(x: RefTensor, begin: number[], size: number[]): RefTensor {
  const out = new Float64Array(sizeOf(size));
  for (let i = 0; i < out.length; i++) out[i] = x.data[ravel(unravel(i, size).map((v, d) => v + begin[d]), x.shape)];
  return { data: out, shape: size };
}

function refConcat(xs: RefTensor[], axis: number): RefTensor {
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((a, x) => a + x.shape[axis], 0);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let k = 0, a = idx[axis];
    while (a >= xs[k].shape[axis]) a -= xs[k++].shape[axis];
    idx[axis] = a;
    out[i] = xs[k].data[ravel(idx, xs[k].shape)];
  }
  return { data: out, shape };
}

function refGather(x: RefTensor, idx: number[], idxShape: number[], axis: number): RefTensor {
  const shape = [...x.shape.slice(0, axis), ...idxShape, ...x.shape.slice(axis + 1)];
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const o = unravel(i, shape);
    const flatIdx = ravel(o.slice(axis, axis + idxShape.length), idxShape);
    const src = [...o.slice(0, axis), idx[flatIdx], ...o.slice(axis + idxShape.length)];
    out[i] = x.data[ravel(src, x.shape)];
  }
  return { data: out, shape };
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

const f64 = (v: ArrayLike<number>, shape: number[]): RefTensor => ({ data: Float64Array.from(v), shape });
/** Exact comparison: data movement must not change a bit (NaN payloads included for int32 views). */
function expectExact(t: wg.Tensor, want: RefTensor, what: string): void {
  expect(t.shape, `${what} shape`).toEqual(want.shape);
  const got = t.dataSync();
  for (let i = 0; i < want.data.length; i++) {
    if (!Object.is(got[i], Math.fround(want.data[i])) && !(Number.isNaN(got[i]) && Number.isNaN(want.data[i]))) {
      throw new Error(`${what} index ${i}: got ${got[i]}, expected ${want.data[i]}`);
    }
  }
}

describe.each(builds())('shape ops on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test('reshape: -1, size 0, rank 0; shares memory; gradient', () => {
    expectNoLeak(() => wg.tidy(() => {
      const xv = randomArray(24, 1);
      const x = wg.tensor(xv, [2, 3, 4]);
      for (const [shape, want] of [[[4, 6], [4, 6]], [[-1], [24]], [[2, -1, 3], [2, 4, 3]], [[24, 1], [24, 1]], [[1, 1, 24], [1, 1, 24]]] as number[][][]) {
        const y = wg.reshape(x, shape);
        expectExact(y, f64(xv, want), `reshape to [${shape}]`);
      }
      expect(wg.reshape(wg.scalar(3), [1, 1]).shape).toEqual([1, 1]);
      expect(wg.reshape(wg.tensor([3]), []).shape).toEqual([]);
      expect(wg.reshape(wg.zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
      expect(wg.reshape(wg.zeros([0, 3]), [-1, 3]).shape).toEqual([0, 3]);
      const i = wg.tensor([1, 2, 3, 4], [4], 'int32');
      expect(wg.reshape(i, [2, 2]).arraySync()).toEqual([[1, 2], [3, 4]]);
      expect(wg.reshape(i, [2, 2]).dtype).toBe('int32');
    }));
    // a view: disposing the original keeps the data alive for the view; memory is counted once
    const before = wg.memory();
    const x = wg.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = wg.reshape(x, [3, 2]);
    expect(wg.memory().numBytes - before.numBytes).toBe(24);
    x.dispose();
    expect(y.arraySync()).toEqual([[1, 2], [3, 4], [5, 6]]);
    y.dispose();
    expect(wg.memory().numBytes).toBe(before.numBytes);
    expect(wg.memory().numTensors).toBe(before.numTensors);
    gradCheck((t) => wg.reshape(t, [6, 2]), [{ values: randomArray(12, 2), shape: [3, 4] }], {
      ref: (t) => ({ data: t.data, shape: [6, 2] }), name: 'reshape',
    });
  });

  test('transpose: every permutation of ranks 0 to 4, default reversal, odd sizes, int32', () => {
    let seed = 1;
    for (const shape of [[], [5], [3, 17], [129, 3], [2, 3, 5], [4, 1, 3, 5], [3, 0, 2], [1, 1], [33, 7, 5]]) {
      const xv = randomArray(sizeOf(shape), seed++);
      expectNoLeak(() => wg.tidy(() => {
        const x = wg.tensor(xv, shape);
        const xi = wg.tensor(Int32Array.from(xv, (v) => Math.round(v * 1e6)), shape);
        for (const perm of permutations(shape.length)) {
          expectExact(wg.transpose(x, perm), refTranspose(f64(xv, shape), perm), `transpose [${shape}] perm [${perm}]`);
          const ti = wg.transpose(xi, perm);
          expect(ti.dtype).toBe('int32');
          expectExact(ti, refTranspose(f64(xi.dataSync(), shape), perm), `int32 transpose [${shape}] perm [${perm}]`);
        }
        const rev = shape.map((_, i) => shape.length - 1 - i);
        expectExact(wg.transpose(x), refTranspose(f64(xv, shape), rev), `transpose [${shape}] default`);
      }));
    }
    for (const perm of permutations(3)) {
      gradCheck((t) => wg.transpose(t, perm), [{ values: randomArray(30, 3), shape: [2, 3, 5] }], {
        ref: (t) => refTranspose(t, perm), name: `transpose perm [${perm}]`,
      });
    }
  });

  test('concat: every axis, negative axes, empty parts, one part, int32', () => {
    let seed = 10;
    const cases: [number[][], number][] = [
      [[[2, 3], [4, 3]], 0], [[[2, 3], [2, 5], [2, 1]], 1], [[[2, 3], [2, 5]], -1], [[[2, 3, 4], [2, 1, 4], [2, 17, 4]], 1],
      [[[2, 3, 4], [2, 3, 1]], 2], [[[3], [0], [129]], 0], [[[2, 0, 3], [2, 2, 3]], 1], [[[5, 7]], 0], [[[0, 3], [0, 3]], 0],
    ];
    for (const [shapes, axis] of cases) {
      const vals = shapes.map((s) => randomArray(sizeOf(s), seed++));
      const a = axis < 0 ? axis + shapes[0].length : axis;
      expectNoLeak(() => wg.tidy(() => {
        const xs = vals.map((v, i) => wg.tensor(v, shapes[i]));
        expectExact(wg.concat(xs, axis), refConcat(vals.map((v, i) => f64(v, shapes[i])), a), `concat ${JSON.stringify(shapes)} axis ${axis}`);
        const is = vals.map((v, i) => wg.tensor(Int32Array.from(v, (x) => Math.round(x * 100)), shapes[i]));
        const ci = wg.concat(is, axis);
        expect(ci.dtype).toBe('int32');
        expectExact(ci, refConcat(is.map((t) => f64(t.dataSync(), t.shape)), a), `int32 concat`);
      }));
      gradCheck((...xs) => wg.concat(xs, axis), vals.map((v, i) => ({ values: v, shape: shapes[i] })), {
        ref: (...xs) => refConcat(xs, a), name: `concat ${JSON.stringify(shapes)} axis ${axis}`,
      });
    }
    expect(wg.concat([wg.ones([2])]).shape).toEqual([2]);
  });

  test('slice: begin and size forms, -1, empty, rank 4; gradient scatters into zeros', () => {
    let seed = 20;
    const cases: [number[], number | number[], (number | number[])?][] = [
      [[10], 3, 4], [[10], [3], [-1]], [[10], 0], [[4, 5], [1, 2], [2, 3]], [[4, 5], [1], [2]], [[4, 5], [0, 0], [4, 5]],
      [[4, 5], [2, 1], [0, 3]], [[3, 4, 5, 6], [1, 0, 2, 1], [2, -1, 3, 5]], [[129], [1], [127]], [[2, 17], [0, 1], [2, 16]],
    ];
    for (const [shape, begin, size] of cases) {
      const xv = randomArray(sizeOf(shape), seed++);
      const b = Array.isArray(begin) ? begin.slice() : [begin];
      while (b.length < shape.length) b.push(0);
      const s0 = size === undefined ? [] : Array.isArray(size) ? size.slice() : [size];
      while (s0.length < shape.length) s0.push(-1);
      const s = s0.map((v, d) => (v === -1 ? shape[d] - b[d] : v));
      expectNoLeak(() => wg.tidy(() => {
        const x = wg.tensor(xv, shape);
        expectExact(wg.slice(x, begin, size), refSlice(f64(xv, shape), b, s), `slice [${shape}] ${JSON.stringify(begin)} ${JSON.stringify(size)}`);
        const xi = wg.tensor(Int32Array.from(xv, (v) => Math.round(v * 100)), shape);
        expectExact(wg.slice(xi, begin, size), refSlice(f64(xi.dataSync(), shape), b, s), 'int32 slice');
      }));
      gradCheck((t) => wg.slice(t, begin, size), [{ values: xv, shape }], { ref: (t) => refSlice(t, b, s), name: `slice [${shape}]` });
    }
  });

  test('gather: every axis, rank-2 and repeated indices (the gradient adds them up), arrays of indices, int32', () => {
    let seed = 30;
    const cases: [number[], number[], number[], number][] = [
      [[5, 3], [4, 0, 4, 2], [4], 0], [[5, 3], [2, 2, 0], [3], 1], [[2, 6, 3], [5, 1, 1, 0, 5, 3], [2, 3], 1],
      [[2, 6, 3], [0, 2], [2], -1], [[7], [6, 6, 6, 0], [2, 2], 0], [[4, 129], [3, 0], [2], 0], [[4, 3], [], [0], 0],
    ];
    for (const [shape, idx, idxShape, axis] of cases) {
      const xv = randomArray(sizeOf(shape), seed++);
      const a = axis < 0 ? axis + shape.length : axis;
      expectNoLeak(() => wg.tidy(() => {
        const x = wg.tensor(xv, shape);
        const it = wg.tensor(Int32Array.from(idx), idxShape, 'int32');
        const want = refGather(f64(xv, shape), idx, idxShape, a);
        expectExact(wg.gather(x, it, axis), want, `gather [${shape}] ${JSON.stringify(idx)} axis ${axis}`);
        if (idxShape.length === 1) expectExact(wg.gather(x, idx, axis), want, 'gather with a number array');
        const xi = wg.tensor(Int32Array.from(xv, (v) => Math.round(v * 100)), shape);
        expectExact(wg.gather(xi, it, axis), refGather(f64(xi.dataSync(), shape), idx, idxShape, a), 'int32 gather');
      }));
      const it = wg.tensor(Int32Array.from(idx), idxShape, 'int32');
      const r = gradCheck((t, i) => wg.gather(t, i, axis), [{ values: xv, shape }, it], {
        ref: (t) => refGather(t, idx, idxShape, a), name: `gather [${shape}] axis ${axis}`,
      });
      expect(r.grads[1].every((v) => v === 0), 'no gradient for the indices').toBe(true);
      // indices given as an array are freed, also when the tape held them
      const arr = idx.length ? idx : [0];
      gradCheck((t) => wg.gather(t, arr, axis), [{ values: xv, shape }], {
        ref: (t) => refGather(t, arr, [arr.length], a), name: 'gather array indices',
      });
      it.dispose();
    }
  });

  test('oneHot: depth, on/off values, out-of-range and negative indices give zero rows', () => {
    expectNoLeak(() => wg.tidy(() => {
      const i = wg.tensor([0, 2, 1, 3, -1], [5], 'int32');
      const o = wg.oneHot(i, 3);
      expect(o.dtype).toBe('float32');
      expect(o.arraySync()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0], [0, 0, 0]]);
      expect(wg.oneHot(wg.tensor([[1], [0]], [2, 1], 'int32'), 2, 5, -1).arraySync()).toEqual([[[-1, 5]], [[5, -1]]]);
      expect(wg.oneHot(wg.tensor([], [0], 'int32'), 4).shape).toEqual([0, 4]);
      expect(wg.oneHot(wg.scalar(1, 'int32'), 3).arraySync()).toEqual([0, 1, 0]);
      expect(() => wg.oneHot(wg.tensor([1.0]), 3)).toThrow(/^oneHot: indices must be int32, got float32/);
      expect(() => wg.oneHot(i, 0)).toThrow(/^oneHot: depth must be a whole number >= 1, got 0/);
      expect(() => wg.oneHot(i, 2.5)).toThrow(wg.WasmgradError);
    }));
  });

  test('expandDims, squeeze, stack, clone', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([[1, 2, 3], [4, 5, 6]]);
      expect(wg.expandDims(x).shape).toEqual([1, 2, 3]);
      expect(wg.expandDims(x, 2).shape).toEqual([2, 3, 1]);
      expect(wg.expandDims(x, -1).shape).toEqual([2, 3, 1]);
      expect(wg.expandDims(wg.scalar(1)).shape).toEqual([1]);
      expect(() => wg.expandDims(x, 3)).toThrow(/^expandDims: axis 3 is out of range/);
      expect(wg.squeeze(wg.zeros([1, 2, 1, 3, 1])).shape).toEqual([2, 3]);
      expect(wg.squeeze(wg.zeros([1, 2, 1]), [0]).shape).toEqual([2, 1]);
      expect(wg.squeeze(wg.zeros([1, 2, 1]), [-1]).shape).toEqual([1, 2]);
      expect(() => wg.squeeze(x, [0])).toThrow(/^squeeze: axis 0 of \[2,3\] is not 1/);
      const y = wg.tensor([[7, 8, 9], [10, 11, 12]]);
      expect(wg.stack([x, y]).arraySync()).toEqual([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]);
      expect(wg.stack([x, y], 1).shape).toEqual([2, 2, 3]);
      expect(wg.stack([x, y], 2).arraySync()).toEqual([[[1, 7], [2, 8], [3, 9]], [[4, 10], [5, 11], [6, 12]]]);
      const c = wg.clone(x);
      expect(c).not.toBe(x);
      expect(c.arraySync()).toEqual(x.arraySync());
    }));
    gradCheck((a, b) => wg.stack([a, b], 1), [{ values: randomArray(6, 1), shape: [2, 3] }, { values: randomArray(6, 2), shape: [2, 3] }], {
      ref: (a, b) => refConcat([{ data: a.data, shape: [2, 1, 3] }, { data: b.data, shape: [2, 1, 3] }], 1), name: 'stack',
    });
    gradCheck((a) => wg.squeeze(wg.expandDims(wg.clone(a), 1)), [{ values: randomArray(6, 3), shape: [2, 3] }], { ref: (a) => a, name: 'clone' });
  });
});

describe.each(THREADED_BUILDS)('shape ops across thread counts on the %s build', (build) => {
  test('transpose, concat, slice and gather (and their gradients) are bitwise identical for 1, 2 and 4 threads', async () => {
    const xv = randomArray(60 * 40 * 33, 8);
    const idx = Int32Array.from({ length: 500 }, (_, i) => (i * 7919) % 40); // repeated rows: scatter-add order matters
    await expectSameBitsAcrossThreads(build, () => wg.tidy(() => {
      const x = wg.tensor(xv, [60, 40, 33]);
      const i = wg.tensor(idx, [500], 'int32');
      const out: (Float32Array | Int32Array)[] = [];
      for (const perm of [[1, 0, 2], [2, 0, 1], [0, 2, 1], [2, 1, 0]]) out.push(wg.transpose(x, perm).dataSync());
      out.push(wg.concat([x, x], 1).dataSync(), wg.slice(x, [3, 1, 2], [50, 38, 30]).dataSync());
      out.push(wg.gather(x, i, 1).dataSync());
      const [g] = wg.grads((t: wg.Tensor) => wg.gather(t, i, 1))([x], wg.fill([60, 500, 33], 0.1));
      out.push(g.dataSync());
      const [g2] = wg.grads((t: wg.Tensor) => wg.transpose(wg.slice(t, [1, 1, 1], [59, 39, 32]), [2, 0, 1]))([x], wg.fill([32, 59, 39], 0.3));
      out.push(g2.dataSync());
      return out;
    }), 'shape ops');
  });
});

describe('shape ops reject bad input', () => {
  beforeAll(() => useBuild('simd', 1));
  test('with WasmgradError naming the op and the shapes', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.ones([2, 3]);
      const E = wg.WasmgradError;
      expect(() => wg.reshape(x, [4])).toThrow(/^reshape: cannot reshape \[2,3\] \(6 elements\) to \[4\]/);
      expect(() => wg.reshape(x, [-1, -1])).toThrow(/^reshape: invalid target shape \[-1,-1\]/);
      expect(() => wg.reshape(x, [-2, -3])).toThrow(E);
      expect(() => wg.reshape(x, [4, -1])).toThrow(/cannot reshape/);
      expect(() => wg.transpose(x, [0, 0])).toThrow(/^transpose: perm \[0,0\] is not a permutation of 0..1 for \[2,3\]/);
      expect(() => wg.transpose(x, [0])).toThrow(E);
      expect(() => wg.transpose(x, [1, 2])).toThrow(E);
      expect(() => wg.concat([])).toThrow(/^concat: expected a non-empty array/);
      expect(() => wg.concat([x, wg.ones([3, 3])], 1)).toThrow(/^concat: shapes \[2,3\], \[3,3\] differ outside axis 1/);
      expect(() => wg.concat([x, wg.ones([2])])).toThrow(E);
      expect(() => wg.concat([x, wg.zeros([2, 3], 'int32')])).toThrow(/dtypes differ/);
      expect(() => wg.concat([x, x], 2)).toThrow(/^concat: axis 2 is out of range for \[2,3\]/);
      expect(() => wg.concat([wg.scalar(1), wg.scalar(2)])).toThrow(/^concat: axis 0 is out of range for \[\] \(rank 0\): a scalar has no axes/);
      expect(() => wg.slice(x, [1, 1], [2, 2])).toThrow(/^slice: begin \[1,1\] size \[2,2\] is out of bounds for \[2,3\] \(axis 0\)/);
      expect(() => wg.slice(x, [-1, 0])).toThrow(/out of bounds/);
      expect(() => wg.slice(x, [0, 0, 0])).toThrow(/^slice: begin \[0,0,0\] and size undefined must have at most 2 entries for \[2,3\]/);
      expect(() => wg.slice(x, [0, 0], [1, -2])).toThrow(E);
      expect(() => wg.gather(x, [2])).toThrow(/^gather: index 2 at position 0 is out of range \[0, 2\)/);
      expect(() => wg.gather(x, [-1])).toThrow(/index -1/);
      expect(() => wg.gather(x, wg.tensor([0]))).toThrow(/^gather: indices must be int32, got float32/);
      expect(() => wg.gather(x, [0], 2)).toThrow(/^gather: axis 2 is out of range for \[2,3\]/);
      expect(() => wg.gather(wg.scalar(1), [0])).toThrow(/^gather: axis 0 is out of range/);
      const d = wg.ones([3]);
      d.dispose();
      for (const f of [() => wg.reshape(d, [3]), () => wg.transpose(d), () => wg.concat([x, d]), () => wg.slice(d, 0), () => wg.gather(d, [0]), () => wg.clone(d)]) {
        expect(f).toThrow(/tensor \[3\] .*disposed/);
      }
    }));
  });
});
