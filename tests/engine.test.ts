import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { engine } from '../src/engine/state';
import { UNARY, UNARY_CHUNK } from '../src/engine/abi';
import { Allocator, sizeClass } from '../src/engine/allocator';
import { useBuild } from './helpers';

const distUrl = (build: string) => new URL(`../dist/wasmgrad-${build}.wasm`, import.meta.url);

afterAll(() => wg.shutdown());

describe('init', () => {
  test('auto picks the fastest build the runtime offers without flags', async () => {
    await wg.shutdown();
    const info = await wg.init();
    expect(['relaxed', 'simd-threads']).toContain(info.backend);
    expect(info.simd).toBe(true);
    expect(info.sharedMemory).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(wg.backendInfo()).toEqual(info);
  });

  test('each backend can be forced and reports itself', async () => {
    for (const backend of ['relaxed', 'simd-threads', 'simd', 'scalar'] as const) {
      const info = await wg.init({ backend, threads: 1 });
      expect(info).toMatchObject({ backend, simd: backend !== 'scalar', relaxedSimd: backend === 'relaxed' });
      expect(info.sharedMemory).toBe(backend === 'relaxed' || backend === 'simd-threads');
    }
  });

  test('accepts the wasm as bytes, ArrayBuffer, URL, path string and compiled Module', async () => {
    const bytes = readFileSync(distUrl('simd'));
    const sources = [
      new Uint8Array(bytes),
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      distUrl('simd'),
      fileURLToPath(distUrl('simd')),
      new WebAssembly.Module(bytes),
    ];
    for (const wasm of sources) {
      await wg.shutdown();
      const info = await wg.init({ backend: 'simd', wasm });
      expect(info.backend).toBe('simd');
      expect(wg.matMul(wg.ones([2, 3]), wg.ones([3, 2])).dataSync()).toEqual(new Float32Array([3, 3, 3, 3]));
    }
    await wg.shutdown();
  });

  test('bad options raise WasmgradError', async () => {
    await expect(wg.init({ backend: 'gpu' as never })).rejects.toThrow(/unknown backend 'gpu'/);
    await expect(wg.init({ threads: 0 })).rejects.toThrow(wg.WasmgradError);
    await expect(wg.init({ threads: 1.5 })).rejects.toThrow(/threads must be a whole number/);
    await wg.shutdown();
    await expect(wg.init({ backend: 'simd', threads: 2 })).rejects.toThrow(/needs a build with shared memory/);
    await expect(wg.init({ backend: 'simd', wasm: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/did not compile/);
  });

  test('ops before init name the fix', async () => {
    await wg.shutdown();
    expect(() => wg.ones([2])).toThrow(/await wg.init\(\)/);
  });
});

describe('threads', () => {
  test('setThreads changes the count; the simd build refuses more than one', async () => {
    await useBuild('simd-threads', 1);
    wg.setThreads(2);
    expect(wg.backendInfo().threads).toBe(2);
    expect(() => wg.setThreads(0)).toThrow(wg.WasmgradError);
    await useBuild('simd', 1);
    expect(() => wg.setThreads(2)).toThrow(/no shared memory/);
  });

  test('a kernel that traps in a worker becomes an exception in the caller, and the pool goes on', async () => {
    await useBuild('simd-threads', 2);
    const e = engine();
    // task 3 of 4 runs on the worker (tasks 2..3), task 0 on the caller
    expect(() => e.parallel('pool_trap', [3], 4)).toThrow(/pool_trap failed in worker 1: .*unreachable/);
    expect(() => e.parallel('pool_trap', [0], 4)).toThrow(/pool_trap failed on the calling thread/);
    e.parallel('pool_noop', [], 4);
    expect(wg.matMul(wg.ones([100, 100]), wg.ones([100, 100])).dataSync()[0]).toBe(100);
  });

  test('ready() waits for the workers that init starts after it returns', async () => {
    await wg.shutdown();
    await wg.init({ backend: 'simd-threads', threads: 2 });
    // at once after init no worker is ready: task 3 of 4 (the worker's share) runs on the caller
    expect(() => engine().parallel('pool_trap', [3], 4)).toThrow(/pool_trap failed on the calling thread/);
    await wg.ready();
    expect(() => engine().parallel('pool_trap', [3], 4)).toThrow(/pool_trap failed in worker 1/);
    // before init, ready() starts the engine with the defaults
    await wg.shutdown();
    await wg.ready();
    expect(wg.backendInfo().threads).toBeGreaterThanOrEqual(1);
    expect(wg.add(wg.ones([3]), wg.ones([3])).dataSync()).toEqual(new Float32Array([2, 2, 2]));
  });

  test('a job whose tasks are claimed a grain at a time runs every task exactly once, errors included', async () => {
    await useBuild('simd-threads', 2);
    const e = engine();
    for (const [nTasks, grain] of [[37, 1], [37, 3], [2, 5], [1, 1]]) {
      const n = nTasks * UNARY_CHUNK - 5; // the last task is short
      const x = wg.tensor(Float32Array.from({ length: n }, (_, i) => i + 1));
      // negation in place: a task run twice would undo itself, one never run would stay positive
      for (let round = 0; round < 20; round++) e.parallel('unary_f32', [UNARY.neg, x.ptr(), x.ptr(), n, 0, 0], nTasks, true, grain);
      const v = x.dataSync();
      expect(v.every((y, i) => y === i + 1), `${nTasks} tasks, grain ${grain}`).toBe(true);
      e.parallel('unary_f32', [UNARY.neg, x.ptr(), x.ptr(), n, 0, 0], nTasks, true, grain);
      expect(x.dataSync().every((y, i) => y === -(i + 1)), `${nTasks} tasks, grain ${grain}, once`).toBe(true);
      x.dispose();
    }
    // a task that traps, on whichever thread claims it, fails the job; the pool goes on
    expect(() => e.parallel('pool_trap', [5], 8, true, 1)).toThrow(/pool_trap failed (in worker 1|on the calling thread)/);
    e.parallel('pool_noop', [], 8, true, 1);
    expect(wg.matMul(wg.ones([100, 100]), wg.ones([100, 100])).dataSync()[0]).toBe(100);
  });

  test('an idle pool does not keep the process alive; shutdown ends it too', () => {
    const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    for (const tail of ['', 'await wg.shutdown();']) {
      const script = `import * as wg from ${JSON.stringify(entry)};
        const info = await wg.init({ threads: 2 });
        const c = wg.matMul(wg.ones([300, 300]), wg.ones([300, 300]));
        console.log(info.threads, c.dataSync()[0]); ${tail}`;
      const file = join(mkdtempSync(join(tmpdir(), 'wasmgrad-')), 'exit.mjs');
      writeFileSync(file, script);
      const r = spawnSync(process.execPath, [file], { timeout: 20_000, encoding: 'utf8' });
      expect(r.error, 'the process must exit by itself').toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('2 300');
    }
  });
});

describe('memory', () => {
  test('memory() counts live tensors and bytes; dispose and tidy release them', async () => {
    await useBuild('simd-threads', 1);
    const before = wg.memory();
    const a = wg.ones([10, 10]);
    expect(wg.memory().numTensors).toBe(before.numTensors + 1);
    expect(wg.memory().numBytes).toBe(before.numBytes + 400);
    const kept = wg.tidy(() => {
      const t = wg.matMul(a, a);
      wg.keep(wg.ones([3]));
      return t;
    });
    expect(wg.memory().numTensors).toBe(before.numTensors + 3);
    a.dispose();
    kept.dispose();
    expect(a.isDisposed).toBe(true);
    expect(wg.memory().numTensors).toBe(before.numTensors + 1);
  });

  test('a training-like loop keeps wasm memory flat', async () => {
    await useBuild('simd-threads', 2);
    const w = wg.ones([64, 64]);
    const step = () => {
      wg.tidy(() => {
        wg.matMul(wg.matMul(wg.ones([32, 64]), w), w, false, true);
      });
    };
    for (let i = 0; i < 20; i++) step();
    const base = wg.memory();
    for (let i = 0; i < 2000; i++) step();
    expect(wg.memory()).toEqual(base);
    w.dispose();
  });

  test('an allocation beyond the maximum raises WasmgradError naming the bytes; memory grows and views follow', async () => {
    await useBuild('simd', 1);
    const start = wg.memory().wasmBytes;
    expect(() => wg.zeros([600, 1024, 1024])).toThrow(/cannot allocate 2516582400 bytes for tensor \[600,1024,1024\] float32: \d+ bytes are in use \(\d+ more free in blocks\) in a memory of \d+ bytes whose maximum is 2147483648 bytes/);
    // growth: a tensor larger than the current memory, then a computation through fresh views
    const big = wg.ones([Math.ceil(start / 4) + 1000]);
    expect(wg.memory().wasmBytes).toBeGreaterThan(start);
    expect(big.dataSync()[big.size - 1]).toBe(1);
    expect(wg.matMul(wg.ones([4, 5]), wg.ones([5, 2])).dataSync()[7]).toBe(5);
    big.dispose();
  });

  test('the allocator reuses freed blocks before growing and aligns to 64 bytes', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const al = new Allocator(mem, 1024, 100 * 65536);
    const p1 = al.alloc(100), p2 = al.alloc(5000);
    expect(p1 % 64).toBe(0);
    expect(p2 % 64).toBe(0);
    al.release(p1);
    expect(al.alloc(120)).toBe(p1); // same size class
    al.release(p2);
    const p3 = al.alloc(5000);
    expect(p3).toBe(p2);
    expect(() => al.release(12345)).toThrow(/not a live block/);
    // coalescing: free neighbours merge to serve a larger request without growth
    const blocks = Array.from({ length: 8 }, () => al.alloc(4096));
    const pages = mem.buffer.byteLength;
    for (const b of blocks) al.release(b);
    const big = al.alloc(8 * 4096 - 100);
    expect(mem.buffer.byteLength).toBe(pages);
    expect(big).toBe(blocks[0]);
    expect(sizeClass(1)).toBe(64);
    expect(sizeClass(4097)).toBe(4608);
    expect(() => al.alloc(200 * 65536)).toThrow(/cannot allocate 13107200 bytes/);
  });
});
