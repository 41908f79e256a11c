// Noise and dropout variants (TF.js 4.22 semantics), active only when called with training: true;
// otherwise each passes its input through. gaussianNoise adds N(0, stddev); gaussianDropout
// multiplies by N(1, sqrt(rate / (1 - rate))); alphaDropout (for selu networks) drops to selu's
// negative saturation and rescales so mean and variance are kept; spatialDropout1d drops whole
// channels of a sequence ([B, 1, C] masks). Masks are drawn with the engine's seeded generator.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor } from '../creation.js';
import { add, mul } from '../ops/binary.js';
import { checkNoiseShape, noiseShapeFor, optionalSeed, randomNormal, randomUniform } from '../ops/random.js';
import { clone } from '../ops/shape.js';
import { Layer, checkInputRank, type CallArgs, type LayerArgs, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { firstInput } from './first-input.js';

function rateOf(v: unknown, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new WasmgradError(msg`${where}: rate must be a number in [0, 1), got ${jsonOf(v)}`);
  return v;
}

/** The shared part: a rate or stddev, a seed that gives a new reproducible draw every call. */
abstract class NoiseLayer extends Layer {
  readonly seed?: number;
  private calls = 0;
  constructor(args: LayerArgs & { seed?: number }, where: string) {
    super(args);
    this.seed = optionalSeed(args?.seed, where);
    this.supportsMasking = true;
  }
  protected nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed + 7919 * this.calls++;
  }
  protected abstract noisy(x: Tensor): Tensor;
  protected abstract get active(): boolean;
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = firstInput(inputs);
    if (!kwargs.training || !this.active) return clone(x);
    return tidy(() => this.noisy(x));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

/** gaussianNoise({ stddev }): x + N(0, stddev) while training. */
export class GaussianNoise extends NoiseLayer {
  static className = 'GaussianNoise';
  readonly stddev: number;
  constructor(args: LayerArgs & { stddev: number; seed?: number }) {
    super(args, 'gaussianNoise');
    if (typeof args?.stddev !== 'number' || !(args.stddev >= 0) || !Number.isFinite(args.stddev)) {
      throw new WasmgradError(msg`gaussianNoise: stddev must be a finite number >= 0, got ${jsonOf(args?.stddev)}`);
    }
    this.stddev = args.stddev;
  }
  protected get active(): boolean {
    return this.stddev > 0;
  }
  protected noisy(x: Tensor): Tensor {
    return add(x, randomNormal(x.shape, 0, this.stddev, this.nextSeed()));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

/** gaussianDropout({ rate }): x * N(1, sqrt(rate / (1 - rate))) while training. */
export class GaussianDropout extends NoiseLayer {
  static className = 'GaussianDropout';
  readonly rate: number;
  constructor(args: LayerArgs & { rate: number; seed?: number }) {
    super(args, 'gaussianDropout');
    this.rate = rateOf(args?.rate, 'gaussianDropout');
  }
  protected get active(): boolean {
    return this.rate > 0;
  }
  protected noisy(x: Tensor): Tensor {
    return mul(x, randomNormal(x.shape, 1, Math.sqrt(this.rate / (1 - this.rate)), this.nextSeed()));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

/** Keep flags (u >= rate, as TF.js's dropout draws them) of a uniform draw of `shape`. */
function keepFlags(shape: number[], rate: number, seed: number | undefined): Float32Array {
  const u = randomUniform(shape, 0, 1, seed);
  const flags = Float32Array.from(u.dataSync(), (v) => (v >= rate ? 1 : 0));
  u.dispose();
  return flags;
}

/**
 * alphaDropout({ rate, noiseShape }): dropped units become selu's negative saturation
 * -alpha * scale, then a * x + b restores the mean and variance (Klambauer et al. 2017).
 */
export class AlphaDropout extends NoiseLayer {
  static className = 'AlphaDropout';
  readonly rate: number;
  readonly noiseShape?: (number | null)[];
  constructor(args: LayerArgs & { rate: number; noiseShape?: (number | null)[]; seed?: number }) {
    super(args, 'alphaDropout');
    this.rate = rateOf(args?.rate, 'alphaDropout');
    this.noiseShape = checkNoiseShape(args.noiseShape, 'alphaDropout');
  }
  protected get active(): boolean {
    return this.rate > 0;
  }
  protected noisy(x: Tensor): Tensor {
    const alphaP = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;
    const a = ((1 - this.rate) * (1 + this.rate * alphaP ** 2)) ** -0.5;
    const b = -a * alphaP * this.rate;
    const shape = noiseShapeFor(x, this.noiseShape, this.name);
    const kept = keepFlags(shape, this.rate, this.nextSeed());
    // a (x kept + alphaP (1 - kept)) + b = x (a kept) + (a alphaP (1 - kept) + b)
    const gain = tensor(kept.map((k) => a * k), shape);
    const offset = tensor(kept.map((k) => a * alphaP * (1 - k) + b), shape);
    return add(mul(x, gain), offset);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, ...(this.noiseShape ? { noiseShape: this.noiseShape } : {}) };
  }
}

/** spatialDropout1d({ rate }): on [B, T, C], drops whole channels per sample (one flag per [b, c]), scaling the rest by 1 / (1 - rate). */
export class SpatialDropout1D extends NoiseLayer {
  static className = 'SpatialDropout1D';
  readonly rate: number;
  constructor(args: LayerArgs & { rate: number; seed?: number }) {
    super(args, 'spatialDropout1d');
    this.rate = rateOf(args?.rate, 'spatialDropout1d');
  }
  protected get active(): boolean {
    return this.rate > 0;
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    checkInputRank(this, inputShape as Shape, 3);
    return inputShape as Shape;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    checkInputRank(this, firstInput(inputs).shape, 3);
    return super.call(inputs, kwargs);
  }
  protected noisy(x: Tensor): Tensor {
    const shape = [x.shape[0], 1, x.shape[2]];
    const kept = keepFlags(shape, this.rate, this.nextSeed());
    return mul(x, tensor(kept.map((k) => k / (1 - this.rate)), shape));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: null };
  }
}

for (const cls of [GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D]) registerLayer(cls);
