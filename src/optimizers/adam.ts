// Adam with bias correction, as torch.optim.Adam:
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   p -= (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// epsilon is added after the bias correction of v (PyTorch). Keras adds it to sqrt(v) before the
// correction (its "epsilon hat"): p -= lr sqrt(1 - beta2^t) / (1 - beta1^t) m / (sqrt(v) + eps);
// the two differ only through eps, most in the first steps.
import { Tensor } from '../tensor.js';
import { Variable } from '../variables.js';
import { adamUpdate, type GradPrep } from '../engine/drivers/optim.js';
import { Optimizer, checkNumber, type OptimizerArgs } from './optimizer.js';

export interface AdamArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamArgs = {}) {
    super(args, 0.001);
    const op = new.target.name;
    this.beta1 = checkNumber(op, 'beta1', args.beta1 ?? 0.9, { min: 0, below: 1 });
    this.beta2 = checkNumber(op, 'beta2', args.beta2 ?? 0.999, { min: 0, below: 1 });
    this.epsilon = checkNumber(op, 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected slotNames(): string[] {
    return ['m', 'v'];
  }

  /** The factor p is multiplied by before the step (AdamW's decoupled weight decay). */
  protected decayFactor(_lr: number): number {
    return 1;
  }

  protected update(p: Variable, g: Tensor, [m, v]: Tensor[], lr: number, t: number, prep: GradPrep): void {
    const stepSize = lr / (1 - this.beta1 ** t);
    const bc2sqrt = Math.sqrt(1 - this.beta2 ** t);
    adamUpdate(p, g, m, v, stepSize, bc2sqrt, this.beta1, this.beta2, this.epsilon, this.decayFactor(lr), prep);
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
