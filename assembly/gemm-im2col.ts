// Packing of the implicit im2col matrix of an image (and of its transpose) into the MR-row panels of
// gemm-pack.ts, so a convolution runs as one GEMM without writing its column matrix (see gemm.ts).
// Row (n, oh, ow) and column (kh, kw, c) of the matrix hold channel c of the source pixel the
// geometry descriptor (assembly/abi.ts, G_*) gives, or zero outside the image.
import { minI, geo } from './common';
import { MR, G_H, G_W, G_C, G_OH, G_OW, G_KH, G_KW, G_SH, G_SW, G_DH, G_DW, G_PT, G_PL } from './abi';
import { packRun4 } from './gemm-pack';

/** Rows past the end of A get this source row: out of the image for any tap. */
const NO_ROW: i32 = -0x20000000;

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
export function packAIm2col(x: usize, g: usize, m: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize, zeros: usize, tbl: usize): void {
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
export function windowsInside(g: usize): bool {
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
export function im2colTPixels(g: usize, k0: i32, kc: i32, tbl: usize, inside: bool): void {
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
export function packAIm2colT(x: usize, g: usize, m: i32, i0: i32, mc: i32, kc: i32, dst: usize, zeros: usize, tbl: usize, inside: bool): void {
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
