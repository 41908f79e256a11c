// The allocator of the one WebAssembly.Memory, owned by TypeScript (kernels never allocate).
// Blocks are 64-byte aligned and rounded up to size classes; a freed block goes to its class's free
// list and the next request of that class takes it back. Order of preference: a free block of the
// exact class, the untouched top of memory, a free span after coalescing neighbours, growing the
// memory. A training loop repeats the same sizes, so it settles on the free lists and stays flat.
import { WasmgradError, msg } from '../errors.js';
import { describeRunning } from './op-context.js';

export const ALIGN = 64;
const PAGE = 65536;

/** Rounds a byte count up to its size class: multiples of 64 up to 4 KiB, then 8 classes per power of two. */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  if (bytes <= 4096) return Math.ceil(bytes / ALIGN) * ALIGN;
  const step = 2 ** Math.floor(Math.log2(bytes)) / 8;
  return Math.ceil(bytes / step) * step;
}

export class Allocator {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>(); // live block -> its class size
  /** Coalesced free spans [ptr, bytes], sorted by address; filled only when memory runs short. */
  private spans: [number, number][] = [];
  liveBytes = 0;
  freeBytes = 0;
  /** @internal Fault injection for tests: allocations left before one fails (null: never). */
  private failIn: number | null = null;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
    private readonly maxBytes: number,
  ) {
    this.top = heapBase;
  }

  /**
   * Returns the byte offset of a fresh block of at least `bytes` bytes. `what`, `shape` and `dtype`
   * (and the op running, see op-context.ts) name the request when it cannot be met.
   */
  alloc(bytes: number, what = 'tensor', shape?: readonly number[], dtype?: string): number {
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new WasmgradError(msg`alloc: ${bytes} bytes for ${describeRequest(what, shape, dtype)} is not a valid size`);
    }
    if (bytes > this.maxBytes) throw this.failure(bytes, what, shape, dtype);
    if (this.failIn !== null && this.failIn-- <= 0) {
      this.failIn = null;
      throw this.failure(bytes, what, shape, dtype, ' (a failure injected by a test)');
    }
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let ptr: number | undefined = list?.pop();
    if (ptr !== undefined) {
      this.freeBytes -= size;
    } else if (this.top + size <= this.memory.buffer.byteLength) {
      ptr = this.top;
      this.top += size;
    } else {
      ptr = this.fromSpans(size) ?? this.growFor(size, bytes, what, shape, dtype);
    }
    this.sizes.set(ptr, size);
    this.liveBytes += size;
    return ptr;
  }

  /**
   * @internal For tests of error paths: the allocation after the next `n` fails as if memory had run
   * out (n = 0: the very next one); null turns it off.
   */
  failAfter(n: number | null): void {
    this.failIn = n;
  }

  /** Gives a block back; it is reused by the next request of its size class. */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new WasmgradError(msg`release: ${ptr} is not a live block (freed twice?)`);
    this.sizes.delete(ptr);
    this.liveBytes -= size;
    this.freeBytes += size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
  }

  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  // Merges every free block with its neighbours into spans, gives the top span back to the bump
  // pointer, then takes the first span that fits (splitting it).
  private fromSpans(size: number): number | undefined {
    if (this.freeBytes < size) return undefined;
    const blocks: [number, number][] = [...this.spans];
    for (const [s, list] of this.free) for (const p of list) blocks.push([p, s]);
    this.free.clear();
    blocks.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [p, s] of blocks) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === p) last[1] += s;
      else merged.push([p, s]);
    }
    const last = merged[merged.length - 1];
    if (last && last[0] + last[1] === this.top) {
      this.top = last[0];
      this.freeBytes -= last[1];
      merged.pop();
    }
    this.spans = merged;
    if (this.top + size <= this.capacity) {
      const p = this.top;
      this.top += size;
      return p;
    }
    const i = merged.findIndex(([, s]) => s >= size);
    if (i < 0) return undefined;
    const [p, s] = merged[i];
    if (s === size) merged.splice(i, 1);
    else merged[i] = [p + size, s - size];
    this.freeBytes -= size;
    return p;
  }

  private growFor(size: number, requested: number, what: string, shape?: readonly number[], dtype?: string): number {
    const needed = this.top + size - this.capacity;
    const current = this.capacity;
    // Grow by at least a quarter of the current size, so a growing workload does not grow page by page.
    const wantBytes = Math.min(this.maxBytes - current, Math.max(needed, current >> 2));
    if (needed > this.maxBytes - current) throw this.failure(requested, what, shape, dtype);
    try {
      this.memory.grow(Math.ceil(wantBytes / PAGE));
    } catch {
      // the runtime may refuse to grow below the declared maximum (the host is short of memory)
      throw this.failure(requested, what, shape, dtype, ' (the runtime refused to grow the memory)');
    }
    const p = this.top;
    this.top += size;
    return p;
  }

  /** The error for a request that cannot be met: what, for which op, how much, and what is in use. */
  private failure(bytes: number, what: string, shape?: readonly number[], dtype?: string, why = ''): WasmgradError {
    const running = describeRunning();
    return new WasmgradError(
      `alloc: cannot allocate ${bytes} bytes for ${describeRequest(what, shape, dtype)}${running ? ` in ${running}` : ''}${why}: ` +
        `${this.liveBytes} bytes are in use (${this.freeBytes} more free in blocks) in a memory of ${this.capacity} bytes whose maximum is ${this.maxBytes} bytes`,
    );
  }
}

function describeRequest(what: string, shape?: readonly number[], dtype?: string): string {
  if (!shape) return what;
  return `${what} [${shape.slice(0, 8).join(',')}${shape.length > 8 ? ',...' : ''}]${dtype ? ` ${dtype}` : ''}`;
}
