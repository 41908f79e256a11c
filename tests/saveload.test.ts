// Save and load: model.json + weights.safetensors, predictions bitwise equal after loading (every
// build for a dense model; functional, recurrent and compiled models on the default one), from
// artifacts, a folder, a model.json path, file: and http: URLs; wg.io safetensors; a PyTorch state
// dict mapped onto a dense model; and hostile input: every defect is a WasmgradError, nothing leaks.
import { describe, test, expect, afterAll, beforeAll } from 'vitest';
import * as wg from 'wasmgrad';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:http';
import { builds, useBuild, randomArray, rng } from './helpers';

afterAll(() => wg.shutdown());

const bits = (t: wg.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

async function expectSamePredictions(a: wg.LayersModel, b: wg.LayersModel, xs: wg.Tensor | wg.Tensor[]): Promise<void> {
  const pa = a.predict(xs) as wg.Tensor | wg.Tensor[];
  const pb = b.predict(xs) as wg.Tensor | wg.Tensor[];
  const la = Array.isArray(pa) ? pa : [pa], lb = Array.isArray(pb) ? pb : [pb];
  expect(lb.length).toBe(la.length);
  la.forEach((t, i) => expect(bits(lb[i])).toEqual(bits(t)));
  for (const t of [...la, ...lb]) t.dispose();
}

function denseModel(seed: number): wg.Sequential {
  return wg.sequential({
    layers: [
      wg.layers.dense({ units: 12, activation: 'relu', inputShape: [6], kernelInitializer: wg.initializers.glorotUniform({ seed }), biasInitializer: wg.initializers.randomNormal({ seed: seed + 1 }) }),
      wg.layers.dropout({ rate: 0.3 }),
      wg.layers.dense({ units: 4, activation: 'softmax', kernelRegularizer: wg.regularizers.l2({ l2: 0.01 }) }),
    ],
  });
}

describe.each(builds())('save and load on the %s build', (build) => {
  test('a dense model comes back with bitwise-equal predictions', async () => {
    await useBuild(build, 2);
    const m = denseModel(1);
    const x = wg.tensor(randomArray(20 * 6, 2), [20, 6]);
    const art = await m.save();
    expect(Object.keys(art.modelJson)).toEqual(['format', 'formatVersion', 'generatedBy', 'modelTopology', 'trainingConfig', 'weightsManifest']);
    const back = await wg.loadModel(art);
    await expectSamePredictions(m, back, x);
    x.dispose();
    m.dispose();
    back.dispose();
  });
});

describe('save and load', () => {
  let dir: string;
  beforeAll(async () => {
    await wg.init();
    dir = mkdtempSync(join(tmpdir(), 'wasmgrad-save-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  test('model.json: topology, training config, manifest; safetensors names layerName/weightName', async () => {
    const m = denseModel(3);
    m.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.002 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const { modelJson, weights } = await m.save();
    const topo = modelJson.modelTopology;
    expect(topo.className).toBe('Sequential');
    const layers = topo.config.layers as { className: string; config: Record<string, unknown> }[];
    expect(layers.map((l) => l.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(layers[0].config.units).toBe(12);
    expect(modelJson.trainingConfig).toMatchObject({ loss: 'categoricalCrossentropy', metrics: [['accuracy']], optimizerConfig: { className: 'Adam', config: { learningRate: 0.002 } } });
    const names = m.layers.filter((l) => l.weights.length).flatMap((l) => [`${l.name}/kernel`, `${l.name}/bias`]);
    expect(modelJson.weightsManifest[0].weights.map((w) => w.name)).toEqual(names);
    // the standard layout: u64 header length, JSON header, data
    const headerLen = Number(new DataView(weights.buffer, weights.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(weights.subarray(8, 8 + headerLen)));
    expect(header[names[0]]).toMatchObject({ dtype: 'F32', shape: [6, 12] });
    const decoded = wg.io.decodeSafetensors(weights);
    expect(Object.keys(decoded).sort()).toEqual([...names].sort());
    expect(Array.from(decoded[names[0]].dataSync())).toEqual(Array.from(m.layers[0].weights[0].dataSync()));
    Object.values(decoded).forEach((t) => t.dispose());
    // loaded compiled: same optimizer config, loss, metrics; training continues
    const back = await wg.loadModel({ modelJson: JSON.stringify(modelJson), weights });
    expect(back.optimizer?.className).toBe('Adam');
    expect(back.optimizer?.getConfig().learningRate).toBe(0.002);
    const x = wg.tensor(randomArray(8 * 6, 4), [8, 6]);
    const y = wg.oneHot(wg.tensor(Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]), [8], 'int32'), 4);
    const h = await back.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy']);
    for (const t of [x, y]) t.dispose();
    m.dispose();
    back.dispose();
  });

  test('functional: multiple inputs and outputs, shared layers, merges, a nested model', async () => {
    const a = wg.input({ shape: [5], name: 'a' });
    const b = wg.input({ shape: [5], name: 'b' });
    const shared = wg.layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
    const ha = shared.apply(a) as wg.SymbolicTensor, hb = shared.apply(b) as wg.SymbolicTensor;
    const res = wg.layers.add({ name: 'res' }).apply([a, ha]) as wg.SymbolicTensor;
    const inner = wg.sequential({ name: 'inner', layers: [wg.layers.dense({ units: 3, inputShape: [10], name: 'inner_d' }), wg.layers.prelu({ name: 'inner_p' })] });
    const cat = wg.layers.concatenate({ name: 'cat' }).apply([res, hb]) as wg.SymbolicTensor;
    const o1 = inner.apply(cat) as wg.SymbolicTensor;
    const o2 = wg.layers.maxout({ units: 1, name: 'mx' }).apply(wg.layers.multiply({ name: 'mul' }).apply([ha, hb]) as wg.SymbolicTensor) as wg.SymbolicTensor;
    const m = wg.model({ inputs: [a, b], outputs: [o1, o2], name: 'twin' });
    const xa = wg.tensor(randomArray(9 * 5, 5), [9, 5]), xb = wg.tensor(randomArray(9 * 5, 6), [9, 5]);
    const art = await m.save();
    expect(art.modelJson.modelTopology.className).toBe('Functional');
    const shared0 = (art.modelJson.modelTopology.config.layers as { name: string; inboundNodes: unknown[] }[]).find((l) => l.name === 'shared')!;
    expect(shared0.inboundNodes).toEqual([[['a', 0, 0, {}]], [['b', 0, 0, {}]]]);
    expect(art.modelJson.weightsManifest[0].weights.map((w) => w.name)).toContain('inner/inner_p/alpha');
    const back = await wg.loadModel(art);
    expect(back.outputNames).toEqual(m.outputNames);
    await expectSamePredictions(m, back, [xa, xb]);
    for (const t of [xa, xb]) t.dispose();
    m.dispose();
    back.dispose();
  });

  test('recurrent: embedding + bidirectional LSTM + GRU', async () => {
    const m = wg.sequential({
      layers: [
        wg.layers.embedding({ inputDim: 20, outputDim: 6, inputLength: 7, maskZero: true }),
        wg.layers.bidirectional({ layer: wg.layers.lstm({ units: 5, returnSequences: true, kernelRegularizer: wg.regularizers.l2({ l2: 0.001 }) }) }),
        wg.layers.gru({ units: 4 }),
        wg.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const r = rng(3);
    const ids = wg.tensor(Int32Array.from({ length: 4 * 7 }, () => Math.floor(r() * 20)), [4, 7], 'int32');
    const art = await m.save();
    const names = art.modelJson.weightsManifest[0].weights.map((w) => w.name);
    expect(names.filter((n) => n.startsWith('bidirectional'))).toEqual([
      'bidirectional/forward_lstm/kernel', 'bidirectional/forward_lstm/recurrent_kernel', 'bidirectional/forward_lstm/bias',
      'bidirectional/backward_lstm/kernel', 'bidirectional/backward_lstm/recurrent_kernel', 'bidirectional/backward_lstm/bias',
    ].map((n) => n.replace('bidirectional', m.layers[1].name).replace(/_lstm/g, `_${(m.layers[1] as unknown as { forwardLayer: wg.Layer }).forwardLayer.name.replace('forward_', '')}`)));
    const back = await wg.loadModel(art);
    await expectSamePredictions(m, back, ids);
    // the wrapped layer's regularizer came back as a regularizer: training runs
    back.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const labels = wg.tensor(Int32Array.from([0, 1, 1, 0]), [4], 'int32');
    expect(Number.isFinite((await back.trainOnBatch(ids, labels)) as number)).toBe(true);
    labels.dispose();
    ids.dispose();
    m.dispose();
    back.dispose();
  });

  test('a folder, a model.json path, a file: URL and an http: URL', async () => {
    const m = denseModel(7);
    const x = wg.tensor(randomArray(5 * 6, 8), [5, 6]);
    const folder = join(dir, 'dense');
    await m.save(folder);
    expect(JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')).weightsManifest[0].paths).toEqual(['weights.safetensors']);
    await m.save(`file://${join(dir, 'dense2')}`);
    for (const src of [folder, join(folder, 'model.json'), pathToFileURL(join(folder, 'model.json')).href, `file://${join(dir, 'dense2')}`]) {
      const back = await wg.loadModel(src);
      await expectSamePredictions(m, back, x);
      back.dispose();
    }
    const server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(folder, (req.url ?? '/').slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const back = await wg.loadModel(new URL(`http://127.0.0.1:${port}/model.json`));
      await expectSamePredictions(m, back, x);
      back.dispose();
      await expect(wg.loadModel(`http://127.0.0.1:${port}/missing/model.json`)).rejects.toThrow(/HTTP 404/);
    } finally {
      server.close();
    }
    await expect(wg.loadModel(join(dir, 'nothing-here'))).rejects.toThrow(wg.WasmgradError);
    x.dispose();
    m.dispose();
  });

  test('a PyTorch state dict mapped onto a dense model (the README recipe)', async () => {
    // torch.nn.Linear(3, 2): weight [out, in], bias [out]; y = x W^T + b
    const W = [[0.5, -1, 2], [1.5, 0.25, -0.75]], bias = [0.1, -0.2];
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [3], name: 'fc1' })] });
    const kernel = wg.transpose(wg.tensor(W)); // our kernel is [in, out]
    const b = wg.tensor(bias);
    const bytes = wg.io.encodeSafetensors({ 'fc1/kernel': kernel, 'fc1/bias': b });
    const { modelJson } = await m.save();
    const back = await wg.loadModel({ modelJson, weights: bytes });
    const x = wg.tensor([[1, 2, 3]]);
    const y = back.predict(x) as wg.Tensor;
    const want = W.map((row, j) => row[0] * 1 + row[1] * 2 + row[2] * 3 + bias[j]);
    expect(Array.from(y.dataSync())).toEqual(want.map(Math.fround));
    for (const t of [kernel, b, x, y]) t.dispose();
    m.dispose();
    back.dispose();
  });

  test('a PyTorch LSTM state dict (weight_ih, weight_hh, b_ih + b_hh) mapped onto an lstm layer', () => {
    const [I, U, T, B] = [2, 3, 4, 2];
    const r = rng(17);
    const rand = (n: number) => Float32Array.from({ length: n }, () => r() - 0.5);
    // torch.nn.LSTM(I, U, batch_first=True): weight_ih_l0 [4U, I], weight_hh_l0 [4U, U], rows i, f, g, o
    const sd = { wih: rand(4 * U * I), whh: rand(4 * U * U), bih: rand(4 * U), bhh: rand(4 * U) };
    const xs = rand(B * T * I);
    // PyTorch's equations, in float64
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const want: number[] = [];
    for (let b = 0; b < B; b++) {
      let h = new Array(U).fill(0), c = new Array(U).fill(0);
      for (let t = 0; t < T; t++) {
        const x = Array.from(xs.subarray((b * T + t) * I, (b * T + t + 1) * I));
        const gate = (g: number, j: number) => {
          const row = g * U + j;
          let z = sd.bih[row] + sd.bhh[row];
          for (let k = 0; k < I; k++) z += sd.wih[row * I + k] * x[k];
          for (let k = 0; k < U; k++) z += sd.whh[row * U + k] * h[k];
          return z;
        };
        const nh = [], nc = [];
        for (let j = 0; j < U; j++) {
          const [i, f, g, o] = [sig(gate(0, j)), sig(gate(1, j)), Math.tanh(gate(2, j)), sig(gate(3, j))];
          nc.push(f * c[j] + i * g);
          nh.push(o * Math.tanh(nc[j]));
        }
        h = nh;
        c = nc;
      }
      want.push(...h);
    }
    // the README recipe: kernel = weight_ih^T, recurrentKernel = weight_hh^T, bias = b_ih + b_hh (same gate order)
    const m = wg.sequential({ layers: [wg.layers.lstm({ units: U, inputShape: [T, I], name: 'lstm' })] });
    const t = {
      wih: wg.tensor(sd.wih, [4 * U, I]), whh: wg.tensor(sd.whh, [4 * U, U]), bih: wg.tensor(sd.bih), bhh: wg.tensor(sd.bhh),
    };
    const mapped = [wg.transpose(t.wih), wg.transpose(t.whh), wg.add(t.bih, t.bhh)];
    m.getLayer('lstm').setWeights(mapped);
    const x = wg.tensor(xs, [B, T, I]);
    const y = m.predict(x) as wg.Tensor;
    const got = y.dataSync();
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    for (const k of [...Object.values(t), ...mapped, x, y]) k.dispose();
    m.dispose();
  });

  test('wg.io safetensors round trip; errors are WasmgradErrors', () => {
    const t = { 'a/kernel': wg.tensor([[1, 2], [3, 4]]), 'b/ids': wg.tensor(Int32Array.from([7, -8]), [2], 'int32') };
    const bytes = wg.io.encodeSafetensors(t);
    const back = wg.io.decodeSafetensors(bytes);
    expect(back['a/kernel'].arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(back['b/ids'].dtype).toBe('int32');
    expect(Array.from(back['b/ids'].dataSync())).toEqual([7, -8]);
    expect(() => wg.io.decodeSafetensors(bytes.subarray(0, bytes.length - 1))).toThrow(wg.WasmgradError);
    expect(() => wg.io.encodeSafetensors({ x: 3 } as never)).toThrow(wg.WasmgradError);
    for (const x of [...Object.values(t), ...Object.values(back)]) x.dispose();
  });

  describe('hostile input', () => {
    let good: { modelJson: Record<string, any>; weights: Uint8Array };
    let model: wg.Sequential;
    beforeAll(async () => {
      model = denseModel(11);
      model.compile({ optimizer: 'adam', loss: 'mse' });
      const a = await model.save();
      good = { modelJson: a.modelJson as unknown as Record<string, any>, weights: a.weights };
    });
    const clone = () => JSON.parse(JSON.stringify(good.modelJson));

    async function rejects(art: unknown, pattern?: RegExp): Promise<void> {
      const before = wg.memory();
      let err: unknown = null;
      try {
        const m = await wg.loadModel(art as never);
        m.dispose();
      } catch (e) {
        err = e;
      }
      expect(err, 'loading should fail').toBeInstanceOf(wg.WasmgradError);
      if (pattern) expect((err as Error).message).toMatch(pattern);
      expect(wg.memory().numTensors).toBe(before.numTensors);
      expect(wg.memory().numBytes).toBe(before.numBytes);
    }

    test('broken JSON and structure', async () => {
      await rejects({ modelJson: '{"modelTopology": ', weights: good.weights }, /not valid JSON/);
      await rejects({ modelJson: '[]', weights: good.weights }, /JSON object/);
      await rejects({ modelJson: { modelTopology: {}, weightsManifest: [] }, weights: good.weights });
      await rejects({ modelJson: good.modelJson, weights: 'nope' }, /Uint8Array/);
      await rejects(42);
      await rejects({ modelJson: '['.repeat(200000) + ']'.repeat(200000), weights: good.weights });
      const j = clone();
      j.modelTopology.className = 'EvilLayer';
      await rejects({ modelJson: j, weights: good.weights }, /unknown layer class/);
      const k = clone();
      k.modelTopology.config.layers[0].config.activation = 'nope';
      await rejects({ modelJson: k, weights: good.weights }, /activation/);
      const n = clone();
      n.modelTopology.config.layers[0] = null;
      await rejects({ modelJson: n, weights: good.weights });
      const o = clone();
      o.trainingConfig.optimizerConfig = { className: 'Nope' };
      await rejects({ modelJson: o, weights: good.weights }, /optimizer/);
    });

    test('weights that do not fit the topology', async () => {
      const j = clone();
      j.modelTopology.config.layers[0].config.units = 13;
      await rejects({ modelJson: j, weights: good.weights }, /more weight values|shape|needs/);
      // a topology asking for a huge weight is refused before allocating it
      const big = clone();
      big.modelTopology.config.layers[0].config.units = 100_000_000;
      await rejects({ modelJson: big, weights: good.weights }, /more weight values/);
      const m = clone();
      m.weightsManifest[0].weights[0].name = 'other/kernel';
      await rejects({ modelJson: m, weights: good.weights }, /missing/);
      const s = clone();
      s.weightsManifest[0].weights[1].shape = [13];
      await rejects({ modelJson: s, weights: good.weights }, /manifest/);
      const d = clone();
      d.weightsManifest[0].weights[0].dtype = 'float64';
      await rejects({ modelJson: d, weights: good.weights }, /dtype/);
      // an extra tensor in the file
      const decoded = wg.io.decodeSafetensors(good.weights);
      const extra = wg.io.encodeSafetensors({ ...decoded, 'x/y': wg.ones([2]) });
      Object.values(decoded).forEach((t) => t.dispose());
      await rejects({ modelJson: good.modelJson, weights: extra }, /does not list/);
    });

    test('graphs with cycles or dangling references', async () => {
      const a = wg.input({ shape: [3], name: 'ga' });
      const d1 = wg.layers.dense({ units: 3, name: 'g1' }).apply(a) as wg.SymbolicTensor;
      const d2 = wg.layers.dense({ units: 3, name: 'g2' }).apply(d1) as wg.SymbolicTensor;
      const fm = wg.model({ inputs: a, outputs: d2 });
      const art = await fm.save();
      const cyc = JSON.parse(JSON.stringify(art.modelJson));
      const ls = cyc.modelTopology.config.layers;
      ls[1].inboundNodes = [[['g2', 0, 0, {}]]];
      await rejects({ modelJson: cyc, weights: art.weights }, /never run/);
      const dang = JSON.parse(JSON.stringify(art.modelJson));
      dang.modelTopology.config.layers[2].inboundNodes = [[['nowhere', 0, 0, {}]]];
      await rejects({ modelJson: dang, weights: art.weights }, /unknown layer/);
      const bad = JSON.parse(JSON.stringify(art.modelJson));
      bad.modelTopology.config.outputLayers = [['g2', 5, 0]];
      await rejects({ modelJson: bad, weights: art.weights }, /does not make/);
      fm.dispose();
    });

    test('truncated, corrupted and random weight files never crash', async () => {
      const w = good.weights;
      await rejects({ modelJson: good.modelJson, weights: w.subarray(0, 4) });
      await rejects({ modelJson: good.modelJson, weights: w.subarray(0, w.length - 4) });
      const huge = w.slice();
      new DataView(huge.buffer).setUint32(4, 0xffffffff, true);
      await rejects({ modelJson: good.modelJson, weights: huge }, /header length/);
      const r = rng(99);
      for (let i = 0; i < 60; i++) {
        const c = w.slice();
        const flips = 1 + Math.floor(r() * 4);
        // corrupt the header mostly (the data is any float)
        for (let k = 0; k < flips; k++) c[Math.floor(r() * Math.min(c.length, 400))] = Math.floor(r() * 256);
        try {
          const m = await wg.loadModel({ modelJson: good.modelJson, weights: c });
          m.dispose();
        } catch (e) {
          expect(e).toBeInstanceOf(wg.WasmgradError);
        }
      }
      const noise = Uint8Array.from({ length: 300 }, () => Math.floor(r() * 256));
      await rejects({ modelJson: good.modelJson, weights: noise });
    });

    test('a folder with a weight path escaping it', async () => {
      const folder = join(dir, 'escape');
      await model.save(folder);
      const j = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
      j.weightsManifest[0].paths = ['../../etc/passwd'];
      writeFileSync(join(folder, 'model.json'), JSON.stringify(j));
      await rejects(folder, /stay in the model's folder/);
    });
  });
});
