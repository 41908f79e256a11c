// A deep belief network on MNIST: RBMs pretrained greedily bottom to top (CD-1), unrolled into an
// MLP of dense sigmoid layers holding their weights, then fine-tuned with backprop; beside it the
// same MLP from random (Glorot) initialisation with the same fine-tuning budget. 8,000 training
// digits, 2,000 held out. Fine-tuning uses the MNIST examples' recipe (lib/recipe.mjs: deskewed
// digits, fresh random distortions each epoch, label smoothing, Adam with cosine decay, 8 epochs);
// the RBMs are pretrained on the deskewed digits. --plain: raw digits and plain Adam for both.
// Writes dbn-filters.png (first-layer weights of 100 units, after pretraining).
//   node examples/dbn.mjs [--quick] [--plain] [--epochs 8] [--pretrain-epochs 5]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { imageGrid, savePng } from './lib/png.mjs';
import { runIfMain } from './lib/run.mjs';
import { trainDigits, deskew, describeRecipe } from './lib/recipe.mjs';

export async function main({ quick = false, plain = false, layers, epochs, pretrainEpochs, seed = 1, log = console.log, pictures = true } = {}) {
  await wg.init();
  layers ??= quick ? [784, 128, 128] : [784, 500, 500];
  epochs ??= quick ? 2 : 8;
  pretrainEpochs ??= quick ? 1 : 5;
  const { train, test } = loadMnist({ train: quick ? 2000 : 8000, test: quick ? 500 : 2000, seed });
  const data = { train, test };
  const budget = { shape: [784], epochs, plain, seed };
  const x = wg.tensor(plain ? train.images : deskew(train.images, train.count), [train.count, 784]);

  // 1. greedy pretraining
  const net = wg.classic.dbn({ layers, seed });
  const t0 = performance.now();
  net.pretrain(x, { epochs: pretrainEpochs, batchSize: 100, learningRate: 0.05, momentum: 0.5, weightDecay: 2e-4 }, (l, errors) =>
    log(`pretrained RBM ${l + 1} (${layers[l]}-${layers[l + 1]}): reconstruction error per unit ${errors.map((e) => e.toFixed(4)).join(' -> ')}`));
  const pretrainSeconds = (performance.now() - t0) / 1000;
  if (pictures) {
    const filters = wg.tidy(() => wg.transpose(wg.slice(net.rbms[0].weights, [0, 0], [784, Math.min(100, layers[1])])).dataSync());
    log(`wrote ${savePng('dbn-filters.png', imageGrid(filters, Math.min(100, layers[1]), { cols: 10, zoom: 2, normalize: true }))} (first-layer weights of ${Math.min(100, layers[1])} units)`);
  }

  // 2. unrolled and fine-tuned
  const pretrained = net.toSequential({ outputUnits: 10 });
  const dbnRun = await trainDigits(pretrained, data, budget);
  log(`DBN ${layers.join('-')}-10, pretrained (${pretrainSeconds.toFixed(1)} s) then fine-tuned ${epochs} epochs: test accuracy ${(dbnRun.testAccuracy * 100).toFixed(2)}% on ${test.count} held-out digits`);

  // 3. the same MLP from random initialisation, same fine-tuning budget
  const init = (s) => wg.initializers.glorotUniform({ seed: s });
  const scratch = wg.sequential({
    layers: [
      ...layers.slice(1).map((units, l) => wg.layers.dense({ units, activation: 'sigmoid', kernelInitializer: init(seed + 10 + l), ...(l === 0 ? { inputShape: [784] } : {}) })),
      wg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(seed + 1000) }),
    ],
  });
  const scratchRun = await trainDigits(scratch, data, budget);
  log(`same MLP from random initialisation, ${epochs} epochs: test accuracy ${(scratchRun.testAccuracy * 100).toFixed(2)}%`);
  log(`pretraining ${dbnRun.testAccuracy >= scratchRun.testAccuracy ? 'gains' : 'loses'} ${(Math.abs(dbnRun.testAccuracy - scratchRun.testAccuracy) * 100).toFixed(2)} points ` +
    `(fine-tuning for both, ${epochs} epochs: ${describeRecipe(plain)}; the same shuffles)`);

  x.dispose();
  pretrained.dispose();
  scratch.dispose();
  net.dispose();
  return { dbnAccuracy: dbnRun.testAccuracy, scratchAccuracy: scratchRun.testAccuracy, pretrainSeconds, fineTuneSeconds: dbnRun.seconds };
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ quick: process.argv.includes('--quick'), plain: process.argv.includes('--plain'), epochs: arg('epochs', undefined), pretrainEpochs: arg('pretrain-epochs', undefined) }));
