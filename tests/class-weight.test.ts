// fit's and fitDataset's classWeight against @tensorflow/tfjs 4.22: each sample's training loss
// times its class's weight (one-hot, sparse and binary labels, any loss), the same loss history
// and weights after a few steps; a class without a weight and bad maps refused.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import { expectClose } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Lib = typeof tf;
const X = [[1, 2], [3, 1], [0, 1], [2, 2], [1, 1]];
const LABELS = [0, 1, 2, 1, 0];

function setup(lib: Lib, loss: string, labels: 'onehot' | 'sparse' | 'binary') {
  const units = labels === 'binary' ? 1 : 3;
  const m = lib.sequential({ layers: [lib.layers.dense({ units, inputShape: [2], activation: labels === 'binary' ? 'sigmoid' : 'softmax', kernelInitializer: 'ones' })] });
  m.compile({ optimizer: lib.train.sgd(0.1), loss, metrics: ['accuracy'] });
  const y = labels === 'onehot' ? lib.oneHot(lib.tensor1d(LABELS, 'int32'), 3) : labels === 'sparse' ? lib.tensor2d(LABELS, [5, 1]) : lib.tensor2d([0, 1, 1, 0, 1], [5, 1]);
  return { m, x: lib.tensor2d(X), y };
}

const CASES: [string, 'onehot' | 'sparse' | 'binary', Record<number, number>][] = [
  ['categoricalCrossentropy', 'onehot', { 0: 1, 1: 5, 2: 0.5 }],
  ['sparseCategoricalCrossentropy', 'sparse', { 0: 2, 1: 1, 2: 0 }],
  ['binaryCrossentropy', 'binary', { 0: 1, 1: 3 }],
  ['meanSquaredError', 'onehot', { 0: 1, 1: 5, 2: 0.5 }],
];

describe('classWeight', () => {
  it('fit: the loss history and the weights as TF.js', async () => {
    for (const [loss, labels, classWeight] of CASES) {
      const runs = await Promise.all([tf, wt as unknown as Lib].map(async (lib) => {
        const { m, x, y } = setup(lib, loss, labels);
        const h = await m.fit(x, y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0, classWeight });
        return { loss: h.history.loss as number[], w: m.getWeights().map((t) => Array.from(t.dataSync())) };
      }));
      expectClose(runs[1].loss, runs[0].loss, 1e-5, 1e-5, `${loss} history`);
      runs[0].w.forEach((w, i) => expectClose(runs[1].w[i], w, 1e-5, 1e-5, `${loss} weight ${i}`));
      // the weights matter: without them the history differs
      const { m, x, y } = setup(wt as unknown as Lib, loss, labels);
      const plain = (await m.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 })).history.loss[0] as number;
      expect(Math.abs(plain - runs[1].loss[0])).toBeGreaterThan(1e-3);
    }
  });

  it('fitDataset takes it too', async () => {
    const runs = await Promise.all([tf, wt as unknown as Lib].map(async (lib) => {
      const { m, x, y } = setup(lib, 'categoricalCrossentropy', 'onehot');
      const ds = lib.data.zip({ xs: lib.data.array(x.arraySync() as number[][]), ys: lib.data.array(y.arraySync() as number[][]) }).batch(2);
      const h = await m.fitDataset(ds as never, { epochs: 2, verbose: 0, classWeight: { 0: 1, 1: 5, 2: 0.5 } } as never);
      return h.history.loss as number[];
    }));
    expectClose(runs[1], runs[0], 1e-5, 1e-5, 'fitDataset history');
  });

  it('a class in the data without a weight, and maps that are not class weights, are refused', async () => {
    const { m, x, y } = setup(wt as unknown as Lib, 'categoricalCrossentropy', 'onehot');
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, classWeight: { 0: 1, 1: 2 } })).rejects.toThrow(/classWeight has no weight for class 2, which the training data has/);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, classWeight: { a: 1 } as never })).rejects.toThrow(/classWeight maps class indices/);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, classWeight: { 0: -1 } })).rejects.toThrow(/finite weights >= 0/);
  });
});
