// Normalization layers (Keras semantics): batchNormalization over the last axis (training: batch
// statistics in one fused pass, and the moving averages updated; inference: the moving
// statistics) and layerNormalization over the last axis.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { type Initializer } from '../initializers.js';
import { batchNorm, fusedBatchNorm, layerNorm } from '../ops/norm.js';
import { Layer, serializeRegularizer, type CallArgs, type LayerArgs, type Regularizer, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { serializeInit } from './core.js';
import { Variable } from '../variables.js';

type InitSpec = Initializer | string;

/**
 * The normalized axis as given: one axis, -1 or a positive index (TF.js saves the last axis as its
 * index, LayerNormalization as a list of one); which must be the last is known when built.
 */
function requestedAxis(layer: string, axis: unknown): number {
  const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis ?? -1;
  if (!Number.isInteger(a) || (a as number) < -1) {
    throw new WasmgradError(msg`${layer}: only the last axis (channels last) is supported: -1 or its index, got ${jsonOf(axis)}`);
  }
  return a as number;
}

/** The axis given must be the input's last: -1, or rank - 1 (the batch axis counted). */
function checkLastAxis(layer: Layer, axis: number, inputShape: Shape): void {
  if (axis !== -1 && axis !== inputShape.length - 1) {
    throw new WasmgradError(
      `${layer.name}: only the last axis (channels last) is supported: -1 or ${inputShape.length - 1} for input ${JSON.stringify(inputShape)}, got axis ${axis}`,
    );
  }
}

function featureDim(layer: Layer, inputShape: Shape): number {
  const d = inputShape[inputShape.length - 1];
  if (inputShape.length < 2 || typeof d !== 'number') {
    throw new WasmgradError(msg`${layer.name}: the last input dimension must be known (rank >= 2), got ${jsonOf(inputShape)}`);
  }
  return d;
}

export interface BatchNormalizationArgs extends LayerArgs {
  /** Default -1; only the last axis is supported (-1 or its index). */
  axis?: number | number[];
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitSpec;
  gammaInitializer?: InitSpec;
  movingMeanInitializer?: InitSpec;
  movingVarianceInitializer?: InitSpec;
  betaRegularizer?: Regularizer | null;
  gammaRegularizer?: Regularizer | null;
}

export class BatchNormalization extends Layer {
  static className = 'BatchNormalization';
  /** The normalized axis: always the last (-1), whichever way the config named it. */
  readonly axis = -1;
  private readonly axisArg: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: BatchNormalizationArgs;
  gamma?: Variable;
  beta?: Variable;
  movingMean?: Variable;
  movingVariance?: Variable;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.args = args;
    this.axisArg = requestedAxis(this.name, args.axis);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(typeof this.momentum === 'number' && this.momentum >= 0 && this.momentum <= 1)) throw new WasmgradError(msg`${this.name}: momentum must be in [0, 1], got ${args.momentum}`);
    if (!(typeof this.epsilon === 'number' && this.epsilon >= 0)) throw new WasmgradError(msg`${this.name}: epsilon must be >= 0, got ${args.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  build(inputShape: Shape | Shape[]): void {
    checkLastAxis(this, this.axisArg, inputShape as Shape);
    const c = featureDim(this, inputShape as Shape);
    // Keras's weight order: gamma, beta, moving_mean, moving_variance
    if (this.scale) this.gamma = this.addWeight('gamma', [c], this.args.gammaInitializer ?? 'ones', { regularizer: this.args.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', [c], this.args.betaInitializer ?? 'zeros', { regularizer: this.args.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', [c], this.args.movingMeanInitializer ?? 'zeros', { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [c], this.args.movingVarianceInitializer ?? 'ones', { trainable: false });
  }

  /** training: normalize with the batch's statistics and update the moving ones; else use the moving ones. */
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const c = this.movingMean!.size;
    if (x.rank < 2 || x.shape[x.rank - 1] !== c) throw new WasmgradError(msg`${this.name}: expected input whose last dimension is ${c}, got ${jsonOf(x.shape)}`);
    if (!kwargs.training) return batchNorm(x, this.movingMean!, this.movingVariance!, this.beta ?? null, this.gamma ?? null, this.epsilon);
    const { y, mean, variance } = fusedBatchNorm(x, this.gamma ?? null, this.beta ?? null, this.epsilon);
    // moving = moving * momentum + batch * (1 - momentum), with the biased batch variance (as Keras)
    const m = this.momentum;
    const update = (v: Variable, batch: Tensor) => {
      const old = v.dataSync(), b = batch.dataSync();
      const next = fromFlat(old.map((o, i) => o * m + b[i] * (1 - m)), v.shape, 'float32');
      v.assign(next);
      next.dispose();
      batch.dispose();
    };
    update(this.movingMean!, mean);
    update(this.movingVariance!, variance);
    return y;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInit(this.args.betaInitializer, 'zeros'),
      gammaInitializer: serializeInit(this.args.gammaInitializer, 'ones'),
      movingMeanInitializer: serializeInit(this.args.movingMeanInitializer, 'zeros'),
      movingVarianceInitializer: serializeInit(this.args.movingVarianceInitializer, 'ones'),
      betaRegularizer: serializeRegularizer(this.args.betaRegularizer),
      gammaRegularizer: serializeRegularizer(this.args.gammaRegularizer),
    };
  }
}

export interface LayerNormalizationArgs extends LayerArgs {
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitSpec;
  gammaInitializer?: InitSpec;
  betaRegularizer?: Regularizer | null;
  gammaRegularizer?: Regularizer | null;
}

export class LayerNormalization extends Layer {
  static className = 'LayerNormalization';
  /** The normalized axis: always the last (-1), whichever way the config named it. */
  readonly axis = -1;
  private readonly axisArg: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly args: LayerNormalizationArgs;
  gamma?: Variable;
  beta?: Variable;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    this.args = args;
    this.axisArg = requestedAxis(this.name, args.axis);
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(typeof this.epsilon === 'number' && this.epsilon >= 0)) throw new WasmgradError(msg`${this.name}: epsilon must be >= 0, got ${args.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  build(inputShape: Shape | Shape[]): void {
    checkLastAxis(this, this.axisArg, inputShape as Shape);
    const d = featureDim(this, inputShape as Shape);
    if (this.scale) this.gamma = this.addWeight('gamma', [d], this.args.gammaInitializer ?? 'ones', { regularizer: this.args.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', [d], this.args.betaInitializer ?? 'zeros', { regularizer: this.args.betaRegularizer });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return layerNorm(x, this.gamma ?? null, this.beta ?? null, this.epsilon);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInit(this.args.betaInitializer, 'zeros'),
      gammaInitializer: serializeInit(this.args.gammaInitializer, 'ones'),
      betaRegularizer: serializeRegularizer(this.args.betaRegularizer),
      gammaRegularizer: serializeRegularizer(this.args.gammaRegularizer),
    };
  }
}

for (const cls of [BatchNormalization, LayerNormalization]) registerLayer(cls);
