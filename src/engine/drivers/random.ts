// Seeded random numbers and dropout (assembly/random.ts): each value hashes (seed, index).
import { engine } from '../state.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { RANDOM_CHUNK } from '../abi.js';

function seedWords(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

export function randomUniform(out: number, n: number, seed: number, lo: number, hi: number): void {
  engine().parallel('random_uniform', [out, n, ...seedWords(seed), lo, hi], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

export function randomNormal(out: number, n: number, seed: number, mean: number, std: number, truncate = false): void {
  engine().parallel('random_normal', [out, n, ...seedWords(seed), mean, std, truncate ? 1 : 0], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL / 8);
}

/** out = x * scale where the seeded uniform u >= rate, else 0 (scale: 1 / (1 - rate), from the caller). */
export function dropoutMask(x: number, out: number, n: number, rate: number, scale: number, seed: number): void {
  engine().parallel('dropout_f32', [x, out, n, rate, scale, ...seedWords(seed)], Math.ceil(n / RANDOM_CHUNK), n >= ELEMENTWISE_PARALLEL);
}
