// 3-D pooling over NDHWC volumes (maxPool3d, avgPool3d) and maxPoolWithArgmax, with TensorFlow.js's
// geometry (pad 'valid', 'same' or a number, dimRoundingMode). A 3-D window is separable: a 2-D
// pool over height and width of every depth slice (the 2-D kernels), then a max or sum over the
// depth taps of each window. The gradients come from the tape through those ops.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor } from '../creation.js';
import { isRecording } from '../tape.js';
import { checkFloat } from './util.js';
import { maxPool, avgPool } from './pool.js';
import { add, maximum, mul } from './binary.js';
import { reshape } from './shape.js';
import { reverse } from './arrange.js';
import { windowAxes, frame, tupleOf, type AxisGeometry, type PadSpec, type RoundingMode } from './window-parts.js';
import { volumeShape, onVolumes, depthTaps, type Triple } from './conv3d.js';

/** x framed to exactly the span of the windows, `value` in the padding. */
function exactFrame(x: Tensor, g: AxisGeometry[], value: number): Tensor {
  if (g.every((a) => a.before === 0 && a.span === a.size)) return x;
  return frame(x, [0, ...g.map((a) => a.before), 0], [x.shape[0], ...g.map((a) => a.span), x.shape[x.rank - 1]], value);
}

function geometry3d(op: string, xShape: readonly number[], poolSize: Triple, strides: Triple | undefined, pad: PadSpec, dimRoundingMode: RoundingMode | undefined, what: string): AxisGeometry[] {
  const k = tupleOf(poolSize, 3, op, 'filterSize');
  const s = tupleOf(strides ?? k, 3, op, 'strides');
  return windowAxes(op, xShape.slice(1, 4), k, s, [1, 1, 1], pad, dimRoundingMode, true, what);
}

/**
 * 3-D max pooling: x [N, D, H, W, C] (or rank 4) -> [N, OD, OH, OW, C]; strides default to the
 * pool size. The gradient of tied maxima goes to the last in depth, row, column order, as TF.js.
 */
export function maxPool3d(x: Tensor, poolSize: Triple, strides?: Triple, padding: PadSpec = 'valid', dimRoundingMode?: RoundingMode): Tensor {
  return pool3d('maxPool3d', x, poolSize, strides, padding, dimRoundingMode);
}

/**
 * 3-D average pooling: x [N, D, H, W, C] (or rank 4) -> [N, OD, OH, OW, C]; each window averages
 * the input elements it covers (padding is not counted), as TF.js.
 */
export function avgPool3d(x: Tensor, poolSize: Triple, strides?: Triple, padding: PadSpec = 'valid', dimRoundingMode?: RoundingMode): Tensor {
  return pool3d('avgPool3d', x, poolSize, strides, padding, dimRoundingMode);
}

function pool3d(op: 'maxPool3d' | 'avgPool3d', x: Tensor, poolSize: Triple, strides: Triple | undefined, padding: PadSpec, dimRoundingMode: RoundingMode | undefined): Tensor {
  checkFloat(x, op, 'x');
  const xShape = volumeShape(x, op);
  const what = `x ${fmtShape(x.shape)}, filterSize ${jsonOf(poolSize)}, strides ${jsonOf(strides ?? poolSize)}, pad ${jsonOf(padding)}`;
  const g = geometry3d(op, xShape, poolSize, strides, padding, dimRoundingMode, what);
  const [gd, gh, gw] = g;
  const [N, , , , C] = xShape;
  const isMax = op === 'maxPool3d';
  return onVolumes(x, (x5) => tidy(() => {
    const xf = exactFrame(x5, g, isMax ? -Infinity : 0);
    const slices = reshape(xf, [N * gd.span, gh.span, gw.span, C]);
    let p: Tensor;
    if (isMax && isRecording()) {
      // the 2-D pool sends ties to the first maximum; over reversed rows and columns that is the last
      p = reverse(maxPool(reverse(slices, [1, 2]), [gh.k, gw.k], [gh.s, gw.s], 'valid'), [1, 2]);
    } else if (isMax) {
      p = maxPool(slices, [gh.k, gw.k], [gh.s, gw.s], 'valid'); // the same values; no gradient to route
    } else {
      p = avgPool(slices, [gh.k, gw.k], [gh.s, gw.s], 'valid');
    }
    const p5 = reshape(p, [N, gd.span, gh.out, gw.out, C]);
    let acc: Tensor | null = null;
    for (let kd = 0; kd < gd.k; kd++) {
      const t = depthTaps(p5, gd, kd);
      // maximum sends ties to its first argument: the later depth, as TF.js
      acc = acc === null ? t : isMax ? maximum(t, acc) : add(acc, t);
    }
    return isMax ? acc! : mul(acc!, averageScale(g));
  }));
}

/** How many input elements each window covers along one axis (padding excluded). */
function coverage(a: AxisGeometry): number[] {
  return Array.from({ length: a.out }, (_, o) => {
    const start = o * a.s - a.before;
    return Math.max(0, Math.min(a.size, start + a.k) - Math.max(0, start));
  });
}

/** [1, OD, OH, OW, 1]: KH * KW (undoing the 2-D average) over the count of covered elements. */
function averageScale(g: AxisGeometry[]): Tensor {
  const [cd, ch, cw] = g.map(coverage);
  const kk = g[1].k * g[2].k;
  const v = new Float32Array(cd.length * ch.length * cw.length);
  let i = 0;
  for (const a of cd) for (const b of ch) for (const c of cw) v[i++] = kk / Math.max(1, a * b * c);
  return tensor(v, [1, cd.length, ch.length, cw.length, 1]);
}

/**
 * maxPool with the flat index of each maximum, as TF.js: x [N, H, W, C] -> { result, indexes },
 * indexes int32 ((b * H + y) * W + x) * C + c, without the b term unless includeBatchInIndex.
 * Ties give the first maximum (row, then column), and so does the gradient of result.
 */
export function maxPoolWithArgmax(
  x: Tensor, poolSize: number | [number, number], strides?: number | [number, number], padding: PadSpec = 'valid', includeBatchInIndex = false,
): { result: Tensor; indexes: Tensor } {
  const op = 'maxPoolWithArgmax';
  checkFloat(x, op, 'x');
  if (x.rank !== 4) throw new WasmgradError(msg`${op}: x must be rank 4 [batch, height, width, channels], got ${fmtShape(x.shape)}`);
  const k = tupleOf(poolSize, 2, op, 'filterSize');
  const s = tupleOf(strides ?? k, 2, op, 'strides');
  const what = `x ${fmtShape(x.shape)}, filterSize ${jsonOf(poolSize)}, strides ${jsonOf(strides ?? poolSize)}, pad ${jsonOf(padding)}`;
  const g = windowAxes(op, x.shape.slice(1, 3), k, s, [1, 1], padding, undefined, false, what);
  const result = tidy(() => maxPool(exactFrame(x, g, -Infinity), k as [number, number], s as [number, number], 'valid'));
  return { result, indexes: argmaxIndexes(x, g, includeBatchInIndex) };
}

function argmaxIndexes(x: Tensor, [gh, gw]: AxisGeometry[], withBatch: boolean): Tensor {
  const [N, H, W, C] = x.shape;
  const v = x.dataSync();
  const out = new Int32Array(N * gh.out * gw.out * C);
  let i = 0;
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < gh.out; oy++) {
      const y0 = oy * gh.s - gh.before;
      for (let ox = 0; ox < gw.out; ox++) {
        const x0 = ox * gw.s - gw.before;
        for (let c = 0; c < C; c++) {
          let best = -Infinity, at = -1;
          for (let y = Math.max(0, y0); y < Math.min(H, y0 + gh.k); y++) {
            for (let xx = Math.max(0, x0); xx < Math.min(W, x0 + gw.k); xx++) {
              const val = v[((b * H + y) * W + xx) * C + c];
              if (val > best) {
                best = val;
                at = ((withBatch ? b * H : 0) + y) * W * C + xx * C + c;
              }
            }
          }
          out[i++] = at;
        }
      }
    }
  }
  return tensor(out, [N, gh.out, gw.out, C], 'int32');
}
