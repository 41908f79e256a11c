// Seeded random tensors and dropout (src/ops/random.ts on assembly/random.ts): the same seed gives
// the same bits on every build and thread count; the distributions have the right moments; dropout
// scales the kept values and its gradient applies the same mask.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, ALL_BUILDS, THREADED_BUILDS, expectNoLeak, randomArray } from './helpers';

afterAll(() => wg.shutdown());

const N = 1 << 17; // above every parallel threshold (65536 elements)

function moments(v: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
  }
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / (v.length - 1)), min, max };
}

/** Element by element (expect().toEqual is slow on 100k-element arrays). */
function expectSameArray(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`${what} index ${i}: ${a[i]} vs ${b[i]}`);
}

/** All four generators and dropout, with fixed seeds, as float32 arrays. */
function draws(n: number): Float32Array[] {
  return wg.tidy(() => [
    wg.randomUniform([n], -2, 3, 7).dataSync() as Float32Array,
    wg.randomNormal([n], 1, 2, 7).dataSync() as Float32Array,
    wg.truncatedNormal([n], 0, 1, 2 ** 40 + 3).dataSync() as Float32Array,
    wg.dropout(wg.fill([n], 2), 0.25, 11).dataSync() as Float32Array,
  ]);
}

describe.each(builds())('random ops on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test('randomUniform: range, mean, std, a flat histogram', () => {
    expectNoLeak(() => {
      const v = wg.tidy(() => wg.randomUniform([N], -2, 3, 123).dataSync());
      const m = moments(v);
      expect(m.min).toBeGreaterThanOrEqual(-2);
      expect(m.max).toBeLessThan(3);
      // mean 0.5, std 5 / sqrt(12); 5 standard errors
      expect(Math.abs(m.mean - 0.5)).toBeLessThan((5 * 5) / Math.sqrt(12 * N));
      expect(Math.abs(m.std - 5 / Math.sqrt(12))).toBeLessThan(0.01);
      const bins = new Array(10).fill(0);
      for (const x of v) bins[Math.floor((x + 2) * 2)]++;
      const chi2 = bins.reduce((a, c) => a + (c - N / 10) ** 2 / (N / 10), 0);
      expect(chi2, `histogram ${bins}`).toBeLessThan(30); // chi-square, 9 degrees of freedom: p < 0.0005
      // defaults: [0, 1)
      const d = wg.tidy(() => wg.randomUniform([1000]).dataSync());
      expect(d.every((x) => x >= 0 && x < 1)).toBe(true);
    });
  });

  test('randomNormal: mean, std, the share within one and two standard deviations', () => {
    expectNoLeak(() => {
      const v = wg.tidy(() => wg.randomNormal([N], 1, 2, 99).dataSync());
      const m = moments(v);
      expect(Math.abs(m.mean - 1)).toBeLessThan((5 * 2) / Math.sqrt(N));
      expect(Math.abs(m.std - 2)).toBeLessThan(0.02);
      const within1 = v.filter((x) => Math.abs(x - 1) < 2).length / N;
      const within2 = v.filter((x) => Math.abs(x - 1) < 4).length / N;
      expect(Math.abs(within1 - 0.682689)).toBeLessThan(0.007);
      expect(Math.abs(within2 - 0.954500)).toBeLessThan(0.004);
      expect(m.max).toBeGreaterThan(1 + 2 * 3.5); // tails exist
      const d = moments(wg.tidy(() => wg.randomNormal([20000], undefined, undefined, 5).dataSync()));
      expect(Math.abs(d.mean)).toBeLessThan(0.04);
      expect(Math.abs(d.std - 1)).toBeLessThan(0.03);
    });
  });

  test('truncatedNormal: within two standard deviations, std 0.8796 of the untruncated', () => {
    expectNoLeak(() => {
      const v = wg.tidy(() => wg.truncatedNormal([N], -1, 0.5, 42).dataSync());
      const m = moments(v);
      expect(m.min).toBeGreaterThanOrEqual(-2);
      expect(m.max).toBeLessThanOrEqual(0);
      expect(Math.abs(m.mean + 1)).toBeLessThan((5 * 0.5) / Math.sqrt(N));
      expect(Math.abs(m.std - 0.5 * 0.879626)).toBeLessThan(0.005);
    });
  });

  test('seeds: the same seed repeats, another seed differs, no seed differs per call, element i does not depend on the size', () => {
    expectNoLeak(() => wg.tidy(() => {
      for (const gen of [wg.randomUniform, wg.randomNormal, wg.truncatedNormal]) {
        const a = gen([1000], 0, 1, 5).dataSync(), b = gen([1000], 0, 1, 5).dataSync();
        expect(Array.from(b)).toEqual(Array.from(a));
        expect(Array.from(gen([1000], 0, 1, 6).dataSync())).not.toEqual(Array.from(a));
        expect(Array.from(gen([1000], 0, 1, 5 + 2 ** 32).dataSync())).not.toEqual(Array.from(a));
        expect(Array.from(gen([1000]).dataSync())).not.toEqual(Array.from(gen([1000]).dataSync()));
        expect(Array.from(gen([10], 0, 1, 5).dataSync())).toEqual(Array.from(a.subarray(0, 10)));
        expect(gen([2, 0, 3], 0, 1, 5).shape).toEqual([2, 0, 3]);
        expect(gen([], 0, 1, 5).shape).toEqual([]);
      }
    }));
  });

  test('dropout: zeros about rate of the values, scales the rest by 1 / (1 - rate), keeps the mean', () => {
    expectNoLeak(() => wg.tidy(() => {
      const xv = randomArray(N, 3, 0.5, 1.5);
      const x = wg.tensor(xv, [N / 256, 256]);
      for (const rate of [0.1, 0.5, 0.9]) {
        const y = wg.dropout(x, rate, 17);
        expect(y.shape).toEqual(x.shape);
        const v = y.dataSync();
        let zeros = 0;
        const scale = Math.fround(1 / Math.fround(1 - rate)); // as TensorFlow.js: 1 - rate in float32
        for (let i = 0; i < N; i++) {
          if (v[i] === 0) zeros++;
          else if (v[i] !== Math.fround(xv[i] * scale)) throw new Error(`rate ${rate} index ${i}: ${v[i]} is not ${xv[i]} * ${scale}`);
        }
        expect(Math.abs(zeros / N - rate)).toBeLessThan(5 * Math.sqrt((rate * (1 - rate)) / N));
        expect(Math.abs(moments(v).mean - 1)).toBeLessThan(0.02 * (1 + rate / (1 - rate)));
      }
      // the same seed gives the same mask; unseeded calls differ
      expectSameArray(wg.dropout(x, 0.5, 3).dataSync(), wg.dropout(x, 0.5, 3).dataSync(), 'dropout seed 3');
      const [u1, u2] = [wg.dropout(x, 0.5).dataSync(), wg.dropout(x, 0.5).dataSync()];
      expect(u1.some((v, i) => v !== u2[i])).toBe(true);
      // rate 0 is the identity (a copy)
      const c = wg.dropout(x, 0);
      expect(c).not.toBe(x);
      expectSameArray(c.dataSync(), x.dataSync(), 'dropout rate 0');
      expect(wg.dropout(wg.zeros([0, 4]), 0.5).shape).toEqual([0, 4]);
    }));
  });

  test('the dropout gradient applies the same mask and scale as its forward (seeded or not)', () => {
    expectNoLeak(() => wg.tidy(() => {
      const n = 5000;
      const x = wg.tensor(randomArray(n, 4, 1, 2));
      const w = wg.tensor(randomArray(n, 5, 1, 2));
      for (const seed of [8, undefined]) {
        let fwd: Float32Array | Int32Array = new Float32Array(0);
        const [g] = wg.grads((t: wg.Tensor) => {
          const y = wg.dropout(t, 0.4, seed);
          fwd = y.dataSync();
          return wg.sum(wg.mul(y, w));
        })([x]);
        const gv = g.dataSync(), wv = w.dataSync();
        for (let i = 0; i < n; i++) {
          const want = fwd[i] === 0 ? 0 : Math.fround(wv[i] * Math.fround(1 / Math.fround(1 - 0.4)));
          if (gv[i] !== want) throw new Error(`index ${i}: gradient ${gv[i]}, forward ${fwd[i]}, expected ${want}`);
        }
      }
      // rate 0: the gradient flows through unchanged
      const [g0] = wg.grads((t: wg.Tensor) => wg.sum(wg.mul(wg.dropout(t, 0), w)))([x]);
      expectSameArray(g0.dataSync(), w.dataSync(), 'dropout rate 0 gradient');
    }));
  });
});

describe('dropout with a noiseShape', () => {
  test('one mask broadcast over the axes of size 1: whole channels dropped together, the gradient through the same mask', () => {
    expectNoLeak(() => wg.tidy(() => {
      const [B, T, C] = [3, 17, 5];
      const xv = randomArray(B * T * C, 6, 0.5, 1.5);
      const x = wg.tensor(xv, [B, T, C]);
      const scale = Math.fround(1 / Math.fround(1 - 0.5));
      for (const noiseShape of [[B, 1, C], [null, 1, null]]) {
        const y = wg.dropout(x, 0.5, 9, noiseShape).dataSync();
        for (let b = 0; b < B; b++) {
          for (let c = 0; c < C; c++) {
            const kept = y[(b * T) * C + c] !== 0;
            for (let t = 0; t < T; t++) {
              const i = (b * T + t) * C + c;
              expect(y[i], `[${b}, ${t}, ${c}]`).toBe(kept ? Math.fround(xv[i] * scale) : 0);
            }
          }
        }
      }
      // the same as the noiseShape of x itself, and as none
      expectSameArray(wg.dropout(x, 0.5, 4, [B, T, C]).dataSync(), wg.dropout(x, 0.5, 4).dataSync(), 'full noiseShape');
      const w = wg.tensor(randomArray(B * T * C, 7, 1, 2), [B, T, C]);
      const [g] = wg.grads((t: wg.Tensor) => wg.sum(wg.mul(wg.dropout(t, 0.3, 5, [1, T, 1]), w)))([x]);
      const fwd = wg.dropout(x, 0.3, 5, [1, T, 1]).dataSync(), gv = g.dataSync(), wv = w.dataSync();
      for (let i = 0; i < gv.length; i++) expect(gv[i]).toBe(fwd[i] === 0 ? 0 : Math.fround(wv[i] * Math.fround(1 / Math.fround(1 - 0.3))));
    }));
  });

  test('the dropout layer takes a noiseShape (TF.js and Keras): one flag per sample and channel over all steps, kept in its config', () => {
    const layer = wg.layers.dropout({ rate: 0.5, noiseShape: [null, 1, null], seed: 3 });
    const x = wg.ones([4, 9, 6]);
    const y = layer.apply(x, { training: true }) as wg.Tensor;
    const v = y.dataSync();
    for (let b = 0; b < 4; b++) for (let c = 0; c < 6; c++) for (let t = 1; t < 9; t++) expect(v[(b * 9 + t) * 6 + c]).toBe(v[b * 9 * 6 + c]);
    expect(new Set(v)).toEqual(new Set([0, 2]));
    expect(layer.getConfig().noiseShape).toEqual([null, 1, null]);
    expect(wg.layers.dropout({ rate: 0.5 }).getConfig()).not.toHaveProperty('noiseShape');
    x.dispose();
    y.dispose();
  });

  test('a noiseShape that does not broadcast to the input is refused', () => {
    const x = wg.ones([2, 3]);
    expect(() => wg.dropout(x, 0.5, 1, [2, 2])).toThrow(/^dropout: noiseShape \[2,2\] does not broadcast to the input \[2,3\]/);
    expect(() => wg.dropout(x, 0.5, 1, [3])).toThrow(/^dropout: noiseShape \[3\] must have the input's rank 2/);
    expect(() => wg.dropout(x, 0.5, 1, 'x' as never)).toThrow(/^dropout: noiseShape must be an array of whole numbers >= 1 or null, got "x"/);
    expect(() => wg.layers.dropout({ rate: 0.5, noiseShape: [0] })).toThrow(/^dropout layer: noiseShape must be/);
    expect(() => wg.layers.dropout({ rate: 0.5, seed: 'x' as never })).toThrow(/^dropout layer: seed must be a whole number >= 0, got "x"/);
    expect(() => wg.layers.lstm({ units: 2, dropout: 0.1, seed: -1 })).toThrow(/^lstm(_\d+)?: seed must be a whole number >= 0, got -1/);
    expect(() => wg.layers.gruCell({ units: 2, seed: 1.5 } as never)).toThrow(/: seed must be a whole number >= 0, got 1\.5/);
    // a null seed (as TF.js writes an unset one) is no seed: two calls draw different masks
    const unseeded = wg.layers.dropout({ rate: 0.5, seed: null as never });
    const big = wg.ones([64, 64]);
    const [m1, m2] = [unseeded.apply(big, { training: true }) as wg.Tensor, unseeded.apply(big, { training: true }) as wg.Tensor];
    expect(Array.from(m1.dataSync()).some((v, i) => v !== m2.dataSync()[i])).toBe(true);
    for (const t of [big, m1, m2]) t.dispose();
    x.dispose();
  });
});

describe('random numbers are the same on every build and thread count', () => {
  test('same seed, same bits', async () => {
    let ref: Uint32Array[] | null = null;
    for (const build of ALL_BUILDS) {
      for (const threads of THREADED_BUILDS.includes(build) ? [1, 2, 4] : [1]) {
        await useBuild(build, threads);
        const bits = draws(N + 5).map((v) => new Uint32Array(v.buffer));
        if (!ref) ref = bits;
        else bits.forEach((b, k) => expectSameArray(b, ref![k], `draw ${k} on ${build} with ${threads} threads`));
      }
    }
  });
});

describe('random ops reject bad input', () => {
  beforeAll(() => useBuild('simd', 1));
  test('with WasmgradError naming the op', () => {
    expectNoLeak(() => wg.tidy(() => {
      for (const [name, gen] of [['randomUniform', wg.randomUniform], ['randomNormal', wg.randomNormal], ['truncatedNormal', wg.truncatedNormal]] as const) {
        expect(() => gen([2], 0, 1, -1)).toThrow(new RegExp(`^${name}: seed must be a whole number >= 0, got -1`));
        expect(() => gen([2], 0, 1, 1.5)).toThrow(wg.WasmgradError);
        expect(() => gen([2, -1])).toThrow(new RegExp(`^${name}: shape \\[2,-1\\] has an invalid dimension -1`));
      }
      const x = wg.ones([3]);
      expect(() => wg.dropout(x, 1)).toThrow(/^dropout: rate must be in \[0, 1\), got 1/);
      expect(() => wg.dropout(x, -0.1)).toThrow(wg.WasmgradError);
      expect(() => wg.dropout(x, NaN)).toThrow(wg.WasmgradError);
      expect(() => wg.dropout(wg.tensor([1], [1], 'int32'), 0.5)).toThrow(/^dropout: x must be float32/);
    }));
  });
});
