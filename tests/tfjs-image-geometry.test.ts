// tf.image.transform and tf.image.rotateWithOffset (src/tfjs/image-geometry.ts) against TF.js 4.22's
// cpu kernels: every fill mode and interpolation, projective rows, an output shape of its own,
// a batch image by image (TF.js 4.22 warps only the first image of a batch).
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { useBuild, randomArray } from './helpers';

beforeAll(async () => {
  await useBuild('simd', 1);
  await tf.setBackend('cpu');
});
afterAll(() => wg.shutdown());

const TRANSFORMS = [
  [1, 0, 0, 0, 1, 0, 0, 0], // identity
  [1, 0, 1.5, 0, 1, -2.25, 0, 0], // a translation by fractions
  [Math.cos(0.7), -Math.sin(0.7), 2, Math.sin(0.7), Math.cos(0.7), -1, 0, 0], // a rotation
  [1.7, 0.2, -3, -0.1, 0.6, 4, 0, 0], // shear and scale, far outside
  [1, 0.1, 0, 0.05, 1, 0, 0.02, -0.03], // projective
  [0, 0, 0, 0, 0, 0, 0, -1], // k = 0 on row 1: left at fillValue
];

describe('tf.image geometry', () => {
  test('transform equals TF.js for every fill mode, interpolation and transform', () => {
    for (const shape of [[1, 5, 7, 3], [1, 6, 4, 1], [1, 1, 3, 2]]) {
      const values = Array.from(randomArray(shape.reduce((a, b) => a * b, 1), 7, -10, 10));
      const ours = wt.tensor(values, shape), theirs = tf.tensor(values, shape);
      for (const row of TRANSFORMS) {
        for (const interpolation of ['nearest', 'bilinear'] as const) {
          for (const fillMode of ['constant', 'reflect', 'wrap', 'nearest'] as const) {
            for (const outputShape of [undefined, [4, 9]] as ([number, number] | undefined)[]) {
              const got = wt.image.transform(ours, wt.tensor([row]), interpolation, fillMode, 2.5, outputShape);
              const want = tf.image.transform(theirs, tf.tensor([row]), interpolation, fillMode, 2.5, outputShape);
              expect(got.shape).toEqual(want.shape);
              const w = want.dataSync();
              Array.from(got.dataSync()).forEach((v, i) => expect(v, `${shape} ${row} ${interpolation} ${fillMode} ${outputShape} @${i}`).toBeCloseTo(w[i], 4));
            }
          }
        }
      }
    }
  });

  test('transform of a batch warps each image by its own row (and one row for all)', () => {
    const shape = [3, 4, 5, 2];
    const values = Array.from(randomArray(120, 9, 0, 1));
    const rows = [TRANSFORMS[1], TRANSFORMS[2], TRANSFORMS[4]];
    const got = wt.image.transform(wt.tensor(values, shape), wt.tensor(rows), 'bilinear', 'reflect').arraySync() as number[][][][];
    const shared = wt.image.transform(wt.tensor(values, shape), wt.tensor([rows[2]]), 'nearest', 'wrap').arraySync() as number[][][][];
    for (let b = 0; b < 3; b++) {
      const one = tf.tensor(values.slice(b * 40, b * 40 + 40), [1, 4, 5, 2]);
      const want = tf.image.transform(one, tf.tensor([rows[b]]), 'bilinear', 'reflect').arraySync() as number[][][][];
      expect(got[b].flat(2)).toEqual(want[0].flat(2).map((v) => expect.closeTo(v, 5)));
      const wantShared = tf.image.transform(one, tf.tensor([rows[2]]), 'nearest', 'wrap').arraySync() as number[][][][];
      expect(shared[b].flat(2)).toEqual(wantShared[0].flat(2).map((v) => expect.closeTo(v, 5)));
    }
  });

  test('rotateWithOffset equals TF.js (angles, centers, fill values per channel)', () => {
    for (const shape of [[1, 5, 7, 3], [2, 6, 6, 4], [1, 3, 8, 1]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from(randomArray(n, 11, 0, 200));
      const ours = wt.tensor(values, shape), theirs = tf.tensor(values, shape);
      for (const radians of [0, 0.3, -1.2, Math.PI / 2, 3]) {
        for (const center of [0.5, 0, [0.25, 0.8]] as (number | [number, number])[]) {
          const fills: (number | [number, number, number])[] = shape[3] >= 3 ? [7, [10, 20, 30]] : [7];
          for (const fill of fills) {
            const got = wt.image.rotateWithOffset(ours, radians, fill, center);
            const want = tf.image.rotateWithOffset(theirs as tf.Tensor4D, radians, fill, center);
            expect(Array.from(got.dataSync()), `${shape} ${radians} ${center} ${fill}`).toEqual(Array.from(want.dataSync()).map((v) => expect.closeTo(v, 4)));
          }
        }
      }
    }
  });

  test('bad arguments are refused with the operation and what was expected', () => {
    const img = wt.zeros([1, 4, 4, 3]);
    expect(() => wt.image.transform(wt.zeros([4, 4, 3]), wt.zeros([1, 8]))).toThrow(/image.transform: image must be rank 4 .* got \[4,4,3\]/);
    expect(() => wt.image.transform(img, wt.zeros([2, 8]))).toThrow(/transforms must be \[1, 8\] or \[1, 8\] for image \[1,4,4,3\], got \[2,8\]/);
    expect(() => wt.image.transform(img, wt.zeros([1, 8]), 'cubic' as never)).toThrow(/interpolation must be 'nearest' or 'bilinear'/);
    expect(() => wt.image.transform(img, wt.zeros([1, 8]), 'nearest', 'mirror' as never)).toThrow(/fillMode must be/);
    expect(() => wt.image.transform(img, wt.zeros([1, 8]), 'nearest', 'constant', 0, [0, 3])).toThrow(/outputShape must be \[height, width\]/);
    expect(() => wt.image.transform(img, wt.zeros([1, 8]), 'nearest', 'constant', 0, [2 ** 15, 2 ** 15])).toThrow(/more than 2\^30 values/);
    expect(() => wt.image.transform(wt.zeros([1, 2, 2, 1], 'int32'), wt.zeros([1, 8]))).toThrow(/image must be float32 \(as in TF.js\), got int32/);
    expect(() => tf.image.transform(tf.zeros([1, 2, 2, 1], 'int32'), tf.zeros([1, 8]))).toThrow(/must be float32/);
    expect(() => wt.image.rotateWithOffset(img, NaN)).toThrow(/radians must be a finite number/);
    expect(() => wt.image.rotateWithOffset(img, 1, [1, 2] as never)).toThrow(/fillValue must be a number, or \[r, g, b\]/);
    expect(() => wt.image.rotateWithOffset(img, 1, 0, [0.5] as never)).toThrow(/center must be a number or \[x, y\]/);
  });
});
