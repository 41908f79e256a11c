// TensorBuffer (tf.buffer): a writable, shaped copy of values in JavaScript, made into a tensor by
// toTensor(). Indices are checked: an out-of-range get or set is an error, never a silent write.
import { WasmgradError, fmtShape, msg, jsonOf } from './errors.js';
import type { Tensor, DType, NestedArray } from './tensor.js';
import { fromFlat, checkHostSize } from './creation.js';
import { stridesOf } from './engine/drivers/copy.js';

export class TensorBuffer {
  readonly shape: number[];
  readonly size: number;
  readonly values: Float32Array | Int32Array | Uint8Array;
  readonly strides: number[];

  constructor(shape: number[], readonly dtype: DType = 'float32', values?: ArrayLike<number>) {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new WasmgradError(msg`buffer: shape must be whole numbers >= 0, got ${jsonOf(shape)}`);
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw new WasmgradError(msg`buffer: dtype must be float32, int32 or bool, got ${dtype}`);
    this.shape = shape.slice();
    this.size = shape.reduce((a, b) => a * b, 1);
    checkHostSize('buffer', this.size);
    if (values !== undefined && values.length !== this.size) throw new WasmgradError(msg`buffer: ${values.length} values do not fill shape ${fmtShape(shape)} (${this.size})`);
    this.values = dtype === 'int32' ? new Int32Array(this.size) : dtype === 'bool' ? new Uint8Array(this.size) : new Float32Array(this.size);
    if (values) this.values.set(values);
    this.strides = stridesOf(shape).slice(0, -1);
  }

  get rank(): number {
    return this.shape.length;
  }

  indexToLoc(index: number): number[] {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size)) throw new WasmgradError(msg`buffer.indexToLoc: index must be a whole number in [0, ${this.size}) for shape ${fmtShape(this.shape)}, got ${jsonOf(index)}`);
    return stridesOf(this.shape).map((stride, i) => Math.floor(index / stride) % this.shape[i]);
  }

  locToIndex(locs: number[]): number {
    if (!Array.isArray(locs) || locs.length !== this.rank) throw new WasmgradError(msg`buffer: expected ${this.rank} indices for shape ${fmtShape(this.shape)}, got ${jsonOf(locs)}`);
    let index = 0;
    locs.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l >= this.shape[i]) throw new WasmgradError(msg`buffer: index ${jsonOf(locs)} is out of range for shape ${fmtShape(this.shape)}`);
      index = index * this.shape[i] + l;
    });
    return index;
  }

  get(...locs: number[]): number {
    return this.values[this.locToIndex(locs)];
  }

  set(value: number, ...locs: number[]): void {
    this.values[this.locToIndex(locs)] = value;
  }

  toTensor(): Tensor {
    return fromFlat(this.values, this.shape, this.dtype);
  }

  toArray(): NestedArray {
    const t = this.toTensor();
    try {
      return t.arraySync();
    } finally {
      t.dispose();
    }
  }
}

export function buffer(shape: number[], dtype: DType = 'float32', values?: ArrayLike<number>): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}

