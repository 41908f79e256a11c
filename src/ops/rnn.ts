// Recurrent sequence ops: lstmSequence, gruSequence, simpleRNNSequence. Each runs a whole sequence
// as ONE op on the tape, forward and backpropagation through time side by side:
//   forward:  Z = X W + b for every step at once (one GEMM over [T*B, in]); then per step one
//             recurrent GEMM (Z_s += hd_{s-1} U, [B, u] x [u, gates]) and one fused gate kernel.
//   backward: per step one fused backward gate kernel and one GEMM (dh_{s-1} = dZ_s U^T); then
//             dW = X^T dZ, dU = Hd^T dZ over all T*B rows in one GEMM each, db = column sums.
// Internally everything is time-major in processing order (reversed for goBackwards), so each step
// is a contiguous [B, G] block and X, Hd line up row for row with dZ.
import { WasmgradError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { engine } from '../engine/state.js';
import { gemm } from '../engine/drivers/gemm.js';
import { reduce } from '../engine/drivers/reduce.js';
import { copyBytes, fillFloats } from '../engine/drivers/copy.js';
import { RNN_ACT, type RnnActivation, type StepIO, type BackIO, stepGemm, packB, packedFloats, seqCopy, lstmStep, lstmStepBack, gruStep, gruStepBack, gruGates, gruCand, gruCandBack, gruGatesBack, rnnStep, rnnStepBack } from '../engine/drivers/rnn.js';
import { checkFloat, checkTensor, newTensor } from './util.js';

export type { RnnActivation };

export interface SequenceOptions {
  /** Process the sequence from its last step to its first (Keras go_backwards). */
  goBackwards?: boolean;
  /** Output every step's output [B, T, u] (else the last one, [B, u]). */
  returnSequences?: boolean;
  /**
   * With goBackwards: the output sequence in the input's time order (what Bidirectional wants);
   * by default it is in processing order, as Keras returns it.
   */
  restoreOrder?: boolean;
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

type Cell = 'lstm' | 'gru' | 'gruResetBefore' | 'simple';
const GATES: Record<Cell, number> = { lstm: 4, gru: 3, gruResetBefore: 3, simple: 1 };

/** LSTM over x [B, T, in]: returns [output, hT, cT]. kernel [in, 4u], recurrentKernel [u, 4u], bias [4u] (gates i, f, c, o). */
export function lstmSequence(
  x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions = {},
): [Tensor, Tensor, Tensor] {
  return runSequence('lstm', 'lstmSequence', x, kernel, recurrentKernel, bias, h0, c0, opts) as [Tensor, Tensor, Tensor];
}

/** GRU over x [B, T, in]: returns [output, hT]. kernel [in, 3u], recurrentKernel [u, 3u], bias [2, 3u] (resetAfter) or [3u]; gates z, r, h. */
export function gruSequence(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, h0: Tensor | null, opts: GruOptions = {}): [Tensor, Tensor] {
  const cell: Cell = opts.resetAfter === false ? 'gruResetBefore' : 'gru';
  return runSequence(cell, 'gruSequence', x, kernel, recurrentKernel, bias, h0, null, opts) as [Tensor, Tensor];
}

/** SimpleRNN over x [B, T, in]: returns [output, hT]. kernel [in, u], recurrentKernel [u, u], bias [u]. */
export function simpleRNNSequence(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, h0: Tensor | null, opts: SequenceOptions = {}): [Tensor, Tensor] {
  return runSequence('simple', 'simpleRNNSequence', x, kernel, recurrentKernel, bias, h0, null, opts) as [Tensor, Tensor];
}

function actId(name: RnnActivation | undefined, fallback: RnnActivation, op: string): number {
  const id = RNN_ACT[name ?? fallback];
  if (id === undefined) throw new WasmgradError(`${op}: unsupported activation '${name}'; expected one of ${Object.keys(RNN_ACT).join(', ')}`);
  return id;
}

function checkShape(t: Tensor, shape: number[], op: string, what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new WasmgradError(`${op}: ${what} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
}

/** The mask as float32 [T, B] in processing order, or null when no step is masked. */
function timeMajorMask(mask: SequenceOptions['mask'], B: number, T: number, reverse: boolean, op: string): Float32Array | null {
  if (mask === undefined || mask === null) return null;
  let m: ArrayLike<number>;
  if (mask instanceof Tensor) {
    checkTensor(mask, op, 'mask');
    if (mask.size !== B * T || (mask.rank !== 2 && mask.rank !== 3)) {
      throw new WasmgradError(`${op}: mask must have shape [${B}, ${T}], got ${fmtShape(mask.shape)}`);
    }
    m = mask.dataSync();
  } else {
    if (mask.length !== B * T) throw new WasmgradError(`${op}: mask must hold ${B}x${T} values, got ${mask.length}`);
    m = mask;
  }
  const out = new Float32Array(T * B);
  let any = false;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const v = m[b * T + t] ? 1 : 0;
      out[s * B + b] = v;
      if (!v) any = true;
    }
  }
  return any ? out : null;
}

function runSequence(
  cell: Cell, op: string, x: Tensor, W: Tensor, U: Tensor, bias: Tensor | null, h0: Tensor | null, c0: Tensor | null, o: SequenceOptions,
): Tensor[] {
  checkFloat(x, op, 'x');
  checkFloat(W, op, 'kernel');
  checkFloat(U, op, 'recurrentKernel');
  if (x.rank !== 3) throw new WasmgradError(`${op}: x must be [batch, time, features], got ${fmtShape(x.shape)}`);
  const [B, T, I] = x.shape;
  if (B < 1 || T < 1 || I < 1) throw new WasmgradError(`${op}: x ${fmtShape(x.shape)} needs at least one sample, step and feature`);
  if (U.rank !== 2) throw new WasmgradError(`${op}: recurrentKernel must be [units, gates], got ${fmtShape(U.shape)}`);
  const u = U.shape[0];
  const G = GATES[cell] * u;
  checkShape(U, [u, G], op, 'recurrentKernel');
  checkShape(W, [I, G], op, 'kernel');
  if (bias) checkShape(checkFloat(bias, op, 'bias'), cell === 'gru' ? [2, G] : [G], op, 'bias');
  if (h0) checkShape(checkFloat(h0, op, 'initial h'), [B, u], op, 'initial h');
  if (c0) checkShape(checkFloat(c0, op, 'initial c'), [B, u], op, 'initial c');
  const rmT = o.recurrentMask ?? null;
  if (rmT) checkShape(checkFloat(rmT, op, 'recurrentMask'), [B, u], op, 'recurrentMask');
  const a = actId(o.activation, 'tanh', op);
  const ra = actId(o.recurrentActivation, 'sigmoid', op);
  const reverse = !!o.goBackwards;
  const seqOut = !!o.returnSequences;
  const outReverse = reverse && !!o.restoreOrder;
  const zeroOut = !!o.zeroOutputForMask;
  const maskArr = timeMajorMask(o.mask, B, T, reverse, op);

  const saved: Tensor[] = [];
  const temps: Tensor[] = [];
  const keep = (shape: number[]) => {
    const t = newTensor(shape);
    saved.push(t);
    return t;
  };
  const BU = B * u * 4;
  const BG = B * G * 4;

  // time-major input in processing order ([1, T, I] and [B, 1, I] already are)
  const direct = T === 1 || (B === 1 && !reverse);
  const xt = direct ? x : keep([T, B, I]);
  if (!direct) seqCopy(x.ptr(), xt.ptr(), B, T, I, true, reverse);
  const Z = keep([T, B, G]);
  const hs = keep([T + 1, B, u]);
  const cs = cell === 'lstm' ? keep([T + 1, B, u]) : null;
  const HD = rmT ? keep([T, B, u]) : null;
  const Rs = cell === 'gru' ? keep([T, B, G]) : null;
  const RH = cell === 'gruResetBefore' ? keep([T, B, u]) : null;
  const O = maskArr ? keep([T, B, u]) : null;
  const mk = maskArr ? keep([T, B]) : null;
  const zrow = maskArr ? newTensor([B, u]) : null;
  if (zrow) {
    temps.push(zrow);
    fillFloats(zrow.ptr(), B * u, 0);
  }
  if (mk) engine().f32.set(maskArr!, mk.ptr() >> 2);
  const hsP = hs.ptr(), zP = Z.ptr();
  if (h0) copyBytes(hsP, h0.ptr(), BU);
  else fillFloats(hsP, B * u, 0);
  if (cs) {
    if (c0) copyBytes(cs.ptr(), c0.ptr(), BU);
    else fillFloats(cs.ptr(), B * u, 0);
  }
  const rm = rmT ? rmT.ptr() : 0;
  if (HD) {
    const f = engine().f32;
    const d = HD.ptr() >> 2, h = hsP >> 2, r = rm >> 2;
    for (let i = 0; i < B * u; i++) f[d + i] = f[h + i] * f[r + i];
  }
  const biasP = bias ? bias.ptr() : 0;

  // the input projection of every step: one GEMM (with the input bias as its epilogue)
  gemm({ a: xt.ptr(), b: W.ptr(), c: zP, m: T * B, n: G, k: I, bias: biasP });

  // the recurrent kernel packed once for every step's GEMM (reset-before GRU: its z,r and h blocks)
  const Up = U.ptr();
  const packed = (k: number, n: number) => {
    const t = newTensor([packedFloats(k, n)]);
    temps.push(t);
    return t.ptr();
  };
  const resetBefore = cell === 'gruResetBefore';
  const pU = packed(u, resetBefore ? 2 * u : G);
  packB(Up, G, false, u, resetBefore ? 2 * u : G, pU);
  const pUh = resetBefore ? packed(u, u) : 0;
  if (resetBefore) packB(Up + 2 * u * 4, G, false, u, u, pUh);
  for (let s = 0; s < T; s++) {
    const hPrev = hsP + s * BU, hOut = hPrev + BU;
    const hdPrev = HD ? HD.ptr() + s * BU : hPrev;
    const zs = zP + s * BG;
    const io: StepIO = {
      rmask: rm,
      hdOut: HD && s + 1 < T ? HD.ptr() + (s + 1) * BU : 0,
      mask: mk ? mk.ptr() + s * B * 4 : 0,
      oPrev: O ? (s > 0 ? O.ptr() + (s - 1) * BU : zrow!.ptr()) : 0,
      oOut: O ? O.ptr() + s * BU : 0,
      zeroOut,
    };
    if (cell === 'lstm') {
      stepGemm({ a: hdPrev, packed: pU, c: zs, m: B, n: G, k: u, accumulate: true });
      lstmStep(B, u, zs, cs!.ptr() + s * BU, cs!.ptr() + (s + 1) * BU, hPrev, hOut, io, a, ra);
    } else if (cell === 'simple') {
      stepGemm({ a: hdPrev, packed: pU, c: zs, m: B, n: G, k: u, accumulate: true });
      rnnStep(B, u, zs, hPrev, hOut, io, a);
    } else if (cell === 'gru') {
      const rs = Rs!.ptr() + s * BG;
      stepGemm({ a: hdPrev, packed: pU, c: rs, m: B, n: G, k: u, bias: biasP ? biasP + G * 4 : 0 });
      gruStep(B, u, zs, rs, hdPrev, hPrev, hOut, io, a, ra);
    } else {
      const rh = RH!.ptr() + s * BU;
      stepGemm({ a: hdPrev, packed: pU, c: zs, m: B, n: 2 * u, k: u, ldc: G, accumulate: true });
      gruGates(B, u, zs, hdPrev, rh, ra);
      stepGemm({ a: rh, packed: pUh, c: zs + 2 * u * 4, m: B, n: u, k: u, ldc: G, accumulate: true });
      gruCand(B, u, zs, hdPrev, hPrev, hOut, io, a);
    }
  }

  // outputs: kept apart from the states only with a mask
  const outBase = O ? O.ptr() : hsP + BU;
  const y = newTensor(seqOut ? [B, T, u] : [B, u]);
  if (seqOut) seqCopy(outBase, y.ptr(), B, T, u, false, outReverse);
  else copyBytes(y.ptr(), outBase + (T - 1) * BU, BU);
  const hT = newTensor([B, u]);
  copyBytes(hT.ptr(), hsP + T * BU, BU);
  const outputs = [y, hT];
  if (cs) {
    const cT = newTensor([B, u]);
    copyBytes(cT.ptr(), cs.ptr() + T * BU, BU);
    outputs.push(cT);
  }

  const inputs = [x, W, U];
  const iBias = bias ? inputs.push(bias) - 1 : -1;
  const iH0 = h0 ? inputs.push(h0) - 1 : -1;
  const iC0 = c0 ? inputs.push(c0) - 1 : -1;

  record(op, inputs, outputs, ([dy, dhT, dcT], needed) => {
    const tmp: Tensor[] = [];
    const scratch = (shape: number[]) => {
      const t = newTensor(shape);
      tmp.push(t);
      return t;
    };
    const needH0 = iH0 >= 0 && needed[iH0];
    const dOt = seqOut ? scratch([T, B, u]) : null;
    if (dOt) seqCopy(dy.ptr(), dOt.ptr(), B, T, u, true, outReverse);
    const P = scratch([B, u]);
    copyBytes(P.ptr(), dhT.ptr(), BU);
    const Q = scratch([B, u]);
    fillFloats(Q.ptr(), B * u, 0);
    const carry = mk && !zeroOut ? scratch([B, u]) : null;
    if (carry) fillFloats(carry.ptr(), B * u, 0);
    const dc = cs ? newTensor([B, u]) : null;
    if (dc) copyBytes(dc.ptr(), dcT.ptr(), BU);
    const dZ = scratch([T, B, G]);
    const dR = cell === 'gru' ? scratch([T, B, G]) : null;
    const drh = cell === 'gruResetBefore' ? scratch([B, u]) : null;
    const dZp = dZ.ptr();
    // U^T packed once for every step (reset-before GRU: U_h^T and U_zr^T)
    const pUt = scratch([packedFloats(resetBefore ? 2 * u : G, u)]).ptr();
    if (resetBefore) packB(Up, G, true, 2 * u, u, pUt);
    else packB(Up, G, true, G, u, pUt);
    const pUht = resetBefore ? scratch([packedFloats(u, u)]).ptr() : 0;
    if (resetBefore) packB(Up + 2 * u * 4, G, true, u, u, pUht);
    for (let s = T - 1; s >= 0; s--) {
      const io: BackIO = {
        P: P.ptr(),
        Q: Q.ptr(),
        rmask: rm,
        dO: dOt ? dOt.ptr() + s * BU : s === T - 1 ? dy.ptr() : 0,
        carry: carry ? carry.ptr() : 0,
        mask: mk ? mk.ptr() + s * B * 4 : 0,
        zeroOut,
      };
      const zs = zP + s * BG, dzs = dZp + s * BG;
      const hdPrev = HD ? HD.ptr() + s * BU : hsP + s * BU;
      const recurse = s > 0 || needH0;
      if (cell === 'lstm') {
        lstmStepBack(B, u, zs, cs!.ptr() + s * BU, cs!.ptr() + (s + 1) * BU, dc!.ptr(), io, !!mk, dzs, a, ra);
        if (recurse) stepGemm({ a: dzs, packed: pUt, c: Q.ptr(), m: B, n: u, k: G, accumulate: !!mk });
      } else if (cell === 'simple') {
        rnnStepBack(B, u, hsP + (s + 1) * BU, io, !!mk, dzs, a);
        if (recurse) stepGemm({ a: dzs, packed: pUt, c: Q.ptr(), m: B, n: u, k: G, accumulate: !!mk });
      } else if (cell === 'gru') {
        const drs = dR!.ptr() + s * BG;
        gruStepBack(B, u, zs, Rs!.ptr() + s * BG, hdPrev, io, dzs, drs, a, ra);
        if (recurse) stepGemm({ a: drs, packed: pUt, c: Q.ptr(), m: B, n: u, k: G, accumulate: true });
      } else {
        gruCandBack(B, u, zs, hdPrev, io, dzs, a, ra);
        stepGemm({ a: dzs + 2 * u * 4, lda: G, packed: pUht, c: drh!.ptr(), m: B, n: u, k: u });
        gruGatesBack(B, u, zs, hdPrev, drh!.ptr(), Q.ptr(), dzs, ra);
        if (recurse) stepGemm({ a: dzs, lda: G, packed: pUt, c: Q.ptr(), m: B, n: u, k: 2 * u, accumulate: true });
      }
    }

    const grads: (Tensor | null)[] = inputs.map(() => null);
    if (needH0) {
      const dh0 = newTensor([B, u]);
      const f = engine().f32;
      const d = dh0.ptr() >> 2, p = P.ptr() >> 2, q = Q.ptr() >> 2, r = rm >> 2;
      for (let i = 0; i < B * u; i++) f[d + i] = f[p + i] + (rm ? f[q + i] * f[r + i] : f[q + i]);
      grads[iH0] = dh0;
    }
    if (dc) {
      if (iC0 >= 0 && needed[iC0]) grads[iC0] = dc;
      else dc.dispose();
    }
    const rows = T * B;
    const dRec = dR ?? dZ; // the gradient of the recurrent pre-activations
    const hd = HD ? HD.ptr() : hsP; // the first T states, [T*B, u]
    if (needed[1]) {
      const dW = newTensor([I, G]);
      gemm({ a: xt.ptr(), b: dZp, c: dW.ptr(), m: I, n: G, k: rows, transA: true });
      grads[1] = dW;
    }
    if (needed[2]) {
      const dU = newTensor([u, G]);
      if (cell === 'gruResetBefore') {
        gemm({ a: hd, b: dZp, c: dU.ptr(), m: u, n: 2 * u, k: rows, transA: true, ldb: G, ldc: G });
        gemm({ a: RH!.ptr(), b: dZp + 2 * u * 4, c: dU.ptr() + 2 * u * 4, m: u, n: u, k: rows, transA: true, ldb: G, ldc: G });
      } else {
        gemm({ a: hd, b: dRec.ptr(), c: dU.ptr(), m: u, n: G, k: rows, transA: true });
      }
      grads[2] = dU;
    }
    if (iBias >= 0 && needed[iBias]) {
      const db = newTensor(bias!.shape);
      reduce('sum', dZp, db.ptr(), 1, rows, G);
      if (dR) reduce('sum', dR.ptr(), db.ptr() + G * 4, 1, rows, G);
      grads[iBias] = db;
    }
    if (needed[0]) {
      const dx = newTensor([B, T, I]);
      const dXt = direct ? dx : scratch([T, B, I]);
      gemm({ a: dZp, b: W.ptr(), c: dXt.ptr(), m: rows, n: I, k: G, transB: true });
      if (!direct) seqCopy(dXt.ptr(), dx.ptr(), B, T, I, false, reverse);
      grads[0] = dx;
    }
    for (const t of tmp) t.dispose();
    return grads;
  }, rmT ? [...saved, rmT] : saved);
  // What the backward reads is held by the tape when recorded; otherwise it goes now.
  for (const t of saved) t.dispose();
  for (const t of temps) t.dispose();
  return outputs;
}
