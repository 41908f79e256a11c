// TF.js's CallbackConstructorRegistry (tf.registerCallbackConstructor): constructors registered at
// a verbosity level are instantiated at the start of every fit and fitDataset whose verbose is at
// least that level, and run before the callbacks the call names (as TF.js orders them).
import { WasmgradError, msg, jsonOf } from '../errors.js';
import type { Callback, CustomCallbackArgs } from './callbacks.js';

export type CallbackConstructor = new () => Callback | CustomCallbackArgs;

const byLevel = new Map<number, CallbackConstructor[]>();

export function registerCallbackConstructor(verbosityLevel: number, callbackConstructor: CallbackConstructor): void {
  if (!Number.isInteger(verbosityLevel) || verbosityLevel < 0) {
    throw new WasmgradError(msg`registerCallbackConstructor: the verbosity level must be a whole number >= 0, got ${jsonOf(verbosityLevel)}`);
  }
  if (typeof callbackConstructor !== 'function') throw new WasmgradError(msg`registerCallbackConstructor: expected a callback class (constructor), got ${typeof callbackConstructor}`);
  for (const list of byLevel.values()) {
    if (list.includes(callbackConstructor)) throw new WasmgradError(msg`registerCallbackConstructor: ${callbackConstructor.name || 'this constructor'} is already registered`);
  }
  byLevel.set(verbosityLevel, [...(byLevel.get(verbosityLevel) ?? []), callbackConstructor]);
}

/** A new instance of every constructor registered at a level <= verbose (lower levels first). */
export function createRegisteredCallbacks(verbose: number): (Callback | CustomCallbackArgs)[] {
  const levels = [...byLevel.keys()].filter((l) => verbose >= l).sort((a, b) => a - b);
  return levels.flatMap((l) => byLevel.get(l)!.map((Ctor) => new Ctor()));
}

/** Forgets every registered constructor (TF.js's CallbackConstructorRegistry.clear, for tests). */
export function clearCallbackConstructors(): void {
  byLevel.clear();
}
