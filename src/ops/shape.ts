// Shape and data-movement ops: reshape, transpose, concat, slice, gather, oneHot, expandDims,
// squeeze, stack, clone; each backward right under its forward.
import { WasmgradError, fmtShape, describeValue, msg, jsonOf } from '../errors.js';
import { Tensor, viewAs, sizeOf } from '../tensor.js';
import { record } from '../tape.js';
import { copyStrided, stridesOf, transpose2d, gatherRows, scatterAddRows, oneHotRows, indexOutOfRange, writeTensor } from '../engine/drivers/copy.js';
import { cloneTensor } from '../primitives.js';
import { fill } from '../creation.js';
import { checkGatherIndices } from '../validate.js';
import { checkTensor, normAxis, newTensor } from './util.js';

/** A copy with its own memory. */
export function clone(x: Tensor): Tensor {
  checkTensor(x, 'clone');
  const out = cloneTensor(x);
  record('clone', [x], out, ([dy]) => [dy]);
  return out;
}

/** Same data, new shape (one dimension may be -1). Shares memory with x. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  checkTensor(x, 'reshape');
  if (!Array.isArray(shape)) throw new WasmgradError(msg`reshape: shape must be an array, got ${shape}`);
  const free = shape.filter((d) => d === -1).length;
  if (free > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new WasmgradError(msg`reshape: invalid target shape ${fmtShape(shape)} (whole numbers, at most one -1)`);
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  const target = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (sizeOf(target) !== x.size || !target.every(Number.isInteger)) {
    throw new WasmgradError(msg`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
  }
  const out = viewAs(x, target);
  record('reshape', [x], out, ([dy]) => [reshape(dy, x.shape)]);
  return out;
}

export function expandDims(x: Tensor, axis = 0): Tensor {
  checkTensor(x, 'expandDims');
  const a = normAxis(axis, x.rank + 1, 'expandDims');
  const shape = x.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

export function squeeze(x: Tensor, axis?: number[]): Tensor {
  checkTensor(x, 'squeeze');
  if (axis != null && !Array.isArray(axis)) throw new WasmgradError(msg`squeeze: axis must be an array of axes, got ${describeValue(axis)}`);
  const axes = axis?.map((a) => normAxis(a, x.shape, 'squeeze'));
  for (const a of axes ?? []) {
    if (x.shape[a] !== 1) throw new WasmgradError(msg`squeeze: axis ${a} of ${fmtShape(x.shape)} is not 1`);
  }
  return reshape(x, x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
}

/** Permutes dimensions (default: reversed). */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  checkTensor(x, 'transpose');
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new WasmgradError(msg`transpose: perm ${jsonOf(perm)} is not a permutation of 0..${x.rank - 1} for ${fmtShape(x.shape)}`);
  }
  const shape = p.map((i) => x.shape[i]);
  const out = newTensor(shape, x.dtype);
  if (out.size > 0) {
    const xs = stridesOf(x.shape);
    // A rotation of the axes (two adjacent groups swapped) is a 2-D transpose: cache-blocked.
    const k = p[0];
    if (k > 0 && p.every((v, i) => v === (k + i) % x.rank)) {
      const cols = sizeOf(x.shape.slice(k));
      transpose2d(x, out, x.size / cols, cols);
    } else {
      copyStrided(x, out, { dims: shape, srcStrides: p.map((i) => xs[i]), dstStrides: stridesOf(shape) });
    }
  }
  const inverse = p.map((_, i) => p.indexOf(i));
  record('transpose', [x], out, ([dy]) => [transpose(dy, inverse)]);
  return out;
}

function checkBeginSize(x: Tensor, begin: number | number[], size: number | number[] | undefined, op: string): [number[], number[]] {
  const b = Array.isArray(begin) ? begin.slice() : [begin];
  while (b.length < x.rank) b.push(0);
  const s = size === undefined ? [] : Array.isArray(size) ? size.slice() : [size];
  while (s.length < x.rank) s.push(-1);
  if (b.length !== x.rank || s.length !== x.rank) {
    throw new WasmgradError(msg`${op}: begin ${jsonOf(begin)} and size ${jsonOf(size)} must have at most ${x.rank} entries for ${fmtShape(x.shape)}`);
  }
  for (let i = 0; i < x.rank; i++) {
    // (whole numbers first: a BigInt cannot be subtracted from a number)
    const whole = Number.isInteger(b[i]) && Number.isInteger(s[i]);
    if (whole && s[i] === -1) s[i] = x.shape[i] - b[i];
    if (!whole || b[i] < 0 || s[i] < 0 || b[i] + s[i] > x.shape[i]) {
      throw new WasmgradError(msg`${op}: begin ${jsonOf(begin)} size ${jsonOf(size)} is out of bounds for ${fmtShape(x.shape)} (axis ${i})`);
    }
  }
  return [b, s];
}

/** The block of x starting at begin with the given size (-1: to the end). */
export function slice(x: Tensor, begin: number | number[], size?: number | number[]): Tensor {
  checkTensor(x, 'slice');
  const [b, s] = checkBeginSize(x, begin, size, 'slice');
  const out = newTensor(s, x.dtype);
  const xs = stridesOf(x.shape);
  const offset = b.reduce((acc, v, i) => acc + v * xs[i], 0);
  copyStrided(x, out, { dims: s, srcStrides: xs, dstStrides: stridesOf(s), srcOffset: offset });
  record('slice', [x], out, ([dy]) => {
    const dx = fill(x.shape, 0);
    copyStrided(dy, dx, { dims: s, srcStrides: stridesOf(s), dstStrides: xs, dstOffset: offset });
    return [dx];
  });
  return out;
}

/** Joins tensors along an axis. */
export function concat(xs: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new WasmgradError('concat: expected a non-empty array of tensors');
  xs.forEach((x, i) => checkTensor(x, 'concat', `xs[${i}]`));
  const first = xs[0];
  const a = normAxis(axis, first.shape, 'concat');
  for (const x of xs) {
    if (x.rank !== first.rank || x.dtype !== first.dtype || x.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new WasmgradError(msg`concat: shapes ${xs.map((t) => fmtShape(t.shape)).join(', ')} differ outside axis ${a} (or dtypes differ)`);
    }
  }
  const shape = first.shape.slice();
  shape[a] = xs.reduce((acc, x) => acc + x.shape[a], 0);
  const out = newTensor(shape, first.dtype);
  const os = stridesOf(shape);
  let offset = 0;
  const offsets: number[] = [];
  for (const x of xs) {
    offsets.push(offset);
    copyStrided(x, out, { dims: x.shape, srcStrides: stridesOf(x.shape), dstStrides: os, dstOffset: offset * os[a] });
    offset += x.shape[a];
  }
  record('concat', xs, out, ([dy]) => xs.map((x, i) => {
    const begin = new Array(x.rank).fill(0);
    begin[a] = offsets[i];
    return slice(dy, begin, x.shape);
  }));
  return out;
}

export function stack(xs: Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new WasmgradError('stack: expected a non-empty array of tensors');
  const expanded = xs.map((x) => expandDims(checkTensor(x, 'stack'), axis));
  const out = concat(expanded, axis);
  for (const e of expanded) e.dispose();
  return out;
}

/** Checks int32 indices in [0, n) and returns them as a tensor (made from an array if needed). */
function checkIndices(indices: Tensor | number[], n: number, op: string): { idx: Tensor; temp: boolean } {
  let idx: Tensor;
  let temp = false;
  if (Array.isArray(indices) || ArrayBuffer.isView(indices)) {
    const arr = Int32Array.from(indices as ArrayLike<number>);
    idx = newTensor([arr.length], 'int32');
    writeTensor(idx, arr);
    temp = true;
  } else {
    idx = checkTensor(indices, op, 'indices');
    if (idx.dtype !== 'int32') throw new WasmgradError(msg`${op}: indices must be int32, got ${idx.dtype}`);
  }
  const bad = indexOutOfRange(idx, n, op);
  if (bad) {
    if (temp) idx.dispose();
    throw new WasmgradError(msg`${op}: index ${bad.value} at position ${bad.position} is out of range [0, ${n})`);
  }
  return { idx, temp };
}

/**
 * Rows of x along axis picked by int32 indices: shape x.shape[:axis] + indices.shape + x.shape[axis+1:].
 * With batchDims b (TF.js's): the first b dimensions of x and indices are one batch, each batch
 * element gathering from its own slice: x.shape[:axis] + indices.shape[b:] + x.shape[axis+1:].
 */
export function gather(x: Tensor, indices: Tensor | number[], axis = 0, batchDims = 0): Tensor {
  if (batchDims !== 0) return gatherBatched(x, indices, axis, batchDims);
  checkGatherIndices(x, indices, axis);
  checkTensor(x, 'gather');
  const a = normAxis(axis, x.shape, 'gather');
  const { idx, temp } = checkIndices(indices, x.shape[a], 'gather');
  const out = newTensor([...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)], x.dtype);
  gatherRows(x, idx, out, a);
  record('gather', [x, idx], out, ([dy]) => {
    const dx = fill(x.shape, 0);
    scatterAddRows(dy, idx, dx, a);
    return [dx, null];
  });
  // A temporary index tensor goes now, or when the tape that holds it lets go.
  if (temp) idx.dispose();
  return out;
}

/** gather with batch dimensions: one gather per batch element, stacked (batches are small: labels, beams). */
function gatherBatched(x: Tensor, indices: Tensor | number[], axis: number, batchDims: number): Tensor {
  const op = 'gather';
  checkTensor(x, op);
  const idx = indices instanceof Tensor ? indices : null;
  if (!idx) throw new WasmgradError(msg`${op}: batchDims needs indices as an int32 tensor`);
  checkTensor(idx, op, 'indices');
  const b = batchDims < 0 ? batchDims + idx.rank : batchDims;
  const a = normAxis(axis, x.shape, op);
  if (!Number.isInteger(b) || b < 0 || b > idx.rank || b > a) {
    throw new WasmgradError(msg`${op}: batchDims ${batchDims} must be a whole number in [-${idx.rank}, ${idx.rank}] and at most the axis ${a}, for indices ${fmtShape(idx.shape)}`);
  }
  if (x.shape.slice(0, b).some((d, i) => d !== idx.shape[i])) {
    throw new WasmgradError(msg`${op}: the first ${b} (batch) dimensions of x ${fmtShape(x.shape)} and indices ${fmtShape(idx.shape)} differ`);
  }
  const lead = x.shape.slice(0, b);
  const nb = sizeOf(lead);
  const temps: Tensor[] = [];
  const temp = <T extends Tensor>(t: T) => (temps.push(t), t);
  try {
    const xs = temp(reshape(x, [nb, ...x.shape.slice(b)]));
    const is = temp(reshape(idx, [nb, ...idx.shape.slice(b)]));
    const parts: Tensor[] = [];
    for (let i = 0; i < nb; i++) {
      const xi = temp(reshape(temp(gather(xs, [i], 0)), xs.shape.slice(1)));
      const ii = temp(reshape(temp(gather(is, [i], 0)), is.shape.slice(1)));
      parts.push(temp(gather(xi, ii, a - b)));
    }
    const outInner = [...x.shape.slice(b, a), ...idx.shape.slice(b), ...x.shape.slice(a + 1)];
    if (nb === 0) return fill([...lead, ...outInner], 0, x.dtype);
    return reshape(temp(stack(parts, 0)), [...lead, ...outInner]);
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** One-hot float32 rows of length depth for int32 indices (an out-of-range index gives a zero row). */
export function oneHot(indices: Tensor, depth: number, onValue = 1, offValue = 0): Tensor {
  const idx = checkTensor(indices, 'oneHot', 'indices');
  if (idx.dtype !== 'int32') throw new WasmgradError(msg`oneHot: indices must be int32, got ${idx.dtype}`);
  if (!Number.isInteger(depth) || depth < 1) throw new WasmgradError(msg`oneHot: depth must be a whole number >= 1, got ${depth}`);
  const out = newTensor([...idx.shape, depth]);
  oneHotRows(idx, out, depth, onValue, offValue);
  return out;
}

