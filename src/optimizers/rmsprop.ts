// RMSprop, as torch.optim.RMSprop (rho is torch's alpha):
//   sq = rho sq + (1 - rho) g^2
//   centered: ga = rho ga + (1 - rho) g, avg = sqrt(sq - ga^2) + eps;  else avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum buf + g / avg, p -= lr buf;  else p -= lr g / avg
// Keras puts eps inside the root (g / sqrt(sq + eps)) and lr inside the momentum buffer
// (buf = momentum buf + lr g / sqrt(..)), the same for a constant learning rate up to eps.
import { Tensor } from '../tensor.js';
import { Variable } from '../variables.js';
import { rmspropUpdate, type GradPrep } from '../engine/drivers/optim.js';
import { Optimizer, checkNumber, type OptimizerArgs } from './optimizer.js';

export interface RMSpropArgs extends OptimizerArgs {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RMSpropArgs = {}) {
    super(args, 0.001);
    this.rho = checkNumber('RMSprop', 'rho', args.rho ?? 0.9, { min: 0, max: 1 });
    this.momentum = checkNumber('RMSprop', 'momentum', args.momentum ?? 0, { min: 0 });
    this.epsilon = checkNumber('RMSprop', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.centered = !!args.centered;
  }

  protected slotNames(): string[] {
    return ['rms', ...(this.centered ? ['mg'] : []), ...(this.momentum > 0 ? ['momentum'] : [])];
  }

  protected update(p: Variable, g: Tensor, slots: Tensor[], lr: number, _t: number, prep: GradPrep): void {
    const ga = this.centered ? slots[1] : null;
    const buf = this.momentum > 0 ? slots[slots.length - 1] : null;
    rmspropUpdate(p, g, slots[0], ga, buf, lr, this.rho, this.momentum, this.epsilon, prep);
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
