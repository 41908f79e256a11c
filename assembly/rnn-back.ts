// Backpropagation through time split by batch rows: a thread runs every step of its own rows, from
// the last to the first, the cell's backward kernel then dh_{s-1} = dZ_s U^T for those rows (a
// row's gradient never reads another row's), so the threads never wait for each other. The same
// kernels and products as the driver's per-step loop (src/engine/drivers/rnn-backward.ts), row by
// row: the same bits, any thread count.
import { lstm_step_back_f32 } from './rnn-lstm';
import { gru_step_back_f32, gru_cand_back_f32, gru_gates_back_f32 } from './rnn-gru';
import { rnn_step_back_f32 } from './rnn-simple';
import { stepMask } from './rnn-shared';
import { gateColumns, rowBegin, rowEnd } from './rnn-seq';

const CELL_LSTM = 0;
const CELL_GRU = 1;
const CELL_GRU_RESET_BEFORE = 2;

/** Q[b0:b1] (+)= a[b0:b1] P for a [B, k] (rows lda floats apart), P [k, u] packed, Q [B, u]. */
@inline function rowsTimesPacked(a: usize, lda: i32, k: i32, packed: usize, q: usize, u: i32, accumulate: i32, b0: i32, b1: i32, scratch: usize): void {
  gateColumns(a + ((<usize>b0 * <usize>lda) << 2), lda, b1 - b0, k, u, packed, 1, q + ((<usize>b0 * <usize>u) << 2), u, accumulate, 0, 0, u, scratch);
}

/**
 * The backward time loop for rows [taskBegin * MR, taskEnd * MR) of a cell (0 LSTM, 1 GRU reset
 * after, 2 GRU reset before, 3 SimpleRNN). Buffers as the driver's: z the activated gates [T, B, G],
 * c the LSTM states and dc its running gradient, rec the GRU's recurrent products, hs the states
 * [T + 1, B, u], hd the states after recurrent dropout (0: none), drh [B, u] for the reset-before
 * GRU; P, Q, carry, rmask, mask, zeroOut as in rnn-shared.ts; dOt the output gradients [T, B, u]
 * (0: only the last step's, dy); masked: Q accumulates; dZ (and dR) [T, B, G] get the
 * pre-activation gradients; pUt = U^T packed (reset-before: U_zr^T, with U_h^T in pUht);
 * recurseFirst: the first step's recurrent product too (the initial state's gradient is wanted).
 */
export function rnn_back_rows_f32(
  cell: i32, z: usize, c: usize, dc: usize, rec: usize, hs: usize, hd: usize, drh: usize,
  P: usize, Q: usize, rmask: usize, dOt: usize, dy: usize, carry: usize, mask: usize, zeroOut: i32, masked: i32,
  dZ: usize, dR: usize, pUt: usize, pUht: usize, B: i32, T: i32, u: i32, a: i32, ra: i32, recurseFirst: i32,
  taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  const b0 = rowBegin(taskBegin), b1 = rowEnd(taskEnd, B);
  if (b0 >= b1) return;
  const G = (cell == CELL_LSTM ? 4 : cell == CELL_GRU || cell == CELL_GRU_RESET_BEFORE ? 3 : 1) * u;
  const BU = (<usize>B * <usize>u) << 2, BG = (<usize>B * <usize>G) << 2;
  for (let step = T - 1; step >= 0; step--) {
    const s = <usize>step;
    const zs = z + s * BG, dzs = dZ + s * BG;
    const dO: usize = dOt ? dOt + s * BU : step == T - 1 ? dy : 0;
    const ms = stepMask(mask, step, B);
    const hdPrev = hd ? hd + s * BU : hs + s * BU;
    const recurse = step > 0 || recurseFirst != 0;
    if (cell == CELL_LSTM) {
      lstm_step_back_f32(zs, c + s * BU, c + (s + 1) * BU, dc, P, Q, rmask, dO, carry, ms, zeroOut, masked, dzs, u, a, ra, b0, b1, scratch);
      if (recurse) rowsTimesPacked(dzs, G, G, pUt, Q, u, masked, b0, b1, scratch);
    } else if (cell == CELL_GRU) {
      const drs = dR + s * BG;
      gru_step_back_f32(zs, rec + s * BG, hdPrev, P, Q, rmask, dO, carry, ms, zeroOut, dzs, drs, u, a, ra, b0, b1, scratch);
      if (recurse) rowsTimesPacked(drs, G, G, pUt, Q, u, 1, b0, b1, scratch);
    } else if (cell == CELL_GRU_RESET_BEFORE) {
      gru_cand_back_f32(zs, hdPrev, P, Q, rmask, dO, carry, ms, zeroOut, dzs, u, a, ra, b0, b1, scratch);
      rowsTimesPacked(dzs + ((<usize>(2 * u)) << 2), G, u, pUht, drh, u, 0, b0, b1, scratch);
      gru_gates_back_f32(zs, hdPrev, drh, Q, dzs, u, ra, b0, b1, scratch);
      if (recurse) rowsTimesPacked(dzs, G, 2 * u, pUt, Q, u, 1, b0, b1, scratch);
    } else {
      rnn_step_back_f32(hs + (s + 1) * BU, P, Q, rmask, dO, carry, ms, zeroOut, masked, dzs, u, a, b0, b1, scratch);
      if (recurse) rowsTimesPacked(dzs, G, G, pUt, Q, u, masked, b0, b1, scratch);
    }
  }
}
