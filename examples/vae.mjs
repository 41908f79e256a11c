// A variational autoencoder on MNIST: the encoder gives a mean and a log-variance per latent
// dimension, z = mean + exp(logvar / 2) * eps (the reparameterisation trick, eps ~ N(0, I)), the
// decoder gives Bernoulli logits per pixel; the loss is minus the ELBO: the reconstruction
// cross-entropy plus KL(q(z|x) || N(0, I)) = -1/2 sum (1 + logvar - mean^2 - exp(logvar)).
// Prints the ELBO (nats per digit) of every epoch, rising; writes vae-samples.png (decoded draws
// from the prior of a 16-D VAE), and for a 2-D VAE vae-manifold.png (the decoder over a grid of
// the latent plane) and vae-latent.png (latent means of held-out digits coloured by class).
//   node examples/vae.mjs [--quick] [--epochs 15]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { imageGrid, savePng, scatter, PALETTE } from './lib/png.mjs';
import { runIfMain } from './lib/run.mjs';

const L = wg.layers;
const init = (s) => wg.initializers.glorotUniform({ seed: s });

function build(latent, seed) {
  const encoder = wg.sequential({
    layers: [
      L.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: init(seed) }),
      L.dense({ units: 2 * latent, kernelInitializer: init(seed + 1) }), // [mean, logvar]
    ],
  });
  const decoder = wg.sequential({
    layers: [
      L.dense({ units: 256, activation: 'relu', inputShape: [latent], kernelInitializer: init(seed + 2) }),
      L.dense({ units: 784, kernelInitializer: init(seed + 3) }), // Bernoulli logits
    ],
  });
  return { encoder, decoder, latent };
}

/** Mean, log-variance and the ELBO terms of a batch; `eps` the standard normal draws [batch, latent]. */
function elboTerms({ encoder, decoder, latent }, x, eps) {
  const batch = x.shape[0];
  const h = encoder.apply(x);
  const mean = wg.slice(h, [0, 0], [batch, latent]);
  const logvar = wg.slice(h, [0, latent], [batch, latent]);
  const z = wg.add(mean, wg.mul(wg.exp(wg.mul(logvar, 0.5)), eps));
  const logits = decoder.apply(z);
  // -log p(x|z) for Bernoulli pixels: softplus(l) - x l, summed over pixels
  const reconstruction = wg.div(wg.sum(wg.sub(wg.softplus(logits), wg.mul(x, logits))), batch);
  const kl = wg.div(wg.mul(wg.sum(wg.sub(wg.sub(wg.add(logvar, 1), wg.square(mean)), wg.exp(logvar))), -0.5), batch);
  return { mean, reconstruction, kl };
}

/** Trains a VAE; returns it with the ELBO (nats per digit, averaged over the epoch) of each epoch. */
function trainVae(latent, x, { epochs, batchSize = 100, seed, log, name }) {
  const vae = build(latent, seed);
  const vars = [...vae.encoder.trainableWeights, ...vae.decoder.trainableWeights];
  const opt = wg.optimizers.adam({ learningRate: 1e-3 });
  const n = x.shape[0];
  const elbo = [];
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    // a seeded shuffle each epoch
    const order = Int32Array.from({ length: n }, (_, i) => i);
    let s = (seed * 7919 + e * 104729) >>> 0;
    for (let i = n - 1; i > 0; i--) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const j = s % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let total = 0;
    for (let b = 0; b + batchSize <= n; b += batchSize) {
      const loss = wg.tidy(() => {
        const xb = wg.gather(x, wg.tensor(order.subarray(b, b + batchSize), [batchSize], 'int32'));
        const eps = wg.randomNormal([batchSize, latent], 0, 1, seed * 1000003 + ++step);
        return opt.minimize(() => {
          const { reconstruction, kl } = elboTerms(vae, xb, eps);
          return wg.add(reconstruction, kl);
        }, vars);
      });
      total += loss.dataSync()[0];
      loss.dispose();
    }
    elbo.push(-total / Math.floor(n / batchSize));
    log(`${name} epoch ${e + 1}: ELBO ${elbo[e].toFixed(2)} nats per digit`);
  }
  opt.dispose();
  return { vae, elbo };
}

/** ELBO of held-out digits (one draw of eps), and the terms. */
function evaluate(vae, x, seed) {
  return wg.tidy(() => {
    const { reconstruction, kl, mean } = elboTerms(vae, x, wg.randomNormal([x.shape[0], vae.latent], 0, 1, seed));
    const r = reconstruction.dataSync()[0], k = kl.dataSync()[0];
    return { elbo: -(r + k), reconstruction: r, kl: k, means: mean.dataSync() };
  });
}

export async function main({ quick = false, epochs, seed = 1, log = console.log, pictures = true } = {}) {
  await wg.init();
  epochs ??= quick ? 3 : 15;
  const { train, test } = loadMnist({ train: quick ? 2000 : 8000, test: quick ? 500 : 2000, seed });
  const x = wg.tensor(train.images, [train.count, 784]);
  const xTest = wg.tensor(test.images, [test.count, 784]);
  const result = {};

  for (const latent of quick ? [2] : [16, 2]) {
    const { vae, elbo } = trainVae(latent, x, { epochs, seed: seed + latent, log, name: `VAE ${latent}-D` });
    const held = evaluate(vae, xTest, seed + 7);
    log(`VAE ${latent}-D: ELBO from ${elbo[0].toFixed(2)} (epoch 1) to ${elbo[elbo.length - 1].toFixed(2)} (epoch ${epochs}); held-out ELBO ${held.elbo.toFixed(2)} ` +
      `(reconstruction ${held.reconstruction.toFixed(2)} + KL ${held.kl.toFixed(2)} nats)`);
    result[`latent${latent}`] = { elbo, heldOutElbo: held.elbo, kl: held.kl };
    if (pictures && latent > 2) {
      const samples = wg.tidy(() => wg.sigmoid(vae.decoder.apply(wg.randomNormal([100, latent], 0, 1, seed + 99))).dataSync());
      log(`wrote ${savePng('vae-samples.png', imageGrid(samples, 100, { cols: 10, zoom: 2 }))} (100 decoded draws from the prior N(0, I))`);
    }
    if (pictures && latent === 2) {
      const side = 15, zs = new Float32Array(side * side * 2);
      for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) zs.set([-2 + (4 * c) / (side - 1), 2 - (4 * r) / (side - 1)], (r * side + c) * 2);
      const manifold = wg.tidy(() => wg.sigmoid(vae.decoder.apply(wg.tensor(zs, [side * side, 2]))).dataSync());
      log(`wrote ${savePng('vae-manifold.png', imageGrid(manifold, side * side, { cols: side, zoom: 2 }))} (the decoder over z in [-2, 2]^2)`);
      const sets = PALETTE.map((color) => ({ color, points: [], radius: 1 }));
      for (let i = 0; i < test.count; i++) sets[test.labels[i]].points.push([held.means[2 * i], held.means[2 * i + 1]]);
      log(`wrote ${savePng('vae-latent.png', scatter(sets, { size: 480, lo: -4, hi: 4 }))} (latent means of ${test.count} held-out digits, coloured by class; axes -4..4)`);
    }
    if (latent === 2) {
      const sets = PALETTE.map((color) => ({ color, points: [], radius: 1 }));
      for (let i = 0; i < test.count; i++) sets[test.labels[i]].points.push([held.means[2 * i], held.means[2 * i + 1]]);
      // how well the 2-D code separates the classes: accuracy of the nearest class centroid
      const centroids = Array.from({ length: 10 }, (_, d) => {
        const pts = sets[d].points;
        return [pts.reduce((a, p) => a + p[0], 0) / pts.length, pts.reduce((a, p) => a + p[1], 0) / pts.length];
      });
      let hits = 0;
      for (let i = 0; i < test.count; i++) {
        const p = [held.means[2 * i], held.means[2 * i + 1]];
        const nearest = centroids.reduce((b, c, d) => ((c[0] - p[0]) ** 2 + (c[1] - p[1]) ** 2 < (centroids[b][0] - p[0]) ** 2 + (centroids[b][1] - p[1]) ** 2 ? d : b), 0);
        hits += nearest === test.labels[i] ? 1 : 0;
      }
      result.centroidAccuracy = hits / test.count;
      log(`2-D latent means: nearest class centroid matches the label for ${(result.centroidAccuracy * 100).toFixed(1)}% of held-out digits (chance 10%)`);
    }
    vae.encoder.dispose();
    vae.decoder.dispose();
  }
  x.dispose();
  xTest.dispose();
  return result;
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ quick: process.argv.includes('--quick'), epochs: arg('epochs', undefined) }));
