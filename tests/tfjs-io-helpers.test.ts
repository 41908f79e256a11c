// tf.io's weight and model.json helpers (src/io/tfjs-weights.ts) and IO routers, each against
// TF.js 4.22's own on the same input: encodeWeights / decodeWeights (quantized too), the weights
// loader (only the groups holding a wanted weight are fetched), the model.json helpers,
// browserFiles with File objects, and a custom URL scheme.
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

const bytesOf = (b: ArrayBuffer) => Array.from(new Uint8Array(b));

/** A TF.js model's saved artifacts, and the same model. */
async function tfjsModel() {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2 })] });
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return { model, artifacts: saved! };
}

describe('tf.io helpers', () => {
  test('encodeWeights writes the specs and bytes TF.js writes; decodeWeights reads them back', async () => {
    const values = { a: [[1.5, -2], [3, 4.25]], b: [7, -8, 9] };
    const ours = await wt.io.encodeWeights({ a: wt.tensor(values.a), b: wt.tensor(values.b, [3], 'int32') }, 'g');
    const theirs = await tf.io.encodeWeights({ a: tf.tensor(values.a), b: tf.tensor(values.b, [3], 'int32') }, 'g');
    expect(ours.specs).toEqual(theirs.specs);
    expect(bytesOf(ours.data)).toEqual(bytesOf(theirs.data as ArrayBuffer));
    const listed = await wt.io.encodeWeights([{ name: 'x', tensor: wt.tensor([1, 2]) }]);
    expect(listed.specs).toEqual([{ name: 'x', shape: [2], dtype: 'float32' }]);
    const decoded = wt.io.decodeWeights(theirs.data as ArrayBuffer, theirs.specs as never);
    expect(decoded.a.arraySync()).toEqual(values.a);
    expect(decoded.b.dtype).toBe('int32');
    expect(decoded.b.arraySync()).toEqual(values.b);
    // as TF.js: bytes after the weights are ignored, too few are an error naming the weight
    const longer = wt.io.concatenateArrayBuffers([theirs.data as ArrayBuffer, new ArrayBuffer(8)]);
    expect(wt.io.decodeWeights(longer, theirs.specs as never).a.arraySync()).toEqual(values.a);
    expect(() => wt.io.decodeWeights(new ArrayBuffer(12), theirs.specs as never)).toThrow(/decodeWeights: weight 'a' \[2,2\] needs 16 bytes at offset 0/);
    await expect(wt.io.encodeWeights({ a: 3 as never })).rejects.toThrow(/encodeWeights: weight 'a' must be a Tensor/);
  });

  test('decodeWeights dequantizes uint8, uint16 and float16 as TF.js', () => {
    const specs = [
      { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
      { name: 'q16', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', min: 2, scale: 0.25 } },
      { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
    ];
    const data = wt.io.concatenateArrayBuffers([new Uint8Array([0, 3, 255]).buffer, new Uint16Array([1, 1000]).buffer, new Uint16Array([0x3c00, 0xc500]).buffer]);
    const ours = wt.io.decodeWeights(data, specs as never);
    const theirs = tf.io.decodeWeights(data, specs as never);
    for (const k of ['q8', 'q16', 'h']) expect(ours[k].dataSync()).toEqual(theirs[k].dataSync());
  });

  test('the weights loader fetches only the groups it needs and gives the weights TF.js gives', async () => {
    const g1 = await tf.io.encodeWeights({ w1: tf.tensor([1, 2, 3]), w2: tf.tensor([[4, 5]]) });
    const g2 = await tf.io.encodeWeights({ w3: tf.tensor([6, 7], [2], 'int32') });
    const half = (g1.data as ArrayBuffer).byteLength / 2;
    const files: Record<string, ArrayBuffer> = { 'p/a1': (g1.data as ArrayBuffer).slice(0, half), 'p/a2': (g1.data as ArrayBuffer).slice(half), 'p/b': g2.data as ArrayBuffer };
    const manifest = [{ paths: ['a1', 'a2'], weights: g1.specs }, { paths: ['b'], weights: g2.specs }];
    for (const names of [undefined, ['w3'], ['w2', 'w3'], ['w2']]) {
      const asked: string[][] = [];
      const fetcher = (log: string[][]) => async (urls: string[]) => (log.push(urls), urls.map((u) => files[u]));
      const theirLog: string[][] = [];
      const ours = await wt.io.weightsLoaderFactory(fetcher(asked))(manifest as never, 'p', names);
      const theirs = await tf.io.weightsLoaderFactory(fetcher(theirLog))(manifest as never, 'p', names);
      expect(asked).toEqual(theirLog);
      expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
      for (const k of Object.keys(theirs)) expect(ours[k].arraySync()).toEqual(theirs[k].arraySync());
    }
    await expect(wt.io.weightsLoaderFactory(async () => [])(manifest as never, 'p', ['nope'])).rejects.toThrow(/no weights named nope in the manifest \(it has w1, w2, w3\)/);
    for (const bad of [{ name: 'x' }, { name: 'x', shape: [-1], dtype: 'float32' }, { name: 'x', shape: [2], dtype: 'string' }, null]) {
      await expect(wt.io.weightsLoaderFactory(async () => [])([{ paths: ['a'], weights: [bad] }] as never)).rejects.toThrow(/io.loadWeights: every manifest weight must be \{ name, shape, dtype \}/);
    }
    await expect(wt.io.weightsLoaderFactory(async () => [])({} as never)).rejects.toThrow(/weightsManifest must be an array/);
    // loadWeights fetches prefix/path
    const realFetch = globalThis.fetch;
    const urls: string[] = [];
    globalThis.fetch = (async (u: string) => (urls.push(u), new Response(files[u.replace('http://h/', '')]))) as typeof fetch;
    try {
      const w = await wt.io.loadWeights(manifest as never, 'http://h/p', ['w1']);
      expect(urls).toEqual(['http://h/p/a1', 'http://h/p/a2']);
      expect(w.w1.arraySync()).toEqual([1, 2, 3]);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  test('model.json helpers, CompositeArrayBuffer and isHTTPScheme agree with TF.js', async () => {
    const { artifacts } = await tfjsModel();
    const json = { modelTopology: artifacts.modelTopology, format: 'layers-model', generatedBy: 'x', convertedBy: null, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs! }], userDefinedMetadata: { a: 1 } };
    expect(wt.io.getWeightSpecs(json.weightsManifest as never)).toEqual(tf.io.getWeightSpecs(json.weightsManifest));
    const loader = async () => [artifacts.weightSpecs!, artifacts.weightData as ArrayBuffer] as never;
    expect(await wt.io.getModelArtifactsForJSON(json as never, loader)).toEqual(await tf.io.getModelArtifactsForJSON(json as never, loader));
    expect(wt.io.getModelArtifactsForJSONSync({ ...json, weightsManifest: undefined } as never)).toEqual(tf.io.getModelArtifactsForJSONSync({ ...json, weightsManifest: undefined } as never));
    expect(() => wt.io.getModelArtifactsForJSONSync(json as never)).toThrow(/weightsManifest but weightSpecs is missing/);
    const { dateSaved: _a, ...ourInfo } = wt.io.getModelArtifactsInfoForJSON(artifacts as never);
    const { dateSaved: _b, ...theirInfo } = tf.io.getModelArtifactsInfoForJSON(artifacts);
    expect(ourInfo).toEqual(theirInfo);
    const parts = [new Uint8Array([1, 2, 3]).buffer, new Uint8Array([4, 5]).buffer];
    const ours = new wt.io.CompositeArrayBuffer(parts), theirs = new tf.io.CompositeArrayBuffer(parts);
    expect(ours.byteLength).toBe(theirs.byteLength);
    for (const [s, e] of [[0, 5], [1, 4], [2, 3], [3, 5], [4, 4]]) expect(bytesOf(ours.slice(s, e))).toEqual(bytesOf(theirs.slice(s, e)));
    expect(bytesOf(wt.io.CompositeArrayBuffer.join(parts))).toEqual(bytesOf(tf.io.CompositeArrayBuffer.join(parts)));
    for (const u of ['http://a', 'https://b/c', 'HTTP://a', 'file://x', 'httpx://y', 'a/http://']) expect(wt.io.isHTTPScheme(u)).toBe(tf.io.isHTTPScheme(u));
    // what is not a string is refused by name (TF.js's url.match throws a TypeError, or matches an object's toString)
    for (const bad of [Symbol('x'), {}, 3, null]) {
      expect(() => wt.io.isHTTPScheme(bad as never)).toThrow(/io\.isHTTPScheme: expected a URL string, got/);
    }
  });

  test('browserFiles loads a model from File objects (model.json first, weight files in any order)', async () => {
    const { model, artifacts } = await tfjsModel();
    const specs = artifacts.weightSpecs!;
    const data = artifacts.weightData as ArrayBuffer;
    const cut = 16;
    const modelJson = { modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['./shard1', 'shard2'], weights: specs }] };
    const files = [new File([JSON.stringify(modelJson)], 'model.json'), new File([data.slice(cut)], 'shard2'), new File([data.slice(0, cut)], 'shard1')];
    const loaded = await wt.loadLayersModel(wt.io.browserFiles(files));
    const x = [[0.5, -1, 2, 0.25]];
    expect(Array.from(loaded.predict(wt.tensor(x)).dataSync())).toEqual(Array.from((model.predict(tf.tensor(x)) as tf.Tensor).dataSync()).map((v) => expect.closeTo(v, 5)));
    await expect(wt.loadLayersModel(wt.io.browserFiles(files.slice(0, 2)))).rejects.toThrow(/lists 2 files but 1 weight files were given/);
    await expect(wt.loadLayersModel(wt.io.browserFiles([files[0], files[1], new File([], 'other')]))).rejects.toThrow(/weight file 'shard1' is not among the files given/);
    expect(() => wt.io.browserFiles([])).toThrow(/browserFiles: expected an array of File objects/);
  });

  test('a registered router serves a custom URL scheme for loading and saving', async () => {
    const store = new Map<string, tf.io.ModelArtifacts>();
    const router = (url: string | string[]) => {
      const u = String(url);
      if (!u.startsWith('mem://')) return null;
      return {
        load: async () => store.get(u)!,
        save: async (a: tf.io.ModelArtifacts) => (store.set(u, a), { modelArtifactsInfo: wt.io.getModelArtifactsInfoForJSON(a as never) }),
      };
    };
    wt.io.registerLoadRouter(router as never);
    wt.io.registerSaveRouter(router as never);
    const model = wt.sequential({ layers: [wt.layers.dense({ units: 2, inputShape: [3] })] });
    await model.save('mem://m');
    expect(store.has('mem://m')).toBe(true);
    const back = await wt.loadLayersModel('mem://m');
    const x = wt.tensor([[1, 2, 3]]);
    expect(back.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
    expect(wt.io.getLoadHandlers('mem://m')).toHaveLength(1);
    expect(wt.io.getLoadHandlers('https://h/model.json')).toHaveLength(1);
    expect(wt.io.getLoadHandlers('other://m')).toHaveLength(0);
  });
});
