// Custom layers written the way TF.js users write them (class MyLayer extends tf.layers.Layer,
// addWeight in build, this.w.read() in call, static className, registerClass): they run in a
// sequential model, train with fit, match the same layer written for the real @tensorflow/tfjs,
// and save and load.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import { registerClass, getRegisteredName, getClassName, SerializationMap } from '../src/layers/serialization';
import { expectClose, randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wg.init({ backend: 'simd', threads: 1 });
});

type Cfg = Record<string, unknown> & { units?: number };

/** y = x W + b, then the antirectifier's concat(relu(x), relu(-x)) on the centred result (TF.js style). */
class ScaledDense extends wg.layers.Layer {
  static className = 'ScaledDense';
  units: number;
  w!: wg.Variable;
  b!: wg.Variable;
  constructor(config: Cfg) {
    super(config);
    this.units = config.units ?? 3;
  }
  build(inputShape: (number | null)[]) {
    this.w = this.addWeight('w', [inputShape[inputShape.length - 1] as number, this.units], 'float32', wg.initializers.glorotUniform({ seed: 3 }));
    this.b = this.addWeight('b', [this.units], undefined, wg.initializers.zeros());
  }
  computeOutputShape(s: (number | null)[]) {
    return [s[0], 2 * this.units];
  }
  call(inputs: wg.Tensor | wg.Tensor[], kwargs: Record<string, unknown>) {
    this.invokeCallHook(inputs, kwargs);
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return wg.tidy(() => {
      const y = wg.add(wg.matMul(x, this.w.read()), this.b.read());
      const centred = wg.sub(y, wg.mean(y, 1, true));
      return wg.concat([wg.relu(centred), wg.relu(wg.neg(centred))], 1);
    });
  }
  getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}
registerClass(ScaledDense);

/** The same layer for the real TF.js. */
class TfScaledDense extends tf.layers.Layer {
  static className = 'TfScaledDense';
  units: number;
  w!: tf.LayerVariable;
  b!: tf.LayerVariable;
  constructor(config: Cfg) {
    super(config);
    this.units = config.units ?? 3;
  }
  build(inputShape: tf.Shape) {
    this.w = this.addWeight('w', [inputShape[inputShape.length - 1] as number, this.units], 'float32', tf.initializers.glorotUniform({}));
    this.b = this.addWeight('b', [this.units], undefined, tf.initializers.zeros());
  }
  computeOutputShape(s: tf.Shape) {
    return [s[0], 2 * this.units];
  }
  call(inputs: tf.Tensor | tf.Tensor[]) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const y = tf.add(tf.matMul(x, this.w.read()), this.b.read());
      const centred = tf.sub(y, tf.mean(y, 1, true));
      return tf.concat([tf.relu(centred), tf.relu(tf.neg(centred))], 1);
    });
  }
}
tf.serialization.registerClass(TfScaledDense);

/** A parameter-free layer with a static className getter (the other spelling TF.js code uses). */
class TimesTwo extends wg.layers.Layer {
  static get className() {
    return 'TimesTwo';
  }
  call(inputs: wg.Tensor | wg.Tensor[]) {
    return wg.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2);
  }
}
registerClass(TimesTwo);

describe('TF.js-style custom layers', () => {
  it('addWeight (both forms), read(), call with a single tensor, shapes at symbolic time', () => {
    const layer = new ScaledDense({ units: 4 });
    const seen: unknown[] = [];
    layer.setCallHook((inputs) => seen.push(inputs));
    const inp = wg.input({ shape: [5] });
    const out = layer.apply(inp) as wg.SymbolicTensor;
    expect(out.shape).toEqual([null, 8]);
    expect(layer.built).toBe(true);
    expect(layer.outputShape).toEqual([null, 8]);
    expect(layer.inputShape).toEqual([null, 5]);
    expect(layer.input).toBe(inp);
    expect(layer.output).toBe(out);
    expect(layer.weights.map((w) => w.shape)).toEqual([[5, 4], [4]]);
    expect(layer.w.read()).toBe(layer.w);
    const x = wg.tensor(randomArray(10, 1), [2, 5]);
    const y = layer.apply(x) as wg.Tensor;
    expect(seen[0]).toBe(x); // a single input arrives as the tensor itself, as in TF.js
    const y1 = layer.apply([x]) as wg.Tensor; // and a list of one as that list (build saw one shape)
    expect(Array.isArray(seen[1]) && (seen[1] as unknown[])[0] === x).toBe(true);
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y.dataSync()));
    const fresh = new ScaledDense({ units: 2 });
    expect((fresh.apply([wg.input({ shape: [6] })]) as wg.SymbolicTensor[] | wg.SymbolicTensor)).toMatchObject({ shape: [null, 4] });
    expect(fresh.weights[0].shape).toEqual([6, 2]);
    y1.dispose();
    fresh.dispose();
    expect(y.shape).toEqual([2, 8]);
    expect(layer.getClassName()).toBe('ScaledDense');
    expect(getClassName(ScaledDense)).toBe('ScaledDense');
    expect(getRegisteredName(ScaledDense)).toBe('Custom>ScaledDense');
    expect(SerializationMap.getMap().classNameMap.get('ScaledDense')?.[0]).toBe(ScaledDense);
    x.dispose();
    y.dispose();
    layer.dispose();
  });

  it('input, output, inputShape and outputShape of input layers and models, as TF.js gives them', () => {
    const inp = wg.input({ shape: [3] });
    const inLayer = inp.sourceLayer;
    expect(inLayer.input).toBe(inp);
    expect(inLayer.output).toBe(inp);
    const d = wg.layers.dense({ units: 2 });
    const out = d.apply(inp) as wg.SymbolicTensor;
    const m = wg.model({ inputs: inp, outputs: out });
    expect(m.input).toBe(inp);
    expect(m.output).toBe(out);
    expect(m.outputShape).toEqual([null, 2]);
    expect(m.inputShape).toEqual([null, 3]);
    const s = wg.sequential({ layers: [wg.layers.dense({ units: 4, inputShape: [5] })] });
    expect(s.outputShape).toEqual([null, 4]);
    expect(s.layers[0].outputShape).toEqual([null, 4]);
    d.apply(wg.input({ shape: [3] }));
    expect(() => d.output).toThrow(/2 calls/);
    expect(() => wg.layers.dense({ units: 1 }).outputShape).toThrow(wg.WasmgradError);
  });

  it('matches the same layer on the real TF.js (outputs and one training step)', async () => {
    const ours = wg.sequential({ layers: [new ScaledDense({ units: 3, inputShape: [4] }), wg.layers.dense({ units: 2 })] });
    const theirs = tf.sequential({ layers: [new TfScaledDense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 2 })] });
    const ws = theirs.getWeights().map((w, i) => randomArray(w.size, 10 + i, -0.7, 0.7));
    theirs.setWeights(theirs.getWeights().map((w, i) => tf.tensor(ws[i], w.shape)));
    ours.setWeights(ours.getWeights().map((w, i) => wg.tensor(ws[i], w.shape)));
    const xs = randomArray(6 * 4, 20);
    const ys = randomArray(6 * 2, 21);
    const a = ours.predict(wg.tensor(xs, [6, 4])) as wg.Tensor;
    const b = theirs.predict(tf.tensor(xs, [6, 4])) as tf.Tensor;
    expectClose(a.dataSync(), b.dataSync() as Float32Array, 1e-5, 1e-5, 'predict');
    ours.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const h1 = await ours.fit(wg.tensor(xs, [6, 4]), wg.tensor(ys, [6, 2]), { epochs: 3, batchSize: 6, shuffle: false, verbose: 0 });
    const h2 = await theirs.fit(tf.tensor(xs, [6, 4]), tf.tensor(ys, [6, 2]), { epochs: 3, batchSize: 6, shuffle: false, verbose: 0 });
    expectClose(Float32Array.from(h1.history.loss as number[]), Float32Array.from(h2.history.loss as number[]), 1e-5, 1e-4, 'loss');
    expect((h1.history.loss as number[])[2]).toBeLessThan((h1.history.loss as number[])[0]);
  });

  it('saves and loads through the registry (wasmgrad format and TF.js format)', async () => {
    const m = wg.sequential({ layers: [new ScaledDense({ units: 3, inputShape: [4] }), new TimesTwo({}), wg.layers.dense({ units: 1 })] });
    const x = wg.tensor(randomArray(12, 5), [3, 4]);
    const before = (m.predict(x) as wg.Tensor).dataSync();
    const art = await m.save();
    const back = await wg.loadModel(art);
    expect(back.layers.map((l) => l.className)).toEqual(['ScaledDense', 'TimesTwo', 'Dense']);
    expect((back.layers[0] as ScaledDense).units).toBe(3);
    expectClose((back.predict(x) as wg.Tensor).dataSync(), before, 1e-6, 1e-6, 'reloaded');
    let saved: unknown = null;
    await m.save({ save: async (a: unknown) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } } as never);
    const back2 = await wg.loadModel(saved as never);
    expectClose((back2.predict(x) as wg.Tensor).dataSync(), before, 1e-6, 1e-6, 'reloaded (TF.js format)');
  });

  it('refuses bad classes, names and weights with WasmgradError', () => {
    class NoName extends wg.layers.Layer {
      call(x: wg.Tensor | wg.Tensor[]) {
        return Array.isArray(x) ? x[0] : x;
      }
    }
    Object.defineProperty(NoName, 'className', { value: '' });
    expect(() => registerClass(NoName)).toThrow(wg.WasmgradError);
    class Proto extends NoName {
      static className = '__proto__';
    }
    expect(() => registerClass(Proto)).toThrow(/not a valid class name/);
    class Shadow extends NoName {
      static className = 'Dense';
    }
    expect(() => registerClass(Shadow)).toThrow(/built-in layer/);
    expect(() => registerClass(42 as never)).toThrow(wg.WasmgradError);
    // layers.registerLayer, called directly, refuses what is not a layer class with a className
    for (const bad of [undefined, null, {}, 42, () => 1, NoName, { className: 'X' }]) {
      expect(() => wg.layers.registerLayer(bad as never)).toThrow(/registerLayer: expected a layer class \(or an object\) with a className and fromConfig, got/);
    }
    const l = new ScaledDense({ units: 2 });
    expect(() => l.addWeight('w', [2, -1], 'float32')).toThrow(/shape/);
    expect(() => l.addWeight('w', [2], 'complex64' as never)).toThrow(/dtype/);
    l.addWeight('w', [2], 'float32');
    expect(() => l.addWeight('w', [2], 'float32')).toThrow(/duplicate/);
    const iw = l.addWeight('counts', [3], 'int32', 'ones');
    expect(iw.dtype).toBe('int32');
    expect(Array.from(iw.dataSync())).toEqual([1, 1, 1]);
    l.dispose();
  });

  it('write() assigns and applies a constraint, as LayerVariable.write', () => {
    const l = new ScaledDense({ units: 2 });
    const nonNeg = { apply: (t: wg.Tensor) => wg.relu(t) };
    const v = l.addWeight('p', [3], 'float32', 'zeros', null, true, nonNeg);
    const t = wg.tensor([1, -2, 3]);
    expect(v.write(t)).toBe(v);
    expect(Array.from(v.dataSync())).toEqual([1, 0, 3]);
    t.dispose();
    l.dispose();
  });

  it('a TF.js-style static fromConfig(cls, config) and an initializer object with apply() are used', async () => {
    let made = 0;
    class Scale extends wg.layers.Layer {
      static className = 'ScaleByWeight';
      s!: wg.Variable;
      constructor(config: Cfg) {
        super(config);
      }
      build() {
        const ones = { apply: (shape: number[]) => wg.fill(shape, 1.5), getClassName: () => 'OnesAndAHalf' };
        this.s = this.addWeight('s', [1], 'float32', ones as never);
      }
      call(inputs: wg.Tensor | wg.Tensor[]) {
        return wg.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.s.read());
      }
      static fromConfig(cls: new (c: Cfg) => Scale, config: Cfg) {
        made++;
        return new cls(config);
      }
    }
    registerClass(Scale as never);
    class Halves {
      static className = 'Halves';
      constructor(readonly config: Cfg = {}) {}
      apply(shape: number[]) {
        return wg.fill(shape, 0.5);
      }
      getConfig() {
        return this.config;
      }
    }
    registerClass(Halves as never);
    const halves = wg.initializers.getInitializer({ className: 'Halves', config: {} }, 'zeros')([2]);
    expect(Array.from(halves.dataSync())).toEqual([0.5, 0.5]);
    halves.dispose();
    const saved = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [2], kernelInitializer: new Halves() as never })] });
    expect((saved.layers[0].getConfig().kernelInitializer as { className: string }).className).toBe('Halves');
    expect(Array.from(saved.layers[0].getWeights()[0].dataSync())).toEqual([0.5, 0.5, 0.5, 0.5]);
    const m = wg.sequential({ layers: [new Scale({ inputShape: [2] })] });
    const x = wg.tensor([[1, 2]]);
    expect(Array.from((m.predict(x) as wg.Tensor).dataSync())).toEqual([1.5, 3]);
    const back = await wg.loadModel(await m.save());
    expect(made).toBe(1);
    expect(Array.from((back.predict(x) as wg.Tensor).dataSync())).toEqual([1.5, 3]);
  });

  it('a wasmgrad custom layer saved in TF.js format loads into real TF.js (the same class registered there)', async () => {
    class TfTwin extends TfScaledDense {
      static className = 'ScaledDense';
    }
    tf.serialization.registerClass(TfTwin);
    const m = wg.sequential({ layers: [new ScaledDense({ units: 3, inputShape: [4] }), wg.layers.dense({ units: 2 })] });
    const x = randomArray(5 * 4, 31);
    const want = (m.predict(wg.tensor(x, [5, 4])) as wg.Tensor).dataSync();
    let saved: unknown = null;
    await m.save({ save: async (a: unknown) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } } as never);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(theirs.layers[0].getClassName()).toBe('ScaledDense');
    expectClose((theirs.predict(tf.tensor(x, [5, 4])) as tf.Tensor).dataSync() as Float32Array, want, 1e-5, 1e-5, 'TF.js');
  });

  it('a custom layer that sets supportsMasking passes the padding mask on, as in TF.js', () => {
    class Halve extends wg.layers.Layer {
      static className = 'Halve';
      constructor(config: Cfg = {}) {
        super(config);
        this.supportsMasking = true;
      }
      call(inputs: wg.Tensor | wg.Tensor[]) {
        return wg.mul(Array.isArray(inputs) ? inputs[0] : inputs, 0.5);
      }
    }
    class TfHalve extends tf.layers.Layer {
      static className = 'TfHalve';
      constructor(config: Cfg = {}) {
        super(config);
        this.supportsMasking = true;
      }
      call(inputs: tf.Tensor | tf.Tensor[]) {
        return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 0.5);
      }
    }
    const tm = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputLength: 4 }), new TfHalve(), tf.layers.gru({ units: 2, resetAfter: false, recurrentActivation: 'sigmoid' } as never)] });
    const wm = wg.sequential({ layers: [wg.layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputLength: 4 }), new Halve(), wg.layers.gru({ units: 2, resetAfter: false, recurrentActivation: 'sigmoid' })] });
    const ws = tm.getWeights().map((w, i) => randomArray(w.size, 50 + i, -0.5, 0.5));
    tm.setWeights(tm.getWeights().map((w, i) => tf.tensor(ws[i], w.shape)));
    wm.setWeights(wm.getWeights().map((w, i) => wg.tensor(ws[i], w.shape)));
    const ids = [1, 2, 0, 0, 3, 4, 1, 0];
    const a = (tm.predict(tf.tensor(ids, [2, 4])) as tf.Tensor).dataSync() as Float32Array;
    const b = (wm.predict(wg.tensor(ids, [2, 4], 'int32')) as wg.Tensor).dataSync();
    expectClose(b, a, 1e-5, 1e-5, 'masked gru after a custom layer');
  });

  // seeded throughout (ScaledDense seeds its own kernel): the same run, and the same loss curve, every time
  it('a trainable custom layer trains with fit (the loss falls)', async () => {
    const m = wg.sequential({ layers: [new ScaledDense({ units: 4, inputShape: [3] }), wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = wg.tensor(randomArray(32 * 3, 7), [32, 3]);
    const y = wg.tensor(randomArray(32, 8), [32, 1]);
    const h = await m.fit(x, y, { epochs: 25, batchSize: 8, verbose: 0, seed: 1 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.8 * loss[0]);
  });

  it('a model of the new layers and a custom layer trains with fit, keeping memory flat', async () => {
    const L = wg.layers;
    const inp = wg.input({ shape: [6, 6, 2] });
    let h = L.zeroPadding2d({ padding: 1 }).apply(inp) as wg.SymbolicTensor;
    // seeded initializers: the run (and the loss it reaches) is the same every time
    const init = (seed: number) => wg.initializers.glorotUniform({ seed });
    h = L.separableConv2d({ filters: 4, kernelSize: 3, activation: 'tanh', depthwiseInitializer: init(1), pointwiseInitializer: init(2) }).apply(h) as wg.SymbolicTensor;
    h = L.upSampling2d({ size: 2, interpolation: 'bilinear' }).apply(h) as wg.SymbolicTensor;
    h = L.cropping2d({ cropping: 2 }).apply(h) as wg.SymbolicTensor;
    h = L.gaussianNoise({ stddev: 0.05, seed: 1 }).apply(h) as wg.SymbolicTensor;
    h = L.reshape({ targetShape: [8, 32] }).apply(h) as wg.SymbolicTensor;
    h = L.spatialDropout1d({ rate: 0.1, seed: 2 }).apply(h) as wg.SymbolicTensor;
    h = L.timeDistributed({ layer: L.dense({ units: 3, kernelInitializer: init(4) }) }).apply(h) as wg.SymbolicTensor;
    h = L.permute({ dims: [2, 1] }).apply(h) as wg.SymbolicTensor;
    h = L.flatten().apply(h) as wg.SymbolicTensor;
    h = new ScaledDense({ units: 2 }).apply(h) as wg.SymbolicTensor;
    const v = L.repeatVector({ n: 2 }).apply(h) as wg.SymbolicTensor;
    const out = L.dot({ axes: 2 }).apply([v, v]) as wg.SymbolicTensor;
    const m = wg.model({ inputs: inp, outputs: out });
    expect(out.shape).toEqual([null, 2, 2]);
    m.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.02 }), loss: 'meanSquaredError' });
    const x = wg.tensor(randomArray(24 * 72, 3), [24, 6, 6, 2]);
    // every output is |h|^2 (a vector dotted with itself), so a constant target is reachable
    const y = wg.fill([24, 2, 2], 0.3);
    const snaps: unknown[] = [];
    const hist = await m.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0, seed: 3, callbacks: { onEpochEnd: () => void snaps.push(wg.memory()) } });
    for (const s of snaps.slice(1)) expect(s).toEqual(snaps[0]);
    const loss = hist.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
    const before = wg.memory();
    (m.predict(x) as wg.Tensor).dispose();
    expect(wg.memory()).toEqual(before);
    m.dispose();
    x.dispose();
    y.dispose();
  });
});
