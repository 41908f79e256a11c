import * as tf from '@tensorflow/tfjs';
// Data preparation and a linear model with chained tensor methods, as TF.js code writes them:
// x.sub(mean).div(std), reshape, expandDims, squeeze, asType, argMax, slice, concat, tile, where,
// topk, cumsum, and a closed-form least-squares fit from matMul and transpose.
import { uniformValues, flat } from './seeded.mjs';

export async function main() {
  const raw = tf.tensor2d(uniformValues(24, 121, 0, 10), [8, 3]);
  const { mean, variance } = tf.moments(raw, 0);
  const normalized = raw.sub(mean).div(variance.sqrt().add(1e-6));
  const target = normalized.matMul(tf.tensor2d([[1.5], [-2], [0.5]])).add(0.25);
  const design = tf.concat([normalized, tf.ones([8, 1])], 1);
  const gram = design.transpose().matMul(design);
  // Least squares by gradient steps on the normal equations (no matrix inverse needed)
  let w = tf.zeros([4, 1]);
  for (let i = 0; i < 200; i++) {
    const next = tf.tidy(() => w.sub(gram.matMul(w).sub(design.transpose().matMul(target)).mul(0.05)));
    w.dispose();
    w = next;
  }
  const rowMax = normalized.max(1).expandDims(1).squeeze([1]);
  const positives = normalized.greater(0).asType('float32').sum(0);
  const clipped = normalized.where(normalized.abs().less(1), tf.zerosLike(normalized));
  const { values: topValues, indices: topIndices } = normalized.reshape([24]).topk(3);
  const out = {
    normalized: flat(normalized.arraySync()),
    weights: flat(w.arraySync()),
    rowMax: Array.from(rowMax.dataSync()),
    positives: Array.from(positives.dataSync()),
    clipped: flat(clipped.arraySync()),
    argMax: Array.from(normalized.argMax(1).dataSync()),
    cumsum: Array.from(normalized.slice([0, 0], [3, 1]).flatten().cumsum().dataSync()),
    tiled: tf.tensor1d([1, 2]).tile([3]).arraySync(),
    top: [...topValues.dataSync(), ...topIndices.dataSync()],
    norm: normalized.norm().dataSync()[0],
    stats: [normalized.mean().dataSync()[0], normalized.min().dataSync()[0], normalized.abs().max().dataSync()[0]],
  };
  tf.dispose([raw, mean, variance, normalized, target, design, gram, w, rowMax, positives, clipped, topValues, topIndices]);
  return out;
}
