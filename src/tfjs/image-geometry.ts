// tf.image.transform and tf.image.rotateWithOffset: projective warps and rotations of images
// [B, H, W, C], computed in JavaScript on the values as TF.js's kernels define them (fill modes
// reflect, wrap, nearest and constant; nearest or bilinear sampling). No gradient, as in TF.js.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { checkTensor } from '../ops/util.js';

const MAX_OUTPUT = 2 ** 30;
type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';

function checkImage4(op: string, image: Tensor): [number, number, number, number] {
  checkTensor(image, op, 'image');
  if (image.rank !== 4) throw new WasmgradError(msg`${op}: image must be rank 4 [batch, height, width, channels], got ${fmtShape(image.shape)}`);
  if (image.dtype !== 'float32') throw new WasmgradError(msg`${op}: image must be float32 (as in TF.js), got ${image.dtype}; cast it first`);
  return image.shape as [number, number, number, number];
}

/** An input coordinate outside [0, len) brought inside as the fill mode says (TF's rules). */
function mapCoord(c: number, len: number, mode: FillMode): number {
  if (mode === 'constant') return c;
  if (mode === 'nearest') return Math.min(Math.max(c, 0), len - 1);
  if (c >= 0 && c <= len - 1) return c;
  if (len <= 1) return 0;
  if (mode === 'reflect') {
    const sz2 = 2 * len;
    if (c < 0) {
      if (c < sz2) c = sz2 * Math.trunc(-c / sz2) + c;
      c = c < -len ? c + sz2 : -c - 1;
    } else {
      c -= sz2 * Math.trunc(c / sz2);
      if (c >= len) c = sz2 - c - 1;
    }
  } else {
    const sz = len - 1;
    c = c < 0 ? c + len * (Math.trunc(-c / sz) + 1) : c - len * Math.trunc(c / sz);
  }
  return Math.min(Math.max(c, 0), len - 1);
}

/**
 * Images warped by projective transforms [a0, a1, a2, b0, b1, b2, c0, c1] (one row per image, or one
 * for all): output (x, y) samples the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), with
 * k = c0 x + c1 y + 1. (TF.js 4.22's cpu kernel returns only the first image warped; this warps each.)
 */
export function transform(
  image: Tensor, transforms: Tensor, interpolation: 'nearest' | 'bilinear' = 'nearest', fillMode: FillMode = 'constant',
  fillValue = 0, outputShape?: [number, number],
): Tensor {
  const op = 'image.transform';
  const [batch, height, width, channels] = checkImage4(op, image);
  checkTensor(transforms, op, 'transforms');
  if (transforms.rank !== 2 || transforms.shape[1] !== 8 || (transforms.shape[0] !== batch && transforms.shape[0] !== 1)) {
    throw new WasmgradError(msg`${op}: transforms must be [${batch}, 8] or [1, 8] for image ${fmtShape(image.shape)}, got ${fmtShape(transforms.shape)}`);
  }
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw new WasmgradError(msg`${op}: interpolation must be 'nearest' or 'bilinear', got ${jsonOf(interpolation)}`);
  if (!['constant', 'reflect', 'wrap', 'nearest'].includes(fillMode)) throw new WasmgradError(msg`${op}: fillMode must be 'constant', 'reflect', 'wrap' or 'nearest', got ${jsonOf(fillMode)}`);
  if (typeof fillValue !== 'number') throw new WasmgradError(msg`${op}: fillValue must be a number, got ${typeof fillValue}`);
  const [outH, outW] = outputShape ?? [height, width];
  if (outputShape != null && (!Array.isArray(outputShape) || outputShape.length !== 2 || !outputShape.every((d) => Number.isInteger(d) && d >= 1))) {
    throw new WasmgradError(msg`${op}: outputShape must be [height, width] of whole numbers >= 1, got ${jsonOf(outputShape)}`);
  }
  if (batch * outH * outW * channels > MAX_OUTPUT) throw new WasmgradError(msg`${op}: an output of [${batch}, ${outH}, ${outW}, ${channels}] is more than 2^30 values`);
  const src = image.dataSync();
  const t = transforms.dataSync();
  const out = new Float32Array(batch * outH * outW * channels);
  out.fill(fillValue);
  const read = (b: number, y: number, x: number, ch: number) =>
    y >= 0 && y < height && x >= 0 && x < width ? src[((b * height + y) * width + x) * channels + ch] : fillValue;
  for (let b = 0; b < batch; b++) {
    const m = transforms.shape[0] === 1 ? 0 : 8 * b;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const k = t[m + 6] * ox + t[m + 7] * oy + 1;
        if (k === 0) continue;
        const x = mapCoord((t[m] * ox + t[m + 1] * oy + t[m + 2]) / k, width, fillMode);
        const y = mapCoord((t[m + 3] * ox + t[m + 4] * oy + t[m + 5]) / k, height, fillMode);
        const at = ((b * outH + oy) * outW + ox) * channels;
        for (let ch = 0; ch < channels; ch++) {
          if (interpolation === 'nearest') out[at + ch] = read(b, Math.round(y), Math.round(x), ch);
          else {
            const y0 = Math.floor(y), x0 = Math.floor(x);
            const top = (x0 + 1 - x) * read(b, y0, x0, ch) + (x - x0) * read(b, y0, x0 + 1, ch);
            const bottom = (x0 + 1 - x) * read(b, y0 + 1, x0, ch) + (x - x0) * read(b, y0 + 1, x0 + 1, ch);
            out[at + ch] = (y0 + 1 - y) * top + (y - y0) * bottom;
          }
        }
      }
    }
  }
  return fromFlat(out, [batch, outH, outW, channels], 'float32');
}

/**
 * Images rotated by `radians` about `center` (a fraction of the width and height, or [x, y]),
 * sampling the nearest pixel; pixels from outside are fillValue (a number, or one per channel with
 * 255 for a fourth, alpha, channel).
 */
export function rotateWithOffset(image: Tensor, radians: number, fillValue: number | [number, number, number] = 0, center: number | [number, number] = 0.5): Tensor {
  const op = 'image.rotateWithOffset';
  const [batch, height, width, channels] = checkImage4(op, image);
  if (typeof radians !== 'number' || !Number.isFinite(radians)) throw new WasmgradError(msg`${op}: radians must be a finite number, got ${radians}`);
  const fills = typeof fillValue === 'number' ? null : fillValue;
  if (fills !== null && (!Array.isArray(fills) || fills.length !== 3 || !fills.every((v) => typeof v === 'number') || channels > 4)) {
    throw new WasmgradError(msg`${op}: fillValue must be a number, or [r, g, b] for an image of at most 4 channels, got ${jsonOf(fillValue)} for ${fmtShape(image.shape)}`);
  }
  const [fx, fy] = typeof center === 'number' ? [center, center] : Array.isArray(center) && center.length === 2 ? center : [NaN, NaN];
  if (!Number.isFinite(fx) || !Number.isFinite(fy)) throw new WasmgradError(msg`${op}: center must be a number or [x, y] (fractions of the width and height), got ${jsonOf(center)}`);
  const cx = width * fx, cy = height * fy;
  const sin = Math.sin(radians), cos = Math.cos(radians);
  const src = image.dataSync();
  const out = new Float32Array(src.length);
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = Math.round((x - cx) * cos - (y - cy) * sin + cx);
        const sy = Math.round((x - cx) * sin + (y - cy) * cos + cy);
        const inside = sx >= 0 && sx < width && sy >= 0 && sy < height;
        for (let ch = 0; ch < channels; ch++) {
          const fill = fills === null ? (fillValue as number) : ch === 3 ? 255 : fills[ch];
          out[((b * height + y) * width + x) * channels + ch] = inside ? src[((b * height + sy) * width + sx) * channels + ch] : fill;
        }
      }
    }
  }
  return fromFlat(out, image.shape, 'float32');
}
