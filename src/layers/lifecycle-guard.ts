// A layer's lifecycle methods (call, build, computeOutputShape) are public, as in TF.js: called
// directly with what is not a tensor, or not a shape, they raise a WasmgradError naming the layer
// rather than a TypeError from deep inside; call on a layer not yet built builds it first. Each
// class is wrapped once, when its first layer is made (wrapping every registered class at import
// would cost each cold start several ms).
import { WasmgradError, describeValue, msg } from '../errors.js';
import { Tensor } from '../tensor.js';

/** A shape as layers see it: whole numbers >= 0, null for an unknown size. */
export const isShape = (s: unknown): s is (number | null)[] => Array.isArray(s) && s.every((d) => d === null || (Number.isInteger(d) && (d as number) >= 0));
const isShapeOrShapes = (s: unknown): boolean => isShape(s) || (Array.isArray(s) && s.length > 0 && s.every(isShape));
const isInputs = (x: unknown): boolean => x instanceof Tensor || (Array.isArray(x) && x.length > 0 && x.every((t) => t instanceof Tensor));

type Guarded = { name?: unknown; built?: unknown; build?: (shape: unknown) => void };
type Method = (this: Guarded, ...args: unknown[]) => unknown;
type Check = (layer: Guarded, args: unknown[]) => void;

function wrap(proto: Record<string, unknown>, method: string, check: Check, after?: (layer: Guarded) => void): void {
  const original = Object.hasOwn(proto, method) ? proto[method] : undefined;
  if (typeof original !== 'function') return;
  const guarded: Method = function (this, ...args) {
    check(this, args);
    const result = (original as Method).apply(this, args);
    after?.(this);
    return result;
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
    // called before it was built, a layer builds from its inputs' shapes, as apply would (its
    // weights do not exist yet): one shape for one input, as build sees it from apply
    if (layer.built === false && typeof layer.build === 'function') {
      const shapes = Array.isArray(args[0]) ? (args[0] as Tensor[]).map((t) => t.shape) : [(args[0] as Tensor).shape];
      layer.build(shapes.length === 1 ? shapes[0] : shapes);
    }
  });
  for (const method of ['build', 'computeOutputShape']) {
    wrap(
      proto,
      method,
      (layer, args) => {
        if (!isShapeOrShapes(args[0])) {
          throw new WasmgradError(msg`${layer.name}.${method}: inputShape must be a shape (whole numbers >= 0 or null) or an array of shapes, got ${describeValue(args[0])}`);
        }
      },
      // a layer built by a direct call is built: apply must not build it again (as TF.js's build sets built)
      method === 'build' ? (layer) => void (layer.built = true) : undefined,
    );
  }
}
