// tf.data-style datasets: lazy, asynchronous streams of elements (numbers, arrays, tensors, or
// plain objects of them), with the TensorFlow.js chain: map, filter, batch, shuffle, take, skip,
// repeat, zip, prefetch, forEachAsync, toArray. A dataset is a recipe: every iterator() call
// starts the stream over, so a model can take one pass per epoch. Elements are produced one at a
// time; nothing is held but the shuffle and prefetch buffers, so memory stays flat however long the
// stream is.
import { WasmgradError, describeValue, msg } from '../errors.js';
import { Tensor, tidy, viewAs } from '../tensor.js';
import { stack } from '../ops/shape.js';
import { fromFlat } from '../creation.js';
import { seededRandom } from '../util/seeded.js';

export interface IteratorResult<T> {
  value: T;
  done: boolean;
}
export interface LazyIterator<T> {
  next(): Promise<IteratorResult<T>>;
}
type Source<T> = () => Promise<LazyIterator<T>> | LazyIterator<T>;

const DONE = { value: undefined, done: true } as IteratorResult<never>;

export class Dataset<T = unknown> {
  /** Number of elements when known (Infinity for an endless stream), or null. */
  readonly size: number | null;

  /** @internal Use array(), generator(), zip() ... */
  constructor(private readonly source: Source<T>, size: number | null = null) {
    this.size = size;
  }

  /** A fresh iterator over the elements, from the start. */
  async iterator(): Promise<LazyIterator<T>> {
    return this.source();
  }

  map<U>(fn: (x: T) => U | Promise<U>): Dataset<U> {
    checkFn(fn, 'map');
    return new Dataset<U>(async () => {
      const it = await this.iterator();
      return {
        next: async () => {
          const r = await it.next();
          if (r.done) return DONE;
          return { value: await fn(r.value), done: false };
        },
      };
    }, this.size);
  }

  mapAsync<U>(fn: (x: T) => Promise<U>): Dataset<U> {
    return this.map(fn);
  }

  filter(predicate: (x: T) => boolean | Promise<boolean>): Dataset<T> {
    checkFn(predicate, 'filter');
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      return {
        next: async () => {
          for (;;) {
            const r = await it.next();
            if (r.done) return DONE;
            if (await predicate(r.value)) return r;
            disposeElement(r.value);
          }
        },
      };
    }, this.size === Infinity ? Infinity : null);
  }

  take(count: number): Dataset<T> {
    const n = checkCount(count, 'take');
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      let seen = 0;
      return { next: async () => (seen++ < n ? it.next() : DONE) };
    }, this.size === null ? null : Math.min(this.size, n));
  }

  skip(count: number): Dataset<T> {
    const n = checkCount(count, 'skip');
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      let skipped = 0;
      return {
        next: async () => {
          while (skipped < n) {
            skipped++;
            const r = await it.next();
            if (r.done) return DONE;
            disposeElement(r.value);
          }
          return it.next();
        },
      };
    }, this.size === null ? null : Math.max(0, this.size - n));
  }

  /** The stream again and again, `count` times in all (endless without a count). */
  repeat(count?: number): Dataset<T> {
    const n = count === undefined ? Infinity : checkCount(count, 'repeat');
    return new Dataset<T>(async () => {
      let round = 0;
      let it: LazyIterator<T> | null = null;
      return {
        next: async () => {
          while (round < n) {
            if (!it) it = await this.iterator();
            const r = await it.next();
            if (!r.done) return r;
            it = null;
            round++;
            if (this.size === 0) break;
          }
          return DONE;
        },
      };
    }, this.size === null ? null : n === Infinity ? (this.size === 0 ? 0 : Infinity) : this.size * n);
  }

  /**
   * Groups consecutive elements into batches of `batchSize` (the last one smaller unless
   * smallLastBatch is false): numbers and tensors are stacked along a new first axis, arrays and
   * objects batched element by element.
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<Batched<T>> {
    const n = checkCount(batchSize, 'batch');
    if (n === 0 || n === Infinity) throw new WasmgradError(msg`dataset.batch: batchSize must be a whole number >= 1, got ${batchSize}`);
    return new Dataset<Batched<T>>(async () => {
      const it = await this.iterator();
      return {
        next: async () => {
          const items: T[] = [];
          while (items.length < n) {
            const r = await it.next();
            if (r.done) break;
            items.push(r.value);
          }
          if (items.length === 0 || (!smallLastBatch && items.length < n)) {
            items.forEach(disposeElement);
            return DONE;
          }
          // the batch's tensors made before a collate that fails go with the elements
          try {
            return { value: tidy(() => collate(items)) as Batched<T>, done: false };
          } finally {
            items.forEach(disposeElement);
          }
        },
      };
    }, this.size === null ? null : this.size === Infinity ? Infinity : smallLastBatch ? Math.ceil(this.size / n) : Math.floor(this.size / n));
  }

  /** Shuffles within a buffer of `bufferSize` elements (reshuffled each pass unless reshuffleEachIteration is false). */
  shuffle(bufferSize: number, seed?: string | number, reshuffleEachIteration = true): Dataset<T> {
    const n = checkCount(bufferSize, 'shuffle');
    if (n === 0) throw new WasmgradError(msg`dataset.shuffle: bufferSize must be >= 1, got ${bufferSize}`);
    if (seed !== undefined && typeof seed !== 'number' && typeof seed !== 'string') throw new WasmgradError(msg`dataset.shuffle: seed must be a string or a number, got ${describeValue(seed)}`);
    const base = seed === undefined ? null : typeof seed === 'number' ? seed : hashString(seed);
    let pass = 0;
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      const s = base === null ? Math.floor(Math.random() * 2 ** 31) : base + (reshuffleEachIteration ? pass++ : 0);
      const random = seededRandom(s);
      const buffer: T[] = [];
      let ended = false;
      return {
        next: async () => {
          while (!ended && buffer.length < n) {
            const r = await it.next();
            if (r.done) ended = true;
            else buffer.push(r.value);
          }
          if (buffer.length === 0) return DONE;
          const i = Math.floor(random() * buffer.length);
          const value = buffer[i];
          buffer[i] = buffer[buffer.length - 1];
          buffer.pop();
          return { value, done: false };
        },
      };
    }, this.size);
  }

  /** Keeps up to bufferSize elements produced ahead of the consumer. */
  prefetch(bufferSize: number): Dataset<T> {
    const n = Math.max(1, checkCount(bufferSize, 'prefetch'));
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      const queue: Promise<IteratorResult<T>>[] = [];
      let ended = false;
      let pumping = false;
      // one request ahead at a time, up to n: a source that ends stops it, whatever bufferSize is
      // (n requests at once would be 2^31 calls for a bufferSize of 2^31)
      const pump = async () => {
        if (pumping) return;
        pumping = true;
        while (!ended && queue.length < n) {
          const p = it.next();
          queue.push(p);
          ended = await p.then((r) => r.done === true, () => true);
        }
        pumping = false;
      };
      return {
        next: async () => {
          // results come in the order of the source's calls, the pump's and this one's alike
          const p = queue.shift() ?? (ended ? DONE : it.next());
          void pump();
          const r = await p;
          if (r.done) ended = true;
          return r;
        },
      };
    }, this.size);
  }

  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) throw new WasmgradError('dataset.concatenate: expected a Dataset');
    return new Dataset<T>(async () => {
      let it = await this.iterator();
      let second = false;
      return {
        next: async () => {
          const r = await it.next();
          if (!r.done || second) return r;
          second = true;
          it = await other.iterator();
          return it.next();
        },
      };
    }, this.size === null || other.size === null ? null : this.size + other.size);
  }

  async forEachAsync(fn: (x: T) => void | Promise<void>): Promise<void> {
    checkFn(fn, 'forEachAsync');
    const it = await this.iterator();
    for (let r = await it.next(); !r.done; r = await it.next()) await fn(r.value);
  }

  /** Every element, in order (an endless dataset is refused). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new WasmgradError('dataset.toArray: the dataset is endless (repeat() without a count)');
    const out: T[] = [];
    await this.forEachAsync((x) => void out.push(x));
    return out;
  }

  async toArrayForTest(): Promise<T[]> {
    return this.toArray();
  }
}

/** What batch() makes of an element type: tensors (numbers stacked), or the same structure of them. */
export type Batched<T> = T extends number | Tensor ? Tensor : T extends unknown[] ? Tensor[] : T extends object ? { [K in keyof T]: Tensor } : Tensor;

function checkFn(fn: unknown, op: string): void {
  if (typeof fn !== 'function') throw new WasmgradError(msg`dataset.${op}: expected a function, got ${typeof fn}`);
}

function checkCount(n: unknown, op: string): number {
  if (n === Infinity) return Infinity;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new WasmgradError(msg`dataset.${op}: expected a whole number >= 0, got ${n}`);
  return n;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && !ArrayBuffer.isView(v);
}

/** Frees the tensors of an element a stage drops (filtered out, skipped, batched into a copy). */
export function disposeElement(v: unknown, depth = 0): void {
  if (v instanceof Tensor) v.dispose();
  else if (depth < 16 && Array.isArray(v)) v.forEach((x) => disposeElement(x, depth + 1));
  else if (depth < 16 && isPlainObject(v)) Object.values(v).forEach((x) => disposeElement(x, depth + 1));
}

/** Stacks a list of like elements into one batched element. */
function collate(items: unknown[], depth = 0): unknown {
  if (depth > 16) throw new WasmgradError('dataset.batch: elements are nested too deeply');
  const first = items[0];
  if (typeof first === 'number') {
    if (!items.every((x) => typeof x === 'number')) throw new WasmgradError('dataset.batch: elements of a batch differ in kind');
    return fromFlat(Float32Array.from(items as number[]), [items.length], 'float32');
  }
  if (first instanceof Tensor) {
    if (!items.every((x) => x instanceof Tensor)) throw new WasmgradError('dataset.batch: elements of a batch differ in kind');
    return tidy(() => stack(items as Tensor[], 0));
  }
  if (Array.isArray(first)) {
    if (first.length > 0 && first.every((x) => typeof x === 'number') && items.every((x) => Array.isArray(x) && x.length === first.length && x.every((v) => typeof v === 'number'))) {
      // an array of numbers is one feature vector, as TF.js batches it
      const flat = new Float32Array(items.length * first.length);
      items.forEach((x, i) => flat.set(x as number[], i * first.length));
      return fromFlat(flat, [items.length, first.length], 'float32');
    }
    return first.map((_, k) => collate(items.map((x) => (x as unknown[])[k]), depth + 1));
  }
  if (isPlainObject(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = collate(items.map((x) => (x as Record<string, unknown>)[key]), depth + 1);
    return out;
  }
  throw new WasmgradError(msg`dataset.batch: cannot batch elements of type ${typeof first}`);
}

// ---- sources ----------------------------------------------------------------------------------------

/** A dataset of the items of an array (the array is read, not copied; tensors in it stay the caller's). */
export function array<T>(items: T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new WasmgradError(msg`data.array: expected an array, got ${typeof items}`);
  return new Dataset<T>(() => {
    let i = 0;
    return { next: async () => (i < items.length ? { value: cloneTensors(items[i++]), done: false } : DONE) };
  }, items.length);
}

/** Tensors inside array items are handed out as views, so stages may dispose them freely. */
function cloneTensors<T>(v: T, depth = 0): T {
  if (v instanceof Tensor) return viewAs(v, v.shape) as unknown as T;
  if (depth < 16 && Array.isArray(v)) return v.map((x) => cloneTensors(x, depth + 1)) as unknown as T;
  if (depth < 16 && isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneTensors(x, depth + 1)])) as T;
  return v;
}

/**
 * A dataset from a generator function (sync or async, or one returning an iterator); each pass
 * calls it again.
 */
export function generator<T>(gen: () => Iterator<T> | AsyncIterator<T> | Promise<Iterator<T> | AsyncIterator<T>>): Dataset<T> {
  checkFn(gen, 'generator');
  return new Dataset<T>(async () => {
    const it = await gen();
    if (!it || typeof (it as Iterator<T>).next !== 'function') throw new WasmgradError('data.generator: the function must return an iterator (a generator function)');
    return {
      next: async () => {
        const r = await (it as Iterator<T>).next();
        return r.done ? DONE : { value: r.value as T, done: false };
      },
    };
  });
}

/** Elements of several datasets side by side (an array or object of datasets), until the first ends. */
export function zip<T>(datasets: Dataset<unknown>[] | Record<string, Dataset<unknown>>): Dataset<T> {
  const isArray = Array.isArray(datasets);
  if (!isArray && !isPlainObject(datasets)) throw new WasmgradError('data.zip: expected an array or object of datasets');
  const entries = Object.entries(datasets as Record<string, Dataset<unknown>>);
  for (const [k, d] of entries) if (!(d instanceof Dataset)) throw new WasmgradError(msg`data.zip: '${k}' is not a Dataset`);
  const sizes = entries.map(([, d]) => d.size);
  const size = sizes.some((s) => s === null) ? null : Math.min(...(sizes as number[]));
  return new Dataset<T>(async () => {
    const its = await Promise.all(entries.map(([, d]) => d.iterator()));
    return {
      next: async () => {
        const rs = await Promise.all(its.map((it) => it.next()));
        if (rs.some((r) => r.done)) {
          rs.forEach((r) => !r.done && disposeElement(r.value));
          return DONE;
        }
        const value = isArray ? rs.map((r) => r.value) : Object.fromEntries(entries.map(([k], i) => [k, rs[i].value]));
        return { value: value as T, done: false };
      },
    };
  }, size);
}
