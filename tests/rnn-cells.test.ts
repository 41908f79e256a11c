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
