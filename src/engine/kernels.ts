// The typed layer between ops (tensors and shapes) and kernels (pointers and counts): each function
// here picks tile sizes and thread splits and calls one kernel family of assembly/.
import { engine } from './state.js';

/** Activations a GEMM epilogue can fuse (assembly/common.ts). */
export const ACT = { linear: 0, relu: 1 } as const;
export type FusedActivation = keyof typeof ACT;

// Must match assembly/gemm.ts.
const MR = 4;
const NR = 8;
const MC = 192;
const NC = 1024;
/** Below this many flops a GEMM stays on the calling thread: dispatch would cost more than it saves. */
const GEMM_PARALLEL_FLOPS = 1 << 18;

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/**
 * Output tiles for `threads` threads: whole row blocks by default, so that B panels are packed once
 * per tile; the count of tiles is made a multiple of the thread count where the rows allow, and
 * columns are split when there are too few rows.
 */
export function gemmTiles(m: number, n: number, threads: number): { tileM: number; tileN: number; tasks: number } {
  let tileN = Math.min(NC, roundUp(n, NR));
  let tilesN = Math.ceil(n / tileN);
  let splitM = 1;
  if (threads > 1) {
    splitM = Math.ceil(m / MC);
    const maxSplitM = Math.ceil(m / MR);
    while ((splitM * tilesN) % threads !== 0 && splitM < maxSplitM) splitM++;
    if (splitM * tilesN < threads) {
      tileN = roundUp(Math.ceil(n / Math.ceil(threads / splitM)), NR);
      tilesN = Math.ceil(n / tileN);
    }
  }
  const tileM = roundUp(Math.ceil(m / splitM), MR);
  return { tileM, tileN, tasks: Math.ceil(m / tileM) * tilesN };
}

export interface GemmCall {
  /** Byte offsets of A, B and C. */
  a: number;
  b: number;
  c: number;
  m: number;
  n: number;
  k: number;
  /** Row strides in elements (defaults: packed rows of op's stored shape). */
  lda?: number;
  ldb?: number;
  ldc?: number;
  transA?: boolean;
  transB?: boolean;
  /** C += op(A) op(B) instead of C = ... */
  accumulate?: boolean;
  /** Byte offset of a bias of n floats added to every row, 0 for none. */
  bias?: number;
  act?: FusedActivation;
}

/** C = op(A) op(B) (+ C) (+ bias) then act; m, n, k >= 1. */
export function gemm(g: GemmCall): void {
  const e = engine();
  const { m, n, k } = g;
  const lda = g.lda ?? (g.transA ? m : k);
  const ldb = g.ldb ?? (g.transB ? k : n);
  const ldc = g.ldc ?? n;
  const parallel = 2 * m * n * k >= GEMM_PARALLEL_FLOPS;
  const { tileM, tileN, tasks } = gemmTiles(m, n, parallel ? e.pool.threadCount : 1);
  e.parallel(
    'gemm_f32',
    [g.a, g.b, g.c, m, n, k, lda, ldb, ldc, g.transA ? 1 : 0, g.transB ? 1 : 0, g.accumulate ? 1 : 0, g.bias ?? 0, ACT[g.act ?? 'linear'], tileM, tileN],
    tasks,
    parallel,
  );
}

// ---------------------------------------------------------------------------------------------
// Broadcasting binary ops (assembly/binary.ts)

export const BIN = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, squaredDifference: 6, greaterEqual: 7, lessEqual: 8, equal: 9, copy: 10,
} as const;
export type BinaryOp = keyof typeof BIN;

/** Elementwise work below this stays on the calling thread. */
const ELEMENTWISE_PARALLEL = 1 << 16;
/** Must match assembly/binary.ts: each row of a binary op is split into tasks of this many elements. */
const BINARY_CHUNK = 8192;

/** Element strides of a tensor of shape `shape` read in the broadcast space `out` (0 on broadcast dims). */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const strides = new Array(out.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1, j = out.length - 1; i >= 0; i--, j--) {
    strides[j] = shape[i] === 1 && out[j] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Drops unit dimensions and merges neighbours that both inputs walk contiguously (or both
 * broadcast), so most broadcasts become 1 to 3 dimensions.
 */
export function collapseBroadcast(out: readonly number[], inputs: readonly (readonly number[])[]) {
  const all = inputs.map((shape) => broadcastStrides(shape, out));
  const dims: number[] = [];
  const strides: number[][] = inputs.map(() => []);
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const last = dims.length - 1;
    const mergeable = last >= 0 && all.every((st, k) => strides[k][last] === st[d] * out[d]);
    if (mergeable) {
      dims[last] *= out[d];
      all.forEach((st, k) => (strides[k][last] = st[d]));
    } else {
      dims.push(out[d]);
      all.forEach((st, k) => strides[k].push(st[d]));
    }
  }
  return { dims, strides };
}

/** out = op(a, b) with NumPy broadcasting into outShape; pointers are byte offsets. */
export function binary(op: BinaryOp, a: number, aShape: readonly number[], b: number, bShape: readonly number[], out: number, outShape: readonly number[]): void {
  const e = engine();
  const { dims, strides } = collapseBroadcast(outShape, [aShape, bShape]);
  const [sa, sb] = strides;
  // Up to 4 dimensions go to the kernel at once; a higher rank loops over the leading ones here.
  while (dims.length < 4) {
    dims.unshift(1);
    sa.unshift(0);
    sb.unshift(0);
  }
  const lead = dims.length - 4;
  const leadDims = dims.slice(0, lead);
  const [d0, d1, d2, d3] = dims.slice(lead);
  const rows = d0 * d1 * d2;
  const block = rows * d3;
  const parallel = block >= ELEMENTWISE_PARALLEL;
  const count = leadDims.reduce((x, y) => x * y, 1);
  for (let i = 0; i < count; i++) {
    let ao = 0, bo = 0, rem = i;
    for (let d = lead - 1; d >= 0; d--) {
      const idx = rem % leadDims[d];
      rem = Math.floor(rem / leadDims[d]);
      ao += idx * sa[d];
      bo += idx * sb[d];
    }
    e.parallel(
      'binary_f32',
      [BIN[op], a + ao * 4, b + bo * 4, out + i * block * 4, d1, d2, d3, ...sa.slice(lead), ...sb.slice(lead)],
      rows * Math.ceil(d3 / BINARY_CHUNK),
      parallel,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions (assembly/reduce.ts)

export const RED = { sum: 0, max: 1, min: 2 } as const;
export type ReduceOp = keyof typeof RED;
const REDUCE_CHUNK = 256;

/** y[outer, inner] = reduce over r of x[outer, r, inner]; sums are scaled by `scale`. */
export function reduce(op: ReduceOp, x: number, y: number, outer: number, r: number, inner: number, scale = 1): void {
  const tasks = inner === 1 ? outer : outer * Math.ceil(inner / REDUCE_CHUNK);
  engine().parallel('reduce_f32', [RED[op], x, y, r, inner, scale], tasks, outer * r * inner >= ELEMENTWISE_PARALLEL);
}

/** y[outer, inner] (int32) = index of the first max (or min) along r. */
export function argReduce(isMin: boolean, x: number, y: number, outer: number, r: number, inner: number): void {
  engine().parallel('argreduce_f32', [isMin ? 1 : 0, x, y, r, inner], outer * inner, outer * r * inner >= ELEMENTWISE_PARALLEL);
}

/** Copies n bytes inside the memory. */
export function copyBytes(dst: number, src: number, n: number): void {
  if (n > 0) engine().u8.copyWithin(dst, src, src + n);
}

// ---------------------------------------------------------------------------------------------
// Unary ops and their gradients (assembly/unary.ts)

export const UNARY = {
  neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, square: 5, relu: 6, leakyRelu: 7, elu: 8, selu: 9, gelu: 10,
  sigmoid: 11, tanh: 12, softplus: 13, swish: 14, powInt: 15, pow: 16, clip: 17, affine: 18, reciprocal: 19,
  rsqrt: 20, log1p: 21, expm1: 22,
} as const;
export type UnaryOp = keyof typeof UNARY;
const UNARY_CHUNK = 4096;

/** y = f(x) over n floats (y may be x). */
export function unary(op: UnaryOp, x: number, y: number, n: number, p1 = 0, p2 = 0): void {
  engine().parallel('unary_f32', [UNARY[op], x, y, n, p1, p2], Math.ceil(n / UNARY_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

/** dx = dy * f'(x, y) over n floats (dx may be dy). */
export function unaryGrad(op: UnaryOp, x: number, y: number, dy: number, dx: number, n: number, p1 = 0, p2 = 0): void {
  engine().parallel('unary_grad_f32', [UNARY[op], x, y, dy, dx, n, p1, p2], Math.ceil(n / UNARY_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

// ---------------------------------------------------------------------------------------------
// Data movement (assembly/copy.ts)

/**
 * dst = src (or dst += src) over `dims`, each side walking its own element strides; dims of any
 * rank (collapsed where both sides are contiguous, leading ones looped here).
 */
export function stridedCopy(src: number, srcStrides: readonly number[], dst: number, dstStrides: readonly number[], dims: readonly number[], accumulate = false): void {
  const e = engine();
  // merge neighbours that both sides walk contiguously; drop unit dims
  const d: number[] = [], ss: number[] = [], ds: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const l = d.length - 1;
    if (l >= 0 && ss[l] === srcStrides[i] * dims[i] && ds[l] === dstStrides[i] * dims[i]) {
      d[l] *= dims[i];
      ss[l] = srcStrides[i];
      ds[l] = dstStrides[i];
    } else {
      d.push(dims[i]);
      ss.push(srcStrides[i]);
      ds.push(dstStrides[i]);
    }
  }
  while (d.length < 4) {
    d.unshift(1);
    ss.unshift(0);
    ds.unshift(0);
  }
  const lead = d.length - 4;
  const count = d.slice(0, lead).reduce((a, b) => a * b, 1);
  const rows = d[lead] * d[lead + 1] * d[lead + 2];
  const parallel = rows * d[lead + 3] >= ELEMENTWISE_PARALLEL;
  for (let i = 0; i < count; i++) {
    let so = 0, dof = 0, rem = i;
    for (let k = lead - 1; k >= 0; k--) {
      const idx = rem % d[k];
      rem = Math.floor(rem / d[k]);
      so += idx * ss[k];
      dof += idx * ds[k];
    }
    e.parallel('strided_copy', [src + so * 4, dst + dof * 4, d[lead + 1], d[lead + 2], d[lead + 3], ...ss.slice(lead), ...ds.slice(lead), accumulate ? 1 : 0], rows, parallel);
  }
}

/** Row-major element strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function transpose2d(src: number, dst: number, rows: number, cols: number): void {
  engine().parallel('transpose2d', [src, dst, rows, cols], Math.ceil(cols / 32), rows * cols >= ELEMENTWISE_PARALLEL);
}

export function gatherRows(x: number, idx: number, out: number, outer: number, nIdx: number, axisLen: number, inner: number): void {
  engine().parallel('gather_rows', [x, idx, out, nIdx, axisLen, inner], outer * nIdx, outer * nIdx * inner >= ELEMENTWISE_PARALLEL);
}

export function scatterAddRows(dy: number, idx: number, dx: number, outer: number, nIdx: number, axisLen: number, inner: number): void {
  engine().parallel('scatter_add_rows', [dy, idx, dx, nIdx, axisLen, inner], outer, outer * nIdx * inner >= ELEMENTWISE_PARALLEL);
}

export function oneHotRows(idx: number, out: number, n: number, depth: number, on: number, off: number): void {
  engine().kernels.one_hot(idx, out, n, depth, on, off);
}

/** Index of the first NaN or infinity among n floats, or -1. */
export function findNonFinite(x: number, n: number): number {
  return engine().kernels.find_nonfinite(x, n) as number;
}

/** Fills n floats with a value. */
export function fillFloats(ptr: number, n: number, value: number): void {
  const p = ptr >> 2;
  engine().f32.fill(value, p, p + n);
}

// ---------------------------------------------------------------------------------------------
// Random numbers, dropout (assembly/random.ts) and softmax rows (assembly/softmax.ts)

const RANDOM_CHUNK = 4096;

function seedWords(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

export function randomUniform(out: number, n: number, seed: number, lo: number, hi: number): void {
  engine().parallel('random_uniform', [out, n, ...seedWords(seed), lo, hi], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

export function randomNormal(out: number, n: number, seed: number, mean: number, std: number, truncate = false): void {
  engine().parallel('random_normal', [out, n, ...seedWords(seed), mean, std, truncate ? 1 : 0], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL / 8);
}

/** out = x * scale where the seeded uniform u >= rate, else 0 (scale: 1 / (1 - rate), from the caller). */
export function dropoutMask(x: number, out: number, n: number, rate: number, scale: number, seed: number): void {
  engine().parallel('dropout_f32', [x, out, n, rate, scale, ...seedWords(seed)], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

export function softmaxRows(x: number, y: number, rows: number, n: number, isLog: boolean): void {
  engine().parallel('softmax_rows', [x, y, n, isLog ? 1 : 0], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
}

export function softmaxGradRows(y: number, dy: number, dx: number, rows: number, n: number, isLog: boolean): void {
  engine().parallel('softmax_grad_rows', [y, dy, dx, n, isLog ? 1 : 0], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
}
