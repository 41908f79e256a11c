// Softmax and log-softmax over rows of n, numerically stable (the row max is subtracted first),
// and their gradients, one fused pass per row. Tasks are rows.
import { expS, logS } from './vmath';

@inline function rowMax(x: usize, n: i32): f32 {
  let m = load<f32>(x);
  for (let j = 1; j < n; j++) m = max<f32>(m, load<f32>(x + (<usize>j << 2)));
  return m;
}

/** y = softmax(x) (log: y = log_softmax(x)) over each row of n. */
export function softmax_rows(x: usize, y: usize, n: i32, isLog: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let r = taskBegin; r < taskEnd; r++) {
    const xr = x + (<usize>r * n << 2);
    const yr = y + (<usize>r * n << 2);
    const m = rowMax(xr, n);
    let s: f32 = 0;
    for (let j = 0; j < n; j++) {
      const e = expS(load<f32>(xr + (<usize>j << 2)) - m);
      if (!isLog) store<f32>(yr + (<usize>j << 2), e);
      s += e;
    }
    if (isLog) {
      // (x - m) - log s: x - m is exact near the max, where log s + m would round to the ulp of m
      const ls = logS(s);
      for (let j = 0; j < n; j++) store<f32>(yr + (<usize>j << 2), (load<f32>(xr + (<usize>j << 2)) - m) - ls);
    } else {
      const inv: f32 = 1 / s;
      for (let j = 0; j < n; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * inv);
    }
  }
}

/** dx from dy and y: softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - exp(y) sum(dy). */
export function softmax_grad_rows(y: usize, dy: usize, dx: usize, n: i32, isLog: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let r = taskBegin; r < taskEnd; r++) {
    const off = <usize>r * n << 2;
    let s: f32 = 0;
    for (let j = 0; j < n; j++) {
      const o = off + (<usize>j << 2);
      s += isLog ? load<f32>(dy + o) : load<f32>(dy + o) * load<f32>(y + o);
    }
    for (let j = 0; j < n; j++) {
      const o = off + (<usize>j << 2);
      const yj = load<f32>(y + o);
      store<f32>(dx + o, isLog ? load<f32>(dy + o) - expS(yj) * s : yj * (load<f32>(dy + o) - s));
    }
  }
}
