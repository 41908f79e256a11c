// Comparisons, logical ops and where (select). Comparisons run in the broadcasting kernels and give
// bool tensors (0 / 1 in float32 storage, the one float dtype the kernels share); they carry no
// gradient. where passes the gradient to the branch each element came from.
import { WasmgradError, msg } from '../errors.js';
import { Tensor, asBool } from '../tensor.js';
import { record } from '../tape.js';
import { binaryOp, broadcastShapes, sumTo } from '../primitives.js';
import { fromFlat } from '../creation.js';
import { operand, disposeAll, checkTensor, type TensorOrNumber } from './util.js';
import { isIntegral, compareInts, strideMap } from './values-js.js';
import { mul, sub } from './binary.js';

/** f on float32 operands (numbers and int32 tensors cast); two int32 tensors compare exactly by test. */
function compare(name: string, a: TensorOrNumber, b: TensorOrNumber, f: (x: Tensor, y: Tensor) => Tensor, test: (x: number, y: number) => boolean): Tensor {
  if (isIntegral(a) && isIntegral(b)) return asBool(compareInts(name, a as Tensor, b as Tensor, test));
  const temps: Tensor[] = [];
  try {
    return asBool(f(operand(a, name, 'a', temps), operand(b, name, 'b', temps)));
  } finally {
    disposeAll(temps);
  }
}

/** 1 - m, computed without recording. */
function not(m: Tensor): Tensor {
  const one = fromFlat([1], [], 'float32');
  try {
    return binaryOp('sub', one, m);
  } finally {
    one.dispose();
    m.dispose();
  }
}

export const greaterEqual = (a: TensorOrNumber, b: TensorOrNumber) => compare('greaterEqual', a, b, (x, y) => binaryOp('greaterEqual', x, y, 'greaterEqual'), (x, y) => x >= y);
export const lessEqual = (a: TensorOrNumber, b: TensorOrNumber) => compare('lessEqual', a, b, (x, y) => binaryOp('lessEqual', x, y, 'lessEqual'), (x, y) => x <= y);
/** A strict comparison: the non-strict one where not equal (a NaN operand fails both, as it must). */
function strict(nonStrict: 'greaterEqual' | 'lessEqual', name: string, x: Tensor, y: Tensor): Tensor {
  const [ge, eq] = [binaryOp(nonStrict, x, y, name), binaryOp('equal', x, y, name)];
  try {
    return binaryOp('sub', ge, eq);
  } finally {
    disposeAll([ge, eq]);
  }
}
export const greater = (a: TensorOrNumber, b: TensorOrNumber) => compare('greater', a, b, (x, y) => strict('greaterEqual', 'greater', x, y), (x, y) => x > y);
export const less = (a: TensorOrNumber, b: TensorOrNumber) => compare('less', a, b, (x, y) => strict('lessEqual', 'less', x, y), (x, y) => x < y);
export const notEqual = (a: TensorOrNumber, b: TensorOrNumber) => compare('notEqual', a, b, (x, y) => not(binaryOp('equal', x, y, 'notEqual')), (x, y) => x !== y);

const truthy = (x: TensorOrNumber) => compare('logical', x, 0, (a, z) => not(binaryOp('equal', a, z, 'logical')), (v) => v !== 0);
export function logicalAnd(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const [x, y] = [truthy(a), truthy(b)];
  try {
    return asBool(binaryOp('mul', x, y, 'logicalAnd'));
  } finally {
    disposeAll([x, y]);
  }
}
export function logicalOr(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const [x, y] = [truthy(a), truthy(b)];
  try {
    return asBool(binaryOp('maximum', x, y, 'logicalOr'));
  } finally {
    disposeAll([x, y]);
  }
}
export function logicalXor(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const [x, y] = [truthy(a), truthy(b)];
  try {
    return asBool(not(binaryOp('equal', x, y, 'logicalXor')));
  } finally {
    disposeAll([x, y]);
  }
}
export const logicalNot = (a: TensorOrNumber) => asBool(not(truthy(a)));

/** Elements of a where condition is non-zero, else of b; all three broadcast together. */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  checkTensor(condition, 'where', 'condition');
  checkTensor(a, 'where', 'a');
  checkTensor(b, 'where', 'b');
  if (a.dtype !== b.dtype) throw new WasmgradError(msg`where: a and b must have the same dtype, got ${a.dtype} and ${b.dtype}`);
  let shape = broadcastShapes(a.shape, b.shape, 'where');
  // NumPy broadcasting, as TF.js 4.22; a rank-1 condition that does not broadcast that way but
  // matches the first axis selects whole rows of a and b (TF.js 1.x, and its documentation still)
  const [n, last] = [condition.shape[0], shape[shape.length - 1]];
  const rows = condition.rank === 1 && shape.length > 1 && n === shape[0] && n !== last && n !== 1 && last !== 1;
  const condShape = rows ? [condition.shape[0], ...shape.slice(1).map(() => 1)] : condition.shape;
  shape = broadcastShapes(shape, condShape, 'where');
  const c = condition.dataSync();
  const mask = new Float32Array(shape.reduce((x, y) => x * y, 1));
  // broadcast the condition by strides (it is usually small: a selection, not data)
  const strides = strideMap(condShape, shape);
  for (let i = 0; i < mask.length; i++) mask[i] = c[strides(i)] ? 1 : 0;
  const m = fromFlat(mask, shape, 'float32');
  const am = strideMap(a.shape, shape), bm = strideMap(b.shape, shape);
  const av = a.dataSync(), bv = b.dataSync();
  const values = a.dtype === 'int32' ? new Int32Array(mask.length) : new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) values[i] = mask[i] ? av[am(i)] : bv[bm(i)];
  const out = fromFlat(values, shape, a.dtype);
  if (!record('where', [a, b], out, ([dy]) => [sumTo(mul(dy, m), a.shape), sumTo(sub(dy, mul(dy, m)), b.shape)], [m])) m.dispose();
  return out;
}
