// tf.data's byte sources and text datasets (src/data/sources.ts) against TF.js 4.22's tfjs-data:
// TextLineDataset over a FileDataSource (bytes, a path, a Blob) and a URLDataSource (file://),
// csv over a source, and func's one shared stream.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { useBuild } from './helpers';

beforeAll(async () => {
  await useBuild('simd', 1);
  await tf.setBackend('cpu');
});
afterAll(() => wg.shutdown());

const TEXTS = ['a,b\n1,2\n3,4\n', 'x\r\ny\r\n\r\nz', '\n\nlast', '', 'one line', 'héllo ✓\nwörld\n'];

describe('tf.data sources', () => {
  test('TextLineDataset gives the lines TF.js gives, from bytes, a path, a Blob and a file:// URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-lines-'));
    for (const [i, text] of TEXTS.entries()) {
      const bytes = new TextEncoder().encode(text);
      const want = await new tf.data.TextLineDataset(new tf.data.FileDataSource(bytes)).toArray();
      const path = join(dir, `t${i}.txt`);
      writeFileSync(path, bytes);
      for (const source of [new wt.data.FileDataSource(bytes), new wt.data.FileDataSource(path), new wt.data.FileDataSource(new Blob([bytes])), new wt.data.URLDataSource(pathToFileURL(path).href, { chunkSize: 3 })]) {
        expect(await new wt.data.TextLineDataset(source).toArray(), JSON.stringify(text)).toEqual(want);
      }
    }
    // chunks as the source hands them out
    const it = await new wt.data.FileDataSource(new Uint8Array(10), { chunkSize: 4 }).iterator();
    const sizes: number[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) sizes.push(r.value.length);
    expect(sizes).toEqual([4, 4, 2]);
  });

  test('csv reads a data source as TF.js does', async () => {
    const bytes = new TextEncoder().encode('x,y,label\n1,2,0\n3,4,1\n');
    const config = { columnConfigs: { label: { isLabel: true } } };
    const want = await new tf.data.CSVDataset(new tf.data.FileDataSource(bytes), config).toArray();
    expect(await wt.data.csv(new wt.data.FileDataSource(bytes), config).toArray()).toEqual(want);
  });

  test('func pulls one stream, shared by passes as in TF.js', async () => {
    const counter = () => { let i = 0; return () => (i < 5 ? { value: i++, done: false } : { value: -1, done: true }); };
    const ours = wt.data.func(counter()), theirs = tf.data.func(counter());
    expect(await ours.take(3).toArray()).toEqual(await theirs.take(3).toArray());
    expect(await ours.toArray()).toEqual(await theirs.toArray());
    expect(await ours.toArray()).toEqual(await theirs.toArray());
    const asyncOnes = wt.data.func(async () => ({ value: 1, done: false }));
    expect(await asyncOnes.take(2).toArray()).toEqual([1, 1]);
  });

  test('bad sources are refused with what was expected', async () => {
    expect(() => new wt.data.FileDataSource(3 as never)).toThrow(/FileDataSource: expected a path, a File or Blob, or a Uint8Array, got number/);
    expect(() => new wt.data.FileDataSource(new Uint8Array(1), { chunkSize: 0 })).toThrow(/chunkSize must be a whole number >= 1/);
    expect(() => new wt.data.URLDataSource('not a url')).toThrow(/URLDataSource: "not a url" is not a URL/);
    expect(() => new wt.data.TextLineDataset('a.txt' as never)).toThrow(/TextLineDataset: expected a data source/);
    await expect(new wt.data.TextLineDataset(new wt.data.FileDataSource('/no/such/file.txt')).toArray()).rejects.toThrow(/FileDataSource/);
    await expect(wt.data.func((() => 5) as never).toArray()).rejects.toThrow(/data.func: the function must return \{ value, done \}, got 5/);
  });
});
