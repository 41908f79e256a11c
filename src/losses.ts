// Losses, Keras semantics: each `(yTrue, yPred) => scalar Tensor` is a per-sample value over the
// last axis, averaged over every other axis (the batch). A rank-1 input is one sample (its whole
// vector); a scalar is one sample of one value. Composite losses are built from ops, so autograd
// gives their exact gradient; the cross-entropies from logits run one fused kernel that writes
// the loss and its gradient in one pass (assembly/losses.ts).
//
// Per loss (t = yTrue, p = yPred, n = the last dimension, eps = 1e-7):
//   meanSquaredError     mean_j (p - t)^2
//   meanAbsoluteError    mean_j |p - t|
//   sumSquaredError      1/2 sum_j (p - t)^2 (the course's SSE, whose gradient step is the delta rule)
//   binaryCrossentropy   mean_j -(t log p + (1 - t) log(1 - p)), p clipped to [eps, 1 - eps]
//   categoricalCrossentropy  -sum_j t log p, p first normalised to sum to 1, then clipped (an
//                        all-zero row of p counts as p = 0, clipped: finite, not NaN as in Keras)
//   sparseCategoricalCrossentropy  the same with int32 class ids (shape [...batch] or [...batch, 1])
//   huber                mean_j 1/2 e^2 if |e| <= delta, else delta (|e| - delta/2), e = p - t
//   hinge                mean_j max(1 - t p, 0); labels in {0, 1} are first mapped to {-1, 1}
//   kld                  sum_j t log(t / p), t and p clipped to [eps, 1]
//   meanAbsolutePercentageError  100 mean_j |t - p| / max(|t|, eps)
//   meanSquaredLogarithmicError  mean_j (log(1 + max(p, eps)) - log(1 + max(t, eps)))^2
//   squaredHinge         mean_j max(1 - t p, 0)^2 (labels in {0, 1} mapped as for hinge)
//   categoricalHinge     max(max_j (1 - t) p - sum_j t p + 1, 0)
//   logcosh              mean_j log(cosh(p - t)), as e + softplus(-2 e) - log 2
//   poisson              mean_j p - t log(p + eps)
//   cosineSimilarity     -sum_j t p / (|t| |p|) over the last axis (TF.js's cosineProximity)
//   dice                 1 - (2 sum t p + eps) / (sum t + sum p + eps), per sample over every axis
//                        but the first (a sample is a whole mask); two empty masks give 0
// When p came out of softmax (last axis) or sigmoid, the cross-entropies use its logits instead
// (as Keras does), which is exact and stable but does not clip.
import { WasmgradError, fmtShape, msg } from './errors.js';
import { ownEntry } from './util/lookup.js';
import { Tensor, tidy, viewAs, sizeOf } from './tensor.js';
import { record, isRecording } from './tape.js';
import { scalar } from './creation.js';
import { softmaxCrossEntropy as softmaxXentKernel, sigmoidCrossEntropy as sigmoidXentKernel } from './engine/drivers/softmax.js';
import { unary as unaryKernel } from './engine/drivers/elementwise.js';
import { writeTensor } from './engine/drivers/copy.js';
import { checkFloat, checkTensor, newTensor } from './ops/util.js';
import { logitsOf } from './ops/logits.js';
import { isIntegral, int32ToFloat } from './ops/values-js.js';
import { scale } from './ops/unary.js';
import {
  add, sub, mul, div, maximum, minimum, squaredDifference, abs, log, square, clipByValue, sum, max, oneHot, reshape, softplus, l2Normalize,
} from './ops/index.js';

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Keras's backend epsilon: the clipping bound of probabilities. */
export const EPSILON = 1e-7;

// ---- helpers -----------------------------------------------------------------------------------

/** Samples (every axis but the last) and the per-sample length of a shape. */
function batchOf(shape: readonly number[]): { batch: number; n: number } {
  if (shape.length === 0) return { batch: 1, n: 1 };
  const n = shape[shape.length - 1];
  return { batch: n === 0 ? 0 : sizeOf(shape) / n, n };
}

const dropTrailingOnes = (s: readonly number[]) => {
  const r = s.slice();
  while (r.length && r[r.length - 1] === 1) r.pop();
  return r.join();
};

/**
 * Targets as float32: int32 ones (one-hot labels as TF.js's oneHot makes them) as a copy the caller
 * frees (temp), as TF.js's losses upcast them.
 */
function floatLabels(name: string, labels: Tensor, arg = 'labels'): { t: Tensor; temp: boolean } {
  if (isIntegral(labels)) return { t: int32ToFloat(checkTensor(labels, name, arg)), temp: true };
  return { t: checkFloat(labels, name, arg), temp: false };
}

/** yTrue in yPred's shape: equal shapes, or shapes differing by trailing 1s ([B] vs [B, 1]). */
function matchShapes(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  checkFloat(yPred, name, 'yPred');
  const { t } = floatLabels(name, yTrue, 'yTrue'); // the callers run in tidy, which frees a copy
  if (t.shape.join() === yPred.shape.join()) return t;
  if (dropTrailingOnes(t.shape) === dropTrailingOnes(yPred.shape)) return reshape(t, yPred.shape);
  throw new WasmgradError(msg`${name}: yTrue ${fmtShape(yTrue.shape)} and yPred ${fmtShape(yPred.shape)} must have the same shape`);
}

/** The loss of an empty batch: 0, as Keras's sum over batch size. */
function emptyLoss(): Tensor {
  return scalar(0);
}

/** sum(x) * k as one scalar (sum over every element, then a scale): the batch mean of composites. */
function scaledSum(x: Tensor, k: number): Tensor {
  return scale(sum(x), k);
}

/** A composite per-element loss k f(t, p) averaged over every element (the batch mean of the per-sample means). */
function elementMean(name: string, yTrue: Tensor, yPred: Tensor, f: (t: Tensor, p: Tensor) => Tensor, k = 1): Tensor {
  return tidy(() => {
    const t = matchShapes(name, yTrue, yPred);
    if (yPred.size === 0) return emptyLoss();
    return scaledSum(f(t, yPred), k / yPred.size);
  });
}

/** A composite per-sample loss k f(t, p) (summed over the last axis) averaged over the batch. */
function sampleMean(name: string, yTrue: Tensor, yPred: Tensor, f: (t: Tensor, p: Tensor) => Tensor, k = 1): Tensor {
  return tidy(() => {
    const t = matchShapes(name, yTrue, yPred);
    if (yPred.size === 0) return emptyLoss();
    return scaledSum(f(t, yPred), k / batchOf(yPred.shape).batch);
  });
}

// ---- regression losses ---------------------------------------------------------------------------

export const meanSquaredError = (yTrue: Tensor, yPred: Tensor): Tensor =>
  elementMean('meanSquaredError', yTrue, yPred, (t, p) => squaredDifference(p, t));

export const meanAbsoluteError = (yTrue: Tensor, yPred: Tensor): Tensor =>
  elementMean('meanAbsoluteError', yTrue, yPred, (t, p) => abs(sub(p, t)));

/** 1/2 sum over the last axis of (p - t)^2, averaged over the batch. */
export const sumSquaredError = (yTrue: Tensor, yPred: Tensor): Tensor =>
  sampleMean('sumSquaredError', yTrue, yPred, (t, p) => squaredDifference(p, t), 0.5);

export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  if (typeof delta !== 'number' || !(delta > 0)) throw new WasmgradError(msg`huber: delta must be a number > 0, got ${delta}`);
  return elementMean('huber', yTrue, yPred, (t, p) => {
    // quadratic part q = min(|e|, delta), linear part |e| - q: 1/2 q^2 + delta (|e| - q)
    const a = abs(sub(p, t));
    const q = minimum(a, delta);
    return add(scale(square(q), 0.5), scale(sub(a, q), delta));
  });
}

/** True when every value of t is 0 or 1 (then hinge maps the labels to -1 and 1, as Keras). */
function isBinary(t: Tensor): boolean {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (v[i] !== 0 && v[i] !== 1) return false;
  return true;
}

/** mean_j max(1 - t p, 0) (squared: its square), labels all 0 or 1 first mapped to -1 and 1 (Keras). */
function hingeLoss(name: string, yTrue: Tensor, yPred: Tensor, squared: boolean): Tensor {
  return elementMean(name, yTrue, yPred, (t, p) => {
    const m = maximum(scale(mul(isBinary(t) ? scale(t, 2, -1) : t, p), -1, 1), 0);
    return squared ? square(m) : m;
  });
}
export const hinge = (yTrue: Tensor, yPred: Tensor): Tensor => hingeLoss('hinge', yTrue, yPred, false);
export const squaredHinge = (yTrue: Tensor, yPred: Tensor): Tensor => hingeLoss('squaredHinge', yTrue, yPred, true);

/** Kullback-Leibler divergence sum t log(t / p), both clipped to [eps, 1]. */
export const kld = (yTrue: Tensor, yPred: Tensor): Tensor =>
  sampleMean('kld', yTrue, yPred, (t0, p0) => {
    const t = clipByValue(t0, EPSILON, 1);
    return mul(t, log(div(t, clipByValue(p0, EPSILON, 1))));
  });

export const meanAbsolutePercentageError = (yTrue: Tensor, yPred: Tensor): Tensor =>
  elementMean('meanAbsolutePercentageError', yTrue, yPred, (t, p) => div(abs(sub(t, p)), maximum(abs(t), EPSILON)), 100);

export const meanSquaredLogarithmicError = (yTrue: Tensor, yPred: Tensor): Tensor =>
  elementMean('meanSquaredLogarithmicError', yTrue, yPred, (t, p) => squaredDifference(log(add(maximum(p, EPSILON), 1)), log(add(maximum(t, EPSILON), 1))));

export const categoricalHinge = (yTrue: Tensor, yPred: Tensor): Tensor =>
  sampleMean('categoricalHinge', yTrue, yPred, (t, p) => maximum(add(sub(max(mul(scale(t, -1, 1), p), -1), sum(mul(t, p), -1)), 1), 0));

export const logcosh = (yTrue: Tensor, yPred: Tensor): Tensor =>
  elementMean('logcosh', yTrue, yPred, (t, p) => {
    const e = sub(p, t);
    return scale(add(e, softplus(scale(e, -2))), 1, -Math.LN2);
  });

export const poisson = (yTrue: Tensor, yPred: Tensor): Tensor =>
  elementMean('poisson', yTrue, yPred, (t, p) => sub(p, mul(t, log(add(p, EPSILON)))));

export const cosineSimilarity = (yTrue: Tensor, yPred: Tensor): Tensor =>
  sampleMean('cosineSimilarity', yTrue, yPred, (t, p) => scale(sum(mul(l2Normalize(t, -1), l2Normalize(p, -1)), -1), -1));

/** Soft Dice loss 1 - (2 sum t p + eps) / (sum t + sum p + eps) per sample (all axes but the first). */
export function dice(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const t = matchShapes('dice', yTrue, yPred);
    const samples = yPred.rank <= 1 ? 1 : yPred.shape[0];
    if (yPred.size === 0) return emptyLoss();
    const shape = [samples, yPred.size / samples];
    const t2 = reshape(t, shape), p2 = reshape(yPred, shape);
    const inter = sum(mul(t2, p2), 1);
    const total = add(sum(t2, 1), sum(p2, 1));
    const d = div(scale(inter, 2, EPSILON), scale(total, 1, EPSILON));
    return scale(sum(d), -1 / samples, 1);
  });
}

// ---- cross-entropies -----------------------------------------------------------------------------

/**
 * dy * g; when dy is 1 (the usual seed of a scalar loss) a view of g, made now, in the backward
 * pass's scope: no extra pass, and g itself may go when the tape lets go of it.
 */
function timesSeed(g: Tensor, dy: Tensor): Tensor {
  const d = dy.dataSync()[0];
  if (d === 1) return viewAs(g, g.shape);
  const out = newTensor(g.shape);
  unaryKernel('affine', g, out, d, 0);
  return out;
}

/**
 * The fused op: records the loss with its gradient (computed in the forward pass) as a node
 * input, so the tape holds it until the backward pass; freed at once when nothing records.
 */
function recordFused(name: string, logits: Tensor, labels: Tensor, out: Tensor, grad: Tensor | null): Tensor {
  if (!grad) return out;
  record(name, [logits, labels, grad], out, ([dy]) => [timesSeed(grad, dy), null, null]);
  if (grad.holds === 0) grad.dispose();
  return out;
}

function checkLogits(name: string, logits: Tensor): { rows: number; n: number } {
  checkFloat(logits, name, 'logits');
  if (logits.rank === 0) throw new WasmgradError(msg`${name}: logits must have rank >= 1 (classes on the last axis), got a scalar`);
  const { batch, n } = batchOf(logits.shape);
  return { rows: batch, n };
}

/** Class ids as int32 [rows] (from int32, or from float32 holding whole numbers), checked in [0, n). */
function sparseLabels(name: string, labels: Tensor, logits: Tensor, rows: number, n: number): { ids: Tensor; temp: boolean } {
  checkTensor(labels, name, 'labels');
  const lead = logits.shape.slice(0, -1);
  const ok = labels.size === rows && (labels.shape.join() === lead.join() || labels.shape.join() === [...lead, 1].join());
  if (!ok) throw new WasmgradError(msg`${name}: labels ${fmtShape(labels.shape)} must have shape ${fmtShape(lead)} (class ids) for logits ${fmtShape(logits.shape)}`);
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const c = values[i];
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new WasmgradError(msg`${name}: label ${c} at index ${i} is not a class id in [0, ${n})`);
    }
  }
  if (labels.dtype === 'int32') return { ids: labels, temp: false };
  const ids = newTensor([rows], 'int32');
  writeTensor(ids, values);
  return { ids, temp: true };
}

function softmaxXent(name: string, labels: Tensor, logits: Tensor, sparse: boolean): Tensor {
  const { rows, n } = checkLogits(name, logits);
  let lab = labels;
  let temp = false;
  if (sparse) ({ ids: lab, temp } = sparseLabels(name, labels, logits, rows, n));
  else {
    ({ t: lab, temp } = floatLabels(name, labels));
    if (labels.shape.join() !== logits.shape.join()) {
      if (temp) lab.dispose();
      throw new WasmgradError(msg`${name}: labels ${fmtShape(labels.shape)} and logits ${fmtShape(logits.shape)} must have the same shape`);
    }
  }
  try {
    if (rows === 0 || n === 0) return emptyLoss();
    const grad = isRecording() ? newTensor(logits.shape) : null;
    const value = softmaxXentKernel(logits, lab, sparse, grad, 1 / rows, name) / rows;
    // the gradient flows to the logits only (labels get none, as tf.losses.softmaxCrossEntropy)
    return recordFused(name, logits, labels, scalar(value), grad);
  } finally {
    if (temp) lab.dispose();
  }
}

/** Softmax cross-entropy from logits: -sum_j t_j log softmax(z)_j per row, mean over rows (tf.losses). */
export function softmaxCrossEntropy(labels: Tensor, logits: Tensor): Tensor {
  return softmaxXent('softmaxCrossEntropy', labels, logits, false);
}

/** Softmax cross-entropy from logits with class ids (int32) instead of one-hot labels. */
export function sparseSoftmaxCrossEntropy(labels: Tensor, logits: Tensor): Tensor {
  return softmaxXent('sparseSoftmaxCrossEntropy', labels, logits, true);
}

/** Sigmoid cross-entropy from logits: max(z, 0) - z t + log(1 + e^-|z|), mean over every element. */
export function sigmoidCrossEntropy(labels: Tensor, logits: Tensor): Tensor {
  const name = 'sigmoidCrossEntropy';
  checkFloat(logits, name, 'logits');
  const { t, temp } = floatLabels(name, labels);
  try {
    if (labels.shape.join() !== logits.shape.join()) {
      throw new WasmgradError(msg`${name}: labels ${fmtShape(labels.shape)} and logits ${fmtShape(logits.shape)} must have the same shape`);
    }
    const size = logits.size;
    if (size === 0) return emptyLoss();
    const grad = isRecording() ? newTensor(logits.shape) : null;
    const total = sigmoidXentKernel(logits, t, grad, 1 / size, name);
    return recordFused(name, logits, labels, scalar(total / size), grad);
  } finally {
    if (temp) t.dispose();
  }
}

export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const name = 'binaryCrossentropy';
  return tidy(() => {
    const t = matchShapes(name, yTrue, yPred);
    const logits = fromLogits ? yPred : logitsOf(yPred, 'sigmoid');
    if (logits) return sigmoidCrossEntropy(t, logits);
    if (yPred.size === 0) return emptyLoss();
    const p = clipByValue(yPred, EPSILON, 1 - EPSILON);
    // t log p + (1 - t) log(1 - p)
    const ll = add(mul(t, log(p)), mul(scale(t, -1, 1), log(scale(p, -1, 1))));
    return scaledSum(ll, -1 / yPred.size);
  });
}

/**
 * -sum t log(clip(p / sum p)) over the last axis, mean over the batch. An all-zero row of p
 * predicts nothing: its sum is taken as 1e-30 (not 0, which would give NaN), so p stays 0 and is
 * clipped to eps, a finite loss with a zero gradient.
 */
function categoricalFromProbs(t: Tensor, yPred: Tensor): Tensor {
  const { batch } = batchOf(yPred.shape);
  const p = clipByValue(div(yPred, maximum(sum(yPred, -1, true), 1e-30)), EPSILON, 1 - EPSILON);
  return scaledSum(mul(t, log(p)), -1 / batch);
}

export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const name = 'categoricalCrossentropy';
  return tidy(() => {
    const t = matchShapes(name, yTrue, yPred);
    if (yPred.rank === 0) throw new WasmgradError(msg`${name}: yPred must have rank >= 1 (classes on the last axis), got a scalar`);
    const logits = fromLogits ? yPred : logitsOf(yPred, 'softmax');
    if (logits) return softmaxXent(name, t, logits, false);
    if (yPred.size === 0) return emptyLoss();
    return categoricalFromProbs(t, yPred);
  });
}

/** Categorical cross-entropy with int32 class ids yTrue ([...batch] or [...batch, 1]). */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const name = 'sparseCategoricalCrossentropy';
  return tidy(() => {
    const { rows, n } = checkLogits(name, yPred);
    const logits = fromLogits ? yPred : logitsOf(yPred, 'softmax');
    if (logits) return softmaxXent(name, yTrue, logits, true);
    if (yPred.size === 0) return emptyLoss();
    const { ids } = sparseLabels(name, yTrue, yPred, rows, n);
    const t = reshape(oneHot(reshape(ids, [rows]), n), yPred.shape);
    return categoricalFromProbs(t, yPred);
  });
}

// ---- lookup by name --------------------------------------------------------------------------------

/** The losses by canonical name. */
export const LOSSES = {
  meanSquaredError, meanAbsoluteError, sumSquaredError, binaryCrossentropy, categoricalCrossentropy,
  sparseCategoricalCrossentropy, huber, hinge, kld, dice, softmaxCrossEntropy, sparseSoftmaxCrossEntropy, sigmoidCrossEntropy,
  meanAbsolutePercentageError, meanSquaredLogarithmicError, squaredHinge, categoricalHinge, logcosh, poisson, cosineSimilarity,
} as const;
export type LossName = keyof typeof LOSSES;

// Keras, TensorFlow.js and PyTorch spellings; keys are compared lower-case without '_'.
const ALIASES: Record<string, LossName> = {
  mse: 'meanSquaredError', meansquarederror: 'meanSquaredError', mseloss: 'meanSquaredError',
  mae: 'meanAbsoluteError', meanabsoluteerror: 'meanAbsoluteError', l1loss: 'meanAbsoluteError',
  sse: 'sumSquaredError', sumsquarederror: 'sumSquaredError', sumofsquarederrors: 'sumSquaredError',
  binarycrossentropy: 'binaryCrossentropy', bce: 'binaryCrossentropy', logloss: 'binaryCrossentropy',
  categoricalcrossentropy: 'categoricalCrossentropy', cce: 'categoricalCrossentropy',
  sparsecategoricalcrossentropy: 'sparseCategoricalCrossentropy',
  huber: 'huber', huberloss: 'huber',
  hinge: 'hinge',
  kld: 'kld', kldivergence: 'kld', kullbackleiblerdivergence: 'kld', kl: 'kld',
  dice: 'dice', diceloss: 'dice',
  softmaxcrossentropy: 'softmaxCrossEntropy', sparsesoftmaxcrossentropy: 'sparseSoftmaxCrossEntropy',
  sigmoidcrossentropy: 'sigmoidCrossEntropy',
  mape: 'meanAbsolutePercentageError', meanabsolutepercentageerror: 'meanAbsolutePercentageError',
  msle: 'meanSquaredLogarithmicError', meansquaredlogarithmicerror: 'meanSquaredLogarithmicError',
  squaredhinge: 'squaredHinge', categoricalhinge: 'categoricalHinge', logcosh: 'logcosh',
  poisson: 'poisson',
  cosinesimilarity: 'cosineSimilarity', cosineproximity: 'cosineSimilarity', cosine: 'cosineSimilarity',
};

/**
 * A loss by name ('meanSquaredError', 'mse', 'mean_squared_error', 'categorical_crossentropy',
 * 'sparseCategoricalCrossentropy', ...) or the function itself, for model.compile.
 */
export function getLoss(name: string | LossFn): LossFn {
  if (typeof name === 'function') return name;
  if (typeof name !== 'string') throw new WasmgradError(msg`getLoss: expected a loss name or function, got ${typeof name}`);
  const key = ownEntry(ALIASES, name.toLowerCase().replace(/_/g, ''));
  if (!key) throw new WasmgradError(msg`unknown loss '${name}'; expected one of ${Object.keys(LOSSES).join(', ')} (or their Keras snake_case names)`);
  return LOSSES[key] as LossFn;
}

/** The canonical name of a loss function of this module, or undefined (for saving a compiled model). */
export function lossName(fn: LossFn): LossName | undefined {
  for (const [k, f] of Object.entries(LOSSES)) if (f === fn) return k as LossName;
  return undefined;
}
