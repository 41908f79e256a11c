// TF.js's byte sources and text datasets of tf.data: FileDataSource (a path, a File or Blob, or
// bytes), URLDataSource (http(s) or file:// URLs), TextLineDataset (the lines of a source), and
// func (a dataset pulled from a function returning { value, done }). Every read is size-limited.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Dataset, type LazyIterator } from './dataset.js';
import { fetchLimited, readLimited } from '../io/model-io.js';

export const MAX_SOURCE_BYTES = 1 << 30;

/** Where bytes come from; iterator() yields them in chunks of chunkSize bytes. */
export abstract class DataSource {
  constructor(protected readonly chunkSize = 1 << 20) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new WasmgradError(msg`data: chunkSize must be a whole number >= 1, got ${chunkSize}`);
  }
  /** All the source's bytes (at most 2^30). */
  abstract bytes(): Promise<Uint8Array>;
  async iterator(): Promise<LazyIterator<Uint8Array>> {
    const all = await this.bytes();
    let at = 0;
    return {
      next: async () => {
        if (at >= all.length) return { value: undefined as never, done: true };
        const chunk = all.subarray(at, at + this.chunkSize);
        at += chunk.length;
        return { value: chunk, done: false };
      },
    };
  }
}

/** Bytes of a local path (Node, Deno, Bun), a File or Blob, or a Uint8Array. */
export class FileDataSource extends DataSource {
  constructor(private readonly input: string | Blob | Uint8Array, options: { chunkSize?: number } = {}) {
    super(options?.chunkSize);
    if (typeof input !== 'string' && !(input instanceof Uint8Array) && typeof (input as Blob)?.arrayBuffer !== 'function') {
      throw new WasmgradError(msg`data.FileDataSource: expected a path, a File or Blob, or a Uint8Array, got ${input === null ? 'null' : typeof input}`);
    }
  }
  async bytes(): Promise<Uint8Array> {
    const op = 'data.FileDataSource';
    if (this.input instanceof Uint8Array) return this.input;
    if (typeof this.input === 'string') return readLimited(op, this.input.replace(/^file:\/\//i, ''), MAX_SOURCE_BYTES);
    if (this.input.size > MAX_SOURCE_BYTES) throw new WasmgradError(msg`${op}: the file holds more than ${MAX_SOURCE_BYTES} bytes`);
    return new Uint8Array(await this.input.arrayBuffer());
  }
}

/** Bytes at an http(s) URL (fetched) or a file:// URL (read). */
export class URLDataSource extends DataSource {
  private readonly url: URL;
  constructor(url: string | URL, options: { chunkSize?: number } = {}) {
    super(options?.chunkSize);
    try {
      this.url = new URL(String(url));
    } catch {
      throw new WasmgradError(msg`data.URLDataSource: ${jsonOf(String(url))} is not a URL`);
    }
  }
  bytes(): Promise<Uint8Array> {
    const op = 'data.URLDataSource';
    return this.url.protocol === 'file:' ? readLimited(op, decodeURIComponent(this.url.pathname), MAX_SOURCE_BYTES) : fetchLimited(op, this.url, MAX_SOURCE_BYTES);
  }
}

/** The lines of a source's UTF-8 text, without their line ends (a last empty line is not one). */
export class TextLineDataset extends Dataset<string> {
  constructor(readonly input: DataSource) {
    super(async () => {
      const lines = new TextDecoder().decode(await input.bytes()).split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      let i = 0;
      return { next: async () => (i < lines.length ? { value: lines[i++].replace(/\r$/, ''), done: false } : { value: undefined as never, done: true }) };
    });
    if (!(input instanceof DataSource)) throw new WasmgradError('data.TextLineDataset: expected a data source (tf.data.FileDataSource or URLDataSource)');
  }
}

/**
 * A dataset of what f returns, { value, done } (or a promise of it), until done. As in TF.js, the
 * passes share one stream: a second pass goes on where the first stopped.
 */
export function func<T>(f: () => { value: T; done: boolean } | Promise<{ value: T; done: boolean }>): Dataset<T> {
  if (typeof f !== 'function') throw new WasmgradError(msg`data.func: expected a function returning { value, done }, got ${typeof f}`);
  let ended = false;
  const stream: LazyIterator<T> = {
    next: async () => {
      if (ended) return { value: undefined as never, done: true };
      const r = await f();
      if (!r || typeof r !== 'object' || !('done' in r)) throw new WasmgradError(msg`data.func: the function must return { value, done }, got ${jsonOf(r)?.slice(0, 80)}`);
      if (r.done) ended = true;
      return r.done ? { value: undefined as never, done: true } : { value: r.value, done: false };
    },
  };
  return new Dataset<T>(() => stream);
}
