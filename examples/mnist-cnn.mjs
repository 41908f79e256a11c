// A small convolutional network on real handwritten digits: conv 3x3x16 - maxpool - conv 3x3x32 -
// maxpool - dense 64 - dense 10, trained on 8,000 MNIST digits, tested on 2,000 held-out ones.
//   node examples/mnist-cnn.mjs [--epochs 8] [--batch 64]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { runIfMain } from './lib/run.mjs';

/** The network, or null while the convolution layers are not in this build of wasmgrad. */
export function buildCnn() {
  const L = wg.layers;
  if (typeof L.conv2d !== 'function' || typeof L.maxPooling2d !== 'function') return null;
  const seed = (s) => wg.initializers.glorotUniform({ seed: s });
  return wg.sequential({
    layers: [
      L.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: seed(1) }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: seed(2) }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 64, activation: 'relu', kernelInitializer: seed(3) }),
      L.dense({ units: 10, activation: 'softmax', kernelInitializer: seed(4) }),
    ],
  });
}

export async function main({ epochs = 8, batchSize = 64, train = 8000, test = 2000, verbose = 1, log = console.log } = {}) {
  const info = await wg.init();
  const model = buildCnn();
  if (!model) {
    log('CNN: skipped (wg.layers.conv2d / maxPooling2d are not available in this build)');
    return null;
  }
  const data = loadMnist({ train, test });
  const x = wg.tensor(data.train.images, [train, 28, 28, 1]);
  const y = wg.oneHot(wg.tensor(data.train.labels, [train], 'int32'), 10);
  const xTest = wg.tensor(data.test.images, [test, 28, 28, 1]);
  const yTest = wg.oneHot(wg.tensor(data.test.labels, [test], 'int32'), 10);
  if (verbose) model.summary();
  model.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  const history = await model.fit(x, y, { epochs, batchSize, seed: 1, verbose });
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = model.evaluate(xTest, yTest, { batchSize: 500 });
  const result = {
    testAccuracy: acc.dataSync()[0],
    testLoss: loss.dataSync()[0],
    samplesPerSecond: (epochs * train) / seconds,
    trainAccuracy: history.history.accuracy.at(-1),
    backend: `${info.backend}, ${wg.backendInfo().threads} thread(s)`,
  };
  log(`CNN: test accuracy ${(result.testAccuracy * 100).toFixed(2)}% on ${test} held-out digits after ${epochs} epochs on ${train}; ` +
    `${Math.round(result.samplesPerSecond)} training samples/s; backend ${result.backend}`);
  for (const t of [x, y, xTest, yTest, loss, acc]) t.dispose();
  model.dispose();
  return result;
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ epochs: arg('epochs', 8), batchSize: arg('batch', 64) }));
