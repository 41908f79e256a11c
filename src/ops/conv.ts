// Convolutions (NHWC; filters [KH, KW, Cin, Cout] as TensorFlow.js): conv2d, its fused inference
// form (bias and relu in the GEMM epilogue), conv1d, depthwiseConv2d, conv2dTranspose. Each
// backward sits right under its forward: the input gradient by an implicit GEMM (stride 1) or
// col2im, the filter gradient by a GEMM over im2col(x)^T, the bias gradient by a reduction.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { type FusedActivation } from '../engine/drivers/gemm.js';
import { conv2dForward, conv2dGradInput, conv2dGradFilter, depthwiseForward, depthwiseGradInput, depthwiseGradFilter } from '../engine/drivers/conv.js';
import { type ConvGeometry } from '../engine/drivers/geometry.js';
import { checkFloat, newTensor } from './util.js';
import { zeros } from '../creation.js';
import { fusedActivationGrad } from './activation-grad.js';
import { reshape } from './shape.js';
import { sum } from './reduce.js';
import { checkWindow } from '../validate.js';

export type Padding = 'valid' | 'same';
/** A window op's padding: 'valid', 'same', or TF.js's explicit forms (a number for every side, or [[0, 0], [top, bottom], [left, right], [0, 0]]). */
export type PaddingSpec = Padding | number | [[number, number], [number, number], [number, number], [number, number]];
export type PairLike = number | [number, number];

/** A positive whole number or a pair of them. */
export function pairOf(v: unknown, op: string, name: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WasmgradError(msg`${op}: ${name} must be a positive whole number or a pair of them, got ${jsonOf(v)}`);
  }
  return [p[0], p[1]];
}

/**
 * Output size and padding before/after of one spatial dimension, as TensorFlow: 'valid' keeps
 * whole windows; 'same' gives ceil(in / stride) outputs with total pad
 * max((out - 1) stride + (k - 1) dilation + 1 - in, 0), the odd one after; 'causal' pads
 * (k - 1) dilation before only.
 */
function dimGeometry(size: number, k: number, s: number, d: number, padding: Padding | 'causal'): [number, number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((size - eff) / s) + 1, 0, 0];
  if (padding === 'causal') return [Math.floor((size + eff - 1 - eff) / s) + 1, eff - 1, 0];
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + eff - size, 0);
  const before = Math.floor(total / 2);
  return [out, before, total - before];
}

/** Pads before and after each spatial dimension, given: [[top, bottom], [left, right]]. */
type ExplicitPads = [[number, number], [number, number]];

/**
 * 'valid', 'same' ('causal' where allowed), or TF.js's explicit forms: one whole number for every
 * side, or [[0, 0], [top, bottom], [left, right], [0, 0]] (NHWC: no padding of batch or channels).
 */
function checkPadding(padding: unknown, op: string, allowCausal = false): Padding | 'causal' | ExplicitPads {
  if (padding === 'valid' || padding === 'same' || (allowCausal && padding === 'causal')) return padding;
  const whole = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (whole(padding)) return [[padding as number, padding as number], [padding as number, padding as number]];
  const p = padding as unknown[][];
  if (Array.isArray(p) && p.length === 4 && p.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(whole)) && p[0].every((v) => v === 0) && p[3].every((v) => v === 0)) {
    return [[p[1][0] as number, p[1][1] as number], [p[2][0] as number, p[2][1] as number]];
  }
  throw new WasmgradError(
    `${op}: padding must be 'valid' or 'same'${allowCausal ? " or 'causal'" : ''}, a whole number >= 0, or [[0, 0], [top, bottom], [left, right], [0, 0]], got ${jsonOf(padding)}`,
  );
}

/**
 * The geometry of a window op on x [N, H, W, C] with a KH x KW window; raises when a 'valid'
 * window does not fit. `what` names the shapes in messages.
 */
export function windowGeometry(
  op: string, xShape: readonly number[], KH: number, KW: number, strides: unknown, padding: unknown, dilations: unknown, what: string,
  allowCausal = false,
): ConvGeometry {
  checkWindow(op, xShape.slice(1, 3), [KH, KW], strides, dilations);
  const [sh, sw] = pairOf(strides, op, 'strides');
  const [dh, dw] = pairOf(dilations, op, 'dilations');
  const pad = checkPadding(padding, op, allowCausal);
  const [N, H, W, C] = xShape;
  const window = `the ${KH}x${KW} window${dh > 1 || dw > 1 ? ` (dilated ${dh}x${dw})` : ''}`;
  if (Array.isArray(pad)) {
    const [[pt, pb], [pl, pr]] = pad;
    const [effH, effW] = [(KH - 1) * dh + 1, (KW - 1) * dw + 1];
    if (effH > H + pt + pb || effW > W + pl + pr) {
      throw new WasmgradError(msg`${op}: ${window} is larger than the ${H}x${W} input padded to ${H + pt + pb}x${W + pl + pr}: ${what}`);
    }
    const [OH, OW] = [Math.floor((H + pt + pb - effH) / sh) + 1, Math.floor((W + pl + pr - effW) / sw) + 1];
    return { N, H, W, C, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr };
  }
  if (pad === 'valid' && ((KH - 1) * dh + 1 > H || (KW - 1) * dw + 1 > W)) {
    throw new WasmgradError(msg`${op}: ${window} is larger than the ${H}x${W} input with 'valid' padding: ${what}`);
  }
  const [OH, pt, pb] = dimGeometry(H, KH, sh, dh, pad === 'causal' ? 'valid' : pad);
  const [OW, pl, pr] = dimGeometry(W, KW, sw, dw, pad);
  return { N, H, W, C, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl, pb, pr };
}

function checkRank(t: Tensor, rank: number, op: string, name: string, layout: string): void {
  if (t.rank !== rank) throw new WasmgradError(msg`${op}: ${name} must be rank ${rank} ${layout}, got ${fmtShape(t.shape)}`);
}

/** Checks x [N, H, W, C] and filter [KH, KW, C, *]; returns the geometry. */
function convGeometryOf(op: string, x: Tensor, filter: Tensor, strides: unknown, padding: unknown, dilations: unknown, allowCausal = false): ConvGeometry {
  checkFloat(x, op, 'x');
  checkFloat(filter, op, 'filter');
  checkRank(x, 4, op, 'x', '[batch, height, width, channels]');
  checkRank(filter, 4, op, 'filter', '[height, width, inChannels, outChannels]');
  const what = `x ${fmtShape(x.shape)}, filter ${fmtShape(filter.shape)}`;
  if (x.shape[3] !== filter.shape[2]) {
    throw new WasmgradError(msg`${op}: x has ${x.shape[3]} channels but the filter expects ${filter.shape[2]}: ${what}`);
  }
  if (filter.shape.some((d) => d === 0)) throw new WasmgradError(msg`${op}: the filter has an empty dimension: ${what}`);
  return windowGeometry(op, x.shape, filter.shape[0], filter.shape[1], strides, padding, dilations, what, allowCausal);
}

// conv2d ------------------------------------------------------------------------------------

function convCore(op: string, x: Tensor, filter: Tensor, bias: Tensor | null, act: FusedActivation, g: ConvGeometry): Tensor {
  const cout = filter.shape[3];
  const out = newTensor([g.N, g.OH, g.OW, cout]);
  if (out.size === 0) return out;
  conv2dForward(x, filter, bias, out, g, act);
  record(op, bias ? [x, filter, bias] : [x, filter], out, ([dy], needed) => {
    // out = act(z): for relu, dz = dy where out > 0. Only the gradients in use are computed
    // (a first layer's input needs none).
    const dz = fusedActivationGrad(act, out, dy);
    let dx: Tensor | null = null, df: Tensor | null = null;
    if (needed[0]) {
      dx = newTensor(x.shape);
      conv2dGradInput(dz, filter, dx, g);
    }
    if (needed[1]) {
      df = newTensor(filter.shape);
      conv2dGradFilter(x, dz, df, g);
    }
    const grads = [dx, df];
    if (bias) grads.push(needed[2] ? sum(dz, [0, 1, 2]) : null);
    if (dz !== dy) dz.dispose();
    return grads;
  });
  return out;
}

/** 2-D convolution: x [N, H, W, Cin], filter [KH, KW, Cin, Cout] -> [N, OH, OW, Cout]. */
export function conv2d(x: Tensor, filter: Tensor, strides: PairLike = 1, padding: PaddingSpec = 'valid', dilations: PairLike = 1): Tensor {
  const g = convGeometryOf('conv2d', x, filter, strides, padding, dilations);
  return convCore('conv2d', x, filter, null, 'linear', g);
}

/**
 * act(conv2d(x, filter) + bias) in one pass over the output (bias and relu are the GEMM's
 * epilogue; other activations are applied after). Trains like the separate ops.
 */
export function fusedConv2d(
  x: Tensor, filter: Tensor, bias: Tensor | null = null, activation: FusedActivation = 'linear',
  strides: PairLike = 1, padding: PaddingSpec = 'valid', dilations: PairLike = 1,
): Tensor {
  const op = 'fusedConv2d';
  const g = convGeometryOf(op, x, filter, strides, padding, dilations);
  if (bias) checkBias(op, bias, filter.shape[3]);
  if (activation !== 'linear' && activation !== 'relu') throw new WasmgradError(msg`${op}: activation must be 'linear' or 'relu', got ${jsonOf(activation)}`);
  return convCore(op, x, filter, bias, activation, g);
}

function checkBias(op: string, bias: Tensor, n: number): void {
  checkFloat(bias, op, 'bias');
  if (bias.rank !== 1 || bias.size !== n) throw new WasmgradError(msg`${op}: bias must be float32 [${n}], got ${fmtShape(bias.shape)}`);
}

/**
 * 1-D convolution: x [N, W, Cin], filter [K, Cin, Cout] -> [N, OW, Cout] (conv2d over a height of
 * 1; 'causal' pads only before, as Keras's Conv1D).
 */
export function conv1d(x: Tensor, filter: Tensor, stride = 1, padding: Padding | 'causal' = 'valid', dilation = 1): Tensor {
  const op = 'conv1d';
  checkFloat(x, op, 'x');
  checkFloat(filter, op, 'filter');
  checkRank(x, 3, op, 'x', '[batch, width, channels]');
  checkRank(filter, 3, op, 'filter', '[width, inChannels, outChannels]');
  for (const [v, name] of [[stride, 'stride'], [dilation, 'dilation']] as const) {
    if (!Number.isInteger(v) || v < 1) throw new WasmgradError(msg`${op}: ${name} must be a positive whole number, got ${jsonOf(v)}`);
  }
  const [N, W, C] = x.shape;
  const [K, Cin, Cout] = filter.shape;
  const what = `x ${fmtShape(x.shape)}, filter ${fmtShape(filter.shape)}`;
  if (C !== Cin) throw new WasmgradError(msg`${op}: x has ${C} channels but the filter expects ${Cin}: ${what}`);
  const g = windowGeometry(op, [N, 1, W, C], 1, K, [1, stride], padding, [1, dilation], what, true);
  const x4 = reshape(x, [N, 1, W, C]);
  const f4 = reshape(filter, [1, K, Cin, Cout]);
  const y4 = convCore(op, x4, f4, null, 'linear', g);
  const y = reshape(y4, [N, g.OW, Cout]);
  x4.dispose();
  f4.dispose();
  y4.dispose();
  return y;
}

// depthwiseConv2d ---------------------------------------------------------------------------

/** Depthwise convolution: x [N, H, W, C], filter [KH, KW, C, M] -> [N, OH, OW, C*M]. */
export function depthwiseConv2d(x: Tensor, filter: Tensor, strides: PairLike = 1, padding: PaddingSpec = 'valid', dilations: PairLike = 1): Tensor {
  return depthwiseCore('depthwiseConv2d', x, filter, null, 'linear', strides, padding, dilations);
}

/** act(depthwiseConv2d(x, filter) + bias), bias [C*M], in one pass. */
export function fusedDepthwiseConv2d(
  x: Tensor, filter: Tensor, bias: Tensor | null = null, activation: FusedActivation = 'linear',
  strides: PairLike = 1, padding: PaddingSpec = 'valid', dilations: PairLike = 1,
): Tensor {
  return depthwiseCore('fusedDepthwiseConv2d', x, filter, bias, activation, strides, padding, dilations);
}

function depthwiseCore(
  op: string, x: Tensor, filter: Tensor, bias: Tensor | null, act: FusedActivation, strides: PairLike, padding: PaddingSpec, dilations: PairLike,
): Tensor {
  const g = convGeometryOf(op, x, filter, strides, padding, dilations);
  const mult = filter.shape[3];
  if (bias) checkBias(op, bias, g.C * mult);
  const out = newTensor([g.N, g.OH, g.OW, g.C * mult]);
  if (out.size === 0) return out;
  depthwiseForward(x, filter, bias, out, g, act);
  record(op, bias ? [x, filter, bias] : [x, filter], out, ([dy], needed) => {
    const dz = fusedActivationGrad(act, out, dy);
    let dx: Tensor | null = null, df: Tensor | null = null;
    if (needed[0]) {
      dx = newTensor(x.shape);
      depthwiseGradInput(dz, filter, dx, g);
    }
    if (needed[1]) {
      df = newTensor(filter.shape);
      depthwiseGradFilter(x, dz, df, g);
    }
    const grads = [dx, df];
    if (bias) grads.push(needed[2] ? sum(dz, [0, 1, 2]) : null);
    if (dz !== dy) dz.dispose();
    return grads;
  });
  return out;
}

// conv2dTranspose ---------------------------------------------------------------------------

/**
 * The transpose of conv2d (the gradient of conv2d with respect to its input): x [N, H, W, Cin],
 * filter [KH, KW, Cout, Cin], outputShape [N, OH, OW, Cout] (or [OH, OW, Cout]), such that
 * conv2d of the output with this filter, strides, padding (and dilations) has x's shape.
 */
export function conv2dTranspose(
  x: Tensor, filter: Tensor, outputShape: number[], strides: PairLike = 1, padding: Padding = 'valid', dilations: PairLike = 1,
): Tensor {
  const op = 'conv2dTranspose';
  // (TF.js's explicit padding of a transposed convolution sizes it otherwise: not taken)
  if (padding !== 'valid' && padding !== 'same') throw new WasmgradError(msg`${op}: padding must be 'valid' or 'same', got ${jsonOf(padding)}`);
  checkFloat(x, op, 'x');
  checkFloat(filter, op, 'filter');
  checkRank(x, 4, op, 'x', '[batch, height, width, channels]');
  checkRank(filter, 4, op, 'filter', '[height, width, outChannels, inChannels]');
  if (!Array.isArray(outputShape) || (outputShape.length !== 3 && outputShape.length !== 4) || !outputShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new WasmgradError(msg`${op}: outputShape must be [batch, height, width, channels] or [height, width, channels], got ${jsonOf(outputShape)}`);
  }
  const zShape = outputShape.length === 3 ? [x.shape[0], ...outputShape] : outputShape.slice();
  const what = `x ${fmtShape(x.shape)}, filter ${fmtShape(filter.shape)}, outputShape ${fmtShape(zShape)}`;
  const [KH, KW, cout, cin] = filter.shape;
  if (x.shape[3] !== cin) throw new WasmgradError(msg`${op}: x has ${x.shape[3]} channels but the filter expects ${cin}: ${what}`);
  if (zShape[3] !== cout) throw new WasmgradError(msg`${op}: outputShape has ${zShape[3]} channels but the filter makes ${cout}: ${what}`);
  if (zShape[0] !== x.shape[0]) throw new WasmgradError(msg`${op}: outputShape has batch ${zShape[0]}, x has ${x.shape[0]}: ${what}`);
  const g = windowGeometry(op, zShape, KH, KW, strides, padding, dilations, what);
  if (g.OH !== x.shape[1] || g.OW !== x.shape[2]) {
    throw new WasmgradError(msg`${op}: a conv2d of outputShape with these strides and padding gives ${g.OH}x${g.OW}, not x's ${x.shape[1]}x${x.shape[2]}: ${what}`);
  }
  const out = newTensor(zShape);
  if (out.size === 0) return out;
  conv2dGradInput(x, filter, out, g);
  record(op, [x, filter], out, ([dy], needed) => {
    // out = conv2d^T(x): dx = conv2d(dy), dfilter = the conv2d filter gradient with dy as input
    let dx: Tensor | null = null, df: Tensor | null = null;
    if (needed[0]) {
      dx = newTensor(x.shape);
      conv2dForward(dy, filter, null, dx, g);
    }
    if (needed[1]) {
      df = newTensor(filter.shape);
      conv2dGradFilter(dy, x, df, g);
    }
    return [dx, df];
  });
  return out;
}

// The two gradients of conv2d as ops of their own (as tf.nn.conv2d_backprop_input / _filter) --

/**
 * The gradient of conv2d with respect to its input x of shape xShape [N, H, W, Cin], given dy
 * [N, OH, OW, Cout] and filter [KH, KW, Cin, Cout] (conv2dTranspose with dilations). Records no
 * gradient of its own.
 */
export function conv2dBackpropInput(
  xShape: number[], dy: Tensor, filter: Tensor, strides: PairLike = 1, padding: Padding = 'valid', dilations: PairLike = 1,
): Tensor {
  const op = 'conv2dBackpropInput';
  checkFloat(filter, op, 'filter');
  const g = backpropGeometry(op, xShape, dy, filter.shape, strides, padding, dilations);
  if (dy.size === 0) return zeros(xShape);
  const dx = newTensor(xShape);
  conv2dGradInput(dy, filter, dx, g);
  return dx;
}

/**
 * The gradient of conv2d with respect to its filter of shape filterShape [KH, KW, Cin, Cout], given
 * x [N, H, W, Cin] and dy [N, OH, OW, Cout]: sum over the batch and positions, in one fixed order.
 * Records no gradient of its own.
 */
export function conv2dBackpropFilter(
  x: Tensor, dy: Tensor, filterShape: number[], strides: PairLike = 1, padding: Padding = 'valid', dilations: PairLike = 1,
): Tensor {
  const op = 'conv2dBackpropFilter';
  checkFloat(x, op, 'x');
  const g = backpropGeometry(op, x.shape, dy, filterShape, strides, padding, dilations);
  if (dy.size === 0) return zeros(filterShape);
  const df = newTensor(filterShape);
  conv2dGradFilter(x, dy, df, g);
  return df;
}

function backpropGeometry(
  op: string, xShape: readonly number[], dy: Tensor, filterShape: readonly number[], strides: unknown, padding: unknown, dilations: unknown,
): ConvGeometry {
  checkFloat(dy, op, 'dy');
  const shapeOk = (s: readonly number[]) => Array.isArray(s) && s.length === 4 && s.every((d) => Number.isInteger(d) && d >= 0);
  if (!shapeOk(xShape)) throw new WasmgradError(msg`${op}: the input shape must be [batch, height, width, channels], got ${jsonOf(xShape)}`);
  if (!shapeOk(filterShape) || filterShape.slice(0, 2).some((d) => d === 0)) {
    throw new WasmgradError(msg`${op}: the filter shape must be [height, width, inChannels, outChannels], got ${jsonOf(filterShape)}`);
  }
  const what = `x ${fmtShape(xShape)}, filter ${fmtShape(filterShape)}, dy ${fmtShape(dy.shape)}`;
  if (xShape[3] !== filterShape[2]) throw new WasmgradError(msg`${op}: x has ${xShape[3]} channels but the filter expects ${filterShape[2]}: ${what}`);
  const g = windowGeometry(op, xShape, filterShape[0], filterShape[1], strides, padding, dilations, what);
  const want = [g.N, g.OH, g.OW, filterShape[3]];
  if (dy.shape.join() !== want.join()) throw new WasmgradError(msg`${op}: dy must have shape ${fmtShape(want)}: ${what}`);
  return g;
}
