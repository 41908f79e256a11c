// Broadcasting binary ops, each with its backward right under the forward. Gradients of a
// broadcast input are summed back to its shape (sumTo).
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, checkShape, asBool } from '../tensor.js';
import { record } from '../tape.js';
import { binaryOp, broadcast, broadcastShapes, sumTo } from '../primitives.js';
import { operand, disposeAll, checkFloat, checkTensor, type TensorOrNumber } from './util.js';
import { isIntegral, zipValues, compareInts } from './values-js.js';
import { neg } from './unary.js';

/**
 * Wraps an op taking float32 tensors so that it accepts numbers and int32 tensors too (made into
 * float32 tensors, freed after); given two int32 tensors it gives int32, from `ints` on their
 * values (values-js.ts).
 */
function withOperands(name: string, a: TensorOrNumber, b: TensorOrNumber, fn: (x: Tensor, y: Tensor) => Tensor, ints?: (x: number, y: number) => number): Tensor {
  if (ints && isIntegral(a) && isIntegral(b)) return zipValues(name, checkTensor(a, name, 'a'), checkTensor(b, name, 'b'), ints, 'int32');
  const temps: Tensor[] = [];
  try {
    return fn(operand(a, name, 'a', temps), operand(b, name, 'b', temps));
  } finally {
    disposeAll(temps);
  }
}

export function add(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return withOperands('add', a, b, (x, y) => {
    const out = binaryOp('add', x, y);
    record('add', [x, y], out, ([dy]) => [sumTo(dy, x.shape), sumTo(dy, y.shape)]);
    return out;
  }, (x, y) => x + y);
}

export function sub(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return withOperands('sub', a, b, (x, y) => {
    const out = binaryOp('sub', x, y);
    record('sub', [x, y], out, ([dy]) => [sumTo(dy, x.shape), sumTo(neg(dy), y.shape)]);
    return out;
  }, (x, y) => x - y);
}

export function mul(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return withOperands('mul', a, b, (x, y) => {
    const out = binaryOp('mul', x, y);
    record('mul', [x, y], out, ([dy]) => [sumTo(binaryOp('mul', dy, y), x.shape), sumTo(binaryOp('mul', dy, x), y.shape)]);
    return out;
  }, (x, y) => x * y);
}

export function div(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return withOperands('div', a, b, (x, y) => {
    const out = binaryOp('div', x, y);
    // d(x/y)/dx = 1/y; d(x/y)/dy = -x/y^2 = -out/y
    record('div', [x, y], out, ([dy]) => {
      const dx = binaryOp('div', dy, y);
      return [sumTo(dx, x.shape), sumTo(neg(binaryOp('mul', dx, out)), y.shape)];
    });
    return out;
  }, (x, y) => Math.floor(x / y)); // int32 / int32: TF.js's floorDiv
}

/** Gradient of maximum/minimum: a takes dy where mask (a >= b, or a <= b), b the rest (ties go to a). */
function selectGrad(dy: Tensor, mask: Tensor, x: Tensor, y: Tensor): Tensor[] {
  const dx = binaryOp('mul', dy, mask);
  return [sumTo(dx, x.shape), sumTo(binaryOp('sub', dy, dx), y.shape)];
}

export function maximum(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return withOperands('maximum', a, b, (x, y) => {
    const out = binaryOp('maximum', x, y);
    record('maximum', [x, y], out, ([dy]) => selectGrad(dy, binaryOp('greaterEqual', x, y), x, y));
    return out;
  }, Math.max);
}

export function minimum(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return withOperands('minimum', a, b, (x, y) => {
    const out = binaryOp('minimum', x, y);
    record('minimum', [x, y], out, ([dy]) => selectGrad(dy, binaryOp('lessEqual', x, y), x, y));
    return out;
  }, Math.min);
}

export function squaredDifference(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return withOperands('squaredDifference', a, b, (x, y) => {
    const out = binaryOp('squaredDifference', x, y);
    record('squaredDifference', [x, y], out, ([dy]) => {
      const d = binaryOp('mul', binaryOp('sub', x, y), binaryOp('add', dy, dy)); // 2 (x - y) dy
      return [sumTo(d, x.shape), sumTo(neg(d), y.shape)];
    });
    return out;
  }, (x, y) => (x - y) * (x - y));
}

/** true where a == b (bool; no gradient). */
export function equal(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  if (isIntegral(a) && isIntegral(b)) return asBool(compareInts('equal', a as Tensor, b as Tensor, (x, y) => x === y));
  return asBool(withOperands('equal', a, b, (x, y) => binaryOp('equal', x, y)));
}

/** x broadcast to shape (a copy). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkFloat(x, 'broadcastTo');
  checkShape(shape as number[], 'broadcastTo');
  // the target is the result's shape exactly (as TensorFlow): x never broadcasts it further
  if (broadcastShapes(x.shape, shape, 'broadcastTo').join() !== shape.join()) {
    throw new WasmgradError(msg`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  }
  const out = broadcast(x, shape);
  if (x.dtype === 'bool') return asBool(out);
  record('broadcastTo', [x], out, ([dy]) => [sumTo(dy, x.shape)]);
  return out;
}
