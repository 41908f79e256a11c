import * as tf from '@tensorflow/tfjs';
// An LSTM with TF.js's defaults (hard-sigmoid gates, no unit forget bias) classifying whether a
// sequence rises or falls; binary cross-entropy and accuracy; Adam with its TF.js defaults.
import { uniformValues, weightValues, flat } from './seeded.mjs';

function sequences(n, steps) {
  const v = uniformValues(n * steps, 41, -0.3, 0.3);
  const xs = [];
  const ys = [];
  for (let i = 0; i < n; i++) {
    const rising = i % 2 === 0;
    const seq = [];
    for (let t = 0; t < steps; t++) seq.push([(rising ? t : steps - t) / steps + v[i * steps + t], v[(i * steps + t + 7) % (n * steps)]]);
    xs.push(seq);
    ys.push([rising ? 1 : 0]);
  }
  return [tf.tensor3d(xs), tf.tensor2d(ys)];
}

export async function main() {
  const [x, y] = sequences(16, 6);
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: 5, inputShape: [6, 2] }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 4, 1).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.adam(0.03), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs: 6, batchSize: 8, shuffle: false, verbose: 0 });

  // The sequence of hidden states from a second LSTM sharing nothing with the first
  const seqModel = tf.sequential({ layers: [tf.layers.lstm({ units: 3, returnSequences: true, inputShape: [6, 2] })] });
  const seqShapes = seqModel.weights.map((w) => w.shape);
  seqModel.setWeights(weightValues(seqShapes, 5, 1.5).map((v, i) => tf.tensor(v, seqShapes[i])));
  const states = seqModel.predict(x.slice([0, 0, 0], [2, 6, 2]));
  const probs = model.predict(x);
  const out = { loss: history.history.loss, acc: history.history.acc, probs: flat(probs.arraySync()), states: flat(states.arraySync()) };
  tf.dispose([x, y, states, probs]);
  model.dispose();
  seqModel.dispose();
  return out;
}
