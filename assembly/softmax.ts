// Softmax and log-softmax over rows of n, numerically stable (the row max is subtracted first),
// and their gradients, one fused pass per row. Tasks are rows. The row helpers (max, sum of
// exponentials, sums) also serve the fused softmax cross-entropy of losses.ts.
// Vector builds sum in four lanes (then lanes 0+1 and 2+3, then both) and add the scalar tail
// last; the scalar build sums in order. The bits depend on the row length only, never on threads.
import { expV, expS, logS } from './vmath';
import { hsum } from './common';

@inline function at(p: usize, j: i32): usize { return p + (<usize>j << 2); }

/** max of a row of n >= 1. The vector loop uses pmax (one instruction; V8's NaN-propagating
 *  f32x4.max takes seven): a NaN the max skips still makes the row's sum of exponentials NaN. */
@inline export function rowMax(x: usize, n: i32): f32 {
  let m = load<f32>(x);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let v = v128.load(x);
      for (j = 4; j + 4 <= n; j += 4) v = f32x4.pmax(v, v128.load(at(x, j)));
      m = max<f32>(max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
    }
  }
  for (; j < n; j++) m = max<f32>(m, load<f32>(at(x, j)));
  return m;
}

/** sum of exp(x - m) over a row; each exp(x - m) is also stored to out unless out is 0. */
@inline export function expSumRow(x: usize, m: f32, out: usize, n: i32): f32 {
  let s: f32 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const mv = f32x4.splat(m);
    let sv = f32x4.splat(0);
    // four vectors at a time (their exp chains overlap), summed in the same order as one at a time
    for (; j + 16 <= n; j += 16) {
      const e0 = expV(f32x4.sub(v128.load(at(x, j)), mv));
      const e1 = expV(f32x4.sub(v128.load(at(x, j), 16), mv));
      const e2 = expV(f32x4.sub(v128.load(at(x, j), 32), mv));
      const e3 = expV(f32x4.sub(v128.load(at(x, j), 48), mv));
      if (out != 0) {
        v128.store(at(out, j), e0);
        v128.store(at(out, j), e1, 16);
        v128.store(at(out, j), e2, 32);
        v128.store(at(out, j), e3, 48);
      }
      sv = f32x4.add(f32x4.add(f32x4.add(f32x4.add(sv, e0), e1), e2), e3);
    }
    for (; j + 4 <= n; j += 4) {
      const e = expV(f32x4.sub(v128.load(at(x, j)), mv));
      if (out != 0) v128.store(at(out, j), e);
      sv = f32x4.add(sv, e);
    }
    s = hsum(sv);
  }
  for (; j < n; j++) {
    const e = expS(load<f32>(at(x, j)) - m);
    if (out != 0) store<f32>(at(out, j), e);
    s += e;
  }
  return s;
}

/** sum of a row (b = 0) or of the products a[j] b[j]. */
@inline export function dotRow(a: usize, b: usize, n: i32): f32 {
  let s: f32 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    let sv = f32x4.splat(0);
    if (b == 0) for (; j + 4 <= n; j += 4) sv = f32x4.add(sv, v128.load(at(a, j)));
    else for (; j + 4 <= n; j += 4) sv = f32x4.add(sv, f32x4.mul(v128.load(at(a, j)), v128.load(at(b, j))));
    s = hsum(sv);
  }
  for (; j < n; j++) s += b == 0 ? load<f32>(at(a, j)) : load<f32>(at(a, j)) * load<f32>(at(b, j));
  return s;
}

/** y = softmax(x) (log: y = log_softmax(x)) over each row of n. */
export function softmax_rows(x: usize, y: usize, n: i32, isLog: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let r = taskBegin; r < taskEnd; r++) {
    const xr = x + (<usize>r * n << 2);
    const yr = y + (<usize>r * n << 2);
    const m = rowMax(xr, n);
    const s = expSumRow(xr, m, isLog ? 0 : yr, n);
    let j = 0;
    if (isLog) {
      // (x - m) - log s: x - m is exact near the max, where log s + m would round to the ulp of m
      const ls = logS(s);
      if (ASC_FEATURE_SIMD) {
        const mv = f32x4.splat(m), lv = f32x4.splat(ls);
        for (; j + 4 <= n; j += 4) v128.store(at(yr, j), f32x4.sub(f32x4.sub(v128.load(at(xr, j)), mv), lv));
      }
      for (; j < n; j++) store<f32>(at(yr, j), (load<f32>(at(xr, j)) - m) - ls);
    } else {
      const inv: f32 = 1 / s;
      if (ASC_FEATURE_SIMD) {
        const iv = f32x4.splat(inv);
        for (; j + 4 <= n; j += 4) v128.store(at(yr, j), f32x4.mul(v128.load(at(yr, j)), iv));
      }
      for (; j < n; j++) store<f32>(at(yr, j), load<f32>(at(yr, j)) * inv);
    }
  }
}

/** dx from dy and y: softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - exp(y) sum(dy). */
export function softmax_grad_rows(y: usize, dy: usize, dx: usize, n: i32, isLog: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let r = taskBegin; r < taskEnd; r++) {
    const off = <usize>r * n << 2;
    const yr = y + off, dyr = dy + off, dxr = dx + off;
    const s = dotRow(dyr, isLog ? 0 : yr, n);
    let j = 0;
    if (isLog) {
      if (ASC_FEATURE_SIMD) {
        const sv = f32x4.splat(s);
        for (; j + 4 <= n; j += 4) v128.store(at(dxr, j), f32x4.sub(v128.load(at(dyr, j)), f32x4.mul(expV(v128.load(at(yr, j))), sv)));
      }
      for (; j < n; j++) store<f32>(at(dxr, j), load<f32>(at(dyr, j)) - expS(load<f32>(at(yr, j))) * s);
    } else {
      if (ASC_FEATURE_SIMD) {
        const sv = f32x4.splat(s);
        for (; j + 4 <= n; j += 4) v128.store(at(dxr, j), f32x4.mul(v128.load(at(yr, j)), f32x4.sub(v128.load(at(dyr, j)), sv)));
      }
      for (; j < n; j++) store<f32>(at(dxr, j), load<f32>(at(yr, j)) * (load<f32>(at(dyr, j)) - s));
    }
  }
}
