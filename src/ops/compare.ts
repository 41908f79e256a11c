// Comparisons, logical ops and where (select). Comparisons run in the broadcasting kernels and give
// 0 / 1 as float32 (TensorFlow.js's bool, in the one float dtype the kernels share); they carry no
// gradient. where passes the gradient to the branch each element came from.
import { WasmgradError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { binaryOp, broadcastShapes, broadcast, sumTo } from '../primitives.js';
import { fromFlat } from '../creation.js';
import { operand, disposeAll, checkTensor, type TensorOrNumber } from './util.js';
import { mul, sub } from './binary.js';

function compare(name: string, a: TensorOrNumber, b: TensorOrNumber, f: (x: Tensor, y: Tensor) => Tensor): Tensor {
  const temps: Tensor[] = [];
  try {
    return f(operand(asFloat(a), name, 'a', temps), operand(asFloat(b), name, 'b', temps));
  } finally {
    disposeAll(temps);
  }
}

/** int32 operands compare as floats (exact below 2^24). */
function asFloat(x: TensorOrNumber): TensorOrNumber {
  if (x instanceof Tensor && x.dtype === 'int32') return fromFlat(Float32Array.from(x.dataSync()), x.shape, 'float32');
  return x;
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

export const greaterEqual = (a: TensorOrNumber, b: TensorOrNumber) => compare('greaterEqual', a, b, (x, y) => binaryOp('greaterEqual', x, y, 'greaterEqual'));
export const lessEqual = (a: TensorOrNumber, b: TensorOrNumber) => compare('lessEqual', a, b, (x, y) => binaryOp('lessEqual', x, y, 'lessEqual'));
export const greater = (a: TensorOrNumber, b: TensorOrNumber) => compare('greater', a, b, (x, y) => not(binaryOp('lessEqual', x, y, 'greater')));
export const less = (a: TensorOrNumber, b: TensorOrNumber) => compare('less', a, b, (x, y) => not(binaryOp('greaterEqual', x, y, 'less')));
export const notEqual = (a: TensorOrNumber, b: TensorOrNumber) => compare('notEqual', a, b, (x, y) => not(binaryOp('equal', x, y, 'notEqual')));

const truthy = (x: TensorOrNumber) => compare('logical', x, 0, (a, z) => not(binaryOp('equal', a, z, 'logical')));
export function logicalAnd(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const [x, y] = [truthy(a), truthy(b)];
  try {
    return binaryOp('mul', x, y, 'logicalAnd');
  } finally {
    disposeAll([x, y]);
  }
}
export function logicalOr(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const [x, y] = [truthy(a), truthy(b)];
  try {
    return binaryOp('maximum', x, y, 'logicalOr');
  } finally {
    disposeAll([x, y]);
  }
}
export function logicalXor(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  const [x, y] = [truthy(a), truthy(b)];
  try {
    return not(binaryOp('equal', x, y, 'logicalXor'));
  } finally {
    disposeAll([x, y]);
  }
}
export const logicalNot = (a: TensorOrNumber) => not(truthy(a));

/** Elements of a where condition is non-zero, else of b; all three broadcast together. */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  checkTensor(condition, 'where', 'condition');
  checkTensor(a, 'where', 'a');
  checkTensor(b, 'where', 'b');
  if (a.dtype !== b.dtype) throw new WasmgradError(`where: a and b must have the same dtype, got ${a.dtype} and ${b.dtype}`);
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
  const ab = broadcast(a.dtype === 'int32' ? toFloat(a) : a, shape, 'where');
  const bb = broadcast(b.dtype === 'int32' ? toFloat(b) : b, shape, 'where');
  const outF = new Float32Array(mask.length);
  const av = ab.dataSync(), bv = bb.dataSync();
  for (let i = 0; i < mask.length; i++) outF[i] = mask[i] ? av[i] : bv[i];
  disposeAll([ab, bb]);
  const out = fromFlat(a.dtype === 'int32' ? Int32Array.from(outF) : outF, shape, a.dtype);
  if (!record('where', [a, b], out, ([dy]) => [sumTo(mul(dy, m), a.shape), sumTo(sub(dy, mul(dy, m)), b.shape)], [m])) m.dispose();
  return out;
}

function toFloat(x: Tensor): Tensor {
  return fromFlat(Float32Array.from(x.dataSync()), x.shape, 'float32');
}

/** Maps a flat index of `out` to the flat index of a tensor of `shape` broadcast into it. */
export function strideMap(shape: readonly number[], out: readonly number[]): (i: number) => number {
  if (shape.length > out.length) throw new WasmgradError(`where: ${fmtShape(shape)} does not broadcast to ${fmtShape(out)}`);
  const lead = out.length - shape.length;
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let d = out.length - 1; d >= lead; d--) {
    const n = shape[d - lead];
    strides[d] = n === 1 ? 0 : s;
    s *= n;
  }
  return (i) => {
    let src = 0;
    for (let d = out.length - 1; d >= 0; d--) {
      const n = out[d];
      src += (i % n) * strides[d];
      i = Math.floor(i / n);
    }
    return src;
  };
}
