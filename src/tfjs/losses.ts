// tf.losses.*: TensorFlow.js's loss functions, in its argument order (labels first) with its
// weights and reductions (default SUM_BY_NONZERO_WEIGHTS: the weighted sum over the count of
// non-zero weights). Composed of ops, so their gradients come from composition.
import { WasmgradError, msg } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { add, sub, mul, div, maximum, minimum } from '../ops/binary.js';
import { abs, square, log, log1p, exp, neg, relu } from '../ops/unary.js';
import { sum, mean } from '../ops/reduce.js';
import { logSoftmax } from '../ops/softmax.js';
import { notEqual } from '../ops/compare.js';
import { fromFlat } from '../creation.js';
import { checkTensor } from '../ops/util.js';

export enum Reduction {
  NONE = 0,
  MEAN = 1,
  SUM = 2,
  SUM_BY_NONZERO_WEIGHTS = 3,
}

type Weights = Tensor | number | undefined | null;

/** Weights the per-element losses and reduces them as TF.js does. */
export function computeWeightedLoss(losses: Tensor, weights?: Weights, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  checkTensor(losses, 'computeWeightedLoss', 'losses');
  if (!(reduction in Reduction)) throw new WasmgradError(msg`losses: unknown reduction ${String(reduction)}`);
  return tidy(() => {
    const w = weights ?? null;
    const weighted = w === null ? losses : mul(losses, w);
    if (reduction === Reduction.NONE) return weighted;
    if (reduction === Reduction.SUM) return sum(weighted);
    if (reduction === Reduction.MEAN) {
      if (w === null) return mean(weighted);
      const total = typeof w === 'number' ? w * losses.size : sum(mul(w, fromFlat(new Float32Array(losses.size).fill(1), losses.shape, 'float32')));
      return div(sum(weighted), total);
    }
    if (w === null) return div(sum(weighted), losses.size);
    if (typeof w === 'number') return div(sum(weighted), w === 0 ? 1 : losses.size);
    const count = sum(mul(notEqual(w, 0), fromFlat(new Float32Array(losses.size).fill(1), losses.shape, 'float32')));
    return div(sum(weighted), maximum(count, 1e-30));
  });
}

export const absoluteDifference = (labels: Tensor, predictions: Tensor, weights?: Weights, reduction?: Reduction) =>
  tidy(() => computeWeightedLoss(abs(sub(labels, predictions)), weights, reduction));

export const meanSquaredError = (labels: Tensor, predictions: Tensor, weights?: Weights, reduction?: Reduction) =>
  tidy(() => computeWeightedLoss(square(sub(labels, predictions)), weights, reduction));

export function huberLoss(labels: Tensor, predictions: Tensor, weights?: Weights, delta = 1, reduction?: Reduction): Tensor {
  return tidy(() => {
    const err = abs(sub(labels, predictions));
    const quad = minimum(err, delta);
    const lin = sub(err, quad);
    return computeWeightedLoss(add(mul(square(quad), 0.5), mul(lin, delta)), weights, reduction);
  });
}

/** Hinge loss with labels in {0, 1} (mapped to {-1, 1}), as TF.js. */
export const hingeLoss = (labels: Tensor, predictions: Tensor, weights?: Weights, reduction?: Reduction) =>
  tidy(() => computeWeightedLoss(relu(sub(1, mul(sub(mul(labels, 2), 1), predictions))), weights, reduction));

export function logLoss(labels: Tensor, predictions: Tensor, weights?: Weights, epsilon = 1e-7, reduction?: Reduction): Tensor {
  return tidy(() => {
    const l = neg(add(mul(labels, log(add(predictions, epsilon))), mul(sub(1, labels), log(add(sub(1, predictions), epsilon)))));
    return computeWeightedLoss(l, weights, reduction);
  });
}

export function cosineDistance(labels: Tensor, predictions: Tensor, axis: number, weights?: Weights, reduction?: Reduction): Tensor {
  return tidy(() => computeWeightedLoss(sub(1, sum(mul(labels, predictions), axis, true)), weights, reduction));
}

/** Softmax cross-entropy of logits against one-hot (or soft) labels, with label smoothing. */
export function softmaxCrossEntropy(onehotLabels: Tensor, logits: Tensor, weights?: Weights, labelSmoothing = 0, reduction?: Reduction): Tensor {
  return tidy(() => {
    const n = logits.shape[logits.rank - 1];
    const y = labelSmoothing > 0 ? add(mul(onehotLabels, 1 - labelSmoothing), labelSmoothing / n) : onehotLabels;
    const perExample = neg(sum(mul(y, logSoftmax(logits, -1)), -1));
    return computeWeightedLoss(perExample, weights, reduction);
  });
}

/** Sigmoid cross-entropy of logits, computed stably: max(z, 0) - z y + log(1 + exp(-|z|)). */
export function sigmoidCrossEntropy(multiClassLabels: Tensor, logits: Tensor, weights?: Weights, labelSmoothing = 0, reduction?: Reduction): Tensor {
  return tidy(() => {
    const y = labelSmoothing > 0 ? add(mul(multiClassLabels, 1 - labelSmoothing), 0.5 * labelSmoothing) : multiClassLabels;
    const l = add(sub(relu(logits), mul(logits, y)), log1p(exp(neg(abs(logits)))));
    return computeWeightedLoss(l, weights, reduction);
  });
}
