// Tensors: a shape, a dtype and a block of the engine's memory. Memory is released
// deterministically by dispose() or by the tidy() scope that made the tensor; several tensors may
// share one block (reshape), which is freed when the last of them goes.
import { formatTensor } from './util/tensor-format.js';
import { WasmgradError, fmtShape, msg } from './errors.js';
import { engine, currentEngine, onShutdown } from './engine/state.js';
import type { Engine } from './engine/engine.js';

/** 'bool' holds 0 / 1 in float32 storage (so float kernels read it), and reads back as a Uint8Array, as in TF.js. */
export type DType = 'float32' | 'int32' | 'bool';
export type NestedArray = number | NestedArray[];

/** One allocation in the engine's memory, shared by the tensors that view it. */
export interface Storage {
  ptr: number;
  bytes: number;
  refs: number;
  engine: Engine;
  /** Memory the engine keeps for itself (an inference plan's buffers): not counted by memory(). */
  internal?: boolean;
  /**
   * Bumped whenever a pointer that may be written through is handed out (ptr()): blocks derived
   * from the values are rebuilt when it differs from the version they were built from.
   */
  version: number;
  /** Weights (a variable's values): blocks derived from them are worth keeping between uses. */
  weights: boolean;
  /** Blocks derived from the values (e.g. weights packed for the GEMM) by key, freed with the storage. */
  derived: Map<string, DerivedBlock> | null;
}

/** A block computed from a storage's values at a given version. */
interface DerivedBlock {
  ptr: number;
  bytes: number;
  version: number;
}

const live = new Set<Tensor>();
let liveBytes = 0;
let peakBytes = 0;
const scopes: Tensor[][] = [];
let nextId = 0;

function allocStorage(bytes: number, shape?: readonly number[], dtype?: DType): Storage {
  const e = engine();
  const ptr = bytes > 0 ? e.allocator.alloc(bytes, 'tensor', shape, dtype) : 0;
  liveBytes += bytes;
  if (liveBytes > peakBytes) peakBytes = liveBytes;
  return { ptr, bytes, refs: 0, engine: e, version: 0, weights: false, derived: null };
}

function releaseStorage(s: Storage): void {
  if (--s.refs > 0) return;
  if (!s.internal) liveBytes -= s.bytes;
  // A storage of an engine that was shut down went with its memory.
  if (!s.engine.allocator || !isCurrent(s.engine)) return;
  if (s.bytes > 0) s.engine.allocator.release(s.ptr);
  if (s.derived) for (const d of s.derived.values()) s.engine.allocator.release(d.ptr);
  s.derived = null;
}

function isCurrent(e: Engine): boolean {
  return currentEngine() === e;
}

export function checkShape(shape: readonly number[], op: string): void {
  if (!Array.isArray(shape)) throw new WasmgradError(msg`${op}: shape must be an array of whole numbers, got ${shape}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new WasmgradError(msg`${op}: shape ${fmtShape(shape)} has an invalid dimension ${d}`);
  }
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Tensor {
  readonly id = nextId++;
  readonly shape: number[];
  readonly size: number;
  /** @internal */
  storage: Storage | null;
  /** Kept tensors survive the tidy() scope that made them. */
  kept = false;
  /** @internal How many gradient tapes refer to this tensor; disposal waits until none do. */
  holds = 0;
  /** @internal */
  disposeWhenReleased = false;

  /** @internal Use wg.tensor() and the ops to make tensors. */
  constructor(
    shape: readonly number[],
    readonly dtype: DType,
    storage?: Storage,
  ) {
    this.shape = shape.slice();
    this.size = sizeOf(shape);
    this.storage = storage ?? allocStorage(this.size * 4, shape, dtype);
    this.storage.refs++;
    live.add(this);
    if (scopes.length) scopes[scopes.length - 1].push(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /**
   * @internal Byte offset of the data; raises if the tensor is disposed. The caller may write
   * through it, so blocks derived from the values (derivedBlock) count as stale afterwards.
   */
  ptr(op = 'op'): number {
    const s = this.readPtrStorage(op);
    s.version++;
    return s.ptr;
  }

  /** @internal Byte offset of the data for a caller that only reads it (derived blocks stay valid). */
  readPtr(op = 'op'): number {
    return this.readPtrStorage(op).ptr;
  }

  private readPtrStorage(op: string): Storage {
    const s = this.storage;
    if (!s) throw new WasmgradError(msg`${op}: tensor ${fmtShape(this.shape)} (id ${this.id}) is disposed`);
    if (!isCurrent(s.engine)) throw new WasmgradError(msg`${op}: tensor ${fmtShape(this.shape)} belongs to an engine that was shut down`);
    return s;
  }

  /** A copy of the values. */
  dataSync(): Float32Array | Int32Array | Uint8Array {
    const p = this.readPtr('dataSync') >> 2;
    const e = engine();
    if (this.dtype === 'bool') return Uint8Array.from(e.f32.subarray(p, p + this.size), (v) => (v !== 0 ? 1 : 0));
    return this.dtype === 'int32' ? e.i32.slice(p, p + this.size) : e.f32.slice(p, p + this.size);
  }

  async data(): Promise<Float32Array | Int32Array | Uint8Array> {
    return this.dataSync();
  }

  /** The values as nested arrays in the tensor's shape (a number for a scalar). */
  arraySync(): NestedArray {
    const flat = this.dataSync();
    if (this.rank === 0) return flat[0];
    let i = 0;
    const build = (dim: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let k = 0; k < this.shape[dim]; k++) out.push(dim === this.rank - 1 ? flat[i++] : build(dim + 1));
      return out;
    };
    return build(0);
  }

  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  dispose(): void {
    const s = this.storage;
    if (!s) return;
    if (this.holds > 0) {
      // A running gradient computation still needs it: freed when the tape lets go.
      this.disposeWhenReleased = true;
      return;
    }
    this.storage = null;
    live.delete(this);
    releaseStorage(s);
  }

  /** What JSON.stringify shows of a tensor: its description, not the engine and memory behind it. */
  toJSON(): { id: number; dtype: DType; shape: number[]; size: number; isDisposed: boolean } {
    return { id: this.id, dtype: this.dtype, shape: this.shape, size: this.size, isDisposed: this.isDisposed };
  }

  /** The values as TensorFlow.js prints them (with `verbose`, the dtype, rank and shape first). */
  toString(verbose = false): string {
    try {
      return formatTensor(this.dataSync(), this.shape, this.dtype, verbose);
    } catch {
      // disposed, or its engine shut down: no values to show
      return `Tensor(${fmtShape(this.shape)}, ${this.dtype}, ${this.isDisposed ? 'disposed' : 'unreadable'})`;
    }
  }
}

/** Raises a WasmgradError naming op if t is disposed or belongs to an engine that was shut down. */
export function assertUsable(t: Tensor, op: string): void {
  t.readPtr(op);
}

/** Marks t's values as weights: blocks derived from them (derivedBlock) are kept between uses. */
export function markAsWeights(t: Tensor): void {
  t.readPtr('markAsWeights');
  t.storage!.weights = true;
}

/** Whether t's values are weights (markAsWeights). */
export function holdsWeights(t: Tensor): boolean {
  return !!t.storage?.weights;
}

/**
 * @internal The byte offset of a block of `bytes` bytes derived from t's values, kept under `key`
 * with t's storage (freed with it) and rebuilt by fill(dst, src) whenever a pointer that may have
 * written the values was handed out since it was built (any write path goes through ptr()).
 */
export function derivedBlock(t: Tensor, key: string, bytes: number, fill: (dst: number, src: number) => void, op = 'op'): number {
  const src = t.readPtr(op);
  const s = t.storage!;
  s.derived ??= new Map();
  let d = s.derived.get(key);
  if (d && d.bytes !== bytes) {
    s.derived.delete(key);
    s.engine.allocator.release(d.ptr);
    d = undefined;
  }
  if (!d) {
    d = { ptr: s.engine.allocator.alloc(bytes, 'packed weights'), bytes, version: -1 };
    s.derived.set(key, d);
  }
  if (d.version !== s.version) {
    d.version = -1;
    fill(d.ptr, src);
    d.version = s.version;
  }
  return d.ptr;
}

/** A new tensor viewing the same memory with another shape (same size). */
export function viewAs(t: Tensor, shape: readonly number[]): Tensor {
  t.readPtr('reshape');
  return new Tensor(shape, t.dtype, t.storage!);
}

/** @internal t's 0 / 1 float32 values as a bool tensor (the same memory; t is disposed). */
export function asBool(t: Tensor): Tensor {
  if (t.dtype === 'int32') throw new Error('asBool: int32 storage is not bool storage');
  t.readPtr('bool');
  const out = new Tensor(t.shape, 'bool', t.storage!);
  t.dispose();
  return out;
}

/**
 * @internal A tensor the library keeps for itself (an inference plan's buffer, or a view of one
 * when `of` is given): kept, and not counted among memory()'s tensors, as drivers' scratch is not.
 */
export function internalTensor(shape: readonly number[], dtype: DType, of?: Tensor): Tensor {
  const t = of ? viewAs(of, shape) : new Tensor(shape, dtype);
  t.kept = true;
  live.delete(t);
  if (!of) {
    t.storage!.internal = true;
    liveBytes -= t.storage!.bytes;
  }
  return t;
}

/** The id the next tensor will get: tensors with a smaller id existed before this call. */
export function nextTensorId(): number {
  return nextId;
}

/** Live tensors, the bytes they hold, and the size of the engine's memory. */
export function memory(): { numTensors: number; numBytes: number; wasmBytes: number } {
  const e = currentEngine();
  return { numTensors: live.size, numBytes: liveBytes, wasmBytes: e ? e.memory.buffer.byteLength : 0 };
}

/** The most bytes tensors held at once since the mark was last set (tf.profile's peakBytes). */
export function bytesPeak(): number {
  return peakBytes;
}
/** Sets the peak mark to `bytes`, or to the bytes live now if more. */
export function setBytesPeak(bytes: number): void {
  peakBytes = Math.max(bytes, liveBytes);
}

/** At shutdown: every tensor goes with the memory. */
function disposeAllTensors(): void {
  for (const t of [...live]) t.dispose();
  scopes.length = 0;
  openScopes.length = 0;
}
onShutdown(disposeAllTensors);

type Container = Tensor | Container[] | { [k: string]: Container } | unknown;

function collectTensors(value: Container, out: Set<Tensor>, depth = 0): void {
  if (value instanceof Tensor) out.add(value);
  else if (depth < 8 && Array.isArray(value)) for (const v of value) collectTensors(v, out, depth + 1);
  else if (depth < 8 && value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, depth + 1);
  }
}

/** Runs fn and frees every tensor it made except those it returns (also inside arrays and plain objects) and kept ones. */
export function tidy<T>(fn: () => T): T;
export function tidy<T>(name: string, fn: () => T): T;
export function tidy<T>(a: string | (() => T), b?: () => T): T {
  const fn = typeof a === 'function' ? a : b;
  if (typeof fn !== 'function') throw new WasmgradError('tidy: expected a function');
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) throw new WasmgradError('tidy: the function must be synchronous (it returned a Promise)');
  } finally {
    scopes.pop();
    const keep = new Set<Tensor>();
    // On an exception nothing is returned: everything made inside goes.
    if (result !== undefined) collectTensors(result, keep);
    const parent = scopes[scopes.length - 1];
    for (const t of scope) {
      if (keep.has(t) || t.kept) {
        if (parent && !t.kept) parent.push(t);
      } else t.dispose();
    }
  }
  return result as T;
}

/**
 * Runs fn; when it throws, every tensor it made (and did not keep) is disposed, so an op that fails
 * midway (out of memory, a kernel that traps) leaks nothing. On success the tensors stay, owned by
 * the enclosing tidy() scope as if made there.
 */
export function disposeIfThrows<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let ok = false;
  try {
    const result = fn();
    ok = true;
    return result;
  } finally {
    scopes.pop();
    const parent = scopes[scopes.length - 1];
    for (const t of scope) {
      if (t.kept) continue;
      if (!ok) t.dispose();
      else if (parent) parent.push(t);
    }
  }
}

// TF.js's engine().startScope() / endScope(result): a tidy() split in two calls (for code that
// cannot wrap its work in one function). Only a scope opened by startScope may be ended by endScope.
const openScopes: Tensor[][] = [];

export function startScope(): void {
  const scope: Tensor[] = [];
  scopes.push(scope);
  openScopes.push(scope);
}

/** Frees every tensor made since the matching startScope except those in result and kept ones. */
export function endScope(result?: unknown): void {
  const scope = openScopes[openScopes.length - 1];
  if (!scope || scopes[scopes.length - 1] !== scope) throw new WasmgradError('endScope: no scope opened by startScope is open here (each startScope needs one endScope, inside the same tidy)');
  openScopes.pop();
  scopes.pop();
  const keepSet = new Set<Tensor>();
  collectTensors(result as Container, keepSet);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t) || t.kept) {
      if (parent && !t.kept) parent.push(t);
    } else t.dispose();
  }
}

/** Keeps a tensor alive past the end of the tidy() scope that made it. */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw new WasmgradError('keep: expected a Tensor');
  t.kept = true;
  return t;
}
