// XOR, the textbook case: a single perceptron (one sigmoid unit: a linear classifier) cannot
// separate it; a multi-layer perceptron of sigmoid units can (Rumelhart, Hinton and Williams).
//   node examples/xor.mjs
import * as wg from 'wasmgrad';
import { runIfMain } from './lib/run.mjs';

export async function main({ epochs = 1500, log = console.log } = {}) {
  await wg.init();
  const x = wg.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = wg.tensor([[0], [1], [1], [0]]);
  const accuracyOf = (model) => {
    const p = model.predict(x);
    const v = p.dataSync();
    p.dispose();
    return { outputs: Array.from(v, (o) => +o.toFixed(3)), accuracy: [0, 1, 1, 0].filter((t, i) => (v[i] > 0.5 ? 1 : 0) === t).length / 4 };
  };

  // 1. a perceptron: output = sigmoid(w . x + b)
  const perceptron = wg.sequential({ layers: [wg.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2], kernelInitializer: wg.initializers.glorotUniform({ seed: 1 }) })] });
  perceptron.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
  await perceptron.fit(x, y, { epochs, batchSize: 4, verbose: 0 });
  const single = accuracyOf(perceptron);
  log(`perceptron: outputs ${single.outputs.join(', ')}; accuracy ${single.accuracy * 100}% (a line cannot separate XOR)`);

  // 2. an MLP with a hidden layer of sigmoid units
  const mlp = wg.sequential({
    layers: [
      wg.layers.dense({ units: 4, activation: 'sigmoid', inputShape: [2], kernelInitializer: wg.initializers.glorotUniform({ seed: 2 }) }),
      wg.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  mlp.compile({ optimizer: wg.optimizers.adam({ learningRate: 0.1 }), loss: 'binaryCrossentropy' });
  const history = await mlp.fit(x, y, { epochs, batchSize: 4, verbose: 0 });
  const multi = accuracyOf(mlp);
  log(`MLP 2-4-1 (sigmoid): outputs ${multi.outputs.join(', ')}; accuracy ${multi.accuracy * 100}%, final loss ${history.history.loss.at(-1).toFixed(4)}`);

  for (const t of [x, y]) t.dispose();
  perceptron.dispose();
  mlp.dispose();
  return { perceptronAccuracy: single.accuracy, mlpAccuracy: multi.accuracy, mlpLoss: history.history.loss.at(-1) };
}

await runIfMain(import.meta, main);
