// Reductions (src/ops/reduce.ts on assembly/reduce.ts): sum, mean, max, min over any axes with
// keepDims, argMax/argMin; forward against float64, backward against finite differences, ties,
// empty axes, every build, thread counts.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, THREADED_BUILDS, expectNoLeak, expectClose } from './helpers';
import { gradCheck, refReduce, sizeOf, stridesOf, expectSameBitsAcrossThreads, type RefTensor } from './gradcheck';

afterAll(() => wg.shutdown());

type Red = (x: wg.Tensor, axis?: number | number[] | null, keepDims?: boolean) => wg.Tensor;
const OPS: { name: string; op: Red; fn: (v: number[]) => number }[] = [
  { name: 'sum', op: wg.sum, fn: (v) => v.reduce((a, b) => a + b, 0) },
  { name: 'mean', op: wg.mean, fn: (v) => v.reduce((a, b) => a + b, 0) / v.length },
  { name: 'max', op: wg.max, fn: (v) => Math.max(...v) },
  { name: 'min', op: wg.min, fn: (v) => Math.min(...v) },
];

// [shape, axis] (axis undefined: all); every shape also runs with each single axis, negative too
const SHAPES: number[][] = [[], [1], [3], [17], [129], [4, 5], [2, 3, 4], [3, 1, 5, 2], [7, 9, 33], [2, 300]];
function axesFor(shape: number[]): (number | number[] | undefined)[] {
  const r = shape.length;
  const out: (number | number[] | undefined)[] = [undefined, []];
  for (let a = 0; a < r; a++) out.push(a, a - r);
  if (r >= 2) out.push([0, r - 1], [r - 1, 0]);
  if (r >= 3) out.push([0, 2], [1, 2], [-1, -2, 0]);
  if (r >= 4) out.push([1, 3], [0, 1, 3]);
  return out;
}
const normAxes = (axis: number | number[] | undefined, r: number) =>
  axis === undefined ? Array.from({ length: r }, (_, i) => i) : [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + r : a)))].sort();

describe.each(builds())('reductions on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test.each(OPS)('$name forward matches float64 for every axis set, with and without keepDims', ({ name, op, fn }) => {
    let seed = 1;
    for (const shape of SHAPES) {
      const xv = randomArray(sizeOf(shape), seed++);
      const x = wg.tensor(xv, shape);
      for (const axis of axesFor(shape)) {
        for (const keepDims of [false, true]) {
          const want = refReduce({ data: Float64Array.from(xv), shape }, normAxes(axis, shape.length), fn, keepDims);
          expectNoLeak(() => {
            const y = op(x, axis, keepDims);
            expect(y.shape, `${name} [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`).toEqual(want.shape);
            const n = sizeOf(shape) / Math.max(1, want.data.length);
            const tol = name === 'max' || name === 'min' ? 0 : 2e-7 * Math.sqrt(n) * (name === 'sum' ? Math.sqrt(n) : 1);
            expectClose(y.dataSync(), want.data, tol, 1e-6, `${name} [${shape}] axis ${JSON.stringify(axis)}`);
            y.dispose();
          });
        }
      }
      x.dispose();
    }
  });

  test.each(OPS)('$name backward matches finite differences', ({ name, op, fn }) => {
    let seed = 50;
    for (const shape of [[3], [17], [4, 5], [2, 3, 4], [3, 1, 5, 2], [], [1]]) {
      for (const axis of axesFor(shape)) {
        for (const keepDims of [false, true]) {
          const axes = normAxes(axis, shape.length);
          gradCheck((x) => op(x, axis, keepDims), [{ values: randomArray(sizeOf(shape), seed++), shape }], {
            ref: (x: RefTensor) => refReduce(x, axes, fn, keepDims),
            name: `${name} [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`,
            seed, maxPoints: 24,
          });
        }
      }
    }
  });

  test('max and min share the gradient evenly among ties (as TensorFlow and torch.amax)', () => {
    expectNoLeak(() => {
      const x = wg.tensor([[1, 3, 3, 2], [5, 5, 5, -1]]);
      const g = (f: (t: wg.Tensor) => wg.Tensor) => wg.tidy(() => Array.from(wg.grads(f)([x])[0].dataSync()));
      expect(g((t) => wg.max(t))).toEqual([0, 0, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0].map(Math.fround));
      expect(g((t) => wg.sum(wg.max(t, 1)))).toEqual([0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0].map(Math.fround));
      expect(g((t) => wg.sum(wg.max(t, 0)))).toEqual([0, 0, 0, 1, 1, 1, 1, 0]);
      expect(g((t) => wg.sum(wg.min(t, 1)))).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
      expect(g((t) => wg.sum(wg.min(t, 1, true)))).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
      x.dispose();
    });
  });

  test('argMax and argMin return the first extreme index (int32), over any axis', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([[1, 3, 3, 2], [5, 5, -1, -1]]);
      const am = wg.argMax(x);
      expect(am.dtype).toBe('int32');
      expect(am.shape).toEqual([2]);
      expect(Array.from(am.dataSync())).toEqual([1, 0]);
      expect(Array.from(wg.argMin(x).dataSync())).toEqual([0, 2]);
      expect(Array.from(wg.argMax(x, 0).dataSync())).toEqual([1, 1, 0, 0]);
      expect(Array.from(wg.argMax(x, -2).dataSync())).toEqual([1, 1, 0, 0]);
      expect(Array.from(wg.argMax(wg.tensor([-Infinity, -Infinity])).dataSync())).toEqual([0]);
      // NaN counts as the extreme, the first one wins (as NumPy and PyTorch)
      expect(Array.from(wg.argMax(wg.tensor([1, NaN, 5, NaN])).dataSync())).toEqual([1]);
      expect(Array.from(wg.argMin(wg.tensor([1, NaN, -5])).dataSync())).toEqual([1]);
      wg.tidy(() => {
        // every axis of a rank-3 tensor against a float64 reference, with random ties
        const shape = [3, 17, 5];
        const xv = randomArray(sizeOf(shape), 9).map((v) => Math.round(v * 4));
        const t = wg.tensor(xv, shape);
        const st = stridesOf(shape);
        for (let axis = 0; axis < 3; axis++) {
          for (const isMax of [true, false]) {
            const got = (isMax ? wg.argMax : wg.argMin)(t, axis).dataSync();
            const outShape = shape.filter((_, i) => i !== axis);
            let k = 0;
            for (let i = 0; i < outShape[0]; i++) {
              for (let j = 0; j < outShape[1]; j++) {
                const base = axis === 0 ? i * st[1] + j * st[2] : axis === 1 ? i * st[0] + j * st[2] : i * st[0] + j * st[1];
                let best = 0;
                for (let r = 1; r < shape[axis]; r++) {
                  const v = xv[base + r * st[axis]], b = xv[base + best * st[axis]];
                  if (isMax ? v > b : v < b) best = r;
                }
                expect(got[k++], `${isMax ? 'argMax' : 'argMin'} axis ${axis} at ${i},${j}`).toBe(best);
              }
            }
          }
        }
      });
    }));
  });

  test('empty axes: sum gives 0, mean NaN, max/min/argMax raise; empty outputs are empty', () => {
    expectNoLeak(() => wg.tidy(() => {
      const e = wg.zeros([2, 0, 3]);
      expect(wg.sum(e, 1).shape).toEqual([2, 3]);
      expect(Array.from(wg.sum(e, 1).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
      expect(Array.from(wg.sum(e).dataSync())).toEqual([0]);
      expect(Number.isNaN(wg.mean(e).dataSync()[0])).toBe(true);
      expect(wg.sum(e, 0).shape).toEqual([0, 3]);
      expect(wg.max(e, 0, true).shape).toEqual([1, 0, 3]);
      expect(() => wg.max(e, 1)).toThrow(/max: cannot reduce the empty axis of \[2,0,3\]/);
      expect(() => wg.min(e)).toThrow(wg.WasmgradError);
      expect(() => wg.argMax(e, 1)).toThrow(/argMax: axis 1 of \[2,0,3\] is empty/);
      expect(wg.argMax(e, 2).shape).toEqual([2, 0]);
      const [g] = wg.grads((t: wg.Tensor) => wg.sum(t))([e]);
      expect(g.shape).toEqual([2, 0, 3]);
    }));
  });

  test('rank 0: the reduction of a scalar is a copy of it', () => {
    expectNoLeak(() => wg.tidy(() => {
      const s = wg.scalar(2.5);
      for (const { op } of OPS) {
        const y = op(s);
        expect(y.shape).toEqual([]);
        expect(y).not.toBe(s);
        expect(y.dataSync()[0]).toBe(2.5);
        expect(op(s, [], true).shape).toEqual([]);
      }
    }));
  });

  test('long sums stay close to float64 (blocked accumulation, contiguous and strided)', () => {
    expectNoLeak(() => wg.tidy(() => {
      const n = 1 << 20;
      const v = randomArray(n, 9, 0, 1);
      let s = 0;
      for (const a of v) s += a;
      expect(Math.abs(wg.sum(wg.tensor(v)).dataSync()[0] - s) / s).toBeLessThan(1e-6);
      // [n / 4, 4] over axis 0: four columns of 262,144 rows each
      const cols = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) cols[i % 4] += v[i];
      const got = wg.sum(wg.tensor(v, [n / 4, 4]), 0).dataSync();
      for (let j = 0; j < 4; j++) expect(Math.abs(got[j] - cols[j]) / cols[j]).toBeLessThan(1e-6);
      // [n / 3 rows of 3]: the scalar tail of the strided path
      const got3 = wg.mean(wg.tensor(v.subarray(0, 3 * 99999), [99999, 3]), 0).dataSync();
      for (let j = 0; j < 3; j++) {
        let t = 0;
        for (let i = 0; i < 99999; i++) t += v[i * 3 + j];
        expect(Math.abs(got3[j] - t / 99999) / (t / 99999)).toBeLessThan(1e-6);
      }
    }));
  });

  test('NaN and infinities propagate', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([1, NaN, 3, Infinity, -Infinity, 2, 0, 1, 2, 3]); // 10: vector body and tail
      expect(Number.isNaN(wg.max(x).dataSync()[0])).toBe(true);
      expect(Number.isNaN(wg.min(x).dataSync()[0])).toBe(true);
      expect(Number.isNaN(wg.sum(x).dataSync()[0])).toBe(true);
      const y = wg.tensor([1, -Infinity, 3, 0, 0, 0, 0, 0, 0, 9, 2]);
      expect(wg.max(y).dataSync()[0]).toBe(9);
      expect(wg.min(y).dataSync()[0]).toBe(-Infinity);
      expect(wg.sum(y).dataSync()[0]).toBe(-Infinity);
    }));
  });
});

describe.each(THREADED_BUILDS)('reductions across thread counts on the %s build', (build) => {
  test('bitwise identical for 1, 2 and 4 threads above the parallel threshold', async () => {
    const shape = [40, 300, 9]; // 108,000 elements; inner 9 and 2700 exercise both kernel paths
    const xv = randomArray(sizeOf(shape), 4);
    for (const { name, op } of OPS) {
      for (const axis of [undefined, 0, 1, 2, [0, 2], [1, 2]]) {
        await expectSameBitsAcrossThreads(build, () => wg.tidy(() => {
          const x = wg.tensor(xv, shape);
          const y = op(x, axis);
          const [g] = wg.grads((t: wg.Tensor) => op(t, axis))([x], wg.fill(y.shape, 0.25));
          return [y.dataSync(), g.dataSync()];
        }), `${name} axis ${JSON.stringify(axis)}`);
      }
    }
    await expectSameBitsAcrossThreads(build, () => wg.tidy(() => {
      const x = wg.tensor(xv, shape);
      return [wg.argMax(x, 1).dataSync(), wg.argMin(x, 0).dataSync(), wg.argMax(x, 2).dataSync()];
    }), 'argMax');
  });
});

type Ord = number | 'euclidean' | 'fro';

/** tf.norm in float64: over a pair of axes [rows, cols] the matrix norm, else the vector norm of each group. */
function refNorm(x: RefTensor, ord: Ord, axis: number | number[] | undefined, keepDims: boolean): RefTensor {
  const r = x.shape.length;
  const st = stridesOf(x.shape);
  const pair = Array.isArray(axis) && axis.length === 2 ? axis.map((a) => (a < 0 ? a + r : a)) : null;
  const reduced = pair ?? normAxes(axis, r);
  const kept = x.shape.map((_, a) => a).filter((a) => !reduced.includes(a));
  const shape = keepDims ? x.shape.map((d, a) => (reduced.includes(a) ? 1 : d)) : kept.map((a) => x.shape[a]);
  const data = new Float64Array(sizeOf(shape));
  const groupOffsets = reduced.reduce((offs, a) => offs.flatMap((o) => Array.from({ length: x.shape[a] }, (_, i) => o + i * st[a])), [0]);
  for (let o = 0; o < data.length; o++) {
    let base = 0;
    for (let q = kept.length - 1, rem = o; q >= 0; q--) {
      base += (rem % x.shape[kept[q]]) * st[kept[q]];
      rem = Math.floor(rem / x.shape[kept[q]]);
    }
    const abs = groupOffsets.map((g) => Math.abs(x.data[base + g]));
    if (pair && ord !== 'fro' && ord !== 'euclidean') {
      const [rows, cols] = pair;
      const at = (i: number, j: number) => Math.abs(x.data[base + i * st[rows] + j * st[cols]]);
      const sums = ord === 1 || ord === -1
        ? Array.from({ length: x.shape[cols] }, (_, j) => Array.from({ length: x.shape[rows] }, (_, i) => at(i, j)).reduce((a, b) => a + b, 0))
        : Array.from({ length: x.shape[rows] }, (_, i) => Array.from({ length: x.shape[cols] }, (_, j) => at(i, j)).reduce((a, b) => a + b, 0));
      data[o] = (ord as number) > 0 ? Math.max(...sums) : Math.min(...sums);
    } else {
      const p = ord === 'euclidean' || ord === 'fro' ? 2 : ord;
      data[o] = p === Infinity ? Math.max(...abs) : p === -Infinity ? Math.min(...abs) : abs.reduce((a, v) => a + v ** p, 0) ** (1 / p);
    }
  }
  return { data, shape };
}

describe('norm (tf.norm): vector norms, and matrix norms over two axes', () => {
  beforeAll(() => useBuild('simd', 1));
  const CASES: [number[], Ord, number | number[] | undefined][] = [
    [[17], 1, undefined], [[17], 3, 0], [[3, 5], 'euclidean', undefined], [[3, 5], Infinity, 1], [[3, 5], -Infinity, -1],
    [[2, 3, 4], 2, [0, 1, 2]], [[2, 3, 4], 1.5, [2, 0, 1]],
    [[3, 5], 1, [0, 1]], [[3, 5], 1, [1, 0]], [[3, 5], -1, [0, 1]], [[3, 5], Infinity, [0, 1]], [[3, 5], -Infinity, [-1, -2]],
    [[3, 4, 5], 'fro', [2, 0]], [[3, 4, 5], 1, [2, 0]], [[2, 3, 1, 4], Infinity, [1, 3]], [[1, 3, 4], 'euclidean', [1, 2]],
  ];
  test.each(CASES)('%j ord %s axis %j: forward against float64, backward against finite differences', (shape, ord, axis) => {
    for (const keepDims of [false, true]) {
      gradCheck((x) => wg.norm(x, ord, axis, keepDims), [{ values: randomArray(sizeOf(shape), 7), shape }], {
        ref: (x) => refNorm(x, ord, axis, keepDims),
        name: `norm ${JSON.stringify([shape, ord, axis, keepDims])}`,
      });
    }
  });

  test('over two axes, ord 2 (the spectral norm) and other orders raise; over one axis any p is the p-norm', () => {
    expectNoLeak(() => {
      const x = wg.ones([2, 3]);
      expect(() => wg.norm(x, 2, [0, 1])).toThrow(wg.WasmgradError);
      expect(() => wg.norm(x, 2, [0, 1])).toThrow(/^norm: over two axes ord must be 'fro', 'euclidean', 1, -1, Infinity or -Infinity, got 2/);
      expect(() => wg.norm(x, 3, [1, 0])).toThrow(/got 3/);
      expect(() => wg.norm(x, 1, [0, 0])).toThrow(/^norm: axis \[0,0\] repeats an axis/);
      const v = wg.norm(x, 3, 1);
      expect(v.shape).toEqual([2]);
      for (const e of v.dataSync()) expect(e).toBeCloseTo(3 ** (1 / 3), 6);
      for (const t of [x, v]) t.dispose();
    });
  });
});

describe('reductions reject bad input', () => {
  beforeAll(() => useBuild('simd', 1));
  test('with WasmgradError naming the op, the axis and the shape', () => {
    expectNoLeak(() => {
      const x = wg.ones([2, 3]), i = wg.tensor([1, 2], [2], 'int32'), s = wg.scalar(1);
      for (const { name, op } of OPS) {
        expect(() => op(x, 2)).toThrow(wg.WasmgradError);
        expect(() => op(x, 2)).toThrow(new RegExp(`^${name}: axis 2 is out of range for .*\\[2,3\\]`));
        expect(() => op(x, -3)).toThrow(/out of range/);
        expect(() => op(x, 0.5)).toThrow(/out of range/);
        expect(() => op(x, [0, 0])).toThrow(new RegExp(`^${name}: axis \\[0,0\\] repeats an axis`));
        expect(() => op(x, [1, -1])).toThrow(/repeats/);
        expect(() => op(i, 1)).toThrow(new RegExp(`^${name}: axis 1 is out of range for .*\\[2\\]`));
        expect(() => op(s, 0)).toThrow(new RegExp(`^${name}: axis 0 is out of range .*\\[\\]`));
      }
      expect(() => wg.argMax(x, 2)).toThrow(/^argMax: axis 2 is out of range/);
      expect(() => wg.argMax(s)).toThrow(/^argMax: needs a tensor of rank >= 1/);
      const d = wg.ones([2]);
      d.dispose();
      expect(() => wg.sum(d)).toThrow(/^sum: tensor \[2\] .*disposed/);
      for (const t of [x, i, s]) t.dispose();
    });
  });
});
