// Core layers: dense, activation, flatten, reshape, dropout.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { getActivation, type ActivationFn } from '../activations.js';
import { getInitializer, serializeInitializer, type Initializer } from '../initializers.js';
import { fusedMatMul } from '../ops/matmul.js';
import { reshape as reshapeOp } from '../ops/shape.js';
import { checkNoiseShape, dropout as dropoutOp, noiseShapeFor, optionalSeed } from '../ops/random.js';
import { clone } from '../ops/shape.js';
import { Layer, serializeRegularizer, type CallArgs, type LayerArgs, type Regularizer, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

type InitSpec = Initializer | string;

/** The activation a layer applies after its linear part; relu and linear fuse into the GEMM. */
export function activationOf(spec: string | ActivationFn | undefined | null): { name: string; fn: ActivationFn } {
  return getActivation(spec);
}

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: string | ActivationFn;
  useBias?: boolean;
  kernelInitializer?: InitSpec;
  biasInitializer?: InitSpec;
  kernelRegularizer?: Regularizer | null;
  biasRegularizer?: Regularizer | null;
}

export class Dense extends Layer {
  static className = 'Dense';
  readonly units: number;
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  private readonly args: DenseArgs;
  kernel?: Tensor;
  bias?: Tensor;

  constructor(args: DenseArgs) {
    super(args);
    if (!args || !Number.isInteger(args.units) || args.units < 1) {
      throw new WasmgradError(msg`dense: units must be a whole number >= 1, got ${args?.units}`);
    }
    this.args = args;
    this.units = args.units;
    this.activation = activationOf(args.activation);
    this.useBias = args.useBias ?? true;
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const inDim = shape[shape.length - 1];
    if (typeof inDim !== 'number') throw new WasmgradError(msg`${this.name}: the last input dimension must be known, got ${jsonOf(shape)}`);
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.args.kernelInitializer, { regularizer: this.args.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.args.biasInitializer ?? 'zeros', { regularizer: this.args.biasRegularizer });
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (inputShape as Shape).slice();
    shape[shape.length - 1] = this.units;
    return shape;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const inDim = this.kernel!.shape[0];
    if (x.shape[x.rank - 1] !== inDim) {
      throw new WasmgradError(msg`${this.name}: expected inputs whose last dimension is ${inDim}, got ${jsonOf(x.shape)}`);
    }
    // Any rank: the kernel applies to the last axis.
    const flat = x.rank === 2 ? x : reshapeOp(x, [-1, inDim]);
    const fused = this.activation.name === 'relu' ? 'relu' : 'linear';
    const z = fusedMatMul(flat, this.kernel!, this.bias ?? null, fused);
    if (flat !== x) flat.dispose();
    let y = z;
    if (fused === 'linear' && this.activation.name !== 'linear') {
      y = this.activation.fn(z);
      z.dispose();
    }
    if (x.rank === 2) return y;
    const out = reshapeOp(y, [...x.shape.slice(0, -1), this.units]);
    y.dispose();
    return out;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: serializeInit(this.args.kernelInitializer, 'glorotUniform'),
      biasInitializer: serializeInit(this.args.biasInitializer, 'zeros'),
      kernelRegularizer: serializeRegularizer(this.args.kernelRegularizer),
      biasRegularizer: serializeRegularizer(this.args.biasRegularizer),
    };
  }
}

export function serializeInit(spec: InitSpec | undefined, fallback: string): unknown {
  return serializeInitializer(getInitializer(spec as InitSpec | undefined, fallback));
}

export class Activation extends Layer {
  static className = 'Activation';
  readonly activation: { name: string; fn: ActivationFn };
  constructor(args: LayerArgs & { activation: string | ActivationFn }) {
    super(args);
    this.activation = activationOf(args?.activation);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return this.activation.fn(Array.isArray(inputs) ? inputs[0] : inputs);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}

export class Flatten extends Layer {
  static className = 'Flatten';
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const rest = s.slice(1);
    return [s[0], rest.some((d) => d === null) ? null : (rest as number[]).reduce((a, b) => a * b, 1)];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return reshapeOp(x, [x.shape[0], -1]);
  }
}

export class Reshape extends Layer {
  static className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: LayerArgs & { targetShape: number[] }) {
    super(args);
    if (!Array.isArray(args?.targetShape)) throw new WasmgradError('reshape layer: targetShape must be an array');
    this.targetShape = args.targetShape.slice();
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const known = s.slice(1);
    if (!this.targetShape.includes(-1) || known.some((d) => d === null)) return [s[0], ...this.targetShape];
    const total = (known as number[]).reduce((a, b) => a * b, 1);
    const rest = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return [s[0], ...this.targetShape.map((d) => (d === -1 ? total / rest : d))];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return reshapeOp(x, [x.shape[0], ...this.targetShape]);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

export class Dropout extends Layer {
  static className = 'Dropout';
  readonly rate: number;
  readonly seed?: number;
  /** One mask drawn for this shape and broadcast over its 1s (null: the input's size). */
  readonly noiseShape?: (number | null)[];
  private calls = 0;
  constructor(args: LayerArgs & { rate: number; seed?: number | null; noiseShape?: (number | null)[] | null }) {
    super(args);
    if (typeof args?.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new WasmgradError(msg`dropout layer: rate must be in [0, 1), got ${args?.rate}`);
    }
    this.rate = args.rate;
    this.seed = optionalSeed(args.seed, 'dropout layer');
    this.noiseShape = checkNoiseShape(args.noiseShape, 'dropout layer');
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return clone(x);
    // a seeded layer draws a new, reproducible mask every call
    const seed = this.seed === undefined ? undefined : this.seed + 7919 * this.calls++;
    return dropoutOp(x, this.rate, seed, this.noiseShape && noiseShapeFor(x, this.noiseShape, this.name));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, ...(this.noiseShape ? { noiseShape: this.noiseShape } : {}) };
  }
}

for (const cls of [Dense, Activation, Flatten, Reshape, Dropout]) registerLayer(cls);
