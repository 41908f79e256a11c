// Pooling layers (Keras semantics, channels last): maxPooling2d, averagePooling2d (strides default
// to the pool size), maxPooling3d, averagePooling3d, maxPooling1d, averagePooling1d, and the global poolings over the spatial axes.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { maxPool, avgPool } from '../ops/pool.js';
import { maxPool3d, avgPool3d } from '../ops/pool3d.js';
import { mean, max } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { Layer, checkInputRank, type LayerArgs, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

type Padding = 'valid' | 'same';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  /** Default: poolSize. */
  strides?: number | [number, number] | null;
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

export interface Pooling3DArgs extends LayerArgs {
  poolSize?: number | [number, number, number];
  /** Default: poolSize. */
  strides?: number | [number, number, number] | null;
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

export interface Pooling1DArgs extends LayerArgs {
  poolSize?: number | [number];
  strides?: number | [number] | null;
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

function tuple(v: unknown, rank: number, layer: string, name: string): number[] {
  const list = typeof v === 'number' ? new Array(rank).fill(v) : v;
  if (!Array.isArray(list) || list.length !== rank || !list.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WasmgradError(msg`${layer}: ${name} must be a positive whole number or ${rank} of them, got ${jsonOf(v)}`);
  }
  return list.slice();
}

function checkFormat(layer: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
    throw new WasmgradError(msg`${layer}: only dataFormat 'channelsLast' is supported, got ${jsonOf(dataFormat)}`);
  }
}

function poolLength(size: number | null, k: number, s: number, padding: Padding): number | null {
  if (size === null) return null;
  return padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

abstract class Pooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  protected abstract readonly isMax: boolean;

  constructor(
    readonly poolRank: number,
    args: Pooling3DArgs | Pooling2DArgs | Pooling1DArgs = {},
  ) {
    super(args);
    this.poolSize = tuple(args.poolSize ?? 2, poolRank, this.name, 'poolSize');
    this.strides = args.strides === undefined || args.strides === null ? this.poolSize.slice() : tuple(args.strides, poolRank, this.name, 'strides');
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') throw new WasmgradError(msg`${this.name}: padding must be 'valid' or 'same', got ${jsonOf(args.padding)}`);
    checkFormat(this.name, args.dataFormat);
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkInputRank(this, s, this.poolRank + 2);
    return [s[0], ...s.slice(1, 1 + this.poolRank).map((d, i) => poolLength(d, this.poolSize[i], this.strides[i], this.padding)), s[s.length - 1]];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== this.poolRank + 2) throw new WasmgradError(msg`${this.name}: expected input of rank ${this.poolRank + 2}, got ${jsonOf(x.shape)}`);
    const pool = this.isMax ? maxPool : avgPool;
    if (this.poolRank === 2) return pool(x, this.poolSize as [number, number], this.strides as [number, number], this.padding);
    if (this.poolRank === 3) {
      const pool3 = this.isMax ? maxPool3d : avgPool3d;
      return pool3(x, this.poolSize as [number, number, number], this.strides as [number, number, number], this.padding);
    }
    const [N, W, C] = x.shape;
    const x4 = reshape(x, [N, 1, W, C]);
    const y4 = pool(x4, [1, this.poolSize[0]], [1, this.strides[0]], this.padding);
    const y = reshape(y4, [N, y4.shape[2], C]);
    x4.dispose();
    y4.dispose();
    return y;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: 'channelsLast' };
  }
}

export class MaxPooling2D extends Pooling {
  static className = 'MaxPooling2D';
  protected readonly isMax = true;
  constructor(args: Pooling2DArgs = {}) {
    super(2, args);
  }
}

export class AveragePooling2D extends Pooling {
  static className = 'AveragePooling2D';
  protected readonly isMax = false;
  constructor(args: Pooling2DArgs = {}) {
    super(2, args);
  }
}

export class MaxPooling3D extends Pooling {
  static className = 'MaxPooling3D';
  protected readonly isMax = true;
  constructor(args: Pooling3DArgs = {}) {
    super(3, args);
  }
}

export class AveragePooling3D extends Pooling {
  static className = 'AveragePooling3D';
  protected readonly isMax = false;
  constructor(args: Pooling3DArgs = {}) {
    super(3, args);
  }
}

export class MaxPooling1D extends Pooling {
  static className = 'MaxPooling1D';
  protected readonly isMax = true;
  constructor(args: Pooling1DArgs = {}) {
    super(1, args);
  }
}

export class AveragePooling1D extends Pooling {
  static className = 'AveragePooling1D';
  protected readonly isMax = false;
  constructor(args: Pooling1DArgs = {}) {
    super(1, args);
  }
}

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: 'channelsLast';
  /** Keep the spatial axes as size 1 (Keras 3's keepdims). */
  keepDims?: boolean;
}

abstract class GlobalPooling extends Layer {
  readonly keepDims: boolean;
  protected abstract readonly isMax: boolean;
  constructor(
    readonly poolRank: number,
    args: GlobalPoolingArgs = {},
  ) {
    super(args);
    checkFormat(this.name, args.dataFormat);
    this.keepDims = args.keepDims ?? false;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkInputRank(this, s, this.poolRank + 2);
    return this.keepDims ? [s[0], ...new Array(this.poolRank).fill(1), s[s.length - 1]] : [s[0], s[s.length - 1]];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.rank !== this.poolRank + 2) throw new WasmgradError(msg`${this.name}: expected input of rank ${this.poolRank + 2}, got ${jsonOf(x.shape)}`);
    const axes = Array.from({ length: this.poolRank }, (_, i) => i + 1);
    return this.isMax ? max(x, axes, this.keepDims) : mean(x, axes, this.keepDims);
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: 'channelsLast', keepDims: this.keepDims };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling {
  static className = 'GlobalAveragePooling2D';
  protected readonly isMax = false;
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling {
  static className = 'GlobalMaxPooling2D';
  protected readonly isMax = true;
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}

export class GlobalAveragePooling1D extends GlobalPooling {
  static className = 'GlobalAveragePooling1D';
  protected readonly isMax = false;
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
  }
}

export class GlobalMaxPooling1D extends GlobalPooling {
  static className = 'GlobalMaxPooling1D';
  protected readonly isMax = true;
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
  }
}

for (const cls of [
  MaxPooling2D, AveragePooling2D, MaxPooling3D, AveragePooling3D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  GlobalAveragePooling1D, GlobalMaxPooling1D,
]) registerLayer(cls);
