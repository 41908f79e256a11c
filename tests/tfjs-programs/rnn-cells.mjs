import * as tf from '@tensorflow/tfjs';
// The recurrent cell API: tf.layers.rnn over stacked cells (an lstmCell feeding a gruCell, states
// returned too) classifying sequences, trained with tf.train.adam; and a convLstm2d over short
// clips of small images, trained one epoch with SGD. Saved and reloaded through an IO handler.
import { uniformValues, integerValues, weightValues, flat } from './seeded.mjs';

async function roundTrip(model) {
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

export async function main() {
  const x = tf.tensor3d(uniformValues(12 * 6 * 3, 71, -1, 1), [12, 6, 3]);
  const y = tf.oneHot(tf.tensor1d(integerValues(12, 2, 72), 'int32'), 2);
  const input = tf.input({ shape: [6, 3] });
  const [seq, h2, h1, c1] = tf.layers.rnn({ cell: [tf.layers.lstmCell({ units: 5 }), tf.layers.gruCell({ units: 4 })], returnSequences: true, returnState: true }).apply(input);
  const pooled = tf.layers.globalAveragePooling1d().apply(seq);
  const merged = tf.layers.concatenate().apply([pooled, h2, h1, c1]);
  const probs = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(merged);
  const model = tf.model({ inputs: input, outputs: probs });
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 73, 0.6).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
  const history = await model.fit(x, y, { epochs: 4, batchSize: 4, shuffle: false, verbose: 0 });
  const reloaded = await roundTrip(model);
  const prediction = reloaded.predict(x.slice([0, 0, 0], [3, 6, 3]));

  const clips = tf.tensor5d(uniformValues(4 * 3 * 5 * 4 * 3, 74, -1, 1), [4, 3, 5, 4, 3]);
  const targets = tf.tensor2d(uniformValues(4, 75, -1, 1), [4, 1]);
  const video = tf.sequential();
  video.add(tf.layers.convLstm2d({ filters: 5, kernelSize: 3, padding: 'same', inputShape: [3, 5, 4, 3] }));
  video.add(tf.layers.flatten());
  video.add(tf.layers.dense({ units: 1 }));
  const vShapes = video.weights.map((w) => w.shape);
  video.setWeights(weightValues(vShapes, 76, 0.4).map((v, i) => tf.tensor(v, vShapes[i])));
  video.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
  const vHistory = await video.fit(clips, targets, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
  const vOut = video.predict(clips);

  const out = {
    loss: history.history.loss,
    prediction: flat(prediction.arraySync()),
    videoLoss: vHistory.history.loss,
    video: flat(vOut.arraySync()),
    videoWeights: video.weights.slice(0, 3).map((w) => w.shape),
  };
  tf.dispose([x, y, prediction, clips, targets, vOut]);
  model.dispose();
  reloaded.dispose();
  video.dispose();
  return out;
}
