// Argument checking shared by the ops: every failure is a WasmgradError naming the op.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, assertUsable, type DType } from '../tensor.js';
import { scalar } from '../creation.js';
import { int32ToFloat } from './values-js.js';

export type TensorOrNumber = Tensor | number;

export function checkTensor(x: unknown, op: string, name = 'x'): Tensor {
  if (!(x instanceof Tensor)) throw new WasmgradError(msg`${op}: ${name} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  assertUsable(x, op);
  return x;
}

/** A float32 tensor, or a bool one (its 0 / 1 are float32 values). */
export function checkFloat(x: unknown, op: string, name = 'x'): Tensor {
  const t = checkTensor(x, op, name);
  if (t.dtype === 'int32') throw new WasmgradError(msg`${op}: ${name} must be float32, got ${t.dtype} ${fmtShape(t.shape)}`);
  return t;
}

/**
 * A float32 operand: a float32 Tensor, or a number made into a scalar or an int32 tensor cast to
 * float32 (TF.js's upcast), either a tensor that the caller disposes (see `temps`).
 */
export function operand(x: TensorOrNumber, op: string, name: string, temps: Tensor[]): Tensor {
  if (typeof x === 'number' || (x instanceof Tensor && x.dtype === 'int32')) {
    const t = typeof x === 'number' ? scalar(x) : (assertUsable(x, op), int32ToFloat(x));
    temps.push(t);
    return t;
  }
  return checkFloat(x, op, name);
}

export function disposeAll(ts: Tensor[]): void {
  for (const t of ts) t.dispose();
}

/** A valid axis in [0, rank) from a possibly negative one; pass the shape to have errors name it. */
export function normAxis(axis: number, rankOrShape: number | readonly number[], op: string): number {
  const rank = typeof rankOrShape === 'number' ? rankOrShape : rankOrShape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const of = typeof rankOrShape === 'number' ? `rank ${rank}` : `${fmtShape(rankOrShape)} (rank ${rank})`;
    const range = rank === 0 ? 'a scalar has no axes' : `expected ${-rank} to ${rank - 1}`;
    throw new WasmgradError(msg`${op}: axis ${axis} is out of range for ${of}: ${range}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted distinct axes; undefined means all. */
export function normAxes(axis: number | number[] | undefined | null, rankOrShape: number | readonly number[], op: string): number[] {
  const rank = typeof rankOrShape === 'number' ? rankOrShape : rankOrShape.length;
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, rankOrShape, op));
  const set = new Set(list);
  if (set.size !== list.length) throw new WasmgradError(msg`${op}: axis ${jsonOf(axis)} repeats an axis`);
  return [...set].sort((a, b) => a - b);
}

export function newTensor(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return new Tensor(shape, dtype);
}
