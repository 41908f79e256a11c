// TensorFlow.js peers for the benches: the WebAssembly backend (XNNPACK) and
// the plain JavaScript cpu backend, loaded from node_modules with no network.
//
// Facts this module works around (tfjs 4.22.0, Node 20):
// - In Node the wasm backend never picks its threaded binary: the flag
//   WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE
//   (tensorflow/tfjs#3830), so it loads tfjs-backend-wasm-simd.wasm and runs
//   XNNPACK on one thread. Forcing the flag fails because Emscripten starts
//   its pthread workers from blob: URLs, which Node's Worker refuses
//   (ERR_WORKER_PATH). `loadTfjs('wasm', { threads: n > 1 })` installs a small
//   shim that makes blob: workers start in Node, and so runs the
//   threaded-simd binary with an XNNPACK pool of n threads.
// - The thread count is capped by the backend at emscripten_num_logical_cores()/2
//   (it assumes two hyperthreads per core), i.e. os.cpus().length / 2 in Node:
//   1 on a 2-core machine. The shim reports 2n cores during initialisation so
//   that the requested n is honoured.
// - With the threaded binary Emscripten keeps a ref() on the worker of each
//   running pthread (XNNPACK's pool threads never end), which would keep Node
//   alive forever; loadTfjs unrefs them.
// - Binary and thread count are fixed when the backend first initialises, once
//   per process: to compare several TF.js thread counts, use one process each
//   (runTfjsInChild below).

import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { resolveObjectURL } from 'node:buffer';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

let tf = null; // the @tensorflow/tfjs-core namespace (one instance per process)
let tfWasm = null; // @tensorflow/tfjs-backend-wasm
let wasmState = null; // { threads requested, info } once the wasm backend is initialised

/** Folder holding tfjs-backend-wasm*.wasm in node_modules. */
export function tfjsWasmDir() {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
}

function loadModules() {
  if (tf) return;
  // The CommonJS node bundles ("main"), so that core and backends share one
  // tfjs-core instance (and one kernel registry).
  tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  tfWasm = require('@tensorflow/tfjs-backend-wasm');
  // Read the .wasm files from node_modules (the node bundle would also find
  // them next to itself; setting it makes the no-network path explicit).
  tfWasm.setWasmPaths(tfjsWasmDir() + path.sep);
}

/**
 * Load TensorFlow.js with `backend` ('wasm' or 'cpu') active and return the
 * tfjs-core namespace. Both backends live in the same process; calling again
 * with the other backend switches with tf.setBackend (no re-initialisation).
 *
 * options.threads (wasm only, default 1): XNNPACK thread-pool size. 1 uses
 * the official Node path (tfjs-backend-wasm-simd.wasm, single-threaded);
 * n > 1 uses tfjs-backend-wasm-threaded-simd.wasm through the worker shim.
 * Fixed for the life of the process at the first wasm initialisation.
 */
export async function loadTfjs(backend = 'wasm', options = {}) {
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`loadTfjs: backend must be 'wasm' or 'cpu', got ${backend}`);
  loadModules();
  if (backend === 'wasm') {
    const threads = options.threads ?? wasmState?.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`loadTfjs: threads must be a positive integer`);
    if (wasmState && wasmState.threads !== threads) {
      throw new Error(
        `loadTfjs: the TF.js wasm backend was initialised with ${wasmState.threads} thread(s) in this process; ` +
          `it cannot change (use one process per thread count, e.g. runTfjsInChild)`,
      );
    }
    if (!wasmState) await initWasm(threads);
    else if (!(await tf.setBackend('wasm'))) throw new Error('loadTfjs: tf.setBackend("wasm") failed');
  } else {
    if (!(await tf.setBackend('cpu'))) throw new Error('loadTfjs: tf.setBackend("cpu") failed');
    // Silence the "looks like you are running TensorFlow.js in Node.js" banner
    // printed on the cpu backend's first tensor.
    tf.backend().firstUse = false;
  }
  await tf.ready();
  return tf;
}

async function initWasm(threads) {
  const restore = threads > 1 ? installThreadShim(threads) : () => {};
  try {
    if (threads > 1) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      tfWasm.setThreadsCount(threads);
    }
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('loadTfjs: tf.setBackend("wasm") failed (see the warning above)');
  } finally {
    restore();
  }
  const b = tf.backend();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threaded = 'PThread' in b.wasm; // only the threaded Emscripten module has it
  const binary = threaded ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  if (threaded) {
    // XNNPACK's pool threads run for the life of the module and Emscripten
    // ref()s the worker of every running pthread, so Node would never exit.
    for (const w of b.wasm.PThread.runningWorkers ?? []) w.unref?.();
  }
  const actual = tfWasm.getThreadsCount();
  if (actual !== threads) throw new Error(`loadTfjs: asked TF.js wasm for ${threads} thread(s), it runs ${actual}`);
  wasmState = { threads, info: { version: tfWasm.version_wasm, binary, simd, threaded, threads: actual } };
}

/**
 * What the wasm backend runs: { version, binary, simd, threaded, threads },
 * or null before loadTfjs('wasm').
 */
export function tfjsWasmInfo() {
  return wasmState ? { ...wasmState.info } : null;
}

// Emscripten's pthread support in the threaded-simd build, as packaged by
// tfjs, creates each worker with `new Worker(blobURL)` and sends it the main
// script as a Blob that the worker loads with importScripts(blobURL). Node's
// Worker takes neither. The shim (active only during initialisation):
// - replaces worker_threads.Worker by a subclass that, for a blob: URL,
//   starts an eval worker which reads the blob's text and runs it;
// - in that worker, serialises incoming messages and, for the 'load' message,
//   reads the main-script Blob first and makes importScripts evaluate it,
//   with the bundler's free variables (require$$N, commonjsGlobal) defined;
// - makes os.cpus() report 2 * threads entries, since the backend caps its
//   pool at logical cores / 2.
const WORKER_BOOT = `
const { workerData } = require('worker_threads');
workerData.blob.text().then((code) => {
  new Function('require', '__filename', code)(require, 'tfjs-backend-wasm-threaded-simd.worker.js');
  const handle = self.onmessage;
  let chain = Promise.resolve();
  self.onmessage = (e) => {
    chain = chain.then(async () => {
      const d = e.data;
      if (d && d.cmd === 'load' && d.urlOrBlob && typeof d.urlOrBlob !== 'string') {
        const src = await d.urlOrBlob.text();
        Object.assign(globalThis, {
          require$$0: require('fs'), require$$1: require('path'), require$$3: require('perf_hooks'),
          require$$4: require('os'), commonjsGlobal: globalThis,
        });
        const importScripts = globalThis.importScripts;
        globalThis.importScripts = () => { (0, eval)(src); };
        try { handle(e); } finally { globalThis.importScripts = importScripts; }
      } else {
        handle(e);
      }
    }).catch((err) => { setImmediate(() => { throw err; }); });
  };
});
`;

function installThreadShim(threads) {
  const wt = require('node:worker_threads');
  const os = require('node:os');
  const OrigWorker = wt.Worker;
  const origCpus = os.cpus;
  class BlobWorker extends OrigWorker {
    constructor(url, opts) {
      const s = typeof url === 'string' ? url : url instanceof URL ? url.href : null;
      if (s && s.startsWith('blob:')) {
        const blob = resolveObjectURL(s);
        if (!blob) throw new Error(`tfjs thread shim: unknown blob URL ${s}`);
        super(WORKER_BOOT, { ...opts, eval: true, workerData: { blob } });
      } else {
        super(url, opts);
      }
    }
  }
  wt.Worker = BlobWorker;
  os.cpus = () => {
    const c = origCpus.call(os);
    return Array.from({ length: Math.max(c.length, 2 * threads) }, (_, i) => c[i % c.length]);
  };
  return () => {
    // Emscripten has copied BlobWorker to globalThis.Worker by now, which is
    // where it looks for later workers; the module export goes back.
    wt.Worker = OrigWorker;
    os.cpus = origCpus;
  };
}

/**
 * One matrix product C[M,N] = op(A)[M,K] . op(B)[K,N] on the active backend,
 * as a function to time. A is stored [M,K] ([K,M] if transposeA), B is stored
 * [K,N] ([N,K] if transposeB); values are uniform in [-1, 1).
 *
 * Each call runs tf.matMul and disposes the result. Both backends run the
 * kernel synchronously inside tf.matMul (wasm: one call into the module; cpu:
 * plain JS loops), so the work is complete when the call returns and nothing
 * is read back.
 *
 * options.freshB (default false): XNNPACK packs B once per tensor and caches
 * the packed weights by tensor id (it treats B as layer weights), so repeated
 * products with the same B skip packing. With freshB every call multiplies by
 * a new B tensor (uploaded from a Float32Array, then disposed), which
 * includes the packing, as when weights change every training step.
 *
 * The returned function has: flops (2*M*N*K), M, N, K, path (which TF.js wasm
 * code path runs: 'xnnpack' only without transposes; otherwise TF.js runs its
 * scalar blocked fallback), check() (max abs error vs a float64 product on a
 * few entries) and dispose().
 */
export function tfMatMulBench(tfns, M, N, K, transposeA = false, transposeB = false, options = {}) {
  const aShape = transposeA ? [K, M] : [M, K];
  const bShape = transposeB ? [N, K] : [K, N];
  const aData = randomData(M * K, 1);
  const bData = randomData(K * N, 2);
  const a = tfns.tensor(aData, aShape, 'float32');
  const b = tfns.tensor(bData, bShape, 'float32');
  const freshB = !!options.freshB;
  const run = freshB
    ? () => {
        const bb = tfns.tensor(bData, bShape, 'float32');
        tfns.matMul(a, bb, transposeA, transposeB).dispose();
        bb.dispose();
      }
    : () => {
        tfns.matMul(a, b, transposeA, transposeB).dispose();
      };
  const backendName = tfns.getBackend();
  return Object.assign(run, {
    M,
    N,
    K,
    flops: 2 * M * N * K,
    backend: backendName,
    path: backendName === 'wasm' ? (transposeA || transposeB ? 'tfjs scalar fallback' : 'xnnpack') : 'js',
    check() {
      const c = tfns.matMul(a, b, transposeA, transposeB);
      const out = c.dataSync();
      c.dispose();
      const A = (i, k) => (transposeA ? aData[k * M + i] : aData[i * K + k]);
      const B = (k, j) => (transposeB ? bData[j * K + k] : bData[k * N + j]);
      let err = 0;
      for (let t = 0; t < 16; t++) {
        const i = (t * 7919) % M;
        const j = (t * 104729) % N;
        let s = 0;
        for (let k = 0; k < K; k++) s += A(i, k) * B(k, j);
        err = Math.max(err, Math.abs(s - out[i * N + j]));
      }
      return err;
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  });
}

function randomData(n, seed) {
  // xorshift32: reproducible inputs without tf.random (backend-independent)
  let x = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Run bench/tfjs-matmul.mjs in a child Node process (needed to measure TF.js
 * at several wasm thread counts, since the count is fixed per process) and
 * return its JSON output. `argv` is passed through, e.g.
 * ['--threads', '2', '--shapes', '256,512', '--quick'].
 */
export async function runTfjsInChild(argv = []) {
  const { execFile } = await import('node:child_process');
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'tfjs-matmul.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, '--json', '--no-write', ...argv], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout));
      } catch (e) {
        reject(new Error(`${script}: output is not JSON: ${e.message}\n${stdout.slice(0, 500)}`));
      }
    });
  });
}

let gradientsRegistered = false;

/**
 * tfjs-core's CommonJS bundle (the one loadTfjs loads) registers no gradients: the union package
 * @tensorflow/tfjs does, by importing dist/register_all_gradients. That file is ESM with
 * extensionless imports Node cannot load, so it is bundled once with esbuild; it registers into
 * tfjs-core's global registries, which every copy of tfjs-core shares. Idempotent.
 */
export async function registerTfGradients() {
  if (gradientsRegistered) return;
  const out = path.join(os.tmpdir(), `wasmgrad-tfjs-grads-${process.pid}.cjs`);
  const { build } = await import('esbuild');
  await build({
    stdin: { contents: "import '@tensorflow/tfjs-core/dist/register_all_gradients.js';", resolveDir: path.dirname(fileURLToPath(import.meta.url)) },
    bundle: true, format: 'cjs', platform: 'node', outfile: out, logLevel: 'warning',
  });
  require(out);
  gradientsRegistered = true;
}
