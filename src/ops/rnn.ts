// Recurrent sequence ops: lstmSequence, gruSequence, simpleRNNSequence. Each runs a whole sequence
// as ONE op on the tape: validation here, the time loops (forward and backpropagation through time)
// in the recurrent driver (src/engine/drivers/rnn-forward.ts, rnn-backward.ts).
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { GATES, RNN_ACTIVATIONS, isRnnActivation, type RnnActivation, type RnnCellKind, type RnnGradients, type RnnInputs, type RnnSequence } from '../engine/drivers/rnn.js';
import { rnnForward } from '../engine/drivers/rnn-forward.js';
import { rnnBackward } from '../engine/drivers/rnn-backward.js';
import { checkFloat, checkTensor, newTensor } from './util.js';

export type { RnnActivation };

export interface SequenceOptions {
  /** Process the sequence from its last step to its first (Keras go_backwards). */
  goBackwards?: boolean;
  /** Output every step's output [B, T, u] (else the last one, [B, u]). */
  returnSequences?: boolean;
  /**
   * The output sequence reversed from processing order, as Bidirectional reverses its backward
   * half's (back to the input's time order when it goes backwards); by default it is in processing
   * order, as Keras returns it.
   */
  reverseOutput?: boolean;
  /** [B, T] (any dtype, or a flat batch-major array): 0 marks a padded step. */
  mask?: Tensor | ArrayLike<number> | null;
  /** Masked steps output zeros instead of repeating the previous output (Keras zero_output_for_mask). */
  zeroOutputForMask?: boolean;
  /** [B, u] recurrent dropout mask, the same at every step; a constant (no gradient). */
  recurrentMask?: Tensor | null;
  /** Default tanh. */
  activation?: RnnActivation;
  /** Gate activation (LSTM, GRU); default sigmoid. */
  recurrentActivation?: RnnActivation;
}

export interface GruOptions extends SequenceOptions {
  /** Keras/cuDNN form (default): r multiplies (h U_h + b_rh); bias is [2, 3u]. False: r multiplies h; bias [3u]. */
  resetAfter?: boolean;
}

/** LSTM over x [B, T, in]: returns [output, hT, cT]. kernel [in, 4u], recurrentKernel [u, 4u], bias [4u] (gates i, f, c, o). */
export function lstmSequence(
  x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions = {},
): [Tensor, Tensor, Tensor] {
  return runSequence('lstm', true, 'lstmSequence', x, kernel, recurrentKernel, bias, h0, c0, opts) as [Tensor, Tensor, Tensor];
}

/** GRU over x [B, T, in]: returns [output, hT]. kernel [in, 3u], recurrentKernel [u, 3u], bias [2, 3u] (resetAfter) or [3u]; gates z, r, h. */
export function gruSequence(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, h0: Tensor | null, opts: GruOptions = {}): [Tensor, Tensor] {
  return runSequence('gru', opts.resetAfter !== false, 'gruSequence', x, kernel, recurrentKernel, bias, h0, null, opts) as [Tensor, Tensor];
}

/** SimpleRNN over x [B, T, in]: returns [output, hT]. kernel [in, u], recurrentKernel [u, u], bias [u]. */
export function simpleRNNSequence(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, h0: Tensor | null, opts: SequenceOptions = {}): [Tensor, Tensor] {
  return runSequence('simple', true, 'simpleRNNSequence', x, kernel, recurrentKernel, bias, h0, null, opts) as [Tensor, Tensor];
}

/** An activation name, looked up as an own key only ('constructor' or 'toString' are not activations). */
function activationOf(name: unknown, fallback: RnnActivation, op: string, what: string): RnnActivation {
  const a = name ?? fallback;
  if (!isRnnActivation(a)) throw new WasmgradError(msg`${op}: unsupported ${what} '${String(a)}'; expected one of ${RNN_ACTIVATIONS.join(', ')}`);
  return a;
}

function checkShape(t: Tensor, shape: number[], op: string, what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new WasmgradError(msg`${op}: ${what} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
}

/** The mask's values, batch-major [B, T] (0: a padded step), or null. */
function maskValues(mask: SequenceOptions['mask'], B: number, T: number, op: string): ArrayLike<number> | null {
  if (mask === undefined || mask === null) return null;
  if (mask instanceof Tensor) {
    checkTensor(mask, op, 'mask');
    if (mask.size !== B * T || (mask.rank !== 2 && mask.rank !== 3)) {
      throw new WasmgradError(msg`${op}: mask must have shape [${B}, ${T}], got ${fmtShape(mask.shape)}`);
    }
    return mask.dataSync();
  }
  if (mask.length !== B * T) throw new WasmgradError(msg`${op}: mask must hold ${B}x${T} values, got ${mask.length}`);
  return mask;
}

function runSequence(
  cell: RnnCellKind, resetAfter: boolean, op: string, x: Tensor, W: Tensor, U: Tensor, bias: Tensor | null, h0: Tensor | null, c0: Tensor | null, o: SequenceOptions,
): Tensor[] {
  checkFloat(x, op, 'x');
  checkFloat(W, op, 'kernel');
  checkFloat(U, op, 'recurrentKernel');
  if (x.rank !== 3) throw new WasmgradError(msg`${op}: x must be [batch, time, features], got ${fmtShape(x.shape)}`);
  const [B, T, I] = x.shape;
  if (B < 1 || T < 1 || I < 1) throw new WasmgradError(msg`${op}: x ${fmtShape(x.shape)} needs at least one sample, step and feature`);
  if (U.rank !== 2) throw new WasmgradError(msg`${op}: recurrentKernel must be [units, gates], got ${fmtShape(U.shape)}`);
  const u = U.shape[0];
  const G = GATES[cell] * u;
  checkShape(U, [u, G], op, 'recurrentKernel');
  checkShape(W, [I, G], op, 'kernel');
  if (bias) checkShape(checkFloat(bias, op, 'bias'), cell === 'gru' && resetAfter ? [2, G] : [G], op, 'bias');
  if (h0) checkShape(checkFloat(h0, op, 'initial h'), [B, u], op, 'initial h');
  if (c0) checkShape(checkFloat(c0, op, 'initial c'), [B, u], op, 'initial c');
  const rm = o.recurrentMask ?? null;
  if (rm) checkShape(checkFloat(rm, op, 'recurrentMask'), [B, u], op, 'recurrentMask');
  const seq: RnnSequence = {
    op,
    cell,
    resetAfter,
    batch: B,
    steps: T,
    inputSize: I,
    units: u,
    activation: activationOf(o.activation, 'tanh', op, 'activation'),
    recurrentActivation: activationOf(o.recurrentActivation, 'sigmoid', op, 'recurrentActivation'),
    goBackwards: !!o.goBackwards,
    returnSequences: !!o.returnSequences,
    reverseOutput: !!o.reverseOutput,
    zeroOutputForMask: !!o.zeroOutputForMask,
    mask: maskValues(o.mask, B, T, op),
  };
  const inp: RnnInputs = { x, kernel: W, recurrentKernel: U, bias, h0, c0, recurrentMask: rm };
  const y = newTensor(seq.returnSequences ? [B, T, u] : [B, u]);
  const hT = newTensor([B, u]);
  const cT = cell === 'lstm' ? newTensor([B, u]) : null;
  const ws = rnnForward(seq, inp, { y, hT, cT });
  const outputs = cT ? [y, hT, cT] : [y, hT];

  const inputs = [x, W, U];
  const iBias = bias ? inputs.push(bias) - 1 : -1;
  const iH0 = h0 ? inputs.push(h0) - 1 : -1;
  const iC0 = c0 ? inputs.push(c0) - 1 : -1;
  record(op, inputs, outputs, ([dy, dhT, dcT], needed) => {
    const wanted = (i: number, shape: number[]) => (i >= 0 && needed[i] ? newTensor(shape) : null);
    const grads: RnnGradients = {
      x: wanted(0, x.shape),
      kernel: wanted(1, W.shape),
      recurrentKernel: wanted(2, U.shape),
      bias: wanted(iBias, bias ? bias.shape : []),
      h0: wanted(iH0, [B, u]),
      c0: wanted(iC0, [B, u]),
    };
    rnnBackward(seq, inp, ws, { dy, dhT, dcT: dcT ?? null }, grads);
    const perInput = [grads.x, grads.kernel, grads.recurrentKernel];
    if (bias) perInput.push(grads.bias);
    if (h0) perInput.push(grads.h0);
    if (c0) perInput.push(grads.c0);
    return perInput;
  }, rm ? [...ws.saved, rm] : ws.saved);
  // What the backward reads is held by the tape when recorded; otherwise it goes now.
  for (const t of ws.saved) t.dispose();
  return outputs;
}
