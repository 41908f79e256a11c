import * as tf from '@tensorflow/tfjs';
// Regression on a noisy plane with a hidden layer: an L2 kernel regularizer (TF.js leaves the
// penalty out of val_loss and evaluate), weights assigned through model.weights[i].val, RMSprop
// given positionally, validationData, evaluate.
import { uniformValues, weightValues, flat } from './seeded.mjs';

function samples(n, seed) {
  const v = uniformValues(n * 3, seed, -1, 1);
  const xs = [];
  const ys = [];
  for (let i = 0; i < n; i++) {
    const a = v[i * 3], b = v[i * 3 + 1];
    xs.push([a, b]);
    ys.push([2 * a - 3 * b + 0.5 + 0.1 * v[i * 3 + 2]]);
  }
  return [tf.tensor2d(xs), tf.tensor2d(ys)];
}

export async function main() {
  const [x, y] = samples(40, 21);
  const [xVal, yVal] = samples(10, 22);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 6, activation: 'tanh', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  // each weight set in place through its LayerVariable, as the TF.js docs of model.weights do
  const values = weightValues(model.weights.map((w) => w.shape), 2);
  model.weights.forEach((w, i) => w.val.assign(tf.tensor(values[i], w.shape)));
  model.compile({ optimizer: tf.train.rmsprop(0.01), loss: 'meanSquaredError', metrics: ['mae'] });

  const history = await model.fit(x, y, { epochs: 8, batchSize: 10, shuffle: false, validationData: [xVal, yVal], verbose: 0 });
  const evaluated = model.evaluate(xVal, yVal, { batchSize: 5 });
  const prediction = model.predict(tf.tensor2d([[0.3, -0.2], [-0.7, 0.9]], [2, 2]));
  const out = {
    loss: history.history.loss,
    mae: history.history.mae,
    valLoss: history.history.val_loss,
    evaluated: evaluated.map((t) => t.dataSync()[0]),
    prediction: flat(await prediction.array()),
  };
  tf.dispose([x, y, xVal, yVal, evaluated, prediction]);
  model.dispose();
  return out;
}
