// A deep belief network on MNIST: RBMs pretrained greedily bottom to top (CD-1), unrolled into an
// MLP of dense sigmoid layers holding their weights, then fine-tuned with backprop; beside it the
// same MLP from random (Glorot) initialisation with the same fine-tuning budget (optimizer, epochs,
// batches, seed). 8,000 training digits, 2,000 held out. Writes dbn-filters.png (first-layer
// weights of 100 units, after pretraining).
//   node examples/dbn.mjs [--quick] [--epochs 10] [--pretrain-epochs 5]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { imageGrid, savePng } from './lib/png.mjs';
import { runIfMain } from './lib/run.mjs';

/** Fine-tunes (or trains) `model` and returns its held-out accuracy and the seconds spent. */
async function fineTune(model, data, { epochs, batchSize, learningRate, seed }) {
  model.compile({ optimizer: wg.optimizers.adam({ learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await model.fit(data.x, data.y, { epochs, batchSize, seed, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const [loss, acc] = model.evaluate(data.xTest, data.yTest, { batchSize: 500 });
  const accuracy = acc.dataSync()[0];
  loss.dispose();
  acc.dispose();
  return { accuracy, seconds };
}

export async function main({ quick = false, layers, epochs, pretrainEpochs, seed = 1, log = console.log, pictures = true } = {}) {
  await wg.init();
  layers ??= quick ? [784, 128, 128] : [784, 500, 500];
  epochs ??= quick ? 2 : 10;
  pretrainEpochs ??= quick ? 1 : 5;
  const { train, test } = loadMnist({ train: quick ? 2000 : 8000, test: quick ? 500 : 2000, seed });
  const onehot = (labels) => wg.tidy(() => wg.oneHot(wg.tensor(labels, [labels.length], 'int32'), 10));
  const data = {
    x: wg.tensor(train.images, [train.count, 784]), y: onehot(train.labels),
    xTest: wg.tensor(test.images, [test.count, 784]), yTest: onehot(test.labels),
  };
  const budget = { epochs, batchSize: 32, learningRate: 1e-3, seed };

  // 1. greedy pretraining
  const net = wg.classic.dbn({ layers, seed });
  const t0 = performance.now();
  net.pretrain(data.x, { epochs: pretrainEpochs, batchSize: 100, learningRate: 0.05, momentum: 0.5, weightDecay: 2e-4 }, (l, errors) =>
    log(`pretrained RBM ${l + 1} (${layers[l]}-${layers[l + 1]}): reconstruction error per unit ${errors.map((e) => e.toFixed(4)).join(' -> ')}`));
  const pretrainSeconds = (performance.now() - t0) / 1000;
  if (pictures) {
    const filters = wg.tidy(() => wg.transpose(wg.slice(net.rbms[0].weights, [0, 0], [784, Math.min(100, layers[1])])).dataSync());
    log(`wrote ${savePng('dbn-filters.png', imageGrid(filters, Math.min(100, layers[1]), { cols: 10, zoom: 2, normalize: true }))} (first-layer weights of ${Math.min(100, layers[1])} units)`);
  }

  // 2. unrolled and fine-tuned
  const pretrained = net.toSequential({ outputUnits: 10 });
  const dbnRun = await fineTune(pretrained, data, budget);
  log(`DBN ${layers.join('-')}-10, pretrained (${pretrainSeconds.toFixed(1)} s) then fine-tuned ${epochs} epochs: test accuracy ${(dbnRun.accuracy * 100).toFixed(2)}% on ${test.count} held-out digits`);

  // 3. the same MLP from random initialisation, same fine-tuning budget
  const init = (s) => wg.initializers.glorotUniform({ seed: s });
  const scratch = wg.sequential({
    layers: [
      ...layers.slice(1).map((units, l) => wg.layers.dense({ units, activation: 'sigmoid', kernelInitializer: init(seed + 10 + l), ...(l === 0 ? { inputShape: [784] } : {}) })),
      wg.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(seed + 1000) }),
    ],
  });
  const scratchRun = await fineTune(scratch, data, budget);
  log(`same MLP from random initialisation, ${epochs} epochs: test accuracy ${(scratchRun.accuracy * 100).toFixed(2)}%`);
  log(`pretraining ${dbnRun.accuracy >= scratchRun.accuracy ? 'gains' : 'loses'} ${(Math.abs(dbnRun.accuracy - scratchRun.accuracy) * 100).toFixed(2)} points ` +
    `(fine-tuning: Adam ${budget.learningRate}, batch ${budget.batchSize}, ${epochs} epochs, the same shuffles)`);

  for (const t of Object.values(data)) t.dispose();
  pretrained.dispose();
  scratch.dispose();
  net.dispose();
  return { dbnAccuracy: dbnRun.accuracy, scratchAccuracy: scratchRun.accuracy, pretrainSeconds, fineTuneSeconds: dbnRun.seconds };
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ quick: process.argv.includes('--quick'), epochs: arg('epochs', undefined), pretrainEpochs: arg('pretrain-epochs', undefined) }));
