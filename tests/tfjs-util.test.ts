// tf.util in wasmgrad/tfjs: every helper TF.js 4.22 exports (but its 64-bit hash helpers and a
// backend-internal converter), each compared with TF.js's own on the same arguments.
import { describe, test, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import { UTIL_PARAMETERS } from '../src/tfjs/util-args';

const ours = wt.util as unknown as Record<string, (...args: unknown[]) => unknown>;
const theirs = tf.util as unknown as Record<string, (...args: unknown[]) => unknown>;
const NOT_TAKEN = ['fingerPrint64', 'hexToLong', 'convertBackendValuesAndArrayBuffer'];

/** The same call on both: equal results, or both throw. */
function same(name: string, ...args: unknown[]) {
  let want: unknown, got: unknown, wantErr = false, gotErr = false;
  try { want = theirs[name](...structuredClone(args)); } catch { wantErr = true; }
  try { got = ours[name](...structuredClone(args)); } catch (e) { gotErr = true; expect(e).toBeInstanceOf(wt.WasmgradError ?? Error); }
  expect(gotErr, `${name}(${JSON.stringify(args)}) throws`).toBe(wantErr);
  if (!wantErr) expect(got, `${name}(${JSON.stringify(args)})`).toEqual(want);
}

describe('tf.util', () => {
  test('has every helper of TF.js 4.22 but the 64-bit hash ones', () => {
    const missing = Object.keys(tf.util).filter((k) => !(k in wt.util) && !NOT_TAKEN.includes(k));
    expect(missing).toEqual([]);
  });

  test('type tests', () => {
    for (const v of [1, 0, -2.5, NaN, 'a', new String('s'), true, null, undefined, [], {}, () => 1, Promise.resolve(1), { then: 3 }]) {
      for (const f of ['isNumber', 'isString', 'isBoolean', 'isFunction', 'isPromise']) {
        expect(!!ours[f](v), `${f}(${String(v)})`).toBe(!!theirs[f](v));
      }
    }
    for (const v of [0, 1.5, -3, 1e21, NaN]) same('isInt', v);
    for (const d of ['float32', 'int32', 'bool', 'string', 'complex64', 'float16', '']) same('isValidDtype', d);
  });

  test('shape helpers', () => {
    for (const s of [[], [1], [3], [2, 3], [2, 3, 4], [1, 5, 1, 7], [4, 1, 1, 2, 3]]) {
      same('computeStrides', s);
      same('isScalarShape', s);
      same('squeezeShape', s);
      for (let a = -s.length; a < s.length; a++) same('squeezeShape', s, [a]);
      same('parseAxisParam', null, s);
      same('parseAxisParam', -1, s);
      same('parseAxisParam', s.length, s);
      same('parseAxisParam', 0.5, s);
      const strides = tf.util.computeStrides(s);
      const size = s.reduce((p, c) => p * c, 1);
      for (let i = 0; i < size; i += 3) {
        same('indexToLoc', i, s.length, strides);
        same('locToIndex', tf.util.indexToLoc(i, s.length, strides), s.length, strides);
      }
    }
    same('squeezeShape', [1, 3, 1], [0, 2]);
    for (const [shape, size] of [[[2, -1, 3], 24], [[-1], 7], [[2, 3], 6], [[2, 3], 7], [[-1, -1], 4], [[0, -1], 0], [[2, -1], 5], [[2, -3], 4], [[2, 3], 0]] as [number[], number][]) {
      same('inferFromImplicitShape', shape, size);
    }
    for (const n of [0, 1, 2, 5, 16, 17, 1000]) same('sizeToSquarishShape', n);
    for (const [n, s] of [[12, 5], [13, 2], [64, 3], [7, 8]]) same('nearestDivisor', n, s);
  });

  test('arrays, dtypes and nesting', () => {
    same('arraysEqualWithNull', [1, null, 3], [1, 2, 3]);
    same('arraysEqualWithNull', [1, 2], [1, 3]);
    same('arraysEqualWithNull', null, [1]);
    same('arraysEqualWithNull', [1], [1, 2]);
    for (const d of ['float32', 'int32', 'bool', 'complex64', 'string']) {
      same('bytesPerElement', d);
      for (const e of ['float32', 'int32', 'bool', 'complex64', 'string']) same('hasEncodingLoss', d, e);
    }
    for (const v of [[1, 2], new Float32Array(2), new Int32Array(1), new Uint8Array(1), 3, 'x', true, [[true]], [['s']], {}]) same('inferDtype', v);
    expect(() => ours.getArrayFromDType('float16', 3)).toThrow(/getArrayFromDType: unknown dtype float16/);
    expect(() => theirs.getArrayFromDType('float16', 3)).toThrow();
    for (const d of ['float32', 'int32', 'bool']) {
      expect(ours.getArrayFromDType(d, 3)).toEqual(theirs.getArrayFromDType(d, 3));
      expect(ours.getTypedArrayFromDType(d, 2)).toEqual(theirs.getTypedArrayFromDType(d, 2));
      same('makeZerosNestedTypedArray', [2, 3], d);
      for (const v of [[0.4, 0.6, -2, 3.7], [[1, 2], [3, 4]]]) same('toTypedArray', v, d);
      same('createScalarValue', 2.6, d);
    }
    expect(ours.getArrayFromDType('string', 2)).toEqual(theirs.getArrayFromDType('string', 2));
    same('toTypedArray', ['a'], 'string');
    for (const [shape, n] of [[[], 1], [[0], 0], [[2, 3], 6], [[2, 2, 2], 8], [[3], 4]] as [number[], number][]) {
      same('toNestedArray', shape, Array.from({ length: n }, (_, i) => i));
    }
    same('toNestedArray', [2], [1, 2, 3, 4], true);
    same('checkConversionForErrors', [1, 2], 'float32');
    same('checkConversionForErrors', [1, NaN], 'float32');
    same('checkConversionForErrors', [Infinity], 'int32');
    same('bytesFromStringArray', [new Uint8Array(3), new Uint8Array(5)]);
    same('bytesFromStringArray', null);
  });

  test('assertions, strings and numbers', () => {
    same('assertShapesMatch', [1, 2], [1, 2]);
    same('assertShapesMatch', [1, 2], [2, 1], 'prefix');
    same('assertNonNull', 0);
    same('assertNonNull', null);
    same('assertNonNegativeIntegerDimensions', [1, 0, 3]);
    same('assertNonNegativeIntegerDimensions', [1, -1]);
    same('assertNonNegativeIntegerDimensions', [1.5]);
    for (const [s, n] of [['ab', 5], ['abcdef', 3], ['', 2]] as [string, number][]) same('rightPad', s, n);
    for (const x of [0, 0.5, -3, 40, Infinity, -Infinity, NaN]) same('tanh', x);
    const a = [1, 2, 3, 4];
    const b = a.slice();
    wt.util.swap(a, 0, 3);
    tf.util.swap(b, 0, 3);
    expect(a).toEqual(b);
  });

  test('repeatedTry resolves once the check passes, and rejects after maxCounter tries', async () => {
    let n = 0;
    await wt.util.repeatedTry(() => ++n === 3);
    expect(n).toBe(3);
    let m = 0;
    await expect(wt.util.repeatedTry(() => (m++, false), () => 1, 4)).rejects.toBeUndefined();
    expect(m).toBe(4);
    const delays: number[] = [];
    await wt.util.repeatedTry(() => delays.length === 2, (c) => c * 10, undefined, (fn, ms) => { delays.push(ms); fn(); });
    expect(delays).toEqual([10, 20]);
  });

  test('a helper given what it cannot use raises a WasmgradError naming the helper, the parameter and what it expects', () => {
    const cases: [string, unknown[], RegExp][] = [
      ['sizeFromShape', ['bogus'], /^util\.sizeFromShape: shape must be an array or typed array of numbers, got "bogus"/],
      ['computeStrides', [{}], /^util\.computeStrides: shape must be an array .* got \{\}/],
      ['flatten', [[1], 3], /^util\.flatten: result must be an array, got 3/],
      ['isInt', [10n], /^util\.isInt: a must be a number, got a bigint \(10\)/],
      ['swap', [3, 0, 1], /^util\.swap: object must be an object or array, got 3/],
      ['nearestDivisor', [Symbol('s'), 3], /^util\.nearestDivisor: size must be a whole number, got a symbol/],
      ['rightPad', ['a', -1], /^util\.rightPad: size must be a whole number from 0 to 2147483647, got -1/],
      ['makeZerosTypedArray', [1e12], /^util\.makeZerosTypedArray: size must be a whole number from 0/],
      ['decodeString', ['abc'], /^util\.decodeString: bytes must be a Uint8Array, got "abc"/],
      ['parseAxisParam', ['x', [2, 3]], /^util\.parseAxisParam: axis must be an axis .* got "x"/],
      ['bytesFromStringArray', [[null]], /^util\.bytesFromStringArray: arr must be an array of arrays/],
      ['repeatedTry', [null], /^util\.repeatedTry: checkFn must be a function, got null/],
      ['sum', [[1, 2n]], /^util\.sum: arr must be an array or typed array of numbers/],
      ['indexToLoc', [5, 1e9, [2]], /^util\.indexToLoc: rank 1000000000 needs 999999999 strides, got 1/],
      ['makeZerosNestedTypedArray', [[1e5, 1e5]], /^util\.makeZerosNestedTypedArray: shape must be whole numbers >= 0 holding at most/],
    ];
    for (const [name, args, message] of cases) {
      const call = () => ours[name](...args);
      expect(call, name).toThrow(wt.WasmgradError);
      expect(call, name).toThrow(message);
    }
    // an array holding itself
    const loop: unknown[] = [];
    loop.push(loop);
    expect(() => ours.inferDtype(loop)).toThrow(/util\.inferDtype: the array is nested more than 64 deep/);
    // optional parameters may be left out or null, as TF.js's
    expect(ours.flatten([[1], [2, [3]]], undefined)).toEqual([1, 2, 3]);
    expect(ours.bytesFromStringArray(null)).toBe(0);
    expect(ours.squeezeShape([1, 2, 1], null)).toEqual({ newShape: [2], keptDims: [1] });
  });

  test('every helper says what its parameters are', () => {
    const listed = Object.keys(UTIL_PARAMETERS);
    expect(Object.keys(wt.util).filter((k) => !listed.includes(k))).toEqual([]);
    expect(listed.filter((k) => !(k in wt.util))).toEqual([]);
  });
});

