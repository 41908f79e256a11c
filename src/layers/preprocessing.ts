// TF.js 4.22's preprocessing layers: categoryEncoding (integer tokens to one-hot, multi-hot or
// count vectors), centerCrop, resizing and randomWidth (images [B, H, W, C] or [H, W, C]). Values
// and defaults are TF.js's, quirks included where they decide numbers: resizing aligns corners
// unless cropToAspectRatio, and centerCrop samples as TF.js's cropAndResize ('nearest'). Where
// TF.js's output shapes are wrong (resizing drops the batch axis, randomWidth gives -1) the shapes
// here are the real ones. randomWidth resizes only while training, as Keras (TF.js 4.22 resizes
// on every call and cannot be added to a model; docs/coming-from-tfjs.md lists it).
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { seededRandom } from '../util/seeded.js';
import { gather, oneHot, reshape, clone } from '../ops/shape.js';
import { sum, max } from '../ops/reduce.js';
import { cast } from '../ops/arrange.js';
import { mul } from '../ops/binary.js';
import { resizeBilinear, resizeNearestNeighbor } from '../ops/image.js';
import { Layer, type CallArgs, type LayerArgs, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { firstInput } from './first-input.js';

function positiveInt(v: unknown, where: string, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new WasmgradError(msg`${where}: ${what} must be a whole number >= 1, got ${jsonOf(v)}`);
  return v as number;
}

type Interpolation = 'bilinear' | 'nearest';
function interpolationOf(v: unknown, where: string): Interpolation {
  const mode = v ?? 'bilinear';
  if (mode !== 'bilinear' && mode !== 'nearest') throw new WasmgradError(msg`${where}: interpolation must be 'bilinear' or 'nearest', got ${jsonOf(v)}`);
  return mode;
}

function checkImages(layer: Layer, x: Tensor | Shape): void {
  const shape = x instanceof Tensor ? x.shape : x;
  if (shape.length !== 3 && shape.length !== 4) throw new WasmgradError(msg`${layer.name} (${layer.className}): expected images of rank 3 [H, W, C] or 4 [B, H, W, C], got ${jsonOf(shape)}`);
}

/** The shape with its height and width axes (third and second from last) replaced. */
const withHW = (s: Shape, h: number | null, w: number | null): Shape => [...s.slice(0, -3), h, w, s[s.length - 1]];

export type CategoryOutputMode = 'oneHot' | 'multiHot' | 'count';

/**
 * categoryEncoding({ numTokens, outputMode = 'multiHot' }): int tokens in [0, numTokens) to float32
 * vectors; apply(x, { countWeights }) weighs each token's count (outputMode 'count').
 */
export class CategoryEncoding extends Layer {
  static className = 'CategoryEncoding';
  readonly numTokens: number;
  readonly outputMode: CategoryOutputMode;
  constructor(args: LayerArgs & { numTokens: number; outputMode?: CategoryOutputMode }) {
    super(args);
    this.numTokens = positiveInt(args?.numTokens, 'categoryEncoding', 'numTokens');
    const mode = args.outputMode ?? 'multiHot';
    if (mode !== 'oneHot' && mode !== 'multiHot' && mode !== 'count') {
      throw new WasmgradError(msg`categoryEncoding: outputMode must be 'oneHot', 'multiHot' or 'count', got ${jsonOf(args.outputMode)}`);
    }
    this.outputMode = mode;
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = [...(inputShape as Shape)];
    if (s.length === 0) return [this.numTokens];
    if (this.outputMode === 'oneHot' && s[s.length - 1] !== 1) return [...s, this.numTokens];
    s[s.length - 1] = this.numTokens;
    return s;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): Tensor {
    const x = firstInput(inputs);
    const weights = kwargs.countWeights;
    if (weights !== undefined) {
      if (this.outputMode !== 'count') throw new WasmgradError(msg`${this.name} (CategoryEncoding): countWeights is used only with outputMode 'count', not '${this.outputMode}'`);
      if (!(weights instanceof Tensor) || weights.shape.join() !== x.shape.join()) {
        throw new WasmgradError(msg`${this.name} (CategoryEncoding): countWeights must be a tensor of the input's shape ${fmtShape(x.shape)}, got ${weights instanceof Tensor ? fmtShape(weights.shape) : typeof weights}`);
      }
    }
    return tidy(() => {
      let ids = x.dtype === 'int32' ? x : cast(x, 'int32');
      if (ids.size > 0) {
        let lo = Infinity, hi = -Infinity;
        for (const v of ids.dataSync()) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
        if (lo < 0 || hi >= this.numTokens) {
          throw new WasmgradError(msg`${this.name} (CategoryEncoding): token values must be in [0, ${this.numTokens}), got values in [${lo}, ${hi}]`);
        }
      }
      // as TF.js: a scalar becomes [1]; oneHot adds a trailing axis unless the last one is 1
      if (ids.rank === 0) ids = reshape(ids, [1]);
      if (this.outputMode === 'oneHot' && ids.shape[ids.rank - 1] !== 1) ids = reshape(ids, [...ids.shape, 1]);
      if (ids.rank > 2) throw new WasmgradError(msg`${this.name} (CategoryEncoding): the output rank would be ${ids.rank} (input ${fmtShape(x.shape)}); outputMode '${this.outputMode}' gives at most rank 2`);
      // each row's tokens as one-hot rows, summed (count) or or-ed (oneHot, multiHot)
      const hot = oneHot(ids, this.numTokens);
      if (weights instanceof Tensor) {
        // each token counts its weight (TF.js's denseBincount with weights)
        const w = weights.dtype === 'float32' ? weights : cast(weights, 'float32');
        return sum(mul(hot, reshape(w, [...ids.shape, 1])), ids.rank - 1);
      }
      return this.outputMode === 'count' ? sum(hot, ids.rank - 1) : max(hot, ids.rank - 1);
    });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), numTokens: this.numTokens, outputMode: this.outputMode };
  }
}

/** A layer whose output images are height x width (CenterCrop, Resizing). */
abstract class ToImageSize extends Layer {
  readonly height: number;
  readonly width: number;
  constructor(args: LayerArgs & { height: number; width: number }, op: string) {
    super(args);
    this.height = positiveInt(args?.height, op, 'height');
    this.width = positiveInt(args.width, op, 'width');
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    checkImages(this, inputShape as Shape);
    return withHW(inputShape as Shape, this.height, this.width);
  }
}

/** centerCrop({ height, width }): the middle height x width of each image (smaller images are resized up). */
export class CenterCrop extends ToImageSize {
  static className = 'CenterCrop';
  constructor(args: LayerArgs & { height: number; width: number }) {
    super(args, 'centerCrop');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    checkImages(this, x);
    const [inH, inW] = x.shape.slice(-3, -1);
    const top = inH === this.height ? 0 : Math.floor((inH - this.height) / 2);
    // TF.js moves a width crop of one column to start at 1 (floor gives 0 there)
    let left = inW === this.width ? 0 : Math.floor((inW - this.width) / 2);
    if (inW !== this.width && left === 0) left = 1;
    return tidy(() => {
      if (top < 0 || left < 0) {
        const up = resizeBilinear(x, [this.height, this.width]);
        return x.dtype === 'int32' ? cast(up, 'int32') : up;
      }
      const rows = cropTaps(top, this.height, inH), cols = cropTaps(left, this.width, inW);
      const axis = x.rank - 3;
      return gather(gather(x, cols, axis + 1), rows, axis);
    });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
}

/**
 * The source rows TF.js's cropAndResize ('nearest') reads for a crop of `size` starting at `start`
 * of `len`: the box edges are float32 fractions of len, sampled over len - 1.
 */
function cropTaps(start: number, size: number, len: number): number[] {
  const a = Math.fround(start / len), b = Math.fround((size + start) / len);
  const scale = size > 1 ? ((b - a) * (len - 1)) / (size - 1) : 0;
  return Array.from({ length: size }, (_, i) => Math.round(size > 1 ? a * (len - 1) + i * scale : 0.5 * (a + b) * (len - 1)));
}

/** resizing({ height, width, interpolation = 'bilinear', cropToAspectRatio = false }): every image to height x width. */
export class Resizing extends ToImageSize {
  static className = 'Resizing';
  readonly interpolation: Interpolation;
  readonly cropToAspectRatio: boolean;
  constructor(args: LayerArgs & { height: number; width: number; interpolation?: Interpolation; cropToAspectRatio?: boolean }) {
    super(args, 'resizing');
    this.interpolation = interpolationOf(args.interpolation, 'resizing');
    this.cropToAspectRatio = Boolean(args.cropToAspectRatio);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    checkImages(this, x);
    // TF.js passes !cropToAspectRatio as alignCorners (and crops nothing)
    const resize = this.interpolation === 'bilinear' ? resizeBilinear : resizeNearestNeighbor;
    return resize(x, [this.height, this.width], !this.cropToAspectRatio);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height: this.height, width: this.width, interpolation: this.interpolation, cropToAspectRatio: this.cropToAspectRatio };
  }
}

/** randomWidth({ factor, interpolation = 'bilinear', seed }): while training, width x U(1 + lower, 1 + upper). */
export class RandomWidth extends Layer {
  static className = 'RandomWidth';
  readonly factor: number | [number, number];
  readonly interpolation: Interpolation;
  readonly seed?: number;
  private readonly lower: number;
  private readonly upper: number;
  private readonly random: () => number;
  constructor(args: LayerArgs & { factor: number | [number, number]; interpolation?: Interpolation; seed?: number }) {
    super(args);
    const f = args?.factor;
    const bad = (why: string) => new WasmgradError(msg`randomWidth: factor ${jsonOf(f)} ${why}`);
    if (Array.isArray(f) && f.length === 2 && f.every((v) => typeof v === 'number' && Number.isFinite(v))) [this.lower, this.upper] = f;
    else if (typeof f === 'number' && f > 0 && Number.isFinite(f)) [this.lower, this.upper] = [-f, f];
    else throw bad('must be a positive number or a pair of numbers');
    if (this.lower < -1 || this.upper < -1) throw bad('must have values >= -1');
    if (this.upper < this.lower) throw bad('has an upper bound below its lower bound');
    this.factor = Array.isArray(f) ? [f[0], f[1]] : f;
    this.interpolation = interpolationOf(args.interpolation, 'randomWidth');
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed)) throw new WasmgradError(msg`randomWidth: seed must be a whole number, got ${jsonOf(args.seed)}`);
    this.seed = args.seed ?? undefined;
    this.random = this.seed === undefined ? Math.random : seededRandom(this.seed);
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkImages(this, s);
    // the width is drawn per call while training
    return withHW(s, s[s.length - 3], null);
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = firstInput(inputs);
    checkImages(this, x);
    if (!kwargs?.training) return clone(x);
    const [h, w] = x.shape.slice(-3, -1);
    const factor = 1 + this.lower + (this.upper - this.lower) * this.random();
    // at least one column (a factor near -1 would leave none)
    const width = Math.max(1, Math.round(factor * w));
    const resize = this.interpolation === 'bilinear' ? resizeBilinear : resizeNearestNeighbor;
    return resize(x, [h, width]);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor, interpolation: this.interpolation, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

for (const cls of [CategoryEncoding, CenterCrop, Resizing, RandomWidth]) registerLayer(cls);
