// TF.js's recurrent cell API (tf.layers.rnn over simpleRNNCell, lstmCell, gruCell, stacked cells, a
// user's RNNCell subclass, convLstm2d) against the real @tensorflow/tfjs 4.22 (cpu) on identical
// weights: outputs and states, gradients and one SGD step, and the TF.js file format both ways.
// The generic rnn over an lstmCell is also checked against the fused lstm layer, and one small
// case against central finite differences.
import { describe, it, expect, beforeAll } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { expectClose, randomArray } from './helpers';
import { gradCheck } from './gradcheck';

beforeAll(async () => {
  await real.setBackend('cpu');
  await wg.init({ backend: 'simd', threads: 1 });
});

type Factory<L> = () => L;
interface Case {
  name: string;
  real: Factory<real.layers.Layer>;
  ours: Factory<wg.Layer>;
  /** Per-sample input shape. */
  input: number[];
  batch?: number;
  /** Why TF.js cannot give the gradient (then central differences check ours instead). */
  realGradMissing?: string;
  /** Why the file-format and config round trips are left out. */
  skipFormats?: string;
}

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);
const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

async function artifactsOf(save: (h: unknown) => Promise<unknown>): Promise<real.io.ModelArtifacts> {
  let out: unknown = null;
  await save(real.io.withSaveHandler(async (a) => {
    out = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out as real.io.ModelArtifacts;
}

/** Same weights in both; returns the layers and inputs. */
function twin(c: Case) {
  const batch = c.batch ?? 3;
  const rl = c.real();
  const ol = c.ours();
  const rIn = real.input({ shape: c.input });
  const oIn = tf.input({ shape: c.input });
  const rOut = list(rl.apply(rIn) as real.SymbolicTensor | real.SymbolicTensor[]);
  const oOut = list(ol.apply(oIn) as wg.SymbolicTensor | wg.SymbolicTensor[]);
  expect(oOut.map((t) => t.shape), `${c.name}: symbolic shapes`).toEqual(rOut.map((t) => t.shape));
  const rw = rl.getWeights();
  expect(ol.weightNames, `${c.name}: weight names`).toEqual(rl.weights.map((w) => w.originalName.split('/').slice(1).join('/')));
  expect(ol.getWeights().map((w) => w.shape), `${c.name}: weight shapes`).toEqual(rw.map((w) => w.shape));
  const values = rw.map((w, i) => randomArray(w.size, 40 + i, -0.6, 0.6));
  rl.setWeights(rw.map((w, i) => real.tensor(values[i], w.shape)));
  ol.setWeights(rw.map((w, i) => tf.tensor(values[i], w.shape)));
  const data = randomArray(batch * sizeOf(c.input), 61, -1.5, 1.5);
  const rx = real.tensor(data, [batch, ...c.input]);
  const ox = tf.tensor(data, [batch, ...c.input]);
  return { rl, ol, rIn, oIn, rOut, oOut, rx, ox, values, data, batch };
}

async function checkAgainstTfjs(c: Case): Promise<void> {
  const { rl, ol, rIn, oIn, rOut, oOut, rx, ox } = twin(c);
  // outputs and states
  const rY = list(rl.apply(rx) as real.Tensor | real.Tensor[]);
  const oY = list(ol.apply(ox) as wg.Tensor | wg.Tensor[]);
  expect(oY.length, `${c.name}: outputs`).toBe(rY.length);
  oY.forEach((y, i) => {
    expect(y.shape, `${c.name} output ${i} shape`).toEqual(rY[i].shape);
    expectClose(y.dataSync(), rY[i].dataSync() as Float32Array, 1e-5, 1e-5, `${c.name} output ${i}`);
  });
  // gradients of sum(dy_i * y_i) for the input and every weight
  const dys = rY.map((y, i) => randomArray(y.size, 77 + i, -1, 1));
  const rLoss = (x: real.Tensor) => list(rl.apply(x) as real.Tensor | real.Tensor[]).map((y, i) => real.sum(real.mul(y, real.tensor(dys[i], y.shape)))).reduce((a, b) => real.add(a, b)) as real.Scalar;
  const oLoss = (x: wg.Tensor) => list(ol.apply(x) as wg.Tensor | wg.Tensor[]).map((y, i) => wg.sum(wg.mul(y, wg.tensor(dys[i], y.shape)))).reduce((a, b) => wg.add(a, b));
  if (c.realGradMissing) {
    gradCheck((x) => list(ol.apply(x) as wg.Tensor | wg.Tensor[])[0], [ox], { name: c.name, maxPoints: 16, leaks: false });
  } else {
    expectClose(tf.grad(oLoss)(ox).dataSync(), real.grad(rLoss)(rx).dataSync() as Float32Array, 1e-5, 1e-5, `${c.name} input gradient`);
    // one SGD step on the weights: the same updated weights
    sgdStep(c, rl, ol, () => rLoss(rx), () => oLoss(ox));
  }
  if (c.skipFormats) return;
  await checkFormats(c, rIn, oIn, rOut, oOut, rx, ox);
  // getConfig / fromConfig round trip
  const again = (ol.constructor as unknown as { fromConfig(c: unknown): wg.Layer }).fromConfig(ol.getConfig());
  expect(again.getConfig()).toEqual({ ...ol.getConfig(), name: again.name });
}

function sgdStep(c: Case, rl: real.layers.Layer, ol: wg.Layer, rLoss: () => real.Scalar, oLoss: () => wg.Tensor): void {
  const rOpt = real.train.sgd(0.1), oOpt = tf.train.sgd(0.1);
  rOpt.minimize(rLoss, false, rl.trainableWeights.map((w) => w.read() as real.Variable));
  oOpt.minimize(oLoss as never, false, ol.trainableWeights);
  const rAfter = rl.getWeights(), oAfter = ol.getWeights();
  oAfter.forEach((w, i) => expectClose(w.dataSync(), rAfter[i].dataSync() as Float32Array, 1e-5, 1e-5, `${c.name} weight ${i} after one SGD step`));
}

async function checkFormats(c: Case, rIn: real.SymbolicTensor, oIn: wg.SymbolicTensor, rOut: real.SymbolicTensor[], oOut: wg.SymbolicTensor[], rx: real.Tensor, ox: wg.Tensor): Promise<void> {
  // TF.js's format both ways: our model loaded by TF.js, TF.js's model loaded by us
  const rm = real.model({ inputs: rIn, outputs: rOut });
  const om = tf.model({ inputs: oIn, outputs: oOut });
  const rP = list(rm.predict(rx) as real.Tensor | real.Tensor[]);
  const intoReal = await real.loadLayersModel(real.io.fromMemory(await artifactsOf((h) => om.save(h as never))));
  list(intoReal.predict(rx) as real.Tensor | real.Tensor[]).forEach((y, i) => expectClose(y.dataSync() as Float32Array, rP[i].dataSync() as Float32Array, 1e-5, 1e-5, `${c.name} saved by us, run by TF.js`));
  const fromReal = await tf.loadLayersModel(real.io.fromMemory(await artifactsOf((h) => rm.save(h as never))) as never);
  list(fromReal.predict(ox) as wg.Tensor | wg.Tensor[]).forEach((y, i) => expectClose(y.dataSync(), rP[i].dataSync() as Float32Array, 1e-5, 1e-5, `${c.name} saved by TF.js, run by us`));
}

const R = real.layers;
const O = tf.layers;

const cases: Case[] = [
  { name: 'rnn(simpleRNNCell)', real: () => R.rnn({ cell: R.simpleRNNCell({ units: 5 }) }), ours: () => O.rnn({ cell: O.simpleRNNCell({ units: 5 }) }), input: [4, 3] },
  { name: 'rnn(lstmCell) returnSequences', real: () => R.rnn({ cell: R.lstmCell({ units: 5 }), returnSequences: true }), ours: () => O.rnn({ cell: O.lstmCell({ units: 5 }), returnSequences: true }), input: [4, 3] },
  { name: 'rnn(lstmCell) returnState', real: () => R.rnn({ cell: R.lstmCell({ units: 3 }), returnState: true }), ours: () => O.rnn({ cell: O.lstmCell({ units: 3 }), returnState: true }), input: [5, 1], batch: 1 },
  {
    name: 'rnn(gruCell) goBackwards returnSequences returnState', real: () => R.rnn({ cell: R.gruCell({ units: 4 }), goBackwards: true, returnSequences: true, returnState: true }),
    ours: () => O.rnn({ cell: O.gruCell({ units: 4 }), goBackwards: true, returnSequences: true, returnState: true }), input: [3, 17], batch: 2,
  },
  {
    name: 'rnn([simpleRNNCell, lstmCell, gruCell]) stacked', real: () => R.rnn({ cell: [R.simpleRNNCell({ units: 3 }), R.lstmCell({ units: 4 }), R.gruCell({ units: 2 })], returnState: true }),
    ours: () => O.rnn({ cell: [O.simpleRNNCell({ units: 3 }), O.lstmCell({ units: 4 }), O.gruCell({ units: 2 })], returnState: true }), input: [4, 3],
  },
  {
    name: 'rnn(stackedRNNCells) relu, no bias', real: () => R.rnn({ cell: R.stackedRNNCells({ cells: [R.simpleRNNCell({ units: 3, activation: 'relu', useBias: false }), R.lstmCell({ units: 2 })] }), returnSequences: true }),
    ours: () => O.rnn({ cell: O.stackedRNNCells({ cells: [O.simpleRNNCell({ units: 3, activation: 'relu', useBias: false }), O.lstmCell({ units: 2 })] }), returnSequences: true }), input: [3, 2],
  },
  {
    name: 'convLstm2d same', real: () => R.convLstm2d({ filters: 5, kernelSize: 3, padding: 'same' }), ours: () => O.convLstm2d({ filters: 5, kernelSize: 3, padding: 'same' }),
    input: [2, 5, 4, 3], batch: 2,
  },
  {
    name: 'convLstm2d valid strides returnSequences returnState', real: () => R.convLstm2d({ filters: 5, kernelSize: [3, 2], strides: 2, returnSequences: true, returnState: true }),
    ours: () => O.convLstm2d({ filters: 5, kernelSize: [3, 2], strides: 2, returnSequences: true, returnState: true }), input: [3, 7, 5, 3], batch: 2,
  },
  {
    name: 'convLstm2d dilated goBackwards', real: () => R.convLstm2d({ filters: 2, kernelSize: 2, dilationRate: 2, goBackwards: true }),
    ours: () => O.convLstm2d({ filters: 2, kernelSize: 2, dilationRate: 2, goBackwards: true }), input: [2, 5, 6, 3], batch: 1,
    realGradMissing: 'TF.js 4.22 has no conv2d gradient for dilation rates > 1',
  },
];

describe('recurrent cells match TF.js 4.22', () => {
  for (const c of cases) it(c.name, () => checkAgainstTfjs(c));
});

/** A user's cell, written once against either library's namespace (TF.js's RNNCell subclassing idiom). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function minimalCell(lib: any) {
  return class MinimalRNNCell extends lib.layers.RNNCell {
    static className = 'MinimalRNNCell';
    units: number;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    kernel: any;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    recurrentKernel: any;
    constructor(args: { units: number }) {
      super(args);
      this.units = args.units;
      this.stateSize = args.units;
    }
    build(inputShape: number[]) {
      this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1], this.units], 'float32', lib.initializers.glorotUniform({}));
      this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units], 'float32', lib.initializers.orthogonal({}));
      this.built = true;
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    call(inputs: any[]) {
      return lib.tidy(() => {
        const [x, h] = inputs;
        const out = lib.sigmoid(lib.add(lib.matMul(x, this.kernel.read()), lib.mul(lib.matMul(h, this.recurrentKernel.read()), 0.5)));
        return [out, out];
      });
    }
    getConfig() {
      return { ...super.getConfig(), units: this.units };
    }
  };
}

describe('a user RNNCell subclass', () => {
  it('runs inside tf.layers.rnn, alone and stacked, as in TF.js (outputs, gradients, one SGD step)', async () => {
    const RealCell = minimalCell(real), OurCell = minimalCell(tf);
    await checkAgainstTfjs({
      name: 'rnn(MinimalRNNCell) returnSequences',
      real: () => R.rnn({ cell: new RealCell({ units: 3 }) as never, returnSequences: true }),
      ours: () => O.rnn({ cell: new OurCell({ units: 3 }) as never, returnSequences: true }),
      input: [4, 2],
      skipFormats: 'a custom class must be registered in each library to load',
    } as Case);
    await checkAgainstTfjs({
      name: 'rnn([MinimalRNNCell, lstmCell])',
      real: () => R.rnn({ cell: [new RealCell({ units: 3 }) as never, R.lstmCell({ units: 2 })], returnState: true }),
      ours: () => O.rnn({ cell: [new OurCell({ units: 3 }) as never, O.lstmCell({ units: 2 })], returnState: true }),
      input: [3, 5],
      skipFormats: 'a custom class must be registered in each library to load',
    } as Case);
  });

  it('saves and loads once registered with tf.serialization.registerClass', async () => {
    const OurCell = minimalCell(tf);
    tf.serialization.registerClass(OurCell as never);
    const m = tf.sequential({ layers: [O.rnn({ cell: new OurCell({ units: 3 }) as never, inputShape: [4, 2] })] });
    const x = tf.tensor(randomArray(2 * 4 * 2, 5), [2, 4, 2]);
    const back = await tf.loadLayersModel(wg.io.fromMemory(await artifactsOf((h) => m.save(h as never))) as never);
    expectClose((back.predict(x) as wg.Tensor).dataSync(), (m.predict(x) as wg.Tensor).dataSync(), 0, 0, 'reloaded custom cell');
    expect(back.weightNames).toEqual(m.weightNames);
  });
});

describe('tf.layers.rnn over a cell equals the fused layer with the same weights', () => {
  // the layer over a built-in cell runs the fused op; the same cell stacked alone runs the step loop
  const pairs: [string, () => wg.Layer, Record<string, unknown>, () => wg.Layer][] = [
    ['tfjs lstm', () => O.lstmCell({ units: 5 }), { returnSequences: true }, () => O.lstm({ units: 5, returnSequences: true })],
    ['tfjs gru (reset before)', () => O.gruCell({ units: 4 }), { goBackwards: true }, () => O.gru({ units: 4, goBackwards: true })],
    ['tfjs simpleRNN', () => O.simpleRNNCell({ units: 3 }), { returnState: true }, () => O.simpleRNN({ units: 3, returnState: true })],
    ['keras lstm (sigmoid, unit forget bias)', () => wg.layers.lstmCell({ units: 4 }), { returnState: true }, () => wg.layers.lstm({ units: 4, returnState: true })],
    ['keras gru (reset after, bias [2, 3u])', () => wg.layers.gruCell({ units: 3 }), { returnSequences: true }, () => wg.layers.gru({ units: 3, returnSequences: true })],
  ];
  for (const [name, cell, opts, fused] of pairs) {
    it(name, () => {
      const a = wg.layers.rnn({ cell: cell() as never, ...opts }), loop = wg.layers.rnn({ cell: [cell() as never], ...opts }), b = fused();
      const x = tf.tensor(randomArray(3 * 6 * 7, 9, -1.5, 1.5), [3, 6, 7]);
      const built = [a, loop, b].flatMap((l) => list(l.apply(x) as wg.Tensor | wg.Tensor[]));
      expect(a.weightNames).toEqual(b.weightNames);
      expect(loop.weightNames).toEqual(b.weightNames.map((n) => `RNNCell_0/${n}`));
      const w = b.getWeights().map((t, i) => tf.tensor(randomArray(t.size, 30 + i, -0.7, 0.7), t.shape));
      for (const l of [a, loop, b]) l.setWeights(w);
      const [ya, yl, yb] = [a, loop, b].map((l) => list(l.apply(x) as wg.Tensor | wg.Tensor[]));
      expect(ya.length).toBe(yb.length);
      ya.forEach((y, i) => expectClose(y.dataSync(), yb[i].dataSync(), 0, 0, `${name} output ${i} (fused path)`));
      yl.forEach((y, i) => expectClose(y.dataSync(), yb[i].dataSync(), 1e-6, 1e-6, `${name} output ${i} (step loop)`));
      // and the same gradients
      const dy = randomArray(yb[0].size, 3, -1, 1);
      const loss = (l: wg.Layer) => () => wg.sum(wg.mul(list(l.apply(x) as wg.Tensor | wg.Tensor[])[0], wg.tensor(dy, yb[0].shape)));
      const gb = wg.variableGrads(loss(b), b.trainableWeights).grads;
      for (const l of [a, loop]) {
        const g = wg.variableGrads(loss(l), l.trainableWeights).grads;
        l.trainableWeights.forEach((v, i) => expectClose(g[v.name].dataSync(), gb[b.trainableWeights[i].name].dataSync(), 1e-5, 1e-5, `${name} gradient of ${l.weightNames[i]}`));
      }
      for (const t of [...built, ...ya, ...yl, ...yb, ...w, x]) t.dispose();
    });
  }

  it('masking: a padded step keeps the previous output and states, as the fused lstm', () => {
    const a = O.rnn({ cell: [O.lstmCell({ units: 3 })], returnSequences: true }), b = O.lstm({ units: 3, returnSequences: true });
    const x = tf.tensor(randomArray(2 * 5 * 2, 4), [2, 5, 2]);
    const mask = tf.tensor([1, 1, 0, 1, 0, 1, 0, 0, 1, 1], [2, 5]);
    b.apply(x);
    a.apply(x);
    a.setWeights(b.getWeights());
    expectClose((a.apply(x, { mask }) as wg.Tensor).dataSync(), (b.apply(x, { mask }) as wg.Tensor).dataSync(), 1e-6, 1e-6, 'masked lstm');
  });
});

describe('gradients by central finite differences', () => {
  it('rnn(stacked lstmCell, gruCell): input and weight gradients', () => {
    const layer = O.rnn({ cell: [O.lstmCell({ units: 2 }), O.gruCell({ units: 3 })], returnSequences: true });
    const x = tf.tensor(randomArray(2 * 3 * 3, 21, -1, 1), [2, 3, 3]);
    layer.apply(x);
    layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 50 + i, -0.8, 0.8), w.shape)));
    gradCheck((xi) => layer.apply(xi) as wg.Tensor, [x], { name: 'stacked rnn input', leaks: false });
    // every weight: analytic d sum(dy * y) / dw against central differences in float32 at sampled points
    const dy = randomArray(2 * 3 * 3, 22, -1, 1);
    const objective = () => wg.tidy(() => wg.sum(wg.mul(layer.apply(x) as wg.Tensor, wg.tensor(dy, [2, 3, 3]))).dataSync()[0]);
    const { grads } = wg.variableGrads(() => wg.sum(wg.mul(layer.apply(x) as wg.Tensor, wg.tensor(dy, [2, 3, 3]))), layer.trainableWeights);
    layer.trainableWeights.forEach((v) => {
      const base = Float32Array.from(v.dataSync());
      const analytic = grads[v.name].dataSync();
      for (let k = 0; k < 8; k++) {
        const j = Math.floor((k * (base.length - 1)) / 7);
        const at = (val: number) => {
          const d = base.slice();
          d[j] = val;
          v.assign(tf.tensor(d, v.shape));
          return objective();
        };
        const h = 1e-2 * (1 + Math.abs(base[j]));
        const xp = Math.fround(base[j] + h), xm = Math.fround(base[j] - h);
        const numeric = (at(xp) - at(xm)) / (xp - xm);
        expect(Math.abs(analytic[j] - numeric), `${v.name}[${j}]: analytic ${analytic[j]}, numeric ${numeric}`).toBeLessThanOrEqual(1e-2 + 1e-2 * Math.abs(numeric));
      }
      v.assign(tf.tensor(base, v.shape));
    });
  });
});

describe('bad configurations raise WasmgradError naming the layer', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['rnn without a cell', () => O.rnn({} as never), /RNN\): the cell argument is missing; expected an RNN cell/],
    ['rnn with a dense layer as cell', () => O.rnn({ cell: O.dense({ units: 2 }) as never }), /RNN\): cell must be an RNN cell layer with a stateSize/],
    ['resetStates on a layer that is not stateful', () => O.rnn({ cell: O.lstmCell({ units: 2 }) }).resetStates(), /RNN\): resetStates needs a stateful layer/],
    ['a stateful layer called with another batch size', () => {
      const l = O.rnn({ cell: O.gruCell({ units: 2 }), stateful: true });
      l.apply(tf.zeros([2, 3, 1]));
      return l.apply(tf.zeros([3, 3, 1]));
    }, /initial state 0 must have shape \[3, ?2\], got \[2, ?2\] \(the state kept from the last call of this stateful layer/],
    ['lstmCell units 0', () => O.lstmCell({ units: 0 }), /LSTMCell: units must be a whole number >= 1, got 0/],
    ['gruCell dropout 1', () => O.gruCell({ units: 2, dropout: 1 }), /gru_cell.*: dropout must be in \[0, 1\), got 1/],
    ['stackedRNNCells empty', () => O.stackedRNNCells({ cells: [] }), /StackedRNNCells\): cells must be a non-empty array/],
    ['convLstm2d filters missing', () => O.convLstm2d({ kernelSize: 3 } as never), /ConvLSTM2DCell\): filters must be a whole number >= 1/],
    ['convLstm2d kernelSize 0', () => O.convLstm2d({ filters: 2, kernelSize: 0 }), /ConvLSTM2DCell\): kernelSize must be a whole number >= 1 or two of them, got 0/],
    ['convLstm2d causal padding', () => O.convLstm2d({ filters: 2, kernelSize: 2, padding: 'causal' as never }), /ConvLSTM2DCell\): padding must be 'valid' or 'same', got "causal"/],
    ['convLstm2d channelsFirst', () => O.convLstm2d({ filters: 2, kernelSize: 2, dataFormat: 'channelsFirst' }), /dataFormat must be 'channelsLast'/],
    ['convLstm2d unroll', () => O.convLstm2d({ filters: 2, kernelSize: 2, unroll: true }), /ConvLSTM2D\): unroll is not possible/],
    ['rnn on rank 2', () => O.rnn({ cell: O.lstmCell({ units: 2 }) }).apply(tf.zeros([2, 3])), /RNN\): expected input \[batch, time, features\] of rank >= 3, got \[2,3\]/],
    ['convLstm2d on rank 4', () => O.convLstm2d({ filters: 2, kernelSize: 2 }).apply(tf.zeros([1, 2, 4, 4])), /ConvLSTM2D\): expected input \[batch, time, rows, cols, channels\], got \[1,2,4,4\]/],
    ['convLstm2d valid, kernel larger than the image', () => O.convLstm2d({ filters: 2, kernelSize: 5 }).apply(tf.zeros([1, 2, 3, 6, 1])), /input rows 3 is smaller than the dilated kernel 5/],
    ['rnn with a wrong initial state', () => O.rnn({ cell: O.lstmCell({ units: 2 }) }).apply(tf.zeros([2, 3, 1]), { initialState: [tf.zeros([2, 2]), tf.zeros([2, 3])] }), /initial state 1 must have shape \[2, ?2\], got \[2, ?3\]/],
    ['rnn with one initial state for an lstm', () => O.rnn({ cell: O.lstmCell({ units: 2 }) }).apply(tf.zeros([2, 3, 1]), { initialState: [tf.zeros([2, 2])] }), /the cell has 2 state\(s\) but 1 initial state\(s\) were given/],
    ['a cell returning one tensor', () => {
      const Bad = class extends tf.layers.RNNCell {
        static className = 'BadCell';
        constructor() {
          super({});
          this.stateSize = 2;
        }
        call(inputs: wg.Tensor | wg.Tensor[]) {
          return (inputs as wg.Tensor[])[1];
        }
      };
      return O.rnn({ cell: new Bad() }).apply(tf.zeros([1, 2, 3]));
    }, /the cell's call must return \[output, \.\.\.1 new state\(s\)\] as tensors/],
    ['a saved rnn whose cell is not a cell', () => wg.layers.CellRNN.fromConfig({ name: 'r', cell: { className: 'Dense', config: { units: 2 } } }), /r \(RNN\): cell: Dense is not an RNN cell/],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => {
      let caught: unknown = null;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect(caught, name).toBeInstanceOf(wg.WasmgradError);
      expect((caught as Error).message).toMatch(message);
    });
  }
});

describe('dropout, initial states and memory', () => {
  it('dropout and recurrentDropout change training outputs only, reproducibly with a seed', () => {
    const make = () => O.rnn({ cell: O.lstmCell({ units: 4, dropout: 0.5, recurrentDropout: 0.3, seed: 7 }), returnSequences: true });
    const a = make(), b = make();
    const x = tf.tensor(randomArray(2 * 5 * 3, 8), [2, 5, 3]);
    a.apply(x);
    b.apply(x);
    b.setWeights(a.getWeights());
    const plain = (a.apply(x) as wg.Tensor).dataSync();
    const ta = (a.apply(x, { training: true }) as wg.Tensor).dataSync(), tb = (b.apply(x, { training: true }) as wg.Tensor).dataSync();
    expectClose(ta, tb, 0, 0, 'same seed, same masks');
    expect(Array.from(ta)).not.toEqual(Array.from(plain));
    // inference ignores dropout: the same as a cell without it
    const c = O.rnn({ cell: O.lstmCell({ units: 4 }), returnSequences: true });
    c.apply(x);
    c.setWeights(a.getWeights());
    expectClose((c.apply(x) as wg.Tensor).dataSync(), plain, 0, 0, 'inference without dropout');
  });

  it('initial states are used (kwargs.initialState or extra inputs), as the fused lstm', () => {
    const a = O.rnn({ cell: O.lstmCell({ units: 3 }) }), b = O.lstm({ units: 3 });
    const x = tf.tensor(randomArray(2 * 4 * 2, 12), [2, 4, 2]);
    const h = tf.tensor(randomArray(6, 13), [2, 3]), c = tf.tensor(randomArray(6, 14), [2, 3]);
    b.apply(x);
    a.apply(x);
    a.setWeights(b.getWeights());
    const want = (b.apply(x, { initialState: [h, c] }) as wg.Tensor).dataSync();
    expectClose((a.apply(x, { initialState: [h, c] }) as wg.Tensor).dataSync(), want, 1e-6, 1e-6, 'initialState kwarg');
    expectClose((a.apply([x, h, c]) as wg.Tensor).dataSync(), want, 1e-6, 1e-6, 'initial states as inputs');
    const loop = O.rnn({ cell: [O.lstmCell({ units: 3 })] });
    loop.apply(x);
    loop.setWeights(b.getWeights());
    // stacked states are listed last cell first; one cell: [h, c]
    expectClose((loop.apply(x, { initialState: [h, c] }) as wg.Tensor).dataSync(), want, 1e-6, 1e-6, 'initialState through the step loop');
  });

  it('a forward and backward pass leave no tensor behind; dispose frees the weights', () => {
    const layer = O.rnn({ cell: [O.lstmCell({ units: 3, dropout: 0.2, seed: 1 }), O.gruCell({ units: 2 })], returnState: true });
    const x = tf.tensor(randomArray(2 * 3 * 2, 15), [2, 3, 2]);
    tf.dispose(layer.apply(x) as wg.Tensor[]);
    const before = wg.memory().numTensors;
    for (const training of [false, true]) {
      tf.dispose(layer.apply(x, { training }) as wg.Tensor[]);
      const { value, grads } = wg.variableGrads(() => wg.sum((layer.apply(x, { training }) as wg.Tensor[])[0]), layer.trainableWeights);
      value.dispose();
      tf.dispose(Object.values(grads));
    }
    expect(wg.memory().numTensors).toBe(before);
    const weights = layer.weights.length;
    layer.dispose();
    expect(wg.memory().numTensors).toBe(before - weights);
  });
});

describe('stateful', () => {
  for (const [name, mk] of [['lstmCell', (L: typeof R | typeof O) => L.lstmCell({ units: 3 })], ['stacked [gruCell, simpleRNNCell]', (L: typeof R | typeof O) => [L.gruCell({ units: 3 }), L.simpleRNNCell({ units: 2 })]]] as const) {
    it(`${name}: each call continues from the last one's states until resetStates, as TF.js`, () => {
      const rl = R.rnn({ cell: mk(R) as never, stateful: true, returnSequences: true });
      const ol = O.rnn({ cell: mk(O) as never, stateful: true, returnSequences: true });
      const data = [0, 1].map((k) => randomArray(2 * 4 * 3, 100 + k));
      const rx = data.map((d) => real.tensor(d, [2, 4, 3])), ox = data.map((d) => tf.tensor(d, [2, 4, 3]));
      const r0 = rl.apply(rx[0]) as real.Tensor;
      const o0 = ol.apply(ox[0]) as wg.Tensor;
      const w = rl.getWeights().map((t, i) => randomArray(t.size, 110 + i, -0.7, 0.7));
      rl.setWeights(rl.getWeights().map((t, i) => real.tensor(w[i], t.shape)));
      ol.setWeights(rl.getWeights().map((t, i) => tf.tensor(w[i], t.shape)));
      rl.resetStates();
      ol.resetStates();
      const rs = [rx[0], rx[1], rx[1]].map((x) => (rl.apply(x) as real.Tensor).dataSync() as Float32Array);
      const os = [ox[0], ox[1], ox[1]].map((x) => (ol.apply(x) as wg.Tensor).dataSync());
      os.forEach((o, i) => expectClose(o, rs[i], 1e-5, 1e-5, `${name} call ${i}`));
      expect(Array.from(os[2])).not.toEqual(Array.from(os[1]));
      rl.resetStates();
      ol.resetStates();
      expectClose((ol.apply(ox[0]) as wg.Tensor).dataSync(), os[0], 0, 0, `${name} after resetStates`);
      expectClose((rl.apply(rx[0]) as real.Tensor).dataSync() as Float32Array, rs[0], 0, 0, `TF.js ${name} after resetStates`);
      for (const t of [r0, o0]) t.dispose();
      expect(ol.getConfig().stateful).toBe(true);
      ol.dispose();
    });
  }
});

describe('tf.layers.RNN', () => {
  it('new tf.layers.RNN({ cell }) is the generic layer; the fused recurrent layers are RNNs too', () => {
    const layer = new tf.layers.RNN({ cell: tf.layers.simpleRNNCell({ units: 2 }) });
    expect(layer.getClassName()).toBe('RNN');
    const y = layer.apply(tf.ones([1, 3, 2])) as wg.Tensor;
    expect(y.shape).toEqual([1, 2]);
    expect(tf.layers.lstm({ units: 2 })).toBeInstanceOf(tf.layers.RNN);
    expect(tf.layers.rnn({ cell: tf.layers.gruCell({ units: 2 }) })).toBeInstanceOf(tf.layers.RNN);
    expect(tf.layers.dense({ units: 2 })).not.toBeInstanceOf(tf.layers.RNN);
  });
});

describe('consistency with tf.basicLSTMCell and tf.multiRNNCell', () => {
  it('one lstmCell step equals basicLSTMCell with the kernels stacked and the gates reordered (i, f, c, o -> i, j, f, o)', () => {
    const u = 3, d = 4, b = 2;
    const cells = [tf.layers.lstmCell({ units: u, recurrentActivation: 'sigmoid' }), tf.layers.lstmCell({ units: u, recurrentActivation: 'sigmoid' })];
    cells[0].build([b, d]);
    cells[1].build([b, u]);
    for (const [k, cell] of cells.entries()) cell.setWeights(cell.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 90 + 10 * k + i, -0.8, 0.8), w.shape)));
    const x = tf.tensor(randomArray(b * d, 81), [b, d]);
    const hs = [0, 1].map((k) => tf.tensor(randomArray(b * u, 82 + k), [b, u])), cs = [0, 1].map((k) => tf.tensor(randomArray(b * u, 84 + k), [b, u]));
    const reorder = (t: wg.Tensor) => {
      const [i, f, c, o] = tf.split(t, 4, t.rank - 1);
      return tf.concat([i, c, f, o], t.rank - 1);
    };
    const basic = cells.map((cell) => {
      const [k, rk, bias] = cell.getWeights();
      return (data: wg.Tensor, c: wg.Tensor, h: wg.Tensor) => tf.basicLSTMCell(0, reorder(tf.concat([k, rk], 0)), reorder(bias), data, c, h);
    });
    const [newC, newH] = tf.multiRNNCell(basic, x, cs, hs);
    let input = x;
    cells.forEach((cell, k) => {
      const [out, h, c] = cell.call([input, hs[k], cs[k]], {}) as wg.Tensor[];
      expectClose(h.dataSync(), newH[k].dataSync(), 1e-6, 1e-6, `cell ${k} h`);
      expectClose(c.dataSync(), newC[k].dataSync(), 1e-6, 1e-6, `cell ${k} c`);
      input = out;
    });
  });
});
