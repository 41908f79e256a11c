// Convolution kernels besides the implicit-im2col GEMM of gemm.ts: col2im (the input gradient of a
// strided convolution, gathered per input pixel) and depthwise convolution forward and backward
// (direct, SIMD over channels). Images are NHWC; geometry descriptors as in gemm.ts. Every output
// element is summed in one fixed order by one task, so results are bitwise identical for any
// thread count.
import { madd, minI, actScalar, actVec, hsum, geo } from './common';
import { G_H, G_W, G_C, G_OH, G_OW, G_KH, G_KW, G_SH, G_SW, G_DH, G_DW, G_PT, G_PL, DW_FILTER_BLOCK } from './abi';

// The taps k in [0, K) of a window whose source index start + k*d (d of either sign) falls
// inside [0, size): a contiguous range [lo, hi), returned packed as lo | hi << 16.
@inline function tapRange(start: i32, d: i32, K: i32, size: i32): i32 {
  let lo = 0;
  while (lo < K && <u32>(start + lo * d) >= <u32>size) lo++;
  let hi = lo;
  while (hi < K && <u32>(start + hi * d) < <u32>size) hi++;
  return lo | (hi << 16);
}

// Writes the valid taps of input pixel (ih, iw) for an input gradient: the destination pixels
// (oh, ow) of the forward window that read it, as pairs (tap index, output pixel index within the
// image) into tbl; returns their count. Taps ascend, so sums come in one fixed order.
function gradTaps(g: usize, ih: i32, iw: i32, tbl: usize): i32 {
  const OH = geo(g, G_OH), OW = geo(g, G_OW), KH = geo(g, G_KH), KW = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), dh = geo(g, G_DH), dw = geo(g, G_DW);
  const nh = ih + geo(g, G_PT), nw = iw + geo(g, G_PL);
  let count = 0;
  for (let kh = 0; kh < KH; kh++) {
    const a = nh - kh * dh;
    if (a < 0) break;
    const oh = sh == 1 ? a : a / sh;
    if (oh * sh != a || oh >= OH) continue;
    for (let kw = 0; kw < KW; kw++) {
      const b = nw - kw * dw;
      if (b < 0) break;
      const ow = sw == 1 ? b : b / sw;
      if (ow * sw != b || ow >= OW) continue;
      const e = tbl + (<usize>count << 3);
      store<i32>(e, kh * KW + kw);
      store<i32>(e, oh * OW + ow, 4);
      count++;
    }
  }
  return count;
}

/**
 * col2im: dx[n, ih, iw, c] = sum over the forward taps that read (ih, iw) of
 * col[(n, oh, ow), (kh, kw, c)], where col is [nImages * OH * OW, KH * KW * C] and the geometry
 * is the forward convolution's (source x [nImages, H, W, C]). Tasks are the nImages * H input rows.
 */
export function col2im_f32(col: usize, dx: usize, geom: usize, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const H = geo(geom, G_H), W = geo(geom, G_W), C = geo(geom, G_C);
  const plane = geo(geom, G_OH) * geo(geom, G_OW);
  const K = geo(geom, G_KH) * geo(geom, G_KW) * C;
  for (let t = taskBegin; t < taskEnd; t++) {
    const n = t / H;
    const ih = t - n * H;
    for (let iw = 0; iw < W; iw++) {
      const out = dx + (<usize>((t * W + iw) * C) << 2);
      const count = gradTaps(geom, ih, iw, scratch);
      memory.fill(out, 0, <usize>C << 2);
      for (let e = 0; e < count; e++) {
        const tap = load<i32>(scratch + (<usize>e << 3));
        const pix = load<i32>(scratch + (<usize>e << 3), 4);
        const src = col + (<usize>((n * plane + pix) * K + tap * C) << 2);
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          for (; c + 4 <= C; c += 4) {
            const o = <usize>c << 2;
            v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(src + o)));
          }
        }
        for (; c < C; c++) {
          const o = <usize>c << 2;
          store<f32>(out + o, load<f32>(out + o) + load<f32>(src + o));
        }
      }
    }
  }
}

/**
 * Depthwise convolution: y[n, oh, ow, c*M + m] = act(bias[c*M + m] + sum over taps of
 * x[n, ih, iw, c] f[kh, kw, c, m]); x [N, H, W, C], f [KH, KW, C, M], bias 0 for none.
 * Tasks are the N * OH output rows.
 */
export function depthwise_f32(x: usize, f: usize, bias: usize, y: usize, geom: usize, M: i32, act: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const H = geo(geom, G_H), W = geo(geom, G_W), C = geo(geom, G_C), OH = geo(geom, G_OH), OW = geo(geom, G_OW);
  const KH = geo(geom, G_KH), KW = geo(geom, G_KW), sh = geo(geom, G_SH), sw = geo(geom, G_SW);
  const dh = geo(geom, G_DH), dw = geo(geom, G_DW), pt = geo(geom, G_PT), pl = geo(geom, G_PL);
  const CM = C * M;
  const tapStepW = <usize>(dw * C) << 2;
  const tapStepH = <usize>(dh * W * C) << 2;
  for (let t = taskBegin; t < taskEnd; t++) {
    const n = t / OH;
    const oh = t - n * OH;
    const h0 = oh * sh - pt;
    const rh = tapRange(h0, dh, KH, H);
    const khLo = rh & 0xffff, khHi = rh >> 16;
    for (let ow = 0; ow < OW; ow++) {
      const w0 = ow * sw - pl;
      const rw = tapRange(w0, dw, KW, W);
      const kwLo = rw & 0xffff, kwHi = rw >> 16;
      const out = y + (<usize>((t * OW + ow) * CM) << 2);
      // the first tap's source pixel (may be outside the image when no tap is valid; then unused)
      const xBase = x + (<usize>(((n * H + h0 + khLo * dh) * W + w0 + kwLo * dw) * C) << 2);
      if (M == 1) {
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          // sixteen channels at a time: four accumulators, loads at constant offsets
          for (; c + 16 <= C; c += 16) {
            const bp = bias + (<usize>c << 2);
            let a0 = bias ? v128.load(bp) : f32x4.splat(0), a1 = bias ? v128.load(bp, 16) : f32x4.splat(0);
            let a2 = bias ? v128.load(bp, 32) : f32x4.splat(0), a3 = bias ? v128.load(bp, 48) : f32x4.splat(0);
            let xr = xBase + (<usize>c << 2);
            for (let kh = khLo; kh < khHi; kh++) {
              let xp = xr;
              let fp = f + (<usize>((kh * KW + kwLo) * C + c) << 2);
              for (let kw = kwLo; kw < kwHi; kw++) {
                a0 = madd(v128.load(xp), v128.load(fp), a0);
                a1 = madd(v128.load(xp, 16), v128.load(fp, 16), a1);
                a2 = madd(v128.load(xp, 32), v128.load(fp, 32), a2);
                a3 = madd(v128.load(xp, 48), v128.load(fp, 48), a3);
                xp += tapStepW;
                fp += <usize>C << 2;
              }
              xr += tapStepH;
            }
            const o = out + (<usize>c << 2);
            v128.store(o, actVec(a0, act));
            v128.store(o, actVec(a1, act), 16);
            v128.store(o, actVec(a2, act), 32);
            v128.store(o, actVec(a3, act), 48);
          }
          for (; c + 4 <= C; c += 4) {
            let acc = bias ? v128.load(bias + (<usize>c << 2)) : f32x4.splat(0);
            let xr = xBase + (<usize>c << 2);
            for (let kh = khLo; kh < khHi; kh++) {
              let xp = xr;
              let fp = f + (<usize>((kh * KW + kwLo) * C + c) << 2);
              for (let kw = kwLo; kw < kwHi; kw++) {
                acc = madd(v128.load(xp), v128.load(fp), acc);
                xp += tapStepW;
                fp += <usize>C << 2;
              }
              xr += tapStepH;
            }
            v128.store(out + (<usize>c << 2), actVec(acc, act));
          }
        }
        for (; c < C; c++) depthwiseScalarOutput(xBase, f, bias, out, c, c, C, KW, khLo, khHi, kwLo, kwHi, tapStepW, tapStepH, act);
      } else {
        for (let j = 0; j < CM; j++) depthwiseScalarOutput(xBase, f, bias, out, j / M, j, CM, KW, khLo, khHi, kwLo, kwHi, tapStepW, tapStepH, act);
      }
    }
  }
}

/** One output channel j (of CM, reading input channel c) of one output pixel, one tap at a time: the
 *  channel tail of M = 1 and every channel of a multiplier M > 1. */
@inline function depthwiseScalarOutput(
  xBase: usize, f: usize, bias: usize, out: usize, c: i32, j: i32, CM: i32, KW: i32,
  khLo: i32, khHi: i32, kwLo: i32, kwHi: i32, tapStepW: usize, tapStepH: usize, act: i32,
): void {
  let acc: f32 = bias ? load<f32>(bias + (<usize>j << 2)) : 0;
  let xr = xBase + (<usize>c << 2);
  for (let kh = khLo; kh < khHi; kh++) {
    let xp = xr;
    let fp = f + (<usize>((kh * KW + kwLo) * CM + j) << 2);
    for (let kw = kwLo; kw < kwHi; kw++) {
      acc = scalarMadd(load<f32>(xp), load<f32>(fp), acc);
      xp += tapStepW;
      fp += <usize>CM << 2;
    }
    xr += tapStepH;
  }
  store<f32>(out + (<usize>j << 2), actScalar(acc, act));
}

// Scalar multiply-add for channel tails (the vector path may fuse; a tail channel always takes
// this path, whatever the thread count).
@inline function scalarMadd(a: f32, b: f32, c: f32): f32 {
  return a * b + c;
}

/**
 * Depthwise input gradient: dx[n, ih, iw, c] = sum over the taps that read (ih, iw) and over m of
 * dy[n, oh, ow, c*M + m] f[kh, kw, c, m]. Tasks are the N * H input rows.
 */
export function depthwise_grad_input_f32(dy: usize, f: usize, dx: usize, geom: usize, M: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const H = geo(geom, G_H), W = geo(geom, G_W), C = geo(geom, G_C);
  const plane = geo(geom, G_OH) * geo(geom, G_OW);
  const CM = C * M;
  for (let t = taskBegin; t < taskEnd; t++) {
    const n = t / H;
    const ih = t - n * H;
    for (let iw = 0; iw < W; iw++) {
      const out = dx + (<usize>((t * W + iw) * C) << 2);
      const count = gradTaps(geom, ih, iw, scratch);
      if (M == 1) {
        let c = 0;
        if (ASC_FEATURE_SIMD) {
          for (; c + 4 <= C; c += 4) {
            let acc = f32x4.splat(0);
            for (let e = 0; e < count; e++) {
              const tap = load<i32>(scratch + (<usize>e << 3));
              const pix = load<i32>(scratch + (<usize>e << 3), 4);
              acc = madd(v128.load(dy + (<usize>((n * plane + pix) * C + c) << 2)), v128.load(f + (<usize>(tap * C + c) << 2)), acc);
            }
            v128.store(out + (<usize>c << 2), acc);
          }
        }
        for (; c < C; c++) {
          let acc: f32 = 0;
          for (let e = 0; e < count; e++) {
            const tap = load<i32>(scratch + (<usize>e << 3));
            const pix = load<i32>(scratch + (<usize>e << 3), 4);
            acc = scalarMadd(load<f32>(dy + (<usize>((n * plane + pix) * C + c) << 2)), load<f32>(f + (<usize>(tap * C + c) << 2)), acc);
          }
          store<f32>(out + (<usize>c << 2), acc);
        }
      } else {
        for (let c = 0; c < C; c++) {
          let acc: f32 = 0;
          for (let e = 0; e < count; e++) {
            const tap = load<i32>(scratch + (<usize>e << 3));
            const pix = load<i32>(scratch + (<usize>e << 3), 4);
            const d = dy + (<usize>((n * plane + pix) * CM + c * M) << 2);
            const fp = f + (<usize>(tap * CM + c * M) << 2);
            for (let m = 0; m < M; m++) acc = scalarMadd(load<f32>(d + (<usize>m << 2)), load<f32>(fp + (<usize>m << 2)), acc);
          }
          store<f32>(out + (<usize>c << 2), acc);
        }
      }
    }
  }
}

/** Bytes of per-thread scratch depthwise_grad_filter_f32 needs for a KH x KW filter: the taps' totals, then a column range per kw. */
export function depthwise_grad_filter_scratch_bytes(KH: i32, KW: i32): f64 {
  return (<f64>KH * KW * DW_FILTER_BLOCK + 2 * <f64>KW) * 4;
}

/**
 * Depthwise filter gradient: df[kh, kw, c, m] = sum over n, oh, ow of x[n, ih, iw, c]
 * dy[n, oh, ow, c*M + m]. Tasks are blocks of DW_FILTER_BLOCK output channels (c*M + m). For each
 * output row and tap, the sum over the row is made in registers (the row's data stays in L1),
 * then added to the tap's total in scratch: one fixed order of summation.
 */
export function depthwise_grad_filter_f32(x: usize, dy: usize, df: usize, geom: usize, N: i32, M: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const H = geo(geom, G_H), W = geo(geom, G_W), C = geo(geom, G_C), OH = geo(geom, G_OH), OW = geo(geom, G_OW);
  const KH = geo(geom, G_KH), KW = geo(geom, G_KW), sh = geo(geom, G_SH), sw = geo(geom, G_SW);
  const dh = geo(geom, G_DH), dw = geo(geom, G_DW), pt = geo(geom, G_PT), pl = geo(geom, G_PL);
  const CM = C * M;
  const B = DW_FILTER_BLOCK;
  const acc = scratch;
  // per kw: the output columns [lo, hi) whose source column is inside the image
  const owRange = scratch + (<usize>(KH * KW * B) << 2);
  for (let kw = 0; kw < KW; kw++) {
    let lo = 0;
    while (lo < OW && <u32>(lo * sw - pl + kw * dw) >= <u32>W) lo++;
    let hi = lo;
    while (hi < OW && <u32>(hi * sw - pl + kw * dw) < <u32>W) hi++;
    store<i32>(owRange + (<usize>kw << 3), lo);
    store<i32>(owRange + (<usize>kw << 3), hi, 4);
  }
  const xStep = <usize>(sw * C) << 2;
  const gStep = <usize>CM << 2;
  for (let t = taskBegin; t < taskEnd; t++) {
    const j0 = t * B;
    const nb = minI(B, CM - j0);
    const vec = ASC_FEATURE_SIMD && M == 1 && nb == B;
    memory.fill(acc, 0, <usize>(KH * KW * B) << 2);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const h0 = oh * sh - pt;
        const rh = tapRange(h0, dh, KH, H);
        const gRow = dy + (<usize>(((n * OH + oh) * OW) * CM + j0) << 2);
        for (let kh = rh & 0xffff; kh < rh >> 16; kh++) {
          const xRow = x + (<usize>((n * H + h0 + kh * dh) * W * C) << 2);
          for (let kw = 0; kw < KW; kw++) {
            const lo = load<i32>(owRange + (<usize>kw << 3)), hi = load<i32>(owRange + (<usize>kw << 3), 4);
            if (lo >= hi) continue;
            const a = acc + (<usize>((kh * KW + kw) * B) << 2);
            const xFirst = xRow + (<usize>((lo * sw - pl + kw * dw) * C) << 2);
            const gFirst = gRow + <usize>lo * gStep;
            if (vec) {
              let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
              let xp = xFirst + (<usize>j0 << 2), gp = gFirst;
              for (let ow = lo; ow < hi; ow++) {
                s0 = madd(v128.load(xp), v128.load(gp), s0);
                s1 = madd(v128.load(xp, 16), v128.load(gp, 16), s1);
                s2 = madd(v128.load(xp, 32), v128.load(gp, 32), s2);
                s3 = madd(v128.load(xp, 48), v128.load(gp, 48), s3);
                xp += xStep;
                gp += gStep;
              }
              v128.store(a, f32x4.add(v128.load(a), s0));
              v128.store(a, f32x4.add(v128.load(a, 16), s1), 16);
              v128.store(a, f32x4.add(v128.load(a, 32), s2), 32);
              v128.store(a, f32x4.add(v128.load(a, 48), s3), 48);
            } else {
              for (let i = 0; i < nb; i++) {
                const c = (j0 + i) / M;
                let xp = xFirst + (<usize>c << 2), gp = gFirst + (<usize>i << 2);
                let s: f32 = 0;
                for (let ow = lo; ow < hi; ow++) {
                  s = scalarMadd(load<f32>(xp), load<f32>(gp), s);
                  xp += xStep;
                  gp += gStep;
                }
                const ai = a + (<usize>i << 2);
                store<f32>(ai, load<f32>(ai) + s);
              }
            }
          }
        }
      }
    }
    for (let tap = 0; tap < KH * KW; tap++) {
      memory.copy(df + (<usize>(tap * CM + j0) << 2), acc + (<usize>(tap * B) << 2), <usize>nb << 2);
    }
  }
}

/**
 * The input gradient of a convolution with few input channels, directly: dx[n, ih, iw, c] = sum
 * over the taps that read (ih, iw) and over co of dy[n, oh, ow, co] f[kh, kw, c, co] (dot
 * products over the output channels, SIMD over co). Any stride, dilation and padding (the
 * forward geometry). Tasks are the N * H input rows.
 */
export function conv_grad_input_direct_f32(dy: usize, f: usize, dx: usize, geom: usize, cout: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const H = geo(geom, G_H), W = geo(geom, G_W), C = geo(geom, G_C);
  const plane = geo(geom, G_OH) * geo(geom, G_OW);
  for (let t = taskBegin; t < taskEnd; t++) {
    const n = t / H;
    const ih = t - n * H;
    for (let iw = 0; iw < W; iw++) {
      const out = dx + (<usize>((t * W + iw) * C) << 2);
      const count = gradTaps(geom, ih, iw, scratch);
      for (let c = 0; c < C; c++) {
        let total: f32 = 0;
        let co = 0;
        if (ASC_FEATURE_SIMD) {
          for (; co + 32 <= cout; co += 32) {
            let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
            let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
            for (let e = 0; e < count; e++) {
              const tap = load<i32>(scratch + (<usize>e << 3));
              const pix = load<i32>(scratch + (<usize>e << 3), 4);
              const g = dy + (<usize>((n * plane + pix) * cout + co) << 2);
              const w = f + (<usize>((tap * C + c) * cout + co) << 2);
              a0 = madd(v128.load(g), v128.load(w), a0);
              a1 = madd(v128.load(g, 16), v128.load(w, 16), a1);
              a2 = madd(v128.load(g, 32), v128.load(w, 32), a2);
              a3 = madd(v128.load(g, 48), v128.load(w, 48), a3);
              a4 = madd(v128.load(g, 64), v128.load(w, 64), a4);
              a5 = madd(v128.load(g, 80), v128.load(w, 80), a5);
              a6 = madd(v128.load(g, 96), v128.load(w, 96), a6);
              a7 = madd(v128.load(g, 112), v128.load(w, 112), a7);
            }
            const s0 = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
            const s1 = f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7));
            total += hsum(f32x4.add(s0, s1));
          }
          for (; co + 16 <= cout; co += 16) {
            let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
            for (let e = 0; e < count; e++) {
              const tap = load<i32>(scratch + (<usize>e << 3));
              const pix = load<i32>(scratch + (<usize>e << 3), 4);
              const g = dy + (<usize>((n * plane + pix) * cout + co) << 2);
              const w = f + (<usize>((tap * C + c) * cout + co) << 2);
              a0 = madd(v128.load(g), v128.load(w), a0);
              a1 = madd(v128.load(g, 16), v128.load(w, 16), a1);
              a2 = madd(v128.load(g, 32), v128.load(w, 32), a2);
              a3 = madd(v128.load(g, 48), v128.load(w, 48), a3);
            }
            total += hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
          }
          for (; co + 4 <= cout; co += 4) {
            let a = f32x4.splat(0);
            for (let e = 0; e < count; e++) {
              const tap = load<i32>(scratch + (<usize>e << 3));
              const pix = load<i32>(scratch + (<usize>e << 3), 4);
              a = madd(v128.load(dy + (<usize>((n * plane + pix) * cout + co) << 2)), v128.load(f + (<usize>((tap * C + c) * cout + co) << 2)), a);
            }
            total += hsum(a);
          }
        }
        for (; co < cout; co++) {
          for (let e = 0; e < count; e++) {
            const tap = load<i32>(scratch + (<usize>e << 3));
            const pix = load<i32>(scratch + (<usize>e << 3), 4);
            total = scalarMadd(load<f32>(dy + (<usize>((n * plane + pix) * cout + co) << 2)), load<f32>(f + (<usize>((tap * C + c) * cout + co) << 2)), total);
          }
        }
        store<f32>(out + (<usize>c << 2), total);
      }
    }
  }
}
