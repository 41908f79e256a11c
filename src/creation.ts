// Making tensors from values: tensor, scalar, zeros, ones, fill.
import { WasmgradError, fmtShape } from './errors.js';
import { Tensor, checkShape, sizeOf, type DType, type NestedArray } from './tensor.js';
import { fillTensor, writeTensor } from './engine/drivers/copy.js';
import { checkInt32Values } from './validate.js';

export type TensorLike = NestedArray | Float32Array | Int32Array | Uint8Array | number[];

/** An array, or a typed array (rows of a nested array may be typed arrays, as in TF.js). */
const isRow = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** Deeper nesting is refused before it is walked (a tensor of that rank is no use to anyone). */
const MAX_NESTING = 256;

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: unknown = values;
  while (isRow(v)) {
    if (shape.length === MAX_NESTING) throw new WasmgradError(`tensor: values nested more than ${MAX_NESTING} deep`);
    shape.push(v.length);
    v = v[0];
    if (v === undefined) break;
  }
  return shape;
}

function flatten(values: unknown, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof values !== 'number' && typeof values !== 'boolean') {
      throw new WasmgradError(`tensor: expected a number at depth ${dim}, got ${isRow(values) ? 'an array' : typeof values}`);
    }
    out.push(Number(values));
    return;
  }
  if (!isRow(values) || values.length !== shape[dim]) {
    throw new WasmgradError(`tensor: ragged nested array: expected ${shape[dim]} elements at depth ${dim} for shape ${fmtShape(shape)}`);
  }
  for (let i = 0; i < values.length; i++) flatten(values[i], shape, dim + 1, out);
}

function checkDType(dtype: unknown, op: string): DType {
  if (dtype !== 'float32' && dtype !== 'int32') throw new WasmgradError(`${op}: dtype must be 'float32' or 'int32', got ${String(dtype)}`);
  return dtype;
}

/** Writes flat values into a new tensor of the given shape and dtype. */
export function fromFlat(flat: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  const t = new Tensor(shape, dtype);
  if (t.size > 0) writeTensor(t, flat);
  return t;
}

export function tensor(values: TensorLike, shape?: number[], dtype?: DType): Tensor {
  const dt = checkDType(dtype ?? (values instanceof Int32Array ? 'int32' : 'float32'), 'tensor');
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
    throw new WasmgradError(`tensor: values must be a number, a (nested) array or a typed array, got ${typeof values}`);
  }
  const finalShape = shape ?? inferred;
  checkShape(finalShape, 'tensor');
  if (sizeOf(finalShape) !== flat.length) {
    throw new WasmgradError(`tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  if (dt === 'int32') checkInt32Values(flat, 'tensor');
  return fromFlat(flat, finalShape, dt);
}

export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return tensor(value, [], dtype);
}

export function fill(shape: number[], value: number, dtype: DType = 'float32'): Tensor {
  checkShape(shape, 'fill');
  checkDType(dtype, 'fill');
  if (typeof value !== 'number') throw new WasmgradError(`fill: value must be a number, got ${typeof value}`);
  if (dtype === 'int32' && !Number.isInteger(value)) throw new WasmgradError(`fill: int32 value ${value} is not a whole number`);
  if (dtype === 'int32') checkInt32Values([value], 'fill');
  const t = new Tensor(shape, dtype);
  if (t.size > 0) fillTensor(t, value);
  return t;
}

export function zeros(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

export function ones(shape: number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}
