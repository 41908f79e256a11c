// Reductions (assembly/reduce.ts).
import { engine } from '../state.js';
import type { Tensor } from '../../tensor.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { RED, REDUCE_CHUNK } from '../abi.js';

export { RED };
export type ReduceOp = keyof typeof RED;

/** A tensor seen as [outer, r, inner], reduced over r. */
export interface ReduceDims {
  outer: number;
  r: number;
  inner: number;
}

/** y[outer, inner] = reduce over r of x[outer, r, inner]; sums are scaled by `scale`. */
export function reduceTensor(op: ReduceOp, x: Tensor, y: Tensor, dims: ReduceDims, scale = 1, name: string = op): void {
  reduce(op, x.ptr(name), y.ptr(name), dims.outer, dims.r, dims.inner, scale);
}

/** The same over byte offsets, for drivers that reduce a part of a tensor or a scratch block. */
export function reduce(op: ReduceOp, x: number, y: number, outer: number, r: number, inner: number, scale = 1): void {
  const tasks = inner === 1 ? outer : outer * Math.ceil(inner / REDUCE_CHUNK);
  engine().parallel('reduce_f32', [RED[op], x, y, r, inner, scale], tasks, outer * r * inner >= ELEMENTWISE_PARALLEL);
}

/** y[outer, inner] (int32) = index of the first max (or min) along r of x[outer, r, inner]. */
export function argReduce(isMin: boolean, x: Tensor, y: Tensor, dims: ReduceDims): void {
  const px = x.ptr(isMin ? 'argMin' : 'argMax'), py = y.ptr();
  const { outer, r, inner } = dims;
  if (y.size === 0) return;
  engine().parallel('argreduce_f32', [isMin ? 1 : 0, px, py, r, inner], outer * inner, outer * r * inner >= ELEMENTWISE_PARALLEL);
}

/** Sum of n floats of memory, in float64, in order. */
export function sumFloats(ptr: number, n: number): number {
  const f32 = engine().f32;
  const p = ptr >> 2;
  let s = 0;
  for (let i = 0; i < n; i++) s += f32[p + i];
  return s;
}
