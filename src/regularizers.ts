// Weight regularizers (Keras): apply(w) is a scalar penalty built from ops, so autograd gives its
// gradient: L1 = l1 sum |w|, L2 = l2 sum w^2 (no 1/2, as Keras), L1L2 = both.
import { WasmgradError, msg } from './errors.js';
import { Tensor, tidy } from './tensor.js';
import { checkFloat } from './ops/util.js';
import { abs, square, sum, add } from './ops/index.js';
import { scale } from './ops/unary.js';
import { scalar } from './creation.js';

export interface Regularizer {
  readonly className: string;
  apply(weight: Tensor): Tensor;
  getConfig(): Record<string, number>;
}

function factor(name: string, v: unknown, dflt: number): number {
  const x = v === undefined || v === null ? dflt : v; // null is TF.js's unset factor
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new WasmgradError(msg`regularizers: ${name} must be a number >= 0, got ${v}`);
  return x;
}

class L1L2Regularizer implements Regularizer {
  constructor(
    readonly className: 'L1' | 'L2' | 'L1L2',
    readonly l1: number,
    readonly l2: number,
  ) {}

  apply(weight: Tensor): Tensor {
    checkFloat(weight, `${this.className} regularizer`, 'weight');
    return tidy(() => {
      const terms: Tensor[] = [];
      if (this.l1 !== 0) terms.push(scale(sum(abs(weight)), this.l1));
      if (this.l2 !== 0) terms.push(scale(sum(square(weight)), this.l2));
      if (terms.length === 0) return scalar(0);
      return terms.length === 1 ? terms[0] : add(terms[0], terms[1]);
    });
  }

  getConfig(): Record<string, number> {
    if (this.className === 'L1') return { l1: this.l1 };
    if (this.className === 'L2') return { l2: this.l2 };
    return { l1: this.l1, l2: this.l2 };
  }
}

/** The factors given (none for null or undefined, as TF.js), or a WasmgradError naming the regularizer. */
function argsOf(name: string, args: unknown): { l1?: unknown; l2?: unknown } {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object') throw new WasmgradError(msg`regularizers.${name}: expected an object of factors, got ${args}`);
  return args;
}

/** l1 * sum |w| (default l1 = 0.01, as Keras and TensorFlow.js). */
export function l1(args: { l1?: number } | null = {}): Regularizer {
  return new L1L2Regularizer('L1', factor('l1', argsOf('l1', args).l1, 0.01), 0);
}

/** l2 * sum w^2 (default l2 = 0.01). */
export function l2(args: { l2?: number } | null = {}): Regularizer {
  return new L1L2Regularizer('L2', 0, factor('l2', argsOf('l2', args).l2, 0.01));
}

/** l1 * sum |w| + l2 * sum w^2 (defaults 0.01 each, as keras.regularizers.l1_l2 and tf.regularizers.l1l2). */
export function l1l2(args: { l1?: number; l2?: number } | null = {}): Regularizer {
  const given = argsOf('l1l2', args);
  return new L1L2Regularizer('L1L2', factor('l1', given.l1, 0.01), factor('l2', given.l2, 0.01));
}

/** A regularizer from { className, config } (as layers save it), a name ('l1', 'l2', 'l1l2'), or itself. */
export function getRegularizer(r: Regularizer | string | { className: string; config?: Record<string, number> } | null | undefined): Regularizer | null {
  if (r === null || r === undefined) return null;
  if (typeof (r as Regularizer).apply === 'function') return r as Regularizer;
  const spec = r as string | { className: string; config?: Record<string, number> };
  const name = typeof spec === 'string' ? spec : spec.className;
  const config = typeof spec === 'string' ? {} : (spec.config ?? {});
  switch (String(name).toLowerCase().replace(/_/g, '')) {
    case 'l1': return l1(config);
    case 'l2': return l2(config);
    case 'l1l2': return l1l2(config);
  }
  throw new WasmgradError(msg`unknown regularizer '${String(name)}'; expected L1, L2 or L1L2`);
}
