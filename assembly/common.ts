// Shared inline helpers. Compile-time constants pick the code path of each build:
// ASC_FEATURE_SIMD (simd, simd-threads, relaxed) and ASC_FEATURE_RELAXED_SIMD (relaxed).
import { ACT_RELU } from './abi';

/** a*b + c: one fused multiply-add in the relaxed build, a multiply and an add otherwise. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** The sum of the four lanes, as (0 + 1) + (2 + 3). */
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline export function minI(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

@inline export function maxI(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

/** Field `field` (G_* of assembly/abi.ts) of the geometry descriptor at g. */
@inline export function geo(g: usize, field: i32): i32 {
  return load<i32>(g + (<usize>field << 2));
}

// The fused epilogue activations (ACT_* of assembly/abi.ts).
@inline export function actScalar(x: f32, act: i32): f32 {
  if (act == ACT_RELU) return x < 0 ? 0 : x; // the same bits as f32x4.pmax(x, 0), NaN kept
  return x;
}

@inline export function actVec(x: v128, act: i32): v128 {
  if (act == ACT_RELU) return f32x4.pmax(x, f32x4.splat(0));
  return x;
}
