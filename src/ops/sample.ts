// Bernoulli sampling for stochastic binary units (the Gibbs steps of restricted Boltzmann machines).
// These ops record nothing on the tape: a sample is a constant to autograd (no gradient flows
// through a coin flip), so under valueAndGrads their outputs behave like fresh input data.
import type { Tensor } from '../tensor.js';
import { sigmoidBernoulli as sigmoidBernoulliKernel } from '../engine/drivers/random.js';
import { checkFloat, newTensor } from './util.js';
import { checkSeed } from './random.js';

/**
 * 1 with probability p, else 0, elementwise: element i is 1 when u_i < p[i], u_i uniform in [0, 1)
 * from a hash of (seed, i). Values of p outside [0, 1] act as clipped (p <= 0 never, p > 1 always).
 */
export function bernoulliSample(p: Tensor, seed?: number): Tensor {
  checkFloat(p, 'bernoulliSample', 'p');
  const s = checkSeed(seed, 'bernoulliSample');
  const out = newTensor(p.shape);
  sigmoidBernoulliKernel(p, null, out, s, false);
  return out;
}

/**
 * The fused step of a stochastic sigmoid unit: probs = sigmoid(logits) (the same values as
 * wg.sigmoid) and samples = bernoulliSample(probs, seed), in one pass over memory. The caller
 * disposes both.
 */
export function sigmoidBernoulli(logits: Tensor, seed?: number): { probs: Tensor; samples: Tensor } {
  checkFloat(logits, 'sigmoidBernoulli', 'logits');
  const s = checkSeed(seed, 'sigmoidBernoulli');
  const probs = newTensor(logits.shape);
  const samples = newTensor(logits.shape);
  sigmoidBernoulliKernel(logits, probs, samples, s, true);
  return { probs, samples };
}

