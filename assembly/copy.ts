// Data movement: strided copies (transpose, slice, concat, and their gradients), gather along an
// axis and its scatter-add gradient, one-hot. Sizes in elements of 4 bytes (f32 or i32 alike).
import { TRANSPOSE_BLOCK } from './abi';

/**
 * dst[i0, i1, i2, i3] = src[i0, i1, i2, i3] over a 4-D space, each side with its own element
 * strides (ss*, ds*); when accumulate is 1, dst += src. Tasks are the d0*d1*d2 rows of d3.
 */
export function strided_copy(
  src: usize, dst: usize, d1: i32, d2: i32, d3: i32,
  ss0: i32, ss1: i32, ss2: i32, ss3: i32, ds0: i32, ds1: i32, ds2: i32, ds3: i32, accumulate: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  for (let t = taskBegin; t < taskEnd; t++) {
    const i2 = t % d2;
    const r = t / d2;
    const i1 = r % d1;
    const i0 = r / d1;
    const s = src + (<usize>(i0 * ss0 + i1 * ss1 + i2 * ss2) << 2);
    const d = dst + (<usize>(i0 * ds0 + i1 * ds1 + i2 * ds2) << 2);
    if (ss3 == 1 && ds3 == 1 && !accumulate) {
      memory.copy(d, s, <usize>d3 << 2);
    } else if (accumulate) {
      for (let i = 0; i < d3; i++) {
        const p = d + (<usize>(i * ds3) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>(i * ss3) << 2)));
      }
    } else {
      for (let i = 0; i < d3; i++) store<u32>(d + (<usize>(i * ds3) << 2), load<u32>(s + (<usize>(i * ss3) << 2)));
    }
  }
}

/** Blocked 2-D transpose of a rows x cols matrix into cols x rows: tasks are TRANSPOSE_BLOCK-row bands of the output. */
export function transpose2d(src: usize, dst: usize, rows: i32, cols: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const B = TRANSPOSE_BLOCK;
  for (let t = taskBegin; t < taskEnd; t++) {
    const j0 = t * B; // output rows = source columns
    const j1 = min<i32>(j0 + B, cols);
    for (let i0 = 0; i0 < rows; i0 += B) {
      const i1 = min<i32>(i0 + B, rows);
      for (let j = j0; j < j1; j++) {
        const out = dst + (<usize>j * rows << 2);
        for (let i = i0; i < i1; i++) store<u32>(out + (<usize>i << 2), load<u32>(src + ((<usize>i * cols + j) << 2)));
      }
    }
  }
}

/**
 * out[o, j, :] = x[o, idx[j], :] for x viewed as [outer, axisLen, inner] (indices checked by the
 * caller). Tasks are the outer * nIdx rows.
 */
export function gather_rows(x: usize, idx: usize, out: usize, nIdx: i32, axisLen: i32, inner: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const rowBytes = <usize>inner << 2;
  for (let t = taskBegin; t < taskEnd; t++) {
    const o = t / nIdx;
    const j = t % nIdx;
    const k = load<i32>(idx + (<usize>j << 2));
    memory.copy(out + <usize>t * rowBytes, x + (<usize>(o * axisLen + k)) * rowBytes, rowBytes);
  }
}

/**
 * dx[o, idx[j], :] += dy[o, j, :]: the gradient of gather. Each task owns one outer block and
 * walks j in order, so repeated indices add up in the same order for any thread count.
 */
export function scatter_add_rows(dy: usize, idx: usize, dx: usize, nIdx: i32, axisLen: i32, inner: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let o = taskBegin; o < taskEnd; o++) {
    for (let j = 0; j < nIdx; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      const src = dy + (<usize>(o * nIdx + j) * inner << 2);
      const dst = dx + (<usize>(o * axisLen + k) * inner << 2);
      let i = 0;
      if (ASC_FEATURE_SIMD) {
        for (; i + 4 <= inner; i += 4) {
          const off = <usize>i << 2;
          v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
        }
      }
      for (; i < inner; i++) {
        const off = <usize>i << 2;
        store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));
      }
    }
  }
}

/** out[i, :] = one-hot of idx[i] over depth (out of range: a zero row), with on/off values. */
export function one_hot(idx: usize, out: usize, n: i32, depth: i32, on: f32, off: f32): void {
  for (let i = 0; i < n; i++) {
    const k = load<i32>(idx + (<usize>i << 2));
    const row = out + (<usize>i * depth << 2);
    for (let j = 0; j < depth; j++) store<f32>(row + (<usize>j << 2), j == k ? on : off);
  }
}

/** The index of the first element of x (n floats) that is NaN or infinite, or -1. */
export function find_nonfinite(x: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}
