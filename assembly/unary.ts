// Unary elementwise ops and their gradients: y = f(x), dx = dy * f'(x, y). Like vmath.ts, each op
// is written once over F (v128 or f32) and I (its mask type), so the scalar tail of a row gives
// the same bits as a vector lane; the op switch sits outside the loops and inlining with a literal
// op id specialises each loop.
import {
  k, fadd, fsub, fmul, fdiv, fneg, fabs, fmin, fmax, flt, fgt, fge, sel, iand,
  expV, expS, expNegAbsV, expNegAbsS, expm1V, expm1S, logV, logS, log1pV, log1pS, tanhV, tanhS,
  sigmoidV, sigmoidS, geluV, geluS, geluGradV, geluGradS, logNormalV, allNormal4,
} from './vmath';

export const U_NEG: i32 = 0;
export const U_ABS: i32 = 1;
export const U_EXP: i32 = 2;
export const U_LOG: i32 = 3;
export const U_SQRT: i32 = 4;
export const U_SQUARE: i32 = 5;
export const U_RELU: i32 = 6;
/** p1: the slope below zero. */
export const U_LEAKY_RELU: i32 = 7;
/** p1: alpha. */
export const U_ELU: i32 = 8;
export const U_SELU: i32 = 9;
/** Exact GELU: x Phi(x), Phi the normal cdf (not the tanh approximation). */
export const U_GELU: i32 = 10;
export const U_SIGMOID: i32 = 11;
export const U_TANH: i32 = 12;
export const U_SOFTPLUS: i32 = 13;
export const U_SWISH: i32 = 14;
/** x^p1 for an integer p1 (repeated squaring; negative x allowed). */
export const U_POW_INT: i32 = 15;
/** x^p1 = exp(p1 log x) for a non-integer p1 (NaN for x < 0). */
export const U_POW: i32 = 16;
/** clip to [p1, p2]. */
export const U_CLIP: i32 = 17;
/** p1 x + p2. */
export const U_AFFINE: i32 = 18;
export const U_RECIPROCAL: i32 = 19;
export const U_RSQRT: i32 = 20;
export const U_LOG1P: i32 = 21;
export const U_EXPM1: i32 = 22;

const SELU_ALPHA: f32 = 1.6732632423543772;
const SELU_SCALE: f32 = 1.0507009873554805;

@inline function exp_<F>(x: F): F { if (isVector<F>()) return expV(x); else return expS(x); }
@inline function expNegAbs_<F>(x: F): F { if (isVector<F>()) return expNegAbsV(x); else return expNegAbsS(x); }
@inline function expm1_<F>(x: F): F { if (isVector<F>()) return expm1V(x); else return expm1S(x); }
@inline function log_<F>(x: F): F { if (isVector<F>()) return logV(x); else return logS(x); }
@inline function log1p_<F>(x: F): F { if (isVector<F>()) return log1pV(x); else return log1pS(x); }
@inline function tanh_<F>(x: F): F { if (isVector<F>()) return tanhV(x); else return tanhS(x); }
@inline function sigmoid_<F>(x: F): F { if (isVector<F>()) return sigmoidV(x); else return sigmoidS(x); }
@inline function gelu_<F>(x: F): F { if (isVector<F>()) return geluV(x); else return geluS(x); }
@inline function geluGrad_<F>(x: F): F { if (isVector<F>()) return geluGradV(x); else return geluGradS(x); }
@inline function sqrt_<F>(x: F): F { if (isVector<F>()) return f32x4.sqrt(x); else return sqrt<f32>(x); }
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
  return expm1_<F>(x);
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
  return fmul(dy, fadd(y, k<F>(1)));
}

/** Elements per task. */
export const UNARY_CHUNK: i32 = 4096;

// The vector loops take four vectors per iteration: a transcendental op is a chain of some 25
// dependent operations, and four independent chains side by side keep the pipelines busy where one
// at a time leaves them waiting (exp: 0.80 -> 0.64 ns per element; eight vectors run out of registers).

@inline function forwardLoop(op: i32, x: usize, y: usize, n: i32, p1: f32, p2: f32, taskBegin: i32, taskEnd: i32): void {
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

@inline function backwardLoop(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, taskBegin: i32, taskEnd: i32): void {
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

// One function per op, each with its op constant folded into its loop. Inlining every loop into
// the dispatching switch would let Binaryen fold the 23 look-alike arms into one loop that tests the
// op at run time for every vector.
function fwdNeg(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_NEG, x, y, n, p1, p2, b, e); }
function fwdAbs(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_ABS, x, y, n, p1, p2, b, e); }
function fwdExp(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_EXP, x, y, n, p1, p2, b, e); }
function fwdLog(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_LOG, x, y, n, p1, p2, b, e); }
function fwdSqrt(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_SQRT, x, y, n, p1, p2, b, e); }
function fwdSquare(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_SQUARE, x, y, n, p1, p2, b, e); }
function fwdRelu(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_RELU, x, y, n, p1, p2, b, e); }
function fwdLeakyRelu(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_LEAKY_RELU, x, y, n, p1, p2, b, e); }
function fwdElu(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_ELU, x, y, n, p1, p2, b, e); }
function fwdSelu(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_SELU, x, y, n, p1, p2, b, e); }
function fwdGelu(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_GELU, x, y, n, p1, p2, b, e); }
function fwdSigmoid(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_SIGMOID, x, y, n, p1, p2, b, e); }
function fwdTanh(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_TANH, x, y, n, p1, p2, b, e); }
function fwdSoftplus(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_SOFTPLUS, x, y, n, p1, p2, b, e); }
function fwdSwish(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_SWISH, x, y, n, p1, p2, b, e); }
function fwdPowInt(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_POW_INT, x, y, n, p1, p2, b, e); }
function fwdPow(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_POW, x, y, n, p1, p2, b, e); }
function fwdClip(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_CLIP, x, y, n, p1, p2, b, e); }
function fwdAffine(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_AFFINE, x, y, n, p1, p2, b, e); }
function fwdReciprocal(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_RECIPROCAL, x, y, n, p1, p2, b, e); }
function fwdRsqrt(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_RSQRT, x, y, n, p1, p2, b, e); }
function fwdLog1p(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_LOG1P, x, y, n, p1, p2, b, e); }
function fwdExpm1(x: usize, y: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { forwardLoop(U_EXPM1, x, y, n, p1, p2, b, e); }

function bwdNeg(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_NEG, x, y, dy, dx, n, p1, p2, b, e); }
function bwdAbs(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_ABS, x, y, dy, dx, n, p1, p2, b, e); }
function bwdExp(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_EXP, x, y, dy, dx, n, p1, p2, b, e); }
function bwdLog(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_LOG, x, y, dy, dx, n, p1, p2, b, e); }
function bwdSqrt(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_SQRT, x, y, dy, dx, n, p1, p2, b, e); }
function bwdSquare(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_SQUARE, x, y, dy, dx, n, p1, p2, b, e); }
function bwdRelu(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_RELU, x, y, dy, dx, n, p1, p2, b, e); }
function bwdLeakyRelu(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_LEAKY_RELU, x, y, dy, dx, n, p1, p2, b, e); }
function bwdElu(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_ELU, x, y, dy, dx, n, p1, p2, b, e); }
function bwdSelu(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_SELU, x, y, dy, dx, n, p1, p2, b, e); }
function bwdGelu(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_GELU, x, y, dy, dx, n, p1, p2, b, e); }
function bwdSigmoid(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_SIGMOID, x, y, dy, dx, n, p1, p2, b, e); }
function bwdTanh(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_TANH, x, y, dy, dx, n, p1, p2, b, e); }
function bwdSoftplus(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_SOFTPLUS, x, y, dy, dx, n, p1, p2, b, e); }
function bwdSwish(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_SWISH, x, y, dy, dx, n, p1, p2, b, e); }
function bwdPowInt(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_POW_INT, x, y, dy, dx, n, p1, p2, b, e); }
function bwdPow(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_POW, x, y, dy, dx, n, p1, p2, b, e); }
function bwdClip(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_CLIP, x, y, dy, dx, n, p1, p2, b, e); }
function bwdAffine(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_AFFINE, x, y, dy, dx, n, p1, p2, b, e); }
function bwdReciprocal(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_RECIPROCAL, x, y, dy, dx, n, p1, p2, b, e); }
function bwdRsqrt(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_RSQRT, x, y, dy, dx, n, p1, p2, b, e); }
function bwdLog1p(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_LOG1P, x, y, dy, dx, n, p1, p2, b, e); }
function bwdExpm1(x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, b: i32, e: i32): void { backwardLoop(U_EXPM1, x, y, dy, dx, n, p1, p2, b, e); }

/** y[i] = f(x[i]) for i < n; tasks are chunks of UNARY_CHUNK elements. y may be x. */
export function unary_f32(op: i32, x: usize, y: usize, n: i32, p1: f32, p2: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  switch (op) {
    case U_NEG: fwdNeg(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_ABS: fwdAbs(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_EXP: fwdExp(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_LOG: fwdLog(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_SQRT: fwdSqrt(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_SQUARE: fwdSquare(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_RELU: fwdRelu(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_LEAKY_RELU: fwdLeakyRelu(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_ELU: fwdElu(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_SELU: fwdSelu(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_GELU: fwdGelu(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_SIGMOID: fwdSigmoid(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_TANH: fwdTanh(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_SOFTPLUS: fwdSoftplus(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_SWISH: fwdSwish(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_POW_INT: fwdPowInt(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_POW: fwdPow(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_CLIP: fwdClip(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_AFFINE: fwdAffine(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_RECIPROCAL: fwdReciprocal(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_RSQRT: fwdRsqrt(x, y, n, p1, p2, taskBegin, taskEnd); break;
    case U_LOG1P: fwdLog1p(x, y, n, p1, p2, taskBegin, taskEnd); break;
    default: fwdExpm1(x, y, n, p1, p2, taskBegin, taskEnd);
  }
}

/** dx[i] = dy[i] * f'(x[i], y[i]); tasks are chunks of UNARY_CHUNK elements. dx may be dy. */
export function unary_grad_f32(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  switch (op) {
    case U_NEG: bwdNeg(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_ABS: bwdAbs(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_EXP: bwdExp(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_LOG: bwdLog(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_SQRT: bwdSqrt(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_SQUARE: bwdSquare(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_RELU: bwdRelu(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_LEAKY_RELU: bwdLeakyRelu(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_ELU: bwdElu(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_SELU: bwdSelu(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_GELU: bwdGelu(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_SIGMOID: bwdSigmoid(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_TANH: bwdTanh(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_SOFTPLUS: bwdSoftplus(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_SWISH: bwdSwish(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_POW_INT: bwdPowInt(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_POW: bwdPow(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_CLIP: bwdClip(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_AFFINE: bwdAffine(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_RECIPROCAL: bwdReciprocal(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_RSQRT: bwdRsqrt(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    case U_LOG1P: bwdLog1p(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd); break;
    default: bwdExpm1(x, y, dy, dx, n, p1, p2, taskBegin, taskEnd);
  }
}
