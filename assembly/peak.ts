// The machine's multiply-add peak on one core (128-bit SIMD, or scalar in the scalar build), measured
// by the bench with independent multiply-add chains in the accumulate form GEMM uses: acc += x * y.
import { madd } from './common';

/** Bytes of the operand buffer `bench_fma_peak` reads: 16 rows of 64 bytes, which stay in L1. */
const PEAK_BUFFER_BYTES: i32 = 1024;
/** Flops in one round: 10 chains x 4 lanes x 2 flops (SIMD builds), 10 x 2 (scalar). */
const PEAK_FLOPS_PER_ROUND: i32 = ASC_FEATURE_SIMD ? 80 : 20;

/**
 * Runs `iterations` rounds of ten independent multiply-add chains and returns a value so nothing is
 * optimised away. The operands are loaded from `buf` (PEAK_BUFFER_BYTES of finite floats) as the
 * GEMM microkernel loads its panels: products of registers alone would be loop invariants, which V8
 * computes once, and the figure would count additions only. Loads go to their own ports; ten
 * accumulators cover two pipes of latency 4 with room to spare and, with the operands, fit the
 * registers without spilling.
 */
export function bench_fma_peak(buf: usize, iterations: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
    let a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0), a8 = f32x4.splat(0), a9 = f32x4.splat(0);
    for (let i = 0; i < iterations; i++) {
      const p = buf + ((<usize>i & 15) << 6);
      const y0 = v128.load(p), y1 = v128.load(p, 16);
      let x = v128.load32_splat(p, 32);
      a0 = madd(x, y0, a0); a1 = madd(x, y1, a1);
      x = v128.load32_splat(p, 36);
      a2 = madd(x, y0, a2); a3 = madd(x, y1, a3);
      x = v128.load32_splat(p, 40);
      a4 = madd(x, y0, a4); a5 = madd(x, y1, a5);
      x = v128.load32_splat(p, 44);
      a6 = madd(x, y0, a6); a7 = madd(x, y1, a7);
      x = v128.load32_splat(p, 48);
      a8 = madd(x, y0, a8); a9 = madd(x, y1, a9);
    }
    const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
    return f32x4.extract_lane(f32x4.add(s, f32x4.add(a8, a9)), 0);
  } else {
    let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0, a4: f32 = 0;
    let a5: f32 = 0, a6: f32 = 0, a7: f32 = 0, a8: f32 = 0, a9: f32 = 0;
    for (let i = 0; i < iterations; i++) {
      const p = buf + ((<usize>i & 15) << 6);
      const y0 = load<f32>(p), y1 = load<f32>(p, 4);
      let x = load<f32>(p, 8);
      a0 += x * y0; a1 += x * y1;
      x = load<f32>(p, 12);
      a2 += x * y0; a3 += x * y1;
      x = load<f32>(p, 16);
      a4 += x * y0; a5 += x * y1;
      x = load<f32>(p, 20);
      a6 += x * y0; a7 += x * y1;
      x = load<f32>(p, 24);
      a8 += x * y0; a9 += x * y1;
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
  }
}

/** Flops in one round of `bench_fma_peak` for this build. */
export function bench_fma_peak_flops(): i32 {
  return PEAK_FLOPS_PER_ROUND;
}

/** Bytes of the operand buffer `bench_fma_peak` needs. */
export function bench_fma_peak_buffer_bytes(): i32 {
  return PEAK_BUFFER_BYTES;
}
