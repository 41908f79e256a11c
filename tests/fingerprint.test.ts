// Bit-for-bit fingerprints of every public op's outputs and gradients, of the losses, layers,
// optimizers and a trained model, on every build; the shared-memory builds at 1 and 2 threads.
// Each case (tests/fingerprint-cases.ts, fingerprint-model-cases.ts, fingerprint-compat-cases.ts) is hashed (sha256 of
// every recorded tensor's label, dtype, shape and raw bytes) and compared with
// tests/fingerprints.json (build -> case -> hash). A refactoring must leave every hash as it is.
//
// Regenerating the reference: only when a change is MEANT to change bits (a new kernel, a more
// accurate formula), and say so in the commit:
//   UPDATE_FINGERPRINTS=1 npx vitest run tests/fingerprint.test.ts     rewrites every hash
//   UPDATE_FINGERPRINTS=new npx vitest run tests/fingerprint.test.ts   adds only cases missing from the file
// Without the variable the test never writes the file.
import { describe, test, expect, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as wg from 'wasmgrad';
import { OP_CASES, type FingerprintCase, type Record as Recorder } from './fingerprint-cases';
import { MODEL_CASES } from './fingerprint-model-cases';
import { COMPAT_CASES, COMPAT_LAYER_CASES } from './fingerprint-compat-cases';
import { ALL_BUILDS, THREADED_BUILDS, useBuild, type Build } from './helpers';

const REFERENCE = fileURLToPath(new URL('./fingerprints.json', import.meta.url));
const UPDATE = process.env.UPDATE_FINGERPRINTS;
const CASES: FingerprintCase[] = [...OP_CASES, ...MODEL_CASES, ...COMPAT_CASES, ...COMPAT_LAYER_CASES];

type Hashes = Record<string, string>;

afterAll(() => wg.shutdown());

function bytesOf(v: Float32Array | Int32Array | Float64Array | Uint8Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Runs one case and hashes what it records; an error becomes the "hash", so every case reports. */
async function fingerprint(c: FingerprintCase): Promise<string> {
  const h = createHash('sha256');
  const record: Recorder = (label, t) => {
    if (t instanceof wg.Tensor) {
      h.update(`${label}|${t.dtype}|${t.shape.join(',')}|`);
      h.update(bytesOf(t.dataSync()));
    } else if (Array.isArray(t)) {
      h.update(`${label}|numbers|${t.length}|`);
      h.update(bytesOf(Float64Array.from(t)));
    } else {
      h.update(`${label}|${t.constructor.name}|${t.length}|`);
      h.update(bytesOf(t));
    }
  };
  try {
    await c.run(record);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
  return h.digest('hex').slice(0, 24);
}

/** Every case's hash on one build; `leaks` gets the cases that leave tensors behind. */
async function fingerprintAll(build: Build, threads: number, leaks: string[] = []): Promise<Hashes> {
  await useBuild(build, threads);
  const out: Hashes = {};
  for (const c of CASES) {
    const before = wg.memory();
    out[c.name] = await fingerprint(c);
    const after = wg.memory();
    if (after.numTensors !== before.numTensors) leaks.push(`${c.name}: ${after.numTensors - before.numTensors} tensors`);
  }
  return out;
}

function differences(actual: Hashes, expected: Hashes): string[] {
  return CASES.map((c) => c.name).filter((name) => actual[name] !== expected[name]);
}

const computed: Partial<Record<Build, Hashes>> = {};

// Public names that compute nothing to fingerprint (engine control, scopes, classes, registries,
// serialization helpers); everything else exported must appear in a case.
const NOT_NUMERIC = new Set([
  'init', 'ready', 'backendInfo', 'setThreads', 'shutdown', 'memory', 'setDebug', 'tidy', 'keep', 'noGrad', '_engine',
  'seededRandom', // plain JavaScript; tests/examples.test.ts pins its sequence
  'getLoss', 'lossName', 'getOptimizer', 'getInitializer', 'serializeInitializer', 'computeFans', 'getRegularizer',
  'isSchedule', 'deserializeSchedule', 'serializeSchedule', 'registerLayer', 'getLayerClass', 'inputLayer',
  // where model artifacts are read and written: the bits are those of save/loadModel, covered
  'registerCustomInitializer',
  'fromMemory', 'fromMemorySync', 'withSaveHandler', 'withSaveHandlerSync', 'fileSystem', 'http',
  // TF.js's io helpers move weight bytes and model.json parts (tests/tfjs-io-helpers.test.ts and
  // tests/browser-stores.test.ts compare them with TF.js's)
  'browserHTTPRequest', 'registerLoadRouter', 'registerSaveRouter', 'getLoadHandlers', 'getSaveHandlers', 'concatenateArrayBuffers',
  'encodeWeights', 'decodeWeights', 'decodeWeightsStream', 'getWeightSpecs', 'isHTTPScheme', 'getModelArtifactsForJSON',
  'getModelArtifactsForJSONSync', 'getModelArtifactsInfoForJSON', 'weightsLoaderFactory', 'loadWeights', 'browserFiles',
  'listModels', 'copyModel', 'moveModel', 'removeModel',
]);
// callbacks steer training; data pipelines move tensors the ops made
// the classic models are compositions of the ops above (tests/classic-*.test.ts check them; their
// sampling kernel has a case); serialization registers classes
const NON_NUMERIC_NAMESPACES = new Set(['callbacks', 'data', 'serialization', 'classic']);

/** Public functions (lower-case names: factories and ops, not classes) no case mentions. */
function uncovered(): string[] {
  const text = ['fingerprint-cases.ts', 'fingerprint-model-cases.ts', 'fingerprint-compat-cases.ts'].map((f) => readFileSync(fileURLToPath(new URL(`./${f}`, import.meta.url)), 'utf8')).join('\n');
  const mentioned = new Set([...text.matchAll(/\.(\w+)\b/g)].map((m) => m[1]));
  const functions: [string, string, unknown][] = [];
  const visit = (obj: object, prefix: string) => {
    for (const [name, v] of Object.entries(obj)) {
      if (NOT_NUMERIC.has(name) || !/^[a-z]/.test(name)) continue;
      if (typeof v === 'function') functions.push([prefix, name, v]);
      else if (typeof v === 'object' && v !== null && !prefix && !NON_NUMERIC_NAMESPACES.has(name)) visit(v, `${name}.`);
    }
  };
  visit(wg, '');
  // an alias (loadLayersModel, mse, randomNormalInit) is covered when the function is, under any name
  const covered = new Set(functions.filter(([, name]) => mentioned.has(name)).map(([, , f]) => f));
  return functions.filter(([, , f]) => !covered.has(f)).map(([prefix, name]) => prefix + name);
}

describe('fingerprints', () => {
  test('case names are unique', () => {
    const names = CASES.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  test('every public op, loss, layer, metric, initializer, regularizer, schedule and optimizer has a case', () => {
    expect(uncovered(), 'public functions no fingerprint case calls (add a case, then UPDATE_FINGERPRINTS=new)').toEqual([]);
  });

  test.each(ALL_BUILDS)('%s: every case runs and frees what it made; 2 threads give the bits of 1 thread', async (build) => {
    const leaks: string[] = [];
    const one = await fingerprintAll(build, 1, leaks);
    computed[build] = one;
    const errors = Object.entries(one).filter(([, h]) => h.startsWith('error')).map(([n, h]) => `${n}: ${h}`);
    expect(errors, `cases that threw on ${build}`).toEqual([]);
    expect(leaks, `cases that left tensors alive on ${build}`).toEqual([]);
    if (THREADED_BUILDS.includes(build)) {
      const two = await fingerprintAll(build, 2);
      expect(differences(two, one), `cases whose bits differ between 1 and 2 threads on ${build}`).toEqual([]);
    }
  });

  test('every build matches tests/fingerprints.json', () => {
    expect(Object.keys(computed).sort(), 'every build was fingerprinted').toEqual([...ALL_BUILDS].sort());
    const stored: Record<string, Hashes> = existsSync(REFERENCE) ? JSON.parse(readFileSync(REFERENCE, 'utf8')) : {};
    if (UPDATE === '1' || UPDATE === 'new') {
      const next: Record<string, Hashes> = {};
      for (const build of ALL_BUILDS) {
        next[build] = {};
        for (const c of CASES) next[build][c.name] = UPDATE === 'new' ? (stored[build]?.[c.name] ?? computed[build]![c.name]) : computed[build]![c.name];
      }
      writeFileSync(REFERENCE, JSON.stringify(next, null, 1) + '\n');
      return;
    }
    const mismatches: string[] = [];
    for (const build of ALL_BUILDS) {
      for (const name of differences(computed[build]!, stored[build] ?? {})) {
        const was = stored[build]?.[name];
        mismatches.push(`${build} ${name}: ${was === undefined ? 'no reference (UPDATE_FINGERPRINTS=new adds it)' : `was ${was}, now ${computed[build]![name]}`}`);
      }
    }
    expect(mismatches, `${mismatches.length} fingerprints differ from tests/fingerprints.json`).toEqual([]);
  });
});
