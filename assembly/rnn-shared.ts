// What the recurrent cells share (rnn-lstm.ts, rnn-gru.ts, rnn-simple.ts): activation ids and their
// derivatives, masking and recurrent dropout of a row, the backward's carried gradients, and the
// sequence layout copy. The cells are the fused per-step kernels of LSTM, GRU and SimpleRNN, each
// beside its backward.
//
// The driver (src/engine/drivers/rnn-forward.ts) does the input projection of every step as one
// GEMM. The forward of LSTM, reset-after GRU and SimpleRNN then runs as one stepped job
// (*_steps_f32, rnn-seq.ts): per step, the recurrent GEMM and the cell (gate nonlinearities, the
// cell update, masking of padded steps, recurrent dropout of the next state) of a block of units,
// the tasks. The reset-before GRU and the backward kernels take batch rows as tasks. Either way
// results are bitwise identical for any thread count. Buffers are time-major: one step is a
// contiguous [B, G] block. Each row is written once over F (v128 or f32) like
// unary.ts, so the scalar tail of a row gives the same bits as a vector lane; plain multiply and
// add (no fused madd): every build gives the same bits for the same gate inputs.
//
// Masking (Keras): a masked row keeps its states (h, c) and repeats its previous output (or
// outputs zeros with zeroOut); its gate gradients are zero and its state gradients pass through.
//
// Backward state, per row: P = the gradient of h_s that reaches it directly (dhT at the start, or
// passed through masked steps), Q = the gradient of hd_s (h_s after recurrent dropout, as the next
// step used it; the recurrent GEMM accumulates into it), carry = the output gradient passed back
// through masked steps. The gradient of h_s is P + Q * rmask (+ the output gradient dO_s + carry).
import { k, fadd, fsub, fmul, fmin, fmax, fgt, flt, sel, iand, tanhV, tanhS, sigmoidV, sigmoidS } from './vmath';

import { RA_LINEAR, RA_RELU, RA_TANH, RA_SIGMOID, RA_HARD_SIGMOID } from './abi';
import { ld as ldAt, st as stAt } from './lanes';
export { RA_LINEAR, RA_RELU, RA_TANH, RA_SIGMOID, RA_HARD_SIGMOID };

/** A lane (v128 or f32) at p: the cells address rows by pointer, not by index. */
@inline export function ld<F>(p: usize): F { return ldAt<F>(p, 0); }
@inline export function st<F>(p: usize, v: F): void { stAt<F>(p, 0, v); }

@inline export function act<F, I>(id: i32, x: F): F {
  if (id == RA_TANH) { if (isVector<F>()) return tanhV(x); else return tanhS(x); }
  if (id == RA_SIGMOID) { if (isVector<F>()) return sigmoidV(x); else return sigmoidS(x); }
  if (id == RA_RELU) return fmax(x, k<F>(0));
  if (id == RA_HARD_SIGMOID) return fmin(fmax(fadd(fmul(x, k<F>(0.2)), k<F>(0.5)), k<F>(0)), k<F>(1));
  return x;
}

/** f'(x) read from y = f(x). */
@inline export function dact<F, I>(id: i32, y: F): F {
  if (id == RA_TANH) return fsub(k<F>(1), fmul(y, y));
  if (id == RA_SIGMOID) return fmul(y, fsub(k<F>(1), y));
  if (id == RA_RELU) return sel<F, I>(fgt<F, I>(y, k<F>(0)), k<F>(1), k<F>(0));
  if (id == RA_HARD_SIGMOID) return sel<F, I>(iand<I>(fgt<F, I>(y, k<F>(0)), flt<F, I>(y, k<F>(1))), k<F>(0.2), k<F>(0));
  return k<F>(1);
}

/** The gradient reaching h_s in this step: P + Q * rmask + dO + carry (absent terms skipped). */
@inline export function gradIn<F>(o: usize, P: usize, Q: usize, rm: usize, dO: usize, carry: usize): F {
  let q = ld<F>(Q + o);
  if (rm) q = fmul(q, ld<F>(rm + o));
  let g = fadd(ld<F>(P + o), q);
  if (dO) g = fadd(g, ld<F>(dO + o));
  if (carry) g = fadd(g, ld<F>(carry + o));
  return g;
}

/** After an unmasked row: P and carry are consumed. */
@inline export function clearIn<F>(o: usize, P: usize, carry: usize): void {
  st<F>(P + o, k<F>(0));
  if (carry) st<F>(carry + o, k<F>(0));
}

// The per-step pointers of a sequence kernel, step s of T with [B, u] blocks of BU bytes (0 where
// the buffer is absent): hd of the next step (recurrent dropout), the mask row, the previous and
// this step's outputs (kept apart from h with a mask; zrow, a zero block, before the first step).
@inline export function nextHd(hd: usize, step: i32, T: i32, BU: usize): usize {
  return hd && step + 1 < T ? hd + (<usize>step + 1) * BU : 0;
}
@inline export function stepMask(mask: usize, step: i32, B: i32): usize {
  return mask ? mask + <usize>step * (<usize>B << 2) : 0;
}
@inline export function prevOutput(o: usize, step: i32, BU: usize, zrow: usize): usize {
  return o ? (step > 0 ? o + (<usize>step - 1) * BU : zrow) : 0;
}
@inline export function stepOutput(o: usize, step: i32, BU: usize): usize {
  return o ? o + <usize>step * BU : 0;
}

@inline export function isMasked(mask: usize, b: i32): bool {
  return mask != 0 && load<f32>(mask + (<usize>b << 2)) == 0;
}

/** Forward of a masked row: states carried, output repeated (or zero). */
export function maskedRowForward(rb: usize, ub: usize, hPrev: usize, hOut: usize, cPrev: usize, cOut: usize, oPrev: usize, oOut: usize, zeroOut: i32): void {
  memory.copy(hOut + rb, hPrev + rb, ub);
  if (cOut) memory.copy(cOut + rb, cPrev + rb, ub);
  if (oOut) {
    if (zeroOut) memory.fill(oOut + rb, 0, ub);
    else memory.copy(oOut + rb, oPrev + rb, ub);
  }
}

/** The unmasked row's output (when outputs are kept apart from states: with a mask). */
@inline export function rowOutput(rb: usize, ub: usize, hOut: usize, oOut: usize): void {
  if (oOut) memory.copy(oOut + rb, hOut + rb, ub);
}

/** hd = h * rmask for the next step's recurrent GEMM (recurrent dropout), when hdOut is given. */
export function rowDropout(rb: usize, u: i32, hOut: usize, rmask: usize, hdOut: usize): void {
  if (!hdOut) return;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= u; j += 4) {
      const o = rb + (<usize>j << 2);
      st<v128>(hdOut + o, fmul(ld<v128>(hOut + o), ld<v128>(rmask + o)));
    }
  }
  for (; j < u; j++) {
    const o = rb + (<usize>j << 2);
    st<f32>(hdOut + o, fmul(ld<f32>(hOut + o), ld<f32>(rmask + o)));
  }
}

/** Backward of a masked row: zero gate gradients, state gradient passed on in P, output gradient in carry. */
export function maskedRowBackward(rb: usize, u: i32, P: usize, Q: usize, rm: usize, dO: usize, carry: usize, zeroOut: i32): void {
  for (let j = 0; j < u; j++) {
    const o = rb + (<usize>j << 2);
    let q = load<f32>(Q + o);
    if (rm) q *= load<f32>(rm + o);
    store<f32>(P + o, load<f32>(P + o) + q);
    store<f32>(Q + o, 0);
    if (carry) {
      let go: f32 = load<f32>(carry + o);
      if (dO) go = load<f32>(dO + o) + go;
      store<f32>(carry + o, zeroOut ? 0 : go);
    }
  }
}

// ---- layout ------------------------------------------------------------------------------------

/**
 * Copies between batch-major [B, T, F] and time-major [T, B, F] (toTimeMajor: batch-major src),
 * with time reversed when reverse (step s of the time-major side is time T-1-s). Tasks are steps.
 */
export function rnn_seq_copy(src: usize, dst: usize, B: i32, T: i32, F: i32, toTimeMajor: i32, reverse: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const rowBytes = <usize>F << 2;
  for (let s = taskBegin; s < taskEnd; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const bm = <usize>(b * T + t) * rowBytes;
      const tm = <usize>(s * B + b) * rowBytes;
      if (toTimeMajor) memory.copy(dst + tm, src + bm, rowBytes);
      else memory.copy(dst + bm, src + tm, rowBytes);
    }
  }
}
