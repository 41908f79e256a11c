// separableConv2d({ filters, kernelSize, depthMultiplier, ... }): a depthwise convolution (each
// input channel convolved with depthMultiplier kernels of its own) followed by a pointwise 1x1
// convolution to `filters` channels, bias and activation in the pointwise GEMM's epilogue
// (TF.js / Keras semantics). Weights, as they lay them out: depthwise_kernel [kh, kw, in, dm],
// pointwise_kernel [1, 1, in * dm, filters], bias [filters].
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { type Initializer } from '../initializers.js';
import { depthwiseConv2d, fusedConv2d } from '../ops/conv.js';
import { serializeRegularizer, type Regularizer, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { DepthwiseConv2D, type DepthwiseConv2DArgs } from './conv.js';
import { serializeInit } from './core.js';

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: Initializer | string;
  pointwiseRegularizer?: Regularizer | null;
}

type Padding = 'valid' | 'same';

/** Shares the depthwise geometry, checks and configuration with DepthwiseConv2D; adds the pointwise step. */
export class SeparableConv2D extends DepthwiseConv2D {
  static className = 'SeparableConv2D';
  readonly filters: number;
  private readonly sepArgs: SeparableConv2DArgs;
  pointwiseKernel?: Tensor;

  constructor(args: SeparableConv2DArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters < 1) {
      throw new WasmgradError(msg`${this.name}: filters must be a whole number >= 1, got ${jsonOf(args.filters)}`);
    }
    this.filters = args.filters;
    this.sepArgs = args;
  }

  build(inputShape: Shape | Shape[]): void {
    const c = this.inputChannels(inputShape as Shape);
    const inner = c * this.depthMultiplier;
    this.kernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.sepArgs.depthwiseInitializer, {
      regularizer: this.sepArgs.depthwiseRegularizer,
    });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, inner, this.filters], this.sepArgs.pointwiseInitializer, {
      regularizer: this.sepArgs.pointwiseRegularizer,
    });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.args.biasInitializer ?? 'zeros', { regularizer: this.args.biasRegularizer });
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = super.computeOutputShape(inputShape);
    return [...s.slice(0, -1), this.filters];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.checkChannels(x, this.kernel!.shape[2]);
    const z = tidy(() => {
      const d = depthwiseConv2d(x, this.kernel!, this.strides as [number, number], this.padding as Padding, this.dilationRate as [number, number]);
      return fusedConv2d(d, this.pointwiseKernel!, this.bias ?? null, this.fusedAct, 1, 'valid', 1);
    });
    return this.finish(z);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      pointwiseInitializer: serializeInit(this.sepArgs.pointwiseInitializer, 'glorotUniform'),
      pointwiseRegularizer: serializeRegularizer(this.sepArgs.pointwiseRegularizer),
    };
  }
}

registerLayer(SeparableConv2D);
