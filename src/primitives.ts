// Non-recording primitives shared by the ops and the tape: the broadcasting elementwise forward,
// reductions over axes, reduce-to-shape (the gradient of a broadcast), copies and constant
// tensors. None of them records a gradient: the ops record around them, and the tape uses them to
// seed and accumulate gradients. They sit below the ops, so binary and reduce ops share them
// without importing each other.
import { WasmgradError, fmtShape, msg } from './errors.js';
import { Tensor, viewAs, sizeOf } from './tensor.js';
import { fill } from './creation.js';
import { binary, type BinaryOp } from './engine/drivers/elementwise.js';
import { reduceTensor, type ReduceOp } from './engine/drivers/reduce.js';
import { copyInto } from './engine/drivers/copy.js';

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new WasmgradError(msg`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** op(a, b) with broadcasting, into a new float32 tensor. */
export function binaryOp(op: BinaryOp, a: Tensor, b: Tensor, name: string = op): Tensor {
  const out = new Tensor(broadcastShapes(a.shape, b.shape, name), 'float32');
  binary(op, a, b, out, name);
  return out;
}

/** x copied into a larger shape it broadcasts to. */
export function broadcast(x: Tensor, shape: readonly number[], name = 'broadcastTo'): Tensor {
  const out = new Tensor(shape, 'float32');
  binary('copy', x, x, out, name);
  return out;
}

/** a + b: how the tape sums the gradients that reach one tensor. */
export function accumulate(a: Tensor, b: Tensor): Tensor {
  return binaryOp('add', a, b);
}

/** A copy of x with its own memory (any dtype). */
export function cloneTensor(x: Tensor, op = 'clone'): Tensor {
  const out = new Tensor(x.shape, x.dtype);
  copyInto(out, x, op);
  return out;
}

/** float32 zeros (or ones) in t's shape: the gradient of an unused output, the seed of a scalar. */
export const zerosLike = (t: Tensor): Tensor => fill(t.shape, 0);
export const onesLike = (t: Tensor): Tensor => fill(t.shape, 1);

/** Reduces x over sorted axes (no keepDims); sums are scaled by `scale` once, at the end. */
export function reduceAxes(op: ReduceOp, x: Tensor, axes: number[], scale: number, name: string): Tensor {
  const reduced = new Set(axes);
  const outShape = x.shape.filter((_, i) => !reduced.has(i));
  if (axes.some((a) => x.shape[a] === 0)) {
    if (op !== 'sum') throw new WasmgradError(msg`${name}: cannot reduce the empty axis of ${fmtShape(x.shape)}`);
    return fill(outShape, scale === 1 ? 0 : NaN);
  }
  if (axes.length === 0) return binaryOp('copy', x, x);
  if (x.size === 0) return new Tensor(outShape, 'float32');
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
    const dims = { outer: sizeOf(shape.slice(0, s)), r: sizeOf(shape.slice(s, e)), inner: sizeOf(shape.slice(e)) };
    const next = new Tensor([...shape.slice(0, s), ...shape.slice(e)], 'float32');
    reduceTensor(op, cur, next, dims, g === 0 ? scale : 1, name);
    if (cur !== x) cur.dispose();
    cur = next;
    shape = next.shape;
  }
  return cur;
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
