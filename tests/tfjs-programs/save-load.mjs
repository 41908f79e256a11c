import * as tf from '@tensorflow/tfjs';
// Save and load through tf.io: a functional model (tf.input, tf.model, concatenate, batch
// normalization) trained, saved with tf.io.withSaveHandler, loaded with tf.loadLayersModel from
// tf.io.fromMemory, compared, then the loaded model is compiled and trained further.
import { uniformValues, weightValues, flat } from './seeded.mjs';

export async function main() {
  const input = tf.input({ shape: [4] });
  const left = tf.layers.dense({ units: 5, activation: 'relu', name: 'left' }).apply(input);
  const right = tf.layers.dense({ units: 3, activation: 'tanh', name: 'right' }).apply(input);
  const merged = tf.layers.concatenate({ name: 'joined' }).apply([left, right]);
  const normed = tf.layers.batchNormalization({ name: 'normed' }).apply(merged);
  const output = tf.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(normed);
  const model = tf.model({ inputs: input, outputs: output });
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 12, 1).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });

  const x = tf.tensor2d(uniformValues(40, 111, -1, 1), [10, 4]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1, 1, 0], 'int32'), 2);
  const first = await model.fit(x, y, { epochs: 3, batchSize: 5, shuffle: false, verbose: 0 });

  let saved = null;
  const result = await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
  const before = model.predict(x);
  const after = loaded.predict(x);
  const maxChange = before.sub(after).abs().max().dataSync()[0];

  loaded.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const second = await loaded.fit(x, y, { epochs: 3, batchSize: 10, shuffle: false, verbose: 0 });
  const weightNames = saved.weightSpecs.map((s) => s.name);
  const out = {
    firstLoss: first.history.loss,
    secondLoss: second.history.loss,
    maxChange,
    predictions: flat(after.arraySync()),
    weightNames,
    weightBytes: saved.weightData.byteLength,
    topologyType: result.modelArtifactsInfo.modelTopologyType,
    layerNames: loaded.layers.map((l) => l.name).slice(1),
  };
  tf.dispose([x, y, before, after]);
  model.dispose();
  loaded.dispose();
  return out;
}
