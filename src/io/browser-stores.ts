// TF.js's browser model stores, in its own layout so either library reads what the other wrote:
// 'localstorage://name' (keys tensorflowjs_models/name/{info, model_topology, weight_specs,
// weight_data (base64), model_metadata}), 'indexeddb://name' (database 'tensorflowjs', stores
// models_store and model_info_store), 'downloads://prefix' (prefix.json and prefix.weights.bin
// saved through the page), and listModels / copyModel / moveModel / removeModel over the first two.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { getModelArtifactsInfoForJSON, CompositeArrayBuffer } from './tfjs-weights.js';
import type { TfjsArtifacts, IOHandler, SaveResult } from './tfjs-format.js';

type Info = ReturnType<typeof getModelArtifactsInfoForJSON>;
const STORE_SCHEME = /^(localstorage|indexeddb):\/\/(.*)$/i;
export const BROWSER_SCHEME = /^(localstorage|indexeddb|downloads):\/\//i;

function need<T>(what: 'localStorage' | 'indexedDB' | 'document', scheme: string): T {
  const v = (globalThis as Record<string, unknown>)[what];
  if (v == null) throw new WasmgradError(msg`io: the ${scheme}:// scheme needs the browser's ${what}, which this runtime lacks; use file://, http(s)://, or tf.io.withSaveHandler`);
  return v as T;
}

// ---- localstorage:// ----------------------------------------------------------------------------------

const LS_PREFIX = 'tensorflowjs_models/';
const lsKeys = (path: string) => Object.fromEntries(
  ['info', 'model_topology', 'weight_specs', 'weight_data', 'model_metadata'].map((k) => [k, `${LS_PREFIX}${path}/${k}`]),
) as Record<'info' | 'model_topology' | 'weight_specs' | 'weight_data' | 'model_metadata', string>;
const METADATA = ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature', 'trainingConfig'] as const;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(s: string): ArrayBuffer {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function parseStored(path: string, what: string, text: string | null): unknown {
  if (text == null) throw new WasmgradError(msg`io: in local storage, the ${what} of model '${path}' is missing`);
  try {
    return JSON.parse(text);
  } catch {
    throw new WasmgradError(msg`io: in local storage, the ${what} of model '${path}' is not JSON`);
  }
}

function localStorageHandler(path: string): IOHandler {
  const keys = lsKeys(path);
  return {
    async save(a: TfjsArtifacts): Promise<SaveResult> {
      const ls = need<Storage>('localStorage', 'localstorage');
      const info = getModelArtifactsInfoForJSON(a);
      const meta = Object.fromEntries(METADATA.map((k) => [k, (a as unknown as Record<string, unknown>)[k] ?? undefined]));
      try {
        ls.setItem(keys.info, JSON.stringify(info));
        ls.setItem(keys.model_topology, JSON.stringify(a.modelTopology));
        ls.setItem(keys.weight_specs, JSON.stringify(a.weightSpecs));
        ls.setItem(keys.weight_data, toBase64(new Uint8Array(CompositeArrayBuffer.join(a.weightData))));
        ls.setItem(keys.model_metadata, JSON.stringify(meta));
      } catch (err) {
        for (const k of Object.values(keys)) ls.removeItem(k);
        throw new WasmgradError(msg`io: could not save model '${path}' to local storage (is its quota exceeded? ${info.weightDataBytes} bytes of weights): ${(err as Error).message}`);
      }
      return { modelArtifactsInfo: info };
    },
    async load(): Promise<TfjsArtifacts> {
      const ls = need<Storage>('localStorage', 'localstorage');
      if (ls.getItem(keys.info) == null) throw new WasmgradError(msg`io: in local storage, there is no model named '${path}'`);
      const meta = (ls.getItem(keys.model_metadata) != null ? parseStored(path, 'metadata', ls.getItem(keys.model_metadata)) : {}) as Record<string, unknown>;
      const data = ls.getItem(keys.weight_data);
      if (data == null) throw new WasmgradError(msg`io: in local storage, the weight values of model '${path}' are missing`);
      return {
        ...Object.fromEntries(METADATA.filter((k) => meta?.[k] != null).map((k) => [k, meta[k]])),
        modelTopology: parseStored(path, 'topology', ls.getItem(keys.model_topology)) as Record<string, unknown>,
        weightSpecs: parseStored(path, 'weight specs', ls.getItem(keys.weight_specs)) as TfjsArtifacts['weightSpecs'],
        weightData: fromBase64(data),
      };
    },
  };
}

// ---- indexeddb:// -------------------------------------------------------------------------------------

const MODELS = 'models_store', INFOS = 'model_info_store';

function openDb(): Promise<IDBDatabase> {
  const idb = need<IDBFactory>('indexedDB', 'indexeddb');
  return new Promise((resolve, reject) => {
    const req = idb.open('tensorflowjs', 1);
    req.onupgradeneeded = () => {
      for (const s of [MODELS, INFOS]) if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new WasmgradError(msg`io: could not open IndexedDB: ${req.error?.message}`));
  });
}

/** Runs fn over the stores in one transaction; resolves with its result once the transaction completes. */
async function inDb<T>(stores: string[], mode: IDBTransactionMode, fn: (tx: IDBTransaction) => IDBRequest<T> | void): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(stores, mode);
      const req = fn(tx);
      tx.oncomplete = () => resolve(req ? req.result : (undefined as T));
      tx.onerror = tx.onabort = () => reject(new WasmgradError(msg`io: IndexedDB: ${tx.error?.message ?? 'the transaction failed'}`));
    });
  } finally {
    db.close();
  }
}

function indexedDbHandler(path: string): IOHandler {
  return {
    async save(a: TfjsArtifacts): Promise<SaveResult> {
      const modelArtifacts = { ...a, weightData: CompositeArrayBuffer.join(a.weightData) };
      const info = getModelArtifactsInfoForJSON(modelArtifacts);
      await inDb([MODELS, INFOS], 'readwrite', (tx) => {
        tx.objectStore(INFOS).put({ modelPath: path, modelArtifactsInfo: info });
        tx.objectStore(MODELS).put({ modelPath: path, modelArtifacts, modelArtifactsInfo: info });
      });
      return { modelArtifactsInfo: info };
    },
    async load(): Promise<TfjsArtifacts> {
      const rec = await inDb<{ modelArtifacts: TfjsArtifacts } | undefined>([MODELS], 'readonly', (tx) => tx.objectStore(MODELS).get(path));
      if (rec == null) throw new WasmgradError(msg`io: there is no model at 'indexeddb://${path}'`);
      return rec.modelArtifacts;
    },
  };
}

// ---- downloads:// -------------------------------------------------------------------------------------

function downloadsHandler(prefix: string): IOHandler {
  const name = prefix || 'model';
  return {
    async save(a: TfjsArtifacts): Promise<SaveResult> {
      const doc = need<Document>('document', 'downloads');
      const weightsFile = `${name}.weights.bin`;
      const json = {
        ...Object.fromEntries(METADATA.filter((k) => (a as unknown as Record<string, unknown>)[k] != null).map((k) => [k, (a as unknown as Record<string, unknown>)[k]])),
        modelTopology: a.modelTopology, weightsManifest: [{ paths: [`./${weightsFile}`], weights: a.weightSpecs ?? [] }],
      };
      const click = async (file: string, blob: Blob) => {
        const anchor = doc.createElement('a');
        anchor.download = file;
        anchor.href = URL.createObjectURL(blob);
        await new Promise((r) => setTimeout(r, 0));
        anchor.dispatchEvent(new MouseEvent('click'));
      };
      await click(`${name}.json`, new Blob([JSON.stringify(json)], { type: 'application/json' }));
      if (a.weightData != null) await click(weightsFile, new Blob([CompositeArrayBuffer.join(a.weightData)], { type: 'application/octet-stream' }));
      return { modelArtifactsInfo: getModelArtifactsInfoForJSON(a) };
    },
  };
}

/** The handler of a localstorage://, indexeddb:// or downloads:// URL. */
export function browserStoreHandler(url: string): IOHandler {
  const [, scheme, path] = /^([a-z]+):\/\/(.*)$/i.exec(url) ?? [];
  const s = scheme.toLowerCase();
  if (s === 'downloads') return downloadsHandler(path);
  if (!path) throw new WasmgradError(msg`io: ${s}:// needs a model name, got '${url}'`);
  return s === 'localstorage' ? localStorageHandler(path) : indexedDbHandler(path);
}

// ---- model management ---------------------------------------------------------------------------------

function storeOf(op: string, url: string): { scheme: 'localstorage' | 'indexeddb'; path: string } {
  const m = typeof url === 'string' ? STORE_SCHEME.exec(url) : null;
  if (!m || !m[2]) throw new WasmgradError(msg`io.${op}: expected 'localstorage://name' or 'indexeddb://name', got ${jsonOf(url)}`);
  return { scheme: m[1].toLowerCase() as 'localstorage' | 'indexeddb', path: m[2] };
}

/** Every model of the stores this runtime has, by URL, with what its save reported. */
export async function listModels(): Promise<Record<string, Info>> {
  const out: Record<string, Info> = {};
  const g = globalThis as { localStorage?: Storage; indexedDB?: IDBFactory };
  if (g.indexedDB) {
    const all = await inDb<{ modelPath: string; modelArtifactsInfo: Info }[]>([INFOS], 'readonly', (tx) => tx.objectStore(INFOS).getAll());
    for (const r of all) out[`indexeddb://${r.modelPath}`] = r.modelArtifactsInfo;
  }
  if (g.localStorage) {
    for (let i = 0; i < g.localStorage.length; i++) {
      const key = g.localStorage.key(i) ?? '';
      if (!key.startsWith(LS_PREFIX) || !key.endsWith('/info')) continue;
      const path = key.slice(LS_PREFIX.length, -'/info'.length);
      out[`localstorage://${path}`] = parseStored(path, 'info', g.localStorage.getItem(key)) as Info;
    }
  }
  return out;
}

/** Deletes a stored model; resolves with its info. */
export async function removeModel(url: string): Promise<Info> {
  const { scheme, path } = storeOf('removeModel', url);
  if (scheme === 'localstorage') {
    const ls = need<Storage>('localStorage', scheme);
    const keys = lsKeys(path);
    const info = ls.getItem(keys.info);
    if (info == null) throw new WasmgradError(msg`io.removeModel: there is no model at '${url}'`);
    for (const k of Object.values(keys)) ls.removeItem(k);
    return JSON.parse(info) as Info;
  }
  const rec = await inDb<{ modelArtifactsInfo: Info } | undefined>([INFOS], 'readonly', (tx) => tx.objectStore(INFOS).get(path));
  if (rec == null) throw new WasmgradError(msg`io.removeModel: there is no model at '${url}'`);
  await inDb([MODELS, INFOS], 'readwrite', (tx) => {
    tx.objectStore(INFOS).delete(path);
    tx.objectStore(MODELS).delete(path);
  });
  return rec.modelArtifactsInfo;
}

async function cloneModel(op: string, from: string, to: string, removeSource: boolean): Promise<Info> {
  const a = storeOf(op, from), b = storeOf(op, to);
  if (a.scheme === b.scheme && a.path === b.path) throw new WasmgradError(msg`io.${op}: the source and destination are the same model ('${from}')`);
  const artifacts = await browserStoreHandler(from).load!();
  const saved = await browserStoreHandler(to).save!(artifacts);
  if (removeSource) await removeModel(from);
  return saved.modelArtifactsInfo as Info;
}
export const copyModel = (from: string, to: string) => cloneModel('copyModel', from, to, false);
export const moveModel = (from: string, to: string) => cloneModel('moveModel', from, to, true);
