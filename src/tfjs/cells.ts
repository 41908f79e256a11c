// TF.js's functional LSTM cells (tf.basicLSTMCell, tf.multiRNNCell) as compositions of ops, and
// tf.randomGamma (Marsaglia and Tsang's method over a seeded generator; the numbers differ from
// TF.js's, the distribution is the same).
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy, sizeOf, type DType } from '../tensor.js';
import { fromFlat, hostArray } from '../creation.js';
import * as ops from '../ops/index.js';
import { checkTensor } from '../ops/util.js';
import { seededRandom } from '../util/seeded.js';

/**
 * One LSTM step: [data, h] x kernel + bias split into i, j, f, o; c' = sigmoid(i) tanh(j) +
 * c sigmoid(f + forgetBias); h' = tanh(c') sigmoid(o). Returns [c', h'].
 */
export function basicLSTMCell(forgetBias: Tensor | number, lstmKernel: Tensor, lstmBias: Tensor, data: Tensor, c: Tensor, h: Tensor): [Tensor, Tensor] {
  for (const [t, name] of [[lstmKernel, 'lstmKernel'], [lstmBias, 'lstmBias'], [data, 'data'], [c, 'c'], [h, 'h']] as const) checkTensor(t, 'basicLSTMCell', name);
  if (data.rank !== 2 || h.rank !== 2 || c.rank !== 2) throw new WasmgradError(msg`basicLSTMCell: data, c and h must be rank 2, got ${fmtShape(data.shape)}, ${fmtShape(c.shape)}, ${fmtShape(h.shape)}`);
  const units = lstmKernel.shape[1] / 4;
  if (lstmKernel.rank !== 2 || !Number.isInteger(units) || lstmKernel.shape[0] !== data.shape[1] + h.shape[1]) {
    throw new WasmgradError(msg`basicLSTMCell: lstmKernel ${fmtShape(lstmKernel.shape)} must be [${data.shape[1] + h.shape[1]}, 4 units]`);
  }
  return tidy(() => {
    const z = ops.add(ops.matMul(ops.concat([data, h], 1), lstmKernel), lstmBias);
    const b = z.shape[0];
    const gate = (k: number) => ops.slice(z, [0, k * units], [b, units]);
    const newC = ops.add(ops.mul(ops.sigmoid(gate(0)), ops.tanh(gate(1))), ops.mul(c, ops.sigmoid(ops.add(gate(2), forgetBias))));
    const newH = ops.mul(ops.tanh(newC), ops.sigmoid(gate(3)));
    return [newC, newH] as [Tensor, Tensor];
  });
}

type Cell = (data: Tensor, c: Tensor, h: Tensor) => [Tensor, Tensor];

/** Stacked cells: each cell's h is the next one's input. Returns [the cells' c, the cells' h]. */
export function multiRNNCell(lstmCells: Cell[], data: Tensor, c: Tensor[], h: Tensor[]): [Tensor[], Tensor[]] {
  if (!Array.isArray(lstmCells) || !Array.isArray(c) || !Array.isArray(h) || c.length !== lstmCells.length || h.length !== lstmCells.length) {
    throw new WasmgradError('multiRNNCell: expected arrays of cells, c and h of one length');
  }
  const newC: Tensor[] = [], newH: Tensor[] = [];
  let input = data;
  lstmCells.forEach((cell, i) => {
    const [ci, hi] = cell(input, c[i], h[i]);
    newC.push(ci);
    newH.push(hi);
    input = hi;
  });
  return [newC, newH];
}

/** Gamma(alpha, beta) samples (beta is the rate: mean alpha / beta). */
export function randomGamma(shape: number[], alpha: number, beta = 1, dtype: DType = 'float32', seed?: number): Tensor {
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) throw new WasmgradError(msg`randomGamma: shape must be whole numbers >= 0, got ${jsonOf(shape)}`);
  if (!(alpha > 0) || !(beta > 0)) throw new WasmgradError(msg`randomGamma: alpha and beta must be > 0, got ${alpha} and ${beta}`);
  const next = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32));
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const draw = (a: number): number => {
    if (a < 1) return draw(a + 1) * Math.pow(1 - next(), 1 / a);
    const d = a - 1 / 3, cst = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = normal();
        v = 1 + cst * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  const out = hostArray('randomGamma', sizeOf(shape), dtype);
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = draw(alpha) / beta;
  return fromFlat(out, shape, dtype);
}
