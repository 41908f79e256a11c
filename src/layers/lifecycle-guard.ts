// A layer's lifecycle methods (call, build, computeOutputShape) are public, as in TF.js: called
// directly with what is not a tensor, or not a shape, they raise a WasmgradError naming the layer
// rather than a TypeError from deep inside. Each class is wrapped once, when its first layer is made
// (wrapping every registered class at import would cost each cold start several ms).
import { WasmgradError, describeValue, msg } from '../errors.js';
import { Tensor } from '../tensor.js';

const isShape = (s: unknown): boolean => Array.isArray(s) && s.every((d) => d === null || (Number.isInteger(d) && (d as number) >= 0));
const isShapeOrShapes = (s: unknown): boolean => isShape(s) || (Array.isArray(s) && s.length > 0 && s.every(isShape));
const isInputs = (x: unknown): boolean => x instanceof Tensor || (Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof Tensor));

type Method = (this: { name?: unknown }, ...args: unknown[]) => unknown;
type Check = (layer: { name?: unknown }, args: unknown[]) => void;

function wrap(proto: Record<string, unknown>, method: string, check: Check): void {
  const original = Object.hasOwn(proto, method) ? proto[method] : undefined;
  if (typeof original !== 'function') return;
  const guarded: Method = function (this, ...args) {
    check(this, args);
    return (original as Method).apply(this, args);
  };
  Object.defineProperty(guarded, 'name', { value: method });
  Object.defineProperty(proto, method, { value: guarded, writable: true, configurable: true });
}

const wrapped = new WeakSet<object>();

/** Wraps the methods the class defines and those it inherits (custom and unregistered classes too). */
export function guardLifecycle(cls: unknown): void {
  for (let proto = (cls as { prototype?: object }).prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (wrapped.has(proto)) return;
    wrapped.add(proto);
    guardOwn(proto as Record<string, unknown>);
  }
}

function guardOwn(proto: Record<string, unknown>): void {
  wrap(proto, 'call', (layer, args) => {
    if (!isInputs(args[0])) throw new WasmgradError(msg`${layer.name}.call: inputs must be a Tensor or a non-empty array of Tensors, got ${describeValue(args[0])}`);
    args[1] ??= {}; // no kwargs is empty kwargs
  });
  for (const method of ['build', 'computeOutputShape']) {
    wrap(proto, method, (layer, args) => {
      if (!isShapeOrShapes(args[0])) {
        throw new WasmgradError(msg`${layer.name}.${method}: inputShape must be a shape (whole numbers >= 0 or null) or an array of shapes, got ${describeValue(args[0])}`);
      }
    });
  }
}
