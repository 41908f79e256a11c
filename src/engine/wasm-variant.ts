// The threaded simd build is the simd build with its imported memory declared shared: the two
// modules differ in that one flag byte, so the package ships one file and derives the other here.
import { WasmgradError } from '../errors.js';

/**
 * The module `bytes` with its memory import shared (limits flag 0x03: shared, with a maximum): a copy,
 * or `bytes` itself changed with `inPlace` (bytes the caller owns: copying 150 KB costs about 0.6 ms
 * of a cold start here).
 */
export function withSharedMemory(bytes: ArrayBuffer | Uint8Array, { inPlace = false } = {}): Uint8Array {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const out = inPlace ? view : new Uint8Array(view);
  let pos = 8;
  const leb = (): number => {
    let result = 0, shift = 0, b: number;
    do {
      if (pos >= out.length) throw new WasmgradError('init: the simd build ends inside a section (a truncated .wasm?)');
      b = out[pos++];
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return result >>> 0;
  };
  while (pos < out.length) {
    const id = out[pos++];
    const size = leb();
    const next = pos + size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        // (the length read first: `pos += leb()` would add it to the pos before the read)
        for (let name = 0; name < 2; name++) {
          const len = leb();
          pos += len;
        }
        const kind = out[pos++];
        if (kind === 2) {
          if (out[pos] !== 0x01 && out[pos] !== 0x03) break;
          out[pos] = 0x03;
          return out;
        }
        if (kind === 0) leb();
        else if (kind === 1) (pos++, leb() & 1 ? (leb(), leb()) : leb());
        else if (kind === 3) pos += 2;
        else break;
      }
    }
    pos = next;
  }
  throw new WasmgradError('init: the simd build has no imported memory with a maximum to share (expected the library\'s own wasmgrad-simd.wasm)');
}
