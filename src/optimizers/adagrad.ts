// Adagrad, as torch.optim.Adagrad (lr_decay 0):  sum += g^2;  p -= lr g / (sqrt(sum) + eps).
// Keras puts eps inside the root (g / sqrt(sum + eps)); the accumulator starts at
// initialAccumulatorValue (default 0.1, Keras; torch's default is 0).
import { Tensor } from '../tensor.js';
import { Variable } from '../variables.js';
import { adagradUpdate, type GradPrep } from '../engine/drivers/optim.js';
import { Optimizer, checkNumber, type OptimizerArgs } from './optimizer.js';

export interface AdagradArgs extends OptimizerArgs {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(args: AdagradArgs = {}) {
    super(args, 0.001);
    this.initialAccumulatorValue = checkNumber('Adagrad', 'initialAccumulatorValue', args.initialAccumulatorValue ?? 0.1, { min: 0 });
    this.epsilon = checkNumber('Adagrad', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected slotNames(): string[] {
    return ['accumulator'];
  }

  protected slotInit(): number {
    return this.initialAccumulatorValue;
  }

  protected update(p: Variable, g: Tensor, [acc]: Tensor[], lr: number, _t: number, prep: GradPrep): void {
    adagradUpdate(p, g, acc, lr, this.epsilon, prep);
  }

  protected ownConfig(): Record<string, unknown> {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
