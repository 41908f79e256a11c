// The small-M GEMM path (assembly/gemv.ts, m < 4, B read in place): against a float64 reference,
// bitwise against the packed kernel gemm_f32 on the same operands, and bitwise the same on 1 and 2
// threads, on every build.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, refMatMul, expectClose, bitsOf, THREADED_BUILDS, expectNoLeak } from './helpers';
import { gemm, type FusedActivation } from '../src/engine/drivers/gemm';

afterAll(() => wg.shutdown());

const MS = [1, 2, 3];
const NS = [1, 7, 9, 129];
const KS = [1, 3, 17, 300]; // 300 crosses a KC block (256): the running sum goes through C
const ACTS: FusedActivation[] = ['linear', 'relu'];

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  bias: boolean;
  act: FusedActivation;
  accumulate: boolean;
  ldc?: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const m of MS) {
    for (const n of NS) {
      for (const k of KS) {
        for (const act of ACTS) {
          // every combination of shape and activation; bias, accumulate, transA and strided C vary with it
          out.push({ m, n, k, act, bias: i % 2 === 0, accumulate: i % 3 === 0, transA: i % 4 === 1, ldc: i % 5 === 0 ? n + 3 : undefined });
          i++;
        }
      }
    }
  }
  return out;
}

/** The operands of a case, seeded; C starts as `initC` (what accumulate adds to). */
function operands(s: Case, seed: number) {
  const ldc = s.ldc ?? s.n;
  return {
    av: randomArray(s.m * s.k, seed),
    bv: randomArray(s.k * s.n, seed + 1),
    biasv: randomArray(s.n, seed + 2),
    cv: randomArray((s.m - 1) * ldc + s.n, seed + 3),
    ldc,
  };
}

/** Runs the case through the GEMM driver (which picks gemv_f32 for m < 4) and returns C. */
function viaDriver(s: Case, seed: number): Float32Array {
  const { av, bv, biasv, cv, ldc } = operands(s, seed);
  return wg.tidy(() => {
    const a = wg.tensor(av, s.transA ? [s.k, s.m] : [s.m, s.k]);
    const b = wg.tensor(bv, [s.k, s.n]);
    const c = wg.tensor(cv);
    const bias = s.bias ? wg.tensor(biasv) : null;
    gemm(a, b, c, { m: s.m, n: s.n, k: s.k, transA: s.transA, accumulate: s.accumulate, bias, act: s.act, ldc });
    return c.dataSync() as Float32Array;
  });
}

/** The same product through the packed kernel gemm_f32 itself, on the calling thread. */
function viaPackedKernel(s: Case, seed: number): Float32Array {
  const { av, bv, biasv, cv, ldc } = operands(s, seed);
  return wg.tidy(() => {
    const e = wg._engine();
    const a = wg.tensor(av), b = wg.tensor(bv), c = wg.tensor(cv), bias = wg.tensor(biasv);
    const lda = s.transA ? s.m : s.k;
    const tileN = Math.ceil(s.n / 8) * 8;
    e.kernels.gemm_f32(
      a.ptr('test'), b.ptr('test'), c.ptr('test'), s.m, s.n, s.k, lda, s.n, ldc, s.transA ? 1 : 0, 0, s.accumulate ? 1 : 0,
      s.bias ? bias.ptr('test') : 0, s.act === 'relu' ? 1 : 0, 4, tileN, 0, 1, e.scratchOf(0),
    );
    return c.dataSync() as Float32Array;
  });
}

function reference(s: Case, seed: number): Float64Array {
  const { av, bv, biasv, cv, ldc } = operands(s, seed);
  const ab = refMatMul(av, bv, s.m, s.n, s.k, s.transA, false);
  const want = Float64Array.from(cv);
  for (let i = 0; i < s.m; i++) {
    for (let j = 0; j < s.n; j++) {
      let v = ab[i * s.n + j] + (s.accumulate ? cv[i * ldc + j] : 0) + (s.bias ? biasv[j] : 0);
      if (s.act === 'relu') v = Math.max(0, v);
      want[i * ldc + j] = v;
    }
  }
  return want;
}

const label = (s: Case) =>
  `${s.m}x${s.k}x${s.n}${s.transA ? ' transA' : ''}${s.bias ? ' bias' : ''}${s.accumulate ? ' accumulate' : ''} ${s.act}${s.ldc ? ` ldc ${s.ldc}` : ''}`;

describe.each(builds())('small-M GEMM on the %s build', (build) => {
  test('matches a float64 reference (odd shapes, bias, relu, accumulate, transA, strided C; the gaps of C untouched)', async () => {
    await useBuild(build, 1);
    // the driver must route these products to gemv_f32, never to the packed kernel
    const e = wg._engine();
    const kernelsRun = new Set<string>();
    const parallel = e.parallel;
    e.parallel = (name, args, nTasks, par) => {
      kernelsRun.add(name);
      parallel.call(e, name, args, nTasks, par);
    };
    let seed = 1;
    try {
      for (const s of cases()) {
        expectNoLeak(() => {
        // the gaps between rows of a strided C keep their values: reference() copies them from cv
          expectClose(viaDriver(s, seed), reference(s, seed), 1e-5 * Math.sqrt(s.k) + 1e-6, 1e-5, label(s));
        });
        seed += 10;
      }
    } finally {
      e.parallel = parallel;
    }
    expect([...kernelsRun]).toEqual(['gemv_f32']);
  });

  test('bitwise identical to the packed kernel gemm_f32', async () => {
    await useBuild(build, 1);
    let seed = 1;
    for (const s of cases()) {
      const got = bitsOf(viaDriver(s, seed)), want = bitsOf(viaPackedKernel(s, seed));
      const bad = got.findIndex((x, i) => x !== want[i]);
      expect(bad, `${label(s)}: first differing element`).toBe(-1);
      seed += 10;
    }
  });

  test('bitwise identical on 1 and 2 threads (big enough to be split over columns)', async () => {
    const big: Case[] = [
      { m: 1, k: 784, n: 700, transA: false, bias: true, act: 'relu', accumulate: false },
      { m: 2, k: 300, n: 1030, transA: true, bias: false, act: 'linear', accumulate: true },
      { m: 3, k: 513, n: 333, transA: false, bias: true, act: 'linear', accumulate: false },
    ];
    const results: Uint32Array[][] = [];
    for (const threads of THREADED_BUILDS.includes(build) ? [1, 2] : [1]) {
      await useBuild(build, threads);
      expect(wg.backendInfo().threads).toBe(threads);
      results.push(big.map((s, i) => bitsOf(viaDriver(s, 500 + i))));
    }
    for (const r of results.slice(1)) r.forEach((bits, i) => expect(bits, label(big[i])).toEqual(results[0][i]));
    // and the packed kernel gives the same bits for these too
    big.forEach((s, i) => expect(bitsOf(viaPackedKernel(s, 500 + i)), label(s)).toEqual(results[0][i]));
  });

  test('matMul and a dense layer at batch 1 to 3 give the bits of the same rows in a batch of 8', async () => {
    await useBuild(build, 1);
    const [k, n] = [50, 37];
    const xv = randomArray(8 * k, 71), wv = randomArray(k * n, 72);
    const full = wg.tidy(() => wg.matMul(wg.tensor(xv, [8, k]), wg.tensor(wv, [k, n])).dataSync() as Float32Array);
    for (const m of [1, 2, 3]) {
      const part = wg.tidy(() => wg.matMul(wg.tensor(xv.subarray(0, m * k), [m, k]), wg.tensor(wv, [k, n])).dataSync() as Float32Array);
      expect(bitsOf(part), `m = ${m}`).toEqual(bitsOf(full.slice(0, m * n)));
    }
  });
});
