// Pictures for the examples, written as PNG files with pngjs (a small, dependency-free encoder):
// grids of grey images (digits, filters) and scatter plots.
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/** A canvas of w x h RGB pixels on white. */
export function canvas(w, h, background = [255, 255, 255]) {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(background, i * 3);
  return {
    w, h, data,
    set(x, y, [r, g, b]) {
      x = Math.round(x);
      y = Math.round(y);
      if (x < 0 || y < 0 || x >= w || y >= h) return;
      const o = (y * w + x) * 3;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
    },
    /** A filled square of side 2 * radius + 1 centred at (x, y). */
    dot(x, y, color, radius = 1) {
      for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) this.set(x + dx, y + dy, color);
    },
  };
}

/** Writes a canvas as an 8-bit RGB PNG file; returns the path. */
export function savePng(path, c) {
  const png = new PNG({ width: c.w, height: c.h, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(c.data);
  writeFileSync(path, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
  return path;
}

/**
 * A grid of `count` grey images of `size` x `size` (rows of `images`, a flat Float32Array), `cols`
 * per row, each pixel drawn `zoom` x `zoom`, 1-pixel grey borders. Values are clipped to [0, 1],
 * or stretched from each image's min..max with `normalize` (for filters).
 */
export function imageGrid(images, count, { size = 28, cols = 10, zoom = 2, normalize = false, invert = false } = {}) {
  const rows = Math.ceil(count / cols);
  const cell = size * zoom + 1;
  const c = canvas(cols * cell + 1, rows * cell + 1, [128, 128, 128]);
  for (let n = 0; n < count; n++) {
    const img = images.subarray(n * size * size, (n + 1) * size * size);
    let lo = 0, hi = 1;
    if (normalize) {
      lo = Infinity;
      hi = -Infinity;
      for (const v of img) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
      if (hi === lo) hi = lo + 1;
    }
    const x0 = (n % cols) * cell + 1, y0 = Math.floor(n / cols) * cell + 1;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let v = Math.min(1, Math.max(0, (img[y * size + x] - lo) / (hi - lo)));
        if (invert) v = 1 - v;
        const g = Math.round(v * 255);
        for (let dy = 0; dy < zoom; dy++) for (let dx = 0; dx < zoom; dx++) c.set(x0 + x * zoom + dx, y0 + y * zoom + dy, [g, g, g]);
      }
    }
  }
  return c;
}

/** Ten well-separated colours, one per digit class. */
export const PALETTE = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

/**
 * A scatter plot of point sets [{ points: [[x, y], ...], color, radius }] into a square of `size`
 * pixels covering [lo, hi] on both axes, with light axes through 0.
 */
export function scatter(sets, { size = 480, lo = -3, hi = 3 } = {}) {
  const c = canvas(size, size);
  const px = (v) => ((v - lo) / (hi - lo)) * (size - 1);
  for (let i = 0; i < size; i++) {
    c.set(px(0), i, [220, 220, 220]);
    c.set(i, size - 1 - px(0), [220, 220, 220]);
  }
  for (const { points, color, radius = 1 } of sets) for (const [x, y] of points) c.dot(px(x), size - 1 - px(y), color, radius);
  return c;
}
