// Callbacks of fit (Keras semantics): History, earlyStopping, reduceLROnPlateau,
// learningRateScheduler, and any object with onTrainBegin / onEpochBegin / onBatchBegin /
// onBatchEnd / onEpochEnd / onTrainEnd (sync or async). Sync hooks cost nothing per batch: fit only
// awaits a hook that returned a promise.
import { WasmgradError, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { optionsOf } from '../validate.js';
import type { CallbackModel } from './contracts.js';

export type Logs = Record<string, number>;

export interface TrainingParams {
  epochs: number;
  initialEpoch: number;
  steps: number;
  samples: number;
  batchSize: number;
  verbose: number;
  metrics: string[];
  doValidation: boolean;
}

type Hook = (arg?: number | Logs, logs?: Logs) => unknown;

/** The hooks fit calls; every one is optional and may return a promise. */
export interface CustomCallbackArgs {
  onTrainBegin?: (logs?: Logs) => unknown;
  onTrainEnd?: (logs?: Logs) => unknown;
  onEpochBegin?: (epoch: number, logs?: Logs) => unknown;
  onEpochEnd?: (epoch: number, logs?: Logs) => unknown;
  onBatchBegin?: (batch: number, logs?: Logs) => unknown;
  onBatchEnd?: (batch: number, logs?: Logs) => unknown;
}

export abstract class Callback {
  model!: CallbackModel;
  params: Partial<TrainingParams> = {};
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
}

/** Records the epoch logs: history.history.loss, history.history.val_loss, ... */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
  }
  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs ?? {})) {
      // a key such as 'toString' or '__proto__' is a metric's name here, not the object's own property
      if (!Object.hasOwn(this.history, k)) Object.defineProperty(this.history, k, { value: [], enumerable: true, writable: true, configurable: true });
      this.history[k].push(v);
    }
  }
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;
type HookName = (typeof HOOKS)[number];

const isThenable = (x: unknown): x is Promise<unknown> => !!x && typeof (x as Promise<unknown>).then === 'function';

/** @internal Calls a hook on every callback; returns a promise only if one of them did. */
export class CallbackList {
  private readonly lists: Record<HookName, [object, Hook][]>;
  constructor(readonly callbacks: (Callback | CustomCallbackArgs)[]) {
    this.lists = Object.fromEntries(HOOKS.map((h) => [h, [] as [object, Hook][]])) as unknown as Record<HookName, [object, Hook][]>;
    callbacks.forEach((cb, i) => {
      if (!cb || typeof cb !== 'object') throw new WasmgradError(msg`fit: callbacks[${i}] must be an object with onEpochEnd, onBatchEnd, ... hooks`);
      for (const h of HOOKS) {
        const fn = (cb as Record<string, unknown>)[h];
        if (fn !== undefined && typeof fn !== 'function') throw new WasmgradError(msg`fit: callbacks[${i}].${h} must be a function`);
        if (typeof fn === 'function') this.lists[h].push([cb, fn as Hook]);
      }
    });
  }
  has(h: HookName): boolean {
    return this.lists[h].length > 0;
  }
  setup(model: CallbackModel, params: TrainingParams): void {
    for (const cb of this.callbacks) {
      if (cb instanceof Callback) {
        cb.setModel(model);
        cb.setParams(params);
      }
    }
  }
  call(h: HookName, a?: number | Logs, b?: Logs): void | Promise<void> {
    const list = this.lists[h];
    let chain: Promise<void> | null = null;
    for (const [cb, fn] of list) {
      if (chain) chain = chain.then(() => void fn.call(cb, a, b));
      else {
        const r = fn.call(cb, a, b);
        if (isThenable(r)) chain = r.then(() => undefined);
      }
    }
    return chain ?? undefined;
  }
}

type Mode = 'auto' | 'min' | 'max';

function better(mode: Mode, monitor: string): (a: number, b: number) => boolean {
  const m = mode === 'auto' ? (/acc|precision|recall|auc/i.test(monitor) ? 'max' : 'min') : mode;
  if (m !== 'min' && m !== 'max') throw new WasmgradError(msg`callbacks: mode must be 'auto', 'min' or 'max', got ${mode}`);
  return m === 'max' ? (a, b) => a > b : (a, b) => a < b;
}

function nonNegative(op: string, name: string, v: unknown, dflt: number): number {
  const x = v === undefined ? dflt : v;
  if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)) throw new WasmgradError(msg`${op}: ${name} must be a finite number >= 0, got ${v}`);
  return x;
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: Mode;
  baseline?: number;
  restoreBestWeights?: boolean;
  verbose?: number;
}

/**
 * Stops training when `monitor` (default val_loss) has not improved by more than minDelta for
 * `patience` epochs. With restoreBestWeights the weights of the best epoch are put back when it
 * stops (as Keras: only when it stops).
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly baseline?: number;
  readonly restoreBestWeights: boolean;
  readonly verbose: number;
  private readonly improved: (a: number, b: number) => boolean;
  wait = 0;
  stoppedEpoch = 0;
  best = NaN;
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;
  private warned = false;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    const op = 'earlyStopping';
    args = optionsOf(args, op);
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(nonNegative(op, 'minDelta', args.minDelta === undefined ? 0 : Math.abs(args.minDelta), 0));
    this.patience = nonNegative(op, 'patience', args.patience, 0);
    this.baseline = args.baseline;
    this.restoreBestWeights = !!args.restoreBestWeights;
    this.verbose = args.verbose ?? 0;
    const cmp = better(args.mode ?? 'auto', this.monitor);
    const sign = cmp(1, 0) ? 1 : -1;
    this.improved = (cur, best) => Number.isNaN(best) || cmp(cur - sign * this.minDelta, best);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.baseline ?? NaN;
    this.bestEpoch = 0;
    this.dropBest();
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs?.[this.monitor];
    if (typeof current !== 'number') {
      if (!this.warned) console.warn(`earlyStopping: '${this.monitor}' is not in the epoch logs (${Object.keys(logs ?? {}).join(', ')}); not stopping`);
      this.warned = true;
      return;
    }
    this.wait++;
    if (this.improved(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.dropBest();
        this.bestWeights = this.model.getWeights();
        for (const w of this.bestWeights) w.kept = true;
      }
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) {
        if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
        this.model.setWeights(this.bestWeights);
      }
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    this.dropBest();
  }

  private dropBest(): void {
    if (this.bestWeights) for (const w of this.bestWeights) w.dispose();
    this.bestWeights = null;
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  verbose?: number;
}

/** Multiplies the optimizer's learning rate by `factor` after `patience` epochs without improvement of `monitor`. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  private readonly improved: (a: number, b: number) => boolean;
  private wait = 0;
  private cooldownCounter = 0;
  best = NaN;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    const op = 'reduceLROnPlateau';
    args = optionsOf(args, op);
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (typeof this.factor !== 'number' || !(this.factor > 0 && this.factor < 1)) throw new WasmgradError(msg`${op}: factor must be in (0, 1), got ${args.factor}`);
    this.patience = nonNegative(op, 'patience', args.patience, 10);
    this.minDelta = nonNegative(op, 'minDelta', args.minDelta, 1e-4);
    this.cooldown = nonNegative(op, 'cooldown', args.cooldown, 0);
    this.minLr = nonNegative(op, 'minLr', args.minLr, 0);
    this.verbose = args.verbose ?? 0;
    const cmp = better(args.mode ?? 'auto', this.monitor);
    const sign = cmp(1, 0) ? 1 : -1;
    this.improved = (cur, best) => Number.isNaN(best) || cmp(cur - sign * this.minDelta, best);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = NaN;
    const opt = this.model.optimizer;
    if (opt && typeof opt.learningRate !== 'number') throw new WasmgradError('reduceLROnPlateau: the optimizer has a learning-rate schedule; use a number learning rate with this callback');
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs?.[this.monitor];
    if (typeof current !== 'number') return;
    const opt = this.model.optimizer;
    if (!opt) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.improved(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = opt.learningRate as number;
        if (old > this.minLr) {
          const lr = Math.max(old * this.factor, this.minLr);
          opt.learningRate = lr;
          if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: reduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Sets the learning rate at the start of every epoch to schedule(epoch, currentLr), as Keras's LearningRateScheduler. */
export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number, private readonly verbose = 0) {
    super();
    if (typeof schedule !== 'function') throw new WasmgradError('learningRateScheduler: expected a function (epoch, lr) => lr');
  }
  onEpochBegin(epoch: number): void {
    const opt = this.model.optimizer;
    if (!opt) return;
    const lr = this.schedule(epoch, opt.currentLearningRate());
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new WasmgradError(msg`learningRateScheduler: the schedule gave ${String(lr)} at epoch ${epoch}`);
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: learning rate ${lr}.`);
  }
}

export const earlyStopping = (args: EarlyStoppingArgs = {}) => new EarlyStopping(args);
export const reduceLROnPlateau = (args: ReduceLROnPlateauArgs = {}) => new ReduceLROnPlateau(args);
export const learningRateScheduler = (schedule: (epoch: number, lr: number) => number, verbose = 0) => new LearningRateScheduler(schedule, verbose);
