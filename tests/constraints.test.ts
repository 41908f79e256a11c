// Weight constraints (src/constraints.ts): each projection against a float64 reference, applied
// after every optimizer update of the weight it is given for (Keras), kept by getConfig and by a
// saved model, read from Keras's snake_case files; wasmgrad/tfjs also projects on setWeights, as
// TF.js's LayerVariable.write does.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import * as wt from 'wasmgrad/tfjs';
import * as tf from '@tensorflow/tfjs';
import { useBuild, randomArray } from './helpers';
import { getConstraint } from '../src/constraints';

beforeAll(async () => {
  await useBuild('simd', 1);
  await tf.setBackend('cpu');
});
afterAll(() => wg.shutdown());

/** Column norms (axis 0) of a [rows, cols] matrix in float64. */
function columnNorms(v: ArrayLike<number>, rows: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, j) => Math.hypot(...Array.from({ length: rows }, (_, i) => v[i * cols + j])));
}

describe('constraints', () => {
  test('each projection against float64: maxNorm, minMaxNorm (with a rate), nonNeg, unitNorm', () => {
    const [rows, cols] = [5, 4];
    const v = Array.from(randomArray(rows * cols, 3, -2, 2));
    const norms = columnNorms(v, rows, cols);
    const cases: [string | object, (n: number) => number | null][] = [
      [{ className: 'MaxNorm', config: { maxValue: 1.5 } }, (n) => Math.min(n, 1.5)],
      ['minMaxNorm', (n) => Math.min(Math.max(n, 0), 1)],
      [{ className: 'MinMaxNorm', config: { minValue: 2, maxValue: 3, rate: 0.5 } }, (n) => 0.5 * Math.min(Math.max(n, 2), 3) + 0.5 * n],
      ['unitNorm', () => 1],
      ['nonNeg', () => null],
    ];
    for (const [spec, desired] of cases) {
      const w = wg.tensor(v, [rows, cols]);
      const out = getConstraint(spec as never, 'test').apply(w);
      const got = out.dataSync();
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const d = desired(norms[j]);
          const want = d === null ? Math.max(v[i * cols + j], 0) : (v[i * cols + j] * d) / (norms[j] + 1e-7);
          expect(got[i * cols + j]).toBeCloseTo(want, 5);
        }
      }
      for (const t of [w, out]) t.dispose();
    }
  });

  test('fit projects the constrained weights after every update, and only those', async () => {
    const model = wg.sequential({ layers: [
      wg.layers.dense({ units: 4, inputShape: [6], kernelConstraint: { className: 'MaxNorm', config: { maxValue: 0.5 } }, biasConstraint: 'nonNeg' }),
      wg.layers.dense({ units: 3, kernelConstraint: 'unitNorm' }),
    ] });
    model.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    const x = wg.tensor(randomArray(32 * 6, 5, -2, 2), [32, 6]), y = wg.tensor(randomArray(32 * 3, 6, -4, -2), [32, 3]);
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const [k1, b1, k2, b2] = model.getWeights();
    for (const n of columnNorms(k1.dataSync(), 6, 4)) expect(n).toBeLessThanOrEqual(0.5 + 1e-6);
    for (const b of b1.dataSync()) expect(b).toBeGreaterThanOrEqual(0);
    for (const n of columnNorms(k2.dataSync(), 4, 3)) expect(n).toBeCloseTo(1, 5);
    expect(Array.from(b2.dataSync()).every((b) => b < 0)).toBe(true); // the unconstrained bias moved freely (targets are negative)
    for (const t of [x, y, k1, b1, k2, b2]) t.dispose();
    model.dispose();
  });

  test('getConfig keeps them; a saved model and a model file TF.js wrote (snake_case) load them', async () => {
    const layer = wg.layers.dense({ units: 2, kernelConstraint: { className: 'MaxNorm', config: { maxValue: 3, axis: 0 } } });
    expect(layer.getConfig().kernelConstraint).toEqual({ className: 'MaxNorm', config: { maxValue: 3, axis: 0 } });
    const model = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [3], kernelConstraint: 'nonNeg', biasConstraint: 'unitNorm' })] });
    const loaded = await wg.loadModel(await model.save());
    expect(loaded.layers[0].getConfig()).toMatchObject({ kernelConstraint: { className: 'NonNeg' }, biasConstraint: { className: 'UnitNorm', config: { axis: 0 } } });
    // TF.js's own file: kernel_constraint: { class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } }
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelConstraint: tf.constraints.maxNorm({ maxValue: 2 }) })] });
    let saved: tf.io.ModelArtifacts | null = null;
    await t.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(JSON.stringify(saved!.modelTopology)).toContain('"kernel_constraint":{"class_name":"MaxNorm"');
    const fromTfjs = await wg.loadModel(saved!);
    expect(fromTfjs.layers[0].getConfig().kernelConstraint).toEqual({ className: 'MaxNorm', config: { maxValue: 2, axis: 0 } });
    for (const m of [model, loaded, fromTfjs]) m.dispose();
    t.dispose();
  });

  test('unknown names and bad arguments raise, naming the layer and the option', () => {
    expect(() => wg.layers.dense({ units: 2, kernelConstraint: 'maxNorms' })).toThrow(/^Dense kernelConstraint: unknown constraint "maxNorms"/);
    expect(() => wg.layers.dense({ units: 2, biasConstraint: { className: 'MaxNorm', config: { maxValue: -1 } } })).toThrow(/maxNorm: maxValue must be a finite number >= 0, got -1/);
    expect(() => wg.layers.dense({ units: 2, kernelConstraint: { className: 'UnitNorm', config: { axis: 'x' } } })).toThrow(/unitNorm: axis must be a whole number/);
  });

  test('wasmgrad/tfjs: tf.constraints, projected on setWeights as TF.js does', () => {
    for (const [name, make] of [['maxNorm', (lib: typeof tf) => lib.constraints.maxNorm({ maxValue: 1 })], ['nonNeg', (lib: typeof tf) => lib.constraints.nonNeg()], ['unitNorm', (lib: typeof tf) => lib.constraints.unitNorm({ axis: 0 })], ['minMaxNorm', (lib: typeof tf) => lib.constraints.minMaxNorm({ minValue: 0.5, maxValue: 1, rate: 0.7 })]] as const) {
      const values = (lib: typeof tf) => {
        const m = lib.sequential({ layers: [lib.layers.dense({ units: 3, inputShape: [4], kernelConstraint: make(lib) })] });
        m.setWeights([lib.tensor2d(Array.from(randomArray(12, 9, -2, 2)), [4, 3]), lib.tensor1d([1, -2, 3])]);
        const w = Array.from(m.getWeights()[0].dataSync());
        m.dispose();
        return w;
      };
      const [want, got] = [values(tf), values(wt as unknown as typeof tf)];
      got.forEach((v, i) => expect(v, `${name} ${i}`).toBeCloseTo(want[i], 5));
    }
  });
});
