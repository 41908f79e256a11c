// TF.js ops whose results are indices, counts or scattered values: whereAsync, booleanMaskAsync,
// setdiff1dAsync, inTopKAsync, searchSorted / lowerBound / upperBound, bincount, denseBincount,
// scatterND, sparseToDense. Computed in JavaScript over the values (TF.js gives them no gradient,
// except booleanMaskAsync, which is a gather here and passes gradients as TF.js's does).
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, tidy, sizeOf, checkShape } from '../tensor.js';
import { fromFlat, hostArray } from '../creation.js';
import * as ops from '../ops/index.js';
import { checkTensor } from '../ops/util.js';

/** The coordinates of the non-zero elements, as int32 [count, rank]. */
export async function whereAsync(condition: Tensor): Promise<Tensor> {
  checkTensor(condition, 'whereAsync', 'condition');
  const v = condition.dataSync(), shape = condition.shape, r = shape.length;
  const coords: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) continue;
    let rest = i;
    const c = new Array<number>(r);
    for (let d = r - 1; d >= 0; d--) {
      c[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    coords.push(...c);
  }
  return fromFlat(coords, [coords.length / Math.max(1, r), r], 'int32');
}

/** The entries of tensor where mask (covering the axes from axis on) is non-zero. */
export async function booleanMaskAsync(tensor: Tensor, mask: Tensor, axis = 0): Promise<Tensor> {
  checkTensor(tensor, 'booleanMaskAsync', 'tensor');
  checkTensor(mask, 'booleanMaskAsync', 'mask');
  const k = mask.rank;
  if (k === 0 || axis < 0 || axis + k > tensor.rank || mask.shape.some((s, i) => s !== tensor.shape[axis + i])) {
    throw new WasmgradError(msg`booleanMaskAsync: mask ${fmtShape(mask.shape)} does not fit tensor ${fmtShape(tensor.shape)} from axis ${axis}`);
  }
  const m = mask.dataSync();
  const keep: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) keep.push(i);
  const shape = tensor.shape;
  return tidy(() => {
    const flat = ops.reshape(tensor, [...shape.slice(0, axis), sizeOf(mask.shape), ...shape.slice(axis + k)]);
    return ops.gather(flat, fromFlat(keep, [keep.length], 'int32'), axis);
  });
}

/** The values of x not in y, and their positions in x. */
export async function setdiff1dAsync(x: Tensor, y: Tensor): Promise<[Tensor, Tensor]> {
  checkTensor(x, 'setdiff1dAsync', 'x');
  checkTensor(y, 'setdiff1dAsync', 'y');
  if (x.dtype !== y.dtype) throw new WasmgradError(msg`setdiff1dAsync: x and y must have the same dtype, got ${x.dtype} and ${y.dtype}`);
  if (x.rank !== 1 || y.rank !== 1) throw new WasmgradError(msg`setdiff1dAsync: x and y must be rank 1, got ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
  const drop = new Set(y.dataSync());
  const xv = x.dataSync();
  const values: number[] = [], indices: number[] = [];
  xv.forEach((v, i) => {
    if (!drop.has(v)) {
      values.push(v);
      indices.push(i);
    }
  });
  return [fromFlat(values, [values.length], x.dtype), fromFlat(indices, [indices.length], 'int32')];
}

/** Whether each row's target is among its k largest predictions (ties to the lower index), as 0 / 1. */
export async function inTopKAsync(predictions: Tensor, targets: Tensor, k = 1): Promise<Tensor> {
  checkTensor(predictions, 'inTopKAsync', 'predictions');
  checkTensor(targets, 'inTopKAsync', 'targets');
  const n = predictions.shape[predictions.rank - 1];
  if (predictions.rank < 1 || targets.size * n !== predictions.size) throw new WasmgradError(msg`inTopKAsync: predictions ${fmtShape(predictions.shape)} and targets ${fmtShape(targets.shape)} do not match`);
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new WasmgradError(msg`inTopKAsync: k must be a whole number in [1, ${n}], got ${k}`);
  const p = predictions.dataSync(), t = targets.dataSync();
  const out = new Float32Array(targets.size);
  for (let r = 0; r < targets.size; r++) {
    const row = Array.from(p.subarray(r * n, (r + 1) * n), (v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    out[r] = row.slice(0, k).some(([, i]) => i === t[r]) ? 1 : 0;
  }
  return fromFlat(out, targets.shape, 'float32');
}

/** For each value, its insertion index into the sorted last axis ('left': first, 'right': after equals), as int32 [rows, m]. */
export function searchSorted(sortedSequence: Tensor, values: Tensor, side: 'left' | 'right' = 'left'): Tensor {
  checkTensor(sortedSequence, 'searchSorted', 'sortedSequence');
  checkTensor(values, 'searchSorted', 'values');
  if (side !== 'left' && side !== 'right') throw new WasmgradError(msg`searchSorted: side must be 'left' or 'right', got ${side}`);
  const s = sortedSequence.rank === 0 ? null : sortedSequence.shape;
  const v = values.rank === 0 ? null : values.shape;
  if (!s || !v || s.length !== v.length || s.slice(0, -1).join() !== v.slice(0, -1).join()) {
    throw new WasmgradError(msg`searchSorted: sortedSequence ${fmtShape(sortedSequence.shape)} and values ${fmtShape(values.shape)} must have the same leading dimensions`);
  }
  const n = s[s.length - 1], m = v[v.length - 1], rows = sizeOf(s.slice(0, -1));
  const seq = sortedSequence.dataSync(), vals = values.dataSync();
  const out = new Int32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      const x = vals[r * m + j];
      let lo = 0, hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const e = seq[r * n + mid];
        if (side === 'left' ? e < x : e <= x) lo = mid + 1;
        else hi = mid;
      }
      out[r * m + j] = lo;
    }
  }
  // TF.js answers in two dimensions, [rows, values per row], even for vectors
  return fromFlat(out, [rows, m], 'int32');
}
export const lowerBound = (sortedSequence: Tensor, values: Tensor) => searchSorted(sortedSequence, values, 'left');
export const upperBound = (sortedSequence: Tensor, values: Tensor) => searchSorted(sortedSequence, values, 'right');

/** Counts (or summed weights) of each value of x in [0, size); other values are ignored. */
function binCounts(op: string, x: Tensor, weights: Tensor | null, size: number, binaryOutput: boolean): Tensor {
  checkTensor(x, op, 'x');
  if (x.dtype !== 'int32') throw new WasmgradError(msg`${op}: x must be int32, got ${x.dtype}`);
  if (!(Number.isInteger(size) && size >= 0)) throw new WasmgradError(msg`${op}: size must be a whole number >= 0, got ${size}`);
  if (weights && weights.size > 0 && weights.shape.join() !== x.shape.join()) throw new WasmgradError(msg`${op}: weights ${fmtShape(weights.shape)} differ in shape from x ${fmtShape(x.shape)}`);
  const rows = x.rank === 2 ? x.shape[0] : 1, n = x.rank === 2 ? x.shape[1] : x.size;
  if (x.rank > 2) throw new WasmgradError(msg`${op}: x must be rank 1 or 2, got ${fmtShape(x.shape)}`);
  const xv = x.dataSync(), wv = weights && weights.size > 0 ? weights.dataSync() : null;
  const dtype = weights ? weights.dtype : x.dtype; // as TF.js: the weights' dtype, empty weights too
  const out = hostArray(op, rows * size, dtype);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const b = xv[r * n + i];
      if (b < 0 || b >= size) continue;
      if (binaryOutput) out[r * size + b] = 1;
      else out[r * size + b] += wv ? wv[r * n + i] : 1;
    }
  }
  return fromFlat(out, x.rank === 2 ? [rows, size] : [size], dtype);
}
export const bincount = (x: Tensor, weights: Tensor | null, size: number) => {
  if (x?.rank !== 1) throw new WasmgradError(msg`bincount: x must be rank 1, got ${x instanceof Tensor ? fmtShape(x.shape) : typeof x}`);
  return binCounts('bincount', x, weights, size, false);
};
export const denseBincount = (x: Tensor, weights: Tensor | null, size: number, binaryOutput = false) => binCounts('denseBincount', x, weights, size, binaryOutput);

/** Zeros of the given shape with updates added at the index tuples (duplicates add up). */
export function scatterND(indices: Tensor, updates: Tensor, shape: number[]): Tensor {
  checkTensor(indices, 'scatterND', 'indices');
  checkTensor(updates, 'scatterND', 'updates');
  const k = indices.shape[indices.rank - 1];
  checkShape(shape, 'scatterND');
  if (indices.rank < 1 || !(k >= 1 && k <= shape.length)) throw new WasmgradError(msg`scatterND: indices ${fmtShape(indices.shape)} do not index shape ${fmtShape(shape)}`);
  const count = indices.size / k, slice = sizeOf(shape.slice(k));
  if (updates.size !== count * slice) throw new WasmgradError(msg`scatterND: updates ${fmtShape(updates.shape)} must be ${fmtShape([...indices.shape.slice(0, -1), ...shape.slice(k)])}`);
  const iv = indices.dataSync(), uv = updates.dataSync();
  const out = hostArray('scatterND', sizeOf(shape), updates.dtype);
  for (let i = 0; i < count; i++) {
    let f = 0;
    for (let j = 0; j < k; j++) {
      const v = iv[i * k + j];
      if (!(Number.isInteger(v) && v >= 0 && v < shape[j])) throw new WasmgradError(msg`scatterND: index ${v} out of range [0, ${shape[j]}) in dimension ${j}`);
      f = f * shape[j] + v;
    }
    for (let e = 0; e < slice; e++) out[f * slice + e] += uv[i * slice + e];
  }
  return fromFlat(out, shape, updates.dtype);
}

/** A dense tensor of outputShape, defaultValue everywhere but at sparseIndices. */
export function sparseToDense(sparseIndices: Tensor, sparseValues: Tensor, outputShape: number[], defaultValue: Tensor | number = 0): Tensor {
  checkTensor(sparseIndices, 'sparseToDense', 'sparseIndices');
  checkTensor(sparseValues, 'sparseToDense', 'sparseValues');
  checkShape(outputShape, 'sparseToDense');
  const dflt = typeof defaultValue === 'number' ? defaultValue : defaultValue.dataSync()[0];
  const k = sparseIndices.rank === 2 ? sparseIndices.shape[1] : 1;
  const count = sparseIndices.rank === 0 ? 1 : sparseIndices.shape[0];
  if (k !== outputShape.length) throw new WasmgradError(msg`sparseToDense: indices ${fmtShape(sparseIndices.shape)} do not index shape ${fmtShape(outputShape)}`);
  if (sparseValues.size !== 1 && sparseValues.size !== count) throw new WasmgradError(msg`sparseToDense: ${sparseValues.size} values for ${count} indices`);
  const iv = sparseIndices.dataSync(), vv = sparseValues.dataSync();
  const out = hostArray('sparseToDense', sizeOf(outputShape), sparseValues.dtype).fill(dflt);
  for (let i = 0; i < count; i++) {
    let f = 0;
    for (let j = 0; j < k; j++) {
      const v = iv[i * k + j];
      if (!(Number.isInteger(v) && v >= 0 && v < outputShape[j])) throw new WasmgradError(msg`sparseToDense: index ${v} out of range [0, ${outputShape[j]}) in dimension ${j}`);
      f = f * outputShape[j] + v;
    }
    out[f] = vv[sparseValues.size === 1 ? 0 : i];
  }
  return fromFlat(out, outputShape, sparseValues.dtype);
}

/** Cumulative product along axis (exclusive: starting from 1; reverse: from the end). No gradient, as TF.js. */
export function cumprod(x: Tensor, axis = 0, exclusive = false, reverse = false): Tensor {
  checkTensor(x, 'cumprod', 'x');
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!(Number.isInteger(ax) && ax >= 0 && ax < x.rank)) throw new WasmgradError(msg`cumprod: axis ${axis} is out of range for shape ${fmtShape(x.shape)}`);
  const v = x.dataSync(), n = x.shape[ax], inner = sizeOf(x.shape.slice(ax + 1)), outer = sizeOf(x.shape.slice(0, ax));
  const out = x.dtype === 'int32' ? new Int32Array(v.length) : new Float32Array(v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let p = 1;
      for (let s = 0; s < n; s++) {
        const k = reverse ? n - 1 - s : s;
        const at = (o * n + k) * inner + i;
        if (exclusive) {
          out[at] = p;
          p *= v[at];
        } else {
          p *= v[at];
          out[at] = p;
        }
      }
    }
  }
  return fromFlat(out, x.shape, x.dtype);
}

/** The distinct values (first-seen order) along axis, and for each element its value's index. */
export function unique(x: Tensor, axis = 0): { values: Tensor; indices: Tensor } {
  checkTensor(x, 'unique', 'x');
  const ax = axis < 0 ? axis + x.rank : axis;
  if (x.rank === 0 || !(Number.isInteger(ax) && ax >= 0 && ax < x.rank)) throw new WasmgradError(msg`unique: axis ${axis} is out of range for shape ${fmtShape(x.shape)}`);
  const v = x.dataSync(), n = x.shape[ax], inner = sizeOf(x.shape.slice(ax + 1)), outer = sizeOf(x.shape.slice(0, ax));
  const keyOf = (k: number) => {
    const parts: number[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) parts.push(v[(o * n + k) * inner + i]);
    return parts.join(',');
  };
  const seen = new Map<string, number>();
  const firsts: number[] = [];
  const indices = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const key = keyOf(k);
    let id = seen.get(key);
    if (id === undefined) {
      id = firsts.length;
      seen.set(key, id);
      firsts.push(k);
    }
    indices[k] = id;
  }
  const values = ops.gather(x, fromFlat(firsts, [firsts.length], 'int32'), ax);
  return { values, indices: fromFlat(indices, [n], 'int32') };
}

/** The broadcast shape of two shapes given as int32 vectors. */
export function broadcastArgs(s0: Tensor, s1: Tensor): Tensor {
  checkTensor(s0, 'broadcastArgs', 's0');
  checkTensor(s1, 'broadcastArgs', 's1');
  if (s0.rank !== 1 || s1.rank !== 1 || s0.dtype !== 'int32' || s1.dtype !== 'int32') throw new WasmgradError('broadcastArgs: expected two int32 vectors of dimensions');
  const a = Array.from(s0.dataSync()), b = Array.from(s1.dataSync());
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const p = a[a.length - r + i] ?? 1, q = b[b.length - r + i] ?? 1;
    if (p !== q && p !== 1 && q !== 1) throw new WasmgradError(msg`broadcastArgs: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`);
    out.push(p === 1 ? q : p);
  }
  return fromFlat(out, [r], 'int32');
}

/** Bitwise and of two int32 tensors of the same shape. */
export function bitwiseAnd(x: Tensor, y: Tensor): Tensor {
  checkTensor(x, 'bitwiseAnd', 'x');
  checkTensor(y, 'bitwiseAnd', 'y');
  if (x.dtype !== 'int32' || y.dtype !== 'int32' || x.shape.join() !== y.shape.join()) {
    throw new WasmgradError(msg`bitwiseAnd: expected two int32 tensors of one shape, got ${x.dtype} ${fmtShape(x.shape)} and ${y.dtype} ${fmtShape(y.shape)}`);
  }
  const a = x.dataSync(), b = y.dataSync();
  return fromFlat(Int32Array.from(a, (v, i) => v & b[i]), x.shape, 'int32');
}

/** A copy of tensor with the slices at the index tuples replaced by updates. */
export function tensorScatterUpdate(tensor: Tensor, indices: Tensor, updates: Tensor): Tensor {
  checkTensor(tensor, 'tensorScatterUpdate', 'tensor');
  checkTensor(indices, 'tensorScatterUpdate', 'indices');
  checkTensor(updates, 'tensorScatterUpdate', 'updates');
  const shape = tensor.shape, k = indices.shape[indices.rank - 1];
  if (indices.rank < 1 || !(k >= 1 && k <= shape.length)) throw new WasmgradError(msg`tensorScatterUpdate: indices ${fmtShape(indices.shape)} do not index shape ${fmtShape(shape)}`);
  const count = indices.size / k, slice = sizeOf(shape.slice(k));
  if (updates.size !== count * slice) throw new WasmgradError(msg`tensorScatterUpdate: updates ${fmtShape(updates.shape)} must be ${fmtShape([...indices.shape.slice(0, -1), ...shape.slice(k)])}`);
  const iv = indices.dataSync(), uv = updates.dataSync();
  const out = tensor.dtype === 'int32' ? Int32Array.from(tensor.dataSync()) : Float32Array.from(tensor.dataSync());
  for (let i = 0; i < count; i++) {
    let f = 0;
    for (let j = 0; j < k; j++) {
      const v = iv[i * k + j];
      if (!(Number.isInteger(v) && v >= 0 && v < shape[j])) throw new WasmgradError(msg`tensorScatterUpdate: index ${v} out of range [0, ${shape[j]}) in dimension ${j}`);
      f = f * shape[j] + v;
    }
    for (let e = 0; e < slice; e++) out[f * slice + e] = uv[i * slice + e];
  }
  return fromFlat(out, shape, tensor.dtype);
}

/**
 * Einstein summation over one or two operands ('ij,jk->ik'; the arrow is required, as in TF.js).
 * In JavaScript, without a gradient, as TF.js.
 */
export function einsum(equation: string, ...tensors: Tensor[]): Tensor {
  if (typeof equation !== 'string') throw new WasmgradError('einsum: expected an equation string');
  const eq = equation.replace(/\s/g, '');
  if (eq.split('->').length !== 2) throw new WasmgradError(msg`einsum: '${equation}' needs exactly one '->' naming the output indices`);
  const [lhs, rhs] = eq.split('->');
  const inputs = lhs.split(',');
  if (eq.includes('.') || inputs.length !== tensors.length || inputs.length < 1 || inputs.length > 2 || inputs.some((s) => !/^[a-zA-Z]*$/.test(s))) {
    throw new WasmgradError(msg`einsum: '${equation}' must name one or two operands by letters (no ellipsis), for ${tensors.length} tensors`);
  }
  const counts = new Map<string, number>();
  for (const s of inputs) for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (!/^[a-zA-Z]*$/.test(rhs) || [...rhs].some((c) => !counts.has(c)) || new Set(rhs).size !== rhs.length) throw new WasmgradError(msg`einsum: bad output indices '${rhs}' in '${equation}'`);
  const size = new Map<string, number>();
  inputs.forEach((s, k) => {
    const t = checkTensor(tensors[k], 'einsum', `tensors[${k}]`);
    if (t.rank !== s.length || new Set(s).size !== s.length) throw new WasmgradError(msg`einsum: operand ${k} '${s}' does not fit shape ${fmtShape(t.shape)} (or repeats an index)`);
    [...s].forEach((c, d) => {
      if (size.has(c) && size.get(c) !== t.shape[d]) throw new WasmgradError(msg`einsum: index '${c}' has sizes ${size.get(c)} and ${t.shape[d]}`);
      size.set(c, t.shape[d]);
    });
  });
  const letters = [...size.keys()];
  const dims = letters.map((c) => size.get(c)!);
  const stridesOf = (s: string, shape: number[]) => letters.map((c) => {
    const d = s.indexOf(c);
    return d < 0 ? 0 : sizeOf(shape.slice(d + 1));
  });
  const outShape = [...rhs].map((c) => size.get(c)!);
  const inStrides = inputs.map((s, k) => stridesOf(s, tensors[k].shape));
  const outStrides = stridesOf(rhs, outShape);
  const values = tensors.map((t) => t.dataSync());
  const isInt = tensors.every((t) => t.dtype === 'int32');
  const out = isInt ? new Int32Array(sizeOf(outShape)) : new Float32Array(sizeOf(outShape));
  const idx = new Array<number>(letters.length).fill(0);
  const total = sizeOf(dims);
  for (let n = 0; n < total; n++) {
    let p = 1;
    for (let k = 0; k < values.length; k++) {
      let at = 0;
      for (let d = 0; d < letters.length; d++) at += idx[d] * inStrides[k][d];
      p *= values[k][at];
    }
    let o = 0;
    for (let d = 0; d < letters.length; d++) o += idx[d] * outStrides[d];
    out[o] += p;
    for (let d = letters.length - 1; d >= 0; d--) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
  return fromFlat(out, outShape, isInt ? 'int32' : 'float32');
}
