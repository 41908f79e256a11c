// tf.tensor in the TF.js entry from the values TF.js takes: rows that are typed arrays, dtype
// inferred as TF.js infers it (Int32Array and Uint8Array rows give int32), compared with TF.js 4.22;
// and tf.memory(), tf.version_core and tf.ENV as TF.js has them.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { useBuild } from './helpers';

beforeAll(async () => {
  await useBuild('simd', 1);
  await tf.setBackend('cpu');
});
afterAll(() => wg.shutdown());

describe('tf.tensor values', () => {
  test('typed-array rows and inferred dtypes equal TF.js', () => {
    const cases: unknown[] = [
      [new Float32Array([1.5, 2]), new Float32Array([3, 4])],
      [new Int32Array([1, 2]), new Int32Array([3, 4])],
      [[new Uint8Array([1, 255])], [new Uint8Array([0, 7])]],
      new Uint8Array([3, 4]),
      new Int32Array([5]),
      [[new Int32Array([1])], [[2.7]]],
      [[1.5, 2], new Float32Array([3, 4])],
    ];
    for (const values of cases) {
      const want = tf.tensor(values as never);
      const got = wt.tensor(values as never);
      expect(got.shape, String(values)).toEqual(want.shape);
      expect(got.dtype, String(values)).toBe(want.dtype);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    }
    expect(wt.tensor2d([new Float32Array([1, 2]), new Float32Array([3, 4])]).arraySync()).toEqual([[1, 2], [3, 4]]);
    // (TF.js 4.22 takes a Float64Array row for one value; here it is a row like any typed array)
    expect(wt.tensor([new Float64Array([0.5, 0.25])]).arraySync()).toEqual([[0.5, 0.25]]);
    expect(() => wt.tensor([new Float32Array([1, 2]), new Float32Array([3])])).toThrow(/ragged nested array: expected 2 elements at depth 1/);
    // the root entry takes typed-array rows too (its dtype comes from dtype or a top-level Int32Array)
    expect(wg.tensor([new Float32Array([1, 2])]).shape).toEqual([1, 2]);
  });

  test('memory, version_core and ENV', () => {
    const before = wt.memory();
    const x = wt.ones([4, 4]);
    const m = wt.memory();
    expect(Object.keys(tf.memory()).filter((k) => k !== 'reasons').every((k) => k in m)).toBe(true);
    expect(m.numTensors - before.numTensors).toBe(1);
    expect(m.numDataBuffers).toBe(m.numTensors);
    expect(m.numBytes - before.numBytes).toBe(64);
    expect(m.unreliable).toBe(false);
    x.dispose();
    expect(wt.version_core).toBe(tf.version_core);
    wt.ENV.set('WEBGL_PACK', false);
    expect(wt.env().get('WEBGL_PACK')).toBe(false);
  });
});
