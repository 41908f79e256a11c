// Data movement (assembly/copy.ts): copies, strided copies, transposes, gathers, fills, and the
// reads and writes of a tensor's values from JavaScript.
import { engine } from '../state.js';
import type { Tensor } from '../../tensor.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { TRANSPOSE_BLOCK } from '../abi.js';

// ---------------------------------------------------------------------------------------------
// Whole tensors

/** dst = src (same number of elements). */
export function copyInto(dst: Tensor, src: Tensor, op = 'copy'): void {
  copyBytes(dst.ptr(op), src.ptr(op), src.size * 4);
}

/** Every element of t = value (float32, or a whole number for int32). */
export function fillTensor(t: Tensor, value: number): void {
  const p = t.ptr('fill') >> 2;
  const e = engine();
  (t.dtype === 'int32' ? e.i32 : e.f32).fill(value, p, p + t.size);
}

/** Writes t.size values into t (converted to its dtype). */
export function writeTensor(t: Tensor, values: ArrayLike<number>): void {
  const p = t.ptr('write') >> 2;
  const e = engine();
  (t.dtype === 'int32' ? e.i32 : e.f32).set(values, p);
}

// ---------------------------------------------------------------------------------------------
// Byte offsets, for drivers that move parts of tensors or scratch blocks

/** Copies n bytes inside the memory. */
export function copyBytes(dst: number, src: number, n: number): void {
  if (n > 0) engine().u8.copyWithin(dst, src, src + n);
}

/** Fills n floats with a value. */
export function fillFloats(ptr: number, n: number, value: number): void {
  const p = ptr >> 2;
  engine().f32.fill(value, p, p + n);
}

/** A region of `dims` walked with each side's own element strides, from element offsets. */
export interface StridedRegion {
  dims: readonly number[];
  srcStrides: readonly number[];
  dstStrides: readonly number[];
  srcOffset?: number;
  dstOffset?: number;
}

/** dst[region] = src[region] (or += when accumulating). */
export function copyStrided(src: Tensor, dst: Tensor, region: StridedRegion, accumulate = false): void {
  const ps = src.ptr('copy') + (region.srcOffset ?? 0) * 4;
  const pd = dst.ptr('copy') + (region.dstOffset ?? 0) * 4;
  if (region.dims.includes(0)) return;
  stridedCopy(ps, region.srcStrides, pd, region.dstStrides, region.dims, accumulate);
}

/**
 * dst = src (or dst += src) over `dims`, each side walking its own element strides; dims of any
 * rank (collapsed where both sides are contiguous, leading ones looped here).
 */
export function stridedCopy(src: number, srcStrides: readonly number[], dst: number, dstStrides: readonly number[], dims: readonly number[], accumulate = false): void {
  const e = engine();
  // merge neighbours that both sides walk contiguously; drop unit dims
  const d: number[] = [], ss: number[] = [], ds: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const l = d.length - 1;
    if (l >= 0 && ss[l] === srcStrides[i] * dims[i] && ds[l] === dstStrides[i] * dims[i]) {
      d[l] *= dims[i];
      ss[l] = srcStrides[i];
      ds[l] = dstStrides[i];
    } else {
      d.push(dims[i]);
      ss.push(srcStrides[i]);
      ds.push(dstStrides[i]);
    }
  }
  while (d.length < 4) {
    d.unshift(1);
    ss.unshift(0);
    ds.unshift(0);
  }
  const lead = d.length - 4;
  const count = d.slice(0, lead).reduce((a, b) => a * b, 1);
  const rows = d[lead] * d[lead + 1] * d[lead + 2];
  const parallel = rows * d[lead + 3] >= ELEMENTWISE_PARALLEL;
  for (let i = 0; i < count; i++) {
    let so = 0, dof = 0, rem = i;
    for (let k = lead - 1; k >= 0; k--) {
      const idx = rem % d[k];
      rem = Math.floor(rem / d[k]);
      so += idx * ss[k];
      dof += idx * ds[k];
    }
    e.parallel(
      'strided_copy',
      [
        src + so * 4, dst + dof * 4, d[lead + 1], d[lead + 2], d[lead + 3],
        ss[lead], ss[lead + 1], ss[lead + 2], ss[lead + 3], ds[lead], ds[lead + 1], ds[lead + 2], ds[lead + 3], accumulate ? 1 : 0,
      ],
      rows,
      parallel,
    );
  }
}

/** Row-major element strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Transposes, gathers and indices

/** dst [cols, rows] = the transpose of src [rows, cols] (cache-blocked). */
export function transpose2d(src: Tensor, dst: Tensor, rows: number, cols: number): void {
  const ps = src.ptr('transpose'), pd = dst.ptr('transpose');
  if (dst.size === 0) return;
  engine().parallel('transpose2d', [ps, pd, rows, cols], Math.ceil(cols / TRANSPOSE_BLOCK), rows * cols >= ELEMENTWISE_PARALLEL);
}

/** x seen as [outer, axisLen, inner] around `axis`. */
function aroundAxis(shape: readonly number[], axis: number) {
  const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
  return { outer: prod(shape.slice(0, axis)), axisLen: shape[axis], inner: prod(shape.slice(axis + 1)) };
}

/** out = the rows of x along `axis` picked by the int32 indices idx (checked in range by the caller). */
export function gatherRows(x: Tensor, idx: Tensor, out: Tensor, axis: number): void {
  const { outer, axisLen, inner } = aroundAxis(x.shape, axis);
  const nIdx = idx.size;
  const px = x.ptr('gather'), pi = idx.ptr('gather'), po = out.ptr('gather');
  if (out.size === 0) return;
  engine().parallel('gather_rows', [px, pi, po, nIdx, axisLen, inner], outer * nIdx, outer * nIdx * inner >= ELEMENTWISE_PARALLEL);
}

/** dx (shaped like x) += the rows of dy scattered back along `axis` to where gatherRows took them. */
export function scatterAddRows(dy: Tensor, idx: Tensor, dx: Tensor, axis: number): void {
  const { outer, axisLen, inner } = aroundAxis(dx.shape, axis);
  const nIdx = idx.size;
  const pdy = dy.ptr('gather'), pi = idx.ptr('gather'), pdx = dx.ptr('gather');
  if (dy.size === 0) return;
  engine().parallel('scatter_add_rows', [pdy, pi, pdx, nIdx, axisLen, inner], outer, outer * nIdx * inner >= ELEMENTWISE_PARALLEL);
}

/** out [..., depth] = on at each int32 index of idx, off elsewhere (an out-of-range index gives a row of off). */
export function oneHotRows(idx: Tensor, out: Tensor, depth: number, on: number, off: number): void {
  const pi = idx.ptr('oneHot'), po = out.ptr('oneHot');
  if (out.size === 0) return;
  engine().kernels.one_hot(pi, po, idx.size, depth, on, off);
}

/** The first int32 value of idx outside [0, n) and its flat position, or null. */
export function indexOutOfRange(idx: Tensor, n: number, op: string): { position: number; value: number } | null {
  const p = idx.ptr(op) >> 2;
  const view = engine().i32;
  for (let i = 0; i < idx.size; i++) {
    const v = view[p + i];
    if (v < 0 || v >= n) return { position: i, value: v };
  }
  return null;
}

/** out (int32) = x truncated towards zero; NaN and infinities become -1 (an invalid index). */
export function truncateToInt32(x: Tensor, out: Tensor): void {
  const src = x.dataSync();
  const v = engine().i32;
  const p = out.ptr('int32') >> 2;
  for (let i = 0; i < src.length; i++) {
    const f = src[i];
    v[p + i] = Number.isFinite(f) ? Math.trunc(f) : -1;
  }
}

/** 1 where the int32 value is not 0, else 0. */
export function nonZeroFlags(t: Tensor): Uint8Array {
  const p = t.ptr('mask') >> 2;
  const v = engine().i32;
  return Uint8Array.from({ length: t.size }, (_, i) => (v[p + i] !== 0 ? 1 : 0));
}

/** Index of the first NaN or infinity among t's values, or -1. */
export function findNonFinite(t: Tensor): number {
  return engine().kernels.find_nonfinite(t.ptr('debug'), t.size) as number;
}
