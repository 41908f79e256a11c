// TF.js's layers-model format both ways, against the real @tensorflow/tfjs 4.22: models built and
// saved by TF.js load into wasmgrad and predict the same; models saved by wasmgrad in that format
// load into TF.js and predict the same; quantized weights dequantize as TF.js does.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectClose, randomArray } from './helpers';
import { artifactsOf, randomize } from './tfjs-artifacts';

type Artifacts = tf.io.ModelArtifacts;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wg.init({ backend: 'simd', threads: 1 });
});

async function samePredictions(model: tf.LayersModel, inputs: Float32Array[], shapes: number[][], tol = 1e-5): Promise<wg.LayersModel> {
  const art = await artifactsOf(model);
  const ours = await wg.loadModel(art as never);
  const tfOut = model.predict(inputs.map((x, i) => tf.tensor(x, shapes[i]))) as tf.Tensor;
  const wgOut = ours.predict(inputs.map((x, i) => wg.tensor(x, shapes[i]))) as wg.Tensor;
  expect(wgOut.shape).toEqual(tfOut.shape);
  expectClose(wgOut.dataSync(), tfOut.dataSync() as Float32Array, tol, tol, model.name);
  return ours;
}

describe('models saved by TF.js load into wasmgrad', () => {
  it('dense, batch normalization, dropout, activations', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 7, inputShape: [5], activation: 'relu' }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.dropout({ rate: 0.3 }));
    m.add(tf.layers.dense({ units: 4, activation: 'tanh', kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }));
    m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    randomize(m, 1);
    await samePredictions(m, [randomArray(6 * 5, 9)], [[6, 5]]);
  });

  it('conv2d, pooling, flatten (channels not a multiple of 4)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ filters: 5, kernelSize: 3, inputShape: [9, 9, 3], activation: 'relu', padding: 'same' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 3, kernelSize: [2, 3], strides: 2 }));
    m.add(tf.layers.averagePooling2d({ poolSize: 1 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 2 }));
    randomize(m, 2);
    await samePredictions(m, [randomArray(2 * 9 * 9 * 3, 8)], [[2, 9, 9, 3]]);
  });

  it('embedding and LSTM / GRU with TF.js defaults (hard sigmoid, GRU without reset_after)', async () => {
    const m = tf.sequential();
    m.add(tf.layers.embedding({ inputDim: 11, outputDim: 4, inputLength: 6 }));
    m.add(tf.layers.lstm({ units: 5, returnSequences: true }));
    m.add(tf.layers.gru({ units: 3 }));
    randomize(m, 3);
    const art = await artifactsOf(m);
    const ours = await wg.loadModel(art as never);
    const ids = [1, 4, 10, 0, 3, 3, 7, 2, 9, 5, 6, 8];
    const tfOut = m.predict(tf.tensor(ids, [2, 6])) as tf.Tensor;
    const wgOut = ours.predict(wg.tensor(ids, [2, 6], 'int32')) as wg.Tensor;
    expectClose(wgOut.dataSync(), tfOut.dataSync() as Float32Array, 1e-5, 1e-5);
  });

  it('a functional model: bidirectional LSTM, merges (concatenate, add), two inputs', async () => {
    const a = tf.input({ shape: [4, 3] });
    const b = tf.input({ shape: [6] });
    const bi = tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3 }) as tf.RNN }).apply(a) as tf.SymbolicTensor;
    const d = tf.layers.dense({ units: 6, activation: 'sigmoid' }).apply(b) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([bi, d]) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate().apply([sum, b]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(cat) as tf.SymbolicTensor;
    const m = tf.model({ inputs: [a, b], outputs: out });
    randomize(m, 4);
    await samePredictions(m, [randomArray(3 * 12, 5), randomArray(3 * 6, 6)], [[3, 4, 3], [3, 6]]);
  });

  it('quantized weights (uint8, uint16, float16) dequantize as TF.js does', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 6, inputShape: [5], activation: 'relu' }));
    m.add(tf.layers.dense({ units: 3 }));
    randomize(m, 7);
    const art = await artifactsOf(m);
    const src = new Float32Array(art.weightData as ArrayBuffer);
    for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
      const parts: Uint8Array[] = [];
      let off = 0;
      const specs = art.weightSpecs!.map((w) => {
        const n = w.shape.reduce((x, y) => x * y, 1);
        const v = src.subarray(off, off + n);
        off += n;
        if (dtype === 'float16') {
          const h = new Uint16Array(n);
          for (let i = 0; i < n; i++) h[i] = toHalf(v[i]);
          parts.push(new Uint8Array(h.buffer));
          return { ...w, quantization: { dtype } };
        }
        const min = Math.min(...v), max = Math.max(...v), levels = dtype === 'uint8' ? 255 : 65535;
        const scale = (max - min) / levels;
        const q = dtype === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
        for (let i = 0; i < n; i++) q[i] = Math.round((v[i] - min) / scale);
        parts.push(new Uint8Array(q.buffer));
        return { ...w, quantization: { dtype, min, scale } };
      });
      const total = parts.reduce((x, p) => x + p.length, 0);
      const data = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      const quantized = { ...art, weightSpecs: specs, weightData: data.buffer } as Artifacts;
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory(quantized));
      const ours = await wg.loadModel(quantized as never);
      const x = randomArray(4 * 5, 11);
      const expected = (tfModel.predict(tf.tensor(x, [4, 5])) as tf.Tensor).dataSync() as Float32Array;
      expectClose((ours.predict(wg.tensor(x, [4, 5])) as wg.Tensor).dataSync(), expected, 1e-5, 1e-5, dtype);
    }
  });

  it('refuses a manifest that does not match the weight data, and a binary topology', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const art = await artifactsOf(m);
    const short = { ...art, weightData: (art.weightData as ArrayBuffer).slice(0, 8) };
    await expect(wg.loadModel(short as never)).rejects.toThrow(/needs 24 bytes/);
    const long = { ...art, weightData: new ArrayBuffer(100) };
    await expect(wg.loadModel(long as never)).rejects.toThrow(/hold 100 bytes, the manifest describes 32/);
    const bad = { ...art, weightSpecs: [{ ...art.weightSpecs![0], dtype: 'complex64' }, art.weightSpecs![1]] };
    await expect(wg.loadModel(bad as never)).rejects.toThrow(wg.WasmgradError);
  });
});

function toHalf(f: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, f);
  const x = b.getUint32(0);
  const sign = (x >>> 16) & 0x8000, exp = ((x >>> 23) & 0xff) - 127 + 15, mant = x & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | Math.round(mant / 8192);
}

describe('models saved by wasmgrad in TF.js format load into TF.js', () => {
  it('through an IO handler and through a file:// folder, predicting the same', async () => {
    const input = wg.input({ shape: [8, 8, 2] });
    const c = wg.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }).apply(input) as wg.SymbolicTensor;
    const p = wg.layers.maxPooling2d({ poolSize: 2 }).apply(c) as wg.SymbolicTensor;
    const f = wg.layers.flatten().apply(p) as wg.SymbolicTensor;
    const d = wg.layers.dense({ units: 4, activation: 'softmax' }).apply(f) as wg.SymbolicTensor;
    const ours = wg.model({ inputs: input, outputs: d });
    const x = randomArray(2 * 8 * 8 * 2, 3);
    const expected = (ours.predict(wg.tensor(x, [2, 8, 8, 2])) as wg.Tensor).dataSync();

    let saved: Artifacts | null = null;
    await ours.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }) as never);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expectClose((theirs.predict(tf.tensor(x, [2, 8, 8, 2])) as tf.Tensor).dataSync(), expected, 1e-5, 1e-5);

    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-tfjs-'));
    await ours.save(`file://${dir}`, { format: 'tfjs' });
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const weights = readFileSync(join(dir, 'weights.bin'));
    const fromFiles = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    }));
    expectClose((fromFiles.predict(tf.tensor(x, [2, 8, 8, 2])) as tf.Tensor).dataSync(), expected, 1e-5, 1e-5);
    // and back into wasmgrad from the folder
    const again = await wg.loadLayersModel(`file://${dir}`);
    expectClose((again.predict(wg.tensor(x, [2, 8, 8, 2])) as wg.Tensor).dataSync(), expected, 0, 0);
  });

  it('recurrent layers with TF.js settings round-trip through TF.js', async () => {
    const m = wg.sequential({
      layers: [
        wg.layers.lstm({ units: 4, inputShape: [5, 3], returnSequences: true, recurrentActivation: 'hardSigmoid' }),
        wg.layers.gru({ units: 2, resetAfter: false, recurrentActivation: 'hardSigmoid' }),
      ],
    });
    const x = randomArray(2 * 15, 12);
    const expected = (m.predict(wg.tensor(x, [2, 5, 3])) as wg.Tensor).dataSync();
    let saved: Artifacts | null = null;
    await m.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }) as never);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expectClose((theirs.predict(tf.tensor(x, [2, 5, 3])) as tf.Tensor).dataSync(), expected, 1e-5, 1e-5);
  });
});
