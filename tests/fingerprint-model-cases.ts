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
  const seeded = old.map((w, i) => (/variance/i.test(names[i]) ? rand(w.shape, seed + i, 0.5, 1.5) : rand(w.shape, seed + i, -0.5, 0.5)));
  target.setWeights(seeded);
  for (const w of [...old, ...seeded]) w.dispose();
}

// ---- losses -----------------------------------------------------------------------------------------

const probs = (shape: number[], seed: number) => wg.softmax(rand(shape, seed, -3, 3));
const LARGE_SHAPE = [129, 513];
// the second is past the fused cross-entropies' threaded threshold (2^14 logits)
const LOSS_SHAPES: number[][] = [[3, 17], [33, 513]];

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
  tidyCase('losses.keras', (record) => {
    LOSS_SHAPES.forEach(([rows, n], s) => {
      const t = rand([rows, n], 1510 + s), p = rand([rows, n], 1520 + s);
      const counts = rand([rows, n], 1530 + s, 0, 3), rates = rand([rows, n], 1540 + s, 0.05, 3);
      const onehot = wg.oneHot(ids([rows], 1550 + s, n), n);
      withGrads(record, `mape${s}`, wg.losses.meanAbsolutePercentageError, [t, p]);
      withGrads(record, `msle${s}`, wg.losses.meanSquaredLogarithmicError, [counts, rates]);
      withGrads(record, `squaredHinge${s}`, wg.losses.squaredHinge, [t, p]);
      withGrads(record, `categoricalHinge${s}`, (b) => wg.losses.categoricalHinge(onehot, b), [p]);
      withGrads(record, `logcosh${s}`, wg.losses.logcosh, [t, p]);
      withGrads(record, `poisson${s}`, wg.losses.poisson, [counts, rates]);
      withGrads(record, `cosineSimilarity${s}`, wg.losses.cosineSimilarity, [t, p]);
    });
  }),
];

// ---- layers ---------------------------------------------------------------------------------------

/** Builds the layer on x, seeds its weights, then records its output and the gradients of x and of every weight. */
export function layerGrads(record: Record, label: string, layer: wg.Layer, x: wg.Tensor | wg.Tensor[], seed: number, training = false): void {
  const xs = Array.isArray(x) ? x : [x];
  wg.tidy(() => void layer.apply(Array.isArray(x) ? xs : x));
  seedWeights(layer, seed);
  const vars = layer.trainableWeights;
  const xvs = xs.map((t, i) => wg.variable(t, true, `${label}_x${i}_${seed}`));
  const { value, grads } = wg.variableGrads(() => {
    const out = layer.apply(Array.isArray(x) ? xvs : xvs[0], { training }) as wg.Tensor | wg.Tensor[];
    const ys = Array.isArray(out) ? out : [out];
    ys.forEach((y, i) => record(`${label}.y${i}`, y));
    return ys.map((y, i) => wg.sum(wg.mul(y, rand(y.shape, seed + 50 + i)))).reduce((a, b) => wg.add(a, b));
  }, [...xvs, ...vars]);
  record(`${label}.loss`, value);
  [...xvs, ...vars].forEach((v, i) => record(`${label}.d${i}`, grads[v.name]));
  for (const w of layer.getWeights()) record(`${label}.w`, w), w.dispose();
  layer.dispose();
  for (const v of xvs) v.dispose();
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
  tidyCase('layers.recurrentCells', (record) => {
    const x = rand([3, 5, 7], 1640);
    const L = wg.layers;
    layerGrads(record, 'rnnSimple', L.rnn({ cell: L.simpleRNNCell({ units: 6 }), returnSequences: true }), x, 1641);
    layerGrads(record, 'rnnLstm', L.rnn({ cell: L.lstmCell({ units: 5 }), returnState: true, goBackwards: true }), x, 1642);
    layerGrads(record, 'rnnGru', L.rnn({ cell: L.gruCell({ units: 4, resetAfter: false, recurrentActivation: 'hardSigmoid' }), returnSequences: true }), x, 1643);
    layerGrads(record, 'rnnSimpleLoop', L.rnn({ cell: [L.simpleRNNCell({ units: 4, activation: 'relu' })], goBackwards: true }), x, 1648);
    layerGrads(record, 'rnnStacked', L.rnn({ cell: L.stackedRNNCells({ cells: [L.gruCell({ units: 3 }), L.lstmCell({ units: 4, dropout: 0.3, seed: 3 })] }), returnState: true }), x, 1644, true);
    const frames = rand([2, 3, 6, 5, 3], 1645);
    layerGrads(record, 'convLstm2d', L.convLstm2d({ filters: 5, kernelSize: 3, padding: 'same', returnSequences: true }), frames, 1646);
    layerGrads(record, 'convLstm2dCell', L.rnn({ cell: L.convLstm2dCell({ filters: 2, kernelSize: [2, 3], strides: 2 }), returnState: true }), frames, 1647);
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
  tidyCase('layers.core+merge+advanced', (record) => {
    const L = wg.layers;
    const a = rand([3, 5, 6], 1640), b = rand([3, 5, 6], 1641);
    for (const act of ['relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'swish', 'gelu', 'linear']) {
      layerGrads(record, `activation.${act}`, L.activation({ activation: act }), a, 1642);
    }
    layerGrads(record, 'reshape', L.reshape({ targetShape: [6, 5] }), a, 1643);
    layerGrads(record, 'flatten', L.flatten(), a, 1644);
    const merges: [string, wg.Layer][] = [
      ['add', L.add()], ['subtract', L.subtract()], ['multiply', L.multiply()], ['average', L.average()],
      ['maximum', L.maximum()], ['minimum', L.minimum()], ['concatenate', L.concatenate({ axis: 1 })],
    ];
    for (const [name, layer] of merges) layerGrads(record, name, layer, [a, b], 1645);
    layerGrads(record, 'prelu', L.prelu(), a, 1646);
    layerGrads(record, 'maxout', L.maxout({ units: 3 }), a, 1647);
    layerGrads(record, 'leakyReLU', L.leakyReLU({ alpha: 0.1 }), a, 1648);
    layerGrads(record, 'elu', L.elu({ alpha: 0.7 }), a, 1649);
    layerGrads(record, 'reLU', L.reLU({ maxValue: 0.5 }), a, 1650);
    layerGrads(record, 'softmax', L.softmax({ axis: 1 }), a, 1651);
  }),
  tidyCase('layers.conv+pooling', (record) => {
    const L = wg.layers;
    const img = rand([2, 9, 11, 3], 1660), seq = rand([2, 17, 3], 1661);
    layerGrads(record, 'conv1d', L.conv1d({ filters: 5, kernelSize: 3, padding: 'causal', dilationRate: 2 }), seq, 1662);
    layerGrads(record, 'depthwiseConv2d', L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }), img, 1663);
    layerGrads(record, 'conv2dTranspose', L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), img, 1664);
    layerGrads(record, 'maxPooling2d', L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), img, 1665);
    layerGrads(record, 'averagePooling2d', L.averagePooling2d({ poolSize: 2 }), img, 1666);
    layerGrads(record, 'globalAveragePooling2d', L.globalAveragePooling2d(), img, 1667);
    layerGrads(record, 'globalMaxPooling2d', L.globalMaxPooling2d(), img, 1668);
    layerGrads(record, 'maxPooling1d', L.maxPooling1d({ poolSize: 3, strides: 2 }), seq, 1669);
    layerGrads(record, 'averagePooling1d', L.averagePooling1d({ poolSize: 2, padding: 'same' }), seq, 1670);
    layerGrads(record, 'globalAveragePooling1d', L.globalAveragePooling1d(), seq, 1671);
    layerGrads(record, 'globalMaxPooling1d', L.globalMaxPooling1d(), seq, 1672);
  }),
];

// ---- creation, the gradient API, initializers, regularizers ---------------------------------------------

const apiCases: FingerprintCase[] = [
  tidyCase('creation', (record) => {
    record('zeros', wg.zeros([3, 17]));
    record('ones', wg.ones([17]));
    record('fill', wg.fill([3, 5], -2.5));
    record('scalar', wg.scalar(1.25));
    record('tensorNested', wg.tensor([[1, 2, 3], [4, 5, 6]]));
    record('tensorInt', wg.tensor([3, -1, 7], [3], 'int32'));
    record('tensorLarge', rand(LARGE_SHAPE, 1680));
  }),
  tidyCase('gradients.api', (record) => {
    const f = (x: wg.Tensor) => wg.sum(wg.mul(wg.tanh(x), wg.square(x)));
    const x = rand([3, 17], 1690), y = rand([3, 17], 1691);
    record('grad', wg.grad(f)(x));
    record('gradDy', wg.grad((t: wg.Tensor) => wg.sigmoid(t))(x, rand([3, 17], 1692)));
    wg.grads((a: wg.Tensor, b: wg.Tensor) => wg.sum(wg.div(wg.mul(a, b), wg.add(wg.abs(b), 1))))([x, y]).forEach((g) => record('grads', g));
    const vg = wg.valueAndGrad(f)(y);
    record('valueAndGrad.value', vg.value);
    record('valueAndGrad.grad', vg.grad);
    const v = wg.variable(rand([17, 5], 1693), true, 'fp_api_v');
    const { value, grads } = wg.variableGrads(() => wg.sum(wg.relu(wg.matMul(x, v))), [v]);
    record('variableGrads.value', value);
    record('variableGrads.grad', grads.fp_api_v);
    v.dispose();
  }),
  tidyCase('initializers', (record) => {
    const I = wg.initializers;
    const seeded: [string, (o: { seed: number }) => (shape: number[]) => wg.Tensor][] = [
      ['glorotUniform', I.glorotUniform], ['glorotNormal', I.glorotNormal], ['heUniform', I.heUniform], ['heNormal', I.heNormal],
      ['lecunUniform', I.lecunUniform], ['lecunNormal', I.lecunNormal], ['randomNormal', I.randomNormal],
      ['randomUniform', I.randomUniform], ['truncatedNormal', I.truncatedNormal], ['orthogonal', I.orthogonal],
    ];
    seeded.forEach(([name, make], i) => {
      record(`${name}.dense`, make({ seed: 30 + i })([17, 33]));
      record(`${name}.conv`, make({ seed: 60 + i })([3, 3, 5, 7]));
    });
    record('varianceScaling', I.varianceScaling({ scale: 1.5, mode: 'fanOut', distribution: 'normal', seed: 91 })([257, 257]));
    record('zeros', I.zeros()([3, 5]));
    record('ones', I.ones()([3, 5]));
    record('constant', I.constant({ value: 0.3 })([3, 5]));
  }),
  tidyCase('metrics', (record) => {
    const M = wg.metrics;
    const labels = ids([33], 1710, 5), t = wg.oneHot(labels, 5), p = probs([33, 5], 1711);
    const bits = wg.tensor(Float32Array.from(rand([33, 5], 1712, 0, 2).dataSync(), Math.floor), [33, 5]);
    record('binaryAccuracy', M.binaryAccuracy(bits, p));
    record('categoricalAccuracy', M.categoricalAccuracy(t, p));
    record('sparseCategoricalAccuracy', M.sparseCategoricalAccuracy(labels, p));
    record('precision', M.precision(bits, p));
    record('recall', M.recall(bits, p));
    record('meanSquaredError', M.meanSquaredError(t, p));
    record('meanAbsoluteError', M.meanAbsoluteError(t, p));
    record('mse', M.mse(t, p));
    record('mae', M.mae(t, p));
  }),
  tidyCase('schedules', (record) => {
    const S = wg.schedules;
    const steps = [0, 1, 2, 5, 17, 100];
    record('exponentialDecay', steps.map(S.exponentialDecay({ initial: 0.1, decaySteps: 3, decayRate: 0.7 })));
    record('exponentialDecayStaircase', steps.map(S.exponentialDecay({ initial: 0.1, decaySteps: 3, decayRate: 0.7, staircase: true })));
    record('stepDecay', steps.map(S.stepDecay({ initial: 0.1, dropEvery: 4, factor: 0.5 })));
    record('cosineDecay', steps.map(S.cosineDecay({ initial: 0.1, decaySteps: 50, alpha: 0.1 })));
  }),
  tidyCase('regularizers', (record) => {
    const R = wg.regularizers;
    const w = rand([17, 9], 1700);
    for (const [name, r] of [['l1', R.l1({ l1: 0.01 })], ['l2', R.l2({ l2: 0.02 })], ['l1l2', R.l1l2({ l1: 0.01, l2: 0.03 })]] as const) {
      withGrads(record, name, (t) => r.apply(t), [w]);
    }
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
    const v = wg.tidy(() => wg.variable(rand([257, 257], 1700 + i), true, `fp_opt_${name}`));
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
    const x = rand([24, 9, 9, 3], 1900), y = wg.tidy(() => wg.oneHot(ids([24], 1901, 7), 7));
    const h = await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: true, seed: 3, verbose: 0 });
    record('loss', h.history.loss as number[]);
    record('accuracy', h.history.accuracy as number[]);
    for (const w of m.getWeights()) record('w', w), w.dispose();
    const p = m.predict(x, { batchSize: 16 }) as wg.Tensor;
    record('predict', p);
    for (const t of [x, y, p]) t.dispose();
    m.dispose();
    opt.dispose();
  },
}));

// A functional model with two branches, saved and loaded back: the loaded one must predict the same bits.
const functionalCase: FingerprintCase = {
  name: 'model.functional+io',
  async run(record: Record) {
    const inp = wg.input({ shape: [7], name: 'fp_in' });
    const h = wg.layers.dense({ units: 9, activation: 'tanh', name: 'fp_h' }).apply(inp) as wg.SymbolicTensor;
    const left = wg.layers.dense({ units: 5, activation: 'relu', name: 'fp_left' }).apply(h) as wg.SymbolicTensor;
    const right = wg.layers.dense({ units: 4, name: 'fp_right' }).apply(h) as wg.SymbolicTensor;
    const joined = wg.layers.concatenate({ name: 'fp_cat' }).apply([left, right]) as wg.SymbolicTensor;
    const out = wg.layers.dense({ units: 3, activation: 'softmax', name: 'fp_out' }).apply(joined) as wg.SymbolicTensor;
    const m = wg.model({ inputs: inp, outputs: out });
    seedWeights(m, 2000);
    const opt = wg.optimizers.adam({ learningRate: 0.01 });
    m.compile({ optimizer: opt, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = rand([40, 7], 2001), y = ids([40], 2002, 3);
    const hist = await m.fit(x, y, { epochs: 2, batchSize: 16, seed: 5, verbose: 0 });
    record('loss', hist.history.loss as number[]);
    const [loss, acc] = m.evaluate(x, y, { batchSize: 16 }) as wg.Tensor[];
    record('evaluate', [loss.dataSync()[0], acc.dataSync()[0]]);
    const p = m.predict(x) as wg.Tensor;
    record('predict', p);
    const saved = await m.save();
    const weights = wg.io.decodeSafetensors(saved.weights);
    for (const name of Object.keys(weights).sort()) record(`saved.${name}`, weights[name]);
    const again = await wg.loadModel(saved);
    const q = again.predict(x) as wg.Tensor;
    record('reloaded.predict', q);
    const bytes = wg.io.encodeSafetensors({ a: p, b: y });
    record('safetensors', bytes);
    for (const t of [x, y, loss, acc, p, q, ...Object.values(weights)]) t.dispose();
    again.dispose();
    m.dispose();
    opt.dispose();
  },
};

export const MODEL_CASES: FingerprintCase[] = [...lossCases, ...layerCases, ...apiCases, ...optimizerCases, ...modelCases, functionalCase];
