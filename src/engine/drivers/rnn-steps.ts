// The step kernels of the recurrent driver (assembly/rnn-*.ts), on byte offsets: the forward of a
// whole sequence as one job (split by batch rows, or by units with a barrier per step), the
// backward's gate kernels split over batch rows, time-major layout copies, and the GEMM tiling of
// the backward's per-step products. Only rnn-forward.ts and rnn-backward.ts call these.
import { engine } from '../state.js';
import { ACT } from './gemm.js';
import { MR, NR, NC, type ParallelKernel, type ParallelKernelArgs } from '../abi.js';

// The backward's per-step loop makes two or three dispatches per step, each a barrier: a step's
// work is split over the threads only when it is large enough to pay for waking a worker that may
// have been descheduled (on a loaded machine a barrier costs up to a scheduler slice, not
// microseconds).
/** Below this many row elements a gate kernel stays on the calling thread. */
const ROWS_PARALLEL = 1 << 14;
/** Below this many flops a per-step GEMM stays on the calling thread. */
const STEP_GEMM_PARALLEL_FLOPS = 1 << 24;
/** Copies (layout, packing) are memory-bound: split only when large. */
const COPY_PARALLEL = 1 << 20;
/**
 * Below this many flops per step (2 B G u) a sequence split by units stays on the calling thread:
 * a step then takes under about 30 us, and a worker descheduled mid-step costs far more than it
 * saves (an LSTM of 128 units at batch 1 ran slower on 2 threads; of 256 units, 1.6x faster).
 */
const SEQUENCE_PARALLEL_FLOPS = 1 << 19;
/** Below this many flops in a whole sequence, its split by rows stays on the calling thread (one dispatch). */
const ROWS_PARALLEL_FLOPS = 1 << 20;
/**
 * Runs a row-split sequence kernel (forward or backward) over the B rows in blocks of MR, claimed
 * one block at a time (pool.ts run with a grain): a thread that starts late or runs on a slower core
 * takes fewer blocks. At one thread, running the blocks one call each measured the same as one call
 * for all (LSTM 128 at batch 32: 5.6 ms both).
 */
export function runRows<K extends ParallelKernel>(name: K, args: ParallelKernelArgs[K], B: number, parallel: boolean): void {
  engine().parallel(name, args, Math.ceil(B / MR), parallel, 1);
}
/** How a sequence splits over threads: by batch rows (no barrier), by units (a barrier per step), or chosen by its shape. */
export type SequenceSplit = 'rows' | 'units' | 'auto';
let forcedSplit: SequenceSplit = 'auto';

/** @internal For tests: forces a split ('auto' or omitted: by shape); a forced split ignores the flop thresholds. Returns the previous one. */
export function setSequenceSplit(split: SequenceSplit = 'auto'): SequenceSplit {
  const previous = forcedSplit;
  forcedSplit = split;
  return previous;
}

/**
 * By rows when every thread gets a block of MR rows (a row's steps read only its own state: no
 * barrier, and each thread keeps its rows' states in its own cache; measured faster than by units
 * from 2 blocks on 2 threads, at 128 and 512 units); by units when the batch is too small to share
 * and a step is large; otherwise rows on the calling thread. rowsOnly: the reset-before GRU (its
 * candidate's GEMM reads r * hd of every unit).
 * @internal exported for tests
 */
export function chooseSplit(B: number, T: number, u: number, gates: number, rowsOnly = false): SequencePlan {
  const threads = engine().pool.threadCount;
  const stepFlops = 2 * B * gates * u * u;
  if (forcedSplit !== 'auto') return { split: rowsOnly ? 'rows' : forcedSplit, parallel: true };
  if (threads > 1 && Math.ceil(B / MR) >= threads && stepFlops * T >= ROWS_PARALLEL_FLOPS) return { split: 'rows', parallel: true };
  if (!rowsOnly && threads > 1 && stepFlops >= SEQUENCE_PARALLEL_FLOPS) return { split: 'units', parallel: true };
  return { split: 'rows', parallel: false };
}

function rows<K extends ParallelKernel>(name: K, args: ParallelKernelArgs[K], B: number, u: number): void {
  engine().parallel(name, args, B, B > 1 && B * u >= ROWS_PARALLEL);
}

export interface StepGemm {
  /** A [m, k], row stride lda (default k). */
  a: number;
  lda?: number;
  /** op(B) [k, n] packed by packB. */
  packed: number;
  c: number;
  m: number;
  n: number;
  k: number;
  ldc?: number;
  accumulate?: boolean;
  bias?: number;
}

/**
 * A GEMM with few rows (a batch of states) against a weight packed once per sequence: one tile
 * row, columns split over the threads. Same bits as any other tiling (assembly/gemm.ts).
 */
export function stepGemm(g: StepGemm): void {
  const e = engine();
  const { m, n, k } = g;
  const parallel = 2 * m * n * k >= STEP_GEMM_PARALLEL_FLOPS;
  const threads = parallel ? e.pool.threadCount : 1;
  const tileM = Math.ceil(m / MR) * MR;
  const tileN = Math.min(NC, Math.ceil(Math.ceil(n / threads) / NR) * NR);
  e.parallel(
    'gemm_conv_f32',
    [0, g.a, g.lda ?? k, 0, 0, g.packed, 0, 0, 1, g.c, m, n, k, g.ldc ?? n, g.accumulate ? 1 : 0, g.bias ?? 0, ACT.linear, tileM, tileN],
    Math.ceil(n / tileN),
    parallel,
  );
}

/** The buffers of a whole sequence run by a stepped kernel (byte offsets, 0 where absent). */
export interface SequenceBuffers {
  /** [T, B, G]: x W + b, gets the activated gates. */
  z: number;
  /** Reset-after GRU: [T, B, G], hd U + b_rec of every step. */
  rec: number;
  /** Reset-before GRU: [T, B, u], r * hd of every step. */
  rh: number;
  /** [T + 1, B, u]: states (c: LSTM only). */
  h: number;
  c: number;
  /** [T, B, u] states after recurrent dropout (hd[0] filled), and the dropout mask [B, u]. */
  hd: number;
  rmask: number;
  /** [T, B] float mask, outputs [T, B, u] kept apart from h, a zero [B, u] block. */
  mask: number;
  o: number;
  zrow: number;
  zeroOut: boolean;
  /** U [u, G] packed gate by gate (packedFloats(u, u) floats each; the reset-before GRU: its z and r gates). */
  packed: number;
  /** Reset-before GRU: U's candidate gate, packed. */
  packedH: number;
  /** Reset-after GRU: b_rec [G]. */
  biasRec: number;
  /**
   * Split by rows: the input projection runs inside the job, each thread for its own rows (z is
   * then written and read by the same core): step s of row b of the input at float b xRow + s xStep
   * from x, W [inputSize, G] packed gate by gate, the input bias (0: none). x 0: z already holds
   * x W + b.
   */
  x: number;
  xRow: number;
  xStep: number;
  inputSize: number;
  packedW: number;
  bias: number;
}

/** How a sequence runs (chooseSplit). */
export interface SequencePlan {
  split: 'rows' | 'units';
  parallel: boolean;
}

/**
 * Every step of an LSTM, GRU (either form) or SimpleRNN sequence in one job (assembly/rnn-seq.ts):
 * threads own blocks of batch rows and run all their steps, or, for small batches, blocks of NR
 * units with a barrier between steps (the reset-before GRU splits by rows only: its candidate's
 * GEMM reads r * hd of every unit). The same bits as one GEMM and one cell kernel per step, for any
 * thread count and either split.
 */
export function runSequence(cell: 'lstm' | 'gru' | 'gruResetBefore' | 'simple', B: number, T: number, u: number, s: SequenceBuffers, a: number, ra: number, plan: SequencePlan): void {
  const e = engine();
  const { parallel } = plan;
  const z = s.zeroOut ? 1 : 0;
  if (plan.split === 'rows' || cell === 'gruResetBefore') {
    const proj = [s.x, s.xRow, s.xStep, s.inputSize, s.packedW, s.bias] as const;
    if (cell === 'lstm') runRows('lstm_rows_f32', [s.z, s.c, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, B, T, u, a, ra, ...proj], B, parallel);
    else if (cell === 'gru') runRows('gru_rows_f32', [s.z, s.rec, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, s.biasRec, B, T, u, a, ra, ...proj], B, parallel);
    else if (cell === 'gruResetBefore') runRows('gru_reset_before_rows_f32', [s.z, s.rh, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, s.packedH, B, T, u, a, ra, ...proj], B, parallel);
    else runRows('rnn_rows_f32', [s.z, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, B, T, u, a, ...proj], B, parallel);
    return;
  }
  const tasks = Math.ceil(u / NR);
  if (cell === 'lstm') e.parallelSteps('lstm_steps_f32', [s.z, s.c, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, B, T, u, a, ra], tasks, T, parallel);
  else if (cell === 'gru') e.parallelSteps('gru_steps_f32', [s.z, s.rec, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, s.biasRec, B, T, u, a, ra], tasks, T, parallel);
  else e.parallelSteps('rnn_steps_f32', [s.z, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, B, T, u, a], tasks, T, parallel);
}

/** [B, T, F] <-> [T, B, F] (toTimeMajor: from batch-major), time reversed when reverse. */
export function seqCopy(src: number, dst: number, B: number, T: number, F: number, toTimeMajor: boolean, reverse: boolean): void {
  engine().parallel('rnn_seq_copy', [src, dst, B, T, F, toTimeMajor ? 1 : 0, reverse ? 1 : 0], T, B * T * F >= COPY_PARALLEL);
}

/** Pointers of the backward state of a step (see assembly/rnn-shared.ts): P, Q, carry, dO (0 where absent). */
export interface BackIO {
  P: number;
  Q: number;
  rmask: number;
  dO: number;
  carry: number;
  mask: number;
  zeroOut: boolean;
}

export function lstmStepBack(B: number, u: number, gates: number, cPrev: number, cCur: number, dc: number, io: BackIO, writeQ: boolean, dZ: number, a: number, ra: number): void {
  rows('lstm_step_back_f32', [gates, cPrev, cCur, dc, io.P, io.Q, io.rmask, io.dO, io.carry, io.mask, io.zeroOut ? 1 : 0, writeQ ? 1 : 0, dZ, u, a, ra], B, u);
}

export function gruStepBack(B: number, u: number, gates: number, rec: number, hdPrev: number, io: BackIO, dXp: number, dR: number, a: number, ra: number): void {
  rows('gru_step_back_f32', [gates, rec, hdPrev, io.P, io.Q, io.rmask, io.dO, io.carry, io.mask, io.zeroOut ? 1 : 0, dXp, dR, u, a, ra], B, u);
}

export function rnnStepBack(B: number, u: number, h: number, io: BackIO, writeQ: boolean, dZ: number, a: number): void {
  rows('rnn_step_back_f32', [h, io.P, io.Q, io.rmask, io.dO, io.carry, io.mask, io.zeroOut ? 1 : 0, writeQ ? 1 : 0, dZ, u, a], B, u);
}
