// Seeded random tensors and dropout. Without a seed, a fresh one is drawn from a process-wide
// sequence (itself seeded once), so unseeded calls differ from each other.
import { WasmgradError, fmtShape, jsonOf, msg } from '../errors.js';
import { Tensor, checkShape, tidy } from '../tensor.js';
import { fill } from '../creation.js';
import { mul } from './binary.js';
import { record } from '../tape.js';
import { randomUniform as uniformKernel, randomNormal as normalKernel, dropoutMask } from '../engine/drivers/random.js';
import { checkFloat, newTensor } from './util.js';
import { clone } from './shape.js';

let seedCounter = Math.floor(Math.random() * 2 ** 32);

/** A fresh seed for calls that give none. */
export function nextSeed(): number {
  seedCounter = (seedCounter + 0x9e3779b9) % 2 ** 52;
  return seedCounter;
}

/** An op's seed: the one given (a whole number >= 0), or a fresh one. */
export function checkSeed(seed: number | undefined, op: string): number {
  return optionalSeed(seed, op) ?? nextSeed();
}

export function randomUniform(shape: number[], minval = 0, maxval = 1, seed?: number): Tensor {
  checkShape(shape, 'randomUniform');
  const s = checkSeed(seed, 'randomUniform');
  const out = newTensor(shape);
  uniformKernel(out, s, minval, maxval);
  return out;
}

export function randomNormal(shape: number[], mean = 0, stddev = 1, seed?: number): Tensor {
  checkShape(shape, 'randomNormal');
  const s = checkSeed(seed, 'randomNormal');
  const out = newTensor(shape);
  normalKernel(out, s, mean, stddev);
  return out;
}

/** Normal values redrawn outside two standard deviations (Keras's truncated normal). */
export function truncatedNormal(shape: number[], mean = 0, stddev = 1, seed?: number): Tensor {
  checkShape(shape, 'truncatedNormal');
  const s = checkSeed(seed, 'truncatedNormal');
  const out = newTensor(shape);
  normalKernel(out, s, mean, stddev, true);
  return out;
}

/** A layer's seed as given: a whole number >= 0, or none (undefined, or null as TF.js writes an unset one). */
export function optionalSeed(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new WasmgradError(msg`${where}: seed must be a whole number >= 0, got ${jsonOf(v)}`);
  return v as number;
}

/** A noiseShape as given: whole numbers >= 1, or null for the input's own size on that axis. */
export function checkNoiseShape(v: unknown, where: string): (number | null)[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((d) => d !== null && !(Number.isInteger(d) && d >= 1))) {
    throw new WasmgradError(msg`${where}: noiseShape must be an array of whole numbers >= 1 or null, got ${jsonOf(v)}`);
  }
  return v.slice();
}

/** The shape of the mask for x: noiseShape's sizes (null: x's own), each 1 (one draw broadcast) or x's. */
export function noiseShapeFor(x: Tensor, given: readonly (number | null)[] | undefined, where: string): number[] {
  if (!given) return x.shape.slice();
  if (given.length !== x.rank) throw new WasmgradError(msg`${where}: noiseShape ${jsonOf(given)} must have the input's rank ${x.rank}`);
  return given.map((d, i) => {
    const n = d ?? x.shape[i];
    if (n !== 1 && n !== x.shape[i]) throw new WasmgradError(msg`${where}: noiseShape ${jsonOf(given)} does not broadcast to the input ${fmtShape(x.shape)}`);
    return n;
  });
}

/**
 * Inverted dropout: each element is zeroed with probability rate, the rest scaled by 1 / (1 - rate).
 * A noiseShape draws one mask of that shape, broadcast over its axes of size 1 (whole channels or
 * time steps dropped together, as TF.js's and Keras's noise_shape).
 */
export function dropout(x: Tensor, rate: number, seed?: number, noiseShape?: (number | null)[]): Tensor {
  checkFloat(x, 'dropout');
  const shape = noiseShape == null ? null : noiseShapeFor(x, checkNoiseShape(noiseShape, 'dropout'), 'dropout');
  if (shape && shape.some((d, i) => d !== x.shape[i])) return tidy(() => mul(x, dropout(fill(shape, 1), rate, seed)));
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new WasmgradError(msg`dropout: rate must be in [0, 1), got ${rate}`);
  const s = checkSeed(seed, 'dropout');
  const out = newTensor(x.shape);
  if (out.size === 0) return out;
  if (rate === 0) {
    out.dispose();
    return clone(x); // the identity, gradient included
  }
  // kept values times 1 / (1 - rate), with 1 - rate rounded to float32 once (as TensorFlow.js)
  const scale = 1 / Math.fround(1 - rate);
  dropoutMask(x, out, rate, scale, s);
  // The gradient applies the same mask: dropout of dy with the same seed.
  record('dropout', [x], out, ([dy]) => {
    const dx = newTensor(x.shape);
    dropoutMask(dy, dx, rate, scale, s);
    return [dx];
  });
  return out;
}
