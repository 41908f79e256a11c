// Advanced activation layers (Keras semantics): prelu (a learned slope for negative inputs),
// maxout (the max over groups of units, Goodfellow et al. 2013, as ConvNetJS and TF Addons),
// leakyReLU, elu, reLU and softmax with their parameters.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { type Initializer } from '../initializers.js';
import { add, mul, minimum } from '../ops/binary.js';
import { relu, leakyRelu, elu as eluOp, clipByValue } from '../ops/unary.js';
import { max } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { softmax as softmaxOp } from '../ops/softmax.js';
import { Layer, serializeRegularizer, type LayerArgs, type Regularizer, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { firstInput } from './first-input.js';
import { serializeInit } from './core.js';

export interface PReLUArgs extends LayerArgs {
  /** Default zeros (the layer starts as relu). */
  alphaInitializer?: Initializer | string;
  alphaRegularizer?: Regularizer | null;
  /** Axes (1-based, as Keras: 1 is the first axis after the batch) along which one slope is shared, e.g. [1, 2] for images. */
  sharedAxes?: number[] | number;
}

/** y = x for x > 0, alpha x otherwise, with alpha learned per unit (shape of one sample). */
export class PReLU extends Layer {
  static className = 'PReLU';
  readonly sharedAxes: number[];
  private readonly args: PReLUArgs;
  alpha?: Tensor;

  constructor(args: PReLUArgs = {}) {
    super(args);
    this.args = args;
    const axes = args.sharedAxes === undefined || args.sharedAxes === null ? [] : Array.isArray(args.sharedAxes) ? args.sharedAxes : [args.sharedAxes];
    if (axes.some((a) => !Number.isInteger(a) || a < 1)) throw new WasmgradError(msg`prelu: sharedAxes must be whole numbers >= 1, got ${jsonOf(args.sharedAxes)}`);
    this.sharedAxes = axes.slice();
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = (inputShape as Shape).slice(1);
    const alphaShape = shape.map((d, i) => (this.sharedAxes.includes(i + 1) ? 1 : d));
    if (alphaShape.some((d) => typeof d !== 'number')) throw new WasmgradError(msg`${this.name}: every non-shared input dimension must be known, got ${jsonOf(inputShape)}`);
    for (const a of this.sharedAxes) if (a > shape.length) throw new WasmgradError(msg`${this.name}: sharedAxes ${jsonOf(this.sharedAxes)} out of range for input ${jsonOf(inputShape)}`);
    this.alpha = this.addWeight('alpha', alphaShape as number[], this.args.alphaInitializer, { regularizer: this.args.alphaRegularizer, fallbackInit: 'zeros' });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    // relu(x) + alpha * min(x, 0): both pieces have exact gradients by composition
    return tidy(() => add(relu(x), mul(this.alpha!, minimum(x, 0))));
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      alphaInitializer: serializeInit(this.args.alphaInitializer, 'zeros'),
      alphaRegularizer: serializeRegularizer(this.args.alphaRegularizer),
      sharedAxes: this.sharedAxes.length ? this.sharedAxes : null,
    };
  }
}

/**
 * maxout({ units }): the last axis (C channels) is cut into `units` contiguous groups of C / units
 * and each output is the max of its group. A maxout network layer is dense({ units: units * k })
 * followed by maxout({ units }).
 */
export class Maxout extends Layer {
  static className = 'Maxout';
  readonly units: number;

  constructor(args: LayerArgs & { units?: number; numUnits?: number }) {
    super(args);
    const units = args?.units ?? args?.numUnits;
    if (!Number.isInteger(units) || (units as number) < 1) throw new WasmgradError(msg`maxout: units must be a whole number >= 1, got ${units}`);
    this.units = units as number;
  }

  private pieces(shape: Shape): number {
    const c = shape[shape.length - 1];
    if (typeof c !== 'number' || c % this.units !== 0) {
      throw new WasmgradError(msg`${this.name}: the last input dimension (${String(c)}) must be a multiple of units (${this.units})`);
    }
    return c / this.units;
  }

  build(inputShape: Shape | Shape[]): void {
    this.pieces(inputShape as Shape);
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (inputShape as Shape).slice();
    this.pieces(s);
    s[s.length - 1] = this.units;
    return s;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    const k = this.pieces(x.shape);
    return tidy(() => max(reshape(x, [...x.shape.slice(0, -1), this.units, k]), -1));
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units };
  }
}

export class LeakyReLU extends Layer {
  static className = 'LeakyReLU';
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.3;
    if (typeof this.alpha !== 'number' || !Number.isFinite(this.alpha)) throw new WasmgradError(msg`leakyReLU: alpha must be a finite number, got ${args.alpha}`);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(firstInput(inputs), this.alpha);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export class ELU extends Layer {
  static className = 'ELU';
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args);
    this.alpha = args.alpha ?? 1;
    if (typeof this.alpha !== 'number' || !Number.isFinite(this.alpha)) throw new WasmgradError(msg`elu: alpha must be a finite number, got ${args.alpha}`);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return eluOp(firstInput(inputs), this.alpha);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** relu capped at maxValue (no cap by default). */
export class ReLU extends Layer {
  static className = 'ReLU';
  readonly maxValue: number | null;
  constructor(args: LayerArgs & { maxValue?: number | null } = {}) {
    super(args);
    this.maxValue = args.maxValue ?? null;
    if (this.maxValue !== null && !(typeof this.maxValue === 'number' && this.maxValue >= 0)) throw new WasmgradError(msg`reLU: maxValue must be a number >= 0, got ${args.maxValue}`);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    return this.maxValue === null ? relu(x) : clipByValue(x, 0, this.maxValue);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxValue: this.maxValue };
  }
}

export class Softmax extends Layer {
  static className = 'Softmax';
  readonly axis: number;
  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new WasmgradError(msg`softmax: axis must be a whole number, got ${args.axis}`);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return softmaxOp(firstInput(inputs), this.axis);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

for (const cls of [PReLU, Maxout, LeakyReLU, ELU, ReLU, Softmax]) registerLayer(cls);
