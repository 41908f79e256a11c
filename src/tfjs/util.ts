// tf.util: the helpers TensorFlow.js programs call (assert, shuffle, sizeFromShape, flatten, now,
// string encoding, ...). Plain JavaScript; bad input raises a WasmgradError.
import { WasmgradError } from '../errors.js';

export function assert(expr: boolean, msg: () => string): void {
  if (!expr) throw new WasmgradError(typeof msg === 'function' ? msg() : String(msg));
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
  if (a.length !== b.length) throw new WasmgradError(`util.shuffleCombo: the arrays have lengths ${a.length} and ${b.length}`);
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
  if (encoding !== 'utf-8' && encoding !== 'utf8') throw new WasmgradError(`util.encodeString: only utf-8 is supported, got ${encoding}`);
  return new TextEncoder().encode(s);
};
export const decodeString = (bytes: Uint8Array, encoding = 'utf-8'): string => {
  if (encoding !== 'utf-8' && encoding !== 'utf8') throw new WasmgradError(`util.decodeString: only utf-8 is supported, got ${encoding}`);
  return new TextDecoder().decode(bytes);
};

export function fetch(input: string | URL, init?: RequestInit): Promise<Response> {
  return globalThis.fetch(input, init);
}
