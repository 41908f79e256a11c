// conv3d, conv3dTranspose, maxPool3d, avgPool3d, dilation2d and maxPoolWithArgmax of wasmgrad/tfjs
// give what @tensorflow/tfjs 4.22's cpu backend gives on random inputs: forward values and the
// gradients of tf.grads with respect to every input, over the padding modes, strides, dilations
// and rounding modes TF.js takes, odd sizes and channel counts.
import { describe, test, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import { randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Lib = typeof tf;
type T = tf.Tensor;
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Values equal (infinities included) or within tol. */
function close(got: number[], want: number[], tol: number, what: string): void {
  const same = (a: number, b: number) => a === b || Math.abs(a - b) <= tol + tol * Math.abs(b);
  const bad = want.findIndex((w, i) => !same(got[i], w));
  expect(bad === -1 ? '' : `${what} index ${bad}: got ${got[bad]}, expected ${want[bad]}`).toBe('');
}

/**
 * f's value and (withGrads) its gradients by tf.grads with a seeded dy on both libraries, compared.
 * TF.js has no gradient for conv3dTranspose nor for dilated conv3d, and its avgPool3d gradient
 * divides by the whole window where the forward divides by the covered elements; those gradients
 * are checked against finite differences in conv3d.test.ts and pool3d.test.ts instead.
 */
function compare(what: string, shapes: number[][], f: (lib: Lib, ...xs: T[]) => T, seed: number, withGrads = true, tol = 2e-5): void {
  const values = shapes.map((s, i) => randomArray(sizeOf(s), seed + i, -1, 1));
  const run = (lib: Lib) => {
    const xs = values.map((v, i) => lib.tensor(v, shapes[i]));
    const y = f(lib, ...xs);
    const dy = lib.tensor(randomArray(sizeOf(y.shape), seed + 99, -1, 1), y.shape);
    const gs = withGrads ? lib.grads((...a: T[]) => f(lib, ...a))(xs, dy) : [];
    const out = { shape: y.shape, y: Array.from(y.dataSync(), Number), grads: gs.map((g) => ({ shape: g.shape, data: Array.from(g.dataSync(), Number) })) };
    lib.dispose([...xs, y, dy, ...gs]);
    return out;
  };
  const want = run(tf), got = run(wt as unknown as Lib);
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  close(got.y, want.y, tol, `${what}: forward`);
  want.grads.forEach((g, i) => {
    expect(got.grads[i].shape, `${what}: gradient ${i} shape`).toEqual(g.shape);
    close(got.grads[i].data, g.data, tol, `${what}: gradient ${i}`);
  });
}

type P3 = [number, number, number];
describe('conv3d as TF.js', () => {
  const cases: { x: number[]; f: number[]; s: P3; pad: 'valid' | 'same'; d: P3 }[] = [
    { x: [2, 5, 6, 7, 3], f: [3, 2, 3, 3, 5], s: [1, 1, 1], pad: 'valid', d: [1, 1, 1] },
    { x: [1, 7, 5, 6, 5], f: [2, 3, 2, 5, 3], s: [2, 1, 3], pad: 'same', d: [1, 1, 1] },
    { x: [2, 6, 7, 5, 3], f: [3, 3, 2, 3, 4], s: [1, 1, 1], pad: 'same', d: [2, 1, 2] },
    { x: [1, 9, 8, 7, 1], f: [2, 2, 3, 1, 2], s: [1, 1, 1], pad: 'valid', d: [3, 2, 2] },
    { x: [1, 7, 6, 5, 3], f: [3, 3, 3, 3, 1], s: [3, 2, 2], pad: 'valid', d: [1, 1, 1] },
    { x: [1, 6, 9, 5, 2], f: [1, 1, 1, 2, 3], s: [4, 4, 3], pad: 'same', d: [1, 1, 1] },
    { x: [1, 17, 3, 1, 3], f: [3, 3, 1, 3, 5], s: [2, 1, 1], pad: 'same', d: [1, 1, 1] },
  ];
  cases.forEach((c, i) => test(`x ${c.x}, filter ${c.f}, strides ${c.s}, ${c.pad}, dilations ${c.d}`, () => {
    compare(`conv3d case ${i}`, [c.x, c.f], (l, x, f) => l.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, c.s, c.pad, 'NDHWC', c.d), 10 * i, c.d.every((v) => v === 1));
  }));
  test('a rank-4 volume (no batch)', () => {
    compare('conv3d rank 4', [[5, 4, 6, 3], [2, 2, 2, 3, 2]], (l, x, f) => l.conv3d(x as tf.Tensor4D, f as tf.Tensor5D, 1, 'same'), 77);
  });
});

describe('conv3dTranspose as TF.js', () => {
  const cases: { x: number[]; f: number[]; out: number[]; s: P3; pad: 'valid' | 'same' }[] = [
    { x: [2, 3, 4, 3, 3], f: [2, 3, 2, 5, 3], out: [2, 4, 6, 4, 5], s: [1, 1, 1], pad: 'valid' },
    { x: [1, 3, 3, 4, 5], f: [3, 3, 3, 3, 5], out: [1, 6, 5, 7, 3], s: [2, 2, 2], pad: 'same' },
    { x: [1, 2, 2, 2, 3], f: [3, 2, 3, 1, 3], out: [1, 7, 7, 6, 1], s: [3, 3, 3], pad: 'valid' },
    { x: [2, 4, 3, 5, 1], f: [2, 2, 2, 3, 1], out: [2, 4, 6, 5, 3], s: [1, 2, 1], pad: 'same' },
  ];
  cases.forEach((c, i) => test(`x ${c.x}, filter ${c.f}, outputShape ${c.out}, strides ${c.s}, ${c.pad}`, () => {
    compare(`conv3dTranspose case ${i}`, [c.x, c.f], (l, x, f) => l.conv3dTranspose(x as tf.Tensor5D, f as tf.Tensor5D, c.out as never, c.s, c.pad), 10 * i + 3, false);
  }));
});

describe('maxPool3d and avgPool3d as TF.js', () => {
  const cases: { x: number[]; k: P3; s: P3; pad: 'valid' | 'same' | number; round?: 'floor' | 'ceil' | 'round' }[] = [
    { x: [2, 5, 6, 7, 3], k: [2, 2, 2], s: [2, 2, 2], pad: 'valid' },
    { x: [1, 7, 5, 6, 5], k: [3, 3, 3], s: [2, 1, 2], pad: 'same' },
    { x: [2, 4, 7, 5, 1], k: [2, 3, 3], s: [1, 1, 1], pad: 'same' },
    { x: [1, 6, 9, 5, 3], k: [1, 2, 2], s: [4, 3, 3], pad: 'same' },
    { x: [1, 17, 3, 1, 3], k: [3, 1, 1], s: [2, 1, 1], pad: 'valid' },
    { x: [1, 5, 6, 7, 3], k: [3, 3, 3], s: [2, 2, 2], pad: 1 },
    { x: [1, 6, 5, 7, 2], k: [2, 2, 2], s: [2, 2, 2], pad: 1, round: 'ceil' },
    { x: [1, 6, 5, 7, 2], k: [3, 2, 2], s: [2, 2, 2], pad: 0, round: 'floor' },
    { x: [1, 6, 5, 7, 2], k: [3, 3, 3], s: [2, 3, 2], pad: 2, round: 'round' },
  ];
  for (const op of ['maxPool3d', 'avgPool3d'] as const) {
    cases.forEach((c, i) => test(`${op}: x ${c.x}, window ${c.k}, strides ${c.s}, pad ${c.pad}${c.round ? `, ${c.round}` : ''}`, () => {
      // gradients: max for windows square in height and width (TF.js's cpu backward mixes the two
      // up otherwise); avg without padding (see compare)
      const padded = c.pad !== 'valid' && c.pad !== 0;
      const withGrads = op === 'maxPool3d' ? c.k[1] === c.k[2] : !padded;
      compare(`${op} case ${i}`, [c.x], (l, x) => l[op](x as tf.Tensor5D, c.k, c.s, c.pad, c.round), 10 * i + 5, withGrads);
    }));
  }
  test('maxPool3d of a rank-4 volume and its default window of 1', () => {
    compare('maxPool3d rank 4', [[5, 4, 6, 3]], (l, x) => l.maxPool3d(x as tf.Tensor4D, undefined, 1, 'valid'), 91);
  });
  test('maxPool3d sends the gradient of tied maxima where TF.js does (the last in depth, row, column order)', () => {
    const v = [1, 3, 3, 2, 3, 1, 3, 0];
    const g = (l: Lib) => Array.from(l.grad((x: T) => l.maxPool3d(x as tf.Tensor5D, 2, 2, 'valid'))(l.tensor(v, [1, 2, 2, 2, 1])).dataSync(), Number);
    expect(g(wt as unknown as Lib)).toEqual(g(tf));
    const w = [5, 5, 1, 5, 0, 5, 5, 2, 5];
    const g2 = (l: Lib) => Array.from(l.grad((x: T) => l.maxPool3d(x as tf.Tensor5D, [1, 2, 2], 1, 'valid'))(l.tensor(w, [1, 1, 3, 3, 1])).dataSync(), Number);
    expect(g2(wt as unknown as Lib)).toEqual(g2(tf));
  });
});

describe('dilation2d as TF.js', () => {
  const cases: { x: number[]; f: number[]; s: [number, number]; pad: 'valid' | 'same'; d: [number, number] }[] = [
    { x: [2, 6, 7, 3], f: [3, 2, 3], s: [1, 1], pad: 'valid', d: [1, 1] },
    { x: [1, 7, 5, 5], f: [2, 3, 5], s: [2, 3], pad: 'same', d: [1, 1] },
    { x: [2, 9, 8, 1], f: [2, 2, 1], s: [1, 1], pad: 'same', d: [3, 2] },
    { x: [1, 17, 3, 3], f: [3, 1, 3], s: [2, 1], pad: 'valid', d: [2, 1] },
    { x: [1, 7, 8, 3], f: [2, 2, 3], s: [2, 2], pad: 'same', d: [2, 2] },
  ];
  cases.forEach((c, i) => test(`x ${c.x}, filter ${c.f}, strides ${c.s}, ${c.pad}, dilations ${c.d}`, () => {
    compare(`dilation2d case ${i}`, [c.x, c.f], (l, x, f) => l.dilation2d(x as tf.Tensor4D, f as tf.Tensor3D, c.s, c.pad, c.d), 10 * i + 7);
  }));
  test('a rank-3 image and ties (first maximum, as TF.js)', () => {
    compare('dilation2d rank 3', [[5, 4, 2], [2, 2, 2]], (l, x, f) => l.dilation2d(x as tf.Tensor3D, f as tf.Tensor3D, 1, 'same'), 93);
    const g = (l: Lib) => l.grads((x: T, f: T) => l.dilation2d(x as tf.Tensor3D, f as tf.Tensor3D, 1, 'valid'))([l.tensor([1, 1, 1, 1, 2, 2], [2, 3, 1]), l.zeros([2, 2, 1])]).map((t) => Array.from(t.dataSync(), Number));
    expect(g(wt as unknown as Lib)).toEqual(g(tf));
  });
});

describe('maxPoolWithArgmax as TF.js', () => {
  const cases: { x: number[]; k: [number, number]; s: [number, number]; pad: 'valid' | 'same' | number }[] = [
    { x: [2, 6, 7, 3], k: [2, 2], s: [2, 2], pad: 'valid' },
    { x: [3, 7, 5, 5], k: [3, 2], s: [2, 1], pad: 'same' },
    { x: [1, 17, 3, 1], k: [3, 3], s: [3, 3], pad: 1 },
  ];
  for (const withBatch of [false, true]) {
    cases.forEach((c, i) => test(`x ${c.x}, window ${c.k}, strides ${c.s}, pad ${c.pad}, includeBatchInIndex ${withBatch}`, () => {
      const v = randomArray(sizeOf(c.x), i + 40);
      const [want, got] = [tf, wt as unknown as Lib].map((l) => {
        const { result, indexes } = l.maxPoolWithArgmax(l.tensor(v, c.x) as tf.Tensor4D, c.k, c.s, c.pad as 'same', withBatch);
        return { shape: result.shape, result: Array.from(result.dataSync(), Number), indexes: Array.from(indexes.dataSync(), Number), dtype: indexes.dtype };
      });
      expect(got.shape).toEqual(want.shape);
      expect(got.dtype).toBe('int32');
      close(got.result, want.result, 0, 'result');
      expect(got.indexes).toEqual(want.indexes);
    }));
  }
});

describe('what TF.js refuses, wasmgrad/tfjs refuses with a WasmgradError naming the op', () => {
  test.each([
    ['conv3d in NCDHW', () => wt.conv3d(wt.zeros([1, 2, 3, 3, 3]) as never, wt.zeros([1, 1, 1, 3, 1]) as never, 1, 'valid', 'NCDHW'), /conv3d: dataFormat "NCDHW" is not supported; only NDHWC is/],
    ['maxPool3d in NCDHW', () => wt.maxPool3d(wt.zeros([1, 2, 3, 3, 3]) as never, 1, 1, 'valid', undefined, 'NCDHW'), /maxPool3d: dataFormat "NCDHW"/],
    ['avgPool3d in NCDHW', () => wt.avgPool3d(wt.zeros([1, 2, 3, 3, 3]) as never, 1, 1, 'valid', undefined, 'NCDHW'), /avgPool3d: dataFormat "NCDHW"/],
    ['dilation2d in NCHW', () => wt.dilation2d(wt.zeros([1, 3, 3, 3]) as never, wt.zeros([1, 1, 3]) as never, 1, 'valid', 1, 'NCHW' as 'NHWC'), /dilation2d: dataFormat "NCHW"/],
    ['conv3d with strides and dilations above 1', () => wt.conv3d(wt.zeros([1, 5, 5, 5, 1]) as never, wt.zeros([2, 2, 2, 1, 1]) as never, [1, 2, 1], 'valid', 'NDHWC', [2, 1, 1]), /conv3d: .*either the strides or the dilations must be 1/],
    ['conv3d with dilation 0', () => wt.conv3d(wt.zeros([1, 5, 5, 5, 1]) as never, wt.zeros([2, 2, 2, 1, 1]) as never, 1, 'valid', 'NDHWC', 0), /conv3d: dilations must be a positive whole number/],
    ['maxPool3d with dimRoundingMode and pad valid', () => wt.maxPool3d(wt.zeros([1, 3, 3, 3, 1]) as never, 2, 1, 'valid', 'floor'), /maxPool3d: pad must be a whole number when dimRoundingMode is given/],
  ])('%s', (_what, f, message) => {
    const before = wt.memory().numTensors;
    expect(() => wt.tidy(f as () => void)).toThrow(wt.WasmgradError);
    expect(() => wt.tidy(f as () => void)).toThrow(message);
    expect(wt.memory().numTensors).toBe(before);
  });
});
