// TensorFlow.js's IO handlers and URL schemes for layers models: tf.io.fromMemory,
// tf.io.withSaveHandler, 'file://' folders (Node, Deno, Bun), http(s) URLs, and any object with
// load() / save(). Loading accepts wasmgrad's own model.json too; every file read is size-limited
// and every weight path must stay in the model's folder (or on the model's origin).
import { WasmgradError, describeValue, msg } from '../errors.js';
import { decodeSafetensorsRecords } from './safetensors.js';
import {
  loadModelArtifacts as loadModel, saveModelArtifacts, nodeFs, readLimited, fetchLimited, parseJson, MAX_JSON_BYTES, MAX_WEIGHT_BYTES, MODEL_FILE, type SaveOptions,
} from './model-io.js';
import { artifactsFromTfjs, flattenManifest, concatBuffers, weightBytes, topologyToTfjs, type TfjsArtifacts, type TfjsWeightSpec, type SaveResult, type IOHandler } from './tfjs-format.js';
import { browserStoreHandler, BROWSER_SCHEME } from './browser-stores.js';

/** The model the savers take and the loaders return (as model-io's own functions type it). */
type SavableModel = Parameters<typeof saveModelArtifacts>[0];
type LoadedModel = Awaited<ReturnType<typeof loadModel>>;

export const TFJS_WEIGHTS_FILE = 'weights.bin';

export type { SaveResult, IOHandler };

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A handler that loads the given artifacts (TF.js's fromMemory, in both of its call forms). */
export function fromMemory(
  modelArtifacts: TfjsArtifacts | Record<string, unknown>, weightSpecs?: TfjsWeightSpec[], weightData?: ArrayBuffer | ArrayBuffer[], trainingConfig?: Record<string, unknown>,
): IOHandler {
  const a = isRecord(modelArtifacts) && 'modelTopology' in modelArtifacts
    ? (modelArtifacts as unknown as TfjsArtifacts)
    : { modelTopology: modelArtifacts as Record<string, unknown>, weightSpecs, weightData, trainingConfig };
  return { load: async () => a };
}

export function fromMemorySync(...args: Parameters<typeof fromMemory>): IOHandler {
  return fromMemory(...args);
}

/** A handler that passes the artifacts to saveHandler. */
export function withSaveHandler(saveHandler: (artifacts: TfjsArtifacts) => Promise<SaveResult>): IOHandler {
  if (typeof saveHandler !== 'function') throw new WasmgradError('io.withSaveHandler: expected a function');
  return { save: saveHandler };
}

export function withSaveHandlerSync(saveHandler: (artifacts: TfjsArtifacts) => SaveResult): IOHandler {
  if (typeof saveHandler !== 'function') throw new WasmgradError('io.withSaveHandlerSync: expected a function');
  return { save: async (a) => saveHandler(a) };
}

function info(a: TfjsArtifacts): SaveResult {
  const data = a.weightData;
  const bytes = data === undefined ? 0 : Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: JSON.stringify(a.modelTopology).length,
      weightSpecsBytes: JSON.stringify(a.weightSpecs ?? []).length, weightDataBytes: bytes,
    },
  };
}

// ---- model.json in folders and at URLs ----------------------------------------------------------------

function isTfjsJson(json: Record<string, unknown>): boolean {
  return json.format !== 'wasmgrad-layers-model';
}

async function loadFromJson(op: string, json: unknown, readShard: (path: string) => Promise<Uint8Array>): Promise<TfjsArtifacts> {
  if (!isRecord(json)) throw new WasmgradError(msg`${op}: model.json must be a JSON object`);
  const { paths, specs } = flattenManifest(json.weightsManifest ?? []);
  const shards: Uint8Array[] = [];
  let total = 0;
  for (const p of paths) {
    const b = await readShard(p);
    total += b.length;
    if (total > MAX_WEIGHT_BYTES) throw new WasmgradError(msg`${op}: the weight files hold more than ${MAX_WEIGHT_BYTES} bytes`);
    shards.push(b);
  }
  return {
    modelTopology: json.modelTopology as Record<string, unknown>, format: json.format as string, generatedBy: json.generatedBy as string,
    convertedBy: (json.convertedBy as string) ?? null, weightSpecs: specs, weightData: concatBuffers(shards).buffer as ArrayBuffer,
    trainingConfig: isRecord(json.trainingConfig) ? json.trainingConfig : null,
  };
}

/** A handler for a folder or model.json path on the local file system (TF.js's 'file://' scheme). */
export function fileSystem(location: string): IOHandler {
  const op = 'io.fileSystem';
  if (typeof location !== 'string' || location.length === 0) throw new WasmgradError(msg`${op}: expected a path`);
  const raw = location.replace(/^file:\/\//i, '');
  const p = location.startsWith('file:///') ? decodeURIComponent(new URL(location).pathname) : raw;
  return {
    load: async () => {
      const { path } = await nodeFs(op);
      const file = p.endsWith('.json') ? p : path.join(p, MODEL_FILE);
      const dir = path.dirname(file);
      const json = parseJson(op, await readLimited(op, file, MAX_JSON_BYTES));
      return loadFromJson(op, json, (rel) => {
        if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) throw new WasmgradError(msg`${op}: weight path '${rel}' must stay in the model's folder`);
        return readLimited(op, path.join(dir, rel), MAX_WEIGHT_BYTES);
      });
    },
    save: async (a) => {
      const { fs, path } = await nodeFs(op);
      const dir = p.endsWith('.json') ? path.dirname(p) : p;
      await fs.mkdir(dir, { recursive: true });
      const data = weightBytes(a.weightData);
      const json = {
        modelTopology: a.modelTopology, format: a.format ?? 'layers-model', generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${TFJS_WEIGHTS_FILE}`], weights: a.weightSpecs ?? [] }],
        ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
      };
      await fs.writeFile(path.join(dir, MODEL_FILE), JSON.stringify(json));
      await fs.writeFile(path.join(dir, TFJS_WEIGHTS_FILE), data);
      return info(a);
    },
  };
}

/** The URL of model.json: the URL itself when it names a .json file, else model.json in that folder. */
function modelJsonUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WasmgradError(msg`io.http: expected an absolute http(s) URL, got ${describeValue(url)}`);
  }
  return u.pathname.endsWith('.json') ? u : new URL(`${u.href.replace(/\/?$/, '/')}${MODEL_FILE}`);
}

/** A handler for model.json at an http(s) URL; its weight files must be on the same origin. */
export function http(url: string | URL, _options: Record<string, unknown> = {}): IOHandler {
  const op = 'io.http';
  if (typeof url !== 'string' && !(url instanceof URL)) throw new WasmgradError(msg`${op}: expected a URL, got ${describeValue(url)}`);
  const u = modelJsonUrl(String(url));
  return {
    load: async () => {
      const json = parseJson(op, await fetchLimited(op, u, MAX_JSON_BYTES));
      return loadFromJson(op, json, (rel) => {
        const w = new URL(rel, u);
        if (w.origin !== u.origin) throw new WasmgradError(msg`${op}: weight path '${rel}' must stay on ${u.origin}`);
        return fetchLimited(op, w, MAX_WEIGHT_BYTES);
      });
    },
  };
}

/** tf.io.IORouter: an IO handler for a URL, or null where the URL is not the router's. */
export type IORouter = (url: string | string[], options?: Record<string, unknown>) => IOHandler | null;
const routers = { load: [] as IORouter[], save: [] as IORouter[] };

function register(kind: 'load' | 'save', router: IORouter): void {
  if (typeof router !== 'function') throw new WasmgradError(msg`io.register${kind === 'load' ? 'Load' : 'Save'}Router: expected a function (url) => IOHandler | null`);
  routers[kind].push(router);
}
/** Custom URL schemes: a registered router is asked before the built-in ones. */
export const registerLoadRouter = (router: IORouter) => register('load', router);
export const registerSaveRouter = (router: IORouter) => register('save', router);

function handlersFor(kind: 'load' | 'save', url: string | string[], options?: Record<string, unknown>): IOHandler[] {
  const isUrls = Array.isArray(url) && url.length > 0 && url.every((u) => typeof u === 'string');
  if (typeof url !== 'string' && !isUrls) {
    throw new WasmgradError(msg`io.get${kind === 'load' ? 'Load' : 'Save'}Handlers: expected a URL string (or an array of them), got ${describeValue(url)}`);
  }
  const own = routers[kind].map((r) => r(url, options)).filter((h): h is IOHandler => !!h);
  // the built-in schemes take one URL; an array is for registered routers
  if (typeof url !== 'string') return own;
  if (/^https?:\/\//i.test(url)) own.push(http(url, options));
  else if (/^file:\/\//i.test(url)) own.push(fileSystem(url));
  return own;
}
/** The handler of the first registered router that takes the URL. */
function routed(kind: 'load' | 'save', url: string): IOHandler | undefined {
  for (const r of routers[kind]) {
    const h = r(url);
    if (h) return h;
  }
  return undefined;
}
/** The handlers that load from, or save to, a URL: registered routers' first, then the built-in one. */
export const getLoadHandlers = (url: string | string[], options?: Record<string, unknown>) => handlersFor('load', url, options);
export const getSaveHandlers = (url: string | string[]) => handlersFor('save', url);

/** The handler for a URL string as TF.js resolves them, or the object itself if it is a handler. */
export function handlerFor(target: unknown, op: string): IOHandler {
  if (isRecord(target) && (typeof target.load === 'function' || typeof target.save === 'function')) return target as IOHandler;
  if (typeof target === 'string') {
    const custom = routed(/save/i.test(op) ? 'save' : 'load', target);
    if (custom) return custom;
    if (/^https?:\/\//i.test(target)) return http(target);
    if (/^file:\/\//i.test(target)) return fileSystem(target);
    if (BROWSER_SCHEME.test(target)) return browserStoreHandler(target);
    return fileSystem(target);
  }
  if (target instanceof URL) return handlerFor(target.href, op);
  throw new WasmgradError(msg`${op}: expected a URL string or an IO handler, got ${target === null ? 'null' : typeof target}`);
}

// ---- load and save ------------------------------------------------------------------------------------

/**
 * Loads a layers model in TF.js's format or wasmgrad's own, from a URL, a path, an IO handler, or
 * artifacts ({ modelJson, weights } of wasmgrad, or TF.js's { modelTopology, weightSpecs, weightData }).
 */
export async function loadAnyModel(source: unknown, options: { strict?: boolean } = {}): Promise<LoadedModel> {
  const op = 'loadLayersModel';
  void options;
  // a URL object is read as its string, so wasmgrad's own format is recognised at http(s) URLs too
  if (source instanceof URL) source = source.href;
  if (isRecord(source) && 'modelJson' in source) return loadModel(source as { modelJson: unknown; weights: Uint8Array });
  if (isRecord(source) && 'modelTopology' in source) return loadTfjs(artifactsFromTfjs(source as unknown as TfjsArtifacts));
  const custom = typeof source === 'string' ? routed('load', source) : undefined;
  if (custom) source = custom;
  // a folder or file: wasmgrad's own format when its model.json says so
  if (typeof source === 'string' && !/^https?:\/\//i.test(source) && !BROWSER_SCHEME.test(source) && (await ownFormat(source))) return loadModel(source);
  if (typeof source === 'string' && /^https?:\/\//i.test(source)) {
    const u = modelJsonUrl(source);
    const json = parseJson(op, await fetchLimited(op, u, MAX_JSON_BYTES));
    if (isRecord(json) && !isTfjsJson(json)) return loadModel(u);
  }
  const handler = handlerFor(source, op);
  if (typeof handler.load !== 'function') throw new WasmgradError(msg`${op}: the IO handler has no load()`);
  const artifacts = await handler.load();
  if (isRecord(artifacts) && 'modelJson' in artifacts) return loadModel(artifacts as unknown as { modelJson: unknown; weights: Uint8Array });
  return loadTfjs(artifactsFromTfjs(artifacts));
}

/** TF.js's artifacts, converted: weights from them, or initialized when they hold a topology alone. */
function loadTfjs(art: ReturnType<typeof artifactsFromTfjs>): Promise<LoadedModel> {
  return loadModel(art, { freshWeights: art.freshWeights });
}

async function ownFormat(location: string): Promise<boolean> {
  const op = 'loadLayersModel';
  const { path } = await nodeFs(op);
  const raw = location.startsWith('file:///') ? decodeURIComponent(new URL(location).pathname) : location.replace(/^file:\/\//i, '');
  const file = raw.endsWith('.json') ? raw : path.join(raw, MODEL_FILE);
  const json = parseJson(op, await readLimited(op, file, MAX_JSON_BYTES));
  return isRecord(json) && !isTfjsJson(json);
}

/** The model in TF.js's format: topology in Python spelling, weight specs, and one weight buffer. */
export async function tfjsArtifacts(model: SavableModel, options: SaveOptions = {}): Promise<TfjsArtifacts> {
  const { modelJson, weights } = await saveModelArtifacts(model, undefined, options);
  const { tensors } = decodeSafetensorsRecords(weights);
  const specs = modelJson.weightsManifest[0].weights;
  const parts = specs.map((w) => new Uint8Array(tensors[w.name].data.buffer, tensors[w.name].data.byteOffset, tensors[w.name].data.byteLength));
  const training = modelJson.trainingConfig;
  const names = tfjsWeightNames(model, specs.map((w) => w.name));
  return {
    modelTopology: topologyToTfjs(modelJson.modelTopology), format: 'layers-model', generatedBy: 'wasmgrad', convertedBy: null,
    weightSpecs: specs.map((w, i) => ({ name: names[i], shape: w.shape, dtype: w.dtype })), weightData: concatBuffers(parts).buffer as ArrayBuffer,
    ...(training ? { trainingConfig: trainingToTfjs(training) } : {}),
  };
}

/**
 * The weight names as TF.js gives them: a model nested in another builds its weights alone, so
 * their names lack the nested model's name (the loader finds them either way); kept whole where
 * dropping it would make two names meet.
 */
function tfjsWeightNames(model: SavableModel, names: string[]): string[] {
  const nested = new Set<string>();
  const walk = (layers: readonly unknown[], depth: number) => {
    for (const l of layers) {
      const inner = (l as { layers?: unknown; name?: unknown }).layers;
      if (depth < 32 && Array.isArray(inner)) {
        nested.add(String((l as { name?: unknown }).name));
        walk(inner, depth + 1);
      }
    }
  };
  walk((model as { layers?: readonly unknown[] }).layers ?? [], 0);
  const out = names.map((n) => {
    const parts = n.split('/');
    let i = 0;
    while (i < parts.length - 2 && nested.has(parts[i])) i++;
    return parts.slice(i).join('/');
  });
  return new Set(out).size === out.length ? out : names;
}

function trainingToTfjs(t: Record<string, unknown>): Record<string, unknown> {
  const opt = t.optimizerConfig as { className: string; config: Record<string, unknown> } | undefined;
  return {
    loss: t.loss, metrics: t.metrics ?? null, ...(t.lossWeights ? { loss_weights: t.lossWeights } : {}),
    ...(opt ? { optimizer_config: { class_name: opt.className, config: opt.config } } : {}),
  };
}

/** Saves the model in TF.js's format through a handler or to a URL ('file://dir'). */
export async function saveLayersModel(model: SavableModel, target: unknown, options: SaveOptions = {}): Promise<SaveResult> {
  const op = `${model.name}.save`;
  const handler = handlerFor(target, op);
  if (typeof handler.save !== 'function') throw new WasmgradError(msg`${op}: the IO handler has no save()`);
  return handler.save(await tfjsArtifacts(model, options));
}

/**
 * model.save: TF.js's format for an IO handler, `{ format: 'tfjs' }` or a model whose default is
 * TF.js's (the TensorFlow.js entry's); wasmgrad's own otherwise (a folder, or the artifacts).
 */
export function saveModel(
  model: SavableModel, target: unknown, options: SaveOptions & { format?: 'wasmgrad' | 'tfjs' }, defaultFormat: 'wasmgrad' | 'tfjs',
): Promise<SaveResult | Awaited<ReturnType<typeof saveModelArtifacts>>> {
  // handlers, browser stores and routed schemes hold TF.js's artifacts
  const tfjsTarget = (target !== null && typeof target === 'object') || (typeof target === 'string' && (BROWSER_SCHEME.test(target) || !!routed('save', target)));
  const format = options?.format ?? (tfjsTarget ? 'tfjs' : defaultFormat);
  if (format !== 'tfjs') return saveModelArtifacts(model, target as string | undefined, options);
  if (target === undefined) throw new WasmgradError(msg`${model.name}.save: the TF.js format needs a URL ('file://dir') or an IO handler`);
  return saveLayersModel(model, target, options);
}
