// What training, callbacks and saving need from a model, as small interfaces: training.ts,
// callbacks.ts and io/model-io.ts depend on these, never on model.ts, so the model can use them
// without an import cycle (model.ts -> training.ts -> model.ts). LayersModel implements all three.
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variables.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { LossFn } from '../losses.js';
import type { MetricSpec } from './metrics.js';

/** A placeholder's shape and where it comes from, as training reads it. */
export interface GraphEnd {
  readonly shape: readonly (number | null)[];
}

/** @internal What compile resolved. */
export interface Compiled {
  optimizer: Optimizer;
  /** compile made the optimizer (from a name or config): the model disposes it. */
  ownsOptimizer: boolean;
  losses: LossFn[];
  lossWeights: number[];
  metrics: MetricSpec[][];
  /** The training config as saved in model.json. */
  config: { loss: unknown; metrics: unknown; lossWeights?: unknown; optimizerConfig: { className: string; config: Record<string, unknown> } };
}

/** What callbacks (early stopping, learning-rate changes) use. */
export interface CallbackModel {
  readonly name: string;
  stopTraining: boolean;
  readonly optimizer: Optimizer | undefined;
  getWeights(): Tensor[];
  setWeights(ws: Tensor[]): void;
}

/** What fit, evaluate and predict use (fit hands the model to its callbacks). */
export interface TrainableModel extends CallbackModel {
  readonly inputs: readonly GraphEnd[];
  readonly outputs: readonly GraphEnd[];
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly layers: readonly unknown[];
  readonly trainableWeights: Variable[];
  compiled: Compiled | null;
  /** The History of the last fit. */
  history?: object;
  ensureGraph(xs: { shape: readonly (number | null)[]; dtype?: string }[]): void;
  checkInputs(xs: Tensor[], op: string): void;
  forward(xs: Tensor[], training: boolean): Tensor[];
  /** predict's forward pass through a compiled plan (src/models/plan.ts); null: use forward. */
  predictForward?(xs: Tensor[]): Tensor[] | null;
  regularizationLoss(): Tensor | null;
  /** Whether evaluation losses include the weight penalties (Keras: yes, TF.js: no). */
  readonly regularizeEvaluation: boolean;
  /** What onBatchEnd logs hold: the epoch's running means so far (Keras) or the batch's own values (TF.js). */
  readonly batchLogs: 'running' | 'batch';
  /** Loss names compile resolves before the library's own (TF.js's hinge keeps its labels as they are). */
  readonly lossesByName?: Readonly<Record<string, (yTrue: Tensor, yPred: Tensor) => Tensor>>;
}

/** A weight of a model under its file name: layerName/weightName (wrappers and nested models add their name). */
export interface NamedWeight {
  name: string;
  variable: Variable;
}

/** What compile needs from a saved training config. */
export interface CompileConfig {
  optimizer: { className: string; config: Record<string, unknown> };
  loss: string | string[];
  metrics?: Record<string, string[]>;
  lossWeights?: number[];
}

/** What saving and loading use. */
export interface SavableModel {
  readonly name: string;
  readonly className: string;
  readonly built: boolean;
  readonly outputs: readonly GraphEnd[];
  readonly outputNames: string[];
  readonly compiled: Compiled | null;
  namedWeights(): NamedWeight[];
  getConfig(): Record<string, unknown>;
  compile(args: CompileConfig): void;
  dispose(): void;
}
