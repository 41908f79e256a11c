// An LSTM learns the adding problem (Hochreiter and Schmidhuber 1997): each sequence holds random
// values in [0, 1] and two marked positions; the target is the sum of the two marked values. A
// model that ignores the markers can do no better than predicting the mean (mse about 0.167).
//   node examples/lstm-sequence.mjs [--epochs 20]
import * as wg from 'wasmgrad';
import { runIfMain } from './lib/run.mjs';

/** n sequences [n, steps, 2] (value, marker) and their targets [n, 1]. */
export function addingProblem(n, steps, seed) {
  const r = wg.seededRandom(seed);
  const x = new Float32Array(n * steps * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.floor(r() * steps);
    let b = Math.floor(r() * (steps - 1));
    if (b >= a) b++;
    for (let t = 0; t < steps; t++) {
      const v = r();
      x[(i * steps + t) * 2] = v;
      if (t === a || t === b) {
        x[(i * steps + t) * 2 + 1] = 1;
        y[i] += v;
      }
    }
  }
  return { x: wg.tensor(x, [n, steps, 2]), y: wg.tensor(y, [n, 1]) };
}

export async function main({ epochs = 20, samples = 2000, steps = 20, verbose = 1, log = console.log } = {}) {
  await wg.init();
  if (typeof wg.layers.lstm !== 'function') {
    log('LSTM: skipped (wg.layers.lstm is not available in this build)');
    return null;
  }
  const train = addingProblem(samples, steps, 1);
  const test = addingProblem(500, steps, 2);
  const model = wg.sequential({
    layers: [
      wg.layers.lstm({ units: 32, inputShape: [steps, 2], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: wg.initializers.orthogonal({ seed: 2 }) }),
      wg.layers.dense({ units: 1, kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.005, clipNorm: 1 }), loss: 'mse' });
  const history = await model.fit(train.x, train.y, { epochs, batchSize: 32, seed: 1, verbose, validationData: [test.x, test.y] });
  const valMse = history.history.val_loss.at(-1);
  log(`LSTM on the adding problem (${steps} steps): validation mse ${valMse.toFixed(4)} after ${epochs} epochs (predicting the mean: about 0.167)`);
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  model.dispose();
  return { firstLoss: history.history.loss[0], lastLoss: history.history.loss.at(-1), valMse };
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
await runIfMain(import.meta, () => main({ epochs: arg('epochs', 20) }));
