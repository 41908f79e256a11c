// Ops that rearrange or generate values: tile, pad, reverse, split, unstack, cumsum, topk, range,
// linspace, eye, cast, prod, norm, l2Normalize, logSumExp, all, any, multinomial. The differentiable
// ones are compositions of ops that carry gradients (concat, slice, gather, ...), so their
// gradients come from composition; cumsum records its own (a reverse cumsum).
import { WasmgradError, fmtShape, describeValue, msg, jsonOf } from '../errors.js';
import { Tensor, tidy, asBool, sizeOf, type DType } from '../tensor.js';
import { record } from '../tape.js';
import { fromFlat, fill, hostArray, MAX_VALUES } from '../creation.js';
import { seededRandom } from '../util/seeded.js';
import { checkTensor, checkFloat, normAxis, normAxes } from './util.js';
import { concat, slice, gather, reshape } from './shape.js';
import { sum, max, min } from './reduce.js';
import { abs, sqrt, square, log, exp, pow } from './unary.js';
import { add, sub, mul, div, maximum } from './binary.js';
import { isIntegral, reduceValues, viaFloat } from './values-js.js';

/** x repeated reps[d] times along each dimension d. */
export function tile(x: Tensor, reps: number[]): Tensor {
  checkTensor(x, 'tile');
  if (!Array.isArray(reps) || reps.length !== x.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new WasmgradError(msg`tile: reps must be ${x.rank} whole numbers >= 0 (one per dimension of ${fmtShape(x.shape)}), got ${describeValue(reps)}`);
  }
  const outShape = x.shape.map((s, d) => s * reps[d]);
  const outSize = sizeOf(outShape);
  if (outSize > MAX_VALUES) throw new WasmgradError(msg`tile: ${fmtShape(x.shape)} tiled ${fmtShape(reps)} times has ${outSize} values, more than the engine's memory holds (${MAX_VALUES})`);
  return tidy(() => {
    // an empty output: x emptied along an axis tiled 0 times, reshaped (the tape still sees x)
    if (outSize === 0) return reshape(x.size === 0 ? x : slice(x, x.shape.map(() => 0), x.shape.map((n, d) => (reps[d] === 0 ? 0 : n))), outShape);
    let y = x;
    reps.forEach((r, d) => {
      if (r === 1) return;
      // one gather of rows 0..n-1, r times over: the output's size in time, whatever r is
      const n = y.shape[d];
      const rows = hostArray('tile', n * r, 'int32');
      for (let i = 0; i < rows.length; i++) rows[i] = i % n;
      y = gather(y, fromFlat(rows, [rows.length], 'int32'), d);
    });
    return y === x ? reshape(x, x.shape) : y;
  });
}

/** x padded with constantValue: paddings[d] = [before, after]. */
export function pad(x: Tensor, paddings: [number, number][], constantValue = 0): Tensor {
  checkTensor(x, 'pad');
  if (!Array.isArray(paddings) || paddings.length !== x.rank || paddings.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new WasmgradError(msg`pad: paddings must be ${x.rank} pairs [before, after] of whole numbers >= 0 for ${fmtShape(x.shape)}, got ${jsonOf(paddings)}`);
  }
  return tidy(() => {
    let y = x;
    paddings.forEach(([before, after], d) => {
      if (before === 0 && after === 0) return;
      const side = (n: number) => fill(y.shape.map((s, i) => (i === d ? n : s)), constantValue, x.dtype);
      const parts = [...(before ? [side(before)] : []), y, ...(after ? [side(after)] : [])];
      y = concat(parts, d);
    });
    return y === x ? reshape(x, x.shape) : y;
  });
}

/** x with the order of elements reversed along the given axes (all when omitted). */
export function reverse(x: Tensor, axis?: number | number[]): Tensor {
  checkTensor(x, 'reverse');
  const axes = normAxes(axis ?? null, x.shape, 'reverse');
  return tidy(() => {
    let y = x;
    for (const a of axes) y = gather(y, Array.from({ length: x.shape[a] }, (_, i) => x.shape[a] - 1 - i), a);
    return y === x ? reshape(x, x.shape) : y;
  });
}

/** Splits along axis into n equal parts, or parts of the given sizes (one size may be -1). */
export function split(x: Tensor, numOrSizeSplits: number | number[], axis = 0): Tensor[] {
  checkTensor(x, 'split');
  const a = normAxis(axis, x.shape, 'split');
  const len = x.shape[a];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (!Number.isInteger(numOrSizeSplits) || numOrSizeSplits < 1 || len % numOrSizeSplits !== 0) {
      throw new WasmgradError(msg`split: ${numOrSizeSplits} does not divide dimension ${a} of ${fmtShape(x.shape)} (${len}) evenly`);
    }
    sizes = new Array(numOrSizeSplits).fill(len / numOrSizeSplits);
  } else {
    if (!Array.isArray(numOrSizeSplits)) throw new WasmgradError(msg`split: expected a number of parts or an array of sizes, got ${describeValue(numOrSizeSplits)}`);
    sizes = numOrSizeSplits.slice();
    const free = sizes.filter((s) => s === -1).length;
    if (free > 1 || sizes.some((s) => !Number.isInteger(s) || s < -1)) throw new WasmgradError(msg`split: sizes must be whole numbers >= 0 (one may be -1), got ${jsonOf(numOrSizeSplits)}`);
    const known = sizes.reduce((p, s) => p + (s === -1 ? 0 : s), 0);
    if (free) sizes[sizes.indexOf(-1)] = len - known;
    if (sizes.reduce((p, s) => p + s, 0) !== len || sizes.some((s) => s < 0)) throw new WasmgradError(msg`split: sizes ${jsonOf(numOrSizeSplits)} do not add up to dimension ${a} of ${fmtShape(x.shape)} (${len})`);
  }
  let at = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === a ? at : 0));
    at += s;
    return slice(x, begin, x.shape.map((n, i) => (i === a ? s : n)));
  });
}

/** The slices of x along axis, each without that axis. */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  checkTensor(x, 'unstack');
  const a = normAxis(axis, x.shape, 'unstack');
  const shape = x.shape.filter((_, i) => i !== a);
  return split(x, x.shape[a], a).map((t) => {
    const r = reshape(t, shape);
    t.dispose();
    return r;
  });
}

/** Running sums along axis (exclusive: each excludes itself; reverse: from the end). */
export function cumsum(x: Tensor, axis = 0, exclusive = false, reverseOrder = false): Tensor {
  const ints = isIntegral(x); // int32 sums, as TF.js, without a gradient
  checkTensor(x, 'cumsum'); // float32 or int32
  const a = normAxis(axis, x.shape, 'cumsum');
  const n = x.shape[a], inner = sizeOf(x.shape.slice(a + 1)), outer = sizeOf(x.shape.slice(0, a));
  const v = x.dataSync();
  const out = ints ? new Int32Array(v.length) : new Float32Array(v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let k = 0; k < n; k++) {
        const j = reverseOrder ? n - 1 - k : k;
        const at = (o * n + j) * inner + i;
        if (exclusive) {
          out[at] = acc;
          acc += v[at];
        } else {
          acc += v[at];
          out[at] = acc;
        }
      }
    }
  }
  const y = fromFlat(out, x.shape, ints ? 'int32' : 'float32');
  if (!ints) record('cumsum', [x], y, ([dy]) => [cumsum(dy, a, exclusive, !reverseOrder)]);
  return y;
}

/** The k largest values along the last axis and their indices (sorted, largest first; ties by index). */
export function topk(x: Tensor, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  checkTensor(x, 'topk');
  if (x.rank === 0) throw new WasmgradError('topk: needs a tensor of rank >= 1, got a scalar');
  const n = x.shape[x.rank - 1];
  if (!Number.isInteger(k) || k < 0 || k > n) throw new WasmgradError(msg`topk: k must be a whole number in [0, ${n}] for ${fmtShape(x.shape)}, got ${k}`);
  void sorted;
  const v = x.dataSync();
  const rows = v.length / Math.max(n, 1);
  const idx = new Int32Array(rows * k);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    // descending, NaN above everything (as TF.js ranks it), ties by index
    order.sort((p, q) => {
      const [a, b] = [v[base + p], v[base + q]];
      if (a !== a || b !== b) return a !== a && b !== b ? p - q : a !== a ? -1 : 1;
      return b - a || p - q;
    });
    for (let j = 0; j < k; j++) idx[r * k + j] = order[j];
    order.sort((p, q) => p - q);
  }
  const outShape = [...x.shape.slice(0, -1), k];
  const indices = fromFlat(idx, outShape, 'int32');
  const flat = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) flat[r * k + j] = r * n + idx[r * k + j];
  const values = tidy(() => reshape(gather(reshape(x, [v.length]), Array.from(flat)), outShape));
  return { values, indices };
}


/** start, start + step, ... up to (not including) stop. */
export function range(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (![start, stop, step].every(Number.isFinite) || step === 0) throw new WasmgradError(msg`range: start, stop and step must be finite numbers and step non-zero, got ${start}, ${stop}, ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = hostArray('range', n, dtype);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return fromFlat(out, [n], dtype);
}

/** num evenly spaced values from start to stop, both included. */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new WasmgradError(msg`linspace: num must be a whole number >= 0, got ${num}`);
  const out = hostArray('linspace', num, 'float32');
  const stepSize = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = start + i * stepSize;
  return fromFlat(out, [num], 'float32');
}

/** The identity matrix [numRows, numColumns] (batched when batchShape is given). */
export function eye(numRows: number, numColumns = numRows, batchShape: number[] = [], dtype: DType = 'float32'): Tensor {
  if (![numRows, numColumns].every((n) => Number.isInteger(n) && n >= 0)) throw new WasmgradError(msg`eye: sizes must be whole numbers >= 0, got ${describeValue(numRows)}, ${describeValue(numColumns)}`);
  const one = numRows * numColumns, batch = sizeOf(batchShape);
  const out = hostArray('eye', one * batch, dtype);
  for (let b = 0; b < batch; b++) for (let i = 0; i < Math.min(numRows, numColumns); i++) out[b * one + i * numColumns + i] = 1;
  return fromFlat(out, [...batchShape, numRows, numColumns], dtype);
}

/** x as another dtype: int32 truncates toward zero; bool is true where x is nonzero (NaN too). */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, 'cast');
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw new WasmgradError(msg`cast: dtype must be float32, int32 or bool, got ${dtype}`);
  if (dtype === 'float32' && x.dtype === 'float32') return reshape(x, x.shape);
  const v = x.dataSync();
  if (dtype === 'bool') return fromFlat(Uint8Array.from(v, (e) => (e !== 0 ? 1 : 0)), x.shape, 'bool');
  if (dtype === 'int32') return fromFlat(Int32Array.from(v, (e) => (Number.isFinite(e) ? Math.trunc(e) : 0)), x.shape, 'int32');
  return fromFlat(Float32Array.from(v), x.shape, 'float32');
}

/** Product over axes; its gradient dy * prod / x holds where x != 0 (as TensorFlow.js's). */
export function prod(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  const ints = isIntegral(x); // an int32 product, as TF.js, without a gradient
  checkTensor(x, 'prod'); // float32 or int32
  const axes = normAxes(axis ?? null, x.shape, 'prod');
  const y = reduceValues(x, axes, keepDims, 1, (acc, v) => acc * v, ints ? 'int32' : 'float32');
  const keep = x.shape.map((n, i) => (axes.includes(i) ? 1 : n));
  if (!ints) record('prod', [x], y, ([dy]) => [tidy(() => div(mul(reshape(dy, keep), reshape(y, keep)), x))]);
  return y;
}

/**
 * The norm of x (TF.js's tf.norm). With no axis, of all of x as one vector. Over one axis (or more
 * than two), the vector norm: ord 1, 2 ('euclidean', 'fro' too), Infinity, -Infinity or any other p
 * (NumPy's p-norm). Over two axes [rows, cols], the matrix norm: 'fro' or 'euclidean' (Frobenius), 1
 * and -1 (the largest and smallest sum of |x| down a column), Infinity and -Infinity (along a row).
 */
export function norm(x: Tensor, ord: number | 'euclidean' | 'fro' = 'euclidean', axis?: number | number[] | null, keepDims = false): Tensor {
  checkFloat(x, 'norm');
  const p = ord === 'euclidean' || ord === 'fro' ? 2 : ord;
  if (typeof p !== 'number' || Number.isNaN(p) || p === 0) throw new WasmgradError(msg`norm: ord must be a number (not 0), 'euclidean' or 'fro', got ${ord}`);
  const pair = Array.isArray(axis) && normAxes(axis, x.shape, 'norm').length === 2 ? axis.map((a) => normAxis(a, x.shape, 'norm')) : null;
  if (pair) return matrixNorm(x, ord, pair, keepDims);
  return tidy(() => {
    if (p === 2) return sqrt(sum(square(x), axis, keepDims));
    if (p === 1) return sum(abs(x), axis, keepDims);
    if (p === Infinity) return max(abs(x), axis, keepDims);
    if (p === -Infinity) return min(abs(x), axis, keepDims);
    return pow(sum(pow(abs(x), p), axis, keepDims), 1 / p);
  });
}

/** norm over the two axes [rows, cols] of x (ord as above). */
function matrixNorm(x: Tensor, ord: number | 'euclidean' | 'fro', [rows, cols]: number[], keepDims: boolean): Tensor {
  const frobenius = ord === 'fro' || ord === 'euclidean';
  if (!frobenius && ord !== 1 && ord !== -1 && ord !== Infinity && ord !== -Infinity) {
    throw new WasmgradError(msg`norm: over two axes ord must be 'fro', 'euclidean', 1, -1, Infinity or -Infinity, got ${ord} (the 2-norm of a matrix, its largest singular value, is not computed)`);
  }
  return tidy(() => {
    let y: Tensor;
    if (frobenius) y = sqrt(sum(square(x), [rows, cols], true));
    else {
      // column sums (down the rows) for ord +-1, row sums for +-Infinity; then their largest or smallest
      const [along, across] = ord === 1 || ord === -1 ? [rows, cols] : [cols, rows];
      const sums = sum(abs(x), along, true);
      y = (ord as number) > 0 ? max(sums, across, true) : min(sums, across, true);
    }
    return keepDims ? y : reshape(y, x.shape.filter((_, i) => i !== rows && i !== cols));
  });
}

/** x / max(||x||_2, sqrt(epsilon)) over axis. */
export function l2Normalize(x: Tensor, axis?: number | number[] | null, epsilon = 1e-12): Tensor {
  checkFloat(x, 'l2Normalize');
  return tidy(() => div(x, sqrt(maximum(sum(square(x), axis, true), epsilon))));
}

/** log(sum(exp(x))) over axes, stable (the maximum subtracted first). */
export function logSumExp(x: Tensor, axis?: number | number[] | null, keepDims = false): Tensor {
  if (isIntegral(x)) return viaFloat(checkTensor(x, 'logSumExp'), (t) => logSumExp(t, axis, keepDims));
  checkFloat(x, 'logSumExp');
  return tidy(() => {
    const m = max(x, axis, true);
    const s = add(log(sum(exp(sub(x, m)), axis, true)), m);
    const shape = keepDims ? s.shape : x.shape.filter((_, i) => !normAxes(axis ?? null, x.shape, 'logSumExp').includes(i));
    return reshape(s, shape);
  });
}

function reduceBool(name: string, x: Tensor, axis: number | number[] | null | undefined, keepDims: boolean, all: boolean): Tensor {
  checkTensor(x, name);
  const axes = normAxes(axis ?? null, x.shape, name);
  // nonzero is true (NaN too, as cast to bool)
  const f = all ? (acc: number, v: number) => (acc && v !== 0 ? 1 : 0) : (acc: number, v: number) => (acc || v !== 0 ? 1 : 0);
  return asBool(reduceValues(x, axes, keepDims, all ? 1 : 0, f, 'float32'));
}
export const all = (x: Tensor, axis?: number | number[] | null, keepDims = false) => reduceBool('all', x, axis, keepDims, true);
export const any = (x: Tensor, axis?: number | number[] | null, keepDims = false) => reduceBool('any', x, axis, keepDims, false);

/** numSamples draws per row from the categorical distribution of logits (or probabilities). */
export function multinomial(logits: Tensor, numSamples: number, seed?: number, normalized = false): Tensor {
  checkFloat(logits, 'multinomial');
  if (logits.rank !== 1 && logits.rank !== 2) throw new WasmgradError(msg`multinomial: logits must be rank 1 or 2, got ${fmtShape(logits.shape)}`);
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new WasmgradError(msg`multinomial: numSamples must be a whole number >= 1, got ${numSamples}`);
  const k = logits.shape[logits.rank - 1];
  const rows = logits.rank === 1 ? 1 : logits.shape[0];
  const v = logits.dataSync();
  const random = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 31));
  const out = hostArray('multinomial', rows * numSamples, 'int32');
  for (let r = 0; r < rows; r++) {
    const w = new Float64Array(k);
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, v[r * k + j]);
    let total = 0;
    for (let j = 0; j < k; j++) total += w[j] = normalized ? v[r * k + j] : Math.exp(v[r * k + j] - m);
    for (let s = 0; s < numSamples; s++) {
      let u = random() * total, j = 0;
      while (j < k - 1 && u >= w[j]) u -= w[j++];
      out[r * numSamples + s] = j;
    }
  }
  return fromFlat(out, logits.rank === 1 ? [numSamples] : [rows, numSamples], 'int32');
}
