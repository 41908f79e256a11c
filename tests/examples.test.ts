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
    const r = await main({ epochs: 1, train: 1000, test: 500, verbose: 0, log: quiet });
    expect(r.testAccuracy).toBeGreaterThan(0.75);
    expect(r.samplesPerSecond).toBeGreaterThan(0);
  });

  test('mnist-cnn: learns real digits (when the convolution layers exist)', async () => {
    const { main, buildCnn } = await import('../examples/mnist-cnn.mjs');
    const r = await main({ epochs: 2, train: 1000, test: 200, verbose: 0, log: quiet });
    if (typeof wg.layers['conv2d' as keyof typeof wg.layers] !== 'function') {
      expect(r).toBeNull();
      expect(buildCnn()).toBeNull();
      return;
    }
    expect(r!.testAccuracy).toBeGreaterThan(0.5);
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
