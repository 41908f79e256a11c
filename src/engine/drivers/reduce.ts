// Reductions (assembly/reduce.ts).
import { engine } from '../state.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { RED, REDUCE_CHUNK } from '../abi.js';

export { RED };
export type ReduceOp = keyof typeof RED;

/** y[outer, inner] = reduce over r of x[outer, r, inner]; sums are scaled by `scale`. */
export function reduce(op: ReduceOp, x: number, y: number, outer: number, r: number, inner: number, scale = 1): void {
  const tasks = inner === 1 ? outer : outer * Math.ceil(inner / REDUCE_CHUNK);
  engine().parallel('reduce_f32', [RED[op], x, y, r, inner, scale], tasks, outer * r * inner >= ELEMENTWISE_PARALLEL);
}

/** y[outer, inner] (int32) = index of the first max (or min) along r. */
export function argReduce(isMin: boolean, x: number, y: number, outer: number, r: number, inner: number): void {
  engine().parallel('argreduce_f32', [isMin ? 1 : 0, x, y, r, inner], outer * inner, outer * r * inner >= ELEMENTWISE_PARALLEL);
}

/** Sum of n floats of memory, in float64, in order. */
export function sumFloats(ptr: number, n: number): number {
  const f32 = engine().f32;
  const p = ptr >> 2;
  let s = 0;
  for (let i = 0; i < n; i++) s += f32[p + i];
  return s;
}
