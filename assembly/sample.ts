// Fused Bernoulli sampling for Gibbs steps (restricted Boltzmann machines): element i draws its
// uniform number from a hash of (seed, i) alone, random.ts's splitmix64 finaliser (one copy, there), so the
// bits are the same on every build and for any thread count.
import { sigmoidS } from './vmath';
import { uniformAt } from './random';
import { RANDOM_CHUNK } from './abi';


/**
 * sample[i] = 1 if u_i < p_i else 0, with u_i uniform in [0, 1) (24 random bits of hash(seed, i)).
 * With applySigmoid, p_i = sigmoid(x[i]) (the same bits as the unary sigmoid) and is also written
 * to prob when prob != 0; otherwise p_i = x[i]. prob may be x; sample may be x or prob only when
 * probabilities are not kept.
 */
export function sigmoid_bernoulli_f32(x: usize, prob: usize, sample: usize, n: i32, applySigmoid: i32, seedLo: u32, seedHi: u32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  const end = min<i32>(n, taskEnd * RANDOM_CHUNK);
  for (let i = taskBegin * RANDOM_CHUNK; i < end; i++) {
    const off = <usize>i << 2;
    let p = load<f32>(x + off);
    if (applySigmoid) {
      p = sigmoidS(p);
      if (prob) store<f32>(prob + off, p);
    }
    const u = uniformAt(seed, <u64>i);
    store<f32>(sample + off, u < p ? <f32>1 : <f32>0);
  }
}
