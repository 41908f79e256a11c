// Shared test helpers: the builds this runtime can run, a seeded generator, float64 references.
import * as wg from 'wasmgrad';
import { expect } from 'vitest';
import { seededRandom } from '../src/util/seeded';

export const ALL_BUILDS = ['relaxed', 'simd-threads', 'simd', 'scalar'] as const;
export type Build = (typeof ALL_BUILDS)[number];
export const THREADED_BUILDS: Build[] = ['relaxed', 'simd-threads'];

/** Every build runs under Node 20 (relaxed through the V8 flag that init sets): no silent skips. */
export function builds(): readonly Build[] {
  return ALL_BUILDS;
}

/** Re-initialises on the given build and thread count. */
export async function useBuild(backend: Build, threads = 1): Promise<void> {
  const info = await wg.init({ backend, threads: 1 });
  expect(info.backend).toBe(backend);
  // more threads than this machine's cores are refused unless forced; the tests compare thread counts
  if (THREADED_BUILDS.includes(backend)) wg.setThreads(threads, { force: true });
  // init does not wait for workers to start; tests that count on every thread do
  await wg.ready();
}

/** A small seeded generator, so failures reproduce. */
export const rng = seededRandom;

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** C = op(A) op(B) in float64, A stored [m,k] or [k,m] (transA), B stored [k,n] or [n,k] (transB). */
export function refMatMul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number, transA: boolean, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

/** Asserts |x - ref| <= atol + rtol |ref| elementwise, naming the first bad index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], x = actual[i];
    if (Number.isNaN(e) && Number.isNaN(x)) continue;
    if (!(Math.abs(x - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what} index ${i}: got ${x}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

export function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
}

/** Asserts that fn leaves the live tensor count and the bytes of live tensors unchanged. */
export function expectNoLeak(fn: () => void): void {
  const before = wg.memory();
  fn();
  const after = wg.memory();
  expect(after.numTensors).toBe(before.numTensors);
  expect(after.numBytes).toBe(before.numBytes);
}

/** f is refused with a WasmgradError matching `message`, and leaves no tensor behind. */
export function expectRefusedWithoutLeak(f: () => unknown, message: RegExp): void {
  const before = wg.memory().numTensors;
  expect(() => wg.tidy(f as () => wg.Tensor)).toThrow(wg.WasmgradError);
  expect(() => wg.tidy(f as () => wg.Tensor)).toThrow(message);
  expect(wg.memory().numTensors).toBe(before);
}
