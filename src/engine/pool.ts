// The thread pool: workers instantiate the same compiled module over the same shared memory. A job
// is a kernel id and its arguments written into a control block in shared memory; the caller is
// thread 0 and takes its share of the tasks; workers spin briefly after a job, then Atomics.wait.
// Tasks are split into contiguous ranges in a fixed order, and every kernel computes a task the
// same way whoever runs it, so results are bitwise identical for any thread count. A stepped job
// (runSteps) runs a loop of steps with a barrier in shared memory between them, for time loops
// whose steps are too short to pay a dispatch each.
import { WasmgradError, msg } from '../errors.js';
import { CTRL, CLAIM as CLAIM_STATE, CTRL_ARGS_BYTE, CTRL_ERR_BYTE, CTRL_ERR_CAP, CTRL_BYTES, MAX_ARGS, MAX_THREADS } from './abi.js';
import { detectRuntime, nodeBuiltin } from './detect.js';

// The control block's layout (assembly/abi.ts), also handed to every worker with its first message.
// Per worker index i (1..MAX_WORKERS): READY + i (started), CLAIM + i (who runs its share of the
// current job: a CLAIM_* state), SCRATCH + i (its scratch, allocated when it first runs).
const { gen: GEN, done: DONE, kernel: KERNEL, nargs: NARGS, ntasks: NTASKS, nthreads: NTHREADS, errors: ERRORS } = CTRL;
const { sleepers: SLEEPERS, stop: STOP, spinUs: SPIN_US, errLen: ERR_LEN, ready: READY, claim: CLAIM, scratch: SCRATCH } = CTRL;
const { open: OPEN, taken: TAKEN, stolen: STOLEN, finished: FINISHED, steps: STEPS } = CLAIM_STATE;
const { nsteps: NSTEPS, stepBase: STEP_BASE, grain: GRAIN, next: NEXT } = CTRL;
const ARGS_BYTE = CTRL_ARGS_BYTE, ERR_BYTE = CTRL_ERR_BYTE;
const WORKER_LAYOUT = {
  slots: CTRL, claim: CLAIM_STATE, argsByte: CTRL_ARGS_BYTE, errByte: CTRL_ERR_BYTE, errCap: CTRL_ERR_CAP, maxArgs: MAX_ARGS, ctrlBytes: CTRL_BYTES,
};
export { CTRL_BYTES, MAX_ARGS };
/** The most workers (the caller is thread 0; worker i has slots READY + i, CLAIM + i, SCRATCH + i). */
const MAX_WORKERS = MAX_THREADS;
/** How long an idle worker spins before it sleeps (waking a sleeper costs about 50 us here). */
const WORKER_SPIN_US = 300;
/** How long the caller spins for the workers before it sleeps (where it may). */
const CALLER_SPIN_MS = 2;
/**
 * A share no worker has taken this long after the job started is run by the caller: a worker that
 * died (terminated from outside, crashed) never takes its share, and the job still completes. A
 * live worker takes its share within microseconds; this only costs time when one is gone.
 */
const STEAL_AFTER_MS = 100;
/** A share taken but unfinished this long means its worker died mid-kernel: the job raises. */
const STALL_MS = 120_000;
/** How often one worker index is restarted after dying, before the pool stops replacing it. */
const MAX_RESTARTS = 3;

interface WorkerHandle {
  terminate(): unknown;
  unref?(): void;
  ref?(): void;
  postMessage(data: unknown): void;
}

interface SpawnedWorker {
  worker: WorkerHandle;
  onMessage(cb: (m: { type: string; message?: string }) => void): void;
  /** Called once if the worker fails to load or throws outside a kernel, or its thread ends. */
  onFailure(cb: (reason: string) => void): void;
}

type WorkerFactory = (url: URL) => SpawnedWorker;

export function splitTasks(nTasks: number, nThreads: number, index: number): [number, number] {
  return [Math.floor((nTasks * index) / nThreads), Math.floor((nTasks * (index + 1)) / nThreads)];
}

/** Resolves in a later macrotask (after the caller's synchronous work and its microtasks). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function workerFactory(): Promise<WorkerFactory> {
  const WebWorker = (globalThis as { Worker?: new (url: URL, o: object) => WorkerHandle & { onmessage: unknown; onerror: unknown } }).Worker;
  // Deno's Web Workers cannot be unref'd, so an idle one would keep the process alive; its worker_threads can.
  if (typeof WebWorker === 'function' && detectRuntime() !== 'deno') {
    return (url) => {
      const worker = new WebWorker(url, { type: 'module' });
      return {
        worker,
        onMessage: (cb) => {
          worker.onmessage = (e: { data: { type: string; message?: string } }) => cb(e.data);
        },
        onFailure: (cb) => {
          worker.onerror = (e: { message?: string; preventDefault?: () => void }) => {
            e.preventDefault?.();
            cb(e.message ?? 'the worker failed');
          };
        },
      };
    };
  }
  const { Worker } = nodeBuiltin<typeof import('node:worker_threads')>('worker_threads', 'init: this runtime has neither Web Workers nor worker_threads');
  return (url) => {
    // A clean execArgv: the parent's flags (--input-type, --eval, loaders) are not for the worker.
    const worker = new Worker(url, { execArgv: [] });
    return {
      worker,
      onMessage: (cb) => worker.on('message', cb),
      onFailure: (cb) => {
        let failed = false;
        const once = (reason: string) => {
          if (!failed) cb(reason);
          failed = true;
        };
        // Without an 'error' listener, a worker that cannot load would end the whole process.
        worker.on('error', (err: Error) => once(err?.message ?? String(err)));
        worker.on('exit', (code: number) => once(`its thread ended (exit code ${code})`));
      },
    };
  };
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  /** Workers by index - 1; null where one died and was not replaced. */
  private readonly workers: (WorkerHandle | null)[] = [];
  private readonly started: Promise<void>[] = [];
  private readonly restarts: number[] = [];
  private threads = 1;
  private stopping = false;
  /** The claim base of the last stepped job (see CLAIM_STEPS). */
  private stepBase: number = STEPS;
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
    /** Whether workers can run here (shared memory and a worker API). */
    private readonly shared: boolean,
  ) {
    this.ctrl = new Int32Array(memory.buffer, ctrlByte, CTRL_BYTES / 4);
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
    return new ThreadPool(opts.memory, opts.module, opts.ctrlByte, opts.fns, opts.names, opts.scratchOf, opts.cores, opts.shared);
  }

  /**
   * The worker API, loaded when the first worker starts: a program that stays on one thread never
   * loads node:worker_threads (a few ms of a cold start).
   */
  private factory: Promise<WorkerFactory> | null = null;

  /** The most threads this pool can run (1 without shared memory). */
  get maxThreads(): number {
    return this.shared ? MAX_WORKERS + 1 : 1;
  }

  /** The threads jobs may use: the caller and the workers that have not died. */
  get threadCount(): number {
    let n = 1;
    for (let i = 0; i < this.threads - 1; i++) if (this.workers[i]) n++;
    return n;
  }

  /** @internal For tests: the live worker handles (terminating one from outside must not hang a job). */
  get workerHandles(): readonly WorkerHandle[] {
    return this.workers.filter((w): w is WorkerHandle => w !== null);
  }

  /**
   * Sets the thread count, starting missing workers; they join jobs as soon as they are ready. More
   * threads than the machine's cores are refused unless `force` is set: oversubscribed threads only
   * wait for each other.
   */
  setThreads(n: number, options: { force?: boolean } = {}): void {
    if (!Number.isInteger(n) || n < 1) throw new WasmgradError(msg`setThreads(${n}): expected a whole number >= 1`);
    if (n > this.maxThreads) {
      throw new WasmgradError(
        this.shared
          ? `setThreads(${n}): at most ${this.maxThreads} threads`
          : `setThreads(${n}): this build has no shared memory, so it runs on 1 thread; use the 'simd-threads' or 'relaxed' build`,
      );
    }
    if (n > this.cores && options?.force !== true) {
      throw new WasmgradError(msg`setThreads(${n}): this machine has ${this.cores} core(s); more threads than cores only wait for each other. Pass setThreads(${n}, { force: true }) to run them anyway`);
    }
    this.threads = n;
    if (!this.shared) return;
    // Never more spinning threads than cores: oversubscribed workers sleep at once.
    Atomics.store(this.ctrl, SPIN_US, n <= this.cores ? WORKER_SPIN_US : 0);
    for (let i = 1; i < n; i++) if (!this.workers[i - 1] && (this.restarts[i - 1] ?? 0) <= MAX_RESTARTS) this.spawn(i);
  }

  /** Resolves when every started worker is ready to take jobs; rejects if one could not start. */
  async ready(): Promise<void> {
    await Promise.all(this.started);
  }

  /**
   * Starts worker `index` in a later task: creating a worker blocks its caller for several ms, which
   * the first calls after init need not wait for (they run on the caller until workers are ready).
   * Until then a placeholder holds its place, so the thread count is what was asked for.
   */
  private spawn(index: number): void {
    const placeholder: WorkerHandle = { terminate: () => undefined, postMessage: () => undefined };
    this.workers[index - 1] = placeholder;
    // no share is open for a new worker until a job that counts it opens one
    Atomics.store(this.ctrl, CLAIM + index, FINISHED);
    const started = (this.factory ??= nextTask().then(workerFactory)).then(
      (factory) => (this.workers[index - 1] === placeholder ? this.start(index, factory) : undefined),
      (err) => {
        this.workers[index - 1] = null;
        this.restarts[index - 1] = MAX_RESTARTS + 1;
        throw new WasmgradError(msg`worker ${index} could not start: ${(err as Error)?.message ?? err}`);
      },
    );
    started.catch(() => undefined); // reported by init's warning or by ready()
    this.started[index - 1] = started;
  }

  /** Creates worker `index`; resolves when it is ready to take jobs. */
  private start(index: number, factory: WorkerFactory): Promise<void> {
    let spawned: SpawnedWorker;
    try {
      spawned = factory(new URL('./worker.js', import.meta.url));
    } catch (err) {
      this.workers[index - 1] = null;
      this.restarts[index - 1] = MAX_RESTARTS + 1;
      return Promise.reject(new WasmgradError(msg`worker ${index} could not start: ${(err as Error)?.message ?? err}`));
    }
    const { worker, onMessage, onFailure } = spawned;
    this.workers[index - 1] = worker;
    let wasReady = false;
    const ready = new Promise<void>((resolve, reject) => {
      onMessage((m) => {
        if (m.type === 'ready') {
          wasReady = true;
          // An idle worker must never keep the process alive (while it starts, it must, or an
          // awaited init() would leave nothing for the event loop to wait on).
          // (not once shutdown() has begun: it refs the workers so that their termination is awaited)
          if (!this.stopping) worker.unref?.();
          resolve();
        } else if (m.type === 'error') reject(new WasmgradError(msg`worker ${index} could not start: ${m.message}`));
      });
      onFailure((reason) => {
        this.retire(index, worker, wasReady, reason);
        // a worker stopped by shutdown() while it started has not failed
        if (this.stopping) resolve();
        else reject(new WasmgradError(msg`worker ${index} could not start: ${reason}`));
      });
    });
    worker.postMessage({ module: this.module, memory: this.memory, ctrlByte: this.ctrlByte, layout: WORKER_LAYOUT, names: this.names, index });
    return ready;
  }

  /** A worker died: jobs stop counting on it; one that had been running is replaced (a few times). */
  private retire(index: number, worker: WorkerHandle, wasReady: boolean, reason: string): void {
    if (this.workers[index - 1] !== worker) return;
    Atomics.store(this.ctrl, READY + index, 0);
    this.workers[index - 1] = null;
    if (this.stopping) return;
    const restarts = (this.restarts[index - 1] = (this.restarts[index - 1] ?? 0) + 1);
    // one that never started is reported through ready() (init warns); one that ran is replaced
    if (!wasReady) return;
    const replace = restarts <= MAX_RESTARTS && index < this.threads;
    console.warn(`wasmgrad: worker ${index} stopped (${reason}); ${replace ? 'starting a new one' : `running on ${this.threadCount} thread(s)`}`);
    if (replace) this.spawn(index);
  }

  private readyThreads(limit: number): number {
    let n = 1;
    while (n < limit && Atomics.load(this.ctrl, READY + n) === 1 && this.workers[n - 1]) n++;
    return n;
  }

  /**
   * Runs kernel `id` over tasks [0, nTasks) split over the threads; `parallel` false keeps it on
   * the caller (small problems: dispatch would cost more than it saves). With a `grain`, threads
   * claim tasks `grain` at a time from a counter instead of each running a fixed share, so a thread
   * that starts late or runs on a slower core takes fewer: only for kernels whose every task
   * computes the same bits however tasks are grouped into calls (the recurrent rows kernels).
   */
  run(id: number, args: readonly number[], nTasks: number, parallel = true, grain = 0): void {
    const nThreads = parallel ? this.readyThreads(Math.min(this.threads, nTasks)) : 1;
    const fn = this.fns[id];
    if (nThreads <= 1) {
      try {
        fn(...args, 0, nTasks, this.scratchOf(0));
      } catch (err) {
        throw new WasmgradError(msg`kernel ${this.names[id]} failed on the calling thread: ${(err as Error).message ?? err}`);
      }
      return;
    }
    const ctrl = this.ctrl;
    if (args.length > MAX_ARGS) throw new WasmgradError(msg`kernel ${this.names[id]}: more than ${MAX_ARGS} arguments`);
    // scratch is allocated the first time a thread runs a job (before the job: allocation may grow memory)
    const scratch: number[] = [];
    for (let i = 0; i < nThreads; i++) scratch.push(this.scratchOf(i));
    this.args.set(args);
    ctrl[KERNEL] = id;
    ctrl[NARGS] = args.length;
    ctrl[NTASKS] = nTasks;
    ctrl[NTHREADS] = nThreads;
    ctrl[GRAIN] = grain;
    Atomics.store(ctrl, NEXT, 0);
    for (let i = 1; i < nThreads; i++) {
      ctrl[SCRATCH + i] = scratch[i];
      Atomics.store(ctrl, CLAIM + i, OPEN);
    }
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, ERRORS, 0);
    const start = performance.now();
    Atomics.add(ctrl, GEN, 1);
    if (Atomics.load(ctrl, SLEEPERS) > 0) Atomics.notify(ctrl, GEN);
    let callerError: unknown = null;
    const runShare = (index: number) => {
      try {
        if (grain > 0) {
          // the tasks no thread has claimed yet (none once the caller's own claims are done)
          for (let b = Atomics.add(ctrl, NEXT, grain); b < nTasks; b = Atomics.add(ctrl, NEXT, grain)) {
            fn(...args, b, Math.min(nTasks, b + grain), scratch[index]);
          }
          return;
        }
        const [begin, end] = splitTasks(nTasks, nThreads, index);
        if (begin < end || index === 0) fn(...args, begin, end, scratch[index]);
      } catch (err) {
        callerError ??= err;
      }
    };
    runShare(0);
    // claimed tasks: a worker that has not come by the time every task is claimed has nothing to do
    this.finishShares(nThreads, start, runShare, id, grain > 0 ? 0 : STEAL_AFTER_MS);
    if (Atomics.load(ctrl, ERRORS) > 0) {
      const len = Atomics.load(ctrl, ERR_LEN);
      const text = new TextDecoder().decode(new Uint8Array(this.memory.buffer, this.ctrlByte + ERR_BYTE, len).slice());
      throw new WasmgradError(msg`kernel ${this.names[id]} failed in ${text}`);
    }
    if (callerError) {
      const reason = callerError instanceof Error ? callerError.message : String(callerError);
      throw new WasmgradError(msg`kernel ${this.names[id]} failed on the calling thread: ${reason}`);
    }
  }

  /**
   * Runs a stepped kernel: steps 0 .. nSteps - 1 in order, each over tasks [0, nTasks) split like
   * run(), with a barrier in shared memory between steps (step s + 1 of a share may read what step s
   * of any share wrote); the kernel takes (...args, step, taskBegin, taskEnd, scratch). One job for
   * the whole loop: a step costs a barrier, not a dispatch. Every step of every share is claimed
   * (slot CLAIM + i, see CLAIM_STEPS) by its worker or by the caller: a share its worker has not
   * taken when the caller has finished its own is run by the caller (the worker is descheduled,
   * asleep or dead: waiting would cost more than the step), and the worker goes on with the next
   * step. A step taken but unfinished after STALL_MS, or a failing kernel, raises.
   */
  runSteps(id: number, args: readonly number[], nTasks: number, nSteps: number, parallel = true): void {
    const nThreads = parallel && nSteps > 1 ? this.readyThreads(Math.min(this.threads, nTasks)) : 1;
    const fn = this.fns[id];
    if (nThreads <= 1) {
      const scratch = this.scratchOf(0);
      try {
        for (let s = 0; s < nSteps; s++) fn(...args, s, 0, nTasks, scratch);
      } catch (err) {
        throw new WasmgradError(msg`kernel ${this.names[id]} failed on the calling thread: ${(err as Error).message ?? err}`);
      }
      return;
    }
    const ctrl = this.ctrl;
    if (args.length + 1 > MAX_ARGS) throw new WasmgradError(msg`kernel ${this.names[id]}: more than ${MAX_ARGS - 1} arguments`);
    const scratch: number[] = [];
    const shares: [number, number][] = [];
    for (let i = 0; i < nThreads; i++) {
      scratch.push(this.scratchOf(i));
      shares.push(splitTasks(nTasks, nThreads, i));
    }
    this.args.set(args);
    ctrl[KERNEL] = id;
    ctrl[NARGS] = args.length;
    ctrl[NTASKS] = nTasks;
    ctrl[NTHREADS] = nThreads;
    ctrl[NSTEPS] = nSteps;
    const base = (this.stepBase = this.stepBase === STEPS ? STEPS + 2 : STEPS);
    ctrl[STEP_BASE] = base;
    // slot CLAIM + 0 is the caller's share (-1: the job was abandoned)
    for (let i = 0; i < nThreads; i++) {
      if (i > 0) ctrl[SCRATCH + i] = scratch[i];
      Atomics.store(ctrl, CLAIM + i, base);
    }
    Atomics.store(ctrl, ERRORS, 0);
    Atomics.add(ctrl, GEN, 1);
    if (Atomics.load(ctrl, SLEEPERS) > 0) Atomics.notify(ctrl, GEN);
    let failure: string | null = null;
    const runStep = (index: number, s: number) => {
      const [begin, end] = shares[index];
      try {
        if (begin < end) fn(...args, s, begin, end, scratch[index]);
      } catch (err) {
        failure ??= `kernel ${this.names[id]} failed on the calling thread: ${(err as Error)?.message ?? err}`;
      }
      Atomics.store(ctrl, CLAIM + index, base + 4 * s + 4);
      Atomics.notify(ctrl, CLAIM + index);
    };
    // a share its worker has not claimed once the caller's own is done is run by the caller
    const claim = (i: number, s: number) => Atomics.compareExchange(ctrl, CLAIM + i, base + 4 * s, base + 4 * s + 1) === base + 4 * s;
    for (let s = 0; s < nSteps && failure === null; s++) {
      runStep(0, s);
      for (let i = 1; i < nThreads; i++) if (claim(i, s)) runStep(i, s);
      for (let i = 1; i < nThreads && failure === null; i++) failure = this.awaitStep(i, s, base, id, () => claim(i, s) && (runStep(i, s), true));
    }
    if (failure !== null) {
      Atomics.store(ctrl, CLAIM, -1);
      Atomics.notify(ctrl, CLAIM);
      throw new WasmgradError(failure);
    }
  }

  /**
   * Waits until share i has finished step s (its worker took it); a failure's message, or null.
   * `takeOver` runs the share when it is open again (a late worker gave back a claim it found stale).
   */
  private awaitStep(i: number, s: number, base: number, id: number, takeOver: () => boolean): string | null {
    const ctrl = this.ctrl;
    const open = base + 4 * s, done = open + 4;
    const start = performance.now();
    let spins = 0;
    for (;;) {
      const state = Atomics.load(ctrl, CLAIM + i);
      if (state >= done) return null;
      if (state === open && takeOver()) return null;
      if (Atomics.load(ctrl, ERRORS) > 0) {
        const len = Atomics.load(ctrl, ERR_LEN);
        return `kernel ${this.names[id]} failed in ${new TextDecoder().decode(new Uint8Array(this.memory.buffer, this.ctrlByte + ERR_BYTE, len).slice())}`;
      }
      if ((++spins & 255) !== 0) continue;
      const now = performance.now();
      if (now - start > STALL_MS) {
        return `kernel ${this.names[id]}: worker ${i} took step ${s} of its share but has not finished it after ${STALL_MS / 1000} s; it may have died mid-kernel`;
      }
      if (this.canWait && now - start > CALLER_SPIN_MS) Atomics.wait(ctrl, CLAIM + i, state, 1);
    }
  }

  /**
   * Waits until every worker share is finished. A share still open STEAL_AFTER_MS after the job
   * started is taken and run by the caller (its worker is gone or stuck); a share taken but not
   * finished after STALL_MS raises.
   */
  private finishShares(nThreads: number, start: number, runShare: (index: number) => void, id: number, stealAfterMs: number): void {
    const ctrl = this.ctrl;
    const spinUntil = start + CALLER_SPIN_MS;
    for (let i = 1; i < nThreads; i++) {
      let spins = 0;
      for (;;) {
        const state = Atomics.load(ctrl, CLAIM + i);
        if (state === FINISHED || state === STOLEN) break;
        if ((++spins & 255) !== 0) continue;
        const now = performance.now();
        if (state === OPEN && now - start >= stealAfterMs) {
          if (Atomics.compareExchange(ctrl, CLAIM + i, OPEN, STOLEN) === OPEN) {
            runShare(i);
            break;
          }
          continue;
        }
        if (state === TAKEN && now - start > STALL_MS) {
          throw new WasmgradError(msg`kernel ${this.names[id]}: worker ${i} took its share but has not finished it after ${STALL_MS / 1000} s; it may have died mid-kernel`);
        }
        if (this.canWait && now > spinUntil) Atomics.wait(ctrl, DONE, Atomics.load(ctrl, DONE), 1);
      }
    }
  }

  /** Stops every worker; the process may exit afterwards. Always settles, whatever state the workers are in. */
  async shutdown(): Promise<void> {
    // Without shared memory there are no workers (and the control view may be stale after growth).
    if (!this.shared) return;
    this.stopping = true;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    const workers = this.workers.filter((w): w is WorkerHandle => w !== null);
    this.workers.length = 0;
    this.started.length = 0;
    await Promise.allSettled(workers.map((w) => {
      try {
        // an idle worker is unref'd: ref it again, or the process could end before the termination settles
        w.ref?.();
        return w.terminate();
      } catch {
        return undefined;
      }
    }));
  }
}
