// The step kernels of the recurrent driver (assembly/rnn-*.ts), on byte offsets: the forward of a
// whole sequence as one stepped job, gate kernels split over batch rows (the backward, the
// reset-before GRU), time-major layout copies, and the GEMM tiling of the per-step products.
// Only rnn-forward.ts and rnn-backward.ts call these.
import { engine } from '../state.js';
import { ACT } from './gemm.js';
import { MR, NR, NC, type ParallelKernel, type ParallelKernelArgs } from '../abi.js';

// A per-step loop makes two or three dispatches per step, each a barrier: a step's work is split over
// the threads only when it is large enough to pay for waking a worker that may have been
// descheduled (on a loaded machine a barrier costs up to a scheduler slice, not microseconds).
/** Below this many row elements a gate kernel stays on the calling thread. */
const ROWS_PARALLEL = 1 << 14;
/** Below this many flops a per-step GEMM stays on the calling thread. */
const STEP_GEMM_PARALLEL_FLOPS = 1 << 24;
/** Copies (layout, packing) are memory-bound: split only when large. */
const COPY_PARALLEL = 1 << 20;
/**
 * Below this many flops per step (2 B G u) a stepped sequence stays on the calling thread: a step
 * then takes under about 30 us, and a worker descheduled mid-step costs far more than it saves
 * (an LSTM of 128 units at batch 1 ran slower on 2 threads; of 256 units, 1.6x faster).
 */
const SEQUENCE_PARALLEL_FLOPS = 1 << 19;
let sequenceParallelFlops = SEQUENCE_PARALLEL_FLOPS;

/** @internal For tests: the per-step flops from which a sequence splits over threads (default when omitted); returns the previous value. */
export function setSequenceParallelFlops(flops?: number): number {
  const previous = sequenceParallelFlops;
  sequenceParallelFlops = flops ?? SEQUENCE_PARALLEL_FLOPS;
  return previous;
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
  /** U [u, G] packed gate by gate (packedFloats(u, u) floats each). */
  packed: number;
  /** Reset-after GRU: b_rec [G]. */
  biasRec: number;
}

/**
 * Every step of an LSTM, reset-after GRU or SimpleRNN sequence in one stepped job: threads own
 * blocks of NR units and compute the recurrent GEMM columns of every gate for them, then their cell
 * update; a barrier between steps (assembly/rnn-seq.ts). Bitwise the same as one GEMM and one cell
 * kernel per step, for any thread count.
 */
export function runSequence(cell: 'lstm' | 'gru' | 'simple', B: number, T: number, u: number, gates: number, s: SequenceBuffers, a: number, ra: number): void {
  const e = engine();
  const tasks = Math.ceil(u / NR);
  const parallel = 2 * B * gates * u * u >= sequenceParallelFlops;
  const z = s.zeroOut ? 1 : 0;
  if (cell === 'lstm') e.parallelSteps('lstm_steps_f32', [s.z, s.c, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, B, T, u, a, ra], tasks, T, parallel);
  else if (cell === 'gru') e.parallelSteps('gru_steps_f32', [s.z, s.rec, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, s.biasRec, B, T, u, a, ra], tasks, T, parallel);
  else e.parallelSteps('rnn_steps_f32', [s.z, s.h, s.hd, s.rmask, s.mask, s.o, s.zrow, z, s.packed, B, T, u, a], tasks, T, parallel);
}

/** [B, T, F] <-> [T, B, F] (toTimeMajor: from batch-major), time reversed when reverse. */
export function seqCopy(src: number, dst: number, B: number, T: number, F: number, toTimeMajor: boolean, reverse: boolean): void {
  engine().parallel('rnn_seq_copy', [src, dst, B, T, F, toTimeMajor ? 1 : 0, reverse ? 1 : 0], T, B * T * F >= COPY_PARALLEL);
}

/** Pointers of the masking and dropout side of a step (0 where absent). */
export interface StepIO {
  rmask: number;
  hdOut: number;
  mask: number;
  oPrev: number;
  oOut: number;
  zeroOut: boolean;
}

export function gruGates(B: number, u: number, xp: number, hdPrev: number, rh: number, ra: number): void {
  rows('gru_gates_f32', [xp, hdPrev, rh, u, ra], B, u);
}

export function gruCand(B: number, u: number, xp: number, hdPrev: number, hPrev: number, hOut: number, io: StepIO, a: number): void {
  rows('gru_cand_f32', [xp, hdPrev, hPrev, hOut, io.rmask, io.hdOut, io.mask, io.oPrev, io.oOut, io.zeroOut ? 1 : 0, u, a], B, u);
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

export function gruCandBack(B: number, u: number, gates: number, hdPrev: number, io: BackIO, dZ: number, a: number, ra: number): void {
  rows('gru_cand_back_f32', [gates, hdPrev, io.P, io.Q, io.rmask, io.dO, io.carry, io.mask, io.zeroOut ? 1 : 0, dZ, u, a, ra], B, u);
}

export function gruGatesBack(B: number, u: number, gates: number, hdPrev: number, drh: number, Q: number, dZ: number, ra: number): void {
  rows('gru_gates_back_f32', [gates, hdPrev, drh, Q, dZ, u, ra], B, u);
}

export function rnnStepBack(B: number, u: number, h: number, io: BackIO, writeQ: boolean, dZ: number, a: number): void {
  rows('rnn_step_back_f32', [h, io.P, io.Q, io.rmask, io.dO, io.carry, io.mask, io.zeroOut ? 1 : 0, writeQ ? 1 : 0, dZ, u, a], B, u);
}
