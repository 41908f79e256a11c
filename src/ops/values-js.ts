// Loops over a tensor's values in JavaScript, with NumPy broadcasting: the ops without kernels
// (elementwise-js.ts), the selections of compare.ts, and int32 arithmetic.
//
// int32 arithmetic is TensorFlow.js's: an op whose tensors are all int32 gives int32, each element
// the op's result in double precision stored as int32 (ECMAScript's ToInt32: wrapping modulo 2^32,
// NaN and the infinities giving 0), as TF.js's cpu backend stores it; an int32 tensor meeting a
// float32 tensor or a number is cast to float32 first (TF.js's upcast: a number is float32). int32
// tensors hold labels, indices and counts, small and outside hot loops, so their arithmetic runs
// here and records no gradient (TF.js gives int32 tensors none).
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, sizeOf, assertUsable } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { broadcastShapes } from '../primitives.js';

export type ValueDType = 'float32' | 'int32';

/** int32 or bool: values TF.js computes as int32 (a sum of bools is an int32 count). */
export const isIntegral = (x: unknown): boolean => x instanceof Tensor && (x.dtype === 'int32' || x.dtype === 'bool');

/** Maps a flat index of `out` to the flat index of a tensor of `shape` broadcast into it. */
export function strideMap(shape: readonly number[], out: readonly number[]): (i: number) => number {
  if (shape.length > out.length) throw new WasmgradError(msg`broadcast: ${fmtShape(shape)} does not broadcast to ${fmtShape(out)}`);
  if (shape.length === out.length && shape.every((n, d) => n === out[d])) return (i) => i; // not broadcast: the common case
  const lead = out.length - shape.length;
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let d = out.length - 1; d >= lead; d--) {
    const n = shape[d - lead];
    strides[d] = n === 1 ? 0 : s;
    s *= n;
  }
  return (i) => {
    let src = 0;
    for (let d = out.length - 1; d >= 0; d--) {
      const n = out[d];
      src += (i % n) * strides[d];
      i = Math.floor(i / n);
    }
    return src;
  };
}

/** f(a, b) elementwise over a and b broadcast together, as dtype (int32: ToInt32 of each result). */
export function zipValues(name: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number, dtype: ValueDType): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const am = strideMap(a.shape, shape), bm = strideMap(b.shape, shape);
  const av = a.dataSync(), bv = b.dataSync();
  const n = sizeOf(shape);
  const out = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(av[am(i)], bv[bm(i)]);
  return fromFlat(out, shape, dtype);
}

/** Two int32 tensors compared exactly: 1 where test holds, else 0 (float32, the comparisons' bool). */
export function compareInts(name: string, a: Tensor, b: Tensor, test: (x: number, y: number) => boolean): Tensor {
  assertUsable(a, name);
  assertUsable(b, name);
  return zipValues(name, a, b, (x, y) => (test(x, y) ? 1 : 0), 'float32');
}

/** f(x) elementwise, int32 in and out. */
export function mapInts(x: Tensor, f: (v: number) => number): Tensor {
  return fromFlat(Int32Array.from(x.dataSync(), f), x.shape, 'int32');
}

/**
 * acc = f(acc, v) from init over the given axes (already normalized), accumulated in double
 * precision, the result as dtype.
 */
export function reduceValues(x: Tensor, axes: readonly number[], keepDims: boolean, init: number, f: (acc: number, v: number) => number, dtype: ValueDType): Tensor {
  const keep = x.shape.map((n, i) => (axes.includes(i) ? 1 : n));
  const outShape = keepDims ? keep : x.shape.filter((_, i) => !axes.includes(i));
  // the dimensions kept, with their strides in x and in the result
  const kept = keep.flatMap((n, d) => (axes.includes(d) ? [] : [[sizeOf(x.shape.slice(d + 1)), n, sizeOf(keep.slice(d + 1))]]));
  const acc = new Float64Array(sizeOf(keep)).fill(init);
  const v = x.dataSync();
  for (let i = 0; i < v.length; i++) {
    let o = 0;
    for (const [stride, n, keepStride] of kept) o += (Math.floor(i / stride) % n) * keepStride;
    acc[o] = f(acc[o], v[i]);
  }
  return fromFlat(dtype === 'int32' ? Int32Array.from(acc) : Float32Array.from(acc), outShape, dtype);
}

/** An int32 (or bool) tensor's values as a new float32 tensor (exact up to 2^24 in magnitude, as TF.js's cast). */
export function int32ToFloat(x: Tensor): Tensor {
  return fromFlat(Float32Array.from(x.dataSync()), x.shape, 'float32');
}

/** f of x as float32 when x is int32 or bool (a float32 result, as TF.js's for an int32 input), else f(x). */
export function viaFloat(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  if (x.dtype === 'float32') return f(x);
  const t = int32ToFloat(x);
  try {
    return f(t);
  } finally {
    t.dispose();
  }
}
