import * as tf from '@tensorflow/tfjs';
// Callbacks as TF.js programs pass them: an object of hooks collecting logs per batch and per
// epoch, onTrainBegin/End (a tf.CustomCallback), tf.callbacks.earlyStopping on val_loss, and a learning rate changed
// between epochs through model.optimizer.
import { uniformValues, weightValues } from './seeded.mjs';

export async function main() {
  const v = uniformValues(60, 101, -1, 1);
  const xs = tf.tensor2d(v, [30, 2]);
  const ys = tf.tensor2d(Array.from({ length: 30 }, (_, i) => [Math.sin(3 * v[2 * i]) * v[2 * i + 1]]), [30, 1]);
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 10, activation: 'elu', inputShape: [2] }));
  model.add(tf.layers.dense({ units: 1 }));
  const shapes = model.weights.map((w) => w.shape);
  model.setWeights(weightValues(shapes, 11, 1).map((val, i) => tf.tensor(val, shapes[i])));
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });

  const batchSizes = [];
  const epochLogs = [];
  const events = [];
  const history = await model.fit(xs, ys, {
    epochs: 12,
    batchSize: 10,
    shuffle: false,
    validationSplit: 0.2,
    verbose: 0,
    // TF.js takes either callback objects or plain hooks in one list, not both: the hooks are
    // wrapped in a tf.CustomCallback beside the early stopping
    callbacks: [
      tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, minDelta: 0.002 }),
      new tf.CustomCallback({
        onTrainBegin: async () => { events.push('begin'); },
        onBatchEnd: async (batch, logs) => { batchSizes.push(batch, logs.size); },
        onEpochEnd: async (epoch, logs) => {
          epochLogs.push([epoch, logs.loss, logs.val_loss]);
          if (epoch === 3) model.optimizer.learningRate = 0.01;
          await tf.nextFrame();
        },
        onTrainEnd: async () => { events.push('end'); },
      }),
    ],
  });
  const prediction = model.predict(tf.tensor2d([[0.5, 0.5], [-0.5, 1]]));
  const out = { batchSizes, epochLogs: epochLogs.flat(), events, epochsRun: history.epoch.length, prediction: Array.from(prediction.dataSync()) };
  tf.dispose([xs, ys, prediction]);
  model.dispose();
  return out;
}
