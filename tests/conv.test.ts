// Convolutions (src/ops/conv.ts on the implicit-im2col GEMM of assembly/gemm.ts and
// assembly/conv.ts): forward against a direct float64 reference, gradients against finite
// differences of that reference, over odd shapes on every build; the same bits for 1, 2 and 4
// threads; bad input raises WasmgradError naming the op and the shapes.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, THREADED_BUILDS, expectNoLeak } from './helpers';
import { gradCheck, ref, expectSameBitsAcrossThreads } from './gradcheck';
import { refConv2d, refDepthwise, refConv2dTranspose, type Pad, type Win } from './conv-ref';
import { engine } from '../src/engine/state';

afterAll(() => wg.shutdown());

type P2 = [number, number];
interface ConvCase {
  x: number[]; // N, H, W, C
  f: number[]; // KH, KW, Cin, Cout
  s: number | P2;
  pad: 'valid' | 'same';
  d?: number | P2;
  what: string;
}
const pair = (v: number | P2 = 1): P2 => (typeof v === 'number' ? [v, v] : v);

const CONV_CASES: ConvCase[] = [
  { x: [1, 5, 5, 1], f: [1, 1, 1, 1], s: 1, pad: 'valid', what: '1x1, one channel' },
  { x: [2, 6, 7, 3], f: [1, 1, 3, 5], s: 1, pad: 'same', what: '1x1 (plain GEMM path)' },
  { x: [2, 7, 6, 3], f: [1, 1, 3, 4], s: 2, pad: 'valid', what: '1x1 stride 2' },
  { x: [1, 7, 7, 3], f: [3, 3, 3, 4], s: 2, pad: 'same', what: '3x3 stride 2 same' },
  { x: [2, 8, 9, 7], f: [3, 3, 7, 5], s: 3, pad: 'valid', what: 'stride 3, 7 channels' },
  { x: [1, 9, 9, 2], f: [3, 3, 2, 3], s: 1, pad: 'same', d: 2, what: 'dilation 2 same' },
  { x: [2, 9, 8, 3], f: [2, 3, 3, 2], s: 1, pad: 'valid', d: 2, what: 'dilation 2 valid' },
  { x: [2, 6, 6, 3], f: [2, 2, 3, 4], s: 1, pad: 'same', what: 'even kernel same' },
  { x: [1, 5, 6, 1], f: [4, 4, 1, 2], s: 2, pad: 'same', what: 'even kernel stride 2 same' },
  { x: [1, 2, 3, 3], f: [5, 5, 3, 2], s: 1, pad: 'same', what: 'input smaller than the kernel, same' },
  { x: [1, 1, 1, 3], f: [3, 3, 3, 2], s: 2, pad: 'same', what: '1x1 input, stride 2 same' },
  { x: [3, 5, 5, 4], f: [3, 3, 4, 9], s: 1, pad: 'valid', what: '3x3 valid' },
  { x: [2, 4, 5, 7], f: [3, 2, 7, 3], s: [2, 1], pad: 'same', d: [1, 2], what: 'mixed strides and dilations' },
  { x: [1, 6, 6, 40], f: [3, 3, 40, 10], s: 1, pad: 'same', what: 'K = 360 > KC' },
  { x: [2, 12, 12, 3], f: [3, 3, 3, 4], s: 1, pad: 'same', what: '288 pixels > KC' },
  { x: [1, 10, 9, 16], f: [3, 3, 16, 9], s: 1, pad: 'same', what: '16 channels' },
];

function conv(c: ConvCase) {
  return (x: wg.Tensor, f: wg.Tensor) => wg.conv2d(x, f, c.s, c.pad, c.d ?? 1);
}
const win = (c: { s: number | P2; pad: Pad; d?: number | P2 }): Win => ({ strides: pair(c.s), dilations: pair(c.d), pad: c.pad });
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Runs fn and checks that it leaves no tensor and no kernel temporary behind. */
function noLeak(fn: () => void): void {
  engine().scratchOf(0); // the calling thread's scratch is made on first use, once
  const bytes = engine().allocator.liveBytes;
  expectNoLeak(fn);
  expect(engine().allocator.liveBytes, 'allocator bytes').toBe(bytes);
}

describe.each(builds())('conv2d on the %s build', (build) => {
  test('forward matches the float64 reference', async () => {
    await useBuild(build, 2);
    let seed = 1;
    for (const c of CONV_CASES) {
      const xv = randomArray(sizeOf(c.x), seed++), fv = randomArray(sizeOf(c.f), seed++);
      noLeak(() => {
        const got = wg.tidy(() => {
          const y = conv(c)(wg.tensor(xv, c.x), wg.tensor(fv, c.f));
          return { shape: y.shape, data: y.dataSync() };
        });
        const want = refConv2d(ref(xv, c.x), ref(fv, c.f), win(c));
        expect(got.shape, c.what).toEqual(want.shape);
        const k = c.f[0] * c.f[1] * c.f[2];
        expectClose(got.data, want.data, 2e-6 * Math.sqrt(k) + 1e-6, 1e-5, c.what);
      });
    }
  });

  test('gradients match finite differences', async () => {
    await useBuild(build, 2);
    let seed = 100;
    engine().scratchOf(0);
    for (const c of CONV_CASES) {
      const bytes = engine().allocator.liveBytes;
      gradCheck(conv(c), [{ values: randomArray(sizeOf(c.x), seed++), shape: c.x }, { values: randomArray(sizeOf(c.f), seed++), shape: c.f }], {
        ref: (x, f) => refConv2d(x, f, win(c)),
        name: `conv2d ${c.what}`,
        fwdAtol: 1e-5,
        maxPoints: 24,
      });
      expect(engine().allocator.liveBytes).toBe(bytes);
    }
  });

  test('fusedConv2d: bias and relu in the epilogue, and their gradients', async () => {
    await useBuild(build, 2);
    for (const c of [CONV_CASES[1], CONV_CASES[3], CONV_CASES[13]]) {
      const cout = c.f[3];
      const xv = randomArray(sizeOf(c.x), 7), fv = randomArray(sizeOf(c.f), 8), bv = randomArray(cout, 9);
      for (const act of ['linear', 'relu'] as const) {
        gradCheck(
          (x, f, b) => wg.fusedConv2d(x, f, b, act, c.s, c.pad, c.d ?? 1),
          [{ values: xv, shape: c.x }, { values: fv, shape: c.f }, { values: bv, shape: [cout] }],
          { ref: (x, f, b) => refConv2d(x, f, win(c), b, act === 'relu'), name: `fusedConv2d ${act} ${c.what}`, maxPoints: 16 },
        );
      }
    }
  });

  test('conv1d, with causal padding', async () => {
    await useBuild(build, 1);
    const cases: { x: number[]; f: number[]; s: number; pad: Pad; d: number }[] = [
      { x: [2, 9, 3], f: [3, 3, 4], s: 1, pad: 'valid', d: 1 },
      { x: [1, 8, 1], f: [2, 1, 2], s: 2, pad: 'same', d: 1 },
      { x: [2, 7, 5], f: [3, 5, 3], s: 1, pad: 'causal', d: 2 },
      { x: [1, 10, 7], f: [4, 7, 2], s: 3, pad: 'same', d: 1 },
    ];
    let seed = 300;
    for (const c of cases) {
      const [N, W, C] = c.x, [K, , CO] = c.f;
      gradCheck((x, f) => wg.conv1d(x, f, c.s, c.pad, c.d), [{ values: randomArray(sizeOf(c.x), seed++), shape: c.x }, { values: randomArray(sizeOf(c.f), seed++), shape: c.f }], {
        ref: (x, f) => {
          const y = refConv2d({ data: x.data, shape: [N, 1, W, C] }, { data: f.data, shape: [1, K, C, CO] }, { strides: [1, c.s], dilations: [1, c.d], pad: c.pad });
          return { data: y.data, shape: [N, y.shape[2], CO] };
        },
        name: `conv1d ${JSON.stringify(c)}`,
        maxPoints: 16,
      });
    }
  });

  test('depthwiseConv2d: forward and gradients, multipliers 1 and 2', async () => {
    await useBuild(build, 2);
    const cases: { x: number[]; f: number[]; s: number | P2; pad: 'valid' | 'same'; d?: number }[] = [
      { x: [2, 6, 6, 8], f: [3, 3, 8, 1], s: 1, pad: 'same' },
      { x: [1, 7, 7, 7], f: [3, 3, 7, 1], s: 2, pad: 'same' },
      { x: [2, 5, 6, 3], f: [2, 2, 3, 2], s: 1, pad: 'valid' },
      { x: [1, 8, 8, 1], f: [3, 3, 1, 3], s: 3, pad: 'valid' },
      { x: [1, 9, 9, 20], f: [3, 3, 20, 1], s: 1, pad: 'same', d: 2 },
      { x: [1, 2, 2, 4], f: [4, 4, 4, 1], s: 1, pad: 'same' },
    ];
    let seed = 500;
    for (const c of cases) {
      gradCheck(
        (x, f) => wg.depthwiseConv2d(x, f, c.s, c.pad, c.d ?? 1),
        [{ values: randomArray(sizeOf(c.x), seed++), shape: c.x }, { values: randomArray(sizeOf(c.f), seed++), shape: c.f }],
        { ref: (x, f) => refDepthwise(x, f, win(c)), name: `depthwiseConv2d ${JSON.stringify(c)}`, maxPoints: 24 },
      );
    }
  });

  test('conv2dTranspose: forward and gradients', async () => {
    await useBuild(build, 2);
    const cases: { x: number[]; f: number[]; out: number[]; s: number; pad: 'valid' | 'same' }[] = [
      { x: [2, 3, 3, 4], f: [3, 3, 5, 4], out: [2, 6, 6, 5], s: 2, pad: 'same' },
      { x: [1, 4, 4, 3], f: [3, 3, 2, 3], out: [1, 6, 6, 2], s: 1, pad: 'valid' },
      { x: [1, 3, 2, 2], f: [2, 2, 3, 2], out: [1, 6, 4, 3], s: 2, pad: 'valid' },
      { x: [2, 3, 3, 1], f: [4, 4, 1, 1], out: [2, 9, 9, 1], s: 3, pad: 'same' },
    ];
    let seed = 700;
    for (const c of cases) {
      gradCheck(
        (x, f) => wg.conv2dTranspose(x, f, c.out, c.s, c.pad),
        [{ values: randomArray(sizeOf(c.x), seed++), shape: c.x }, { values: randomArray(sizeOf(c.f), seed++), shape: c.f }],
        { ref: (x, f) => refConv2dTranspose(x, f, c.out, [c.s, c.s], c.pad), name: `conv2dTranspose ${JSON.stringify(c)}`, maxPoints: 24 },
      );
    }
  });
});

describe.each(THREADED_BUILDS)('threads on the %s build', (build) => {
  test('forward and both gradients are bitwise identical for 1, 2 and 4 threads', async () => {
    const cases: ConvCase[] = [
      { x: [4, 16, 16, 8], f: [3, 3, 8, 16], s: 1, pad: 'same', what: 'stride 1' },
      { x: [2, 17, 15, 6], f: [3, 3, 6, 12], s: 2, pad: 'same', what: 'stride 2 (col2im)' },
      { x: [3, 14, 14, 24], f: [1, 1, 24, 40], s: 1, pad: 'valid', what: '1x1' },
      { x: [1, 30, 30, 300], f: [3, 3, 300, 20], s: 1, pad: 'same', what: 'K > 2 KC' },
      { x: [4, 20, 20, 3], f: [3, 3, 3, 40], s: 1, pad: 'same', what: '3 channels (padded copy, direct input gradient)' },
    ];
    for (const c of cases) {
      const xv = randomArray(sizeOf(c.x), 11), fv = randomArray(sizeOf(c.f), 12);
      await expectSameBitsAcrossThreads(
        build,
        () =>
          wg.tidy(() => {
            const x = wg.tensor(xv, c.x), f = wg.tensor(fv, c.f);
            const { value, grads } = wg.valueAndGrads((a: wg.Tensor, b: wg.Tensor) => wg.sum(wg.square(conv(c)(a, b))))([x, f]);
            void value;
            const y = conv(c)(x, f);
            return [y.dataSync() as Float32Array, grads[0].dataSync() as Float32Array, grads[1].dataSync() as Float32Array];
          }),
        `conv2d ${c.what}`,
      );
    }
    const dxv = randomArray(2 * 20 * 20 * 32, 13), dfv = randomArray(3 * 3 * 32 * 2, 14);
    await expectSameBitsAcrossThreads(
      build,
      () =>
        wg.tidy(() => {
          const x = wg.tensor(dxv, [2, 20, 20, 32]), f = wg.tensor(dfv, [3, 3, 32, 2]);
          const { grads } = wg.valueAndGrads((a: wg.Tensor, b: wg.Tensor) => wg.sum(wg.square(wg.depthwiseConv2d(a, b, 1, 'same'))))([x, f]);
          return [wg.depthwiseConv2d(x, f, 1, 'same').dataSync() as Float32Array, grads[0].dataSync() as Float32Array, grads[1].dataSync() as Float32Array];
        }),
      'depthwiseConv2d',
    );
  });
});

describe('convolutions reject bad input', () => {
  test('with WasmgradError naming the op and the shapes', async () => {
    await useBuild('simd', 1);
    const x = wg.ones([1, 5, 5, 3]);
    const bad = (fn: () => unknown, re: RegExp) => {
      expect(fn).toThrow(wg.WasmgradError);
      expect(fn).toThrow(re);
    };
    bad(() => wg.conv2d(x, wg.ones([3, 3, 4, 2])), /conv2d: x has 3 channels but the filter expects 4: x \[1,5,5,3\], filter \[3,3,4,2\]/);
    bad(() => wg.conv2d(wg.ones([1, 2, 2, 1]), wg.ones([3, 3, 1, 1]), 1, 'valid'), /conv2d: the 3x3 window is larger than the 2x2 input with 'valid' padding: x \[1,2,2,1\], filter \[3,3,1,1\]/);
    bad(() => wg.conv2d(wg.ones([1, 4, 4, 1]), wg.ones([2, 2, 1, 1]), 1, 'valid', 4), /conv2d: the 2x2 window \(dilated 4x4\) is larger than the 4x4 input/);
    bad(() => wg.conv2d(x, wg.ones([3, 3, 3, 2]), 0), /conv2d: strides must be a positive whole number or a pair of them, got 0/);
    bad(() => wg.conv2d(x, wg.ones([3, 3, 3, 2]), [1, -2]), /conv2d: strides must be .* got \[1,-2\]/);
    bad(() => wg.conv2d(x, wg.ones([3, 3, 3, 2]), 1, 'valid', 0), /conv2d: dilations must be/);
    bad(() => wg.conv2d(x, wg.ones([3, 3, 3, 2]), 1, 'full' as 'same'), /conv2d: padding must be 'valid' or 'same', a whole number >= 0, or \[\[0, 0\], \[top, bottom\], \[left, right\], \[0, 0\]\], got "full"/);
    bad(() => wg.conv2d(wg.ones([5, 5, 3]), wg.ones([3, 3, 3, 2])), /conv2d: x must be rank 4 \[batch, height, width, channels\], got \[5,5,3\]/);
    bad(() => wg.conv2d(x, wg.ones([3, 3, 3])), /conv2d: filter must be rank 4/);
    bad(() => wg.conv1d(wg.ones([1, 5, 3]), wg.ones([3, 2, 4])), /conv1d: x has 3 channels but the filter expects 2: x \[1,5,3\], filter \[3,2,4\]/);
    bad(() => wg.conv1d(wg.ones([1, 2, 3]), wg.ones([3, 3, 4])), /conv1d: the 1x3 window is larger than the 1x2 input/);
    bad(() => wg.conv1d(wg.ones([1, 5, 3]), wg.ones([3, 3, 4]), 0), /conv1d: stride must be a positive whole number, got 0/);
    bad(() => wg.depthwiseConv2d(x, wg.ones([3, 3, 2, 1])), /depthwiseConv2d: x has 3 channels but the filter expects 2/);
    bad(() => wg.depthwiseConv2d(x, wg.ones([3, 3, 3, 1]), -1), /depthwiseConv2d: strides must be/);
    bad(() => wg.conv2dTranspose(wg.ones([1, 3, 3, 2]), wg.ones([3, 3, 4, 2]), [1, 7, 7, 4], 2, 'same'), /conv2dTranspose: a conv2d of outputShape .* gives 4x4, not x's 3x3/);
    bad(() => wg.conv2dTranspose(wg.ones([1, 3, 3, 2]), wg.ones([3, 3, 4, 5]), [1, 6, 6, 4], 2, 'same'), /conv2dTranspose: x has 2 channels but the filter expects 5/);
    bad(() => wg.fusedConv2d(x, wg.ones([3, 3, 3, 2]), wg.ones([3])), /fusedConv2d: bias must be float32 \[2\], got \[3\]/);
    bad(() => wg.conv2d(wg.tensor([1], [1, 1, 1, 1], 'int32'), wg.ones([1, 1, 1, 1])), /conv2d: x must be float32/);
  });
});

