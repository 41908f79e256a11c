// tf.stridedSlice with TensorFlow's masks (begin, end, ellipsis, new axis, shrink axis), as one
// gather per sliced axis and a reshape, so its gradient comes from composition.
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { fromFlat } from '../creation.js';
import * as ops from '../ops/index.js';
import { checkTensor } from '../ops/util.js';

type Entry = { kind: 'full' } | { kind: 'new' } | { kind: 'range'; begin: number; end: number; stride: number; beginMasked: boolean; endMasked: boolean; shrink: boolean };

const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;

/** The indices an axis of size dim keeps for one range entry (TensorFlow's clamping rules). */
function axisIndices(e: Extract<Entry, { kind: 'range' }>, dim: number, axis: number): number[] {
  const { stride } = e;
  if (e.shrink) {
    const at = e.begin < 0 ? e.begin + dim : e.begin;
    if (!(at >= 0 && at < dim)) throw new WasmgradError(msg`stridedSlice: index ${e.begin} is out of range for axis ${axis} of size ${dim}`);
    return [at];
  }
  const clamp = (v: number) => {
    const w = v < 0 ? v + dim : v;
    return stride > 0 ? Math.min(Math.max(w, 0), dim) : Math.min(Math.max(w, -1), dim - 1);
  };
  const start = e.beginMasked ? (stride > 0 ? 0 : dim - 1) : clamp(e.begin);
  const stop = e.endMasked ? (stride > 0 ? dim : -1) : clamp(e.end);
  const out: number[] = [];
  for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) out.push(i);
  return out;
}

export function stridedSlice(
  x: Tensor, begin: number[], end: number[], strides?: number[], beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0,
): Tensor {
  checkTensor(x, 'stridedSlice', 'x');
  const n = Array.isArray(begin) ? begin.length : -1;
  const st = strides ?? new Array(Math.max(n, 0)).fill(1);
  if (n < 0 || !Array.isArray(end) || end.length !== n || st.length !== n) {
    throw new WasmgradError(msg`stridedSlice: begin, end and strides must be arrays of one length, got ${jsonOf(begin)}, ${jsonOf(end)}, ${jsonOf(strides)}`);
  }
  if (st.some((s) => !Number.isInteger(s) || s === 0)) throw new WasmgradError(msg`stridedSlice: strides must be non-zero whole numbers, got ${jsonOf(st)}`);
  const consumed = begin.filter((_, i) => !bit(ellipsisMask, i) && !bit(newAxisMask, i)).length;
  const fill = () => new Array<Entry>(Math.max(0, x.rank - consumed)).fill({ kind: 'full' });
  const entries: Entry[] = [];
  let ellipsisSeen = false;
  for (let i = 0; i < n; i++) {
    if (bit(ellipsisMask, i) && !ellipsisSeen) {
      ellipsisSeen = true;
      entries.push(...fill());
    } else if (bit(ellipsisMask, i)) {
      throw new WasmgradError('stridedSlice: only one ellipsis is allowed');
    } else if (bit(newAxisMask, i)) {
      entries.push({ kind: 'new' });
    } else {
      entries.push({ kind: 'range', begin: begin[i], end: end[i], stride: st[i], beginMasked: bit(beginMask, i), endMasked: bit(endMask, i), shrink: bit(shrinkAxisMask, i) });
    }
  }
  if (!ellipsisSeen) entries.push(...fill());
  if (entries.filter((e) => e.kind !== 'new').length !== x.rank) {
    throw new WasmgradError(msg`stridedSlice: ${consumed} sliced axes for a tensor of shape ${fmtShape(x.shape)}`);
  }
  return tidy(() => {
    let t = x;
    const outShape: number[] = [];
    let axis = 0;
    for (const e of entries) {
      if (e.kind === 'new') {
        outShape.push(1);
        continue;
      }
      const dim = x.shape[axis];
      if (e.kind === 'full') outShape.push(dim);
      else {
        const idx = axisIndices(e, dim, axis);
        if (!e.shrink) outShape.push(idx.length);
        const identity = idx.length === dim && idx.every((v, i) => v === i);
        if (!identity) t = ops.gather(t, fromFlat(idx, [idx.length], 'int32'), axis);
      }
      axis++;
    }
    return ops.reshape(t === x ? ops.clone(x) : t, outShape);
  });
}
