import * as tf from '@tensorflow/tfjs';
// A GRU with TF.js's defaults (hard-sigmoid gates, reset before the recurrent product) predicting
// the next value of a noisy sine wave from a window; trained with tf.train.rmsprop and MSE.
import { uniformValues, weightValues, flat } from './seeded.mjs';

function windows(count, width) {
  const noise = uniformValues(count + width + 1, 51, -0.05, 0.05);
  const series = noise.map((e, t) => Math.sin(t * 0.4) + e);
  const xs = [];
  const ys = [];
  for (let i = 0; i < count; i++) {
    xs.push(series.slice(i, i + width).map((v) => [v]));
    ys.push([series[i + width]]);
  }
  return [tf.tensor3d(xs, [count, width, 1]), tf.tensor2d(ys, [count, 1])];
}

export async function main() {
  const [x, y] = windows(20, 5);
  const model = tf.sequential();
  model.add(tf.layers.gru({ units: 4, inputShape: [5, 1] }));
  model.add(tf.layers.dense({ units: 1 }));
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 6, 1).map((v, i) => tf.tensor(v, shapes[i])));
  model.compile({ optimizer: tf.train.rmsprop(0.02, 0.9, 0.1), loss: 'meanSquaredError' });
  const history = await model.fit(x, y, { epochs: 6, batchSize: 5, shuffle: false, verbose: 0 });
  const forecast = model.predict(x.slice([15, 0, 0], [5, 5, 1]));
  const out = { loss: history.history.loss, forecast: flat(forecast.arraySync()), outputShape: model.outputs[0].shape };
  tf.dispose([x, y, forecast]);
  model.dispose();
  return out;
}
