// Adadelta, as torch.optim.Adadelta (the same formula as Keras):
//   sq = rho sq + (1 - rho) g^2;  delta = sqrt(acc + eps) / sqrt(sq + eps) g
//   acc = rho acc + (1 - rho) delta^2;  p -= lr delta
// Defaults: learningRate 1 (the paper and torch; Keras uses 0.001), rho 0.95, epsilon 1e-7 (Keras).
import { Tensor } from '../tensor.js';
import { Variable } from '../variables.js';
import { adadeltaUpdate, type GradPrep } from '../engine/drivers/optim.js';
import { Optimizer, checkNumber, type OptimizerArgs } from './optimizer.js';

export interface AdadeltaArgs extends OptimizerArgs {
  rho?: number;
  epsilon?: number;
}

export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;

  constructor(args: AdadeltaArgs = {}) {
    super(args, 1);
    this.rho = checkNumber('Adadelta', 'rho', args.rho ?? 0.95, { min: 0, max: 1 });
    this.epsilon = checkNumber('Adadelta', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected slotNames(): string[] {
    return ['accum_grad', 'accum_var'];
  }

  protected update(p: Variable, g: Tensor, [sq, acc]: Tensor[], lr: number, _t: number, prep: GradPrep): void {
    adadeltaUpdate(p, g, sq, acc, lr, this.rho, this.epsilon, prep);
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
