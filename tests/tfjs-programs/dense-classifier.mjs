import * as tf from '@tensorflow/tfjs';
// A dense classifier of three clusters of points: tf.sequential, softmax output, the 'accuracy'
// metric (logged as acc / val_acc), a validation split, predict and argMax.
import { uniformValues, weightValues, flat } from './seeded.mjs';

function clusters(n) {
  const noise = uniformValues(n * 4, 11, -0.6, 0.6);
  const centers = [[1, 0, 0, 1], [-1, 1, 0, 0], [0, -1, 1, -1]];
  const xs = [];
  const labels = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    xs.push(centers[c].map((v, j) => v + noise[i * 4 + j]));
    labels.push(c);
  }
  return { xs, labels };
}

export async function main() {
  await tf.ready();
  const { xs, labels } = clusters(48);
  const x = tf.tensor2d(xs);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);

  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 1).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const history = await model.fit(x, y, { epochs: 6, batchSize: 12, shuffle: false, validationSplit: 0.25, verbose: 0 });
  const probs = model.predict(tf.tensor2d([[1, 0, 0, 1], [0, -1, 1, -1]]));
  const classes = probs.argMax(-1);
  const out = {
    loss: history.history.loss,
    acc: history.history.acc,
    valLoss: history.history.val_loss,
    valAcc: history.history.val_acc,
    probs: flat(probs.arraySync()),
    classes: Array.from(classes.dataSync()),
  };
  tf.dispose([x, y, probs, classes]);
  model.dispose();
  return out;
}
