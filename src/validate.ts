// Argument checks shared by ops, pure functions of shapes and JavaScript values (no pointers, no
// kernels): index lists, int32 ranges, window geometry, activation names. Each raises a
// WasmgradError naming the op, the value and what was expected; each returns nothing when all is well.
import { WasmgradError, fmtShape, msg, jsonOf } from './errors.js';
import { Tensor } from './tensor.js';

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined) return String(v);
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * Index lists given as plain arrays (or typed arrays) must hold whole numbers in [0, n): NaN, 1.5,
 * 2**32 or '1' would otherwise be truncated into another row. An index Tensor must be int32 with
 * its values in range. `axisLength` is computed leniently here: the op reports a bad axis itself.
 */
export function checkGatherIndices(x: unknown, indices: unknown, axis: unknown, op = 'gather'): void {
  if (!(x instanceof Tensor) || x.isDisposed || typeof axis !== 'number' || !Number.isInteger(axis)) return;
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a >= x.rank) return;
  const n = x.shape[a];
  if (indices instanceof Tensor) {
    if (indices.isDisposed || indices.dtype !== 'int32') return; // the op names these
    checkIndexValues(indices.dataSync(), n, op);
    return;
  }
  if (!Array.isArray(indices) && !ArrayBuffer.isView(indices)) {
    throw new WasmgradError(msg`${op}: indices must be an int32 Tensor or an array of whole numbers, got ${show(indices)}`);
  }
  if (ArrayBuffer.isView(indices) && !(indices instanceof Int32Array) && !(indices instanceof Uint32Array) &&
      !(indices instanceof Int16Array) && !(indices instanceof Uint16Array) && !(indices instanceof Int8Array) &&
      !(indices instanceof Uint8Array) && !(indices instanceof Float32Array) && !(indices instanceof Float64Array)) {
    throw new WasmgradError(msg`${op}: indices must be an array of whole numbers, got a ${indices.constructor.name}`);
  }
  checkIndexValues(indices as ArrayLike<unknown>, n, op);
}

function checkIndexValues(values: ArrayLike<unknown>, n: number, op: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new WasmgradError(msg`${op}: index ${show(v)} at position ${i} is not a whole number; indices must be integers in [0, ${n})`);
    }
    if (v < 0 || v >= n) throw new WasmgradError(msg`${op}: index ${v} at position ${i} is out of range [0, ${n})`);
  }
}

/** Values of an int32 tensor must be whole numbers within int32: 3e9 would otherwise wrap to -1294967296. */
export function checkInt32Values(values: ArrayLike<number>, op = 'tensor'): void {
  if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Uint16Array ||
      values instanceof Int8Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new WasmgradError(msg`${op}: int32 tensor value ${show(v)} at index ${i} is not a whole number`);
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new WasmgradError(msg`${op}: int32 tensor value ${v} at index ${i} is outside the int32 range [${INT32_MIN}, ${INT32_MAX}]`);
    }
  }
}

/** softmax and logSoftmax normalise along an axis: a scalar has none (TensorFlow refuses it too). */
export function checkHasAxis(x: unknown, op: string): void {
  if (x instanceof Tensor && !x.isDisposed && x.rank === 0) {
    throw new WasmgradError(msg`${op}: x must have at least one axis to normalise over, got a scalar ${fmtShape(x.shape)}`);
  }
}

/**
 * A sliding window over spatial sizes (conv, pooling): sizes, strides and dilations must be whole
 * numbers >= 1, and the dilated window, the padded extent and every output size must stay within
 * int32 (the kernels index in 32 bits). `windows`, `strides` and `dilations` are per spatial axis or
 * one number for all. Bad types are left to the op's own messages.
 */
export function checkWindow(op: string, spatial: readonly (number | null)[], windows: unknown, strides: unknown, dilations: unknown): void {
  const per = (v: unknown, i: number): number | null => {
    const x = typeof v === 'number' ? v : Array.isArray(v) ? v[i] : null;
    return typeof x === 'number' && Number.isInteger(x) && x >= 1 ? x : null;
  };
  spatial.forEach((size, i) => {
    const k = per(windows, i), s = per(strides ?? windows, i), d = per(dilations ?? 1, i);
    if (k === null || s === null || d === null) return;
    const eff = (k - 1) * d + 1;
    const extent = eff + (size ?? 0);
    if (s > INT32_MAX || eff > INT32_MAX || extent > INT32_MAX) {
      throw new WasmgradError(
        `${op}: spatial axis ${i}: window ${k}, dilation ${d} (${eff} wide), stride ${s} on a size of ${size ?? 'unknown'} is past the int32 range the kernels index in`,
      );
    }
  });
}

/** Activation names of the fused recurrent cells (an own-property check: 'constructor' is unknown). */
export const RNN_ACTIVATION_NAMES = Object.freeze(['linear', 'relu', 'tanh', 'sigmoid', 'hardSigmoid']);

/** lstmSequence / gruSequence / simpleRNNSequence: `activation` and `recurrentActivation` must be known names. */
export function checkRnnActivation(name: unknown, op: string, what = 'activation'): void {
  if (name === undefined) return;
  if (typeof name !== 'string' || !RNN_ACTIVATION_NAMES.includes(name)) {
    throw new WasmgradError(msg`${op}: unsupported ${what} ${show(name)}; expected one of ${RNN_ACTIVATION_NAMES.join(', ')}`);
  }
}

/**
 * A computed output shape (a layer's at symbolic call time, an op's before allocation): every
 * dimension a whole number >= 1 (0 only when an input is empty), or null where unknown, and the
 * size within int32 elements' reach of the 2 GiB memory.
 */
export function checkOutputShape(op: string, shape: readonly (number | null)[], inputShapes: readonly (readonly (number | null)[])[] = []): void {
  const emptyInput = inputShapes.some((s) => s.includes(0));
  let size = 1;
  for (const d of shape) {
    if (d === null) continue;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || (d === 0 && !emptyInput)) {
      const ins = inputShapes.map((s) => JSON.stringify(s)).join(', ');
      throw new WasmgradError(msg`${op}: output shape ${jsonOf(shape)} has a dimension ${show(d)}${ins ? ` for input ${ins}` : ''}; every dimension must be a whole number >= 1`);
    }
    size *= d;
  }
  if (size > INT32_MAX) throw new WasmgradError(msg`${op}: output shape ${jsonOf(shape)} has ${size} elements, more than the ${INT32_MAX} an op can address`);
}

/** An options argument: none (undefined or null, as TF.js writes an unset config) is {}; what is given must be an object. */
export function optionsOf<T extends object>(o: T | null | undefined, op: string): T {
  if (o === undefined || o === null) return {} as T;
  if (typeof o !== 'object' || Array.isArray(o)) throw new WasmgradError(msg`${op}: options must be an object, got ${jsonOf(o)}`);
  return o;
}
