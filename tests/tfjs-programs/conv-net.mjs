import * as tf from '@tensorflow/tfjs';
// A small convolutional classifier of 8x8 images (a bright square in one of four corners):
// conv2d, maxPooling2d, flatten, dense; momentum SGD given positionally; tf.tidy in prediction.
import { uniformValues, weightValues, flat } from './seeded.mjs';

function images(n) {
  const noise = uniformValues(n * 64, 31, 0, 0.3);
  const pixels = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const corner = i % 4;
    const r0 = corner < 2 ? 0 : 4, c0 = corner % 2 === 0 ? 0 : 4;
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const inside = r >= r0 && r < r0 + 4 && c >= c0 && c < c0 + 4;
        pixels[i * 64 + r * 8 + c] = (inside ? 1 : 0) + noise[i * 64 + r * 8 + c];
      }
    }
    labels[i] = corner;
  }
  return { xs: tf.tensor4d(pixels, [n, 8, 8, 1]), ys: tf.oneHot(tf.tensor1d(labels, 'int32'), 4) };
}

export async function main() {
  const { xs, ys } = images(24);
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [8, 8, 1], kernelSize: 3, filters: 4, activation: 'relu', padding: 'same' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], strides: [2, 2] }));
  model.add(tf.layers.conv2d({ kernelSize: 3, filters: 6, activation: 'relu' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 3).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const history = await model.fit(xs, ys, { epochs: 5, batchSize: 8, shuffle: false, verbose: 0 });
  const scores = tf.tidy(() => model.predict(xs.slice([0, 0, 0, 0], [4, 8, 8, 1])).mul(100).round().div(100));
  const out = { loss: history.history.loss, acc: history.history.acc, scores: flat(scores.arraySync()), outputShape: model.outputs[0].shape.slice(1) };
  tf.dispose([xs, ys, scores]);
  model.dispose();
  return out;
}
