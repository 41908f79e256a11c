import * as tf from '@tensorflow/tfjs';
// Fitting a cubic with the core API, as the classic TF.js curve-fitting tutorial does: scalar
// variables, a predict function of ops, tf.train.sgd(...).minimize with the returned cost, then
// tf.grads / tf.grad / tf.valueAndGrads on a function of two tensors.
import { uniformValues } from './seeded.mjs';

export async function main() {
  const xsArr = uniformValues(30, 81, -1, 1);
  const ysArr = xsArr.map((x, i) => -0.8 * x ** 3 + 0.2 * x ** 2 + 0.9 * x + 0.5 + 0.05 * Math.sin(i));
  const xs = tf.tensor1d(xsArr);
  const ys = tf.tensor1d(ysArr);
  const [a, b, c, d] = [0.1, -0.2, 0.3, 0.05].map((v) => tf.variable(tf.scalar(v)));
  const predict = (x) => tf.tidy(() => a.mul(x.pow(tf.scalar(3))).add(b.mul(x.square())).add(c.mul(x)).add(d));
  const loss = (pred, labels) => pred.sub(labels).square().mean();

  const optimizer = tf.train.sgd(0.3);
  const losses = [];
  for (let i = 0; i < 25; i++) {
    const cost = optimizer.minimize(() => loss(predict(xs), ys), true, [a, b, c, d]);
    losses.push(cost.dataSync()[0]);
    cost.dispose();
  }
  const coefficients = [a, b, c, d].map((v) => v.dataSync()[0]);

  const f = (p, q) => p.mul(q).add(p.square()).sum();
  const [dp, dq] = tf.grads(f)([tf.tensor1d([1, 2, 3]), tf.tensor1d([-1, 0.5, 2])]);
  const g = tf.grad((x) => x.sin().mul(x))(tf.tensor1d([0.5, 1.5]));
  const { value, grads } = tf.valueAndGrads((p, q) => p.div(q).sum())([tf.tensor1d([2, 4]), tf.tensor1d([1, 8])]);
  const out = {
    losses,
    coefficients,
    dp: Array.from(dp.dataSync()),
    dq: Array.from(dq.dataSync()),
    g: Array.from(g.dataSync()),
    value: value.dataSync()[0],
    valueGrads: grads.flatMap((t) => Array.from(t.dataSync())),
  };
  tf.dispose([xs, ys, a, b, c, d, dp, dq, g, value, grads]);
  optimizer.dispose();
  return out;
}
