// Normalization (src/ops/norm.ts on assembly/norm.ts): batchNorm with given statistics,
// fusedBatchNorm with the batch's own, layerNorm and moments, forward against float64 references
// and gradients against finite differences on every build; the same bits for 1, 2 and 4 threads;
// bad input.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, THREADED_BUILDS } from './helpers';
import { gradCheck, expectSameBitsAcrossThreads, type RefTensor } from './gradcheck';

afterAll(() => wg.shutdown());

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Per-channel (last axis) statistics of x: mean and biased variance in float64. */
function channelStats(x: RefTensor): { mean: Float64Array; variance: Float64Array } {
  const C = x.shape[x.shape.length - 1];
  const R = x.data.length / C;
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let i = 0; i < x.data.length; i++) mean[i % C] += x.data[i] / R;
  for (let i = 0; i < x.data.length; i++) variance[i % C] += (x.data[i] - mean[i % C]) ** 2 / R;
  return { mean, variance };
}

function refBatchNorm(x: RefTensor, mean: ArrayLike<number>, variance: ArrayLike<number>, offset: ArrayLike<number> | null, scale: ArrayLike<number> | null, eps: number): Float64Array {
  const C = x.shape[x.shape.length - 1];
  return x.data.map((v, i) => {
    const c = i % C;
    return ((v - mean[c]) / Math.sqrt(variance[c] + eps)) * (scale ? scale[c] : 1) + (offset ? offset[c] : 0);
  });
}

function refLayerNorm(x: RefTensor, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null, eps: number): Float64Array {
  const D = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / D; r++) {
    const row = x.data.subarray(r * D, (r + 1) * D);
    const mu = row.reduce((a, b) => a + b, 0) / D;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / D;
    for (let i = 0; i < D; i++) out[r * D + i] = ((row[i] - mu) / Math.sqrt(v + eps)) * (gamma ? gamma[i] : 1) + (beta ? beta[i] : 0);
  }
  return out;
}

describe.each(builds())('normalization on the %s build', (build) => {
  test('batchNorm with per-channel statistics: forward and all five gradients', async () => {
    await useBuild(build, 2);
    for (const shape of [[4, 3, 5, 7], [6, 1], [2, 9, 16]]) {
      const C = shape[shape.length - 1];
      const inputs = [
        { values: randomArray(sizeOf(shape), 1, -2, 2), shape },
        { values: randomArray(C, 2), shape: [C] },
        { values: randomArray(C, 3, 0.5, 1.5), shape: [C] },
        { values: randomArray(C, 4), shape: [C] },
        { values: randomArray(C, 5), shape: [C] },
      ];
      gradCheck((x, m, v, o, s) => wg.batchNorm(x, m, v, o, s, 1e-3), inputs, {
        ref: (x, m, v, o, s) => refBatchNorm(x, m.data, v.data, o.data, s.data, 1e-3),
        name: `batchNorm ${JSON.stringify(shape)}`,
        maxPoints: 24,
      });
      // without offset and scale, default epsilon
      gradCheck((x, m, v) => wg.batchNorm(x, m, v), inputs.slice(0, 3), {
        ref: (x, m, v) => refBatchNorm(x, m.data, v.data, null, null, 1e-3),
        name: `batchNorm (no offset, scale) ${JSON.stringify(shape)}`,
        maxPoints: 24,
      });
    }
  });

  test('batchNorm with broadcasting statistics (composite path)', async () => {
    await useBuild(build, 1);
    // statistics per row of a [3, 4] input, shape [3, 1]
    const inputs = [
      { values: randomArray(12, 6), shape: [3, 4] },
      { values: randomArray(3, 7), shape: [3, 1] },
      { values: randomArray(3, 8, 0.5, 1.5), shape: [3, 1] },
    ];
    gradCheck((x, m, v) => wg.batchNorm(x, m, v, null, null, 0.01), inputs, {
      ref: (x, m, v) => x.data.map((xi, i) => (xi - m.data[Math.floor(i / 4)]) / Math.sqrt(v.data[Math.floor(i / 4)] + 0.01)),
      name: 'batchNorm broadcast',
    });
  });

  test('fusedBatchNorm: batch statistics, and gradients through them', async () => {
    await useBuild(build, 2);
    for (const shape of [[4, 3, 5, 7], [8, 16], [3, 2, 2, 33]]) {
      const C = shape[shape.length - 1];
      const xv = randomArray(sizeOf(shape), 10, -2, 3);
      const sv = randomArray(C, 11), ov = randomArray(C, 12);
      const { y, mean, variance } = wg.tidy(() => {
        const r = wg.fusedBatchNorm(wg.tensor(xv, shape), wg.tensor(sv), wg.tensor(ov), 1e-3);
        return { y: r.y.dataSync(), mean: r.mean.dataSync(), variance: r.variance.dataSync() };
      });
      const stats = channelStats({ data: Float64Array.from(xv), shape });
      expectClose(mean, stats.mean, 1e-6, 1e-5, 'batch mean');
      expectClose(variance, stats.variance, 1e-6, 1e-5, 'batch variance');
      expectClose(y, refBatchNorm({ data: Float64Array.from(xv), shape }, stats.mean, stats.variance, ov, sv, 1e-3), 1e-5, 1e-4, 'y');
      gradCheck(
        (x, s, o) => wg.fusedBatchNorm(x, s, o, 1e-3).y,
        [{ values: xv, shape }, { values: sv, shape: [C] }, { values: ov, shape: [C] }],
        {
          ref: (x, s, o) => {
            const st = channelStats(x);
            return refBatchNorm(x, st.mean, st.variance, o.data, s.data, 1e-3);
          },
          name: `fusedBatchNorm ${JSON.stringify(shape)}`,
          maxPoints: 24,
        },
      );
    }
  });

  test('fusedBatchNorm keeps its accuracy where the mean is large against the spread', async () => {
    await useBuild(build, 1);
    const shape = [64, 5];
    // values 100 +- 0.017: summed as they are, float32 partial sums of ~6400 would put an error of
    // some 3e-5 into the mean, 2e-3 into y
    const xv = Float32Array.from(randomArray(320, 21, -1, 1), (u) => 100 + 0.017 * u);
    const stats = channelStats({ data: Float64Array.from(xv), shape });
    const { y, mean } = wg.tidy(() => {
      const r = wg.fusedBatchNorm(wg.tensor(xv, shape), null, null, 1e-5);
      return { y: r.y.dataSync(), mean: r.mean.dataSync() };
    });
    expectClose(mean, stats.mean, 6e-6, 0, 'batch mean'); // within an ulp of 100
    expectClose(y, refBatchNorm({ data: Float64Array.from(xv), shape }, stats.mean, stats.variance, null, null, 1e-5), 6e-4, 0, 'y');
  });

  test('layerNorm over the last axis: forward and gradients', async () => {
    await useBuild(build, 2);
    for (const shape of [[5, 7], [2, 3, 16], [4, 1], [3, 37]]) {
      const D = shape[shape.length - 1];
      gradCheck(
        (x, g, b) => wg.layerNorm(x, g, b, 1e-3),
        [{ values: randomArray(sizeOf(shape), 20, -2, 3), shape }, { values: randomArray(D, 21), shape: [D] }, { values: randomArray(D, 22), shape: [D] }],
        { ref: (x, g, b) => refLayerNorm(x, g.data, b.data, 1e-3), name: `layerNorm ${JSON.stringify(shape)}`, maxPoints: 24 },
      );
      gradCheck((x) => wg.layerNorm(x), [{ values: randomArray(sizeOf(shape), 23), shape }], {
        ref: (x) => refLayerNorm(x, null, null, 1e-3),
        name: `layerNorm (no gamma, beta) ${JSON.stringify(shape)}`,
        maxPoints: 24,
      });
    }
  });

  test('moments over axes, with keepDims; gradients by composition', async () => {
    await useBuild(build, 1);
    const shape = [3, 4, 5];
    const xv = randomArray(60, 30);
    for (const [axes, keep] of [[[0, 1], false], [[2], true], [[0, 2], false]] as [number[], boolean][]) {
      const got = wg.tidy(() => {
        const { mean, variance } = wg.moments(wg.tensor(xv, shape), axes, keep);
        return { m: mean.dataSync(), v: variance.dataSync(), ms: mean.shape, vs: variance.shape };
      });
      const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      expect(got.ms).toEqual(keep ? kept : shape.filter((_, i) => !axes.includes(i)));
      expect(got.vs).toEqual(got.ms);
      // reference: group by the kept coordinates
      const n = sizeOf(kept), cnt = 60 / n;
      const m = new Float64Array(n), v = new Float64Array(n);
      const idx2 = (i: number) => {
        const c = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5].map((ci, d) => (axes.includes(d) ? 0 : ci));
        return c[0] * kept[1] * kept[2] + c[1] * kept[2] + c[2];
      };
      for (let i = 0; i < 60; i++) m[idx2(i)] += xv[i] / cnt;
      for (let i = 0; i < 60; i++) v[idx2(i)] += (xv[i] - m[idx2(i)]) ** 2 / cnt;
      expectClose(got.m, m, 1e-6, 1e-5, `mean ${axes}`);
      expectClose(got.v, v, 1e-6, 1e-5, `variance ${axes}`);
    }
    gradCheck((x) => wg.moments(x, [0, 1]).variance, [{ values: xv, shape }], {
      ref: (x) => {
        const out = new Float64Array(5), mu = new Float64Array(5);
        for (let i = 0; i < 60; i++) mu[i % 5] += x.data[i] / 12;
        for (let i = 0; i < 60; i++) out[i % 5] += (x.data[i] - mu[i % 5]) ** 2 / 12;
        return out;
      },
      name: 'moments variance',
    });
  });
});

describe.each(THREADED_BUILDS)('threads on the %s build', (build) => {
  test('fusedBatchNorm, batchNorm and layerNorm are bitwise identical for 1, 2 and 4 threads', async () => {
    const shape = [16, 20, 20, 24];
    const xv = randomArray(sizeOf(shape), 40, -2, 2), sv = randomArray(24, 41), ov = randomArray(24, 42);
    await expectSameBitsAcrossThreads(
      build,
      () =>
        wg.tidy(() => {
          const x = wg.tensor(xv, shape), s = wg.tensor(sv), o = wg.tensor(ov);
          const r = wg.fusedBatchNorm(x, s, o);
          const { grads } = wg.valueAndGrads((a: wg.Tensor, b: wg.Tensor, c: wg.Tensor) => wg.sum(wg.square(wg.fusedBatchNorm(a, b, c).y)))([x, s, o]);
          const bn = wg.batchNorm(x, r.mean, r.variance, o, s);
          const ln = wg.valueAndGrads((a: wg.Tensor, b: wg.Tensor) => wg.sum(wg.square(wg.layerNorm(a, b, b))))([wg.reshape(x, [-1, 24]), s]);
          return [r.y, r.mean, r.variance, ...grads, bn, ln.value, ...ln.grads].map((t) => t.dataSync() as Float32Array);
        }),
      'normalization',
    );
  });
});

describe('normalization rejects bad input', () => {
  test('with WasmgradError naming the op and the shapes', async () => {
    await useBuild('simd', 1);
    const bad = (fn: () => unknown, re: RegExp) => {
      expect(fn).toThrow(wg.WasmgradError);
      expect(fn).toThrow(re);
    };
    const x = wg.ones([2, 3, 4]);
    bad(() => wg.batchNorm(x, wg.ones([5]), wg.ones([4])), /batchNorm|sub: shapes \[2,3,4\] and \[5\] do not broadcast/);
    bad(() => wg.batchNorm(x, wg.ones([4]), wg.ones([4]), null, null, -1), /batchNorm: varianceEpsilon must be a number >= 0, got -1/);
    bad(() => wg.fusedBatchNorm(x, wg.ones([3])), /fusedBatchNorm: scale and offset must have 4 elements \(x \[2,3,4\]\), got \[3\]/);
    bad(() => wg.fusedBatchNorm(wg.ones([4])), /fusedBatchNorm: x must have rank >= 2/);
    bad(() => wg.layerNorm(x, wg.ones([3])), /layerNorm: gamma must have 4 elements \(x \[2,3,4\]\), got \[3\]/);
    bad(() => wg.moments(x, [3]), /moments: axis 3 is out of range for rank 3/);
    x.dispose();
  });
});
