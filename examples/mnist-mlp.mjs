// The classic MLP on real handwritten digits: 784-256-128-10, relu, softmax, Adam, trained on
// 8,000 MNIST digits and tested on 2,000 held-out ones (from the `mnist` package: no download).
//   node examples/mnist-mlp.mjs [--epochs 8] [--batch 64] [--augment]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { runIfMain } from './lib/run.mjs';

/** Data augmentation (the course's "perturbed copies"): every image shifted by up to `max` pixels. */
export function shiftImages(images, count, random, max = 2) {
  const out = new Float32Array(images.length);
  for (let i = 0; i < count; i++) {
    const dx = Math.floor(random() * (2 * max + 1)) - max, dy = Math.floor(random() * (2 * max + 1)) - max;
    const o = i * 784;
    for (let y = Math.max(0, dy); y < Math.min(28, 28 + dy); y++) {
      for (let x = Math.max(0, dx); x < Math.min(28, 28 + dx); x++) out[o + y * 28 + x] = images[o + (y - dy) * 28 + (x - dx)];
    }
  }
  return out;
}

export async function main({ epochs = 8, batchSize = 64, train = 8000, test = 2000, verbose = 1, augment = false, log = console.log } = {}) {
  const info = await wg.init();
  const data = loadMnist({ train, test });
  const x = wg.tensor(data.train.images, [train, 784]);
  const y = wg.oneHot(wg.tensor(data.train.labels, [train], 'int32'), 10);
  const xTest = wg.tensor(data.test.images, [test, 784]);
  const yTest = wg.oneHot(wg.tensor(data.test.labels, [test], 'int32'), 10);

  const model = wg.sequential({
    layers: [
      wg.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) }),
      wg.layers.dense({ units: 128, activation: 'relu', kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
      wg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  if (verbose) model.summary();
  model.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  let history;
  if (!augment) history = await model.fit(x, y, { epochs, batchSize, seed: 1, verbose });
  else {
    // a freshly shifted copy of the training images every epoch (fit resumes at initialEpoch)
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
    for (let e = 0; e < epochs; e++) {
      const xe = wg.tensor(shiftImages(data.train.images, train, random), [train, 784]);
      history = await model.fit(xe, y, { epochs: e + 1, initialEpoch: e, batchSize, seed: e + 1, verbose });
      xe.dispose();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = model.evaluate(xTest, yTest, { batchSize: 500 });
  const result = {
    testAccuracy: acc.dataSync()[0],
    testLoss: loss.dataSync()[0],
    samplesPerSecond: (epochs * train) / seconds,
    trainAccuracy: history.history.accuracy.at(-1),
    backend: `${info.backend}, ${wg.backendInfo().threads} thread(s)`,
  };
  log(`MLP: test accuracy ${(result.testAccuracy * 100).toFixed(2)}% on ${test} held-out digits after ${epochs} epochs on ${train}; ` +
    `${Math.round(result.samplesPerSecond)} training samples/s; backend ${result.backend}`);
  for (const t of [x, y, xTest, yTest, loss, acc]) t.dispose();
  model.dispose();
  return result;
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ epochs: arg('epochs', 8), batchSize: arg('batch', 64), augment: process.argv.includes('--augment') }));
