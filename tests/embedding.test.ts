import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, expectNoLeak } from './helpers';

afterAll(() => wg.shutdown());

describe.each(builds())('embedding on the %s build', (build) => {
  test('gathers rows: shapes, int32 and float indices, Keras defaults', async () => {
    await useBuild(build, 2);
    const e = wg.layers.embedding({ inputDim: 7, outputDim: 5 });
    const idx = wg.tensor(Int32Array.from([0, 6, 2, 2, 5, 1]), [2, 3], 'int32');
    const y = e.apply(idx) as wg.Tensor;
    expect(y.shape).toEqual([2, 3, 5]);
    expect(e.weights[0].shape).toEqual([7, 5]);
    expect(e.weightNames).toEqual(['embeddings']);
    const table = e.weights[0].dataSync();
    for (const v of table) expect(Math.abs(v)).toBeLessThanOrEqual(0.05);
    const got = y.dataSync();
    [0, 6, 2, 2, 5, 1].forEach((k, i) => expect(Array.from(got.subarray(i * 5, i * 5 + 5))).toEqual(Array.from(table.subarray(k * 5, k * 5 + 5))));
    const yf = e.apply(wg.tensor([[0, 6, 2], [2, 5, 1]])) as wg.Tensor;
    expect(Array.from(yf.dataSync())).toEqual(Array.from(got));
    expect(e.computeOutputShape([null, 3])).toEqual([null, 3, 5]);
    for (const t of [y, yf, idx]) t.dispose();
    e.dispose();
  });

  test('scatter-add backward with repeated indices, against a float64 reference', async () => {
    await useBuild(build, 2);
    const [V, D] = [6, 9];
    const e = wg.layers.embedding({ inputDim: V, outputDim: D, embeddingsInitializer: 'glorotUniform' });
    const ids = [1, 4, 1, 1, 0, 5, 4, 3, 1, 2, 2, 0];
    const idx = wg.tensor(Int32Array.from(ids), [3, 4], 'int32');
    const r = randomArray(ids.length * D, 3);
    const rT = wg.tensor(r, [3, 4, D]);
    (e.apply(idx) as wg.Tensor).dispose();
    expectNoLeak(() => {
      const { value, grads } = wg.variableGrads(() => wg.sum(wg.mul(e.apply(idx) as wg.Tensor, rT)), e.trainableWeights);
      const want = new Float64Array(V * D);
      ids.forEach((k, i) => {
        for (let j = 0; j < D; j++) want[k * D + j] += r[i * D + j];
      });
      expectClose(grads[e.weights[0].name].dataSync(), want, 1e-6, 1e-6, 'd embeddings');
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    });
    for (const t of [idx, rT]) t.dispose();
    e.dispose();
  });

  test('out-of-range indices raise WasmgradError', async () => {
    await useBuild(build, 1);
    const e = wg.layers.embedding({ inputDim: 4, outputDim: 2 });
    const ok = wg.tensor(Int32Array.from([0, 3]), [1, 2], 'int32');
    (e.apply(ok) as wg.Tensor).dispose(); // builds the table
    ok.dispose();
    for (const bad of [[0, 4], [-1, 0], [1, 1e9]]) {
      const idx = wg.tensor(Int32Array.from(bad), [1, 2], 'int32');
      expectNoLeak(() => expect(() => e.apply(idx)).toThrow(wg.WasmgradError));
      expect(() => e.apply(idx)).toThrow(/out of range \[0, 4\)/);
      idx.dispose();
    }
    const nan = wg.tensor([[0, NaN]]);
    expect(() => e.apply(nan)).toThrow(wg.WasmgradError);
    nan.dispose();
    expect(() => wg.layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(wg.WasmgradError);
    e.dispose();
  });

  test('maskZero: a padded step is skipped by the recurrent layer that follows', async () => {
    await useBuild(build, 2);
    const e = wg.layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true });
    const l = wg.layers.lstm({ units: 4 });
    // the same sequence with and without trailing padding gives the same last output
    const a = wg.tensor(Int32Array.from([3, 1, 4, 0, 0]), [1, 5], 'int32');
    const b = wg.tensor(Int32Array.from([3, 1, 4]), [1, 3], 'int32');
    const ya = l.apply(e.apply(a) as wg.Tensor) as wg.Tensor;
    const yb = l.apply(e.apply(b) as wg.Tensor) as wg.Tensor;
    expectClose(ya.dataSync(), yb.dataSync(), 1e-6, 1e-6, 'padded vs unpadded');
    for (const t of [a, b, ya, yb]) t.dispose();
    e.dispose();
    l.dispose();
  });
});
