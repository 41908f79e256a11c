// Size checks where tensors enter a driver: a tensor smaller than the work described would let a
// kernel read or write memory that belongs to other tensors.
import { WasmgradError, fmtShape, msg } from '../../errors.js';
import { Tensor } from '../../tensor.js';

/** Raises unless t has exactly `expected` elements (`atLeast`: at least that many). */
export function checkSize(op: string, what: string, t: Tensor, expected: number, atLeast = false): void {
  if (atLeast ? t.size < expected : t.size !== expected) {
    throw new WasmgradError(msg`${op}: ${what} ${fmtShape(t.shape)} has ${t.size} elements, expected ${atLeast ? 'at least ' : ''}${expected}`);
  }
}
