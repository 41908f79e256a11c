// Tensors (src/tensor.ts, src/creation.ts, src/debug.ts): creation from every kind of value, dtypes,
// dataSync/arraySync, dispose, tidy/keep scoping, memory() accounting, setDebug.
import { describe, test, expect, beforeAll, afterAll, afterEach } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, expectNoLeak } from './helpers';

afterAll(() => wg.shutdown());

describe.each(builds())('tensors on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test('creation from numbers, nested arrays and typed arrays; shape, size, rank, dtype', () => {
    expectNoLeak(() => wg.tidy(() => {
      const s = wg.scalar(3.5);
      expect([s.shape, s.size, s.rank, s.dtype]).toEqual([[], 1, 0, 'float32']);
      expect(s.arraySync()).toBe(3.5);
      const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
      expect([t.shape, t.size, t.rank]).toEqual([[2, 3], 6, 2]);
      expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
      expect(wg.tensor([1, 2, 3, 4], [2, 2]).arraySync()).toEqual([[1, 2], [3, 4]]);
      expect(wg.tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
      expect(wg.tensor(new Float32Array([1.5, 2.5])).dtype).toBe('float32');
      const i = wg.tensor(new Int32Array([7, -8]));
      expect([i.dtype, Array.from(i.dataSync())]).toEqual(['int32', [7, -8]]);
      expect(i.dataSync()).toBeInstanceOf(Int32Array);
      expect(wg.tensor(new Uint8Array([255, 0])).dataSync()).toEqual(new Float32Array([255, 0]));
      expect(wg.tensor([1, 2], undefined, 'int32').dtype).toBe('int32');
      expect(wg.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]).shape).toEqual([3, 2]);
      expect(wg.tensor(5).shape).toEqual([]);
      expect(wg.scalar(-4, 'int32').arraySync()).toBe(-4);
      // float32 rounding, NaN and infinities survive
      expect(Array.from(wg.tensor([0.1, NaN, Infinity, -0]).dataSync()).map(String)).toEqual([String(Math.fround(0.1)), 'NaN', 'Infinity', '0']);
      expect(Object.is(wg.tensor([-0]).dataSync()[0], -0)).toBe(true);
      // int32 range
      expect(Array.from(wg.tensor([2147483647, -2147483648], [2], 'int32').dataSync())).toEqual([2147483647, -2147483648]);
    }));
  });

  test('zeros, ones, fill; float32 and int32; size 0 and rank 0', () => {
    expectNoLeak(() => wg.tidy(() => {
      expect(Array.from(wg.zeros([2, 2]).dataSync())).toEqual([0, 0, 0, 0]);
      expect(Array.from(wg.ones([3]).dataSync())).toEqual([1, 1, 1]);
      expect(wg.fill([2, 1], 2.5).arraySync()).toEqual([[2.5], [2.5]]);
      expect(wg.fill([2], 7, 'int32').dataSync()).toEqual(new Int32Array([7, 7]));
      expect(wg.zeros([3], 'int32').dtype).toBe('int32');
      expect(wg.ones([], 'int32').arraySync()).toBe(1);
      expect(wg.fill([], NaN).arraySync()).toBeNaN();
      const e = wg.zeros([2, 0, 3]);
      expect([e.size, e.shape]).toEqual([0, [2, 0, 3]]);
      expect(e.dataSync().length).toBe(0);
      expect(e.arraySync()).toEqual([[], []]);
      expect(wg.tensor([]).shape).toEqual([0]);
      expect(wg.tensor([], [0, 5]).shape).toEqual([0, 5]);
    }));
  });

  test('dataSync returns a copy; arraySync nests by shape', () => {
    expectNoLeak(() => wg.tidy(() => {
      const t = wg.tensor([1, 2, 3]);
      const d = t.dataSync();
      d[0] = 100;
      expect(t.dataSync()[0]).toBe(1);
      expect(wg.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]).arraySync()).toEqual([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    }));
  });

  test('dispose: frees once, isDisposed, memory() counts tensors and bytes', () => {
    const before = wg.memory();
    const t = wg.ones([10, 10]);
    const u = wg.ones([3], 'int32');
    expect(wg.memory().numTensors - before.numTensors).toBe(2);
    expect(wg.memory().numBytes - before.numBytes).toBe(412);
    expect(wg.memory().wasmBytes).toBeGreaterThan(0);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    t.dispose(); // a second dispose does nothing
    expect(t.isDisposed).toBe(true);
    expect(() => t.dataSync()).toThrow(/^dataSync: tensor \[10,10\] .*is disposed/);
    expect(() => t.arraySync()).toThrow(wg.WasmgradError);
    u.dispose();
    expect(wg.memory().numTensors).toBe(before.numTensors);
    expect(wg.memory().numBytes).toBe(before.numBytes);
  });

  test('tidy frees what it made but its result (also in arrays and objects) and kept tensors', () => {
    const base = wg.memory().numTensors;
    const outside = wg.ones([2]);
    let inner: wg.Tensor | null = null, kept: wg.Tensor | null = null;
    const res = wg.tidy(() => {
      inner = wg.add(outside, 1);
      kept = wg.keep(wg.mul(outside, 3));
      const a = wg.mul(inner, 2);
      const b = wg.sub(inner, 2);
      return { a, list: [b, 5, 'x'], nothing: null };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(outside.isDisposed).toBe(false);
    expect(Array.from(res.a.dataSync())).toEqual([4, 4]);
    expect(Array.from((res.list[0] as wg.Tensor).dataSync())).toEqual([0, 0]);
    expect(wg.memory().numTensors - base).toBe(4); // outside, kept, a, b
    for (const t of [outside, kept!, res.a, res.list[0] as wg.Tensor]) t.dispose();
    expect(wg.memory().numTensors).toBe(base);
  });

  test('nested tidy: an inner result goes to the outer scope; keep survives every scope', () => {
    const base = wg.memory().numTensors;
    let fromInner: wg.Tensor | null = null, keptInner: wg.Tensor | null = null;
    const out = wg.tidy(() => {
      fromInner = wg.tidy(() => {
        keptInner = wg.keep(wg.ones([1]));
        wg.zeros([5]);
        return wg.ones([2]);
      });
      expect(fromInner.isDisposed).toBe(false);
      expect(wg.memory().numTensors - base).toBe(2);
      return wg.tidy(() => wg.add(fromInner!, 1));
    });
    expect(fromInner!.isDisposed).toBe(true); // made in the inner scope, not returned by the outer
    expect(keptInner!.isDisposed).toBe(false);
    expect(Array.from(out.dataSync())).toEqual([2, 2]);
    expect(wg.memory().numTensors - base).toBe(2);
    out.dispose();
    keptInner!.dispose();
    expect(wg.memory().numTensors).toBe(base);
    // the named form
    expect(wg.tidy('named', () => 3)).toBe(3);
  });

  test('tidy frees everything on an exception, and refuses async functions', async () => {
    const base = wg.memory().numTensors;
    expect(() => wg.tidy(() => {
      wg.ones([3]);
      wg.tidy(() => wg.ones([4]));
      throw new Error('boom');
    })).toThrow('boom');
    expect(wg.memory().numTensors).toBe(base);
    expect(() => wg.tidy((async () => wg.ones([1])) as unknown as () => wg.Tensor)).toThrow(/^tidy: the function must be synchronous/);
    expect(() => wg.tidy(3 as unknown as () => void)).toThrow(/^tidy: expected a function/);
    expect(() => wg.keep(3 as unknown as wg.Tensor)).toThrow(/^keep: expected a Tensor/);
    await Promise.resolve();
    expect(wg.memory().numTensors).toBe(base);
  });

  test('bad values raise WasmgradError naming tensor() and what was expected', () => {
    expectNoLeak(() => {
      const E = wg.WasmgradError;
      expect(() => wg.tensor([1, 2, 3], [2, 2])).toThrow(/^tensor: 3 values do not fill shape \[2,2\] \(4 elements\)/);
      expect(() => wg.tensor([[1, 2], [3]])).toThrow(/^tensor: ragged nested array/);
      let deep: unknown = [1];
      for (let i = 0; i < 100_000; i++) deep = [deep];
      expect(() => wg.tensor(deep as number[])).toThrow(/^tensor: values nested more than 256 deep$/);
      expect(() => wg.tensor([[1, 2], 3] as unknown as number[])).toThrow(E);
      expect(() => wg.tensor(['a'] as unknown as number[])).toThrow(/^tensor: expected a number at depth 1, got string/);
      expect(() => wg.tensor('abc' as unknown as number[])).toThrow(/^tensor: values must be a number, a \(nested\) array or a typed array, got string/);
      expect(() => wg.tensor([1.5], [1], 'int32')).toThrow(/^tensor: int32 tensor value 1.5 at index 0 is not a whole number/);
      expect(() => wg.tensor([1], [1], 'float64' as 'float32')).toThrow(/^tensor: dtype must be 'float32', 'int32' or 'bool', got float64/);
      expect(() => wg.zeros([2, -1])).toThrow(/invalid dimension -1/);
      expect(() => wg.ones([NaN])).toThrow(E);
      expect(() => wg.fill('3' as unknown as number[], 1)).toThrow(/^fill: shape must be an array/);
      expect(() => wg.fill([2], 1.5, 'int32')).toThrow(/^fill: int32 value 1.5 is not a whole number/);
      expect(() => wg.fill([2], 1, 'complex64' as 'int32')).toThrow(E);
    });
  });
});

describe('setDebug', () => {
  beforeAll(() => useBuild('simd', 1));
  afterEach(() => wg.setDebug(false));

  test('throws naming the op and the first bad index, frees the bad output, and is off by default', () => {
    const base = wg.memory().numTensors;
    const x = wg.tensor([1, 2, -1, 0, -3]);
    const big = wg.tensor([80, 90, 100]);
    const quiet = wg.log(x); // off: NaN and -Inf flow through
    expect(Number.isNaN(quiet.dataSync()[2])).toBe(true);
    quiet.dispose();
    wg.setDebug(true);
    expect(() => wg.log(x)).toThrow(wg.WasmgradError);
    expect(() => wg.log(x)).toThrow(/^log: output \[5\] has NaN at flat index 2 \(setDebug is on\)/);
    expect(() => wg.div(x, 0)).toThrow(/^div: output \[5\] has Infinity at flat index 0/);
    expect(() => wg.tidy(() => wg.sqrt(wg.reshape(x, [5, 1])))).toThrow(/^sqrt: output \[5,1\] has NaN at flat index 2/);
    expect(() => wg.exp(big)).toThrow(/^exp: output \[3\] has Infinity at flat index 1/);
    expect(() => wg.tidy(() => wg.sum(wg.exp(big)))).toThrow(/^exp: /);
    expect(() => wg.tidy(() => wg.matMul(wg.tensor([[1e30, 1e30]]), wg.tensor([[1e30], [1e30]])))).toThrow(/^matMul: output \[1,1\] has Infinity at flat index 0/);
    expect(wg.memory().numTensors, 'the bad outputs are freed').toBe(base + 2);
    const ok = wg.tidy(() => wg.relu(x));
    expect(Array.from(ok.dataSync())).toEqual([1, 2, 0, 0, 0]);
    ok.dispose();
    x.dispose();
    big.dispose();
    wg.setDebug(false);
    expect(wg.memory().numTensors).toBe(base);
  });
});
