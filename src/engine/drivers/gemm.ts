// GEMM (assembly/gemm.ts): output tiles, the thread split and the fused epilogue.
import { WasmgradError, msg } from '../../errors.js';
import { Tensor, derivedBlock, holdsWeights } from '../../tensor.js';
import { engine } from '../state.js';
import { DIRECT_PARALLEL, GEMM_PARALLEL_FLOPS, roundUp } from './common.js';
import { unaryGrad } from './elementwise.js';
import { ACT, A_KIND, MR, NR, MC, NC, KC, GEMV_COLUMNS } from '../abi.js';

export { ACT };

/** Activations a GEMM epilogue can fuse. */
export type FusedActivation = keyof typeof ACT;

/** Products with fewer rows than this stream B in place instead of packing it (gemv_f32). */
const GEMV_MAX_M = MR;
/**
 * A small-M product is memory-bound and short (a [1,784]x[784,256] product takes about 10 us):
 * below this many flops it stays on the calling thread.
 */
const GEMV_PARALLEL_FLOPS = 1 << 20;
/** Products of weights with at least this many rows read B from the weights' kept packed copy. */
const PACKED_MIN_M = GEMV_MAX_M;

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

/**
 * How a GEMM reads its operands and finishes C = op(A) op(B) (+ C) (+ bias) then act. Each operand
 * may be a block of a larger tensor: it starts `offset` elements in and its rows are `ld` elements
 * apart (default: packed rows of the block as stored, [m, k] or [k, m] for A when transA).
 */
export interface GemmSpec {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** C += op(A) op(B) instead of C = ... */
  accumulate?: boolean;
  /** n floats added to every row of C, or none. */
  bias?: Tensor | null;
  act?: FusedActivation;
  offsetA?: number;
  offsetB?: number;
  offsetC?: number;
  lda?: number;
  ldb?: number;
  ldc?: number;
}

/** The byte-offset form of a GEMM, for other drivers that already hold pointers. */
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
  accumulate?: boolean;
  /** Byte offset of a bias of n floats added to every row, 0 for none. */
  bias?: number;
  act?: FusedActivation;
}

/** Raises unless a rows x cols block at `offset` with row stride ld lies inside t. */
function checkBlock(name: string, t: Tensor, offset: number, rows: number, cols: number, ld: number): void {
  if (offset < 0 || ld < cols || offset + (rows - 1) * ld + cols > t.size) {
    throw new WasmgradError(msg`gemm: a ${rows}x${cols} block of ${name} at element ${offset} with row stride ${ld} does not fit in its ${t.size} elements`);
  }
}

/** C = op(A) op(B) (+ C) (+ bias) then act on tensors (blocks of them per spec); m, n, k >= 1. */
export function gemm(a: Tensor, b: Tensor, c: Tensor, spec: GemmSpec): void;
/** The same on byte offsets (for drivers). */
export function gemm(call: GemmCall): void;
export function gemm(x: Tensor | GemmCall, b?: Tensor, c?: Tensor, spec?: GemmSpec): void {
  if (!(x instanceof Tensor)) {
    const g = x;
    const lda = g.lda ?? (g.transA ? g.m : g.k);
    const ldb = g.ldb ?? (g.transB ? g.k : g.n);
    run(g.a, g.b, g.c, g.m, g.n, g.k, lda, ldb, g.ldc ?? g.n, !!g.transA, !!g.transB, !!g.accumulate, g.bias ?? 0, g.act ?? 'linear');
    return;
  }
  const s = spec!;
  const { m, n, k } = s;
  if (!(m >= 1 && n >= 1 && k >= 1)) throw new WasmgradError(msg`gemm: m, n and k must be at least 1, got ${m}, ${n}, ${k}`);
  const transA = !!s.transA, transB = !!s.transB;
  const lda = s.lda ?? (transA ? m : k);
  const ldb = s.ldb ?? (transB ? k : n);
  const ldc = s.ldc ?? n;
  const offA = s.offsetA ?? 0, offB = s.offsetB ?? 0, offC = s.offsetC ?? 0;
  checkBlock('A', x, offA, transA ? k : m, transA ? m : k, lda);
  checkBlock('B', b!, offB, transB ? n : k, transB ? k : n, ldb);
  checkBlock('C', c!, offC, m, n, ldc);
  if (s.bias) checkBlock('the bias', s.bias, 0, 1, n, n);
  if (holdsWeights(b!) && m >= PACKED_MIN_M) {
    // weights: B packed once and kept until they are written (same bits as packing per tile)
    const packed = packedWeights(b!, offB, ldb, transB, k, n, 'gemm');
    runPackedB(
      x.readPtr('gemm') + offA * 4, lda, transA, packed, c!.ptr('gemm') + offC * 4, ldc, m, n, k,
      !!s.accumulate, s.bias ? s.bias.readPtr('gemm') : 0, s.act ?? 'linear',
    );
    return;
  }
  run(
    // A, B and the bias are only read (readPtr keeps B's packed copy valid)
    x.readPtr('gemm') + offA * 4, b!.readPtr('gemm') + offB * 4, c!.ptr('gemm') + offC * 4, m, n, k, lda, ldb, ldc,
    transA, transB, !!s.accumulate, s.bias ? s.bias.readPtr('gemm') : 0, s.act ?? 'linear',
  );
}

function run(
  a: number, b: number, c: number, m: number, n: number, k: number, lda: number, ldb: number, ldc: number,
  transA: boolean, transB: boolean, accumulate: boolean, bias: number, act: FusedActivation,
): void {
  const e = engine();
  if (m < GEMV_MAX_M && !transB) {
    // B streamed in place (assembly/gemv.ts), the same bits as the packed kernel; split over
    // columns when threaded.
    const gemvParallel = 2 * m * n * k >= GEMV_PARALLEL_FLOPS && e.pool.threadCount > 1;
    const cols = gemvParallel ? roundUp(Math.ceil(n / e.pool.threadCount), GEMV_COLUMNS) : roundUp(n, GEMV_COLUMNS);
    e.parallel('gemv_f32', [a, b, c, m, n, k, lda, ldb, ldc, transA ? 1 : 0, accumulate ? 1 : 0, bias, ACT[act], cols], Math.ceil(n / cols), gemvParallel);
    return;
  }
  const parallel = 2 * m * n * k >= GEMM_PARALLEL_FLOPS;
  const { tileM, tileN, tasks } = gemmTiles(m, n, parallel ? e.pool.threadCount : 1);
  e.parallel(
    'gemm_f32',
    [a, b, c, m, n, k, lda, ldb, ldc, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0, bias, ACT[act], tileM, tileN],
    tasks,
    parallel,
  );
}

/**
 * C = op(A) B (+ C) (+ bias) then act with B already packed by packB (gemm_conv_f32 with bPacked),
 * on gemm_f32's tiles.
 */
export function runPackedB(
  a: number, lda: number, transA: boolean, packed: number, c: number, ldc: number, m: number, n: number, k: number,
  accumulate: boolean, bias: number, act: FusedActivation,
): void {
  const e = engine();
  const parallel = 2 * m * n * k >= GEMM_PARALLEL_FLOPS;
  const { tileM, tileN, tasks } = gemmTiles(m, n, parallel ? e.pool.threadCount : 1);
  e.parallel(
    'gemm_conv_f32',
    [
      A_KIND.matrix, a, lda, transA ? 1 : 0, 0, packed, 0, 0, 1,
      c, m, n, k, ldc, accumulate ? 1 : 0, bias, ACT[act], tileM, tileN,
    ],
    tasks,
    parallel,
  );
}

/**
 * op(B) [k, n] of a weights tensor b (the block at element `offset`, row stride ldb) packed by
 * packB, kept with b's storage and repacked only after b may have been written: its byte offset.
 */
export function packedWeights(b: Tensor, offset: number, ldb: number, transB: boolean, k: number, n: number, op: string): number {
  const key = `gemm ${offset} ${ldb} ${transB ? 1 : 0} ${k} ${n}`;
  return derivedBlock(b, key, packedFloats(k, n) * 4, (dst, src) => packB(src + offset * 4, ldb, transB, k, n, dst), op);
}

/**
 * dz = dy where out > 0, else 0: the gradient through a fused relu epilogue, read from the output
 * (z > 0 exactly where relu(z) > 0). dz may be dy.
 */
export function reluGradFromOutput(out: Tensor, dy: Tensor, dz: Tensor): void {
  unaryGrad('relu', out, out, dy, dz);
}

/** Floats of op(B) [k, n] packed into KC-row blocks of NR-column panels (assembly/gemm.ts). */
export function packedFloats(k: number, n: number): number {
  return k * roundUp(n, NR);
}

/**
 * Packs op(B) [k, n] (B with row stride ldb, transposed when transB) into KC-row blocks of
 * NR-column panels, the layout gemm_conv_f32 reads with bPacked; a copy, so split over threads only
 * above `minParallel` elements. Byte offsets: for the convolution and recurrent drivers.
 */
export function packB(b: number, ldb: number, transB: boolean, k: number, n: number, dst: number, minParallel = DIRECT_PARALLEL): void {
  engine().parallel('pack_b_f32', [b, ldb, transB ? 1 : 0, k, n, dst], Math.ceil(k / KC), k * n >= minParallel);
}
