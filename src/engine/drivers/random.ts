// Seeded random numbers and dropout (assembly/random.ts): each value hashes (seed, index).
import { engine } from '../state.js';
import type { Tensor } from '../../tensor.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { RANDOM_CHUNK } from '../abi.js';

function seedWords(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/** out = uniform values in [lo, hi). */
export function randomUniform(out: Tensor, seed: number, lo: number, hi: number): void {
  const p = out.ptr('randomUniform'), n = out.size;
  if (n === 0) return;
  engine().parallel('random_uniform', [p, n, ...seedWords(seed), lo, hi], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

/** out = normal values (redrawn outside two standard deviations when truncated). */
export function randomNormal(out: Tensor, seed: number, mean: number, std: number, truncate = false): void {
  const p = out.ptr('randomNormal'), n = out.size;
  if (n === 0) return;
  engine().parallel('random_normal', [p, n, ...seedWords(seed), mean, std, truncate ? 1 : 0], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL / 8);
}

/** out = x * scale where the seeded uniform u >= rate, else 0 (scale: 1 / (1 - rate), from the caller). */
export function dropoutMask(x: Tensor, out: Tensor, rate: number, scale: number, seed: number): void {
  const px = x.ptr('dropout'), po = out.ptr('dropout'), n = out.size;
  engine().parallel('dropout_f32', [px, po, n, rate, scale, ...seedWords(seed)], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

/** Below this many elements Bernoulli sampling stays on the calling thread. */
const SAMPLE_PARALLEL = 1 << 15;

/**
 * samples[i] = u_i < p_i ? 1 : 0 where p = sigmoid(x) when `applySigmoid`, else p = x; with
 * `probs`, the probabilities are written there too (assembly/sample.ts). Shapes and dtypes are
 * checked by the caller.
 */
export function sigmoidBernoulli(x: Tensor, probs: Tensor | null, samples: Tensor, seed: number, applySigmoid: boolean): void {
  const n = x.size;
  if (n === 0) return;
  const op = applySigmoid ? 'sigmoidBernoulli' : 'bernoulliSample';
  engine().parallel(
    'sigmoid_bernoulli_f32',
    [x.ptr(op), probs ? probs.ptr(op) : 0, samples.ptr(op), n, applySigmoid ? 1 : 0, ...seedWords(seed)],
    Math.ceil(n / RANDOM_CHUNK),
    n >= SAMPLE_PARALLEL,
  );
}
