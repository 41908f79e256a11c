// TF.js's tf.serialization: registerClass(MyLayer) makes a custom layer class known by its static
// className, so models holding it save and load. Layer classes go into the layer registry that
// loadModel reads (layer.ts); other serializable classes are kept in SerializationMap only.
// TF.js's fromConfig convention is static fromConfig(cls, config); wasmgrad's is
// static fromConfig(config) with `this` the class. Both are accepted: a two-parameter override
// is called the TF.js way.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Layer, type LoadContext } from './layer.js';
import { registerLayer, hasLayerClass } from './registry.js';
import { registerCustomInitializer } from '../initializers.js';

/** A class as TF.js's registerClass takes it: a constructor with a static className. */
export interface SerializableClass {
  new (...args: never[]): unknown;
  readonly className: string;
  fromConfig?: (...args: never[]) => unknown;
}

type FromConfig = (config: Record<string, unknown>, context?: LoadContext) => unknown;

/** TF.js's SerializationMap: className -> [class, fromConfig]. Own-property safe (a Map). */
export class SerializationMap {
  private static instance: SerializationMap | null = null;
  readonly classNameMap = new Map<string, [SerializableClass, FromConfig]>();

  static getMap(): SerializationMap {
    if (!SerializationMap.instance) SerializationMap.instance = new SerializationMap();
    return SerializationMap.instance;
  }

  static register(cls: SerializableClass): void {
    SerializationMap.getMap().classNameMap.set(checkedClassName(cls), [cls, fromConfigOf(cls)]);
  }
}

/** The names classes were registered under (pkg>name), as TF.js's getRegisteredName reads them. */
const registeredNames = new Map<SerializableClass, string>();
/** Layer classNames registered here (they may be registered again; built-in ones may not be replaced). */
const customLayerNames = new Set<string>();
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.>-]*$/;

function checkedClassName(cls: unknown): string {
  if (typeof cls !== 'function') throw new WasmgradError(msg`registerClass: expected a class, got ${cls === null ? 'null' : typeof cls}`);
  const name = (cls as { className?: unknown }).className;
  if (typeof name !== 'string' || name.length === 0) {
    throw new WasmgradError(msg`registerClass: the class ${(cls as { name?: string }).name || '(anonymous)'} needs a static className string (static className = 'MyLayer'), got ${jsonOf(name)}`);
  }
  if (!NAME_PATTERN.test(name) || name === '__proto__' || name === 'constructor' || name === 'prototype') {
    throw new WasmgradError(msg`registerClass: className ${jsonOf(name)} is not a valid class name (letters, digits, _ . > -, not a reserved word)`);
  }
  return name;
}

/** fromConfig(config), calling a TF.js-style static fromConfig(cls, config) the way it expects. */
function fromConfigOf(cls: SerializableClass): FromConfig {
  const fc = cls.fromConfig as ((...args: unknown[]) => unknown) | undefined;
  if (typeof fc !== 'function') return (config) => new (cls as unknown as new (c: unknown) => unknown)(config);
  // wasmgrad's own static fromConfig(config, context?) (inherited, or an override of one argument)
  if (fc === Layer.fromConfig || fc.length < 2) return (config, context) => fc.call(cls, config, context);
  // TF.js's static fromConfig(cls, config): the loader's accounting adopts the layer it made
  return (config, context) => {
    const made = fc.call(cls, cls, config);
    if (made instanceof Layer) context?.adopt(made);
    return made;
  };
}

/**
 * TF.js's tf.serialization.registerClass(cls, pkg = 'Custom', name = cls.className): a layer class
 * becomes loadable by its className (a built-in layer's name cannot be taken over). Returns cls.
 */
export function registerClass<T extends SerializableClass>(cls: T, pkg?: string, name?: string): T {
  const className = checkedClassName(cls);
  if (pkg !== undefined && typeof pkg !== 'string') throw new WasmgradError(msg`registerClass(${className}): pkg must be a string, got ${typeof pkg}`);
  if (name !== undefined && typeof name !== 'string') throw new WasmgradError(msg`registerClass(${className}): name must be a string, got ${typeof name}`);
  if (cls.prototype instanceof Layer) {
    if (hasLayerClass(className) && !customLayerNames.has(className)) {
      throw new WasmgradError(msg`registerClass: '${className}' is a built-in layer's className; give the custom class its own static className`);
    }
    const fromConfig = fromConfigOf(cls);
    customLayerNames.add(className);
    registerLayer({ className, fromConfig: (config, context) => checkMade(fromConfig(config, context), className) });
  }
  else if (typeof (cls.prototype as { apply?: unknown })?.apply === 'function') {
    // an initializer class (TF.js: extends tf.initializers.Initializer, apply(shape, dtype))
    const fromConfig = fromConfigOf(cls);
    registerCustomInitializer(className, (config) => fromConfig(config) as never);
  }
  SerializationMap.register(cls);
  registeredNames.set(cls, `${pkg ?? 'Custom'}>${name ?? className}`);
  return cls;
}

function checkMade(made: unknown, className: string): Layer {
  if (!(made instanceof Layer)) throw new WasmgradError(msg`${className}.fromConfig did not return a layer`);
  return made;
}

/** TF.js's getRegisteredName: 'Custom>MyLayer' for a registered class, else its className. */
export function getRegisteredName(cls: SerializableClass): string {
  return registeredNames.get(cls) ?? checkedClassName(cls);
}

/** The className a layer (or class) is saved under. */
export function getClassName(x: SerializableClass | { getClassName(): string }): string {
  if (typeof x === 'function') return checkedClassName(x);
  if (x && typeof (x as { getClassName?: unknown }).getClassName === 'function') return (x as { getClassName(): string }).getClassName();
  throw new WasmgradError(msg`getClassName: expected a class or a layer, got ${x === null ? 'null' : typeof x}`);
}
