// Rosenblatt's perceptron (step activation, w += eta (y - yhat) x, one example at a time) and the
// linear unit trained by the delta rule (least mean squares, w += eta sum (y - w.x) x).
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor, zeros } from '../creation.js';
import { variable, type Variable } from '../variables.js';
import { add, sub, mul, matMul, slice, sum, square, reshape } from '../ops/index.js';
import { greaterEqual } from '../ops/compare.js';
import { cast } from '../ops/arrange.js';
import { checkRows, checkInt, checkNum, checkSeedValue, rng, permutation } from './util.js';

export interface LinearUnitArgs {
  /** Number of inputs. */
  inputs: number;
  /** Step size eta (default 1 for the perceptron, 0.05 for the delta rule). */
  learningRate?: number;
}

/** Raises unless y holds one target per row of x, as [n] or [n, 1] float32. */
function checkTargets(y: unknown, n: number, op: string): Tensor {
  if (!(y instanceof Tensor) || y.dtype !== 'float32' || y.size !== n || y.rank < 1 || y.rank > 2 || y.shape[0] !== n) {
    const got = y instanceof Tensor ? `${y.dtype} ${fmtShape(y.shape)}` : typeof y;
    throw new WasmgradError(msg`${op}: y must be float32 [${n}] or [${n}, 1] (one target per row of x), got ${got}`);
  }
  return y;
}

/** Weights [inputs, 1] and bias [1], zero to start (as in Rosenblatt's rule: any start works). */
abstract class LinearThreshold {
  readonly inputs: number;
  readonly learningRate: number;
  readonly weights: Variable;
  readonly bias: Variable;

  constructor(args: LinearUnitArgs, op: string, defaultRate: number) {
    if (!args || typeof args !== 'object') throw new WasmgradError(msg`${op}: expected { inputs, learningRate? }`);
    this.inputs = checkInt(args.inputs, op, 'inputs');
    this.learningRate = checkNum(args.learningRate ?? defaultRate, op, 'learningRate', 'positive');
    this.weights = tidy(() => variable(zeros([this.inputs, 1]), false));
    this.bias = tidy(() => variable(zeros([1]), false));
  }

  /** w.x + b for every row: [n, 1]. */
  net(x: Tensor): Tensor {
    return tidy(() => add(matMul(x, this.weights), this.bias));
  }

  dispose(): void {
    this.weights.dispose();
    this.bias.dispose();
  }
}

/** Rosenblatt's perceptron: yhat = 1 if w.x + b >= 0 else 0. */
export class Perceptron extends LinearThreshold {
  constructor(args: LinearUnitArgs) {
    super(args, 'perceptron', 1);
  }

  /** The step outputs (0 or 1) for every row of x: [n, 1]. */
  predict(x: Tensor): Tensor {
    checkRows(x, this.inputs, 'perceptron.predict');
    return tidy(() => cast(greaterEqual(this.net(x), 0), 'float32'));
  }

  /**
   * One epoch of the perceptron rule over the rows of x (targets y in {0, 1}), one example at a
   * time, in a seeded random order when `seed` is given (else in order). Returns the number of
   * examples misclassified during the epoch (0 means the rule has converged).
   */
  trainEpoch(x: Tensor, y: Tensor, seed?: number): number {
    const n = checkRows(x, this.inputs, 'perceptron.trainEpoch').shape[0];
    const targets = checkTargets(y, n, 'perceptron.trainEpoch').dataSync();
    const order = seed === undefined ? Int32Array.from({ length: n }, (_, i) => i) : permutation(n, rng(checkSeedValue(seed, 'perceptron.trainEpoch')));
    let errors = 0;
    for (const i of order) {
      const z = tidy(() => {
        const xi = slice(x, [i, 0], [1, this.inputs]);
        return add(matMul(xi, this.weights), this.bias);
      });
      const yhat = z.dataSync()[0] >= 0 ? 1 : 0;
      z.dispose();
      const err = targets[i] - yhat;
      if (err === 0) continue;
      errors++;
      tidy(() => {
        const xi = reshape(slice(x, [i, 0], [1, this.inputs]), [this.inputs, 1]);
        this.weights.assign(add(this.weights, mul(xi, this.learningRate * err)));
        this.bias.assign(add(this.bias, this.learningRate * err));
      });
    }
    return errors;
  }

  /** Runs epochs until one has no mistakes or maxEpochs pass; returns the mistakes of each epoch. */
  fit(x: Tensor, y: Tensor, { maxEpochs = 100, seed }: { maxEpochs?: number; seed?: number } = {}): { errorsPerEpoch: number[]; converged: boolean } {
    checkInt(maxEpochs, 'perceptron.fit', 'maxEpochs');
    const errorsPerEpoch: number[] = [];
    for (let e = 0; e < maxEpochs; e++) {
      const errors = this.trainEpoch(x, y, seed === undefined ? undefined : seed + e);
      errorsPerEpoch.push(errors);
      if (errors === 0) return { errorsPerEpoch, converged: true };
    }
    return { errorsPerEpoch, converged: false };
  }
}

/** The linear unit f(x) = w.x + b, trained by the delta rule (batch least mean squares). */
export class LinearUnit extends LinearThreshold {
  constructor(args: LinearUnitArgs) {
    super(args, 'linearUnit', 0.05);
  }

  /** w.x + b for every row: [n, 1]. */
  predict(x: Tensor): Tensor {
    checkRows(x, this.inputs, 'linearUnit.predict');
    return this.net(x);
  }

  /**
   * One delta-rule step over all rows: w += eta sum_n (y_n - w.x_n) x_n (and the same for b).
   * Returns J = 1/2 sum (y - w.x)^2 before the step.
   */
  trainEpoch(x: Tensor, y: Tensor): number {
    const n = checkRows(x, this.inputs, 'linearUnit.trainEpoch').shape[0];
    checkTargets(y, n, 'linearUnit.trainEpoch');
    const j = tidy(() => {
      const residual = sub(reshape(y, [n, 1]), this.net(x)); // y - w.x, [n, 1]
      this.weights.assign(add(this.weights, mul(matMul(x, residual, true, false), this.learningRate)));
      this.bias.assign(add(this.bias, mul(sum(residual, 0), this.learningRate)));
      return mul(sum(square(residual)), 0.5);
    });
    const value = j.dataSync()[0];
    j.dispose();
    return value;
  }
}

/** A perceptron with `inputs` inputs (weights start at zero). */
export function perceptron(args: LinearUnitArgs): Perceptron {
  return new Perceptron(args);
}

/** A linear unit trained by the delta rule (weights start at zero). */
export function linearUnit(args: LinearUnitArgs): LinearUnit {
  return new LinearUnit(args);
}

/** Rows of x as a float32 [n, d] tensor from nested arrays (a convenience for truth tables). */
export function rows(values: number[][]): Tensor {
  if (!Array.isArray(values) || values.length === 0 || !Array.isArray(values[0])) throw new WasmgradError('rows: expected a non-empty array of rows');
  return tensor(values.flat(), [values.length, values[0].length]);
}
