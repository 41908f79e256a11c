// Reductions: sum, mean, max, min over any axes with keepDims, and argMax/argMin. Backward passes
// are right under each forward. The reductions themselves and sumTo (the gradient of
// broadcasting) are non-recording primitives (src/primitives.ts).
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, viewAs, asBool, sizeOf } from '../tensor.js';
import { record } from '../tape.js';
import { argReduce } from '../engine/drivers/reduce.js';
import { checkTensor, normAxes, normAxis, newTensor } from './util.js';
import { binaryOp, broadcast, reduceAxes } from '../primitives.js';
import { fill, fromFlat } from '../creation.js';
import { isIntegral, reduceValues, viaFloat } from './values-js.js';

export { sumTo } from '../primitives.js';

/** The shape x has after reducing axes with keepDims. */
function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finish(out: Tensor, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  if (!keepDims) return out;
  const v = viewAs(out, keptShape(x.shape, axes));
  out.dispose();
  return v;
}

function sumLike(name: 'sum' | 'mean', x: Tensor, axis: number | number[] | undefined | null, keepDims: boolean): Tensor {
  checkTensor(x, name); // float32 or int32
  const axes = normAxes(axis, x.shape, name);
  if (isIntegral(x)) {
    // TF.js: the sum of int32 is int32, the mean float32
    if (name === 'mean') return viaFloat(x, (t) => sumLike(name, t, axis, keepDims));
    return reduceValues(x, axes, keepDims, 0, (acc, v) => acc + v, 'int32');
  }
  const n = sizeOf(axes.map((a) => x.shape[a]));
  const scale = name === 'mean' ? 1 / n : 1;
  const out = finish(reduceAxes('sum', x, axes, scale, name), x, axes, keepDims);
  record(name, [x], out, ([dy]) => {
    const g = broadcast(viewAs(dy, keptShape(x.shape, axes)), x.shape);
    return [scale === 1 ? g : binaryOp('mul', g, fill([], scale))];
  });
  return out;
}

export function sum(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return sumLike('sum', x, axis, keepDims);
}

export function mean(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return sumLike('mean', x, axis, keepDims);
}

function extremum(name: 'max' | 'min', x: Tensor, axis: number | number[] | undefined | null, keepDims: boolean): Tensor {
  checkTensor(x, name); // float32 or int32
  const axes = normAxes(axis, x.shape, name);
  if (x.dtype === 'int32') return reduceValues(x, axes, keepDims, name === 'max' ? -Infinity : Infinity, name === 'max' ? Math.max : Math.min, 'int32');
  const out = finish(reduceAxes(name, x, axes, 1, name), x, axes, keepDims);
  if (x.dtype === 'bool') return asBool(out); // (as TF.js; no gradient)
  // As TensorFlow (and torch.amax): the gradient is shared evenly between tied extremes.
  record(name, [x], out, ([dy]) => {
    const kept = keptShape(x.shape, axes);
    const mask = binaryOp('equal', x, viewAs(out, kept));
    const count = reduceAxes('sum', mask, axes, 1, name);
    const share = binaryOp('div', viewAs(dy, kept), viewAs(count, kept));
    return [binaryOp('mul', mask, share)];
  });
  return out;
}

export function max(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return extremum('max', x, axis, keepDims);
}

export function min(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  return extremum('min', x, axis, keepDims);
}

function argExtremum(name: string, isMin: boolean, x: Tensor, axis: number): Tensor {
  checkTensor(x, name); // float32 or int32
  if (x.rank === 0) throw new WasmgradError(msg`${name}: needs a tensor of rank >= 1, got a scalar`);
  const a = normAxis(axis, x.shape, name);
  if (x.shape[a] === 0) throw new WasmgradError(msg`${name}: axis ${axis} of ${fmtShape(x.shape)} is empty`);
  const dims = { outer: sizeOf(x.shape.slice(0, a)), r: x.shape[a], inner: sizeOf(x.shape.slice(a + 1)) };
  const outShape = x.shape.filter((_, i) => i !== a);
  if (x.dtype === 'int32') return fromFlat(argOfInts(x.dataSync(), dims, isMin), outShape, 'int32');
  const out = newTensor(outShape, 'int32');
  argReduce(isMin, x, out, dims);
  return out;
}

/** The index of the first extreme along r of each [outer, r, inner] line, exactly for int32 values. */
function argOfInts(v: ArrayLike<number>, { outer, r, inner }: { outer: number; r: number; inner: number }, isMin: boolean): Int32Array {
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0, bestValue = v[o * r * inner + i];
      for (let k = 1; k < r; k++) {
        const e = v[(o * r + k) * inner + i];
        if (isMin ? e < bestValue : e > bestValue) [best, bestValue] = [k, e];
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}

/** Index of the first maximum along axis (int32). */
export function argMax(x: Tensor, axis = -1): Tensor {
  return argExtremum('argMax', false, x, axis);
}

export function argMin(x: Tensor, axis = -1): Tensor {
  return argExtremum('argMin', true, x, axis);
}
