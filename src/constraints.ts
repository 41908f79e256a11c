// Weight constraints (Keras and TF.js): projections a layer's weight is put back through after each
// optimizer update (and when set through TF.js's LayerVariable.write). Norms are over `axis`
// (default 0: per column of a Dense kernel; [0, 1, 2] gives a convolution kernel's per filter).
//   maxNorm     w * clip(|w|, 0, maxValue) / (eps + |w|)
//   minMaxNorm  w * (rate clip(|w|, minValue, maxValue) + (1 - rate) |w|) / (eps + |w|)
//   nonNeg      w where w >= 0, else 0
//   unitNorm    w / (eps + |w|)
import { WasmgradError, msg, jsonOf } from './errors.js';
import { Tensor, tidy } from './tensor.js';
import { ownEntry } from './util/lookup.js';
import { optionsOf } from './validate.js';
import { add, mul, div, greaterEqual, sqrt, square, sum, clipByValue } from './ops/index.js';

const EPS = 1e-7;

export interface Constraint {
  readonly className: string;
  apply(w: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

type Axis = number | number[];

function checkAxis(name: string, axis: unknown): Axis {
  const ok = (a: unknown) => Number.isInteger(a);
  if (!(ok(axis) || (Array.isArray(axis) && axis.length > 0 && axis.every(ok)))) throw new WasmgradError(msg`${name}: axis must be a whole number or an array of them, got ${jsonOf(axis)}`);
  return axis as Axis;
}

function checkValue(name: string, key: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !(v >= min) || !Number.isFinite(v)) throw new WasmgradError(msg`${name}: ${key} must be a finite number >= ${min}, got ${v}`);
  return v;
}

/** w scaled so that its norms over axis become desired(norms). */
function rescale(w: Tensor, axis: Axis, desired: (norms: Tensor) => Tensor): Tensor {
  return tidy(() => {
    const norms = sqrt(sum(square(w), axis, true));
    return mul(w, div(desired(norms), add(norms, EPS)));
  });
}

export class MaxNorm implements Constraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: Axis;
  constructor(args: { maxValue?: number; axis?: Axis } = {}) {
    args = optionsOf(args, 'maxNorm');
    this.maxValue = checkValue('maxNorm', 'maxValue', args.maxValue ?? 2);
    this.axis = checkAxis('maxNorm', args.axis ?? 0);
  }
  apply(w: Tensor): Tensor {
    return rescale(w, this.axis, (n) => clipByValue(n, 0, this.maxValue));
  }
  getConfig() {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

export class MinMaxNorm implements Constraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: Axis;
  constructor(args: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis } = {}) {
    args = optionsOf(args, 'minMaxNorm');
    this.minValue = checkValue('minMaxNorm', 'minValue', args.minValue ?? 0);
    this.maxValue = checkValue('minMaxNorm', 'maxValue', args.maxValue ?? 1, this.minValue);
    this.rate = checkValue('minMaxNorm', 'rate', args.rate ?? 1);
    this.axis = checkAxis('minMaxNorm', args.axis ?? 0);
  }
  apply(w: Tensor): Tensor {
    return rescale(w, this.axis, (n) => add(mul(clipByValue(n, this.minValue, this.maxValue), this.rate), mul(n, 1 - this.rate)));
  }
  getConfig() {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

export class NonNeg implements Constraint {
  readonly className = 'NonNeg';
  apply(w: Tensor): Tensor {
    return tidy(() => mul(w, greaterEqual(w, 0)));
  }
  getConfig() {
    return {};
  }
}

export class UnitNorm implements Constraint {
  readonly className = 'UnitNorm';
  readonly axis: Axis;
  constructor(args: { axis?: Axis } = {}) {
    this.axis = checkAxis('unitNorm', optionsOf(args, 'unitNorm').axis ?? 0);
  }
  apply(w: Tensor): Tensor {
    return tidy(() => div(w, add(sqrt(sum(square(w), this.axis, true)), EPS)));
  }
  getConfig() {
    return { axis: this.axis };
  }
}

export const maxNorm = (args?: ConstructorParameters<typeof MaxNorm>[0]) => new MaxNorm(args);
export const minMaxNorm = (args?: ConstructorParameters<typeof MinMaxNorm>[0]) => new MinMaxNorm(args);
export const nonNeg = () => new NonNeg();
export const unitNorm = (args?: ConstructorParameters<typeof UnitNorm>[0]) => new UnitNorm(args);

const BY_NAME: Record<string, (config: Record<string, unknown>) => Constraint> = {
  maxnorm: (c) => new MaxNorm(c), minmaxnorm: (c) => new MinMaxNorm(c), nonneg: () => new NonNeg(), unitnorm: (c) => new UnitNorm(c),
};

/** A constraint, its name ('maxNorm', 'MaxNorm', 'max_norm' ...), or { className, config } as files hold it. */
export type ConstraintSpec = Constraint | string | { className: string; config?: Record<string, unknown> };

export function getConstraint(spec: ConstraintSpec, where: string): Constraint {
  if (spec && typeof spec === 'object' && typeof (spec as Constraint).apply === 'function') return spec as Constraint;
  const name = typeof spec === 'string' ? spec : (spec as { className?: unknown })?.className;
  const make = typeof name === 'string' ? ownEntry(BY_NAME, name.toLowerCase().replace(/_/g, '')) : undefined;
  if (!make) throw new WasmgradError(msg`${where}: unknown constraint ${jsonOf(name ?? spec)}; expected maxNorm, minMaxNorm, nonNeg, unitNorm, { className, config } or an object with apply(w)`);
  const config = typeof spec === 'string' ? {} : ((spec as { config?: Record<string, unknown> }).config ?? {});
  return make(config);
}

/** { className, config } for a layer's getConfig (a custom constraint: its class name, its config if it has one). */
export function serializeConstraint(c: { apply(w: Tensor): Tensor; className?: string; getClassName?(): string; getConfig?(): Record<string, unknown> }) {
  return { className: c.className ?? c.getClassName?.() ?? c.constructor.name, config: typeof c.getConfig === 'function' ? c.getConfig() : {} };
}

/** Each weight name's constraint option in a layer's arguments (kernelConstraint for 'kernel' ...). */
export const CONSTRAINT_OPTIONS = {
  kernel: 'kernelConstraint', bias: 'biasConstraint', recurrent_kernel: 'recurrentConstraint', depthwise_kernel: 'depthwiseConstraint',
  pointwise_kernel: 'pointwiseConstraint', embeddings: 'embeddingsConstraint', gamma: 'gammaConstraint', beta: 'betaConstraint', alpha: 'alphaConstraint',
} as const;
export type ConstraintOption = (typeof CONSTRAINT_OPTIONS)[keyof typeof CONSTRAINT_OPTIONS];

