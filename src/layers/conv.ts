// Convolution layers (Keras semantics, channels last): conv1d, conv2d, depthwiseConv2d,
// conv2dTranspose. Kernels as Keras and TensorFlow.js lay them out: conv2d [kh, kw, in, filters],
// conv1d [k, in, filters], depthwise [kh, kw, in, multiplier], transpose [kh, kw, filters, in].
// Bias and relu run in the convolution's GEMM epilogue (fusedConv2d); other activations after.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { getActivation, type ActivationFn } from '../activations.js';
import { type Initializer } from '../initializers.js';
import { fusedConv2d, fusedDepthwiseConv2d, conv1d as conv1dOp, conv2dTranspose as conv2dTransposeOp } from '../ops/conv.js';
import { add } from '../ops/binary.js';
import { reshape } from '../ops/shape.js';
import { Layer, serializeRegularizer, checkInputRank, type LayerArgs, type Regularizer, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { serializeInit } from './core.js';

type InitSpec = Initializer | string;
type Padding = 'valid' | 'same';

export interface ConvLayerArgs extends LayerArgs {
  /** Output channels (not for depthwiseConv2d). */
  filters?: number;
  kernelSize: number | number[];
  strides?: number | number[];
  /** 'valid' (default) or 'same'; conv1d also takes 'causal'. */
  padding?: Padding | 'causal';
  /** Only 'channelsLast' (NHWC). */
  dataFormat?: 'channelsLast';
  dilationRate?: number | number[];
  activation?: string | ActivationFn;
  useBias?: boolean;
  kernelInitializer?: InitSpec;
  biasInitializer?: InitSpec;
  kernelRegularizer?: Regularizer | null;
  biasRegularizer?: Regularizer | null;
}

export interface DepthwiseConv2DArgs extends Omit<ConvLayerArgs, 'filters' | 'kernelInitializer' | 'kernelRegularizer'> {
  depthMultiplier?: number;
  depthwiseInitializer?: InitSpec;
  depthwiseRegularizer?: Regularizer | null;
}

/** A tuple of `rank` positive whole numbers from a number or an array. */
function tuple(v: unknown, rank: number, layer: string, name: string, fallback?: number): number[] {
  const raw = v === undefined || v === null ? fallback : v;
  const list = typeof raw === 'number' ? new Array(rank).fill(raw) : raw;
  if (!Array.isArray(list) || list.length !== rank || !list.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WasmgradError(msg`${layer}: ${name} must be a positive whole number or ${rank} of them, got ${jsonOf(v)}`);
  }
  return list.slice();
}

/** One spatial output length (Keras conv_output_length); null stays null. */
function convLength(size: number | null, k: number, s: number, d: number, padding: string): number | null {
  if (size === null) return null;
  const eff = (k - 1) * d + 1;
  const out = padding === 'valid' ? size - eff + 1 : size;
  return Math.floor((out + s - 1) / s);
}

/** The shared part of the convolution layers: kernel geometry, activation, bias, configs. */
export abstract class BaseConv extends Layer {
  readonly rank: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding | 'causal';
  readonly dilationRate: number[];
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  protected readonly args: ConvLayerArgs;
  kernel?: Tensor;
  bias?: Tensor;

  constructor(rank: number, args: ConvLayerArgs, allowCausal = false) {
    super(args);
    const cls = this.className;
    if (!args || typeof args !== 'object') throw new WasmgradError(msg`${cls}: expected an arguments object`);
    this.args = args;
    this.rank = rank;
    this.kernelSize = tuple(args.kernelSize, rank, this.name, 'kernelSize');
    this.strides = tuple(args.strides, rank, this.name, 'strides', 1);
    this.dilationRate = tuple(args.dilationRate, rank, this.name, 'dilationRate', 1);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same' && !(allowCausal && padding === 'causal')) {
      throw new WasmgradError(msg`${this.name}: padding must be 'valid' or 'same'${allowCausal ? " or 'causal'" : ''}, got ${jsonOf(padding)}`);
    }
    this.padding = padding;
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') {
      throw new WasmgradError(msg`${this.name}: only dataFormat 'channelsLast' (NHWC) is supported, got ${jsonOf(args.dataFormat)}`);
    }
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
  }

  /** relu and linear run inside the convolution; anything else after it. */
  protected get fusedAct(): 'relu' | 'linear' {
    return this.activation.name === 'relu' ? 'relu' : 'linear';
  }

  protected finish(z: Tensor): Tensor {
    if (this.fusedAct === 'relu' || this.activation.name === 'linear') return z;
    const y = this.activation.fn(z);
    z.dispose();
    return y;
  }

  protected inputChannels(inputShape: Shape): number {
    checkInputRank(this, inputShape, this.rank + 2);
    const c = inputShape[inputShape.length - 1];
    if (typeof c !== 'number') throw new WasmgradError(msg`${this.name}: the channel dimension of the input must be known, got ${jsonOf(inputShape)}`);
    return c;
  }

  protected checkChannels(x: Tensor, c: number): void {
    if (x.rank !== this.rank + 2 || x.shape[x.rank - 1] !== c) {
      throw new WasmgradError(msg`${this.name}: expected input of rank ${this.rank + 2} with ${c} channels, got ${jsonOf(x.shape)}`);
    }
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: this.dilationRate,
      activation: this.activation.name,
      useBias: this.useBias,
      biasInitializer: serializeInit(this.args.biasInitializer, 'zeros'),
      biasRegularizer: serializeRegularizer(this.args.biasRegularizer),
    };
  }
}

/** Shared by Conv1D and Conv2D: a kernel [...kernelSize, in, filters] and a bias [filters]. */
export abstract class Conv extends BaseConv {
  readonly filters: number;
  constructor(rank: number, args: ConvLayerArgs, allowCausal = false) {
    super(rank, args, allowCausal);
    if (!Number.isInteger(args.filters) || (args.filters as number) < 1) {
      throw new WasmgradError(msg`${this.name}: filters must be a whole number >= 1, got ${args.filters}`);
    }
    this.filters = args.filters as number;
  }

  build(inputShape: Shape | Shape[]): void {
    const c = this.inputChannels(inputShape as Shape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, c, this.filters], this.args.kernelInitializer, { regularizer: this.args.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.args.biasInitializer ?? 'zeros', { regularizer: this.args.biasRegularizer });
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const spatial = s.slice(1, 1 + this.rank).map((d, i) =>
      convLength(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding === 'causal' ? 'same' : this.padding),
    );
    return [s[0], ...spatial, this.filters];
  }

  /** z + bias, then the activation: for the convolutions whose op fuses neither. */
  protected biasThenActivation(z: Tensor): Tensor {
    if (this.bias) {
      const zb = add(z, this.bias);
      z.dispose();
      z = zb;
    }
    if (this.activation.name === 'linear') return z;
    const y = this.activation.fn(z);
    z.dispose();
    return y;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelInitializer: serializeInit(this.args.kernelInitializer, 'glorotUniform'),
      kernelRegularizer: serializeRegularizer(this.args.kernelRegularizer),
    };
  }
}

export class Conv2D extends Conv {
  static className = 'Conv2D';
  constructor(args: ConvLayerArgs) {
    super(2, args);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.checkChannels(x, this.kernel!.shape[2]);
    const z = fusedConv2d(x, this.kernel!, this.bias ?? null, this.fusedAct, this.strides as [number, number], this.padding as Padding, this.dilationRate as [number, number]);
    return this.finish(z);
  }
}

export class Conv1D extends Conv {
  static className = 'Conv1D';
  constructor(args: ConvLayerArgs) {
    super(1, args, true);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.checkChannels(x, this.kernel!.shape[1]);
    // as a 2-D convolution over a height of 1, so that bias and relu stay fused
    if (this.padding !== 'causal') {
      const [N, W, C] = x.shape;
      const x4 = reshape(x, [N, 1, W, C]);
      const k4 = reshape(this.kernel!, [1, ...this.kernel!.shape]);
      const z4 = fusedConv2d(x4, k4, this.bias ?? null, this.fusedAct, [1, this.strides[0]], this.padding, [1, this.dilationRate[0]]);
      const z = reshape(z4, [N, z4.shape[2], this.filters]);
      x4.dispose();
      k4.dispose();
      z4.dispose();
      return this.finish(z);
    }
    return this.biasThenActivation(conv1dOp(x, this.kernel!, this.strides[0], 'causal', this.dilationRate[0]));
  }
}

export class DepthwiseConv2D extends BaseConv {
  static className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  protected readonly dwArgs: DepthwiseConv2DArgs;
  constructor(args: DepthwiseConv2DArgs) {
    super(2, args as ConvLayerArgs);
    this.dwArgs = args;
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) {
      throw new WasmgradError(msg`${this.name}: depthMultiplier must be a whole number >= 1, got ${args.depthMultiplier}`);
    }
  }

  build(inputShape: Shape | Shape[]): void {
    const c = this.inputChannels(inputShape as Shape);
    this.kernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.dwArgs.depthwiseInitializer, {
      regularizer: this.dwArgs.depthwiseRegularizer,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [c * this.depthMultiplier], this.args.biasInitializer ?? 'zeros', { regularizer: this.args.biasRegularizer });
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const spatial = s.slice(1, 3).map((d, i) => convLength(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding));
    const c = s[3];
    return [s[0], ...spatial, c === null ? null : c * this.depthMultiplier];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.checkChannels(x, this.kernel!.shape[2]);
    const z = fusedDepthwiseConv2d(x, this.kernel!, this.bias ?? null, this.fusedAct, this.strides as [number, number], this.padding as Padding, this.dilationRate as [number, number]);
    return this.finish(z);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: serializeInit(this.dwArgs.depthwiseInitializer, 'glorotUniform'),
      depthwiseRegularizer: serializeRegularizer(this.dwArgs.depthwiseRegularizer),
    };
  }
}

/** The transposed convolutions (2-D and 3-D): kernel [...k, filters, in] and Keras's output length. */
export abstract class ConvTranspose extends Conv {
  build(inputShape: Shape | Shape[]): void {
    const c = this.inputChannels(inputShape as Shape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, c], this.args.kernelInitializer, { regularizer: this.args.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.args.biasInitializer ?? 'zeros', { regularizer: this.args.biasRegularizer });
  }

  /** Keras's deconv_output_length: in*s for 'same', in*s + max(k - s, 0) for 'valid'. */
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const spatial = s.slice(1, 1 + this.rank).map((d, i) => {
      if (d === null) return null;
      const k = (this.kernelSize[i] - 1) * this.dilationRate[i] + 1;
      return this.padding === 'same' ? d * this.strides[i] : d * this.strides[i] + Math.max(k - this.strides[i], 0);
    });
    return [s[0], ...spatial, this.filters];
  }
}

export class Conv2DTranspose extends ConvTranspose {
  static className = 'Conv2DTranspose';
  constructor(args: ConvLayerArgs) {
    super(2, args);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.checkChannels(x, this.kernel!.shape[3]);
    const out = this.computeOutputShape(x.shape) as number[];
    return this.biasThenActivation(conv2dTransposeOp(x, this.kernel!, out, this.strides as [number, number], this.padding as Padding, this.dilationRate as [number, number]));
  }
}

for (const cls of [Conv1D, Conv2D, DepthwiseConv2D, Conv2DTranspose]) registerLayer(cls);
