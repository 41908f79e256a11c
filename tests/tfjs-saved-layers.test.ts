// Layers whose TF.js-saved configs differ from what wasmgrad writes, against the real
// @tensorflow/tfjs 4.22: normalization axes saved as the last axis's index (LayerNormalization as a
// list of one), and bidirectional layers (a wrapped layer going backwards, masked steps), loaded
// through the TF.js entry and predicting as TF.js does; the root entry keeps Keras's masking; and
// recurrent layers given symbolic initial states (an encoder's states feeding a decoder); models
// nested in a functional model (their calls numbered from 1, their weights named without them); a
// topology without weights (model.toJSON, tf.models.modelFromJSON); recurrent layers with
// activations the fused kernels lack (stepped with ops); TF.js's gelu_new and log_softmax;
// stateful recurrent layers.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { expectClose, randomArray } from './helpers';
import { artifactsOf, randomize } from './tfjs-artifacts';


beforeAll(async () => {
  await tf.setBackend('cpu');
});


/** TF.js's prediction and wasmgrad's (the TF.js entry's loader) for the same saved model and input. */
async function bothPredict(model: tf.LayersModel, x: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32' = 'float32') {
  const loaded = await wt.loadLayersModel(wt.io.fromMemory(await artifactsOf(model) as never));
  const want = model.predict(tf.tensor(x, shape, dtype)) as tf.Tensor;
  const got = loaded.predict(wt.tensor(x, shape, dtype)) as wt.Tensor;
  expect(got.shape).toEqual(want.shape);
  return { want: want.dataSync() as Float32Array, got: got.dataSync() as Float32Array, loaded };
}

describe('normalization axes as TF.js saves them', () => {
  it('layerNormalization (axis saved as [last]) and batchNormalization (axis 3 after a conv) load and predict as TF.js', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ filters: 5, kernelSize: 3, inputShape: [6, 7, 3], padding: 'same' }));
    m.add(tf.layers.batchNormalization({ axis: 3 }));
    m.add(tf.layers.reshape({ targetShape: [42, 5] }));
    m.add(tf.layers.layerNormalization());
    randomize(m, 3);
    const art = await artifactsOf(m);
    const layers = (art.modelTopology as { config: { layers: { config: { axis: unknown } }[] } }).config.layers;
    expect(layers[1].config.axis).toBe(3);
    expect(layers[3].config.axis).toEqual([2]);
    for (const B of [1, 3]) {
      const { want, got } = await bothPredict(m, randomArray(B * 6 * 7 * 3, 20 + B), [B, 6, 7, 3]);
      expectClose(got, want, 1e-4, 1e-4, `batch ${B}`);
    }
  });

  it('an axis other than the last is refused when the layer is built, naming the axis and the input', () => {
    for (const make of [() => wg.layers.layerNormalization({ axis: [1] }), () => wg.layers.batchNormalization({ axis: 1 })]) {
      expect(() => wg.sequential({ layers: [wg.layers.dense({ units: 4, inputShape: [3, 5] }), make()] })).toThrow(
        /only the last axis.*-1 or 2 for input \[null,3,4\], got axis 1/,
      );
    }
    expect(() => wg.layers.layerNormalization({ axis: [1, 2] })).toThrow(wg.WasmgradError);
    expect(() => wg.layers.batchNormalization({ axis: 1.5 })).toThrow(wg.WasmgradError);
  });
});

describe('bidirectional layers as TF.js runs them', () => {
  it('a wrapped layer going backwards: the backward half (running forwards) comes back reversed, every merge mode', async () => {
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
      for (const cell of ['lstm', 'gru', 'simpleRNN'] as const) {
        const inner = tf.layers[cell]({ units: 3, returnSequences: true, goBackwards: true }) as tf.RNN;
        const m = tf.sequential({ layers: [tf.layers.bidirectional({ layer: inner, mergeMode, inputShape: [5, 4] })] });
        randomize(m, 7);
        const { want, got } = await bothPredict(m, randomArray(3 * 5 * 4, 31), [3, 5, 4]);
        expectClose(got, want, 1e-5, 1e-5, `${cell} ${mergeMode}`);
      }
    }
  });

  it('masked steps with returnSequences: each half repeats its previous output in the TF.js entry, zeros in the root entry (Keras)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 4, maskZero: true }));
    m.add(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true }) as tf.RNN }));
    randomize(m, 11);
    const ids = Int32Array.from([1, 0, 2, 3, 1, 2, 0, 0, 4, 5, 3, 0]);
    const { want, got } = await bothPredict(m, ids, [3, 4], 'int32');
    expectClose(got, want, 1e-5, 1e-5, 'TF.js entry');
    // the second row's last two steps are masked: the forward half repeats step 1, the backward half outputs its initial state
    expect(want[1 * 16 + 2 * 4 + 0]).toBeCloseTo(want[1 * 16 + 1 * 4 + 0], 6);
    expect(want[1 * 16 + 2 * 4 + 0]).not.toBe(0);

    const keras = await wg.loadModel(await artifactsOf(m) as never);
    const k = (keras.predict(wg.tensor(ids, [3, 4], 'int32')) as wg.Tensor).dataSync();
    for (let i = 0; i < k.length; i++) {
      const [row, step] = [Math.floor(i / 16), Math.floor((i % 16) / 4)];
      if (ids[row * 4 + step] === 0) expect(k[i]).toBe(0);
      else expect(k[i]).toBeCloseTo(got[i], 5);
    }
    // made with the TF.js entry's factory: TF.js's masking too
    const made = wt.layers.bidirectional({ layer: wt.layers.lstm({ units: 2, returnSequences: true }) as never }) as unknown as wg.Bidirectional;
    expect(made.zeroOutputForMask).toBe(false);
    expect((wg.layers.bidirectional({ layer: wg.layers.lstm({ units: 2, returnSequences: true }) })).zeroOutputForMask).toBe(true);
  });
});

describe('symbolic initial states', () => {
  function build(lib: typeof tf | typeof wt) {
    const L = lib as typeof tf;
    const enc = L.input({ shape: [5, 3] });
    const dec = L.input({ shape: [4, 2] });
    const [, h, c] = L.layers.lstm({ units: 4, returnState: true, name: 'encoder' }).apply(enc) as tf.SymbolicTensor[];
    const out = L.layers.lstm({ units: 4, name: 'decoder' }).apply(dec, { initialState: [h, c] }) as tf.SymbolicTensor;
    return L.model({ inputs: [enc, dec], outputs: out });
  }

  it("apply(x, { initialState }) wires the states into the graph: TF.js's layers and weights, predictions and a save TF.js loads", async () => {
    const theirs = build(tf);
    const ours = build(wt) as unknown as wt.LayersModel;
    expect(ours.layers.slice(2).map((l) => l.name)).toEqual(['encoder', 'decoder']);
    expect(theirs.layers.slice(2).map((l) => l.name)).toEqual(['encoder', 'decoder']);
    expect(ours.countParams()).toBe(theirs.countParams());
    randomize(theirs, 70);
    ours.setWeights(theirs.getWeights().map((w) => wt.tensor(w.dataSync() as Float32Array, w.shape)));
    const [e, d] = [randomArray(2 * 5 * 3, 71), randomArray(2 * 4 * 2, 72)];
    const want = (theirs.predict([tf.tensor(e, [2, 5, 3]), tf.tensor(d, [2, 4, 2])]) as tf.Tensor).dataSync() as Float32Array;
    const got = (ours.predict([wt.tensor(e, [2, 5, 3]), wt.tensor(d, [2, 4, 2])]) as wt.Tensor).dataSync();
    expectClose(got, want, 1e-5, 1e-5, 'built');
    // the decoder's output depends on the encoder's input through the states
    const other = (ours.predict([wt.tensor(randomArray(30, 73), [2, 5, 3]), wt.tensor(d, [2, 4, 2])]) as wt.Tensor).dataSync();
    expect(Math.max(...other.map((v, i) => Math.abs(v - got[i])))).toBeGreaterThan(1e-3);
    const saved = await artifactsOf(ours as never, wt.io as never);
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved));
    expectClose((back.predict([tf.tensor(e, [2, 5, 3]), tf.tensor(d, [2, 4, 2])]) as tf.Tensor).dataSync() as Float32Array, want, 1e-5, 1e-5, 'saved');
  });
});

describe('models nested in a functional model', () => {
  // a sequential and a functional model, each called on two branches
  function build(lib: typeof tf | typeof wt) {
    const L = lib as typeof tf;
    const seq = L.sequential({ layers: [L.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), L.layers.dense({ units: 4 })] });
    const i = L.input({ shape: [4] });
    const fn = L.model({ inputs: i, outputs: L.layers.dense({ units: 2, activation: 'tanh' }).apply(i) as tf.SymbolicTensor });
    const x = L.input({ shape: [4] });
    const a = seq.apply(x) as tf.SymbolicTensor;
    const b = seq.apply(L.layers.dense({ units: 4 }).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const out = L.layers.concatenate().apply([fn.apply(a) as tf.SymbolicTensor, fn.apply(b) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    return L.model({ inputs: x, outputs: [out, b] });
  }

  it('TF.js-saved models load into both entries and predict the same; wasmgrad-saved ones load into TF.js', async () => {
    const theirs = build(tf);
    randomize(theirs, 80);
    const art = await artifactsOf(theirs);
    const x = randomArray(3 * 4, 81);
    const want = (theirs.predict(tf.tensor(x, [3, 4])) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array);
    const check = (m: wg.LayersModel, what: string) => {
      const got = m.predict(wg.tensor(x, [3, 4])) as wg.Tensor[];
      got.forEach((g, k) => expectClose(g.dataSync(), want[k], 1e-5, 1e-5, `${what} output ${k}`));
    };
    check(await wt.loadLayersModel(wt.io.fromMemory(art as never)) as unknown as wg.LayersModel, 'TF.js entry');
    check(await wg.loadModel(art as never), 'root entry');

    const ours = build(wt) as unknown as wt.LayersModel;
    ours.setWeights(theirs.getWeights().map((w) => wt.tensor(w.dataSync() as Float32Array, w.shape)));
    check(ours as unknown as wg.LayersModel, 'built');
    const saved = await artifactsOf(ours as never, wt.io as never);
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved));
    (back.predict(tf.tensor(x, [3, 4])) as tf.Tensor[]).forEach((t, k) => expectClose(t.dataSync() as Float32Array, want[k], 1e-5, 1e-5, `TF.js reload ${k}`));
    check(await wt.loadLayersModel(wt.io.fromMemory(saved as never)) as unknown as wg.LayersModel, 'wasmgrad reload');
    // wasmgrad's own format keeps the nested models' names in its weight names
    const root = build(wg as never) as unknown as wg.LayersModel;
    root.setWeights(ours.getWeights() as never);
    const own = await wg.loadModel(await root.save() as never);
    check(own, 'own format');
    expect(own.weights.length).toBe(theirs.weights.length);
  });

  it('a sequential model first in a sequential model gives it its input: built, loaded from TF.js, saved for TF.js', async () => {
    const build = (lib: typeof tf | typeof wt) => {
      const L = lib as typeof tf;
      const inner = L.sequential({ layers: [L.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), L.layers.dense({ units: 3 })] });
      return L.sequential({ layers: [inner, L.layers.dense({ units: 2 })] });
    };
    const theirs = build(tf);
    randomize(theirs, 90);
    const ours = build(wt) as unknown as wt.Sequential;
    expect(ours.outputShape).toEqual(theirs.outputShape);
    ours.setWeights(theirs.getWeights().map((w) => wt.tensor(w.dataSync() as Float32Array, w.shape)));
    const x = randomArray(2 * 4, 91);
    const want = (theirs.predict(tf.tensor(x, [2, 4])) as tf.Tensor).dataSync() as Float32Array;
    expectClose((ours.predict(wt.tensor(x, [2, 4])) as wt.Tensor).dataSync(), want, 1e-5, 1e-5, 'built');
    const { got } = await bothPredict(theirs, x, [2, 4]);
    expectClose(got, want, 1e-5, 1e-5, 'loaded');
    const saved = await artifactsOf(ours as never, wt.io as never);
    const back = await tf.loadLayersModel(tf.io.fromMemory(saved));
    expectClose((back.predict(tf.tensor(x, [2, 4])) as tf.Tensor).dataSync() as Float32Array, want, 1e-5, 1e-5, 'TF.js reload');
  });
});

describe('a topology without weights', () => {
  it('loads with its weights initialized, as TF.js does: from artifacts, toJSON and models.modelFromJSON both ways', async () => {
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones', biasInitializer: 'ones' })] });
    const fromArtifacts = await wt.loadLayersModel(wt.io.fromMemory({ modelTopology: t.toJSON(null, false) } as never));
    expect(Array.from((fromArtifacts.predict(wt.ones([1, 3])) as wt.Tensor).dataSync())).toEqual([4, 4]);
    const fromJson = await wt.models.modelFromJSON(t.toJSON(null, false));
    expect(Array.from((fromJson.predict(wt.ones([1, 3])) as wt.Tensor).dataSync())).toEqual([4, 4]);

    const ours = wt.sequential({ layers: [wt.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' }), wt.layers.batchNormalization()] });
    const json = ours.toJSON() as unknown as string;
    expect(typeof json).toBe('string');
    const theirs = await tf.models.modelFromJSON(JSON.parse(json));
    expect(theirs.weights.map((w) => w.shape)).toEqual(ours.weights.map((w) => w.shape));
    const again = await wt.models.modelFromJSON({ modelTopology: JSON.parse(json) });
    expect(again.getConfig()).toEqual(ours.getConfig());

    // a manifest names files modelFromJSON cannot read; a topology's weights are bounded
    await expect(wt.models.modelFromJSON({ modelTopology: JSON.parse(json), weightsManifest: [] })).rejects.toThrow(/loadLayersModel/);
    const huge = JSON.parse(JSON.stringify(t.toJSON(null, false)));
    Object.assign(huge.config.layers[0].config, { units: 1 << 16, batch_input_shape: [null, 1 << 14] });
    await expect(wt.models.modelFromJSON(huge)).rejects.toThrow(/more weight values than/);
  });
});

describe('recurrent layers with activations the fused kernels lack', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['lstm', { activation: 'relu6', recurrentActivation: 'softsign' }],
    ['gru', { activation: 'selu', recurrentActivation: 'hardSigmoid', resetAfter: false, returnSequences: true, goBackwards: true }],
    ['simpleRNN', { activation: 'softplus', returnSequences: true }],
    ['lstm', { activation: 'elu', returnSequences: true, goBackwards: true }],
  ];

  it('predict as TF.js, loaded and built, with masked steps, at batch 1 and 3; the fused kernels keep their own', async () => {
    for (const [cell, opts] of cases) {
      const build = (lib: typeof tf | typeof wt) => {
        const L = (lib as typeof tf).layers as unknown as Record<string, (a: unknown) => tf.layers.Layer>;
        return (lib as typeof tf).sequential({ layers: [L.embedding({ inputDim: 6, outputDim: 3, inputLength: 5, maskZero: true }), L[cell]({ units: 3, ...opts })] });
      };
      const theirs = build(tf);
      randomize(theirs, 100);
      for (const ids of [[1, 2, 0, 4, 5], [1, 2, 3, 0, 0, 4, 5, 1, 2, 3, 0, 0, 0, 0, 1]]) {
        const x = Int32Array.from(ids);
        const { want, got, loaded } = await bothPredict(theirs, x, [ids.length / 5, 5], 'int32');
        expectClose(got, want, 1e-5, 1e-5, `${cell} ${JSON.stringify(opts)} loaded`);
        // the plan's second call runs the same steps
        expectClose((loaded.predict(wt.tensor(x, [ids.length / 5, 5], 'int32')) as wt.Tensor).dataSync(), want, 1e-5, 1e-5, 'again');
      }
      const ours = build(wt) as unknown as wt.Sequential;
      expect((ours.layers[1] as unknown as wg.RNN).fused).toBe(false);
      ours.setWeights(theirs.getWeights().map((w) => wt.tensor(w.dataSync() as Float32Array, w.shape)));
      const ids = Int32Array.from([3, 1, 0, 2, 5, 4, 4, 1, 0, 0]);
      expectClose((ours.predict(wt.tensor(ids, [2, 5], 'int32')) as wt.Tensor).dataSync(), (theirs.predict(tf.tensor(ids, [2, 5], 'int32')) as tf.Tensor).dataSync() as Float32Array, 1e-5, 1e-5, `${cell} built`);
    }
    expect(wg.layers.lstm({ units: 2, recurrentActivation: 'hard_sigmoid' }).fused).toBe(true);
    expect(() => wg.layers.gru({ units: 2, activation: 'nope' })).toThrow(/gru.*unknown activation 'nope'/);
  });

  it("train as TF.js: two SGD steps move the weights as TF.js's, bidirectional included", async () => {
    const build = (lib: typeof tf | typeof wt) => {
      const L = (lib as typeof tf).layers;
      return (lib as typeof tf).sequential({
        layers: [L.bidirectional({ layer: L.gru({ units: 2, activation: 'elu', recurrentActivation: 'sigmoid', returnSequences: true }) as tf.RNN, inputShape: [4, 3] }), L.lstm({ units: 2, activation: 'softsign' }), L.dense({ units: 1 })],
      });
    };
    const theirs = build(tf);
    randomize(theirs, 110);
    const ours = build(wt) as unknown as wt.Sequential;
    ours.setWeights(theirs.getWeights().map((w) => wt.tensor(w.dataSync() as Float32Array, w.shape)));
    const [x, y] = [randomArray(5 * 4 * 3, 111), randomArray(5, 112)];
    theirs.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    ours.compile({ optimizer: wt.train.sgd(0.5), loss: 'meanSquaredError' });
    await theirs.fit(tf.tensor(x, [5, 4, 3]), tf.tensor(y, [5, 1]), { epochs: 2, batchSize: 5, shuffle: false, verbose: 0 });
    await ours.fit(wt.tensor(x, [5, 4, 3]), wt.tensor(y, [5, 1]), { epochs: 2, batchSize: 5, shuffle: false, verbose: 0 });
    ours.getWeights().forEach((w, i) => expectClose(w.dataSync(), theirs.getWeights()[i].dataSync() as Float32Array, 1e-4, 1e-4, `weight ${i}`));
  });
});

describe("TF.js's activations gelu_new and logSoftmax (saved as log_softmax)", () => {
  it('load, predict as TF.js (first call and planned), and save back with TF.js spelling', async () => {
    for (const [activation, saved] of [['gelu_new', 'gelu_new'], ['logSoftmax', 'log_softmax']]) {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [3], activation: activation as never })] });
      randomize(m, 120);
      const art = await artifactsOf(m);
      expect((art.modelTopology as { config: { layers: { config: { activation: string } }[] } }).config.layers[0].config.activation).toBe(saved);
      const x = randomArray(4 * 3, 121, -3, 3);
      const { want, loaded } = await bothPredict(m, x, [4, 3]);
      for (let i = 0; i < 2; i++) expectClose((loaded.predict(wt.tensor(x, [4, 3])) as wt.Tensor).dataSync(), want, 1e-5, 1e-5, `${activation} call ${i + 2}`);
      const again = await artifactsOf(loaded as never, wt.io as never);
      expect((again.modelTopology as { config: { layers: { config: { activation: string } }[] } }).config.layers[0].config.activation).toBe(saved);
    }
  });
});

describe('stateful recurrent layers', () => {
  it('each call starts where the last ended until resetStates, as TF.js: fused and stepped, loaded from TF.js', async () => {
    for (const [cell, extra] of [['lstm', {}], ['gru', { activation: 'elu' }], ['simpleRNN', {}]] as const) {
      const L = tf.layers as unknown as Record<string, (a: unknown) => tf.layers.Layer>;
      const theirs = tf.sequential({ layers: [L[cell]({ units: 3, stateful: true, batchInputShape: [2, 3, 2], returnSequences: true, ...extra }), tf.layers.dense({ units: 1 })] });
      randomize(theirs, 130);
      const ours = await wt.loadLayersModel(wt.io.fromMemory(await artifactsOf(theirs) as never));
      const xs = [randomArray(12, 131), randomArray(12, 132)];
      const run = () => {
        const want = xs.map((x) => (theirs.predict(tf.tensor(x, [2, 3, 2])) as tf.Tensor).dataSync() as Float32Array);
        const got = xs.map((x) => (ours.predict(wt.tensor(x, [2, 3, 2])) as wt.Tensor).dataSync());
        got.forEach((g, i) => expectClose(g, want[i], 1e-5, 1e-5, `${cell} call ${i}`));
        return got;
      };
      const first = run();
      theirs.resetStates();
      ours.resetStates();
      const second = run();
      // after a reset the same calls give the same; the second input alone, from zeros, gives another answer
      second.forEach((g, i) => expectClose(g, first[i], 0, 0, 'after reset'));
      ours.resetStates();
      const alone = (ours.predict(wt.tensor(xs[1], [2, 3, 2])) as wt.Tensor).dataSync();
      expect(Math.max(...alone.map((v, i) => Math.abs(v - first[1][i])))).toBeGreaterThan(1e-4);
      const rnn = ours.layers[0] as unknown as wg.RNN;
      expect(rnn.getStates()!.length).toBe(cell === 'lstm' ? 2 : 1);
      expect(() => ours.predict(wt.tensor(randomArray(6, 133), [1, 3, 2]))).toThrow(/kept states for a batch of 2, got a batch of 1; call resetStates/);
      ours.resetStates();
      expect(rnn.getStates()).toBeNull();
      const one = (ours.predict(wt.tensor(randomArray(6, 133), [1, 3, 2])) as wt.Tensor).dataSync();
      expect(one.length).toBe(3);
    }
    expect(() => wg.layers.lstm({ units: 2 }).resetStates()).toThrow(/resetStates needs a stateful layer/);
  });
});
