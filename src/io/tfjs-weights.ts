// TF.js's weight helpers of tf.io: encodeWeights / decodeWeights (the weights.bin layout),
// loadWeights and weightsLoaderFactory (a manifest's shards fetched, some or all weights decoded),
// the model.json helpers (getModelArtifactsForJSON, getWeightSpecs, ...), CompositeArrayBuffer, and
// browserFiles (a model chosen in a file input). Decoding goes through the loader's checked reader.
import { WasmgradError, describeValue, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { MAX_WEIGHT_BYTES, parseJson, MAX_JSON_BYTES } from './model-io.js';
import { concatBuffers, asBytes, weightBytes, decodeTfjsWeights, flattenManifest, type TfjsArtifacts, type TfjsManifestGroup, type TfjsWeightSpec, type IOHandler } from './tfjs-format.js';

type WeightData = ArrayBuffer | ArrayBuffer[];
type NamedTensorMap = Record<string, Tensor>;

/** Several buffers read as one (TF.js's CompositeArrayBuffer). */
export class CompositeArrayBuffer {
  private readonly whole: Uint8Array;
  constructor(buffers?: WeightData | ArrayBufferView | ArrayBufferView[]) {
    this.whole = weightBytes(buffers, 'io.CompositeArrayBuffer');
  }
  get byteLength(): number {
    return this.whole.byteLength;
  }
  slice(start = 0, end = this.byteLength): ArrayBuffer {
    return this.whole.slice(start, end).buffer as ArrayBuffer;
  }
  /** The buffers concatenated into one ArrayBuffer. */
  static join(buffers?: WeightData): ArrayBuffer {
    return new CompositeArrayBuffer(buffers).slice();
  }
}

export function concatenateArrayBuffers(buffers: WeightData): ArrayBuffer {
  return CompositeArrayBuffer.join(buffers);
}

/** Tensors as TF.js's weight specs and one buffer of their values (float32 and int32, little-endian). */
export async function encodeWeights(
  tensors: NamedTensorMap | { name: string; tensor: Tensor }[], group?: string,
): Promise<{ data: ArrayBuffer; specs: TfjsWeightSpec[] }> {
  const op = 'io.encodeWeights';
  if (!tensors || typeof tensors !== 'object') throw new WasmgradError(msg`${op}: expected { name: Tensor } or [{ name, tensor }]`);
  const named: [string, unknown][] = Array.isArray(tensors) ? tensors.map((e) => [e?.name, e?.tensor]) : Object.entries(tensors);
  const specs: TfjsWeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const [name, t] of named) {
    if (typeof name !== 'string') throw new WasmgradError(msg`${op}: every weight needs a string name, got ${jsonOf(name)}`);
    if (!(t instanceof Tensor)) throw new WasmgradError(msg`${op}: weight '${name}' must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.isDisposed) throw new WasmgradError(msg`${op}: weight '${name}' is disposed`);
    const values = t.dataSync();
    parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    specs.push({ name, shape: t.shape.slice(), dtype: t.dtype, ...(group != null ? { group } : {}) } as TfjsWeightSpec);
  }
  return { data: concatBuffers(parts).buffer as ArrayBuffer, specs };
}

/** The tensors that specs describe, read in order from the buffer (quantized weights dequantized). */
export function decodeWeights(data: WeightData | ArrayBufferView, specs: TfjsWeightSpec[]): NamedTensorMap {
  const op = 'io.decodeWeights';
  if (!Array.isArray(specs)) throw new WasmgradError(msg`${op}: specs must be an array of { name, shape, dtype }`);
  const bytes = new Uint8Array(new CompositeArrayBuffer(data).slice());
  const records = decodeTfjsWeights(specs, bytes, op, false);
  // (bool weights are read as int32 0 / 1; the tensor is bool again, as its spec says)
  const isBool = new Set(specs.filter((s) => (s.quantization?.original_dtype ?? s.dtype) === 'bool').map((s) => s.name));
  const out: NamedTensorMap = {};
  for (const [name, r] of Object.entries(records)) out[name] = fromFlat(r.data, r.shape, isBool.has(name) ? 'bool' : r.dtype);
  return out;
}

/** Reads the whole stream, then decodes it as decodeWeights does. */
export async function decodeWeightsStream(stream: ReadableStream<ArrayBuffer | Uint8Array>, specs: TfjsWeightSpec[]): Promise<NamedTensorMap> {
  const op = 'io.decodeWeightsStream';
  if (!stream || typeof (stream as ReadableStream).getReader !== 'function') throw new WasmgradError(msg`${op}: expected a ReadableStream`);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = asBytes(op, value, chunks.length);
    total += chunk.byteLength;
    if (total > MAX_WEIGHT_BYTES) throw new WasmgradError(msg`${op}: the stream holds more than ${MAX_WEIGHT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return decodeWeights(concatBuffers(chunks), specs);
}

export function getWeightSpecs(weightsManifest: TfjsManifestGroup[]): TfjsWeightSpec[] {
  return flattenManifest(weightsManifest).specs;
}

export function isHTTPScheme(url: string): boolean {
  if (typeof url !== 'string') throw new WasmgradError(msg`io.isHTTPScheme: expected a URL string, got ${describeValue(url)}`);
  return /^https?:\/\//.test(url);
}

type ModelJsonLike = Record<string, unknown> & { modelTopology?: unknown; weightsManifest?: TfjsManifestGroup[] };
const OPTIONAL_KEYS = ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'];

/** The artifacts of a model.json whose weights are given (TF.js's getModelArtifactsForJSONSync). */
export function getModelArtifactsForJSONSync(modelJSON: ModelJsonLike, weightSpecs?: TfjsWeightSpec[], weightData?: WeightData): TfjsArtifacts {
  const op = 'io.getModelArtifactsForJSON';
  if (!modelJSON || typeof modelJSON !== 'object') throw new WasmgradError(msg`${op}: expected the model.json object`);
  const a: Record<string, unknown> = {
    modelTopology: modelJSON.modelTopology, format: modelJSON.format, generatedBy: modelJSON.generatedBy, convertedBy: modelJSON.convertedBy,
  };
  for (const k of OPTIONAL_KEYS) if (modelJSON[k] != null) a[k] = modelJSON[k];
  if (modelJSON.weightsManifest != null) {
    if (!weightSpecs) throw new WasmgradError(msg`${op}: modelJSON has a weightsManifest but weightSpecs is missing`);
    if (!weightData) throw new WasmgradError(msg`${op}: modelJSON has a weightsManifest but weightData is missing`);
    a.weightSpecs = weightSpecs;
    a.weightData = weightData;
  }
  return a as unknown as TfjsArtifacts;
}

/** The artifacts of a model.json, its weights read by loadWeights(manifest) => [specs, data]. */
export async function getModelArtifactsForJSON(
  modelJSON: ModelJsonLike, loadWeights: (manifest: TfjsManifestGroup[]) => Promise<[TfjsWeightSpec[], WeightData]>,
): Promise<TfjsArtifacts> {
  if (modelJSON?.weightsManifest == null) return getModelArtifactsForJSONSync(modelJSON);
  const [specs, data] = await loadWeights(modelJSON.weightsManifest);
  return getModelArtifactsForJSONSync(modelJSON, specs, data);
}

/** UTF-8 bytes of a string. */
const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** What a save reports about artifacts (byte counts of the JSON parts and the weights). */
export function getModelArtifactsInfoForJSON(a: TfjsArtifacts) {
  const op = 'io.getModelArtifactsInfoForJSON';
  if (a === null || typeof a !== 'object') throw new WasmgradError(msg`${op}: expected artifacts { modelTopology, weightSpecs, weightData }, got ${describeValue(a)}`);
  if (a.modelTopology instanceof ArrayBuffer) throw new WasmgradError(msg`${op}: expected a JSON model topology, got an ArrayBuffer`);
  const jsonBytes = (v: unknown, what: string) => {
    try {
      return v == null ? 0 : utf8Length(JSON.stringify(v));
    } catch (err) {
      throw new WasmgradError(msg`${op}: ${what} is not JSON: ${(err as Error).message}`);
    }
  };
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON' as const,
    modelTopologyBytes: jsonBytes(a.modelTopology, 'modelTopology'),
    weightSpecsBytes: jsonBytes(a.weightSpecs, 'weightSpecs'),
    weightDataBytes: a.weightData == null ? 0 : new CompositeArrayBuffer(a.weightData).byteLength,
  };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * A loader of a manifest's weights (all, or those named) from its shards, fetched by
 * fetchWeights(urls) as filePathPrefix/path; only the groups holding a wanted weight are fetched.
 */
export function weightsLoaderFactory(fetchWeights: (urls: string[]) => Promise<ArrayBuffer[]>) {
  const op = 'io.loadWeights';
  if (typeof fetchWeights !== 'function') throw new WasmgradError('io.weightsLoaderFactory: expected a function (urls) => Promise<ArrayBuffer[]>');
  return async (manifest: TfjsManifestGroup[], filePathPrefix = '', weightNames?: string[]): Promise<NamedTensorMap> => {
    for (const w of flattenManifest(manifest).specs) {
      const stored = w?.quantization?.dtype ?? w?.dtype;
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || w.shape.some((d) => !Number.isSafeInteger(d) || d < 0) || !Object.hasOwn(DTYPE_BYTES, stored)) {
        throw new WasmgradError(msg`${op}: every manifest weight must be { name, shape, dtype } with a known dtype, got ${jsonOf(w)?.slice(0, 120)}`);
      }
    }
    const wanted = weightNames == null ? null : new Set(weightNames);
    const all = manifest.flatMap((g) => g.weights.map((w) => w.name));
    const missing = weightNames?.filter((n) => !all.includes(n)) ?? [];
    if (missing.length > 0) throw new WasmgradError(msg`${op}: no weights named ${missing.join(', ')} in the manifest (it has ${all.join(', ')})`);
    const groups = manifest.filter((g) => g.weights.some((w) => wanted === null || wanted.has(w.name)));
    const join = (p: string) => filePathPrefix + (filePathPrefix.endsWith('/') ? '' : '/') + p;
    const buffers = await fetchWeights(groups.flatMap((g) => g.paths.map(join)));
    if (!Array.isArray(buffers)) throw new WasmgradError(msg`${op}: the fetch function must resolve to an array of ArrayBuffers`);
    const out: NamedTensorMap = {};
    let next = 0;
    try {
      for (const g of groups) {
        const bytes = new Uint8Array(new CompositeArrayBuffer(buffers.slice(next, next + g.paths.length)).slice());
        next += g.paths.length;
        let offset = 0;
        for (const w of g.weights) {
          const size = DTYPE_BYTES[w.quantization?.dtype ?? w.dtype] * w.shape.reduce((a, b) => a * b, 1);
          if (wanted === null || wanted.has(w.name)) Object.assign(out, decodeWeights(bytes.subarray(offset), [w]));
          offset += size;
        }
      }
    } catch (err) {
      for (const t of Object.values(out)) t.dispose();
      throw err;
    }
    return out;
  };
}

/** A manifest's weights fetched with fetch(prefix/path, requestInit) and decoded. */
export function loadWeights(manifest: TfjsManifestGroup[], filePathPrefix = '', weightNames?: string[], requestInit?: RequestInit): Promise<NamedTensorMap> {
  const fetchAll = (urls: string[]) => Promise.all(urls.map(async (url) => {
    const res = await fetch(url, requestInit);
    if (!res.ok) throw new WasmgradError(msg`io.loadWeights: could not load ${url}: HTTP ${res.status}`);
    return res.arrayBuffer();
  }));
  return weightsLoaderFactory(fetchAll)(manifest, filePathPrefix, weightNames);
}

/** A handler loading a model from File objects: model.json first, then its weight files (any order). */
export function browserFiles(files: Blob[]): IOHandler {
  const op = 'io.browserFiles';
  if (!Array.isArray(files) || files.length < 1 || !files.every((f) => f && typeof (f as Blob).arrayBuffer === 'function')) {
    throw new WasmgradError(msg`${op}: expected an array of File objects, model.json first and then its weight files`);
  }
  return {
    load: async () => {
      const [jsonFile, ...weightFiles] = files as (Blob & { name?: string })[];
      if (jsonFile.size > MAX_JSON_BYTES) throw new WasmgradError(msg`${op}: ${jsonFile.name ?? 'the JSON file'} is larger than ${MAX_JSON_BYTES} bytes`);
      const json = parseJson(op, new Uint8Array(await jsonFile.arrayBuffer())) as ModelJsonLike;
      if (!json || typeof json !== 'object' || json.modelTopology == null) throw new WasmgradError(msg`${op}: ${jsonFile.name ?? 'the JSON file'} has no modelTopology`);
      if (json.weightsManifest == null) return getModelArtifactsForJSONSync(json);
      const { paths, specs } = flattenManifest(json.weightsManifest);
      if (paths.length !== weightFiles.length) {
        throw new WasmgradError(msg`${op}: the weights manifest lists ${paths.length} files but ${weightFiles.length} weight files were given`);
      }
      const byName = new Map(weightFiles.map((f) => [f.name ?? '', f]));
      const shards: Uint8Array[] = [];
      let total = 0;
      for (const p of paths) {
        const base = p.split('/').pop() ?? p;
        const f = byName.get(base);
        if (!f) throw new WasmgradError(msg`${op}: the weight file '${base}' is not among the files given`);
        total += f.size;
        if (total > MAX_WEIGHT_BYTES) throw new WasmgradError(msg`${op}: the weight files hold more than ${MAX_WEIGHT_BYTES} bytes`);
        shards.push(new Uint8Array(await f.arrayBuffer()));
      }
      return getModelArtifactsForJSONSync(json, specs, concatBuffers(shards).buffer as ArrayBuffer);
    },
  };
}
