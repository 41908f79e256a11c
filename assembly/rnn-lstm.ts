// LSTM cell: the stepped sequence kernel and the backward of a step (conventions in rnn-shared.ts).
import { fadd, fmul } from './vmath';
import { RA_TANH, RA_SIGMOID, ld, st, act, dact, gradIn, clearIn, isMasked, maskedRowForward, rowOutput, rowDropout, maskedRowBackward, nextHd, stepMask, prevOutput, stepOutput } from './rnn-shared';
import { recurrentColumns, projectRows, rowBegin, rowEnd } from './rnn-seq';
import { NR } from './abi';
import { minI } from './common';

// ---- LSTM: z = [i, f, g, o] pre-activations (Keras order i, f, c, o) --------------------------

@inline function lstmLanes<F, I>(zo: usize, ub: usize, cp: usize, cn: usize, hn: usize, a: i32, ra: i32): void {
  const i = act<F, I>(ra, ld<F>(zo));
  const f = act<F, I>(ra, ld<F>(zo + ub));
  const g = act<F, I>(a, ld<F>(zo + 2 * ub));
  const o = act<F, I>(ra, ld<F>(zo + 3 * ub));
  st<F>(zo, i);
  st<F>(zo + ub, f);
  st<F>(zo + 2 * ub, g);
  st<F>(zo + 3 * ub, o);
  const c = fadd(fmul(f, ld<F>(cp)), fmul(i, g));
  st<F>(cn, c);
  st<F>(hn, fmul(o, act<F, I>(a, c)));
}

/** Units [j0, j1) of one row (the sequence kernel's threads own blocks of units). */
@inline function lstmRow(a: i32, ra: i32, z: usize, rb: usize, u: i32, j0: i32, j1: i32, cPrev: usize, cOut: usize, hOut: usize): void {
  const ub = <usize>u << 2;
  const zr = z + (rb << 2);
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= j1; j += 4) {
      const o = <usize>j << 2;
      lstmLanes<v128, v128>(zr + o, ub, cPrev + rb + o, cOut + rb + o, hOut + rb + o, a, ra);
    }
  }
  for (; j < j1; j++) {
    const o = <usize>j << 2;
    lstmLanes<f32, i32>(zr + o, ub, cPrev + rb + o, cOut + rb + o, hOut + rb + o, a, ra);
  }
}

/**
 * Step `s` of an LSTM sequence for rows [b0, b1) and units [j0, j1) (see rnn-seq.ts): z [T, B, 4u]
 * holds x W + b and gets hd_{s-1} U added for those columns of every gate (U packed gate by gate),
 * then the gate activations (i, f, g, o) in place and the new c and h of those units. States h, c
 * [T + 1, B, u]; hd [T, B, u] (0: no recurrent dropout), hd[s + 1] = h[s + 1] * rmask; mask [T, B]
 * (0: none); o [T, B, u] outputs kept apart from h (with a mask), zrow a zero [B, u] block for the
 * first step's previous output.
 */
function lstmStep(
  z: usize, c: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, step: i32, b0: i32, b1: i32, j0: i32, j1: i32, scratch: usize,
): void {
  const ub = <usize>u << 2, BU = <usize>B * ub, s = <usize>step;
  const hPrev = h + s * BU, hOut = hPrev + BU, cPrev = c + s * BU, cOut = cPrev + BU;
  const hdPrev = hd ? hd + s * BU : hPrev;
  const zs = z + s * BU * 4;
  recurrentColumns(hdPrev + <usize>b0 * ub, b1 - b0, u, packed, 4, zs + <usize>b0 * ub * 4, 4 * u, 1, 0, j0, j1, scratch);
  const hdOut = nextHd(hd, step, T, BU);
  const ms = stepMask(mask, step, B);
  const oPrev = prevOutput(o, step, BU, zrow);
  const oOut = stepOutput(o, step, BU);
  const jb = <usize>j0 << 2, nb = <usize>(j1 - j0) << 2;
  for (let b = b0; b < b1; b++) {
    const rb = <usize>b * ub;
    if (isMasked(ms, b)) {
      maskedRowForward(rb + jb, nb, hPrev, hOut, cPrev, cOut, oPrev, oOut, zeroOut);
    } else {
      if (a == RA_TANH && ra == RA_SIGMOID) lstmRow(RA_TANH, RA_SIGMOID, zs, rb, u, j0, j1, cPrev, cOut, hOut);
      else lstmRow(a, ra, zs, rb, u, j0, j1, cPrev, cOut, hOut);
      rowOutput(rb + jb, nb, hOut, oOut);
    }
    rowDropout(rb + jb, j1 - j0, hOut, rmask, hdOut);
  }
}

/** Step `step` of an LSTM sequence for units [taskBegin * NR, taskEnd * NR), every row (rnn-seq.ts). */
export function lstm_steps_f32(
  z: usize, c: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, step: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const j0 = taskBegin * NR, j1 = minI(u, taskEnd * NR);
  if (j0 < j1) lstmStep(z, c, h, hd, rmask, mask, o, zrow, zeroOut, packed, B, T, u, a, ra, step, 0, B, j0, j1, scratch);
}

/**
 * Every step of an LSTM sequence for rows [taskBegin * MR, taskEnd * MR), every unit (rnn-seq.ts);
 * with x the input projection too (rnn-seq.ts projectRows; W packed gate by gate, bias or 0).
 */
export function lstm_rows_f32(
  z: usize, c: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, x: usize, xRow: i32, xStep: i32, I: i32, w: usize, bias: usize,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const b0 = rowBegin(taskBegin), b1 = rowEnd(taskEnd, B);
  for (let s = 0; s < T && b0 < b1; s++) {
    projectRows(x, xRow, xStep, I, w, bias, B, u, 4, s, b0, b1, z, scratch);
    lstmStep(z, c, h, hd, rmask, mask, o, zrow, zeroOut, packed, B, T, u, a, ra, s, b0, b1, 0, u, scratch);
  }
}

@inline function lstmBackLanes<F, I>(
  o: usize, go: usize, ub: usize, gates: usize, cPrev: usize, cCur: usize, dc: usize,
  P: usize, Q: usize, rm: usize, dO: usize, carry: usize, dZ: usize, a: i32, ra: i32,
): void {
  const dh = gradIn<F>(o, P, Q, rm, dO, carry);
  clearIn<F>(o, P, carry);
  const i = ld<F>(gates + go), f = ld<F>(gates + go + ub), g = ld<F>(gates + go + 2 * ub), og = ld<F>(gates + go + 3 * ub);
  const tc = act<F, I>(a, ld<F>(cCur + o));
  const dct = fadd(ld<F>(dc + o), fmul(fmul(dh, og), dact<F, I>(a, tc)));
  st<F>(dZ + go, fmul(fmul(dct, g), dact<F, I>(ra, i)));
  st<F>(dZ + go + ub, fmul(fmul(dct, ld<F>(cPrev + o)), dact<F, I>(ra, f)));
  st<F>(dZ + go + 2 * ub, fmul(fmul(dct, i), dact<F, I>(a, g)));
  st<F>(dZ + go + 3 * ub, fmul(fmul(dh, tc), dact<F, I>(ra, og)));
  st<F>(dc + o, fmul(dct, f));
}

@inline function lstmBackRow(
  a: i32, ra: i32, rb: usize, u: i32, gates: usize, cPrev: usize, cCur: usize, dc: usize,
  P: usize, Q: usize, rm: usize, dO: usize, carry: usize, dZ: usize,
): void {
  const ub = <usize>u << 2;
  const gr = rb << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= u; j += 4) {
      const o = <usize>j << 2;
      lstmBackLanes<v128, v128>(rb + o, gr + o, ub, gates, cPrev, cCur, dc, P, Q, rm, dO, carry, dZ, a, ra);
    }
  }
  for (; j < u; j++) {
    const o = <usize>j << 2;
    lstmBackLanes<f32, i32>(rb + o, gr + o, ub, gates, cPrev, cCur, dc, P, Q, rm, dO, carry, dZ, a, ra);
  }
}

// The default activations in a function of their own: inlined into the branch beside the general
// row, Binaryen folded the two into the general one (testing the activation ids for every vector).
function lstmBackRowTanhSigmoid(
  rb: usize, u: i32, gates: usize, cPrev: usize, cCur: usize, dc: usize,
  P: usize, Q: usize, rm: usize, dO: usize, carry: usize, dZ: usize,
): void {
  lstmBackRow(RA_TANH, RA_SIGMOID, rb, u, gates, cPrev, cCur, dc, P, Q, rm, dO, carry, dZ);
}

/**
 * Backward of one LSTM step: gates [B, 4u] (activated), c of the previous and this step, dc (in:
 * the gradient of this step's c, out: of the previous one), P, Q, carry as in the header, dO the
 * output gradient rows of this step (0: none); writes dZ [B, 4u], the pre-activation gradients.
 * writeQ: zero Q for the recurrent GEMM to accumulate into (else the GEMM overwrites it).
 */
export function lstm_step_back_f32(
  gates: usize, cPrev: usize, cCur: usize, dc: usize, P: usize, Q: usize, rmask: usize, dO: usize,
  carry: usize, mask: usize, zeroOut: i32, writeQ: i32, dZ: usize, u: i32, a: i32, ra: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    if (isMasked(mask, b)) {
      maskedRowBackward(rb, u, P, Q, rmask, dO, carry, zeroOut);
      memory.fill(dZ + (rb << 2), 0, ub << 2);
      continue;
    }
    if (a == RA_TANH && ra == RA_SIGMOID) lstmBackRowTanhSigmoid(rb, u, gates, cPrev, cCur, dc, P, Q, rmask, dO, carry, dZ);
    else lstmBackRow(a, ra, rb, u, gates, cPrev, cCur, dc, P, Q, rmask, dO, carry, dZ);
    if (writeQ) memory.fill(Q + rb, 0, ub);
  }
}
