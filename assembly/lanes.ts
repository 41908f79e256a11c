// Lane-generic helpers shared by the elementwise kernels: one name over F (v128 or f32) for each
// vmath function and for loads and stores at an element index, so a kernel is written once and a
// scalar tail runs the same operations as a vector lane. Use the v128 forms only inside
// `if (ASC_FEATURE_SIMD)`.
import {
  expV, expS, expNegAbsV, expNegAbsS, expm1V, expm1S, logV, logS, log1pV, log1pS, tanhV, tanhS,
  sigmoidV, sigmoidS, geluV, geluS, geluGradV, geluGradS,
} from './vmath';

@inline export function exp_<F>(x: F): F { if (isVector<F>()) return expV(x); else return expS(x); }
/** exp(-|x|). */
@inline export function expNegAbs_<F>(x: F): F { if (isVector<F>()) return expNegAbsV(x); else return expNegAbsS(x); }
@inline export function expm1_<F>(x: F): F { if (isVector<F>()) return expm1V(x); else return expm1S(x); }
@inline export function log_<F>(x: F): F { if (isVector<F>()) return logV(x); else return logS(x); }
@inline export function log1p_<F>(x: F): F { if (isVector<F>()) return log1pV(x); else return log1pS(x); }
@inline export function tanh_<F>(x: F): F { if (isVector<F>()) return tanhV(x); else return tanhS(x); }
@inline export function sigmoid_<F>(x: F): F { if (isVector<F>()) return sigmoidV(x); else return sigmoidS(x); }
@inline export function gelu_<F>(x: F): F { if (isVector<F>()) return geluV(x); else return geluS(x); }
/** The derivative of gelu_. */
@inline export function geluGrad_<F>(x: F): F { if (isVector<F>()) return geluGradV(x); else return geluGradS(x); }
@inline export function sqrt_<F>(x: F): F { if (isVector<F>()) return f32x4.sqrt(x); else return sqrt<f32>(x); }

/** Element i of the floats at p (four of them for v128). */
@inline export function ld<F>(p: usize, i: i32): F { if (isVector<F>()) return v128.load(p + (<usize>i << 2)); else return load<f32>(p + (<usize>i << 2)); }
@inline export function st<F>(p: usize, i: i32, v: F): void { if (isVector<F>()) v128.store(p + (<usize>i << 2), v); else store<f32>(p + (<usize>i << 2), v); }
