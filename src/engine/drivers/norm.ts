// Batch and layer normalization (assembly/norm.ts).
import { WasmgradError, msg } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import { engine } from '../state.js';
import { SCRATCH_BYTES, SUMS } from '../abi.js';
import { DIRECT_PARALLEL, withBlocks, writeFloats } from './common.js';
import { checkSize } from './check.js';

export { SUMS };

/** Rows per partial sum: a chunking fixed by the shape alone, so sums never depend on threads. */
const rowsPerChunk = (C: number) => Math.max(1, Math.floor(16384 / C));

const ptrOf = (t: Tensor | null, op: string) => (t ? t.ptr(op) : 0);

/**
 * Column sums of [R, C] data x (mode of SUMS; p0, p1 per-channel or per-row parameters, read from
 * their first elements; "sum" adds x - p0, p0 a shift): partial sums per chunk of rows in the
 * kernel, then added in float64 in chunk order. Returns 2C values (the second C only for the
 * gradient modes, which read dy too).
 */
export function channelSums(
  mode: keyof typeof SUMS, x: Tensor, dy: Tensor | null, p0: Tensor | null, p1: Tensor | null, R: number, C: number,
): Float64Array {
  const op = 'channelSums';
  checkSize(op, 'x', x, R * C);
  if (dy) checkSize(op, 'dy', dy, R * C);
  // per-row parameters for the row gradient, per-channel ones otherwise
  const paramSize = mode === 'rowGrad' ? R : C;
  if (p0) checkSize(op, 'the first parameter', p0, paramSize, true);
  if (p1) checkSize(op, 'the second parameter', p1, paramSize, true);
  const px = x.ptr(op), pdy = ptrOf(dy, op), pp0 = ptrOf(p0, op), pp1 = ptrOf(p1, op);
  const rpc = rowsPerChunk(C);
  const tasks = Math.ceil(R / rpc);
  const out = new Float64Array(2 * C);
  withBlocks([tasks * 2 * C * 4], ([part]) => {
    engine().parallel('channel_sums_f32', [SUMS[mode], px, pdy, pp0, pp1, part, R, C, rpc], tasks, R * C >= DIRECT_PARALLEL);
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
 * Per-channel means of [R, C] data x, as the first row plus the mean deviation from it: the
 * float32 partial sums then add small numbers where the mean is large against the spread.
 */
export function channelMeans(x: Tensor, R: number, C: number): Float64Array {
  const deviations = channelSums('sum', x, null, x, null, R, C);
  const p = x.ptr('channelMeans') >> 2;
  const first = engine().f32.subarray(p, p + C);
  return Float64Array.from(first, (x0, c) => x0 + deviations[c] / R);
}

/**
 * Per-channel affine maps of [R, C] data x into y, centred first: y = (x - m) a + b, or (with dy)
 * y = dy a + (x - m) b + d, where m, a, b, d are C numbers each (m = null: zeros).
 */
export function channelAffine(
  x: Tensor, y: Tensor, R: number, C: number, m: ArrayLike<number> | null, a: ArrayLike<number>, b: ArrayLike<number>,
  dy: Tensor | null = null, d?: ArrayLike<number>,
): void {
  const op = 'channelAffine';
  checkSize(op, 'x', x, R * C);
  checkSize(op, 'y', y, R * C);
  if (dy) checkSize(op, 'dy', dy, R * C);
  const px = x.ptr(op), py = y.ptr(op), pdy = ptrOf(dy, op);
  withBlocks([C * 4, C * 4, C * 4, C * 4], ([pm, pa, pb, pd]) => {
    writeFloats(pm, m ?? new Float32Array(C));
    writeFloats(pa, a);
    writeFloats(pb, b);
    if (d) writeFloats(pd, d);
    const rpc = rowsPerChunk(C);
    engine().parallel('channel_affine_f32', [d ? 1 : 0, px, pdy, py, pm, pa, pb, pd, R, C, rpc], Math.ceil(R / rpc), R * C >= DIRECT_PARALLEL);
  });
}

function checkLayerNormSizes(x: Tensor, y: Tensor, gamma: Tensor | null, beta: Tensor | null, mean: Tensor, rstd: Tensor, R: number, D: number): void {
  const op = 'layerNorm';
  checkSize(op, 'x', x, R * D);
  checkSize(op, 'the output', y, R * D);
  if (gamma) checkSize(op, 'gamma', gamma, D);
  if (beta) checkSize(op, 'beta', beta, D);
  checkSize(op, 'the mean', mean, R);
  checkSize(op, 'rstd', rstd, R);
}

/**
 * Layer normalization of rows [R, D] of x into y, gamma and beta [D] or none; mean and rstd (R
 * floats each) are written for the backward pass.
 */
export function layerNormForward(
  x: Tensor, gamma: Tensor | null, beta: Tensor | null, y: Tensor, mean: Tensor, rstd: Tensor, R: number, D: number, eps: number,
): void {
  const kernels = engine().kernels;
  if (kernels.layernorm_scratch_bytes(D) > SCRATCH_BYTES) {
    throw new WasmgradError(msg`layerNorm: rows of ${D} elements are too long (at most ${Math.floor(SCRATCH_BYTES / kernels.layernorm_scratch_bytes(1))})`);
  }
  const op = 'layerNorm';
  checkLayerNormSizes(x, y, gamma, beta, mean, rstd, R, D);
  engine().parallel(
    'layernorm_f32',
    [x.ptr(op), ptrOf(gamma, op), ptrOf(beta, op), y.ptr(op), mean.ptr(op), rstd.ptr(op), D, eps],
    R,
    R * D >= DIRECT_PARALLEL,
  );
}

/** dx of layerNormForward from dy and the saved mean and rstd. */
export function layerNormGradInput(x: Tensor, dy: Tensor, gamma: Tensor | null, mean: Tensor, rstd: Tensor, dx: Tensor, R: number, D: number): void {
  const op = 'layerNorm';
  checkLayerNormSizes(x, dx, gamma, null, mean, rstd, R, D);
  checkSize(op, 'dy', dy, R * D);
  engine().parallel(
    'layernorm_grad_f32',
    [x.ptr(op), dy.ptr(op), ptrOf(gamma, op), mean.ptr(op), rstd.ptr(op), dx.ptr(op), D],
    R,
    R * D >= DIRECT_PARALLEL,
  );
}
