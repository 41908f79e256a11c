// Fused optimizer updates: one pass over a parameter buffer, its gradient and its moment buffers
// per step, in place. Every kernel first prepares the gradient as g = clip(g * gscale, -clip, clip)
// (gscale: the global-norm clipping factor, 1 without; clip: clipValue, +Inf without), then applies
// PyTorch's formula of the same optimizer (torch.optim, float32 state), in the order of operations
// of its single-tensor CPU path (addcmul: a + (s t1) t2, addcdiv: a + (s t1) / t2, lerp). Each update is written once over F (v128 or f32) and I (its mask type), so the scalar
// tail gives the same bits as a vector lane; plain multiply and add, never a fused madd, so every
// build gives the same bits. Tasks are chunks of OPTIM_CHUNK elements.
import { k, fadd, fsub, fmul, fdiv, fmin, fmax } from './vmath';
import { sqrt_, ld, st } from './lanes';
import { OPTIM_CHUNK } from './abi';

/** The prepared gradient: clip(g * gscale, -clip, clip); NaN stays NaN. */
@inline function prep<F>(g: F, gscale: f32, clip: f32): F {
  return fmin(fmax(fmul(g, k<F>(gscale)), k<F>(-clip)), k<F>(clip));
}

/** torch.lerp(a, b, w): a + w (b - a) for w < 0.5, else b - (b - a)(1 - w). */
@inline function lerp<F>(a: F, b: F, w: f32): F {
  const d = fsub(b, a);
  return w < 0.5 ? fadd(a, fmul(k<F>(w), d)) : fsub(b, fmul(d, k<F>(1 - w)));
}

// ---- SGD ------------------------------------------------------------------------------------------
// momentum 0: p -= lr g. Else buf = momentum buf + g; g' = nesterov ? g + momentum buf : buf; p -= lr g'.

@inline function sgdAt<F>(p: usize, g: usize, buf: usize, i: i32, lr: f32, mom: f32, nesterov: i32, gscale: f32, clip: f32): void {
  let gi = prep<F>(ld<F>(g, i), gscale, clip);
  if (buf != 0) {
    const b = fadd(fmul(ld<F>(buf, i), k<F>(mom)), gi);
    st<F>(buf, i, b);
    gi = nesterov ? fadd(gi, fmul(b, k<F>(mom))) : b;
  }
  st<F>(p, i, fadd(ld<F>(p, i), fmul(k<F>(-lr), gi)));
}

/** SGD; buf = 0 without momentum. */
export function sgd_f32(p: usize, g: usize, buf: usize, n: i32, lr: f32, mom: f32, nesterov: i32, gscale: f32, clip: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const end = min<i32>(n, taskEnd * OPTIM_CHUNK);
  let i = taskBegin * OPTIM_CHUNK;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= end; i += 4) sgdAt<v128>(p, g, buf, i, lr, mom, nesterov, gscale, clip);
  }
  for (; i < end; i++) sgdAt<f32>(p, g, buf, i, lr, mom, nesterov, gscale, clip);
}

// ---- Adam and AdamW -------------------------------------------------------------------------------
// m = lerp(m, g, w1 = 1 - beta1); v = beta2 v + (omb2 = 1 - beta2) g^2 (complements computed in float64, as torch);
// p = p * decay - stepSize * m / (sqrt(v) / bc2sqrt + eps), stepSize = lr / (1 - beta1^t),
// bc2sqrt = sqrt(1 - beta2^t), decay = 1 - lr weightDecay (AdamW) or 1 (Adam).

@inline function adamAt<F>(p: usize, g: usize, m: usize, v: usize, i: i32, stepSize: f32, bc2sqrt: f32, w1: f32, beta2: f32, omb2: f32, eps: f32, decay: f32, gscale: f32, clip: f32): void {
  const gi = prep<F>(ld<F>(g, i), gscale, clip);
  const mi = lerp<F>(ld<F>(m, i), gi, w1);
  const vi = fadd(fmul(ld<F>(v, i), k<F>(beta2)), fmul(fmul(k<F>(omb2), gi), gi));
  st<F>(m, i, mi);
  st<F>(v, i, vi);
  let pi = ld<F>(p, i);
  if (decay != 1) pi = fmul(pi, k<F>(decay));
  const denom = fadd(fdiv(sqrt_<F>(vi), k<F>(bc2sqrt)), k<F>(eps));
  st<F>(p, i, fadd(pi, fdiv(fmul(k<F>(-stepSize), mi), denom)));
}

export function adam_f32(
  p: usize, g: usize, m: usize, v: usize, n: i32, stepSize: f32, bc2sqrt: f32, w1: f32, beta2: f32, omb2: f32, eps: f32, decay: f32,
  gscale: f32, clip: f32, taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const end = min<i32>(n, taskEnd * OPTIM_CHUNK);
  let i = taskBegin * OPTIM_CHUNK;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= end; i += 4) adamAt<v128>(p, g, m, v, i, stepSize, bc2sqrt, w1, beta2, omb2, eps, decay, gscale, clip);
  }
  for (; i < end; i++) adamAt<f32>(p, g, m, v, i, stepSize, bc2sqrt, w1, beta2, omb2, eps, decay, gscale, clip);
}

// ---- Adagrad --------------------------------------------------------------------------------------
// sum += g^2; p -= clr g / (sqrt(sum) + eps).

@inline function adagradAt<F>(p: usize, g: usize, acc: usize, i: i32, clr: f32, eps: f32, gscale: f32, clip: f32): void {
  const gi = prep<F>(ld<F>(g, i), gscale, clip);
  const s = fadd(ld<F>(acc, i), fmul(gi, gi));
  st<F>(acc, i, s);
  st<F>(p, i, fadd(ld<F>(p, i), fdiv(fmul(k<F>(-clr), gi), fadd(sqrt_<F>(s), k<F>(eps)))));
}

export function adagrad_f32(p: usize, g: usize, acc: usize, n: i32, clr: f32, eps: f32, gscale: f32, clip: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const end = min<i32>(n, taskEnd * OPTIM_CHUNK);
  let i = taskBegin * OPTIM_CHUNK;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= end; i += 4) adagradAt<v128>(p, g, acc, i, clr, eps, gscale, clip);
  }
  for (; i < end; i++) adagradAt<f32>(p, g, acc, i, clr, eps, gscale, clip);
}

// ---- Adadelta -------------------------------------------------------------------------------------
// sq = rho sq + (omr = 1 - rho) g^2; delta = sqrt(acc + eps) / sqrt(sq + eps) * g;
// acc = rho acc + (1 - rho) delta^2; p -= lr delta.

@inline function adadeltaAt<F>(p: usize, g: usize, sq: usize, acc: usize, i: i32, lr: f32, rho: f32, omr: f32, eps: f32, gscale: f32, clip: f32): void {
  const gi = prep<F>(ld<F>(g, i), gscale, clip);
  const s = fadd(fmul(ld<F>(sq, i), k<F>(rho)), fmul(fmul(k<F>(omr), gi), gi));
  st<F>(sq, i, s);
  const a = ld<F>(acc, i);
  const delta = fmul(fdiv(sqrt_<F>(fadd(a, k<F>(eps))), sqrt_<F>(fadd(s, k<F>(eps)))), gi);
  st<F>(acc, i, fadd(fmul(a, k<F>(rho)), fmul(fmul(k<F>(omr), delta), delta)));
  st<F>(p, i, fadd(ld<F>(p, i), fmul(k<F>(-lr), delta)));
}

export function adadelta_f32(p: usize, g: usize, sq: usize, acc: usize, n: i32, lr: f32, rho: f32, omr: f32, eps: f32, gscale: f32, clip: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const end = min<i32>(n, taskEnd * OPTIM_CHUNK);
  let i = taskBegin * OPTIM_CHUNK;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= end; i += 4) adadeltaAt<v128>(p, g, sq, acc, i, lr, rho, omr, eps, gscale, clip);
  }
  for (; i < end; i++) adadeltaAt<f32>(p, g, sq, acc, i, lr, rho, omr, eps, gscale, clip);
}

// ---- RMSprop --------------------------------------------------------------------------------------
// sq = rho sq + (omr = 1 - rho) g^2; centered: ga = lerp(ga, g, 1 - rho), avg = sqrt(sq - ga^2) + eps,
// else avg = sqrt(sq) + eps; momentum: buf = momentum buf + g / avg, p -= lr buf; else p -= lr g / avg.
// ga = 0 when not centered, buf = 0 without momentum.

@inline function rmspropAt<F>(p: usize, g: usize, sq: usize, ga: usize, buf: usize, i: i32, lr: f32, rho: f32, omr: f32, mom: f32, eps: f32, gscale: f32, clip: f32): void {
  const gi = prep<F>(ld<F>(g, i), gscale, clip);
  const s = fadd(fmul(ld<F>(sq, i), k<F>(rho)), fmul(fmul(k<F>(omr), gi), gi));
  st<F>(sq, i, s);
  let avg = k<F>(0);
  if (ga != 0) {
    const a = lerp<F>(ld<F>(ga, i), gi, omr);
    st<F>(ga, i, a);
    avg = fadd(sqrt_<F>(fsub(s, fmul(a, a))), k<F>(eps));
  } else {
    avg = fadd(sqrt_<F>(s), k<F>(eps));
  }
  if (buf != 0) {
    const b = fadd(fmul(ld<F>(buf, i), k<F>(mom)), fdiv(gi, avg));
    st<F>(buf, i, b);
    st<F>(p, i, fadd(ld<F>(p, i), fmul(k<F>(-lr), b)));
  } else {
    st<F>(p, i, fadd(ld<F>(p, i), fdiv(fmul(k<F>(-lr), gi), avg)));
  }
}

export function rmsprop_f32(
  p: usize, g: usize, sq: usize, ga: usize, buf: usize, n: i32, lr: f32, rho: f32, omr: f32, mom: f32, eps: f32, gscale: f32, clip: f32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const end = min<i32>(n, taskEnd * OPTIM_CHUNK);
  let i = taskBegin * OPTIM_CHUNK;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= end; i += 4) rmspropAt<v128>(p, g, sq, ga, buf, i, lr, rho, omr, mom, eps, gscale, clip);
  }
  for (; i < end; i++) rmspropAt<f32>(p, g, sq, ga, buf, i, lr, rho, omr, mom, eps, gscale, clip);
}

// ---- Sum of squares (global-norm clipping) ---------------------------------------------------------

/**
 * out[t] = sum of x[i]^2 over chunk t: eight interleaved partial sums (two f32x4 accumulators, or
 * eight scalars in the scalar build, combined in the same order), so every build and thread count
 * gives the same bits.
 */
export function sumsq_f32(x: usize, n: i32, out: usize, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let t = taskBegin; t < taskEnd; t++) {
    const end = min<i32>(n, (t + 1) * OPTIM_CHUNK);
    let i = t * OPTIM_CHUNK;
    let s: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
      for (; i + 8 <= end; i += 8) {
        const v0 = v128.load(x + (<usize>i << 2)), v1 = v128.load(x + (<usize>i << 2), 16);
        a0 = f32x4.add(a0, f32x4.mul(v0, v0));
        a1 = f32x4.add(a1, f32x4.mul(v1, v1));
      }
      const a = f32x4.add(a0, a1);
      s = (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
    } else {
      let c0: f32 = 0, c1: f32 = 0, c2: f32 = 0, c3: f32 = 0, c4: f32 = 0, c5: f32 = 0, c6: f32 = 0, c7: f32 = 0;
      for (; i + 8 <= end; i += 8) {
        const p = x + (<usize>i << 2);
        const v0 = load<f32>(p), v1 = load<f32>(p, 4), v2 = load<f32>(p, 8), v3 = load<f32>(p, 12);
        const v4 = load<f32>(p, 16), v5 = load<f32>(p, 20), v6 = load<f32>(p, 24), v7 = load<f32>(p, 28);
        c0 += v0 * v0; c1 += v1 * v1; c2 += v2 * v2; c3 += v3 * v3;
        c4 += v4 * v4; c5 += v5 * v5; c6 += v6 * v6; c7 += v7 * v7;
      }
      s = ((c0 + c4) + (c1 + c5)) + ((c2 + c6) + (c3 + c7));
    }
    for (; i < end; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      s += v * v;
    }
    store<f32>(out + (<usize>t << 2), s);
  }
}
