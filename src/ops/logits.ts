// Which logits a probability tensor came from. softmax (last axis) and sigmoid tag their output
// with their input, so that the cross-entropy losses can use the fused, exact kernels from logits
// (as Keras does with `_keras_logits`). A tag is only made when the logits cannot change later:
// never for a Variable, nor for a tensor whose memory another tensor views (a reshape of a
// Variable could be assigned through it). Tags are weak: they keep nothing alive.
import { Tensor } from '../tensor.js';
import { Variable } from '../variables.js';

export type LogitsKind = 'softmax' | 'sigmoid';

const tags = new WeakMap<Tensor, { logits: Tensor; kind: LogitsKind }>();

/** Records that y = kind(logits); returns y. */
export function tagLogits(y: Tensor, logits: Tensor, kind: LogitsKind): Tensor {
  if (!(logits instanceof Variable) && logits.storage && logits.storage.refs === 1) tags.set(y, { logits, kind });
  return y;
}

/** The live logits y was computed from by `kind`, or null. */
export function logitsOf(y: Tensor, kind: LogitsKind): Tensor | null {
  const tag = tags.get(y);
  if (!tag || tag.kind !== kind || tag.logits.isDisposed || y.isDisposed) return null;
  if (tag.logits.shape.join() !== y.shape.join()) return null;
  return tag.logits;
}
