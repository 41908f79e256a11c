// tf.train.*: TensorFlow.js's positional optimizer constructors and its defaults. RMSprop follows
// TF.js's update (epsilon inside the root, the learning rate inside the momentum accumulator),
// which differs from PyTorch's and the root entry's.
import { Tensor, tidy } from '../tensor.js';
import { Variable, variable } from '../variables.js';
import { Optimizer, SGD, Adam, Adagrad, Adadelta } from '../optimizers/index.js';
import { checkNumber, type OptimizerArgs } from '../optimizers/optimizer.js';
import type { GradPrep } from '../engine/drivers/optim.js';
import { add, sub, mul, div } from '../ops/binary.js';
import { square, sqrt, clipByValue } from '../ops/unary.js';
import { zeros } from '../creation.js';

export { Optimizer };

export const sgd = (learningRate: number) => new SGD({ learningRate });
export const momentum = (learningRate: number, momentumValue: number, useNesterov = false) =>
  new SGD({ learningRate, momentum: momentumValue, nesterov: useNesterov });
export const adam = (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) =>
  new Adam({ learningRate, beta1, beta2, epsilon: epsilon ?? 1e-7 });
export const adagrad = (learningRate: number, initialAccumulatorValue = 0.1) => new Adagrad({ learningRate, initialAccumulatorValue });
export const adadelta = (learningRate = 0.001, rho = 0.95, epsilon: number | null = null) => new Adadelta({ learningRate, rho, epsilon: epsilon ?? 1e-7 });
export const rmsprop = (learningRate: number, decay = 0.9, momentumValue = 0, epsilon: number | null = null, centered = false) =>
  new TfjsRMSProp({ learningRate, decay, momentum: momentumValue, epsilon: epsilon ?? 1e-7, centered });

interface TfjsRMSPropArgs extends OptimizerArgs {
  decay?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/**
 * TF.js's RMSProp: ms = decay ms + (1 - decay) g^2; (centered: mg = decay mg + (1 - decay) g,
 * denominator sqrt(ms - mg^2 + eps), else sqrt(ms + eps)); mom = momentum mom + lr g / denominator;
 * p -= mom. Its state lives in variables of its own, updated by ops.
 */
export class TfjsRMSProp extends Optimizer {
  readonly className = 'RMSProp';
  readonly decay: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  private readonly state = new Map<Variable, { ms: Variable; mom: Variable; mg: Variable | null }>();

  constructor(args: TfjsRMSPropArgs = {}) {
    super(args, 0.001);
    this.decay = checkNumber('rmsprop', 'decay', args.decay ?? 0.9, { min: 0, max: 1 });
    this.momentum = checkNumber('rmsprop', 'momentum', args.momentum ?? 0, { min: 0 });
    this.epsilon = checkNumber('rmsprop', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.centered = !!args.centered;
  }

  protected slotNames(): string[] {
    return [];
  }

  protected update(p: Variable, g: Tensor, _slots: Tensor[], lr: number, _t: number, prep: GradPrep): void {
    let s = this.state.get(p);
    if (!s) {
      const zero = () => variable(zeros(p.shape), false);
      s = { ms: zero(), mom: zero(), mg: this.centered ? zero() : null };
      this.state.set(p, s);
    }
    const st = s;
    tidy(() => {
      let grad = prep.gscale === 1 ? g : mul(g, prep.gscale);
      if (Number.isFinite(prep.clip)) grad = clipByValue(grad, -prep.clip, prep.clip);
      const ms = add(mul(st.ms, this.decay), mul(square(grad), 1 - this.decay));
      st.ms.assign(ms);
      let denom: Tensor;
      if (st.mg) {
        const mg = add(mul(st.mg, this.decay), mul(grad, 1 - this.decay));
        st.mg.assign(mg);
        denom = sqrt(add(sub(ms, square(mg)), this.epsilon));
      } else denom = sqrt(add(ms, this.epsilon));
      const mom = add(mul(st.mom, this.momentum), div(mul(grad, lr), denom));
      st.mom.assign(mom);
      p.assign(sub(p, mom));
    });
  }

  protected ownConfig(): Record<string, unknown> {
    return { decay: this.decay, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }

  dispose(): void {
    for (const s of this.state.values()) for (const v of [s.ms, s.mom, s.mg]) v?.dispose();
    this.state.clear();
    super.dispose();
  }
}
