import * as tf from '@tensorflow/tfjs';
// A text classifier over a tiny vocabulary: words to ids in plain JavaScript, padded sequences,
// embedding + globalAveragePooling1d + dense, sparse categorical labels, model.evaluate.
import { weightValues, flat } from './seeded.mjs';

const TEXTS = [
  ['great fun film', 2], ['boring slow plot', 0], ['fine but long', 1], ['great acting great plot', 2],
  ['slow and boring', 0], ['long but fine', 1], ['fun great cast', 2], ['plot was boring', 0],
  ['cast was fine', 1], ['great great fun', 2], ['boring cast', 0], ['fine film', 1],
];
const MAX_LEN = 5;

function encode(texts) {
  const vocab = new Map([['<pad>', 0]]);
  const ids = texts.map(([text]) => {
    const words = text.split(' ').map((w) => {
      if (!vocab.has(w)) vocab.set(w, vocab.size);
      return vocab.get(w);
    });
    while (words.length < MAX_LEN) words.push(0);
    return words;
  });
  return { ids, vocabSize: vocab.size };
}

export async function main() {
  const { ids, vocabSize } = encode(TEXTS);
  const x = tf.tensor2d(ids, [ids.length, MAX_LEN], 'int32');
  const y = tf.tensor1d(TEXTS.map(([, label]) => label), 'float32');
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: vocabSize, outputDim: 6, inputLength: MAX_LEN }));
  model.add(tf.layers.globalAveragePooling1d());
  model.add(tf.layers.dense({ units: 8, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 7, 1).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
  const history = await model.fit(x, y, { epochs: 8, batchSize: 4, shuffle: false, verbose: 0 });
  const [evalLoss, evalAcc] = model.evaluate(x, y);
  const probs = model.predict(x.slice([0, 0], [3, MAX_LEN]));
  const out = {
    loss: history.history.loss,
    acc: history.history.acc,
    evaluated: [evalLoss.dataSync()[0], evalAcc.dataSync()[0]],
    probs: flat(probs.arraySync()),
    embedding: Array.from(model.layers[0].getWeights()[0].dataSync().slice(0, 12)),
  };
  tf.dispose([x, y, evalLoss, evalAcc, probs]);
  model.dispose();
  return out;
}
