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
@inline function f32_gemm_4x8_splat(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: i32, bias: usize, act: i32): void {
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

// Where the A operand comes from (the driver is one code path for all of them).
export const A_MATRIX: i32 = 0; // a matrix [m, k] (or [k, m] when transA), row stride lda
export const A_IM2COL: i32 = 1; // the implicit im2col matrix of an image (see the geometry below)
export const A_IM2COL_T: i32 = 2; // its transpose: rows are patch elements, columns are pixels

// Geometry of an implicit im2col matrix: i32 fields of a descriptor in memory. The source image is
// [N, H, W, C]; the destination grid is OH x OW per image; taps are KH x KW. Row (n, oh, ow) and
// column (kh, kw, c) of the matrix hold source pixel (oh*sh - pt + kh*dh, ow*sw - pl + kw*dw),
// channel c, or zero outside the image. Strides, dilations and pads may be negative: the input
// gradient of a stride-1 convolution is the convolution of dy with dilation -d and pad -pt.
export const G_H: i32 = 0, G_W: i32 = 1, G_C: i32 = 2, G_OH: i32 = 3, G_OW: i32 = 4, G_KH: i32 = 5, G_KW: i32 = 6;
export const G_SH: i32 = 7, G_SW: i32 = 8, G_DH: i32 = 9, G_DW: i32 = 10, G_PT: i32 = 11, G_PL: i32 = 12;
/** Rows past the end of A get this source row: out of the image for any tap. */
const NO_ROW: i32 = -0x20000000;

@inline export function geo(g: usize, field: i32): i32 {
  return load<i32>(g + (<usize>field << 2));
}

// Four source runs of `run` floats (rows of one tap) into an MR-row panel: a 4x4 transpose per
// four channels.
@inline function packRun4(dst: usize, s0: usize, s1: usize, s2: usize, s3: usize, run: i32): void {
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

// The address of channel c of the source pixel of row r (table entry at tbl + 12 r: n*H, h0, w0)
// for tap offsets (offH, offW), or the zero buffer outside the image.
@inline function srcOf(x: usize, tbl: usize, offH: i32, offW: i32, H: i32, W: i32, C: i32, c: i32, zeros: usize): usize {
  const ih = load<i32>(tbl, 4) + offH;
  const iw = load<i32>(tbl, 8) + offW;
  const inside = <u32>ih < <u32>H && <u32>iw < <u32>W;
  return inside ? x + (<usize>(((load<i32>(tbl) + ih) * W + iw) * C + c) << 2) : zeros;
}

// Packs rows [i0, i0+mc) x columns [k0, k0+kc) of the implicit im2col matrix of x (m rows) into
// MR-row panels, as packA does for a matrix. Columns walk taps in runs of channels. Panels whose
// four windows lie inside the image (most of them) skip the bounds checks; with fewer than four
// channels, border panels go row by row.
function packAIm2col(x: usize, g: usize, m: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize, zeros: usize, tbl: usize): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OH = geo(g, G_OH), OW = geo(g, G_OW);
  const KH = geo(g, G_KH), KW = geo(g, G_KW), sh = geo(g, G_SH), sw = geo(g, G_SW), dh = geo(g, G_DH), dw = geo(g, G_DW);
  const pt = geo(g, G_PT), pl = geo(g, G_PL);
  // the extent of a window around its first tap (dilations may be negative)
  const spanH = (KH - 1) * dh, spanW = (KW - 1) * dw;
  const loH = spanH < 0 ? spanH : 0, hiH = spanH > 0 ? spanH : 0;
  const loW = spanW < 0 ? spanW : 0, hiW = spanW > 0 ? spanW : 0;
  // element offsets between taps: the next kw, and from the end of a row of taps to the next kh
  const stepW = dw * C, stepH = (dh * W - KW * dw) * C;
  const tap0 = k0 / C;
  const kh0 = tap0 / KW, kw0 = tap0 - kh0 * KW, c0 = k0 - tap0 * C;
  // the destination pixel of row i0, then counted up row by row
  let n = i0 / (OH * OW);
  let oh = (i0 - n * OH * OW) / OW;
  let ow = i0 - (n * OH + oh) * OW;
  for (let ip = 0; ip < mc; ip += MR) {
    let inside = true;
    for (let r = 0; r < MR; r++) {
      const e = tbl + (<usize>(r * 12));
      if (i0 + ip + r < m) {
        const h0 = oh * sh - pt, w0 = ow * sw - pl;
        store<i32>(e, n * H);
        store<i32>(e, h0, 4);
        store<i32>(e, w0, 8);
        inside = inside && h0 + loH >= 0 && h0 + hiH < H && w0 + loW >= 0 && w0 + hiW < W;
        if (++ow == OW) {
          ow = 0;
          if (++oh == OH) {
            oh = 0;
            n++;
          }
        }
      } else {
        store<i32>(e, 0);
        store<i32>(e, NO_ROW, 4);
        store<i32>(e, NO_ROW, 8);
        inside = false;
      }
    }
    const panel = dst + (<usize>(ip * kc) << 2);
    if (inside) {
      // element offsets of each row's first tap, channel 0
      const b0 = ((load<i32>(tbl) + load<i32>(tbl, 4)) * W + load<i32>(tbl, 8)) * C;
      const b1 = ((load<i32>(tbl, 12) + load<i32>(tbl, 16)) * W + load<i32>(tbl, 20)) * C;
      const b2 = ((load<i32>(tbl, 24) + load<i32>(tbl, 28)) * W + load<i32>(tbl, 32)) * C;
      const b3 = ((load<i32>(tbl, 36) + load<i32>(tbl, 40)) * W + load<i32>(tbl, 44)) * C;
      let kw = kw0, c = c0;
      let off = (kh0 * dh * W + kw0 * dw) * C + c0;
      if (C == 1) {
        const p0 = x + (<usize>b0 << 2);
        if (ASC_FEATURE_SIMD && b1 == b0 + 1 && b2 == b0 + 2 && b3 == b0 + 3) {
          // one channel, stride 1, four neighbours: each tap is one vector of the image
          for (let k = 0; k < kc; k++) {
            v128.store(panel + (<usize>k << 4), v128.load(p0 + (<usize>off << 2)));
            off += stepW;
            if (++kw == KW) {
              kw = 0;
              off += stepH;
            }
          }
        } else {
          const p1 = x + (<usize>b1 << 2), p2 = x + (<usize>b2 << 2), p3 = x + (<usize>b3 << 2);
          for (let k = 0; k < kc; k++) {
            const o = <usize>off << 2;
            const d = panel + (<usize>k << 4);
            store<f32>(d, load<f32>(p0 + o));
            store<f32>(d, load<f32>(p1 + o), 4);
            store<f32>(d, load<f32>(p2 + o), 8);
            store<f32>(d, load<f32>(p3 + o), 12);
            off += stepW;
            if (++kw == KW) {
              kw = 0;
              off += stepH;
            }
          }
        }
        continue;
      }
      for (let k = 0; k < kc; ) {
        const run = minI(C - c, kc - k);
        packRun4(
          panel + (<usize>(k * MR) << 2),
          x + (<usize>(b0 + off) << 2), x + (<usize>(b1 + off) << 2), x + (<usize>(b2 + off) << 2), x + (<usize>(b3 + off) << 2),
          run,
        );
        k += run;
        off += stepW - c;
        c = 0;
        if (++kw == KW) {
          kw = 0;
          off += stepH;
        }
      }
    } else if (C >= MR) {
      let kh = kh0, kw = kw0, c = c0;
      for (let k = 0; k < kc; ) {
        const run = minI(C - c, kc - k);
        const offH = kh * dh, offW = kw * dw;
        packRun4(
          panel + (<usize>(k * MR) << 2),
          srcOf(x, tbl, offH, offW, H, W, C, c, zeros),
          srcOf(x, tbl + 12, offH, offW, H, W, C, c, zeros),
          srcOf(x, tbl + 24, offH, offW, H, W, C, c, zeros),
          srcOf(x, tbl + 36, offH, offW, H, W, C, c, zeros),
          run,
        );
        k += run;
        c = 0;
        if (++kw == KW) {
          kw = 0;
          kh++;
        }
      }
    } else {
      // few channels: row by row; only rows whose window crosses the border check their taps
      for (let r = 0; r < MR; r++) {
        const e = tbl + (<usize>(r * 12));
        const out = panel + (<usize>r << 2);
        const nH = load<i32>(e), h0 = load<i32>(e, 4), w0 = load<i32>(e, 8);
        let kh = kh0, kw = kw0, c = c0;
        if (h0 + loH >= 0 && h0 + hiH < H && w0 + loW >= 0 && w0 + hiW < W) {
          const p = x + (<usize>(((nH + h0) * W + w0) * C) << 2);
          let off = (kh0 * dh * W + kw0 * dw) * C + c0;
          for (let k = 0; k < kc; ) {
            const run = minI(C - c, kc - k);
            for (let j = 0; j < run; j++) store<f32>(out + (<usize>(k + j) << 4), load<f32>(p + (<usize>(off + j) << 2)));
            k += run;
            off += stepW - c;
            c = 0;
            if (++kw == KW) {
              kw = 0;
              off += stepH;
            }
          }
          continue;
        }
        for (let k = 0; k < kc; ) {
          const run = minI(C - c, kc - k);
          const src = srcOf(x, e, kh * dh, kw * dw, H, W, C, c, zeros);
          for (let j = 0; j < run; j++) store<f32>(out + (<usize>(k + j) << 4), load<f32>(src + (<usize>j << 2)));
          k += run;
          c = 0;
          if (++kw == KW) {
            kw = 0;
            kh++;
          }
        }
      }
    }
  }
}

// Whether every tap of every destination pixel reads inside the image (no padding is ever read):
// the source index is linear in the pixel and the tap, so the four corners decide.
function windowsInside(g: usize): bool {
  const OH = geo(g, G_OH), OW = geo(g, G_OW), KH = geo(g, G_KH), KW = geo(g, G_KW);
  const H = geo(g, G_H), W = geo(g, G_W), sh = geo(g, G_SH), sw = geo(g, G_SW), dh = geo(g, G_DH), dw = geo(g, G_DW);
  const pt = geo(g, G_PT), pl = geo(g, G_PL);
  let ok = true;
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      const h = a * (OH - 1) * sh - pt + b * (KH - 1) * dh;
      const w = a * (OW - 1) * sw - pl + b * (KW - 1) * dw;
      ok = ok && <u32>h < <u32>H && <u32>w < <u32>W;
    }
  }
  return ok;
}

// For columns [k0, k0+kc) of the transposed im2col matrix (pixels): each pixel's n*H, h0, w0, or
// (inside: every window in the image) the element offset of its first tap in slot 0.
function im2colTPixels(g: usize, k0: i32, kc: i32, tbl: usize, inside: bool): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), OW = geo(g, G_OW), sh = geo(g, G_SH), sw = geo(g, G_SW);
  const pt = geo(g, G_PT), pl = geo(g, G_PL);
  const OH = geo(g, G_OH);
  const plane = OH * OW;
  let n = k0 / plane;
  const rem = k0 - n * plane;
  let oh = rem / OW, ow = rem - oh * OW;
  for (let j = 0; j < kc; j++) {
    const e = tbl + (<usize>(j * 12));
    const h0 = oh * sh - pt, w0 = ow * sw - pl;
    if (inside) {
      store<i32>(e, ((n * H + h0) * W + w0) * C);
    } else {
      store<i32>(e, n * H);
      store<i32>(e, h0, 4);
      store<i32>(e, w0, 8);
    }
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        n++;
      }
    }
  }
}

// Packs rows [i0, i0+mc) (patch elements (kh, kw, c)) x columns [k0, k0+kc) (pixels, tabled by
// im2colTPixels) of the transposed im2col matrix (m rows) into MR-row panels. Four rows of one
// tap are four consecutive channels of one source pixel: one vector.
function packAIm2colT(x: usize, g: usize, m: i32, i0: i32, mc: i32, kc: i32, dst: usize, zeros: usize, tbl: usize, inside: bool): void {
  const H = geo(g, G_H), W = geo(g, G_W), C = geo(g, G_C), KW = geo(g, G_KW), dh = geo(g, G_DH), dw = geo(g, G_DW);
  for (let ip = 0; ip < mc; ip += MR) {
    const panel = dst + (<usize>(ip * kc) << 2);
    const p = i0 + ip;
    const tap = p / C;
    const c = p - tap * C;
    if (ASC_FEATURE_SIMD && p + MR <= m && c + MR <= C) {
      const kh = tap / KW;
      const offH = kh * dh, offW = (tap - kh * KW) * dw;
      if (inside) {
        const off = (offH * W + offW) * C + c;
        for (let j = 0; j < kc; j++) {
          v128.store(panel + (<usize>j << 4), v128.load(x + (<usize>(load<i32>(tbl + (<usize>(j * 12))) + off) << 2)));
        }
      } else {
        for (let j = 0; j < kc; j++) {
          v128.store(panel + (<usize>j << 4), v128.load(srcOf(x, tbl + (<usize>(j * 12)), offH, offW, H, W, C, c, zeros)));
        }
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const pr = p + r;
        const out = panel + (<usize>r << 2);
        if (pr >= m) {
          for (let j = 0; j < kc; j++) store<f32>(out + (<usize>j << 4), 0);
          continue;
        }
        const t = pr / C;
        const kh = t / KW;
        const offH = kh * dh, offW = (t - kh * KW) * dw;
        const cr = pr - t * C;
        if (inside) {
          const off = (offH * W + offW) * C + cr;
          for (let j = 0; j < kc; j++) {
            store<f32>(out + (<usize>j << 4), load<f32>(x + (<usize>(load<i32>(tbl + (<usize>(j * 12))) + off) << 2)));
          }
        } else {
          for (let j = 0; j < kc; j++) {
            store<f32>(out + (<usize>j << 4), load<f32>(srcOf(x, tbl + (<usize>(j * 12)), offH, offW, H, W, C, cr, zeros)));
          }
        }
      }
    }
  }
}

/** Bytes of per-thread scratch gemm_conv_f32 needs for a tile of tileN columns. */
export function gemm_conv_scratch_bytes(tileN: i32, bPacked: i32): i32 {
  const nPadded = ((tileN + NR - 1) / NR) * NR;
  return ((bPacked ? 0 : KC * nPadded) + MC * KC + MR * NR + KC + 3 * KC) << 2;
}

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
        if (kc * nt <= B_IN_L1) {
          // B's panels all fit in L1 next to one A panel: A panel outer, each read once from L2
          for (let ir = 0; ir < mc; ir += MR) {
            for (let jr = 0; jr < nt; jr += NR) {
              tile(pa, panelsB, c, ldc, ldcBytes, i0 + ic, j0, ir, jr, mc, nt, kc, add, last, bias, epiAct, edge);
            }
          }
        } else {
          for (let jr = 0; jr < nt; jr += NR) {
            for (let ir = 0; ir < mc; ir += MR) {
              tile(pa, panelsB, c, ldc, ldcBytes, i0 + ic, j0, ir, jr, mc, nt, kc, add, last, bias, epiAct, edge);
            }
          }
        }
      }
    }
  }
}

/** Floats of packed B (kc x nt) small enough to stay in L1 with an A panel. */
const B_IN_L1: i32 = 6144;

// One MR x NR tile of C at (row ir, column jr) of the current block: full tiles straight into C,
// edge tiles (and every tile of the scalar build) through the scratch tile.
@inline function tile(
  pa: usize, panelsB: usize, c: usize, ldc: i32, ldcBytes: usize, row0: i32, j0: i32, ir: i32, jr: i32, mc: i32, nt: i32, kc: i32,
  add: i32, last: bool, bias: usize, epiAct: i32, edge: usize,
): void {
  const nr = minI(NR, nt - jr);
  const mr = minI(MR, mc - ir);
  const biasPtr: usize = last && bias != 0 ? bias + (<usize>(j0 + jr) << 2) : 0;
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
