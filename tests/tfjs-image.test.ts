// tf.image.resizeBilinear and resizeNearestNeighbor: a float64 reference written from TF.js's
// source positions, finite-difference gradients, and @tensorflow/tfjs 4.22 (cpu) on odd shapes
// and every alignCorners / halfPixelCenters combination.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import * as wt from 'wasmgrad/tfjs';
import { expectClose, randomArray } from './helpers';
import { gradCheck, type RefTensor } from './gradcheck';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Flags = [alignCorners: boolean, halfPixelCenters: boolean];
const FLAGS: Flags[] = [[false, false], [true, false], [false, true]];

/** Source position of output i along an axis (TF.js's kernels). */
function source(inLen: number, outLen: number, i: number, [align, half]: Flags, nearest: boolean): number {
  const ratio = align && outLen > 1 ? (inLen - 1) / (outLen - 1) : inLen / outLen;
  if (!half) return ratio * i;
  return nearest ? ratio * (i + 0.5) : ratio * (i + 0.5) - 0.5;
}

/** Float64 bilinear resize of [B, H, W, C]. */
function refBilinear(x: RefTensor, [nh, nw]: [number, number], flags: Flags): RefTensor {
  const [b, h, w, c] = x.shape;
  const out = new Float64Array(b * nh * nw * c);
  const at = (n: number, r: number, q: number, d: number) => x.data[((n * h + r) * w + q) * c + d];
  for (let n = 0; n < b; n++)
    for (let r = 0; r < nh; r++) {
      const sr = source(h, nh, r, flags, false), r0 = Math.max(0, Math.floor(sr)), r1 = Math.min(h - 1, Math.ceil(sr)), fr = sr - r0;
      for (let q = 0; q < nw; q++) {
        const sq = source(w, nw, q, flags, false), q0 = Math.max(0, Math.floor(sq)), q1 = Math.min(w - 1, Math.ceil(sq)), fq = sq - q0;
        for (let d = 0; d < c; d++) {
          const top = at(n, r0, q0, d) + (at(n, r0, q1, d) - at(n, r0, q0, d)) * fq;
          const bottom = at(n, r1, q0, d) + (at(n, r1, q1, d) - at(n, r1, q0, d)) * fq;
          out[((n * nh + r) * nw + q) * c + d] = top + (bottom - top) * fr;
        }
      }
    }
  return { data: out, shape: [b, nh, nw, c] };
}

function refNearest(x: RefTensor, [nh, nw]: [number, number], flags: Flags): RefTensor {
  const [b, h, w, c] = x.shape;
  const pick = (inLen: number, outLen: number, i: number) => {
    const s = source(inLen, outLen, i, flags, true);
    const v = Math.min(inLen - 1, flags[0] ? Math.round(s) : Math.floor(s));
    return flags[1] ? Math.max(0, v) : v;
  };
  const out = new Float64Array(b * nh * nw * c);
  for (let n = 0; n < b; n++)
    for (let r = 0; r < nh; r++)
      for (let q = 0; q < nw; q++)
        for (let d = 0; d < c; d++) out[((n * nh + r) * nw + q) * c + d] = x.data[((n * h + pick(h, nh, r)) * w + pick(w, nw, q)) * c + d];
  return { data: out, shape: [b, nh, nw, c] };
}

const SHAPES: [number[], [number, number]][] = [
  [[2, 3, 5, 3], [7, 4]],
  [[1, 1, 1, 1], [3, 2]],
  [[1, 17, 3, 5], [5, 17]],
  [[3, 4, 4, 1], [4, 4]],
  [[1, 6, 9, 2], [1, 1]],
];

describe('image.resizeBilinear', () => {
  for (const [shape, size] of SHAPES)
    for (const flags of FLAGS) {
      it(`${JSON.stringify(shape)} -> ${size} alignCorners ${flags[0]} halfPixelCenters ${flags[1]}: the reference, its finite differences, and TF.js`, () => {
        const values = randomArray(shape.reduce((a, b) => a * b, 1), 11, -2, 2);
        gradCheck((x) => wg.image.resizeBilinear(x, size, ...flags), [{ values, shape }], { ref: (x) => refBilinear(x, size, flags), name: 'resizeBilinear' });
        const ours = wt.image.resizeBilinear(wt.tensor(values, shape), size, ...flags);
        const theirs = tf.image.resizeBilinear(tf.tensor(values, shape) as tf.Tensor4D, size, ...flags);
        expect(ours.shape).toEqual(theirs.shape);
        expectClose(ours.dataSync(), theirs.dataSync() as Float32Array, 1e-6, 1e-6, 'resizeBilinear vs TF.js');
        // TF.js's gradient kernel ignores halfPixelCenters and swaps height and width in its
        // result's shape (so it fails on non-square images); elsewhere the gradients agree
        if (!flags[1] && shape[1] === shape[2]) {
          const dy = randomArray(ours.size, 12);
          const g = wt.grad((x: wt.Tensor) => wt.image.resizeBilinear(x, size, ...flags))(wt.tensor(values, shape), wt.tensor(dy, ours.shape));
          const gt = tf.grad((x: tf.Tensor) => tf.image.resizeBilinear(x as tf.Tensor4D, size, ...flags))(tf.tensor(values, shape), tf.tensor(dy, theirs.shape));
          expectClose(g.dataSync(), gt.dataSync() as Float32Array, 1e-5, 1e-5, 'gradient vs TF.js');
        }
      });
    }

  it('a rank-3 image and int32 pixels give float32 as TF.js', () => {
    const img = wt.tensor([1, 2, 3, 4, 5, 6], [2, 3, 1], 'int32');
    const ours = wt.image.resizeBilinear(img, [3, 2]);
    const theirs = tf.image.resizeBilinear(tf.tensor([1, 2, 3, 4, 5, 6], [2, 3, 1], 'int32') as tf.Tensor3D, [3, 2]);
    expect(ours.shape).toEqual([3, 2, 1]);
    expect(ours.dtype).toBe(theirs.dtype);
    expectClose(ours.dataSync(), theirs.dataSync() as Float32Array, 1e-6, 1e-6);
  });
});

describe('image.resizeNearestNeighbor', () => {
  for (const [shape, size] of SHAPES)
    for (const flags of FLAGS) {
      it(`${JSON.stringify(shape)} -> ${size} alignCorners ${flags[0]} halfPixelCenters ${flags[1]}: the reference and TF.js, gradient a scatter-add`, () => {
        const values = randomArray(shape.reduce((a, b) => a * b, 1), 21, -2, 2);
        gradCheck((x) => wg.image.resizeNearestNeighbor(x, size, ...flags), [{ values, shape }], { ref: (x) => refNearest(x, size, flags), name: 'resizeNearestNeighbor' });
        const ours = wt.image.resizeNearestNeighbor(wt.tensor(values, shape), size, ...flags);
        const theirs = tf.image.resizeNearestNeighbor(tf.tensor(values, shape) as tf.Tensor4D, size, ...flags);
        expect(ours.shape).toEqual(theirs.shape);
        expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
      });
    }

  it('keeps int32 pixels, as TF.js', () => {
    const ours = wt.image.resizeNearestNeighbor(wt.tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32'), [3, 3]);
    expect(ours.dtype).toBe('int32');
    expect(Array.from(ours.dataSync())).toEqual(Array.from(tf.image.resizeNearestNeighbor(tf.tensor([1, 2, 3, 4], [1, 2, 2, 1], 'int32') as tf.Tensor4D, [3, 3]).dataSync()));
  });
});

describe('image resize: bad input raises WasmgradError', () => {
  const x = () => wt.zeros([1, 3, 3, 1]);
  const cases: [string, () => unknown][] = [
    ['rank 2', () => wt.image.resizeBilinear(wt.zeros([3, 3]), [2, 2])],
    ['rank 5', () => wt.image.resizeNearestNeighbor(wt.zeros([1, 1, 3, 3, 1]), [2, 2])],
    ['size of one number', () => wt.image.resizeBilinear(x(), [2] as never)],
    ['size 0', () => wt.image.resizeBilinear(x(), [0, 2])],
    ['fractional size', () => wt.image.resizeNearestNeighbor(x(), [2.5, 2])],
    ['both alignCorners and halfPixelCenters', () => wt.image.resizeBilinear(x(), [2, 2], true, true)],
    ['empty images', () => wt.image.resizeBilinear(wt.zeros([0, 3, 3, 1]), [2, 2])],
    ['not a tensor', () => wt.image.resizeNearestNeighbor([1, 2] as never, [2, 2])],
    ['a result past 2^30 elements (no hang building its taps)', () => wt.image.resizeBilinear(x(), [2 ** 20, 2 ** 20])],
    ['a nearest result past 2^30 elements', () => wt.image.resizeNearestNeighbor(x(), [1e9, 3])],
  ];
  for (const [what, f] of cases) it(what, () => expect(f).toThrow(wt.WasmgradError));

  it('leaves no tensor behind when it raises', () => {
    const img = x();
    const flat = wt.zeros([3, 3]);
    const before = wt.memory().numTensors;
    expect(() => wt.image.resizeBilinear(img, [2, 2], true, true)).toThrow(wt.WasmgradError);
    expect(() => wt.image.resizeBilinear(flat, [2, 2])).toThrow(wt.WasmgradError);
    expect(wt.memory().numTensors).toBe(before);
  });
});
