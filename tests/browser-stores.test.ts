// TF.js's browser model stores in real Chromium (src/io/browser-stores.ts): models saved by TF.js
// 4.22 to localstorage:// and indexeddb:// load in wasmgrad and predict the same, models wasmgrad
// saves there load in TF.js, listModels / copyModel / moveModel / removeModel agree with TF.js's,
// and downloads:// gives the two files TF.js's does. Outside a browser the schemes are refused clearly.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import * as wt from 'wasmgrad/tfjs';
import * as tf from '@tensorflow/tfjs';
import { launchChromium } from './browser/chromium';
// @ts-expect-error: a plain ESM script without types
import { serve } from '../scripts/serve.mjs';

let browser: Browser;
let server: { url: string; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  server = await serve({ mounts: { '/dist/': 'dist', '/tfjs/': 'node_modules/@tensorflow/tfjs/dist', '/page/': 'tests/browser' }, index: '/page/blank.html' });
  browser = await launchChromium();
  page = await browser.newPage({ acceptDownloads: true });
  await page.goto(`${server.url}/page/blank.html`);
  await page.addScriptTag({ url: '/tfjs/tf.min.js' });
  await page.addScriptTag({ type: 'module', content: "import * as wt from '/dist/tfjs.js'; window.wt = wt;" });
  await page.waitForFunction(() => (window as unknown as { wt?: unknown }).wt !== undefined, null, { timeout: 30_000 });
  await page.evaluate(() => (window as unknown as { tf: { setBackend(b: string): Promise<boolean> } }).tf.setBackend('cpu'));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('browser model stores', () => {
  test('TF.js and wasmgrad load what the other saved, in local storage and IndexedDB', async () => {
    const result = await page.evaluate(async () => {
      const { tf, wt } = window as unknown as { tf: typeof import('@tensorflow/tfjs'); wt: typeof import('wasmgrad/tfjs') };
      const x = [[0.5, -1, 2, 0.25], [1, 2, 3, 4]];
      const predictT = (m: { predict(t: unknown): unknown }) => Array.from((m.predict(tf.tensor(x)) as { dataSync(): Float32Array }).dataSync());
      const predictW = (m: { predict(t: unknown): unknown }) => Array.from((m.predict(wt.tensor(x)) as { dataSync(): Float32Array }).dataSync());
      const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 2 })] });
      await theirs.save('localstorage://from-tfjs');
      await theirs.save('indexeddb://from-tfjs');
      const ours = wt.sequential({ layers: [wt.layers.dense({ units: 3, inputShape: [4], activation: 'tanh' }), wt.layers.dense({ units: 2 })] });
      await ours.save('localstorage://from-wasmgrad');
      await ours.save('indexeddb://from-wasmgrad');
      return {
        tfjsModel: predictT(theirs),
        loadedByUs: [predictW(await wt.loadLayersModel('localstorage://from-tfjs')), predictW(await wt.loadLayersModel('indexeddb://from-tfjs'))],
        ourModel: predictW(ours),
        loadedByTfjs: [predictT(await tf.loadLayersModel('localstorage://from-wasmgrad')), predictT(await tf.loadLayersModel('indexeddb://from-wasmgrad'))],
      };
    });
    for (const got of result.loadedByUs) expect(got).toEqual(result.tfjsModel.map((v) => expect.closeTo(v, 5)));
    for (const got of result.loadedByTfjs) expect(got).toEqual(result.ourModel.map((v) => expect.closeTo(v, 5)));
  });

  test('listModels, copyModel, moveModel and removeModel agree with TF.js', async () => {
    const steps = await page.evaluate(async () => {
      const { tf, wt } = window as unknown as { tf: typeof import('@tensorflow/tfjs'); wt: typeof import('wasmgrad/tfjs') };
      const keys = async () => [Object.keys(await wt.io.listModels()).sort(), Object.keys(await tf.io.listModels()).sort()];
      const out: { step: string; ours: string[]; theirs: string[] }[] = [];
      const log = async (step: string) => { const [ours, theirs] = await keys(); out.push({ step, ours, theirs }); };
      await log('saved');
      const copied = await wt.io.copyModel('localstorage://from-tfjs', 'indexeddb://copy');
      await log('copied');
      await wt.io.moveModel('indexeddb://from-wasmgrad', 'localstorage://moved');
      await log('moved');
      const removed = await wt.io.removeModel('localstorage://from-wasmgrad');
      await log('removed');
      const errors: string[] = [];
      for (const f of [() => wt.io.removeModel('indexeddb://nothing'), () => wt.io.copyModel('indexeddb://copy', 'indexeddb://copy'), () => wt.io.copyModel('file://a', 'indexeddb://b'), () => wt.loadLayersModel('localstorage://nothing')]) {
        try { await f(); errors.push('no error'); } catch (e) { errors.push(`${(e as Error).name}: ${(e as Error).message}`); }
      }
      const x = tf.tensor([[1, 1, 1, 1]]);
      const same = Array.from(((await tf.loadLayersModel('indexeddb://copy')).predict(x) as { dataSync(): Float32Array }).dataSync());
      return { out, copiedBytes: copied.weightDataBytes, removedBytes: removed.weightDataBytes, errors, same };
    });
    expect(steps.out[0].ours).toEqual(['indexeddb://from-tfjs', 'indexeddb://from-wasmgrad', 'localstorage://from-tfjs', 'localstorage://from-wasmgrad']);
    for (const s of steps.out) expect(s.ours, s.step).toEqual(s.theirs);
    expect(steps.out[3].ours).toEqual(['indexeddb://copy', 'indexeddb://from-tfjs', 'localstorage://from-tfjs', 'localstorage://moved']);
    expect(steps.copiedBytes).toBe((4 * 3 + 3 + 3 * 2 + 2) * 4);
    expect(steps.removedBytes).toBe((4 * 3 + 3 + 3 * 2 + 2) * 4);
    expect(steps.errors[0]).toMatch(/WasmgradError: io.removeModel: there is no model at 'indexeddb:\/\/nothing'/);
    expect(steps.errors[1]).toMatch(/WasmgradError: io.copyModel: the source and destination are the same model/);
    expect(steps.errors[2]).toMatch(/WasmgradError: io.copyModel: expected 'localstorage:\/\/name' or 'indexeddb:\/\/name', got "file:\/\/a"/);
    expect(steps.errors[3]).toMatch(/WasmgradError: io: in local storage, there is no model named 'nothing'/);
    expect(steps.same).toHaveLength(2);
  });

  test('downloads:// saves prefix.json and prefix.weights.bin, which TF.js loads', async () => {
    const downloads: { name: string; body: Buffer }[] = [];
    page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), body: readFileSync((await d.path())!) }));
    const want = await page.evaluate(async () => {
      const { wt } = window as unknown as { wt: typeof import('wasmgrad/tfjs') };
      const m = wt.sequential({ layers: [wt.layers.dense({ units: 2, inputShape: [3] })] });
      await m.save('downloads://my-model');
      return Array.from(m.predict(wt.tensor([[1, 2, 3]])).dataSync());
    });
    await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(2);
    const byName = Object.fromEntries(downloads.map((d) => [d.name, d.body]));
    expect(Object.keys(byName).sort()).toEqual(['my-model.json', 'my-model.weights.bin']);
    const json = JSON.parse(byName['my-model.json'].toString());
    expect(json.weightsManifest[0].paths).toEqual(['./my-model.weights.bin']);
    const bin = byName['my-model.weights.bin'];
    const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
    expect(Array.from((loaded.predict(tf.tensor([[1, 2, 3]])) as tf.Tensor).dataSync())).toEqual(want.map((v) => expect.closeTo(v, 5)));
  });

  test('outside a browser the store schemes are refused, naming what is missing', async () => {
    const m = wt.sequential({ layers: [wt.layers.dense({ units: 2, inputShape: [3] })] });
    await expect(m.save('localstorage://x')).rejects.toThrow(/the localstorage:\/\/ scheme needs the browser's localStorage, which this runtime lacks/);
    await expect(wt.loadLayersModel('indexeddb://x')).rejects.toThrow(/the indexeddb:\/\/ scheme needs the browser's indexedDB/);
    await expect(m.save('downloads://x')).rejects.toThrow(/the downloads:\/\/ scheme needs the browser's document/);
    expect(await wt.io.listModels()).toEqual({});
  });
});
