// The dense drivers check the tensors they are given against the work described (a geometry, a
// row count, a parameter's size) before any kernel touches memory.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { useBuild } from './helpers';
import { conv2dForward, depthwiseGradFilter } from '../src/engine/drivers/conv';
import { poolForward } from '../src/engine/drivers/pool';
import { channelSums, layerNormForward } from '../src/engine/drivers/norm';
import { adamUpdate, copySlot, sumOfSquares } from '../src/engine/drivers/optim';
import { windowGeometry } from '../src/ops/conv';

afterAll(() => wg.shutdown());

describe('dense drivers', () => {
  test('reject tensors that do not fit the geometry', async () => {
    await useBuild('simd', 1);
    const g = windowGeometry('conv2d', [2, 5, 5, 3], 3, 3, 1, 'same', 1, '');
    wg.tidy(() => {
      const x = wg.ones([2, 5, 5, 3]), f = wg.ones([3, 3, 3, 4]), y = wg.zeros([2, 5, 5, 4]);
      expect(() => conv2dForward(wg.ones([2, 5, 4, 3]), f, null, y, g)).toThrow(/conv2d: the image \[2,5,4,3\] has 120 elements, expected 150/);
      expect(() => conv2dForward(x, f, null, wg.zeros([2, 5, 5, 3]), g)).toThrow(/conv2d: the output/);
      expect(() => conv2dForward(x, f, wg.ones([3]), y, g)).toThrow(/conv2d: the bias \[3\] has 3 elements, expected 4/);
      expect(() => conv2dForward(x, wg.ones([3, 3, 2, 4]), null, y, g)).toThrow(/conv2d: the filter/);
      expect(() => depthwiseGradFilter(x, wg.zeros([2, 5, 5, 3]), wg.zeros([3, 3, 3, 2]), g)).toThrow(/depthwiseConv2d: the output \[2,5,5,3\]/);
      expect(() => poolForward(true, x, wg.zeros([2, 5, 5, 4]), g)).toThrow(/maxPool: the output/);
    });
  });

  test('reject row counts and parameter sizes that do not match', async () => {
    await useBuild('simd', 1);
    wg.tidy(() => {
      const x = wg.ones([4, 3]);
      expect(() => channelSums('grad', x, wg.ones([4, 2]), wg.ones([3]), null, 4, 3)).toThrow(/channelSums: dy \[4,2\]/);
      expect(() => channelSums('rowGrad', x, x, wg.ones([3]), wg.ones([4]), 4, 3)).toThrow(/first parameter \[3\] has 3 elements, expected at least 4/);
      const [mean, rstd] = [wg.zeros([4]), wg.zeros([4])];
      expect(() => layerNormForward(x, wg.ones([4]), null, wg.zeros([4, 3]), mean, rstd, 4, 3, 1e-3)).toThrow(/layerNorm: gamma \[4\]/);
      expect(() => layerNormForward(x, null, null, wg.zeros([4, 3]), wg.zeros([3]), rstd, 4, 3, 1e-3)).toThrow(/layerNorm: the mean/);
      const p = wg.ones([5]);
      const prep = { gscale: 1, clip: Infinity };
      expect(() => adamUpdate(p, wg.ones([4]), wg.zeros([5]), wg.zeros([5]), 0.1, 1, 0.9, 0.999, 1e-7, 1, prep)).toThrow(/the gradient \[4\]/);
      expect(() => adamUpdate(p, wg.ones([5]), wg.zeros([5]), wg.zeros([6]), 0.1, 1, 0.9, 0.999, 1e-7, 1, prep)).toThrow(/second moment slot \[6\]/);
      expect(() => copySlot(p, wg.ones([6]), 'Adam.setWeights')).toThrow(/Adam.setWeights: the source \[6\]/);
    });
  });

  test('sumOfSquares: float64 over float32 chunk partials, tensors in order, none gives 0', async () => {
    await useBuild('simd', 1);
    expect(sumOfSquares([])).toBe(0);
    wg.tidy(() => {
      const a = wg.fill([10000], 0.5), b = wg.tensor([3, 4]), empty = wg.zeros([0]);
      expect(sumOfSquares([a, empty, b])).toBe(10000 * 0.25 + 25);
    });
  });
});
