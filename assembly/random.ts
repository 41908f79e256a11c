// Seeded random numbers: element i of a tensor is a hash of (seed, i) (splitmix64 finaliser), so
// the same seed gives the same numbers on every runtime, build and thread count.

@inline export function mix(seed: u64, i: u64): u64 {
  let z = seed + (i + 1) * 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

import { RANDOM_CHUNK } from './abi';

/** A uniform float in [0, 1) from 24 random bits of hash(seed, i). */
@inline export function uniformAt(seed: u64, i: u64): f32 {
  return <f32>(mix(seed, i) >> 40) * (1.0 / 16777216.0);
}

/** out[i] = lo + (hi - lo) u, u uniform in [0, 1) with 24 random bits. */
export function random_uniform(out: usize, n: i32, seedLo: u32, seedHi: u32, lo: f32, hi: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  const end = min<i32>(n, taskEnd * RANDOM_CHUNK);
  for (let i = taskBegin * RANDOM_CHUNK; i < end; i++) {
    const u = uniformAt(seed, <u64>i);
    store<f32>(out + (<usize>i << 2), lo + (hi - lo) * u);
  }
}

@inline function normalAt(seed: u64, i: u64): f64 {
  // Box-Muller on two 32-bit halves of one hash: u1 in (0, 1], u2 in [0, 1).
  const h = mix(seed, i);
  const u1 = (<f64>(h >> 32) + 1.0) * (1.0 / 4294967296.0);
  const u2 = <f64>(h & 0xffffffff) * (1.0 / 4294967296.0);
  return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(6.283185307179586 * u2);
}

/** out[i] = mean + std z, z standard normal; with truncate, z outside [-2, 2] is drawn again (as Keras's truncated normal). */
export function random_normal(out: usize, n: i32, seedLo: u32, seedHi: u32, mean: f32, std: f32, truncate: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  const end = min<i32>(n, taskEnd * RANDOM_CHUNK);
  for (let i = taskBegin * RANDOM_CHUNK; i < end; i++) {
    let z = normalAt(seed, <u64>i);
    // redraws walk a separate counter sequence per element, so they stay deterministic
    for (let k: u64 = 1; truncate && (z < -2.0 || z > 2.0); k++) z = normalAt(seed ^ (k * 0xd1b54a32d192ed03), <u64>i);
    store<f32>(out + (<usize>i << 2), mean + std * <f32>z);
  }
}

/** Inverted dropout mask times x: out[i] = x[i] * scale (scale = 1 / (1 - rate)) where u >= rate, else 0. */
export function dropout_f32(x: usize, out: usize, n: i32, rate: f32, scale: f32, seedLo: u32, seedHi: u32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  const keep = scale;
  const end = min<i32>(n, taskEnd * RANDOM_CHUNK);
  for (let i = taskBegin * RANDOM_CHUNK; i < end; i++) {
    const u = uniformAt(seed, <u64>i);
    store<f32>(out + (<usize>i << 2), u >= rate ? load<f32>(x + (<usize>i << 2)) * keep : 0);
  }
}
