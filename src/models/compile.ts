// compile: the losses, loss weights, metrics and optimizer of a model, checked per output.
import { WasmgradError, msg } from '../errors.js';
import { getLoss, lossName, type LossFn } from '../losses.js';
import { ownEntry } from '../util/lookup.js';
import { getOptimizer } from '../optimizers/index.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { getMetric, type MetricFn } from './metrics.js';
import type { TrainableModel } from './contracts.js';

type PerOutput<T> = T | T[] | Record<string, T>;

export interface CompileArgs {
  optimizer: Optimizer | string | { className: string; config?: Record<string, unknown> };
  /** A loss (name or function), or one per output (array or { outputName: loss }). */
  loss: PerOutput<string | LossFn>;
  /** Metric names ('accuracy', 'mse', ...) or functions, for every output, or per output. */
  metrics?: (string | MetricFn)[] | Record<string, string | MetricFn | (string | MetricFn)[]>;
  /** Weights of the outputs' losses in the total (default 1 each). */
  lossWeights?: number[] | Record<string, number>;
}

function perOutput<T>(model: { name: string; outputNames: string[] }, value: PerOutput<T>, what: string, isLeaf: (v: unknown) => boolean): T[] {
  const names = model.outputNames;
  if (isLeaf(value)) return names.map(() => value as T);
  if (Array.isArray(value)) {
    if (value.length !== names.length) throw new WasmgradError(msg`${model.name}.compile: ${what} has ${value.length} entries for ${names.length} outputs`);
    return value;
  }
  if (value && typeof value === 'object') {
    const rec = value as Record<string, T>;
    for (const k of Object.keys(rec)) if (!names.includes(k)) throw new WasmgradError(msg`${model.name}.compile: ${what} names '${k}', which is not an output (${names.join(', ')})`);
    return names.map((n) => {
      if (!(n in rec)) throw new WasmgradError(msg`${model.name}.compile: ${what} has nothing for output '${n}'`);
      return rec[n];
    });
  }
  throw new WasmgradError(msg`${model.name}.compile: invalid ${what}: ${String(value)}`);
}

export function compileModel(model: TrainableModel, args: CompileArgs): void {
  if (!args || typeof args !== 'object') throw new WasmgradError(msg`${model.name}.compile: expected { optimizer, loss, metrics? }`);
  if (!model.outputs.length && model.layers.length === 0) throw new WasmgradError(msg`${model.name}.compile: the model has no layers`);
  // a sequential model built late has no outputs yet: one output
  const outs = Math.max(1, model.outputs.length);
  const names = model.outputs.length ? model.outputNames : ['output'];
  const fakeModel = { name: model.name, outputNames: names };
  if (args.loss === undefined || args.loss === null) throw new WasmgradError(msg`${model.name}.compile: loss is required`);
  const lossSpecs = perOutput(fakeModel, args.loss, 'loss', (v) => typeof v === 'string' || typeof v === 'function');
  const losses = lossSpecs.map((l) => (typeof l === 'string' && model.lossesByName ? ownEntry(model.lossesByName, l) : undefined) ?? getLoss(l));
  let lossWeights = names.map(() => 1);
  if (args.lossWeights !== undefined) {
    lossWeights = perOutput(fakeModel, args.lossWeights as PerOutput<number>, 'lossWeights', (v) => typeof v === 'number');
    lossWeights.forEach((w) => {
      if (typeof w !== 'number' || !Number.isFinite(w)) throw new WasmgradError(msg`${model.name}.compile: lossWeights must be finite numbers`);
    });
  }
  let metricLists: (string | MetricFn)[][] = names.map(() => []);
  const m = args.metrics;
  if (m !== undefined && m !== null) {
    if (Array.isArray(m)) metricLists = names.map(() => m);
    else if (typeof m === 'object') {
      metricLists = names.map((n) => {
        const v = (m as Record<string, string | MetricFn | (string | MetricFn)[]>)[n];
        return v === undefined ? [] : Array.isArray(v) ? v : [v];
      });
      for (const k of Object.keys(m)) if (!names.includes(k)) throw new WasmgradError(msg`${model.name}.compile: metrics names '${k}', which is not an output`);
    } else throw new WasmgradError(msg`${model.name}.compile: metrics must be an array of names or functions`);
  }
  const metrics = metricLists.map((list, i) => list.map((x) => getMetric(x, losses[i])));
  // names are all checked before the optimizer is made (it may hold engine memory)
  const optimizer = getOptimizer(args.optimizer as never);
  const lossConfig = lossSpecs.map((l, i) => (typeof l === 'string' ? l : (lossName(losses[i]) ?? null)));
  if (model.compiled?.ownsOptimizer && model.compiled.optimizer !== optimizer) model.compiled.optimizer.dispose();
  model.compiled = {
    optimizer,
    ownsOptimizer: optimizer !== args.optimizer,
    losses,
    lossWeights,
    metrics,
    config: {
      loss: outs === 1 ? lossConfig[0] : lossConfig,
      metrics: metricLists.map((l) => l.map((x) => (typeof x === 'string' ? x : x.name))),
      ...(args.lossWeights !== undefined ? { lossWeights } : {}),
      optimizerConfig: { className: optimizer.className, config: optimizer.getConfig() },
    },
  };
}
