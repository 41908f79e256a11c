// The classic MLP on real handwritten digits: 784-256-128-10, relu, softmax, Adam, trained for 8
// epochs on 8,000 MNIST digits and tested on 2,000 held-out ones (from the `mnist` package: no
// download), with the recipe of lib/recipe.mjs (deskewed digits, fresh random distortions every
// epoch, label smoothing, cosine-decayed Adam, batch 32); --plain trains the bare setting (raw
// digits, Adam 1e-3, batch 64) for comparison.
//   node examples/mnist-mlp.mjs [--epochs 8] [--batch 32] [--seed 1] [--plain]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { runDigits, describeRecipe } from './lib/recipe.mjs';
import { runIfMain } from './lib/run.mjs';

export function buildMlp() {
  const seed = (s) => wg.initializers.glorotUniform({ seed: s });
  return wg.sequential({
    layers: [
      wg.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: seed(1) }),
      wg.layers.dense({ units: 128, activation: 'relu', kernelInitializer: seed(2) }),
      wg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: seed(3) }),
    ],
  });
}

export async function main({ epochs = 8, batchSize, train = 8000, test = 2000, seed = 1, plain = false, verbose = 1, log = console.log } = {}) {
  await wg.init();
  const data = loadMnist({ train, test, seed });
  const model = buildMlp();
  if (verbose) {
    model.summary();
    log(`recipe: ${describeRecipe(plain)}`);
  }
  const result = await runDigits('MLP', model, data, { shape: [784], epochs, batchSize, seed, plain, verbose }, log);
  model.dispose();
  return result;
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ epochs: arg('epochs', 8), batchSize: arg('batch', undefined), seed: arg('seed', 1), plain: process.argv.includes('--plain') }));
