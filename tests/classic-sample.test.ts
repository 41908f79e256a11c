// The fused sigmoid + Bernoulli-sample kernel (assembly/sample.ts through wg.classic.bernoulliSample
// and sigmoidBernoulli): the samples match a plain JavaScript reference of the same hash bit for
// bit on every build, and are identical for 1 and 2 threads; probabilities are wg.sigmoid's.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, THREADED_BUILDS, expectNoLeak, randomArray } from './helpers';

afterAll(() => wg.shutdown());

const N = (1 << 16) + 37; // above the kernel's parallel threshold, with a ragged last chunk
const MASK = (1n << 64n) - 1n;

/** The splitmix64 finaliser of assembly/random.ts and assembly/sample.ts. */
function mix(seed: bigint, i: bigint): bigint {
  let z = (seed + (i + 1n) * 0x9e3779b97f4a7c15n) & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/** The reference: 1 where u_i < p_i, u_i = (24 top bits of hash(seed, i)) / 2^24. */
function referenceSamples(p: Float32Array, seed: number): Float32Array {
  const s = BigInt(seed);
  return p.map((pi, i) => (Number(mix(s, BigInt(i)) >> 40n) / 16777216 < pi ? 1 : 0));
}

function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const probs = randomArray(N, 3, -0.1, 1.1); // includes values outside [0, 1]
const logits = randomArray(N, 4, -6, 6);
const SEED = 2 ** 40 + 12345;
const expected = referenceSamples(probs, SEED);

describe.each(builds())('Bernoulli sampling on the %s build', (build) => {
  beforeAll(() => useBuild(build, 1));

  test('bernoulliSample equals the JavaScript reference bit for bit', () => {
    expectNoLeak(() => {
      const got = wg.tidy(() => wg.classic.bernoulliSample(wg.tensor(probs), SEED).dataSync());
      expect(firstMismatch(got, expected)).toBe(-1);
      const ones = got.reduce((a, v) => a + v, 0);
      const mean = probs.reduce((a, p) => a + Math.min(1, Math.max(0, p)), 0);
      expect(Math.abs(ones - mean)).toBeLessThan(5 * Math.sqrt(N / 4));
    });
  });

  test('sigmoidBernoulli: probabilities are wg.sigmoid, samples the reference on them', () => {
    expectNoLeak(() => {
      const [p, s, sig] = wg.tidy(() => {
        const x = wg.tensor(logits);
        const { probs: pr, samples } = wg.classic.sigmoidBernoulli(x, 99);
        return [pr.dataSync() as Float32Array, samples.dataSync(), wg.sigmoid(x).dataSync()];
      });
      expect(firstMismatch(p, sig)).toBe(-1);
      expect(firstMismatch(s, referenceSamples(p, 99))).toBe(-1);
    });
  });

  test('bad input raises WasmgradError', () => {
    expect(() => wg.classic.bernoulliSample(wg.tensor([1, 2, 3], [3], 'int32'), 1)).toThrow(wg.WasmgradError);
    expect(() => wg.classic.bernoulliSample(wg.tensor([0.5]), -1)).toThrow(/seed/);
    expect(() => wg.classic.sigmoidBernoulli(null as unknown as wg.Tensor, 1)).toThrow(wg.WasmgradError);
  });
});

describe('Bernoulli sampling is the same for 1 and 2 threads', () => {
  test.each(THREADED_BUILDS)('%s', async (build) => {
    const runs: Float32Array[][] = [];
    for (const threads of [1, 2]) {
      await useBuild(build, threads);
      runs.push(wg.tidy(() => {
        const { probs: p, samples } = wg.classic.sigmoidBernoulli(wg.tensor(logits), 7);
        return [p.dataSync() as Float32Array, samples.dataSync() as Float32Array, wg.classic.bernoulliSample(wg.tensor(probs), SEED).dataSync() as Float32Array];
      }));
    }
    runs[0].forEach((a, k) => expect(firstMismatch(a, runs[1][k]), `array ${k}`).toBe(-1));
    expect(firstMismatch(runs[1][2], expected)).toBe(-1);
  });
});
