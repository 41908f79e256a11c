// TF.js's losses and metrics take arrays where they take tensors (convertToTensor): the namespaces
// the entry exports call each function with its array arguments made tensors (disposed after),
// and refuse what is neither a tensor nor an array with a WasmgradError.
import { WasmgradError, describeValue, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { withTensorArgs, type TensorArgSpec } from '../creation.js';

/** The namespace with each function wrapped: spec(name) gives its tensor arguments (those without 'n' must be given). */
export function withTensorArguments<T extends object>(namespace: string, ns: T, spec: (name: string) => TensorArgSpec): T {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(ns)) {
    if (typeof f !== 'function' || !/^[a-z]/.test(name)) {
      out[name] = f;
      continue;
    }
    const s = spec(name);
    const required = s.filter((k) => !k.includes('n')).map(Number);
    const checked = (...args: unknown[]) => {
      for (const i of required) {
        if (!(args[i] instanceof Tensor)) throw new WasmgradError(msg`${namespace}.${name}: argument ${i + 1} must be a Tensor or an array of numbers, got ${describeValue(args[i])}`);
      }
      return (f as (...a: unknown[]) => unknown)(...args);
    };
    // named as the function it wraps (stack traces, and code that reads fn.name)
    out[name] = Object.defineProperty((...args: unknown[]) => withTensorArgs(s, args, checked), 'name', { value: f.name || name });
  }
  return out as T;
}
