// The classic-network examples on their shortened, seeded settings (--quick), asserting the figures
// they print, so none of them rots. Pictures are not written here (pictures: false).
import { describe, test, expect, afterAll, beforeAll } from 'vitest';
import * as wg from 'wasmgrad';

afterAll(() => wg.shutdown());

const quiet = () => undefined;

/** Runs fn and checks the count of live tensors is the same after. */
async function flat<T>(fn: () => Promise<T>): Promise<T> {
  const before = wg.memory().numTensors;
  const r = await fn();
  expect(wg.memory().numTensors).toBe(before);
  return r;
}

describe('classic examples (quick settings)', () => {
  beforeAll(async () => {
    await wg.init();
  });

  test('perceptron: AND and OR converge, XOR never; delta rule, logistic regression, 2-2-1 MLP', async () => {
    const { main } = await import('../examples/perceptron.mjs');
    const r = await flat(() => main({ quick: true, log: quiet }));
    for (const gate of ['AND', 'OR']) {
      expect(r.perceptron[gate].converged).toBe(true);
      expect(r.perceptron[gate].epochs).toBeLessThanOrEqual(10);
      expect(r.perceptron[gate].accuracy).toBe(1);
    }
    expect(r.perceptron.XOR.converged).toBe(false);
    expect(Math.min(...r.perceptron.XOR.errorsPerEpoch)).toBeGreaterThan(0);
    expect(r.deltaRule.AND.accuracy).toBe(1);
    expect(r.deltaRule.XOR.loss).toBeCloseTo(0.5, 2); // the best line: 0.5 everywhere
    expect(r.logistic.AND.accuracy).toBe(1);
    expect(r.logistic.XOR.accuracy).toBeLessThanOrEqual(0.75);
    expect(r.mlp.accuracy).toBe(1);
  });

  test('hopfield: restores from 20% flips, recall collapses with load, digits recalled', async () => {
    const { main } = await import('../examples/hopfield.mjs');
    const r = await flat(() => main({ quick: true, log: quiet, pictures: false }));
    expect(r.restore.restored).toBe(r.restore.patterns);
    const at = (p: number) => r.capacity.find((c: { patterns: number }) => c.patterns === p).recalled;
    expect(at(4)).toBeGreaterThanOrEqual(0.9);
    expect(at(30)).toBeLessThan(0.5);
    expect(r.digits.wrongBits.every((d: number) => d === 0)).toBe(true);
  });

  test('rbm: held-out reconstruction error falls; digits have lower free energy than noise', async () => {
    const { main } = await import('../examples/rbm.mjs');
    const r = await flat(() => main({ quick: true, hidden: 64, log: quiet, pictures: false }));
    // CD falls by more than half from the untrained machine; the persistent-CD epoch that follows
    // first disturbs reconstruction (the full setting recovers over 4 such epochs), still below untrained
    expect(Math.min(...r.errors.slice(1))).toBeLessThan(r.errors[0] / 2);
    expect(r.errors[r.errors.length - 1]).toBeLessThan(r.errors[0]);
    expect(r.freeEnergyDigits).toBeLessThan(r.freeEnergyNoise);
  });

  test('dbn: pretrained and fine-tuned, beside the MLP from random init', async () => {
    const { main } = await import('../examples/dbn.mjs');
    const r = await flat(() => main({ quick: true, log: quiet, pictures: false }));
    expect(r.dbnAccuracy).toBeGreaterThan(0.3); // chance: 0.1
    expect(r.scratchAccuracy).toBeGreaterThan(0.3);
  });

  test('autoencoder: dense and conv reconstruct held-out digits; denoising beats the plain one on noisy input', async () => {
    const { main } = await import('../examples/autoencoder.mjs');
    const r = await flat(() => main({ quick: true, log: quiet, pictures: false }));
    expect(r.denseError).toBeLessThan(r.meanImageError * 0.8);
    expect(r.convError).toBeLessThan(r.meanImageError);
    expect(r.denoisingError).toBeLessThan(r.noisyError);
    expect(r.denoisingError).toBeLessThan(r.plainOnNoisyError);
  });

  test('vae: the ELBO rises over epochs', async () => {
    const { main } = await import('../examples/vae.mjs');
    const r = await flat(() => main({ quick: true, log: quiet, pictures: false }));
    const elbo = r.latent2.elbo;
    expect(elbo[elbo.length - 1]).toBeGreaterThan(elbo[0]);
    expect(r.latent2.kl).toBeGreaterThan(0);
    expect(r.centroidAccuracy).toBeGreaterThan(0.2);
  });

  test('gan: the ring GAN covers several modes; the MNIST DCGAN learns the digits\' dark background; its samples are scored', async () => {
    const { main } = await import('../examples/gan.mjs');
    const r = await flat(() => main({ quick: true, mnistSteps: 80, log: quiet, pictures: false }));
    expect(r.ring.covered).toBeGreaterThanOrEqual(6);
    expect(r.ring.nearShare).toBeGreaterThan(0.3);
    const m = r.mnist;
    expect(m.classifierAccuracy).toBeGreaterThan(0.5);
    expect(m.histogram.reduce((a: number, b: number) => a + b, 0)).toBe(500);
    // the untrained generator's sigmoid paints grey everywhere; 80 steps against the
    // discriminator (the rates decaying to 0 over them) bring the mean pixel most of the way to
    // the real digits' (about 0.13)
    const start = m.curve[0].meanPixel;
    expect(start).toBeGreaterThan(0.3);
    expect(Math.abs(m.meanPixel - m.realMeanPixel)).toBeLessThan(Math.abs(start - m.realMeanPixel) / 2);
    expect(m.curve.map((c: { step: number }) => c.step)).toEqual([0, 16, 32, 48, 64, 80]);
    expect(m.confident).toBeGreaterThanOrEqual(0);
    expect(m.confident).toBeLessThanOrEqual(1);
    // the scorer's verdict on real held-out digits, the ceiling of the samples' score
    expect(m.realConfident).toBeGreaterThan(0);
    expect(m.realConfident).toBeLessThanOrEqual(1);
  }, 180_000); // the longest of these (two GANs and a classifier): slow on a loaded machine
});
