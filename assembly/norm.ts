// Normalization kernels. Batch normalization over channel-last data viewed as [R, C]: per-chunk
// partial sums over rows (a fixed chunking, so the caller's final sum of the partials has one
// order whatever the thread count) and one per-channel affine pass; layer normalization over rows
// [R, D] in one pass per row, forward and backward.

import { NS_SUM, NS_SQDEV, NS_GRAD, NS_ROW_GRAD } from './abi';

/**
 * Partial column sums of [R, C] data: task t sums rows [t*rowsPerTask, ...) into out[t, 0:2C]
 * (mode NS_*; the second half only for the gradient modes).
 */
export function channel_sums_f32(
  mode: i32, x: usize, dy: usize, p0: usize, p1: usize, out: usize, R: i32, C: i32, rowsPerTask: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const rowBytes = <usize>C << 2;
  for (let t = taskBegin; t < taskEnd; t++) {
    const r0 = t * rowsPerTask;
    const r1 = min<i32>(r0 + rowsPerTask, R);
    const o1 = out + <usize>(2 * t) * rowBytes;
    const o2 = o1 + rowBytes;
    memory.fill(o1, 0, rowBytes << 1);
    for (let r = r0; r < r1; r++) {
      const xr = x + <usize>r * rowBytes;
      const gr = dy + <usize>r * rowBytes;
      let c = 0;
      if (ASC_FEATURE_SIMD) {
        const rm = mode == NS_ROW_GRAD ? f32x4.splat(load<f32>(p0 + (<usize>r << 2))) : f32x4.splat(0);
        const rs = mode == NS_ROW_GRAD ? f32x4.splat(load<f32>(p1 + (<usize>r << 2))) : f32x4.splat(0);
        for (; c + 4 <= C; c += 4) {
          const o = <usize>c << 2;
          const xv = v128.load(xr + o);
          if (mode == NS_SUM) {
            v128.store(o1 + o, f32x4.add(v128.load(o1 + o), f32x4.sub(xv, v128.load(p0 + o))));
          } else if (mode == NS_SQDEV) {
            const d = f32x4.sub(xv, v128.load(p0 + o));
            v128.store(o1 + o, f32x4.add(v128.load(o1 + o), f32x4.mul(d, d)));
          } else if (mode == NS_GRAD) {
            const g = v128.load(gr + o);
            v128.store(o1 + o, f32x4.add(v128.load(o1 + o), g));
            v128.store(o2 + o, f32x4.add(v128.load(o2 + o), f32x4.mul(g, f32x4.sub(xv, v128.load(p0 + o)))));
          } else {
            const g = v128.load(gr + o);
            v128.store(o1 + o, f32x4.add(v128.load(o1 + o), f32x4.mul(g, f32x4.mul(f32x4.sub(xv, rm), rs))));
            v128.store(o2 + o, f32x4.add(v128.load(o2 + o), g));
          }
        }
      }
      for (; c < C; c++) {
        const o = <usize>c << 2;
        const xv = load<f32>(xr + o);
        if (mode == NS_SUM) {
          store<f32>(o1 + o, load<f32>(o1 + o) + (xv - load<f32>(p0 + o)));
        } else if (mode == NS_SQDEV) {
          const d = xv - load<f32>(p0 + o);
          store<f32>(o1 + o, load<f32>(o1 + o) + d * d);
        } else if (mode == NS_GRAD) {
          const g = load<f32>(gr + o);
          store<f32>(o1 + o, load<f32>(o1 + o) + g);
          store<f32>(o2 + o, load<f32>(o2 + o) + g * (xv - load<f32>(p0 + o)));
        } else {
          const g = load<f32>(gr + o);
          store<f32>(o1 + o, load<f32>(o1 + o) + g * ((xv - load<f32>(p0 + (<usize>r << 2))) * load<f32>(p1 + (<usize>r << 2))));
          store<f32>(o2 + o, load<f32>(o2 + o) + g);
        }
      }
    }
  }
}

/**
 * Per-channel affine maps of [R, C] data, centred first (x - m is exact or nearly so where the mean
 * is large against the spread; x a + (b - m a) would cancel there): mode 0: y = (x - m[c]) a[c] +
 * b[c]; mode 1: y = dy a[c] + (x - m[c]) b[c] + d[c] (the batch-norm input gradient). Tasks are
 * chunks of rowsPerTask rows.
 */
export function channel_affine_f32(
  mode: i32, x: usize, dy: usize, y: usize, m: usize, a: usize, b: usize, d: usize, R: i32, C: i32, rowsPerTask: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const rowBytes = <usize>C << 2;
  const rEnd = min<i32>(R, taskEnd * rowsPerTask);
  for (let r = taskBegin * rowsPerTask; r < rEnd; r++) {
    const xr = x + <usize>r * rowBytes;
    const gr = dy + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= C; c += 4) {
        const o = <usize>c << 2;
        const xc = f32x4.sub(v128.load(xr + o), v128.load(m + o));
        if (mode == 0) {
          v128.store(yr + o, f32x4.add(f32x4.mul(xc, v128.load(a + o)), v128.load(b + o)));
        } else {
          const t = f32x4.add(f32x4.mul(v128.load(gr + o), v128.load(a + o)), f32x4.mul(xc, v128.load(b + o)));
          v128.store(yr + o, f32x4.add(t, v128.load(d + o)));
        }
      }
    }
    for (; c < C; c++) {
      const o = <usize>c << 2;
      const xc = load<f32>(xr + o) - load<f32>(m + o);
      if (mode == 0) {
        store<f32>(yr + o, xc * load<f32>(a + o) + load<f32>(b + o));
      } else {
        store<f32>(yr + o, load<f32>(gr + o) * load<f32>(a + o) + xc * load<f32>(b + o) + load<f32>(d + o));
      }
    }
  }
}

// Sum of n floats: four lanes, then a fixed tree (the same bits on every build).
@inline function rowSum(p: usize, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let v = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) v = f32x4.add(v, v128.load(p + (<usize>i << 2)));
    s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  } else {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (; i + 4 <= n; i += 4) {
      const q = p + (<usize>i << 2);
      s0 += load<f32>(q);
      s1 += load<f32>(q, 4);
      s2 += load<f32>(q, 8);
      s3 += load<f32>(q, 12);
    }
    s = (s0 + s1) + (s2 + s3);
  }
  for (; i < n; i++) s += load<f32>(p + (<usize>i << 2));
  return s;
}

/** Bytes of per-thread scratch layernorm_f32 and layernorm_grad_f32 need for rows of D elements (two rows). */
export function layernorm_scratch_bytes(D: i32): f64 {
  return <f64>D * 8;
}

/**
 * Layer normalization of rows [R, D]: y = (x - mean) rstd gamma + beta (gamma, beta 0 for none),
 * rstd = 1 / sqrt(var + eps), var the biased variance; mean and rstd per row are kept for the
 * backward pass. Scratch holds one row of deviations. Tasks are rows.
 */
export function layernorm_f32(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize, D: i32, eps: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const rowBytes = <usize>D << 2;
  const invD: f32 = <f32>1 / <f32>D;
  for (let r = taskBegin; r < taskEnd; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    const mu = rowSum(xr, D) * invD;
    // deviations into scratch, their squares summed by rowSum over a second scratch row
    const dev = scratch, sq = scratch + rowBytes;
    for (let i = 0; i < D; i++) {
      const o = <usize>i << 2;
      const dv = load<f32>(xr + o) - mu;
      store<f32>(dev + o, dv);
      store<f32>(sq + o, dv * dv);
    }
    const rs: f32 = <f32>1 / Mathf.sqrt(rowSum(sq, D) * invD + eps);
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    for (let i = 0; i < D; i++) {
      const o = <usize>i << 2;
      let v = load<f32>(dev + o) * rs;
      if (gamma) v = v * load<f32>(gamma + o);
      if (beta) v = v + load<f32>(beta + o);
      store<f32>(yr + o, v);
    }
  }
}

/**
 * The input gradient of layernorm_f32: with g = dy gamma and xhat = (x - mean) rstd,
 * dx = rstd (g - mean(g) - xhat mean(g xhat)). Scratch holds two rows. Tasks are rows.
 */
export function layernorm_grad_f32(x: usize, dy: usize, gamma: usize, mean: usize, rstd: usize, dx: usize, D: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const rowBytes = <usize>D << 2;
  const invD: f32 = <f32>1 / <f32>D;
  const gs = scratch, gx = scratch + rowBytes;
  for (let r = taskBegin; r < taskEnd; r++) {
    const xr = x + <usize>r * rowBytes;
    const dr = dy + <usize>r * rowBytes;
    const out = dx + <usize>r * rowBytes;
    const mu = load<f32>(mean + (<usize>r << 2));
    const rs = load<f32>(rstd + (<usize>r << 2));
    for (let i = 0; i < D; i++) {
      const o = <usize>i << 2;
      let g = load<f32>(dr + o);
      if (gamma) g = g * load<f32>(gamma + o);
      store<f32>(gs + o, g);
      store<f32>(gx + o, g * ((load<f32>(xr + o) - mu) * rs));
    }
    const m1 = rowSum(gs, D) * invD;
    const m2 = rowSum(gx, D) * invD;
    for (let i = 0; i < D; i++) {
      const o = <usize>i << 2;
      const xhat = (load<f32>(xr + o) - mu) * rs;
      store<f32>(out + o, rs * (load<f32>(gs + o) - m1 - xhat * m2));
    }
  }
}
