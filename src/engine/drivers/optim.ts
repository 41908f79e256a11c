// Fused optimizer updates (assembly/optim.ts): pointers are byte offsets, counts are elements.
import { engine } from '../state.js';
import { sumFloats } from './reduce.js';
import { OPTIM_CHUNK } from '../abi.js';

export { OPTIM_CHUNK };
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
