// setDebug(true): every public op checks its float32 outputs for NaN and infinities and names
// itself and the first bad index.
import { WasmgradError, fmtShape } from './errors.js';
import { Tensor, disposeIfThrows } from './tensor.js';
import { findNonFinite } from './engine/drivers/copy.js';
import { runAs } from './engine/op-context.js';

let debug = false;

export function setDebug(on: boolean): void {
  debug = !!on;
}

export function isDebug(): boolean {
  return debug;
}

function check(name: string, t: unknown): void {
  if (t instanceof Tensor && t.dtype === 'float32' && !t.isDisposed && t.size > 0) {
    const i = findNonFinite(t);
    if (i >= 0) {
      const v = t.dataSync()[i];
      throw new WasmgradError(`${name}: output ${fmtShape(t.shape)} has ${v} at flat index ${i} (setDebug is on)`);
    }
  } else if (Array.isArray(t)) {
    for (const x of t) check(name, x);
  }
}

function disposeOutputs(t: unknown): void {
  if (t instanceof Tensor) t.dispose();
  else if (Array.isArray(t)) for (const x of t) disposeOutputs(x);
}

/** Wraps an op so that, in debug mode, its outputs are checked (and freed when the check fails). */
export function debugged<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  return ((...args: never[]) => {
    const out = disposeIfThrows(() => runAs(name, args, () => fn(...args)));
    if (debug) {
      try {
        check(name, out);
      } catch (err) {
        disposeOutputs(out);
        throw err;
      }
    }
    return out;
  }) as F;
}
