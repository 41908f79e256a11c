// The forward of a recurrent sequence: per step the input projection (Z_s = X_s W + b), the
// recurrent GEMM (Z_s += hd_{s-1} U, [B, u] x [u, G]) and the fused cell, all steps in one job
// (rnn-steps.ts runSequence). Split by batch rows, each thread projects its own rows step by step,
// reading x as it is; split by units, one GEMM over x laid out time-major [T*B, in] projects every
// step first. The states and gates are time-major in processing order (reversed for goBackwards),
// so each step is a contiguous [B, G] block, and what the backward needs stays in the workspace.
import { Tensor, holdsWeights, derivedBlock } from '../../tensor.js';
import { engine } from '../state.js';
import { writeFloats } from './common.js';
import { copyBytes, fillFloats } from './copy.js';
import { gemm, packB, packedFloats } from './gemm.js';
import { MR } from '../abi.js';
import { activationId, cellKernels, GATES, type RnnInputs, type RnnOutputs, type RnnSequence, type RnnWorkspace } from './rnn.js';
import { chooseSplit, runSequence, seqCopy } from './rnn-steps.js';

/** Whether x [B, T, in] already is time-major in processing order ([1, T, in] and [B, 1, in] are). */
export function isTimeMajor(seq: RnnSequence): boolean {
  return seq.steps === 1 || (seq.batch === 1 && !seq.goBackwards);
}

/** The mask as float32 [T, B] in processing order, or null when no step is masked. */
function timeMajorMask(seq: RnnSequence): Float32Array | null {
  const m = seq.mask;
  if (!m) return null;
  const { batch: B, steps: T } = seq;
  const out = new Float32Array(T * B);
  let any = false;
  for (let s = 0; s < T; s++) {
    const t = seq.goBackwards ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const v = m[b * T + t] ? 1 : 0;
      out[s * B + b] = v;
      if (!v) any = true;
    }
  }
  return any ? out : null;
}

/**
 * Runs the sequence: fills the op's outputs and returns the workspace the backward reads. The
 * caller hands `saved` to the tape and disposes it (the tape holds what it recorded).
 */
export function rnnForward(seq: RnnSequence, inp: RnnInputs, out: RnnOutputs): RnnWorkspace {
  const { op, batch: B, steps: T, inputSize: I, units: u } = seq;
  const cell = cellKernels(seq);
  const G = GATES[seq.cell] * u;
  const a = activationId(seq.activation);
  const ra = activationId(seq.recurrentActivation);
  const maskValues = timeMajorMask(seq);
  const saved: Tensor[] = [];
  const temps: Tensor[] = [];
  const keep = (shape: number[]) => {
    const t = new Tensor(shape, 'float32');
    saved.push(t);
    return t;
  };
  const temp = (shape: number[]) => {
    const t = new Tensor(shape, 'float32');
    temps.push(t);
    return t;
  };
  // a failure midway (no memory for a buffer) leaves nothing allocated
  try {
    const BU = B * u * 4;

    // split by rows over the threads, or of a block of MR rows or more, each thread projects its own
    // rows inside the job, reading x as it is; else (fewer rows than a GEMM tile on one thread, or
    // split by units) one GEMM for every step over x laid out time-major: T B rows fill its tiles
    // where a step's one row would run the slower row kernel (GRU 128 at batch 1: 6% faster)
    const plan = chooseSplit(B, T, u, GATES[seq.cell], cell === 'gruResetBefore');
    const project = plan.split === 'rows' && (plan.parallel || B >= MR);
    const xt = project ? null : isTimeMajor(seq) ? inp.x : keep([T, B, I]);
    if (xt && xt !== inp.x) seqCopy(inp.x.ptr(op), xt.ptr(op), B, T, I, true, seq.goBackwards);
    const Z = keep([T, B, G]);
    const hs = keep([T + 1, B, u]);
    const cs = cell === 'lstm' ? keep([T + 1, B, u]) : null;
    const HD = inp.recurrentMask ? keep([T, B, u]) : null;
    const Rs = cell === 'gru' ? keep([T, B, G]) : null;
    const RH = cell === 'gruResetBefore' ? keep([T, B, u]) : null;
    // outputs are kept apart from the states only with a mask (a masked step repeats its output)
    const O = maskValues ? temp([T, B, u]) : null;
    const mk = maskValues ? keep([T, B]) : null;
    const zrow = maskValues ? temp([B, u]) : null;
    if (zrow) fillFloats(zrow.ptr(op), B * u, 0);
    if (mk) writeFloats(mk.ptr(op), maskValues!);
    const hsP = hs.ptr(op), zP = Z.ptr(op);
    if (inp.h0) copyBytes(hsP, inp.h0.ptr(op), BU);
    else fillFloats(hsP, B * u, 0);
    if (cs) {
      if (inp.c0) copyBytes(cs.ptr(op), inp.c0.ptr(op), BU);
      else fillFloats(cs.ptr(op), B * u, 0);
    }
    const rm = inp.recurrentMask ? inp.recurrentMask.ptr(op) : 0;
    const hdP = HD ? HD.ptr(op) : 0;
    if (HD) {
      const f = engine().f32;
      const d = hdP >> 2, h = hsP >> 2, r = rm >> 2;
      for (let i = 0; i < B * u; i++) f[d + i] = f[h + i] * f[r + i];
    }
    const biasP = inp.bias ? inp.bias.ptr(op) : 0;

    // kernels packed once (a layer's: the packed copy is kept until the kernel is written)
    const packed = (w: Tensor, key: string, floats: number, fill: (dst: number, src: number) => void): number => {
      if (holdsWeights(w)) return derivedBlock(w, key, floats * 4, fill, op);
      const dst = temp([floats]).ptr(op);
      fill(dst, w.readPtr(op));
      return dst;
    };
    /** A [k, G] kernel packed gate by gate from gate `first` on: `count` blocks of packB([k, u]). */
    const byGate = (w: Tensor, k: number, first: number, count: number): number => {
      const floats = packedFloats(k, u);
      return packed(w, `rnn gates ${first}+${count} ${k} ${u}`, count * floats, (dst, src) => {
        for (let g = 0; g < count; g++) packB(src + (first + g) * u * 4, G, false, k, u, dst + g * floats * 4);
      });
    };
    // (the input bias, the first G floats of a GRU's [2, G], as the projection's epilogue)
    if (xt) gemm(xt, inp.kernel, Z, { m: T * B, n: G, k: I, bias: inp.bias ?? undefined });
    const cP = cs ? cs.ptr(op) : 0;
    const oP = O ? O.ptr(op) : 0;
    const mkP = mk ? mk.ptr(op) : 0;
    // U gate by gate (the reset-before GRU: its z and r gates apart from its candidate's)
    const U = inp.recurrentKernel;
    const resetBefore = cell === 'gruResetBefore';
    runSequence(cell, B, T, u, {
      z: zP, rec: Rs ? Rs.ptr(op) : 0, rh: RH ? RH.ptr(op) : 0, h: hsP, c: cP, hd: hdP, rmask: rm, mask: mkP, o: oP, zrow: zrow ? zrow.ptr(op) : 0,
      zeroOut: seq.zeroOutputForMask, packed: byGate(U, u, 0, resetBefore ? 2 : GATES[seq.cell]), packedH: resetBefore ? byGate(U, u, 2, 1) : 0,
      biasRec: cell === 'gru' && biasP ? biasP + G * 4 : 0,
      // x [B, T, I] read in processing order: step s of row b at float b T I + t I (t = T - 1 - s backwards)
      x: project ? inp.x.readPtr(op) + (seq.goBackwards ? (T - 1) * I * 4 : 0) : 0, xRow: T * I, xStep: seq.goBackwards ? -I : I,
      inputSize: I, packedW: project ? byGate(inp.kernel, I, 0, GATES[seq.cell]) : 0, bias: project ? biasP : 0,
    }, a, ra, plan);

    const outBase = O ? oP : hsP + BU;
    if (seq.returnSequences) seqCopy(outBase, out.y.ptr(op), B, T, u, false, seq.reverseOutput);
    else copyBytes(out.y.ptr(op), outBase + (T - 1) * BU, BU);
    if (out.hT) copyBytes(out.hT.ptr(op), hsP + T * BU, BU);
    if (cs && out.cT) copyBytes(out.cT.ptr(op), cP + T * BU, BU);
    for (const t of temps) t.dispose();
    return { xt, gates: Z, h: hs, c: cs, hd: HD, rec: Rs, rh: RH, mask: mk, saved };
  } catch (err) {
    for (const t of [...saved, ...temps]) t.dispose();
    throw err;
  }
}
