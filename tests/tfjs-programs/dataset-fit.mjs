import * as tf from '@tensorflow/tfjs';
// Training from tf.data: a generator of samples zipped with labels, mapped, batched and fed to
// model.fitDataset with batchesPerEpoch and a validation dataset; then evaluateDataset and toArray.
import { uniformValues, weightValues, flat } from './seeded.mjs';

const FEATURES = 3;

function* samples() {
  const v = uniformValues(60 * FEATURES, 71, -1, 1);
  for (let i = 0; i < 60; i++) yield v.slice(i * FEATURES, (i + 1) * FEATURES);
}

export async function main() {
  const features = tf.data.generator(samples).map((row) => tf.tensor1d(row));
  const labels = tf.data.generator(samples).map((row) => tf.tensor1d([row[0] - row[1] + 0.5 * row[2] > 0 ? 1 : 0]));
  const train = tf.data.zip({ xs: features, ys: labels }).take(48).batch(8);
  const valRows = uniformValues(12 * FEATURES, 72, -1, 1);
  const validation = tf.data
    .array(Array.from({ length: 12 }, (_, i) => valRows.slice(i * FEATURES, (i + 1) * FEATURES)))
    .map((row) => ({ xs: tf.tensor1d(row), ys: tf.tensor1d([row[0] - row[1] + 0.5 * row[2] > 0 ? 1 : 0]) }))
    .batch(6);

  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [FEATURES], units: 4, activation: 'sigmoid' }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 9, 1.5).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy', metrics: ['accuracy'] });

  const history = await model.fitDataset(train, { epochs: 4, validationData: validation, verbose: 0 });
  const evaluated = await model.evaluateDataset(validation, {});
  const firstBatch = await train.take(1).toArray();
  const out = {
    loss: history.history.loss,
    acc: history.history.acc,
    valLoss: history.history.val_loss,
    valAcc: history.history.val_acc,
    evaluated: evaluated.map((t) => t.dataSync()[0]),
    firstBatchShape: firstBatch[0].xs.shape,
    firstBatchLabels: Array.from(firstBatch[0].ys.dataSync()),
  };
  tf.dispose([evaluated, firstBatch]);
  model.dispose();
  return out;
}
