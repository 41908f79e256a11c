// GEMM (assembly/gemm.ts): output tiles, the thread split and the fused epilogue.
import { engine } from '../state.js';
import { DIRECT_PARALLEL, GEMM_PARALLEL_FLOPS, roundUp } from './common.js';
import { ACT, MR, NR, MC, NC, KC } from '../abi.js';

export { ACT };

/** Activations a GEMM epilogue can fuse. */
export type FusedActivation = keyof typeof ACT;

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

/** Floats of op(B) [k, n] packed into KC-row blocks of NR-column panels (assembly/gemm.ts). */
export function packedFloats(k: number, n: number): number {
  return k * roundUp(n, NR);
}

/**
 * Packs op(B) [k, n] (B with row stride ldb, transposed when transB) into KC-row blocks of
 * NR-column panels, the layout gemm_conv_f32 reads with bPacked; a copy, so split over threads only
 * above `minParallel` elements.
 */
export function packB(b: number, ldb: number, transB: boolean, k: number, n: number, dst: number, minParallel = DIRECT_PARALLEL): void {
  engine().parallel('pack_b_f32', [b, ldb, transB ? 1 : 0, k, n, dst], Math.ceil(k / KC), k * n >= minParallel);
}
