// Fused losses from logits, forward and backward in one pass (as TensorFlow's
// SoftmaxCrossEntropyWithLogits and sigmoid_cross_entropy_with_logits):
//   softmax: loss_r = sum_j t_j (logsumexp(z_r) - z_j),  dz_j = (softmax(z_r)_j sum(t_r) - t_j) gscale
//   sigmoid: loss_i = max(z, 0) - z t + log1p(exp(-|z|)),  dz_i = (sigmoid(z) - t) gscale
// The gradient is written only when grad != 0. Each elementwise step is written once over F (v128
// or f32), like unary.ts.
import { k, fadd, fsub, fmul, fmax, logS } from './vmath';
import { expNegAbs_, log1p_, sigmoid_, ld, st } from './lanes';
import { hsum } from './common';
import { rowMax, expSumRow, dotRow } from './softmax';
import { XENT_CHUNK } from './abi';

/**
 * Softmax cross-entropy over rows of n logits. labels: float32 [rows, n] (sparse = 0) or int32 class
 * ids [rows] (sparse = 1, each in [0, n)). loss[r] gets the row's loss; grad (if not 0) gets dz.
 * Tasks are rows.
 */
export function softmax_xent_rows(
  z: usize, labels: usize, sparse: i32, loss: usize, grad: usize, n: i32, gscale: f32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  for (let r = taskBegin; r < taskEnd; r++) {
    const zr = z + (<usize>r * n << 2);
    const tr = labels + (<usize>r * n << 2);
    const gr = grad + (<usize>r * n << 2);
    const m = rowMax(zr, n);
    // pass 1: s = sum exp(z - m) (kept in the gradient row when there is one), tsum = sum t
    const s = expSumRow(zr, m, grad != 0 ? gr : 0, n);
    const tsum: f32 = sparse ? 1 : dotRow(tr, 0, n);
    const ls = logS(s);
    let j = 0;
    // pass 2: the loss (as sum t (m - z + log s), no cancellation) and the gradient
    if (sparse) {
      const label = load<i32>(labels + (<usize>r << 2));
      store<f32>(loss + (<usize>r << 2), (m - load<f32>(zr + (<usize>label << 2))) + ls);
      if (grad != 0) {
        const q: f32 = gscale / s;
        if (ASC_FEATURE_SIMD) {
          const qv = f32x4.splat(q);
          for (; j + 4 <= n; j += 4) st<v128>(gr, j, f32x4.mul(ld<v128>(gr, j), qv));
        }
        for (; j < n; j++) store<f32>(gr + (<usize>j << 2), load<f32>(gr + (<usize>j << 2)) * q);
        const gl = gr + (<usize>label << 2);
        store<f32>(gl, load<f32>(gl) - gscale);
      }
    } else {
      const q: f32 = tsum / s;
      let acc: f32 = 0;
      if (ASC_FEATURE_SIMD) {
        const mv = f32x4.splat(m + ls), qv = f32x4.splat(q), gs = f32x4.splat(gscale);
        let av = f32x4.splat(0);
        for (; j + 4 <= n; j += 4) {
          const t = ld<v128>(tr, j);
          av = f32x4.add(av, f32x4.mul(t, f32x4.sub(mv, ld<v128>(zr, j))));
          if (grad != 0) st<v128>(gr, j, f32x4.mul(f32x4.sub(f32x4.mul(ld<v128>(gr, j), qv), t), gs));
        }
        acc = hsum(av);
      }
      const lse = m + ls;
      for (; j < n; j++) {
        const t = load<f32>(tr + (<usize>j << 2));
        acc += t * (lse - load<f32>(zr + (<usize>j << 2)));
        if (grad != 0) store<f32>(gr + (<usize>j << 2), (load<f32>(gr + (<usize>j << 2)) * q - t) * gscale);
      }
      store<f32>(loss + (<usize>r << 2), acc);
    }
  }
}

@inline function sigmoidXentAt<F>(z: usize, t: usize, grad: usize, i: i32, gscale: f32): F {
  const zi = ld<F>(z, i);
  const ti = ld<F>(t, i);
  if (grad != 0) st<F>(grad, i, fmul(fsub(sigmoid_<F>(zi), ti), k<F>(gscale)));
  return fadd(fsub(fmax(zi, k<F>(0)), fmul(zi, ti)), log1p_<F>(expNegAbs_<F>(zi)));
}

/**
 * Sigmoid cross-entropy over n elements: partial[task] = sum of the losses of chunk `task`
 * (XENT_CHUNK elements); grad (if not 0) gets dz.
 */
export function sigmoid_xent(z: usize, labels: usize, grad: usize, n: i32, gscale: f32, partial: usize, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let task = taskBegin; task < taskEnd; task++) {
    const end = min<i32>(n, (task + 1) * XENT_CHUNK);
    let i = task * XENT_CHUNK;
    let s: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let sv = f32x4.splat(0);
      // four vectors at a time (their long chains overlap, as in unary.ts), summed in the same order
      for (; i + 16 <= end; i += 16) {
        const a = sigmoidXentAt<v128>(z, labels, grad, i, gscale);
        const b = sigmoidXentAt<v128>(z, labels, grad, i + 4, gscale);
        const c = sigmoidXentAt<v128>(z, labels, grad, i + 8, gscale);
        const d = sigmoidXentAt<v128>(z, labels, grad, i + 12, gscale);
        sv = f32x4.add(f32x4.add(f32x4.add(f32x4.add(sv, a), b), c), d);
      }
      for (; i + 4 <= end; i += 4) sv = f32x4.add(sv, sigmoidXentAt<v128>(z, labels, grad, i, gscale));
      s = hsum(sv);
    }
    for (; i < end; i++) s += sigmoidXentAt<f32>(z, labels, grad, i, gscale);
    store<f32>(partial + (<usize>task << 2), s);
  }
}
