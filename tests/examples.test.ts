// Every script in examples/ runs here on a shortened setting, so none of them rots.
import { describe, test, expect, afterAll, beforeAll } from 'vitest';
import * as wg from 'wasmgrad';

afterAll(() => wg.shutdown());

const quiet = () => undefined;

describe('examples', () => {
  beforeAll(async () => {
    await wg.init();
  });

  test('xor: a perceptron cannot, an MLP of sigmoid units can', async () => {
    const { main } = await import('../examples/xor.mjs');
    const r = await main({ epochs: 600, log: quiet });
    expect(r.perceptronAccuracy).toBeLessThanOrEqual(0.75);
    expect(r.mlpAccuracy).toBe(1);
  });

  test('regression: a linear unit finds y = 3x + 2; an MLP fits sin(x) far better than a line', async () => {
    const { main } = await import('../examples/regression.mjs');
    const r = await main({ epochs: 25, log: quiet });
    expect(r.w).toBeCloseTo(3, 1);
    expect(r.b).toBeCloseTo(2, 1);
    expect(r.mlpMse).toBeLessThan(r.lineMse / 3);
  });

  test('mnist-mlp: learns real digits', async () => {
    const { main } = await import('../examples/mnist-mlp.mjs');
    const before = wg.memory().numTensors;
    const r = await main({ epochs: 1, train: 1000, test: 500, verbose: 0, log: quiet });
    expect(r.testAccuracy).toBeGreaterThan(0.75);
    expect(r.samplesPerSecond).toBeGreaterThan(0);
    expect(wg.memory().numTensors).toBe(before);
  });

  test('mnist recipe: deskewing uprights a slanted stroke and centres it; distortions are seeded, zero bounds copy', async () => {
    const { deskew, distorter } = await import('../examples/lib/recipe.mjs');
    // a stroke slanted to the right (top to the right), off centre
    const img = new Float32Array(784);
    for (let y = 4; y < 24; y++) img[y * 28 + Math.round(6 + 0.4 * (24 - y))] = 1;
    const moments = (a: Float32Array) => {
      let m = 0, mx = 0, my = 0, cxy = 0, vy = 0;
      for (let i = 0; i < 784; i++) (m += a[i]), (mx += a[i] * (i % 28)), (my += a[i] * Math.floor(i / 28));
      (mx /= m), (my /= m);
      for (let i = 0; i < 784; i++) (cxy += a[i] * ((i % 28) - mx) * (Math.floor(i / 28) - my)), (vy += a[i] * (Math.floor(i / 28) - my) ** 2);
      return { mx, my, slope: cxy / vy };
    };
    expect(moments(img).slope).toBeCloseTo(-0.4, 1);
    const d = moments(deskew(img, 1));
    expect(Math.abs(d.slope)).toBeLessThan(0.05);
    expect(d.mx).toBeCloseTo(13.5, 0);
    expect(d.my).toBeCloseTo(13.5, 0);
    const two = new Float32Array(784 * 2);
    two.set(img);
    two.set(img, 784);
    expect(Array.from(distorter({ rotation: 0, scale: 0, shift: 0 })(two, 2))).toEqual(Array.from(two));
    const a = distorter({ seed: 5 })(two, 2), b = distorter({ seed: 5 })(two, 2);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a.subarray(0, 784))).not.toEqual(Array.from(a.subarray(784)));
  });

  test('mnist-cnn: learns real digits', async () => {
    const { main } = await import('../examples/mnist-cnn.mjs');
    const before = wg.memory().numTensors;
    const r = await main({ epochs: 2, train: 1000, test: 200, verbose: 0, log: quiet });
    expect(r.testAccuracy).toBeGreaterThan(0.5);
    expect(wg.memory().numTensors).toBe(before);
  });

  test('the examples draw their data from the one seeded generator of the package', async () => {
    const { loadMnist } = await import('../examples/lib/mnist.mjs');
    const a = loadMnist({ train: 20, test: 10, seed: 4 }), b = loadMnist({ train: 20, test: 10, seed: 4 });
    expect(a).toEqual(b);
    // the first outputs for seed 1 of the generator the examples' data has always been drawn from
    const r = wg.seededRandom(1);
    expect([r(), r(), r()].map((v) => Math.round(v * 2 ** 32))).toEqual([2693262067, 11749833, 2265367787]);
  });

  test('lstm-sequence: the loss falls on the adding problem', async () => {
    const { main } = await import('../examples/lstm-sequence.mjs');
    const r = await main({ epochs: 3, samples: 256, steps: 8, verbose: 0, log: quiet });
    expect(r!.lastLoss).toBeLessThan(r!.firstLoss);
  });

  test('save-and-reload: bitwise-equal predictions, training goes on', async () => {
    const { main } = await import('../examples/save-and-reload.mjs');
    const before = wg.memory().numTensors;
    const r = await main({ epochs: 3, log: quiet });
    expect(r.same).toBe(true);
    expect(wg.memory().numTensors).toBe(before);
  });
});
