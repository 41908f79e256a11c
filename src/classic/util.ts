// Argument checks and seeded helpers shared by the classic models.
import { seededRandom } from '../util/seeded.js';
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor } from '../tensor.js';

/** Raises unless x is a float32 tensor of rank 2 with `cols` columns (any positive number of rows). */
export function checkRows(x: unknown, cols: number, op: string, name = 'x'): Tensor {
  if (!(x instanceof Tensor)) throw new WasmgradError(msg`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.isDisposed) throw new WasmgradError(msg`${op}: ${name} ${fmtShape(x.shape)} is disposed`);
  if (x.dtype !== 'float32' || x.rank !== 2 || x.shape[1] !== cols || x.shape[0] < 1) {
    throw new WasmgradError(msg`${op}: ${name} must be float32 [batch >= 1, ${cols}], got ${x.dtype} ${fmtShape(x.shape)}`);
  }
  return x;
}

/** Raises unless v is an integer >= min. */
export function checkInt(v: unknown, op: string, name: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new WasmgradError(msg`${op}: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** Raises unless v is a finite number (> 0 when `positive`, >= 0 when `nonNegative`). */
export function checkNum(v: unknown, op: string, name: string, range: 'any' | 'positive' | 'nonNegative' = 'any'): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (range === 'any' || (range === 'positive' ? v > 0 : v >= 0));
  if (!ok) throw new WasmgradError(msg`${op}: ${name} must be a finite number${range === 'positive' ? ' > 0' : range === 'nonNegative' ? ' >= 0' : ''}, got ${v}`);
  return v as number;
}

/** Raises unless seed is a whole number >= 0. */
export function checkSeedValue(seed: unknown, op: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new WasmgradError(msg`${op}: seed must be a whole number >= 0, got ${seed}`);
  return seed;
}

/** A seeded generator of uniform floats in [0, 1): the package's one (mulberry32). */
export const rng = seededRandom;

export function permutation(n: number, random: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
