// What the runtime is and what it offers, found by what it has (globals, validating tiny probe
// modules), never by `process.versions.node` alone: workerd with nodejs_compat, Deno and Bun set it too.
import { WasmgradError } from '../errors.js';

// () -> v128: i32.const 0; i8x16.splat; i8x16.popcnt
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
// () -> v128: three splats into f32x4.relaxed_madd (0xfd 0x105)
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15,
  65, 0, 253, 15, 253, 133, 2, 11,
]);
// a shared memory (1 page, max 1) and an atomic load: i32.const 0; i32.atomic.load; drop
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0,
  26, 11,
]);

const f32Const = (bits: number) => [0x43, bits & 255, (bits >>> 8) & 255, (bits >>> 16) & 255, bits >>> 24];
const SPLAT = [0xfd, 0x13];
// An exported function f: () -> f32 returning lane 0 of relaxed_madd(a, a, c) with a = 1 + 2^-12 and
// c = -(1 + 2^-11): a*a = 1 + 2^-11 + 2^-24 exactly, so a fused multiply-add gives 2^-24 and a
// multiply then an add (the product rounded to 1 + 2^-11) gives 0.
const FUSION_BODY = [
  0, ...f32Const(0x3f800800), ...SPLAT, ...f32Const(0x3f800800), ...SPLAT, ...f32Const(0xbf801000), ...SPLAT,
  0xfd, 0x85, 0x02, 0xfd, 0x1f, 0, 0x0b,
];
const FUSION_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0,
  1, 5, 1, 0x60, 0, 1, 0x7d, // type: () -> f32
  3, 2, 1, 0,
  7, 5, 1, 1, 102, 0, 0, // export "f"
  10, FUSION_BODY.length + 2, 1, FUSION_BODY.length, ...FUSION_BODY,
]);

export type RuntimeName = 'node' | 'deno' | 'bun' | 'workerd' | 'browser' | 'web-worker' | 'unknown';

export interface RuntimeFeatures {
  runtime: RuntimeName;
  simd: boolean;
  /** The runtime validates relaxed SIMD. */
  relaxedSimd: boolean;
  /** Its relaxed_madd is one fused multiply-add (JavaScriptCore, in Bun, multiplies then adds). */
  relaxedFused: boolean;
  /** SharedArrayBuffer, shared WebAssembly.Memory and wasm atomics are all usable. */
  sharedMemory: boolean;
  /** Workers can be started (Web Workers or worker_threads). */
  workers: boolean;
  /** node: built-in modules are there (Node, Deno, Bun). */
  isNode: boolean;
  cores: number;
}

type Globals = {
  Deno?: { version?: { deno?: string } };
  Bun?: unknown;
  process?: { versions?: { node?: string; bun?: string } };
  navigator?: { userAgent?: string; hardwareConcurrency?: number };
  WebSocketPair?: unknown;
  window?: unknown;
  document?: unknown;
  self?: unknown;
  WorkerGlobalScope?: new () => unknown;
  Worker?: unknown;
  crossOriginIsolated?: boolean;
};

/** Which runtime this is, by what only that runtime has. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Globals;
  if (typeof g.Deno?.version?.deno === 'string') return 'deno';
  if (typeof g.Bun !== 'undefined' || typeof g.process?.versions?.bun === 'string') return 'bun';
  // workerd: its navigator says so (since compatibility date 2022-03-21); WebSocketPair is its own global.
  if (g.navigator?.userAgent === 'Cloudflare-Workers' || typeof g.WebSocketPair === 'function') return 'workerd';
  if (typeof g.window === 'object' && typeof g.document === 'object') return 'browser';
  if (typeof g.WorkerGlobalScope === 'function' && g.self instanceof g.WorkerGlobalScope) return 'web-worker';
  if (typeof g.process?.versions?.node === 'string') return 'node';
  return 'unknown';
}

/** node: built-ins (fs, url, os, worker_threads) are there and wasmgrad may use them. */
export function isNodeLike(): boolean {
  const r = detectRuntime();
  return r === 'node' || r === 'deno' || r === 'bun';
}

function validate(bytes: Uint8Array): boolean {
  try {
    return WebAssembly.validate(bytes as BufferSource);
  } catch {
    return false;
  }
}

function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  // A browser page that is not cross-origin isolated has no usable SharedArrayBuffer.
  if ((globalThis as Globals).crossOriginIsolated === false) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return m.buffer instanceof SharedArrayBuffer && validate(THREADS_PROBE);
  } catch {
    return false;
  }
}

export function relaxedSimdSupported(): boolean {
  return validate(RELAXED_PROBE);
}

/** Whether relaxed_madd fuses here: runs the probe (false where relaxed SIMD does not validate). */
export function relaxedMaddFuses(): boolean {
  if (!validate(FUSION_PROBE)) return false;
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(FUSION_PROBE as BufferSource));
    return (exports.f as () => number)() !== 0;
  } catch {
    return false;
  }
}

function workersAvailable(runtime: RuntimeName): boolean {
  // Node, Deno and Bun have worker_threads; workerd has no workers at all.
  if (runtime === 'node' || runtime === 'deno' || runtime === 'bun') return true;
  if (runtime === 'workerd') return false;
  return typeof (globalThis as Globals).Worker === 'function';
}

/**
 * A Node built-in by bare name ('fs'), from process.getBuiltinModule (Node 20.16 and later, Deno,
 * Bun). The bundle names no node: module, so one build serves Node and browsers and bundlers need
 * no shims; where there is no such module (browsers, workerd), `unavailable` says what to do instead.
 */
export function nodeBuiltin<T>(name: string, unavailable: string): T {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const m = typeof get === 'function' ? (get(name) as T | undefined) : undefined;
  if (m === undefined) throw new WasmgradError(unavailable);
  return m;
}

export async function detectFeatures(): Promise<RuntimeFeatures> {
  const runtime = detectRuntime();
  const isNode = runtime === 'node' || runtime === 'deno' || runtime === 'bun';
  const reported = (globalThis as Globals).navigator?.hardwareConcurrency;
  let cores = reported ?? 1;
  // Node 21 and later, Deno and Bun report os.availableParallelism() as navigator.hardwareConcurrency;
  // loading node:os for it costs half a millisecond of every cold start.
  if (isNode && typeof reported !== 'number') {
    const os = nodeBuiltin<typeof import('node:os')>('os', 'init: node:os is not available here');
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const relaxedSimd = relaxedSimdSupported();
  return {
    runtime,
    simd: validate(SIMD_PROBE),
    relaxedSimd,
    relaxedFused: relaxedSimd && relaxedMaddFuses(),
    sharedMemory: sharedMemoryUsable(),
    workers: workersAvailable(runtime),
    isNode,
    cores: Math.max(1, cores | 0),
  };
}
