// The kernel ABI: the generated TypeScript side is current, every build exports what it declares,
// and init refuses a module that does not match.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain JavaScript build script, without type declarations
import { generate, wasmExportArity } from '../scripts/abi-gen.mjs';
import * as abi from '../src/engine/abi';
import { bindKernels, paramCount } from '../src/engine/bind';
import { ALL_BUILDS } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));

const paramList = (params: string) => (params === '' ? [] : params.split(' '));

afterAll(() => wg.shutdown());

/** Exports that satisfy the ABI: every kernel with its arity, scratch needs from the given functions. */
function fakeExports(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  for (const [name, params] of Object.entries(abi.KERNEL_PARAMS)) {
    // a function of the declared arity (Function.length counts the named parameters)
    exports[name] = new Function(...paramList(params), 'return 0;');
  }
  return { ...exports, ...overrides };
}

describe('generated ABI', () => {
  test('regenerating from assembly/ gives exactly the checked-in files', () => {
    const { files } = generate(root) as { files: Record<string, string> };
    expect(Object.keys(files).sort()).toEqual(['assembly/dispatch.ts', 'src/engine/abi.ts']);
    for (const [rel, text] of Object.entries(files)) {
      const current = readFileSync(new URL(`../${rel}`, import.meta.url), 'utf8');
      // a stale file fails here: run node scripts/build-wasm.mjs and commit the result
      expect(current, `${rel} is stale`).toBe(text);
    }
  });

  test('every build exports each kernel with the parameters its source declares', () => {
    for (const build of ALL_BUILDS) {
      const arity = wasmExportArity(readFileSync(new URL(`../dist/wasmgrad-${build}.wasm`, import.meta.url))) as Map<string, number>;
      for (const [name, params] of Object.entries(abi.KERNEL_PARAMS)) {
        expect(arity.get(name), `${build}: ${name}`).toBe(paramList(params).length);
      }
    }
  });

  test('the memory layout: control block regions apart, below static data, below the heap', () => {
    // the per-worker slot ranges (ready flags, share claims, scratch) each hold MAX_THREADS + 1
    // slots (worker indices up to MAX_THREADS) and do not overlap the fixed slots or each other
    const perWorker = [abi.CTRL.ready, abi.CTRL.claim, abi.CTRL.scratch].sort((a, b) => a - b);
    const fixed = Object.entries(abi.CTRL).filter(([k]) => !['ready', 'claim', 'scratch'].includes(k)).map(([, v]) => v);
    expect(Math.max(...fixed)).toBeLessThan(perWorker[0]);
    for (let i = 0; i + 1 < perWorker.length; i++) expect(perWorker[i] + abi.MAX_THREADS + 1).toBeLessThanOrEqual(perWorker[i + 1]);
    const lastSlot = perWorker[perWorker.length - 1] + abi.MAX_THREADS;
    expect((lastSlot + 1) * 4).toBeLessThanOrEqual(abi.CTRL_ARGS_BYTE);
    expect(abi.CTRL_ARGS_BYTE + abi.MAX_ARGS * 8).toBeLessThanOrEqual(abi.CTRL_ERR_BYTE);
    expect(abi.CTRL_ERR_BYTE + abi.CTRL_ERR_CAP).toBeLessThanOrEqual(abi.CTRL_BYTES);
    expect(abi.CTRL_BYTE + abi.CTRL_BYTES).toBeLessThanOrEqual(abi.MEMORY_BASE);
    expect(abi.MEMORY_BASE).toBeLessThan(abi.HEAP_BASE);
    expect(abi.GEOM_BYTES).toBeGreaterThanOrEqual((abi.G_PL + 1) * 4);
    // every parallel kernel's arguments fit the control block
    for (const [name, params] of Object.entries(abi.KERNEL_PARAMS)) {
      expect(paramList(params).length - 3, name).toBeLessThanOrEqual(abi.MAX_ARGS);
    }
  });

  test('ids of an enumeration are distinct', () => {
    for (const e of [abi.BIN, abi.UNARY, abi.RED, abi.ACT, abi.A_KIND, abi.SUMS, abi.RNN_ACT, abi.CTRL, abi.CLAIM]) {
      const ids = Object.values(e);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});

describe('binding a build at init', () => {
  test('a table that matches binds, with ids in sorted name order', () => {
    const table = bindKernels(fakeExports(), 'fake');
    expect(table.names).toEqual(Object.keys(abi.KERNEL_PARAMS).sort());
    expect(table.fns[table.names.indexOf('gemm_f32')]).toBe(table.kernels.gemm_f32);
  });

  test('paramCount counts the names of a space-separated list, as splitting it would', () => {
    for (const list of ['', 'x', 'x y', 'a b c d e f g h i j k l m n o p q r s t u v w'].concat(Object.values(abi.KERNEL_PARAMS))) {
      expect(paramCount(list), JSON.stringify(list)).toBe(paramList(list).length);
    }
    expect(paramCount(abi.KERNEL_PARAMS.bench_fma_peak_flops)).toBe(0);
  });

  test('a missing kernel is named', () => {
    const exports = fakeExports();
    delete exports.unary_grad_f32;
    expect(() => bindKernels(exports, 'fake')).toThrow(wg.WasmgradError);
    expect(() => bindKernels(exports, 'fake')).toThrow(/'fake' build does not match.*kernel unary_grad_f32 is missing/);
  });

  test('a kernel of the wrong arity is named with the parameters expected', () => {
    const exports = fakeExports({ softmax_rows: (x: number, y: number) => x + y });
    expect(() => bindKernels(exports, 'fake')).toThrow(/kernel softmax_rows takes 2 arguments, expected 7 \(x, y, n, isLog, taskBegin, taskEnd, scratch\)/);
  });

  test('scratch smaller than a kernel needs for the widest tile is refused', () => {
    const exports = fakeExports({ gemm_conv_scratch_bytes: (tileN: number, bPacked: number) => (bPacked ? 0 : abi.SCRATCH_BYTES + tileN) });
    expect(() => bindKernels(exports, 'fake')).toThrow(
      new RegExp(`gemm_conv_scratch_bytes\\(${abi.NC}, 0\\) is ${abi.SCRATCH_BYTES + abi.NC} bytes, more than the ${abi.SCRATCH_BYTES} bytes of scratch`),
    );
    // the same table passes with enough scratch
    expect(() => bindKernels(exports, 'fake', { params: abi.KERNEL_PARAMS, scratchBytes: abi.SCRATCH_BYTES + abi.NC })).not.toThrow();
  });

  test('the real builds fit the scratch the engine hands out', async () => {
    for (const build of ALL_BUILDS) {
      await wg.init({ backend: build, threads: 1 });
      const k = wg._engine().kernels;
      expect(k.gemm_scratch_bytes(abi.NC)).toBeLessThanOrEqual(abi.SCRATCH_BYTES);
      expect(k.gemm_conv_scratch_bytes(abi.NC, 0)).toBeLessThanOrEqual(abi.SCRATCH_BYTES);
    }
  });

  test('init refuses a module without the kernels, saying what is missing', async () => {
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    await expect(wg.init({ backend: 'simd', wasm: empty })).rejects.toThrow(/'simd' build does not match this version of wasmgrad \(kernel gemm_f32 is missing/);
  });
});
