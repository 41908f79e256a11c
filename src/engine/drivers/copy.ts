// Data movement (assembly/copy.ts): strided copies, transposes, gathers and fills.
import { engine } from '../state.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { TRANSPOSE_BLOCK } from '../abi.js';

/** Copies n bytes inside the memory. */
export function copyBytes(dst: number, src: number, n: number): void {
  if (n > 0) engine().u8.copyWithin(dst, src, src + n);
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

export function transpose2d(src: number, dst: number, rows: number, cols: number): void {
  engine().parallel('transpose2d', [src, dst, rows, cols], Math.ceil(cols / TRANSPOSE_BLOCK), rows * cols >= ELEMENTWISE_PARALLEL);
}

export function gatherRows(x: number, idx: number, out: number, outer: number, nIdx: number, axisLen: number, inner: number): void {
  engine().parallel('gather_rows', [x, idx, out, nIdx, axisLen, inner], outer * nIdx, outer * nIdx * inner >= ELEMENTWISE_PARALLEL);
}

export function scatterAddRows(dy: number, idx: number, dx: number, outer: number, nIdx: number, axisLen: number, inner: number): void {
  engine().parallel('scatter_add_rows', [dy, idx, dx, nIdx, axisLen, inner], outer, outer * nIdx * inner >= ELEMENTWISE_PARALLEL);
}

export function oneHotRows(idx: number, out: number, n: number, depth: number, on: number, off: number): void {
  engine().kernels.one_hot(idx, out, n, depth, on, off);
}

/** Index of the first NaN or infinity among n floats, or -1. */
export function findNonFinite(x: number, n: number): number {
  return engine().kernels.find_nonfinite(x, n) as number;
}

/** Fills n floats with a value. */
export function fillFloats(ptr: number, n: number, value: number): void {
  const p = ptr >> 2;
  engine().f32.fill(value, p, p + n);
}
