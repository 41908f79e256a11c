// softmax and logSoftmax along any axis (rows of the last axis in one fused kernel; another axis
// is moved last and back).
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { softmaxRows, softmaxGradRows } from '../engine/drivers/softmax.js';
import { checkFloat, normAxis, newTensor } from './util.js';
import { transpose, reshape } from './shape.js';
import { tagLogits } from './logits.js';
import { checkHasAxis } from '../validate.js';

function softmaxLike(name: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  checkHasAxis(x, name);
  checkFloat(x, name);
  if (x.rank === 0) {
    const r = reshape(x, [1]);
    const s = softmaxLike(name, r, 0);
    const out = reshape(s, []);
    r.dispose();
    s.dispose();
    return out;
  }
  const a = normAxis(axis, x.shape, name);
  if (a !== x.rank - 1) {
    // move the axis last, apply, move it back (the transposes carry the gradient)
    const perm = x.shape.map((_, i) => i);
    perm.splice(a, 1);
    perm.push(a);
    const inv = perm.map((_, i) => perm.indexOf(i));
    const t = transpose(x, perm);
    const s = softmaxLike(name, t, -1);
    const out = transpose(s, inv);
    t.dispose();
    s.dispose();
    return out;
  }
  const isLog = name === 'logSoftmax';
  const y = newTensor(x.shape);
  softmaxRows(x, y, isLog);
  record(name, [x], y, ([dy]) => {
    const dx = newTensor(x.shape);
    softmaxGradRows(y, dy, dx, isLog);
    return [dx];
  });
  // the cross-entropy losses read the logits back for their fused kernel (src/ops/logits.ts)
  return isLog ? y : tagLogits(y, x, 'softmax');
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('softmax', x, axis);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('logSoftmax', x, axis);
}
