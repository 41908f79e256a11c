// tf.metrics.*: as TensorFlow.js returns them: accuracies, errors and cross-entropies per example
// (shape [batch]); precision, recall and r2Score as scalars.
import { Tensor, tidy } from '../tensor.js';
import { add, sub, mul, div, maximum, equal } from '../ops/binary.js';
import { abs, square, log, neg, clipByValue } from '../ops/unary.js';
import { sum, mean, argMax } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { greater } from '../ops/compare.js';
import { cast, l2Normalize } from '../ops/arrange.js';

const EPS = 1e-7;

export const binaryAccuracy = (yTrue: Tensor, yPred: Tensor) => tidy(() => mean(equal(yTrue, greater(yPred, 0.5)), -1));
/** 1 where a == b, else 0, as float32 (an accuracy, not a bool). */
const hits = (a: Tensor, b: Tensor | number) => cast(equal(a, b), 'float32');
export const categoricalAccuracy = (yTrue: Tensor, yPred: Tensor) => tidy(() => hits(argMax(yTrue, -1), argMax(yPred, -1)));
export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const labels = yTrue.rank === yPred.rank ? reshape(yTrue, yTrue.shape.slice(0, -1)) : yTrue;
    return hits(cast(labels, 'float32'), cast(argMax(yPred, -1), 'float32'));
  });
}

/**
 * TF.js counts a prediction as positive only where it equals 1 and as negative where it equals 0
 * (no 0.5 threshold: precision and recall expect predictions already made binary).
 */
function counts(yTrue: Tensor, yPred: Tensor) {
  const truth = hits(yTrue, 1), predictedOne = hits(yPred, 1);
  return {
    tp: sum(mul(truth, predictedOne)),
    fp: sum(mul(hits(yTrue, 0), predictedOne)),
    fn: sum(mul(truth, hits(yPred, 0))),
  };
}
/** tp / denominator, 0 where the denominator is 0 (as TF.js). */
const ratioOrZero = (tp: Tensor, denominator: Tensor) => div(tp, maximum(denominator, 1));
export const precision = (yTrue: Tensor, yPred: Tensor) => tidy(() => {
  const { tp, fp } = counts(yTrue, yPred);
  return ratioOrZero(tp, add(tp, fp));
});
export const recall = (yTrue: Tensor, yPred: Tensor) => tidy(() => {
  const { tp, fn } = counts(yTrue, yPred);
  return ratioOrZero(tp, add(tp, fn));
});

export const meanSquaredError = (yTrue: Tensor, yPred: Tensor) => tidy(() => mean(square(sub(yTrue, yPred)), -1));
export const meanAbsoluteError = (yTrue: Tensor, yPred: Tensor) => tidy(() => mean(abs(sub(yTrue, yPred)), -1));
export const meanAbsolutePercentageError = (yTrue: Tensor, yPred: Tensor) =>
  tidy(() => mul(mean(abs(div(sub(yTrue, yPred), maximum(abs(yTrue), EPS))), -1), 100));
export const cosineProximity = (yTrue: Tensor, yPred: Tensor) => tidy(() => neg(sum(mul(l2Normalize(yTrue, -1), l2Normalize(yPred, -1)), -1)));

export const binaryCrossentropy = (yTrue: Tensor, yPred: Tensor) => tidy(() => {
  const p = clipByValue(yPred, EPS, 1 - EPS);
  return mean(neg(add(mul(yTrue, log(p)), mul(sub(1, yTrue), log(sub(1, p))))), -1);
});
export const categoricalCrossentropy = (yTrue: Tensor, yPred: Tensor) => tidy(() => {
  const p = clipByValue(div(yPred, sum(yPred, -1, true)), EPS, 1 - EPS);
  return neg(sum(mul(yTrue, log(p)), -1));
});
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const n = yPred.shape[yPred.rank - 1];
    const labels = cast(reshape(yTrue, [yTrue.size]), 'int32');
    const onehot = reshape(labels.oneHot(n), yPred.shape);
    return categoricalCrossentropy(onehot, yPred);
  });
}

export function r2Score(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const ssRes = sum(square(sub(yTrue, yPred)));
    const ssTot = sum(square(sub(yTrue, mean(yTrue))));
    return sub(1, div(ssRes, maximum(ssTot, EPS)));
  });
}

export const MSE = meanSquaredError, mse = meanSquaredError, MAE = meanAbsoluteError, mae = meanAbsoluteError;
export const MAPE = meanAbsolutePercentageError, mape = meanAbsolutePercentageError;
