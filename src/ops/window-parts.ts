// The pieces that 3-D convolution and pooling and dilation2d are composed of, so that their hot
// loops stay in the 2-D kernels and their gradients come from the tape: the window geometry of
// TensorFlow.js (per axis), `frame` (pad or crop with a fill value), `taps` (every step-th element
// from an offset) and its adjoint `spread`. Each backward sits right under its forward.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { copyStrided, stridesOf } from '../engine/drivers/copy.js';
import { fill } from '../creation.js';
import { newTensor } from './util.js';

/** One spatial axis of a window op: sizes, window, stride, dilation, output and padding before. */
export interface AxisGeometry {
  size: number;
  k: number;
  s: number;
  d: number;
  /** The dilated window: (k - 1) d + 1. */
  eff: number;
  out: number;
  /** Padding before the first element (negative: that many elements are skipped). */
  before: number;
  /** The padded length the windows span: (out - 1) s + eff. */
  span: number;
}

export type PadSpec = 'valid' | 'same' | number;
export type RoundingMode = 'floor' | 'round' | 'ceil';

/** n positive whole numbers from a number or an array of n. */
export function tupleOf(v: unknown, n: number, op: string, name: string): number[] {
  const p = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) && v.length === n ? (v as number[]) : null;
  if (!p || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WasmgradError(msg`${op}: ${name} must be a positive whole number or ${n} of them, got ${jsonOf(v)}`);
  }
  return p.slice();
}

function rounded(v: number, mode: RoundingMode | undefined): number {
  if (mode === undefined) return Math.trunc(v);
  return mode === 'round' ? Math.round(v) : mode === 'ceil' ? Math.ceil(v) : Math.floor(v);
}

/**
 * The geometry of each spatial axis as TensorFlow.js computes it. 'same' gives ceil(size / s)
 * outputs with the padding split front/back, the odd one after; with `threeD` the total is not
 * clamped at 0 (TF.js's 3-D ops then start each window that many elements later). A number pads
 * both sides by it and rounds the output length by dimRoundingMode (truncating without one).
 */
export function windowAxes(
  op: string, sizes: readonly number[], k: readonly number[], s: readonly number[], d: readonly number[], pad: unknown,
  dimRoundingMode: unknown, threeD: boolean, what: string,
): AxisGeometry[] {
  if (pad !== 'valid' && pad !== 'same' && !(typeof pad === 'number' && Number.isInteger(pad) && pad >= 0)) {
    throw new WasmgradError(msg`${op}: pad must be 'valid', 'same' or a whole number >= 0, got ${jsonOf(pad)}: ${what}`);
  }
  if (dimRoundingMode !== undefined && dimRoundingMode !== null) {
    if (dimRoundingMode !== 'floor' && dimRoundingMode !== 'round' && dimRoundingMode !== 'ceil') {
      throw new WasmgradError(msg`${op}: dimRoundingMode must be 'floor', 'round' or 'ceil', got ${jsonOf(dimRoundingMode)}`);
    }
    if (typeof pad !== 'number') throw new WasmgradError(msg`${op}: pad must be a whole number when dimRoundingMode is given, got ${jsonOf(pad)}`);
  }
  const mode = (dimRoundingMode ?? undefined) as RoundingMode | undefined;
  return sizes.map((size, i) => {
    const eff = (k[i] - 1) * d[i] + 1;
    let out: number, before: number;
    if (pad === 'same') {
      out = Math.ceil(size / s[i]);
      const total = (out - 1) * s[i] + eff - size;
      before = Math.floor((threeD ? total : Math.max(total, 0)) / 2);
    } else {
      const p = pad === 'valid' ? 0 : pad;
      out = size + 2 * p >= eff ? rounded((size - eff + 2 * p) / s[i] + 1, mode) : 0;
      before = p;
    }
    if (out < 1) {
      throw new WasmgradError(msg`${op}: the window ${k.join('x')} (dilated ${eff} on spatial axis ${i}) does not fit the input with pad ${jsonOf(pad)}: ${what}`);
    }
    return { size, k: k[i], s: s[i], d: d[i], eff, out, before, span: (out - 1) * s[i] + eff };
  });
}

// frame: out[i] = x[i - before] where that is inside x, `value` elsewhere ------------------------

/** x placed in a tensor of `shape` shifted by `before` per axis (negative crops), `value` around it. */
export function frame(x: Tensor, before: readonly number[], shape: readonly number[], value: number): Tensor {
  if (before.length !== x.rank || shape.length !== x.rank) {
    throw new WasmgradError(msg`frame: before and shape must have ${x.rank} entries for ${fmtShape(x.shape)}`);
  }
  const out = fill(shape.slice(), value);
  // the overlap: output indices [lo, lo + n) take input indices [lo - before, ...)
  const lo = shape.map((_, a) => Math.max(0, before[a]));
  const dims = shape.map((len, a) => Math.max(0, Math.min(len, x.shape[a] + before[a]) - lo[a]));
  const xs = stridesOf(x.shape), os = stridesOf(shape);
  const srcOffset = lo.reduce((acc, l, a) => acc + (l - before[a]) * xs[a], 0);
  const dstOffset = lo.reduce((acc, l, a) => acc + l * os[a], 0);
  const region = { dims, srcStrides: xs, dstStrides: os, srcOffset, dstOffset };
  copyStrided(x, out, region);
  record('frame', [x], out, ([dy]) => {
    const dx = fill(x.shape, 0);
    copyStrided(dy, dx, { dims, srcStrides: os, dstStrides: xs, srcOffset: dstOffset, dstOffset: srcOffset });
    return [dx];
  });
  return out;
}

// taps: out[o] = x[begin + o * step] per axis; spread is its adjoint ------------------------------

function checkTaps(op: string, longShape: readonly number[], begin: readonly number[], size: readonly number[], step: readonly number[]): void {
  const ok = begin.length === longShape.length && size.length === longShape.length && step.length === longShape.length &&
    longShape.every((n, a) => step[a] >= 1 && begin[a] >= 0 && (size[a] === 0 || begin[a] + (size[a] - 1) * step[a] < n));
  if (!ok) throw new WasmgradError(msg`${op}: begin ${jsonOf(begin)}, size ${jsonOf(size)}, step ${jsonOf(step)} do not fit ${fmtShape(longShape)}`);
}

function tapRegion(longShape: readonly number[], shortShape: readonly number[], begin: readonly number[], step: readonly number[]) {
  const ls = stridesOf(longShape);
  return {
    dims: shortShape.slice(),
    longStrides: ls.map((v, a) => v * step[a]),
    shortStrides: stridesOf(shortShape),
    longOffset: begin.reduce((acc, b, a) => acc + b * ls[a], 0),
  };
}

/** Every step-th element of x from begin, size of them per axis. */
export function taps(x: Tensor, begin: readonly number[], size: readonly number[], step: readonly number[]): Tensor {
  checkTaps('taps', x.shape, begin, size, step);
  const r = tapRegion(x.shape, size, begin, step);
  const out = newTensor(size.slice());
  copyStrided(x, out, { dims: r.dims, srcStrides: r.longStrides, dstStrides: r.shortStrides, srcOffset: r.longOffset });
  record('taps', [x], out, ([dy]) => {
    const dx = fill(x.shape, 0);
    copyStrided(dy, dx, { dims: r.dims, srcStrides: r.shortStrides, dstStrides: r.longStrides, dstOffset: r.longOffset });
    return [dx];
  });
  return out;
}

/** The adjoint of taps: zeros of `shape` with y's elements at begin + o * step. */
export function spread(y: Tensor, begin: readonly number[], shape: readonly number[], step: readonly number[]): Tensor {
  checkTaps('spread', shape, begin, y.shape, step);
  const r = tapRegion(shape, y.shape, begin, step);
  const out = fill(shape.slice(), 0);
  copyStrided(y, out, { dims: r.dims, srcStrides: r.shortStrides, dstStrides: r.longStrides, dstOffset: r.longOffset });
  record('spread', [y], out, ([dy]) => {
    const dx = newTensor(y.shape);
    copyStrided(dy, dx, { dims: r.dims, srcStrides: r.longStrides, dstStrides: r.shortStrides, srcOffset: r.longOffset });
    return [dx];
  });
  return out;
}
