// tf.train.*: TensorFlow.js's positional optimizer constructors and its defaults. RMSprop follows
// TF.js's update (epsilon inside the root, the learning rate inside the momentum accumulator),
// which differs from PyTorch's and the root entry's, and so does Adadelta's first step.
import { Tensor, tidy } from '../tensor.js';
import { Variable, variable } from '../variables.js';
import { Optimizer, SGD, Adam, Adagrad } from '../optimizers/index.js';
import { checkNumber, type OptimizerArgs } from '../optimizers/optimizer.js';
import type { GradPrep } from '../engine/drivers/optim.js';
import { add, sub, mul, div, maximum } from '../ops/binary.js';
import { abs, square, sqrt, clipByValue } from '../ops/unary.js';
import { zeros } from '../creation.js';

export { Optimizer };

export const sgd = (learningRate: number) => new SGD({ learningRate });
export const momentum = (learningRate: number, momentumValue: number, useNesterov = false) =>
  new SGD({ learningRate, momentum: momentumValue, nesterov: useNesterov });
export const adam = (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) =>
  new Adam({ learningRate, beta1, beta2, epsilon: epsilon ?? 1e-7 });
export const adagrad = (learningRate: number, initialAccumulatorValue = 0.1) => new Adagrad({ learningRate, initialAccumulatorValue });
export const adadelta = (learningRate = 0.001, rho = 0.95, epsilon: number | null = null) => new TfjsAdadelta({ learningRate, rho, epsilon: epsilon ?? 1e-7 });
export const rmsprop = (learningRate: number, decay = 0.9, momentumValue = 0, epsilon: number | null = null, centered = false) =>
  new TfjsRMSProp({ learningRate, decay, momentum: momentumValue, epsilon: epsilon ?? 1e-7, centered });
export const adamax = (learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null, decay = 0) =>
  new TfjsAdamax({ learningRate, beta1, beta2, epsilon: epsilon ?? 1e-7, decay });

/**
 * An optimizer whose update is written with ops on state variables of its own: for TF.js's updates
 * that differ from the fused kernels' (PyTorch / Keras 3) ones.
 */
abstract class OpsOptimizer extends Optimizer {
  private readonly state = new Map<Variable, Variable[]>();

  protected slotNames(): string[] {
    return [];
  }

  /** How many state variables each parameter has (zeros to start). */
  protected abstract stateCount(): number;
  /** Step t (from 1) on the prepared gradient: assigns the new state and returns the parameter's new value. */
  protected abstract step(p: Tensor, g: Tensor, state: Variable[], lr: number, t: number): Tensor;

  protected update(p: Variable, g: Tensor, _slots: Tensor[], lr: number, t: number, prep: GradPrep): void {
    let st = this.state.get(p);
    if (!st) {
      st = Array.from({ length: this.stateCount() }, () => variable(zeros(p.shape), false));
      this.state.set(p, st);
    }
    const state = st;
    tidy(() => {
      let grad = prep.gscale === 1 ? g : mul(g, prep.gscale);
      if (Number.isFinite(prep.clip)) grad = clipByValue(grad, -prep.clip, prep.clip);
      p.assign(this.step(p, grad, state, lr, t));
    });
  }

  dispose(): void {
    for (const vs of this.state.values()) for (const v of vs) v.dispose();
    this.state.clear();
    super.dispose();
  }
}

interface TfjsRMSPropArgs extends OptimizerArgs {
  decay?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/**
 * TF.js's RMSProp: ms = decay ms + (1 - decay) g^2; (centered: mg = decay mg + (1 - decay) g,
 * denominator sqrt(ms - mg^2 + eps), else sqrt(ms + eps)); mom = momentum mom + lr g / denominator;
 * p -= mom.
 */
export class TfjsRMSProp extends OpsOptimizer {
  readonly className = 'RMSProp';
  readonly decay: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: TfjsRMSPropArgs = {}) {
    super(args, 0.001);
    this.decay = checkNumber('rmsprop', 'decay', args.decay ?? 0.9, { min: 0, max: 1 });
    this.momentum = checkNumber('rmsprop', 'momentum', args.momentum ?? 0, { min: 0 });
    this.epsilon = checkNumber('rmsprop', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.centered = !!args.centered;
  }

  protected stateCount(): number {
    return this.centered ? 3 : 2;
  }

  protected step(p: Tensor, g: Tensor, [msV, momV, mgV]: Variable[], lr: number): Tensor {
    const ms = add(mul(msV, this.decay), mul(square(g), 1 - this.decay));
    msV.assign(ms);
    let denom: Tensor;
    if (this.centered) {
      const mg = add(mul(mgV, this.decay), mul(g, 1 - this.decay));
      mgV.assign(mg);
      denom = sqrt(add(sub(ms, square(mg)), this.epsilon));
    } else denom = sqrt(add(ms, this.epsilon));
    const mom = add(mul(momV, this.momentum), div(mul(g, lr), denom));
    momV.assign(mom);
    return sub(p, mom);
  }

  protected ownConfig(): Record<string, unknown> {
    return { decay: this.decay, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

interface TfjsAdadeltaArgs extends OptimizerArgs {
  rho?: number;
  epsilon?: number;
}

/**
 * TF.js's Adadelta, whose step divides by the accumulated squared gradient from before this
 * step (so its first step is g itself, times the learning rate):
 * u = sqrt(au + eps) / sqrt(ag + eps) g; ag = rho ag + (1 - rho) g^2; au = rho au + (1 - rho) u^2; p -= lr u.
 */
export class TfjsAdadelta extends OpsOptimizer {
  readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;

  constructor(args: TfjsAdadeltaArgs = {}) {
    super(args, 0.001);
    this.rho = checkNumber('adadelta', 'rho', args.rho ?? 0.95, { min: 0, max: 1 });
    this.epsilon = checkNumber('adadelta', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  protected stateCount(): number {
    return 2;
  }

  protected step(p: Tensor, g: Tensor, [ag, au]: Variable[], lr: number): Tensor {
    const u = mul(div(sqrt(add(au, this.epsilon)), sqrt(add(ag, this.epsilon))), g);
    ag.assign(add(mul(ag, this.rho), mul(square(g), 1 - this.rho)));
    au.assign(add(mul(au, this.rho), mul(square(u), 1 - this.rho)));
    return sub(p, mul(u, lr));
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

interface TfjsAdamaxArgs extends OptimizerArgs {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  decay?: number;
}

/**
 * TF.js's Adamax (Adam with the infinity norm): m = b1 m + (1 - b1) g; u = max(b2 u, |g|);
 * p -= lr / (1 + decay (t - 1)) / (1 - b1^t) m / (u + eps), at step t from 1.
 */
export class TfjsAdamax extends OpsOptimizer {
  readonly className = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly decay: number;

  constructor(args: TfjsAdamaxArgs = {}) {
    super(args, 0.002);
    this.beta1 = checkNumber('adamax', 'beta1', args.beta1 ?? 0.9, { min: 0, max: 1 });
    this.beta2 = checkNumber('adamax', 'beta2', args.beta2 ?? 0.999, { min: 0, max: 1 });
    this.epsilon = checkNumber('adamax', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.decay = checkNumber('adamax', 'decay', args.decay ?? 0, { min: 0 });
  }

  protected stateCount(): number {
    return 2;
  }

  protected step(p: Tensor, g: Tensor, [m, u]: Variable[], lr: number, t: number): Tensor {
    const m1 = add(mul(m, this.beta1), mul(g, 1 - this.beta1));
    const u1 = maximum(mul(u, this.beta2), abs(g));
    m.assign(m1);
    u.assign(u1);
    const rate = lr / (1 + this.decay * (t - 1)) / (1 - this.beta1 ** t);
    return sub(p, mul(div(m1, add(u1, this.epsilon)), rate));
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, decay: this.decay };
  }
}
