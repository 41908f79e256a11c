import { WasmgradError, describeValue, msg } from '../errors.js';

/**
 * A seeded generator of uniform floats in [0, 1) (mulberry32): the same sequence for a seed on
 * every runtime, for shuffles, examples and test data. Public as `wg.seededRandom(seed)`.
 * Not what the random ops use: those hash (seed, index) in WebAssembly, so threads agree.
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new WasmgradError(msg`seededRandom: seed must be a finite number, got ${describeValue(seed)}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
