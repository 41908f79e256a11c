// tf.util: the helpers TensorFlow.js programs call (assert, shuffle, sizeFromShape, flatten, now,
// string encoding, ...). Plain JavaScript; bad input raises a WasmgradError.
import { WasmgradError, jsonOf, msg } from '../errors.js';
import { boolOf } from '../creation.js';

export function assert(expr: boolean, msg: () => string): void {
  if (!expr) throw new WasmgradError(typeof msg === 'function' ? String(msg()) : msg === undefined ? 'util.assert: assertion failed' : String(msg));
}

/** Shuffles an array (or typed array) in place (Fisher-Yates, Math.random as TF.js). */
export function shuffle<T>(array: T[] | Float32Array | Int32Array | Uint8Array): void {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = array[i];
    array[i] = array[j];
    array[j] = t as never;
  }
}

/** Shuffles two arrays of the same length with the same permutation. */
export function shuffleCombo<T, U>(a: T[] | Float32Array | Int32Array, b: U[] | Float32Array | Int32Array): void {
  if (a.length !== b.length) throw new WasmgradError(msg`util.shuffleCombo: the arrays have lengths ${a.length} and ${b.length}`);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const ta = a[i], tb = b[i];
    a[i] = a[j];
    a[j] = ta as never;
    b[i] = b[j];
    b[j] = tb as never;
  }
}

export function sizeFromShape(shape: number[]): number {
  if (!Array.isArray(shape)) throw new WasmgradError('util.sizeFromShape: expected an array');
  return shape.reduce((a, b) => a * b, 1);
}

export function arraysEqual(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Nested arrays flattened, in order (typed arrays inside are spread too); depth-limited. */
export function flatten<T>(arr: unknown, result: T[] = [], skipTypedArray = false, depth = 0): T[] {
  if (depth > 64) throw new WasmgradError('util.flatten: the array is nested more than 64 deep');
  if (Array.isArray(arr) || (ArrayBuffer.isView(arr) && !skipTypedArray && !(arr instanceof DataView))) {
    const items = arr as ArrayLike<unknown>;
    for (let i = 0; i < items.length; i++) flatten(items[i], result, skipTypedArray, depth + 1);
  } else result.push(arr as T);
  return result;
}

export function isTypedArray(a: unknown): boolean {
  return a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array || a instanceof Uint8ClampedArray;
}

export const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
export const clamp = (min: number, x: number, max: number) => Math.max(min, Math.min(x, max));
export const nearestLargerEven = (v: number) => (v % 2 === 0 ? v : v + 1);
export function sum(arr: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < arr.length; i++) s += arr[i];
  return s;
}
export const randUniform = (a: number, b: number) => a + Math.random() * (b - a);
export function distSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}
export const makeZerosTypedArray = (size: number, dtype: 'float32' | 'int32' | 'bool' = 'float32') =>
  dtype === 'int32' ? new Int32Array(size) : dtype === 'bool' ? new Uint8Array(size) : new Float32Array(size);
export const makeOnesTypedArray = (size: number, dtype: 'float32' | 'int32' | 'bool' = 'float32') => makeZerosTypedArray(size, dtype).fill(1);

/** Indices 0 .. n-1 in random order. */
export function createShuffledIndices(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  shuffle(a as unknown as Int32Array);
  return a;
}

export const encodeString = (s: string, encoding = 'utf-8'): Uint8Array => {
  if (encoding !== 'utf-8' && encoding !== 'utf8') throw new WasmgradError(msg`util.encodeString: only utf-8 is supported, got ${encoding}`);
  return new TextEncoder().encode(s);
};
export const decodeString = (bytes: Uint8Array, encoding = 'utf-8'): string => {
  if (encoding !== 'utf-8' && encoding !== 'utf8') throw new WasmgradError(msg`util.decodeString: only utf-8 is supported, got ${encoding}`);
  return new TextDecoder().decode(bytes);
};

export function fetch(input: string | URL, init?: RequestInit): Promise<Response> {
  return globalThis.fetch(input, init);
}

// The rest of TF.js's tf.util: small shape, dtype and type helpers that programs and custom layers
// call. Same results as TF.js's; where TF.js throws a plain Error, these throw a WasmgradError.
type DType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';

export const isNumber = (value: unknown): value is number => typeof value === 'number';
export const isString = (value: unknown): boolean => typeof value === 'string' || value instanceof String;
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
export const isFunction = (f: unknown): boolean => {
  const g = f as { constructor?: unknown; call?: unknown; apply?: unknown } | null | undefined;
  return !!(g && g.constructor && g.call && g.apply);
};
export const isInt = (a: number): boolean => a % 1 === 0;
export const isPromise = (object: unknown): boolean => !!object && typeof (object as { then?: unknown }).then === 'function';
export const isScalarShape = (shape: number[]): boolean => shape.length === 0;
export const isValidDtype = (dtype: string): boolean => ['bool', 'complex64', 'float32', 'int32', 'string'].includes(dtype);
export const tanh = (x: number): number => Math.tanh(x);
export const rightPad = (a: string, size: number): string => (size <= a.length ? a : a + ' '.repeat(size - a.length));
export const sizeToSquarishShape = (size: number): [number, number] => {
  const width = Math.ceil(Math.sqrt(size));
  return [width, Math.ceil(size / width)];
};
export function swap<T>(object: { [index: number]: T }, left: number, right: number): void {
  const t = object[left];
  object[left] = object[right];
  object[right] = t;
}
export function nearestDivisor(size: number, start: number): number {
  for (let i = start; i < size; ++i) if (size % i === 0) return i;
  return size;
}

/** Like arraysEqual, where a null on either side matches anything. */
export function arraysEqualWithNull(a: ArrayLike<number | null> | null, b: ArrayLike<number | null> | null): boolean {
  if (a === b) return true;
  if (a == null || b == null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== null && b[i] !== null && a[i] !== b[i]) return false;
  return true;
}
export function assertShapesMatch(a: number[], b: number[], errorMessagePrefix = ''): void {
  assert(arraysEqual(a, b), () => `${errorMessagePrefix} Shapes ${a} and ${b} differ; they must be the same`);
}
export function assertNonNull(a: unknown): void {
  assert(a != null, () => 'The input to the tensor constructor must be a non-null value.');
}
export function assertNonNegativeIntegerDimensions(shape: number[]): void {
  for (const d of shape) assert(Number.isInteger(d) && d >= 0, () => msg`Tensor must have a shape comprised of positive integers but got shape [${shape}].`);
}

export function bytesPerElement(dtype: DType): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'complex64') return 8;
  if (dtype === 'bool') return 1;
  throw new WasmgradError(msg`util.bytesPerElement: unknown dtype ${String(dtype)}`);
}
/** Whether converting oldType to newType can lose values (TF.js's rule). */
export function hasEncodingLoss(oldType: DType, newType: DType): boolean {
  if (newType === 'complex64') return false;
  if (newType === 'float32' && oldType !== 'complex64') return false;
  if (newType === 'int32' && oldType !== 'float32' && oldType !== 'complex64') return false;
  return !(newType === 'bool' && oldType === 'bool');
}
export function inferDtype(values: unknown): DType {
  // the first element of nested arrays (an array holding itself would recurse for ever)
  for (let depth = 0; Array.isArray(values); depth++) {
    if (depth > 64) throw new WasmgradError('util.inferDtype: the array is nested more than 64 deep');
    values = values[0];
  }
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return 'int32';
  if (isString(values)) return 'string';
  if (isBoolean(values)) return 'bool';
  return 'float32';
}
export function getArrayFromDType(dtype: DType | undefined, size: number): Float32Array | Int32Array | Uint8Array | string[] {
  if (dtype == null || dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  if (dtype === 'string') return new Array<string>(size);
  throw new WasmgradError(msg`util.getArrayFromDType: unknown dtype ${String(dtype)}`);
}
export const getTypedArrayFromDType = getArrayFromDType;
export function checkConversionForErrors(vals: ArrayLike<number>, dtype: DType): void {
  for (let i = 0; i < vals.length; i++) {
    if (!Number.isFinite(vals[i])) throw new WasmgradError(msg`A tensor of type ${dtype} being uploaded contains ${vals[i]}.`);
  }
}
/** Values as the typed array of a dtype (nested arrays flattened; bool: nonzero after rounding is 1). */
export function toTypedArray(a: unknown, dtype: DType): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'string') throw new WasmgradError('util.toTypedArray: cannot convert a string[] to a TypedArray');
  const flat = (Array.isArray(a) ? flatten<number>(a) : a) as ArrayLike<number>;
  if ((flat instanceof Float32Array && dtype === 'float32') || (flat instanceof Int32Array && dtype === 'int32') || (flat instanceof Uint8Array && dtype === 'bool')) return flat;
  if (dtype == null || dtype === 'float32' || dtype === 'complex64') return new Float32Array(flat);
  if (dtype === 'int32') return new Int32Array(flat);
  if (dtype === 'bool') return Uint8Array.from(flat, boolOf);
  throw new WasmgradError(msg`util.toTypedArray: unknown dtype ${String(dtype)}`);
}
export const createScalarValue = (value: number | string, dtype: DType): Uint8Array | Float32Array | Int32Array =>
  dtype === 'string' ? encodeString(String(value)) : toTypedArray([value], dtype);
export const bytesFromStringArray = (arr: Uint8Array[] | null): number => (arr == null ? 0 : arr.reduce((n, x) => n + x.length, 0));

/** Row-major strides of a shape, without the last (1): [2, 3, 4] gives [12, 4]. */
export function computeStrides(shape: number[]): number[] {
  const rank = shape.length;
  if (rank < 2) return [];
  const strides = new Array<number>(rank - 1);
  strides[rank - 2] = shape[rank - 1];
  for (let i = rank - 3; i >= 0; --i) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}
export function locToIndex(locs: number[], rank: number, strides: number[]): number {
  if (rank === 0) return 0;
  if (rank === 1) return locs[0];
  let index = locs[locs.length - 1];
  for (let i = 0; i < locs.length - 1; ++i) index += strides[i] * locs[i];
  return index;
}
export function indexToLoc(index: number, rank: number, strides: number[]): number[] {
  if (rank < 0 || rank > strides.length + 1) throw new WasmgradError(msg`util.indexToLoc: rank ${rank} needs ${rank - 1} strides, got ${strides.length}`);
  if (!Number.isInteger(index)) throw new WasmgradError(msg`util.indexToLoc: index must be a whole number, got ${jsonOf(index)}`);
  if (rank === 0) return [];
  if (rank === 1) return [index];
  const locs = new Array<number>(rank);
  for (let i = 0; i < rank - 1; ++i) {
    locs[i] = Math.floor(index / strides[i]);
    index -= locs[i] * strides[i];
  }
  locs[rank - 1] = index;
  return locs;
}

/** A flat array as nested arrays of a shape (a scalar shape gives the one value). */
export function toNestedArray(shape: number[], a: ArrayLike<number>, isComplex = false): unknown {
  if (shape.length === 0) return a[0];
  const size = shape.reduce((p, c) => p * c, 1) * (isComplex ? 2 : 1);
  if (size === 0) return [];
  if (size !== a.length) throw new WasmgradError(msg`util.toNestedArray: [${shape}] does not match the input size ${a.length}${isComplex ? ' for a complex tensor' : ''}`);
  const nest = (offset: number, dims: number[]): unknown[] => {
    if (dims.length === 1) return Array.from({ length: dims[0] * (isComplex ? 2 : 1) }, (_, i) => a[offset + i]);
    const inner = dims.slice(1).reduce((p, c) => p * c, 1) * (isComplex ? 2 : 1);
    return Array.from({ length: dims[0] }, (_, i) => nest(offset + i * inner, dims.slice(1)));
  };
  return nest(0, shape);
}
export function makeZerosNestedTypedArray(shape: number[], dtype: DType = 'float32'): unknown {
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw new WasmgradError(msg`util.makeZerosNestedTypedArray: unknown dtype ${String(dtype)}`);
  const size = sizeFromShape(shape);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || size > 2 ** 31 - 1) {
    throw new WasmgradError(msg`util.makeZerosNestedTypedArray: shape must be whole numbers >= 0 holding at most 2^31 - 1 values, got ${jsonOf(shape)}`);
  }
  return toNestedArray(shape, makeZerosTypedArray(size, dtype));
}

/** Axes normalized to [0, rank): null means all of them. */
export function parseAxisParam(axis: number | number[] | null | undefined, shape: number[]): number[] {
  const rank = shape.length;
  const axes = axis == null ? shape.map((_, i) => i) : ([] as number[]).concat(axis);
  assert(axes.every((ax) => ax >= -rank && ax < rank), () => `All values in axis param must be in range [-${rank}, ${rank}) but got axis ${axes}`);
  assert(axes.every((ax) => isInt(ax)), () => `All values in axis param must be integers but got axis ${axes}`);
  return axes.map((a) => (a < 0 ? rank + a : a));
}
/** The shape without its 1s (only those of `axis` when given), and the axes kept. */
export function squeezeShape(shape: number[], axis?: number | number[]): { newShape: number[]; keptDims: number[] } {
  const newShape: number[] = [];
  const keptDims: number[] = [];
  const axes = axis == null || (Array.isArray(axis) && axis.length === 0) ? null : parseAxisParam(axis, shape).sort((x, y) => x - y);
  for (let i = 0; i < shape.length; ++i) {
    if (axes !== null && axes.includes(i) && shape[i] !== 1) throw new WasmgradError(msg`Can't squeeze axis ${i} since its dim '${shape[i]}' is not 1`);
    if (shape[i] !== 1 || (axes !== null && !axes.includes(i))) {
      newShape.push(shape[i]);
      keptDims.push(i);
    }
  }
  return { newShape, keptDims };
}
/** A shape with one -1 has it replaced so the shape holds `size` values. */
export function inferFromImplicitShape(shape: number[], size: number): number[] {
  let known = 1;
  let implicit = -1;
  shape.forEach((d, i) => {
    if (d >= 0) known *= d;
    else if (d === -1) {
      if (implicit !== -1) throw new WasmgradError(msg`Shapes can only have 1 implicit size. Found -1 at dim ${implicit} and dim ${i}`);
      implicit = i;
    } else throw new WasmgradError(msg`Shapes can not be < 0. Found ${d} at dim ${i}`);
  });
  if (implicit === -1) {
    if (size > 0 && size !== known) throw new WasmgradError(msg`Size(${size}) is not the product of shape ${shape}`);
    return shape;
  }
  if (known === 0) throw new WasmgradError(msg`Cannot infer the missing size in [${shape}] when there are 0 elements`);
  if (size % known !== 0) throw new WasmgradError(msg`The implicit shape can't be a fractional number. Got ${size} / ${known}`);
  const out = shape.slice();
  out[implicit] = size / known;
  return out;
}

/** Calls checkFn until it returns true, waiting delayFn(tries) ms between; rejects after maxCounter tries. */
export function repeatedTry(
  checkFn: () => boolean,
  delayFn: (counter: number) => number = () => 0,
  maxCounter?: number,
  scheduleFn?: (fn: () => void, ms: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const attempt = () => {
      if (checkFn()) return resolve();
      tries++;
      if (maxCounter != null && tries >= maxCounter) return reject();
      (scheduleFn ?? ((fn, ms) => setTimeout(fn, ms)))(attempt, delayFn(tries));
    };
    attempt();
  });
}
