// Softmax rows and the fused softmax / sigmoid cross-entropy losses (assembly/softmax.ts, losses.ts).
import { engine } from '../state.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { sumFloats } from './reduce.js';
import { XENT_CHUNK } from '../abi.js';

export { XENT_CHUNK };

export function softmaxRows(x: number, y: number, rows: number, n: number, isLog: boolean): void {
  engine().parallel('softmax_rows', [x, y, n, isLog ? 1 : 0], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
}

export function softmaxGradRows(y: number, dy: number, dx: number, rows: number, n: number, isLog: boolean): void {
  engine().parallel('softmax_grad_rows', [y, dy, dx, n, isLog ? 1 : 0], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
}

/**
 * Softmax cross-entropy over rows of n logits: loss[r] per row; grad (0 for none) = dz scaled by
 * gscale. labels: float32 [rows, n], or int32 [rows] when sparse.
 */
export function softmaxXentRows(z: number, labels: number, sparse: boolean, loss: number, grad: number, rows: number, n: number, gscale: number): void {
  engine().parallel('softmax_xent_rows', [z, labels, sparse ? 1 : 0, loss, grad, n, gscale], rows, rows * n >= ELEMENTWISE_PARALLEL / 4);
}

/** Sigmoid cross-entropy over n elements: partial sums per XENT_CHUNK into `partial`; returns their sum. */
export function sigmoidXent(z: number, labels: number, grad: number, n: number, gscale: number, partial: number): number {
  const tasks = Math.ceil(n / XENT_CHUNK);
  engine().parallel('sigmoid_xent', [z, labels, grad, n, gscale, partial], tasks, n >= ELEMENTWISE_PARALLEL / 4);
  return sumFloats(partial, tasks);
}
