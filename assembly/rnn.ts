// Recurrent cells: the fused per-step kernels of LSTM, GRU and SimpleRNN, each beside its backward.
//
// The op (src/ops/rnn.ts) does the input projection of every step as one GEMM and, per step, the
// recurrent GEMM; these kernels do everything else of a step in one pass over [B, units]: gate
// nonlinearities, the cell update, masking of padded steps, recurrent dropout of the next state.
// Buffers are time-major: one step is a contiguous [B, G] block. Tasks are batch rows, so results
// are bitwise identical for any thread count. Each row is written once over F (v128 or f32) like
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

export const RA_LINEAR: i32 = 0;
export const RA_RELU: i32 = 1;
export const RA_TANH: i32 = 2;
export const RA_SIGMOID: i32 = 3;
/** TF.js's hard sigmoid: clip(0.2 x + 0.5, 0, 1). */
export const RA_HARD_SIGMOID: i32 = 4;

// ---- lane-generic helpers ---------------------------------------------------------------------

@inline function ld<F>(p: usize): F { if (isVector<F>()) return v128.load(p); else return load<f32>(p); }
@inline function st<F>(p: usize, v: F): void { if (isVector<F>()) v128.store(p, v); else store<f32>(p, v); }

@inline function act<F, I>(id: i32, x: F): F {
  if (id == RA_TANH) { if (isVector<F>()) return tanhV(x); else return tanhS(x); }
  if (id == RA_SIGMOID) { if (isVector<F>()) return sigmoidV(x); else return sigmoidS(x); }
  if (id == RA_RELU) return fmax(x, k<F>(0));
  if (id == RA_HARD_SIGMOID) return fmin(fmax(fadd(fmul(x, k<F>(0.2)), k<F>(0.5)), k<F>(0)), k<F>(1));
  return x;
}

/** f'(x) read from y = f(x). */
@inline function dact<F, I>(id: i32, y: F): F {
  if (id == RA_TANH) return fsub(k<F>(1), fmul(y, y));
  if (id == RA_SIGMOID) return fmul(y, fsub(k<F>(1), y));
  if (id == RA_RELU) return sel<F, I>(fgt<F, I>(y, k<F>(0)), k<F>(1), k<F>(0));
  if (id == RA_HARD_SIGMOID) return sel<F, I>(iand<I>(fgt<F, I>(y, k<F>(0)), flt<F, I>(y, k<F>(1))), k<F>(0.2), k<F>(0));
  return k<F>(1);
}

/** The gradient reaching h_s in this step: P + Q * rmask + dO + carry (absent terms skipped). */
@inline function gradIn<F>(o: usize, P: usize, Q: usize, rm: usize, dO: usize, carry: usize): F {
  let q = ld<F>(Q + o);
  if (rm) q = fmul(q, ld<F>(rm + o));
  let g = fadd(ld<F>(P + o), q);
  if (dO) g = fadd(g, ld<F>(dO + o));
  if (carry) g = fadd(g, ld<F>(carry + o));
  return g;
}

/** After an unmasked row: P and carry are consumed. */
@inline function clearIn<F>(o: usize, P: usize, carry: usize): void {
  st<F>(P + o, k<F>(0));
  if (carry) st<F>(carry + o, k<F>(0));
}

@inline function isMasked(mask: usize, b: i32): bool {
  return mask != 0 && load<f32>(mask + (<usize>b << 2)) == 0;
}

/** Forward of a masked row: states carried, output repeated (or zero). */
function maskedRowForward(rb: usize, ub: usize, hPrev: usize, hOut: usize, cPrev: usize, cOut: usize, oPrev: usize, oOut: usize, zeroOut: i32): void {
  memory.copy(hOut + rb, hPrev + rb, ub);
  if (cOut) memory.copy(cOut + rb, cPrev + rb, ub);
  if (oOut) {
    if (zeroOut) memory.fill(oOut + rb, 0, ub);
    else memory.copy(oOut + rb, oPrev + rb, ub);
  }
}

/** The unmasked row's output (when outputs are kept apart from states: with a mask). */
@inline function rowOutput(rb: usize, ub: usize, hOut: usize, oOut: usize): void {
  if (oOut) memory.copy(oOut + rb, hOut + rb, ub);
}

/** hd = h * rmask for the next step's recurrent GEMM (recurrent dropout), when hdOut is given. */
function rowDropout(rb: usize, u: i32, hOut: usize, rmask: usize, hdOut: usize): void {
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
function maskedRowBackward(rb: usize, u: i32, P: usize, Q: usize, rm: usize, dO: usize, carry: usize, zeroOut: i32): void {
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

@inline function lstmRow(a: i32, ra: i32, z: usize, rb: usize, u: i32, cPrev: usize, cOut: usize, hOut: usize): void {
  const ub = <usize>u << 2;
  const zr = z + (rb << 2);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= u; j += 4) {
      const o = <usize>j << 2;
      lstmLanes<v128, v128>(zr + o, ub, cPrev + rb + o, cOut + rb + o, hOut + rb + o, a, ra);
    }
  }
  for (; j < u; j++) {
    const o = <usize>j << 2;
    lstmLanes<f32, i32>(zr + o, ub, cPrev + rb + o, cOut + rb + o, hOut + rb + o, a, ra);
  }
}

/**
 * One LSTM step over batch rows [taskBegin, taskEnd): z [B, 4u] holds x W + b + hd U and gets the
 * gate activations (i, f, g, o) in place; c and h of the step go to cOut, hOut. mask [B] (0: none),
 * oPrev/oOut: output rows kept apart from h (with a mask), hdOut = hOut * rmask (0: none).
 */
export function lstm_step_f32(
  z: usize, cPrev: usize, cOut: usize, hPrev: usize, hOut: usize, rmask: usize, hdOut: usize,
  mask: usize, oPrev: usize, oOut: usize, zeroOut: i32, u: i32, a: i32, ra: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    if (isMasked(mask, b)) {
      maskedRowForward(rb, ub, hPrev, hOut, cPrev, cOut, oPrev, oOut, zeroOut);
    } else {
      if (a == RA_TANH && ra == RA_SIGMOID) lstmRow(RA_TANH, RA_SIGMOID, z, rb, u, cPrev, cOut, hOut);
      else lstmRow(a, ra, z, rb, u, cPrev, cOut, hOut);
      rowOutput(rb, ub, hOut, oOut);
    }
    rowDropout(rb, u, hOut, rmask, hdOut);
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

@inline function gruRow(a: i32, ra: i32, xp: usize, rec: usize, rb: usize, u: i32, hdPrev: usize, hOut: usize): void {
  const ub = <usize>u << 2;
  const gr = rb * 3;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= u; j += 4) {
      const o = <usize>j << 2;
      gruLanes<v128, v128>(xp + gr + o, ub, rec + gr + o, hdPrev + rb + o, hOut + rb + o, a, ra);
    }
  }
  for (; j < u; j++) {
    const o = <usize>j << 2;
    gruLanes<f32, i32>(xp + gr + o, ub, rec + gr + o, hdPrev + rb + o, hOut + rb + o, a, ra);
  }
}

/**
 * One GRU (resetAfter) step: xp [B, 3u] (x W + b_in) gets (z, r, hh) in place; rec [B, 3u] =
 * hd U + b_rec; hdPrev is the previous state as the cell uses it (after recurrent dropout, as Keras
 * does), hPrev the state a masked row keeps.
 */
export function gru_step_f32(
  xp: usize, rec: usize, hdPrev: usize, hPrev: usize, hOut: usize, rmask: usize, hdOut: usize,
  mask: usize, oPrev: usize, oOut: usize, zeroOut: i32, u: i32, a: i32, ra: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const ub = <usize>u << 2;
  for (let b = taskBegin; b < taskEnd; b++) {
    const rb = <usize>b * ub;
    if (isMasked(mask, b)) {
      maskedRowForward(rb, ub, hPrev, hOut, 0, 0, oPrev, oOut, zeroOut);
    } else {
      if (a == RA_TANH && ra == RA_SIGMOID) gruRow(RA_TANH, RA_SIGMOID, xp, rec, rb, u, hdPrev, hOut);
      else gruRow(a, ra, xp, rec, rb, u, hdPrev, hOut);
      rowOutput(rb, ub, hOut, oOut);
    }
    rowDropout(rb, u, hOut, rmask, hdOut);
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
