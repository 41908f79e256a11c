// The functional gradient API: grad, grads, valueAndGrads (as TensorFlow.js).
import { WasmgradError, msg } from './errors.js';
import { Tensor } from './tensor.js';
import { computeGradients } from './tape.js';
import { checkTensor } from './ops/util.js';

/** The gradient function of f, a function of one tensor returning a scalar (or pass dy). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  if (typeof f !== 'function') throw new WasmgradError('grad: expected a function');
  return (x, dy) => {
    checkTensor(x, 'grad', 'x');
    const { value, grads } = computeGradients(() => f(x), [x], dy, 'grad');
    value.dispose();
    return grads[0];
  };
}

/** The gradients of f with respect to each of its tensor arguments. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  const vg = valueAndGradsAs('grads', f);
  return (xs, dy) => {
    const { value, grads } = vg(xs, dy);
    value.dispose();
    return grads;
  };
}

/** The value of f and its gradients with respect to each of its tensor arguments. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return valueAndGradsAs('valueAndGrads', f);
}

/** The value of f and its gradient with respect to its one tensor argument. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  const vg = valueAndGradsAs('valueAndGrad', f);
  return (x, dy) => {
    const { value, grads } = vg([x], dy);
    return { value, grad: grads[0] };
  };
}

/** valueAndGrads, its errors naming `op`, the function the user called. */
function valueAndGradsAs(op: string, f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') throw new WasmgradError(msg`${op}: expected a function`);
  return (xs, dy) => {
    if (!Array.isArray(xs)) throw new WasmgradError(msg`${op}: call the result with an array of tensors`);
    xs.forEach((x, i) => checkTensor(x, op, `xs[${i}]`));
    const { value, grads } = computeGradients(() => f(...xs), xs, dy, op);
    return { value, grads };
  };
}
