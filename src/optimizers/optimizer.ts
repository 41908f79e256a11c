// The optimizer base: gradients in, one fused WASM update per variable (assembly/optim.ts).
// Moment buffers ("slots") are allocated once per variable, on its first update, and freed by
// dispose(). Gradients are prepared inside the update kernels: first the global-norm clipping
// factor (PyTorch clip_grad_norm_: g *= min(1, clipNorm / (||g||_2 + 1e-6)), the norm taken over
// every gradient of the step together), then clipValue (clip_grad_value_: clamp to
// [-clipValue, clipValue]). The learning rate is a number or a schedule of `iterations`.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { Variable, trainableVariables } from '../variables.js';
import { computeGradients, noGrad } from '../tape.js';
import { scalar } from '../creation.js';
import { sumOfSquares, fillSlot, copySlot, type GradPrep } from '../engine/drivers/optim.js';
import { isSchedule, serializeSchedule, deserializeSchedule, type Schedule } from '../schedules.js';

export interface OptimizerArgs {
  learningRate?: number | Schedule;
  /** Clip the gradients of a step so that their global L2 norm is at most clipNorm (PyTorch clip_grad_norm_). */
  clipNorm?: number;
  /** Clip every gradient value to [-clipValue, clipValue] (applied after clipNorm). */
  clipValue?: number;
}

/** A tensor with a name, as TensorFlow.js's optimizer getWeights/setWeights. */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** One variable's moment buffers. */
interface SlotSet {
  variable: Variable | null;
  tensors: Tensor[];
}

export function checkNumber(op: string, name: string, v: unknown, opts: { min?: number; max?: number; above?: number; below?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new WasmgradError(msg`${op}: ${name} must be a finite number, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new WasmgradError(msg`${op}: ${name} must be >= ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new WasmgradError(msg`${op}: ${name} must be <= ${opts.max}, got ${v}`);
  if (opts.above !== undefined && !(v > opts.above)) throw new WasmgradError(msg`${op}: ${name} must be > ${opts.above}, got ${v}`);
  if (opts.below !== undefined && !(v < opts.below)) throw new WasmgradError(msg`${op}: ${name} must be < ${opts.below}, got ${v}`);
  return v;
}

export abstract class Optimizer {
  abstract readonly className: string;
  /** A number or a schedule (a function of `iterations`). Callbacks may set it. */
  learningRate: number | Schedule;
  readonly clipNorm: number | undefined;
  readonly clipValue: number | undefined;
  /** Updates applied so far. */
  iterations = 0;
  private readonly slots = new Map<string, SlotSet>();

  protected constructor(args: OptimizerArgs, defaultLearningRate: number) {
    const op = new.target.name;
    if (args === null || typeof args !== 'object') throw new WasmgradError(msg`${op}: expected an options object`);
    const lr = args.learningRate ?? defaultLearningRate;
    if (!isSchedule(lr)) checkNumber(op, 'learningRate', lr, { min: 0 });
    this.learningRate = lr;
    this.clipNorm = args.clipNorm === undefined || args.clipNorm === null ? undefined : checkNumber(op, 'clipNorm', args.clipNorm, { above: 0 });
    this.clipValue = args.clipValue === undefined || args.clipValue === null ? undefined : checkNumber(op, 'clipValue', args.clipValue, { above: 0 });
  }

  /** Names of the slots of one variable, in order (e.g. ['m', 'v']). */
  protected abstract slotNames(): string[];

  /** The initial value of slot i (0 except Adagrad's accumulator). */
  protected slotInit(_index: number): number {
    return 0;
  }

  /** Runs the fused update of one variable; t is the 1-based step number. */
  protected abstract update(p: Variable, g: Tensor, slots: Tensor[], lr: number, t: number, prep: GradPrep): void;

  /** The optimizer's own settings (learningRate, clipNorm and clipValue are added by getConfig). */
  protected abstract ownConfig(): Record<string, unknown>;

  /** The learning rate of the next update. */
  currentLearningRate(): number {
    const lr = this.learningRate;
    const v = typeof lr === 'function' ? lr(this.iterations) : lr;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new WasmgradError(msg`${this.className}: the learning rate schedule gave ${String(v)} at step ${this.iterations}`);
    return v;
  }

  /**
   * Computes f (a scalar loss), its gradients with respect to varList (default: every trainable
   * variable f uses), and applies them. Returns the loss, which the caller owns. The TensorFlow.js
   * form minimize(f, returnCost, varList) is accepted too (returnCost false: returns null).
   */
  minimize(f: () => Tensor, varList?: Variable[]): Tensor;
  minimize(f: () => Tensor, returnCost: boolean, varList?: Variable[]): Tensor | null;
  minimize(f: () => Tensor, a?: Variable[] | boolean, b?: Variable[]): Tensor | null {
    if (typeof f !== 'function') throw new WasmgradError(msg`${this.className}.minimize: expected a function returning a scalar loss`);
    const returnCost = typeof a === 'boolean' ? a : true;
    const list = typeof a === 'boolean' ? b : a;
    if (list !== undefined && !Array.isArray(list)) throw new WasmgradError(msg`${this.className}.minimize: varList must be an array of Variables`);
    const vars = list ?? trainableVariables();
    vars.forEach((v, i) => {
      if (!(v instanceof Variable)) throw new WasmgradError(msg`${this.className}.minimize: varList[${i}] is not a Variable`);
    });
    const { value, grads, used } = computeGradients(f, vars, undefined, `${this.className}.minimize`);
    try {
      // As PyTorch (a parameter without a gradient is skipped): variables f did not use keep their state.
      const pairs: [Variable, Tensor][] = [];
      vars.forEach((v, i) => used[i] && pairs.push([v, grads[i]]));
      this.applyPairs(pairs);
    } catch (err) {
      value.dispose();
      throw err;
    } finally {
      for (const g of grads) g.dispose();
    }
    if (!returnCost) {
      value.dispose();
      return null;
    }
    return value;
  }

  /** Applies gradients keyed by variable name (see wg.variableGrads); the gradients stay the caller's. */
  applyGradients(grads: Record<string, Tensor> | NamedTensor[]): void {
    const entries: [string, Tensor][] = Array.isArray(grads)
      ? grads.map((n) => [n?.name, n?.tensor] as [string, Tensor])
      : grads && typeof grads === 'object'
        ? Object.entries(grads)
        : (() => {
            throw new WasmgradError(msg`${this.className}.applyGradients: expected { variableName: gradient }`);
          })();
    let byName: Map<string, Variable> | null = null;
    const pairs: [Variable, Tensor][] = entries.map(([name, g]) => {
      let v = this.slots.get(name)?.variable;
      if (!v || v.isDisposed) {
        byName ??= new Map(trainableVariables().map((x) => [x.name, x]));
        v = byName.get(name);
      }
      if (!v) throw new WasmgradError(msg`${this.className}.applyGradients: no trainable variable named '${name}'`);
      return [v, g];
    });
    this.applyPairs(pairs);
  }

  private applyPairs(pairs: [Variable, Tensor][]): void {
    const op = `${this.className}.applyGradients`;
    for (const [v, g] of pairs) {
      if (!(g instanceof Tensor) || g.isDisposed) throw new WasmgradError(msg`${op}: the gradient of '${v.name}' is not a live Tensor`);
      if (v.isDisposed) throw new WasmgradError(msg`${op}: variable '${v.name}' is disposed`);
      if (v.dtype !== 'float32' || g.dtype !== 'float32' || v.shape.join() !== g.shape.join()) {
        throw new WasmgradError(msg`${op}: variable '${v.name}' is ${v.dtype} ${fmtShape(v.shape)} but its gradient is ${g.dtype} ${fmtShape(g.shape)}`);
      }
    }
    const lr = this.currentLearningRate();
    const prep: GradPrep = { gscale: this.clipNorm === undefined ? 1 : this.normScale(pairs.map(([, g]) => g)), clip: this.clipValue ?? Infinity };
    const t = this.iterations + 1;
    noGrad(() => {
      for (const [v, g] of pairs) {
        if (v.size > 0) this.update(v, g, this.slotsOf(v), lr, t, prep);
        // a weight's constraint (maxNorm ...) projects it after its update, as Keras
        v.applyConstraint();
      }
    });
    this.iterations = t;
  }

  /** min(1, clipNorm / (global norm + 1e-6)), as torch.nn.utils.clip_grad_norm_. */
  private normScale(grads: Tensor[]): number {
    return Math.min(1, this.clipNorm! / (Math.sqrt(sumOfSquares(grads)) + 1e-6));
  }

  /** The slots of v, made on its first update (or bound to those given by setWeights). */
  private slotsOf(v: Variable): Tensor[] {
    let set = this.slots.get(v.name);
    if (set && set.variable !== v) {
      const fits = set.variable === null && set.tensors.every((t) => t.shape.join() === v.shape.join());
      if (fits) set.variable = v;
      else {
        // another variable of the same name (the old one was disposed): fresh state
        for (const t of set.tensors) t.dispose();
        set = undefined;
      }
    }
    if (!set) {
      // slot by slot: when one cannot be allocated, the ones made before it go too
      const tensors: Tensor[] = [];
      try {
        this.slotNames().forEach((_, i) => tensors.push(this.newSlot(v.shape, this.slotInit(i))));
      } catch (err) {
        for (const t of tensors) t.dispose();
        this.slots.delete(v.name);
        throw err;
      }
      set = { variable: v, tensors };
      this.slots.set(v.name, set);
    }
    return set.tensors;
  }

  private newSlot(shape: readonly number[], value: number): Tensor {
    const t = new Tensor(shape, 'float32');
    t.kept = true;
    fillSlot(t, value);
    return t;
  }

  /** The configuration (enough to rebuild the optimizer with fromConfig / getOptimizer). */
  getConfig(): Record<string, unknown> {
    const lr = this.learningRate;
    return {
      learningRate: typeof lr === 'function' ? serializeSchedule(lr) : lr,
      ...this.ownConfig(),
      ...(this.clipNorm !== undefined ? { clipNorm: this.clipNorm } : {}),
      ...(this.clipValue !== undefined ? { clipValue: this.clipValue } : {}),
    };
  }

  /** Turns a saved learningRate (a number or a serialized schedule) back into an argument. */
  static learningRateFromConfig(lr: unknown): number | Schedule | undefined {
    if (lr && typeof lr === 'object') return deserializeSchedule(lr as { className: string; config: Record<string, unknown> });
    return lr as number | undefined;
  }

  /**
   * The state: { name: 'iter', tensor: scalar(iterations) }, then every slot as
   * `${variableName}/${slotName}`. Copies, which the caller owns.
   */
  getWeights(): NamedTensor[] {
    const out: NamedTensor[] = [{ name: 'iter', tensor: scalar(this.iterations) }];
    const names = this.slotNames();
    for (const [varName, set] of this.slots) {
      set.tensors.forEach((t, i) => {
        const c = new Tensor(t.shape, 'float32');
        copySlot(c, t, `${this.className}.getWeights`);
        out.push({ name: `${varName}/${names[i]}`, tensor: c });
      });
    }
    return out;
  }

  /** Restores a state saved by getWeights (slots bind to the variables of those names on their next update). */
  setWeights(weights: NamedTensor[]): void {
    const op = `${this.className}.setWeights`;
    if (!Array.isArray(weights)) throw new WasmgradError(msg`${op}: expected an array of { name, tensor }`);
    const names = this.slotNames();
    tidy(() => {
      for (const w of weights) {
        if (!w || typeof w.name !== 'string' || !(w.tensor instanceof Tensor)) throw new WasmgradError(msg`${op}: expected { name, tensor } entries`);
        if (w.name === 'iter' || w.name === 'iterations') {
          this.iterations = Number(w.tensor.dataSync()[0]);
          continue;
        }
        const cut = w.name.lastIndexOf('/');
        const varName = w.name.slice(0, cut), slot = names.indexOf(w.name.slice(cut + 1));
        if (cut <= 0 || slot < 0) throw new WasmgradError(msg`${op}: '${w.name}' is not a slot of ${this.className} (expected variableName/${names.join('|')})`);
        if (w.tensor.dtype !== 'float32') throw new WasmgradError(msg`${op}: '${w.name}' must be float32`);
        let set = this.slots.get(varName);
        if (set && set.tensors[0].shape.join() !== w.tensor.shape.join()) {
          throw new WasmgradError(msg`${op}: '${w.name}' has shape ${fmtShape(w.tensor.shape)}, the slot has ${fmtShape(set.tensors[0].shape)}`);
        }
        if (!set) {
          set = { variable: null, tensors: names.map((_, i) => this.newSlot(w.tensor.shape, this.slotInit(i))) };
          this.slots.set(varName, set);
        }
        copySlot(set.tensors[slot], w.tensor, op);
      }
    });
  }

  /** Frees every slot; the optimizer starts afresh (iterations stays). */
  dispose(): void {
    for (const set of this.slots.values()) for (const t of set.tensors) t.dispose();
    this.slots.clear();
  }
}
