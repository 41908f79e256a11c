// SimpleRNN cell: the stepped sequence kernel and the backward of a step (conventions in rnn-shared.ts).
import { fmul } from './vmath';
import { RA_TANH, ld, st, act, dact, gradIn, clearIn, isMasked, maskedRowForward, rowOutput, rowDropout, maskedRowBackward, nextHd, stepMask, prevOutput, stepOutput } from './rnn-shared';
import { recurrentColumns, projectRows, rowBegin, rowEnd } from './rnn-seq';
import { NR } from './abi';
import { minI } from './common';

// ---- SimpleRNN: h = act(x W + b + hd U) -------------------------------------------------------

@inline function rnnRow(a: i32, z: usize, rb: usize, u: i32, hOut: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= u; j += 4) {
      const o = rb + (<usize>j << 2);
      st<v128>(hOut + o, act<v128, v128>(a, ld<v128>(z + o)));
    }
  }
  for (; j < u; j++) {
    const o = rb + (<usize>j << 2);
    st<f32>(hOut + o, act<f32, i32>(a, ld<f32>(z + o)));
  }
}

/**
 * Step `s` of a SimpleRNN sequence for rows [b0, b1) and units [j0, j1) (see rnn-seq.ts): z
 * [T, B, u] += hd_{s-1} U for those columns, then h = act(z); the other buffers as in rnn-lstm.ts.
 */
function rnnStep(
  z: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, B: i32, T: i32, u: i32, a: i32, step: i32, b0: i32, b1: i32, j0: i32, j1: i32, scratch: usize,
): void {
  const ub = <usize>u << 2, BU = <usize>B * ub, s = <usize>step;
  const hPrev = h + s * BU, hOut = hPrev + BU;
  const hdPrev = hd ? hd + s * BU : hPrev;
  const zs = z + s * BU;
  recurrentColumns(hdPrev + <usize>b0 * ub, b1 - b0, u, packed, 1, zs + <usize>b0 * ub, u, 1, 0, j0, j1, scratch);
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
      if (a == RA_TANH) rnnRow(RA_TANH, zs, rb + jb, j1 - j0, hOut);
      else rnnRow(a, zs, rb + jb, j1 - j0, hOut);
      rowOutput(rb + jb, nb, hOut, oOut);
    }
    rowDropout(rb + jb, j1 - j0, hOut, rmask, hdOut);
  }
}

/** Step `step` of a SimpleRNN sequence for units [taskBegin * NR, taskEnd * NR), every row. */
export function rnn_steps_f32(
  z: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, B: i32, T: i32, u: i32, a: i32, step: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const j0 = taskBegin * NR, j1 = minI(u, taskEnd * NR);
  if (j0 < j1) rnnStep(z, h, hd, rmask, mask, o, zrow, zeroOut, packed, B, T, u, a, step, 0, B, j0, j1, scratch);
}

/** Every step of a SimpleRNN sequence for rows [taskBegin * MR, taskEnd * MR), every unit; x as lstm_rows_f32. */
export function rnn_rows_f32(
  z: usize, h: usize, hd: usize, rmask: usize, mask: usize, o: usize, zrow: usize, zeroOut: i32,
  packed: usize, B: i32, T: i32, u: i32, a: i32, x: usize, xRow: i32, xStep: i32, I: i32, w: usize, bias: usize,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const b0 = rowBegin(taskBegin), b1 = rowEnd(taskEnd, B);
  for (let s = 0; s < T && b0 < b1; s++) {
    projectRows(x, xRow, xStep, I, w, bias, B, u, 1, s, b0, b1, z, scratch);
    rnnStep(z, h, hd, rmask, mask, o, zrow, zeroOut, packed, B, T, u, a, s, b0, b1, 0, u, scratch);
  }
}

@inline function rnnBackLanes<F, I>(o: usize, h: usize, P: usize, Q: usize, rm: usize, dO: usize, carry: usize, dZ: usize, a: i32): void {
  const dh = gradIn<F>(o, P, Q, rm, dO, carry);
  clearIn<F>(o, P, carry);
  st<F>(dZ + o, fmul(dh, dact<F, I>(a, ld<F>(h + o))));
}

/** Backward of one SimpleRNN step: dZ [B, u] from this step's h; writeQ as for the LSTM. */
export function rnn_step_back_f32(
  h: usize, P: usize, Q: usize, rmask: usize, dO: usize, carry: usize, mask: usize, zeroOut: i32,
  writeQ: i32, dZ: usize, u: i32, a: i32, taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    if (isMasked(mask, b)) {
      maskedRowBackward(rb, u, P, Q, rmask, dO, carry, zeroOut);
      memory.fill(dZ + rb, 0, ub);
      continue;
    }
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= u; j += 4) {
        const o = rb + (<usize>j << 2);
        if (a == RA_TANH) rnnBackLanes<v128, v128>(o, h, P, Q, rmask, dO, carry, dZ, RA_TANH);
        else rnnBackLanes<v128, v128>(o, h, P, Q, rmask, dO, carry, dZ, a);
      }
    }
    for (; j < u; j++) {
      const o = rb + (<usize>j << 2);
      rnnBackLanes<f32, i32>(o, h, P, Q, rmask, dO, carry, dZ, a);
    }
    if (writeQ) memory.fill(Q + rb, 0, ub);
  }
}
