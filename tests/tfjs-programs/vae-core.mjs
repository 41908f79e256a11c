import * as tf from '@tensorflow/tfjs';
// A small variational autoencoder written with the core API: weights as tf.variable, the
// encoder and decoder as tf.matMul / tf.add, the reparameterisation with noise drawn once in plain
// JavaScript (so both libraries see the same samples), tf.train.adam().minimize, then decoding.
import { uniformValues, weightValues, flat } from './seeded.mjs';

const INPUT = 6, HIDDEN = 5, LATENT = 2, N = 16;

function data() {
  const v = uniformValues(N * 2, 61, -1, 1);
  const rows = [];
  for (let i = 0; i < N; i++) {
    const a = v[2 * i], b = v[2 * i + 1];
    rows.push([a, b, a + b, a - b, a * b, 0.5 * a]);
  }
  return tf.tensor2d(rows);
}

export async function main() {
  const x = data();
  const shapes = [[INPUT, HIDDEN], [HIDDEN], [HIDDEN, 2 * LATENT], [2 * LATENT], [LATENT, HIDDEN], [HIDDEN], [HIDDEN, INPUT], [INPUT]];
  const [w1, b1, w2, b2, w3, b3, w4, b4] = weightValues(shapes, 8, 1).map((v, i) => tf.variable(tf.tensor(v, shapes[i])));
  const noise = tf.tensor2d(uniformValues(N * LATENT, 62, -1.5, 1.5), [N, LATENT]);

  const encode = (input) => tf.tidy(() => {
    const h = tf.relu(tf.add(tf.matMul(input, w1), b1));
    const stats = tf.add(tf.matMul(h, w2), b2);
    return tf.split(stats, 2, 1);
  });
  const decode = (z) => tf.tanh(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(z, w3), b3)), w4), b4)).mul(2);

  const optimizer = tf.train.adam(0.02);
  const losses = [];
  for (let step = 0; step < 10; step++) {
    const cost = optimizer.minimize(() => {
      const [mean, logVar] = encode(x);
      const z = mean.add(tf.exp(logVar.mul(0.5)).mul(noise));
      const reconstruction = tf.losses.meanSquaredError(x, decode(z));
      const kl = tf.mean(tf.sum(tf.exp(logVar).add(tf.square(mean)).sub(logVar).sub(1), -1)).mul(0.5);
      return reconstruction.add(kl.mul(0.01));
    }, true);
    losses.push(cost.dataSync()[0]);
    cost.dispose();
  }
  const grid = tf.tensor2d([[-1, -1], [0, 0], [1, 0.5]]);
  const decoded = tf.tidy(() => decode(grid));
  const [mean] = encode(x.slice([0, 0], [2, INPUT]));
  const out = { losses, decoded: flat(decoded.arraySync()), latentMean: flat(mean.arraySync()) };
  tf.dispose([x, noise, grid, decoded, mean, w1, b1, w2, b2, w3, b3, w4, b4]);
  optimizer.dispose();
  return out;
}
