// Elementwise f32 math for activations, softmax and losses: exp, expm1, log, log1p, tanh, sigmoid, erf.
//
// Each function is written once, as a generic kernel over F (the float lanes: f32 or v128) and I (the
// same bits seen as integers or comparison masks: i32 or v128). `fooV` instantiates it with
// (v128, v128) and `fooS` with (f32, i32), so a scalar tail runs the same IEEE-754 operations in the
// same order as a vector lane and gives the same bits by construction (NaN payloads may differ; every
// NaN stays a NaN). Plain multiply and add, never a fused madd: every build (scalar, simd, relaxed)
// gives the same bits. No tables, no data segments, no allocation, no imports.
// The `fooV` functions use v128: call them only inside `if (ASC_FEATURE_SIMD)`.
// Subnormal inputs and results are exact (WebAssembly never flushes to zero).
// Max error, measured on all 2^32 inputs against float64 references (vector, scalar and scalar-build
// outputs bitwise equal on every input; special values exact; ulp = 2^(floor(log2|exact|) - 23)):
//   exp 0.99 ulp   expm1 1.48   log 0.84   log1p 0.87   tanh 1.50   sigmoid 2.41   erf 1.32

// ---- lane-generic primitives: one line for the vector form, one for the scalar form --------------

@inline export function k<F>(c: f32): F { if (isVector<F>()) return f32x4.splat(c); else return c; }
@inline export function ki<I>(c: i32): I { if (isVector<I>()) return i32x4.splat(c); else return c; }
@inline export function fadd<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.add(a, b); else return a + b; }
@inline export function fsub<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.sub(a, b); else return a - b; }
@inline export function fmul<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.mul(a, b); else return a * b; }
@inline export function fdiv<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.div(a, b); else return a / b; }
/** a*b + c, rounded twice (not fused). */
@inline export function fmla<F>(a: F, b: F, c: F): F { return fadd(fmul(a, b), c); }
@inline export function fneg<F>(a: F): F { if (isVector<F>()) return f32x4.neg(a); else return -a; }
@inline export function fabs<F>(a: F): F { if (isVector<F>()) return f32x4.abs(a); else return abs<f32>(a); }
/** min(a, b) returning a when a is NaN (wasm pmin: b < a ? b : a). */
@inline export function fmin<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.pmin(a, b); else return b < a ? b : a; }
/** max(a, b) returning a when a is NaN (wasm pmax: a < b ? b : a). */
@inline export function fmax<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.pmax(a, b); else return a < b ? b : a; }
// comparisons give masks: all ones (-1) or all zeros per lane
@inline export function flt<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.lt(a, b); else return -<i32>(a < b); }
@inline export function fge<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.ge(a, b); else return -<i32>(a >= b); }
@inline export function fgt<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.gt(a, b); else return -<i32>(a > b); }
@inline export function feq<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.eq(a, b); else return -<i32>(a == b); }
/** mask ? a : b, per lane. */
@inline export function sel<F, I>(m: I, a: F, b: F): F { if (isVector<F>()) return v128.bitselect(a, b, m); else return m ? a : b; }
@inline function bitsOf<F, I>(a: F): I { if (isVector<F>()) return a; else return reinterpret<i32>(a); }
@inline function floatOf<I, F>(a: I): F { if (isVector<I>()) return a; else return reinterpret<f32>(a); }
@inline function toF<I, F>(a: I): F { if (isVector<I>()) return f32x4.convert_i32x4_s(a); else return <f32>a; }
@inline function iadd<I>(a: I, b: I): I { if (isVector<I>()) return i32x4.add(a, b); else return a + b; }
@inline function isub<I>(a: I, b: I): I { if (isVector<I>()) return i32x4.sub(a, b); else return a - b; }
@inline export function iand<I>(a: I, b: I): I { if (isVector<I>()) return v128.and(a, b); else return a & b; }
@inline export function ior<I>(a: I, b: I): I { if (isVector<I>()) return v128.or(a, b); else return a | b; }
@inline function imin<I>(a: I, b: I): I { if (isVector<I>()) return i32x4.min_s(a, b); else return a < b ? a : b; }
@inline function ishl<I>(a: I, n: i32): I { if (isVector<I>()) return i32x4.shl(a, n); else return a << n; }
@inline function ishr<I>(a: I, n: i32): I { if (isVector<I>()) return i32x4.shr_s(a, n); else return a >> n; }

/** 2^n as a float, for n in [-126, 127]. */
@inline function pow2<F, I>(n: I): F { return floatOf<I, F>(ishl(iadd(n, ki<I>(127)), 23)); }
/** p * 2^n for n in [-150, 129]: two exact power-of-two factors, so a subnormal result rounds once. */
@inline function scale<F, I>(p: F, n: I): F {
  const h = ishr(n, 1);
  return fmul(fmul(p, pow2<F, I>(h)), pow2<F, I>(isub(n, h)));
}
/** |r| with the sign bit of x. */
@inline function withSign<F, I>(r: F, x: F): F {
  return floatOf<I, F>(ior(bitsOf<F, I>(r), iand(bitsOf<F, I>(x), ki<I>(0x80000000))));
}

// ---- constants ------------------------------------------------------------------------------------

const LOG2E: f32 = 1.44269504;
const ROUND: f32 = 12582912.0; // 1.5 * 2^23: x + ROUND rounds x to an integer held in the low mantissa bits
const ROUND_BITS: i32 = 0x4b400000;
const LN2_HI: f32 = 0.693359375; // Cody-Waite split of ln 2; n * LN2_HI is exact for |n| <= 2^8
const LN2_LO: f32 = -2.12194440e-4;

// ---- exp ------------------------------------------------------------------------------------------

/** Shared reduction: x = n ln2 + r with |r| <= ln2/2 (x already clamped); returns r, n in `t`'s bits. */
@inline function reduce<F>(x: F, t: F): F {
  const n = fsub(t, k<F>(ROUND));
  const r = fmla(n, k<F>(-LN2_HI), x); // exact
  return fmla(n, k<F>(-LN2_LO), r);
}

/** exp(x): Cody-Waite reduction, e^r = 1 + r + r^2 P(r) with P a degree-4 minimax polynomial
 *  (relative error 3e-9), then 2^n through scale(). +Inf above 88.7228, subnormal results exact,
 *  0 below -103.972, NaN kept. */
@inline function expK<F, I>(x: F): F {
  x = fmax(fmin(x, k<F>(88.8)), k<F>(-104.0)); // the ends still overflow to +Inf / round to 0
  const t = fmla(x, k<F>(LOG2E), k<F>(ROUND));
  const r = reduce(x, t);
  let p = fmla(k<F>(1.381446374580264e-3), r, k<F>(8.36878176778555e-3));
  p = fmla(p, r, k<F>(4.166839271783829e-2));
  p = fmla(p, r, k<F>(1.666651964187622e-1));
  p = fmla(p, r, k<F>(4.999999403953552e-1));
  p = fadd(fmla(p, fmul(r, r), r), k<F>(1));
  return scale<F, I>(p, isub(bitsOf<F, I>(t), ki<I>(ROUND_BITS)));
}

/** expm1(x) = e^x - 1 without cancellation near 0: same reduction, e^r - 1 = r + r^2 P(r) with P of
 *  degree 5 (relative error 2.4e-10), then 2^n (e^r - 1 + (1 - 2^-n)) with 1 - 2^-n exact for |n| <= 24.
 *  -1 below -17.33, +Inf above 88.7228. Not -0 aware (expm1 below fixes the sign of zero). */
@inline function expm1K<F, I>(x: F): F {
  x = fmax(fmin(x, k<F>(88.8)), k<F>(-17.5));
  const t = fmla(x, k<F>(LOG2E), k<F>(ROUND));
  const r = reduce(x, t);
  let p = fmla(k<F>(1.984588598133996e-4), r, k<F>(1.3940721983090043e-3));
  p = fmla(p, r, k<F>(8.333389647305012e-3));
  p = fmla(p, r, k<F>(4.166635870933533e-2));
  p = fmla(p, r, k<F>(1.666666567325592e-1));
  p = fmla(p, r, k<F>(0.5));
  p = fmla(p, fmul(r, r), r);
  const n = isub(bitsOf<F, I>(t), ki<I>(ROUND_BITS)); // in [-25, 128]
  const oneMinus = fsub(k<F>(1), floatOf<I, F>(ishl(isub(ki<I>(127), imin(n, ki<I>(64))), 23))); // 1 - 2^-n
  return scale<F, I>(fadd(p, oneMinus), n);
}

// ---- log ------------------------------------------------------------------------------------------

/** log(u) + c/u for the log family (c = 0 for log, the rounding error of 1 + x for log1p).
 *  u = 2^e m with m in [sqrt(1/2), sqrt(2)) via integer bit ops (subnormals prescaled by 2^25),
 *  f = m - 1, s = f/(2+f), log(1+f) = f - f^2/2 + s (f^2/2 + R(s^2)) with the FreeBSD logf minimax
 *  polynomial R (error < 2^-34). Specials: log(0) = -Inf, log(<0) = NaN, log(+Inf) = +Inf, NaN kept. */
@inline function logK<F, I>(u: F, c: F): F {
  const sub = flt<F, I>(u, k<F>(1.17549435e-38));
  const us = sel<F, I>(sub, fmul(u, k<F>(33554432.0)), u);
  const e = ishr(isub(bitsOf<F, I>(us), ki<I>(0x3f3504f3)), 23); // 0x3f3504f3 = sqrt(1/2)
  const m = floatOf<I, F>(isub(bitsOf<F, I>(us), ishl(e, 23)));
  const kf = toF<I, F>(isub(e, iand(sub, ki<I>(25))));
  const f = fsub(m, k<F>(1));
  const s = fdiv(f, fadd(f, k<F>(2)));
  const z = fmul(s, s);
  let R = fmla(k<F>(0.24279078841), z, k<F>(0.28498786688));
  R = fmla(R, z, k<F>(0.40000972152));
  R = fmla(R, z, k<F>(0.66666662693));
  R = fmul(R, z);
  const hfsq = fmul(fmul(k<F>(0.5), f), f);
  let r = fmla(kf, k<F>(9.0580006145e-6), c); // ln2_lo: ln2_hi + ln2_lo = ln 2
  r = fmla(s, fadd(hfsq, R), r);
  r = fsub(fmul(kf, k<F>(6.9313812256e-1)), fsub(fsub(hfsq, r), f));
  const special = sel<F, I>(feq<F, I>(u, k<F>(0)), k<F>(-Infinity), k<F>(NaN));
  return sel<F, I>(fgt<F, I>(u, k<F>(0)), sel<F, I>(flt<F, I>(u, k<F>(Infinity)), r, u), special);
}

@inline function log1pK<F, I>(x: F): F {
  const u = fadd(x, k<F>(1));
  // the rounding error of u = 1 + x, exactly: x - (u - 1) while u < 2, 1 - (u - x) above
  const c = sel<F, I>(fge<F, I>(u, k<F>(2)), fsub(k<F>(1), fsub(u, x)), fsub(x, fsub(u, k<F>(1))));
  const r = logK<F, I>(u, fdiv(c, u));
  return sel<F, I>(feq<F, I>(x, k<F>(0)), x, r); // log1p(-0) = -0
}

// ---- tanh, sigmoid, erf ---------------------------------------------------------------------------

/** tanh(x), odd: |x| < 0.625: x + x t Q(t), t = x^2, Q of degree 4 (relative error 4.5e-9); above,
 *  y / (y + 2) with y = expm1(2|x|) (no cancellation), exactly +-1 from |x| >= 9.02. */
@inline function tanhK<F, I>(x: F): F {
  const a = fmin(fabs(x), k<F>(9.5));
  const t = fmul(a, a);
  let q = fmla(k<F>(-5.6922961957752705e-3), t, k<F>(2.062816731631756e-2));
  q = fmla(q, t, k<F>(-5.373651534318924e-2));
  q = fmla(q, t, k<F>(0.13331405818462372));
  q = fmla(q, t, k<F>(-0.3333328068256378));
  const small = fmla(a, fmul(q, t), a);
  const y = expm1K<F, I>(fadd(a, a));
  const large = fdiv(y, fadd(y, k<F>(2)));
  return withSign<F, I>(sel<F, I>(flt<F, I>(a, k<F>(0.625)), small, large), x);
}

/** sigmoid(x) = 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0, with e = exp(-|x|) in (0, 1]:
 *  never overflows, keeps full relative accuracy for very negative x (subnormal results down to x = -103.97). */
@inline function sigmoidK<F, I>(x: F): F {
  const e = expK<F, I>(fneg(fabs(x)));
  return fdiv(sel<F, I>(flt<F, I>(x, k<F>(0)), e, k<F>(1)), fadd(e, k<F>(1)));
}

/** erf(x), odd: |x| < 1: x + x (c0 + t Q(t)), t = x^2, Q of degree 5 (relative error 1.4e-9);
 *  1 <= |x| < 3.9192059: 1 + P(|x| - 2.25), P of degree 14 approximating -erfc (error 6.8e-9 relative to erf);
 *  beyond, exactly +-1 (erf rounds to 1 in f32 from 3.9192059). Coefficients fitted with f32 rounding. */
@inline function erfK<F, I>(x: F): F {
  const a = fabs(x);
  const t = fmul(a, a);
  let q = fmla(k<F>(7.806903158780187e-5), t, k<F>(-7.997853099368513e-4));
  q = fmla(q, t, k<F>(5.187162198126316e-3));
  q = fmla(q, t, k<F>(-2.6853347197175026e-2));
  q = fmla(q, t, k<F>(0.11283578723669052));
  q = fmla(q, t, k<F>(-0.3761262595653534));
  q = fmla(q, t, k<F>(0.12837916612625122)); // 2/sqrt(pi) - 1
  const small = fmla(a, q, a);
  const s = fsub(a, k<F>(2.25));
  let p = fmla(k<F>(1.107287403101509e-6), s, k<F>(-3.1553272492601536e-6));
  p = fmla(p, s, k<F>(-1.3254961231723428e-5));
  p = fmla(p, s, k<F>(6.519306771224365e-5));
  p = fmla(p, s, k<F>(-2.9721009923378006e-5));
  p = fmla(p, s, k<F>(-3.6474154330790043e-4));
  p = fmla(p, s, k<F>(1.0183814447373152e-3));
  p = fmla(p, s, k<F>(-6.767410086467862e-4));
  p = fmla(p, s, k<F>(-2.9148764442652464e-3));
  p = fmla(p, s, k<F>(1.0661008767783642e-2));
  p = fmla(p, s, k<F>(-1.908048428595066e-2));
  p = fmla(p, s, k<F>(2.1723857149481773e-2));
  p = fmla(p, s, k<F>(-1.6070527955889702e-2));
  p = fmla(p, s, k<F>(7.142358459532261e-3));
  p = fmla(p, s, k<F>(-1.4627110213041306e-3));
  const large = sel<F, I>(fge<F, I>(a, k<F>(3.919205904006958)), k<F>(1), fadd(p, k<F>(1)));
  return withSign<F, I>(sel<F, I>(flt<F, I>(a, k<F>(1)), small, large), x);
}

// ---- the exported pairs -----------------------------------------------------------------------------

@inline export function expV(x: v128): v128 { return expK<v128, v128>(x); }
@inline export function expS(x: f32): f32 { return expK<f32, i32>(x); }

@inline export function expm1V(x: v128): v128 { return sel<v128, v128>(feq<v128, v128>(x, k<v128>(0)), x, expm1K<v128, v128>(x)); }
@inline export function expm1S(x: f32): f32 { return sel<f32, i32>(feq<f32, i32>(x, k<f32>(0)), x, expm1K<f32, i32>(x)); }

@inline export function logV(x: v128): v128 { return logK<v128, v128>(x, k<v128>(0)); }
@inline export function logS(x: f32): f32 { return logK<f32, i32>(x, k<f32>(0)); }

@inline export function log1pV(x: v128): v128 { return log1pK<v128, v128>(x); }
@inline export function log1pS(x: f32): f32 { return log1pK<f32, i32>(x); }

@inline export function tanhV(x: v128): v128 { return tanhK<v128, v128>(x); }
@inline export function tanhS(x: f32): f32 { return tanhK<f32, i32>(x); }

@inline export function sigmoidV(x: v128): v128 { return sigmoidK<v128, v128>(x); }
@inline export function sigmoidS(x: f32): f32 { return sigmoidK<f32, i32>(x); }

@inline export function erfV(x: v128): v128 { return erfK<v128, v128>(x); }
@inline export function erfS(x: f32): f32 { return erfK<f32, i32>(x); }
