// Save a trained model (model.json + weights.safetensors), load it back, check that its
// predictions are bitwise equal, and continue training the loaded model (it comes back compiled).
//   node examples/save-and-reload.mjs [folder]
import * as wg from 'wasmgrad';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIfMain } from './lib/run.mjs';

export async function main({ dir, epochs = 20, log = console.log } = {}) {
  await wg.init();
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'wasmgrad-model-'));
  // a small classifier of points inside / outside the unit circle
  const n = 512;
  const xs = wg.randomUniform([n, 2], -1.5, 1.5, 7);
  const p = xs.dataSync();
  const ys = wg.tensor(Float32Array.from({ length: n }, (_, i) => (p[2 * i] ** 2 + p[2 * i + 1] ** 2 < 1 ? 1 : 0)), [n, 1]);
  const model = wg.sequential({
    layers: [
      wg.layers.dense({ units: 16, activation: 'relu', inputShape: [2], name: 'hidden' }),
      wg.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  await model.fit(xs, ys, { epochs, batchSize: 32, verbose: 0, seed: 1 });

  await model.save(folder);
  log(`saved to ${folder}: ${readdirSync(folder).sort().join(', ')}`);
  const loaded = await wg.loadModel(folder);
  const a = model.predict(xs), b = loaded.predict(xs);
  const same = Buffer.from(a.dataSync().buffer).equals(Buffer.from(b.dataSync().buffer));
  log(`loaded '${loaded.name}': ${loaded.countParams()} parameters, predictions bitwise equal: ${same}`);
  // the loaded model is compiled: training goes on
  const h = await loaded.fit(xs, ys, { epochs: 2, batchSize: 32, verbose: 0 });
  log(`training the loaded model: accuracy ${h.history.accuracy.at(-1).toFixed(3)}`);
  // without a folder: the artifacts, for runtimes with no file system
  const { modelJson, weights } = await loaded.save();
  log(`artifacts: model.json of ${JSON.stringify(modelJson).length} characters, ${weights.length} bytes of safetensors`);
  for (const t of [xs, ys, a, b]) t.dispose();
  model.dispose();
  loaded.dispose();
  if (!dir) rmSync(folder, { recursive: true, force: true });
  return { same, accuracy: h.history.accuracy.at(-1) };
}

await runIfMain(import.meta, () => main({ dir: process.argv[2] }));
