// Normalization: batchNorm (normalize with given statistics, as tf.batchNorm), fusedBatchNorm
// (normalize with the batch's own statistics, the training path of the batch-normalization layer),
// layerNorm over the last axis, and moments. Per-channel work over channel-last data is one fused
// kernel pass (assembly/norm.ts); backward passes are right under each forward.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { record } from '../tape.js';
import { channelSums, channelMeans, channelAffine, layerNormForward, layerNormGradInput } from '../engine/drivers/norm.js';
import { fromFlat } from '../creation.js';
import { checkFloat, newTensor, normAxes } from './util.js';
import { add, sub, mul, squaredDifference } from './binary.js';
import { rsqrt, scale as affine } from './unary.js';
import { mean as meanOp } from './reduce.js';
import { reshape } from './shape.js';

const f32 = (values: ArrayLike<number>) => Float32Array.from(values);

/** The values of a per-channel parameter (size C, shape [.., C] with leading 1s), or null if it is not one. */
function perChannel(t: Tensor | null | undefined, C: number): Float32Array | null {
  if (!t) return null;
  if (t.size !== C || (t.rank > 0 && t.shape[t.rank - 1] !== C) || (t.rank === 0 && C !== 1)) return null;
  return t.dataSync() as Float32Array;
}

function checkParam(t: Tensor | null | undefined, op: string, name: string): void {
  if (t !== undefined && t !== null) checkFloat(t, op, name);
}

/**
 * batchNorm's per-channel numbers for C channels: mean m, scale s, offset o, inv = 1 / sqrt(variance
 * + epsilon) and the factor a = s inv (y = (x - m) a + o), or null when a parameter is not per-channel.
 * The inference plan (src/models/plan-steps.ts) computes them here too, for the same bits.
 */
export function batchNormChannels(
  C: number, mean: Tensor, variance: Tensor, offset: Tensor | null | undefined, scale: Tensor | null | undefined, varianceEpsilon: number,
): { m: Float32Array; s: Float32Array; o: Float32Array; inv: Float32Array; a: Float32Array } | null {
  const m = perChannel(mean, C), v = perChannel(variance, C);
  const o = offset ? perChannel(offset, C) : new Float32Array(C);
  const s = scale ? perChannel(scale, C) : new Float32Array(C).fill(1);
  if (!m || !v || !o || !s) return null;
  const inv = v.map((vi) => 1 / Math.sqrt(vi + varianceEpsilon));
  return { m, s, o, inv, a: s.map((si, c) => si * inv[c]) };
}

/**
 * (x - mean) / sqrt(variance + epsilon) * scale + offset, with mean, variance, offset and scale
 * broadcasting against x (usually [C] for channel-last x). Per-channel parameters take one fused
 * pass forward and backward; other shapes compose broadcasting ops.
 */
export function batchNorm(
  x: Tensor, mean: Tensor, variance: Tensor, offset?: Tensor | null, scale?: Tensor | null, varianceEpsilon = 1e-3,
): Tensor {
  const op = 'batchNorm';
  checkFloat(x, op, 'x');
  checkFloat(mean, op, 'mean');
  checkFloat(variance, op, 'variance');
  checkParam(offset, op, 'offset');
  checkParam(scale, op, 'scale');
  if (typeof varianceEpsilon !== 'number' || !(varianceEpsilon >= 0)) throw new WasmgradError(msg`${op}: varianceEpsilon must be a number >= 0, got ${varianceEpsilon}`);
  const C = x.rank > 0 ? x.shape[x.rank - 1] : 1;
  const ch = batchNormChannels(C, mean, variance, offset, scale, varianceEpsilon);
  if (!ch || x.size === 0) {
    // general broadcasting: compose ops (their gradients come with them)
    return tidy(() => {
      let y = mul(sub(x, mean), rsqrt(affine(variance, 1, varianceEpsilon)));
      if (scale) y = mul(y, scale);
      if (offset) y = add(y, offset);
      return y;
    });
  }
  const R = x.size / C;
  const { m, s, o, inv, a } = ch;
  const y = newTensor(x.shape);
  channelAffine(x, y, R, C, m, a, o);
  const inputs = [x, mean, variance, ...(offset ? [offset] : []), ...(scale ? [scale] : [])];
  record(op, inputs, y, ([dy]) => {
    // y = (x - mean) inv scale + offset: dx = dy a; with S1 = sum dy, S2 = sum dy (x - mean):
    // dmean = -a S1, dvariance = -scale inv^3 S2 / 2, doffset = S1, dscale = inv S2
    const dx = newTensor(x.shape);
    channelAffine(dy, dx, R, C, null, a, new Float32Array(C));
    const pm = fromFlat(m, [C], 'float32');
    const sums = channelSums('grad', x, dy, pm, null, R, C);
    pm.dispose();
    const S1 = sums.subarray(0, C), S2 = sums.subarray(C);
    const like = (t: Tensor, vals: ArrayLike<number>) => fromFlat(f32(vals), t.shape, 'float32');
    const grads = [
      dx,
      like(mean, a.map((ai, c) => -ai * S1[c])),
      like(variance, s.map((si, c) => -0.5 * si * inv[c] ** 3 * S2[c])),
    ];
    if (offset) grads.push(like(offset, S1));
    if (scale) grads.push(like(scale, inv.map((ic, c) => ic * S2[c])));
    return grads;
  });
  return y;
}

/**
 * Batch normalization with the batch's own statistics over every axis but the last (the training
 * path of the batch-normalization layer): y = (x - mean) / sqrt(var + epsilon) * scale + offset.
 * Returns y and the batch mean and (biased) variance, which carry no gradient. The backward is
 * one fused pass: dx = scale rstd (dy - mean(dy) - xhat mean(dy xhat)).
 */
export function fusedBatchNorm(
  x: Tensor, scale: Tensor | null = null, offset: Tensor | null = null, varianceEpsilon = 1e-3,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  const op = 'fusedBatchNorm';
  checkFloat(x, op, 'x');
  if (x.rank < 2) throw new WasmgradError(msg`${op}: x must have rank >= 2 (channels last), got ${fmtShape(x.shape)}`);
  const C = x.shape[x.rank - 1];
  const R = x.size / C;
  if (R === 0 || C === 0) throw new WasmgradError(msg`${op}: x ${fmtShape(x.shape)} is empty`);
  checkParam(scale, op, 'scale');
  checkParam(offset, op, 'offset');
  const s = scale ? perChannel(scale, C) : new Float32Array(C).fill(1);
  const o = offset ? perChannel(offset, C) : new Float32Array(C);
  if (!s || !o) {
    throw new WasmgradError(msg`${op}: scale and offset must have ${C} elements (x ${fmtShape(x.shape)}), got ${fmtShape(scale?.shape ?? [])} and ${fmtShape(offset?.shape ?? [])}`);
  }
  const mean = fromFlat(f32(channelMeans(x, R, C)), [C], 'float32');
  const sum2 = channelSums('sqdev', x, null, mean, null, R, C);
  const varVals = f32(sum2.subarray(0, C).map((v) => v / R));
  const variance = fromFlat(varVals, [C], 'float32');
  const m = mean.dataSync() as Float32Array; // the backward keeps these numbers, not the tensor
  const inv = varVals.map((v) => 1 / Math.sqrt(v + varianceEpsilon));
  const a = s.map((si, c) => si * inv[c]);
  const y = newTensor(x.shape);
  channelAffine(x, y, R, C, m, a, o);
  const inputs = [x, ...(scale ? [scale] : []), ...(offset ? [offset] : [])];
  record(op, inputs, y, ([dy]) => {
    // S1 = sum dy, S2 = sum dy (x - mean); xhat = (x - mean) inv
    // dx = a dy + B (x - mean) + D with B = -a inv^2 S2 / R, D = -a S1 / R
    const pm = fromFlat(m, [C], 'float32');
    const sums = channelSums('grad', x, dy, pm, null, R, C);
    pm.dispose();
    const S1 = sums.subarray(0, C), S2 = sums.subarray(C);
    const B = a.map((ai, c) => (-ai * inv[c] * inv[c] * S2[c]) / R);
    const D = a.map((ai, c) => (-ai * S1[c]) / R);
    const dx = newTensor(x.shape);
    channelAffine(x, dx, R, C, m, a, B, dy, D);
    const grads: Tensor[] = [dx];
    if (scale) grads.push(fromFlat(f32(inv.map((ic, c) => ic * S2[c])), scale.shape, 'float32'));
    if (offset) grads.push(fromFlat(f32(S1), offset.shape, 'float32'));
    return grads;
  });
  return { y, mean, variance };
}

/**
 * Layer normalization over the last axis: (x - mean) / sqrt(var + epsilon) * gamma + beta per row,
 * gamma and beta of the last dimension's size (or null).
 */
export function layerNorm(x: Tensor, gamma: Tensor | null = null, beta: Tensor | null = null, epsilon = 1e-3): Tensor {
  const op = 'layerNorm';
  checkFloat(x, op, 'x');
  if (x.rank < 1) throw new WasmgradError(msg`${op}: x must have rank >= 1, got a scalar`);
  const D = x.shape[x.rank - 1];
  for (const [t, name] of [[gamma, 'gamma'], [beta, 'beta']] as const) {
    if (!t) continue;
    checkFloat(t, op, name);
    if (t.size !== D) throw new WasmgradError(msg`${op}: ${name} must have ${D} elements (x ${fmtShape(x.shape)}), got ${fmtShape(t.shape)}`);
  }
  const y = newTensor(x.shape);
  if (y.size === 0) return y;
  const R = x.size / D;
  const mean = newTensor([R]);
  const rstd = newTensor([R]);
  layerNormForward(x, gamma, beta, y, mean, rstd, R, D, epsilon);
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  // mean and rstd are outputs of the record too, so the tape keeps them until the backward ran
  record(op, inputs, [y, mean, rstd], ([dy]) => {
    const dx = newTensor(x.shape);
    layerNormGradInput(x, dy, gamma, mean, rstd, dx, R, D);
    const grads: Tensor[] = [dx];
    if (gamma || beta) {
      // dgamma = sum over rows of dy xhat, dbeta = sum of dy
      const sums = channelSums('rowGrad', x, dy, mean, rstd, R, D);
      if (gamma) grads.push(fromFlat(f32(sums.subarray(0, D)), gamma.shape, 'float32'));
      if (beta) grads.push(fromFlat(f32(sums.subarray(D)), beta.shape, 'float32'));
    }
    return grads;
  });
  mean.dispose();
  rstd.dispose();
  return y;
}

/** Mean and (biased) variance of x over axes, as tf.moments; gradients by composition. */
export function moments(x: Tensor, axes?: number | number[] | null, keepDims = false): { mean: Tensor; variance: Tensor } {
  const op = 'moments';
  checkFloat(x, op, 'x');
  const ax = normAxes(axes, x.rank, op);
  return tidy(() => {
    const m = meanOp(x, ax, true);
    const variance = meanOp(squaredDifference(x, m), ax, keepDims);
    const mean = keepDims ? m : reshape(m, x.shape.filter((_, i) => !ax.includes(i)));
    return { mean, variance };
  });
}
