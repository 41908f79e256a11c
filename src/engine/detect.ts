// What the runtime offers, found by validating tiny probe modules (no build is downloaded to find out).

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

export interface RuntimeFeatures {
  simd: boolean;
  relaxedSimd: boolean;
  /** SharedArrayBuffer, shared WebAssembly.Memory and wasm atomics are all usable. */
  sharedMemory: boolean;
  /** Workers can be started (Web Workers or Node's worker_threads). */
  workers: boolean;
  isNode: boolean;
  cores: number;
}

function validate(bytes: Uint8Array): boolean {
  try {
    return WebAssembly.validate(bytes as BufferSource);
  } catch {
    return false;
  }
}

export function isNodeLike(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  // A browser page that is not cross-origin isolated has no usable SharedArrayBuffer.
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer && validate(THREADS_PROBE);
  } catch {
    return false;
  }
}

export function relaxedSimdSupported(): boolean {
  return validate(RELAXED_PROBE);
}

export async function detectFeatures(): Promise<RuntimeFeatures> {
  const isNode = isNodeLike();
  let cores = 1;
  let workers = typeof (globalThis as { Worker?: unknown }).Worker === 'function';
  if (isNode) {
    const os = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:os');
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    workers = true; // worker_threads
  } else {
    const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
    cores = nav?.hardwareConcurrency ?? 1;
  }
  return {
    simd: validate(SIMD_PROBE),
    relaxedSimd: relaxedSimdSupported(),
    sharedMemory: sharedMemoryUsable(),
    workers,
    isNode,
    cores: Math.max(1, cores | 0),
  };
}
