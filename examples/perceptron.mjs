// The course's first units, on the four rows of a truth table:
//   1. Rosenblatt's perceptron (step activation, w += eta (y - yhat) x): AND and OR converge in a
//      few epochs; on XOR some example is misclassified in every epoch, for ever.
//   2. The linear unit and the delta rule (least mean squares): fits AND as well as a line can,
//      and on XOR its best is 0.5 everywhere.
//   3. Logistic regression (one sigmoid unit) by plain gradient descent on the cross-entropy:
//      AND yes, XOR no.
//   4. A 2-2-1 MLP of sigmoid units trained by backprop: XOR solved.
//   node examples/perceptron.mjs [--quick]
import * as wg from 'wasmgrad';
import { runIfMain } from './lib/run.mjs';

const INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const TARGETS = { AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], XOR: [0, 1, 1, 0] };

/** Share of the four rows whose output, thresholded at `at`, equals the target. */
function accuracy(outputs, targets, at = 0.5) {
  return targets.filter((t, i) => (outputs[i] >= at ? 1 : 0) === t).length / targets.length;
}

/** Plain gradient descent on `loss` over `vars` (no momentum): returns the last loss. */
function descend(vars, loss, steps, learningRate) {
  const opt = wg.optimizers.sgd({ learningRate });
  let last = NaN;
  for (let s = 0; s < steps; s++) {
    const l = opt.minimize(loss, vars);
    if (s === steps - 1) last = l.dataSync()[0];
    l.dispose();
  }
  opt.dispose();
  return last;
}

export async function main({ quick = false, log = console.log } = {}) {
  await wg.init();
  const x = wg.tensor(INPUTS.flat(), [4, 2]);
  const result = { perceptron: {}, deltaRule: {}, logistic: {} };

  // 1. Rosenblatt's perceptron
  for (const gate of ['AND', 'OR', 'XOR']) {
    const p = wg.classic.perceptron({ inputs: 2, learningRate: 1 });
    const y = wg.tensor(TARGETS[gate]);
    const { errorsPerEpoch, converged } = p.fit(x, y, { maxEpochs: quick ? 20 : 50, seed: 1 });
    const out = wg.tidy(() => Array.from(p.predict(x).dataSync()));
    if (converged) {
      log(`perceptron ${gate}: converged after ${errorsPerEpoch.length} epochs (mistakes per epoch ${errorsPerEpoch.join(' ')}); ` +
        `w = [${Array.from(p.weights.dataSync()).join(', ')}], b = ${p.bias.dataSync()[0]}; outputs ${out.join(' ')}`);
    } else {
      log(`perceptron ${gate}: no convergence in ${errorsPerEpoch.length} epochs; misclassified per epoch: ${errorsPerEpoch.join(' ')}`);
    }
    result.perceptron[gate] = { converged, epochs: errorsPerEpoch.length, errorsPerEpoch, accuracy: accuracy(out, TARGETS[gate]) };
    y.dispose();
    p.dispose();
  }

  // 2. the delta rule: a linear unit, J = 1/2 sum (y - w.x)^2, outputs thresholded at 0.5
  for (const gate of ['AND', 'XOR']) {
    const unit = wg.classic.deltaRule({ inputs: 2, learningRate: 0.1 });
    const y = wg.tensor(TARGETS[gate]);
    const epochs = quick ? 100 : 300;
    const first = unit.trainEpoch(x, y);
    let j = first;
    for (let e = 1; e < epochs; e++) j = unit.trainEpoch(x, y);
    const out = wg.tidy(() => Array.from(unit.predict(x).dataSync()));
    const acc = accuracy(out, TARGETS[gate]);
    log(`delta rule ${gate}: J from ${first.toFixed(3)} to ${j.toFixed(4)} in ${epochs} epochs; outputs ${out.map((o) => o.toFixed(2)).join(' ')}; ` +
      `accuracy at threshold 0.5: ${acc * 100}%`);
    result.deltaRule[gate] = { firstLoss: first, loss: j, accuracy: acc };
    y.dispose();
    unit.dispose();
  }

  // 3. logistic regression by gradient descent: p = sigmoid(w.x + b), binary cross-entropy
  for (const gate of ['AND', 'XOR']) {
    const w = wg.tidy(() => wg.variable(wg.zeros([2, 1])));
    const b = wg.tidy(() => wg.variable(wg.zeros([1])));
    const y = wg.tensor(TARGETS[gate], [4, 1]);
    const predict = () => wg.sigmoid(wg.add(wg.matMul(x, w), b));
    const loss = descend([w, b], () => wg.losses.binaryCrossentropy(y, predict()), quick ? 300 : 2000, 1);
    const out = wg.tidy(() => Array.from(predict().dataSync()));
    const acc = accuracy(out, TARGETS[gate]);
    log(`logistic regression ${gate}: cross-entropy ${loss.toFixed(4)}; outputs ${out.map((o) => o.toFixed(2)).join(' ')}; accuracy ${acc * 100}%`);
    result.logistic[gate] = { loss, accuracy: acc };
    for (const t of [w, b, y]) t.dispose();
  }

  // 4. a 2-2-1 MLP of sigmoid units, backprop by gradient descent
  const y = wg.tensor(TARGETS.XOR, [4, 1]);
  const init = (seed) => wg.initializers.randomNormalInit({ mean: 0, stddev: 1, seed });
  const mlp = wg.sequential({
    layers: [
      wg.layers.dense({ units: 2, activation: 'sigmoid', inputShape: [2], kernelInitializer: init(4) }),
      wg.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(5) }),
    ],
  });
  const steps = quick ? 1500 : 4000;
  const mlpLoss = descend(mlp.trainableWeights, () => wg.losses.binaryCrossentropy(y, mlp.apply(x)), steps, 2);
  const out = wg.tidy(() => Array.from(mlp.predict(x).dataSync()));
  const mlpAccuracy = accuracy(out, TARGETS.XOR);
  log(`MLP 2-2-1 (sigmoid) XOR: cross-entropy ${mlpLoss.toFixed(4)} after ${steps} gradient steps; outputs ${out.map((o) => o.toFixed(3)).join(' ')}; accuracy ${mlpAccuracy * 100}%`);
  result.mlp = { loss: mlpLoss, accuracy: mlpAccuracy };
  mlp.dispose();
  y.dispose();
  x.dispose();
  return result;
}

await runIfMain(import.meta, () => main({ quick: process.argv.includes('--quick') }));
