// The recurrent driver's vocabulary: what a sequence op tells the driver (RnnSequence), the tensors
// it passes (weights, outputs, gradients) and the workspace the forward fills for the backward.
// The time loops are in rnn-forward.ts and rnn-backward.ts, the step kernels in rnn-steps.ts.
import type { Tensor } from '../../tensor.js';
import { WasmgradError, msg } from '../../errors.js';
import { RNN_ACT } from '../abi.js';

/** Activation ids of the fused cells (RA_* of assembly/abi.ts). A Map: names are looked up as own keys only. */
const ACTIVATION_IDS: ReadonlyMap<string, number> = new Map(Object.entries(RNN_ACT));
export type RnnActivation = keyof typeof RNN_ACT;
/** The activations the fused cells know, in id order. */
export const RNN_ACTIVATIONS: readonly RnnActivation[] = [...ACTIVATION_IDS.keys()] as RnnActivation[];

export function isRnnActivation(name: unknown): name is RnnActivation {
  return typeof name === 'string' && ACTIVATION_IDS.has(name);
}

/** The kernel id of an activation (validated by the op; an unknown name here is a bug). */
export function activationId(name: RnnActivation): number {
  const id = ACTIVATION_IDS.get(name);
  if (id === undefined) throw new WasmgradError(msg`recurrent driver: unknown activation '${String(name)}'; expected one of ${RNN_ACTIVATIONS.join(', ')}`);
  return id;
}

export type RnnCellKind = 'lstm' | 'gru' | 'simple';

/** One recurrent sequence: its cell, dimensions and options (validated by the op). */
export interface RnnSequence {
  /** The op's name, for errors. */
  op: string;
  cell: RnnCellKind;
  /** GRU only: Keras/cuDNN form, the reset gate multiplies (h U_h + b_rh); bias [2, 3u]. */
  resetAfter: boolean;
  batch: number;
  steps: number;
  inputSize: number;
  units: number;
  activation: RnnActivation;
  recurrentActivation: RnnActivation;
  goBackwards: boolean;
  returnSequences: boolean;
  /** The output sequence reversed from processing order (Bidirectional's backward half). */
  reverseOutput: boolean;
  /** Masked steps output zeros instead of repeating the previous output. */
  zeroOutputForMask: boolean;
  /** [batch, steps] batch-major, 0 marks a padded step; null: none. */
  mask: ArrayLike<number> | null;
}

/** The op's inputs: x [B, T, in], kernel [in, G], recurrentKernel [u, G], bias [G] or [2, G]. */
export interface RnnInputs {
  x: Tensor;
  kernel: Tensor;
  recurrentKernel: Tensor;
  bias: Tensor | null;
  h0: Tensor | null;
  c0: Tensor | null;
  /** [B, u] recurrent dropout mask, the same at every step (a constant). */
  recurrentMask: Tensor | null;
}

/** The op's outputs, allocated by the op: y [B, T, u] or [B, u], hT [B, u], cT [B, u] (LSTM); null: not wanted (an inference plan's). */
export interface RnnOutputs {
  y: Tensor;
  hT: Tensor | null;
  cT: Tensor | null;
}

/**
 * What the forward keeps for the backward, all time-major in processing order (reversed for
 * goBackwards) so that step s is one contiguous [B, *] block.
 */
export interface RnnWorkspace {
  /** x as [T, B, in] (x itself when already in that layout); null when the forward read x as it is (split by rows): the backward lays it out. */
  xt: Tensor | null;
  /** [T, B, G]: the gate pre-activations, activated in place by the cells. */
  gates: Tensor;
  /** [T + 1, B, u]: the initial state and the state after every step. */
  h: Tensor;
  /** LSTM: [T + 1, B, u], the cell states likewise. */
  c: Tensor | null;
  /** With recurrent dropout: [T, B, u], the state each step's recurrent GEMM read (h * mask). */
  hd: Tensor | null;
  /** Reset-after GRU: [T, B, G], hd U + b_rec of every step. */
  rec: Tensor | null;
  /** Reset-before GRU: [T, B, u], r * hd of every step. */
  rh: Tensor | null;
  /** [T, B] float mask (1 keeps, 0 masks), or null when no step is masked. */
  mask: Tensor | null;
  /** The tensors above made by the forward, for the tape to hold (x is the op's input). */
  saved: Tensor[];
}

/** The gradients reaching the op's outputs. */
export interface RnnOutputGrads {
  dy: Tensor;
  dhT: Tensor;
  dcT: Tensor | null;
}

/** Gradient tensors to fill, allocated by the op for the inputs it needs (null: not needed). */
export interface RnnGradients {
  x: Tensor | null;
  kernel: Tensor | null;
  recurrentKernel: Tensor | null;
  bias: Tensor | null;
  h0: Tensor | null;
  c0: Tensor | null;
}

/** The cell as the kernels see it: the reset-before GRU runs other kernels. */
export type CellKernels = 'lstm' | 'gru' | 'gruResetBefore' | 'simple';

export function cellKernels(seq: RnnSequence): CellKernels {
  return seq.cell === 'gru' && !seq.resetAfter ? 'gruResetBefore' : seq.cell;
}

/** Gates per unit of a cell (4 for LSTM: i, f, c, o; 3 for GRU: z, r, h; 1 for SimpleRNN). */
export const GATES: Readonly<Record<RnnCellKind, number>> = { lstm: 4, gru: 3, simple: 1 };
