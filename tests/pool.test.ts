// Pooling (src/ops/pool.ts on assembly/pooling.ts): max and average pooling forward against a
// float64 reference, gradients against finite differences (max: to the first maximum of each
// window), overlapping windows, 'same' averages of real elements only, every build; the same bits
// for 1, 2 and 4 threads; global pooling; bad input.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, THREADED_BUILDS, expectNoLeak } from './helpers';
import { gradCheck, ref, expectSameBitsAcrossThreads } from './gradcheck';
import { refPool, type Pad } from './conv-ref';

afterAll(() => wg.shutdown());

type P2 = [number, number];
interface PoolCase {
  x: number[];
  k: P2;
  s: P2;
  pad: Pad;
  what: string;
}
const CASES: PoolCase[] = [
  { x: [2, 8, 8, 32], k: [2, 2], s: [2, 2], pad: 'valid', what: '2x2 stride 2 (the fast path), 32 channels' },
  { x: [1, 7, 7, 3], k: [3, 3], s: [2, 2], pad: 'same', what: '3x3 stride 2 same: overlapping, 3 channels' },
  { x: [2, 6, 5, 7], k: [3, 3], s: [1, 1], pad: 'same', what: '3x3 stride 1 same: windows 3x larger than the stride' },
  { x: [1, 5, 5, 1], k: [2, 2], s: [1, 1], pad: 'valid', what: '2x2 stride 1: overlapping, 1 channel' },
  { x: [2, 9, 7, 20], k: [3, 2], s: [3, 2], pad: 'valid', what: '3x2 window, strides 3x2, 20 channels' },
  { x: [1, 3, 3, 5], k: [4, 4], s: [2, 2], pad: 'same', what: 'window larger than the input, same' },
  { x: [1, 5, 7, 17], k: [2, 2], s: [2, 2], pad: 'same', what: '2x2 same with odd sizes: partial windows' },
  { x: [2, 8, 9, 6], k: [2, 2], s: [3, 3], pad: 'valid', what: '2x2 stride 3: gaps no window covers, 6 channels' },
  { x: [3, 11, 11, 36], k: [2, 2], s: [2, 2], pad: 'valid', what: '2x2 stride 2, odd size: a last row and column no window covers' },
];
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Distinct values (a shuffled ramp), so no window has a tie and max has one gradient. */
function distinct(n: number, seed: number): Float32Array {
  const v = randomArray(n, seed);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const out = new Float32Array(n);
  order.forEach((idx, rank) => (out[idx] = (rank - n / 2) / n));
  return out;
}

describe.each(builds())('pooling on the %s build', (build) => {
  test('forward matches the float64 reference', async () => {
    await useBuild(build, 2);
    let seed = 1;
    for (const c of CASES) {
      for (const isMax of [true, false]) {
        const xv = randomArray(sizeOf(c.x), seed++);
        expectNoLeak(() => {
          const got = wg.tidy(() => {
            const x = wg.tensor(xv, c.x);
            const y = isMax ? wg.maxPool(x, c.k, c.s, c.pad as 'valid') : wg.avgPool(x, c.k, c.s, c.pad as 'valid');
            return { shape: y.shape, data: y.dataSync() };
          });
          const want = refPool(ref(xv, c.x), isMax, c.k, c.s, c.pad);
          expect(got.shape, c.what).toEqual(want.shape);
          expectClose(got.data, want.data, 1e-6, 1e-6, `${isMax ? 'max' : 'avg'} ${c.what}`);
        });
      }
    }
  });

  test('gradients match finite differences', async () => {
    await useBuild(build, 2);
    let seed = 50;
    for (const c of CASES) {
      for (const isMax of [true, false]) {
        gradCheck(
          (x) => (isMax ? wg.maxPool(x, c.k, c.s, c.pad as 'valid') : wg.avgPool(x, c.k, c.s, c.pad as 'valid')),
          [{ values: distinct(sizeOf(c.x), seed++), shape: c.x }],
          { ref: (x) => refPool(x, isMax, c.k, c.s, c.pad), name: `${isMax ? 'maxPool' : 'avgPool'} ${c.what}`, maxPoints: 48 },
        );
      }
    }
  });

  test('max pooling sends a tied window gradient to its first maximum only', async () => {
    await useBuild(build, 1);
    // one 2x2 window per channel, all four equal in channel 0; in channel 1 the last two tie
    const x = wg.tensor([1, 0, 1, 0, 1, 2, 1, 2], [1, 2, 2, 2]);
    const dx = wg.grad((t) => wg.maxPool(t, 2, 2, 'valid'))(x, wg.tensor([5, 7], [1, 1, 1, 2]));
    expect(Array.from(dx.dataSync())).toEqual([5, 0, 0, 0, 0, 7, 0, 0]);
    // overlapping windows (3x3 stride 1) that share a maximum add up there
    const y = wg.tensor([0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0], [1, 3, 4, 1]);
    const dy = wg.grad((t) => wg.maxPool(t, 3, 1, 'valid'))(y, wg.tensor([1, 10], [1, 1, 2, 1]));
    expect(Array.from(dy.dataSync())).toEqual([0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0]);
    [x, dx, y, dy].forEach((t) => t.dispose());
  });

  test("'same' average pooling divides by the count of real elements", async () => {
    await useBuild(build, 1);
    const x = wg.ones([1, 3, 3, 1]);
    const y = wg.avgPool(x, 3, 1, 'same');
    expect(Array.from(y.dataSync())).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const d = wg.grad((t) => wg.sum(wg.avgPool(t, 3, 1, 'same')))(x);
    // corner input: in 4 windows of 4, 4 windows of 6 ... each contributes 1/count
    const want = [
      1 / 4 + 1 / 6 + 1 / 6 + 1 / 9, 1 / 4 + 1 / 4 + 1 / 6 + 1 / 6 + 1 / 6 + 1 / 9, 1 / 4 + 1 / 6 + 1 / 6 + 1 / 9,
    ];
    expectClose(d.dataSync().subarray(0, 3), want, 1e-6, 1e-6, 'same avg gradient');
    [x, y, d].forEach((t) => t.dispose());
  });

  test('global average and max pooling, and rank-3 input', async () => {
    await useBuild(build, 1);
    const xv = distinct(2 * 3 * 4 * 5, 9);
    gradCheck((x) => wg.globalAvgPool(x), [{ values: xv, shape: [2, 3, 4, 5] }], {
      ref: (x) => {
        const out = new Float64Array(10);
        for (let i = 0; i < x.data.length; i++) out[Math.floor(i / 60) * 5 + (i % 5)] += x.data[i] / 12;
        return out;
      },
      name: 'globalAvgPool',
    });
    gradCheck((x) => wg.globalMaxPool(x), [{ values: xv, shape: [2, 3, 4, 5] }], {
      ref: (x) => {
        const out = new Float64Array(10).fill(-Infinity);
        for (let i = 0; i < x.data.length; i++) {
          const o = Math.floor(i / 60) * 5 + (i % 5);
          out[o] = Math.max(out[o], x.data[i]);
        }
        return out;
      },
      name: 'globalMaxPool',
    });
    const y = wg.tidy(() => wg.maxPool(wg.tensor(xv.subarray(0, 60), [3, 4, 5]), 2, 2));
    expect(y.shape).toEqual([1, 2, 5]);
    y.dispose();
  });
});

describe.each(THREADED_BUILDS)('threads on the %s build', (build) => {
  test('pooling forward and backward are bitwise identical for 1, 2 and 4 threads', async () => {
    const xv = randomArray(4 * 24 * 24 * 19, 5);
    for (const isMax of [true, false]) {
      for (const [k, s, pad] of [[2, 2, 'valid'], [3, 1, 'same']] as [number, number, 'valid' | 'same'][]) {
        await expectSameBitsAcrossThreads(
          build,
          () =>
            wg.tidy(() => {
              const x = wg.tensor(xv, [4, 24, 24, 19]);
              const f = (t: wg.Tensor) => (isMax ? wg.maxPool(t, k, s, pad) : wg.avgPool(t, k, s, pad));
              const { value, grads } = wg.valueAndGrads((t: wg.Tensor) => wg.sum(wg.square(f(t))))([x]);
              void value;
              return [f(x).dataSync() as Float32Array, grads[0].dataSync() as Float32Array];
            }),
          `${isMax ? 'max' : 'avg'} ${k}x${k}/${s} ${pad}`,
        );
      }
    }
  });
});

describe('pooling rejects bad input', () => {
  test('with WasmgradError naming the op and the shapes', async () => {
    await useBuild('simd', 1);
    const bad = (fn: () => unknown, re: RegExp) => {
      expect(fn).toThrow(wg.WasmgradError);
      expect(fn).toThrow(re);
    };
    const x = wg.ones([1, 4, 4, 2]);
    bad(() => wg.maxPool(x, 5, 1, 'valid'), /maxPool: the 5x5 window is larger than the 4x4 input with 'valid' padding: x \[1,4,4,2\], poolSize 5x5/);
    bad(() => wg.avgPool(x, 2, 0), /avgPool: strides must be a positive whole number or a pair of them, got 0/);
    bad(() => wg.avgPool(x, [2, -1] as P2), /avgPool: poolSize must be/);
    bad(() => wg.maxPool(x, 2, 2, 'full' as 'same'), /maxPool: padding must be 'valid' or 'same'/);
    bad(() => wg.maxPool(wg.ones([4, 4]), 2), /maxPool: x must be rank 4 \[batch, height, width, channels\] \(or 3\), got \[4,4\]/);
    bad(() => wg.globalAvgPool(wg.ones([2, 3])), /globalAvgPool: x must be rank 4/);
    x.dispose();
  });
});
