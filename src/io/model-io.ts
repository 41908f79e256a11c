// model.save and wg.loadModel. A saved model is model.json (the topology as Keras / TensorFlow.js
// write it: class names, layer configs, inbound nodes, the training config with the optimizer's,
// and a weight manifest) plus weights.safetensors (tensors named layerName/weightName).
// Loading trusts nothing: the JSON's structure, every layer config, the graph (no cycles, no
// dangling references), the file's header and offsets, and every weight's name, dtype and shape
// are checked, and a topology that would allocate more than the weights file holds is refused
// before anything is allocated. Every failure is a WasmgradError saying what is wrong.
import { WasmgradError, fmtShape } from '../errors.js';
import { fromFlat } from '../creation.js';
import { Layer, getLayerClass, setWeightGuard } from '../layers/layer.js';
import { decodeSafetensorsRecords, mapSafetensorsError } from './safetensors.js';
import { encodeSafetensors as encodeRecords, type StEntry } from './safetensors-format.js';
import type { LayersModel } from '../models/model.js';

export const WEIGHTS_FILE = 'weights.safetensors';
export const MODEL_FILE = 'model.json';
/** Limits on what loadModel reads: the JSON, and the weights (the engine's memory is at most 2 GiB). */
export const MAX_JSON_BYTES = 64 * 2 ** 20;
export const MAX_WEIGHT_BYTES = 2 ** 31;

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface ModelJson {
  format: string;
  formatVersion: number;
  generatedBy: string;
  modelTopology: { className: string; config: Record<string, unknown> };
  trainingConfig: Record<string, unknown> | null;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface ModelArtifacts {
  modelJson: ModelJson;
  weights: Uint8Array;
}

export interface SaveOptions {
  /** Include the compiled training config (default true). */
  includeTrainingConfig?: boolean;
}

// ---- save -----------------------------------------------------------------------------------------

export async function saveModelArtifacts(model: LayersModel, dir?: string, options: SaveOptions = {}): Promise<ModelArtifacts> {
  if (!model.built || model.outputs.length === 0) throw new WasmgradError(`${model.name}.save: the model is not built yet (give the first layer an inputShape, or fit/predict/build it first)`);
  const named = model.namedWeights();
  const entries: Record<string, StEntry> = {};
  for (const w of named) entries[w.name] = { dtype: w.variable.dtype, shape: w.variable.shape.slice(), data: w.variable.dataSync() };
  const weights = mapSafetensorsError(`${model.name}.save`, () => encodeRecords(entries, { format: 'wasmgrad' }));
  const c = model.compiled;
  const trainingConfig = c && options.includeTrainingConfig !== false
    ? { ...c.config, optimizerConfig: { className: c.optimizer.className, config: c.optimizer.getConfig() } }
    : null;
  const modelJson: ModelJson = {
    format: 'wasmgrad-layers-model',
    formatVersion: 1,
    generatedBy: 'wasmgrad',
    modelTopology: { className: model.className, config: model.getConfig() },
    trainingConfig,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: named.map((w) => ({ name: w.name, shape: w.variable.shape.slice(), dtype: w.variable.dtype })) }],
  };
  if (dir !== undefined) {
    if (typeof dir !== 'string' || dir.length === 0) throw new WasmgradError(`${model.name}.save: dir must be a non-empty path string`);
    // TensorFlow.js spells a folder 'file://path'
    if (/^file:\/\//i.test(dir)) dir = dir.startsWith('file:///') ? decodeURIComponent(new URL(dir).pathname) : dir.slice(7);
    const { fs, path } = await nodeFs(`${model.name}.save`);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, MODEL_FILE), JSON.stringify(modelJson, null, 1));
    await fs.writeFile(path.join(dir, WEIGHTS_FILE), weights);
  }
  return { modelJson, weights };
}

export async function nodeFs(op: string): Promise<{ fs: typeof import('node:fs/promises'); path: typeof import('node:path') }> {
  try {
    const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    return { fs, path };
  } catch {
    throw new WasmgradError(`${op}: this runtime has no file system; call it without a path to get the artifacts { modelJson, weights }`);
  }
}

// ---- load -----------------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export async function readLimited(op: string, p: string, limit: number): Promise<Uint8Array> {
  const { fs } = await nodeFs(op);
  let size: number;
  try {
    const st = await fs.stat(p);
    if (!st.isFile()) throw new WasmgradError(`${op}: ${p} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof WasmgradError) throw err;
    throw new WasmgradError(`${op}: cannot read ${p}: ${(err as Error).message}`);
  }
  if (size > limit) throw new WasmgradError(`${op}: ${p} is ${size} bytes, more than the ${limit}-byte limit`);
  const buf = await fs.readFile(p);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export async function fetchLimited(op: string, url: URL, limit: number): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new WasmgradError(`${op}: cannot fetch ${url.href}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new WasmgradError(`${op}: fetching ${url.href} gave HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new WasmgradError(`${op}: ${url.href} is ${declared} bytes, more than the ${limit}-byte limit`);
  const buf = new Uint8Array(await res.arrayBuffer());
  if (buf.length > limit) throw new WasmgradError(`${op}: ${url.href} is ${buf.length} bytes, more than the ${limit}-byte limit`);
  return buf;
}

export function parseJson(op: string, bytes: Uint8Array | string): unknown {
  if (typeof bytes !== 'string' && bytes.length > MAX_JSON_BYTES) throw new WasmgradError(`${op}: model.json is ${bytes.length} bytes, more than the ${MAX_JSON_BYTES}-byte limit`);
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WasmgradError(`${op}: model.json is not valid UTF-8`);
  }
  if (text.length > MAX_JSON_BYTES) throw new WasmgradError(`${op}: model.json is longer than the ${MAX_JSON_BYTES}-byte limit`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new WasmgradError(`${op}: model.json is not valid JSON: ${(err as Error).message}`);
  }
}

/** Where the artifacts come from. */
async function readArtifacts(source: unknown): Promise<{ json: unknown; weights: (paths: string[]) => Promise<Uint8Array> }> {
  const op = 'loadModel';
  if (isRecord(source) && !(source instanceof URL)) {
    if (!('modelJson' in source)) throw new WasmgradError(`${op}: expected a path, a URL or { modelJson, weights }`);
    const json = typeof source.modelJson === 'string' || source.modelJson instanceof Uint8Array ? parseJson(op, source.modelJson as string) : source.modelJson;
    const w = source.weights;
    if (!(w instanceof Uint8Array)) throw new WasmgradError(`${op}: artifacts.weights must be a Uint8Array (the safetensors bytes), got ${w === null ? 'null' : typeof w}`);
    return { json, weights: async () => w };
  }
  let url: URL | null = null;
  // TensorFlow.js's relative form 'file://./dir' is a path
  if (typeof source === 'string' && /^file:\/\/(?!\/)/i.test(source)) source = source.slice(7);
  if (source instanceof URL) url = source;
  else if (typeof source === 'string' && /^(https?|file):\/\//i.test(source)) url = new URL(source);
  else if (typeof source !== 'string' || source.length === 0) throw new WasmgradError(`${op}: expected a path, a URL or { modelJson, weights }, got ${source === null ? 'null' : typeof source}`);
  if (url && url.protocol !== 'file:') {
    const jsonUrl = url.pathname.endsWith('.json') ? url : new URL(`${url.href.replace(/\/?$/, '/')}${MODEL_FILE}`);
    const json = parseJson(op, await fetchLimited(op, jsonUrl, MAX_JSON_BYTES));
    return {
      json,
      weights: (paths) => {
        const w = new URL(paths[0], jsonUrl);
        if (w.origin !== jsonUrl.origin) throw new WasmgradError(`${op}: weight path '${paths[0]}' must stay on ${jsonUrl.origin}`);
        return fetchLimited(op, w, MAX_WEIGHT_BYTES);
      },
    };
  }
  const { path } = await nodeFs(op);
  let p = url ? decodeURIComponent(url.pathname) : (source as string);
  if (!p.endsWith('.json')) p = path.join(p, MODEL_FILE);
  const json = parseJson(op, await readLimited(op, p, MAX_JSON_BYTES));
  const dir = path.dirname(p);
  return {
    json,
    weights: (paths) => {
      const rel = paths[0];
      if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) throw new WasmgradError(`${op}: weight path '${rel}' must stay in the model's folder`);
      return readLimited(op, path.join(dir, rel), MAX_WEIGHT_BYTES);
    },
  };
}

function checkManifest(json: unknown): { topology: { className: string; config: Record<string, unknown> }; manifest: { paths: string[]; weights: WeightSpec[] }; training: Record<string, unknown> | null } {
  const op = 'loadModel: model.json';
  if (!isRecord(json)) throw new WasmgradError(`${op} must be a JSON object`);
  const topo = json.modelTopology;
  if (!isRecord(topo)) throw new WasmgradError(`${op}: modelTopology must be an object`);
  const className = topo.className ?? topo.class_name;
  if (typeof className !== 'string') throw new WasmgradError(`${op}: modelTopology.className must be a string`);
  if (!isRecord(topo.config)) throw new WasmgradError(`${op}: modelTopology.config must be an object`);
  const groups = json.weightsManifest;
  if (!Array.isArray(groups) || groups.length !== 1 || !isRecord(groups[0])) throw new WasmgradError(`${op}: weightsManifest must be an array of one group { paths, weights }`);
  const g = groups[0];
  if (!Array.isArray(g.paths) || g.paths.length !== 1 || typeof g.paths[0] !== 'string' || !g.paths[0]) throw new WasmgradError(`${op}: weightsManifest[0].paths must name one file`);
  if (!Array.isArray(g.weights)) throw new WasmgradError(`${op}: weightsManifest[0].weights must be an array`);
  const names = new Set<string>();
  const weights = g.weights.map((w, i): WeightSpec => {
    if (!isRecord(w) || typeof w.name !== 'string') throw new WasmgradError(`${op}: weightsManifest[0].weights[${i}] must be { name, shape, dtype }`);
    if (names.has(w.name)) throw new WasmgradError(`${op}: weight '${w.name}' is listed twice`);
    names.add(w.name);
    if (!Array.isArray(w.shape) || w.shape.length > 16 || w.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new WasmgradError(`${op}: weight '${w.name}' has an invalid shape ${JSON.stringify(w.shape)?.slice(0, 60)}`);
    if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new WasmgradError(`${op}: weight '${w.name}' has dtype ${JSON.stringify(w.dtype)}, expected float32 or int32`);
    return { name: w.name, shape: w.shape as number[], dtype: w.dtype };
  });
  const training = json.trainingConfig;
  if (training !== undefined && training !== null && !isRecord(training)) throw new WasmgradError(`${op}: trainingConfig must be an object or null`);
  return { topology: { className, config: topo.config }, manifest: { paths: g.paths as string[], weights }, training: (training as Record<string, unknown>) ?? null };
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Loads a model saved by model.save: from a folder or model.json path (Node, Deno, Bun), an
 * http(s) or file URL, or the artifacts { modelJson, weights }. The model comes back compiled when
 * it was saved compiled (with a named loss).
 */
export async function loadModel(source: string | URL | { modelJson: unknown; weights: Uint8Array }): Promise<LayersModel> {
  const op = 'loadModel';
  const { json, weights: readWeights } = await readArtifacts(source);
  const { topology, manifest, training } = checkManifest(json);
  const bytes = await readWeights(manifest.paths);
  const { tensors } = decodeSafetensorsRecords(bytes, { maxBytes: MAX_WEIGHT_BYTES });
  // the manifest and the file agree
  const fileNames = Object.keys(tensors);
  for (const w of manifest.weights) {
    const t = tensors[w.name];
    if (!t) throw new WasmgradError(`${op}: weight '${w.name}' of the manifest is missing from ${manifest.paths[0]}`);
    if (t.dtype !== w.dtype || t.shape.join() !== w.shape.join()) {
      throw new WasmgradError(`${op}: weight '${w.name}' is ${t.dtype} ${fmtShape(t.shape)} in ${manifest.paths[0]} but ${w.dtype} ${fmtShape(w.shape)} in the manifest`);
    }
  }
  if (fileNames.length !== manifest.weights.length) {
    const listed = new Set(manifest.weights.map((w) => w.name));
    const extra = fileNames.filter((n) => !listed.has(n));
    throw new WasmgradError(`${op}: ${manifest.paths[0]} holds tensors the manifest does not list: ${extra.slice(0, 5).join(', ')}`);
  }
  // build the model; it may allocate no more weight values than the file holds
  const budget = fileNames.reduce((n, k) => n + tensors[k].data.length, 0);
  let used = 0;
  const touched = new Set<Layer>();
  const prev = setWeightGuard((layer, name, shape) => {
    touched.add(layer);
    const size = prod(shape);
    used += size;
    if (!Number.isSafeInteger(size) || used > budget) {
      throw new WasmgradError(`${op}: layer '${layer.name}' would create weight '${name}' ${fmtShape(shape)}, more weight values than ${manifest.paths[0]} holds (${budget})`);
    }
  });
  let model: LayersModel;
  try {
    let made: unknown;
    try {
      made = getLayerClass(topology.className).fromConfig(topology.config);
    } catch (err) {
      if (err instanceof WasmgradError) throw new WasmgradError(`${op}: ${err.message}`);
      throw new WasmgradError(`${op}: invalid model topology: ${(err as Error)?.message ?? String(err)}`);
    }
    if (!(made instanceof Layer) || !('namedWeights' in made)) throw new WasmgradError(`${op}: modelTopology.className '${topology.className}' is not a model`);
    model = made as LayersModel;
    if (!model.built || model.outputs.length === 0) throw new WasmgradError(`${op}: the saved topology has no input shape, so its weights cannot be placed`);
    const named = model.namedWeights();
    if (named.length !== fileNames.length) {
      const have = new Set(named.map((w) => w.name));
      const extra = fileNames.filter((n) => !have.has(n));
      const missing = named.filter((w) => !(w.name in tensors)).map((w) => w.name);
      throw new WasmgradError(`${op}: the topology has ${named.length} weights, the file ${fileNames.length}${missing.length ? `; missing: ${missing.slice(0, 5).join(', ')}` : ''}${extra.length ? `; not in the model: ${extra.slice(0, 5).join(', ')}` : ''}`);
    }
    for (const w of named) {
      const t = tensors[w.name];
      if (!t) throw new WasmgradError(`${op}: the model's weight '${w.name}' is not in ${manifest.paths[0]}`);
      if (t.dtype !== w.variable.dtype || t.shape.join() !== w.variable.shape.join()) {
        throw new WasmgradError(`${op}: weight '${w.name}' is ${t.dtype} ${fmtShape(t.shape)} in the file, but the topology needs ${w.variable.dtype} ${fmtShape(w.variable.shape)}`);
      }
    }
    for (const w of named) {
      const t = tensors[w.name];
      const value = fromFlat(t.data, t.shape, t.dtype);
      try {
        w.variable.assign(value);
      } finally {
        value.dispose();
      }
    }
    if (training) compileFromConfig(model, training);
  } catch (err) {
    for (const l of touched) l.dispose();
    if (err instanceof WasmgradError) throw err;
    throw new WasmgradError(`${op}: ${(err as Error)?.message ?? String(err)}`);
  } finally {
    setWeightGuard(prev);
  }
  return model;
}

function compileFromConfig(model: LayersModel, training: Record<string, unknown>): void {
  const loss = training.loss;
  const lossOk = typeof loss === 'string' || (Array.isArray(loss) && loss.every((l) => typeof l === 'string'));
  if (!lossOk) return; // a custom loss function: the caller compiles again
  const opt = training.optimizerConfig;
  if (!isRecord(opt) || typeof opt.className !== 'string') throw new WasmgradError('loadModel: trainingConfig.optimizerConfig must be { className, config }');
  const metrics = training.metrics;
  let perOutput: string[][] | undefined;
  if (Array.isArray(metrics)) {
    if (!metrics.every((l) => Array.isArray(l) && l.every((m) => typeof m === 'string'))) throw new WasmgradError('loadModel: trainingConfig.metrics must be lists of names');
    perOutput = metrics as string[][];
  }
  const names = model.outputNames;
  if (perOutput && perOutput.length !== names.length) throw new WasmgradError(`loadModel: trainingConfig.metrics has ${perOutput.length} lists for ${names.length} outputs`);
  try {
    model.compile({
      optimizer: { className: opt.className, config: isRecord(opt.config) ? opt.config : {} },
      loss: loss as string | string[],
      metrics: perOutput ? Object.fromEntries(names.map((n, i) => [n, perOutput![i]])) : undefined,
      lossWeights: Array.isArray(training.lossWeights) ? (training.lossWeights as number[]) : undefined,
    });
  } catch (err) {
    if (err instanceof WasmgradError) throw new WasmgradError(`loadModel: trainingConfig: ${err.message}`);
    throw err;
  }
}
