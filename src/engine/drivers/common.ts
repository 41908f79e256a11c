// What every driver shares: when work is worth the thread pool, temporary blocks, and writes of
// small parameter arrays into memory (views go stale when memory grows: take them after allocating).
import { engine } from '../state.js';

/** Elementwise work below this many elements stays on the calling thread. */
export const ELEMENTWISE_PARALLEL = 1 << 16;
/** Below this many flops a GEMM stays on the calling thread: dispatch would cost more than it saves. */
export const GEMM_PARALLEL_FLOPS = 1 << 18;
/** Below this many multiply-adds (or elements) a direct kernel stays on the calling thread. */
export const DIRECT_PARALLEL = 1 << 16;

export const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/** Runs fn with fresh blocks of the given byte sizes, released afterwards. */
export function withBlocks<T>(bytes: number[], fn: (ptrs: number[]) => T): T {
  const alloc = engine().allocator;
  const ptrs: number[] = [];
  try {
    for (const b of bytes) ptrs.push(alloc.alloc(Math.max(b, 4), 'kernel temporary'));
    return fn(ptrs);
  } finally {
    for (const p of ptrs) alloc.release(p);
  }
}

/** Writes floats into a block (after any allocation: views go stale when memory grows). */
export function writeFloats(ptr: number, values: ArrayLike<number>): void {
  engine().f32.set(values, ptr >> 2);
}
