// The threaded simd build is derived from the simd build at load (the package ships one file):
// the derived module must be the build's own simd-threads output, byte for byte.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { withSharedMemory } from '../src/engine/wasm-variant';
import { WasmgradError } from '../src/errors';

const simd = readFileSync(new URL('../dist/wasmgrad-simd.wasm', import.meta.url));
const threads = readFileSync(new URL('../dist/wasmgrad-simd-threads.wasm', import.meta.url));

describe('withSharedMemory', () => {
  it('turns the simd build into the simd-threads build, byte for byte, without touching its input', () => {
    const before = Buffer.from(simd);
    const derived = withSharedMemory(simd);
    expect(Buffer.compare(Buffer.from(derived), threads)).toBe(0);
    expect(Buffer.compare(simd, before)).toBe(0);
    expect(Buffer.compare(Buffer.from(withSharedMemory(new Uint8Array(simd).buffer)), threads)).toBe(0);
  });

  it('changes bytes it is given in place when asked (the engine reads a fresh copy of the file)', () => {
    const own = new Uint8Array(simd);
    expect(withSharedMemory(own, { inPlace: true })).toBe(own);
    expect(Buffer.compare(Buffer.from(own), threads)).toBe(0);
  });

  it('keeps a module that already shares its memory as it is', () => {
    expect(Buffer.compare(Buffer.from(withSharedMemory(threads)), threads)).toBe(0);
  });

  it('raises a WasmgradError for a truncated module or one without a memory import', () => {
    expect(() => withSharedMemory(simd.subarray(0, 40))).toThrow(WasmgradError);
    const noImports = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(() => withSharedMemory(noImports)).toThrow(/no imported memory/);
  });
});
