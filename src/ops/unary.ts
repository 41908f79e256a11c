// Unary math and activations: one kernel call forward, one fused gradient kernel backward
// (dx = dy * f'(x, y)), so every activation trains on every build.
import { WasmgradError, msg } from '../errors.js';
import { Tensor, assertUsable } from '../tensor.js';
import { record } from '../tape.js';
import { unary as unaryKernel, unaryGrad, type UnaryOp } from '../engine/drivers/elementwise.js';
import { checkFloat, checkTensor, newTensor } from './util.js';
import { isIntegral, mapInts, viaFloat } from './values-js.js';
import { tagLogits } from './logits.js';

const SELU_SCALE = 1.0507009873554805, SELU_ALPHA = 1.6732632423543772;
/**
 * The ops that keep int32 as int32 in TF.js, on a value in double precision (ToInt32 stores it);
 * others give float32 of an int32 x (FLOAT_OF_INT32) or refuse it, as TF.js's do.
 */
const INT32_UNARY: Partial<Record<UnaryOp, (v: number, p1: number, p2: number) => number>> = {
  neg: (v) => -v,
  abs: Math.abs,
  square: (v) => v * v,
  relu: (v) => Math.max(v, 0),
  reciprocal: (v) => 1 / v,
  log1p: Math.log1p,
  expm1: Math.expm1,
  selu: (v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v)),
  softplus: (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))),
  clip: (v, lo, hi) => Math.min(Math.max(v, lo), hi),
};
const FLOAT_OF_INT32: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['exp', 'leakyRelu']);

/** y = f(x) with its gradient recorded; p1, p2 are the op's parameters. */
export function unaryOp(op: UnaryOp, x: Tensor, p1 = 0, p2 = 0, name: string = op): Tensor {
  // (a bool's 0 / 1 are float32 values: the float kernel gives float32)
  if (x instanceof Tensor && x.dtype === 'int32') {
    assertUsable(x, name);
    const f = INT32_UNARY[op];
    if (f) return mapInts(x, (v) => f(v, p1, p2));
    if (FLOAT_OF_INT32.has(op)) return viaFloat(x, (t) => unaryOp(op, t, p1, p2, name));
  }
  checkFloat(x, name);
  const y = newTensor(x.shape);
  unaryKernel(op, x, y, p1, p2);
  record(name, [x], y, ([dy]) => {
    const dx = newTensor(x.shape);
    unaryGrad(op, x, y, dy, dx, p1, p2);
    return [dx];
  });
  return y;
}

export const neg = (x: Tensor) => unaryOp('neg', x);
export const abs = (x: Tensor) => unaryOp('abs', x);
export const exp = (x: Tensor) => unaryOp('exp', x);
export const log = (x: Tensor) => unaryOp('log', x);
export const log1p = (x: Tensor) => unaryOp('log1p', x);
export const expm1 = (x: Tensor) => unaryOp('expm1', x);
export const sqrt = (x: Tensor) => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor) => unaryOp('rsqrt', x);
export const square = (x: Tensor) => unaryOp('square', x);
export const reciprocal = (x: Tensor) => unaryOp('reciprocal', x);
export const relu = (x: Tensor) => unaryOp('relu', x);
export const leakyRelu = (x: Tensor, alpha = 0.2) => unaryOp('leakyRelu', x, alpha);
export const elu = (x: Tensor, alpha = 1) => unaryOp('elu', x, alpha);
export const selu = (x: Tensor) => unaryOp('selu', x);
export const gelu = (x: Tensor) => unaryOp('gelu', x);
export const sigmoid = (x: Tensor) => tagLogits(unaryOp('sigmoid', x), x, 'sigmoid'); // tagged for the fused losses
export const tanh = (x: Tensor) => unaryOp('tanh', x);
export const softplus = (x: Tensor) => unaryOp('softplus', x);
export const swish = (x: Tensor) => unaryOp('swish', x);
export const hardSigmoid = (x: Tensor) => unaryOp('hardSigmoid', x);

function checkNumber(v: unknown, op: string, name: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new WasmgradError(msg`${op}: ${name} must be a number, got ${v}`);
  return v;
}

/** x ** exponent for a number exponent; integer exponents also take negative x. */
export function pow(x: Tensor, exponent: number): Tensor {
  checkNumber(exponent, 'pow', 'exponent');
  if (isIntegral(x)) return viaFloat(checkTensor(x, 'pow'), (t) => pow(t, exponent)); // a number exponent is float32: so is the result
  if (exponent === 1) return scale(x, 1, 0);
  if (exponent === 0.5) return sqrt(x);
  if (exponent === -0.5) return rsqrt(x);
  const isInt = Number.isInteger(exponent) && Math.abs(exponent) <= 1 << 24;
  return unaryOp(isInt ? 'powInt' : 'pow', x, exponent, 0, 'pow');
}

export function clipByValue(x: Tensor, lo: number, hi: number): Tensor {
  checkNumber(lo, 'clipByValue', 'lo');
  checkNumber(hi, 'clipByValue', 'hi');
  if (lo > hi) throw new WasmgradError(msg`clipByValue: lo ${lo} is greater than hi ${hi}`);
  return unaryOp('clip', x, lo, hi, 'clipByValue');
}

/** a * x + b for numbers a, b in one pass. */
export function scale(x: Tensor, a: number, b = 0): Tensor {
  return unaryOp('affine', x, a, b, 'scale');
}
