// TF.js ops that are spellings or compositions of wasmgrad's: rank-checked variants (concat2d,
// slice3d, ...), divNoNan, logSigmoid, outerProduct, addN, meshgrid, diag, mirrorPad, gatherND,
// unsortedSegmentSum, depthToSpace, separableConv2d ..., composed of differentiable ops so their
// gradients come from composition; and index-valued ops (whereAsync, searchSorted, bincount ...)
// computed in JavaScript, which have no gradient in TF.js either.
import { WasmgradError, fmtShape, describeValue, msg, jsonOf } from '../errors.js';
import { Tensor, tidy, checkShape, sizeOf, type DType } from '../tensor.js';
import { fromFlat, fill, hostArray } from '../creation.js';
import * as ops from '../ops/index.js';
import { checkTensor } from '../ops/util.js';
import { dot as dotOf } from '../tensor-methods.js';
import { record, noGrad } from '../tape.js';

type Pair = [number, number];

function rank(op: string, x: Tensor, r: number): Tensor {
  checkTensor(x, op, 'x');
  if (x.rank !== r) throw new WasmgradError(msg`${op}: expected a rank-${r} tensor, got shape ${fmtShape(x.shape)}`);
  return x;
}
function ranks(op: string, xs: Tensor[], r: number): Tensor[] {
  if (!Array.isArray(xs)) throw new WasmgradError(msg`${op}: expected an array of tensors`);
  xs.forEach((x) => rank(op, x, r));
  return xs;
}

// ---- rank-checked spellings -----------------------------------------------------------------------
export const concat1d = (xs: Tensor[]) => ops.concat(ranks('concat1d', xs, 1), 0);
export const concat2d = (xs: Tensor[], axis: number) => ops.concat(ranks('concat2d', xs, 2), axis);
export const concat3d = (xs: Tensor[], axis: number) => ops.concat(ranks('concat3d', xs, 3), axis);
export const concat4d = (xs: Tensor[], axis: number) => ops.concat(ranks('concat4d', xs, 4), axis);
export const pad1d = (x: Tensor, paddings: Pair, constantValue = 0) => ops.pad(rank('pad1d', x, 1), [paddings], constantValue);
export const pad2d = (x: Tensor, paddings: [Pair, Pair], constantValue = 0) => ops.pad(rank('pad2d', x, 2), paddings, constantValue);
export const pad3d = (x: Tensor, paddings: [Pair, Pair, Pair], constantValue = 0) => ops.pad(rank('pad3d', x, 3), paddings, constantValue);
export const pad4d = (x: Tensor, paddings: [Pair, Pair, Pair, Pair], constantValue = 0) => ops.pad(rank('pad4d', x, 4), paddings, constantValue);
export const reverse1d = (x: Tensor) => ops.reverse(rank('reverse1d', x, 1));
export const reverse2d = (x: Tensor, axis?: number | number[]) => ops.reverse(rank('reverse2d', x, 2), axis);
export const reverse3d = (x: Tensor, axis?: number | number[]) => ops.reverse(rank('reverse3d', x, 3), axis);
export const reverse4d = (x: Tensor, axis?: number | number[]) => ops.reverse(rank('reverse4d', x, 4), axis);
export const slice1d = (x: Tensor, begin: number, size: number) => ops.slice(rank('slice1d', x, 1), [begin], [size]);
export const slice2d = (x: Tensor, begin: number[], size: number[]) => ops.slice(rank('slice2d', x, 2), begin, size);
export const slice3d = (x: Tensor, begin: number[], size: number[]) => ops.slice(rank('slice3d', x, 3), begin, size);
export const slice4d = (x: Tensor, begin: number[], size: number[]) => ops.slice(rank('slice4d', x, 4), begin, size);
type BN = (x: Tensor, mean: Tensor, variance: Tensor, offset?: Tensor, scale?: Tensor, varianceEpsilon?: number) => Tensor;
const batchNormOfRank = (r: number): BN => (x, mean, variance, offset, scale, eps) => ops.batchNorm(rank(`batchNorm${r}d`, x, r), mean, variance, offset, scale, eps);
export const batchNorm2d = batchNormOfRank(2);
export const batchNorm3d = batchNormOfRank(3);
export const batchNorm4d = batchNormOfRank(4);

// ---- compositions ---------------------------------------------------------------------------------

/** a / b, 0 where b is 0 (dividing by 1 there, so gradients stay finite); int32 divides as div does. */
export const divNoNan = (a: Tensor, b: Tensor) => tidy(() => {
  const isZero = ops.equal(b, 0);
  const q = ops.div(a, ops.add(b, b.dtype === 'int32' ? ops.cast(isZero, 'int32') : isZero));
  return ops.where(isZero, fill(q.shape, 0, q.dtype), q);
});
/** log(sigmoid(x)) = -softplus(-x), stable for large |x|. */
export const logSigmoid = (x: Tensor) => tidy(() => ops.neg(ops.softplus(ops.neg(x))));
export const outerProduct = (v1: Tensor, v2: Tensor) => tidy(() => ops.matMul(ops.reshape(rank('outerProduct', v1, 1), [v1.size, 1]), ops.reshape(rank('outerProduct', v2, 1), [1, v2.size])));
export const euclideanNorm = (x: Tensor, axis: number | number[] | null = null, keepDims = false) => ops.norm(x, 'euclidean', axis, keepDims);
export const dot = (a: Tensor, b: Tensor) => dotOf(a, b);

export function addN(tensors: Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new WasmgradError('addN: expected a non-empty array of tensors');
  tensors.forEach((t, i) => {
    checkTensor(t, 'addN', `tensors[${i}]`);
    if (t.shape.join() !== tensors[0].shape.join()) throw new WasmgradError(msg`addN: tensors[${i}] has shape ${fmtShape(t.shape)}, tensors[0] ${fmtShape(tensors[0].shape)}`);
  });
  return tidy(() => tensors.slice(1).reduce((s, t) => ops.add(s, t), ops.clone(tensors[0])));
}

/** max(x, 0) + alpha min(x, 0). */
export const prelu = (x: Tensor, alpha: Tensor) => tidy(() => ops.add(ops.relu(x), ops.mul(alpha, ops.minimum(x, 0))));

/** v + (x - v)(1 - decay), divided by 1 - decay^step when zeroDebias. */
export function movingAverage(v: Tensor, x: Tensor, decay: number | Tensor, step?: number | Tensor, zeroDebias = true): Tensor {
  const num = (d: number | Tensor) => (typeof d === 'number' ? d : d instanceof Tensor && d.size === 1 ? d.dataSync()[0] : NaN);
  const d = num(decay);
  if (!Number.isFinite(d)) throw new WasmgradError('movingAverage: decay must be a number or a scalar tensor');
  return tidy(() => {
    let update = ops.mul(ops.sub(x, v), 1 - d);
    if (zeroDebias) {
      if (step === undefined) throw new WasmgradError('movingAverage: zeroDebias needs step');
      update = ops.div(update, 1 - d ** num(step));
    }
    return ops.add(v, update);
  });
}

/** Coordinate grids of two vectors: 'xy' gives [y.size, x.size] grids, 'ij' [x.size, y.size]. */
export function meshgrid(x: Tensor, y?: Tensor, { indexing = 'xy' }: { indexing?: 'xy' | 'ij' } = {}): Tensor[] {
  if (indexing !== 'xy' && indexing !== 'ij') throw new WasmgradError(msg`meshgrid: indexing must be 'xy' or 'ij', got ${indexing}`);
  checkTensor(x, 'meshgrid', 'x');
  if (y === undefined) return [ops.clone(x)];
  checkTensor(y, 'meshgrid', 'y');
  const w = x.size, h = y.size;
  return tidy(() => indexing === 'xy'
    ? [ops.tile(ops.reshape(x, [1, w]), [h, 1]), ops.tile(ops.reshape(y, [h, 1]), [1, w])]
    : [ops.tile(ops.reshape(x, [w, 1]), [1, h]), ops.tile(ops.reshape(y, [1, h]), [w, 1])]);
}

/** A tensor of shape [...x.shape, ...x.shape] with x on its diagonal. */
export function diag(x: Tensor): Tensor {
  checkTensor(x, 'diag', 'x');
  const n = x.size;
  return tidy(() => ops.reshape(ops.mul(ops.reshape(x, [n, 1]), ops.eye(n, n, [], x.dtype)), [...x.shape, ...x.shape]));
}

/** Checks x's shape against shape (null matches any size) and returns x. */
export function ensureShape(x: Tensor, shape: (number | null)[]): Tensor {
  checkTensor(x, 'ensureShape', 'x');
  const ok = Array.isArray(shape) && shape.length === x.rank && shape.every((s, i) => s === null || s === x.shape[i]);
  if (!ok) throw new WasmgradError(msg`ensureShape: the tensor's shape ${fmtShape(x.shape)} does not match ${jsonOf(shape)}`);
  return x;
}

/**
 * Padding by reflection ('reflect' leaves out the edge, 'symmetric' repeats it), as gathers. Its
 * gradient adds the padded copies back onto their sources; TF.js's passes only the centre slice.
 */
export function mirrorPad(x: Tensor, paddings: Pair[], mode: 'reflect' | 'symmetric'): Tensor {
  checkTensor(x, 'mirrorPad', 'x');
  if (mode !== 'reflect' && mode !== 'symmetric') throw new WasmgradError(msg`mirrorPad: mode must be 'reflect' or 'symmetric', got ${mode}`);
  if (!Array.isArray(paddings) || paddings.length !== x.rank) throw new WasmgradError(msg`mirrorPad: expected ${x.rank} [before, after] pairs, got ${jsonOf(paddings)}`);
  const shift = mode === 'reflect' ? 1 : 0;
  return tidy(() => paddings.reduce((t, [before, after], axis) => {
    const n = x.shape[axis];
    if (!(Number.isInteger(before) && Number.isInteger(after) && before >= 0 && after >= 0 && before <= n - shift && after <= n - shift)) {
      throw new WasmgradError(msg`mirrorPad: paddings[${axis}] ${jsonOf([before, after])} must be whole numbers in [0, ${n - shift}] for size ${n} (${mode})`);
    }
    if (before === 0 && after === 0) return t;
    const idx: number[] = [];
    for (let i = before; i >= 1; i--) idx.push(i - 1 + shift);
    for (let i = 0; i < n; i++) idx.push(i);
    for (let i = 1; i <= after; i++) idx.push(n - i - shift);
    return ops.gather(t, fromFlat(idx, [idx.length], 'int32'), axis);
  }, x));
}

/** Slices of x at the index tuples in indices' last dimension (a gather on the flattened leading axes). */
export function gatherND(x: Tensor, indices: Tensor): Tensor {
  checkTensor(x, 'gatherND', 'x');
  checkTensor(indices, 'gatherND', 'indices');
  const k = indices.shape[indices.rank - 1];
  if (indices.rank < 1 || !(k >= 1 && k <= x.rank)) throw new WasmgradError(msg`gatherND: indices' last dimension must be in [1, ${x.rank}], got shape ${fmtShape(indices.shape)}`);
  const lead = x.shape.slice(0, k), rest = x.shape.slice(k);
  const iv = indices.dataSync(), count = indices.size / k;
  const flat = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let f = 0;
    for (let j = 0; j < k; j++) {
      const v = iv[i * k + j];
      if (!(Number.isInteger(v) && v >= 0 && v < lead[j])) throw new WasmgradError(msg`gatherND: index ${v} out of range [0, ${lead[j]}) in dimension ${j}`);
      f = f * lead[j] + v;
    }
    flat[i] = f;
  }
  return tidy(() => ops.reshape(ops.gather(ops.reshape(x, [lead.reduce((a, b) => a * b, 1), ...rest]), fromFlat(flat, [count], 'int32'), 0), [...indices.shape.slice(0, -1), ...rest]));
}

/** Sums of x's rows by segment id (ids outside [0, numSegments) are dropped), as a one-hot product. */
export function unsortedSegmentSum(x: Tensor, segmentIds: Tensor, numSegments: number): Tensor {
  checkTensor(x, 'unsortedSegmentSum', 'x');
  rank('unsortedSegmentSum', segmentIds, 1);
  if (segmentIds.size !== x.shape[0]) throw new WasmgradError(msg`unsortedSegmentSum: ${segmentIds.size} segment ids for ${x.shape[0]} rows (x ${fmtShape(x.shape)})`);
  if (!(Number.isInteger(numSegments) && numSegments >= 1)) throw new WasmgradError(msg`unsortedSegmentSum: numSegments must be a whole number >= 1, got ${numSegments}`);
  return tidy(() => {
    const ids = segmentIds.dtype === 'int32' ? segmentIds : ops.cast(segmentIds, 'int32');
    const rows = ops.reshape(x.dtype === 'int32' ? ops.cast(x, 'float32') : x, [x.shape[0], x.size / Math.max(1, x.shape[0])]);
    const sums = ops.reshape(ops.matMul(ops.oneHot(ids, numSegments), rows, true, false), [numSegments, ...x.shape.slice(1)]);
    return x.dtype === 'int32' ? ops.cast(sums, 'int32') : sums;
  });
}

/** Moves blocks of channels into space: [b, h, w, c] to [b, h bs, w bs, c / bs^2] (NHWC). */
export function depthToSpace(x: Tensor, blockSize: number, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): Tensor {
  rank('depthToSpace', x, 4);
  if (dataFormat !== 'NHWC') throw new WasmgradError(msg`depthToSpace: dataFormat '${dataFormat}' is not supported; wasmgrad works in NHWC`);
  const [b, h, w, c] = x.shape;
  if (!(Number.isInteger(blockSize) && blockSize >= 2 && c % (blockSize * blockSize) === 0)) {
    throw new WasmgradError(msg`depthToSpace: blockSize must be a whole number >= 2 whose square divides the ${c} channels, got ${blockSize}`);
  }
  const bs = blockSize, cOut = c / (bs * bs);
  return tidy(() => ops.reshape(ops.transpose(ops.reshape(x, [b, h, w, bs, bs, cOut]), [0, 1, 3, 2, 4, 5]), [b, h * bs, w * bs, cOut]));
}

/** A depthwise convolution followed by a 1x1 (pointwise) convolution. */
export function separableConv2d(
  x: Tensor, depthwiseFilter: Tensor, pointwiseFilter: Tensor, strides: number | Pair, pad: 'valid' | 'same', dilation: number | Pair = 1, dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): Tensor {
  if (dataFormat !== 'NHWC') throw new WasmgradError(msg`separableConv2d: dataFormat '${dataFormat}' is not supported; wasmgrad works in NHWC`);
  return tidy(() => ops.conv2d(ops.depthwiseConv2d(x, depthwiseFilter, strides, pad, dilation), pointwiseFilter, 1, 'valid'));
}

/** TF.js's pool with dilation 1: maxPool or avgPool. */
export function pool(input: Tensor, windowShape: number | Pair, poolingType: 'avg' | 'max', pad: 'valid' | 'same', dilations: number | Pair = 1, strides: number | Pair = 1): Tensor {
  const d = typeof dilations === 'number' ? [dilations, dilations] : Array.isArray(dilations) ? dilations : [NaN];
  if (d.some((v) => v !== 1)) throw new WasmgradError(msg`pool: dilations must be 1 or [1, 1] (others are not supported), got ${jsonOf(dilations)}`);
  if (poolingType === 'max') return ops.maxPool(input, windowShape, strides, pad);
  if (poolingType === 'avg') return ops.avgPool(input, windowShape, strides, pad);
  throw new WasmgradError(msg`pool: poolingType must be 'avg' or 'max', got ${poolingType}`);
}

// ---- random ---------------------------------------------------------------------------------------
export const randomStandardNormal = (shape: number[], dtype?: DType, seed?: number) => ops.randomNormal(shape, 0, 1, seed);
/** Whole numbers uniform in [minval, maxval) as int32. */
export const randomUniformInt = (shape: number[], minval: number, maxval: number, seed?: number) => tidy(() => ops.cast(ops.floor(ops.randomUniform(shape, minval, maxval, seed)), 'int32'));
/** A tensor filled by calling randFunction for each element. */
export function rand(shape: number[], randFunction: () => number, dtype: DType = 'float32'): Tensor {
  if (typeof randFunction !== 'function') throw new WasmgradError('rand: expected a function giving numbers');
  checkShape(shape, 'rand');
  const v = hostArray('rand', sizeOf(shape), dtype);
  for (let i = 0; i < v.length; i++) v[i] = randFunction();
  return fromFlat(v, shape, dtype);
}

/** The generalized cosine window a - b cos(2 pi i / (N - 1)) (periodic for even N, as TF.js); a Hann window is a = b = 0.5. */
export function cosineWindow(windowLength: number, a: number, b: number): Tensor {
  if (!(Number.isInteger(windowLength) && windowLength >= 1)) throw new WasmgradError(msg`cosineWindow: windowLength must be a whole number >= 1, got ${describeValue(windowLength)}`);
  if (typeof a !== 'number' || typeof b !== 'number') throw new WasmgradError(msg`cosineWindow: a and b must be numbers, got ${typeof a} and ${typeof b}`);
  if (windowLength === 1) return fromFlat([1], [1], 'float32');
  const even = 1 - (windowLength % 2);
  const v = hostArray('cosineWindow', windowLength, 'float32');
  for (let i = 0; i < windowLength; i++) v[i] = a - b * Math.cos((2 * Math.PI * i) / (windowLength + even - 1));
  return fromFlat(v, [windowLength], 'float32');
}

/** Wall time of f (wasmgrad's kernels run synchronously, so kernelMs is the same). */
export async function time(f: () => void): Promise<{ kernelMs: number; wallMs: number }> {
  const start = typeof performance !== 'undefined' ? performance.now() : Date.now();
  f();
  const wallMs = (typeof performance !== 'undefined' ? performance.now() : Date.now()) - start;
  return { kernelMs: wallMs, wallMs };
}

/** Local response normalization over the last axis: x / (bias + alpha sum of squares in the window)^beta. */
export function localResponseNormalization(x: Tensor, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5): Tensor {
  checkTensor(x, 'localResponseNormalization', 'x');
  if (x.rank !== 3 && x.rank !== 4) throw new WasmgradError(msg`localResponseNormalization: x must be rank 3 or 4, got shape ${fmtShape(x.shape)}`);
  if (!(Number.isInteger(depthRadius) && depthRadius >= 0)) throw new WasmgradError(msg`localResponseNormalization: depthRadius must be a whole number >= 0, got ${depthRadius}`);
  const d = x.shape[x.rank - 1];
  return tidy(() => {
    const paddings = x.shape.map((_, i): Pair => (i === x.rank - 1 ? [depthRadius, depthRadius] : [0, 0]));
    const padded = ops.pad(ops.square(x), paddings);
    let windowSum: Tensor | null = null;
    for (let k = 0; k <= 2 * depthRadius; k++) {
      const part = ops.slice(padded, x.shape.map((_, i) => (i === x.rank - 1 ? k : 0)), [...x.shape.slice(0, -1), d]);
      windowSum = windowSum ? ops.add(windowSum, part) : part;
    }
    return ops.mul(x, ops.pow(ops.add(ops.mul(windowSum!, alpha), bias), -beta));
  });
}

function blockArgs(op: string, x: Tensor, blockShape: number[], pairs: number[][]): void {
  checkTensor(x, op, 'x');
  const m = Array.isArray(blockShape) ? blockShape.length : 0;
  if (m < 1 || x.rank < m + 1 || !blockShape.every((b) => Number.isInteger(b) && b >= 1)) {
    throw new WasmgradError(msg`${op}: blockShape ${jsonOf(blockShape)} must be whole numbers >= 1, one per spatial axis of x ${fmtShape(x.shape)}`);
  }
  if (!Array.isArray(pairs) || pairs.length !== m || !pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new WasmgradError(msg`${op}: expected ${m} [before, after] pairs of whole numbers, got ${jsonOf(pairs)}`);
  }
}

/** Moves blocks of the (padded) spatial axes into the batch: [b, s1..sM, rest] to [b prod(block), s1/b1..sM/bM, rest]. */
export function spaceToBatchND(x: Tensor, blockShape: number[], paddings: number[][]): Tensor {
  blockArgs('spaceToBatchND', x, blockShape, paddings);
  const m = blockShape.length, batch = x.shape[0], rest = x.shape.slice(m + 1);
  const padded = x.shape.slice(1, m + 1).map((s, i) => s + paddings[i][0] + paddings[i][1]);
  padded.forEach((p, i) => {
    if (p % blockShape[i] !== 0) throw new WasmgradError(msg`spaceToBatchND: padded size ${p} of spatial axis ${i} is not a multiple of block ${blockShape[i]}`);
  });
  return tidy(() => {
    const p = ops.pad(x, x.shape.map((_, i): Pair => (i >= 1 && i <= m ? [paddings[i - 1][0], paddings[i - 1][1]] : [0, 0])));
    const split = ops.reshape(p, [batch, ...padded.flatMap((s, i) => [s / blockShape[i], blockShape[i]]), ...rest]);
    const perm = [...blockShape.map((_, i) => 2 + 2 * i), 0, ...blockShape.map((_, i) => 1 + 2 * i), ...rest.map((_, i) => 1 + 2 * m + i)];
    const blocks = blockShape.reduce((a, b) => a * b, 1);
    return ops.reshape(ops.transpose(split, perm), [batch * blocks, ...padded.map((s, i) => s / blockShape[i]), ...rest]);
  });
}

/** The inverse of spaceToBatchND: batch blocks back into space, then crops. */
export function batchToSpaceND(x: Tensor, blockShape: number[], crops: number[][]): Tensor {
  blockArgs('batchToSpaceND', x, blockShape, crops);
  const m = blockShape.length, blocks = blockShape.reduce((a, b) => a * b, 1);
  if (x.shape[0] % blocks !== 0) throw new WasmgradError(msg`batchToSpaceND: batch ${x.shape[0]} is not a multiple of the block size ${blocks}`);
  const batch = x.shape[0] / blocks, spatial = x.shape.slice(1, m + 1), rest = x.shape.slice(m + 1);
  return tidy(() => {
    const split = ops.reshape(x, [...blockShape, batch, ...spatial, ...rest]);
    const perm = [m, ...spatial.flatMap((_, i) => [m + 1 + i, i]), ...rest.map((_, i) => 2 * m + 1 + i)];
    const full = ops.reshape(ops.transpose(split, perm), [batch, ...spatial.map((s, i) => s * blockShape[i]), ...rest]);
    const begin = [0, ...crops.map((c) => c[0]), ...rest.map(() => 0)];
    const size = [batch, ...spatial.map((s, i) => s * blockShape[i] - crops[i][0] - crops[i][1]), ...rest];
    return ops.slice(full, begin, size);
  });
}

type SaveFn = (tensors: Tensor[]) => void;
type CustomGradFn = (...args: (Tensor | SaveFn)[]) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] };

/**
 * f with the gradient gradFunc gives: f(...inputs, save) returns { value, gradFunc(dy, saved) };
 * the forward runs without recording, and gradFunc supplies one gradient per input.
 */
export function customGrad(f: CustomGradFn): (...inputs: Tensor[]) => Tensor {
  if (typeof f !== 'function') throw new WasmgradError('customGrad: expected a function');
  return (...inputs: Tensor[]) => {
    inputs.forEach((t, i) => checkTensor(t, 'customGrad', `inputs[${i}]`));
    let saved: Tensor[] = [];
    const save: SaveFn = (ts) => {
      if (!Array.isArray(ts) || !ts.every((t) => t instanceof Tensor)) throw new WasmgradError('customGrad: save() takes an array of tensors');
      saved = ts;
    };
    const result = noGrad(() => f(...inputs, save));
    if (!result || !(result.value instanceof Tensor) || typeof result.gradFunc !== 'function') {
      throw new WasmgradError('customGrad: f must return { value: Tensor, gradFunc: (dy, saved) => gradients }');
    }
    const value = inputs.includes(result.value) ? ops.clone(result.value) : result.value;
    record('customGrad', inputs, value, ([dy]) => {
      const g = result.gradFunc(dy, saved);
      const list = Array.isArray(g) ? g : [g];
      if (list.length !== inputs.length) throw new WasmgradError(msg`customGrad: gradFunc gave ${list.length} gradients for ${inputs.length} inputs`);
      return list;
    }, saved);
    return value;
  };
}
