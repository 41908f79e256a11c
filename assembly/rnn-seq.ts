// The recurrent GEMM of the sequence kernels (lstm_steps_f32, gru_steps_f32, rnn_steps_f32): the
// driver runs a whole sequence as one stepped job (src/engine/pool.ts runSteps), with a barrier
// between steps. A thread's tasks are blocks of NR units; per step it computes, for its units, the
// columns of every gate of hd U (U packed gate by gate, so each gate's block of NR units is one
// panel), then the cell update of those units: one barrier per step, as the next step's GEMM reads
// all of h. Each column is the GEMM microkernel's (assembly/gemm.ts: KC blocks, k ascending), the
// same bits as the one-GEMM-per-step loop and for any thread count.
import { MR, NR, KC, MC } from './abi';
import { minI } from './common';
import { packA } from './gemm-pack';
import { tile } from './gemm-micro';

/** Floats of one gate's packed block of U [u, u] (the driver packs `gates` of them back to back). */
@inline export function packedGateFloats(u: i32): i32 {
  return u * (((u + NR - 1) / NR) * NR);
}

/**
 * c[:, g u + j] (+)= (a [m, u] U_g)[:, j] (+ bias[g u + j]) for units j in [j0, j1) (j0 a multiple of
 * NR) of every gate g < gates; c has rows of gates * u floats. Scratch: a packed A block and the
 * edge tile.
 */
export function recurrentColumns(a: usize, m: i32, u: i32, packed: usize, gates: i32, c: usize, accumulate: i32, bias: usize, j0: i32, j1: i32, scratch: usize): void {
  const nAll = ((u + NR - 1) / NR) * NR;
  const gateBytes = <usize>packedGateFloats(u) << 2;
  const nt = j1 - j0;
  const ldc = gates * u;
  const ldcBytes = <usize>ldc << 2;
  const pa = scratch;
  const edge = pa + (<usize>(MC * KC) << 2);
  for (let p0 = 0; p0 < u; p0 += KC) {
    const kc = minI(KC, u - p0);
    const add = <i32>(p0 > 0 || accumulate != 0);
    const last = p0 + kc >= u;
    for (let ic = 0; ic < m; ic += MC) {
      const mc = minI(MC, m - ic);
      packA(a, u, 0, ic, mc, p0, kc, pa);
      for (let g = 0; g < gates; g++) {
        const panelsB = packed + <usize>g * gateBytes + (<usize>(p0 * nAll + j0 * kc) << 2);
        const cg = c + (<usize>(g * u) << 2);
        const bg: usize = bias ? bias + (<usize>(g * u) << 2) : 0;
        for (let jr = 0; jr < nt; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) {
            tile(pa, panelsB, cg, ldc, ldcBytes, ic, j0, ir, jr, mc, nt, kc, add, last, bg, 0, edge);
          }
        }
      }
    }
  }
}
