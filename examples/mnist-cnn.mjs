// A small convolutional network on real handwritten digits: conv 3x3x16 - maxpool - conv 3x3x32 -
// maxpool - dense 64 - dense 10, trained for 8 epochs on 8,000 MNIST digits, tested on 2,000
// held-out ones, with the recipe of lib/recipe.mjs (as examples/mnist-mlp.mjs; --plain: the bare
// setting).
//   node examples/mnist-cnn.mjs [--epochs 8] [--batch 32] [--seed 1] [--plain]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { runDigits, describeRecipe } from './lib/recipe.mjs';
import { runIfMain } from './lib/run.mjs';

/** The network, its kernels seeded. */
export function buildCnn() {
  const L = wg.layers;
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

export async function main({ epochs = 8, batchSize, train = 8000, test = 2000, seed = 1, plain = false, verbose = 1, log = console.log } = {}) {
  await wg.init();
  const model = buildCnn();
  const data = loadMnist({ train, test, seed });
  if (verbose) {
    model.summary();
    log(`recipe: ${describeRecipe(plain)}`);
  }
  const result = await runDigits('CNN', model, data, { shape: [28, 28, 1], epochs, batchSize, seed, plain, verbose }, log);
  model.dispose();
  return result;
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ epochs: arg('epochs', 8), batchSize: arg('batch', undefined), seed: arg('seed', 1), plain: process.argv.includes('--plain') }));
