// 3-D convolutions over NDHWC volumes, filters [KD, KH, KW, Cin, Cout] as TensorFlow.js: conv3d
// and conv3dTranspose. Each is a sum over the filter's depth of 2-D convolutions of depth-strided
// slices folded into the batch ([N * Dout, H, W, C]), so the GEMMs run in the 2-D kernels and the
// gradients (input and filter) come from the tape through those 2-D ops.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { checkFloat } from './util.js';
import { conv2d, conv2dTranspose } from './conv.js';
import { add } from './binary.js';
import { reshape, slice } from './shape.js';
import { windowAxes, frame, taps, spread, tupleOf, type AxisGeometry } from './window-parts.js';

export type Triple = number | [number, number, number];

/** x's shape as rank 5 (a rank-4 volume is one batch); raises for other ranks. */
export function volumeShape(x: Tensor, op: string): number[] {
  if (x.rank === 5) return x.shape.slice();
  if (x.rank !== 4) throw new WasmgradError(msg`${op}: x must be rank 5 [batch, depth, height, width, channels] (or 4 without the batch), got ${fmtShape(x.shape)}`);
  return [1, ...x.shape];
}

/**
 * Runs f on x as rank 5 (call after every check: nothing is left behind), and gives the result
 * the rank x had.
 */
export function onVolumes(x: Tensor, f: (x5: Tensor) => Tensor): Tensor {
  if (x.rank === 5) return f(x);
  const x5 = reshape(x, [1, ...x.shape]);
  try {
    const y = f(x5);
    const r = reshape(y, y.shape.slice(1));
    y.dispose();
    return r;
  } finally {
    x5.dispose();
  }
}

/** The frame the windows run over: the padded (or cropped) input, or x itself when it already fits. */
export function framed(x5: Tensor, g: AxisGeometry[], value: number): Tensor {
  const fits = g.every((a) => a.before === 0 && a.span <= a.size);
  if (fits) return x5;
  return frame(x5, [0, ...g.map((a) => a.before), 0], [x5.shape[0], ...g.map((a) => a.span), x5.shape[4]], value);
}

/** The depth taps of window row kd: [N, Dout, ...] from the framed input. */
export function depthTaps(xf: Tensor, g: AxisGeometry, kd: number): Tensor {
  const [N, , H, W, C] = xf.shape;
  return taps(xf, [0, kd * g.d, 0, 0, 0], [N, g.out, H, W, C], [1, g.s, 1, 1, 1]);
}

function checkFilter(op: string, xShape: readonly number[], filter: Tensor, inAxis: number, what: string): void {
  if (filter.rank !== 5) throw new WasmgradError(msg`${op}: filter must be rank 5 [depth, height, width, ${inAxis === 3 ? 'inChannels, outChannels' : 'outChannels, inChannels'}], got ${fmtShape(filter.shape)}`);
  if (xShape[4] !== filter.shape[inAxis]) throw new WasmgradError(msg`${op}: x has ${xShape[4]} channels but the filter expects ${filter.shape[inAxis]}: ${what}`);
  if (filter.shape.some((d) => d === 0)) throw new WasmgradError(msg`${op}: the filter has an empty dimension: ${what}`);
}

/** filter[kd] as a 2-D filter [KH, KW, A, B]. */
function filterRow(filter: Tensor, kd: number): Tensor {
  const [, KH, KW, A, B] = filter.shape;
  return reshape(slice(filter, [kd, 0, 0, 0, 0], [1, KH, KW, A, B]), [KH, KW, A, B]);
}

/**
 * 3-D convolution: x [N, D, H, W, Cin] (or [D, H, W, Cin]), filter [KD, KH, KW, Cin, Cout] ->
 * [N, OD, OH, OW, Cout]. As TF.js: strides or dilations must be all 1; 'same' padding as TF.js's
 * 3-D ops compute it.
 */
export function conv3d(x: Tensor, filter: Tensor, strides: Triple = 1, padding: 'valid' | 'same' = 'valid', dilations: Triple = 1): Tensor {
  const op = 'conv3d';
  checkFloat(x, op, 'x');
  checkFloat(filter, op, 'filter');
  const xShape = volumeShape(x, op);
  const what = `x ${fmtShape(x.shape)}, filter ${fmtShape(filter.shape)}`;
  checkFilter(op, xShape, filter, 3, what);
  const s = tupleOf(strides, 3, op, 'strides');
  const d = tupleOf(dilations, 3, op, 'dilations');
  if (s.some((v) => v > 1) && d.some((v) => v > 1)) {
    throw new WasmgradError(msg`${op}: strides ${jsonOf(strides)} and dilations ${jsonOf(dilations)}: either the strides or the dilations must be 1: ${what}`);
  }
  if (padding !== 'valid' && padding !== 'same') throw new WasmgradError(msg`${op}: padding must be 'valid' or 'same', got ${jsonOf(padding)}: ${what}`);
  const g = windowAxes(op, xShape.slice(1, 4), filter.shape.slice(0, 3), s, d, padding, undefined, true, what);
  const [N] = xShape;
  const [gd, gh, gw] = g;
  const cout = filter.shape[4];
  return onVolumes(x, (x5) => tidy(() => {
    const xf = framed(x5, g, 0);
    let acc: Tensor | null = null;
    for (let kd = 0; kd < filter.shape[0]; kd++) {
      const t = depthTaps(xf, gd, kd);
      const t4 = reshape(t, [N * gd.out, ...t.shape.slice(2)]);
      const yk = conv2d(t4, filterRow(filter, kd), [gh.s, gw.s], 'valid', [gh.d, gw.d]);
      acc = acc ? add(acc, yk) : yk;
    }
    return reshape(acc!, [N, gd.out, gh.out, gw.out, cout]);
  }));
}

/**
 * The transpose of conv3d (its gradient with respect to the input): x [N, D, H, W, Cin] (or rank
 * 4), filter [KD, KH, KW, Cout, Cin], outputShape [N, OD, OH, OW, Cout] (or without N), such that
 * conv3d of the output with this filter, strides and padding has x's shape.
 */
export function conv3dTranspose(x: Tensor, filter: Tensor, outputShape: number[], strides: Triple = 1, padding: 'valid' | 'same' = 'valid'): Tensor {
  const op = 'conv3dTranspose';
  checkFloat(x, op, 'x');
  checkFloat(filter, op, 'filter');
  const xShape = volumeShape(x, op);
  const rankOk = Array.isArray(outputShape) && outputShape.length === x.rank && outputShape.every((v) => Number.isInteger(v) && v >= 1);
  if (!rankOk) {
    throw new WasmgradError(msg`${op}: outputShape must be ${x.rank} positive whole numbers ([batch,] depth, height, width, channels) for x ${fmtShape(x.shape)}, got ${jsonOf(outputShape)}`);
  }
  const zShape = outputShape.length === 4 ? [1, ...outputShape] : outputShape.slice();
  const what = `x ${fmtShape(x.shape)}, filter ${fmtShape(filter.shape)}, outputShape ${fmtShape(outputShape)}`;
  checkFilter(op, xShape, filter, 4, what);
  if (zShape[4] !== filter.shape[3]) throw new WasmgradError(msg`${op}: outputShape has ${zShape[4]} channels but the filter makes ${filter.shape[3]}: ${what}`);
  if (zShape[0] !== xShape[0]) throw new WasmgradError(msg`${op}: outputShape has batch ${zShape[0]}, x has ${xShape[0]}: ${what}`);
  const s = tupleOf(strides, 3, op, 'strides');
  if (padding !== 'valid' && padding !== 'same') throw new WasmgradError(msg`${op}: padding must be 'valid' or 'same', got ${jsonOf(padding)}: ${what}`);
  const g = windowAxes(op, zShape.slice(1, 4), filter.shape.slice(0, 3), s, [1, 1, 1], padding, undefined, true, what);
  if (g.some((a, i) => a.out !== xShape[i + 1])) {
    throw new WasmgradError(msg`${op}: a conv3d of outputShape with these strides and padding gives ${g.map((a) => a.out).join('x')}, not x's ${xShape.slice(1, 4).join('x')}: ${what}`);
  }
  const [N, D, H, W, cin] = xShape;
  const cout = zShape[4];
  const fits = g.every((a) => a.before === 0 && a.span <= a.size);
  const frameDims = g.map((a) => (fits ? a.size : a.span));
  const [gd, gh, gw] = g;
  return onVolumes(x, (x5) => tidy(() => {
    const x4 = reshape(x5, [N * D, H, W, cin]);
    let acc: Tensor | null = null;
    for (let kd = 0; kd < filter.shape[0]; kd++) {
      // the adjoint of conv3d's steps in reverse: 2-D transpose, then back to depth kd + o * stride
      const yk = conv2dTranspose(x4, filterRow(filter, kd), [N * D, frameDims[1], frameDims[2], cout], [gh.s, gw.s], 'valid');
      const y5 = reshape(yk, [N, D, frameDims[1], frameDims[2], cout]);
      const placed = spread(y5, [0, kd, 0, 0, 0], [N, frameDims[0], frameDims[1], frameDims[2], cout], [1, gd.s, 1, 1, 1]);
      acc = acc ? add(acc, placed) : placed;
    }
    return fits && frameDims.every((v, i) => v === zShape[i + 1]) ? acc! : frame(acc!, [0, ...g.map((a) => -a.before), 0], zShape, 0);
  }));
}
