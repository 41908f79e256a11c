// 2-D max and average pooling over NHWC images, forward and backward, SIMD over channels. The
// geometry descriptor is gemm.ts's (KH x KW is the window, dilations 1). Padding is never read:
// max pooling ignores it, average pooling divides by the count of real elements (TensorFlow's
// rule). (assembly/pool.ts holds the thread pool's own test kernels.)
import { minI, geo } from './common';
import { G_H, G_W, G_C, G_OH, G_OW, G_KH, G_KW, G_SH, G_SW, G_PT, G_PL, POOL_GRAD_BLOCK } from './abi';

const NEG_INF: f32 = <f32>(-Infinity);

// The window rows (or columns) [lo, hi) of a window starting at `start` inside [0, size).
@inline function lo(start: i32): i32 {
  return start < 0 ? 0 : start;
}
@inline function hi(start: i32, k: i32, size: i32): i32 {
  return minI(start + k, size);
}

/**
 * y[n, oh, ow, c] = max (isMax) or mean over the window of x[n, ih, iw, c]. Tasks are the N * OH
 * output rows.
 */
export function pool_f32(isMax: i32, x: usize, y: usize, geom: usize, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  if (isMax) maxPoolRows(x, y, geom, taskBegin, taskEnd);
  else avgPoolRows(x, y, geom, taskBegin, taskEnd);
}

// isMax is a constant in each of these functions: each variant gets its own branch-free loops.
// (Both inlined into pool_f32's two arms, Binaryen folded them into one set of loops testing
// isMax at run time.)
function maxPoolRows(x: usize, y: usize, geom: usize, taskBegin: i32, taskEnd: i32): void {
  poolRows(true, x, y, geom, taskBegin, taskEnd);
}
function avgPoolRows(x: usize, y: usize, geom: usize, taskBegin: i32, taskEnd: i32): void {
  poolRows(false, x, y, geom, taskBegin, taskEnd);
}

@inline function poolRows(isMax: bool, x: usize, y: usize, geom: usize, taskBegin: i32, taskEnd: i32): void {
  const H = geo(geom, G_H), W = geo(geom, G_W), C = geo(geom, G_C), OH = geo(geom, G_OH), OW = geo(geom, G_OW);
  const KH = geo(geom, G_KH), KW = geo(geom, G_KW), sh = geo(geom, G_SH), sw = geo(geom, G_SW);
  const pt = geo(geom, G_PT), pl = geo(geom, G_PL);
  const pixBytes = <usize>C << 2;
  for (let t = taskBegin; t < taskEnd; t++) {
    const n = t / OH;
    const oh = t - n * OH;
    const h0 = oh * sh - pt;
    const ha = lo(h0), hb = hi(h0, KH, H);
    for (let ow = 0; ow < OW; ow++) {
      const w0 = ow * sw - pl;
      const wa = lo(w0), wb = hi(w0, KW, W);
      const count = maxCount(hb - ha, wb - wa);
      const inv: f32 = count > 0 ? <f32>1 / <f32>count : 0;
      const out = y + <usize>(t * OW + ow) * pixBytes;
      const first = x + <usize>((n * H + ha) * W + wa) * pixBytes;
      const rowStep = <usize>W * pixBytes;
      let c = 0;
      if (ASC_FEATURE_SIMD && KH == 2 && KW == 2 && count == 4) {
        // a whole 2x2 window (the common case): straight-line code, sixteen channels at a time
        for (; c + 16 <= C; c += 16) {
          const p0 = first + (<usize>c << 2), p1 = p0 + pixBytes, p2 = p0 + rowStep, p3 = p2 + pixBytes;
          const o = out + (<usize>c << 2);
          if (isMax) {
            v128.store(o, f32x4.max(f32x4.max(v128.load(p0), v128.load(p1)), f32x4.max(v128.load(p2), v128.load(p3))));
            v128.store(o, f32x4.max(f32x4.max(v128.load(p0, 16), v128.load(p1, 16)), f32x4.max(v128.load(p2, 16), v128.load(p3, 16))), 16);
            v128.store(o, f32x4.max(f32x4.max(v128.load(p0, 32), v128.load(p1, 32)), f32x4.max(v128.load(p2, 32), v128.load(p3, 32))), 32);
            v128.store(o, f32x4.max(f32x4.max(v128.load(p0, 48), v128.load(p1, 48)), f32x4.max(v128.load(p2, 48), v128.load(p3, 48))), 48);
          } else {
            // the same order of additions as the general loop: ((x00 + x01) + x10) + x11
            const q = f32x4.splat(inv);
            v128.store(o, f32x4.mul(f32x4.add(f32x4.add(f32x4.add(v128.load(p0), v128.load(p1)), v128.load(p2)), v128.load(p3)), q));
            v128.store(o, f32x4.mul(f32x4.add(f32x4.add(f32x4.add(v128.load(p0, 16), v128.load(p1, 16)), v128.load(p2, 16)), v128.load(p3, 16)), q), 16);
            v128.store(o, f32x4.mul(f32x4.add(f32x4.add(f32x4.add(v128.load(p0, 32), v128.load(p1, 32)), v128.load(p2, 32)), v128.load(p3, 32)), q), 32);
            v128.store(o, f32x4.mul(f32x4.add(f32x4.add(f32x4.add(v128.load(p0, 48), v128.load(p1, 48)), v128.load(p2, 48)), v128.load(p3, 48)), q), 48);
          }
        }
      }
      if (ASC_FEATURE_SIMD) {
        // sixteen channels at a time
        for (; c + 16 <= C; c += 16) {
          const init = isMax ? f32x4.splat(NEG_INF) : f32x4.splat(0);
          let a0 = init, a1 = init, a2 = init, a3 = init;
          let row = first + (<usize>c << 2);
          for (let ih = ha; ih < hb; ih++) {
            let p = row;
            for (let iw = wa; iw < wb; iw++) {
              if (isMax) {
                a0 = f32x4.max(a0, v128.load(p));
                a1 = f32x4.max(a1, v128.load(p, 16));
                a2 = f32x4.max(a2, v128.load(p, 32));
                a3 = f32x4.max(a3, v128.load(p, 48));
              } else {
                a0 = f32x4.add(a0, v128.load(p));
                a1 = f32x4.add(a1, v128.load(p, 16));
                a2 = f32x4.add(a2, v128.load(p, 32));
                a3 = f32x4.add(a3, v128.load(p, 48));
              }
              p += pixBytes;
            }
            row += rowStep;
          }
          const o = out + (<usize>c << 2);
          if (!isMax) {
            const s = f32x4.splat(inv);
            a0 = f32x4.mul(a0, s);
            a1 = f32x4.mul(a1, s);
            a2 = f32x4.mul(a2, s);
            a3 = f32x4.mul(a3, s);
          }
          v128.store(o, a0);
          v128.store(o, a1, 16);
          v128.store(o, a2, 32);
          v128.store(o, a3, 48);
        }
        for (; c + 4 <= C; c += 4) {
          let acc = isMax ? f32x4.splat(NEG_INF) : f32x4.splat(0);
          let row = first + (<usize>c << 2);
          for (let ih = ha; ih < hb; ih++) {
            let p = row;
            for (let iw = wa; iw < wb; iw++) {
              acc = isMax ? f32x4.max(acc, v128.load(p)) : f32x4.add(acc, v128.load(p));
              p += pixBytes;
            }
            row += rowStep;
          }
          v128.store(out + (<usize>c << 2), isMax ? acc : f32x4.mul(acc, f32x4.splat(inv)));
        }
      }
      for (; c < C; c++) {
        let acc: f32 = isMax ? NEG_INF : 0;
        let row = first + (<usize>c << 2);
        for (let ih = ha; ih < hb; ih++) {
          let p = row;
          for (let iw = wa; iw < wb; iw++) {
            acc = isMax ? max<f32>(acc, load<f32>(p)) : acc + load<f32>(p);
            p += pixBytes;
          }
          row += rowStep;
        }
        store<f32>(out + (<usize>c << 2), isMax ? acc : acc * inv);
      }
    }
  }
}

/** Whether padded position q (row or column + padding) lies in one of n windows of size k at stride s >= k. */
@inline function covered(q: i32, s: i32, k: i32, n: i32): bool {
  const w = q / s;
  return w < n && q - w * s < k;
}

@inline function maxCount(rows: i32, cols: i32): i32 {
  return rows > 0 && cols > 0 ? rows * cols : 0;
}

/**
 * dx = the gradient of pool_f32: each window's dy goes to the first maximum of the window (isMax;
 * per channel, windows scanned row by row) or is spread evenly over its real elements. Tasks are
 * N * ceil(C / POOL_GRAD_BLOCK) blocks of channels of one image: each task owns its part of dx and
 * adds the windows in output order, so overlapping windows sum in one fixed order. Windows that
 * cannot overlap (strides >= window, the usual pooling) write their elements as 0 + share, the
 * very sum of the general path, so dx is read only where no window covers it (zeroed).
 */
export function pool_grad_f32(isMax: i32, x: usize, dy: usize, dx: usize, geom: usize, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  if (isMax) maxPoolGrad(x, dy, dx, geom, taskBegin, taskEnd);
  else avgPoolGrad(x, dy, dx, geom, taskBegin, taskEnd);
}

// As for pool_f32: one function per variant, so that each keeps its own loops.
function maxPoolGrad(x: usize, dy: usize, dx: usize, geom: usize, taskBegin: i32, taskEnd: i32): void {
  poolGradTasks(true, x, dy, dx, geom, taskBegin, taskEnd);
}
function avgPoolGrad(x: usize, dy: usize, dx: usize, geom: usize, taskBegin: i32, taskEnd: i32): void {
  poolGradTasks(false, x, dy, dx, geom, taskBegin, taskEnd);
}

@inline function poolGradTasks(isMax: bool, x: usize, dy: usize, dx: usize, geom: usize, taskBegin: i32, taskEnd: i32): void {
  const H = geo(geom, G_H), W = geo(geom, G_W), C = geo(geom, G_C), OH = geo(geom, G_OH), OW = geo(geom, G_OW);
  const KH = geo(geom, G_KH), KW = geo(geom, G_KW), sh = geo(geom, G_SH), sw = geo(geom, G_SW);
  const pt = geo(geom, G_PT), pl = geo(geom, G_PL);
  const blocks = (C + POOL_GRAD_BLOCK - 1) / POOL_GRAD_BLOCK;
  const pixBytes = <usize>C << 2;
  const rowStep = <usize>W * pixBytes;
  const disjoint = sh >= KH && sw >= KW;
  for (let t = taskBegin; t < taskEnd; t++) {
    const n = t / blocks;
    const c0 = (t - n * blocks) * POOL_GRAD_BLOCK;
    const c1 = minI(c0 + POOL_GRAD_BLOCK, C);
    const img = <usize>(n * H * W) * pixBytes;
    const blockBytes = <usize>(c1 - c0) << 2;
    if (!disjoint) {
      // zero this task's part of dx, then add the windows
      if (c1 - c0 == C) memory.fill(dx + img, 0, <usize>(H * W) * pixBytes);
      else for (let p = 0; p < H * W; p++) memory.fill(dx + img + <usize>p * pixBytes + (<usize>c0 << 2), 0, blockBytes);
    } else {
      // zero what no window covers (rows and columns past the last window, gaps of larger strides)
      for (let ih = 0; ih < H; ih++) {
        const rowStart = dx + img + <usize>(ih * W) * pixBytes + (<usize>c0 << 2);
        if (!covered(ih + pt, sh, KH, OH)) {
          if (c1 - c0 == C) memory.fill(rowStart, 0, <usize>W * pixBytes);
          else for (let iw = 0; iw < W; iw++) memory.fill(rowStart + <usize>iw * pixBytes, 0, blockBytes);
          continue;
        }
        for (let iw = 0; iw < W; iw++) if (!covered(iw + pl, sw, KW, OW)) memory.fill(rowStart + <usize>iw * pixBytes, 0, blockBytes);
      }
    }
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      const ha = lo(h0), hb = hi(h0, KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        const wa = lo(w0), wb = hi(w0, KW, W);
        const count = maxCount(hb - ha, wb - wa);
        if (count == 0) continue;
        const inv: f32 = <f32>1 / <f32>count;
        const g = dy + <usize>((n * OH + oh) * OW + ow) * pixBytes;
        const firstOff = img + <usize>(ha * W + wa) * pixBytes;
        let c = c0;
        if (ASC_FEATURE_SIMD && isMax && disjoint && KH == 2 && KW == 2 && count == 4) {
          // a whole 2x2 window (the common case): straight-line code. The maximum is exact
          // whatever the order of max, so the masks are those of the general loop.
          const zero = f32x4.splat(0);
          for (; c + 4 <= c1; c += 4) {
            const co = <usize>c << 2;
            const gv = v128.load(g + co);
            const q0 = firstOff + co, q1 = q0 + pixBytes, q2 = q0 + rowStep, q3 = q2 + pixBytes;
            const x0 = v128.load(x + q0), x1 = v128.load(x + q1), x2 = v128.load(x + q2), x3 = v128.load(x + q3);
            const m = f32x4.max(f32x4.max(f32x4.max(x0, x1), x2), x3);
            const h0 = f32x4.eq(x0, m);
            const h1 = v128.andnot(f32x4.eq(x1, m), h0);
            const t01 = v128.or(h0, h1);
            const h2 = v128.andnot(f32x4.eq(x2, m), t01);
            const h3 = v128.andnot(f32x4.eq(x3, m), v128.or(t01, h2));
            v128.store(dx + q0, f32x4.add(zero, v128.and(gv, h0)));
            v128.store(dx + q1, f32x4.add(zero, v128.and(gv, h1)));
            v128.store(dx + q2, f32x4.add(zero, v128.and(gv, h2)));
            v128.store(dx + q3, f32x4.add(zero, v128.and(gv, h3)));
          }
        }
        if (ASC_FEATURE_SIMD) {
          const zero = f32x4.splat(0);
          for (; c + 4 <= c1; c += 4) {
            const co = <usize>c << 2;
            const gv = v128.load(g + co);
            if (isMax) {
              // the window's maximum, then a mask that is set at its first occurrence only
              let m = f32x4.splat(NEG_INF);
              let row = firstOff + co;
              for (let ih = ha; ih < hb; ih++) {
                let p = row;
                for (let iw = wa; iw < wb; iw++) {
                  m = f32x4.max(m, v128.load(x + p));
                  p += pixBytes;
                }
                row += rowStep;
              }
              let taken = i32x4.splat(0);
              row = firstOff + co;
              for (let ih = ha; ih < hb; ih++) {
                let p = row;
                for (let iw = wa; iw < wb; iw++) {
                  const hit = v128.andnot(f32x4.eq(v128.load(x + p), m), taken);
                  v128.store(dx + p, f32x4.add(disjoint ? zero : v128.load(dx + p), v128.and(gv, hit)));
                  taken = v128.or(taken, hit);
                  p += pixBytes;
                }
                row += rowStep;
              }
            } else {
              const share = f32x4.mul(gv, f32x4.splat(inv));
              let row = firstOff + co;
              for (let ih = ha; ih < hb; ih++) {
                let p = row;
                for (let iw = wa; iw < wb; iw++) {
                  v128.store(dx + p, f32x4.add(disjoint ? zero : v128.load(dx + p), share));
                  p += pixBytes;
                }
                row += rowStep;
              }
            }
          }
        }
        for (; c < c1; c++) {
          const co = <usize>c << 2;
          const gs = load<f32>(g + co);
          if (isMax) {
            let m: f32 = NEG_INF;
            let row = firstOff + co;
            for (let ih = ha; ih < hb; ih++) {
              let p = row;
              for (let iw = wa; iw < wb; iw++) {
                m = max<f32>(m, load<f32>(x + p));
                p += pixBytes;
              }
              row += rowStep;
            }
            let done = false;
            row = firstOff + co;
            for (let ih = ha; ih < hb && (!done || disjoint); ih++) {
              let p = row;
              for (let iw = wa; iw < wb; iw++) {
                if (!done && load<f32>(x + p) == m) {
                  store<f32>(dx + p, (disjoint ? <f32>0 : load<f32>(dx + p)) + gs);
                  done = true;
                  if (!disjoint) break;
                } else if (disjoint) {
                  store<f32>(dx + p, 0);
                }
                p += pixBytes;
              }
              row += rowStep;
            }
          } else {
            const share = gs * inv;
            let row = firstOff + co;
            for (let ih = ha; ih < hb; ih++) {
              let p = row;
              for (let iw = wa; iw < wb; iw++) {
                store<f32>(dx + p, (disjoint ? <f32>0 : load<f32>(dx + p)) + share);
                p += pixBytes;
              }
              row += rowStep;
            }
          }
        }
      }
    }
  }
}
