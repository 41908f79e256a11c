// The GEMM microkernel and its edge handling (see gemm.ts): a 4x8 tile of C from an MR-row panel of
// A and an NR-column panel of B, with the fused epilogue (add C, bias, activation).
import { madd, minI, actScalar, actVec } from './common';
import { MR, NR } from './abi';

// The 4x8 microkernel: C[4, 8] (ldc in bytes) = acc (+ C if add) (+ bias[8] if bias) then act.
// Eight v128 accumulators, B loaded as two vectors, A broadcast: 14 live v128 values, no spills.
@inline export function f32_gemm_4x8_splat(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: i32, bias: usize, act: i32): void {
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
export function mergeTile(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, add: i32, bias: usize, act: i32): void {
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

// The bias of the columns from `col`, where this pass over k ends the sum (the epilogue adds it once).
@inline function epilogueBias(last: bool, bias: usize, col: i32): usize {
  return last && bias != 0 ? bias + (<usize>col << 2) : 0;
}

// One MR x NR tile of C at (row ir, column jr) of the current block: full tiles straight into C,
// edge tiles (and every tile of the scalar build) through the scratch tile.
@inline export function tile(
  pa: usize, panelsB: usize, c: usize, ldc: i32, ldcBytes: usize, row0: i32, j0: i32, ir: i32, jr: i32, mc: i32, nt: i32, kc: i32,
  add: i32, last: bool, bias: usize, epiAct: i32, edge: usize,
): void {
  const nr = minI(NR, nt - jr);
  const mr = minI(MR, mc - ir);
  const biasPtr = epilogueBias(last, bias, j0 + jr);
  const panelB = panelsB + (<usize>(jr * kc) << 2);
  const panelA = pa + (<usize>(ir * kc) << 2);
  const cTile = c + <usize>(row0 + ir) * ldcBytes + (<usize>(j0 + jr) << 2);
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

// One row of C over P full panels of B (P = ROW_PANELS: 32 or 24 columns, or 1: 8), for the rows of
// a partial row block (fewer than MR rows: a batch of 1 in a recurrent step). The 4x8 tile would
// compute four rows to keep one; these keep the accumulators busy on columns instead. Per element
// the same k order, madd and epilogue as the tile (and as mergeTile after it), so the same bits.
// SIMD builds.
@inline function f32_gemm_row(P: i32, kc: i32, pa: usize, pb: usize, panelBytes: usize, c: usize, add: i32, bias: usize, act: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  let p0 = pb, p1 = pb + panelBytes, p2 = p1 + panelBytes, p3 = p2 + panelBytes;
  for (let k = 0; k < kc; k++) {
    const a = v128.load32_splat(pa);
    c0 = madd(a, v128.load(p0), c0);
    c1 = madd(a, v128.load(p0, 16), c1);
    if (P >= 3) {
      c2 = madd(a, v128.load(p1), c2);
      c3 = madd(a, v128.load(p1, 16), c3);
      c4 = madd(a, v128.load(p2), c4);
      c5 = madd(a, v128.load(p2, 16), c5);
      p1 += NR << 2;
      p2 += NR << 2;
    }
    if (P == 4) {
      c6 = madd(a, v128.load(p3), c6);
      c7 = madd(a, v128.load(p3, 16), c7);
      p3 += NR << 2;
    }
    p0 += NR << 2;
    pa += MR << 2;
  }
  rowEpilogue(c, 0, c0, add, bias, act);
  rowEpilogue(c, 16, c1, add, bias, act);
  if (P >= 3) {
    rowEpilogue(c, 32, c2, add, bias, act);
    rowEpilogue(c, 48, c3, add, bias, act);
    rowEpilogue(c, 64, c4, add, bias, act);
    rowEpilogue(c, 80, c5, add, bias, act);
  }
  if (P == 4) {
    rowEpilogue(c, 96, c6, add, bias, act);
    rowEpilogue(c, 112, c7, add, bias, act);
  }
}

// Panels per pass of the row kernel. Four (eight accumulators) with the fused madd; three without:
// the unfused multiply and add need six accumulators' worth of ports anyway, and V8 before 12 hoists
// a pass's loads of B above its arithmetic, so eight accumulators and eight loads spill (a row of
// [128, 512] took 7.5 us with four panels on Node 20, 5.1 with three; Node 24 the same for both).
const ROW_PANELS: i32 = ASC_FEATURE_RELAXED_SIMD ? 4 : 3;

@inline function rowEpilogue(c: usize, offset: usize, v: v128, add: i32, bias: usize, act: i32): void {
  if (add) v = f32x4.add(v, v128.load(c + offset));
  if (bias) v = f32x4.add(v, v128.load(bias + offset));
  if (act) v = actVec(v, act);
  v128.store(c + offset, v);
}

/**
 * Rows [ir, mc) of the current block, fewer than MR (the partial last row block), over columns
 * [0, nt): full panels one row at a time, ROW_PANELS panels per pass; a partial last panel through tile().
 * The same bits as tile() for every element, which it replaces here.
 */
export function rowTail(
  pa: usize, panelsB: usize, c: usize, ldc: i32, ldcBytes: usize, row0: i32, j0: i32, ir: i32, mc: i32, nt: i32, kc: i32,
  add: i32, last: bool, bias: usize, epiAct: i32, edge: usize,
): void {
  let full = 0;
  if (ASC_FEATURE_SIMD) {
    full = nt - nt % NR;
    const panelBytes = <usize>(NR * kc) << 2;
    for (let r = ir; r < mc; r++) {
      const rowA = pa + (<usize>(ir * kc + r - ir) << 2);
      const rowC = c + <usize>(row0 + r) * ldcBytes + (<usize>j0 << 2);
      let jr = 0;
      for (; jr + ROW_PANELS * NR <= full; jr += ROW_PANELS * NR) {
        f32_gemm_row(ROW_PANELS, kc, rowA, panelsB + (<usize>(jr * kc) << 2), panelBytes, rowC + (<usize>jr << 2), add, epilogueBias(last, bias, j0 + jr), epiAct);
      }
      for (; jr < full; jr += NR) {
        f32_gemm_row(1, kc, rowA, panelsB + (<usize>(jr * kc) << 2), panelBytes, rowC + (<usize>jr << 2), add, epilogueBias(last, bias, j0 + jr), epiAct);
      }
    }
  }
  for (let jr = full; jr < nt; jr += NR) tile(pa, panelsB, c, ldc, ldcBytes, row0, j0, ir, jr, mc, nt, kc, add, last, bias, epiAct, edge);
}
