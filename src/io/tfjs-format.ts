// TensorFlow.js's layers-model format (model.json + weights.bin shards), both ways. TF.js writes the
// Keras topology in Python's spelling (snake_case keys, class_name, "hard_sigmoid"); wasmgrad's own
// model.json is the same topology in TF.js's JavaScript spelling. Loading converts the topology,
// reads the weights of every manifest group (float32, int32, and the converter's quantized uint8,
// uint16 and float16, dequantized), and hands both to the same checked loader as wasmgrad's own
// format; saving does the reverse. Nothing here recurses on file data without a depth bound.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { encodeSafetensors as encodeRecords, type StEntry } from './safetensors-format.js';
import { mapSafetensorsError } from './safetensors.js';
import type { ModelJson, WeightSpec } from './model-io.js';

/** What TF.js's IOHandlers pass around (tf.io.ModelArtifacts). */
export interface TfjsArtifacts {
  modelTopology: Record<string, unknown> | ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightSpecs?: TfjsWeightSpec[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  trainingConfig?: Record<string, unknown> | null;
  userDefinedMetadata?: Record<string, unknown>;
}

export interface SaveResult {
  modelArtifactsInfo: { dateSaved: Date; modelTopologyType: 'JSON'; modelTopologyBytes?: number; weightSpecsBytes?: number; weightDataBytes?: number };
  responses?: unknown[];
}

/** tf.io.IOHandler: where a model comes from or goes to. */
export interface IOHandler {
  load?(): Promise<TfjsArtifacts>;
  save?(artifacts: TfjsArtifacts): Promise<SaveResult>;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number; original_dtype?: string };
}

/** A model.json manifest group, as TF.js and its converter write it. */
export interface TfjsManifestGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

const MAX_DEPTH = 64;

const snakeToCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const camelToSnake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** String values TF.js spells differently in its Python form (keys whose value is an enumeration). */
const ENUM_KEYS = new Set(['activation', 'recurrentActivation', 'mode', 'distribution', 'dataFormat', 'interpolation', 'padding', 'mergeMode']);
const PY_VALUES: Record<string, string> = {
  hard_sigmoid: 'hardSigmoid', fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg', truncated_normal: 'truncatedNormal',
  untruncated_normal: 'normal', channels_last: 'channelsLast', channels_first: 'channelsFirst', leaky_relu: 'leakyRelu', log_softmax: 'logSoftmax',
};
const JS_VALUES: Record<string, string> = Object.fromEntries(Object.entries(PY_VALUES).filter(([k]) => k !== 'untruncated_normal').map(([k, v]) => [v, k]));

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v);
}

/** Keys converted, enumerated values respelled; layer names and other data are left alone. */
function convertKeys(v: unknown, key: (k: string) => string, values: Record<string, string>, toJs: boolean, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new WasmgradError(msg`loadLayersModel: model.json is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(v)) return v.map((x) => convertKeys(x, key, values, toJs, depth + 1));
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(v)) {
    const nk = key(k);
    let x = v[k];
    // absent in JSON; TF.js's reader chokes on undefined
    if (x === undefined) continue;
    // TF.js writes an unset seed as null; wasmgrad's initializers take a number or nothing
    if (toJs && nk === 'seed' && x === null) continue;
    const enumKey = toJs ? nk : k;
    if (typeof x === 'string' && ENUM_KEYS.has(enumKey) && Object.hasOwn(values, x)) x = values[x];
    out[nk] = convertKeys(x, key, values, toJs, depth + 1);
  }
  return { ...out };
}

/**
 * Keras 3 writes a node's inputs as { args: [KerasTensor | [KerasTensor ...]], kwargs }, each
 * KerasTensor { class_name: '__keras_tensor__', config: { keras_history: [layer, node, index] } };
 * Keras 2 and TF.js write [[layer, node, index, kwargs] ...]. The latter is what the loader reads.
 */
function kerasNodes(nodes: unknown): unknown {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((node) => {
    if (!isRecord(node) || !Array.isArray(node.args)) return node;
    const refs: unknown[] = [];
    const visit = (a: unknown, depth: number) => {
      if (depth > 4) return;
      if (Array.isArray(a)) a.forEach((x) => visit(x, depth + 1));
      else if (isRecord(a) && a.class_name === '__keras_tensor__' && isRecord(a.config) && Array.isArray(a.config.keras_history)) {
        refs.push([...(a.config.keras_history as unknown[]).slice(0, 3), {}]);
      }
    };
    visit(node.args, 0);
    return refs;
  });
}

/** A Keras / TF.js topology (Python spelling) in wasmgrad's spelling. */
export function topologyFromTfjs(topology: unknown): { className: string; config: Record<string, unknown> } {
  if (!isRecord(topology)) throw new WasmgradError('loadLayersModel: modelTopology must be a JSON object');
  // a Keras H5-converted model.json nests the topology under model_config
  const t = isRecord(topology.model_config) ? topology.model_config : topology;
  const className = t.class_name ?? t.className;
  if (typeof className !== 'string') throw new WasmgradError('loadLayersModel: modelTopology.class_name must be a string');
  if (!isRecord(t.config)) throw new WasmgradError('loadLayersModel: modelTopology.config must be an object');
  const layers = Array.isArray(t.config.layers) ? t.config.layers.map((l) => (isRecord(l) && 'inbound_nodes' in l ? { ...l, inbound_nodes: kerasNodes(l.inbound_nodes) } : l)) : t.config.layers;
  const config = convertKeys({ ...t.config, layers }, snakeToCamel, PY_VALUES, true) as Record<string, unknown>;
  if (className === 'Sequential') sequentialInput(config);
  markTfjsDefaults(config, 0);
  return { className: className === 'Functional' ? 'Model' : className, config };
}

/** Keras 3 lists the input of a Sequential as an InputLayer: it becomes the first layer's batchInputShape. */
function sequentialInput(config: Record<string, unknown>): void {
  const layers = config.layers;
  if (!Array.isArray(layers) || layers.length === 0 || !isRecord(layers[0]) || layers[0].className !== 'InputLayer') return;
  const input = layers[0].config as Record<string, unknown>;
  const shape = input.batchInputShape ?? input.batchShape;
  layers.shift();
  if (shape && isRecord(layers[0]) && isRecord(layers[0].config)) layers[0] = { ...layers[0], config: { ...layers[0].config, batchInputShape: shape, dtype: input.dtype ?? layers[0].config.dtype } };
}

/**
 * Defaults that differ between TF.js (which wrote the file) and wasmgrad's Keras 3 defaults: a
 * GRU saved without reset_after is TF.js's reset-before GRU; a recurrent layer saved without a
 * recurrent activation used TF.js's hard sigmoid.
 */
function markTfjsDefaults(config: Record<string, unknown>, depth: number): void {
  if (depth > 8 || !Array.isArray(config.layers)) return;
  for (const spec of config.layers) {
    if (!isRecord(spec) || !isRecord(spec.config)) continue;
    const c = spec.config;
    const inner = isRecord(c.layer) && isRecord(c.layer.config) ? c.layer : null;
    for (const s of inner ? [spec, inner] : [spec]) {
      const sc = s.config as Record<string, unknown>;
      if (s.className === 'GRU' && sc.resetAfter === undefined) sc.resetAfter = false;
      if ((s.className === 'GRU' || s.className === 'LSTM') && sc.recurrentActivation === undefined) sc.recurrentActivation = 'hardSigmoid';
    }
    if (Array.isArray(c.layers)) markTfjsDefaults(c, depth + 1);
  }
}

/** wasmgrad's topology in the Keras / TF.js spelling that tf.loadLayersModel reads. */
export function topologyToTfjs(topology: { className: string; config: Record<string, unknown> }): Record<string, unknown> {
  const config = convertKeys(topology.config, camelToSnake, JS_VALUES, false) as Record<string, unknown>;
  // Keras's names for two keys that are not plain snake_case in TF.js
  return { class_name: topology.className === 'Functional' ? 'Model' : topology.className, config, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}

// ---- weights ----------------------------------------------------------------------------------------

function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

/**
 * The weights of a manifest, read from their concatenated bytes, as named records; `exact`: the
 * bytes must hold the weights and nothing more (a model's files), else bytes after them are ignored.
 */
export function decodeTfjsWeights(specs: readonly TfjsWeightSpec[], data: Uint8Array, op = 'loadLayersModel', exact = true): Record<string, StEntry> {
  const out: Record<string, StEntry> = Object.create(null);
  let offset = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  specs.forEach((w, i) => {
    if (!isRecord(w) || typeof w.name !== 'string') throw new WasmgradError(msg`${op}: weight spec ${i} must be { name, shape, dtype }`);
    if (Object.hasOwn(out, w.name)) throw new WasmgradError(msg`${op}: weight '${w.name}' is listed twice`);
    if (!Array.isArray(w.shape) || w.shape.length > 16 || w.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new WasmgradError(msg`${op}: weight '${w.name}' has an invalid shape ${jsonOf(w.shape)?.slice(0, 60)}`);
    const n = w.shape.reduce((a, b) => a * b, 1);
    const q = w.quantization;
    const stored = q ? q.dtype : w.dtype;
    const target = q ? (q.original_dtype ?? w.dtype) : w.dtype;
    if (!Object.hasOwn(BYTES, stored) || (target !== 'float32' && target !== 'int32' && target !== 'bool')) {
      throw new WasmgradError(msg`${op}: weight '${w.name}' has dtype ${jsonOf(stored)}${q ? ' (quantized)' : ''}; expected float32, int32, bool, or quantized uint8, uint16 or float16`);
    }
    const bytes = n * BYTES[stored];
    if (!Number.isSafeInteger(bytes) || offset + bytes > data.length) {
      throw new WasmgradError(msg`${op}: weight '${w.name}' ${jsonOf(w.shape)} needs ${bytes} bytes at offset ${offset}, but the weight files hold ${data.length}`);
    }
    const isInt = target === 'int32' || target === 'bool';
    const values = isInt ? new Int32Array(n) : new Float32Array(n);
    if (stored === 'float32') for (let k = 0; k < n; k++) values[k] = view.getFloat32(offset + 4 * k, true);
    else if (stored === 'int32') for (let k = 0; k < n; k++) values[k] = view.getInt32(offset + 4 * k, true);
    else if (stored === 'bool') for (let k = 0; k < n; k++) values[k] = data[offset + k] ? 1 : 0;
    else if (stored === 'float16') for (let k = 0; k < n; k++) values[k] = float16ToFloat32(view.getUint16(offset + 2 * k, true));
    else {
      const scale = q!.scale, min = q!.min;
      if (typeof scale !== 'number' || typeof min !== 'number' || !Number.isFinite(scale) || !Number.isFinite(min)) {
        throw new WasmgradError(msg`${op}: quantized weight '${w.name}' needs numbers quantization.scale and quantization.min`);
      }
      for (let k = 0; k < n; k++) {
        const v = stored === 'uint8' ? data[offset + k] : view.getUint16(offset + 2 * k, true);
        values[k] = v * scale + min;
      }
    }
    offset += bytes;
    out[w.name] = { dtype: isInt ? 'int32' : 'float32', shape: w.shape.slice(), data: values };
  });
  if (exact && offset !== data.length) throw new WasmgradError(msg`${op}: the weight files hold ${data.length} bytes, the manifest describes ${offset}`);
  return out;
}

/** Concatenated shards, in order. */
export function concatBuffers(parts: readonly unknown[], op = 'weightData'): Uint8Array {
  const bytes = parts.map((p, i) => asBytes(op, p, i));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.byteLength, 0));
  let o = 0;
  for (const b of bytes) {
    out.set(b, o);
    o += b.byteLength;
  }
  return out;
}

/** A model's weightData (none, one buffer or a list of them, as TF.js allows) as one run of bytes. */
export function weightBytes(data: unknown, op = 'weightData'): Uint8Array {
  return concatBuffers(data === undefined || data === null ? [] : Array.isArray(data) ? data : [data], op);
}

/** The bytes of an ArrayBuffer or a typed array; anything else (a file's weightData may be anything) is refused. */
export function asBytes(op: string, b: unknown, i: number): Uint8Array {
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw new WasmgradError(msg`${op}: buffer ${i} must be an ArrayBuffer or a typed array, got ${b === null ? 'null' : typeof b}`);
}

/**
 * TF.js artifacts as wasmgrad's own { modelJson, weights } (safetensors), for the checked loader.
 */
export function artifactsFromTfjs(a: TfjsArtifacts): { modelJson: ModelJson; weights: Uint8Array; freshWeights: boolean } {
  const op = 'loadLayersModel';
  if (!isRecord(a)) throw new WasmgradError(msg`${op}: expected model artifacts { modelTopology, weightSpecs, weightData }`);
  if (a.modelTopology instanceof ArrayBuffer) throw new WasmgradError(msg`${op}: a binary (GraphDef) topology is a graph model, not a layers model`);
  const topology = topologyFromTfjs(a.modelTopology);
  const specs = a.weightSpecs ?? [];
  if (!Array.isArray(specs)) throw new WasmgradError(msg`${op}: weightSpecs must be an array`);
  const data = weightBytes(a.weightData);
  const records = decodeTfjsWeights(specs, data);
  const weights: WeightSpec[] = Object.keys(records).map((name) => ({ name, shape: records[name].shape, dtype: records[name].dtype }));
  const bytes = mapSafetensorsError(op, () => encodeRecords({ ...records }, { format: 'tfjs' }));
  const training = isRecord(a.trainingConfig) ? (convertKeys(a.trainingConfig, snakeToCamel, PY_VALUES, true) as Record<string, unknown>) : null;
  return {
    modelJson: {
      format: 'wasmgrad-layers-model', formatVersion: 1, generatedBy: String(a.generatedBy ?? 'TensorFlow.js'),
      modelTopology: topology, trainingConfig: training, weightsManifest: [{ paths: ['weights.safetensors'], weights }],
    },
    weights: bytes,
    // a topology alone: TF.js initializes the weights
    freshWeights: a.weightSpecs === undefined && a.weightData === undefined,
  };
}

/** The manifest of a model.json, flattened: every group's shard paths and weights, in order. */
export function flattenManifest(manifest: unknown): { paths: string[]; specs: TfjsWeightSpec[] } {
  const op = 'loadLayersModel: model.json';
  if (!Array.isArray(manifest)) throw new WasmgradError(msg`${op}: weightsManifest must be an array of { paths, weights }`);
  const paths: string[] = [], specs: TfjsWeightSpec[] = [];
  manifest.forEach((g, i) => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) throw new WasmgradError(msg`${op}: weightsManifest[${i}] must be { paths, weights }`);
    for (const p of g.paths) {
      if (typeof p !== 'string' || p.length === 0) throw new WasmgradError(msg`${op}: weightsManifest[${i}].paths must be file names`);
      paths.push(p);
    }
    specs.push(...(g.weights as TfjsWeightSpec[]));
  });
  return { paths, specs };
}
