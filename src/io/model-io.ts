// model.save and wg.loadModel. A saved model is model.json (the topology as Keras / TensorFlow.js
// write it: class names, layer configs, inbound nodes, the training config with the optimizer's,
// and a weight manifest) plus weights.safetensors (tensors named layerName/weightName).
// Loading trusts nothing: the JSON's structure, every layer config, the graph (no cycles, no
// dangling references), the file's header and offsets, and every weight's name, dtype and shape
// are checked, and a topology that would allocate more than the weights file holds is refused
// before anything is allocated. Every failure is a WasmgradError saying what is wrong.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { nodeBuiltin } from '../engine/detect.js';
import { fromFlat } from '../creation.js';
import { Layer, LoadContext } from '../layers/layer.js';
import { getLayerClass } from '../layers/registry.js';
import { decodeSafetensorsRecords, mapSafetensorsError, storedRecord } from './safetensors.js';
import { encodeSafetensors as encodeRecords, type StEntry } from './safetensors-format.js';
import { checkJsonBounds, MAX_JSON_DEPTH, MAX_JSON_NODES } from './json-bounds.js';
import type { NamedWeight, SavableModel } from '../models/contracts.js';

export const WEIGHTS_FILE = 'weights.safetensors';
export const MODEL_FILE = 'model.json';
/**
 * Limits on what loadModel reads: the JSON's size, nesting depth and number of values, the layers of a
 * topology (nested models included) and how deep models nest, and the weights (the engine's memory is
 * at most 2 GiB). Each is refused with a WasmgradError that names it.
 */
export const MAX_JSON_BYTES = 64 * 2 ** 20;
export const MAX_WEIGHT_BYTES = 2 ** 31;
export { MAX_JSON_DEPTH, MAX_JSON_NODES };
export const MAX_LAYERS = LoadContext.MAX_LAYERS;
export const MAX_MODEL_NESTING = LoadContext.MAX_NESTING;

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

export async function saveModelArtifacts(model: SavableModel, dir?: string, options: SaveOptions = {}): Promise<ModelArtifacts> {
  if (!model.built || model.outputs.length === 0) throw new WasmgradError(msg`${model.name}.save: the model is not built yet (give the first layer an inputShape, or fit/predict/build it first)`);
  const named = model.namedWeights();
  const entries: Record<string, StEntry> = {};
  for (const w of named) entries[w.name] = storedRecord(w.variable);
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
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: named.map((w) => ({ name: w.name, shape: w.variable.shape.slice(), dtype: entries[w.name].dtype })) }],
  };
  if (dir !== undefined) {
    if (typeof dir !== 'string' || dir.length === 0) throw new WasmgradError(msg`${model.name}.save: dir must be a non-empty path string`);
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
  const none = `${op}: this runtime has no file system; call it without a path to get the artifacts { modelJson, weights }`;
  return { fs: nodeBuiltin('fs/promises', none), path: nodeBuiltin('path', none) };
}

// ---- load -----------------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export async function readLimited(op: string, p: string, limit: number): Promise<Uint8Array> {
  const { fs } = await nodeFs(op);
  let size: number;
  try {
    const st = await fs.stat(p);
    if (!st.isFile()) throw new WasmgradError(msg`${op}: ${p} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof WasmgradError) throw err;
    throw new WasmgradError(msg`${op}: cannot read ${p}: ${(err as Error).message}`);
  }
  if (size > limit) throw new WasmgradError(msg`${op}: ${p} is ${size} bytes, more than the ${limit}-byte limit`);
  const buf = await fs.readFile(p);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export async function fetchLimited(op: string, url: URL, limit: number): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new WasmgradError(msg`${op}: cannot fetch ${url.href}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new WasmgradError(msg`${op}: fetching ${url.href} gave HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new WasmgradError(msg`${op}: ${url.href} is ${declared} bytes, more than the ${limit}-byte limit`);
  const buf = new Uint8Array(await res.arrayBuffer());
  if (buf.length > limit) throw new WasmgradError(msg`${op}: ${url.href} is ${buf.length} bytes, more than the ${limit}-byte limit`);
  return buf;
}

export function parseJson(op: string, bytes: Uint8Array | string): unknown {
  if (typeof bytes !== 'string' && bytes.length > MAX_JSON_BYTES) throw new WasmgradError(msg`${op}: model.json is ${bytes.length} bytes, more than the ${MAX_JSON_BYTES}-byte limit`);
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WasmgradError(msg`${op}: model.json is not valid UTF-8`);
  }
  if (text.length > MAX_JSON_BYTES) throw new WasmgradError(msg`${op}: model.json is longer than the ${MAX_JSON_BYTES}-byte limit`);
  try {
    return JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) throw new WasmgradError(msg`${op}: model.json nests too deeply to parse (the limit is ${MAX_JSON_DEPTH} levels)`);
    throw new WasmgradError(msg`${op}: model.json is not valid JSON: ${(err as Error).message}`);
  }
}

/** Where the artifacts come from. */
async function readArtifacts(source: unknown): Promise<{ json: unknown; weights: (paths: string[]) => Promise<Uint8Array> }> {
  const op = 'loadModel';
  if (isRecord(source) && !(source instanceof URL)) {
    if (!('modelJson' in source)) throw new WasmgradError(msg`${op}: expected a path, a URL or { modelJson, weights }`);
    const json = typeof source.modelJson === 'string' || source.modelJson instanceof Uint8Array ? parseJson(op, source.modelJson as string) : source.modelJson;
    const w = source.weights;
    if (!(w instanceof Uint8Array)) throw new WasmgradError(msg`${op}: artifacts.weights must be a Uint8Array (the safetensors bytes), got ${w === null ? 'null' : typeof w}`);
    return { json, weights: async () => w };
  }
  let url: URL | null = null;
  // TensorFlow.js's relative form 'file://./dir' is a path
  if (typeof source === 'string' && /^file:\/\/(?!\/)/i.test(source)) source = source.slice(7);
  if (source instanceof URL) url = source;
  else if (typeof source === 'string' && /^(https?|file):\/\//i.test(source)) url = new URL(source);
  else if (typeof source !== 'string' || source.length === 0) throw new WasmgradError(msg`${op}: expected a path, a URL or { modelJson, weights }, got ${source === null ? 'null' : typeof source}`);
  if (url && url.protocol !== 'file:') {
    const jsonUrl = url.pathname.endsWith('.json') ? url : new URL(`${url.href.replace(/\/?$/, '/')}${MODEL_FILE}`);
    const json = parseJson(op, await fetchLimited(op, jsonUrl, MAX_JSON_BYTES));
    return {
      json,
      weights: (paths) => {
        const w = new URL(paths[0], jsonUrl);
        if (w.origin !== jsonUrl.origin) throw new WasmgradError(msg`${op}: weight path '${paths[0]}' must stay on ${jsonUrl.origin}`);
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
      if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) throw new WasmgradError(msg`${op}: weight path '${rel}' must stay in the model's folder`);
      return readLimited(op, path.join(dir, rel), MAX_WEIGHT_BYTES);
    },
  };
}

function checkManifest(json: unknown): { topology: { className: string; config: Record<string, unknown> }; manifest: { paths: string[]; weights: WeightSpec[] }; training: Record<string, unknown> | null } {
  const op = 'loadModel: model.json';
  if (!isRecord(json)) throw new WasmgradError(msg`${op} must be a JSON object`);
  // every later step may walk the structure: bound its depth and size first, without recursion
  checkJsonBounds(json, op);
  const topo = json.modelTopology;
  if (!isRecord(topo)) throw new WasmgradError(msg`${op}: modelTopology must be an object`);
  const className = topo.className ?? topo.class_name;
  if (typeof className !== 'string') throw new WasmgradError(msg`${op}: modelTopology.className must be a string`);
  if (!isRecord(topo.config)) throw new WasmgradError(msg`${op}: modelTopology.config must be an object`);
  const groups = json.weightsManifest;
  if (!Array.isArray(groups) || groups.length !== 1 || !isRecord(groups[0])) throw new WasmgradError(msg`${op}: weightsManifest must be an array of one group { paths, weights }`);
  const g = groups[0];
  if (!Array.isArray(g.paths) || g.paths.length !== 1 || typeof g.paths[0] !== 'string' || !g.paths[0]) throw new WasmgradError(msg`${op}: weightsManifest[0].paths must name one file`);
  if (!Array.isArray(g.weights)) throw new WasmgradError(msg`${op}: weightsManifest[0].weights must be an array`);
  const names = new Set<string>();
  const weights = g.weights.map((w, i): WeightSpec => {
    if (!isRecord(w) || typeof w.name !== 'string') throw new WasmgradError(msg`${op}: weightsManifest[0].weights[${i}] must be { name, shape, dtype }`);
    if (names.has(w.name)) throw new WasmgradError(msg`${op}: weight ${quote(w.name)} is listed twice`);
    names.add(w.name);
    const shape = w.shape;
    if (!Array.isArray(shape) || shape.length > 16 || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new WasmgradError(msg`${op}: weight ${quote(w.name)} has an invalid shape ${brief(shape)}; expected up to 16 whole numbers >= 0`);
    if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new WasmgradError(msg`${op}: weight ${quote(w.name)} has dtype ${brief(w.dtype)}, expected float32 or int32`);
    return { name: w.name, shape: shape as number[], dtype: w.dtype };
  });
  const training = json.trainingConfig;
  if (training !== undefined && training !== null && !isRecord(training)) throw new WasmgradError(msg`${op}: trainingConfig must be an object or null`);
  return { topology: { className, config: topo.config }, manifest: { paths: g.paths as string[], weights }, training: (training as Record<string, unknown>) ?? null };
}

/** A file-controlled value for a message: short, and never walked deeply. */
function brief(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return quote(v);
  return v !== null && typeof v === 'object' ? 'an object' : String(v);
}
function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}

/**
 * Loads a model saved by model.save: from a folder or model.json path (Node, Deno, Bun), an
 * http(s) or file URL, or the artifacts { modelJson, weights }. The model comes back compiled when
 * it was saved compiled (with a named loss). Typed as a SavableModel here; the public wg.loadModel
 * (src/models/load.ts) hands it back as the LayersModel it is.
 */
/** The most weight values a topology without weights may create (1 GiB of float32). */
const MAX_FRESH_WEIGHT_VALUES = 1 << 28;

export async function loadModelArtifacts(
  source: string | URL | { modelJson: unknown; weights: Uint8Array },
  /** freshWeights: the artifacts hold a topology alone (TF.js's loader then initializes the weights). */
  options: { freshWeights?: boolean } = {},
): Promise<SavableModel> {
  const op = 'loadModel';
  const { json, weights: readWeights } = await readArtifacts(source);
  const { topology, manifest, training } = checkManifest(json);
  const bytes = await readWeights(manifest.paths);
  const file = manifest.paths[0];
  // a Map: a weight named 'constructor' or '__proto__' is a name like any other
  const tensors = new Map(Object.entries(decodeSafetensorsRecords(bytes, { maxBytes: MAX_WEIGHT_BYTES }).tensors));
  // the manifest and the file agree
  for (const w of manifest.weights) {
    const t = tensors.get(w.name);
    if (!t) throw new WasmgradError(msg`${op}: weight ${quote(w.name)} of the manifest is missing from ${file}`);
    if (t.dtype !== w.dtype || t.shape.join() !== w.shape.join()) {
      throw new WasmgradError(msg`${op}: weight ${quote(w.name)} is ${t.dtype} ${fmtShape(t.shape)} in ${file} but ${w.dtype} ${fmtShape(w.shape)} in the manifest`);
    }
  }
  if (tensors.size !== manifest.weights.length) {
    const listed = new Set(manifest.weights.map((w) => w.name));
    const extra = [...tensors.keys()].filter((n) => !listed.has(n));
    throw new WasmgradError(msg`${op}: ${file} holds tensors the manifest does not list: ${extra.slice(0, 5).map(quote).join(', ')}`);
  }
  // build the model; it may allocate no more weight values than the file holds (fresh: a bound)
  const fresh = options.freshWeights === true && tensors.size === 0;
  let budget = fresh ? MAX_FRESH_WEIGHT_VALUES : 0;
  for (const t of tensors.values()) budget += t.data.length;
  const context = new LoadContext(op, budget, file);
  try {
    let made: unknown;
    try {
      made = getLayerClass(topology.className).fromConfig(topology.config, context);
    } catch (err) {
      if (err instanceof WasmgradError) throw new WasmgradError(err.message.startsWith(`${op}:`) ? err.message : `${op}: ${err.message}`);
      throw new WasmgradError(msg`${op}: invalid model topology: ${(err as Error)?.message ?? String(err)}`);
    }
    const model = made instanceof Layer ? (made.asModel() as SavableModel | null) : null;
    if (!model) throw new WasmgradError(msg`${op}: modelTopology.className ${quote(topology.className)} is not a model`);
    if (!model.built || model.outputs.length === 0) throw new WasmgradError(msg`${op}: the saved topology has no input shape, so its weights cannot be placed`);
    const named = fresh ? [] : model.namedWeights();
    if (named.length !== tensors.size) {
      const have = new Set(named.map((w) => w.name));
      const extra = [...tensors.keys()].filter((n) => !have.has(n));
      const missing = named.filter((w) => !tensors.has(w.name)).map((w) => w.name);
      throw new WasmgradError(msg`${op}: the topology has ${named.length} weights, the file ${tensors.size}${missing.length ? `; missing: ${missing.slice(0, 5).map(quote).join(', ')}` : ''}${extra.length ? `; not in the model: ${extra.slice(0, 5).map(quote).join(', ')}` : ''}`);
    }
    const fileNames = fileNamesOf(named, tensors);
    for (const w of named) {
      const t = tensors.get(fileNames.get(w)!);
      if (!t) throw new WasmgradError(msg`${op}: the model's weight ${quote(w.name)} is not in ${file}`);
      if (t.dtype !== w.variable.dtype || t.shape.join() !== w.variable.shape.join()) {
        throw new WasmgradError(msg`${op}: weight ${quote(w.name)} is ${t.dtype} ${fmtShape(t.shape)} in the file, but the topology needs ${w.variable.dtype} ${fmtShape(w.variable.shape)}`);
      }
    }
    for (const w of named) {
      const t = tensors.get(fileNames.get(w)!)!;
      const value = fromFlat(t.data, t.shape, t.dtype);
      try {
        w.variable.assign(value);
      } finally {
        value.dispose();
      }
    }
    if (training) compileFromConfig(model, training);
    context.release();
    return model;
  } catch (err) {
    // nothing made from the file survives a failed load
    for (const l of context.layers) l.dispose();
    context.release();
    if (err instanceof WasmgradError) throw err;
    throw new WasmgradError(msg`${op}: ${(err as Error)?.message ?? String(err)}`);
  }
}

function compileFromConfig(model: SavableModel, training: Record<string, unknown>): void {
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
  if (perOutput && perOutput.length !== names.length) throw new WasmgradError(msg`loadModel: trainingConfig.metrics has ${perOutput.length} lists for ${names.length} outputs`);
  const lossWeights = training.lossWeights;
  if (lossWeights !== undefined && !(Array.isArray(lossWeights) && lossWeights.every((w) => typeof w === 'number'))) throw new WasmgradError('loadModel: trainingConfig.lossWeights must be a list of numbers');
  try {
    model.compile({
      optimizer: { className: opt.className, config: isRecord(opt.config) ? opt.config : {} },
      loss: loss as string | string[],
      metrics: perOutput ? Object.fromEntries(names.map((n, i) => [n, perOutput![i]])) : undefined,
      lossWeights: lossWeights as number[] | undefined,
    });
  } catch (err) {
    if (err instanceof WasmgradError) throw new WasmgradError(msg`loadModel: trainingConfig: ${err.message}`);
    throw err;
  }
}

/**
 * Each weight's name in the file: its own, or, when the file lacks it, the longest ending of it
 * after a '/' that the file has and no other weight is named (TF.js names the weights of a model
 * nested in another, built before, without the nested model's name). Each file name serves once.
 */
function fileNamesOf(named: readonly NamedWeight[], tensors: ReadonlyMap<string, unknown>): Map<NamedWeight, string> {
  const own = new Set(named.map((w) => w.name));
  const used = new Set<string>();
  const out = new Map<NamedWeight, string>();
  for (const w of named) {
    let name = w.name;
    if (!tensors.has(name)) {
      const parts = name.split('/');
      for (let i = 1; i < parts.length - 1; i++) {
        const tail = parts.slice(i).join('/');
        if (tensors.has(tail) && !own.has(tail) && !used.has(tail)) {
          name = tail;
          break;
        }
      }
    }
    used.add(name);
    out.set(w, name);
  }
  return out;
}
