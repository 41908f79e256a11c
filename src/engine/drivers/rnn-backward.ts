// Backpropagation through time of a recurrent sequence (the forward is rnn-forward.ts): per step,
// from the last to the first, one fused backward gate kernel and one GEMM (dh_{s-1} = dZ_s U^T),
// split like the forward: by batch rows, the whole loop as one job (assembly/rnn-back.ts), else a
// dispatch per step (the reset-before GRU always by rows); then over all T*B rows at once
// dW = X^T dZ, dU = Hd^T dZ (one GEMM each), db = column sums and dX = dZ W^T.
//
// The state carried back between steps, per row (assembly/rnn-shared.ts): P = the gradient of h_s
// that reaches it directly (dhT at the start, or passed through masked steps), Q = the gradient of
// hd_s that the recurrent GEMM writes, carry = the output gradient passed back through masked steps.
import { Tensor } from '../../tensor.js';
import { engine } from '../state.js';
import { copyBytes, fillFloats } from './copy.js';
import { gemm, packB, packedFloats } from './gemm.js';
import { reduce } from './reduce.js';
import { activationId, cellKernels, GATES, type RnnGradients, type RnnInputs, type RnnOutputGrads, type RnnSequence, type RnnWorkspace } from './rnn.js';
import { isTimeMajor } from './rnn-forward.js';
import { chooseSplit, runRows, gruStepBack, lstmStepBack, rnnStepBack, seqCopy, stepGemm, type BackIO } from './rnn-steps.js';

/** Fills the gradients the op asked for (the non-null tensors of `grads`). */
export function rnnBackward(seq: RnnSequence, inp: RnnInputs, ws: RnnWorkspace, dOut: RnnOutputGrads, grads: RnnGradients): void {
  const { op, batch: B, steps: T, inputSize: I, units: u } = seq;
  const cell = cellKernels(seq);
  const G = GATES[seq.cell] * u;
  const a = activationId(seq.activation);
  const ra = activationId(seq.recurrentActivation);
  const BU = B * u * 4;
  const BG = B * G * 4;
  const tmp: Tensor[] = [];
  const scratch = (shape: number[]) => {
    const t = new Tensor(shape, 'float32');
    tmp.push(t);
    return t;
  };
  const { gates: Z, mask: mk } = ws;
  const masked = mk !== null;
  const zeroOut = seq.zeroOutputForMask;
  const seqOut = seq.returnSequences;
  const outReverse = seq.reverseOutput;
  const dOt = seqOut ? scratch([T, B, u]) : null;
  if (dOt) seqCopy(dOut.dy.ptr(op), dOt.ptr(op), B, T, u, true, outReverse);
  const P = scratch([B, u]).ptr(op);
  copyBytes(P, dOut.dhT.ptr(op), BU);
  const Q = scratch([B, u]).ptr(op);
  fillFloats(Q, B * u, 0);
  const carry = masked && !zeroOut ? scratch([B, u]).ptr(op) : 0;
  if (carry) fillFloats(carry, B * u, 0);
  // the running gradient of c: the initial state's gradient when it is wanted
  const dcT = cell === 'lstm' ? (grads.c0 ?? scratch([B, u])) : null;
  if (dcT) copyBytes(dcT.ptr(op), dOut.dcT!.ptr(op), BU);
  const dZ = scratch([T, B, G]);
  const dR = cell === 'gru' ? scratch([T, B, G]) : null;
  const drh = cell === 'gruResetBefore' ? scratch([B, u]).ptr(op) : 0;
  const dZp = dZ.ptr(op);
  // U^T packed once for every step (reset-before GRU: U_zr^T and U_h^T)
  const Up = inp.recurrentKernel.ptr(op);
  const resetBefore = cell === 'gruResetBefore';
  const kZR = resetBefore ? 2 * u : G;
  const pUt = scratch([packedFloats(kZR, u)]).ptr(op);
  packB(Up, G, true, kZR, u, pUt);
  const pUht = resetBefore ? scratch([packedFloats(u, u)]).ptr(op) : 0;
  if (resetBefore) packB(Up + 2 * u * 4, G, true, u, u, pUht);

  const rm = inp.recurrentMask ? inp.recurrentMask.ptr(op) : 0;
  const zP = Z.ptr(op);
  const hsP = ws.h.ptr(op);
  const hdP = ws.hd ? ws.hd.ptr(op) : 0;
  const cP = ws.c ? ws.c.ptr(op) : 0;
  const dcP = dcT ? dcT.ptr(op) : 0;
  const rsP = ws.rec ? ws.rec.ptr(op) : 0;
  const dRp = dR ? dR.ptr(op) : 0;
  const mkP = mk ? mk.ptr(op) : 0;
  const dOtP = dOt ? dOt.ptr(op) : 0;
  const dyP = dOut.dy.ptr(op);
  const plan = chooseSplit(B, T, u, GATES[seq.cell], resetBefore);
  if (plan.split === 'rows') {
    // every step of a block of rows on one thread: no dispatch per step (assembly/rnn-back.ts)
    const cellId = { lstm: 0, gru: 1, gruResetBefore: 2, simple: 3 }[cell];
    runRows('rnn_back_rows_f32', [
      cellId, zP, cP, dcP, rsP, hsP, hdP, drh, P, Q, rm, dOtP, dyP, carry, mkP, zeroOut ? 1 : 0, masked ? 1 : 0,
      dZp, dRp, pUt, pUht, B, T, u, a, ra, grads.h0 !== null ? 1 : 0,
    ], B, plan.parallel);
  }
  for (let s = T - 1; s >= 0 && plan.split === 'units'; s--) {
    const io: BackIO = {
      P,
      Q,
      rmask: rm,
      dO: dOt ? dOtP + s * BU : s === T - 1 ? dyP : 0,
      carry,
      mask: mk ? mkP + s * B * 4 : 0,
      zeroOut,
    };
    const zs = zP + s * BG, dzs = dZp + s * BG;
    const hdPrev = ws.hd ? hdP + s * BU : hsP + s * BU;
    // the gradient of the initial state is computed only when wanted
    const recurse = s > 0 || grads.h0 !== null;
    if (cell === 'lstm') {
      lstmStepBack(B, u, zs, cP + s * BU, cP + (s + 1) * BU, dcP, io, masked, dzs, a, ra);
      if (recurse) stepGemm({ a: dzs, packed: pUt, c: Q, m: B, n: u, k: G, accumulate: masked });
    } else if (cell === 'simple') {
      rnnStepBack(B, u, hsP + (s + 1) * BU, io, masked, dzs, a);
      if (recurse) stepGemm({ a: dzs, packed: pUt, c: Q, m: B, n: u, k: G, accumulate: masked });
    } else {
      // the reset-after GRU (the reset-before form always splits by rows)
      const drs = dRp + s * BG;
      gruStepBack(B, u, zs, rsP + s * BG, hdPrev, io, dzs, drs, a, ra);
      if (recurse) stepGemm({ a: drs, packed: pUt, c: Q, m: B, n: u, k: G, accumulate: true });
    }
  }

  if (grads.h0) {
    // the initial state's gradient: P + Q * rmask (summed in float64, rounded once on the store)
    const f = engine().f32;
    const d = grads.h0.ptr(op) >> 2, p = P >> 2, q = Q >> 2, r = rm >> 2;
    for (let i = 0; i < B * u; i++) f[d + i] = f[p + i] + (rm ? f[q + i] * f[r + i] : f[q + i]);
  }
  const rows = T * B;
  if (grads.kernel) {
    // x time-major in processing order (the forward laid it out unless it read x as it is)
    let xt = ws.xt ?? (isTimeMajor(seq) ? inp.x : null);
    if (!xt) {
      xt = scratch([T, B, I]);
      seqCopy(inp.x.readPtr(op), xt.ptr(op), B, T, I, true, seq.goBackwards);
    }
    gemm({ a: xt.readPtr(op), b: dZp, c: grads.kernel.ptr(op), m: I, n: G, k: rows, transA: true });
  }
  if (grads.recurrentKernel) {
    const hd = ws.hd ? hdP : hsP; // the state each step's recurrent GEMM read, [T*B, u]
    const dU = grads.recurrentKernel.ptr(op);
    if (resetBefore) {
      gemm({ a: hd, b: dZp, c: dU, m: u, n: 2 * u, k: rows, transA: true, ldb: G, ldc: G });
      gemm({ a: ws.rh!.ptr(op), b: dZp + 2 * u * 4, c: dU + 2 * u * 4, m: u, n: u, k: rows, transA: true, ldb: G, ldc: G });
    } else {
      // the gradient of the recurrent pre-activations: dR for the reset-after GRU
      gemm({ a: hd, b: dR ? dRp : dZp, c: dU, m: u, n: G, k: rows, transA: true });
    }
  }
  if (grads.bias) {
    const db = grads.bias.ptr(op);
    reduce('sum', dZp, db, 1, rows, G);
    if (dR) reduce('sum', dRp, db + G * 4, 1, rows, G);
  }
  if (grads.x) {
    const direct = isTimeMajor(seq);
    const dXt = direct ? grads.x : scratch([T, B, I]);
    gemm({ a: dZp, b: inp.kernel.ptr(op), c: dXt.ptr(op), m: rows, n: I, k: G, transB: true });
    if (!direct) seqCopy(dXt.ptr(op), grads.x.ptr(op), B, T, I, false, seq.goBackwards);
  }
  for (const t of tmp) t.dispose();
}
