// Elementwise functions that have no WebAssembly kernel (rounding, trigonometry, tests for NaN):
// TensorFlow.js programs use them on small tensors, outside hot loops, so they run in JavaScript
// over a copy of the values. Each is one definition: the function, and its derivative where
// TensorFlow.js gives one (rounding and sign pass no gradient, as in TensorFlow.js).
import { Tensor, asBool } from '../tensor.js';
import { record } from '../tape.js';
import { fromFlat } from '../creation.js';
import { checkTensor, checkFloat, operand, disposeAll, type TensorOrNumber } from './util.js';
import { mul, sub, div } from './binary.js';
import { sumTo } from '../primitives.js';
import { pow as powNumber } from './unary.js';
import { zipValues, isIntegral, viaFloat, mapInts } from './values-js.js';

type Fn = (x: number) => number;
/** What an int32 x gives, as in TF.js: int32 ('keep'), float32 ('float'), or a WasmgradError. */
type OfInt32 = 'keep' | 'float' | 'refuse';

/** y = f(x) in JavaScript, recording dy * df(x) when df is given. */
function mapOp(name: string, x: Tensor, f: Fn, df?: Fn, ofInt32: OfInt32 = 'refuse'): Tensor {
  if (isIntegral(x)) {
    if (ofInt32 === 'keep') return mapInts(checkTensor(x, name), f); // int32 carries no gradient
    if (ofInt32 === 'float' || x.dtype === 'bool') return viaFloat(checkTensor(x, name), (t) => mapOp(name, t, f, df));
    return checkFloat(x, name);
  }
  checkTensor(x, name);
  const out = fromFlat(Float32Array.from(x.dataSync(), f), x.shape, 'float32');
  if (df) record(name, [x], out, ([dy]) => [mul(dy, mapOp(`${name}'`, x, df))]);
  return out;
}

export const floor = (x: Tensor) => mapOp('floor', x, Math.floor, undefined, 'keep');
export const ceil = (x: Tensor) => mapOp('ceil', x, Math.ceil, undefined, 'keep');
/** Rounds half to even, as TensorFlow.js does. */
export const round = (x: Tensor) => mapOp('round', x, (v) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}, undefined, 'keep');
export const sign = (x: Tensor) => mapOp('sign', x, (v) => (Number.isNaN(v) ? 0 : Math.sign(v)), undefined, 'keep');
export const sin = (x: Tensor) => mapOp('sin', x, Math.sin, Math.cos);
export const cos = (x: Tensor) => mapOp('cos', x, Math.cos, (v) => -Math.sin(v));
export const tan = (x: Tensor) => mapOp('tan', x, Math.tan, (v) => 1 / Math.cos(v) ** 2);
export const asin = (x: Tensor) => mapOp('asin', x, Math.asin, (v) => 1 / Math.sqrt(1 - v * v));
export const acos = (x: Tensor) => mapOp('acos', x, Math.acos, (v) => -1 / Math.sqrt(1 - v * v));
export const atan = (x: Tensor) => mapOp('atan', x, Math.atan, (v) => 1 / (1 + v * v));
export const sinh = (x: Tensor) => mapOp('sinh', x, Math.sinh, Math.cosh);
export const cosh = (x: Tensor) => mapOp('cosh', x, Math.cosh, Math.sinh);
export const asinh = (x: Tensor) => mapOp('asinh', x, Math.asinh, (v) => 1 / Math.sqrt(v * v + 1));
export const acosh = (x: Tensor) => mapOp('acosh', x, Math.acosh, (v) => 1 / Math.sqrt(v * v - 1));
export const atanh = (x: Tensor) => mapOp('atanh', x, Math.atanh, (v) => 1 / (1 - v * v));
export const erf = (x: Tensor) => mapOp('erf', x, erfOf, (v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v), 'float');
export const relu6 = (x: Tensor) => mapOp('relu6', x, (v) => Math.min(Math.max(v, 0), 6), (v) => (v > 0 && v < 6 ? 1 : 0), 'keep');
/** 1 where x > 0, else alpha (TensorFlow.js's step). */
export const step = (x: Tensor, alpha = 0) => mapOp('step', x, (v) => (Number.isNaN(v) ? NaN : v > 0 ? 1 : alpha), undefined, 'keep');
export const isNaN = (x: Tensor) => asBool(mapOp('isNaN', x, (v) => (Number.isNaN(v) ? 1 : 0), undefined, 'float'));
export const isInf = (x: Tensor) => asBool(mapOp('isInf', x, (v) => (v === Infinity || v === -Infinity ? 1 : 0), undefined, 'float'));
export const isFinite = (x: Tensor) => asBool(mapOp('isFinite', x, (v) => (Number.isFinite(v) ? 1 : 0), undefined, 'float'));

/** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
function erfOf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * Binary functions without kernels, with NumPy broadcasting, in JavaScript: int32 when both
 * tensors are (or when `intIfAny` and either is), else float32.
 */
function zipOp(name: string, a: TensorOrNumber, b: TensorOrNumber, f: (x: number, y: number) => number, intIfAny = false): Tensor {
  const temps: Tensor[] = [];
  try {
    const x = a instanceof Tensor ? checkTensor(a, name, 'a') : operand(a, name, 'a', temps);
    const y = b instanceof Tensor ? checkTensor(b, name, 'b') : operand(b, name, 'b', temps);
    const ints = intIfAny ? isIntegral(x) || isIntegral(y) : isIntegral(x) && isIntegral(y);
    return zipValues(name, x, y, f, ints ? 'int32' : 'float32');
  } finally {
    disposeAll(temps);
  }
}

/** floor(a / b), as TensorFlow.js's floorDiv (no gradient): int32 where an operand is int32, as TF.js's. */
export const floorDiv = (a: TensorOrNumber, b: TensorOrNumber) => zipOp('floorDiv', a, b, (x, y) => Math.floor(x / y), true);

/** a mod b with the sign of b (Python's and TensorFlow's floor mod); gradients as TensorFlow.js's. */
export function mod(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  if (isIntegral(a) || isIntegral(b)) return zipOp('mod', a, b, (x, y) => x - y * Math.floor(x / y));
  const q = floorDiv(a, b);
  try {
    return sub(a, mul(b, q));
  } finally {
    q.dispose();
  }
}

/** atan2(a, b), the angle of (b, a), with its gradients. */
export function atan2(a: Tensor, b: Tensor): Tensor {
  const out = zipOp('atan2', a, b, Math.atan2);
  record('atan2', [a, b], out, ([dy]) => {
    const r = zipOp('atan2', a, b, (x, y) => x * x + y * y); // |(b, a)|^2
    return [sumTo(div(mul(dy, b), r), a.shape), sumTo(div(mul(dy, mapOp('neg', a, (v) => -v, undefined, 'keep')), r), b.shape)];
  });
  return out;
}

/**
 * base ** exponent as TensorFlow.js's pow: the exponent a number or a tensor (broadcast). A tensor
 * exponent is applied elementwise, so negative bases with whole exponents work (x ** 3 for x < 0);
 * gradients as TensorFlow.js's: exponent * base^(exponent - 1), and base^exponent * log(base)
 * where base > 0 (else base^exponent * 0, NaN where the power is).
 */
export function powTfjs(base: TensorOrNumber, exponent: Tensor | number): Tensor {
  const temps: Tensor[] = [];
  try {
    // a number base is a float32 scalar (TF.js's 2 ** x)
    const b = typeof base === 'number' ? operand(base, 'pow', 'base', temps) : checkTensor(base, 'pow', 'base');
    if (!(exponent instanceof Tensor)) return powNumber(b, exponent);
    checkTensor(exponent, 'pow', 'exponent');
    const out = zipOp('pow', b, exponent, Math.pow);
    record('pow', [b, exponent], out, ([dy]) => [
      sumTo(mul(dy, zipOp("pow'", b, exponent, (x, e) => e * Math.pow(x, e - 1))), b.shape),
      sumTo(mul(dy, zipOp("pow'", b, exponent, (x, e) => Math.pow(x, e) * (x > 0 ? Math.log(x) : 0))), exponent.shape),
    ]);
    return out;
  } finally {
    disposeAll(temps);
  }
}
