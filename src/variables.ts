// Variables: tensors that live across steps (weights), updated in place by optimizers and
// layers, never freed by tidy(); each has a unique name.
import { WasmgradError, fmtShape, msg, jsonOf } from './errors.js';
import { Tensor, markAsWeights } from './tensor.js';
import { copyInto } from './engine/drivers/copy.js';
import { computeGradients } from './tape.js';
import { checkTensor } from './ops/util.js';

const registry = new Map<string, Variable>();
let unnamed = 0;

export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  /** @internal use wg.variable() */
  constructor(initial: Tensor, trainable: boolean, name: string) {
    super(initial.shape, initial.dtype);
    this.name = name;
    this.trainable = trainable;
    this.kept = true;
    copyInto(this, initial, 'variable');
    // weights: the GEMM keeps them packed between products (repacked after any write)
    markAsWeights(this);
  }

  /** Copies the values of t (same shape and dtype) into this variable. */
  assign(t: Tensor): void {
    checkTensor(t, `assign(${this.name})`, 'value');
    if (t.dtype !== this.dtype || t.shape.join() !== this.shape.join()) {
      throw new WasmgradError(
        `assign(${this.name}): expected ${this.dtype} ${fmtShape(this.shape)}, got ${t.dtype} ${fmtShape(t.shape)}`,
      );
    }
    if (t !== this) copyInto(this, t, `assign(${this.name})`);
  }

  /** A projection (a weight constraint) applied after each optimizer update and after write(). */
  constraint: { apply(t: Tensor): Tensor } | null = null;

  /** TF.js's LayerVariable.read(): the variable itself is the current value. */
  read(): this {
    return this;
  }

  /** TF.js's LayerVariable.write(t): assigns t, then the constraint if any; returns this. */
  write(t: Tensor): this {
    this.assign(t);
    this.applyConstraint();
    return this;
  }

  /** Projects the value through the constraint, when there is one. */
  applyConstraint(): void {
    if (!this.constraint) return;
    const projected = this.constraint.apply(this);
    this.assign(projected);
    if (projected !== this) projected.dispose();
  }

  dispose(): void {
    if (registry.get(this.name) === this) registry.delete(this.name);
    super.dispose();
  }
}

/** A variable initialised with a copy of `initial`. Names are unique (a taken name gets a suffix). */
export function variable(initial: Tensor, trainable = true, name?: string): Variable {
  checkTensor(initial, 'variable', 'initial');
  let n = name ?? `Variable_${unnamed++}`;
  if (typeof n !== 'string' || n.length === 0) throw new WasmgradError(msg`variable: name must be a non-empty string`);
  if (registry.has(n)) {
    let k = 1;
    while (registry.has(`${n}_${k}`)) k++;
    n = `${n}_${k}`;
  }
  const v = new Variable(initial, trainable, n);
  registry.set(n, v);
  return v;
}

/** Every live variable by name (TF.js's engine().state.registeredVariables). */
export function registeredVariables(): Record<string, Variable> {
  return Object.fromEntries([...registry].filter(([, v]) => !v.isDisposed));
}

/** Every live trainable variable. */
export function trainableVariables(): Variable[] {
  return [...registry.values()].filter((v) => v.trainable && !v.isDisposed);
}

/**
 * The value of f and the gradient of each variable (varList, or every trainable variable f
 * used) keyed by variable name.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): { value: Tensor; grads: Record<string, Tensor> } {
  if (typeof f !== 'function') throw new WasmgradError('variableGrads: expected a function');
  if (varList !== undefined && varList !== null && !Array.isArray(varList)) throw new WasmgradError(msg`variableGrads: varList must be an array of Variables, got ${jsonOf(varList)}`);
  const vars = varList ?? trainableVariables();
  vars.forEach((v, i) => {
    if (!(v instanceof Variable)) throw new WasmgradError(msg`variableGrads: varList[${i}] is not a Variable`);
  });
  const { value, grads, used } = computeGradients(f, vars, undefined, 'variableGrads');
  const out: Record<string, Tensor> = {};
  vars.forEach((v, i) => {
    if (varList || used[i]) out[v.name] = grads[i];
    else grads[i].dispose();
  });
  return { value, grads: out };
}
