// wg.data datasets and model.fitDataset / evaluateDataset: the TensorFlow.js chain, its element
// structures, and streaming a million samples in constant memory.
import { describe, it, expect, beforeAll } from 'vitest';
import * as wg from 'wasmgrad';

beforeAll(async () => {
  await wg.init({ backend: 'simd', threads: 1 });
});

const values = async (ds: wg.data.Dataset<unknown>) =>
  (await ds.toArray()).map((x) => (x instanceof wg.Tensor ? x.arraySync() : x));

describe('datasets', () => {
  it('array, map, filter, take, skip, repeat, concatenate in order', async () => {
    const ds = wg.data.array([1, 2, 3, 4, 5]);
    expect(await values(ds.map((x) => x * 10))).toEqual([10, 20, 30, 40, 50]);
    expect(await values(ds.filter((x) => x % 2 === 1))).toEqual([1, 3, 5]);
    expect(await values(ds.skip(1).take(3))).toEqual([2, 3, 4]);
    expect(await values(ds.take(2).repeat(3))).toEqual([1, 2, 1, 2, 1, 2]);
    expect(await values(ds.take(1).concatenate(ds.skip(4)))).toEqual([1, 5]);
    expect(ds.size).toBe(5);
    expect(ds.take(2).repeat(3).size).toBe(6);
    expect(ds.repeat().size).toBe(Infinity);
    await expect(ds.repeat().toArray()).rejects.toThrow(/endless/);
  });

  it('batch stacks numbers, number arrays, tensors and objects, with a small last batch or without', async () => {
    const nums = await wg.data.array([1, 2, 3, 4, 5]).batch(2).toArray();
    expect(nums.map((t) => t.arraySync())).toEqual([[1, 2], [3, 4], [5]]);
    expect((await wg.data.array([1, 2, 3, 4, 5]).batch(2, false).toArray()).length).toBe(2);
    const rows = await wg.data.array([[1, 2], [3, 4], [5, 6]]).batch(2).toArray();
    expect(rows[0].shape).toEqual([2, 2]);
    expect(rows[1].arraySync()).toEqual([[5, 6]]);
    const t = wg.tensor([[1, 2], [3, 4]]);
    const objs = await wg.data.array([{ xs: t, ys: 1 }, { xs: t, ys: 0 }]).batch(2).toArray();
    expect(objs[0].xs.shape).toEqual([2, 2, 2]);
    expect(objs[0].ys.arraySync()).toEqual([1, 0]);
    expect(t.isDisposed).toBe(false); // the caller's tensor survives batching
    for (const b of [...nums, ...rows, objs[0].xs, objs[0].ys]) b.dispose();
    t.dispose();
  });

  it('shuffle with a seed repeats, reshuffles each pass, and keeps every element', async () => {
    const ds = wg.data.array(Array.from({ length: 50 }, (_, i) => i)).shuffle(10, 7);
    const a = await values(ds), b = await values(ds);
    expect([...(a as number[])].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(b);
    const again = await values(wg.data.array(Array.from({ length: 50 }, (_, i) => i)).shuffle(10, 7));
    expect(again).toEqual(a);
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('generator (sync and async), zip of arrays and objects, prefetch, forEachAsync', async () => {
    const gen = wg.data.generator(function* () {
      for (let i = 0; i < 4; i++) yield i;
    });
    const agen = wg.data.generator(async function* () {
      for (let i = 0; i < 3; i++) yield { v: i * i };
    });
    expect(await values(gen)).toEqual([0, 1, 2, 3]);
    expect(await values(gen)).toEqual([0, 1, 2, 3]); // each pass starts over
    expect(await wg.data.zip([gen, agen]).toArray()).toEqual([[0, { v: 0 }], [1, { v: 1 }], [2, { v: 4 }]]);
    expect(await wg.data.zip({ a: gen, b: agen }).take(1).toArray()).toEqual([{ a: 0, b: { v: 0 } }]);
    const seen: number[] = [];
    await gen.prefetch(2).forEachAsync((x) => void seen.push(x as number));
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('refuses bad arguments with WasmgradError', () => {
    const ds = wg.data.array([1]);
    expect(() => ds.batch(0)).toThrow(wg.WasmgradError);
    expect(() => ds.take(-1)).toThrow(/whole number/);
    expect(() => ds.map(3 as never)).toThrow(/function/);
    expect(() => wg.data.array(3 as never)).toThrow(/array/);
    expect(() => wg.data.zip(3 as never)).toThrow(wg.WasmgradError);
  });
});

function regressionModel() {
  const model = wg.sequential({
    layers: [wg.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros' })],
  });
  model.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError', metrics: ['mae'] });
  return model;
}

describe('fitDataset', () => {
  it('learns y = 2 a - b from a zipped, shuffled, batched stream, with validation and callbacks', async () => {
    const xs = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
    const ys = xs.map(([a, b]) => [2 * a - b]);
    const ds = wg.data.zip({ xs: wg.data.array(xs), ys: wg.data.array(ys) }).shuffle(64, 1).batch(16);
    const model = regressionModel();
    const epochsSeen: number[] = [];
    const history = await model.fitDataset(ds, {
      epochs: 30, verbose: 0, validationData: ds, callbacks: { onEpochEnd: async (e) => void epochsSeen.push(e) },
    });
    expect(epochsSeen.length).toBe(30);
    expect(Object.keys(history.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    expect(history.history.loss[29]).toBeLessThan(history.history.loss[0] / 100);
    const ev = (await model.evaluateDataset(ds)) as wg.Tensor[];
    expect(ev.length).toBe(2);
    expect(ev[0].dataSync()[0]).toBeLessThan(1e-3);
    const w = model.getWeights()[0].dataSync();
    expect(w[0]).toBeCloseTo(2, 1);
    expect(w[1]).toBeCloseTo(-1, 1);
    ev.forEach((t) => t.dispose());
    model.dispose();
  });

  it('batchesPerEpoch carries one iterator across epochs; [xs, ys] elements work', async () => {
    let made = 0;
    const ds = wg.data.generator(function* () {
      for (;;) {
        made++;
        yield [wg.tensor([[1, 1]]), wg.tensor([[1]])];
      }
    });
    const model = regressionModel();
    await model.fitDataset(ds, { epochs: 3, batchesPerEpoch: 4, verbose: 0 });
    expect(made).toBe(12);
    await expect(model.fitDataset(wg.data.array([[wg.tensor([[1, 1]]), wg.tensor([[1]])]]).repeat(), { epochs: 1, verbose: 0 })).rejects.toThrow(/endless/);
    model.dispose();
  });

  it('refuses elements that are not { xs, ys } or [xs, ys], and frees what it was given', async () => {
    const model = regressionModel();
    const before = wg.memory().numTensors;
    await expect(model.fitDataset(wg.data.array([1, 2]).batch(2), { verbose: 0 })).rejects.toThrow(/\{ xs, ys \}/);
    expect(wg.memory().numTensors).toBe(before);
    await expect(model.fitDataset([1] as never)).rejects.toThrow(/Dataset/);
    model.dispose();
  });

  it('streams a million samples from a generator in constant memory', async () => {
    const model = regressionModel();
    const samples = 1_000_000;
    const ds = wg.data
      .generator(function* () {
        for (let i = 0; i < samples; i++) {
          const a = (i % 1000) / 1000, b = ((i * 7) % 1000) / 1000;
          yield { xs: [a, b], ys: [a - b] };
        }
      })
      .batch(1000);
    const start = wg.memory();
    const wasm: number[] = [];
    const tensors: number[] = [];
    await model.fitDataset(ds, {
      epochs: 1, verbose: 0,
      callbacks: {
        onBatchEnd: (b) => {
          if (b % 100 === 99) {
            wasm.push(wg.memory().wasmBytes);
            tensors.push(wg.memory().numTensors);
          }
        },
      },
    });
    expect(wasm.length).toBe(10);
    expect(new Set(wasm).size).toBe(1);
    expect(new Set(tensors).size).toBe(1);
    expect(wg.memory().numTensors).toBe(start.numTensors);
    model.dispose();
  });
});
