// Checked indices, ranges and shapes, errors that say where, and workers that fail loudly (issue
// "Hard to break").
import * as wg from 'wasmgrad';
import { describe, test, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBuild } from './helpers';
import { checkGatherIndices, checkInt32Values, checkWindow, checkOutputShape } from '../src/validate';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** Runs a module script against a copy of the bundle; returns its exit status and output. */
function runScript(body: string, { dropWorker = false, nodeArgs = [] as string[], asEval = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-'));
  try {
    cpSync(dist, join(dir, 'dist'), { recursive: true });
    if (dropWorker) rmSync(join(dir, 'dist', 'worker.js'));
    const script = `import * as wg from ${JSON.stringify(join(dir, 'dist', 'index.js'))};\n${body}`;
    const args = asEval ? [...nodeArgs, '-e', script] : [...nodeArgs, join(dir, 'main.mjs')];
    if (!asEval) writeFileSync(join(dir, 'main.mjs'), script);
    return spawnSync(process.execPath, args, { timeout: 30_000, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(() => useBuild('relaxed', 2));

describe('indices and int32 ranges are checked', () => {
  test('gather refuses index arrays holding NaN, 1.5, 2**32, -1 or strings (they used to pick rows 0 and 1)', () => {
    const x = wg.tensor([[1], [2]]);
    const before = wg.memory().numTensors;
    expect(() => wg.gather(x, [NaN])).toThrow(/gather: index NaN at position 0 is not a whole number; indices must be integers in \[0, 2\)/);
    expect(() => wg.gather(x, [0, 1.5])).toThrow(/index 1.5 at position 1 is not a whole number/);
    expect(() => wg.gather(x, [2 ** 32])).toThrow(/index 4294967296 at position 0 is out of range \[0, 2\)/);
    expect(() => wg.gather(x, [-1])).toThrow(/index -1 at position 0 is out of range/);
    expect(() => wg.gather(x, ['1'] as never)).toThrow(/index "1" at position 0 is not a whole number/);
    expect(() => wg.gather(x, 'abc' as never)).toThrow(/indices must be an int32 Tensor or an array of whole numbers/);
    expect(wg.memory().numTensors).toBe(before);
    expect(Array.from(wg.gather(x, [1, 0, 1]).dataSync())).toEqual([2, 1, 2]);
    const idx = wg.tensor([0, 2], [2], 'int32');
    expect(() => wg.gather(x, idx)).toThrow(/index 2 at position 1 is out of range \[0, 2\)/);
    expect(() => checkGatherIndices(x, [0, 1], -2)).not.toThrow();
    expect(() => checkGatherIndices(x, [0, 1], -1)).toThrow(/index 1 at position 1 is out of range \[0, 1\)/);
    x.dispose();
    idx.dispose();
  });

  test('int32 tensors refuse values outside int32 (3e9 used to wrap to -1294967296)', () => {
    expect(() => wg.tensor([3e9], [1], 'int32')).toThrow(/tensor: int32 tensor value 3000000000 at index 0 is outside the int32 range \[-2147483648, 2147483647\]/);
    expect(() => wg.tensor([[1, -(2 ** 31) - 1]], undefined, 'int32')).toThrow(/value -2147483649 at index 1 is outside the int32 range/);
    expect(() => wg.tensor([1.5], [1], 'int32')).toThrow(/value 1.5 at index 0 is not a whole number/);
    expect(() => wg.fill([2], 2 ** 31, 'int32')).toThrow(/fill: int32 tensor value 2147483648/);
    expect(() => checkInt32Values(new Float64Array([NaN]), 'tensor')).toThrow(/NaN/);
    const edge = wg.tensor([2 ** 31 - 1, -(2 ** 31)], [2], 'int32');
    expect(Array.from(edge.dataSync())).toEqual([2 ** 31 - 1, -(2 ** 31)]);
    edge.dispose();
  });
});

describe('public functions given what they cannot use raise a WasmgradError', () => {
  test('wg.metrics.* given non-tensors, noGrad given no function, serializeSchedule given no schedule, a BigInt index', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => wg.metrics.binaryAccuracy('same' as never, wg.ones([2])), /^metrics\.binaryAccuracy: yTrue must be a Tensor, got string/],
      [() => wg.metrics.meanSquaredError(wg.ones([2]), {} as never), /^metrics\.mse: yPred must be a Tensor, got object/],
      [() => (wg.metrics.recall as () => unknown)(), /^metrics\.recall: yTrue must be a Tensor, got undefined/],
      [() => wg.noGrad({} as never), /^noGrad: expected a function, got \{\}/],
      [() => wg.seededRandom(Symbol('s') as never), /^seededRandom: seed must be a finite number, got a symbol/],
      [() => wg.seededRandom(NaN), /^seededRandom: seed must be a finite number, got NaN/],
      [() => wg.slice(wg.ones([3]), 1n as never), /^slice: begin a bigint \(1\) size undefined is out of bounds for \[3\]/],
      [() => wg.eye(1e9), /^eye: 1000000000000000000 values are more than the engine's memory holds \(536870912\)/],
      [() => wg.range(0, 1e12), /^range: 1000000000000 values are more than the engine's memory holds/],
      [() => wg.linspace(0, 1, 2 ** 30), /^linspace: 1073741824 values are more than the engine's memory holds/],
      [() => (wg.schedules.exponentialDecay as () => unknown)(), /^exponentialDecay: expected an options object \{ initial, \.\.\. \}, got undefined/],
      [() => wg.schedules.cosineDecay(3 as never), /^cosineDecay: expected an options object .* got 3/],
      [() => wg.schedules.serializeSchedule([[1, 2]] as never), /^serializeSchedule: expected a schedule \(wg\.schedules\.\*\), got \[\[1,2\]\]/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(wg.WasmgradError);
      expect(f).toThrow(message);
    }
  });
});

describe('messages and JSON stay short whatever the value', () => {
  test('a tensor, a typed array of millions or a long array as a bad argument: a short message at once', () => {
    const t = wg.tensor([1, 2, 3]);
    const layer = wg.layers.dense({ units: 2 });
    const cases: [() => unknown, RegExp][] = [
      // a tensor used to be written out with its engine and views of the whole memory (72 MB, 4 s)
      [() => layer.addWeight(t as never, [1]), /^dense(_\d+)?\.addWeight: name must be a non-empty string, got \{"id":\d+,"dtype":"float32","shape":\[3\],"size":3,"isDisposed":false\}$/],
      [() => layer.addWeight('w', new Float32Array(5e6) as never), /addWeight\('w'\): shape must be an array of whole numbers >= 0, got "Float32Array\(5000000\)"$/],
      [() => layer.addWeight('w', Array.from({ length: 1e6 }, (_, i) => (i === 999_999 ? -1 : 1))), /got \[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"\.\.\. 999984 more"\]$/],
    ];
    for (const [f, message] of cases) {
      const t0 = performance.now();
      expect(f).toThrow(wg.WasmgradError);
      expect(f).toThrow(message);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    layer.dispose();
    t.dispose();
  });

  test('JSON.stringify of a tensor describes it, as of anything that holds one', () => {
    const t = wg.tensor([[1, 2, 3]], [1, 3], 'int32');
    expect(JSON.parse(JSON.stringify(t))).toEqual({ id: t.id, dtype: 'int32', shape: [1, 3], size: 3, isDisposed: false });
    const v = wg.variable(wg.zeros([2]));
    expect(JSON.stringify({ v })).toMatch(/^\{"v":\{"id":\d+,"dtype":"float32","shape":\[2\],"size":2,"isDisposed":false\}\}$/);
    t.dispose();
    expect(JSON.parse(JSON.stringify(t)).isDisposed).toBe(true);
    const engineJson = JSON.stringify(wg._engine());
    expect(JSON.parse(engineJson)).toEqual(wg.backendInfo());
    v.dispose();
  });
});

describe('shapes are checked at symbolic call time and at run time', () => {
  test('conv2d with dilationRate 1e9 on a symbolic input (was [null,-1999999995,...])', () => {
    const i = wg.input({ shape: [5, 5, 1] });
    expect(() => wg.layers.conv2d({ filters: 1, kernelSize: 3, dilationRate: 1e9 }).apply(i)).toThrow(/conv2d.*output shape \[null,-1999999995,-1999999995,1\] has a dimension -1999999995 for input \[null,5,5,1\]/);
  });

  test('maxPooling2d with poolSize 5 on a 2x2 input (was [null,0,0,1])', () => {
    const i = wg.input({ shape: [2, 2, 1] });
    expect(() => wg.layers.maxPooling2d({ poolSize: 5 }).apply(i)).toThrow(/output shape \[null,0,0,1\] has a dimension 0/);
    expect(() => wg.layers.averagePooling2d({ poolSize: 3 }).apply(wg.input({ shape: [2, 9, 1] }))).toThrow(/has a dimension 0/);
    // 'same' padding defines the output: it is fine
    expect(wg.layers.maxPooling2d({ poolSize: 5, padding: 'same' }).apply(i).shape).toEqual([null, 1, 1, 1]);
  });

  test('softmax and logSoftmax of a scalar are refused (softmax used to return 1)', () => {
    const s = wg.scalar(3);
    expect(() => wg.softmax(s)).toThrow(/softmax: x must have at least one axis to normalise over, got a scalar \[\]/);
    expect(() => wg.logSoftmax(s)).toThrow(/logSoftmax: x must have at least one axis/);
    s.dispose();
  });

  test('window geometry past int32 is refused before a kernel indexes it', () => {
    const x = wg.ones([1, 4, 4, 1]), f = wg.ones([3, 3, 1, 1]);
    expect(() => wg.conv2d(x, f, 1, 'same', 2 ** 30)).toThrow(/conv2d: spatial axis 0: window 3, dilation 1073741824 .* past the int32 range/);
    expect(() => wg.maxPool(x, 2 ** 31, 1, 'same')).toThrow(/maxPool: spatial axis 0: window 2147483648/);
    expect(() => checkWindow('op', [10], 3, 1, 1)).not.toThrow();
    expect(() => checkOutputShape('op', [2, 2 ** 20, 2 ** 20])).toThrow(/has 2199023255552 elements, more than the 2147483647 an op can address/);
    expect(() => checkOutputShape('op', [0, 3], [[0, 3]])).not.toThrow(); // an empty input: an empty output
    x.dispose();
    f.dispose();
  });
});

describe('errors say where', () => {
  test('an allocation failure names the op and its shapes, the bytes needed and the memory in use', () => {
    const a = wg.ones([46341, 1]), b = wg.ones([1, 46341]);
    expect(() => wg.matMul(a, b)).toThrow(
      /alloc: cannot allocate 8589953124 bytes for tensor \[46341,46341\] float32 in matMul\(\[46341,1\], \[1,46341\]\): \d+ bytes are in use \(\d+ more free in blocks\) in a memory of \d+ bytes whose maximum is 2147483648 bytes/,
    );
    const dense = wg.layers.dense({ units: 40_000, inputShape: [20_000] });
    expect(() => wg.sequential({ layers: [dense] })).toThrow(/for tensor \[20000,40000\] float32/);
    dense.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('workers fail loudly, never silently', () => {
  test('a worker terminated from outside: the next parallel job still completes, on the caller', async () => {
    await useBuild('relaxed', 2);
    const pool = wg._engine().pool;
    const [w] = pool.workerHandles;
    void (w.terminate() as Promise<number>); // the job runs before the pool hears of the exit
    const a = wg.ones([300, 300]);
    const t0 = performance.now();
    const c = wg.matMul(a, a);
    expect(c.dataSync()[0]).toBe(300);
    expect(performance.now() - t0).toBeLessThan(10_000);
    // once the exit is heard, the worker is replaced and jobs are parallel again
    await new Promise((r) => setTimeout(r, 200));
    await pool.ready();
    expect(wg.backendInfo().threads).toBe(2);
    const d = wg.matMul(a, a);
    expect(d.dataSync()[0]).toBe(300);
    for (const t of [a, c, d]) t.dispose();
  });

  test('more threads than cores are refused unless forced; scratch is allocated only for threads that run', async () => {
    await useBuild('relaxed', 1);
    const cores = availableParallelism();
    expect(() => wg.setThreads(cores + 6)).toThrow(new RegExp(`setThreads\\(${cores + 6}\\): this machine has ${cores} core\\(s\\).*\\{ force: true \\}`));
    const before = wg.memory().wasmBytes;
    wg.setThreads(cores + 6, { force: true });
    await wg.ready();
    // forced threads used to take 4 MiB of scratch each up front (64 threads: 294 MB of memory)
    expect(wg.memory().wasmBytes - before).toBeLessThan(16 << 20);
    const x = wg.ones([64, 64]);
    const y = wg.matMul(x, x);
    expect(y.dataSync()[0]).toBe(64);
    x.dispose();
    y.dispose();
    await useBuild('relaxed', 2);
  });

  test('a bundle without worker.js: init falls back with a warning, work goes on, shutdown settles', () => {
    expect(existsSync(join(dist, 'worker.js'))).toBe(true);
    const r = runScript(`
      const info = await wg.init({ threads: 2 });
      const a = wg.ones([200, 200]);
      const v = wg.matMul(a, a).dataSync()[0];
      await new Promise((res) => setTimeout(res, 300));
      const v2 = wg.matMul(a, a).dataSync()[0];
      const settled = await Promise.race([wg.shutdown().then(() => 'settled'), new Promise((res) => setTimeout(() => res('hung'), 5000))]);
      console.log(v, v2, wg.memory().numTensors, settled);`, { dropWorker: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('200 200 0 settled');
    expect(r.stderr).toMatch(/wasmgrad: worker 1 could not start: .*worker\.js/);
  });

  test('workers start after init returns: a job right after init runs on the caller, shutdown before they exist settles', () => {
    const r = runScript(`
      const t0 = performance.now();
      const info = await wg.init({ threads: 2 });
      // init created no worker yet (creating one blocks its caller for milliseconds): the first job
      // runs on the caller, and the workers it asked for are counted
      const a = wg.ones([64, 64]);
      const v = wg.matMul(a, a).dataSync()[0];
      const settled = await Promise.race([wg.shutdown().then(() => 'settled'), new Promise((res) => setTimeout(() => res('hung'), 5000).unref())]);
      // the deferred start finds the pool shut down and starts nothing: the process ends at once
      setTimeout(() => console.log('still alive'), 2000).unref();
      console.log(info.threads, v, settled);`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('2 64 settled');
    expect(r.stderr).toBe('');
  });

  test('workers get a clean execArgv: node --input-type=module -e runs (it used to die in the worker)', () => {
    const r = runScript(`
      const info = await wg.init({ threads: 2 });
      await wg.ready();
      const a = wg.ones([300, 300]);
      console.log(info.threads, wg.matMul(a, a).dataSync()[0]);
      await wg.shutdown();`, { nodeArgs: ['--input-type=module'], asEval: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('2 300');
  });
});
