// tf.util's helpers take plain values. Given what they cannot use (an object for a shape, a symbol
// for an index, a BigInt for a number), each raises a WasmgradError naming the helper, the
// parameter and what it expects, rather than a TypeError from inside. One table says what each
// parameter is; the helpers' own checks (sizes that do not match, unknown dtypes) come after.
import { WasmgradError, describeValue, msg } from '../errors.js';

const isList = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
const isNumbers = (v: unknown) => isList(v) && Array.prototype.every.call(v, (x) => typeof x === 'number');
/** The most elements a helper allocates (2^31 - 1: a typed array's length everywhere). */
const MAX_COUNT = 2 ** 31 - 1;

const KINDS: Record<string, [expected: string, test: (v: unknown) => boolean]> = {
  any: ['anything', () => true],
  number: ['a number', (v) => typeof v === 'number'],
  int: ['a whole number', (v) => Number.isSafeInteger(v)],
  count: [`a whole number from 0 to ${MAX_COUNT}`, (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_COUNT],
  string: ['a string', (v) => typeof v === 'string'],
  function: ['a function', (v) => typeof v === 'function'],
  object: ['an object or array', (v) => typeof v === 'object' && v !== null],
  array: ['an array', Array.isArray],
  list: ['an array or typed array', isList],
  lists: ['an array of arrays or typed arrays', (v) => Array.isArray(v) && v.every(isList)],
  numbers: ['an array or typed array of numbers', isNumbers],
  bytes: ['a Uint8Array', (v) => v instanceof Uint8Array],
  axes: ['an axis (a whole number) or an array of them', (v) => Number.isSafeInteger(v) || (Array.isArray(v) && v.every((a) => Number.isSafeInteger(a)))],
};

/** Each helper's parameters: `name: kind`, a `?` after the kind when it may be left out (or null). */
export const UTIL_PARAMETERS: Record<string, string> = {
  assert: 'expr: any, msg: any',
  shuffle: 'array: list',
  shuffleCombo: 'array: list, array2: list',
  sizeFromShape: 'shape: numbers',
  arraysEqual: 'a: any, b: any',
  flatten: 'arr: any, result: array?, skipTypedArray: any?',
  isTypedArray: 'a: any',
  now: '',
  clamp: 'min: number, x: number, max: number',
  nearestLargerEven: 'val: number',
  sum: 'arr: numbers',
  randUniform: 'a: number, b: number',
  distSquared: 'a: numbers, b: numbers',
  makeZerosTypedArray: 'size: count, dtype: string?',
  makeOnesTypedArray: 'size: count, dtype: string?',
  createShuffledIndices: 'n: count',
  encodeString: 's: string, encoding: string?',
  decodeString: 'bytes: bytes, encoding: string?',
  fetch: 'path: any, requestInits: any?',
  isNumber: 'value: any',
  isString: 'value: any',
  isBoolean: 'value: any',
  isFunction: 'f: any',
  isInt: 'a: number',
  isPromise: 'object: any',
  isScalarShape: 'shape: list',
  isValidDtype: 'dtype: any',
  tanh: 'x: number',
  rightPad: 'a: string, size: count',
  sizeToSquarishShape: 'size: count',
  swap: 'object: object, left: int, right: int',
  nearestDivisor: 'size: int, start: int',
  arraysEqualWithNull: 'a: any, b: any',
  assertShapesMatch: 'shapeA: numbers, shapeB: numbers, errorMessagePrefix: string?',
  assertNonNull: 'a: any',
  assertNonNegativeIntegerDimensions: 'shape: list',
  bytesPerElement: 'dtype: any',
  hasEncodingLoss: 'oldType: any, newType: any',
  inferDtype: 'values: any',
  getArrayFromDType: 'dtype: any, size: count',
  getTypedArrayFromDType: 'dtype: any, size: count',
  checkConversionForErrors: 'vals: list, dtype: any',
  toTypedArray: 'a: list, dtype: any',
  createScalarValue: 'value: any, dtype: any',
  bytesFromStringArray: 'arr: lists?',
  computeStrides: 'shape: numbers',
  locToIndex: 'locs: numbers, rank: int, strides: numbers',
  indexToLoc: 'index: number, rank: int, strides: numbers',
  toNestedArray: 'shape: numbers, a: list, isComplex: any?',
  makeZerosNestedTypedArray: 'shape: numbers, dtype: string?',
  parseAxisParam: 'axis: axes?, shape: numbers',
  squeezeShape: 'shape: numbers, axis: axes?',
  inferFromImplicitShape: 'shape: numbers, size: int',
  repeatedTry: 'checkFn: function, delayFn: function?, maxCounter: int?, scheduleFn: function?',
};

type Fn = (...args: unknown[]) => unknown;

/** The helpers, each checking its arguments first (a helper the table does not list is refused). */
export function checkedUtil<T extends Record<string, unknown>>(helpers: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(helpers)) {
    const spec = UTIL_PARAMETERS[name];
    if (spec === undefined) throw new Error(`tf.util.${name}: no entry in UTIL_PARAMETERS (src/tfjs/util-args.ts)`);
    const params = spec ? spec.split(', ').map((p) => {
      const [param, kind] = p.split(': ');
      const optional = kind.endsWith('?');
      const [expected, test] = KINDS[optional ? kind.slice(0, -1) : kind];
      return { param, optional, expected, test };
    }) : [];
    out[name] = function (this: unknown, ...args: unknown[]) {
      params.forEach(({ param, optional, expected, test }, i) => {
        const v = args[i];
        if (optional && v == null) return;
        if (!test(v)) throw new WasmgradError(msg`util.${name}: ${param} must be ${expected}, got ${describeValue(v)}`);
      });
      return (fn as Fn).apply(this, args);
    };
  }
  return out as T;
}
