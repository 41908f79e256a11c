// The engine: picks and loads a build, owns the one WebAssembly.Memory, its allocator, the kernel
// table and the thread pool. The only place above assembly/ that knows kernel ids and pointers.
import { WasmgradError } from '../errors.js';
import { Allocator } from './allocator.js';
import { detectFeatures, isNodeLike, relaxedSimdSupported, type RuntimeFeatures } from './detect.js';
import { ThreadPool } from './pool.js';
import { CTRL_BYTE, CTRL_BYTES, HEAP_BASE, MIN_PAGES, MAX_PAGES, SCRATCH_BYTES, type KernelName, type Kernels, type ParallelKernel, type ParallelKernelArgs } from './abi.js';
import { bindKernels, type KernelTable } from './bind.js';

export { MAX_PAGES, SCRATCH_BYTES };

export type BuildName = 'relaxed' | 'simd-threads' | 'simd' | 'scalar';
export const BUILDS: readonly BuildName[] = ['relaxed', 'simd-threads', 'simd', 'scalar'];
const SHARED_BUILDS = new Set<BuildName>(['relaxed', 'simd-threads']);

export interface InitOptions {
  threads?: number | 'auto';
  backend?: 'auto' | BuildName;
  wasm?: WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string;
}

export interface BackendInfo {
  backend: BuildName;
  simd: boolean;
  relaxedSimd: boolean;
  threads: number;
  sharedMemory: boolean;
}

const PAGE = 65536;
/** The memory starts at 4 MiB and grows as tensors need (never below the modules' declared minimum). */
const INITIAL_PAGES = Math.max(64, MIN_PAGES);

declare const __WASM_DIR__: string | undefined;

function defaultWasmUrl(build: BuildName): URL {
  // In the bundle the .wasm files sit beside it; run from sources, they are in dist/.
  const dir = typeof __WASM_DIR__ === 'string' ? __WASM_DIR__ : '../../dist/';
  return new URL(`${dir}wasmgrad-${build}.wasm`, import.meta.url);
}

async function loadBytes(url: URL): Promise<ArrayBuffer | Uint8Array> {
  if (url.protocol === 'file:' && isNodeLike()) {
    const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
    const { fileURLToPath } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:url');
    return fs.readFile(fileURLToPath(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new WasmgradError(`init: could not load ${url.href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** A string is a URL if it has a scheme, otherwise a file path (Node) or a URL relative to the page. */
async function urlOf(s: string): Promise<URL> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('data:')) return new URL(s);
  if (isNodeLike()) {
    const { pathToFileURL } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:url');
    return pathToFileURL(s);
  }
  return new URL(s, (globalThis as { location?: { href: string } }).location?.href);
}

async function compileModule(build: BuildName, wasm: InitOptions['wasm']): Promise<WebAssembly.Module> {
  if (wasm instanceof WebAssembly.Module) return wasm;
  let bytes: ArrayBuffer | Uint8Array;
  if (wasm instanceof ArrayBuffer || wasm instanceof Uint8Array) bytes = wasm;
  else if (wasm instanceof URL) bytes = await loadBytes(wasm);
  else if (typeof wasm === 'string') bytes = await loadBytes(await urlOf(wasm));
  else if (wasm !== undefined) throw new WasmgradError(`init: wasm must be a WebAssembly.Module, bytes, a URL or a string, not ${typeof wasm}`);
  else bytes = await loadBytes(defaultWasmUrl(build));
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (err) {
    throw new WasmgradError(`init: the '${build}' build did not compile: ${(err as Error).message}`);
  }
}

async function enableRelaxedSimdFlag(): Promise<void> {
  // Node 20 ships relaxed SIMD behind a V8 flag; it may be set at run time, before compiling.
  if (!isNodeLike()) return;
  const v8 = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:v8');
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

async function chooseBuild(requested: InitOptions['backend'], f: RuntimeFeatures): Promise<BuildName> {
  const threadsOk = f.sharedMemory && f.workers;
  if (!requested || requested === 'auto') {
    if (f.relaxedSimd && threadsOk) return 'relaxed';
    if (f.simd && threadsOk) return 'simd-threads';
    return f.simd ? 'simd' : 'scalar';
  }
  if (!BUILDS.includes(requested)) {
    throw new WasmgradError(`init: unknown backend '${requested}'; expected one of auto, ${BUILDS.join(', ')}`);
  }
  if (requested === 'relaxed' && !f.relaxedSimd) {
    await enableRelaxedSimdFlag();
    f.relaxedSimd = relaxedSimdSupported();
    if (!f.relaxedSimd) throw new WasmgradError(`init: backend 'relaxed' needs relaxed SIMD, which this runtime lacks`);
  }
  if (requested !== 'scalar' && !f.simd) throw new WasmgradError(`init: backend '${requested}' needs WebAssembly SIMD, which this runtime lacks`);
  if (SHARED_BUILDS.has(requested) && !threadsOk) {
    throw new WasmgradError(
      `init: backend '${requested}' needs SharedArrayBuffer and workers (a browser page must be cross-origin isolated); use 'simd'`,
    );
  }
  return requested;
}

export class Engine {
  readonly allocator: Allocator;
  readonly kernels: Kernels;
  private readonly ids = new Map<string, number>();
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
    table.names.forEach((n, i) => this.ids.set(n, i));
    this.kernels = table.kernels;
  }

  static async create(options: InitOptions): Promise<Engine> {
    const features = await detectFeatures();
    const build = await chooseBuild(options.backend, features);
    const module = await compileModule(build, options.wasm);
    const shared = SHARED_BUILDS.has(build);
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
    let instance: WebAssembly.Instance;
    try {
      instance = await WebAssembly.instantiate(module, { env: { memory } });
    } catch (err) {
      throw new WasmgradError(`init: the module given is not the '${build}' build (${(err as Error).message})`);
    }
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
      shared,
    });
    engine = new Engine(build, features, memory, module, table, pool);
    if (CTRL_BYTE + CTRL_BYTES > HEAP_BASE) throw new Error('control block overlaps the heap');
    const threads = options.threads ?? 'auto';
    const n = threads === 'auto' ? (shared ? features.cores : 1) : threads;
    if (!shared && n !== 1 && threads !== 'auto') {
      throw new WasmgradError(`init: threads: ${n} needs a build with shared memory; the '${build}' build runs on 1 thread`);
    }
    pool.setThreads(n);
    // Workers take about 50 ms to start; init does not wait for them: each joins jobs as soon as it
    // is ready (the calling thread runs everything until then). A worker that cannot start leaves
    // the others, and the caller, to do the work.
    pool.ready().catch((err) => console.warn(`wasmgrad: ${(err as Error).message}`));
    return engine;
  }

  /** Scratch of one thread, allocated when that thread runs its first job (a thread that never does costs nothing). */
  scratchOf(thread: number): number {
    return (this.scratch[thread] ??= this.allocator.alloc(SCRATCH_BYTES, `scratch of thread ${thread}`));
  }

  get info(): BackendInfo {
    return {
      backend: this.build,
      simd: this.build !== 'scalar',
      relaxedSimd: this.build === 'relaxed',
      threads: this.pool.threadCount,
      sharedMemory: SHARED_BUILDS.has(this.build),
    };
  }

  kernelId(name: KernelName): number {
    const id = this.ids.get(name);
    if (id === undefined) throw new Error(`no kernel ${name} in the ${this.build} build`);
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

  /** Runs a parallel kernel over tasks [0, nTasks): args are its parameters before (taskBegin, taskEnd, scratch). */
  parallel<K extends ParallelKernel>(name: K, args: ParallelKernelArgs[K], nTasks: number, parallel = true): void {
    this.pool.run(this.kernelId(name), args, nTasks, parallel);
  }

  async shutdown(): Promise<void> {
    await this.pool.shutdown();
  }
}
