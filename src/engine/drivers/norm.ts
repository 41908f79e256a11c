// Batch and layer normalization (assembly/norm.ts).
import { WasmgradError } from '../../errors.js';
import { engine } from '../state.js';
import { SCRATCH_BYTES, SUMS } from '../abi.js';
import { DIRECT_PARALLEL, withBlocks, writeFloats } from './common.js';

export { SUMS };

/** Rows per partial sum: a chunking fixed by the shape alone, so sums never depend on threads. */
const rowsPerChunk = (C: number) => Math.max(1, Math.floor(16384 / C));

/**
 * Column sums of [R, C] data (mode of SUMS; p0, p1 per-channel or per-row parameters; "sum" adds
 * x - p0, p0 a shift): partial sums per chunk of rows in the kernel, then added in float64 in
 * chunk order. Returns 2C values (the second C only for the gradient modes).
 */
export function channelSums(mode: keyof typeof SUMS, x: number, dy: number, p0: number, p1: number, R: number, C: number): Float64Array {
  const rpc = rowsPerChunk(C);
  const tasks = Math.ceil(R / rpc);
  const out = new Float64Array(2 * C);
  withBlocks([tasks * 2 * C * 4], ([part]) => {
    engine().parallel('channel_sums_f32', [SUMS[mode], x, dy, p0, p1, part, R, C, rpc], tasks, R * C >= DIRECT_PARALLEL);
    const f = engine().f32;
    const base = part >> 2;
    for (let t = 0; t < tasks; t++) {
      const row = base + t * 2 * C;
      for (let i = 0; i < 2 * C; i++) out[i] += f[row + i];
    }
  });
  return out;
}

/**
 * Per-channel means of [R, C] data at x, as the first row plus the mean deviation from it: the
 * float32 partial sums then add small numbers where the mean is large against the spread.
 */
export function channelMeans(x: number, R: number, C: number): Float64Array {
  const deviations = channelSums('sum', x, 0, x, 0, R, C);
  const first = engine().f32.subarray(x >> 2, (x >> 2) + C);
  return Float64Array.from(first, (x0, c) => x0 + deviations[c] / R);
}

/**
 * Per-channel affine maps of [R, C] data, centred first: y = (x - m) a + b, or (with dy)
 * y = dy a + (x - m) b + d, where m, a, b, d are C numbers each (m = null: zeros).
 */
export function channelAffine(
  x: number, y: number, R: number, C: number, m: ArrayLike<number> | null, a: ArrayLike<number>, b: ArrayLike<number>, dy = 0, d?: ArrayLike<number>,
): void {
  withBlocks([C * 4, C * 4, C * 4, C * 4], ([pm, pa, pb, pd]) => {
    writeFloats(pm, m ?? new Float32Array(C));
    writeFloats(pa, a);
    writeFloats(pb, b);
    if (d) writeFloats(pd, d);
    const rpc = rowsPerChunk(C);
    engine().parallel('channel_affine_f32', [d ? 1 : 0, x, dy, y, pm, pa, pb, pd, R, C, rpc], Math.ceil(R / rpc), R * C >= DIRECT_PARALLEL);
  });
}

/** Layer normalization of rows [R, D]; mean and rstd (R floats each) are written for the backward pass. */
export function layerNormForward(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, R: number, D: number, eps: number): void {
  const kernels = engine().kernels;
  if (kernels.layernorm_scratch_bytes(D) > SCRATCH_BYTES) {
    throw new WasmgradError(`layerNorm: rows of ${D} elements are too long (at most ${Math.floor(SCRATCH_BYTES / kernels.layernorm_scratch_bytes(1))})`);
  }
  engine().parallel('layernorm_f32', [x, gamma, beta, y, mean, rstd, D, eps], R, R * D >= DIRECT_PARALLEL);
}

export function layerNormGradInput(x: number, dy: number, gamma: number, mean: number, rstd: number, dx: number, R: number, D: number): void {
  engine().parallel('layernorm_grad_f32', [x, dy, gamma, mean, rstd, dx, D], R, R * D >= DIRECT_PARALLEL);
}
