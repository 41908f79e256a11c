// gradCheck: checks an op's forward against a float64 reference and its backward against central
// finite differences, on the current build (call useBuild first).
//
//   import { gradCheck, ref, type RefTensor } from './gradcheck';
//
//   gradCheck(f, inputs, opts?) => { value, grads, numeric }
//
//   f        (...xs: wg.Tensor[]) => wg.Tensor, the op under test; its result may have any shape.
//   inputs   the arguments of f: wg.Tensor (float32, or int32 for indices: passed through, never
//            differentiated), or { values, shape } / a nested number array made into float32
//            tensors (created and disposed by gradCheck).
//   opts.ref (...xs: RefTensor[]) => ArrayLike<number> | RefTensor: the op written plainly in
//            float64 TypeScript; each RefTensor is { data: Float64Array, shape: number[] } holding
//            exactly the float32 values wg sees. With a reference, the forward is compared with it
//            and the finite differences run on it in float64 (step h = 1e-5 (1 + |x|)), so the
//            numeric gradient is accurate to ~1e-9 and the tolerances only need to cover float32
//            rounding in wg. Without one, the differences run on wg itself in float32 around each
//            element (h = 1e-2 (1 + |x|), weighted sums in float64): coarser, so the default
//            tolerances are looser; use it for ops whose reference would be long.
//   opts.dy  the output cotangent (default: seeded uniform in [-1, 1], so every output element
//            weighs differently); the check compares wg.grads(f)(xs, dy) with d(sum(dy * f))/dx.
//   opts.wrt which input positions to check (default: every float32 input).
//   opts.atol, opts.rtol  gradient tolerance |analytic - numeric| <= atol + rtol |numeric|
//            (defaults 1e-4, 1e-3 with a reference; 2e-2, 2e-2 without).
//   opts.fwdAtol, opts.fwdRtol  forward tolerance against ref (defaults 1e-5, 1e-5).
//   opts.h   the finite-difference step (see above), relative: h (1 + |x|).
//   opts.maxPoints  at most this many elements per input are differentiated numerically (a seeded
//            sample, always including the first and last); default 64.
//   opts.seed, opts.name  seed of the default dy and sampling; a label for failure messages.
//   opts.leaks  assert that the check leaves wg.memory().numTensors unchanged (default true).
//
// Returns the wg output (Float32Array), wg's analytic gradients and the numeric ones (Float64Array,
// NaN at elements that were not sampled). Failures throw naming the input, the flat index and both
// values. Keep inputs away from kinks (relu at 0, ties of max) where the gradient is not defined.
import * as wg from 'wasmgrad';
import { expect } from 'vitest';
import { rng, type Build } from './helpers';

export interface RefTensor {
  data: Float64Array;
  shape: number[];
}
export type RefFn = (...xs: RefTensor[]) => ArrayLike<number> | RefTensor;
export type GradInput = wg.Tensor | { values: ArrayLike<number>; shape: number[] } | number | unknown[];

export interface GradCheckOptions {
  ref?: RefFn;
  dy?: ArrayLike<number>;
  wrt?: number[];
  atol?: number;
  rtol?: number;
  fwdAtol?: number;
  fwdRtol?: number;
  h?: number;
  maxPoints?: number;
  seed?: number;
  name?: string;
  leaks?: boolean;
}

export interface GradCheckResult {
  value: Float32Array;
  grads: Float32Array[];
  numeric: Float64Array[];
}

/** Row-major strides of a shape (helper for references). */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A float64 RefTensor (helper for references). */
export function ref(data: ArrayLike<number>, shape: number[]): RefTensor {
  return { data: Float64Array.from(data), shape: shape.slice() };
}

function toTensor(x: GradInput): { t: wg.Tensor; owned: boolean } {
  if (x instanceof wg.Tensor) return { t: x, owned: false };
  if (typeof x === 'number' || Array.isArray(x)) return { t: wg.tensor(x as number[]), owned: true };
  const v = x as { values: ArrayLike<number>; shape: number[] };
  return { t: wg.tensor(Float32Array.from(v.values), v.shape), owned: true };
}

function refOut(r: ArrayLike<number> | RefTensor): ArrayLike<number> {
  return (r as RefTensor).data !== undefined && (r as RefTensor).shape !== undefined ? (r as RefTensor).data : (r as ArrayLike<number>);
}

function dot(a: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += a[i] * w[i];
  return s;
}

/** Positions to differentiate: all of them, or a seeded sample including the ends. */
function samplePoints(n: number, max: number, r: () => number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const set = new Set<number>([0, n - 1]);
  while (set.size < max) set.add(Math.floor(r() * n));
  return [...set].sort((a, b) => a - b);
}

export function gradCheck(f: (...xs: wg.Tensor[]) => wg.Tensor, inputs: GradInput[], opts: GradCheckOptions = {}): GradCheckResult {
  const name = opts.name ?? (f.name || 'f');
  const hasRef = typeof opts.ref === 'function';
  const atol = opts.atol ?? (hasRef ? 1e-4 : 2e-2);
  const rtol = opts.rtol ?? (hasRef ? 1e-3 : 2e-2);
  const hRel = opts.h ?? (hasRef ? 1e-5 : 1e-2);
  const r = rng(opts.seed ?? 1234);
  const before = wg.memory().numTensors;

  const made = inputs.map(toTensor);
  const xs = made.map((m) => m.t);
  try {
    const wrt = opts.wrt ?? xs.flatMap((x, i) => (x.dtype === 'float32' ? [i] : []));
    const vals = xs.map((x) => Float64Array.from(x.dataSync()));

    // forward, and the cotangent
    const y = wg.tidy(() => f(...xs));
    expect(y, `${name}: f must return a Tensor`).toBeInstanceOf(wg.Tensor);
    const value = Float32Array.from(y.dataSync());
    const outShape = y.shape.slice();
    y.dispose();
    const dyv = opts.dy ? Float64Array.from(opts.dy) : Float64Array.from({ length: value.length }, () => 2 * r() - 1);
    expect(dyv.length, `${name}: dy length`).toBe(value.length);

    const refTensors = () => xs.map((x, i) => ({ data: vals[i].slice(), shape: x.shape.slice() }));
    if (hasRef) {
      const r0 = opts.ref!(...refTensors());
      const want = refOut(r0);
      if (r0 !== want) expect(outShape, `${name}: wg output shape vs the reference's`).toEqual((r0 as RefTensor).shape);
      expect(want.length, `${name}: reference output length vs wg shape [${outShape}]`).toBe(value.length);
      const fa = opts.fwdAtol ?? 1e-5, fr = opts.fwdRtol ?? 1e-5;
      for (let i = 0; i < want.length; i++) {
        const e = want[i], g = value[i];
        if (Number.isNaN(e) && Number.isNaN(g)) continue;
        if (e === g) continue; // equal infinities
        if (!(Math.abs(g - e) <= fa + fr * Math.abs(e))) {
          throw new Error(`${name} forward, output [${outShape}] index ${i}: got ${g}, expected ${e} (atol ${fa}, rtol ${fr})`);
        }
      }
    }

    // analytic gradients: the vector-Jacobian product with dy
    const dyT = wg.tensor(Float32Array.from(dyv), outShape);
    const gs = wg.grads(f)(xs, dyT);
    dyT.dispose();
    const grads = gs.map((g, i) => {
      expect(g.shape, `${name}: gradient ${i} shape`).toEqual(xs[i].shape);
      expect(g.dtype, `${name}: gradient ${i} dtype`).toBe('float32');
      const d = Float32Array.from(g.dataSync());
      g.dispose();
      return d;
    });

    // numeric gradients
    const numeric = xs.map((x) => new Float64Array(x.size).fill(NaN));
    for (const i of wrt) {
      const pts = samplePoints(xs[i].size, opts.maxPoints ?? 64, r);
      for (const j of pts) {
        const x0 = vals[i][j];
        const h = hRel * (1 + Math.abs(x0));
        let fp: number, fm: number;
        if (hasRef) {
          const ins = refTensors();
          ins[i].data[j] = x0 + h;
          fp = dot(refOut(opts.ref!(...ins)), dyv);
          ins[i].data[j] = x0 - h;
          fm = dot(refOut(opts.ref!(...ins)), dyv);
          numeric[i][j] = (fp - fm) / (2 * h);
        } else {
          // perturb in float32: use the step actually representable
          const xp = Math.fround(x0 + h), xm = Math.fround(x0 - h);
          const evalAt = (v: number) => {
            const data = Float32Array.from(vals[i]);
            data[j] = v;
            const xi = wg.tensor(data, xs[i].shape);
            const args = xs.slice();
            args[i] = xi;
            const out = wg.tidy(() => f(...args));
            const s = dot(out.dataSync(), dyv);
            out.dispose();
            xi.dispose();
            return s;
          };
          fp = evalAt(xp);
          fm = evalAt(xm);
          numeric[i][j] = (fp - fm) / (xp - xm);
        }
        const a = grads[i][j], n = numeric[i][j];
        if (!(Math.abs(a - n) <= atol + rtol * Math.abs(n))) {
          throw new Error(
            `${name} backward, input ${i} [${xs[i].shape}] index ${j} (x = ${x0}): analytic ${a}, numeric ${n} (atol ${atol}, rtol ${rtol})`,
          );
        }
      }
    }
    return { value, grads, numeric };
  } finally {
    for (const m of made) if (m.owned) m.t.dispose();
    if (opts.leaks ?? true) expect(wg.memory().numTensors, `${name}: tensors leaked by the check`).toBe(before);
  }
}

// ---- small float64 building blocks for references ---------------------------------------------

/** NumPy broadcast of two shapes (throws on mismatch). */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element i of the broadcast space `out` read from a tensor of shape `shape`. */
export function broadcastIndex(i: number, out: readonly number[], shape: readonly number[]): number {
  let idx = 0, stride = 1;
  for (let d = out.length - 1, e = shape.length - 1; d >= 0; d--, e--) {
    const c = i % out[d];
    i = Math.floor(i / out[d]);
    if (e >= 0) {
      if (shape[e] !== 1) idx += c * stride;
      stride *= shape[e];
    }
  }
  return idx;
}

/** float64 reference of a broadcasting binary op. */
export function refBinary(fn: (a: number, b: number) => number): RefFn {
  return (a, b) => {
    const shape = broadcastShape(a.shape, b.shape);
    const n = sizeOf(shape);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = fn(a.data[broadcastIndex(i, shape, a.shape)], b.data[broadcastIndex(i, shape, b.shape)]);
    return { data: out, shape };
  };
}

/** float64 reference of an elementwise unary op. */
export function refUnary(fn: (x: number) => number): RefFn {
  return (x) => ({ data: x.data.map(fn), shape: x.shape });
}

/** float64 reduction of x over `axes` (sorted, distinct) with fn over each group's values. */
export function refReduce(x: RefTensor, axes: number[], fn: (vals: number[]) => number, keepDims = false): RefTensor {
  const rank = x.shape.length;
  const outShapeKeep = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = sizeOf(outShapeKeep);
  const groups: number[][] = Array.from({ length: n }, () => []);
  const xs = stridesOf(x.shape), os = stridesOf(outShapeKeep);
  for (let i = 0; i < x.data.length; i++) {
    let rem = i, o = 0;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(rem / xs[d]);
      rem -= c * xs[d];
      if (!axes.includes(d)) o += c * os[d];
    }
    groups[o].push(x.data[i]);
  }
  const shape = keepDims ? outShapeKeep : x.shape.filter((_, i) => !axes.includes(i));
  return { data: Float64Array.from(groups.map(fn)), shape };
}

/** float64 erf (Abramowitz-Stegun 7.1.26 is too coarse; this is a series / continued fraction to ~1e-15). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a > 6) return Math.sign(x);
  if (a < 2.5) {
    // Maclaurin series: erf(x) = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a, sum = a;
    for (let n = 1; n < 100; n++) {
      term *= (-a * a) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc by a continued fraction (Lentz), accurate for a >= 2.5
  let f = a, C = a, D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = a + an * D;
    D = 1 / D;
    C = a + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

/** float64 Phi(x) = 0.5 erfc(-x / sqrt 2) without cancellation for negative x. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 0) return 0.5 * (1 + erf(x / Math.SQRT2));
  const a = -x / Math.SQRT2;
  if (a < 2.5) return 0.5 * (1 - erf(a));
  let f = a, C = a, D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = 1 / (a + an * D);
    C = a + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (0.5 * Math.exp(-a * a)) / (f * Math.sqrt(Math.PI));
}

// ---- thread-count determinism ----------------------------------------------------------------

/**
 * Runs fn (which returns float32 results) on `build` with 1, 2 and 4 threads and asserts the bits
 * are identical; returns the 1-thread results.
 */
export async function expectSameBitsAcrossThreads(
  build: Build,
  fn: () => (Float32Array | Int32Array)[],
  what = '',
): Promise<(Float32Array | Int32Array)[]> {
  const { useBuild } = await import('./helpers');
  let first: Uint32Array[] | null = null;
  let firstVals: (Float32Array | Int32Array)[] = [];
  for (const threads of [1, 2, 4]) {
    await useBuild(build, threads);
    expect(wg.backendInfo().threads).toBe(threads);
    const vals = fn();
    const bits = vals.map((v) => new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
    if (!first) {
      first = bits;
      firstVals = vals;
    } else {
      bits.forEach((b, i) => {
        for (let j = 0; j < b.length; j++) {
          if (b[j] !== first![i][j]) throw new Error(`${what} result ${i} index ${j}: ${threads} threads give ${vals[i][j]}, 1 thread ${firstVals[i][j]}`);
        }
      });
    }
  }
  return firstVals;
}
