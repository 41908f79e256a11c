// GEMM: C = op(A) op(B) (+ C) (+ bias) then activation, for every transpose combination.
// BLIS loop order: tiles of C (the thread tasks) -> KC blocks of K (B packed into KC x NR panels)
// -> MC blocks of rows (A packed into KC x MR panels) -> NR columns -> MR rows -> the 4x8 microkernel.
// Every C element sums its K products in the same order (blocks of KC, k ascending inside a block)
// whatever the tiling, so results are bitwise identical for any thread count.
import { minI } from './common';
import { MR, NR, KC, MC, A_MATRIX, A_IM2COL, A_IM2COL_T } from './abi';
import { packA, packB } from './gemm-pack';
import { packAIm2col, packAIm2colT, windowsInside, im2colTPixels } from './gemm-im2col';
import { rowTail, tile } from './gemm-micro';

/** Bytes of per-thread scratch gemm_f32 needs for a tile of tileN columns. */
export function gemm_scratch_bytes(tileN: i32): i32 {
  const nPadded = ((tileN + NR - 1) / NR) * NR;
  return (KC * nPadded + MC * KC + MR * NR) << 2;
}

/** Bytes of per-thread scratch gemm_conv_f32 needs for a tile of tileN columns. */
export function gemm_conv_scratch_bytes(tileN: i32, bPacked: i32): i32 {
  const nPadded = ((tileN + NR - 1) / NR) * NR;
  return ((bPacked ? 0 : KC * nPadded) + MC * KC + MR * NR + KC + 3 * KC) << 2;
}

/** Floats of packed B (kc x nt) small enough to stay in L1 with an A panel. */
const B_IN_L1: i32 = 6144;

// The blocked driver shared by every GEMM entry point. Scratch: packed B (unless B comes packed),
// packed A, the edge tile, then (implicit A only) KC zero floats and a KC-entry pixel table.
@inline function gemmDriver(
  aKind: i32, a: usize, lda: i32, transA: i32, geom: usize, b: usize, ldb: i32, transB: i32, bPacked: i32,
  c: usize, m: i32, n: i32, k: i32, ldc: i32, accumulate: i32, bias: usize, act: i32, tileM: i32, tileN: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const tilesN = (n + tileN - 1) / tileN;
  const nPadded = ((tileN + NR - 1) / NR) * NR;
  const nAll = ((n + NR - 1) / NR) * NR;
  const pb = scratch;
  const pa = bPacked ? scratch : pb + (<usize>(KC * nPadded) << 2);
  const edge = pa + (<usize>(MC * KC) << 2);
  const zeros = edge + (<usize>(MR * NR) << 2);
  const tbl = zeros + (<usize>KC << 2);
  if (aKind != A_MATRIX) memory.fill(zeros, 0, <usize>KC << 2);
  const insideT = aKind == A_IM2COL_T && windowsInside(geom);
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
      let panelsB = pb;
      if (bPacked) panelsB = b + (<usize>(p0 * nAll + j0 * kc) << 2);
      else packB(b, ldb, transB, p0, kc, j0, nt, pb);
      if (aKind == A_IM2COL_T) im2colTPixels(geom, p0, kc, tbl, insideT);
      for (let ic = 0; ic < mt; ic += MC) {
        const mc = minI(MC, mt - ic);
        if (aKind == A_MATRIX) packA(a, lda, transA, i0 + ic, mc, p0, kc, pa);
        else if (aKind == A_IM2COL) packAIm2col(a, geom, m, i0 + ic, mc, p0, kc, pa, zeros, tbl);
        else packAIm2colT(a, geom, m, i0 + ic, mc, kc, pa, zeros, tbl, insideT);
        const fullRows = mc - mc % MR;
        if (kc * nt <= B_IN_L1) {
          // B's panels all fit in L1 next to one A panel: A panel outer, each read once from L2
          for (let ir = 0; ir < fullRows; ir += MR) {
            for (let jr = 0; jr < nt; jr += NR) {
              tile(pa, panelsB, c, ldc, ldcBytes, i0 + ic, j0, ir, jr, mc, nt, kc, add, last, bias, epiAct, edge);
            }
          }
        } else {
          for (let jr = 0; jr < nt; jr += NR) {
            for (let ir = 0; ir < fullRows; ir += MR) {
              tile(pa, panelsB, c, ldc, ldcBytes, i0 + ic, j0, ir, jr, mc, nt, kc, add, last, bias, epiAct, edge);
            }
          }
        }
        // the partial last row block, a row at a time (the tile would compute MR rows to keep these)
        if (fullRows < mc) rowTail(pa, panelsB, c, ldc, ldcBytes, i0 + ic, j0, fullRows, mc, nt, kc, add, last, bias, epiAct, edge);
      }
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
  gemmDriver(A_MATRIX, a, lda, transA, 0, b, ldb, transB, 0, c, m, n, k, ldc, accumulate, bias, act, tileM, tileN, taskBegin, taskEnd, scratch);
}

/**
 * gemm_f32 with two more sources of operands, for convolutions: A may be the implicit im2col
 * matrix of an image (aKind A_IM2COL, or its transpose A_IM2COL_T; a is the image, geom its
 * geometry descriptor, lda and transA unused), and B may come already packed by pack_b_f32
 * (bPacked 1: packed once for all tiles instead of once per tile). Same arithmetic, same order of
 * summation; scratch of gemm_conv_scratch_bytes(tileN, bPacked) bytes.
 */
export function gemm_conv_f32(
  aKind: i32, a: usize, lda: i32, transA: i32, geom: usize, b: usize, ldb: i32, transB: i32, bPacked: i32,
  c: usize, m: i32, n: i32, k: i32, ldc: i32, accumulate: i32, bias: usize, act: i32, tileM: i32, tileN: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  gemmDriver(aKind, a, lda, transA, geom, b, ldb, transB, bPacked, c, m, n, k, ldc, accumulate, bias, act, tileM, tileN, taskBegin, taskEnd, scratch);
}

/**
 * Packs all of op(B) [k, n] into the panels gemm_conv_f32 reads with bPacked: block after block of
 * KC rows, each roundUp(n, NR) columns wide in panels of NR. Tasks are the KC blocks.
 */
export function pack_b_f32(b: usize, ldb: i32, transB: i32, k: i32, n: i32, dst: usize, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const nAll = ((n + NR - 1) / NR) * NR;
  for (let t = taskBegin; t < taskEnd; t++) {
    const p0 = t * KC;
    packB(b, ldb, transB, p0, minI(KC, k - p0), 0, n, dst + (<usize>(p0 * nAll) << 2));
  }
}
