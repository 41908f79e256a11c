// tf.image.resizeBilinear and tf.image.resizeNearestNeighbor (TF.js 4.22's source positions,
// alignCorners and halfPixelCenters included). Each axis is resampled on its own: the source rows
// (or columns) are gathered and, for bilinear, blended with their fractions; the axis that shrinks
// the image more goes first (bilinear is separable, so the order changes only the rounding).
// Gradients come from gather's (a scatter-add into the source pixels), so they are the exact
// derivatives of the forward pass.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor } from '../creation.js';
import { checkTensor } from './util.js';
import { gather, reshape } from './shape.js';
import { add, sub, mul } from './binary.js';
import { cast } from './arrange.js';

/** [newHeight, newWidth], both whole numbers >= 1. */
function sizeOf(op: string, size: unknown): [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WasmgradError(msg`${op}: size must be [newHeight, newWidth] of whole numbers >= 1, got ${jsonOf(size)}`);
  }
  return [size[0], size[1]];
}

/** wasm32 memory holds at most 4 GiB: no float32 result has more elements than this. */
const MAX_ELEMENTS = 2 ** 30;

function checkResultSize(op: string, x: Tensor, newH: number, newW: number): void {
  const [b, , , c] = x.shape;
  if (b * newH * newW * c > MAX_ELEMENTS) throw new WasmgradError(msg`${op}: resizing ${fmtShape(x.shape)} to [${newH}, ${newW}] gives more than 2^30 elements`);
}

/** The images as [B, H, W, C] (a rank-3 image gets a batch of one) and whether it was rank 3. */
function batched(op: string, images: Tensor): { x: Tensor; unbatched: boolean } {
  checkTensor(images, op, 'images');
  if (images.rank !== 3 && images.rank !== 4) throw new WasmgradError(msg`${op}: images must be rank 3 [H, W, C] or 4 [B, H, W, C], got ${fmtShape(images.shape)}`);
  if (images.size === 0) throw new WasmgradError(msg`${op}: images ${fmtShape(images.shape)} are empty`);
  return images.rank === 3 ? { x: reshape(images, [1, ...images.shape]), unbatched: true } : { x: images, unbatched: false };
}

function checkFlags(op: string, alignCorners: unknown, halfPixelCenters: unknown): void {
  if (typeof alignCorners !== 'boolean' || typeof halfPixelCenters !== 'boolean') {
    throw new WasmgradError(msg`${op}: alignCorners and halfPixelCenters must be booleans, got ${jsonOf(alignCorners)} and ${jsonOf(halfPixelCenters)}`);
  }
  if (alignCorners && halfPixelCenters) throw new WasmgradError(msg`${op}: if halfPixelCenters is true, alignCorners must be false`);
}

/** in / out as TF.js scales an axis: with alignCorners (and more than one output) the corners map to the corners. */
function ratioOf(inLen: number, outLen: number, alignCorners: boolean): number {
  return alignCorners && outLen > 1 ? (inLen - 1) / (outLen - 1) : inLen / outLen;
}

/** For each output position: the two source indices and the weight of the second (TF.js's resizeBilinear). */
export function bilinearTaps(inLen: number, outLen: number, alignCorners: boolean, halfPixelCenters: boolean) {
  const ratio = ratioOf(inLen, outLen, alignCorners);
  const lo: number[] = [], hi: number[] = [], frac = new Float32Array(outLen);
  for (let i = 0; i < outLen; i++) {
    const src = halfPixelCenters ? ratio * (i + 0.5) - 0.5 : ratio * i;
    const floor = Math.max(0, Math.floor(src));
    lo.push(floor);
    hi.push(Math.min(inLen - 1, Math.ceil(src)));
    frac[i] = src - floor;
  }
  return { lo, hi, frac };
}

/** For each output position: the source index TF.js's resizeNearestNeighbor picks. */
export function nearestTaps(inLen: number, outLen: number, alignCorners: boolean, halfPixelCenters: boolean): number[] {
  const ratio = ratioOf(inLen, outLen, alignCorners);
  const out: number[] = [];
  for (let i = 0; i < outLen; i++) {
    const src = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    const near = Math.min(inLen - 1, alignCorners ? Math.round(src) : Math.floor(src));
    out.push(halfPixelCenters ? Math.max(0, near) : near);
  }
  return out;
}

/** Whether resampling the rows before the columns makes the smaller intermediate image. */
const rowsFirst = (h: number, w: number, newH: number, newW: number): boolean => newH * w < h * newW;

/** Blends the gathered lo and hi slices along axis: lo + (hi - lo) * frac. */
function lerpAxis(x: Tensor, axis: number, taps: ReturnType<typeof bilinearTaps>): Tensor {
  const lo = gather(x, taps.lo, axis);
  if (taps.lo.every((v, i) => v === taps.hi[i])) return lo;
  const hi = gather(x, taps.hi, axis);
  const shape = [1, 1, 1, 1];
  shape[axis] = taps.frac.length;
  return add(lo, mul(sub(hi, lo), tensor(taps.frac, shape)));
}

/**
 * Bilinear resize of [B, H, W, C] (or [H, W, C]) images to size [newHeight, newWidth], float32 out.
 * The gradient is the exact derivative of this forward pass; TF.js's own gradient kernel ignores
 * halfPixelCenters, so with halfPixelCenters: true the two differ (without it they agree).
 */
export function resizeBilinear(images: Tensor, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  const op = 'resizeBilinear';
  const [newH, newW] = sizeOf(op, size);
  checkFlags(op, alignCorners, halfPixelCenters);
  return tidy(() => {
    const { x: raw, unbatched } = batched(op, images);
    checkResultSize(op, raw, newH, newW);
    const x = raw.dtype === 'float32' ? raw : cast(raw, 'float32');
    const [, h, w] = x.shape;
    const rows = bilinearTaps(h, newH, alignCorners, halfPixelCenters), cols = bilinearTaps(w, newW, alignCorners, halfPixelCenters);
    // columns first as TF.js, unless resampling the rows first leaves less to do (a shrinking height)
    const out = rowsFirst(h, w, newH, newW) ? lerpAxis(lerpAxis(x, 1, rows), 2, cols) : lerpAxis(lerpAxis(x, 2, cols), 1, rows);
    return unbatched ? reshape(out, out.shape.slice(1)) : out;
  });
}

/** Nearest-neighbour resize of [B, H, W, C] (or [H, W, C]) images to [newHeight, newWidth]; keeps the dtype. */
export function resizeNearestNeighbor(images: Tensor, size: [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  const op = 'resizeNearestNeighbor';
  const [newH, newW] = sizeOf(op, size);
  checkFlags(op, alignCorners, halfPixelCenters);
  return tidy(() => {
    const { x, unbatched } = batched(op, images);
    checkResultSize(op, x, newH, newW);
    const [, h, w] = x.shape;
    const rows = nearestTaps(h, newH, alignCorners, halfPixelCenters), cols = nearestTaps(w, newW, alignCorners, halfPixelCenters);
    const out = rowsFirst(h, w, newH, newW) ? gather(gather(x, rows, 1), cols, 2) : gather(gather(x, cols, 2), rows, 1);
    return unbatched ? reshape(out, out.shape.slice(1)) : out;
  });
}
