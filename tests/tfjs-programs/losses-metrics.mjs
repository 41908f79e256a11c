import * as tf from '@tensorflow/tfjs';
// tf.losses with weights and each Reduction, and tf.metrics as TF.js returns them (per example
// for accuracies and errors), plus a training step on tf.losses.softmaxCrossEntropy.
import { uniformValues, integerValues, weightValues } from './seeded.mjs';

const values = (t) => Array.from(t.dataSync());

export async function main() {
  const labels = tf.tensor2d(uniformValues(12, 91, 0, 1), [4, 3]);
  const predictions = tf.tensor2d(uniformValues(12, 92, 0.05, 0.95), [4, 3]);
  const weights = tf.tensor2d([[1], [0], [2], [0.5]], [4, 1]);
  const onehot = tf.oneHot(tf.tensor1d(integerValues(4, 3, 93), 'int32'), 3);
  const logits = tf.tensor2d(uniformValues(12, 94, -2, 2), [4, 3]);
  const binary = tf.tensor2d([[1], [0], [1], [0]]);
  const scores = tf.tensor2d([[0.8], [0.3], [0.4], [0.7]]);

  const R = tf.Reduction;
  const losses = {
    mse: values(tf.losses.meanSquaredError(labels, predictions)),
    mseWeighted: values(tf.losses.meanSquaredError(labels, predictions, weights)),
    mseSum: values(tf.losses.meanSquaredError(labels, predictions, undefined, R.SUM)),
    mseMean: values(tf.losses.meanSquaredError(labels, predictions, weights, R.MEAN)),
    mseNone: values(tf.losses.meanSquaredError(labels, predictions, undefined, R.NONE)),
    absolute: values(tf.losses.absoluteDifference(labels, predictions, weights)),
    huber: values(tf.losses.huberLoss(labels, predictions.mul(3), undefined, 0.5)),
    log: values(tf.losses.logLoss(labels, predictions)),
    hinge: values(tf.losses.hingeLoss(binary, scores.sub(0.5))),
    cosine: values(tf.losses.cosineDistance(tf.tensor2d([[0.6, 0.8], [1, 0]]), tf.tensor2d([[0.8, 0.6], [0, 1]]), 1)),
    softmaxCE: values(tf.losses.softmaxCrossEntropy(onehot, logits)),
    softmaxCESmoothed: values(tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0.1)),
    sigmoidCE: values(tf.losses.sigmoidCrossEntropy(labels, logits)),
  };
  const metrics = {
    binaryAccuracy: values(tf.metrics.binaryAccuracy(binary, scores)),
    categoricalAccuracy: values(tf.metrics.categoricalAccuracy(onehot, tf.softmax(logits))),
    precision: values(tf.metrics.precision(binary, scores)),
    recall: values(tf.metrics.recall(binary, scores)),
    mse: values(tf.metrics.meanSquaredError(labels, predictions)),
    mae: values(tf.metrics.meanAbsoluteError(labels, predictions)),
    binaryCrossentropy: values(tf.metrics.binaryCrossentropy(binary, scores)),
    categoricalCrossentropy: values(tf.metrics.categoricalCrossentropy(onehot, tf.softmax(logits))),
    cosineProximity: values(tf.metrics.cosineProximity(labels, predictions)),
  };

  // A linear softmax classifier trained on the loss above
  const [w, b] = weightValues([[3, 3], [3]], 10, 1).map((v, i) => tf.variable(tf.tensor(v, i === 0 ? [3, 3] : [3])));
  const optimizer = tf.train.adagrad(0.3);
  const steps = [];
  for (let i = 0; i < 6; i++) {
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(onehot, predictions.matMul(w).add(b)), true);
    steps.push(cost.dataSync()[0]);
    cost.dispose();
  }
  tf.dispose([labels, predictions, weights, onehot, logits, binary, scores, w, b]);
  optimizer.dispose();
  return { losses, metrics, steps };
}
