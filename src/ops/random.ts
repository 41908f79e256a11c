// Seeded random tensors and dropout. Without a seed, a fresh one is drawn from a process-wide
// sequence (itself seeded once), so unseeded calls differ from each other.
import { WasmgradError, msg } from '../errors.js';
import { Tensor, checkShape } from '../tensor.js';
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

function checkSeed(seed: number | undefined, op: string): number {
  if (seed === undefined) return nextSeed();
  if (!Number.isSafeInteger(seed) || seed < 0) throw new WasmgradError(msg`${op}: seed must be a whole number >= 0, got ${seed}`);
  return seed;
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

/** Inverted dropout: each element is zeroed with probability rate, the rest scaled by 1 / (1 - rate). */
export function dropout(x: Tensor, rate: number, seed?: number): Tensor {
  checkFloat(x, 'dropout');
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
