// The recurrent GEMM of the sequence kernels, and the two ways they split a sequence over threads:
// - by batch rows (lstm_rows_f32, gru_rows_f32, rnn_rows_f32, gru_reset_before_rows_f32): a
//   thread owns blocks of MR rows and runs every step of them, all units; a row's next step reads
//   only its own state, so the threads never wait for each other (one ordinary job, no barrier);
// - by units (lstm_steps_f32, gru_steps_f32, rnn_steps_f32), for batches too small to share: the
//   driver runs a stepped job (src/engine/pool.ts runSteps), threads own blocks of NR units and
//   compute, per step, the columns of every gate of hd U for them (U packed gate by gate, so each
//   gate's block of NR units is one panel), then the cell update of those units; a barrier per step,
//   as the next step's GEMM reads all of h.
// Each element is the GEMM microkernel's (assembly/gemm.ts: KC blocks, k ascending) and row blocks
// start at multiples of MR: the same bits as the one-GEMM-per-step loop, either split, any thread
// count.
import { MR, NR, KC, MC } from './abi';
import { minI } from './common';
import { packA } from './gemm-pack';
import { rowTail, tile } from './gemm-micro';

/**
 * c[:, g u + j] (+)= (a [m, k] P_g)[:, j] (+ bias[g u + j]) for units j in [j0, j1) (j0 a multiple of
 * NR) of every gate g < gates, where P is U [u, gates u] or W [k, gates u] packed gate by gate
 * (packB of each [k, u] block, back to back); a has rows of lda floats, c of ldc. Scratch: a
 * packed A block and the edge tile.
 */
export function gateColumns(a: usize, lda: i32, m: i32, k: i32, u: i32, packed: usize, gates: i32, c: usize, ldc: i32, accumulate: i32, bias: usize, j0: i32, j1: i32, scratch: usize): void {
  const nAll = ((u + NR - 1) / NR) * NR;
  const gateBytes = (<usize>k * <usize>nAll) << 2;
  // Every unit of every gate, whole panels, one block of k: the gates' panels lie back to back and
  // so do their columns of c, so they run as one product of gates u columns (a row kernel's passes
  // then span gate ends: GRU 128 at batch 1, 16 passes of three panels instead of 3 x (5 + 1)).
  const oneBlock = j0 == 0 && j1 == u && u % NR == 0 && k <= KC;
  const nt = oneBlock ? gates * u : j1 - j0;
  const gateRuns = oneBlock ? 1 : gates;
  const ldcBytes = <usize>ldc << 2;
  const pa = scratch;
  const edge = pa + (<usize>(MC * KC) << 2);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = minI(KC, k - p0);
    const add = <i32>(p0 > 0 || accumulate != 0);
    const last = p0 + kc >= k;
    for (let ic = 0; ic < m; ic += MC) {
      const mc = minI(MC, m - ic);
      packA(a, lda, 0, ic, mc, p0, kc, pa);
      for (let g = 0; g < gateRuns; g++) {
        const panelsB = packed + <usize>g * gateBytes + (<usize>(p0 * nAll + j0 * kc) << 2);
        const cg = c + (<usize>(g * u) << 2);
        const bg: usize = bias ? bias + (<usize>(g * u) << 2) : 0;
        const fullRows = mc - mc % MR;
        for (let jr = 0; jr < nt; jr += NR) {
          for (let ir = 0; ir < fullRows; ir += MR) {
            tile(pa, panelsB, cg, ldc, ldcBytes, ic, j0, ir, jr, mc, nt, kc, add, last, bg, 0, edge);
          }
        }
        if (fullRows < mc) rowTail(pa, panelsB, cg, ldc, ldcBytes, ic, j0, fullRows, mc, nt, kc, add, last, bg, 0, edge);
      }
    }
  }
}

/** Rows [taskBegin * MR, taskEnd * MR) of a batch of B rows (the row-split kernels' tasks). */
@inline export function rowBegin(taskBegin: i32): i32 {
  return taskBegin * MR;
}
@inline export function rowEnd(taskEnd: i32, B: i32): i32 {
  return minI(B, taskEnd * MR);
}

/** gateColumns over U [u, gates u]: the recurrent product of a step, a rows of u floats. */
@inline export function recurrentColumns(a: usize, m: i32, u: i32, packed: usize, gates: i32, c: usize, ldc: i32, accumulate: i32, bias: usize, j0: i32, j1: i32, scratch: usize): void {
  gateColumns(a, u, m, u, u, packed, gates, c, ldc, accumulate, bias, j0, j1, scratch);
}

/**
 * The input projection of step s for rows [b0, b1) when a row-split kernel computes it (x != 0):
 * z[s, b, :] = x_s[b, :] W + bias, x_s[b] at float (b xRow + s xStep) from x (the layer's input as
 * it is: batch-major, xStep negative when the sequence runs backwards), z [T, B, gates u], W
 * packed gate by gate. In the thread that then reads it, so z never crosses cores.
 */
@inline export function projectRows(x: usize, xRow: i32, xStep: i32, k: i32, w: usize, bias: usize, B: i32, u: i32, gates: i32, s: i32, b0: i32, b1: i32, z: usize, scratch: usize): void {
  if (!x) return;
  // wraps modulo 2^32 like the wasm32 address it is, so a negative step lands right
  const a = x + <usize>((b0 * xRow + s * xStep) << 2);
  const row = <usize>s * <usize>B + <usize>b0;
  gateColumns(a, xRow, b1 - b0, k, u, w, gates, z + ((row * <usize>(gates * u)) << 2), gates * u, 0, bias, 0, u, scratch);
}
