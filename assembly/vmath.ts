// Elementwise f32 math for activations, softmax and losses: exp, expm1, log, log1p, tanh, sigmoid, and
// gelu with the normal cdf.
//
// Each function is written once, as a generic kernel over F (the float lanes: f32 or v128) and I (the
// same bits seen as integers or comparison masks: i32 or v128). `fooV` instantiates it with
// (v128, v128) and `fooS` with (f32, i32), so a scalar tail runs the same IEEE-754 operations in the
// same order as a vector lane and gives the same bits by construction (NaN payloads may differ; every
// NaN stays a NaN). The scalar, simd and simd-threads builds use plain multiply and add and give the
// same bits. The relaxed build fuses the vector form's multiply-adds (fmla: relaxed_madd), some 25%
// faster, and runs its scalar forms through the vector kernel, so there too a scalar tail gives the
// bits of a vector lane; its bits differ from the other builds' (and, on a CPU without fused
// multiply-add, where relaxed_madd rounds twice, from other CPUs'). No allocation, no imports.
// Constants other than 0 come from small tables in linear memory (data segments below the heap base),
// one load each (v128.load32_splat: a vbroadcastss) in a vector loop; the scalar forms read the same
// words. As a v128.const, V8 (TurboFan, x64) builds a constant where its uses meet, which for a
// kernel with one loop is inside the loop: three instructions per constant and iteration (a 64-bit
// immediate, a move to xmm, an unpack), more than the arithmetic of these kernels. The tables are
// constant data: every instantiation (each worker's) writes the same bytes again.
// The `fooV` functions use v128: call them only inside `if (ASC_FEATURE_SIMD)`.
// Subnormal inputs and results are exact (WebAssembly never flushes to zero).
// Max error, measured on all 2^32 inputs against float64 references (special values exact;
// ulp = 2^(floor(log2|exact|) - 23)); without fused multiply-add (vector, scalar and scalar-build
// outputs bitwise equal on every input), then the relaxed build's:
//   exp 0.99 ulp   expm1 1.48   log 0.84   log1p 0.87   tanh 1.52   sigmoid 2.41
//   relaxed: exp 1.02    expm1 1.44   log 0.84   log1p 0.84   tanh 2.42   sigmoid 2.40
// gelu (every 64th float in [-8, 8], against float64): for x >= 0 within 2.5 ulp; for x < 0 within
// 4.1 ulp down to x = -1, then a relative error of 1.6e-6 down to -2, 1.2e-5 to -3, 3.4e-5 to -4, while
// the absolute error stays below 1e-7 (below 6e-8 from x = -3, 5e-9 from x = -4).

// ---- lane-generic primitives: one line for the vector form, one for the scalar form --------------

@inline export function k<F>(c: f32): F { if (isVector<F>()) return f32x4.splat(c); else return c; }
@inline export function ki<I>(c: i32): I { if (isVector<I>()) return i32x4.splat(c); else return c; }
/** Entry i of a table of f32 constants, in every lane: one load in a loop, where k<F>(c) may cost three instructions. */
@inline export function kt<F>(t: usize, i: i32): F {
  if (isVector<F>()) return v128.load32_splat(t + (<usize>i << 2)); else return load<f32>(t + (<usize>i << 2));
}
/** Entry i of a table of i32 constants, in every lane. */
@inline export function kti<I>(t: usize, i: i32): I {
  if (isVector<I>()) return v128.load32_splat(t + (<usize>i << 2)); else return load<i32>(t + (<usize>i << 2));
}
@inline export function fadd<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.add(a, b); else return a + b; }
@inline export function fsub<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.sub(a, b); else return a - b; }
@inline export function fmul<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.mul(a, b); else return a * b; }
@inline export function fdiv<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.div(a, b); else return a / b; }
/** a*b + c: fused in the relaxed build's vector form (relaxed_madd: one rounding where the CPU has
 *  fused multiply-add, two where it has not), rounded twice everywhere else. */
@inline export function fmla<F>(a: F, b: F, c: F): F {
  if (isVector<F>() && ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return fadd(fmul(a, b), c);
}
/** c - a*b: fused as fmla is (relaxed_nmadd). */
@inline export function fmls<F>(a: F, b: F, c: F): F {
  if (isVector<F>() && ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return fsub(c, fmul(a, b));
}
// neg and abs flip or clear the sign bit; as a mask from the table, not V8's f32x4.neg/abs (which
// build their mask in the loop: three instructions)
@inline export function fneg<F>(a: F): F { if (isVector<F>()) return v128.xor(a, kti<v128>(INTS, I_SIGN)); else return -a; }
@inline export function fabs<F>(a: F): F {
  if (isVector<F>()) return v128.and(a, kti<v128>(INTS, I_ABS)); else return abs<f32>(a);
}
/** min(a, b) returning a when a is NaN (wasm pmin: b < a ? b : a). */
@inline export function fmin<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.pmin(a, b); else return b < a ? b : a; }
/** max(a, b) returning a when a is NaN (wasm pmax: a < b ? b : a). */
@inline export function fmax<F>(a: F, b: F): F { if (isVector<F>()) return f32x4.pmax(a, b); else return a < b ? b : a; }
// comparisons give masks: all ones (-1) or all zeros per lane
@inline export function flt<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.lt(a, b); else return -<i32>(a < b); }
@inline export function fge<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.ge(a, b); else return -<i32>(a >= b); }
@inline export function fgt<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.gt(a, b); else return -<i32>(a > b); }
@inline export function feq<F, I>(a: F, b: F): I { if (isVector<F>()) return f32x4.eq(a, b); else return -<i32>(a == b); }
/** mask ? a : b, per lane (a mask lane is all ones or all zeros: relaxed_laneselect, one vblendvps,
 *  gives the same bits as bitselect, three instructions in V8). */
@inline export function sel<F, I>(m: I, a: F, b: F): F {
  if (isVector<F>()) {
    if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(a, b, m);
    return v128.bitselect(a, b, m);
  }
  return m ? a : b;
}
/** sel without a branch in the scalar form either: V8 makes a scalar select a branch, which data of
 *  random sign mispredicts (the scalar build's sigmoid: 7.0 ns per element instead of 4.1). */
@inline function selBits<F, I>(m: I, a: F, b: F): F {
  if (isVector<F>()) return sel<F, I>(m, a, b);
  else return reinterpret<f32>((reinterpret<i32>(a) & m) | (reinterpret<i32>(b) & ~m));
}
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
@inline function pow2<F, I>(n: I): F { return floatOf<I, F>(ishl(iadd(n, kti<I>(INTS, I_127)), 23)); }
/** p * 2^n for n in [-150, 129]: two exact power-of-two factors, so a subnormal result rounds once. */
@inline function scale<F, I>(p: F, n: I): F {
  const h = ishr(n, 1);
  return fmul(fmul(p, pow2<F, I>(h)), pow2<F, I>(isub(n, h)));
}
/** |r| with the sign bit of x. */
@inline function withSign<F, I>(r: F, x: F): F {
  return floatOf<I, F>(ior(bitsOf<F, I>(r), iand(bitsOf<F, I>(x), kti<I>(INTS, I_SIGN))));
}

// ---- constants ------------------------------------------------------------------------------------

const LOG2E: f32 = 1.44269504;
const ROUND: f32 = 12582912.0; // 1.5 * 2^23: x + ROUND rounds x to an integer held in the low mantissa bits
const ROUND_BITS: i32 = 0x4b400000;
const LN2_HI: f32 = 0.693359375; // Cody-Waite split of ln 2; n * LN2_HI is exact for |n| <= 2^8
const LN2_LO: f32 = -2.12194440e-4;

// The tables. Each kernel names its entries by index; polynomial coefficients are in Horner order.
/** Shared small constants: 1, 2, 1/2, +Inf, -Inf, NaN, 2^-64, 2^64, -1. */
const COMMON = memory.data<f32>([1, 2, 0.5, Infinity, -Infinity, NaN, 5.42101086e-20, 18446744073709551616.0, -1]);
const C_ONE = 0;
const C_TWO = 1;
const C_HALF = 2;
const C_INF = 3;
const C_NEG_INF = 4;
const C_NAN = 5;
const C_TWO_POW_M64 = 6;
const C_TWO_POW_64 = 7;
const C_NEG_ONE = 8;
/** Integer constants (bit patterns, exponent biases). */
const INTS = memory.data<i32>([127, ROUND_BITS, ROUND_BITS + 64, 0x3f3504f3, 25, 0x80000000, 0x7fffffff, ROUND_BITS - 191, 0x00800000, 0x7f7fffff, ROUND_BITS - 128, ROUND_BITS + 127]);
const I_127 = 0;
const I_ROUND_BITS = 1;
const I_ROUND_BITS_PLUS_64 = 2; // n = 64
const I_SQRT_HALF_BITS = 3; // sqrt(1/2)
const I_25 = 4;
const I_SIGN = 5;
const I_ABS = 6;
const I_ROUND_BITS_MINUS_191 = 7; // n + 64 + 127 = bits(t) - this
const I_MIN_NORMAL_BITS = 8;
const I_MAX_FINITE_BITS = 9;
const I_ROUND_BITS_MINUS_128 = 10; // n + 1 + 127 = bits(t) - this
const I_127_PLUS_ROUND_BITS = 11; // 127 - n = this - bits(t)

// ---- exp ------------------------------------------------------------------------------------------

/** The Cody-Waite reduction shared by exp and expm1: log2(e), ROUND, -ln2 in two parts. */
const REDUCE = memory.data<f32>([LOG2E, ROUND, -LN2_HI, -LN2_LO]);
/** The same for h = x / 2 (tanh): the same n, and r / 2, from 2 log2(e) and halved parts of ln 2 (exact). */
const REDUCE_HALF = memory.data<f32>([2 * LOG2E, ROUND, -LN2_HI / 2, -LN2_LO / 2]);

/** t = x log2(e) + ROUND: n = round(x / ln 2) in the low mantissa bits of t. */
@inline function roundT<F>(x: F, tbl: usize = REDUCE): F {
  return fmla(x, kt<F>(tbl, 0), kt<F>(tbl, 1));
}

/** n = round(x / ln 2), from the low mantissa bits of t = roundT(x). */
@inline function nOf<F, I>(t: F): I { return isub(bitsOf<F, I>(t), kti<I>(INTS, I_ROUND_BITS)); }
/** 2^(n + k) for the n held in t's low mantissa bits; `bias` indexes ROUND_BITS - 127 - k in INTS. */
@inline function pow2FromT<F, I>(t: F, bias: i32): F { return floatOf<I, F>(ishl(isub(bitsOf<F, I>(t), kti<I>(INTS, bias)), 23)); }
/** p 2^n for the n held in t's low mantissa bits, p positive and normal (or 0) and the result normal,
 *  one operation fewer: n added to p's exponent field (bits(t) << 23 is n << 23: ROUND_BITS << 23
 *  overflows to 0). Where t is NaN its payload lands in the exponent field and the result need not be
 *  NaN: the caller must carry NaN on by another path. */
@inline function timesPow2OfT<F, I>(p: F, t: F): F { return floatOf<I, F>(iadd(bitsOf<F, I>(p), ishl(bitsOf<F, I>(t), 23))); }

/** Shared reduction: x = n ln2 + r with |r| <= ln2/2 (x already clamped); returns r, n in `t`'s bits. */
@inline function reduce<F>(x: F, t: F, tbl: usize = REDUCE): F {
  const n = fsub(t, kt<F>(tbl, 1));
  const r = fmla(n, kt<F>(tbl, 2), x); // exact
  return fmla(n, kt<F>(tbl, 3), r);
}

/** exp: the clamp bounds, then P. */
const EXP = memory.data<f32>([
  88.8, -104.0,
  1.381446374580264e-3, 8.36878176778555e-3, 4.166839271783829e-2, 1.666651964187622e-1, 4.999999403953552e-1,
]);

/** exp(x): Cody-Waite reduction, e^r = 1 + r + r^2 P(r) with P a degree-4 minimax polynomial
 *  (relative error 3e-9), then 2^n through scale(). +Inf above 88.7228, subnormal results exact,
 *  0 below -103.972, NaN kept. */
@inline function expK<F, I>(x: F): F {
  // the ends still overflow to +Inf / round to 0
  return expClamped<F, I>(fmax(fmin(x, kt<F>(EXP, 0)), kt<F>(EXP, 1)));
}

/** expK after its clamp. */
@inline function expClamped<F, I>(x: F): F {
  const t = roundT<F>(x);
  return scale<F, I>(expReducedK<F>(reduce(x, t)), nOf<F, I>(t));
}

/** e^r for the reduced argument, |r| <= ln2/2. */
@inline function expReducedK<F>(r: F): F {
  let p = fmla(kt<F>(EXP, 2), r, kt<F>(EXP, 3));
  p = fmla(p, r, kt<F>(EXP, 4));
  p = fmla(p, r, kt<F>(EXP, 5));
  p = fmla(p, r, kt<F>(EXP, 6));
  return fadd(fmla(p, fmul(r, r), r), kt<F>(COMMON, C_ONE));
}

/** expm1: the clamp bounds, then P. */
const EXPM1 = memory.data<f32>([
  88.8, -17.5,
  1.984588598133996e-4, 1.3940721983090043e-3, 8.333389647305012e-3, 4.166635870933533e-2, 1.666666567325592e-1, 0.5,
]);
/** 2 P(2 r): P's coefficient of r^k times 2^(k + 1). */
const EXPM1_HALF = memory.data<f32>([
  1.984588598133996e-4 * 64, 1.3940721983090043e-3 * 32, 8.333389647305012e-3 * 16, 4.166635870933533e-2 * 8,
  1.666666567325592e-1 * 4, 1,
]);

/** expm1(x) = e^x - 1 without cancellation near 0: same reduction, e^r - 1 = r + r^2 P(r) with P of
 *  degree 5 (relative error 2.4e-10), then 2^n (e^r - 1 + (1 - 2^-n)) with 1 - 2^-n exact for |n| <= 24.
 *  -1 below -17.33, +Inf above 88.7228. Not -0 aware (expm1 below fixes the sign of zero). */
@inline function expm1K<F, I>(x: F): F {
  x = fmax(fmin(x, kt<F>(EXPM1, 0)), kt<F>(EXPM1, 1));
  const t = roundT<F>(x);
  const p = expm1ReducedK<F>(reduce(x, t), EXPM1 + 8);
  // 2^-n from t's bits: (127 - n) << 23, n = bits(t) - ROUND_BITS, at most 64 (n reaches 128, 2^-n underflows)
  const pow2neg = floatOf<I, F>(ishl(isub(kti<I>(INTS, I_127_PLUS_ROUND_BITS), imin(bitsOf<F, I>(t), kti<I>(INTS, I_ROUND_BITS_PLUS_64))), 23));
  return scale<F, I>(fadd(p, fsub(kt<F>(COMMON, C_ONE), pow2neg)), nOf<F, I>(t)); // 1 - 2^-n: exact for |n| <= 24
}

/** e^r - 1 = r + r^2 P(r) for the reduced argument, P of degree 5 from the table `P` (EXPM1's, or
 *  EXPM1_HALF's 2 P(2 r), which for r / 2 gives half of it: the same bits, scaled by powers of 2). */
@inline function expm1ReducedK<F>(r: F, P: usize): F {
  let p = fmla(kt<F>(P, 0), r, kt<F>(P, 1));
  p = fmla(p, r, kt<F>(P, 2));
  p = fmla(p, r, kt<F>(P, 3));
  p = fmla(p, r, kt<F>(P, 4));
  p = fmla(p, r, kt<F>(P, 5));
  return fmla(p, fmul(r, r), r);
}

// ---- log ------------------------------------------------------------------------------------------

/** log: the smallest normal, 2^25, then R, then ln2_lo and ln2_hi (ln2_hi + ln2_lo = ln 2). */
const LOG = memory.data<f32>([
  1.17549435e-38, 33554432.0,
  0.24279078841, 0.28498786688, 0.40000972152, 0.66666662693,
  9.0580006145e-6, 6.9313812256e-1,
]);

/** log(u) + c/u for the log family (c = 0 for log, the rounding error of 1 + x for log1p).
 *  u = 2^e m with m in [sqrt(1/2), sqrt(2)) via integer bit ops (subnormals prescaled by 2^25),
 *  f = m - 1, s = f/(2+f), log(1+f) = f - f^2/2 + s (f^2/2 + R(s^2)) with the FreeBSD logf minimax
 *  polynomial R (error < 2^-34). Specials: log(0) = -Inf, log(<0) = NaN, log(+Inf) = +Inf, NaN kept. */
@inline function logK<F, I>(u: F, c: F): F {
  const sub = flt<F, I>(u, kt<F>(LOG, 0));
  const r = logNormalK<F, I>(sel<F, I>(sub, fmul(u, kt<F>(LOG, 1)), u), c, sub, true);
  const special = sel<F, I>(feq<F, I>(u, k<F>(0)), kt<F>(COMMON, C_NEG_INF), kt<F>(COMMON, C_NAN));
  return sel<F, I>(fgt<F, I>(u, k<F>(0)), sel<F, I>(flt<F, I>(u, kt<F>(COMMON, C_INF)), r, u), special);
}

/** logK for u positive, normal and finite: the same steps, without the special values. When
 *  `prescaled`, lanes set in `sub` hold u 2^25. */
@inline function logNormalK<F, I>(u: F, c: F, sub: I, prescaled: bool): F {
  let e = ishr(isub(bitsOf<F, I>(u), kti<I>(INTS, I_SQRT_HALF_BITS)), 23);
  const m = floatOf<I, F>(isub(bitsOf<F, I>(u), ishl(e, 23)));
  if (prescaled) e = isub(e, iand(sub, kti<I>(INTS, I_25)));
  const kf = toF<I, F>(e);
  const f = fsub(m, kt<F>(COMMON, C_ONE));
  const s = fdiv(f, fadd(f, kt<F>(COMMON, C_TWO)));
  const z = fmul(s, s);
  let R = fmla(kt<F>(LOG, 2), z, kt<F>(LOG, 3));
  R = fmla(R, z, kt<F>(LOG, 4));
  R = fmla(R, z, kt<F>(LOG, 5));
  R = fmul(R, z);
  const hfsq = fmul(fmul(kt<F>(COMMON, C_HALF), f), f);
  let r = fmla(kf, kt<F>(LOG, 6), c);
  r = fmla(s, fadd(hfsq, R), r);
  // k ln2_hi - ((hfsq - r) - f): k ln2_hi is exact, so one fused step gives the same bits
  return fmla(kf, kt<F>(LOG, 7), fsub(f, fsub(hfsq, r)));
}

@inline function log1pK<F, I>(x: F): F {
  const one = kt<F>(COMMON, C_ONE);
  const u = fadd(x, one);
  // the rounding error of u = 1 + x, exactly: x - (u - 1) while u < 2, 1 - (u - x) above
  const c = sel<F, I>(fge<F, I>(u, kt<F>(COMMON, C_TWO)), fsub(one, fsub(u, x)), fsub(x, fsub(u, one)));
  const r = logK<F, I>(u, fdiv(c, u));
  return sel<F, I>(feq<F, I>(x, k<F>(0)), x, r); // log1p(-0) = -0
}

// ---- tanh, sigmoid, erf ---------------------------------------------------------------------------

/** tanh: the clamp bound, Q, the switch point, -2. */
const TANH = memory.data<f32>([
  9.5,
  -5.6922961957752705e-3, 2.062816731631756e-2, -5.373651534318924e-2, 0.13331405818462372, -0.3333328068256378,
  0.625, -2,
]);

/** tanh(x), odd: |x| < 0.625: x + x t Q(t), t = x^2, Q of degree 4 (relative error 4.5e-9); above,
 *  (1 - e) / (1 + e) with e = exp(-2|x|) in (0, 0.29] (no cancellation), numerator and denominator
 *  scaled by 2^64 as in sigmoid; exactly +-1 from |x| >= 9.02. */
@inline function tanhK<F, I>(x: F): F {
  if (ASC_FEATURE_RELAXED_SIMD) return tanhExpm1K<F, I>(x);
  const a = fmin(fabs(x), kt<F>(TANH, 0));
  const t = fmul(a, a);
  let q = fmla(kt<F>(TANH, 1), t, kt<F>(TANH, 2));
  q = fmla(q, t, kt<F>(TANH, 3));
  q = fmla(q, t, kt<F>(TANH, 4));
  q = fmla(q, t, kt<F>(TANH, 5));
  const small = fmla(a, fmul(q, t), a);
  const e = expTimes2p64K<F, I>(fmul(a, kt<F>(TANH, 7))); // 2^64 exp(-2a)
  const big = kt<F>(COMMON, C_TWO_POW_64);
  const large = fdiv(fsub(big, e), fadd(big, e));
  return withSign<F, I>(sel<F, I>(flt<F, I>(a, kt<F>(TANH, 6)), small, large), x);
}

/** tanh(x), odd, for the relaxed build: E / (E + 2) with E = expm1(2a) >= 0, a = |x| clamped to 9.5
 *  (no cancellation). With 2a = n ln2 + r: E = 2^n (e^r - 1) + (2^n - 1), one fused multiply-add from
 *  e^r - 1 (2^n - 1 exact for n <= 24; n <= 27). The reduction runs on a itself with halved constants
 *  (REDUCE_HALF, EXPM1_HALF), which hands over s = (e^r - 1) / 2: E = 2^(n+1) s + (2^n - 1). One chain
 *  of dependent steps, which fused multiply-add shortens by half: 0.57 ns per element against 0.98 for
 *  the two-branch form with it (1.30 against 1.03 without). */
@inline function tanhExpm1K<F, I>(x: F): F {
  const a = fmin(fabs(x), kt<F>(TANH, 0));
  const t = roundT<F>(a, REDUCE_HALF); // n = round(2a / ln 2), in [0, 27]
  const s = expm1ReducedK<F>(reduce(a, t, REDUCE_HALF), EXPM1_HALF);
  const pow2n1 = pow2FromT<F, I>(t, I_ROUND_BITS_MINUS_128);
  const E = fmla(pow2n1, s, fmla(pow2n1, kt<F>(COMMON, C_HALF), kt<F>(COMMON, C_NEG_ONE)));
  return withSign<F, I>(fdiv(E, fadd(E, kt<F>(COMMON, C_TWO))), x);
}

/** exp(-|x|), the same bits as expK(fneg(fabs(x))): -|x| is x with its sign bit set, and never above
 *  the upper clamp of exp, so only the lower one applies. The exact factor 2^-64 rounds a subnormal
 *  result once, as scale() does. */
@inline function expNegAbsK<F, I>(x: F): F {
  return fmul(expNegAbsTimes2p64K<F, I>(x), kt<F>(COMMON, C_TWO_POW_M64));
}

/** 2^64 exp(-|x|), exact and normal for every x (NaN kept): with n in [-150, 0], p 2^(n + 64) needs
 *  one factor, a normal number built from t's bits by one subtraction and a shift. */
@inline function expNegAbsTimes2p64K<F, I>(x: F): F {
  return expTimes2p64K<F, I>(fmax(floatOf<I, F>(ior(bitsOf<F, I>(x), kti<I>(INTS, I_SIGN))), kt<F>(EXP, 1)));
}

/** 2^64 exp(a) for a in [-104, 0] (or NaN). */
@inline function expTimes2p64K<F, I>(a: F): F {
  const t = roundT<F>(a);
  return fmul(expReducedK<F>(reduce(a, t)), pow2FromT<F, I>(t, I_ROUND_BITS_MINUS_191));
}

/** sigmoid(x) = 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0, with e = exp(-|x|) in (0, 1]:
 *  never overflows, keeps full relative accuracy for very negative x (subnormal results down to x = -103.97).
 *  Numerator and denominator are both scaled by 2^64, exactly (the sum is at least 2^64): the same
 *  bits without the multiplication by 2^-64. The lane mask is x's sign bit (-0 gives 1/2 either way). */
@inline function sigmoidK<F, I>(x: F): F {
  const e = expNegAbsTimes2p64K<F, I>(x);
  const big = kt<F>(COMMON, C_TWO_POW_64);
  return fdiv(selBits<F, I>(ishr(bitsOf<F, I>(x), 31), e, big), fadd(e, big));
}

/** gelu and its derivative: the cutoff A, then G (degree 8, Horner order, without its constant term -1),
 *  ROUND - 1, then 2^r (degree 5); for the density, the clamp of x^2, -log2(e) / 2, 1 / sqrt(2 pi). */
const PHI = memory.data<f32>([
  7,
  -1.6702045968486345e-6, 2.624748412927147e-5, -1.286008773604408e-4, -2.6287921355105937e-4, 7.209808565676212e-3,
  -5.2584726363420486e-2, -0.45918333530426025, -1.1511075496673584, ROUND - 1,
  1.3264708686619997e-3, 9.671511128544807e-3, 5.550733953714371e-2, 0.24022242426872253, 0.6931470036506653,
  210, -0.7213475108146667, 0.3989422917366028,
]);

/** c = Phi(-a), the normal tail, for a = |x| clamped to [0, A = 7] (NaN kept): 2^G(a) with G a
 *  polynomial fitted to log2 Phi(-a), weighted towards small a, where both of gelu's sides and its
 *  derivative need c to full precision (relative error of c: 8e-8 for a < 1, 1e-6 for a < 2, 3e-5 for
 *  a < 4, then within 1e-9 / a absolute); 2^G = 2^n 2^r with n = round(G), r = G - n and 2^r of
 *  degree 5 (relative error 9e-8). c keeps its relative accuracy as it falls: x Phi(x) for x < 0 does
 *  not cancel as x (1 + erf(x / sqrt 2)) does. At the clamp, A c(A) = 7e-12. */
@inline function normalTailK<F, I>(a: F): F {
  let g = fmla(kt<F>(PHI, 1), a, kt<F>(PHI, 2));
  g = fmla(g, a, kt<F>(PHI, 3));
  g = fmla(g, a, kt<F>(PHI, 4));
  g = fmla(g, a, kt<F>(PHI, 5));
  g = fmla(g, a, kt<F>(PHI, 6));
  g = fmla(g, a, kt<F>(PHI, 7));
  g = fmla(g, a, kt<F>(PHI, 8));
  // G = g a - 1 in [-41, -1]; n = round(G) and r = G - n from the product itself: fused, G is never rounded
  const t = fmla(g, a, kt<F>(PHI, 9)); // ROUND - 1 + G: n in the low mantissa bits
  return timesPow2OfT<F, I>(exp2RemainderK<F>(g, a, kt<F>(PHI, 9), t), t);
}

/** 2^r for the remainder r = x y + c - t that t = round(x y + c) (c holding ROUND) leaves, in
 *  [-1/2, 1/2]: c - t is exact, so r comes from the unrounded product in one fused step. */
@inline function exp2RemainderK<F>(x: F, y: F, c: F, t: F): F { return exp2ReducedK<F>(fmla(x, y, fsub(c, t))); }

/** 2^r for |r| <= 1/2, degree 5 (relative error 9e-8). */
@inline function exp2ReducedK<F>(r: F): F {
  let p = fmla(kt<F>(PHI, 10), r, kt<F>(PHI, 11));
  p = fmla(p, r, kt<F>(PHI, 12));
  p = fmla(p, r, kt<F>(PHI, 13));
  p = fmla(p, r, kt<F>(PHI, 14));
  return fmla(p, r, kt<F>(COMMON, C_ONE));
}

/** |x| clamped to the normal tail's range. */
@inline function tailArg<F>(x: F): F { return fmin(fabs(x), kt<F>(PHI, 0)); }

/** gelu(x) = x Phi(x) = relu(x) - |x| Phi(-|x|), one rounding after relu. relu(x) as x - min(x, 0)
 *  keeps gelu(+-Inf) = x Phi(x) of IEEE arithmetic: +Inf, and NaN for -Inf (as PyTorch and Keras); the
 *  clamped |x| keeps the product finite. Below x = -7 the result is -7e-12 (gelu is above -1e-11 there). */
@inline function geluK<F, I>(x: F): F {
  const a = tailArg<F>(x);
  return fmls(a, normalTailK<F, I>(a), fsub(x, fmin(x, k<F>(0))));
}

/** gelu'(x) = Phi(x) + x phi(x). Phi: the tail for x < 0, 1 - tail above (0 or 1 for NaN, which x
 *  carries on). phi(x) = 2^(-x^2 log2(e) / 2) / sqrt(2 pi) through the same 2^r, n and r from the
 *  rounded x^2 (relative error of phi 3e-7 at |x| = 3), x^2 clamped to 210 and the power scaled by
 *  2^64 and back, so that it rounds to 0 (no exponent wrap) from |x| = 14.5: there x phi(x) is 0 for
 *  finite x and NaN at +-Inf, as in IEEE arithmetic (and PyTorch's derivative). Not expNegAbsK, which
 *  clamps, reduces with e and scales twice: 1.77 ns per element for the whole derivative, against 1.34. */
@inline function geluGradK<F, I>(x: F): F {
  const c = normalTailK<F, I>(tailArg<F>(x));
  const cdf = selBits<F, I>(ishr(bitsOf<F, I>(x), 31), c, fsub(kt<F>(COMMON, C_ONE), c));
  const u = fmin(fmul(x, x), kt<F>(PHI, 15));
  const t = fmla(u, kt<F>(PHI, 16), kt<F>(REDUCE, 1)); // n = round(-u log2(e) / 2) in [-152, 0]
  const p = exp2RemainderK<F>(u, kt<F>(PHI, 16), kt<F>(REDUCE, 1), t);
  const e = fmul(fmul(p, pow2FromT<F, I>(t, I_ROUND_BITS_MINUS_191)), kt<F>(COMMON, C_TWO_POW_M64));
  return fmla(fmul(x, kt<F>(PHI, 17)), e, cdf);
}

// ---- the exported pairs -----------------------------------------------------------------------------
// In the relaxed build the fused multiply-adds round differently from the scalar form's pairs, so
// there a scalar runs through the vector kernel (lane 0 of a splat): vector lanes and scalar tails
// keep giving the same bits.
@inline function lane0(v: v128): f32 { return f32x4.extract_lane(v, 0); }


@inline export function expV(x: v128): v128 { return expK<v128, v128>(x); }
@inline export function expS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(expV(f32x4.splat(x))) : expK<f32, i32>(x); }

/** exp(-|x|) (sigmoid, softplus, the sigmoid cross-entropy), the bits of expV(fneg(fabs(x))) in fewer steps. */
@inline export function expNegAbsV(x: v128): v128 { return expNegAbsK<v128, v128>(x); }
@inline export function expNegAbsS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(expNegAbsV(f32x4.splat(x))) : expNegAbsK<f32, i32>(x); }

@inline export function expm1V(x: v128): v128 { return sel<v128, v128>(feq<v128, v128>(x, k<v128>(0)), x, expm1K<v128, v128>(x)); }
@inline export function expm1S(x: f32): f32 {
  return ASC_FEATURE_RELAXED_SIMD ? lane0(expm1V(f32x4.splat(x))) : sel<f32, i32>(feq<f32, i32>(x, k<f32>(0)), x, expm1K<f32, i32>(x));
}

@inline export function logV(x: v128): v128 { return logK<v128, v128>(x, k<v128>(0)); }
@inline export function logS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(logV(f32x4.splat(x))) : logK<f32, i32>(x, k<f32>(0)); }
/** logV for lanes known positive, normal and finite (the same bits). */
@inline export function logNormalV(x: v128): v128 { return logNormalK<v128, v128>(x, k<v128>(0), k<v128>(0), false); }
/** Whether every lane of four vectors is positive, normal and finite: bits in [0x00800000, 0x7f7fffff]
 *  as signed integers (negative numbers and -0 have the sign bit; NaN and Inf lie above). */
@inline export function allNormal4(a: v128, b: v128, c: v128, d: v128): bool {
  const lo = i32x4.min_s(i32x4.min_s(a, b), i32x4.min_s(c, d));
  const hi = i32x4.max_s(i32x4.max_s(a, b), i32x4.max_s(c, d));
  return !v128.any_true(v128.or(i32x4.lt_s(lo, kti<v128>(INTS, I_MIN_NORMAL_BITS)), i32x4.gt_s(hi, kti<v128>(INTS, I_MAX_FINITE_BITS))));
}

@inline export function log1pV(x: v128): v128 { return log1pK<v128, v128>(x); }
@inline export function log1pS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(log1pV(f32x4.splat(x))) : log1pK<f32, i32>(x); }

@inline export function tanhV(x: v128): v128 { return tanhK<v128, v128>(x); }
@inline export function tanhS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(tanhV(f32x4.splat(x))) : tanhK<f32, i32>(x); }

@inline export function sigmoidV(x: v128): v128 { return sigmoidK<v128, v128>(x); }
@inline export function sigmoidS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(sigmoidV(f32x4.splat(x))) : sigmoidK<f32, i32>(x); }

@inline export function geluV(x: v128): v128 { return geluK<v128, v128>(x); }
@inline export function geluS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(geluV(f32x4.splat(x))) : geluK<f32, i32>(x); }

@inline export function geluGradV(x: v128): v128 { return geluGradK<v128, v128>(x); }
@inline export function geluGradS(x: f32): f32 { return ASC_FEATURE_RELAXED_SIMD ? lane0(geluGradV(f32x4.splat(x))) : geluGradK<f32, i32>(x); }
