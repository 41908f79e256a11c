// The machine's 128-bit SIMD multiply-add peak on one core, measured by the bench with independent
// f32x4 multiply-add chains in the accumulate form GEMM uses.
import { madd } from './common';

/** Runs `iterations` rounds of independent multiply-adds: 64 flops a round (SIMD builds), 24 (scalar); returns a value so nothing is optimised away. */
export function bench_fma_peak(iterations: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    // The microkernel's own pattern, acc[i][j] += x[i] * y[j]: eight chains cover two FMA pipes of
    // latency 4, and 8 + 6 live vectors fit the 15 usable registers (more would spill).
    // Operands derived from the argument: V8 would re-materialise constants inside the loop.
    const seed = <f32>iterations * 1e-12;
    const x0 = f32x4.splat(seed), x1 = f32x4.splat(seed * 2);
    const y0 = f32x4.splat(seed + 0.5), y1 = f32x4.splat(seed + 0.25), y2 = f32x4.splat(seed + 0.125), y3 = f32x4.splat(seed + 0.0625);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
    for (let i = 0; i < iterations; i++) {
      a0 = madd(x0, y0, a0);
      a1 = madd(x0, y1, a1);
      a2 = madd(x0, y2, a2);
      a3 = madd(x0, y3, a3);
      a4 = madd(x1, y0, a4);
      a5 = madd(x1, y1, a5);
      a6 = madd(x1, y2, a6);
      a7 = madd(x1, y3, a7);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
    return f32x4.extract_lane(s, 0);
  } else {
    // Scalar build: twelve chains, one lane each (24 flops a round).
    let a0: f32 = 1, a1: f32 = 2, a2: f32 = 3, a3: f32 = 4, a4: f32 = 5, a5: f32 = 6;
    let a6: f32 = 7, a7: f32 = 8, a8: f32 = 9, a9: f32 = 10, a10: f32 = 11, a11: f32 = 12;
    const m: f32 = 1 - <f32>iterations * 1e-12, c: f32 = <f32>iterations * 1e-15;
    for (let i = 0; i < iterations; i++) {
      a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
      a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
      a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  }
}
