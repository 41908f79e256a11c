// The typed layer for the fused optimizer updates (assembly/optim.ts) and fused losses
// (assembly/losses.ts): pointers are byte offsets, counts are elements. Beside kernels.ts.
import { engine } from './state.js';

/** Must match OPTIM_CHUNK and XENT_CHUNK in assembly/. */
export const OPTIM_CHUNK = 4096;
export const XENT_CHUNK = 4096;
/** Updates below this many elements stay on the calling thread. */
const OPTIM_PARALLEL = 1 << 16;

const tasksOf = (n: number) => Math.ceil(n / OPTIM_CHUNK);

/** Gradient preparation shared by every update: g = clip(g * gscale, -clip, clip). */
export interface GradPrep {
  gscale: number;
  /** +Infinity for none. */
  clip: number;
}

export function sgdUpdate(p: number, g: number, buf: number, n: number, lr: number, momentum: number, nesterov: boolean, prep: GradPrep): void {
  engine().parallel('sgd_f32', [p, g, buf, n, lr, momentum, nesterov ? 1 : 0, prep.gscale, prep.clip], tasksOf(n), n >= OPTIM_PARALLEL);
}

export function adamUpdate(
  p: number, g: number, m: number, v: number, n: number,
  stepSize: number, bc2sqrt: number, beta1: number, beta2: number, eps: number, decay: number, prep: GradPrep,
): void {
  engine().parallel('adam_f32', [p, g, m, v, n, stepSize, bc2sqrt, 1 - beta1, beta2, 1 - beta2, eps, decay, prep.gscale, prep.clip], tasksOf(n), n >= OPTIM_PARALLEL);
}

export function adagradUpdate(p: number, g: number, acc: number, n: number, clr: number, eps: number, prep: GradPrep): void {
  engine().parallel('adagrad_f32', [p, g, acc, n, clr, eps, prep.gscale, prep.clip], tasksOf(n), n >= OPTIM_PARALLEL);
}

export function adadeltaUpdate(p: number, g: number, sq: number, acc: number, n: number, lr: number, rho: number, eps: number, prep: GradPrep): void {
  engine().parallel('adadelta_f32', [p, g, sq, acc, n, lr, rho, 1 - rho, eps, prep.gscale, prep.clip], tasksOf(n), n >= OPTIM_PARALLEL);
}

/** ga = 0 when not centered, buf = 0 without momentum. */
export function rmspropUpdate(
  p: number, g: number, sq: number, ga: number, buf: number, n: number, lr: number, rho: number, momentum: number, eps: number, prep: GradPrep,
): void {
  engine().parallel('rmsprop_f32', [p, g, sq, ga, buf, n, lr, rho, 1 - rho, momentum, eps, prep.gscale, prep.clip], tasksOf(n), n >= OPTIM_PARALLEL);
}

/**
 * Sum of squares of n floats, as float64 from float32 partials of OPTIM_CHUNK elements (the same
 * for any thread count). `partials` is scratch of at least partialCount(n) floats.
 */
export function sumOfSquares(x: number, n: number, partials: number): number {
  const tasks = tasksOf(n);
  if (tasks === 0) return 0;
  const e = engine();
  e.parallel('sumsq_f32', [x, n, partials], tasks, n >= OPTIM_PARALLEL);
  return sumFloats(partials, tasks);
}

export function partialCount(n: number): number {
  return tasksOf(n);
}

/** Sum of n floats of memory, in float64, in order. */
export function sumFloats(ptr: number, n: number): number {
  const f32 = engine().f32;
  const p = ptr >> 2;
  let s = 0;
  for (let i = 0; i < n; i++) s += f32[p + i];
  return s;
}

/**
 * Softmax cross-entropy over rows of n logits: loss[r] per row; grad (0 for none) = dz scaled by
 * gscale. labels: float32 [rows, n], or int32 [rows] when sparse.
 */
export function softmaxXentRows(z: number, labels: number, sparse: boolean, loss: number, grad: number, rows: number, n: number, gscale: number): void {
  engine().parallel('softmax_xent_rows', [z, labels, sparse ? 1 : 0, loss, grad, n, gscale], rows, rows * n >= OPTIM_PARALLEL / 4);
}

/** Sigmoid cross-entropy over n elements: partial sums per XENT_CHUNK into `partial`; returns their sum. */
export function sigmoidXent(z: number, labels: number, grad: number, n: number, gscale: number, partial: number): number {
  const tasks = Math.ceil(n / XENT_CHUNK);
  engine().parallel('sigmoid_xent', [z, labels, grad, n, gscale, partial], tasks, n >= OPTIM_PARALLEL / 4);
  return sumFloats(partial, tasks);
}
