// Generative adversarial networks: a generator from noise against a discriminator, trained
// alternately with two Adam optimizers, each minimising over its own network's variables only
// (non-saturating generator loss).
//   1. A ring of 8 Gaussians in 2-D: counts the modes the generated points cover; writes
//      gan-ring.png (real points grey, generated points red).
//   2. MNIST, a small DCGAN (dense + conv2dTranspose generator with batch normalization, strided
//      conv discriminator, learning rates decayed to 0 over the run):
//      the project's MNIST CNN (examples/mnist-cnn.mjs, trained here on the real digits until it
//      converges) scores the samples: the share it classifies with confidence > 0.9; writes
//      gan-digits.png.
//   node examples/gan.mjs [--quick] [--ring-steps 3000] [--mnist-steps 5000] [--g-rate 5e-4] [--d-rate 5e-4] [--seed 1] [--ring | --mnist]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { imageGrid, savePng, scatter } from './lib/png.mjs';
import { trainDigits } from './lib/recipe.mjs';
import { buildCnn } from './mnist-cnn.mjs';
import { runIfMain } from './lib/run.mjs';

const L = wg.layers;
const init = (s) => wg.initializers.glorotUniform({ seed: s });

/**
 * One alternating step: the discriminator on real and generated batches, then the generator to
 * make the discriminator say "real". Losses from logits l: binary cross-entropy with target t for
 * the real batch, t softplus(-l) + (1 - t) softplus(l) (t = realTarget < 1 is one-sided label
 * smoothing: it keeps the discriminator from growing overconfident on the real digits), softplus(l)
 * for the generated batch; the generator's loss is softplus(-l) (non-saturating). The
 * discriminator runs in training mode in both halves (its dropout active). Returns [dLoss, gLoss].
 */
function ganStep({ generator, discriminator, dOpt, gOpt, dVars, gVars, realTarget }, real, noise) {
  const train = { training: true };
  const dLoss = dOpt.minimize(() => {
    const fake = generator.apply(noise, train);
    const lr = discriminator.apply(real, train);
    const realLoss = realTarget === 1 ? wg.softplus(wg.neg(lr)) : wg.add(wg.mul(wg.softplus(wg.neg(lr)), realTarget), wg.mul(wg.softplus(lr), 1 - realTarget));
    return wg.add(wg.mean(realLoss), wg.mean(wg.softplus(discriminator.apply(fake, train))));
  }, dVars);
  const gLoss = gOpt.minimize(() => wg.mean(wg.softplus(wg.neg(discriminator.apply(generator.apply(noise, train), train)))), gVars);
  const out = [dLoss.dataSync()[0], gLoss.dataSync()[0]];
  dLoss.dispose();
  gLoss.dispose();
  return out;
}

/** Two Adam optimizers (beta1 0.5); with decaySteps, each rate follows a cosine from its value to 0 over that many steps. */
function gan(generator, discriminator, { gRate, dRate = gRate, realTarget = 1, decaySteps = 0 }) {
  const rate = (initial) => (decaySteps > 0 ? wg.schedules.cosineDecay({ initial, decaySteps }) : initial);
  return {
    generator, discriminator, realTarget,
    dOpt: wg.optimizers.adam({ learningRate: rate(dRate), beta1: 0.5 }),
    gOpt: wg.optimizers.adam({ learningRate: rate(gRate), beta1: 0.5 }),
    dVars: discriminator.trainableWeights,
    gVars: generator.trainableWeights,
  };
}

/** 8 Gaussians (std 0.05) on a circle of radius 2. */
function ringSample(n, random) {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(random() * 8), a = (k * Math.PI) / 4;
    const g = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    out[2 * i] = 2 * Math.cos(a) + 0.05 * g();
    out[2 * i + 1] = 2 * Math.sin(a) + 0.05 * g();
  }
  return out;
}

async function ring({ steps, seed, log, pictures }) {
  const random = wg.seededRandom(seed);
  const generator = wg.sequential({
    layers: [
      L.dense({ units: 128, activation: 'relu', inputShape: [8], kernelInitializer: init(seed) }),
      L.dense({ units: 128, activation: 'relu', kernelInitializer: init(seed + 1) }),
      L.dense({ units: 2, kernelInitializer: init(seed + 2) }),
    ],
  });
  const discriminator = wg.sequential({
    layers: [
      L.dense({ units: 128, activation: 'relu', inputShape: [2], kernelInitializer: init(seed + 3) }),
      L.dense({ units: 128, activation: 'relu', kernelInitializer: init(seed + 4) }),
      L.dense({ units: 1, kernelInitializer: init(seed + 5) }),
    ],
  });
  const g = gan(generator, discriminator, { gRate: 1e-3 });
  const batch = 256;
  let losses = [0, 0];
  for (let s = 0; s < steps; s++) {
    losses = wg.tidy(() => ganStep(g, wg.tensor(ringSample(batch, random), [batch, 2]), wg.randomNormal([batch, 8], 0, 1, seed * 100003 + s)));
    if ((s + 1) % Math.max(1, Math.floor(steps / 5)) === 0) log(`ring step ${s + 1}: D loss ${losses[0].toFixed(3)}, G loss ${losses[1].toFixed(3)}`);
  }
  const n = 2000;
  const points = wg.tidy(() => generator.predict(wg.randomNormal([n, 8], 0, 1, seed + 12345)).dataSync());
  // a mode is covered when at least 1% of the generated points lie within 0.25 (5 std) of its centre
  const counts = new Array(8).fill(0);
  let near = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 8; k++) {
      const a = (k * Math.PI) / 4;
      if (Math.hypot(points[2 * i] - 2 * Math.cos(a), points[2 * i + 1] - 2 * Math.sin(a)) < 0.25) (counts[k]++, near++);
    }
  }
  const covered = counts.filter((c) => c >= n / 100).length;
  log(`ring of 8 Gaussians: ${covered} of 8 modes covered (points per mode ${counts.join(' ')}; ${((near / n) * 100).toFixed(1)}% of ${n} generated points within 0.25 of a mode)`);
  if (pictures) {
    const real = ringSample(n, random);
    const pts = (a) => Array.from({ length: a.length / 2 }, (_, i) => [a[2 * i], a[2 * i + 1]]);
    log(`wrote ${savePng('gan-ring.png', scatter([{ points: pts(real), color: [150, 150, 150] }, { points: pts(points), color: [214, 39, 40] }], { lo: -3, hi: 3 }))} (real grey, generated red)`);
  }
  for (const o of [g.dOpt, g.gOpt]) o.dispose();
  generator.dispose();
  discriminator.dispose();
  return { covered, counts, nearShare: near / n };
}

/**
 * The MNIST DCGAN: generator dense -> 7x7xC with batch normalization and relu, a stride-2
 * conv2dTranspose to 14x14 (batch normalization, relu), a stride-2 conv2dTranspose to 28x28x1 with
 * a sigmoid (the digits' [0, 1]); discriminator two stride-2 convolutions with leakyRelu (slope
 * `slope`), each followed by dropout when `dropout` > 0; Adam with beta1 0.5 for both, batch 64,
 * both rates decayed to 0 (cosine) over the run; `realTarget` < 1 is one-sided label smoothing.
 * The scoring CNN trains `classifierEpochs` plain epochs: it converges there (98% on held-out
 * digits); a CNN stopped early is unsure of real digits too. The settings that measured best so
 * far (see docs/classic-networks.md for the others tried).
 */
export const DCGAN = Object.freeze({ z: 64, genChannels: [32, 32], discChannels: [32, 32], slope: 0.3, dropout: 0, realTarget: 1, rate: 5e-4, batch: 64, steps: 5000, classifierEpochs: 40 });

async function mnist({ steps, classifierEpochs, gRate = DCGAN.rate, dRate = DCGAN.rate, seed, log, pictures, quick }) {
  const data = loadMnist({ train: quick ? 2000 : 8000, test: quick ? 500 : 2000, seed });
  // the project's MNIST CNN, trained on the real digits (raw, as the generator makes them)
  const cnn = buildCnn();
  const t0 = performance.now();
  const fit = await trainDigits(cnn, data, { shape: [28, 28, 1], plain: true, epochs: classifierEpochs, seed });
  // the same measure on real held-out digits: what the score of perfect samples would be
  const realConfident = wg.tidy(() => {
    const conf = wg.max(cnn.predict(wg.tensor(data.test.images, [data.test.count, 28, 28, 1]), { batchSize: 500 }), 1).dataSync();
    return conf.filter((c) => c > 0.9).length / conf.length;
  });
  log(`classifier: the MNIST CNN of mnist-cnn.mjs, ${classifierEpochs} plain epochs on the real digits: ${(fit.testAccuracy * 100).toFixed(2)}% on held-out digits, ` +
    `${(realConfident * 100).toFixed(1)}% of them with confidence > 0.9 (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

  const { z, genChannels, discChannels, slope, dropout, realTarget } = DCGAN;
  const [g1, g2] = genChannels, [d1, d2] = discChannels;
  const generator = wg.sequential({
    layers: [
      L.dense({ units: 7 * 7 * g1, inputShape: [z], kernelInitializer: init(seed + 20) }),
      L.batchNormalization({ momentum: 0.9 }),
      L.activation({ activation: 'relu' }),
      L.reshape({ targetShape: [7, 7, g1] }),
      L.conv2dTranspose({ filters: g2, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(seed + 21) }),
      L.batchNormalization({ momentum: 0.9 }),
      L.activation({ activation: 'relu' }),
      L.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same', activation: 'sigmoid', kernelInitializer: init(seed + 22) }),
    ],
  });
  // a stride-2 convolution, leakyRelu, and dropout if any
  const down = (filters, s, first) => [
    L.conv2d({ filters, kernelSize: 4, strides: 2, padding: 'same', ...(first ? { inputShape: [28, 28, 1] } : {}), kernelInitializer: init(s) }),
    L.leakyReLU({ alpha: slope }),
    ...(dropout > 0 ? [L.dropout({ rate: dropout, seed: s + 100 })] : []),
  ];
  const discriminator = wg.sequential({
    layers: [...down(d1, seed + 23, true), ...down(d2, seed + 24, false), L.flatten(), L.dense({ units: 1, kernelInitializer: init(seed + 25) })],
  });
  const g = gan(generator, discriminator, { gRate, dRate, realTarget, decaySteps: steps });
  const x = wg.tensor(data.train.images, [data.train.count, 28, 28, 1]);
  const random = wg.seededRandom(seed + 5);
  const batch = DCGAN.batch;
  const n = 500;
  /** The CNN's verdict on n fresh samples (the same noise each time). */
  const score = () => wg.tidy(() => {
    // batch statistics of the sample batch itself (the generator in training mode, as DCGAN samples)
    const imgs = generator.apply(wg.randomNormal([n, z], 0, 1, seed + 777), { training: true });
    const p = cnn.predict(imgs, { batchSize: 250 });
    const conf = wg.max(p, 1).dataSync();
    const cls = wg.argMax(p, 1).dataSync();
    const samples = imgs.dataSync();
    return { samples, meanPixel: samples.reduce((a, v) => a + v, 0) / samples.length, confident: conf.filter((c) => c > 0.9).length / n, meanConfidence: conf.reduce((a, c) => a + c, 0) / n, classes: cls };
  });
  const start = score();
  const curve = [{ step: 0, confident: start.confident, meanConfidence: start.meanConfidence, meanPixel: start.meanPixel }];
  const t1 = performance.now();
  for (let s = 0; s < steps; s++) {
    const idx = Int32Array.from({ length: batch }, () => Math.floor(random() * data.train.count));
    const losses = wg.tidy(() => ganStep(g, wg.gather(x, wg.tensor(idx, [batch], 'int32')), wg.randomNormal([batch, z], 0, 1, seed * 100019 + s)));
    if ((s + 1) % Math.max(1, Math.floor(steps / 5)) === 0) {
      const { confident, meanConfidence, meanPixel } = score();
      curve.push({ step: s + 1, confident, meanConfidence, meanPixel });
      log(`MNIST GAN step ${s + 1}: D loss ${losses[0].toFixed(3)}, G loss ${losses[1].toFixed(3)}; confident samples ${(confident * 100).toFixed(1)}% (mean top probability ${meanConfidence.toFixed(3)})`);
    }
  }
  const ganSeconds = (performance.now() - t1) / 1000;
  const { samples, confident, meanConfidence, meanPixel, classes } = score();
  const realMeanPixel = data.train.images.reduce((a, v) => a + v, 0) / data.train.images.length;
  const histogram = new Array(10).fill(0);
  for (const c of classes) histogram[c]++;
  log(`MNIST DCGAN after ${steps} steps (${ganSeconds.toFixed(0)} s): the CNN classifies ${(confident * 100).toFixed(1)}% of ${n} samples with confidence > 0.9; ` +
    `samples per predicted class ${histogram.join(' ')}`);
  if (pictures) log(`wrote ${savePng('gan-digits.png', imageGrid(samples, 100, { cols: 10, zoom: 2 }))} (100 generated digits)`);
  for (const o of [g.dOpt, g.gOpt]) o.dispose();
  for (const m of [generator, discriminator, cnn]) m.dispose();
  x.dispose();
  return { confident, meanConfidence, meanPixel, realMeanPixel, histogram, curve, classifierAccuracy: fit.testAccuracy, realConfident, seconds: ganSeconds };
}

export async function main({ quick = false, ringSteps, mnistSteps, classifierEpochs, gRate, dRate, seed = 1, log = console.log, pictures = true, parts = ['ring', 'mnist'] } = {}) {
  await wg.init();
  const result = {};
  if (parts.includes('ring')) result.ring = await ring({ steps: ringSteps ?? (quick ? 1500 : 3000), seed, log, pictures });
  if (parts.includes('mnist')) result.mnist = await mnist({ steps: mnistSteps ?? (quick ? 150 : DCGAN.steps), classifierEpochs: classifierEpochs ?? (quick ? 1 : DCGAN.classifierEpochs), gRate, dRate, seed, log, pictures, quick });
  return result;
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const only = process.argv.includes('--ring') ? ['ring'] : process.argv.includes('--mnist') ? ['mnist'] : ['ring', 'mnist'];
await runIfMain(import.meta, () => main({ quick: process.argv.includes('--quick'), ringSteps: arg('ring-steps', undefined), mnistSteps: arg('mnist-steps', undefined), gRate: arg('g-rate', undefined), dRate: arg('d-rate', undefined), seed: arg('seed', 1), parts: only }));
