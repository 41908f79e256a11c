// The engine: picks and loads a build, owns the one WebAssembly.Memory, its allocator, the kernel
// table and the thread pool. The only place above assembly/ that knows kernel ids and pointers.
import { withSharedMemory } from './wasm-variant.js';
import { WasmgradError, msg } from '../errors.js';
import { Allocator } from './allocator.js';
import { detectFeatures, detectRuntime, isNodeLike, nodeBuiltin, relaxedMaddFuses, relaxedSimdSupported, type RuntimeFeatures, type RuntimeName } from './detect.js';
import { ThreadPool } from './pool.js';
import { CTRL_BYTE, CTRL_BYTES, HEAP_BASE, MIN_PAGES, MAX_PAGES, SCRATCH_BYTES, type KernelName, type Kernels, type ParallelKernel, type ParallelKernelArgs } from './abi.js';
import { bindKernels, type KernelTable } from './bind.js';

export { MAX_PAGES, SCRATCH_BYTES };
/** A stepped kernel's parameters before `step`. */
type StepArgs<K extends ParallelKernel> = ParallelKernelArgs[K] extends [...infer A extends number[], step: number] ? A : never;

export type BuildName = 'relaxed' | 'simd-threads' | 'simd' | 'scalar';
export const BUILDS: readonly BuildName[] = ['relaxed', 'simd-threads', 'simd', 'scalar'];
const SHARED_BUILDS = new Set<BuildName>(['relaxed', 'simd-threads']);

export interface InitOptions {
  threads?: number | 'auto';
  backend?: 'auto' | BuildName;
  wasm?: WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string;
}

export interface BackendInfo {
  /** The runtime found: node, deno, bun, workerd, browser, web-worker or unknown. */
  runtime: RuntimeName;
  backend: BuildName;
  simd: boolean;
  relaxedSimd: boolean;
  threads: number;
  sharedMemory: boolean;
}

const PAGE = 65536;
/** The memory starts at 4 MiB and grows as tensors need (never below the modules' declared minimum). */
const INITIAL_PAGES = Math.max(64, MIN_PAGES);

// Each build is named by a literal URL beside this module, the form bundlers (Vite, webpack, Rollup
// with a URL plugin) recognise and copy. Run from sources the files are in dist/; scripts/build-js.mjs
// rewrites these URLs to './' for the bundles, which sit beside the .wasm files.
function defaultWasmUrl(build: BuildName, runtime: RuntimeName): URL {
  if (runtime === 'workerd' || typeof import.meta.url !== 'string' || import.meta.url === '') {
    throw new WasmgradError(
      `init: ${runtime === 'workerd' ? 'workerd (Cloudflare Workers)' : 'this runtime'} cannot load the .wasm by URL; ` +
        `import it as a module and pass it: import wasm from 'wasmgrad/wasm/wasmgrad-simd.wasm'; await init({ wasm })`,
    );
  }
  switch (build) {
    case 'relaxed':
      return new URL('../../dist/wasmgrad-relaxed.wasm', import.meta.url);
    case 'simd-threads':
      // the simd build with its memory import made shared (withSharedMemory): the two differ in that one byte
      return new URL('../../dist/wasmgrad-simd.wasm', import.meta.url);
    case 'simd':
      return new URL('../../dist/wasmgrad-simd.wasm', import.meta.url);
    case 'scalar':
      return new URL('../../dist/wasmgrad-scalar.wasm', import.meta.url);
  }
}

async function loadBytes(url: URL): Promise<ArrayBuffer | Uint8Array> {
  if (url.protocol === 'file:' && isNodeLike()) {
    // A synchronous read: the file is small, and the promise API's first read costs several ms more
    // (it starts libuv's thread pool) on the path of every cold start.
    const noFs = `init: cannot read ${url.href} here (no node:fs); pass init({ wasm }) bytes or a WebAssembly.Module`;
    const fs = nodeBuiltin<typeof import('node:fs')>('fs', noFs);
    const { fileURLToPath } = nodeBuiltin<typeof import('node:url')>('url', noFs);
    try {
      return fs.readFileSync(fileURLToPath(url));
    } catch (err) {
      const hint = detectRuntime() === 'deno' ? ' (Deno needs --allow-read for it)' : '';
      throw new WasmgradError(msg`init: could not read ${url.href}${hint}: ${(err as Error).message}`);
    }
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new WasmgradError(msg`init: could not fetch ${url.href}: ${(err as Error).message}; pass init({ wasm }) a URL, bytes or a WebAssembly.Module`);
  }
  if (!res.ok) throw new WasmgradError(msg`init: could not load ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** A string is a URL if it has a scheme, otherwise a file path (Node, Deno, Bun) or a URL relative to the page. */
async function urlOf(s: string): Promise<URL> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('data:')) return new URL(s);
  if (isNodeLike()) {
    const { pathToFileURL } = nodeBuiltin<typeof import('node:url')>('url', `init: cannot resolve the path '${s}' here (no node:url); pass a URL`);
    return pathToFileURL(s);
  }
  const base = (globalThis as { location?: { href: string } }).location?.href;
  if (!base) throw new WasmgradError(msg`init: wasm '${s}' is a relative path and this runtime has no page to resolve it against; pass a full URL, bytes or a WebAssembly.Module`);
  return new URL(s, base);
}

async function compileModule(build: BuildName, wasm: InitOptions['wasm'], runtime: RuntimeName): Promise<WebAssembly.Module> {
  if (wasm instanceof WebAssembly.Module) return wasm;
  let bytes: ArrayBuffer | Uint8Array;
  if (wasm instanceof ArrayBuffer || wasm instanceof Uint8Array) bytes = wasm;
  else if (wasm instanceof URL) bytes = await loadBytes(wasm);
  else if (typeof wasm === 'string') bytes = await loadBytes(await urlOf(wasm));
  else if (wasm !== undefined) throw new WasmgradError(msg`init: wasm must be a WebAssembly.Module, bytes, a URL or a string, not ${typeof wasm}`);
  else {
    bytes = await loadBytes(defaultWasmUrl(build, runtime));
    if (build === 'simd-threads') bytes = withSharedMemory(bytes, { inPlace: true });
  }
  try {
    // Node, Deno and Bun compile at once on the calling thread (as fast here, and no task boundary
    // for a pending GC to land in before the first result); browsers refuse that for large modules.
    return isNodeLike() ? new WebAssembly.Module(bytes as BufferSource) : await WebAssembly.compile(bytes as BufferSource);
  } catch (err) {
    const what = wasm === undefined ? `the '${build}' build` : 'the wasm given';
    throw new WasmgradError(msg`init: ${what} did not compile here: ${(err as Error).message}`);
  }
}

async function enableRelaxedSimdFlag(): Promise<void> {
  // Node 20 ships relaxed SIMD behind a V8 flag; it may be set at run time, before compiling.
  if (detectRuntime() !== 'node') return;
  const v8 = nodeBuiltin<typeof import('node:v8')>('v8', `init: backend 'relaxed' needs relaxed SIMD, which this runtime lacks`);
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

function autoBuild(f: RuntimeFeatures): BuildName {
  const threadsOk = f.sharedMemory && f.workers;
  // relaxed only where relaxed_madd really fuses: elsewhere (Bun) it gains nothing over simd.
  if (f.relaxedFused && threadsOk) return 'relaxed';
  if (f.simd && threadsOk) return 'simd-threads';
  return f.simd ? 'simd' : 'scalar';
}

async function chooseBuild(requested: InitOptions['backend'], f: RuntimeFeatures): Promise<BuildName> {
  if (!requested || requested === 'auto') return autoBuild(f);
  if (!BUILDS.includes(requested)) {
    throw new WasmgradError(msg`init: unknown backend '${requested}'; expected one of auto, ${BUILDS.join(', ')}`);
  }
  if (requested === 'relaxed' && !f.relaxedSimd) {
    await enableRelaxedSimdFlag();
    f.relaxedSimd = relaxedSimdSupported();
    f.relaxedFused = f.relaxedSimd && relaxedMaddFuses();
    if (!f.relaxedSimd) throw new WasmgradError(msg`init: backend 'relaxed' needs relaxed SIMD, which this runtime lacks`);
  }
  if (requested !== 'scalar' && !f.simd) throw new WasmgradError(msg`init: backend '${requested}' needs WebAssembly SIMD, which this runtime lacks`);
  if (SHARED_BUILDS.has(requested) && !f.sharedMemory) {
    throw new WasmgradError(
      `init: backend '${requested}' needs SharedArrayBuffer (a browser page must be cross-origin isolated); use 'simd'`,
    );
  }
  return requested;
}

/** Instantiates over a memory shared or not, as the module's import asks (Module.imports does not tell). */
async function instantiateMatching(module: WebAssembly.Module, sharedFirst: boolean, f: RuntimeFeatures) {
  const attempts = f.sharedMemory ? [sharedFirst, !sharedFirst] : [false];
  let firstError: unknown = null;
  for (const shared of attempts) {
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
    try {
      const imports = { env: { memory } };
      const instance = isNodeLike() ? new WebAssembly.Instance(module, imports) : await WebAssembly.instantiate(module, imports);
      return { shared, memory, instance };
    } catch (err) {
      firstError ??= err;
      if (!(err instanceof WebAssembly.LinkError)) break;
    }
  }
  throw firstError;
}

/**
 * The build to run, its module, memory and instance. Given a module (workerd imports the .wasm as
 * one), its memory import tells shared from unshared: it is named 'simd-threads' or 'simd' unless
 * `backend` names it ('relaxed' and 'scalar' cannot be told by the import alone).
 */
async function loadBuild(options: InitOptions, f: RuntimeFeatures) {
  const given = options.wasm !== undefined;
  const requested = options.backend ?? 'auto';
  let build = await chooseBuild(requested, f);
  const module = await compileModule(build, options.wasm, f.runtime);
  let matched: Awaited<ReturnType<typeof instantiateMatching>>;
  try {
    matched = await instantiateMatching(module, SHARED_BUILDS.has(build), f);
  } catch (err) {
    if (given && !f.sharedMemory && err instanceof WebAssembly.LinkError) {
      throw new WasmgradError(
        `init: the wasm given may import a shared memory, which this runtime does not offer (a browser page must be cross-origin isolated); pass the 'simd' build (${err.message})`,
      );
    }
    const what = given ? 'the wasm given is not a wasmgrad build that runs here' : `the '${build}' build did not instantiate`;
    throw new WasmgradError(msg`init: ${what} (${(err as Error).message})`);
  }
  if (matched.shared !== SHARED_BUILDS.has(build) && requested !== 'auto') {
    throw new WasmgradError(
      `init: the wasm given imports ${matched.shared ? 'a shared' : 'an unshared'} memory, so it is not the '${requested}' build`,
    );
  }
  // A module given without a backend is named by what its import tells, and no more.
  if (given && requested === 'auto') build = matched.shared ? 'simd-threads' : f.simd ? 'simd' : 'scalar';
  // Threads need workers too: where there are none (workerd) a shared build runs on the calling thread.
  return { build, module, ...matched, threaded: matched.shared && f.workers };
}

export class Engine {
  readonly allocator: Allocator;
  readonly kernels: Kernels;
  /** Kernel ids by name, filled as kernels are first run (a cold start runs a few of the 65). */
  private readonly ids = new Map<string, number>();
  private readonly names: readonly string[];
  private views: { f32: Float32Array; i32: Int32Array; u8: Uint8Array } | null = null;
  private scratch: number[] = [];

  private constructor(
    readonly build: BuildName,
    readonly features: RuntimeFeatures,
    readonly memory: WebAssembly.Memory,
    readonly module: WebAssembly.Module,
    table: KernelTable,
    public pool: ThreadPool,
  ) {
    this.allocator = new Allocator(memory, HEAP_BASE, MAX_PAGES * PAGE);
    this.names = table.names;
    this.kernels = table.kernels;
  }

  static async create(options: InitOptions): Promise<Engine> {
    const features = await detectFeatures();
    const { build, module, memory, instance, threaded } = await loadBuild(options, features);
    const table = bindKernels(instance.exports, build);
    const { names, fns } = table;
    let engine: Engine | null = null;
    const pool = await ThreadPool.create({
      memory,
      module,
      ctrlByte: CTRL_BYTE,
      fns,
      names,
      scratchOf: (t) => engine!.scratchOf(t),
      cores: features.cores,
      shared: threaded,
    });
    engine = new Engine(build, features, memory, module, table, pool);
    if (CTRL_BYTE + CTRL_BYTES > HEAP_BASE) throw new Error('control block overlaps the heap');
    const threads = options.threads ?? 'auto';
    const n = threads === 'auto' ? (threaded ? features.cores : 1) : threads;
    if (!threaded && n !== 1 && threads !== 'auto') {
      throw new WasmgradError(msg`init: threads: ${n} needs a build with shared memory and workers; the '${build}' build runs on 1 thread here`);
    }
    pool.setThreads(n);
    // Workers are created in a later task and take about 50 ms to start; init does not wait for
    // them: each joins jobs as soon as it is ready (the calling thread runs everything until then).
    // A worker that cannot start leaves the others, and the caller, to do the work.
    pool.ready().catch((err) => console.warn(`wasmgrad: ${(err as Error).message}`));
    return engine;
  }

  /** What JSON.stringify shows of the engine (reached from any tensor): its info, not views of its memory. */
  toJSON(): BackendInfo {
    return this.info;
  }

  /** Scratch of one thread, allocated when that thread runs its first job (a thread that never does costs nothing). */
  scratchOf(thread: number): number {
    return (this.scratch[thread] ??= this.allocator.alloc(SCRATCH_BYTES, `scratch of thread ${thread}`));
  }

  get info(): BackendInfo {
    return {
      runtime: this.features.runtime,
      backend: this.build,
      simd: this.build !== 'scalar',
      // Bun's relaxed_madd multiplies then adds: the relaxed build computes as the simd one there.
      relaxedSimd: this.build === 'relaxed' && this.features.relaxedFused,
      threads: this.pool.threadCount,
      sharedMemory: SHARED_BUILDS.has(this.build),
    };
  }

  kernelId(name: KernelName): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.indexOf(name);
      if (id < 0) throw new Error(`no kernel ${name} in the ${this.build} build`);
      this.ids.set(name, id);
    }
    return id;
  }

  /** Typed views of the memory, rebuilt after it grows; never keep one across an allocation. */
  get f32(): Float32Array {
    return this.currentViews().f32;
  }
  get i32(): Int32Array {
    return this.currentViews().i32;
  }
  get u8(): Uint8Array {
    return this.currentViews().u8;
  }

  private currentViews() {
    const buf = this.memory.buffer;
    if (!this.views || this.views.u8.byteLength !== buf.byteLength) {
      this.views = { f32: new Float32Array(buf), i32: new Int32Array(buf), u8: new Uint8Array(buf) };
    }
    return this.views;
  }

  /**
   * Runs a stepped kernel (its last parameter before the tasks is `step`) for steps 0 .. nSteps - 1
   * with a barrier between steps, all in one job (pool.ts runSteps); args are its parameters before step.
   */
  parallelSteps<K extends ParallelKernel>(name: K, args: StepArgs<K>, nTasks: number, nSteps: number, parallel = true): void {
    this.pool.runSteps(this.kernelId(name), args, nTasks, nSteps, parallel);
  }

  /**
   * Runs a parallel kernel over tasks [0, nTasks): args are its parameters before (taskBegin, taskEnd,
   * scratch). A grain > 0: threads claim tasks that many at a time (pool.ts run).
   */
  parallel<K extends ParallelKernel>(name: K, args: ParallelKernelArgs[K], nTasks: number, parallel = true, grain = 0): void {
    this.pool.run(this.kernelId(name), args, nTasks, parallel, grain);
  }

  async shutdown(): Promise<void> {
    await this.pool.shutdown();
  }
}
