// Runtime detection by capability and the build a given module asks for. The other runtimes
// themselves run scripts/ci/conformance.mjs (npm test); here their globals are imitated.
import { describe, test, expect, afterEach, afterAll, vi } from 'vitest';
import * as wg from 'wasmgrad';
import { readFileSync } from 'node:fs';
import { detectFeatures, detectRuntime, relaxedMaddFuses, relaxedSimdSupported } from '../../src/engine/detect';

const moduleOf = (build: string) => new WebAssembly.Module(readFileSync(new URL(`../../dist/wasmgrad-${build}.wasm`, import.meta.url)));

afterEach(() => {
  vi.unstubAllGlobals();
});
afterAll(() => wg.shutdown());

describe('detectRuntime', () => {
  test('Node is Node', async () => {
    expect(detectRuntime()).toBe('node');
    const f = await detectFeatures();
    expect(f).toMatchObject({ runtime: 'node', isNode: true, workers: true });
  });

  test('workerd is told by its navigator, even with process.versions.node set (nodejs_compat)', async () => {
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    expect(typeof process.versions.node).toBe('string');
    expect(detectRuntime()).toBe('workerd');
    const f = await detectFeatures();
    expect(f).toMatchObject({ runtime: 'workerd', workers: false, isNode: false });
  });

  test('Deno and Bun by their own globals', () => {
    vi.stubGlobal('Deno', { version: { deno: '2.9.6' } });
    expect(detectRuntime()).toBe('deno');
    vi.unstubAllGlobals();
    vi.stubGlobal('Bun', { version: '1.4.5' });
    expect(detectRuntime()).toBe('bun');
  });

  test('a browser page by window and document', () => {
    vi.stubGlobal('window', {});
    vi.stubGlobal('document', {});
    expect(detectRuntime()).toBe('browser');
  });

  test('relaxed_madd fusion is only reported where relaxed SIMD validates', () => {
    if (!relaxedSimdSupported()) expect(relaxedMaddFuses()).toBe(false);
    else expect(typeof relaxedMaddFuses()).toBe('boolean');
  });
});

describe('a given module picks its build by its memory import', () => {
  test('an unshared module runs as simd on 1 thread, a shared one as simd-threads', async () => {
    await wg.shutdown();
    expect(await wg.init({ wasm: moduleOf('simd') })).toMatchObject({ backend: 'simd', threads: 1, sharedMemory: false });
    expect(await wg.init({ wasm: moduleOf('simd-threads') })).toMatchObject({ backend: 'simd-threads', sharedMemory: true });
    expect(Array.from(wg.matMul(wg.tensor([[1, 2]]), wg.tensor([[3], [4]])).dataSync())).toEqual([11]);
  });

  test('a backend that contradicts the module is an error naming both', async () => {
    await expect(wg.init({ backend: 'relaxed', wasm: moduleOf('simd') })).rejects.toThrow(
      /imports an unshared memory, so it is not the 'relaxed' build/,
    );
    await expect(wg.init({ backend: 'simd', wasm: moduleOf('simd-threads') })).rejects.toThrow(/imports a shared memory/);
  });

  test('a shared module where there is no shared memory (a page not isolated) says what to pass', async () => {
    await wg.shutdown();
    vi.stubGlobal('SharedArrayBuffer', undefined);
    await expect(wg.init({ wasm: moduleOf('simd-threads') })).rejects.toThrow(/cross-origin isolated\); pass the 'simd' build/);
  });

  test('on workerd a shared module runs on the calling thread (no workers there)', async () => {
    await wg.shutdown();
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    const info = await wg.init({ wasm: moduleOf('simd-threads') });
    expect(info).toMatchObject({ runtime: 'workerd', backend: 'simd-threads', threads: 1 });
    expect(() => wg.setThreads(2)).toThrow(wg.WasmgradError);
    await wg.shutdown();
  });

  test('init() without wasm on workerd says to pass the module', async () => {
    await wg.shutdown();
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    const err = await wg.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(wg.WasmgradError);
    expect((err as Error).message).toMatch(/workerd .*import wasm from 'wasmgrad\/wasm\/wasmgrad-simd\.wasm'; await init\(\{ wasm \}\)/);
  });
});
