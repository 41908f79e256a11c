// The registry of layer classes by className, which loading a saved model reads: the built-in
// layers register themselves, a program its own layers (TF.js's serialization.registerClass).
import { WasmgradError, describeValue, msg, jsonOf } from '../errors.js';
import type { Layer, LoadContext } from './layer.js';

export type LayerClass = { className: string; fromConfig(config: Record<string, unknown>, context?: LoadContext): Layer };
const registry = new Map<string, LayerClass>();

export function registerLayer(cls: LayerClass): void {
  const given: unknown = cls;
  const isObject = typeof given === 'function' || (typeof given === 'object' && given !== null);
  // each read once: a getter could answer differently the second time
  const name = isObject ? (given as Record<string, unknown>).className : undefined;
  const fromConfig = isObject ? (given as Record<string, unknown>).fromConfig : undefined;
  if (typeof name !== 'string' || name === '' || typeof fromConfig !== 'function') {
    throw new WasmgradError(msg`registerLayer: expected a layer class (or an object) with a className and fromConfig, got ${describeValue(cls)}`);
  }
  registry.set(name, cls);
}

export function hasLayerClass(className: string): boolean {
  return registry.has(className);
}

export function getLayerClass(className: string): LayerClass {
  const cls = typeof className === 'string' ? registry.get(className) : undefined;
  if (!cls) throw new WasmgradError(msg`unknown layer class ${jsonOf(String(className).slice(0, 60))}; known: ${[...registry.keys()].join(', ')}`);
  return cls;
}
