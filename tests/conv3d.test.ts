// conv3d and conv3dTranspose (src/ops/conv3d.ts): forward against a float64 loop, gradients to the
// input and the filter against central finite differences of that loop, over 'valid' and 'same',
// strides and dilations, odd sizes (1, 3, 17) and channel counts (1, 3, 5); rank-4 volumes; the
// transpose as the adjoint of conv3d; bad input raises WasmgradError naming the op and shapes.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { useBuild, randomArray, expectClose, expectNoLeak, expectRefusedWithoutLeak } from './helpers';
import { gradCheck, ref } from './gradcheck';
import { refConv3d, refConv3dTranspose } from './window3d-ref';

afterAll(() => wg.shutdown());

type P3 = [number, number, number];
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);
const input = (shape: number[], seed: number) => ({ values: randomArray(sizeOf(shape), seed), shape });

const CONV_CASES: { x: number[]; f: number[]; s: P3; pad: 'valid' | 'same'; d: P3 }[] = [
  { x: [2, 3, 4, 5, 3], f: [2, 2, 3, 3, 5], s: [1, 1, 1], pad: 'valid', d: [1, 1, 1] },
  { x: [1, 5, 4, 3, 5], f: [3, 2, 2, 5, 3], s: [1, 1, 1], pad: 'same', d: [1, 1, 1] },
  { x: [1, 7, 5, 6, 3], f: [3, 3, 2, 3, 2], s: [2, 3, 1], pad: 'valid', d: [1, 1, 1] },
  { x: [2, 5, 6, 4, 1], f: [2, 3, 3, 1, 3], s: [2, 2, 3], pad: 'same', d: [1, 1, 1] },
  { x: [1, 6, 5, 7, 3], f: [2, 2, 2, 3, 1], s: [1, 1, 1], pad: 'valid', d: [2, 2, 3] },
  { x: [1, 5, 6, 5, 3], f: [3, 2, 2, 3, 2], s: [1, 1, 1], pad: 'same', d: [2, 3, 1] },
  { x: [1, 17, 3, 1, 3], f: [3, 3, 1, 3, 5], s: [3, 1, 1], pad: 'same', d: [1, 1, 1] },
  { x: [1, 6, 9, 5, 2], f: [1, 1, 1, 2, 3], s: [4, 4, 3], pad: 'same', d: [1, 1, 1] },
  { x: [1, 1, 1, 1, 1], f: [1, 1, 1, 1, 1], s: [1, 1, 1], pad: 'valid', d: [1, 1, 1] },
];

describe.each(['relaxed', 'scalar'] as const)('conv3d on the %s build', (build) => {
  test('forward and gradients match the float64 loop and its finite differences', async () => {
    await useBuild(build);
    CONV_CASES.forEach((c, i) => {
      gradCheck((x, f) => wg.conv3d(x, f, c.s, c.pad, c.d), [input(c.x, 2 * i), input(c.f, 2 * i + 1)], {
        ref: (x, f) => refConv3d(x, f, c.s, c.pad, c.d),
        name: `conv3d x ${c.x} filter ${c.f} strides ${c.s} ${c.pad} dilations ${c.d}`,
        maxPoints: 24,
      });
    });
  });

  test('a rank-4 volume is one batch', async () => {
    await useBuild(build);
    const xv = randomArray(4 * 3 * 5 * 3, 7), fv = randomArray(2 * 2 * 2 * 3 * 2, 8);
    expectNoLeak(() => {
      const got = wg.tidy(() => Array.from(wg.conv3d(wg.tensor(xv, [4, 3, 5, 3]), wg.tensor(fv, [2, 2, 2, 3, 2]), 1, 'same').dataSync()));
      const want = refConv3d(ref(xv, [1, 4, 3, 5, 3]), ref(fv, [2, 2, 2, 3, 2]), [1, 1, 1], 'same', [1, 1, 1]);
      expectClose(got, want.data, 1e-5, 1e-5, 'rank 4');
    });
  });
});

const TRANSPOSE_CASES: { x: number[]; f: number[]; out: number[]; s: P3; pad: 'valid' | 'same' }[] = [
  { x: [2, 3, 4, 3, 3], f: [2, 3, 2, 5, 3], out: [2, 4, 6, 4, 5], s: [1, 1, 1], pad: 'valid' },
  { x: [1, 3, 3, 4, 5], f: [3, 3, 3, 3, 5], out: [1, 6, 5, 7, 3], s: [2, 2, 2], pad: 'same' },
  { x: [1, 2, 2, 2, 3], f: [3, 2, 3, 1, 3], out: [1, 7, 7, 6, 1], s: [3, 3, 3], pad: 'valid' },
  { x: [2, 4, 3, 5, 1], f: [2, 2, 2, 3, 1], out: [2, 4, 6, 5, 3], s: [1, 2, 1], pad: 'same' },
  { x: [1, 6, 1, 1, 3], f: [3, 1, 1, 5, 3], out: [1, 17, 3, 1, 5], s: [3, 3, 1], pad: 'same' },
];

describe('conv3dTranspose', () => {
  test('forward and gradients match the float64 adjoint loop and its finite differences', async () => {
    await useBuild('relaxed');
    TRANSPOSE_CASES.forEach((c, i) => {
      gradCheck((x, f) => wg.conv3dTranspose(x, f, c.out, c.s, c.pad), [input(c.x, 3 * i), input(c.f, 3 * i + 1)], {
        ref: (x, f) => refConv3dTranspose(x, f, c.out, c.s, c.pad),
        name: `conv3dTranspose x ${c.x} filter ${c.f} outputShape ${c.out} strides ${c.s} ${c.pad}`,
        maxPoints: 24,
      });
    });
  });

  test('is the adjoint of conv3d: <conv3d(z), y> = <z, conv3dTranspose(y)>', async () => {
    await useBuild('relaxed');
    const z = randomArray(sizeOf([1, 5, 6, 4, 3]), 11), f = randomArray(sizeOf([3, 2, 3, 3, 2]), 12);
    const dots = wg.tidy(() => {
      const zt = wg.tensor(z, [1, 5, 6, 4, 3]), ft = wg.tensor(f, [3, 2, 3, 3, 2]);
      const cz = wg.conv3d(zt, ft, [2, 1, 2], 'same');
      const y = wg.tensor(randomArray(cz.size, 13), cz.shape);
      const ft2 = wg.transpose(ft, [0, 1, 2, 3, 4]);
      return [wg.sum(wg.mul(cz, y)).dataSync()[0], wg.sum(wg.mul(zt, wg.conv3dTranspose(y, ft2, zt.shape, [2, 1, 2], 'same'))).dataSync()[0]];
    });
    expect(Math.abs(dots[0] - dots[1])).toBeLessThan(1e-4 * (1 + Math.abs(dots[0])));
  });
});

describe('bad input raises WasmgradError naming the op, the shapes and what was expected', () => {
  test.each([
    ['conv3d of a rank-2 x', () => wg.conv3d(wg.zeros([2, 3, 3, 3]).reshape([2, 3, 3, 3, 1]).reshape([2, 27]), wg.zeros([1, 1, 1, 1, 1])), /conv3d: x must be rank 5 .*\[2,27\]/],
    ['conv3d with mismatched channels', () => wg.conv3d(wg.zeros([1, 3, 3, 3, 2]), wg.zeros([1, 1, 1, 3, 1])), /conv3d: x has 2 channels but the filter expects 3: x \[1,3,3,3,2\], filter \[1,1,1,3,1\]/],
    ['conv3d with a rank-4 filter', () => wg.conv3d(wg.zeros([1, 3, 3, 3, 2]), wg.zeros([1, 1, 2, 1])), /conv3d: filter must be rank 5/],
    ['conv3d with stride 0', () => wg.conv3d(wg.zeros([1, 3, 3, 3, 2]), wg.zeros([1, 1, 1, 2, 1]), 0), /conv3d: strides must be a positive whole number/],
    ['conv3d with strides and dilations both 2', () => wg.conv3d(wg.zeros([1, 5, 5, 5, 2]), wg.zeros([2, 2, 2, 2, 1]), 2, 'valid', 2), /conv3d: strides 2 and dilations 2: either the strides or the dilations must be 1/],
    ['conv3d with a window deeper than x', () => wg.conv3d(wg.zeros([1, 2, 5, 5, 2]), wg.zeros([3, 2, 2, 2, 1])), /conv3d: the window 3x2x2 .* does not fit the input .*x \[1,2,5,5,2\]/],
    ['conv3d with an unknown padding', () => wg.conv3d(wg.zeros([1, 3, 3, 3, 2]), wg.zeros([1, 1, 1, 2, 1]), 1, 'full' as 'same'), /conv3d: padding must be 'valid' or 'same', got "full"/],
    ['conv3dTranspose with an outputShape that does not convolve to x', () => wg.conv3dTranspose(wg.zeros([1, 2, 2, 2, 3]), wg.zeros([2, 2, 2, 4, 3]), [1, 5, 5, 5, 4], 1, 'valid'), /conv3dTranspose: a conv3d of outputShape .* gives 4x4x4, not x's 2x2x2/],
    ['conv3dTranspose with mismatched channels', () => wg.conv3dTranspose(wg.zeros([1, 2, 2, 2, 3]), wg.zeros([2, 2, 2, 4, 2]), [1, 3, 3, 3, 4]), /conv3dTranspose: x has 3 channels but the filter expects 2/],
    ['conv3dTranspose with an outputShape of the wrong rank', () => wg.conv3dTranspose(wg.zeros([1, 2, 2, 2, 3]), wg.zeros([2, 2, 2, 4, 3]), [3, 3, 3, 4]), /conv3dTranspose: outputShape must be 5 positive whole numbers/],
  ])('%s', async (_what, f, message) => {
    await useBuild('relaxed');
    expectRefusedWithoutLeak(f, message);
  });
});

describe('a refused call leaves no tensor behind, also on the rank-4 path and past the debug wrapper', () => {
  test('conv3d, conv3dTranspose, maxPool3d, avgPool3d, dilation2d', async () => {
    await useBuild('relaxed');
    const raw = { ...(await import('../src/ops/conv3d')), ...(await import('../src/ops/pool3d')), ...(await import('../src/ops/dilation')) };
    const vol = wg.zeros([3, 3, 3, 2]), img = wg.zeros([3, 3, 2]);
    const f5 = wg.zeros([1, 1, 1, 3, 1]), fT = wg.zeros([2, 2, 2, 4, 2]), f3 = wg.zeros([2, 2, 2]);
    const before = wg.memory().numTensors;
    expect(() => raw.conv3d(vol, f5)).toThrow(/conv3d: x has 2 channels but the filter expects 3/);
    expect(() => raw.conv3dTranspose(vol, fT, [5, 5, 5, 4])).toThrow(/conv3dTranspose: a conv3d of outputShape/);
    expect(() => raw.maxPool3d(vol, 4)).toThrow(/maxPool3d: the window 4x4x4/);
    expect(() => raw.avgPool3d(vol, 2, 0)).toThrow(/avgPool3d: strides must be/);
    expect(() => raw.dilation2d(img, f3, 1, 'valid', 3)).toThrow(/dilation2d: the window 2x2/);
    expect(wg.memory().numTensors).toBe(before);
    for (const t of [vol, img, f5, fT, f3]) t.dispose();
  });
});
