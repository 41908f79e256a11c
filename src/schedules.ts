// Learning-rate schedules: a schedule is a function step -> learning rate, where step is the number
// of updates the optimizer has applied before this one (Keras: optimizer.iterations; the first
// update uses schedule(0) = initial). Each carries className and config for saving.
import { WasmgradError, describeValue, msg } from './errors.js';
import { ownEntry } from './util/lookup.js';

export interface Schedule {
  (step: number): number;
  readonly className: string;
  readonly config: Record<string, number | boolean>;
  getConfig(): Record<string, number | boolean>;
}

function makeSchedule(className: string, config: Record<string, number | boolean>, fn: (step: number) => number): Schedule {
  const s = ((step: number) => fn(step)) as Schedule;
  Object.defineProperties(s, {
    className: { value: className, enumerable: true },
    config: { value: Object.freeze({ ...config }), enumerable: true },
    getConfig: { value: () => ({ ...config }) },
  });
  return s;
}

function num(name: string, v: unknown, opts: { positive?: boolean; min?: number; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new WasmgradError(msg`${name} must be a finite number, got ${v}`);
  if (opts.positive && !(v > 0)) throw new WasmgradError(msg`${name} must be > 0, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new WasmgradError(msg`${name} must be >= ${opts.min}, got ${v}`);
  if (opts.integer && !Number.isInteger(v)) throw new WasmgradError(msg`${name} must be a whole number, got ${v}`);
  return v;
}

/** The initial rate, as `initial` or Keras's `initialLearningRate`. */
function initialOf(op: string, a: { initial?: number; initialLearningRate?: number }): number {
  // (each schedule reads its options here first)
  if (a === null || typeof a !== 'object') throw new WasmgradError(msg`${op}: expected an options object { initial, ... }, got ${describeValue(a)}`);
  return num(`${op}: initial`, a.initial ?? a.initialLearningRate, { min: 0 });
}

/** initial * decayRate^(step / decaySteps) (the exponent floored when staircase), as Keras ExponentialDecay. */
export function exponentialDecay(args: { initial?: number; initialLearningRate?: number; decaySteps: number; decayRate: number; staircase?: boolean }): Schedule {
  const op = 'exponentialDecay';
  const initial = initialOf(op, args);
  const decaySteps = num(`${op}: decaySteps`, args.decaySteps, { positive: true });
  const decayRate = num(`${op}: decayRate`, args.decayRate, { min: 0 });
  const staircase = !!args.staircase;
  return makeSchedule('ExponentialDecay', { initial, decaySteps, decayRate, staircase }, (step) => {
    const p = step / decaySteps;
    return initial * decayRate ** (staircase ? Math.floor(p) : p);
  });
}

/**
 * initial * factor^floor(step / dropEvery), as PyTorch's StepLR (stepSize, gamma) counted in
 * optimizer steps; `stepSize`/`gamma` are accepted as the same options.
 */
export function stepDecay(args: { initial?: number; initialLearningRate?: number; dropEvery?: number; stepSize?: number; factor?: number; gamma?: number }): Schedule {
  const op = 'stepDecay';
  const initial = initialOf(op, args);
  const dropEvery = num(`${op}: dropEvery`, args.dropEvery ?? args.stepSize, { positive: true, integer: true });
  const factor = num(`${op}: factor`, args.factor ?? args.gamma ?? 0.1, { min: 0 });
  return makeSchedule('StepDecay', { initial, dropEvery, factor }, (step) => initial * factor ** Math.floor(step / dropEvery));
}

/**
 * Keras CosineDecay without warm-up: initial * ((1 - alpha) * 0.5 (1 + cos(pi min(step, decaySteps) / decaySteps)) + alpha).
 */
export function cosineDecay(args: { initial?: number; initialLearningRate?: number; decaySteps: number; alpha?: number }): Schedule {
  const op = 'cosineDecay';
  const initial = initialOf(op, args);
  const decaySteps = num(`${op}: decaySteps`, args.decaySteps, { positive: true });
  const alpha = num(`${op}: alpha`, args.alpha ?? 0, { min: 0 });
  return makeSchedule('CosineDecay', { initial, decaySteps, alpha }, (step) => {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * Math.min(step, decaySteps)) / decaySteps));
    return initial * ((1 - alpha) * cosine + alpha);
  });
}

const FROM_CONFIG: Record<string, (c: never) => Schedule> = {
  ExponentialDecay: exponentialDecay,
  StepDecay: stepDecay,
  CosineDecay: cosineDecay,
};

export function isSchedule(x: unknown): x is Schedule {
  return typeof x === 'function' && typeof (x as Schedule).className === 'string';
}

/** A schedule from { className, config } (as saved by serializeSchedule). */
export function deserializeSchedule(s: { className: string; config: Record<string, unknown> }): Schedule {
  const make = ownEntry(FROM_CONFIG, s?.className);
  if (!make) throw new WasmgradError(msg`unknown schedule '${s?.className}'; expected one of ${Object.keys(FROM_CONFIG).join(', ')}`);
  return make(s.config as never);
}

export function serializeSchedule(s: Schedule): { className: string; config: Record<string, number | boolean> } {
  if (!s || typeof s.getConfig !== 'function') throw new WasmgradError(msg`serializeSchedule: expected a schedule (wg.schedules.*), got ${describeValue(s)}`);
  return { className: s.className, config: s.getConfig() };
}
