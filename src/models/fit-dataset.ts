// model.fitDataset and model.evaluateDataset (TensorFlow.js semantics): training from a dataset of
// batches, each element { xs, ys } or [xs, ys]. One batch is in memory at a time and each is freed
// after its step, so a stream of any length trains in constant memory.
import { WasmgradError, msg } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { Dataset, disposeElement, type LazyIterator } from '../data/dataset.js';
import { batchTrainer, type FitArgs, type ModelInput, type ModelTarget } from './training.js';
import { createRegisteredCallbacks } from './callback-registry.js';
import { CallbackList, History, type Callback, type CustomCallbackArgs, type Logs } from './callbacks.js';
import { ProgressBar, terminal } from './progress.js';
import type { TrainableModel } from './contracts.js';

export interface FitDatasetArgs {
  epochs?: number;
  /** Batches per epoch; without it an epoch is one pass over the dataset. With it, the iterator carries on across epochs. */
  batchesPerEpoch?: number;
  validationData?: Dataset<unknown> | [ModelInput, ModelTarget];
  validationBatches?: number;
  callbacks?: (Callback | CustomCallbackArgs)[] | Callback | CustomCallbackArgs;
  verbose?: number;
  initialEpoch?: number;
  /** Yield to the event loop at most this often (ms); default 100. */
  yieldEvery?: number;
  /** Each sample's training loss times its class's weight, as fit's. */
  classWeight?: FitArgs['classWeight'];
}

function split(el: unknown, op: string): { x: ModelInput; y: ModelTarget } {
  if (Array.isArray(el) && el.length === 2) return { x: el[0] as ModelInput, y: el[1] as ModelTarget };
  if (el && typeof el === 'object' && !(el instanceof Tensor) && 'xs' in el && 'ys' in el) {
    const e = el as { xs: ModelInput; ys: ModelTarget };
    return { x: e.xs, y: e.ys };
  }
  throw new WasmgradError(msg`${op}: each dataset element must be { xs, ys } or [xs, ys] (batched tensors), got ${el instanceof Tensor ? 'a Tensor' : typeof el}`);
}

function wholeNumber(v: unknown, name: string, op: string, dflt: number | undefined, min = 1): number | undefined {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new WasmgradError(msg`${op}: ${name} must be a whole number >= ${min}, got ${v}`);
  return v;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function fitDataset(model: TrainableModel, dataset: Dataset<unknown>, args: FitDatasetArgs = {}): Promise<History> {
  const op = `${model.name}.fitDataset`;
  if (!(dataset instanceof Dataset)) throw new WasmgradError(msg`${op}: expected a Dataset (wg.data.array, generator, zip ...)`);
  if (args === null || typeof args !== 'object') throw new WasmgradError(msg`${op}: options must be an object`);
  const epochs = wholeNumber(args.epochs, 'epochs', op, 1)!;
  const initialEpoch = wholeNumber(args.initialEpoch, 'initialEpoch', op, 0, 0)!;
  const batchesPerEpoch = wholeNumber(args.batchesPerEpoch, 'batchesPerEpoch', op, undefined);
  if (batchesPerEpoch === undefined && dataset.size === Infinity) throw new WasmgradError(msg`${op}: the dataset is endless: give batchesPerEpoch`);
  const verbose = args.verbose ?? 1;
  const yieldEvery = args.yieldEvery ?? 100;
  const trainer = batchTrainer(model, op, args.classWeight);
  const history = new History();
  const user = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  const shown = verbose >= 1 ? [new ProgressBar({ forceLine: verbose >= 2 || !terminal().isTerminal })] : [];
  const cbs = new CallbackList([history, ...createRegisteredCallbacks(verbose), ...user, ...shown]);
  const names = Object.keys(trainer.logs());
  const doValidation = args.validationData !== undefined;
  cbs.setup(model, {
    epochs, initialEpoch, steps: batchesPerEpoch ?? dataset.size ?? 0, samples: 0, batchSize: 0, verbose, doValidation,
    metrics: [...names, ...(doValidation ? names.map((k) => `val_${k}`) : [])],
  });
  model.history = history;
  model.stopTraining = false;
  let it: LazyIterator<unknown> | null = batchesPerEpoch === undefined ? null : await dataset.iterator();
  let lastYield = now();
  await cbs.call('onTrainBegin', {});
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await cbs.call('onEpochBegin', epoch, {});
    if (batchesPerEpoch === undefined) it = await dataset.iterator();
    trainer.reset();
    let step = 0;
    for (; batchesPerEpoch === undefined || step < batchesPerEpoch; step++) {
      const r = await it!.next();
      if (r.done) {
        if (batchesPerEpoch !== undefined) {
          console.warn(`${op}: the dataset ended after ${step} of ${batchesPerEpoch} batches in epoch ${epoch + 1}; training stops`);
          model.stopTraining = true;
        }
        break;
      }
      await cbs.call('onBatchBegin', step, { batch: step });
      try {
        const { x, y } = split(r.value, op);
        trainer.train(x, y);
      } finally {
        disposeElement(r.value);
      }
      await cbs.call('onBatchEnd', step, { batch: step, ...trainer.batchLogs() });
      if (model.stopTraining) break;
      if (now() - lastYield > yieldEvery) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = now();
      }
    }
    if (step === 0 && batchesPerEpoch === undefined) throw new WasmgradError(msg`${op}: the dataset is empty`);
    const logs: Logs = trainer.logs();
    if (args.validationData !== undefined) Object.assign(logs, await validate(model, args.validationData, args.validationBatches, op));
    await cbs.call('onEpochEnd', epoch, logs);
  }
  await cbs.call('onTrainEnd', {});
  return history;
}

async function validate(model: TrainableModel, data: FitDatasetArgs['validationData'], batches: number | undefined, op: string): Promise<Logs> {
  if (data instanceof Dataset) return evaluateLogs(model, data, batches, 'val_', op);
  if (!Array.isArray(data) || data.length < 2) throw new WasmgradError(msg`${op}: validationData must be a Dataset or [x, y]`);
  const trainer = batchTrainer(model, op);
  trainer.evaluate(data[0], data[1]);
  return trainer.logs('val_');
}

async function evaluateLogs(model: TrainableModel, dataset: Dataset<unknown>, batches: number | undefined, prefix: string, op: string): Promise<Logs> {
  const limit = wholeNumber(batches, 'batches', op, undefined);
  if (limit === undefined && dataset.size === Infinity) throw new WasmgradError(msg`${op}: the dataset is endless: give batches`);
  const trainer = batchTrainer(model, op);
  const it = await dataset.iterator();
  let n = 0;
  for (; limit === undefined || n < limit; n++) {
    const r = await it.next();
    if (r.done) break;
    try {
      const { x, y } = split(r.value, op);
      trainer.evaluate(x, y);
    } finally {
      disposeElement(r.value);
    }
  }
  if (n === 0) throw new WasmgradError(msg`${op}: the dataset is empty`);
  return trainer.logs(prefix);
}

/** The loss (and metrics) over a dataset of batches, as scalar tensors, as model.evaluate returns them. */
export async function evaluateDataset(model: TrainableModel, dataset: Dataset<unknown>, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
  const op = `${model.name}.evaluateDataset`;
  if (!(dataset instanceof Dataset)) throw new WasmgradError(msg`${op}: expected a Dataset`);
  const logs = await evaluateLogs(model, dataset, args?.batches, '', op);
  const out = Object.values(logs).map((v) => tidy(() => fromFlat([v], [], 'float32')));
  return out.length === 1 ? out[0] : out;
}
