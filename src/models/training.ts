// compile, fit, evaluate, predict, trainOnBatch, predictOnBatch (Keras and TensorFlow.js
// semantics). The data stays in the caller's tensors: each batch is one gather of its rows (shuffled
// indices) inside a tidy, so memory stays flat across epochs; the loss is read as one float per
// batch and metrics accumulate in JavaScript from the batch's predictions. Evaluation and
// prediction run without a tape (noGrad), on the fused inference kernels.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { seededRandom } from '../util/seeded.js';
import { runAs } from '../engine/op-context.js';
import { Tensor, tidy, assertUsable } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { noGrad } from '../tape.js';
import { add } from '../ops/binary.js';
import { scale } from '../ops/unary.js';
import { gather, slice, concat } from '../ops/shape.js';
import type { Accumulator } from './metrics.js';
import { createRegisteredCallbacks } from './callback-registry.js';
import { CallbackList, History, type Callback, type CustomCallbackArgs, type Logs, type TrainingParams } from './callbacks.js';
import { ProgressBar, terminal } from './progress.js';
import type { Compiled, TrainableModel } from './contracts.js';
import { classWeightsOf, classWeightedLoss, type ClassWeight } from './class-weight.js';

export type ModelInput = Tensor | Tensor[] | Record<string, Tensor>;
export type ModelTarget = Tensor | Tensor[] | Record<string, Tensor>;


export type { Compiled };
export { compileModel, type CompileArgs } from './compile.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validationSplit?: number;
  validationData?: [ModelInput, ModelTarget] | [ModelInput, ModelTarget, unknown];
  callbacks?: (Callback | CustomCallbackArgs)[] | Callback | CustomCallbackArgs;
  /** 0 silent, 1 a progress bar on a terminal (a line per epoch otherwise), 2 a line per epoch. Default 1. */
  verbose?: number;
  /** Seeds the shuffling, so that a run repeats exactly. */
  seed?: number;
  initialEpoch?: number;
  /** Yield to the event loop at most this often (ms) so timers and the UI run; default 100. */
  yieldEvery?: number;
  /** Each sample's training loss times its class's weight: { class: weight }, a list per output, or a map by output name. */
  classWeight?: ClassWeight | (ClassWeight | null)[] | Record<string, ClassWeight>;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: number;
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: number;
}

function compiledOf(model: TrainableModel, op: string): Compiled {
  if (!model.compiled) throw new WasmgradError(msg`${model.name}.${op}: compile the model first (model.compile({ optimizer, loss }))`);
  return model.compiled;
}

// ---- data --------------------------------------------------------------------------------------------

function toList(model: TrainableModel, data: unknown, names: string[], what: string, op: string): Tensor[] {
  let list: unknown[];
  if (data instanceof Tensor) list = [data];
  else if (Array.isArray(data)) list = data;
  else if (data && typeof data === 'object') {
    const rec = data as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!names.includes(k)) throw new WasmgradError(msg`${model.name}.${op}: ${what} names '${k}', which the model does not have (${names.join(', ')})`);
    list = names.map((n) => {
      if (!(n in rec)) throw new WasmgradError(msg`${model.name}.${op}: ${what} has nothing for '${n}'`);
      return rec[n];
    });
  } else throw new WasmgradError(msg`${model.name}.${op}: ${what} must be a Tensor, an array of Tensors or { name: Tensor }, got ${data === null ? 'null' : typeof data}`);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new WasmgradError(msg`${model.name}.${op}: ${what}[${i}] must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    assertUsable(t, `${model.name}.${op}`);
    if (t.rank === 0) throw new WasmgradError(msg`${model.name}.${op}: ${what}[${i}] must have a batch dimension, got a scalar`);
  });
  return list as Tensor[];
}

function inputsOf(model: TrainableModel, x: ModelInput, op: string): Tensor[] {
  const names = model.inputs.length ? model.inputNames : ['input'];
  const xs = toList(model, x, names, 'x', op);
  model.ensureGraph(xs);
  model.checkInputs(xs, op);
  return xs;
}

function targetsOf(model: TrainableModel, y: ModelTarget, n: number, op: string): Tensor[] {
  const ys = toList(model, y, model.outputNames, 'y', op);
  if (ys.length !== model.outputs.length) throw new WasmgradError(msg`${model.name}.${op}: expected ${model.outputs.length} target tensor(s), got ${ys.length}`);
  ys.forEach((t, i) => {
    if (t.shape[0] !== n) throw new WasmgradError(msg`${model.name}.${op}: y[${i}] has ${t.shape[0]} samples (${fmtShape(t.shape)}), x has ${n}`);
  });
  return ys;
}

function samplesOf(model: TrainableModel, xs: Tensor[], op: string): number {
  const n = xs[0].shape[0];
  xs.forEach((x, i) => {
    if (x.shape[0] !== n) throw new WasmgradError(msg`${model.name}.${op}: inputs have different numbers of samples (x[0]: ${n}, x[${i}]: ${x.shape[0]})`);
  });
  return n;
}

function positiveInt(model: TrainableModel, op: string, name: string, v: unknown, dflt: number, min = 1): number {
  const x = v === undefined ? dflt : v;
  if (!Number.isInteger(x) || (x as number) < min) throw new WasmgradError(msg`${model.name}.${op}: ${name} must be a whole number >= ${min}, got ${v}`);
  return x as number;
}

/** Rows [start, start + count) of t: one copy. */
function rows(t: Tensor, start: number, count: number): Tensor {
  return slice(t, [start, ...t.shape.slice(1).map(() => 0)], [count, ...t.shape.slice(1)]);
}

// ---- one step -------------------------------------------------------------------------------------

interface StepState {
  losses: { sum: number; count: number }[];
  total: { sum: number; count: number };
  metrics: { name: string; acc: Accumulator }[][];
}

function newState(c: Compiled): StepState {
  return {
    losses: c.losses.map(() => ({ sum: 0, count: 0 })),
    total: { sum: 0, count: 0 },
    metrics: c.metrics.map((list) => list.map((m) => ({ name: m.name, acc: m.make() }))),
  };
}

function resetState(s: StepState): void {
  for (const l of s.losses) l.sum = l.count = 0;
  s.total.sum = s.total.count = 0;
  for (const list of s.metrics) for (const m of list) m.acc.reset();
}

/** The loss of one batch (total, with regularization), updating per-output losses and metrics. */
function batchLoss(
  model: TrainableModel, c: Compiled, preds: Tensor[], ys: Tensor[], state: StepState | StepState[], n: number, training = true, classWeights: (ClassWeight | null)[] = [],
): Tensor {
  const states = Array.isArray(state) ? state : [state];
  let total: Tensor | null = null;
  const multi = preds.length > 1;
  preds.forEach((p, i) => {
    const cw = classWeights[i];
    const l = cw ? classWeightedLoss(`${model.name}.fit`, c.losses[i], ys[i], p, cw) : c.losses[i](ys[i], p);
    if (!(l instanceof Tensor) || l.size !== 1) throw new WasmgradError(msg`${model.name}: the loss of output ${i} must return a scalar Tensor`);
    if (multi) {
      const v = l.dataSync()[0];
      for (const s of states) [s.losses[i].sum, s.losses[i].count] = [s.losses[i].sum + v * n, s.losses[i].count + n];
    }
    const term = c.lossWeights[i] === 1 ? l : scale(l, c.lossWeights[i]);
    total = total ? add(total, term) : term;
  });
  // Keras counts the weight penalties in evaluation losses too; TensorFlow.js only in training
  const reg = training || model.regularizeEvaluation ? model.regularizationLoss() : null;
  if (reg) total = add(total!, reg);
  noGrad(() => {
    preds.forEach((p, i) => {
      for (const s of states) for (const m of s.metrics[i]) m.acc.update(ys[i], p);
    });
  });
  return total!;
}

/** One optimizer step; its loss and metrics go into each state (the epoch's, and the batch's own when asked). */
function trainBatch(model: TrainableModel, c: Compiled, xb: Tensor[], yb: Tensor[], state: StepState | StepState[], classWeights: (ClassWeight | null)[] = []): number {
  const states = Array.isArray(state) ? state : [state];
  const n = xb[0].shape[0];
  const vars = model.trainableWeights;
  let value = NaN;
  tidy(() => {
    const loss = c.optimizer.minimize(() => batchLoss(model, c, model.forward(xb, true), yb, states, n, true, classWeights), vars);
    value = loss.dataSync()[0];
  });
  for (const s of states) [s.total.sum, s.total.count] = [s.total.sum + value * n, s.total.count + n];
  return value;
}

function logsOf(model: TrainableModel, c: Compiled, s: StepState, prefix = ''): Logs {
  const logs: Logs = { [`${prefix}loss`]: s.total.count ? s.total.sum / s.total.count : 0 };
  const multi = c.losses.length > 1;
  const names = model.outputNames;
  if (multi) s.losses.forEach((l, i) => (logs[`${prefix}${names[i]}_loss`] = l.count ? l.sum / l.count : 0));
  s.metrics.forEach((list, i) => {
    for (const m of list) logs[`${prefix}${multi ? `${names[i]}_` : ''}${m.name}`] = m.acc.result();
  });
  return logs;
}

/** Evaluates rows [start, start + count) (or the index list) in batches, without a tape. */
function evaluateRange(model: TrainableModel, c: Compiled, xs: Tensor[], ys: Tensor[], start: number, count: number, batchSize: number, state: StepState): void {
  resetState(state);
  accumulateRange(model, c, xs, ys, start, count, batchSize, state);
}

/** Adds the loss and metrics of rows [start, start + count) to the running tally. */
function accumulateRange(model: TrainableModel, c: Compiled, xs: Tensor[], ys: Tensor[], start: number, count: number, batchSize: number, state: StepState): void {
  for (let b = start; b < start + count; b += batchSize) {
    const n = Math.min(batchSize, start + count - b);
    const whole = b === 0 && n === xs[0].shape[0];
    tidy(() =>
      noGrad(() => {
        const xb = whole ? xs : xs.map((t) => rows(t, b, n));
        const yb = whole ? ys : ys.map((t) => rows(t, b, n));
        const loss = batchLoss(model, c, model.forward(xb, false), yb, state, n, false);
        state.total.sum += loss.dataSync()[0] * n;
        state.total.count += n;
      }),
    );
  }
}

// ---- fit ------------------------------------------------------------------------------------------

const yieldNow = (): Promise<void> =>
  new Promise((resolve) => {
    const g = globalThis as { setImmediate?: (f: () => void) => void };
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

export async function fitModel(model: TrainableModel, x: ModelInput, y: ModelTarget, args: FitArgs = {}): Promise<History> {
  const op = 'fit';
  if (args === null || typeof args !== 'object') throw new WasmgradError(msg`${model.name}.fit: options must be an object`);
  const c = compiledOf(model, op);
  const xs = inputsOf(model, x, op);
  const n = samplesOf(model, xs, op);
  const ys = targetsOf(model, y, n, op);
  const epochs = positiveInt(model, op, 'epochs', args.epochs, 1, 0);
  const initialEpoch = positiveInt(model, op, 'initialEpoch', args.initialEpoch, 0, 0);
  const batchSize = positiveInt(model, op, 'batchSize', args.batchSize, 32);
  const shuffle = args.shuffle ?? true;
  const verbose = args.verbose ?? 1;
  const yieldEvery = args.yieldEvery ?? 100;
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) throw new WasmgradError(msg`${model.name}.fit: validationSplit must be in [0, 1), got ${split}`);
  if (args.seed !== undefined && !Number.isFinite(args.seed)) throw new WasmgradError(msg`${model.name}.fit: seed must be a number`);
  const classWeights = classWeightsOf(`${model.name}.fit`, args.classWeight, model.outputNames);

  // validation: explicit data, or the last fraction of the samples (before shuffling, as Keras)
  let nTrain = n;
  let val: { xs: Tensor[]; ys: Tensor[]; start: number; count: number } | null = null;
  if (args.validationData) {
    if (!Array.isArray(args.validationData) || args.validationData.length < 2) throw new WasmgradError(msg`${model.name}.fit: validationData must be [x, y]`);
    const vx = inputsOf(model, args.validationData[0], op);
    const vn = samplesOf(model, vx, op);
    val = { xs: vx, ys: targetsOf(model, args.validationData[1], vn, op), start: 0, count: vn };
  } else if (split > 0) {
    nTrain = Math.floor(n * (1 - split));
    if (nTrain === 0 || nTrain === n) throw new WasmgradError(msg`${model.name}.fit: validationSplit ${split} of ${n} samples leaves no training or no validation samples`);
    val = { xs, ys, start: nTrain, count: n - nTrain };
  }
  if (nTrain === 0) throw new WasmgradError(msg`${model.name}.fit: no training samples`);

  const steps = Math.ceil(nTrain / batchSize);
  const history = new History();
  const user = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  const shown: (Callback | CustomCallbackArgs)[] = [];
  if (verbose >= 1) shown.push(new ProgressBar({ forceLine: verbose >= 2 || !terminal().isTerminal }));
  const cbs = new CallbackList([history, ...createRegisteredCallbacks(verbose), ...user, ...shown]);
  const metricNames = Object.keys(logsOf(model, c, newState(c)));
  const params: TrainingParams = {
    epochs, initialEpoch, steps, samples: nTrain, batchSize, verbose, doValidation: !!val,
    metrics: [...metricNames, ...(val ? metricNames.map((k) => `val_${k}`) : [])],
  };
  cbs.setup(model, params);
  model.history = history;
  model.stopTraining = false;
  const random = args.seed === undefined ? Math.random : seededRandom(args.seed);
  const order = Int32Array.from({ length: nTrain }, (_, i) => i);
  const state = newState(c);
  const valState = newState(c);
  const hasBatchBegin = cbs.has('onBatchBegin');
  const hasBatchEnd = cbs.has('onBatchEnd');
  // TF.js's onBatchEnd logs are the batch's own values; Keras's the epoch's running means
  const batchState = hasBatchEnd && model.batchLogs === 'batch' ? newState(c) : null;
  let lastYield = now();

  await cbs.call('onTrainBegin', {});
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await cbs.call('onEpochBegin', epoch, {});
    if (shuffle) {
      for (let i = nTrain - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    resetState(state);
    for (let step = 0; step < steps; step++) {
      const begin = step * batchSize;
      const size = Math.min(batchSize, nTrain - begin);
      if (hasBatchBegin) {
        const r = cbs.call('onBatchBegin', step, { batch: step, size });
        if (r) await r;
      }
      const idx = order.subarray(begin, begin + size);
      tidy(() => {
        const whole = size === n && !shuffle;
        let xb = xs, yb = ys;
        if (!whole) {
          const it = fromFlat(idx, [size], 'int32');
          xb = xs.map((t) => gather(t, it));
          yb = ys.map((t) => gather(t, it));
        }
        if (batchState) resetState(batchState);
        runAs(`${model.name}.fit`, xb, () => trainBatch(model, c, xb, yb, batchState ? [state, batchState] : state, classWeights));
      });
      if (hasBatchEnd) {
        const r = cbs.call('onBatchEnd', step, { batch: step, size, ...logsOf(model, c, batchState ?? state) });
        if (r) await r;
      }
      if (model.stopTraining) break;
      if (now() - lastYield > yieldEvery) {
        await yieldNow();
        lastYield = now();
      }
    }
    const logs = logsOf(model, c, state);
    if (val) {
      evaluateRange(model, c, val.xs, val.ys, val.start, val.count, batchSize, valState);
      Object.assign(logs, logsOf(model, c, valState, 'val_'));
    }
    await cbs.call('onEpochEnd', epoch, logs);
  }
  await cbs.call('onTrainEnd', {});
  return history;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

// ---- evaluate, predict, single batches -----------------------------------------------------------

/** Loss (and metrics) over the data, as scalar tensors: loss alone, or [loss, ...per-output losses, ...metrics]. */
export function evaluateModel(model: TrainableModel, x: ModelInput, y: ModelTarget, args: EvaluateArgs = {}): Tensor | Tensor[] {
  const op = 'evaluate';
  const c = compiledOf(model, op);
  const xs = inputsOf(model, x, op);
  const n = samplesOf(model, xs, op);
  const ys = targetsOf(model, y, n, op);
  const batchSize = positiveInt(model, op, 'batchSize', args?.batchSize, 32);
  const state = newState(c);
  runAs(`${model.name}.evaluate`, xs, () => evaluateRange(model, c, xs, ys, 0, n, batchSize, state));
  const values = Object.values(logsOf(model, c, state));
  const out = tidy(() => values.map((v) => fromFlat([v], [], 'float32')));
  return out.length === 1 ? out[0] : out;
}

/** The outputs for every sample, computed in batches without a tape; the caller owns them. */
export function predictModel(model: TrainableModel, x: ModelInput, args: PredictArgs = {}): Tensor | Tensor[] {
  const op = 'predict';
  const xs = inputsOf(model, x, op);
  const n = samplesOf(model, xs, op);
  const batchSize = positiveInt(model, op, 'batchSize', args?.batchSize, 32);
  if (n <= batchSize) return oneOrList(predictForward(model, xs));
  const parts: Tensor[][] = [];
  try {
    for (let b = 0; b < n; b += batchSize) {
      const size = Math.min(batchSize, n - b);
      const batch = xs.map((t) => rows(t, b, size));
      try {
        parts.push(predictForward(model, batch));
      } finally {
        for (const t of batch) t.dispose();
      }
    }
    const outs = model.outputs.map((_, i) => concat(parts.map((p) => p[i]), 0));
    return outs.length === 1 ? outs[0] : outs;
  } finally {
    for (const p of parts) for (const t of p) t.dispose();
  }
}

export function predictOnBatchModel(model: TrainableModel, x: ModelInput): Tensor | Tensor[] {
  const xs = inputsOf(model, x, 'predictOnBatch');
  return oneOrList(predictForward(model, xs));
}

const oneOrList = (outs: Tensor[]): Tensor | Tensor[] => (outs.length === 1 ? outs[0] : outs);

/** The outputs for checked inputs, without a tape: through the model's compiled plan when it has one. */
function predictForward(model: TrainableModel, xs: Tensor[]): Tensor[] {
  return model.predictForward?.(xs) ?? runAs(`${model.name}.predict`, xs, () => tidy(() => noGrad(() => model.forward(xs, false))));
}

/** One optimizer step on this batch; resolves to the loss, or [loss, ...metrics]. */
export async function trainOnBatchModel(model: TrainableModel, x: ModelInput, y: ModelTarget): Promise<number | number[]> {
  const op = 'trainOnBatch';
  const c = compiledOf(model, op);
  const xs = inputsOf(model, x, op);
  const ys = targetsOf(model, y, samplesOf(model, xs, op), op);
  const state = newState(c);
  trainBatch(model, c, xs, ys, state);
  const values = Object.values(logsOf(model, c, state));
  return values.length === 1 ? values[0] : values;
}

/**
 * Batch-at-a-time training and evaluation with running logs, for data that arrives in batches
 * (fitDataset, evaluateDataset): the same step, losses and metrics as fit and evaluate.
 */
export function batchTrainer(model: TrainableModel, op: string, classWeight?: FitArgs['classWeight']) {
  const c = compiledOf(model, op);
  const classWeights = classWeightsOf(op, classWeight, model.outputNames);
  const state = newState(c);
  // the last batch's own loss and metrics, for TF.js's onBatchEnd logs
  const batchState = model.batchLogs === 'batch' ? newState(c) : null;
  const unpack = (x: ModelInput, y: ModelTarget) => {
    const xs = inputsOf(model, x, op);
    return { xs, ys: targetsOf(model, y, samplesOf(model, xs, op), op) };
  };
  return {
    train(x: ModelInput, y: ModelTarget): void {
      const { xs, ys } = unpack(x, y);
      if (batchState) resetState(batchState);
      tidy(() => void trainBatch(model, c, xs, ys, batchState ? [state, batchState] : state, classWeights));
    },
    evaluate(x: ModelInput, y: ModelTarget): void {
      const { xs, ys } = unpack(x, y);
      const n = xs[0].shape[0];
      accumulateRange(model, c, xs, ys, 0, n, n, state);
    },
    logs: (prefix = ''): Logs => logsOf(model, c, state, prefix),
    batchLogs: (): Logs => logsOf(model, c, batchState ?? state), // what onBatchEnd gets
    reset: (): void => resetState(state),
  };
}
