// tf.browser: pixels to tensors and back, as TensorFlow.js. Pixel data ({ data, width, height }
// RGBA, as ImageData) works everywhere; image, canvas, video and bitmap elements are drawn on a
// canvas of the page (or an OffscreenCanvas) and read back.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { checkTensor } from '../ops/util.js';

interface PixelData { data: ArrayLike<number>; width: number; height: number }
type Drawable = { width: number; height: number };
type Canvas2D = { getContext(kind: '2d', opts?: object): { drawImage(i: unknown, x: number, y: number, w?: number, h?: number): void; getImageData(x: number, y: number, w: number, h: number): PixelData; putImageData(d: unknown, x: number, y: number): void } | null; width: number; height: number };

function isPixelData(p: unknown): p is PixelData {
  const d = (p as PixelData)?.data;
  return !!d && typeof (p as PixelData).width === 'number' && typeof (p as PixelData).height === 'number' && typeof d.length === 'number';
}

/** A 2-D canvas to draw on: the page's, or an OffscreenCanvas (workers), or none. */
function makeCanvas(width: number, height: number): Canvas2D {
  const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => Canvas2D; document?: { createElement(tag: string): Canvas2D } };
  if (typeof g.OffscreenCanvas === 'function') return new g.OffscreenCanvas(width, height);
  if (g.document) {
    const c = g.document.createElement('canvas');
    [c.width, c.height] = [width, height];
    return c;
  }
  throw new WasmgradError('fromPixels: drawing an image element needs a canvas (a browser page or worker); pass pixel data { data, width, height } instead');
}

function pixelsOf(pixels: unknown): PixelData {
  if (isPixelData(pixels)) return pixels;
  const el = pixels as Drawable & { videoWidth?: number; videoHeight?: number; naturalWidth?: number };
  const width = el?.videoWidth || el?.width, height = el?.videoHeight || el?.height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new WasmgradError(msg`fromPixels: expected pixel data { data, width, height }, ImageData, or an image, canvas, video or bitmap with a size, got ${Object.prototype.toString.call(pixels)}`);
  }
  const ctx = makeCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new WasmgradError('fromPixels: this runtime gives no 2-D canvas context');
  ctx.drawImage(pixels, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}

/** An int32 image [height, width, numChannels] (1, 3 or 4 of RGBA) from pixels. */
export function fromPixels(pixels: unknown, numChannels = 3): Tensor {
  if (numChannels !== 1 && numChannels !== 3 && numChannels !== 4) throw new WasmgradError(msg`fromPixels: numChannels must be 1, 3 or 4, got ${numChannels}`);
  const { data, width, height } = pixelsOf(pixels);
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0) || data.length !== width * height * 4) {
    throw new WasmgradError(msg`fromPixels: pixel data of ${width}x${height} must hold ${width * height * 4} RGBA values, got ${data.length}`);
  }
  const out = new Int32Array(width * height * numChannels);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < numChannels; c++) out[i * numChannels + c] = data[i * 4 + c];
  return fromFlat(out, [height, width, numChannels], 'int32');
}

export const fromPixelsAsync = async (pixels: unknown, numChannels = 3): Promise<Tensor> => fromPixels(pixels, numChannels);

/**
 * RGBA bytes of image [H, W] or [H, W, 1 | 3 | 4] (float32 in [0, 1], int32 in [0, 255]), drawn
 * on canvas when one is given.
 */
export async function toPixels(img: Tensor, canvas?: Canvas2D): Promise<Uint8ClampedArray> {
  checkTensor(img, 'toPixels', 'img');
  const [height, width] = img.shape;
  const depth = img.rank === 2 ? 1 : img.shape[2];
  if ((img.rank !== 2 && img.rank !== 3) || ![1, 3, 4].includes(depth)) throw new WasmgradError(msg`toPixels: img must be [H, W] or [H, W, 1 | 3 | 4], got ${fmtShape(img.shape)}`);
  const v = img.dataSync();
  const scale = img.dtype === 'float32' ? 255 : 1;
  const [lo, hi] = img.dtype === 'float32' ? [0, 1] : [0, 255];
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const px = Array.from({ length: depth }, (_, c) => v[i * depth + c]);
    for (const value of px) if (!(value >= lo && value <= hi)) throw new WasmgradError(msg`toPixels: ${img.dtype} values must be in [${lo}, ${hi}], got ${value}`);
    const [r, g, b, a] = depth === 1 ? [px[0], px[0], px[0], hi] : depth === 3 ? [px[0], px[1], px[2], hi] : px;
    bytes.set([Math.round(r * scale), Math.round(g * scale), Math.round(b * scale), Math.round(a * scale)], i * 4);
  }
  if (canvas) {
    [canvas.width, canvas.height] = [width, height];
    const ctx = canvas.getContext('2d');
    const G = globalThis as { ImageData?: new (d: Uint8ClampedArray, w: number, h: number) => unknown };
    if (!ctx || typeof G.ImageData !== 'function') throw new WasmgradError('toPixels: this runtime cannot draw on the canvas given');
    ctx.putImageData(new G.ImageData(bytes, width, height), 0, 0);
  }
  return bytes;
}

/** TF.js's draw(image, canvas): toPixels onto the canvas. */
export const draw = async (image: Tensor, canvas: Canvas2D): Promise<void> => void (await toPixels(image, canvas));
