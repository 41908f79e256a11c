// The thread pool: workers instantiate the same compiled module over the same shared memory. A job
// is a kernel id and its arguments written into a control block in shared memory; the caller is
// thread 0 and takes its share of the tasks; workers spin briefly after a job, then Atomics.wait.
// Tasks are split into contiguous ranges in a fixed order, and every kernel computes a task the
// same way whoever runs it, so results are bitwise identical for any thread count.
import { WasmgradError } from '../errors.js';
import { detectRuntime } from './detect.js';

// Control block layout (Int32 slots), shared with worker.js.
const GEN = 0, DONE = 1, KERNEL = 2, NARGS = 3, NTASKS = 4, NTHREADS = 5, ERRORS = 6, SLEEPERS = 7;
const STOP = 8, SPIN_US = 9, ERR_LEN = 11, READY = 16;
const ARGS_BYTE = 256, ERR_BYTE = 1024;
export const CTRL_BYTES = 4096;
export const MAX_ARGS = 32;
const MAX_WORKERS = 200;
/** How long an idle worker spins before it sleeps (waking a sleeper costs about 50 us here). */
const WORKER_SPIN_US = 300;
/** How long the caller spins for the workers before it sleeps (where it may). */
const CALLER_SPIN_MS = 2;

interface WorkerHandle {
  terminate(): unknown;
  unref?(): void;
  postMessage(data: unknown): void;
}

type WorkerFactory = (url: URL) => { worker: WorkerHandle; onMessage(cb: (m: { type: string; message?: string }) => void): void };

export function splitTasks(nTasks: number, nThreads: number, index: number): [number, number] {
  return [Math.floor((nTasks * index) / nThreads), Math.floor((nTasks * (index + 1)) / nThreads)];
}

async function workerFactory(): Promise<WorkerFactory> {
  const WebWorker = (globalThis as { Worker?: new (url: URL, o: object) => WorkerHandle & { onmessage: unknown } }).Worker;
  // Deno's Web Workers cannot be unref'd, so an idle one would keep the process alive; its worker_threads can.
  if (typeof WebWorker === 'function' && detectRuntime() !== 'deno') {
    return (url) => {
      const worker = new WebWorker(url, { type: 'module' });
      return {
        worker,
        onMessage: (cb) => {
          worker.onmessage = (e: { data: { type: string; message?: string } }) => cb(e.data);
        },
      };
    };
  }
  const { Worker } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:worker_threads');
  // A worker inherits execArgv, where --input-type (node -e) would stop it loading worker.js.
  const execArgv = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv?.filter((a) => !a.startsWith('--input-type'));
  return (url) => {
    const worker = new Worker(url, { execArgv });
    return {
      worker,
      onMessage: (cb) => {
        worker.on('message', cb);
        // Unhandled, a worker's 'error' event would end the process; it fails init's wait instead.
        worker.on('error', (err) => cb({ type: 'error', message: err.message }));
      },
    };
  };
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: WorkerHandle[] = [];
  private readonly started: Promise<void>[] = [];
  private threads = 1;
  /** Whether this thread may block in Atomics.wait (not on a browser's main thread). */
  private readonly canWait: boolean;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly module: WebAssembly.Module,
    private readonly ctrlByte: number,
    private readonly fns: ((...a: number[]) => void)[],
    private readonly names: string[],
    private readonly scratchOf: (thread: number) => number,
    private readonly cores: number,
    private readonly factory: WorkerFactory | null,
  ) {
    this.ctrl = new Int32Array(memory.buffer, ctrlByte, 256);
    this.args = new Float64Array(memory.buffer, ctrlByte + ARGS_BYTE, MAX_ARGS);
    const g = globalThis as { window?: unknown; document?: unknown };
    this.canWait = !(typeof g.window !== 'undefined' && typeof g.document !== 'undefined');
  }

  static async create(opts: {
    memory: WebAssembly.Memory;
    module: WebAssembly.Module;
    ctrlByte: number;
    fns: ((...a: number[]) => void)[];
    names: string[];
    scratchOf: (thread: number) => number;
    cores: number;
    shared: boolean;
  }): Promise<ThreadPool> {
    const factory = opts.shared ? await workerFactory() : null;
    return new ThreadPool(opts.memory, opts.module, opts.ctrlByte, opts.fns, opts.names, opts.scratchOf, opts.cores, factory);
  }

  /** The most threads this pool can run (1 without shared memory). */
  get maxThreads(): number {
    return this.factory ? MAX_WORKERS : 1;
  }

  get threadCount(): number {
    return this.threads;
  }

  /** Sets the thread count, starting missing workers; they join jobs as soon as they are ready. */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new WasmgradError(`setThreads(${n}): expected a whole number >= 1`);
    if (n > this.maxThreads) {
      throw new WasmgradError(
        this.factory
          ? `setThreads(${n}): at most ${MAX_WORKERS} threads`
          : `setThreads(${n}): this build has no shared memory, so it runs on 1 thread; use the 'simd-threads' or 'relaxed' build`,
      );
    }
    this.threads = n;
    if (!this.factory) return;
    // Never more spinning threads than cores: oversubscribed workers sleep at once.
    Atomics.store(this.ctrl, SPIN_US, n <= this.cores ? WORKER_SPIN_US : 0);
    while (this.workers.length < n - 1) this.spawn(this.workers.length + 1);
  }

  /** Resolves when every started worker is ready to take jobs. */
  async ready(): Promise<void> {
    await Promise.all(this.started);
  }

  private spawn(index: number): void {
    const { worker, onMessage } = this.factory!(new URL('./worker.js', import.meta.url));
    this.workers.push(worker);
    this.started.push(
      new Promise<void>((resolve, reject) => {
        onMessage((m) => {
          if (m.type === 'ready') {
            // An idle worker must never keep the process alive (while it starts, it must, or an
            // awaited init() would leave nothing for the event loop to wait on).
            worker.unref?.();
            resolve();
          }
          else if (m.type === 'error') reject(new WasmgradError(`worker ${index} could not start: ${m.message}`));
        });
      }),
    );
    worker.postMessage({
      module: this.module,
      memory: this.memory,
      ctrlByte: this.ctrlByte,
      index,
      scratch: this.scratchOf(index),
    });
  }

  private readyThreads(limit: number): number {
    let n = 1;
    while (n < limit && Atomics.load(this.ctrl, READY + n) === 1) n++;
    return n;
  }

  /**
   * Runs kernel `id` over tasks [0, nTasks) split over the threads; `parallel` false keeps it on
   * the caller (small problems: dispatch would cost more than it saves).
   */
  run(id: number, args: readonly number[], nTasks: number, parallel = true): void {
    const nThreads = parallel ? this.readyThreads(Math.min(this.threads, nTasks)) : 1;
    const fn = this.fns[id];
    if (nThreads <= 1) {
      try {
        fn(...args, 0, nTasks, this.scratchOf(0));
      } catch (err) {
        throw new WasmgradError(`kernel ${this.names[id]} failed on the calling thread: ${(err as Error).message ?? err}`);
      }
      return;
    }
    const ctrl = this.ctrl;
    if (args.length > MAX_ARGS) throw new WasmgradError(`kernel ${this.names[id]}: more than ${MAX_ARGS} arguments`);
    this.args.set(args);
    ctrl[KERNEL] = id;
    ctrl[NARGS] = args.length;
    ctrl[NTASKS] = nTasks;
    ctrl[NTHREADS] = nThreads;
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, ERRORS, 0);
    Atomics.add(ctrl, GEN, 1);
    if (Atomics.load(ctrl, SLEEPERS) > 0) Atomics.notify(ctrl, GEN);
    let callerError: unknown = null;
    const [begin, end] = splitTasks(nTasks, nThreads, 0);
    try {
      fn(...args, begin, end, this.scratchOf(0));
    } catch (err) {
      callerError = err;
    }
    this.waitForWorkers(nThreads - 1);
    if (Atomics.load(ctrl, ERRORS) > 0) {
      const len = Atomics.load(ctrl, ERR_LEN);
      const text = new TextDecoder().decode(new Uint8Array(this.memory.buffer, this.ctrlByte + ERR_BYTE, len).slice());
      throw new WasmgradError(`kernel ${this.names[id]} failed in ${text}`);
    }
    if (callerError) {
      const msg = callerError instanceof Error ? callerError.message : String(callerError);
      throw new WasmgradError(`kernel ${this.names[id]} failed on the calling thread: ${msg}`);
    }
  }

  private waitForWorkers(target: number): void {
    const ctrl = this.ctrl;
    let done = Atomics.load(ctrl, DONE);
    if (done >= target) return;
    const spinUntil = performance.now() + CALLER_SPIN_MS;
    let i = 0;
    while ((done = Atomics.load(ctrl, DONE)) < target) {
      if ((++i & 255) === 0 && this.canWait && performance.now() > spinUntil) {
        Atomics.wait(ctrl, DONE, done, 1);
      }
    }
  }

  /** Stops every worker; the process may exit afterwards. */
  async shutdown(): Promise<void> {
    // Without shared memory there are no workers (and the control view may be stale after growth).
    if (!this.factory) return;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    await Promise.allSettled(this.started);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.started.length = 0;
  }
}
