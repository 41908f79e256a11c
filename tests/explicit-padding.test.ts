// TF.js's explicit padding of the window ops: one whole number for every side, or
// [[0, 0], [top, bottom], [left, right], [0, 0]]. conv2d, depthwiseConv2d, maxPool and avgPool
// against @tensorflow/tfjs 4.22 (forward), their gradients by central differences (TF.js's
// avgPool gradient with explicit padding is not its forward's), and the paddings refused.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { randomArray, expectClose } from './helpers';
import { gradCheck } from './gradcheck';

const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const PADS = [[0, 0], [1, 2], [2, 0], [0, 0]] as [number, number][];

type Lib = typeof tf;
const CASES: [string, (l: Lib, x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor, number[], number[]][] = [
  ['conv2d, strides [1, 2]', (l, x, f) => l.conv2d(x, f, [1, 2], PADS as never), [2, 5, 6, 3], [3, 2, 3, 4]],
  ['conv2d, padding 1, dilation 2', (l, x, f) => l.conv2d(x, f, 1, 1, 'NHWC', 2), [1, 5, 6, 3], [2, 2, 3, 2]],
  ['depthwiseConv2d, strides [2, 1]', (l, x, f) => l.depthwiseConv2d(x, f, [2, 1], PADS as never), [1, 6, 6, 3], [3, 3, 3, 2]],
  ['maxPool 3x3, strides 2', (l, x) => l.maxPool(x, [3, 3], [2, 2], PADS as never), [1, 6, 7, 2], [1, 1, 1, 1]],
  ['avgPool 3x3, strides 1', (l, x) => l.avgPool(x, [3, 3], 1, PADS as never), [1, 5, 5, 2], [1, 1, 1, 1]],
  // (a number pads every side; TF.js sizes its output with the window's height in both dimensions: square here)
  ['avgPool 3x3, padding 1', (l, x) => l.avgPool(x, [3, 3], 1, 1 as never), [2, 5, 4, 3], [1, 1, 1, 1]],
];

describe('explicit padding', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await wt.ready();
  });

  it('the same outputs as TF.js', () => {
    CASES.forEach(([name, op, sx, sf], i) => {
      const [x, f] = [randomArray(size(sx), i), randomArray(size(sf), i + 20)];
      const want = op(tf, tf.tensor(x, sx) as tf.Tensor4D, tf.tensor(f, sf) as tf.Tensor4D);
      const got = op(wt as unknown as Lib, wt.tensor(x, sx) as never, wt.tensor(f, sf) as never) as unknown as wt.Tensor;
      expect(got.shape, name).toEqual(want.shape);
      expectClose(got.dataSync(), want.dataSync() as Float32Array, 1e-5, 1e-5, name);
    });
  });

  it('gradients agree with central differences', () => {
    CASES.forEach(([name, op, sx, sf], i) => {
      gradCheck((x, f) => op(wt as unknown as Lib, x as never, f as never) as unknown as wg.Tensor, [{ values: randomArray(size(sx), i), shape: sx }, { values: randomArray(size(sf), i + 20), shape: sf }], {
        name, wrt: name.startsWith('conv') || name.startsWith('depthwise') ? [0, 1] : [0],
      });
    });
  });

  it('padding of the batch or channels, negative or fractional pads, and windows larger than the padded input are refused', () => {
    const x = wt.ones([1, 4, 4, 1]), f = wt.ones([3, 3, 1, 1]);
    for (const bad of [[[1, 0], [1, 1], [1, 1], [0, 0]], [[0, 0], [1, 1], [1, 1], [0, 1]], [[0, 0], [-1, 1], [1, 1], [0, 0]], [[0, 0], [1, 1], [1]], -1, 1.5]) {
      expect(() => wt.conv2d(x as never, f as never, 1, bad as never), JSON.stringify(bad)).toThrow(/conv2d: padding must be 'valid' or 'same', a whole number >= 0, or \[\[0, 0\], \[top, bottom\], \[left, right\], \[0, 0\]\]/);
    }
    expect(() => wt.maxPool(x as never, 7, 1, [[0, 0], [1, 1], [1, 1], [0, 0]] as never)).toThrow(/maxPool: the 7x7 window is larger than the 4x4 input padded to 6x6/);
  });
});
