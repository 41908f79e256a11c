// maxPool3d, avgPool3d (src/ops/pool3d.ts): forward against a float64 loop with TF.js's geometry,
// gradients against central finite differences of that loop (distinct values, so no window has a
// tie), over 'valid', 'same', numeric pads and every dimRoundingMode, strides larger and smaller
// than the window, odd sizes (1, 3, 17) and channels (1, 3, 5); averages count only the covered
// elements; bad input raises WasmgradError naming the op, the shapes and what was expected.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { useBuild, randomArray, expectClose, expectRefusedWithoutLeak } from './helpers';
import { gradCheck, ref } from './gradcheck';
import { refPool3d, type Pad } from './window3d-ref';

afterAll(() => wg.shutdown());

type P3 = [number, number, number];
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Distinct values (a shuffled ramp), so max pooling has one gradient per window. */
function distinct(n: number, seed: number): Float32Array {
  const v = randomArray(n, seed);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const out = new Float32Array(n);
  order.forEach((idx, rank) => (out[idx] = (rank - n / 2) / n));
  return out;
}

const CASES: { x: number[]; k: P3; s: P3; pad: Pad; round?: 'floor' | 'ceil' | 'round' }[] = [
  { x: [2, 4, 6, 5, 3], k: [2, 2, 2], s: [2, 2, 2], pad: 'valid' },
  { x: [1, 5, 5, 6, 5], k: [3, 3, 3], s: [2, 1, 2], pad: 'same' },
  { x: [2, 4, 7, 5, 1], k: [2, 3, 2], s: [1, 1, 1], pad: 'same' },
  { x: [1, 6, 9, 5, 3], k: [1, 2, 2], s: [4, 3, 3], pad: 'same' },
  { x: [1, 17, 3, 1, 3], k: [3, 1, 1], s: [2, 1, 1], pad: 'valid' },
  { x: [1, 5, 6, 7, 3], k: [3, 3, 3], s: [2, 2, 2], pad: 1 },
  { x: [1, 6, 5, 7, 2], k: [2, 2, 2], s: [2, 2, 2], pad: 1, round: 'ceil' },
  { x: [1, 6, 5, 7, 2], k: [3, 2, 2], s: [2, 2, 2], pad: 0, round: 'floor' },
  { x: [1, 6, 5, 7, 2], k: [3, 3, 3], s: [2, 3, 2], pad: 2, round: 'round' },
  { x: [1, 1, 1, 1, 1], k: [1, 1, 1], s: [1, 1, 1], pad: 'same' },
];

describe.each(['relaxed', 'scalar'] as const)('3-D pooling on the %s build', (build) => {
  for (const op of ['maxPool3d', 'avgPool3d'] as const) {
    test(`${op}: forward and gradients match the float64 loop and its finite differences`, async () => {
      await useBuild(build);
      CASES.forEach((c, i) => {
        const xv = distinct(sizeOf(c.x), i + 1);
        const name = `${op} x ${c.x} window ${c.k} strides ${c.s} pad ${c.pad} ${c.round ?? ''}`;
        const want = refPool3d(ref(xv, c.x), op === 'maxPool3d', c.k, c.s, c.pad, c.round);
        // a window wholly in the padding (ceil rounding) is -Infinity for max: checked by value, no gradient there
        if (want.data.some((v) => !Number.isFinite(v))) {
          const got = wg.tidy(() => Array.from(wg[op](wg.tensor(xv, c.x), c.k, c.s, c.pad, c.round).dataSync()));
          expect(got, name).toEqual(Array.from(want.data));
          return;
        }
        gradCheck((x) => wg[op](x, c.k, c.s, c.pad, c.round), [{ values: xv, shape: c.x }], {
          ref: (x) => refPool3d(x, op === 'maxPool3d', c.k, c.s, c.pad, c.round),
          name,
          maxPoints: 32,
        });
      });
    });
  }

  test('strides default to the window and rank-4 volumes are one batch', async () => {
    await useBuild(build);
    const xv = distinct(4 * 5 * 6 * 3, 21);
    for (const op of ['maxPool3d', 'avgPool3d'] as const) {
      const got = wg.tidy(() => Array.from(wg[op](wg.tensor(xv, [4, 5, 6, 3]), [2, 2, 3]).dataSync()));
      const want = refPool3d(ref(xv, [1, 4, 5, 6, 3]), op === 'maxPool3d', [2, 2, 3], [2, 2, 3], 'valid');
      expectClose(got, want.data, 1e-6, 1e-6, op);
    }
  });
});

describe('bad input raises WasmgradError naming the op, the shapes and what was expected', () => {
  test.each([
    ['maxPool3d of a rank-3 x', () => wg.maxPool3d(wg.zeros([3, 3, 3]), 2), /maxPool3d: x must be rank 5 .*\[3,3,3\]/],
    ['avgPool3d with stride 0', () => wg.avgPool3d(wg.zeros([1, 3, 3, 3, 1]), 2, 0), /avgPool3d: strides must be a positive whole number/],
    ['maxPool3d with a window of 0', () => wg.maxPool3d(wg.zeros([1, 3, 3, 3, 1]), [2, 0, 2]), /maxPool3d: filterSize must be a positive whole number or 3 of them, got \[2,0,2\]/],
    ['avgPool3d with a window larger than x', () => wg.avgPool3d(wg.zeros([1, 3, 3, 3, 1]), 4), /avgPool3d: the window 4x4x4 .* does not fit the input .*x \[1,3,3,3,1\]/],
    ['maxPool3d with a negative pad', () => wg.maxPool3d(wg.zeros([1, 3, 3, 3, 1]), 2, 1, -1), /maxPool3d: pad must be 'valid', 'same' or a whole number >= 0, got -1/],
    ['maxPool3d with dimRoundingMode and pad same', () => wg.maxPool3d(wg.zeros([1, 3, 3, 3, 1]), 2, 1, 'same', 'ceil'), /maxPool3d: pad must be a whole number when dimRoundingMode is given/],
    ['avgPool3d with an unknown dimRoundingMode', () => wg.avgPool3d(wg.zeros([1, 3, 3, 3, 1]), 2, 1, 0, 'up' as 'ceil'), /avgPool3d: dimRoundingMode must be 'floor', 'round' or 'ceil', got "up"/],
    ['maxPool3d of int32', () => wg.maxPool3d(wg.zeros([1, 3, 3, 3, 1], 'int32'), 2), /maxPool3d: x must be float32/],
    ['maxPool3d with a BigInt window (the message describes it, no TypeError of its own)', () => wg.maxPool3d(wg.zeros([1, 3, 3, 3, 1]), 2n as never), /maxPool3d: filterSize must be a positive whole number or 3 of them, got .*2n?/],
    ['avgPool3d with a BigInt pad', () => wg.avgPool3d(wg.zeros([1, 3, 3, 3, 1]), 2, 1, 1n as never), /avgPool3d: pad must be 'valid', 'same' or a whole number >= 0, got/],
  ])('%s', async (_what, f, message) => {
    await useBuild('relaxed');
    expectRefusedWithoutLeak(f, message);
  });
});
