// Activations by name, as Keras and TensorFlow.js spell them.
import { WasmgradError, describeValue, msg } from './errors.js';
import { ownEntry } from './util/lookup.js';
import { Tensor, tidy } from './tensor.js';
import { add, mul } from './ops/binary.js';
import * as u from './ops/unary.js';
import { softmax, logSoftmax } from './ops/softmax.js';
import { clone } from './ops/shape.js';

export type ActivationFn = (x: Tensor) => Tensor;
export type ActivationName =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'leakyRelu' | 'elu' | 'selu' | 'gelu' | 'softplus' | 'swish'
  | 'relu6' | 'softsign' | 'hardSigmoid' | 'mish' | 'gelu_new' | 'logSoftmax';

const ACTIVATIONS: Record<ActivationName, ActivationFn> = {
  linear: (x) => clone(x),
  relu: u.relu,
  sigmoid: u.sigmoid,
  tanh: u.tanh,
  softmax: (x) => softmax(x, -1),
  leakyRelu: (x) => u.leakyRelu(x, 0.3), // Keras's LeakyReLU default slope (tf.leakyRelu's op default is 0.2)
  elu: (x) => u.elu(x, 1),
  selu: u.selu,
  gelu: u.gelu,
  softplus: u.softplus,
  swish: u.swish,
  relu6: (x) => u.clipByValue(x, 0, 6),
  // composites free their intermediates (a tape still holds what the backward needs)
  softsign: (x) => tidy(() => mul(x, u.reciprocal(u.scale(u.abs(x), 1, 1)))),
  hardSigmoid: (x) => tidy(() => u.clipByValue(u.scale(x, 0.2, 0.5), 0, 1)),
  mish: (x) => tidy(() => mul(x, u.tanh(u.softplus(x)))),
  // TF.js's gelu_new: the tanh approximation x / 2 (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  gelu_new: (x) => tidy(() => mul(u.scale(x, 0.5), u.scale(u.tanh(u.scale(add(x, u.scale(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI))), 1, 1))),
  logSoftmax: (x) => logSoftmax(x, -1),
};

const ALIASES: Record<string, ActivationName> = {
  leaky_relu: 'leakyRelu', leakyrelu: 'leakyRelu', hard_sigmoid: 'hardSigmoid', silu: 'swish', None: 'linear', log_softmax: 'logSoftmax',
};

/** The activation of a name (or the function itself); undefined or null means linear. */
export function getActivation(name: string | ActivationFn | undefined | null): { name: string; fn: ActivationFn } {
  if (name === undefined || name === null) return { name: 'linear', fn: ACTIVATIONS.linear };
  if (typeof name === 'function') {
    const custom = name;
    const fn: ActivationFn = (x) => {
      const y: unknown = custom(x);
      if (!(y instanceof Tensor)) throw new WasmgradError(msg`activation ${custom.name || '(a function)'}: must return a Tensor, got ${describeValue(y)}`);
      return y;
    };
    return { name: custom.name || 'custom', fn };
  }
  if (typeof name !== 'string') throw new WasmgradError(msg`activation: expected a name or a function, got ${typeof name}`);
  const key = (ownEntry(ALIASES, name) ?? name) as ActivationName;
  const fn = ownEntry(ACTIVATIONS, key);
  if (!fn) throw new WasmgradError(msg`unknown activation '${name}'; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`);
  return { name: key, fn };
}
