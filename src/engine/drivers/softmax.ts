// Softmax rows and the fused softmax / sigmoid cross-entropy losses (assembly/softmax.ts, losses.ts).
import { engine } from '../state.js';
import type { Tensor } from '../../tensor.js';
import { ELEMENTWISE_PARALLEL, withBlocks } from './common.js';
import { sumFloats } from './reduce.js';
import { XENT_CHUNK } from '../abi.js';

export { XENT_CHUNK };

/** x seen as rows of its last axis. */
function rowsOf(x: Tensor): { rows: number; n: number } {
  const n = x.shape[x.rank - 1];
  return { rows: n === 0 ? 0 : x.size / n, n };
}

/** y = softmax (or log-softmax) of each row of x's last axis. */
export function softmaxRows(x: Tensor, y: Tensor, isLog: boolean): void {
  const op = isLog ? 'logSoftmax' : 'softmax';
  const px = x.ptr(op), py = y.ptr(op);
  const { rows, n } = rowsOf(x);
  if (y.size === 0) return;
  engine().parallel('softmax_rows', [px, py, n, isLog ? 1 : 0], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
}

/** dx = the gradient of softmaxRows through its output y, given dy. */
export function softmaxGradRows(y: Tensor, dy: Tensor, dx: Tensor, isLog: boolean): void {
  const op = isLog ? 'logSoftmax' : 'softmax';
  const py = y.ptr(op), pdy = dy.ptr(op), pdx = dx.ptr(op);
  const { rows, n } = rowsOf(y);
  if (dx.size === 0) return;
  engine().parallel('softmax_grad_rows', [py, pdy, pdx, n, isLog ? 1 : 0], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
}

/**
 * Softmax cross-entropy over the rows of logits' last axis: returns the sum of the rows' losses
 * (float64, in row order); grad (if given) = dlogits scaled by gscale. labels: float32 shaped like
 * logits, or int32 class ids, one per row, when sparse.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, sparse: boolean, grad: Tensor | null, gscale: number, op: string): number {
  const pz = logits.ptr(op), pl = labels.ptr(op), pg = grad ? grad.ptr(op) : 0;
  const { rows, n } = rowsOf(logits);
  return withBlocks([rows * 4], ([loss]) => {
    engine().parallel('softmax_xent_rows', [pz, pl, sparse ? 1 : 0, loss, pg, n, gscale], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
    return sumFloats(loss, rows);
  });
}

/**
 * Sigmoid cross-entropy over every element: returns the sum of the losses (per-task partial sums
 * added in float64, in order); grad (if given) = dlogits scaled by gscale.
 */
export function sigmoidCrossEntropy(logits: Tensor, labels: Tensor, grad: Tensor | null, gscale: number, op: string): number {
  const pz = logits.ptr(op), pl = labels.ptr(op), pg = grad ? grad.ptr(op) : 0;
  const n = logits.size;
  const tasks = Math.ceil(n / XENT_CHUNK);
  return withBlocks([tasks * 4], ([partial]) => {
    engine().parallel('sigmoid_xent', [pz, pl, pg, n, gscale, partial], tasks, n >= ELEMENTWISE_PARALLEL / 4);
    return sumFloats(partial, tasks);
  });
}
