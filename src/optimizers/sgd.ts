// SGD with optional (Nesterov) momentum, as torch.optim.SGD (dampening 0):
//   buf = momentum buf + g;  g' = nesterov ? g + momentum buf : buf;  p -= lr g'
// (buf starts at 0, so the first step is buf = g, as torch). Keras keeps v = momentum v - lr g
// instead, which is the same for a constant learning rate and differs when it changes.
import { Tensor } from '../tensor.js';
import { Variable } from '../variables.js';
import { sgdUpdate, type GradPrep } from '../engine/drivers/optim.js';
import { Optimizer, checkNumber, type OptimizerArgs } from './optimizer.js';

export interface SGDArgs extends OptimizerArgs {
  /** Default 0.01 (Keras). */
  learningRate?: OptimizerArgs['learningRate'];
  momentum?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    super(args, 0.01);
    this.momentum = checkNumber('SGD', 'momentum', args.momentum ?? 0, { min: 0 });
    this.nesterov = !!args.nesterov;
  }

  protected slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected update(p: Variable, g: Tensor, slots: Tensor[], lr: number, _t: number, prep: GradPrep): void {
    sgdUpdate(p, g, slots.length ? slots[0] : null, lr, this.momentum, this.nesterov, prep);
  }

  protected ownConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
