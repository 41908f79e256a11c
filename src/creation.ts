// Making tensors from values: tensor, scalar, zeros, ones, fill.
import { WasmgradError, fmtShape, msg } from './errors.js';
import { Tensor, checkShape, sizeOf, type DType, type NestedArray } from './tensor.js';
import { fillTensor, writeTensor } from './engine/drivers/copy.js';
import { checkInt32Values } from './validate.js';
import { MAX_PAGES } from './engine/engine.js';

type NestedBools = boolean | NestedBools[];
export type TensorLike = NestedArray | NestedBools | Float32Array | Int32Array | Uint8Array | number[];

/** The values the engine's memory can hold at most, as float32 (its 2 GiB). */
export const MAX_VALUES = (MAX_PAGES * 65536) / 4;

/** Refuses, before anything is allocated, n values that are not a count or more than the engine can hold. */
export function checkHostSize(op: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 0)) throw new WasmgradError(msg`${op}: ${n} values: expected a whole number >= 0`);
  if (n > MAX_VALUES) throw new WasmgradError(msg`${op}: ${n} values are more than the engine's memory holds (${MAX_VALUES})`);
}

/** The array an op fills in JavaScript before making it a tensor (checkHostSize first). */
export function hostArray(op: string, n: number, dtype: DType): Float32Array | Int32Array {
  checkHostSize(op, n);
  return dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
}

/** An array, or a typed array (rows of a nested array may be typed arrays, as in TF.js). */
const isRow = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** Deeper nesting is refused before it is walked (a tensor of that rank is no use to anyone). */
const MAX_NESTING = 256;

function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (isRow(v)) {
    if (shape.length === MAX_NESTING) throw new WasmgradError(msg`tensor: values nested more than ${MAX_NESTING} deep`);
    shape.push(v.length);
    v = v[0];
    if (v === undefined) break;
  }
  return shape;
}

function flatten(values: unknown, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof values !== 'number' && typeof values !== 'boolean') {
      throw new WasmgradError(msg`tensor: expected a number at depth ${dim}, got ${isRow(values) ? 'an array' : typeof values}`);
    }
    out.push(Number(values));
    return;
  }
  if (!isRow(values) || values.length !== shape[dim]) {
    throw new WasmgradError(msg`tensor: ragged nested array: expected ${shape[dim]} elements at depth ${dim} for shape ${fmtShape(shape)}`);
  }
  for (let i = 0; i < values.length; i++) flatten(values[i], shape, dim + 1, out);
}

function checkDType(dtype: unknown, op: string): DType {
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw new WasmgradError(msg`${op}: dtype must be 'float32', 'int32' or 'bool', got ${dtype}`);
  return dtype;
}

/** A value as a bool holds it: 1 unless it rounds to 0 (TF.js's rule; NaN is true). */
export const boolOf = (v: number) => (Math.round(v) !== 0 ? 1 : 0);

/** Writes flat values into a new tensor of the given shape and dtype. */
export function fromFlat(flat: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  const t = new Tensor(shape, dtype);
  if (t.size > 0) writeTensor(t, dtype === 'bool' ? Float32Array.from(flat, boolOf) : flat);
  return t;
}

/** The first value of a nested array, to infer its dtype: booleans make a bool tensor, as in TF.js. */
function firstLeaf(values: unknown): unknown {
  let v = values;
  for (let depth = 0; Array.isArray(v) && depth <= MAX_NESTING; depth++) v = v[0];
  return v;
}

export function tensor(values: TensorLike, shape?: number[], dtype?: DType): Tensor {
  const implied = values instanceof Int32Array ? 'int32' : typeof firstLeaf(values) === 'boolean' ? 'bool' : 'float32';
  const dt = checkDType(dtype ?? implied, 'tensor');
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values as ArrayLike<number>;
    inferred = [flat.length];
  } else if (typeof values === 'number' || typeof values === 'boolean') {
    flat = [Number(values)];
    inferred = [];
  } else if (Array.isArray(values)) {
    inferred = inferShape(values);
    const out: number[] = [];
    flatten(values, inferred, 0, out);
    flat = out;
  } else {
    throw new WasmgradError(msg`tensor: values must be a number, a (nested) array or a typed array, got ${typeof values}`);
  }
  const finalShape = shape ?? inferred;
  checkShape(finalShape, 'tensor');
  if (sizeOf(finalShape) !== flat.length) {
    throw new WasmgradError(msg`tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  if (dt === 'int32') checkInt32Values(flat, 'tensor');
  return fromFlat(flat, finalShape, dt);
}

export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

export function fill(shape: number[], value: number | boolean, dtype: DType = typeof value === 'boolean' ? 'bool' : 'float32'): Tensor {
  checkShape(shape, 'fill');
  checkDType(dtype, 'fill');
  if (typeof value === 'boolean') value = Number(value);
  if (typeof value !== 'number') throw new WasmgradError(msg`fill: value must be a number, got ${typeof value}`);
  if (dtype === 'int32' && !Number.isInteger(value)) throw new WasmgradError(msg`fill: int32 value ${value} is not a whole number`);
  if (dtype === 'int32') checkInt32Values([value], 'fill');
  const t = new Tensor(shape, dtype);
  if (t.size > 0) fillTensor(t, dtype === 'bool' ? boolOf(value) : value);
  return t;
}

export function zeros(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

export function ones(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

// ---- array arguments where an op takes a tensor (TensorFlow.js's convertToTensor) -----------------

/**
 * Which arguments of an op may be given as arrays (or typed arrays) and are made tensors for the
 * call: positions, 'L' for a list of tensors, 'n' where a plain number is made a scalar too (the
 * binary ops take numbers already, keeping the tensor's dtype).
 */
export type TensorArgSpec = readonly string[];

const isArrayLike = (v: unknown) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

interface ArgKind { at: number; list: boolean; numbers: boolean }
const parsed = new WeakMap<TensorArgSpec, ArgKind[]>();
function kinds(spec: TensorArgSpec): ArgKind[] {
  let k = parsed.get(spec);
  if (!k) parsed.set(spec, (k = spec.map((s) => ({ at: Number(s.replace(/\D/g, '')), list: s.startsWith('L'), numbers: s.includes('n') }))));
  return k;
}

function convertible(v: unknown, k: ArgKind): boolean {
  if (k.list) return Array.isArray(v) && v.some((x) => !(x instanceof Tensor) && convertible(x, { ...k, list: false }));
  return isArrayLike(v) || (k.numbers && (typeof v === 'number' || typeof v === 'boolean'));
}

function asTensor(v: unknown, k: ArgKind, temps: Tensor[]): unknown {
  if (v instanceof Tensor || !convertible(v, { ...k, list: false })) return v;
  const t = tensor(v as TensorLike);
  temps.push(t);
  return t;
}

/**
 * Calls fn with the array arguments of `spec` made tensors, disposed after the call (an op that
 * returns one of them keeps it; a recording tape holds what it needs). Tensor arguments pass as
 * they are, at the cost of one scan.
 */
export function withTensorArgs<R>(spec: TensorArgSpec, args: unknown[], fn: (...a: unknown[]) => R): R {
  const ks = kinds(spec);
  if (!ks.some((k) => convertible(args[k.at], k))) return fn(...args);
  const temps: Tensor[] = [];
  const converted = args.slice();
  try {
    for (const k of ks) {
      const v = converted[k.at];
      converted[k.at] = k.list && Array.isArray(v) ? v.map((x) => asTensor(x, k, temps)) : asTensor(v, k, temps);
    }
    const out = fn(...converted);
    const kept = new Set(Array.isArray(out) ? out : [out]);
    for (const t of temps) if (!kept.has(t)) t.dispose();
    return out;
  } catch (err) {
    for (const t of temps) if (!t.isDisposed) t.dispose();
    throw err;
  }
}
