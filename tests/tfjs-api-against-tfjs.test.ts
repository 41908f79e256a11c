// wasmgrad/tfjs against @tensorflow/tfjs 4.22 (cpu backend) beyond single ops and layers: cases the
// random comparison (tfjs-differential.test.ts) found, model.compile's losses, metrics and
// optimizer names, tf.train's optimizers step by step, tf.image beyond resizing and tf.math.
import { describe, test, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gen, size, outputs, type Lib, type Out } from './tfjs-diff-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

describe('cases the random comparison found', () => {
  const same = (f: (lib: Lib) => Lib) => {
    const [want, got] = [f(tf), f(wt)];
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.dataSync() as ArrayLike<number>)).toEqual(Array.from(want.dataSync() as ArrayLike<number>));
  };
  test('where broadcasts a rank-1 condition against the last axis (TF.js 4.22), as NumPy', () => {
    const cond = (lib: Lib, n: number) => lib.tensor(Array.from({ length: n }, (_, i) => i % 2 === 0), [n], 'bool');
    const values = (lib: Lib, shape: number[]) => lib.tensor(Array.from({ length: size(shape) }, (_, i) => i + 1), shape);
    for (const shape of [[3, 3], [3, 1], [1, 3], [2, 4, 4]]) {
      const n = shape[shape.length - 1] === 1 ? shape[0] : shape[shape.length - 1];
      same((lib) => lib.where(cond(lib, n), values(lib, shape), lib.neg(values(lib, shape))));
    }
    // a condition that does not broadcast but matches the first axis selects rows (TF.js 1.x; 4.22 throws)
    const rows = wt.where(cond(wt, 2), values(wt, [2, 3]), wt.neg(values(wt, [2, 3])));
    expect(Array.from(rows.dataSync())).toEqual([1, 2, 3, -4, -5, -6]);
  });

  test('range counts down by 1 when stop < start and the step is 1 (TF.js: its default step is 1 or -1)', () => {
    for (const [start, stop, step] of [[5, 0, 1], [5, -2, 1], [0, 5, 2], [5, 0, -2], [2, 2, 1], [0, 3, -1], [5, 0, 2]]) {
      same((lib) => lib.range(start, stop, step));
    }
    same((lib) => lib.range(4, 0));
  });
});

describe('model.compile losses and metrics by name, against TF.js', () => {
  const LOSSES = ['meanSquaredError', 'meanAbsoluteError', 'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'squaredHinge', 'hinge',
    'categoricalHinge', 'logcosh', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'kullbackLeiblerDivergence',
    'poisson', 'cosineProximity'];
  test.each(LOSSES)('%s: evaluate gives TF.js\'s loss (and mse, mape, cosine metrics)', async (loss) => {
    const g = new Gen(loss.length);
    const [n, k] = [6, 3];
    const sparse = loss === 'sparseCategoricalCrossentropy';
    const activation = /ategorical|kullback/.test(loss) ? 'softmax' : /binary|poisson|Logarithmic/.test(loss) ? 'sigmoid' : 'linear';
    // labels: class ids, one-hot rows, 0 / 1 (hinges and binary), or values
    const ids = Array.from({ length: n }, () => g.int(0, k - 1));
    const y = sparse ? ids : activation === 'softmax' || loss === 'categoricalHinge' ? ids.flatMap((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)))
      : /inge|binary/.test(loss) ? Array.from({ length: n * k }, () => g.int(0, 1)) : Array.from({ length: n * k }, () => g.next() * 2 + 0.1);
    const x = g.values(n * 4);
    const weights = [g.values(4 * k), g.values(k)];
    const run = async (lib: Lib) => {
      const m = lib.sequential({ layers: [lib.layers.dense({ units: k, activation, inputShape: [4] })] });
      m.setWeights([lib.tensor(weights[0], [4, k]), lib.tensor(weights[1], [k])]);
      // (with class ids, TF.js broadcasts [n, 1] ids against the outputs for mse: no metrics there)
      m.compile({ loss, optimizer: 'sgd', metrics: sparse ? [] : ['mse', 'mape', 'cosine'] });
      const r = m.evaluate(lib.tensor(x, [n, 4]), sparse ? lib.tensor(y, [n], 'float32') : lib.tensor(y, [n, k]));
      return (Array.isArray(r) ? r : [r]).map((t: Lib) => t.dataSync()[0]);
    };
    const [want, got] = [await run(tf), await run(wt)];
    expect(got.length).toBe(want.length);
    want.forEach((w: number, i: number) => expect(Math.abs(got[i] - w), `output ${i}: ${got[i]} against ${w}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(w))));
  });
});

describe('tf.train optimizers step as TF.js', () => {
  const OPTIMIZERS: [string, (lib: Lib) => Lib][] = [
    ['sgd', (lib) => lib.train.sgd(0.1)],
    ['momentum', (lib) => lib.train.momentum(0.1, 0.9, true)],
    ['adam', (lib) => lib.train.adam(0.05)],
    ['adagrad', (lib) => lib.train.adagrad(0.1)],
    ['adadelta', (lib) => lib.train.adadelta(1)],
    ['rmsprop', (lib) => lib.train.rmsprop(0.05, 0.9, 0.5)],
    ['rmsprop centered', (lib) => lib.train.rmsprop(0.05, 0.9, 0, 1e-6, true)],
    ['adamax', (lib) => lib.train.adamax(0.05)],
    ['adamax with decay', (lib) => lib.train.adamax(0.05, 0.8, 0.99, 1e-6, 0.3)],
  ];
  test.each(OPTIMIZERS)('%s: six minimize steps on a quadratic with an L1 term', (_, make) => {
    const g = new Gen(3);
    const [start, target] = [g.values(7), g.values(7)];
    const run = (lib: Lib) => {
      const w = lib.variable(lib.tensor(start));
      const opt = make(lib);
      const goal = lib.tensor(target);
      for (let i = 0; i < 6; i++) opt.minimize(() => lib.add(lib.sum(lib.square(lib.sub(w, goal))), lib.sum(lib.abs(w))));
      return Array.from(w.dataSync() as ArrayLike<number>);
    };
    const [want, got] = [run(tf), run(wt)];
    got.forEach((v, i) => expect(Math.abs(v - want[i]), `weight ${i}: ${v} against ${want[i]}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]))));
  });
});

describe('model.compile optimizer names as TF.js makes them', () => {
  test.each(['sgd', 'SGD', 'adam', 'adagrad', 'Adagrad', 'adadelta', 'rmsprop', 'RMSProp', 'adamax'])('%s: three epochs of fit give TF.js\'s losses', async (optimizer) => {
    const fit = async (lib: Lib) => {
      const m = lib.sequential({ layers: [lib.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones', biasInitializer: 'zeros' })] });
      m.compile({ optimizer, loss: 'meanSquaredError' });
      const x = lib.tensor2d([[1, 2, 3], [0.5, -1, 2], [3, 1, -1], [0, 0, 1]]);
      const y = lib.tensor2d([[1, 0], [0, 1], [1, 1], [0.5, 0.5]]);
      const h = await m.fit(x, y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
      m.dispose();
      return h.history.loss as number[];
    };
    const [want, got] = [await fit(tf), await fit(wt)];
    got.forEach((v, i) => expect(Math.abs(v - want[i]), `epoch ${i}: ${v} against ${want[i]}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i]))));
  });
});

describe('tf.image and tf.math beyond resizing, against TF.js', () => {
  const g = new Gen(11);
  const agree = (f: (lib: Lib) => Lib) => {
    const [want, got]: Out[][] = [outputs(f(tf)), outputs(f(wt))];
    expect(got.map((o) => [o.shape, o.dtype])).toEqual(want.map((o) => [o.shape, o.dtype]));
    want.forEach((o, i) => o.values.forEach((v, q) => expect(Math.abs(got[i].values[q] - v), `output ${i} value ${q}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v)))));
  };
  const pixels = (shape: number[]) => Array.from({ length: size(shape) }, () => g.int(0, 255));
  test('flipLeftRight, rgbToGrayscale and grayscaleToRGB, float32 and int32', () => {
    for (let i = 0; i < 10; i++) {
      const s = [g.int(1, 2), g.int(1, 4), g.int(1, 5), 3];
      const v = pixels(s), dtype = g.pick(['float32', 'int32']);
      agree((lib) => lib.image.flipLeftRight(lib.tensor(v, s)));
      agree((lib) => lib.image.rgbToGrayscale(lib.tensor(v.map((x) => x + 0.25), s)));
      agree((lib) => lib.image.grayscaleToRGB(lib.tensor(v.slice(0, size(s) / 3), [...s.slice(0, -1), 1], dtype)));
    }
  });
  test('cropAndResize: bilinear and nearest, boxes inside, outside and flipped, crops of 1 and more', () => {
    for (let i = 0; i < 20; i++) {
      const s = [g.int(1, 2), g.int(1, 6), g.int(1, 6), g.int(1, 3)];
      const v = pixels(s);
      const n = g.int(1, 4);
      const boxes = Array.from({ length: 4 * n }, () => Math.round((g.next() * 1.6 - 0.3) * 8) / 8);
      const ind = Array.from({ length: n }, () => g.int(0, s[0] - 1));
      const [crop, method, extrap] = [[g.int(1, 5), g.int(1, 5)], g.pick(['bilinear', 'nearest']), g.pick([0, -1.5])];
      agree((lib) => lib.image.cropAndResize(lib.tensor(v, s), lib.tensor(boxes, [n, 4]), lib.tensor(ind, [n], 'int32'), crop, method, extrap));
    }
  });
  test('threshold: binary and Otsu, inverted, RGB and one channel', () => {
    for (let i = 0; i < 12; i++) {
      const s = [g.int(1, 6), g.int(1, 6), g.pick([1, 3])];
      const v = pixels(s);
      const [method, inverted, t] = [g.pick(['binary', 'otsu']), g.next() < 0.5, g.next()];
      agree((lib) => lib.image.threshold(lib.tensor(v, s, g.pick(['int32', 'float32'])), method, inverted, t));
    }
  });
  test('nonMaxSuppression, with scores (soft), padded: overlapping boxes, ties, thresholds', async () => {
    for (let i = 0; i < 25; i++) {
      const n = g.int(1, 12);
      const boxes = Array.from({ length: n }, () => {
        const [y, x, h, w] = [g.next(), g.next(), g.next() * 0.5, g.next() * 0.5];
        return g.next() < 0.2 ? [y + h, x + w, y, x] : [y, x, y + h, x + w];
      }).flat();
      const scores = Array.from({ length: n }, () => Math.round(g.next() * 8) / 8);
      const [max, iou, st, sigma] = [g.int(0, n + 1), g.pick([0.3, 0.5, 0.7]), g.pick([-Infinity, 0.25]), g.pick([0, 0.5])];
      const b = (lib: Lib) => lib.tensor(boxes, [n, 4]), sc = (lib: Lib) => lib.tensor(scores, [n]);
      agree((lib) => lib.image.nonMaxSuppression(b(lib), sc(lib), max, iou, st));
      agree((lib) => lib.image.nonMaxSuppressionWithScore(b(lib), sc(lib), max, iou, st, sigma));
      agree((lib) => lib.image.nonMaxSuppressionPadded(b(lib), sc(lib), max, iou, st, true));
      const [want, got] = [await tf.image.nonMaxSuppressionAsync(b(tf), sc(tf), max, iou, st), await wt.image.nonMaxSuppressionAsync(b(wt), sc(wt), max, iou, st)];
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    }
  });
  test('math.confusionMatrix', () => {
    for (let i = 0; i < 10; i++) {
      const [n, k] = [g.int(1, 20), g.int(2, 5)];
      const [l, p] = [Array.from({ length: n }, () => g.int(0, k - 1)), Array.from({ length: n }, () => g.int(0, k - 1))];
      agree((lib) => lib.math.confusionMatrix(lib.tensor(l, [n], 'int32'), lib.tensor(p, [n], 'int32'), k));
    }
  });
});

describe('tf.browser pixels, against TF.js', () => {
  test('fromPixels of pixel data with 1, 3 and 4 channels; toPixels of float32 and int32 images of 1, 3 and 4 channels', async () => {
    const g = new Gen(21);
    for (let i = 0; i < 6; i++) {
      const [h, w] = [g.int(1, 4), g.int(1, 5)];
      const data = Uint8Array.from({ length: h * w * 4 }, () => g.int(0, 255));
      for (const channels of [1, 3, 4]) {
        const [want, got] = [tf.browser.fromPixels({ data, width: w, height: h }, channels), wt.browser.fromPixels({ data, width: w, height: h }, channels)];
        expect([got.shape, got.dtype, Array.from(got.dataSync())]).toEqual([want.shape, want.dtype, Array.from(want.dataSync())]);
        const floats = Array.from({ length: h * w * channels }, () => g.next());
        const shape = channels === 1 && g.next() < 0.5 ? [h, w] : [h, w, channels];
        const [a, b] = [await tf.browser.toPixels(tf.tensor(floats, shape) as tf.Tensor2D), await wt.browser.toPixels(wt.tensor(floats, shape))];
        expect(Array.from(b)).toEqual(Array.from(a));
        const [c, d] = [await tf.browser.toPixels(want as tf.Tensor3D), await wt.browser.toPixels(got)];
        expect(Array.from(d)).toEqual(Array.from(c));
      }
    }
    await expect(wt.browser.toPixels(wt.tensor([[1.5]]))).rejects.toThrow(/toPixels: float32 values must be in \[0, 1\], got 1.5/);
    expect(() => wt.browser.fromPixels({ data: new Uint8Array(3), width: 1, height: 1 })).toThrow(/must hold 4 RGBA values, got 3/);
  });
});

describe('tf.data.csv, against TF.js', () => {
  test('header, labels, defaults, dtypes, configured columns only, no header, a delimiter; then map, batch and fitDataset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-csv-'));
    writeFileSync(join(dir, 'x.csv'), 'a,b,label\n1,2,0\n3,,1\n"5,5",true,0\n7.5,8,1\n');
    writeFileSync(join(dir, 'y.csv'), '1;2;x\n4;5;y\n');
    const [x, y] = [`file://${join(dir, 'x.csv')}`, `file://${join(dir, 'y.csv')}`];
    const cases: [string, object][] = [
      [x, {}], [x, { columnConfigs: { label: { isLabel: true } } }], [x, { columnConfigs: { b: { default: -1 } } }],
      [x, { columnConfigs: { b: { dtype: 'bool' }, label: { isLabel: true, dtype: 'int32' } }, configuredColumnsOnly: true }],
      [y, { hasHeader: false, columnNames: ['p', 'q', 'r'], delimiter: ';' }],
    ];
    for (const [source, config] of cases) {
      const read = async (lib: Lib) => {
        const ds = lib.data.csv(source, config);
        return [await ds.columnNames(), await ds.toArray()];
      };
      expect(await read(wt), JSON.stringify(config)).toEqual(await read(tf));
    }
    const losses = async (lib: Lib) => {
      const ds = lib.data.csv(x, { columnConfigs: { label: { isLabel: true }, b: { default: 0 } } })
        .map(({ xs, ys }: Lib) => ({ xs: [Number(xs.a) || 0, Number(xs.b) || 0], ys: [ys.label] })).batch(2);
      const m = lib.sequential({ layers: [lib.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })] });
      m.compile({ optimizer: lib.train.sgd(0.01), loss: 'meanSquaredError' });
      return (await m.fitDataset(ds, { epochs: 2, verbose: 0 })).history.loss as number[];
    };
    const [want, got] = [await losses(tf), await losses(wt)];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    await expect(wt.data.csv(y, { hasHeader: false }).toArray()).rejects.toThrow(/data.csv: without a header row, columnNames must name the columns/);
    await expect(wt.data.csv(x, { columnConfigs: { c: {} } }).toArray()).rejects.toThrow(/columnConfigs names 'c', which is not a column/);
  });
});
