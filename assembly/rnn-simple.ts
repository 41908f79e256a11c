// SimpleRNN cell: the fused step kernel and its backward (conventions in rnn-shared.ts).
import { fmul } from './vmath';
import { RA_TANH, ld, st, act, dact, gradIn, clearIn, isMasked, maskedRowForward, rowOutput, rowDropout, maskedRowBackward } from './rnn-shared';

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

/** One SimpleRNN step: hOut = act(z) for z [B, u] = x W + b + hd U. */
export function rnn_step_f32(
  z: usize, hPrev: usize, hOut: usize, rmask: usize, hdOut: usize,
  mask: usize, oPrev: usize, oOut: usize, zeroOut: i32, u: i32, a: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    if (isMasked(mask, b)) {
      maskedRowForward(rb, ub, hPrev, hOut, 0, 0, oPrev, oOut, zeroOut);
    } else {
      if (a == RA_TANH) rnnRow(RA_TANH, z, rb, u, hOut);
      else rnnRow(a, z, rb, u, hOut);
      rowOutput(rb, ub, hOut, oOut);
    }
    rowDropout(rb, u, hOut, rmask, hdOut);
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
