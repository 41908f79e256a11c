import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, refMatMul, expectClose, bitsOf, THREADED_BUILDS, expectNoLeak } from './helpers';
import { gemm } from '../src/engine/drivers/gemm';

// [m, k, n]
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 5, 1], [1, 37, 1], [6, 1, 9], [17, 33, 65], [129, 64, 7], [4, 8, 8], [3, 300, 17],
  [64, 257, 40], [200, 513, 33], [5, 3, 1030],
];
const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

afterAll(() => wg.shutdown());

function runMatMul(m: number, k: number, n: number, ta: boolean, tb: boolean, seed: number) {
  const av = randomArray(m * k, seed), bv = randomArray(k * n, seed + 1);
  return wg.tidy(() => {
    const a = wg.tensor(av, ta ? [k, m] : [m, k]);
    const b = wg.tensor(bv, tb ? [n, k] : [k, n]);
    const c = wg.matMul(a, b, ta, tb);
    expect(c.shape).toEqual([m, n]);
    return { got: c.dataSync() as Float32Array, want: refMatMul(av, bv, m, n, k, ta, tb) };
  });
}

describe.each(builds())('matMul on the %s build', (build) => {
  test('matches a float64 reference for odd shapes and every transpose', async () => {
    await useBuild(build, 2);
    let seed = 1;
    for (const [m, k, n] of SHAPES) {
      for (const [ta, tb] of TRANSPOSES) {
        expectNoLeak(() => {
          const { got, want } = runMatMul(m, k, n, ta, tb, seed++);
          // float32 sums of k terms of magnitude < 1: error grows like sqrt(k) ulp
          expectClose(got, want, 1e-5 * Math.sqrt(k) + 1e-6, 1e-5, `${m}x${k}x${n} ta=${ta} tb=${tb}`);
        });
      }
    }
  });

  test('rank-3 batched, with a broadcast batch of 1', async () => {
    await useBuild(build, 2);
    const [B, m, k, n] = [3, 5, 7, 9];
    const av = randomArray(B * m * k, 11), bv = randomArray(k * n, 12);
    const c = wg.tidy(() => wg.matMul(wg.tensor(av, [B, m, k]), wg.tensor(bv, [1, k, n])));
    expect(c.shape).toEqual([B, m, n]);
    const got = c.dataSync();
    for (let i = 0; i < B; i++) {
      const want = refMatMul(av.subarray(i * m * k, (i + 1) * m * k), bv, m, n, k, false, false);
      expectClose(got.subarray(i * m * n, (i + 1) * m * n), want, 1e-5, 1e-5, `batch ${i}`);
    }
    c.dispose();
  });

  test('rows past the last full block of 4 (a row at a time) get the bits they get inside a full block', async () => {
    await useBuild(build, 1);
    // n: five full panels (a pass of three or four, then single ones) and a partial one; k past
    // one KC block (the accumulate path); bias and relu
    const [k, n] = [300, 41];
    const av = randomArray(8 * k, 21), bv = randomArray(k * n, 22), biasv = randomArray(n, 23), cv = randomArray(8 * n, 24);
    const product = (m: number) => {
      const [a, b, bias, c] = [wg.tensor(av.subarray(0, m * k), [m, k]), wg.tensor(bv, [k, n]), wg.tensor(biasv), wg.tensor(cv.subarray(0, m * n), [m, n])];
      gemm(a, b, c, { m, n, k, accumulate: true, bias, act: 'relu' });
      const out = c.dataSync().slice();
      for (const t of [a, b, bias, c]) t.dispose();
      return out;
    };
    const full = product(8);
    for (const m of [5, 6, 7]) expect(bitsOf(product(m)), `m = ${m}`).toEqual(bitsOf(full.subarray(0, m * n)));
  });

  test('fused epilogue: accumulate, bias and relu', async () => {
    await useBuild(build, 2);
    for (const [m, k, n] of [[13, 300, 21], [64, 64, 64], [1, 3, 5]] as [number, number, number][]) {
      const av = randomArray(m * k, 3), bv = randomArray(k * n, 4), biasv = randomArray(n, 5), cv = randomArray(m * n, 6);
      const [a, b, bias, c] = [wg.tensor(av, [m, k]), wg.tensor(bv, [k, n]), wg.tensor(biasv), wg.tensor(cv, [m, n])];
      gemm(a, b, c, { m, n, k, accumulate: true, bias, act: 'relu' });
      const ab = refMatMul(av, bv, m, n, k, false, false);
      const want = ab.map((x, i) => Math.max(0, cv[i] + x + biasv[i % n]));
      expectClose(c.dataSync(), want, 1e-4, 1e-5, `${m}x${k}x${n} epilogue`);
      for (const t of [a, b, bias, c]) t.dispose();
    }
  });

  test('writes nothing outside C (guard zones around a strided output)', async () => {
    await useBuild(build, 2);
    for (const [m, k, n] of [[17, 33, 65], [5, 300, 3], [130, 70, 9]] as [number, number, number][]) {
      const ldc = n + 3; // a strided output: the gaps between rows must stay untouched too
      const guard = 64;
      const total = guard + m * ldc + guard;
      const a = wg.tensor(randomArray(m * k, 7), [m, k]), b = wg.tensor(randomArray(k * n, 8), [k, n]);
      const block = wg.fill([total], -12345);
      gemm(a, b, block, { m, n, k, ldc, offsetC: guard });
      const v = block.dataSync();
      for (let i = 0; i < total; i++) {
        const inC = i >= guard && i < guard + m * ldc && (i - guard) % ldc < n;
        if (!inC) expect(v[i], `index ${i} outside C`).toBe(-12345);
      }
      for (const t of [a, b, block]) t.dispose();
    }
  });

  test('blocks of larger tensors: offsets and row strides on A, B and C, every transpose', async () => {
    await useBuild(build, 2);
    let seed = 40;
    for (const [m, k, n] of [[3, 1, 5], [17, 33, 65], [70, 40, 9]] as [number, number, number][]) {
      for (const [ta, tb] of TRANSPOSES) {
        // op(A) is the block of rows ra x ca starting at offA of a matrix with lda columns; likewise B
        const [ra, ca] = ta ? [k, m] : [m, k];
        const [rb, cb] = tb ? [n, k] : [k, n];
        const lda = ca + 2, ldb = cb + 5, ldc = n + 1;
        const offA = 3 * lda + 1, offB = 2 * ldb + 4, offC = 7;
        const av = randomArray(offA + ra * lda, seed++), bv = randomArray(offB + rb * ldb, seed++);
        const [a, b, c] = [wg.tensor(av), wg.tensor(bv), wg.zeros([offC + m * ldc])];
        gemm(a, b, c, { m, n, k, transA: ta, transB: tb, offsetA: offA, offsetB: offB, offsetC: offC, lda, ldb, ldc });
        const blockOf = (v: Float32Array, off: number, rows: number, cols: number, ld: number) =>
          Float32Array.from({ length: rows * cols }, (_, i) => v[off + Math.floor(i / cols) * ld + (i % cols)]);
        const want = refMatMul(blockOf(av, offA, ra, ca, lda), blockOf(bv, offB, rb, cb, ldb), m, n, k, ta, tb);
        const got = c.dataSync() as Float32Array;
        expectClose(blockOf(got, offC, m, n, ldc), want, 1e-5 * Math.sqrt(k) + 1e-6, 1e-5, `${m}x${k}x${n} ta=${ta} tb=${tb} blocks`);
        for (const t of [a, b, c]) t.dispose();
      }
    }
  });

  test('rejects blocks that do not fit their tensors', async () => {
    await useBuild(build, 1);
    const [a, b, c] = [wg.ones([4, 3]), wg.ones([3, 5]), wg.zeros([4, 5])];
    expect(() => gemm(a, b, c, { m: 4, n: 5, k: 3, offsetA: 1 })).toThrow(/gemm: a 4x3 block of A at element 1/);
    expect(() => gemm(a, b, c, { m: 4, n: 5, k: 3, ldb: 6 })).toThrow(/a 3x5 block of B at element 0 with row stride 6/);
    expect(() => gemm(a, b, c, { m: 4, n: 5, k: 3, ldc: 6 })).toThrow(/block of C/);
    expect(() => gemm(a, b, c, { m: 4, n: 5, k: 3, bias: wg.ones([4]) })).toThrow(/the bias/);
    expect(() => gemm(a, b, c, { m: 4, n: 5, k: 0 })).toThrow(/at least 1/);
    for (const t of [a, b, c]) t.dispose();
  });
});

describe.each(THREADED_BUILDS)('threads on the %s build', (build) => {
  test('results are bitwise identical for 1, 2 and 4 threads', async () => {
    for (const [m, k, n] of [[129, 64, 7], [256, 300, 256], [17, 33, 1100], [600, 40, 20], [1, 700, 900]] as [number, number, number][]) {
      for (const [ta, tb] of TRANSPOSES) {
        const results: Uint32Array[] = [];
        for (const threads of [1, 2, 4]) {
          await useBuild(build, threads);
          expect(wg.backendInfo().threads).toBe(threads);
          results.push(bitsOf(runMatMul(m, k, n, ta, tb, 99).got));
        }
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
      }
    }
  });
});

describe('matMul rejects bad input', () => {
  test('with WasmgradError naming the shapes', async () => {
    await useBuild('simd', 1);
    const a = wg.ones([2, 3]), b = wg.ones([4, 5]);
    expect(() => wg.matMul(a, b)).toThrow(wg.WasmgradError);
    expect(() => wg.matMul(a, b)).toThrow(/\[2,3\].*\[4,5\].*3 vs 4/);
    expect(() => wg.matMul(a, wg.ones([3]))).toThrow(/matMul: expected tensors of rank 2 or more, got \[2,3\] and \[3\]/);
    const i = wg.tensor([[1, 2, 3]], [1, 3], 'int32');
    expect(() => wg.matMul(i, wg.tensor([1, 2], [2, 1], 'int32'))).toThrow(/^matMul: inner dimensions differ: \[1,3\] x \[2,1\] \(3 vs 2\)/);
    expect(() => wg.matMul(a, null as unknown as wg.Tensor)).toThrow(/b must be a Tensor/);
    const d = wg.ones([3, 2]);
    d.dispose();
    expect(() => wg.matMul(a, d)).toThrow(/disposed/);
    expect(() => wg.matMul(wg.ones([2, 2, 3]), wg.ones([3, 3, 1]))).toThrow(/batch sizes 2 and 3/);
    expect(() => wg.tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2,2\]/);
    expect(() => wg.zeros([2, -1])).toThrow(/invalid dimension -1/);
    expect(() => wg.zeros([2.5])).toThrow(/invalid dimension 2.5/);
    expect(() => wg.tensor([[1, 2], [3]])).toThrow(/ragged/);
  });

  test('empty and k = 0 products', async () => {
    await useBuild('simd', 1);
    expect(wg.matMul(wg.zeros([0, 3]), wg.ones([3, 4])).shape).toEqual([0, 4]);
    expect(Array.from(wg.matMul(wg.zeros([2, 0]), wg.ones([0, 3])).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
