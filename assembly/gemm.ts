// GEMM: C = op(A) op(B) (+ C) (+ bias) then activation, for every transpose combination.
// BLIS loop order: tiles of C (the thread tasks) -> KC blocks of K (B packed into KC x NR panels)
// -> MC blocks of rows (A packed into KC x MR panels) -> NR columns -> MR rows -> the 4x8 microkernel.
// Every C element sums its K products in the same order (blocks of KC, k ascending inside a block)
// whatever the tiling, so results are bitwise identical for any thread count.
import { madd, minI, actScalar, actVec } from './common';

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 192;

/** Bytes of per-thread scratch gemm_f32 needs for a tile of tileN columns. */
export function gemm_scratch_bytes(tileN: i32): i32 {
  const nPadded = ((tileN + NR - 1) / NR) * NR;
  return (KC * nPadded + MC * KC + MR * NR) << 2;
}

// Packs rows [i0, i0+mc) x k in [k0, k0+kc) of op(A) into panels of MR rows, k-major inside a panel;
// rows past the end of A are zeros.
function packA(a: usize, lda: i32, transA: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
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
      // A stored [M, K]: each row is contiguous in k.
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
function packB(b: usize, ldb: i32, transB: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
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

// The 4x8 microkernel: C[4, 8] (ldc in bytes) = acc (+ C if add) (+ bias[8] if bias) then act.
// Eight v128 accumulators, B loaded as two vectors, A broadcast: 14 live v128 values, no spills.
function f32_gemm_4x8_splat(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: i32, bias: usize, act: i32): void {
  if (ASC_FEATURE_SIMD) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let k = 0; k < kc; k++) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let a = v128.load32_splat(pa);
      c00 = madd(a, b0, c00);
      c01 = madd(a, b1, c01);
      a = v128.load32_splat(pa, 4);
      c10 = madd(a, b0, c10);
      c11 = madd(a, b1, c11);
      a = v128.load32_splat(pa, 8);
      c20 = madd(a, b0, c20);
      c21 = madd(a, b1, c21);
      a = v128.load32_splat(pa, 12);
      c30 = madd(a, b0, c30);
      c31 = madd(a, b1, c31);
      pa += 16;
      pb += 32;
    }
    const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    if (add) {
      c00 = f32x4.add(c00, v128.load(c));
      c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c1));
      c11 = f32x4.add(c11, v128.load(c1, 16));
      c20 = f32x4.add(c20, v128.load(c2));
      c21 = f32x4.add(c21, v128.load(c2, 16));
      c30 = f32x4.add(c30, v128.load(c3));
      c31 = f32x4.add(c31, v128.load(c3, 16));
    }
    if (bias) {
      const b0 = v128.load(bias);
      const b1 = v128.load(bias, 16);
      c00 = f32x4.add(c00, b0);
      c01 = f32x4.add(c01, b1);
      c10 = f32x4.add(c10, b0);
      c11 = f32x4.add(c11, b1);
      c20 = f32x4.add(c20, b0);
      c21 = f32x4.add(c21, b1);
      c30 = f32x4.add(c30, b0);
      c31 = f32x4.add(c31, b1);
    }
    if (act) {
      c00 = actVec(c00, act);
      c01 = actVec(c01, act);
      c10 = actVec(c10, act);
      c11 = actVec(c11, act);
      c20 = actVec(c20, act);
      c21 = actVec(c21, act);
      c30 = actVec(c30, act);
      c31 = actVec(c31, act);
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c1, c10);
    v128.store(c1, c11, 16);
    v128.store(c2, c20);
    v128.store(c2, c21, 16);
    v128.store(c3, c30);
    v128.store(c3, c31, 16);
  } else {
    // Scalar build: one row of eight accumulators at a time (fits the registers), same k order;
    // c is always the scratch tile here and mergeTile applies the epilogue.
    for (let r = 0; r < MR; r++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
      let ap = pa + (<usize>r << 2);
      let bp = pb;
      for (let k = 0; k < kc; k++) {
        const x = load<f32>(ap);
        s0 += x * load<f32>(bp);
        s1 += x * load<f32>(bp, 4);
        s2 += x * load<f32>(bp, 8);
        s3 += x * load<f32>(bp, 12);
        s4 += x * load<f32>(bp, 16);
        s5 += x * load<f32>(bp, 20);
        s6 += x * load<f32>(bp, 24);
        s7 += x * load<f32>(bp, 28);
        ap += 16;
        bp += 32;
      }
      const row = c + <usize>r * ldc;
      store<f32>(row, s0);
      store<f32>(row, s1, 4);
      store<f32>(row, s2, 8);
      store<f32>(row, s3, 12);
      store<f32>(row, s4, 16);
      store<f32>(row, s5, 20);
      store<f32>(row, s6, 24);
      store<f32>(row, s7, 28);
    }
  }
}

// Writes the valid mr x nr corner of a finished 4x8 tile (row stride NR) into C, with the same
// epilogue arithmetic as the vector path (add C, then bias, then act) so every element gets the
// same bits whether it sits in a full or an edge tile. (The scalar build always comes here.)
function mergeTile(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, add: i32, bias: usize, act: i32): void {
  for (let r = 0; r < mr; r++) {
    const trow = tile + (<usize>(r * NR) << 2);
    const crow = c + (<usize>(r * ldc) << 2);
    for (let j = 0; j < nr; j++) {
      let v = load<f32>(trow + (<usize>j << 2));
      if (add) v = v + load<f32>(crow + (<usize>j << 2));
      if (bias) v = v + load<f32>(bias + (<usize>j << 2));
      store<f32>(crow + (<usize>j << 2), actScalar(v, act));
    }
  }
}

/**
 * C[m, n] (row stride ldc) = op(A)[m, k] op(B)[k, n] (+ C if accumulate) (+ bias[n]) then act.
 * A is [m, k] (or [k, m] when transA), B is [k, n] (or [n, k] when transB), row strides lda, ldb.
 * The output is cut into tiles of tileM x tileN (multiples of MR and NR), numbered row-major;
 * this call computes tiles [taskBegin, taskEnd) with scratch of gemm_scratch_bytes(tileN) bytes.
 */
export function gemm_f32(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, lda: i32, ldb: i32, ldc: i32,
  transA: i32, transB: i32, accumulate: i32, bias: usize, act: i32, tileM: i32, tileN: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const tilesN = (n + tileN - 1) / tileN;
  const nPadded = ((tileN + NR - 1) / NR) * NR;
  const pb = scratch;
  const pa = pb + (<usize>(KC * nPadded) << 2);
  const edge = pa + (<usize>(MC * KC) << 2);
  const ldcBytes = <usize>ldc << 2;
  for (let t = taskBegin; t < taskEnd; t++) {
    const i0 = (t / tilesN) * tileM;
    const j0 = (t % tilesN) * tileN;
    const mt = minI(tileM, m - i0);
    const nt = minI(tileN, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = minI(KC, k - p0);
      const add = <i32>(p0 > 0 || accumulate != 0);
      const last = p0 + kc >= k;
      const epiAct = last ? act : 0;
      packB(b, ldb, transB, p0, kc, j0, nt, pb);
      for (let ic = 0; ic < mt; ic += MC) {
        const mc = minI(MC, mt - ic);
        packA(a, lda, transA, i0 + ic, mc, p0, kc, pa);
        for (let jr = 0; jr < nt; jr += NR) {
          const nr = minI(NR, nt - jr);
          const biasPtr: usize = last && bias != 0 ? bias + (<usize>(j0 + jr) << 2) : 0;
          const panelB = pb + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = minI(MR, mc - ir);
            const panelA = pa + (<usize>(ir * kc) << 2);
            const cTile = c + <usize>(i0 + ic + ir) * ldcBytes + (<usize>(j0 + jr) << 2);
            if (mr == MR && nr == NR) {
              if (ASC_FEATURE_SIMD) {
                f32_gemm_4x8_splat(kc, panelA, panelB, cTile, ldcBytes, add, biasPtr, epiAct);
              } else {
                f32_gemm_4x8_splat(kc, panelA, panelB, edge, NR << 2, 0, 0, 0);
                mergeTile(edge, cTile, ldc, MR, NR, add, biasPtr, epiAct);
              }
            } else {
              f32_gemm_4x8_splat(kc, panelA, panelB, edge, NR << 2, 0, 0, 0);
              mergeTile(edge, cTile, ldc, mr, nr, add, biasPtr, epiAct);
            }
          }
        }
      }
    }
  }
}
