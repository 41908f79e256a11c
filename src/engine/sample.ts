// The typed driver of assembly/sample.ts: Bernoulli samples of probabilities (or of sigmoid(logits))
// in one pass, split into fixed chunks so the bits do not depend on the thread count.
import type { Tensor } from '../tensor.js';
import { engine } from './state.js';

// Must match assembly/sample.ts.
const SAMPLE_CHUNK = 4096;
/** Below this many elements the work stays on the calling thread. */
const SAMPLE_PARALLEL = 1 << 15;

function seedWords(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/**
 * samples[i] = u_i < p_i ? 1 : 0 where p = sigmoid(x) when `applySigmoid`, else p = x; with
 * `probs`, the probabilities are written there too. Shapes and dtypes are checked by the caller.
 */
export function sigmoidBernoulliKernel(x: Tensor, probs: Tensor | null, samples: Tensor, seed: number, applySigmoid: boolean): void {
  const n = x.size;
  if (n === 0) return;
  const op = applySigmoid ? 'sigmoidBernoulli' : 'bernoulliSample';
  engine().parallel(
    'sigmoid_bernoulli_f32',
    [x.ptr(op), probs ? probs.ptr(op) : 0, samples.ptr(op), n, applySigmoid ? 1 : 0, ...seedWords(seed)],
    Math.ceil(n / SAMPLE_CHUNK),
    n >= SAMPLE_PARALLEL,
  );
}
