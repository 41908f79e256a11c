// dilation2d: grayscale morphological dilation as TensorFlow.js, out[b, y, x, c] = the max over
// the window of x[b, y s + i d - pad, x s + j d - pad, c] + filter[i, j, c]. Composed of strided
// taps of the framed input, one per filter position, and a running maximum: the gradients to x and
// to the filter come from the tape and go to the first maximum in row, column order, as TF.js.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { checkFloat } from './util.js';
import { add, maximum } from './binary.js';
import { reshape, slice } from './shape.js';
import { windowAxes, frame, taps, tupleOf } from './window-parts.js';

/** x [N, H, W, C] (or [H, W, C]), filter [KH, KW, C] -> [N, OH, OW, C]. */
export function dilation2d(
  x: Tensor, filter: Tensor, strides: number | [number, number] = 1, padding: 'valid' | 'same' = 'valid', dilations: number | [number, number] = 1,
): Tensor {
  const op = 'dilation2d';
  checkFloat(x, op, 'x');
  checkFloat(filter, op, 'filter');
  if (x.rank !== 4 && x.rank !== 3) throw new WasmgradError(msg`${op}: x must be rank 4 [batch, height, width, channels] (or 3), got ${fmtShape(x.shape)}`);
  if (filter.rank !== 3) throw new WasmgradError(msg`${op}: filter must be rank 3 [height, width, channels], got ${fmtShape(filter.shape)}`);
  const what = `x ${fmtShape(x.shape)}, filter ${fmtShape(filter.shape)}`;
  const xShape = x.rank === 4 ? x.shape : [1, ...x.shape];
  const [N, , , C] = xShape;
  const [KH, KW] = filter.shape;
  if (filter.shape[2] !== C) throw new WasmgradError(msg`${op}: x has ${C} channels but the filter has ${filter.shape[2]}: ${what}`);
  if (KH === 0 || KW === 0) throw new WasmgradError(msg`${op}: the filter has an empty dimension: ${what}`);
  const s = tupleOf(strides, 2, op, 'strides');
  const d = tupleOf(dilations, 2, op, 'dilations');
  if (padding !== 'valid' && padding !== 'same') throw new WasmgradError(msg`${op}: padding must be 'valid' or 'same', got ${jsonOf(padding)}: ${what}`);
  const [gh, gw] = windowAxes(op, xShape.slice(1, 3), [KH, KW], s, d, padding, undefined, false, what);
  return tidy(() => {
    // positions outside the input never win: they hold -Infinity
    const x4 = x.rank === 4 ? x : reshape(x, xShape);
    const xf = frame(x4, [0, gh.before, gw.before, 0], [N, gh.span, gw.span, C], -Infinity);
    let acc: Tensor | null = null;
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        const t = taps(xf, [0, i * gh.d, j * gw.d, 0], [N, gh.out, gw.out, C], [1, gh.s, gw.s, 1]);
        const cand = add(t, reshape(slice(filter, [i, j, 0], [1, 1, C]), [C]));
        // maximum sends ties to its first argument: the earlier position, as TF.js
        acc = acc === null ? cand : maximum(acc, cand);
      }
    }
    return x.rank === 4 ? acc! : reshape(acc!, acc!.shape.slice(1));
  });
}
