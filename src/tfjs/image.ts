// tf.image.* beyond resizing, and tf.math.confusionMatrix, as TensorFlow.js 4.22 computes them:
// flips and colour conversions composed of ops (differentiable); cropAndResize, threshold and
// non-max suppression computed in JavaScript on the values (index and detection ops, no gradient).
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor as makeTensor, fromFlat, hostArray } from '../creation.js';
import * as ops from '../ops/index.js';
import { checkTensor } from '../ops/util.js';
import { transform, rotateWithOffset } from './image-geometry.js';

// TF.js's weights, as float32 scalars
const GRAY = [0.2989, 0.587, 0.114].map(Math.fround);

function checkImage(op: string, image: Tensor, rank: number | null, name = 'image'): Tensor {
  checkTensor(image, op, name);
  if (rank !== null && image.rank !== rank) throw new WasmgradError(msg`${op}: ${name} must be rank ${rank}, got ${fmtShape(image.shape)}`);
  return image;
}

/** Images [B, H, W, C] mirrored left to right. */
export function flipLeftRight(image: Tensor): Tensor {
  return ops.reverse(checkImage('flipLeftRight', image, 4), 2);
}

/** RGB [..., 3] to grayscale [..., 1] (0.2989 R + 0.587 G + 0.114 B), in the input's dtype. */
export function rgbToGrayscale(image: Tensor): Tensor {
  checkImage('rgbToGrayscale', image, null);
  if (image.rank < 2 || image.shape[image.rank - 1] !== 3) throw new WasmgradError(msg`rgbToGrayscale: image must be rank >= 2 with 3 channels last, got ${fmtShape(image.shape)}`);
  return tidy(() => {
    const x = image.dtype === 'float32' ? image : ops.cast(image, 'float32');
    const gray = ops.matMul(ops.reshape(x, [x.size / 3, 3]), ops.reshape(makeTensor(GRAY), [3, 1]));
    const out = ops.reshape(gray, [...image.shape.slice(0, -1), 1]);
    return image.dtype === 'float32' ? out : ops.cast(out, image.dtype);
  });
}

/** Grayscale [..., 1] to RGB [..., 3] (the channel repeated). */
export function grayscaleToRGB(image: Tensor): Tensor {
  checkImage('grayscaleToRGB', image, null);
  if (image.rank < 2 || image.shape[image.rank - 1] !== 1) throw new WasmgradError(msg`grayscaleToRGB: image must be rank >= 2 with 1 channel last, got ${fmtShape(image.shape)}`);
  return ops.tile(image, [...image.shape.slice(0, -1).map(() => 1), 3]);
}

/**
 * Crops of image [B, H, W, C] at boxes [N, 4] (y1, x1, y2, x2, normalized: 0 and 1 are the first
 * and last pixel) of images boxInd [N], each resized to cropSize [h, w] by bilinear or nearest
 * sampling; samples outside the image take extrapolationValue. [N, h, w, C] float32.
 */
export function cropAndResize(
  image: Tensor, boxes: Tensor, boxInd: Tensor, cropSize: [number, number], method: 'bilinear' | 'nearest' = 'bilinear', extrapolationValue = 0,
): Tensor {
  const op = 'cropAndResize';
  checkImage(op, image, 4);
  checkImage(op, boxes, 2, 'boxes');
  checkImage(op, boxInd, 1, 'boxInd');
  const [B, H, W, C] = image.shape;
  const N = boxes.shape[0];
  if (boxes.shape[1] !== 4 || boxInd.shape[0] !== N) throw new WasmgradError(msg`${op}: boxes must be [N, 4] and boxInd [N], got ${fmtShape(boxes.shape)} and ${fmtShape(boxInd.shape)}`);
  if (boxInd.dtype !== 'int32') throw new WasmgradError(msg`${op}: boxInd must be int32, got ${boxInd.dtype}`);
  if (!Array.isArray(cropSize) || cropSize.length !== 2 || !cropSize.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new WasmgradError(msg`${op}: cropSize must be [height, width] of whole numbers >= 1, got ${jsonOf(cropSize)}`);
  }
  if (method !== 'bilinear' && method !== 'nearest') throw new WasmgradError(msg`${op}: method must be 'bilinear' or 'nearest', got ${method}`);
  const [h, w] = cropSize;
  if (N * h * w * C > 2 ** 30) throw new WasmgradError(msg`${op}: ${N} crops of ${h}x${w}x${C} are more than 2^30 values`);
  const x = image.dataSync(), bx = boxes.dataSync(), bi = boxInd.dataSync();
  const out = new Float32Array(N * h * w * C).fill(extrapolationValue);
  const at = (b: number, y: number, xx: number, c: number) => x[((b * H + y) * W + xx) * C + c];
  for (let n = 0; n < N; n++) {
    const [y1, x1, y2, x2] = [bx[4 * n], bx[4 * n + 1], bx[4 * n + 2], bx[4 * n + 3]];
    const b = bi[n];
    if (!(b >= 0 && b < B)) throw new WasmgradError(msg`${op}: boxInd[${n}] = ${b} is not an image of the ${B} in the batch`);
    const hScale = h > 1 ? ((y2 - y1) * (H - 1)) / (h - 1) : 0;
    const wScale = w > 1 ? ((x2 - x1) * (W - 1)) / (w - 1) : 0;
    for (let yy = 0; yy < h; yy++) {
      const yIn = h > 1 ? y1 * (H - 1) + yy * hScale : 0.5 * (y1 + y2) * (H - 1);
      if (yIn < 0 || yIn > H - 1) continue;
      for (let xx = 0; xx < w; xx++) {
        const xIn = w > 1 ? x1 * (W - 1) + xx * wScale : 0.5 * (x1 + x2) * (W - 1);
        if (xIn < 0 || xIn > W - 1) continue;
        const o = ((n * h + yy) * w + xx) * C;
        if (method === 'nearest') {
          const [cy, cx] = [Math.round(yIn), Math.round(xIn)];
          for (let c = 0; c < C; c++) out[o + c] = at(b, cy, cx, c);
          continue;
        }
        const [top, bottom, left, right] = [Math.floor(yIn), Math.ceil(yIn), Math.floor(xIn), Math.ceil(xIn)];
        const [yLerp, xLerp] = [yIn - top, xIn - left];
        for (let c = 0; c < C; c++) {
          const tl = at(b, top, left, c), tr = at(b, top, right, c), bl = at(b, bottom, left, c), br = at(b, bottom, right, c);
          const upper = tl + (tr - tl) * xLerp, lower = bl + (br - bl) * xLerp;
          out[o + c] = upper + (lower - upper) * yLerp;
        }
      }
    }
  }
  return fromFlat(out, [N, h, w, C], 'float32');
}

/** Otsu's threshold of a 256-bin histogram: the bin that maximises the between-class variance (TF.js's loop). */
function otsu(histogram: Float64Array, total: number): number {
  let best = -1, bestVar = 0;
  for (let i = 0; i < histogram.length - 1; i++) {
    let n1 = 0, s1 = 0, n2 = 0, s2 = 0;
    for (let j = 0; j <= i; j++) (n1 += histogram[j]), (s1 += histogram[j] * j);
    for (let j = i + 1; j < histogram.length; j++) (n2 += histogram[j]), (s2 += histogram[j] * j);
    const between = (n1 / total) * (n2 / total) * (s1 / n1 - s2 / n2) ** 2;
    if (between > bestVar) (bestVar = between), (best = i);
  }
  return best;
}

/**
 * A black and white image [H, W, 1] (int32 0 or 255) from image [H, W, 3 or 1] (values 0 to 255):
 * grayscale above threshValue * 255 (method 'binary'), or above Otsu's threshold ('otsu'); the
 * other way round when inverted.
 */
export function threshold(image: Tensor, method: 'binary' | 'otsu' = 'binary', inverted = false, threshValue = 0.5): Tensor {
  const op = 'threshold';
  checkImage(op, image, 3);
  const [H, W, C] = image.shape;
  if (C !== 3 && C !== 1) throw new WasmgradError(msg`${op}: image must have 3 or 1 channels, got ${fmtShape(image.shape)}`);
  if (method !== 'binary' && method !== 'otsu') throw new WasmgradError(msg`${op}: method must be 'binary' or 'otsu', got ${method}`);
  const v = image.dataSync();
  const gray = new Float64Array(H * W);
  for (let i = 0; i < gray.length; i++) gray[i] = C === 1 ? v[i] : Math.fround(Math.fround(Math.fround(v[3 * i] * GRAY[0]) + Math.fround(v[3 * i + 1] * GRAY[1])) + Math.fround(v[3 * i + 2] * GRAY[2]));
  let t = Math.fround(Math.fround(threshValue) * 255);
  if (method === 'otsu') {
    const histogram = new Float64Array(256);
    for (const g of gray) {
      const bin = Math.round(g);
      if (bin >= 0 && bin < 256) histogram[bin]++;
    }
    t = otsu(histogram, H * W);
  }
  const out = new Int32Array(H * W);
  for (let i = 0; i < out.length; i++) out[i] = (inverted ? gray[i] <= t : gray[i] > t) ? 255 : 0;
  return fromFlat(out, [H, W, 1], 'int32');
}

interface Candidate { score: number; box: number; from: number }
const ascending = (a: Candidate, b: Candidate) => a.score - b.score || b.box - a.box;

function iou(b: ArrayLike<number>, i: number, j: number): number {
  const [yi1, yi2] = [Math.min(b[4 * i], b[4 * i + 2]), Math.max(b[4 * i], b[4 * i + 2])];
  const [xi1, xi2] = [Math.min(b[4 * i + 1], b[4 * i + 3]), Math.max(b[4 * i + 1], b[4 * i + 3])];
  const [yj1, yj2] = [Math.min(b[4 * j], b[4 * j + 2]), Math.max(b[4 * j], b[4 * j + 2])];
  const [xj1, xj2] = [Math.min(b[4 * j + 1], b[4 * j + 3]), Math.max(b[4 * j + 1], b[4 * j + 3])];
  const areaI = (yi2 - yi1) * (xi2 - xi1), areaJ = (yj2 - yj1) * (xj2 - xj1);
  if (areaI <= 0 || areaJ <= 0) return 0;
  const inter = Math.max(Math.min(yi2, yj2) - Math.max(yi1, yj1), 0) * Math.max(Math.min(xi2, xj2) - Math.max(xi1, xj1), 0);
  return inter / (areaI + areaJ - inter);
}

/** Greedy (soft when sigma > 0) non-max suppression as TF.js: the indices and scores kept, best first. */
function suppress(op: string, boxes: Tensor, scores: Tensor, maxOutputSize: number, iouThreshold: number, scoreThreshold: number, sigma: number) {
  checkImage(op, boxes, 2, 'boxes');
  checkImage(op, scores, 1, 'scores');
  const n = boxes.shape[0];
  if (boxes.shape[1] !== 4 || scores.shape[0] !== n) throw new WasmgradError(msg`${op}: boxes must be [N, 4] and scores [N], got ${fmtShape(boxes.shape)} and ${fmtShape(scores.shape)}`);
  if (!Number.isInteger(maxOutputSize) || maxOutputSize < 0) throw new WasmgradError(msg`${op}: maxOutputSize must be a whole number >= 0, got ${maxOutputSize}`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new WasmgradError(msg`${op}: iouThreshold must be in [0, 1], got ${iouThreshold}`);
  if (!(sigma >= 0)) throw new WasmgradError(msg`${op}: softNmsSigma must be >= 0, got ${sigma}`);
  // as TF.js: never more outputs than boxes (the padded form pads to this)
  maxOutputSize = Math.min(maxOutputSize, n);
  const b = boxes.dataSync(), s = scores.dataSync();
  const candidates: Candidate[] = [];
  for (let i = 0; i < n; i++) if (s[i] > scoreThreshold) candidates.push({ score: s[i], box: i, from: 0 });
  candidates.sort(ascending);
  const scale = sigma > 0 ? -0.5 / sigma : 0;
  const indices: number[] = [], kept: number[] = [];
  while (indices.length < maxOutputSize && candidates.length > 0) {
    const c = candidates.pop()!;
    const original = c.score;
    if (original < scoreThreshold) break;
    let ignore = false;
    for (let j = indices.length - 1; j >= c.from; j--) {
      const overlap = iou(b, c.box, indices[j]);
      if (overlap >= iouThreshold) {
        ignore = true;
        break;
      }
      c.score *= overlap <= iouThreshold ? Math.exp(scale * overlap * overlap) : 0;
      if (c.score <= scoreThreshold) break;
    }
    c.from = indices.length;
    if (ignore) continue;
    if (c.score === original) {
      indices.push(c.box);
      kept.push(c.score);
    } else if (c.score > scoreThreshold) {
      // decayed: back into the queue at its new score
      let lo = 0, hi = candidates.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ascending(candidates[mid], c) < 0) lo = mid + 1;
        else hi = mid;
      }
      candidates.splice(lo, 0, c);
    }
  }
  return { indices, kept, max: maxOutputSize };
}

/** Indices [M] (int32, best first) of boxes [N, 4] kept by greedy non-max suppression. */
export function nonMaxSuppression(boxes: Tensor, scores: Tensor, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity): Tensor {
  const { indices } = suppress('nonMaxSuppression', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, 0);
  return makeTensor(indices, [indices.length], 'int32');
}

/** Soft non-max suppression (Gaussian decay with softNmsSigma): the kept indices and their scores. */
export function nonMaxSuppressionWithScore(
  boxes: Tensor, scores: Tensor, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity, softNmsSigma = 0,
): { selectedIndices: Tensor; selectedScores: Tensor } {
  const { indices, kept } = suppress('nonMaxSuppressionWithScore', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma);
  return { selectedIndices: makeTensor(indices, [indices.length], 'int32'), selectedScores: makeTensor(kept, [kept.length]) };
}

/** nonMaxSuppression with the count kept, padded with 0s to maxOutputSize (at most N) when padToMaxOutputSize. */
export function nonMaxSuppressionPadded(
  boxes: Tensor, scores: Tensor, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity, padToMaxOutputSize = false,
): { selectedIndices: Tensor; validOutputs: Tensor } {
  const { indices, max } = suppress('nonMaxSuppressionPadded', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, 0);
  const valid = indices.length;
  if (padToMaxOutputSize) while (indices.length < max) indices.push(0);
  return { selectedIndices: makeTensor(indices, [indices.length], 'int32'), validOutputs: makeTensor([valid], [], 'int32') };
}

export const nonMaxSuppressionAsync = async (...args: Parameters<typeof nonMaxSuppression>) => nonMaxSuppression(...args);
export const nonMaxSuppressionWithScoreAsync = async (...args: Parameters<typeof nonMaxSuppressionWithScore>) => nonMaxSuppressionWithScore(...args);
export const nonMaxSuppressionPaddedAsync = async (...args: Parameters<typeof nonMaxSuppressionPadded>) => nonMaxSuppressionPadded(...args);

/** tf.image: resizing (shared with the root entry) and the above. */
export const image = {
  ...ops.image,
  flipLeftRight, rgbToGrayscale, grayscaleToRGB, cropAndResize, threshold,
  nonMaxSuppression, nonMaxSuppressionAsync, nonMaxSuppressionWithScore, nonMaxSuppressionWithScoreAsync,
  nonMaxSuppressionPadded, nonMaxSuppressionPaddedAsync, transform, rotateWithOffset,
};

/**
 * The confusion matrix [numClasses, numClasses] (int32) of labels against predictions, class ids
 * [N] (truncated to integers as TF.js casts them; ids outside [0, numClasses) count nowhere, as
 * TF.js's one-hot rows of them are empty): entry (i, j) counts the examples of class i predicted as j.
 */
export function confusionMatrix(labels: Tensor, predictions: Tensor, numClasses: number): Tensor {
  const op = 'confusionMatrix';
  checkImage(op, labels, 1, 'labels');
  checkImage(op, predictions, 1, 'predictions');
  if (labels.shape[0] !== predictions.shape[0]) throw new WasmgradError(msg`${op}: labels ${fmtShape(labels.shape)} and predictions ${fmtShape(predictions.shape)} must have the same length`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new WasmgradError(msg`${op}: numClasses must be a whole number >= 1, got ${numClasses}`);
  const l = labels.dataSync(), p = predictions.dataSync();
  const out = hostArray(op, numClasses * numClasses, 'int32');
  for (let i = 0; i < l.length; i++) {
    const [a, b] = [Math.trunc(l[i]), Math.trunc(p[i])];
    if (a >= 0 && a < numClasses && b >= 0 && b < numClasses) out[a * numClasses + b]++;
  }
  return fromFlat(out, [numClasses, numClasses], 'int32');
}

/** tf.math. */
export const math = { confusionMatrix };
