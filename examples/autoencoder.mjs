// Autoencoders on MNIST (learning as compression): a dense one (784-256-32-256-784) and a
// convolutional one (strided conv2d encoder, conv2dTranspose decoder), each trained to reproduce
// its input through a narrow code; then the denoising variant (noisy input, clean target).
// Prints the reconstruction error (mean squared error per pixel) on held-out digits; writes
// autoencoder.png (originals above dense and conv reconstructions) and autoencoder-denoise.png
// (noisy inputs, the denoising autoencoder's outputs, the clean originals).
//   node examples/autoencoder.mjs [--quick] [--epochs 10]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { imageGrid, savePng } from './lib/png.mjs';
import { runIfMain } from './lib/run.mjs';

const L = wg.layers;
const init = (s) => wg.initializers.glorotUniform({ seed: s });

function denseAutoencoder(code, seed) {
  return wg.sequential({
    layers: [
      L.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: init(seed) }),
      L.dense({ units: code, activation: 'relu', kernelInitializer: init(seed + 1) }),
      L.dense({ units: 256, activation: 'relu', kernelInitializer: init(seed + 2) }),
      L.dense({ units: 784, activation: 'sigmoid', kernelInitializer: init(seed + 3) }),
    ],
  });
}

/** 28x28x1 -> 14x14x16 -> 7x7x8 (the code: 392 numbers) -> 14x14x16 -> 28x28x1. */
function convAutoencoder(seed) {
  return wg.sequential({
    layers: [
      L.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(seed) }),
      L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(seed + 1) }),
      L.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(seed + 2) }),
      L.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', kernelInitializer: init(seed + 3) }),
    ],
  });
}

/** Trains model to map x to target; returns the held-out mean squared error per pixel of xTest -> targetTest. */
async function train(model, x, target, xTest, targetTest, { epochs, seed }) {
  const optimizer = wg.optimizers.adam({ learningRate: 2e-3 });
  model.compile({ optimizer, loss: 'binaryCrossentropy' });
  await model.fit(x, target, { epochs, batchSize: 64, seed, verbose: 0 });
  optimizer.dispose(); // its moments
  return wg.tidy(() => {
    const out = model.predict(xTest, { batchSize: 500 });
    return { error: wg.losses.meanSquaredError(wg.reshape(targetTest, [-1]), wg.reshape(out, [-1])).dataSync()[0], output: out.dataSync() };
  });
}

export async function main({ quick = false, epochs, seed = 1, log = console.log, pictures = true } = {}) {
  await wg.init();
  epochs ??= quick ? 4 : 10;
  const { train: tr, test } = loadMnist({ train: quick ? 2000 : 8000, test: quick ? 500 : 2000, seed });
  const x = wg.tensor(tr.images, [tr.count, 784]);
  const xTest = wg.tensor(test.images, [test.count, 784]);
  const xImg = wg.reshape(x, [tr.count, 28, 28, 1]);
  const xTestImg = wg.reshape(xTest, [test.count, 28, 28, 1]);
  // the error of predicting every pixel's mean: what "no compression at all" costs
  const baseline = wg.tidy(() => wg.losses.meanSquaredError(xTest, wg.broadcastTo(wg.mean(x, 0, true), xTest.shape)).dataSync()[0]);
  log(`held-out digits: ${test.count}; error of predicting the mean image: ${baseline.toFixed(4)} per pixel`);

  const dense = denseAutoencoder(32, seed);
  const d = await train(dense, x, x, xTest, xTest, { epochs, seed });
  log(`dense autoencoder 784-256-32-256-784, ${epochs} epochs: held-out reconstruction error ${d.error.toFixed(4)} per pixel`);

  const conv = convAutoencoder(seed + 10);
  const c = await train(conv, xImg, xImg, xTestImg, xTestImg, { epochs, seed });
  log(`conv autoencoder (conv 16/2, conv 8/2, conv2dTranspose 16/2, conv2dTranspose 1/2), ${epochs} epochs: held-out reconstruction error ${c.error.toFixed(4)} per pixel`);

  // denoising: Gaussian noise (std 0.5) clipped to [0, 1], a fresh seed for the test set
  const noisy = (t, s) => wg.tidy(() => wg.clipByValue(wg.add(t, wg.randomNormal(t.shape, 0, 0.5, s)), 0, 1));
  const xNoisy = noisy(x, seed + 100), xTestNoisy = noisy(xTest, seed + 200);
  const noisyError = wg.tidy(() => wg.losses.meanSquaredError(xTest, xTestNoisy).dataSync()[0]);
  const plainOnNoisy = wg.tidy(() => wg.losses.meanSquaredError(xTest, dense.predict(xTestNoisy)).dataSync()[0]);
  const denoiser = denseAutoencoder(32, seed + 20);
  const dn = await train(denoiser, xNoisy, x, xTestNoisy, xTest, { epochs, seed });
  log(`denoising (noise std 0.5): noisy inputs are ${noisyError.toFixed(4)} from the clean digits; the plain dense autoencoder gives ${plainOnNoisy.toFixed(4)}; ` +
    `the denoising one (noisy input, clean target) ${dn.error.toFixed(4)}`);

  if (pictures) {
    const n = 10, grid = new Float32Array(3 * n * 784);
    grid.set(test.images.subarray(0, n * 784));
    grid.set(d.output.subarray(0, n * 784), n * 784);
    grid.set(c.output.subarray(0, n * 784), 2 * n * 784);
    log(`wrote ${savePng('autoencoder.png', imageGrid(grid, 3 * n, { cols: n, zoom: 2 }))} (rows: held-out originals, dense reconstructions, conv reconstructions)`);
    grid.set(xTestNoisy.dataSync().subarray(0, n * 784));
    grid.set(dn.output.subarray(0, n * 784), n * 784);
    grid.set(test.images.subarray(0, n * 784), 2 * n * 784);
    log(`wrote ${savePng('autoencoder-denoise.png', imageGrid(grid, 3 * n, { cols: n, zoom: 2 }))} (rows: noisy inputs, denoised outputs, clean originals)`);
  }
  for (const t of [x, xTest, xImg, xTestImg, xNoisy, xTestNoisy]) t.dispose();
  for (const m of [dense, conv, denoiser]) m.dispose();
  return { meanImageError: baseline, denseError: d.error, convError: c.error, noisyError, plainOnNoisyError: plainOnNoisy, denoisingError: dn.error };
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ quick: process.argv.includes('--quick'), epochs: arg('epochs', undefined) }));
