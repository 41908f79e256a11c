// A restricted Boltzmann machine on MNIST digits (Bernoulli visible and hidden units, grey values
// used as visible probabilities), trained by contrastive divergence; every Gibbs half-step is one
// GEMM and one fused sigmoid + Bernoulli-sample kernel in WebAssembly.
// Training: CD-k (default CD-1), then a few epochs of persistent CD at a lower rate. CD alone
// learns to reconstruct but leaves spurious modes far from the data (long chains from random
// states drift to grey noise); the persistent chains visit them and training removes them.
// Prints the reconstruction error of held-out digits before training and after each epoch, and
// the free energy of digits against noise; writes rbm-filters.png (the first 100 hidden units'
// weights as 28x28 images) and rbm-samples.png (visible probabilities after many Gibbs steps:
// 20 chains started at random states, then 30 started at held-out digits).
//   node examples/rbm.mjs [--quick] [--hidden 256] [--epochs 8] [--pcd-epochs 4] [--k 1]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { imageGrid, savePng } from './lib/png.mjs';
import { runIfMain } from './lib/run.mjs';

export async function main({ quick = false, hidden = 256, epochs, pcdEpochs, k = 1, gibbsSteps, seed = 1, log = console.log, pictures = true } = {}) {
  await wg.init();
  epochs ??= quick ? 2 : 8;
  pcdEpochs ??= quick ? 1 : 4;
  gibbsSteps ??= quick ? 50 : 1000;
  const { train, test } = loadMnist({ train: quick ? 2000 : 8000, test: quick ? 500 : 2000, seed });
  const x = wg.tensor(train.images, [train.count, 784]);
  const xTest = wg.tensor(test.images, [test.count, 784]);
  const machine = wg.classic.rbm({ visible: 784, hidden, seed });
  const errors = [machine.reconstructionError(xTest)];
  log(`RBM 784-${hidden}, CD-${k} for ${epochs} epochs then persistent CD for ${pcdEpochs}, ${train.count} digits; held-out reconstruction error per pixel before training: ${errors[0].toFixed(4)}`);
  const t0 = performance.now();
  // a low momentum while the weights are small, then a higher one (Hinton's practical guide)
  for (let e = 0; e < epochs + pcdEpochs; e++) {
    const persistent = e >= epochs;
    const { reconstructionError } = machine.fit(x, {
      epochs: 1, batchSize: 100, k, persistent, learningRate: persistent ? 0.01 : 0.05, momentum: e < 3 || persistent ? 0.5 : 0.9, weightDecay: 2e-4,
    });
    errors.push(machine.reconstructionError(xTest));
    log(`epoch ${e + 1} (${persistent ? 'PCD' : `CD-${k}`}): training ${reconstructionError[0].toFixed(4)}, held-out ${errors[e + 1].toFixed(4)}`);
  }
  epochs += pcdEpochs;
  const seconds = (performance.now() - t0) / 1000;
  const firstEpoch = errors[1], last = errors[errors.length - 1];
  log(`held-out reconstruction error: ${errors[0].toFixed(4)} untrained, ${firstEpoch.toFixed(4)} after epoch 1, ${last.toFixed(4)} after epoch ${epochs} ` +
    `(${(errors[0] / last).toFixed(1)}x lower than untrained, ${(firstEpoch / last).toFixed(2)}x lower than after epoch 1); ${seconds.toFixed(1)} s`);
  // free energy: digits are more probable (lower F) than noise with the same ink
  const [fDigits, fNoise] = wg.tidy(() => {
    const digits = wg.slice(xTest, [0, 0], [200, 784]);
    const ink = wg.mean(digits).dataSync()[0];
    const noise = wg.classic.bernoulliSample(wg.fill([200, 784], ink), seed);
    return [wg.mean(machine.freeEnergy(digits)).dataSync()[0], wg.mean(machine.freeEnergy(noise)).dataSync()[0]];
  });
  log(`mean free energy: ${fDigits.toFixed(1)} on held-out digits, ${fNoise.toFixed(1)} on noise of the same ink density`);
  const result = { errors, reductionFromUntrained: errors[0] / last, reductionFromFirstEpoch: firstEpoch / last, freeEnergyDigits: fDigits, freeEnergyNoise: fNoise, seconds };
  if (pictures) {
    const filters = wg.tidy(() => wg.transpose(wg.slice(machine.weights, [0, 0], [784, Math.min(100, hidden)])).dataSync());
    log(`wrote ${savePng('rbm-filters.png', imageGrid(filters, Math.min(100, hidden), { cols: 10, zoom: 2, normalize: true }))} (weights of the first ${Math.min(100, hidden)} hidden units)`);
    const t1 = performance.now();
    const fromNoise = machine.sample({ count: 20, steps: gibbsSteps });
    const starts = wg.slice(xTest, [0, 0], [30, 784]);
    const fromDigits = machine.sample({ start: starts, steps: gibbsSteps });
    const grid = new Float32Array(50 * 784);
    grid.set(fromNoise.dataSync());
    grid.set(fromDigits.dataSync(), 20 * 784);
    log(`wrote ${savePng('rbm-samples.png', imageGrid(grid, 50, { cols: 10, zoom: 2 }))} ` +
      `(after ${gibbsSteps} Gibbs steps: 20 chains from random states, then 30 from held-out digits; ${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    for (const t of [fromNoise, starts, fromDigits]) t.dispose();
  }
  for (const t of [x, xTest]) t.dispose();
  machine.dispose();
  return result;
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () =>
  main({ quick: process.argv.includes('--quick'), hidden: arg('hidden', 256), epochs: arg('epochs', undefined), pcdEpochs: arg('pcd-epochs', undefined), k: arg('k', 1) }));
