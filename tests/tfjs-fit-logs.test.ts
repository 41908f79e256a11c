// onBatchEnd logs: wasmgrad/tfjs gives each batch's own loss and metrics, as @tensorflow/tfjs 4.22
// does; the root entry keeps Keras's running means over the epoch so far. Same weights, same data,
// no shuffle, batches of uneven size (the last one smaller).
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import * as wt from 'wasmgrad/tfjs';
import { expectClose, randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Lib = typeof tf;
type Rec = { batches: Record<string, number>[]; epochs: Record<string, number>[] };

const N = 11, F = 5;
const xs = randomArray(N * F, 71, -1, 1);
const ys = Float32Array.from({ length: N }, (_, i) => (xs[i * F] + xs[i * F + 1] > 0 ? 1 : 0));
let weights: Float32Array[] = [];
let shapes: number[][] = [];

/** Trains in lib from the shared starting weights, recording onBatchEnd and onEpochEnd logs. */
async function record(lib: Lib, viaDataset = false): Promise<Rec> {
  const m = lib.sequential({ layers: [lib.layers.dense({ units: 4, inputShape: [F], activation: 'tanh' }), lib.layers.dense({ units: 1, activation: 'sigmoid' })] });
  if (!weights.length) {
    shapes = m.getWeights().map((w) => w.shape);
    weights = shapes.map((s, i) => randomArray(s.reduce((a, b) => a * b, 1), 80 + i, -0.7, 0.7));
  }
  m.setWeights(weights.map((w, i) => lib.tensor(w, shapes[i])));
  const sgd = lib.train ? lib.train.sgd(0.3) : wg.optimizers.sgd({ learningRate: 0.3 });
  m.compile({ optimizer: sgd as tf.Optimizer, loss: 'binaryCrossentropy', metrics: ['acc'] });
  const rec: Rec = { batches: [], epochs: [] };
  const callbacks = {
    onBatchEnd: async (_b: number, logs?: tf.Logs) => void rec.batches.push({ ...(logs as Record<string, number>) }),
    onEpochEnd: async (_e: number, logs?: tf.Logs) => void rec.epochs.push({ ...(logs as Record<string, number>) }),
  };
  const x = lib.tensor(xs, [N, F]), y = lib.tensor(ys, [N, 1]);
  if (viaDataset) {
    const ds = lib.data.zip({ xs: lib.data.array(lib.unstack(x)), ys: lib.data.array(lib.unstack(y)) }).batch(4);
    await m.fitDataset(ds as never, { epochs: 2, callbacks, verbose: 0 });
  } else {
    await m.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, callbacks, verbose: 0 });
  }
  return rec;
}

const sizes = [4, 4, 3];

describe('onBatchEnd logs', () => {
  it('wasmgrad/tfjs: each batch\'s own loss and accuracy, as TF.js; epoch logs the means over the epoch', async () => {
    const theirs = await record(tf as unknown as Lib);
    const ours = await record(wt as unknown as Lib);
    expect(ours.batches.length).toBe(theirs.batches.length);
    theirs.batches.forEach((t, i) => {
      expect(ours.batches[i].batch).toBe(t.batch);
      expect(ours.batches[i].size).toBe(t.size);
      expectClose([ours.batches[i].loss, ours.batches[i].acc], [t.loss, t.acc], 1e-5, 1e-5, `batch ${i}`);
    });
    theirs.epochs.forEach((t, e) => expectClose([ours.epochs[e].loss, ours.epochs[e].acc], [t.loss, t.acc], 1e-5, 1e-5, `epoch ${e}`));
    // the per-batch values are not the running means (the test would pass on either otherwise)
    expect(Math.abs(theirs.batches[1].loss - (theirs.batches[0].loss * 4 + theirs.batches[1].loss * 4) / 8)).toBeGreaterThan(1e-4);
  });

  it('wasmgrad/tfjs fitDataset: per batch too, as TF.js', async () => {
    const theirs = await record(tf as unknown as Lib, true);
    const ours = await record(wt as unknown as Lib, true);
    expect(ours.batches.length).toBe(theirs.batches.length);
    theirs.batches.forEach((t, i) => expectClose([ours.batches[i].loss, ours.batches[i].acc], [t.loss, t.acc], 1e-5, 1e-5, `batch ${i}`));
  });

  it('the root entry keeps Keras\'s running means: the size-weighted mean of TF.js\'s batch values so far', async () => {
    const theirs = await record(tf as unknown as Lib);
    const ours = await record(wg as unknown as Lib);
    for (let e = 0; e < 2; e++) {
      let loss = 0, acc = 0, n = 0;
      sizes.forEach((s, b) => {
        const t = theirs.batches[e * 3 + b];
        [loss, acc, n] = [loss + t.loss * s, acc + t.acc * s, n + s];
        const o = ours.batches[e * 3 + b];
        expectClose([o.loss, o.acc ?? o.accuracy], [loss / n, acc / n], 1e-5, 1e-5, `epoch ${e} batch ${b}`);
      });
    }
  });
});
