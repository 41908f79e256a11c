// dilation2d (src/ops/dilation.ts) and maxPoolWithArgmax (src/ops/pool3d.ts): forward against a
// float64 loop with TF.js's geometry, gradients to x and to the filter against central finite
// differences (random values: no ties), 'valid' and 'same', strides and dilations together, odd
// sizes and channels; the argmax indexes with and without the batch; bad input raises
// WasmgradError naming the op, the shapes and what was expected.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { useBuild, randomArray, expectRefusedWithoutLeak } from './helpers';
import { gradCheck, ref } from './gradcheck';
import { refDilation2d, type Pad } from './window3d-ref';

afterAll(() => wg.shutdown());

type P2 = [number, number];
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

const CASES: { x: number[]; f: number[]; s: P2; pad: 'valid' | 'same'; d: P2 }[] = [
  { x: [2, 6, 7, 3], f: [3, 2, 3], s: [1, 1], pad: 'valid', d: [1, 1] },
  { x: [1, 7, 5, 5], f: [2, 3, 5], s: [2, 3], pad: 'same', d: [1, 1] },
  { x: [2, 9, 8, 1], f: [2, 2, 1], s: [1, 1], pad: 'same', d: [3, 2] },
  { x: [1, 17, 3, 3], f: [3, 1, 3], s: [2, 1], pad: 'valid', d: [2, 1] },
  { x: [1, 7, 8, 3], f: [2, 2, 3], s: [2, 2], pad: 'same', d: [2, 2] },
  { x: [1, 1, 1, 1], f: [1, 1, 1], s: [1, 1], pad: 'same', d: [1, 1] },
];

describe.each(['relaxed', 'scalar'] as const)('dilation2d on the %s build', (build) => {
  test('forward and gradients to x and the filter match the float64 loop and its finite differences', async () => {
    await useBuild(build);
    CASES.forEach((c, i) => {
      gradCheck((x, f) => wg.dilation2d(x, f, c.s, c.pad, c.d), [
        { values: randomArray(sizeOf(c.x), 2 * i), shape: c.x }, { values: randomArray(sizeOf(c.f), 2 * i + 1), shape: c.f },
      ], {
        ref: (x, f) => refDilation2d(x, f, c.s, c.pad, c.d).out,
        name: `dilation2d x ${c.x} filter ${c.f} strides ${c.s} ${c.pad} dilations ${c.d}`,
        maxPoints: 32,
      });
    });
  });

  test('a rank-3 image gives a rank-3 result', async () => {
    await useBuild(build);
    const xv = randomArray(5 * 4 * 2, 3), fv = randomArray(2 * 2 * 2, 4);
    const got = wg.tidy(() => {
      const y = wg.dilation2d(wg.tensor(xv, [5, 4, 2]), wg.tensor(fv, [2, 2, 2]), 1, 'same');
      return { shape: y.shape, data: Array.from(y.dataSync()) };
    });
    const want = refDilation2d(ref(xv, [1, 5, 4, 2]), ref(fv, [2, 2, 2]), [1, 1], 'same', [1, 1]).out;
    expect(got.shape).toEqual([5, 4, 2]);
    got.data.forEach((v, i) => expect(Math.abs(v - want.data[i])).toBeLessThan(1e-6));
  });
});

describe('maxPoolWithArgmax', () => {
  const cases: { x: number[]; k: P2; s: P2; pad: Pad }[] = [
    { x: [2, 6, 7, 3], k: [2, 2], s: [2, 2], pad: 'valid' },
    { x: [3, 7, 5, 5], k: [3, 2], s: [2, 1], pad: 'same' },
    { x: [1, 17, 3, 1], k: [3, 3], s: [3, 3], pad: 1 },
  ];
  for (const withBatch of [false, true]) {
    test(`result, indexes (includeBatchInIndex ${withBatch}) and the gradient of result match the loops`, async () => {
      await useBuild('relaxed');
      cases.forEach((c, i) => {
        const xv = randomArray(sizeOf(c.x), 30 + i);
        // max pooling is dilation with a zero filter: the same loop gives values and first-maximum indexes
        const zeroFilter = ref(new Float32Array(c.k[0] * c.k[1] * c.x[3]), [...c.k, c.x[3]]);
        const want = refDilation2d(ref(xv, c.x), zeroFilter, c.s, c.pad, [1, 1], withBatch);
        const got = wg.tidy(() => {
          const { result, indexes } = wg.maxPoolWithArgmax(wg.tensor(xv, c.x), c.k, c.s, c.pad, withBatch);
          return { shape: result.shape, result: Array.from(result.dataSync()), indexes: Array.from(indexes.dataSync()), dtype: indexes.dtype };
        });
        expect(got.shape).toEqual(want.out.shape);
        expect(got.dtype).toBe('int32');
        got.result.forEach((v, j) => expect(v).toBe(Math.fround(want.out.data[j])));
        expect(got.indexes).toEqual(Array.from(want.index));
        const resultOnly = (x: wg.Tensor) => {
          const { result, indexes } = wg.maxPoolWithArgmax(x, c.k, c.s, c.pad, withBatch);
          indexes.dispose();
          return result;
        };
        gradCheck(resultOnly, [{ values: xv, shape: c.x }], {
          ref: (x) => refDilation2d(x, zeroFilter, c.s, c.pad, [1, 1]).out,
          name: `maxPoolWithArgmax ${c.x}`,
          maxPoints: 32,
        });
      });
    });
  }
});

describe('bad input raises WasmgradError naming the op, the shapes and what was expected', () => {
  test.each([
    ['dilation2d of a rank-2 x', () => wg.dilation2d(wg.zeros([3, 3]), wg.zeros([1, 1, 1])), /dilation2d: x must be rank 4 .*\[3,3\]/],
    ['dilation2d with a rank-4 filter', () => wg.dilation2d(wg.zeros([1, 3, 3, 2]), wg.zeros([1, 1, 2, 1])), /dilation2d: filter must be rank 3/],
    ['dilation2d with mismatched channels', () => wg.dilation2d(wg.zeros([1, 3, 3, 2]), wg.zeros([2, 2, 3])), /dilation2d: x has 2 channels but the filter has 3: x \[1,3,3,2\], filter \[2,2,3\]/],
    ['dilation2d with stride 0', () => wg.dilation2d(wg.zeros([1, 3, 3, 2]), wg.zeros([2, 2, 2]), 0), /dilation2d: strides must be a positive whole number/],
    ['dilation2d with a window larger than x', () => wg.dilation2d(wg.zeros([1, 3, 3, 2]), wg.zeros([2, 2, 2]), 1, 'valid', 3), /dilation2d: the window 2x2 .* does not fit/],
    ['maxPoolWithArgmax of a rank-5 x', () => wg.maxPoolWithArgmax(wg.zeros([1, 2, 3, 3, 2]), 2).result, /maxPoolWithArgmax: x must be rank 4/],
    ['maxPoolWithArgmax with a window of 0', () => wg.maxPoolWithArgmax(wg.zeros([1, 3, 3, 2]), 0).result, /maxPoolWithArgmax: filterSize must be a positive whole number/],
  ])('%s', async (_what, f, message) => {
    await useBuild('relaxed');
    expectRefusedWithoutLeak(f, message);
  });
});

describe('x.dilation2d (the chained method, as TF.js)', () => {
  test('gives the op', async () => {
    await useBuild('relaxed');
    const [a, b] = wg.tidy(() => {
      const x = wg.tensor(randomArray(2 * 5 * 4 * 3, 61), [2, 5, 4, 3]), f = wg.tensor(randomArray(2 * 2 * 3, 62), [2, 2, 3]);
      return [Array.from(x.dilation2d(f, 1, 'same').dataSync()), Array.from(wg.dilation2d(x, f, 1, 'same').dataSync())];
    });
    expect(a).toEqual(b);
  });
});
