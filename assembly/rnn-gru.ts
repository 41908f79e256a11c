// GRU cells, both forms: reset after (Keras/cuDNN, the default) and reset before (Keras
// resetAfter: false); the stepped sequence kernel (reset after), fused step kernels (reset before)
// and their backward (conventions in rnn-shared.ts).
import { k, fadd, fsub, fmul } from './vmath';
import { RA_TANH, RA_SIGMOID, ld, st, act, dact, gradIn, clearIn, isMasked, maskedRowForward, rowOutput, rowDropout, maskedRowBackward, nextHd, stepMask, prevOutput, stepOutput } from './rnn-shared';
import { recurrentColumns, projectRows, rowBegin, rowEnd } from './rnn-seq';
import { NR } from './abi';
import { minI } from './common';

// ---- GRU, resetAfter (Keras/cuDNN form): xp = [xz, xr, xh] = x W + b_in, rec = hd U + b_rec ----
// z = σ(xz + rz), r = σ(xr + rr), hh = tanh(xh + r * rh), h = z * hd + (1 - z) * hh

@inline function gruLanes<F, I>(xo: usize, ub: usize, rec: usize, hp: usize, hn: usize, a: i32, ra: i32): void {
  const z = act<F, I>(ra, fadd(ld<F>(xo), ld<F>(rec)));
  const r = act<F, I>(ra, fadd(ld<F>(xo + ub), ld<F>(rec + ub)));
  const hh = act<F, I>(a, fadd(ld<F>(xo + 2 * ub), fmul(r, ld<F>(rec + 2 * ub))));
  st<F>(xo, z);
  st<F>(xo + ub, r);
  st<F>(xo + 2 * ub, hh);
  st<F>(hn, fadd(fmul(z, ld<F>(hp)), fmul(fsub(k<F>(1), z), hh)));
}

/** Units [j0, j1) of one row (the sequence kernel's threads own blocks of units). */
@inline function gruRow(a: i32, ra: i32, xp: usize, rec: usize, rb: usize, u: i32, j0: i32, j1: i32, hdPrev: usize, hOut: usize): void {
  const ub = <usize>u << 2;
  const gr = rb * 3;
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= j1; j += 4) {
      const o = <usize>j << 2;
      gruLanes<v128, v128>(xp + gr + o, ub, rec + gr + o, hdPrev + rb + o, hOut + rb + o, a, ra);
    }
  }
  for (; j < j1; j++) {
    const o = <usize>j << 2;
    gruLanes<f32, i32>(xp + gr + o, ub, rec + gr + o, hdPrev + rb + o, hOut + rb + o, a, ra);
  }
}

/**
 * Step `s` of a GRU (resetAfter) sequence for rows [b0, b1) and units [j0, j1) (see rnn-seq.ts):
 * rec [T, B, 3u] = hd_{s-1} U + biasRec for those columns of every gate, then xp [T, B, 3u]
 * (x W + b_in) gets (z, r, hh) of those units in place and h the new state. The cell reads the
 * previous state after recurrent dropout (hd, as Keras does); a masked row keeps h. The other
 * buffers as in rnn-lstm.ts.
 */
function gruStep(
  xp: usize, rec: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, biasRec: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, step: i32, b0: i32, b1: i32, j0: i32, j1: i32, scratch: usize,
): void {
  const ub = <usize>u << 2, BU = <usize>B * ub, s = <usize>step;
  const hPrev = h + s * BU, hOut = hPrev + BU;
  const hdPrev = hd ? hd + s * BU : hPrev;
  const xs = xp + s * BU * 3, rs = rec + s * BU * 3;
  recurrentColumns(hdPrev + <usize>b0 * ub, b1 - b0, u, packed, 3, rs + <usize>b0 * ub * 3, 3 * u, 0, biasRec, j0, j1, scratch);
  const hdOut = nextHd(hd, step, T, BU);
  const ms = stepMask(mask, step, B);
  const oPrev = prevOutput(o, step, BU, zrow);
  const oOut = stepOutput(o, step, BU);
  const jb = <usize>j0 << 2, nb = <usize>(j1 - j0) << 2;
  for (let b = b0; b < b1; b++) {
    const rb = <usize>b * ub;
    if (isMasked(ms, b)) {
      maskedRowForward(rb + jb, nb, hPrev, hOut, 0, 0, oPrev, oOut, zeroOut);
    } else {
      if (a == RA_TANH && ra == RA_SIGMOID) gruRow(RA_TANH, RA_SIGMOID, xs, rs, rb, u, j0, j1, hdPrev, hOut);
      else gruRow(a, ra, xs, rs, rb, u, j0, j1, hdPrev, hOut);
      rowOutput(rb + jb, nb, hOut, oOut);
    }
    rowDropout(rb + jb, j1 - j0, hOut, rmask, hdOut);
  }
}

/** Step `step` of a GRU (resetAfter) sequence for units [taskBegin * NR, taskEnd * NR), every row. */
export function gru_steps_f32(
  xp: usize, rec: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, biasRec: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, step: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const j0 = taskBegin * NR, j1 = minI(u, taskEnd * NR);
  if (j0 < j1) gruStep(xp, rec, h, hd, rmask, mask, o, zrow, zeroOut, packed, biasRec, B, T, u, a, ra, step, 0, B, j0, j1, scratch);
}

/** Every step of a GRU (resetAfter) sequence for rows [taskBegin * MR, taskEnd * MR), every unit; x as lstm_rows_f32 (bias: b_in). */
export function gru_rows_f32(
  xp: usize, rec: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, biasRec: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, x: usize, xRow: i32, xStep: i32, I: i32, w: usize, bias: usize,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const b0 = rowBegin(taskBegin), b1 = rowEnd(taskEnd, B);
  for (let s = 0; s < T && b0 < b1; s++) {
    projectRows(x, xRow, xStep, I, w, bias, B, u, 3, s, b0, b1, xp, scratch);
    gruStep(xp, rec, h, hd, rmask, mask, o, zrow, zeroOut, packed, biasRec, B, T, u, a, ra, s, b0, b1, 0, u, scratch);
  }
}

@inline function gruBackLanes<F, I>(
  o: usize, go: usize, ub: usize, gates: usize, rec: usize, hdPrev: usize,
  P: usize, Q: usize, rm: usize, dO: usize, carry: usize, dXp: usize, dR: usize, a: i32, ra: i32,
): void {
  const dh = gradIn<F>(o, P, Q, rm, dO, carry);
  clearIn<F>(o, P, carry);
  const z = ld<F>(gates + go), r = ld<F>(gates + go + ub), hh = ld<F>(gates + go + 2 * ub);
  const daz = fmul(fmul(dh, fsub(ld<F>(hdPrev + o), hh)), dact<F, I>(ra, z));
  const dah = fmul(fmul(dh, fsub(k<F>(1), z)), dact<F, I>(a, hh));
  const dar = fmul(fmul(dah, ld<F>(rec + go + 2 * ub)), dact<F, I>(ra, r));
  st<F>(dXp + go, daz);
  st<F>(dXp + go + ub, dar);
  st<F>(dXp + go + 2 * ub, dah);
  st<F>(dR + go, daz);
  st<F>(dR + go + ub, dar);
  st<F>(dR + go + 2 * ub, fmul(dah, r));
  st<F>(Q + o, fmul(dh, z));
}

@inline function gruBackRow(
  a: i32, ra: i32, rb: usize, u: i32, gates: usize, rec: usize, hdPrev: usize,
  P: usize, Q: usize, rm: usize, dO: usize, carry: usize, dXp: usize, dR: usize,
): void {
  const ub = <usize>u << 2;
  const gr = rb * 3;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= u; j += 4) {
      const o = <usize>j << 2;
      gruBackLanes<v128, v128>(rb + o, gr + o, ub, gates, rec, hdPrev, P, Q, rm, dO, carry, dXp, dR, a, ra);
    }
  }
  for (; j < u; j++) {
    const o = <usize>j << 2;
    gruBackLanes<f32, i32>(rb + o, gr + o, ub, gates, rec, hdPrev, P, Q, rm, dO, carry, dXp, dR, a, ra);
  }
}

/**
 * Backward of one GRU (resetAfter) step: writes dXp [B, 3u] (gradient of x W + b_in), dR [B, 3u]
 * (of hd U + b_rec) and Q = the direct gradient of hd (z dh; the recurrent GEMM adds dR U^T).
 */
export function gru_step_back_f32(
  gates: usize, rec: usize, hdPrev: usize, P: usize, Q: usize, rmask: usize, dO: usize, carry: usize,
  mask: usize, zeroOut: i32, dXp: usize, dR: usize, u: i32, a: i32, ra: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    if (isMasked(mask, b)) {
      maskedRowBackward(rb, u, P, Q, rmask, dO, carry, zeroOut);
      memory.fill(dXp + rb * 3, 0, ub * 3);
      memory.fill(dR + rb * 3, 0, ub * 3);
      continue;
    }
    if (a == RA_TANH && ra == RA_SIGMOID) gruBackRow(RA_TANH, RA_SIGMOID, rb, u, gates, rec, hdPrev, P, Q, rmask, dO, carry, dXp, dR);
    else gruBackRow(a, ra, rb, u, gates, rec, hdPrev, P, Q, rmask, dO, carry, dXp, dR);
  }
}

// ---- GRU, reset before (Keras resetAfter: false): xp = x W + b, then per step
// [xz, xr] += hd U_zr, z and r; rh = r * hd; xh += rh U_h; hh = tanh(xh); h = z hd + (1 - z) hh.

@inline function gruGateLanes<F, I>(xo: usize, ub: usize, hd: usize, rh: usize, ra: i32): void {
  const z = act<F, I>(ra, ld<F>(xo));
  const r = act<F, I>(ra, ld<F>(xo + ub));
  st<F>(xo, z);
  st<F>(xo + ub, r);
  st<F>(rh, fmul(r, ld<F>(hd)));
}

/** First half of a reset-before GRU step: z, r in place in xp [B, 3u], rh = r * hd [B, u]. */
export function gru_gates_f32(xp: usize, hdPrev: usize, rh: usize, u: i32, ra: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    const xr = xp + rb * 3;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        if (ra == RA_SIGMOID) gruGateLanes<v128, v128>(xr + o, ub, hdPrev + rb + o, rh + rb + o, RA_SIGMOID);
        else gruGateLanes<v128, v128>(xr + o, ub, hdPrev + rb + o, rh + rb + o, ra);
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      gruGateLanes<f32, i32>(xr + o, ub, hdPrev + rb + o, rh + rb + o, ra);
    }
  }
}

@inline function gruCandLanes<F, I>(xo: usize, ub: usize, hp: usize, hn: usize, a: i32): void {
  const z = ld<F>(xo);
  const hh = act<F, I>(a, ld<F>(xo + 2 * ub));
  st<F>(xo + 2 * ub, hh);
  st<F>(hn, fadd(fmul(z, ld<F>(hp)), fmul(fsub(k<F>(1), z), hh)));
}

@inline function gruCandRow(a: i32, xp: usize, rb: usize, u: i32, hdPrev: usize, hOut: usize): void {
  const ub = <usize>u << 2;
  const xr = xp + rb * 3;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= u; j += 4) {
      const o = <usize>j << 2;
      gruCandLanes<v128, v128>(xr + o, ub, hdPrev + rb + o, hOut + rb + o, a);
    }
  }
  for (; j < u; j++) {
    const o = <usize>j << 2;
    gruCandLanes<f32, i32>(xr + o, ub, hdPrev + rb + o, hOut + rb + o, a);
  }
}

/** Second half of a reset-before GRU step: hh in place in xp (after xh += rh U_h), the new state. */
export function gru_cand_f32(
  xp: usize, hdPrev: usize, hPrev: usize, hOut: usize, rmask: usize, hdOut: usize,
  mask: usize, oPrev: usize, oOut: usize, zeroOut: i32, u: i32, a: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    if (isMasked(mask, b)) {
      maskedRowForward(rb, ub, hPrev, hOut, 0, 0, oPrev, oOut, zeroOut);
    } else {
      if (a == RA_TANH) gruCandRow(RA_TANH, xp, rb, u, hdPrev, hOut);
      else gruCandRow(a, xp, rb, u, hdPrev, hOut);
      rowOutput(rb, ub, hOut, oOut);
    }
    rowDropout(rb, u, hOut, rmask, hdOut);
  }
}

/**
 * Every step of a reset-before GRU sequence for rows [taskBegin * MR, taskEnd * MR): per step
 * xp[:, :2u] += hd U_zr (pzr: U's z and r columns packed as 2 gates), gru_gates_f32 (r * hd into
 * rh [T, B, u]), xp[:, 2u:] += rh U_h (ph: packed as 1 gate), gru_cand_f32. The other buffers as
 * gru_rows_f32 (x as lstm_rows_f32).
 */
export function gru_reset_before_rows_f32(
  xp: usize, rh: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  pzr: usize, ph: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, x: usize, xRow: i32, xStep: i32, I: i32, w: usize, bias: usize,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const b0 = rowBegin(taskBegin), b1 = rowEnd(taskEnd, B);
  if (b0 >= b1) return;
  const ub = <usize>u << 2, BU = <usize>B * ub, G = 3 * u, row0 = <usize>b0 * ub;
  for (let step = 0; step < T; step++) {
    const s = <usize>step;
    const hPrev = h + s * BU, hOut = hPrev + BU;
    const hdPrev = hd ? hd + s * BU : hPrev;
    const xs = xp + s * BU * 3, rs = rh + s * BU;
    projectRows(x, xRow, xStep, I, w, bias, B, u, 3, step, b0, b1, xp, scratch);
    recurrentColumns(hdPrev + row0, b1 - b0, u, pzr, 2, xs + row0 * 3, G, 1, 0, 0, u, scratch);
    gru_gates_f32(xs, hdPrev, rs, u, ra, b0, b1, scratch);
    recurrentColumns(rs + row0, b1 - b0, u, ph, 1, xs + row0 * 3 + 2 * ub, G, 1, 0, 0, u, scratch);
    const hdOut = nextHd(hd, step, T, BU);
    const ms = stepMask(mask, step, B);
    const oPrev = prevOutput(o, step, BU, zrow);
    const oOut = stepOutput(o, step, BU);
    gru_cand_f32(xs, hdPrev, hPrev, hOut, rmask, hdOut, ms, oPrev, oOut, zeroOut, u, a, b0, b1, scratch);
  }
}

@inline function gruCandBackLanes<F, I>(
  o: usize, go: usize, ub: usize, gates: usize, hdPrev: usize,
  P: usize, Q: usize, rm: usize, dO: usize, carry: usize, dZ: usize, a: i32, ra: i32,
): void {
  const dh = gradIn<F>(o, P, Q, rm, dO, carry);
  clearIn<F>(o, P, carry);
  const z = ld<F>(gates + go), hh = ld<F>(gates + go + 2 * ub);
  st<F>(dZ + go, fmul(fmul(dh, fsub(ld<F>(hdPrev + o), hh)), dact<F, I>(ra, z)));
  st<F>(dZ + go + 2 * ub, fmul(fmul(dh, fsub(k<F>(1), z)), dact<F, I>(a, hh)));
  st<F>(Q + o, fmul(dh, z));
}

/**
 * Backward of the second half of a reset-before GRU step: dZ [B, 3u] gets the z and h columns,
 * Q = z dh (the direct gradient of hd). The op then computes drh = dZ_h U_h^T.
 */
export function gru_cand_back_f32(
  gates: usize, hdPrev: usize, P: usize, Q: usize, rmask: usize, dO: usize, carry: usize,
  mask: usize, zeroOut: i32, dZ: usize, u: i32, a: i32, ra: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    const gr = rb * 3;
    if (isMasked(mask, b)) {
      maskedRowBackward(rb, u, P, Q, rmask, dO, carry, zeroOut);
      memory.fill(dZ + gr, 0, ub * 3);
      continue;
    }
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        if (a == RA_TANH && ra == RA_SIGMOID) gruCandBackLanes<v128, v128>(rb + o, gr + o, ub, gates, hdPrev, P, Q, rmask, dO, carry, dZ, RA_TANH, RA_SIGMOID);
        else gruCandBackLanes<v128, v128>(rb + o, gr + o, ub, gates, hdPrev, P, Q, rmask, dO, carry, dZ, a, ra);
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      gruCandBackLanes<f32, i32>(rb + o, gr + o, ub, gates, hdPrev, P, Q, rmask, dO, carry, dZ, a, ra);
    }
  }
}

@inline function gruGateBackLanes<F, I>(o: usize, go: usize, ub: usize, gates: usize, hdPrev: usize, drh: usize, Q: usize, dZ: usize, ra: i32): void {
  const d = ld<F>(drh + o);
  const r = ld<F>(gates + go + ub);
  st<F>(dZ + go + ub, fmul(fmul(d, ld<F>(hdPrev + o)), dact<F, I>(ra, r)));
  st<F>(Q + o, fadd(ld<F>(Q + o), fmul(d, r)));
}

/** Backward of the first half: the r column of dZ from drh = d(rh), and Q += drh * r. */
export function gru_gates_back_f32(gates: usize, hdPrev: usize, drh: usize, Q: usize, dZ: usize, u: i32, ra: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    const gr = rb * 3;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= u; j += 4) {
        const o = <usize>j << 2;
        gruGateBackLanes<v128, v128>(rb + o, gr + o, ub, gates, hdPrev, drh, Q, dZ, ra);
      }
    }
    for (; j < u; j++) {
      const o = <usize>j << 2;
      gruGateBackLanes<f32, i32>(rb + o, gr + o, ub, gates, hdPrev, drh, Q, dZ, ra);
    }
  }
}
