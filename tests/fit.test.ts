// Training: compile / fit / evaluate / trainOnBatch (on every build for the core path), History and
// metric names as Keras, metrics against references, callbacks (custom, async, earlyStopping with
// restoreBestWeights, reduceLROnPlateau, learningRateScheduler, stopTraining), regularization in
// the loss, multiple outputs, seeded reproducibility, the progress display, and flat memory.
import { describe, test, expect, afterAll, beforeAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, rng } from './helpers';

afterAll(() => wg.shutdown());

/** Two Gaussian blobs per class in 2-D: an easy 3-class problem. */
function blobs(n: number, seed: number): { x: wg.Tensor; y: wg.Tensor; ids: wg.Tensor } {
  const r = rng(seed);
  const xs = new Float32Array(n * 2);
  const ids = new Int32Array(n);
  const centers = [[-2, 0], [2, 0], [0, 2.5]];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    ids[i] = c;
    xs[2 * i] = centers[c][0] + (r() - 0.5);
    xs[2 * i + 1] = centers[c][1] + (r() - 0.5);
  }
  const idT = wg.tensor(ids, [n], 'int32');
  return { x: wg.tensor(xs, [n, 2]), y: wg.oneHot(idT, 3), ids: idT };
}

const classifier = (seed = 1) =>
  wg.sequential({
    layers: [
      wg.layers.dense({ units: 16, activation: 'relu', inputShape: [2], kernelInitializer: wg.initializers.glorotUniform({ seed }) }),
      wg.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });

describe.each(builds())('fit on the %s build', (build) => {
  test('an MLP learns a 3-class problem; evaluate agrees with the history', async () => {
    await useBuild(build, 2);
    const { x, y, ids } = blobs(300, 1);
    const m = classifier();
    m.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 15, batchSize: 32, verbose: 0, seed: 1 });
    expect(h.history.loss.length).toBe(15);
    expect(h.history.loss[14]).toBeLessThan(h.history.loss[0]);
    expect(h.history.accuracy[14]).toBeGreaterThan(0.95);
    const [loss, acc] = m.evaluate(x, y, { batchSize: 64 }) as wg.Tensor[];
    expect(acc.dataSync()[0]).toBeGreaterThan(0.95);
    expect(loss.dataSync()[0]).toBeLessThan(0.3);
    for (const t of [x, y, ids, loss, acc]) t.dispose();
    m.dispose();
  });
});

describe('training API', () => {
  beforeAll(async () => {
    await wg.init();
  });

  test('history keys: Keras names for metrics, val_ with validationSplit and validationData', async () => {
    const { x, y, ids } = blobs(120, 2);
    const m = classifier(3);
    m.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['acc', 'categoricalAccuracy', 'mse'] });
    let h = await m.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.25, verbose: 0 });
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'categoricalAccuracy', 'loss', 'mse', 'val_acc', 'val_categoricalAccuracy', 'val_loss', 'val_mse'].sort());
    expect(h.history.acc).toEqual(h.history.categoricalAccuracy);
    h = await m.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 16, validationData: [x, y], verbose: 0 });
    expect(h.epoch).toEqual([1, 2]);
    expect(h.history.val_loss.length).toBe(2);
    expect(m.history).toBe(h);
    // sparse labels: 'accuracy' becomes sparse categorical accuracy
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    h = await m.fit(x, ids, { epochs: 1, verbose: 0 });
    expect(h.history.accuracy[0]).toBeGreaterThan(0);
    for (const t of [x, y, ids]) t.dispose();
    m.dispose();
  });

  test('metrics against references: accuracy variants, precision, recall, mse, mae', () => {
    const yTrue = wg.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]]);
    const yPred = wg.tensor([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7], [0.2, 0.7, 0.1]]);
    const v = (t: wg.Tensor) => {
      const r = t.dataSync()[0];
      t.dispose();
      return r;
    };
    expect(v(wg.metrics.categoricalAccuracy(yTrue, yPred))).toBeCloseTo(0.75, 6);
    const ids = wg.tensor(Int32Array.from([0, 1, 2, 1]), [4], 'int32');
    expect(v(wg.metrics.sparseCategoricalAccuracy(ids, yPred))).toBeCloseTo(0.75, 6);
    // thresholded at 0.5: predicted positives 0.8, 0.6, 0.7, 0.7; true positives among them 0.8, 0.7, 0.7
    expect(v(wg.metrics.precision(yTrue, yPred))).toBeCloseTo(3 / 4, 6);
    expect(v(wg.metrics.recall(yTrue, yPred))).toBeCloseTo(3 / 4, 6);
    expect(v(wg.metrics.binaryAccuracy(yTrue, yPred))).toBeCloseTo(10 / 12, 6);
    const a = wg.tensor([1, 2, 3]), b = wg.tensor([1.5, 2, 1]);
    expect(v(wg.metrics.mse(a, b))).toBeCloseTo((0.25 + 4) / 3, 6);
    expect(v(wg.metrics.mae(a, b))).toBeCloseTo(2.5 / 3, 6);
    for (const t of [yTrue, yPred, ids, a, b]) t.dispose();
  });

  test('precision and recall accumulate over the epoch, not as a mean of batches', async () => {
    const x = wg.tensor([[0], [1], [2], [3]]);
    const y = wg.tensor([[1], [0], [1], [1]]);
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1], kernelInitializer: 'zeros', biasInitializer: wg.initializers.constant({ value: 1 }) })] });
    m.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0 }), loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'accuracy'] });
    const [, p, r, acc] = (m.evaluate(x, y, { batchSize: 3 }) as wg.Tensor[]).map((t) => {
      const s = t.dataSync()[0];
      t.dispose();
      return s;
    });
    // every prediction is sigmoid(1) > 0.5: precision 3/4, recall 1, binary accuracy 3/4
    expect(p).toBeCloseTo(0.75, 6);
    expect(r).toBeCloseTo(1, 6);
    expect(acc).toBeCloseTo(0.75, 6);
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });

  test('custom callbacks: every hook, in order, async allowed; stopTraining', async () => {
    const { x, y, ids } = blobs(64, 3);
    const m = classifier(5);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const events: string[] = [];
    const cb = {
      onTrainBegin: () => void events.push('trainBegin'),
      onEpochBegin: async (e: number) => {
        await new Promise((r) => setTimeout(r, 1));
        events.push(`epochBegin ${e}`);
      },
      onBatchBegin: (b: number) => void events.push(`batchBegin ${b}`),
      onBatchEnd: (b: number, logs?: wg.Logs) => {
        expect(typeof logs?.loss).toBe('number');
        events.push(`batchEnd ${b}`);
      },
      onEpochEnd: async (e: number, logs?: wg.Logs) => {
        expect(typeof logs?.loss).toBe('number');
        events.push(`epochEnd ${e}`);
      },
      onTrainEnd: () => void events.push('trainEnd'),
    };
    await m.fit(x, y, { epochs: 2, batchSize: 32, callbacks: [cb], verbose: 0 });
    expect(events).toEqual([
      'trainBegin',
      'epochBegin 0', 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'epochEnd 0',
      'epochBegin 1', 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'epochEnd 1',
      'trainEnd',
    ]);
    // a callback stops training from a batch
    let batches = 0;
    const h = await m.fit(x, y, {
      epochs: 5, batchSize: 8, verbose: 0,
      callbacks: { onBatchEnd: (b: number) => { batches++; if (b === 2) m.stopTraining = true; } },
    });
    expect(batches).toBe(3);
    expect(h.epoch).toEqual([0]);
    for (const t of [x, y, ids]) t.dispose();
    m.dispose();
  });

  test('earlyStopping stops after patience epochs and restores the best weights', async () => {
    const { x, y, ids } = blobs(60, 4);
    const m = classifier(7);
    m.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    // a fake monitored value: best at epoch 1, then worse
    const values = [5, 1, 2, 3, 4, 5, 6, 7];
    let best: wg.Tensor[] = [];
    const fake = {
      onEpochEnd: (e: number, logs?: wg.Logs) => {
        logs!.fake = values[e];
        if (e === 1) best = m.getWeights();
      },
    };
    const es = wg.callbacks.earlyStopping({ monitor: 'fake', patience: 2, restoreBestWeights: true });
    const h = await m.fit(x, y, { epochs: 8, batchSize: 20, callbacks: [fake, es], verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(es.stoppedEpoch).toBe(3);
    const now = m.getWeights();
    now.forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(best[i].dataSync())));
    for (const t of [...now, ...best, x, y, ids]) t.dispose();
    m.dispose();
  });

  test('reduceLROnPlateau and learningRateScheduler change the learning rate', async () => {
    const { x, y, ids } = blobs(30, 5);
    const m = classifier(9);
    const opt = wg.optimizers.sgd({ learningRate: 0.1 });
    m.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    const flat = { onEpochEnd: (_e: number, logs?: wg.Logs) => void (logs!.flat = 1) };
    await m.fit(x, y, { epochs: 4, verbose: 0, callbacks: [flat, wg.callbacks.reduceLROnPlateau({ monitor: 'flat', factor: 0.5, patience: 1, minLr: 0.03 })] });
    // epoch 0 sets the best; epochs 1, 2, 3 do not improve: 0.1 -> 0.05 -> 0.03 (minLr) -> 0.03
    expect(opt.learningRate).toBeCloseTo(0.03, 10);
    const seen: number[] = [];
    await m.fit(x, y, {
      epochs: 3, verbose: 0,
      callbacks: [wg.callbacks.learningRateScheduler((e) => 0.1 / (e + 1)), { onEpochEnd: () => void seen.push(opt.learningRate as number) }],
    });
    expect(seen).toEqual([0.1, 0.05, 0.1 / 3]);
    for (const t of [x, y, ids]) t.dispose();
    m.dispose();
  });

  test('regularization penalties are part of the loss', () => {
    const x = wg.tensor([[1, 2]]);
    const y = wg.tensor([[0]]);
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [2], useBias: false, kernelInitializer: wg.initializers.constant({ value: 0.5 }), kernelRegularizer: wg.regularizers.l2({ l2: 0.1 }) })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const l = m.evaluate(x, y) as wg.Tensor;
    // prediction 1.5: mse 2.25, penalty 0.1 * (0.25 + 0.25)
    expect(l.dataSync()[0]).toBeCloseTo(2.25 + 0.05, 5);
    for (const t of [x, y, l]) t.dispose();
    m.dispose();
  });

  test('multiple outputs: a loss per output, loss weights, per-output history keys', async () => {
    const inp = wg.input({ shape: [2] });
    const h = wg.layers.dense({ units: 8, activation: 'tanh' }).apply(inp) as wg.SymbolicTensor;
    const cls = wg.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h) as wg.SymbolicTensor;
    const reg = wg.layers.dense({ units: 1, name: 'reg' }).apply(h) as wg.SymbolicTensor;
    const m = wg.model({ inputs: inp, outputs: [cls, reg] });
    m.compile({ optimizer: 'adam', loss: { cls: 'categoricalCrossentropy', reg: 'mse' }, lossWeights: [1, 0.5], metrics: { cls: ['accuracy'] } });
    const { x, y, ids } = blobs(40, 6);
    const target = wg.sum(x, 1, true);
    const hist = await m.fit(x, [y, target], { epochs: 2, batchSize: 10, verbose: 0 });
    expect(Object.keys(hist.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_loss']);
    const l = hist.history;
    expect(l.loss[1]).toBeCloseTo(l.cls_loss[1] + 0.5 * l.reg_loss[1], 4);
    const ev = m.evaluate(x, { cls: y, reg: target }) as wg.Tensor[];
    expect(ev.length).toBe(4);
    for (const t of [x, y, ids, target, ...ev]) t.dispose();
    m.dispose();
  });

  test('a seeded fit repeats exactly; trainOnBatch and predictOnBatch', async () => {
    const { x, y, ids } = blobs(50, 7);
    const run = async () => {
      const m = classifier(21);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 8, seed: 3, verbose: 0 });
      const step = await m.trainOnBatch(x, y);
      const p = m.predictOnBatch(x) as wg.Tensor;
      const out = { h: h.history, step, p: Array.from(p.dataSync()) };
      p.dispose();
      m.dispose();
      return out;
    };
    const a = await run(), b = await run();
    expect(a).toEqual(b);
    expect(Array.isArray(a.step)).toBe(true);
    for (const t of [x, y, ids]) t.dispose();
  });

  test('memory and the live tensor count stay flat across epochs (fit, validation, evaluate, predict)', async () => {
    const n = 256;
    const x = wg.tensor(randomArray(n * 20, 9), [n, 20]);
    const ids = wg.tensor(Int32Array.from({ length: n }, (_, i) => i % 4), [n], 'int32');
    const m = wg.sequential({
      layers: [
        wg.layers.dense({ units: 32, activation: 'relu', inputShape: [20], kernelRegularizer: wg.regularizers.l2() }),
        wg.layers.dropout({ rate: 0.2, seed: 1 }),
        wg.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const snaps: { numTensors: number; numBytes: number; wasmBytes: number }[] = [];
    await m.fit(x, ids, { epochs: 6, batchSize: 16, validationSplit: 0.2, verbose: 0, callbacks: { onEpochEnd: () => void snaps.push(wg.memory()) } });
    expect(snaps.length).toBe(6);
    for (const s of snaps.slice(1)) expect(s).toEqual(snaps[0]);
    const before = wg.memory();
    for (let i = 0; i < 3; i++) {
      const e = m.evaluate(x, ids) as wg.Tensor[];
      e.forEach((t) => t.dispose());
      (m.predict(x, { batchSize: 50 }) as wg.Tensor).dispose();
      await m.fit(x, ids, { epochs: 1, batchSize: 16, verbose: 0 });
    }
    expect(wg.memory()).toEqual(before);
    for (const t of [x, ids]) t.dispose();
    m.dispose();
  });

  test('the progress bar (terminal) and the line per epoch (elsewhere)', async () => {
    const { x, y, ids } = blobs(40, 8);
    const m = classifier(13);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['acc'] });
    let out = '';
    const writer = { write: (s: string) => void (out += s), isTerminal: true, columns: 120 };
    await m.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, callbacks: [new wg.callbacks.ProgressBar({ writer, interval: 0 })] });
    expect(out).toContain('Epoch 1/2\n');
    expect(out).toMatch(/\r1\/4 \[=*>\.*\] - ETA: \d+s - loss: \d\.\d{4} - acc: \d\.\d{4}/);
    expect(out).toMatch(/4\/4 \[==============================\] - \d+s \d+(ms|us)\/step - loss: \d\.\d{4} - acc: \d\.\d{4}\n/);
    out = '';
    await m.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, validationSplit: 0.5, callbacks: [new wg.callbacks.ProgressBar({ writer: { ...writer, isTerminal: false } })] });
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - \d+s \d+(ms|us)\/step - loss: \S+ - acc: \S+ - val_loss: \S+ - val_acc: \S+$/);
    for (const t of [x, y, ids]) t.dispose();
    m.dispose();
  });

  test('errors: not compiled, bad options, mismatched samples', async () => {
    const m = classifier(17);
    const x = wg.ones([4, 2]), y = wg.ones([3, 3]);
    await expect(m.fit(x, y)).rejects.toThrow(/compile the model first/);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/samples/);
    await expect(m.fit(x, x, { verbose: 0, batchSize: 0 })).rejects.toThrow(wg.WasmgradError);
    await expect(m.fit(x, wg.ones([4, 3]), { verbose: 0, validationSplit: 1.5 })).rejects.toThrow(/validationSplit/);
    expect(() => m.compile({ optimizer: 'nope', loss: 'mse' })).toThrow(/unknown optimizer/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'nope' })).toThrow(/unknown loss/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['nope'] })).toThrow(/unknown metric/);
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });
});
