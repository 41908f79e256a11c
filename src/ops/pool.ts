// 2-D pooling over NHWC images: maxPool (the gradient goes to the first maximum of each window)
// and avgPool ('same' windows average their real elements only, as TensorFlow), forward and
// backward side by side; global pooling is a reduction over height and width.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { poolForward, poolGrad } from '../engine/drivers/pool.js';
import { checkFloat, newTensor } from './util.js';
import { reshape } from './shape.js';
import { mean, max } from './reduce.js';
import { pairOf, windowGeometry, type PairLike, type PaddingSpec } from './conv.js';

function pool(op: 'maxPool' | 'avgPool', x: Tensor, poolSize: PairLike, strides: PairLike | undefined, padding: PaddingSpec): Tensor {
  checkFloat(x, op, 'x');
  if (x.rank === 3) {
    // one image [H, W, C]
    const x4 = reshape(x, [1, ...x.shape]);
    const y4 = pool(op, x4, poolSize, strides, padding);
    const y = reshape(y4, y4.shape.slice(1));
    x4.dispose();
    y4.dispose();
    return y;
  }
  if (x.rank !== 4) throw new WasmgradError(msg`${op}: x must be rank 4 [batch, height, width, channels] (or 3), got ${fmtShape(x.shape)}`);
  const [KH, KW] = pairOf(poolSize, op, 'poolSize');
  const g = windowGeometry(op, x.shape, KH, KW, strides ?? [KH, KW], padding, 1, `x ${fmtShape(x.shape)}, poolSize ${KH}x${KW}`);
  const out = newTensor([g.N, g.OH, g.OW, g.C]);
  if (out.size === 0) return out;
  const isMax = op === 'maxPool';
  poolForward(isMax, x, out, g);
  record(op, [x], out, ([dy]) => {
    const dx = newTensor(x.shape);
    poolGrad(isMax, x, dy, dx, g);
    return [dx];
  });
  return out;
}

/** Max pooling: x [N, H, W, C] -> [N, OH, OW, C]; strides default to the pool size. */
export function maxPool(x: Tensor, poolSize: PairLike, strides?: PairLike, padding: PaddingSpec = 'valid'): Tensor {
  return pool('maxPool', x, poolSize, strides, padding);
}

/** Average pooling: x [N, H, W, C] -> [N, OH, OW, C]; strides default to the pool size. */
export function avgPool(x: Tensor, poolSize: PairLike, strides?: PairLike, padding: PaddingSpec = 'valid'): Tensor {
  return pool('avgPool', x, poolSize, strides, padding);
}

function checkImages(x: Tensor, op: string): void {
  checkFloat(x, op, 'x');
  if (x.rank !== 4) throw new WasmgradError(msg`${op}: x must be rank 4 [batch, height, width, channels], got ${fmtShape(x.shape)}`);
}

/** The mean over height and width: [N, H, W, C] -> [N, C] (or [N, 1, 1, C] with keepDims). */
export function globalAvgPool(x: Tensor, keepDims = false): Tensor {
  checkImages(x, 'globalAvgPool');
  return mean(x, [1, 2], keepDims);
}

/** The maximum over height and width (gradient shared between tied maxima, as reduce max). */
export function globalMaxPool(x: Tensor, keepDims = false): Tensor {
  checkImages(x, 'globalMaxPool');
  return max(x, [1, 2], keepDims);
}
