// Reductions: sum, mean, max, min over any axes with keepDims, argMax/argMin, and sumTo (the
// gradient of broadcasting). Backward passes are right under each forward.
import { WasmgradError, fmtShape } from '../errors.js';
import { Tensor, viewAs } from '../tensor.js';
import { record } from '../tape.js';
import { reduce as reduceKernel, argReduce, type ReduceOp } from '../engine/drivers/reduce.js';
import { checkFloat, normAxes, normAxis, newTensor, sameShape } from './util.js';
import { binaryOp, broadcastTo } from './binary.js';
import { fill } from '../creation.js';

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** Reduces x over sorted axes (no keepDims); sums are scaled by `scale` once, at the end. */
function reduceAxes(op: ReduceOp, x: Tensor, axes: number[], scale: number, name: string): Tensor {
  const reduced = new Set(axes);
  const outShape = x.shape.filter((_, i) => !reduced.has(i));
  if (axes.some((a) => x.shape[a] === 0)) {
    if (op !== 'sum') throw new WasmgradError(`${name}: cannot reduce the empty axis of ${fmtShape(x.shape)}`);
    return fill(outShape, scale === 1 ? 0 : NaN);
  }
  if (axes.length === 0) return binaryOp('copy', x, x);
  if (x.size === 0) return newTensor(outShape);
  // Groups of adjacent reduced axes, reduced from the innermost group outwards.
  let cur = x;
  let shape = x.shape.slice();
  const groups: [number, number][] = [];
  for (let i = 0; i < x.rank; i++) {
    if (!reduced.has(i)) continue;
    const last = groups[groups.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else groups.push([i, i + 1]);
  }
  for (let g = groups.length - 1; g >= 0; g--) {
    const [s, e] = groups[g];
    const outer = prod(shape.slice(0, s)), r = prod(shape.slice(s, e)), inner = prod(shape.slice(e));
    const next = newTensor([...shape.slice(0, s), ...shape.slice(e)]);
    reduceKernel(op, cur.ptr(name), next.ptr(), outer, r, inner, g === 0 ? scale : 1);
    if (cur !== x) cur.dispose();
    cur = next;
    shape = next.shape;
  }
  return cur;
}

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
  checkFloat(x, name);
  const axes = normAxes(axis, x.shape, name);
  const n = prod(axes.map((a) => x.shape[a]));
  const scale = name === 'mean' ? 1 / n : 1;
  const out = finish(reduceAxes('sum', x, axes, scale, name), x, axes, keepDims);
  record(name, [x], out, ([dy]) => {
    const g = broadcastTo(viewAs(dy, keptShape(x.shape, axes)), x.shape);
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
  checkFloat(x, name);
  const axes = normAxes(axis, x.shape, name);
  const out = finish(reduceAxes(name, x, axes, 1, name), x, axes, keepDims);
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
  checkFloat(x, name);
  if (x.rank === 0) throw new WasmgradError(`${name}: needs a tensor of rank >= 1, got a scalar`);
  const a = normAxis(axis, x.shape, name);
  if (x.shape[a] === 0) throw new WasmgradError(`${name}: axis ${axis} of ${fmtShape(x.shape)} is empty`);
  const out = newTensor(x.shape.filter((_, i) => i !== a), 'int32');
  if (out.size > 0) argReduce(isMin, x.ptr(name), out.ptr(), prod(x.shape.slice(0, a)), x.shape[a], prod(x.shape.slice(a + 1)));
  return out;
}

/** Index of the first maximum along axis (int32). */
export function argMax(x: Tensor, axis = -1): Tensor {
  return argExtremum('argMax', false, x, axis);
}

export function argMin(x: Tensor, axis = -1): Tensor {
  return argExtremum('argMin', true, x, axis);
}

/** Sums a broadcast gradient back to `shape` (the shape the operand had before broadcasting). */
export function sumTo(dy: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const r = reduceAxes('sum', dy, axes, 1, 'sumTo');
  const v = viewAs(r, shape);
  r.dispose();
  return v;
}
