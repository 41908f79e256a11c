// Fingerprint cases above the ops: every loss in wg.losses, layers (recurrent ones above all)
// through variableGrads, every optimizer on a large variable, and a small conv + dense model
// trained a few steps with each optimizer. Weights are set from seeded data, never initialisers.
import * as wg from 'wasmgrad';
import { rand, ids, withGrads, type FingerprintCase, type Record } from './fingerprint-cases';

const tidyCase = (name: string, body: (record: Record) => void): FingerprintCase => ({ name, run: (record) => void wg.tidy(() => body(record)) });

/** Sets every weight of a built layer or model from seeded data (variances positive). */
function seedWeights(target: { getWeights(): wg.Tensor[]; setWeights(ws: wg.Tensor[]): void; weights: wg.Variable[] }, seed: number): void {
  const names = target.weights.map((v) => v.name);
  const old = target.getWeights();
  target.setWeights(old.map((w, i) => (/variance/i.test(names[i]) ? rand(w.shape, seed + i, 0.5, 1.5) : rand(w.shape, seed + i, -0.5, 0.5))));
  for (const w of old) w.dispose();
}

// ---- losses -----------------------------------------------------------------------------------------

const probs = (shape: number[], seed: number) => wg.softmax(rand(shape, seed, -3, 3));
const LOSS_SHAPES: number[][] = [[3, 17], [129, 513]];

const lossCases: FingerprintCase[] = [
  tidyCase('losses.regression', (record) => {
    LOSS_SHAPES.forEach((shape, s) => {
      const t = rand(shape, 1400 + s), p = rand(shape, 1410 + s);
      withGrads(record, `mse${s}`, wg.losses.meanSquaredError, [t, p]);
      withGrads(record, `mae${s}`, wg.losses.meanAbsoluteError, [t, p]);
      withGrads(record, `sse${s}`, wg.losses.sumSquaredError, [t, p]);
      withGrads(record, `huber${s}`, (a, b) => wg.losses.huber(a, b, 0.4), [t, p]);
      withGrads(record, `hingePm${s}`, wg.losses.hinge, [t, p]);
      withGrads(record, `hinge01${s}`, (b) => wg.losses.hinge(wg.oneHot(ids([shape[0]], 1420 + s, shape[1]), shape[1]), b), [p]);
    });
    withGrads(record, 'rank1', wg.losses.meanSquaredError, [rand([17], 1430), rand([17], 1431)]);
  }),
  tidyCase('losses.probabilistic', (record) => {
    LOSS_SHAPES.forEach(([rows, n], s) => {
      const labels = ids([rows], 1440 + s, n);
      const t = wg.oneHot(labels, n), p = probs([rows, n], 1450 + s), z = rand([rows, n], 1460 + s, -3, 3);
      const bits = rand([rows, n], 1470 + s, 0, 1), sig = rand([rows, n], 1480 + s, 0.01, 0.99);
      withGrads(record, `cce${s}`, (b) => wg.losses.categoricalCrossentropy(t, b), [p]);
      withGrads(record, `cceLogits${s}`, (b) => wg.losses.categoricalCrossentropy(t, b, true), [z]);
      withGrads(record, `cceTagged${s}`, (b) => wg.losses.categoricalCrossentropy(t, wg.softmax(b)), [z]);
      withGrads(record, `scce${s}`, (b) => wg.losses.sparseCategoricalCrossentropy(labels, b), [p]);
      withGrads(record, `scceLogits${s}`, (b) => wg.losses.sparseCategoricalCrossentropy(labels, b, true), [z]);
      withGrads(record, `scceTagged${s}`, (b) => wg.losses.sparseCategoricalCrossentropy(labels, wg.softmax(b)), [z]);
      withGrads(record, `bce${s}`, (a, b) => wg.losses.binaryCrossentropy(a, b), [bits, sig]);
      withGrads(record, `bceLogits${s}`, (a, b) => wg.losses.binaryCrossentropy(a, b, true), [bits, z]);
      withGrads(record, `bceTagged${s}`, (a, b) => wg.losses.binaryCrossentropy(a, wg.sigmoid(b)), [bits, z]);
      withGrads(record, `kld${s}`, wg.losses.kld, [probs([rows, n], 1490 + s), p]);
      withGrads(record, `dice${s}`, wg.losses.dice, [bits, sig]);
      withGrads(record, `softmaxXent${s}`, wg.losses.softmaxCrossEntropy, [probs([rows, n], 1500 + s), z]);
      withGrads(record, `sparseSoftmaxXent${s}`, (b) => wg.losses.sparseSoftmaxCrossEntropy(labels, b), [z]);
      withGrads(record, `sigmoidXent${s}`, wg.losses.sigmoidCrossEntropy, [bits, z]);
    });
  }),
];

// ---- layers ---------------------------------------------------------------------------------------

/** Builds the layer on x, seeds its weights, then records its output and the gradients of x and of every weight. */
function layerGrads(record: Record, label: string, layer: wg.Layer, x: wg.Tensor, seed: number, training = false): void {
  wg.tidy(() => void layer.apply(x));
  seedWeights(layer, seed);
  const vars = layer.trainableWeights;
  const xv = wg.variable(x, true, `${label}_x_${seed}`);
  const { value, grads } = wg.variableGrads(() => {
    const out = layer.apply(xv, { training }) as wg.Tensor | wg.Tensor[];
    const ys = Array.isArray(out) ? out : [out];
    ys.forEach((y, i) => record(`${label}.y${i}`, y));
    return ys.map((y, i) => wg.sum(wg.mul(y, rand(y.shape, seed + 50 + i)))).reduce((a, b) => wg.add(a, b));
  }, [xv, ...vars]);
  record(`${label}.loss`, value);
  [xv, ...vars].forEach((v, i) => record(`${label}.d${i}`, grads[v.name]));
  for (const w of layer.getWeights()) record(`${label}.w`, w);
  layer.dispose();
  xv.dispose();
}

const layerCases: FingerprintCase[] = [
  tidyCase('layers.recurrent', (record) => {
    const x = rand([3, 5, 7], 1600);
    layerGrads(record, 'lstm', wg.layers.lstm({ units: 9, returnSequences: true }), x, 1601);
    layerGrads(record, 'lstmState', wg.layers.lstm({ units: 9, returnState: true, goBackwards: true }), x, 1602);
    layerGrads(record, 'lstmDropout', wg.layers.lstm({ units: 9, dropout: 0.3, recurrentDropout: 0.2, seed: 5 }), x, 1603, true);
    layerGrads(record, 'gru', wg.layers.gru({ units: 9, returnSequences: true }), x, 1604);
    layerGrads(record, 'gruBefore', wg.layers.gru({ units: 9, resetAfter: false }), x, 1605);
    layerGrads(record, 'simpleRNN', wg.layers.simpleRNN({ units: 9, returnSequences: true }), x, 1606);
    layerGrads(record, 'bidirectional', wg.layers.bidirectional({ layer: wg.layers.lstm({ units: 5, returnSequences: true }) }), x, 1607);
  }),
  tidyCase('layers.other', (record) => {
    const img = rand([2, 9, 11, 3], 1620);
    layerGrads(record, 'dense', wg.layers.dense({ units: 17, activation: 'relu' }), rand([3, 7], 1621), 1622);
    layerGrads(record, 'conv2d', wg.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }), img, 1623);
    layerGrads(record, 'batchNormTrain', wg.layers.batchNormalization({}), img, 1624, true);
    layerGrads(record, 'batchNormInfer', wg.layers.batchNormalization({}), img, 1625);
    layerGrads(record, 'layerNorm', wg.layers.layerNormalization({}), img, 1626);
    layerGrads(record, 'dropout', wg.layers.dropout({ rate: 0.4, seed: 3 }), img, 1627, true);
    const emb = wg.layers.embedding({ inputDim: 11, outputDim: 5 });
    wg.tidy(() => void emb.apply(ids([3, 4], 1628, 11)));
    seedWeights(emb, 1629);
    const { value, grads } = wg.variableGrads(() => {
      const y = emb.apply(ids([3, 4], 1628, 11)) as wg.Tensor;
      record('embedding.y', y);
      return wg.sum(wg.mul(y, rand(y.shape, 1630)));
    }, emb.trainableWeights);
    record('embedding.loss', value);
    record('embedding.d', grads[emb.trainableWeights[0].name]);
    emb.dispose();
  }),
];

// ---- optimizers -----------------------------------------------------------------------------------------

const OPTIMIZERS: [string, () => wg.optimizers.Optimizer][] = [
  ['sgd', () => wg.optimizers.sgd({ learningRate: 0.1 })],
  ['sgdMomentum', () => wg.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 })],
  ['sgdNesterov', () => wg.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
  ['adagrad', () => wg.optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.1 })],
  ['adadelta', () => wg.optimizers.adadelta({ learningRate: 1, rho: 0.95, epsilon: 1e-6 })],
  ['rmsprop', () => wg.optimizers.rmsprop({ learningRate: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-7 })],
  ['adam', () => wg.optimizers.adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 })],
  ['adamw', () => wg.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 })],
  ['adamClipNorm', () => wg.optimizers.adam({ learningRate: 0.01, clipNorm: 0.5 })],
  ['sgdClipValue', () => wg.optimizers.sgd({ learningRate: 0.1, clipValue: 0.01 })],
  ['adamSchedule', () => wg.optimizers.adam({ learningRate: wg.schedules.exponentialDecay({ initial: 0.02, decaySteps: 1, decayRate: 0.5 }) })],
];

// A variable past the optimizers' parallel threshold (2^16), three steps of minimize.
const optimizerCases: FingerprintCase[] = OPTIMIZERS.map(([name, make], i) => ({
  name: `optimizer.${name}`,
  run(record: Record) {
    const opt = make();
    const v = wg.variable(rand([257, 257], 1700 + i), true, `fp_opt_${name}`);
    const target = rand([257, 257], 1720 + i), w = rand([257, 257], 1740 + i, 0, 2);
    for (let step = 0; step < 3; step++) {
      const loss = opt.minimize(() => wg.sum(wg.mul(wg.square(wg.sub(v, target)), w)), [v]);
      record(`loss${step}`, loss);
      loss.dispose();
    }
    record('v', v);
    for (const t of [v, target, w]) t.dispose();
    opt.dispose();
  },
}));

// ---- a conv + dense model trained a few steps per optimizer ----------------------------------------------

// The conv's GEMM (8 x 49 x 27 x 17) is past the threaded threshold.
const modelCases: FingerprintCase[] = OPTIMIZERS.slice(0, 8).map(([name, make], i) => ({
  name: `model.fit.${name}`,
  async run(record: Record) {
    const m = wg.sequential({
      layers: [
        wg.layers.conv2d({ filters: 17, kernelSize: 3, activation: 'relu', inputShape: [9, 9, 3] }),
        wg.layers.maxPooling2d({ poolSize: 2 }),
        wg.layers.flatten(),
        wg.layers.dense({ units: 7, activation: 'softmax' }),
      ],
    });
    seedWeights(m, 1800 + 10 * i);
    const opt = make();
    m.compile({ optimizer: opt, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = rand([24, 9, 9, 3], 1900), y = wg.oneHot(ids([24], 1901, 7), 7);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: true, seed: 3, verbose: 0 });
    record('loss', h.history.loss as number[]);
    record('accuracy', h.history.accuracy as number[]);
    for (const w of m.getWeights()) record('w', w);
    const p = m.predict(x, { batchSize: 16 }) as wg.Tensor;
    record('predict', p);
    for (const t of [x, y, p]) t.dispose();
    m.dispose();
    opt.dispose();
  },
}));

export const MODEL_CASES: FingerprintCase[] = [...lossCases, ...layerCases, ...optimizerCases, ...modelCases];
