// tf.linalg (bandPart, gramSchmidt, qr) and tf.signal's real-valued part (hannWindow,
// hammingWindow, frame), as TensorFlow.js 4.22 computes them. bandPart and gramSchmidt are
// compositions of ops, so gradients flow through them; qr runs Householder reflections in double
// precision on each matrix (TF.js's algorithm and sign convention) and records no gradient.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, tidy, sizeOf } from '../tensor.js';
import { fromFlat, hostArray } from '../creation.js';
import * as ops from '../ops/index.js';
import { checkTensor } from '../ops/util.js';
import { cosineWindow } from './extra-ops.js';

function wholeOrNegative(v: number | Tensor, op: string, name: string): number {
  const n = v instanceof Tensor ? v.dataSync()[0] : v;
  if (!Number.isInteger(n)) throw new WasmgradError(msg`${op}: ${name} must be a whole number (negative: the whole triangle), got ${n}`);
  return n;
}

/** The band of each innermost matrix: a[i, j] where i - j <= numLower and j - i <= numUpper (negative: no limit). */
export function bandPart(a: Tensor, numLower: number | Tensor, numUpper: number | Tensor): Tensor {
  checkTensor(a, 'bandPart', 'a');
  if (a.rank < 2) throw new WasmgradError(msg`bandPart: a must have rank >= 2, got ${fmtShape(a.shape)}`);
  const lower = wholeOrNegative(numLower, 'bandPart', 'numLower'), upper = wholeOrNegative(numUpper, 'bandPart', 'numUpper');
  const [m, n] = a.shape.slice(-2);
  const mask = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mask[i * n + j] = (lower < 0 || i - j <= lower) && (upper < 0 || j - i <= upper) ? 1 : 0;
  // the mask in a's dtype: int32 times int32 stays int32
  const keep = fromFlat(a.dtype === 'int32' ? Int32Array.from(mask) : mask, [m, n], a.dtype);
  try {
    return ops.mul(a, keep);
  } finally {
    keep.dispose();
  }
}

/** Orthonormal vectors spanning xs (modified Gram-Schmidt, in order): the rows of a [m, n] matrix, or an array of vectors. */
export function gramSchmidt(xs: Tensor | Tensor[]): Tensor | Tensor[] {
  const isMatrix = xs instanceof Tensor;
  if (isMatrix && xs.rank !== 2) throw new WasmgradError(msg`gramSchmidt: expected a matrix [m, n] or an array of vectors, got ${fmtShape(xs.shape)}`);
  if (!isMatrix && (!Array.isArray(xs) || xs.length === 0)) throw new WasmgradError('gramSchmidt: expected a matrix [m, n] or a non-empty array of vectors');
  return tidy(() => {
    const vectors = isMatrix ? ops.unstack(xs, 0) : xs.map((x, i) => checkTensor(x, 'gramSchmidt', `xs[${i}]`));
    const n = vectors[0].size;
    vectors.forEach((x, i) => {
      if (x.rank !== 1 || x.size !== n) throw new WasmgradError(msg`gramSchmidt: xs[${i}] is ${fmtShape(x.shape)}, expected a vector of ${n}`);
    });
    const ys: Tensor[] = [];
    for (const v of vectors) {
      let x = v;
      for (const y of ys) x = ops.sub(x, ops.mul(ops.sum(ops.mul(y, x)), y));
      ys.push(ops.div(x, ops.norm(x, 'euclidean')));
    }
    return isMatrix ? ops.stack(ys, 0) : ys;
  });
}

/** One matrix's QR by Householder reflections (TF.js's qr2d, in double precision): Q [m, m], R [m, n]. */
function qrOf(a: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } {
  const q = new Float64Array(m * m), r = Float64Array.from(a);
  for (let i = 0; i < m; i++) q[i * m + i] = 1;
  const w = new Float64Array(m);
  for (let j = 0; j < Math.min(m, n); j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += r[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    const rjj = r[j * n + j];
    const s = rjj > 0 ? -1 : 1; // never 0: sign(0) would divide by zero
    const u1 = rjj - s * norm;
    w[j] = 1;
    for (let i = j + 1; i < m; i++) w[i] = r[i * n + j] / u1;
    const tau = (-s * u1) / norm;
    // R := H R on rows j.., Q := Q H on columns j.., with H = I - tau w w^T
    for (let c = 0; c < n; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += w[i] * r[i * n + c];
      for (let i = j; i < m; i++) r[i * n + c] -= tau * w[i] * d;
    }
    for (let row = 0; row < m; row++) {
      let d = 0;
      for (let i = j; i < m; i++) d += q[row * m + i] * w[i];
      for (let i = j; i < m; i++) q[row * m + i] -= d * tau * w[i];
    }
  }
  return { q, r };
}

/**
 * The QR decomposition of each innermost matrix of x [..., m, n]: q orthogonal, r upper
 * triangular, q r = x. q is [..., m, min(m, n)] and r [..., min(m, n), n], or [..., m, m] and
 * [..., m, n] with fullMatrices. No gradient.
 */
export function qr(x: Tensor, fullMatrices = false): [Tensor, Tensor] {
  checkTensor(x, 'qr', 'x');
  if (x.rank < 2) throw new WasmgradError(msg`qr: x must have rank >= 2, got ${fmtShape(x.shape)}`);
  const [m, n] = x.shape.slice(-2);
  const lead = x.shape.slice(0, -2), count = sizeOf(lead);
  const k = fullMatrices || m <= n ? m : n;
  const qOut = new Float32Array(count * m * k), rOut = new Float32Array(count * k * n);
  const v = x.dataSync();
  for (let b = 0; b < count; b++) {
    const { q, r } = qrOf(Float64Array.from(v.subarray(b * m * n, (b + 1) * m * n)), m, n);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) qOut[(b * m + i) * k + j] = q[i * m + j];
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) rOut[(b * k + i) * n + j] = r[i * n + j];
  }
  return [fromFlat(qOut, [...lead, m, k], 'float32'), fromFlat(rOut, [...lead, k, n], 'float32')];
}

export const linalg = { bandPart, gramSchmidt, qr };

function windowLength(n: number, op: string): number {
  if (!(Number.isInteger(n) && n >= 0)) throw new WasmgradError(msg`${op}: windowLength must be a whole number >= 0, got ${n}`);
  return n;
}

/** Hann and Hamming windows (TF.js's cosine windows, periodic for an even length); of length 1, [1] (TF.js: NaN). */
const windowOf = (op: string, a: number, b: number) => (n: number) => (windowLength(n, op) === 0 ? fromFlat([], [0], 'float32') : cosineWindow(n, a, b));
export const hannWindow = windowOf('hannWindow', 0.5, 0.5);
export const hammingWindow = windowOf('hammingWindow', 0.54, 0.46);

/** Frames [count, frameLength] of a signal vector, frameStep apart; padEnd pads the last ones with padValue. */
export function frame(signal: Tensor, frameLength: number, frameStep: number, padEnd = false, padValue = 0): Tensor {
  checkTensor(signal, 'frame', 'signal');
  if (signal.rank !== 1) throw new WasmgradError(msg`frame: signal must be a vector, got ${fmtShape(signal.shape)}`);
  if (!(Number.isInteger(frameLength) && frameLength > 0)) throw new WasmgradError(msg`frame: frameLength must be a whole number > 0, got ${frameLength}`);
  if (!(Number.isInteger(frameStep) && frameStep > 0)) throw new WasmgradError(msg`frame: frameStep must be a whole number > 0, got ${frameStep}`);
  const v = signal.dataSync(), size = v.length;
  const starts: number[] = [];
  let start = 0;
  for (; start + frameLength <= size; start += frameStep) starts.push(start);
  if (padEnd) for (; start < size; start += frameStep) starts.push(start);
  const out = hostArray('frame', starts.length * frameLength, signal.dtype);
  starts.forEach((s, f) => {
    for (let i = 0; i < frameLength; i++) out[f * frameLength + i] = s + i < size ? v[s + i] : padValue;
  });
  return fromFlat(out, [starts.length, frameLength], signal.dtype);
}

export const signal = { hannWindow, hammingWindow, frame };
