// Fused Bernoulli sampling for Gibbs steps (restricted Boltzmann machines): element i draws its
// uniform number from a hash of (seed, i) alone, the same splitmix64 finaliser as random.ts, so the
// bits are the same on every build and for any thread count.
import { sigmoidS } from './vmath';

@inline function mix(seed: u64, i: u64): u64 {
  let z = seed + (i + 1) * 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Elements per task. */
export const SAMPLE_CHUNK: i32 = 4096;

/**
 * sample[i] = 1 if u_i < p_i else 0, with u_i uniform in [0, 1) (24 random bits of hash(seed, i)).
 * With applySigmoid, p_i = sigmoid(x[i]) (the same bits as the unary sigmoid) and is also written
 * to prob when prob != 0; otherwise p_i = x[i]. prob may be x; sample may be x or prob only when
 * probabilities are not kept.
 */
export function sigmoid_bernoulli_f32(x: usize, prob: usize, sample: usize, n: i32, applySigmoid: i32, seedLo: u32, seedHi: u32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  const end = min<i32>(n, taskEnd * SAMPLE_CHUNK);
  for (let i = taskBegin * SAMPLE_CHUNK; i < end; i++) {
    const off = <usize>i << 2;
    let p = load<f32>(x + off);
    if (applySigmoid) {
      p = sigmoidS(p);
      if (prob) store<f32>(prob + off, p);
    }
    const u = <f32>(mix(seed, <u64>i) >> 40) * (1.0 / 16777216.0);
    store<f32>(sample + off, u < p ? <f32>1 : <f32>0);
  }
}
