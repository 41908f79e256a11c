// The 3-D layers (conv3d, conv3dTranspose, maxPooling3d, averagePooling3d and TF.js's aliases):
// a model built with @tensorflow/tfjs 4.22 and saved loads into wasmgrad (class names Conv3D,
// Conv3DTranspose, MaxPooling3D, AveragePooling3D) and predicts the same; a wasmgrad model goes
// back to TF.js; getConfig / fromConfig round-trips with TF.js's names and defaults; the layers
// train (their gradients match TF.js's on one batch); bad arguments raise WasmgradError.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { expectClose, randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Artifacts = tf.io.ModelArtifacts;
async function artifactsOf(model: { save: (h: never) => Promise<unknown> }): Promise<Artifacts> {
  let out: Artifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    out = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }) as never);
  return out!;
}

function tfModel(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv3d({ filters: 4, kernelSize: [3, 2, 3], strides: [1, 2, 1], padding: 'same', activation: 'relu', inputShape: [5, 6, 7, 3] }));
  m.add(tf.layers.maxPooling3d({ poolSize: [2, 2, 2], padding: 'same' }));
  m.add(tf.layers.conv3dTranspose({ filters: 5, kernelSize: 2, strides: 2, padding: 'valid', activation: 'tanh' }));
  m.add(tf.layers.averagePooling3d({ poolSize: [3, 1, 2], strides: [1, 1, 2], padding: 'valid' }));
  m.add(tf.layers.conv3d({ filters: 2, kernelSize: 1, dilationRate: 1, useBias: false }));
  m.setWeights(m.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 50 + i, -0.8, 0.8), w.shape)));
  return m;
}

describe('3-D layers and TF.js', () => {
  it('a TF.js model with Conv3D, MaxPooling3D, Conv3DTranspose and AveragePooling3D loads and predicts the same', async () => {
    const m = tfModel();
    const art = await artifactsOf(m as never);
    const classes = ((art.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers).map((l) => l.class_name);
    expect(classes).toEqual(['Conv3D', 'MaxPooling3D', 'Conv3DTranspose', 'AveragePooling3D', 'Conv3D']);
    const ours = await wt.loadLayersModel(tf.io.fromMemory(art));
    const x = randomArray(2 * 5 * 6 * 7 * 3, 7);
    const want = m.predict(tf.tensor(x, [2, 5, 6, 7, 3])) as tf.Tensor;
    const got = ours.predict(wt.tensor(x, [2, 5, 6, 7, 3])) as wt.Tensor;
    expect(got.shape).toEqual(want.shape);
    expectClose(got.dataSync(), want.dataSync() as Float32Array, 2e-5, 2e-5, 'predict');

    // and back: wasmgrad's save loads into TF.js and predicts the same
    const back = await tf.loadLayersModel(tf.io.fromMemory(await artifactsOf(ours as never)));
    expectClose((back.predict(tf.tensor(x, [2, 5, 6, 7, 3])) as tf.Tensor).dataSync(), want.dataSync() as Float32Array, 2e-5, 2e-5, 'round trip');
  });

  it.each([
    ['conv3dTranspose same, strides [1, 2, 3]', () => tf.layers.conv3dTranspose({ filters: 3, kernelSize: [3, 2, 4], strides: [1, 2, 3], padding: 'same', inputShape: [3, 4, 5, 5] })],
    ['conv3d dilated', () => tf.layers.conv3d({ filters: 5, kernelSize: 2, dilationRate: [2, 1, 2], padding: 'same', activation: 'sigmoid', inputShape: [3, 4, 5, 5] })],
    ['maxPooling3d same, strides 1', () => tf.layers.maxPooling3d({ poolSize: [3, 2, 3], strides: 1, padding: 'same', inputShape: [3, 4, 5, 5] })],
    ['averagePooling3d same', () => tf.layers.averagePooling3d({ poolSize: 2, padding: 'same', inputShape: [3, 4, 5, 5] })],
  ])('a one-layer TF.js model (%s) predicts the same in wasmgrad', async (_what, make) => {
    const m = tf.sequential({ layers: [make()] });
    m.setWeights(m.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 80 + i, -0.8, 0.8), w.shape)));
    const ours = await wt.loadLayersModel(tf.io.fromMemory(await artifactsOf(m as never)));
    const x = randomArray(2 * 3 * 4 * 5 * 5, 81);
    const want = m.predict(tf.tensor(x, [2, 3, 4, 5, 5])) as tf.Tensor;
    const got = ours.predict(wt.tensor(x, [2, 3, 4, 5, 5])) as wt.Tensor;
    expect(got.shape).toEqual(want.shape);
    expectClose(got.dataSync(), want.dataSync() as Float32Array, 2e-5, 2e-5, 'predict');
  });

  it('the gradients of a loss through conv3d and the poolings match TF.js', async () => {
    // (TF.js has no gradient for conv3dTranspose, and its average-pooling gradient ignores padding)
    const m = tf.sequential();
    m.add(tf.layers.conv3d({ filters: 4, kernelSize: [3, 2, 3], strides: [1, 2, 1], padding: 'same', activation: 'relu', inputShape: [5, 6, 7, 3] }));
    m.add(tf.layers.maxPooling3d({ poolSize: [2, 2, 2], padding: 'same' }));
    m.add(tf.layers.averagePooling3d({ poolSize: [2, 1, 2], strides: 1 }));
    m.add(tf.layers.conv3d({ filters: 2, kernelSize: 1, activation: 'tanh' }));
    m.setWeights(m.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 70 + i, -0.8, 0.8), w.shape)));
    const ours = await wt.loadLayersModel(tf.io.fromMemory(await artifactsOf(m as never)));
    const x = randomArray(1 * 5 * 6 * 7 * 3, 9);
    const theirs = tf.variableGrads(() => tf.sum(tf.square(m.apply(tf.tensor(x, [1, 5, 6, 7, 3])) as tf.Tensor)) as tf.Scalar);
    const mine = wt.variableGrads(() => wt.sum(wt.square(ours.apply(wt.tensor(x, [1, 5, 6, 7, 3])) as wt.Tensor)));
    const want = m.trainableWeights.map((w) => theirs.grads[w.val.name]);
    const got = ours.trainableWeights.map((w) => mine.grads[(w as unknown as { name: string }).name] ?? Object.values(mine.grads)[ours.trainableWeights.indexOf(w)]);
    expect(got.length).toBe(want.length);
    want.forEach((g, i) => expectClose(got[i].dataSync(), g.dataSync() as Float32Array, 1e-4, 1e-4, `gradient ${i}`));
  });

  it('getConfig / fromConfig round-trips with TF.js names and defaults', () => {
    const layers = [
      wt.layers.conv3d({ filters: 3, kernelSize: 2 }),
      wt.layers.conv3dTranspose({ filters: 3, kernelSize: [2, 1, 3], strides: 2, padding: 'same' }),
      wt.layers.maxPooling3d({ poolSize: 3, strides: [1, 2, 1] }),
      wt.layers.averagePooling3d({}),
      wt.layers.avgPool3d({ poolSize: [1, 2, 2] }),
      wt.layers.avgPooling3d({ padding: 'same' }),
    ];
    const expected = [
      tf.layers.conv3d({ filters: 3, kernelSize: 2 }),
      tf.layers.conv3dTranspose({ filters: 3, kernelSize: [2, 1, 3], strides: 2, padding: 'same' }),
      tf.layers.maxPooling3d({ poolSize: 3, strides: [1, 2, 1] }),
      tf.layers.averagePooling3d({}),
      tf.layers.avgPool3d({ poolSize: [1, 2, 2] }),
      tf.layers.avgPooling3d({ padding: 'same' }),
    ];
    layers.forEach((l, i) => {
      const ours = l.getConfig(), theirs = expected[i].getConfig();
      expect(l.getClassName(), `layer ${i}`).toBe(expected[i].getClassName());
      for (const key of ['kernelSize', 'strides', 'padding', 'poolSize', 'filters', 'dilationRate', 'useBias', 'activation']) {
        if (key in theirs) expect(ours[key], `layer ${i} ${key}`).toEqual(theirs[key]);
      }
      const again = wg.layers.getLayerClass(l.getClassName()).fromConfig({ ...ours, name: `${l.name}_copy` });
      expect({ ...again.getConfig(), name: l.name }).toEqual(ours);
    });
  });

  it('the main entry has the Keras-style layers', () => {
    const m = wg.sequential({ layers: [wg.layers.conv3d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 4, 1] }), wg.layers.maxPooling3d({}), wg.layers.flatten()] });
    const y = m.predict(wg.ones([1, 4, 4, 4, 1])) as wg.Tensor;
    expect(y.shape).toEqual([1, 8 * 2 / 8 * 1]);
    expect(wg.layers.avgPooling3d({}).getClassName()).toBe('AveragePooling3D');
  });

  it('bad arguments raise WasmgradError', () => {
    expect(() => wg.layers.conv3d({ filters: 2, kernelSize: [2, 2] })).toThrow(/kernelSize must be a positive whole number or 3 of them/);
    expect(() => wg.layers.conv3dTranspose({ filters: 2, kernelSize: 2, dilationRate: 2 })).toThrow(wg.WasmgradError);
    expect(() => wg.layers.maxPooling3d({ poolSize: [2, 2] as never })).toThrow(/poolSize must be a positive whole number or 3 of them/);
    const l = wg.layers.conv3d({ filters: 2, kernelSize: 2 });
    expect(() => l.apply(wg.zeros([1, 4, 4, 3]))).toThrow(wg.WasmgradError);
  });
});
