// GEMM operand packing (see gemm.ts): op(A) into MR-row panels and op(B) into NR-column panels,
// k-major inside a panel, zero-padded past the edges, for the microkernel of gemm-micro.ts.
import { minI } from './common';
import { MR, NR } from './abi';

// Packs rows [i0, i0+mc) x k in [k0, k0+kc) of op(A) into panels of MR rows, k-major inside a panel;
// rows past the end of A are zeros.
export function packA(a: usize, lda: i32, transA: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const rows = minI(MR, mc - ip);
    const panel = dst + (<usize>(ip * kc) << 2);
    if (transA) {
      // A stored [K, M]: the MR rows of one k are contiguous.
      let src = a + ((<usize>k0 * lda + i0 + ip) << 2);
      const stride = <usize>lda << 2;
      if (rows == MR) {
        for (let k = 0; k < kc; k++) {
          if (ASC_FEATURE_SIMD) {
            v128.store(panel + (<usize>k << 4), v128.load(src));
          } else {
            for (let r = 0; r < MR; r++) store<f32>(panel + (<usize>(k * MR + r) << 2), load<f32>(src + (<usize>r << 2)));
          }
          src += stride;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < MR; r++) {
            store<f32>(panel + (<usize>(k * MR + r) << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
          }
          src += stride;
        }
      }
    } else {
      // A stored [M, K]: each row is contiguous in k; four whole rows go through 4x4 transposes.
      if (rows == MR) {
        const src = a + ((<usize>(i0 + ip) * lda + k0) << 2);
        const step = <usize>lda << 2;
        packRun4(panel, src, src + step, src + 2 * step, src + 3 * step, kc);
        continue;
      }
      for (let r = 0; r < MR; r++) {
        const out = panel + (<usize>r << 2);
        if (r < rows) {
          const src = a + ((<usize>(i0 + ip + r) * lda + k0) << 2);
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>(k * MR) << 2), load<f32>(src + (<usize>k << 2)));
        } else {
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>(k * MR) << 2), 0);
        }
      }
    }
  }
}

// Packs k in [k0, k0+kc) x columns [j0, j0+nc) of op(B) into panels of NR columns, k-major inside a
// panel; columns past the end of B are zeros.
export function packB(b: usize, ldb: i32, transB: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const cols = minI(NR, nc - jp);
    const panel = dst + (<usize>(jp * kc) << 2);
    if (transB) {
      // B stored [N, K]: each column of op(B) is contiguous in k.
      for (let col = 0; col < NR; col++) {
        const out = panel + (<usize>col << 2);
        if (col < cols) {
          const src = b + ((<usize>(j0 + jp + col) * ldb + k0) << 2);
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>(k * NR) << 2), load<f32>(src + (<usize>k << 2)));
        } else {
          for (let k = 0; k < kc; k++) store<f32>(out + (<usize>(k * NR) << 2), 0);
        }
      }
    } else {
      // B stored [K, N]: the NR columns of one k are contiguous.
      let src = b + ((<usize>k0 * ldb + j0 + jp) << 2);
      const stride = <usize>ldb << 2;
      if (cols == NR) {
        for (let k = 0; k < kc; k++) {
          const out = panel + (<usize>k << 5);
          if (ASC_FEATURE_SIMD) {
            v128.store(out, v128.load(src));
            v128.store(out, v128.load(src, 16), 16);
          } else {
            for (let col = 0; col < NR; col++) store<f32>(out + (<usize>col << 2), load<f32>(src + (<usize>col << 2)));
          }
          src += stride;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const out = panel + (<usize>k << 5);
          for (let col = 0; col < NR; col++) {
            store<f32>(out + (<usize>col << 2), col < cols ? load<f32>(src + (<usize>col << 2)) : 0);
          }
          src += stride;
        }
      }
    }
  }
}

// Four source runs of `run` floats (rows of one tap) into an MR-row panel: a 4x4 transpose per
// four channels.
@inline export function packRun4(dst: usize, s0: usize, s1: usize, s2: usize, s3: usize, run: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= run; j += 4) {
      const o = <usize>j << 2;
      const v0 = v128.load(s0 + o), v1 = v128.load(s1 + o), v2 = v128.load(s2 + o), v3 = v128.load(s3 + o);
      const t0 = f32x4.shuffle(v0, v1, 0, 4, 1, 5), t1 = f32x4.shuffle(v0, v1, 2, 6, 3, 7);
      const t2 = f32x4.shuffle(v2, v3, 0, 4, 1, 5), t3 = f32x4.shuffle(v2, v3, 2, 6, 3, 7);
      const d = dst + (<usize>j << 4);
      v128.store(d, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
      v128.store(d, f32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
      v128.store(d, f32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
      v128.store(d, f32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
    }
  }
  for (; j < run; j++) {
    const o = <usize>j << 2;
    const d = dst + (<usize>j << 4);
    store<f32>(d, load<f32>(s0 + o));
    store<f32>(d, load<f32>(s1 + o), 4);
    store<f32>(d, load<f32>(s2 + o), 8);
    store<f32>(d, load<f32>(s3 + o), 12);
  }
}
