// Reshaping layers (TF.js 4.22 semantics, channels last): repeatVector, permute, upSampling2d,
// zeroPadding2d, cropping2d. Each composes existing ops, so gradients come from composition:
// broadcastTo (repeat), transpose (permute), matMul with interpolation matrices (upsampling),
// concat with zeros (padding), slice (cropping).
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor, zeros } from '../creation.js';
import { broadcastTo } from '../ops/binary.js';
import { matMul } from '../ops/matmul.js';
import { reshape, transpose, concat, slice } from '../ops/shape.js';
import { Layer, checkInputRank, type LayerArgs, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { firstInput } from './first-input.js';

function wholeAtLeast(v: unknown, min: number, where: string, what: string): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new WasmgradError(msg`${where}: ${what} must be a whole number >= ${min}, got ${jsonOf(v)}`);
  return v as number;
}

function channelsLastOnly(where: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== null && dataFormat !== 'channelsLast') {
    throw new WasmgradError(msg`${where}: only dataFormat 'channelsLast' (NHWC) is supported, got ${jsonOf(dataFormat)}`);
  }
}

/** repeatVector({ n }): [B, F] -> [B, n, F]. */
export class RepeatVector extends Layer {
  static className = 'RepeatVector';
  readonly n: number;
  constructor(args: LayerArgs & { n: number }) {
    super(args);
    this.n = wholeAtLeast(args?.n, 1, 'repeatVector', 'n');
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkInputRank(this, s, 2);
    return [s[0], this.n, s[1]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    checkInputRank(this, x.shape, 2);
    return tidy(() => broadcastTo(reshape(x, [x.shape[0], 1, x.shape[1]]), [x.shape[0], this.n, x.shape[1]]));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

/** permute({ dims }): reorders the non-batch axes; dims is a permutation of 1..rank-1 (1-based, as Keras). */
export class Permute extends Layer {
  static className = 'Permute';
  readonly dims: number[];
  constructor(args: LayerArgs & { dims: number[] }) {
    super(args);
    const dims = args?.dims;
    if (!Array.isArray(dims) || dims.length === 0 || [...dims].sort((a, b) => a - b).some((d, i) => d !== i + 1)) {
      throw new WasmgradError(msg`permute: dims must be a permutation of 1..${Array.isArray(dims) ? dims.length : 'n'} (1-based, the batch axis excluded), got ${jsonOf(dims)}`);
    }
    this.dims = dims.slice();
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkInputRank(this, s, this.dims.length + 1);
    return [s[0], ...this.dims.map((d) => s[d])];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    checkInputRank(this, x.shape, this.dims.length + 1);
    return transpose(x, [0, ...this.dims]);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims };
  }
}

/** [rows, cols] from a number or a pair of positive whole numbers. */
function pair(v: unknown, where: string, what: string, fallback: number): [number, number] {
  const raw = v === undefined || v === null ? fallback : v;
  const list = typeof raw === 'number' ? [raw, raw] : raw;
  if (!Array.isArray(list) || list.length !== 2 || !list.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WasmgradError(msg`${where}: ${what} must be a positive whole number or a pair of them, got ${jsonOf(v)}`);
  }
  return [list[0], list[1]];
}

/**
 * The [outLen, inLen] matrix that resizes one axis as TF.js's resizeBilinear (alignCorners and
 * halfPixelCenters false: source = i * in / out) or resizeNearestNeighbor (source floor of that).
 */
function resizeMatrix(inLen: number, outLen: number, mode: 'nearest' | 'bilinear'): Tensor {
  const m = new Float32Array(outLen * inLen);
  const ratio = inLen / outLen;
  for (let i = 0; i < outLen; i++) {
    const src = i * ratio;
    const lo = Math.min(Math.floor(src), inLen - 1);
    if (mode === 'nearest') {
      m[i * inLen + lo] = 1;
      continue;
    }
    const hi = Math.min(lo + 1, inLen - 1);
    const frac = src - lo;
    m[i * inLen + lo] += 1 - frac;
    m[i * inLen + hi] += frac;
  }
  return tensor(m, [outLen, inLen]);
}

/** upSampling2d({ size: [2, 2], interpolation: 'nearest' | 'bilinear' }): [B, H, W, C] -> [B, H*sh, W*sw, C]. */
export class UpSampling2D extends Layer {
  static className = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(args: LayerArgs & { size?: number | number[]; interpolation?: 'nearest' | 'bilinear'; dataFormat?: string } = {}) {
    super(args);
    this.size = pair(args.size, 'upSampling2d', 'size', 2);
    const mode = args.interpolation ?? 'nearest';
    if (mode !== 'nearest' && mode !== 'bilinear') throw new WasmgradError(msg`upSampling2d: interpolation must be 'nearest' or 'bilinear', got ${jsonOf(mode)}`);
    this.interpolation = mode;
    channelsLastOnly('upSampling2d', args.dataFormat);
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkInputRank(this, s, 4);
    const up = (d: number | null, k: number) => (d === null ? null : d * k);
    return [s[0], up(s[1], this.size[0]), up(s[2], this.size[1]), s[3]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    checkInputRank(this, x.shape, 4);
    const [b, h, w, c] = x.shape;
    const [sh, sw] = this.size;
    return tidy(() => {
      if (this.interpolation === 'nearest') {
        // every pixel repeated sh x sw times: a broadcast over two inserted axes
        const wide = broadcastTo(reshape(x, [b, h, 1, w, 1, c]), [b, h, sh, w, sw, c]);
        return reshape(wide, [b, h * sh, w * sw, c]);
      }
      // rows then columns, each a matMul with its interpolation matrix
      const rows = matMul(resizeMatrix(h, h * sh, 'bilinear'), reshape(transpose(x, [1, 0, 2, 3]), [h, b * w * c]));
      const byCol = transpose(reshape(rows, [h * sh, b, w, c]), [2, 1, 0, 3]);
      const cols = matMul(resizeMatrix(w, w * sw, 'bilinear'), reshape(byCol, [w, b * h * sh * c]));
      return transpose(reshape(cols, [w * sw, b, h * sh, c]), [1, 2, 0, 3]);
    });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, dataFormat: 'channelsLast', interpolation: this.interpolation };
  }
}

type Pads = [[number, number], [number, number]];

/** [[top, bottom], [left, right]] from a number, [symmetricH, symmetricW], or the pairs themselves. */
function pads(v: unknown, where: string, what: string, fallback: number): Pads {
  const bad = () => new WasmgradError(msg`${where}: ${what} must be a whole number >= 0, [height, width], or [[top, bottom], [left, right]], got ${jsonOf(v)}`);
  const ok = (d: unknown) => Number.isInteger(d) && (d as number) >= 0;
  const raw = v === undefined || v === null ? fallback : v;
  if (typeof raw === 'number') {
    if (!ok(raw)) throw bad();
    return [[raw, raw], [raw, raw]];
  }
  if (!Array.isArray(raw) || raw.length !== 2) throw bad();
  if (raw.every(ok)) return [[raw[0], raw[0]], [raw[1], raw[1]]];
  if (raw.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) return [[raw[0][0], raw[0][1]], [raw[1][0], raw[1][1]]];
  throw bad();
}

/** zeroPadding2d({ padding }): zeros around the rows and columns of [B, H, W, C]. */
export class ZeroPadding2D extends Layer {
  static className = 'ZeroPadding2D';
  readonly padding: Pads;
  constructor(args: LayerArgs & { padding?: number | number[] | number[][]; dataFormat?: string } = {}) {
    super(args);
    this.padding = pads(args.padding, 'zeroPadding2d', 'padding', 1);
    channelsLastOnly('zeroPadding2d', args.dataFormat);
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkInputRank(this, s, 4);
    const [[t, b], [l, r]] = this.padding;
    return [s[0], s[1] === null ? null : s[1] + t + b, s[2] === null ? null : s[2] + l + r, s[3]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    checkInputRank(this, x.shape, 4);
    const [[t, bottom], [l, r]] = this.padding;
    return tidy(() => {
      const padAxis = (y: Tensor, axis: number, before: number, after: number): Tensor => {
        if (before === 0 && after === 0) return y;
        const part = (n: number) => zeros(y.shape.map((d, i) => (i === axis ? n : d)));
        return concat([...(before ? [part(before)] : []), y, ...(after ? [part(after)] : [])], axis);
      };
      const out = padAxis(padAxis(x, 1, t, bottom), 2, l, r);
      // a zero padding still gives a new tensor, as every layer's output is its own
      return out === x ? reshape(x, x.shape) : out;
    });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding, dataFormat: 'channelsLast' };
  }
}

/** cropping2d({ cropping }): removes rows and columns from the edges of [B, H, W, C]. */
export class Cropping2D extends Layer {
  static className = 'Cropping2D';
  readonly cropping: Pads;
  constructor(args: LayerArgs & { cropping: number | number[] | number[][]; dataFormat?: string }) {
    super(args);
    if (args?.cropping === undefined || args.cropping === null) throw new WasmgradError('cropping2d: cropping is required (a number, [height, width], or [[top, bottom], [left, right]])');
    this.cropping = pads(args.cropping, 'cropping2d', 'cropping', 0);
    channelsLastOnly('cropping2d', args.dataFormat);
  }
  private kept(h: number | null, w: number | null): [number | null, number | null] {
    const [[t, b], [l, r]] = this.cropping;
    const kh = h === null ? null : h - t - b;
    const kw = w === null ? null : w - l - r;
    if ((kh !== null && kh < 1) || (kw !== null && kw < 1)) {
      throw new WasmgradError(msg`${this.name}: cropping ${jsonOf(this.cropping)} leaves nothing of an input of ${h} x ${w}`);
    }
    return [kh, kw];
  }
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    checkInputRank(this, s, 4);
    const [h, w] = this.kept(s[1], s[2]);
    return [s[0], h, w, s[3]];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    checkInputRank(this, x.shape, 4);
    const [h, w] = this.kept(x.shape[1], x.shape[2]) as [number, number];
    return slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [x.shape[0], h, w, x.shape[3]]);
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: 'channelsLast' };
  }
}

for (const cls of [RepeatVector, Permute, UpSampling2D, ZeroPadding2D, Cropping2D]) registerLayer(cls);
