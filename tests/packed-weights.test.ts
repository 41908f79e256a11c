// Weights packed once (src/tensor.ts derivedBlock, src/engine/drivers/gemm.ts packedWeights): a
// variable used as the B of a GEMM (dense, conv2d, conv1d, the recurrent kernel) keeps its
// KC x NR panel copy and is repacked only after a write. Checked here: the packed path gives the
// bits of the unpacked one (odd shapes, every build, 1 and 2 threads); every write path (optimizer
// steps, assign, write, setWeights, loading a saved model) is seen, so no stale copy is ever read;
// the packing happens once across predictions; no memory grows over fit/predict/dispose loops.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, bitsOf, THREADED_BUILDS } from './helpers';
import { engine } from '../src/engine/state';

afterAll(() => wg.shutdown());

const SIZES = [1, 3, 17, 129];
const threadCounts = (b: string) => (THREADED_BUILDS.includes(b as never) ? [1, 2] : [1]);
const f32 = (t: wg.Tensor) => t.dataSync() as Float32Array;
const allocated = () => engine().allocator.liveBytes;

/** Counts the pack_b_f32 kernel calls fn makes (B packed for a GEMM). */
function countPacks(fn: () => void): number {
  const e = engine();
  const original = e.parallel;
  let packs = 0;
  e.parallel = function (name: string, ...rest: unknown[]) {
    if (name === 'pack_b_f32') packs++;
    return (original as (...a: unknown[]) => unknown).call(this, name, ...rest);
  } as typeof e.parallel;
  try {
    fn();
  } finally {
    e.parallel = original;
  }
  return packs;
}

/** y of f with the weights as a variable (packed path) and as a plain tensor (unpacked): same bits. */
function expectSameBitsPackedOrNot(w: Float32Array, shape: number[], f: (weights: wg.Tensor) => wg.Tensor, what: string): void {
  const v = wg.tidy(() => wg.variable(wg.tensor(w, shape)));
  const plain = wg.tensor(w, shape);
  try {
    const before = allocated();
    const packed = wg.tidy(() => f32(f(v)));
    expect(allocated(), `${what}: the variable keeps a packed copy`).toBeGreaterThan(before);
    const again = wg.tidy(() => f32(f(v)));
    const unpacked = wg.tidy(() => f32(f(plain)));
    expect(bitsOf(packed), what).toEqual(bitsOf(unpacked));
    expect(bitsOf(again), `${what} (the kept copy)`).toEqual(bitsOf(unpacked));
  } finally {
    v.dispose();
    plain.dispose();
  }
}

describe.each(builds())('%s: the packed path gives the bits of the unpacked one', (build) => {
  test.each(threadCounts(build))('dense products of odd shapes (%i threads)', async (threads) => {
    await useBuild(build, threads);
    let seed = 1;
    for (const m of [4, 17, 129]) {
      for (const k of SIZES) {
        for (const n of SIZES) {
          const x = wg.tensor(randomArray(m * k, seed++), [m, k]);
          const bias = wg.tensor(randomArray(n, seed++), [n]);
          const w = randomArray(k * n, seed++);
          expectSameBitsPackedOrNot(w, [k, n], (W) => wg.fusedMatMul(x, W, bias, 'relu'), `fusedMatMul ${m}x${k}x${n}`);
          expectSameBitsPackedOrNot(w, [k, n], (W) => wg.matMul(x, W), `matMul ${m}x${k}x${n}`);
          x.dispose();
          bias.dispose();
        }
      }
    }
  });

  test.each(threadCounts(build))('conv2d, conv1d and pointwise filters (%i threads)', async (threads) => {
    await useBuild(build, threads);
    const cases: { x: number[]; f: number[]; pad: 'same' | 'valid' }[] = [
      { x: [2, 9, 9, 3], f: [3, 3, 3, 17], pad: 'same' },
      { x: [1, 7, 6, 17], f: [3, 2, 17, 3], pad: 'valid' },
      { x: [3, 5, 5, 17], f: [1, 1, 17, 129], pad: 'valid' },
      { x: [1, 12, 12, 129], f: [3, 3, 129, 1], pad: 'same' },
    ];
    let seed = 100;
    for (const c of cases) {
      const x = wg.tensor(randomArray(c.x.reduce((a, b) => a * b), seed++), c.x);
      const w = randomArray(c.f.reduce((a, b) => a * b), seed++);
      expectSameBitsPackedOrNot(w, c.f, (f) => wg.conv2d(x, f, 1, c.pad), `conv2d ${c.x} * ${c.f}`);
      x.dispose();
    }
    const x1 = wg.tensor(randomArray(2 * 17 * 3, seed++), [2, 17, 3]);
    expectSameBitsPackedOrNot(randomArray(3 * 3 * 17, seed++), [3, 3, 17], (f) => wg.conv1d(x1, f, 1, 'same'), 'conv1d');
    x1.dispose();
  });

  test.each(threadCounts(build))('recurrent kernels of LSTM, both GRUs and SimpleRNN (%i threads)', async (threads) => {
    await useBuild(build, threads);
    let seed = 200;
    for (const u of [1, 3, 17]) {
      const [B, T, I] = [3, 5, 4];
      const x = wg.tensor(randomArray(B * T * I, seed++), [B, T, I]);
      const cells: [number, (U: wg.Tensor, k: wg.Tensor) => wg.Tensor, string][] = [
        [4, (U, k) => wg.lstmSequence(x, k, U, null, null, null, { returnSequences: true })[0], 'lstm'],
        [3, (U, k) => wg.gruSequence(x, k, U, null, null, { returnSequences: true })[0], 'gru'],
        [3, (U, k) => wg.gruSequence(x, k, U, null, null, { returnSequences: true, resetAfter: false })[0], 'gru reset before'],
        [1, (U, k) => wg.simpleRNNSequence(x, k, U, null, null, { returnSequences: true })[0], 'simpleRNN'],
      ];
      for (const [gates, run, what] of cells) {
        const kernel = wg.tensor(randomArray(I * gates * u, seed++), [I, gates * u]);
        expectSameBitsPackedOrNot(randomArray(u * gates * u, seed++), [u, gates * u], (U) => run(U, kernel), `${what} u=${u}`);
        kernel.dispose();
      }
      x.dispose();
    }
  });
});

describe('a write to the weights repacks them (never a stale copy)', () => {
  /** The product after write() equals the product with a fresh plain copy of the new values. */
  function expectRepackedAfter(what: string, write: (v: wg.Variable) => void): void {
    const [m, k, n] = [9, 17, 13];
    const x = wg.tensor(randomArray(m * k, 1), [m, k]);
    const v = wg.tidy(() => wg.variable(wg.tensor(randomArray(k * n, 2), [k, n])));
    try {
      const before = wg.tidy(() => f32(wg.matMul(x, v)));
      write(v);
      const after = wg.tidy(() => f32(wg.matMul(x, v)));
      const fresh = wg.tensor(v.dataSync(), [k, n]);
      const expected = wg.tidy(() => f32(wg.matMul(x, fresh)));
      fresh.dispose();
      expect(bitsOf(after), what).not.toEqual(bitsOf(before));
      expect(bitsOf(after), what).toEqual(bitsOf(expected));
    } finally {
      x.dispose();
      v.dispose();
    }
  }

  test('assign and write', async () => {
    await useBuild('relaxed', 1);
    expectRepackedAfter('assign', (v) => wg.tidy(() => v.assign(wg.tensor(randomArray(v.size, 3), v.shape))));
    expectRepackedAfter('write', (v) => wg.tidy(() => void v.write(wg.tensor(randomArray(v.size, 4), v.shape))));
  });

  test.each([
    ['sgd', () => wg.optimizers.sgd({ learningRate: 0.1 })],
    ['sgd with momentum', () => wg.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
    ['adam', () => wg.optimizers.adam({ learningRate: 0.1 })],
    ['adamw', () => wg.optimizers.adamw({ learningRate: 0.1 })],
    ['adagrad', () => wg.optimizers.adagrad({ learningRate: 0.1 })],
    ['adadelta', () => wg.optimizers.adadelta({ learningRate: 10 })],
    ['rmsprop', () => wg.optimizers.rmsprop({ learningRate: 0.1, momentum: 0.5, centered: true })],
  ] as const)('a fused %s step', async (what, make) => {
    await useBuild('relaxed', 2);
    const opt = make();
    expectRepackedAfter(what, (v) => {
      const g = wg.tensor(randomArray(v.size, 5), v.shape);
      opt.applyGradients({ [v.name]: g });
      g.dispose();
    });
    opt.dispose();
  });

  /** A dense (or conv) model, its prediction on x, and that prediction from a copy of its weights. */
  function denseModel(seed: number): wg.LayersModel {
    const model = wg.sequential({
      layers: [
        wg.layers.conv2d({ inputShape: [6, 6, 3], filters: 5, kernelSize: 3, activation: 'relu', kernelInitializer: wg.initializers.glorotUniform({ seed }) }),
        wg.layers.flatten(),
        wg.layers.dense({ units: 17, activation: 'relu', kernelInitializer: wg.initializers.glorotUniform({ seed: seed + 1 }) }),
        wg.layers.dense({ units: 3, kernelInitializer: wg.initializers.glorotUniform({ seed: seed + 2 }) }),
      ],
    });
    return model;
  }
  const xs = () => wg.tensor(randomArray(5 * 6 * 6 * 3, 7), [5, 6, 6, 3]);
  const predictBits = (model: wg.LayersModel, x: wg.Tensor) => wg.tidy(() => bitsOf(f32(model.predict(x) as wg.Tensor)));

  test('model.setWeights, layer.setWeights and fit', async () => {
    await useBuild('relaxed', 1);
    const a = denseModel(1), b = denseModel(11);
    const x = xs();
    const bBits = predictBits(b, x);
    predictBits(a, x); // a's weights packed
    a.setWeights(b.getWeights());
    expect(predictBits(a, x), 'model.setWeights').toEqual(bBits);

    const c = denseModel(21);
    predictBits(c, x);
    c.layers.forEach((l, i) => l.setWeights(b.layers[i].getWeights()));
    expect(predictBits(c, x), 'layer.setWeights').toEqual(bBits);

    c.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
    const y = wg.tensor(randomArray(5 * 3, 8), [5, 3]);
    await c.fit(x, y, { epochs: 2, batchSize: 5, verbose: 0 });
    const trained = predictBits(c, x);
    b.setWeights(c.getWeights());
    expect(trained, 'after fit: the prediction of the trained weights').toEqual(predictBits(b, x));
    expect(trained).not.toEqual(bBits);
    for (const t of [a, b, c]) t.dispose();
    x.dispose();
    y.dispose();
  });

  test('loading a saved model into a built one', async () => {
    await useBuild('relaxed', 1);
    const a = denseModel(31);
    const x = xs();
    const aBits = predictBits(a, x);
    // the loaded model's variables are built, then written with the saved values
    const loaded = await wg.loadModel(await a.save());
    expect(predictBits(loaded, x), 'loadModel').toEqual(aBits);
    for (const t of [a, loaded]) t.dispose();
    x.dispose();
  });
});

describe('packed once, freed with the weights', () => {
  test('predictions pack each weight once; a write repacks it once', async () => {
    await useBuild('relaxed', 2);
    const model = wg.sequential({
      layers: [
        wg.layers.conv2d({ inputShape: [8, 8, 4], filters: 8, kernelSize: 3, activation: 'relu' }),
        wg.layers.flatten(),
        wg.layers.dense({ units: 32, activation: 'relu' }),
        wg.layers.dense({ units: 4 }),
      ],
    });
    const x = wg.tensor(randomArray(16 * 8 * 8 * 4, 9), [16, 8, 8, 4]);
    const predict = () => wg.tidy(() => void (model.predict(x) as wg.Tensor).dataSync());
    expect(countPacks(predict), 'the first prediction packs the three kernels').toBe(3);
    expect(countPacks(() => { predict(); predict(); predict(); }), 'later predictions pack nothing').toBe(0);
    model.layers[2].setWeights(model.layers[2].getWeights());
    expect(countPacks(predict), 'after one layer is written').toBe(1);
    model.dispose();
    x.dispose();
  });

  test('recurrent kernel: packed once across predictions', async () => {
    await useBuild('relaxed', 1);
    const model = wg.sequential({ layers: [wg.layers.lstm({ inputShape: [6, 3], units: 9 }), wg.layers.dense({ units: 2 })] });
    const x = wg.tensor(randomArray(4 * 6 * 3, 10), [4, 6, 3]);
    const predict = () => wg.tidy(() => void (model.predict(x) as wg.Tensor).dataSync());
    const first = countPacks(predict);
    expect(first, 'the first prediction packs the kernels').toBeGreaterThan(0);
    expect(countPacks(() => { predict(); predict(); }), 'later predictions pack nothing').toBe(0);
    model.dispose();
    x.dispose();
  });

  test('memory stays flat over fit/predict loops and returns to where it was after dispose', async () => {
    await useBuild('relaxed', 2);
    const start = allocated();
    const x = wg.tensor(randomArray(20 * 6 * 6 * 3, 11), [20, 6, 6, 3]);
    const y = wg.tensor(randomArray(20 * 3, 12), [20, 3]);
    const round = async () => {
      const model = wg.sequential({
        layers: [
          wg.layers.conv2d({ inputShape: [6, 6, 3], filters: 5, kernelSize: 3, activation: 'relu' }),
          wg.layers.flatten(),
          wg.layers.dense({ units: 17, activation: 'relu' }),
          wg.layers.dense({ units: 3 }),
        ],
      });
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
      // the second predict with these shapes makes the plan and its buffers
      for (let i = 0; i < 2; i++) wg.tidy(() => void (model.predict(x) as wg.Tensor).dataSync());
      const inUse = allocated();
      for (let i = 0; i < 3; i++) {
        await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
        wg.tidy(() => void (model.predict(x) as wg.Tensor).dataSync());
      }
      expect(allocated(), 'flat over fit/predict').toBe(inUse);
      model.dispose();
    };
    await round();
    const afterFirst = allocated();
    const wasm = wg.memory().wasmBytes;
    for (let i = 0; i < 3; i++) await round();
    expect(allocated(), 'every round frees what it made').toBe(afterFirst);
    expect(wg.memory().wasmBytes, 'no memory growth').toBe(wasm);
    x.dispose();
    y.dispose();
    expect(allocated(), 'back to the start').toBe(start);
  });

  test('disposing a variable frees its packed copy', async () => {
    await useBuild('simd', 1);
    const x = wg.tensor(randomArray(8 * 33, 13), [8, 33]);
    wg.tidy(() => void wg.matMul(x, x, false, true).dataSync()); // the engine's own first allocations
    const start = allocated();
    for (let i = 0; i < 5; i++) {
      const v = wg.tidy(() => wg.variable(wg.tensor(randomArray(33 * 20, 14 + i), [33, 20])));
      wg.tidy(() => void wg.matMul(x, v).dataSync());
      expect(allocated(), 'the packed copy is kept').toBeGreaterThan(start + v.size * 4);
      v.dispose();
      expect(allocated(), 'and freed with the variable').toBe(start);
    }
    x.dispose();
  });
});
