// tensor.toString() and print() in TensorFlow.js's layout, compared with TF.js 4.22's own text for
// scalars, vectors, matrices, rank 3 and 4, long dimensions (summarized), int32, and verbose.
import { describe, test, expect, beforeAll, afterAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { useBuild, randomArray } from './helpers';

beforeAll(async () => {
  await useBuild('simd', 1);
  await tf.setBackend('cpu');
});
afterAll(() => wg.shutdown());

describe('tensor text', () => {
  test('toString equals TF.js for every rank, long dimensions and int32, verbose or not', () => {
    const shapes = [[], [1], [5], [21], [40], [2, 3], [3, 1], [25, 2], [2, 25], [2, 3, 4], [22, 2, 2], [2, 2, 2, 3], [1, 1, 1, 1], [0], [2, 0]];
    for (const [k, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      const floats = Array.from(randomArray(n, k + 1, -100, 100), (v, i) => (i % 3 === 0 ? Math.round(v) : v / 7));
      const ints = floats.map(Math.round);
      for (const verbose of [false, true]) {
        expect(wt.tensor(floats, shape).toString(verbose), `${shape}`).toBe(tf.tensor(floats, shape).toString(verbose));
        expect(wt.tensor(ints, shape, 'int32').toString(verbose), `${shape} int32`).toBe(tf.tensor(ints, shape, 'int32').toString(verbose));
      }
    }
    expect(wt.tensor([1e-9, 123456789, -0.5, NaN, Infinity]).toString()).toBe(tf.tensor([1e-9, 123456789, -0.5, NaN, Infinity]).toString());
  });

  test('print writes toString(verbose) as TF.js does; a disposed tensor still prints its shape', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const x = wt.tensor([[1, 2], [3, 4]]);
      x.print();
      x.print(true);
      wt.print(x);
      expect(log.mock.calls.map((c) => c[0])).toEqual([tf.tensor([[1, 2], [3, 4]]).toString(), tf.tensor([[1, 2], [3, 4]]).toString(true), tf.tensor([[1, 2], [3, 4]]).toString()]);
      x.dispose();
      expect(x.toString()).toBe('Tensor([2,2], float32, disposed)');
    } finally {
      log.mockRestore();
    }
  });
});
