// Unary elementwise ops and their gradients: y = f(x), dx = dy * f'(x, y). Like vmath.ts, each op
// is written once over F (v128 or f32) and I (its mask type), so the scalar tail of a row gives
// the same bits as a vector lane. The kernels unary_f32 and unary_grad_f32 are generated (into
// assembly/dispatch.ts) from the @dispatch loops below and the UNARY ids of assembly/abi.ts: one
// function per op, whose literal op id specialises its loop. A new op is an id there, one arm in
// forward and one in backward (see CONTRIBUTING.md).
import { k, fadd, fsub, fmul, fdiv, fneg, fabs, fmin, fmax, flt, fgt, fge, sel, iand, logNormalV, allNormal4 } from './vmath';
import { exp_, expNegAbs_, expm1_, log_, log1p_, tanh_, sigmoid_, gelu_, geluGrad_, sqrt_ } from './lanes';
import {
  U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_SQUARE, U_RELU, U_LEAKY_RELU, U_ELU, U_SELU, U_GELU, U_SIGMOID, U_TANH, U_SOFTPLUS,
  U_SWISH, U_POW_INT, U_POW, U_CLIP, U_AFFINE, U_RECIPROCAL, U_RSQRT, U_LOG1P, U_EXPM1, U_HARD_SIGMOID, UNARY_CHUNK,
} from './abi';

const SELU_ALPHA: f32 = 1.6732632423543772;
const SELU_SCALE: f32 = 1.0507009873554805;

@inline function zero<F>(): F { return k<F>(0); }

/** |x|^|n| by repeated squaring (the same multiplications in every lane). */
@inline function powAbsInt<F>(x: F, n: i32): F {
  let e = n < 0 ? -n : n;
  let base = x;
  let r = k<F>(1);
  while (e > 0) {
    if (e & 1) r = fmul(r, base);
    base = fmul(base, base);
    e >>= 1;
  }
  return r;
}

/** x^n for an integer n; for n < 0, 1 / x^|n|, or (1/x)^|n| where x^|n| overflows but x^n does not. */
@inline function powInt<F, I>(x: F, n: i32): F {
  const r = powAbsInt<F>(x, n);
  if (n >= 0) return r;
  const big = fge<F, I>(fabs(r), k<F>(Infinity));
  return sel<F, I>(big, powAbsInt<F>(fdiv(k<F>(1), x), n), fdiv(k<F>(1), r));
}

/** x^p for non-integer p, as Math.pow: NaN below zero (but (-Inf)^p = Inf^p), 0^p = 0 or Inf.
 *  Each lane in float64 then rounded once (<= 0.5 ulp + 2^-29): exp(p log x) in float32 would be off
 *  by about |p log x| ulp (70 at the ends of the range). Slower than the vmath functions, but rare. */
function powLane(x: f32, p: f64): f32 {
  return <f32>Math.pow(<f64>x, p);
}

@inline function powReal<F, I>(x: F, p: f64): F {
  if (isVector<F>()) {
    let r = x;
    r = f32x4.replace_lane(r, 0, powLane(f32x4.extract_lane(x, 0), p));
    r = f32x4.replace_lane(r, 1, powLane(f32x4.extract_lane(x, 1), p));
    r = f32x4.replace_lane(r, 2, powLane(f32x4.extract_lane(x, 2), p));
    r = f32x4.replace_lane(r, 3, powLane(f32x4.extract_lane(x, 3), p));
    return r;
  } else {
    return powLane(x, p);
  }
}

@inline function forward<F, I>(op: i32, x: F, p1: f32, p2: f32): F {
  if (op == U_NEG) return fneg(x);
  if (op == U_ABS) return fabs(x);
  if (op == U_EXP) return exp_<F>(x);
  if (op == U_LOG) return log_<F>(x);
  if (op == U_SQRT) return sqrt_<F>(x);
  if (op == U_SQUARE) return fmul(x, x);
  if (op == U_RELU) return fmax(x, zero<F>());
  if (op == U_LEAKY_RELU) return sel<F, I>(flt<F, I>(x, zero<F>()), fmul(x, k<F>(p1)), x);
  if (op == U_ELU) return sel<F, I>(fgt<F, I>(x, zero<F>()), x, fmul(k<F>(p1), expm1_<F>(x)));
  if (op == U_SELU) return fmul(k<F>(SELU_SCALE), sel<F, I>(fgt<F, I>(x, zero<F>()), x, fmul(k<F>(SELU_ALPHA), expm1_<F>(x))));
  if (op == U_GELU) return gelu_<F>(x);
  if (op == U_SIGMOID) return sigmoid_<F>(x);
  if (op == U_TANH) return tanh_<F>(x);
  if (op == U_SOFTPLUS) return fadd(fmax(x, zero<F>()), log1p_<F>(expNegAbs_<F>(x)));
  if (op == U_SWISH) return fmul(x, sigmoid_<F>(x));
  if (op == U_POW_INT) return powInt<F, I>(x, <i32>p1);
  if (op == U_POW) return powReal<F, I>(x, <f64>p1);
  if (op == U_CLIP) return fmin(fmax(x, k<F>(p1)), k<F>(p2));
  if (op == U_AFFINE) return fadd(fmul(k<F>(p1), x), k<F>(p2));
  if (op == U_RECIPROCAL) return fdiv(k<F>(1), x);
  if (op == U_RSQRT) return fdiv(k<F>(1), sqrt_<F>(x));
  if (op == U_LOG1P) return log1p_<F>(x);
  if (op == U_EXPM1) return expm1_<F>(x);
  if (op == U_HARD_SIGMOID) return fmin(fmax(fadd(fmul(x, k<F>(0.2)), k<F>(0.5)), zero<F>()), k<F>(1));
  return x; // no such op
}

/** dx for dy, given x and y = f(x). */
@inline function backward<F, I>(op: i32, x: F, y: F, dy: F, p1: f32, p2: f32): F {
  const z = zero<F>();
  if (op == U_NEG) return fneg(dy);
  if (op == U_ABS) return sel<F, I>(fgt<F, I>(x, z), dy, sel<F, I>(flt<F, I>(x, z), fneg(dy), fmul(dy, fmul(x, z)))); // dy sign(x): 0 at 0, NaN at NaN
  if (op == U_EXP) return fmul(dy, y);
  if (op == U_LOG) return fdiv(dy, x);
  if (op == U_SQRT) return fdiv(fmul(dy, k<F>(0.5)), y);
  if (op == U_SQUARE) return fmul(dy, fadd(x, x));
  if (op == U_RELU) return sel<F, I>(fgt<F, I>(x, z), dy, z);
  if (op == U_LEAKY_RELU) return sel<F, I>(fgt<F, I>(x, z), dy, fmul(dy, k<F>(p1)));
  // from x, not as y + alpha (TensorFlow's EluGrad), which cancels to 0 below x = -16.6
  if (op == U_ELU) return sel<F, I>(fgt<F, I>(x, z), dy, fmul(dy, fmul(k<F>(p1), exp_<F>(x))));
  if (op == U_SELU) return sel<F, I>(fgt<F, I>(x, z), fmul(dy, k<F>(SELU_SCALE)), fmul(dy, fmul(k<F>(SELU_SCALE * SELU_ALPHA), exp_<F>(x))));
  if (op == U_GELU) return fmul(dy, geluGrad_<F>(x));
  if (op == U_SIGMOID) return fmul(dy, fmul(y, fsub(k<F>(1), y)));
  if (op == U_TANH) return fmul(dy, fsub(k<F>(1), fmul(y, y)));
  if (op == U_SOFTPLUS) return fmul(dy, sigmoid_<F>(x));
  if (op == U_SWISH) {
    const s = sigmoid_<F>(x);
    return fmul(dy, fadd(s, fmul(y, fsub(k<F>(1), s))));
  }
  if (op == U_POW_INT) return p1 == 0 ? z : fmul(dy, fmul(k<F>(p1), powInt<F, I>(x, <i32>p1 - 1))); // x^0 is constant, even at 0
  if (op == U_POW) return fmul(dy, fmul(k<F>(p1), powReal<F, I>(x, <f64>p1 - 1))); // p - 1 exact in float64
  if (op == U_CLIP) return sel<F, I>(iand<I>(fge<F, I>(x, k<F>(p1)), fge<F, I>(k<F>(p2), x)), dy, z);
  if (op == U_AFFINE) return fmul(dy, k<F>(p1));
  if (op == U_RECIPROCAL) return fneg(fmul(dy, fmul(y, y)));
  if (op == U_RSQRT) return fdiv(fmul(fmul(dy, k<F>(-0.5)), y), x); // -y^3 / 2 = -y / 2x: y^3 may overflow
  if (op == U_LOG1P) return fdiv(dy, fadd(x, k<F>(1)));
  if (op == U_EXPM1) return fmul(dy, fadd(y, k<F>(1)));
  if (op == U_HARD_SIGMOID) return sel<F, I>(iand<I>(fgt<F, I>(x, k<F>(-2.5)), flt<F, I>(x, k<F>(2.5))), fmul(dy, k<F>(0.2)), z);
  return dy; // no such op
}

// The vector loops take four vectors per iteration: a transcendental op is a chain of some 25
// dependent operations, and four independent chains side by side keep the pipelines busy where one
// at a time leaves them waiting (exp: 0.80 -> 0.64 ns per element; eight vectors run out of registers).

/** y[i] = f(x[i]) for i < n; tasks are chunks of UNARY_CHUNK elements. y may be x. */
// @dispatch unary_f32 UNARY
@inline export function forwardLoop(op: i32, x: usize, y: usize, n: i32, p1: f32, p2: f32, taskBegin: i32, taskEnd: i32): void {
  const end = min<i32>(n, taskEnd * UNARY_CHUNK);
  let i = taskBegin * UNARY_CHUNK;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= end; i += 16) {
      const o = <usize>i << 2;
      let a = v128.load(x + o), b = v128.load(x + o, 16), c = v128.load(x + o, 32), d = v128.load(x + o, 48);
      // log: a block of positive normal numbers (the common case) skips the special-value selects
      if (op == U_LOG && allNormal4(a, b, c, d)) {
        a = logNormalV(a); b = logNormalV(b); c = logNormalV(c); d = logNormalV(d);
      } else {
        a = forward<v128, v128>(op, a, p1, p2);
        b = forward<v128, v128>(op, b, p1, p2);
        c = forward<v128, v128>(op, c, p1, p2);
        d = forward<v128, v128>(op, d, p1, p2);
      }
      v128.store(y + o, a);
      v128.store(y + o, b, 16);
      v128.store(y + o, c, 32);
      v128.store(y + o, d, 48);
    }
    for (; i + 4 <= end; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, forward<v128, v128>(op, v128.load(x + o), p1, p2));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, forward<f32, i32>(op, load<f32>(x + o), p1, p2));
  }
}

/** dx[i] = dy[i] * f'(x[i], y[i]); tasks are chunks of UNARY_CHUNK elements. dx may be dy. */
// @dispatch unary_grad_f32 UNARY
@inline export function backwardLoop(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, taskBegin: i32, taskEnd: i32): void {
  const end = min<i32>(n, taskEnd * UNARY_CHUNK);
  let i = taskBegin * UNARY_CHUNK;
  if (ASC_FEATURE_SIMD) {
    for (; i + 16 <= end; i += 16) {
      const o = <usize>i << 2;
      const a = backward<v128, v128>(op, v128.load(x + o), v128.load(y + o), v128.load(dy + o), p1, p2);
      const b = backward<v128, v128>(op, v128.load(x + o, 16), v128.load(y + o, 16), v128.load(dy + o, 16), p1, p2);
      const c = backward<v128, v128>(op, v128.load(x + o, 32), v128.load(y + o, 32), v128.load(dy + o, 32), p1, p2);
      const d = backward<v128, v128>(op, v128.load(x + o, 48), v128.load(y + o, 48), v128.load(dy + o, 48), p1, p2);
      v128.store(dx + o, a);
      v128.store(dx + o, b, 16);
      v128.store(dx + o, c, 32);
      v128.store(dx + o, d, 48);
    }
    for (; i + 4 <= end; i += 4) {
      const o = <usize>i << 2;
      v128.store(dx + o, backward<v128, v128>(op, v128.load(x + o), v128.load(y + o), v128.load(dy + o), p1, p2));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, backward<f32, i32>(op, load<f32>(x + o), load<f32>(y + o), load<f32>(dy + o), p1, p2));
  }
}
