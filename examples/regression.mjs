// Regression on toy data, the course's first demos: a linear unit learns y = 3x + 2 from noisy
// samples (the delta rule, here with SGD on mean squared error), then an MLP fits y = sin(x),
// which no linear model can.
//   node examples/regression.mjs
import * as wg from 'wasmgrad';
import { runIfMain } from './lib/run.mjs';

export async function main({ epochs = 60, log = console.log } = {}) {
  await wg.init();
  const r = wg.seededRandom(7);
  const n = 256;

  // 1. linear: y = 3x + 2 + noise, x in [-1, 1]
  const xs = Float32Array.from({ length: n }, () => 2 * r() - 1);
  const ys = xs.map((v) => 3 * v + 2 + 0.1 * (r() - 0.5));
  const x = wg.tensor(xs, [n, 1]), y = wg.tensor(ys, [n, 1]);
  const linear = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [1] })] });
  linear.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
  const h1 = await linear.fit(x, y, { epochs, batchSize: 16, verbose: 0, seed: 1 });
  const [w, b] = linear.getWeights().map((t) => {
    const v = t.dataSync()[0];
    t.dispose();
    return v;
  });
  log(`linear unit: y = ${w.toFixed(3)} x + ${b.toFixed(3)} (true: 3x + 2), mse ${h1.history.loss.at(-1).toFixed(5)}`);

  // 2. nonlinear: y = sin(x), x in [-3, 3], a tanh MLP against a linear fit
  const xs2 = Float32Array.from({ length: n }, () => 6 * r() - 3);
  const x2 = wg.tensor(xs2, [n, 1]), y2 = wg.tensor(xs2.map(Math.sin), [n, 1]);
  const mlp = wg.sequential({
    layers: [
      wg.layers.dense({ units: 32, activation: 'tanh', inputShape: [1], kernelInitializer: wg.initializers.glorotUniform({ seed: 4 }) }),
      wg.layers.dense({ units: 32, activation: 'tanh', kernelInitializer: wg.initializers.glorotUniform({ seed: 5 }) }),
      wg.layers.dense({ units: 1 }),
    ],
  });
  mlp.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
  const h2 = await mlp.fit(x2, y2, { epochs, batchSize: 16, verbose: 0, seed: 2 });
  const line = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [1] })] });
  line.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.05 }), loss: 'mse' });
  const h3 = await line.fit(x2, y2, { epochs, batchSize: 16, verbose: 0, seed: 3 });
  const mlpMse = h2.history.loss.at(-1), lineMse = h3.history.loss.at(-1);
  log(`sin(x): MLP 1-32-32-1 (tanh) mse ${mlpMse.toFixed(5)}; a straight line mse ${lineMse.toFixed(5)}`);

  for (const t of [x, y, x2, y2]) t.dispose();
  for (const m of [linear, mlp, line]) m.dispose();
  return { w, b, linearMse: h1.history.loss.at(-1), mlpMse, lineMse };
}

await runIfMain(import.meta, main);
