// The current engine and the public engine functions: init, ready, backendInfo, setThreads, shutdown.
// The engine knows nothing of tensors: what must happen to them at shutdown is a hook that
// tensor.ts registers.
import { WasmgradError, msg } from '../errors.js';
import { Engine, type BackendInfo, type InitOptions } from './engine.js';

let current: Engine | null = null;
let starting: Promise<Engine> | null = null;
const shutdownHooks: (() => void)[] = [];

/** Runs hook at every shutdown, before the engine's memory goes (each hook is registered once). */
export function onShutdown(hook: () => void): void {
  if (!shutdownHooks.includes(hook)) shutdownHooks.push(hook);
}

/** The running engine; ops call this. */
export function engine(): Engine {
  if (!current) throw new WasmgradError('wasmgrad is not initialised: call `await wg.init()` first');
  return current;
}

/** The running engine, or null before init and after shutdown. */
export function currentEngine(): Engine | null {
  return current;
}

export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  if (options === null || typeof options !== 'object') throw new WasmgradError(msg`init: options must be an object`);
  const { threads } = options;
  if (threads !== undefined && threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1)) {
    throw new WasmgradError(msg`init: threads must be a whole number >= 1 or 'auto', got ${threads}`);
  }
  if (starting) await starting.catch(() => undefined);
  if (current) {
    const wanted = options.backend ?? 'auto';
    if ((wanted === 'auto' || wanted === current.build) && options.wasm === undefined) {
      if (threads !== undefined) setThreads(threads === 'auto' ? (current.info.sharedMemory ? current.features.cores : 1) : threads);
      await current.pool.ready();
      return current.info;
    }
    // A different build: every tensor of the old memory is gone with it.
    await shutdown();
  }
  starting = Engine.create(options);
  try {
    current = await starting;
  } finally {
    starting = null;
  }
  return current.info;
}

/**
 * Resolves once the engine is up and every worker thread it started is ready to take jobs (init
 * returns before they are: until then the calling thread runs everything). Starts the engine with
 * the defaults if it is not running; rejects, naming the worker, if one could not start.
 */
export async function ready(): Promise<void> {
  await init();
  await engine().pool.ready();
}

export function backendInfo(): BackendInfo {
  return engine().info;
}

/**
 * The number of threads jobs may use. More than the machine's cores is refused unless forced:
 * setThreads(8, { force: true }).
 */
export function setThreads(n: number, options: { force?: boolean } = {}): void {
  engine().pool.setThreads(n, options);
}

/** Stops the workers and releases the engine; tensors made before are disposed. */
export async function shutdown(): Promise<void> {
  const e = current;
  if (!e) return;
  for (const hook of shutdownHooks) hook();
  current = null;
  await e.shutdown();
}
