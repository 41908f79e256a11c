// Fused optimizer updates (assembly/optim.ts) on a parameter tensor, its gradient and its slot
// tensors (moment buffers of the parameter's size); counts are the parameter's elements.
import { Tensor } from '../../tensor.js';
import { engine } from '../state.js';
import { withBlocks } from './common.js';
import { checkSize } from './check.js';
import { copyBytes, fillFloats } from './copy.js';
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

const OP = 'optimizer update';
const ptrOf = (t: Tensor | null) => (t ? t.ptr(OP) : 0);
/** Raises unless t (a gradient or a slot, when given) has the parameter's size. */
const sameSize = (p: Tensor, t: Tensor | null, what: string) => t && checkSize(OP, what, t, p.size);

/** buf is null without momentum. */
export function sgdUpdate(p: Tensor, g: Tensor, buf: Tensor | null, lr: number, momentum: number, nesterov: boolean, prep: GradPrep): void {
  sameSize(p, g, 'the gradient');
  sameSize(p, buf, 'the momentum slot');
  const n = p.size;
  engine().parallel('sgd_f32', [p.ptr(OP), g.ptr(OP), ptrOf(buf), n, lr, momentum, nesterov ? 1 : 0, prep.gscale, prep.clip], tasksOf(n), n >= OPTIM_PARALLEL);
}

export function adamUpdate(
  p: Tensor, g: Tensor, m: Tensor, v: Tensor,
  stepSize: number, bc2sqrt: number, beta1: number, beta2: number, eps: number, decay: number, prep: GradPrep,
): void {
  sameSize(p, g, 'the gradient');
  sameSize(p, m, 'the first moment slot');
  sameSize(p, v, 'the second moment slot');
  const n = p.size;
  engine().parallel(
    'adam_f32',
    [p.ptr(OP), g.ptr(OP), m.ptr(OP), v.ptr(OP), n, stepSize, bc2sqrt, 1 - beta1, beta2, 1 - beta2, eps, decay, prep.gscale, prep.clip],
    tasksOf(n),
    n >= OPTIM_PARALLEL,
  );
}

export function adagradUpdate(p: Tensor, g: Tensor, acc: Tensor, clr: number, eps: number, prep: GradPrep): void {
  sameSize(p, g, 'the gradient');
  sameSize(p, acc, 'the accumulator slot');
  const n = p.size;
  engine().parallel('adagrad_f32', [p.ptr(OP), g.ptr(OP), acc.ptr(OP), n, clr, eps, prep.gscale, prep.clip], tasksOf(n), n >= OPTIM_PARALLEL);
}

export function adadeltaUpdate(p: Tensor, g: Tensor, sq: Tensor, acc: Tensor, lr: number, rho: number, eps: number, prep: GradPrep): void {
  sameSize(p, g, 'the gradient');
  sameSize(p, sq, 'the squared gradient slot');
  sameSize(p, acc, 'the squared update slot');
  const n = p.size;
  engine().parallel(
    'adadelta_f32',
    [p.ptr(OP), g.ptr(OP), sq.ptr(OP), acc.ptr(OP), n, lr, rho, 1 - rho, eps, prep.gscale, prep.clip],
    tasksOf(n),
    n >= OPTIM_PARALLEL,
  );
}

/** ga is null when not centered, buf null without momentum. */
export function rmspropUpdate(
  p: Tensor, g: Tensor, sq: Tensor, ga: Tensor | null, buf: Tensor | null, lr: number, rho: number, momentum: number, eps: number, prep: GradPrep,
): void {
  sameSize(p, g, 'the gradient');
  sameSize(p, sq, 'the mean square slot');
  sameSize(p, ga, 'the mean gradient slot');
  sameSize(p, buf, 'the momentum slot');
  const n = p.size;
  engine().parallel(
    'rmsprop_f32',
    [p.ptr(OP), g.ptr(OP), sq.ptr(OP), ptrOf(ga), ptrOf(buf), n, lr, rho, 1 - rho, momentum, eps, prep.gscale, prep.clip],
    tasksOf(n),
    n >= OPTIM_PARALLEL,
  );
}

/**
 * The sum of squares of every element of every tensor (the squared global norm), in float64:
 * per tensor from float32 partials of OPTIM_CHUNK elements (the same for any thread count), then
 * the tensors in order.
 */
export function sumOfSquares(tensors: readonly Tensor[]): number {
  const most = Math.max(1, ...tensors.map((t) => tasksOf(t.size)));
  return withBlocks([most * 4], ([partials]) => {
    let total = 0;
    for (const t of tensors) {
      const tasks = tasksOf(t.size);
      if (tasks === 0) continue;
      engine().parallel('sumsq_f32', [t.ptr('sumOfSquares'), t.size, partials], tasks, t.size >= OPTIM_PARALLEL);
      total += sumFloats(partials, tasks);
    }
    return total;
  });
}

/** Sets every element of a slot to value. */
export function fillSlot(slot: Tensor, value: number): void {
  if (slot.size > 0) fillFloats(slot.ptr(OP), slot.size, value);
}

/** dst = src, two float32 tensors of one size (a slot saved or restored); op names the caller in errors. */
export function copySlot(dst: Tensor, src: Tensor, op = OP): void {
  checkSize(op, 'the source', src, dst.size);
  copyBytes(dst.ptr(op), src.ptr(op), src.size * 4);
}
