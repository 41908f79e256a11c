// The optimizers as wg.optimizers.*: factory functions with Keras defaults, the classes, and a
// lookup by name or config for model.compile and loading.
import { WasmgradError, msg } from '../errors.js';
import { ownEntry } from '../util/lookup.js';
import { Optimizer, type OptimizerArgs } from './optimizer.js';
import { SGD, type SGDArgs } from './sgd.js';
import { Adam, type AdamArgs } from './adam.js';
import { AdamW, type AdamWArgs } from './adamw.js';
import { Adagrad, type AdagradArgs } from './adagrad.js';
import { Adadelta, type AdadeltaArgs } from './adadelta.js';
import { RMSprop, type RMSpropArgs } from './rmsprop.js';

export { Optimizer, SGD, Adam, AdamW, Adagrad, Adadelta, RMSprop };
export type { OptimizerArgs, SGDArgs, AdamArgs, AdamWArgs, AdagradArgs, AdadeltaArgs, RMSpropArgs };
export type { NamedTensor } from './optimizer.js';

export const sgd = (args: SGDArgs = {}) => new SGD(args);
export const adam = (args: AdamArgs = {}) => new Adam(args);
export const adamw = (args: AdamWArgs = {}) => new AdamW(args);
export const adagrad = (args: AdagradArgs = {}) => new Adagrad(args);
export const adadelta = (args: AdadeltaArgs = {}) => new Adadelta(args);
export const rmsprop = (args: RMSpropArgs = {}) => new RMSprop(args);

const BY_NAME: Record<string, (args: never) => Optimizer> = { sgd, adam, adamw, adagrad, adadelta, rmsprop };

/**
 * An optimizer from a name ('adam', 'SGD', 'rmsprop', ...: Keras defaults), a saved
 * { className, config }, or an optimizer itself.
 */
export function getOptimizer(o: Optimizer | string | { className: string; config?: Record<string, unknown> }): Optimizer {
  if (o instanceof Optimizer) return o;
  const name = typeof o === 'string' ? o : o?.className;
  const make = typeof name === 'string' ? ownEntry(BY_NAME, name.toLowerCase()) : undefined;
  if (!make) throw new WasmgradError(msg`unknown optimizer '${String(name)}'; expected one of ${Object.keys(BY_NAME).join(', ')}`);
  const config = typeof o === 'string' ? {} : { ...(o.config ?? {}) };
  if ('learningRate' in config) config.learningRate = Optimizer.learningRateFromConfig(config.learningRate);
  return make(config as never);
}
