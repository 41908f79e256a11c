// tf.profile, tf.engine(), tf.enableDebugMode and tf.registerCallbackConstructor of wasmgrad/tfjs,
// against @tensorflow/tfjs 4.22 (cpu) where both report the same quantities.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import * as wt from 'wasmgrad/tfjs';
import { clearCallbackConstructors } from '../src/models/callback-registry';
import { randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Lib = typeof tf;
const libs = { tfjs: tf as unknown as Lib, wasmgrad: wt as unknown as Lib };

describe('profile', () => {
  it('one op: new tensors and bytes, the kernel\'s bytes, tensors and shapes as TF.js', async () => {
    const report: Record<string, tf.ProfileInfo> = {};
    for (const [name, lib] of Object.entries(libs)) {
      const a = lib.tensor(randomArray(3 * 17, 1), [3, 17]), b = lib.tensor(randomArray(17 * 5, 2), [17, 5]);
      report[name] = await lib.profile(() => lib.matMul(a, b));
      (report[name].result as tf.Tensor).dispose();
      lib.dispose([a, b]);
    }
    const [theirs, ours] = [report.tfjs, report.wasmgrad];
    expect(ours.newTensors).toBe(theirs.newTensors);
    expect(ours.newBytes).toBe(theirs.newBytes);
    expect(ours.kernels.length).toBe(theirs.kernels.length);
    const [k, t] = [ours.kernels[0], theirs.kernels[0]];
    expect([k.bytesAdded, k.tensorsAdded, k.outputShapes]).toEqual([t.bytesAdded, t.tensorsAdded, t.outputShapes]);
    expect(k.inputShapes).toEqual(t.inputShapes);
    expect(k.kernelTimeMs).toBeGreaterThanOrEqual(0);
    expect(ours.kernelNames).toEqual(['matMul']);
    expect((ours.result as wt.Tensor).shape).toEqual([3, 5]);
  });

  it('a tidy chain: nothing new after it, its peak above the start as TF.js\'s', async () => {
    const extra: Record<string, { peak: number; newTensors: number; newBytes: number; kernels: number }> = {};
    for (const [name, lib] of Object.entries(libs)) {
      const x = lib.tensor(randomArray(1001, 3), [7, 11, 13]);
      const start = lib.memory().numBytes;
      const info = await lib.profile(() => lib.tidy(() => lib.sum(lib.exp(lib.sub(x, lib.scalar(1))))));
      extra[name] = { peak: info.peakBytes - start, newTensors: info.newTensors, newBytes: info.newBytes, kernels: info.kernels.length };
      x.dispose();
      (info.result as tf.Tensor).dispose();
    }
    expect(extra.wasmgrad).toEqual(extra.tfjs);
  });

  it('a model\'s predict lists its layers; async functions are awaited; totals add up', async () => {
    const m = wt.sequential({ layers: [wt.layers.dense({ units: 7, inputShape: [5], activation: 'relu' }), wt.layers.dense({ units: 3 })] });
    const x = wt.tensor(randomArray(4 * 5, 4), [4, 5]);
    const before = wt.memory();
    const info = await wt.profile(async () => {
      await Promise.resolve();
      return m.predict(x);
    });
    expect(info.kernels.map((k) => k.name)).toEqual(m.layers.map((l) => `${l.name} (Dense)`));
    expect(info.kernels.map((k) => k.outputShapes)).toEqual([[[4, 7]], [[4, 3]]]);
    expect(info.kernels.map((k) => k.inputShapes)).toEqual([[[4, 5]], [[4, 7]]]);
    // each layer's output is live after it (the first one's goes when predict's scope ends)
    expect(info.kernels[1].totalTensorsSnapshot).toBe(info.kernels[0].totalTensorsSnapshot + info.kernels[1].tensorsAdded);
    expect(info.kernels.map((k) => k.tensorsAdded)).toEqual([1, 1]);
    expect(info.newTensors).toBe(wt.memory().numTensors - before.numTensors);
    expect(info.peakBytes).toBeGreaterThanOrEqual(wt.memory().numBytes);
    expect((info.result as wt.Tensor).shape).toEqual([4, 3]);
  });

  it('the ops inside a custom function are the ones listed (innermost first-level ops)', async () => {
    const x = wt.tensor([1, 2, 3]);
    const info = await wt.profile(() => wt.tidy(() => wt.add(wt.mul(x, 2), wt.square(x))));
    expect(info.kernelNames).toEqual(['mul', 'square', 'add']);
    expect(info.kernels.map((k) => k.bytesAdded)).toEqual([12, 12, 12]);
  });

  it('a failing function records nothing afterwards and raises; bad input raises WasmgradError', async () => {
    await expect(wt.profile(() => wt.matMul(wt.zeros([2, 3]), wt.zeros([2, 3])))).rejects.toThrow(wt.WasmgradError);
    const info = await wt.profile(() => 1);
    expect(info.kernels).toEqual([]);
    await expect(wt.profile(42 as never)).rejects.toThrow(wt.WasmgradError);
  });
});

describe('engine()', () => {
  it('startScope / endScope free what was made between them except the result, as TF.js', () => {
    for (const lib of Object.values(libs)) {
      const before = lib.memory().numTensors;
      lib.engine().startScope();
      const a = lib.ones([3]);
      const b = lib.add(a, lib.scalar(2));
      lib.engine().endScope(b);
      expect(lib.memory().numTensors).toBe(before + 1);
      expect(a.isDisposed).toBe(true);
      expect(Array.from(b.dataSync())).toEqual([3, 3, 3]);
      b.dispose();
    }
    expect(() => wt.engine().endScope()).toThrow(wt.WasmgradError);
  });

  it('state, memory, registered variables and the backend name', () => {
    const v = wt.variable(wt.ones([2, 3]), true, 'engine_test_v');
    const e = wt.engine();
    expect(e.state.numTensors).toBe(wt.memory().numTensors);
    expect(e.state.numBytes).toBe(wt.memory().numBytes);
    expect(e.memory().numDataBuffers).toBe(e.memory().numTensors);
    expect(e.state.registeredVariables.engine_test_v).toBe(v);
    expect(e.registeredVariables.engine_test_v).toBe(v);
    expect(e.backendName).toBe(wt.getBackend());
    const kept = e.tidy(() => e.keep(wt.ones([1])));
    expect(kept.isDisposed).toBe(false);
    kept.dispose();
    v.dispose();
    expect(e.state.registeredVariables.engine_test_v).toBeUndefined();
  });
});

describe('enableDebugMode', () => {
  afterEach(() => wg.setDebug(false));
  it('turns on the NaN and infinity check (TF.js warns, wasmgrad raises, naming the op)', () => {
    const x = wt.tensor([-1, 4]);
    expect(() => wt.log(x).dispose()).not.toThrow();
    wt.enableDebugMode();
    expect(() => wt.log(x)).toThrow(/log: output \[2\] has NaN at flat index 0/);
    expect(() => wt.sqrt(x)).toThrow(wt.WasmgradError);
  });

  it('is the DEBUG flag of tf.env(), as in TF.js', () => {
    expect(wt.env().getBool('DEBUG')).toBe(false);
    tf.enableDebugMode();
    wt.enableDebugMode();
    expect(wt.env().getBool('DEBUG')).toBe(tf.env().getBool('DEBUG'));
    tf.env().set('DEBUG', false);
    wt.env().set('DEBUG', false);
    expect(() => wt.log(wt.tensor([-1])).dispose()).not.toThrow();
    wt.env().set('DEBUG', true);
    expect(() => wt.log(wt.tensor([-1]))).toThrow(wt.WasmgradError);
  });
});

describe('registerCallbackConstructor', () => {
  afterEach(() => clearCallbackConstructors());

  /** Trains a one-layer model in lib for 2 epochs at this verbosity; returns what the registered callback saw. */
  async function fitWith(lib: Lib, verbose: number, level: number): Promise<string[]> {
    const seen: string[] = [];
    class Recorder extends (lib.Callback as unknown as typeof tf.Callback) {
      constructor() {
        super();
        seen.push('constructed');
      }
      async onTrainBegin() {
        seen.push('trainBegin');
      }
      async onEpochEnd(epoch: number, logs?: tf.Logs) {
        seen.push(`epoch ${epoch} ${Object.keys(logs ?? {}).sort().join(',')}`);
      }
      async onBatchEnd(batch: number) {
        seen.push(`batch ${batch}`);
      }
    }
    lib.registerCallbackConstructor(level, Recorder as never);
    const m = lib.sequential({ layers: [lib.layers.dense({ units: 1, inputShape: [3] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await m.fit(lib.ones([5, 3]), lib.ones([5, 1]), { epochs: 2, batchSize: 3, verbose, shuffle: false });
    return seen;
  }

  it('constructs the class at each fit whose verbose is at least its level, and calls it as TF.js', async () => {
    const theirs = await fitWith(tf as unknown as Lib, 0, 0);
    const ours = await fitWith(wt as unknown as Lib, 0, 0);
    expect(ours).toEqual(theirs);
    expect(theirs).toContain('batch 1');
    clearCallbackConstructors();
    // (TF.js's registry cannot be cleared from outside; a level above the verbose leaves it out)
    expect(await fitWith(wt as unknown as Lib, 0, 1)).toEqual([]);
    expect(await fitWith(tf as unknown as Lib, 0, 1)).toEqual([]);
  });

  it('refuses a bad level, a non-constructor and the same constructor twice', () => {
    class C extends wt.Callback {}
    expect(() => wt.registerCallbackConstructor(-1, C as never)).toThrow(wt.WasmgradError);
    expect(() => wt.registerCallbackConstructor(1.5, C as never)).toThrow(wt.WasmgradError);
    expect(() => wt.registerCallbackConstructor(1, {} as never)).toThrow(wt.WasmgradError);
    wt.registerCallbackConstructor(1, C as never);
    expect(() => wt.registerCallbackConstructor(2, C as never)).toThrow(wt.WasmgradError);
  });
});
