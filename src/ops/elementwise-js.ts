// Elementwise functions that have no WebAssembly kernel (rounding, trigonometry, tests for NaN):
// TensorFlow.js programs use them on small tensors, outside hot loops, so they run in JavaScript
// over a copy of the values. Each is one definition: the function, and its derivative where
// TensorFlow.js gives one (rounding and sign pass no gradient, as in TensorFlow.js).
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fromFlat } from '../creation.js';
import { checkTensor, operand, disposeAll, type TensorOrNumber } from './util.js';
import { mul, sub, div } from './binary.js';
import { broadcastShapes, sumTo } from '../primitives.js';
import { pow as powNumber } from './unary.js';
import { strideMap } from './compare.js';

type Fn = (x: number) => number;

/** y = f(x) in JavaScript, recording dy * df(x) when df is given. */
function mapOp(name: string, x: Tensor, f: Fn, df?: Fn): Tensor {
  checkTensor(x, name);
  const v = x.dataSync();
  const out = fromFlat(x.dtype === 'int32' ? Int32Array.from(v, f) : Float32Array.from(v, f), x.shape, x.dtype);
  if (df) record(name, [x], out, ([dy]) => [mul(dy, mapOp(`${name}'`, x, df))]);
  return out;
}

export const floor = (x: Tensor) => mapOp('floor', x, Math.floor);
export const ceil = (x: Tensor) => mapOp('ceil', x, Math.ceil);
/** Rounds half to even, as TensorFlow.js does. */
export const round = (x: Tensor) => mapOp('round', x, (v) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
});
export const sign = (x: Tensor) => mapOp('sign', x, (v) => (Number.isNaN(v) ? 0 : Math.sign(v)));
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
export const erf = (x: Tensor) => mapOp('erf', x, erfOf, (v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v));
export const relu6 = (x: Tensor) => mapOp('relu6', x, (v) => Math.min(Math.max(v, 0), 6), (v) => (v > 0 && v < 6 ? 1 : 0));
/** 1 where x > 0, else alpha (TensorFlow.js's step). */
export const step = (x: Tensor, alpha = 0) => mapOp('step', x, (v) => (Number.isNaN(v) ? NaN : v > 0 ? 1 : alpha));
export const isNaN = (x: Tensor) => mapOp('isNaN', x, (v) => (Number.isNaN(v) ? 1 : 0));
export const isInf = (x: Tensor) => mapOp('isInf', x, (v) => (v === Infinity || v === -Infinity ? 1 : 0));
export const isFinite = (x: Tensor) => mapOp('isFinite', x, (v) => (Number.isFinite(v) ? 1 : 0));

/** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
function erfOf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Binary functions without kernels, with NumPy broadcasting, in JavaScript. */
function zipOp(name: string, a: TensorOrNumber, b: TensorOrNumber, f: (x: number, y: number) => number): Tensor {
  const temps: Tensor[] = [];
  try {
    const x = a instanceof Tensor ? checkTensor(a, name, 'a') : operand(a, name, 'a', temps);
    const y = b instanceof Tensor ? checkTensor(b, name, 'b') : operand(b, name, 'b', temps);
    const shape = broadcastShapes(x.shape, y.shape, name);
    const xs = strideMap(x.shape, shape), ys = strideMap(y.shape, shape);
    const xv = x.dataSync(), yv = y.dataSync();
    const n = shape.reduce((p, q) => p * q, 1);
    const isInt = x.dtype === 'int32' && y.dtype === 'int32';
    const out = isInt ? new Int32Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = f(xv[xs(i)], yv[ys(i)]);
    return fromFlat(out, shape, isInt ? 'int32' : 'float32');
  } finally {
    disposeAll(temps);
  }
}

/** floor(a / b), as TensorFlow.js's floorDiv (no gradient). */
export const floorDiv = (a: TensorOrNumber, b: TensorOrNumber) => zipOp('floorDiv', a, b, (x, y) => Math.floor(x / y));

/** a mod b with the sign of b (Python's and TensorFlow's floor mod); gradients as TensorFlow.js's. */
export function mod(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const isInt = (v: TensorOrNumber) => v instanceof Tensor && v.dtype === 'int32';
  if (isInt(a) || isInt(b)) return zipOp('mod', a, b, (x, y) => x - y * Math.floor(x / y));
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
    return [sumTo(div(mul(dy, b), r), a.shape), sumTo(div(mul(dy, mapOp('neg', a, (v) => -v)), r), b.shape)];
  });
  return out;
}

/**
 * base ** exponent as TensorFlow.js's pow: the exponent a number or a tensor (broadcast). A tensor
 * exponent is applied elementwise, so negative bases with whole exponents work (x ** 3 for x < 0);
 * gradients as TensorFlow.js's: exponent * base^(exponent - 1), and base^exponent * log(base)
 * where base > 0 (else base^exponent * 0, NaN where the power is).
 */
export function powTfjs(base: Tensor, exponent: Tensor | number): Tensor {
  if (!(exponent instanceof Tensor)) return powNumber(base, exponent);
  checkTensor(base, 'pow', 'base');
  checkTensor(exponent, 'pow', 'exponent');
  const out = zipOp('pow', base, exponent, Math.pow);
  record('pow', [base, exponent], out, ([dy]) => [
    sumTo(mul(dy, zipOp("pow'", base, exponent, (x, e) => e * Math.pow(x, e - 1))), base.shape),
    sumTo(mul(dy, zipOp("pow'", base, exponent, (x, e) => Math.pow(x, e) * (x > 0 ? Math.log(x) : 0))), exponent.shape),
  ]);
  return out;
}
