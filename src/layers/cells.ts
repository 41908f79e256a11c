// Recurrent cells (TF.js's RNNCell family): one time step as a composition of ops, so autograd runs
// through whatever a cell does. A cell's call takes [x, ...states] and returns [output, ...newStates];
// its stateSize gives the width of each state (the first is the output's). The RNN layer
// (rnn-layer.ts) loops a cell over time; the fused simpleRNN, lstm and gru layers remain the fast path.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, keep, tidy } from '../tensor.js';
import { fill } from '../creation.js';
import { getActivation, type ActivationFn } from '../activations.js';
import type { Initializer } from '../initializers.js';
import { add, mul } from '../ops/binary.js';
import { matMul } from '../ops/matmul.js';
import { split } from '../ops/arrange.js';
import { scale } from '../ops/unary.js';
import { reshape } from '../ops/shape.js';
import { dropout as dropoutOp, optionalSeed } from '../ops/random.js';
import { lstmSequence, gruSequence, simpleRNNSequence, type RnnActivation, type SequenceOptions } from '../ops/rnn.js';
import { Layer, serializeRegularizer, type CallArgs, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { serializeInit } from './core.js';
import { unitForgetBiasInit, type RecurrentUnitArgs } from './recurrent-args.js';

type InitSpec = Initializer | string;

/** The base class of recurrent cells: set stateSize, create weights in build, step in call. */
export abstract class RNNCell extends Layer {
  private widths?: number | number[];
  /** The width of each state (a number for one state); the first state is the step's output. */
  get stateSize(): number | number[] {
    return this.widths as number | number[];
  }
  set stateSize(v: number | number[]) {
    this.widths = v;
  }
  /** Drops the dropout masks of the last sequence (the RNN layer calls it before and after a sequence). */
  resetDropoutMasks(): void {}
  /** The shape of each state for a step input of stepShape ([batch, ...]); the first is the output's. */
  stateShapes(stepShape: Shape): Shape[] {
    if (!Array.isArray(stepShape) || stepShape.length === 0) throw new WasmgradError(msg`${this.name}.stateShapes: expected a step's shape [batch, ...], got ${jsonOf(stepShape)}`);
    return stateSizesOf(this, `${this.name} (${this.className})`).map((s) => [stepShape[0], s]);
  }
  /**
   * @internal The whole sequence [output, ...states] as one fused op of src/ops/rnn.ts, or null when
   * the cell cannot run that way (then the RNN layer loops over call()).
   */
  fusedSequence(_x: Tensor, _initial: Tensor[] | null, _opts: SequenceOptions, _training: boolean): Tensor[] | null {
    return null;
  }
}

/** The activations the fused sequence kernels implement. */
const FUSED_ACTIVATIONS = new Set(['tanh', 'sigmoid', 'relu', 'linear', 'hardSigmoid']);
const fusable = (spec: unknown) => spec === undefined || spec === null || (typeof spec === 'string' && FUSED_ACTIVATIONS.has(getActivation(spec).name));

/** The widths of a cell's states as a list (checked: whole numbers >= 1). */
export function stateSizesOf(cell: RNNCell, where: string): number[] {
  const s = cell.stateSize;
  const list = Array.isArray(s) ? s : [s];
  if (list.length === 0 || list.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new WasmgradError(msg`${where}: the cell's stateSize must be a whole number >= 1 or a non-empty list of them, got ${jsonOf(s)}`);
  }
  return list;
}

export interface RNNCellArgs extends RecurrentUnitArgs {
  /** Default tanh. */
  activation?: string | ActivationFn;
}

export interface LSTMCellArgs extends RNNCellArgs {
  /** Default sigmoid (tf.layers in 'wasmgrad/tfjs': hardSigmoid). */
  recurrentActivation?: string | ActivationFn;
  /** The forget gate's bias starts at 1 (default true; 'wasmgrad/tfjs': false). */
  unitForgetBias?: boolean | null;
  /** Accepted for compatibility (TF.js always computes the gates in one product). */
  implementation?: number | null;
}

export interface GRUCellArgs extends RNNCellArgs {
  recurrentActivation?: string | ActivationFn;
  /** Keras 3 form (default true): bias [2, 3u], the reset gate multiplies (h U_h + b_rh). 'wasmgrad/tfjs': false. */
  resetAfter?: boolean;
  implementation?: number | null;
}

function checkRate(v: number | undefined, what: string, cell: string): number {
  const r = v ?? 0;
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) throw new WasmgradError(msg`${cell}: ${what} must be in [0, 1), got ${v}`);
  return r;
}

/** What SimpleRNNCell, LSTMCell and GRUCell share: units, kernels, bias, dropout masks. */
export abstract class DenseCell extends RNNCell {
  readonly units: number;
  readonly activation: { name: string; fn: ActivationFn };
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed?: number;
  protected readonly args: RNNCellArgs;
  kernel?: Tensor;
  recurrentKernel?: Tensor;
  bias?: Tensor;
  private inputMask: Tensor | null = null;
  private stateMask: Tensor | null = null;
  private sequences = 0;

  constructor(args: RNNCellArgs) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    if (!args || !Number.isInteger(args.units) || args.units < 1) throw new WasmgradError(msg`${cls}: units must be a whole number >= 1, got ${args?.units}`);
    this.args = args;
    this.units = args.units;
    this.activation = getActivation(args.activation ?? 'tanh');
    this.useBias = args.useBias ?? true;
    this.dropout = checkRate(args.dropout, 'dropout', this.name);
    this.recurrentDropout = checkRate(args.recurrentDropout, 'recurrentDropout', this.name);
    this.seed = optionalSeed(args.seed, this.name);
  }

  /** Gates per unit (1, 4 or 3). */
  protected abstract get gates(): number;
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }
  protected biasInit(): InitSpec | undefined {
    return this.args.biasInitializer;
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const inDim = shape[shape.length - 1];
    if (typeof inDim !== 'number') throw new WasmgradError(msg`${this.name} (${this.className}): the feature dimension must be known, got ${jsonOf(shape)}`);
    const G = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [inDim, G], this.args.kernelInitializer, { regularizer: this.args.kernelRegularizer, fallbackInit: 'glorotUniform' });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, G], this.args.recurrentInitializer, { regularizer: this.args.recurrentRegularizer, fallbackInit: 'orthogonal' });
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), this.biasInit(), { regularizer: this.args.biasRegularizer, fallbackInit: 'zeros' });
    this.built = true;
  }

  /** [x, ...states] checked: x [batch, inputDim], each state [batch, units]. */
  protected unpack(inputs: Tensor | Tensor[], states: number): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== 1 + states) throw new WasmgradError(msg`${this.name} (${this.className}): expected ${1 + states} input tensors [x, ${states === 2 ? 'h, c' : 'h'}], got ${list.length}`);
    const [x, ...hs] = list;
    const inDim = this.kernel!.shape[0];
    if (x.rank !== 2 || x.shape[1] !== inDim) throw new WasmgradError(msg`${this.name} (${this.className}): expected x [batch, ${inDim}], got ${jsonOf(x.shape)}`);
    for (const h of hs) {
      if (h.rank !== 2 || h.shape[0] !== x.shape[0] || h.shape[1] !== this.units) {
        throw new WasmgradError(msg`${this.name} (${this.className}): expected states [${x.shape[0]}, ${this.units}], got ${jsonOf(h.shape)}`);
      }
    }
    return list;
  }

  /** x and h with this sequence's dropout masks applied (training only; masks drawn at the first step). */
  protected dropped(x: Tensor, h: Tensor, kwargs: CallArgs): [Tensor, Tensor] {
    if (!kwargs?.training) return [x, h];
    const seed = this.seed === undefined ? undefined : this.seed + 7919 * this.sequences;
    if (this.dropout > 0 && !this.inputMask) this.inputMask = this.maskLike(x, this.dropout, seed);
    if (this.recurrentDropout > 0 && !this.stateMask) this.stateMask = this.maskLike(h, this.recurrentDropout, seed === undefined ? undefined : seed + 1);
    return [this.inputMask ? mul(x, this.inputMask) : x, this.stateMask ? mul(h, this.stateMask) : h];
  }

  private maskLike(t: Tensor, rate: number, seed: number | undefined): Tensor {
    const ones = fill(t.shape.slice(), 1);
    const m = keep(dropoutOp(ones, rate, seed));
    ones.dispose();
    return m;
  }

  resetDropoutMasks(): void {
    if (this.inputMask || this.stateMask) this.sequences++;
    this.inputMask?.dispose();
    this.stateMask?.dispose();
    this.inputMask = this.stateMask = null;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: serializeInit(this.args.kernelInitializer, 'glorotUniform'),
      recurrentInitializer: serializeInit(this.args.recurrentInitializer, 'orthogonal'),
      biasInitializer: serializeInit(this.args.biasInitializer, 'zeros'),
      kernelRegularizer: serializeRegularizer(this.args.kernelRegularizer),
      recurrentRegularizer: serializeRegularizer(this.args.recurrentRegularizer),
      biasRegularizer: serializeRegularizer(this.args.biasRegularizer),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
    };
  }

  dispose(): void {
    this.resetDropoutMasks();
    super.dispose();
  }

  /** The cell's own class (not a subclass that may step differently), named activations, no dropout in this call. */
  protected fusable(training: boolean): boolean {
    const exact = [SimpleRNNCell, LSTMCell, GRUCell].includes(Object.getPrototypeOf(this).constructor);
    const args = this.args as LSTMCellArgs;
    return exact && !(training && (this.dropout > 0 || this.recurrentDropout > 0)) && fusable(args.activation) && fusable(args.recurrentActivation);
  }
}

/** h' = act(x W + h U + b). */
export class SimpleRNNCell extends DenseCell {
  static className = 'SimpleRNNCell';
  constructor(args: RNNCellArgs) {
    super(args);
    this.stateSize = this.units;
  }
  protected get gates(): number {
    return 1;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    return tidy(() => this.step(inputs, kwargs));
  }
  private step(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    const [x0, h0] = this.unpack(inputs, 1);
    const [x, h] = this.dropped(x0, h0, kwargs);
    let z = matMul(x, this.kernel!);
    if (this.bias) z = add(z, this.bias);
    const out = this.activation.fn(add(z, matMul(h, this.recurrentKernel!)));
    return [out, out];
  }
  fusedSequence(x: Tensor, initial: Tensor[] | null, opts: SequenceOptions, training: boolean): Tensor[] | null {
    if (!this.fusable(training)) return null;
    return simpleRNNSequence(x, this.kernel!, this.recurrentKernel!, this.bias ?? null, initial?.[0] ?? null, { ...opts, activation: this.activation.name as RnnActivation });
  }
}

/** TF.js's LSTMCell: z = x W + h U + b split into i, f, c, o; c' = f c + i act(c~); h' = o act(c'). */
export class LSTMCell extends DenseCell {
  static className = 'LSTMCell';
  readonly recurrentActivation: { name: string; fn: ActivationFn };
  readonly unitForgetBias: boolean;
  readonly implementation: number | null;
  constructor(args: LSTMCellArgs) {
    super(args);
    this.stateSize = [this.units, this.units];
    this.recurrentActivation = getActivation(args.recurrentActivation ?? 'sigmoid');
    this.unitForgetBias = args.unitForgetBias ?? true;
    this.implementation = args.implementation ?? null;
  }
  protected get gates(): number {
    return 4;
  }
  protected biasInit(): InitSpec | undefined {
    return this.unitForgetBias ? unitForgetBiasInit(this.args.biasInitializer, this.units) : this.args.biasInitializer;
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    return tidy(() => this.step(inputs, kwargs));
  }
  private step(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    const [x0, h0, c0] = this.unpack(inputs, 2);
    const [x, h] = this.dropped(x0, h0, kwargs);
    let z = add(matMul(x, this.kernel!), matMul(h, this.recurrentKernel!));
    if (this.bias) z = add(z, this.bias);
    const [zi, zf, zc, zo] = split(z, 4, 1);
    const ra = this.recurrentActivation.fn, act = this.activation.fn;
    const c = add(mul(ra(zf), c0), mul(ra(zi), act(zc)));
    const out = mul(ra(zo), act(c));
    return [out, out, c];
  }
  fusedSequence(x: Tensor, initial: Tensor[] | null, opts: SequenceOptions, training: boolean): Tensor[] | null {
    if (!this.fusable(training)) return null;
    return lstmSequence(x, this.kernel!, this.recurrentKernel!, this.bias ?? null, initial?.[0] ?? null, initial?.[1] ?? null, {
      ...opts, activation: this.activation.name as RnnActivation, recurrentActivation: this.recurrentActivation.name as RnnActivation,
    });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, unitForgetBias: this.unitForgetBias, implementation: this.implementation };
  }
}

/**
 * GRUCell. resetAfter false (TF.js): h~ = act(x W_h + b_h + (r h) U_h). resetAfter true (Keras 3,
 * cuDNN): h~ = act(x W_h + b_h + r (h U_h + b_rh)). Then h' = z h + (1 - z) h~.
 */
export class GRUCell extends DenseCell {
  static className = 'GRUCell';
  readonly recurrentActivation: { name: string; fn: ActivationFn };
  readonly resetAfter: boolean;
  readonly implementation: number | null;
  constructor(args: GRUCellArgs) {
    super(args);
    this.stateSize = this.units;
    this.recurrentActivation = getActivation(args.recurrentActivation ?? 'sigmoid');
    this.resetAfter = args.resetAfter ?? true;
    this.implementation = args.implementation ?? null;
  }
  protected get gates(): number {
    return 3;
  }
  protected biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    return tidy(() => this.step(inputs, kwargs));
  }
  private step(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    const [x0, hPrev] = this.unpack(inputs, 1);
    const [x, h] = this.dropped(x0, hPrev, kwargs);
    const u = this.units;
    const [inputBias, stateBias] = this.bias ? (this.resetAfter ? split(this.bias, 2, 0).map((b) => reshape(b, [3 * u])) : [this.bias, null]) : [null, null];
    let mx = matMul(x, this.kernel!);
    if (inputBias) mx = add(mx, inputBias);
    const [xz, xr, xh] = split(mx, 3, 1);
    const ra = this.recurrentActivation.fn;
    let hh: Tensor;
    let z: Tensor;
    if (this.resetAfter) {
      let mh = matMul(h, this.recurrentKernel!);
      if (stateBias) mh = add(mh, stateBias);
      const [hz, hr, hn] = split(mh, 3, 1);
      z = ra(add(xz, hz));
      const r = ra(add(xr, hr));
      hh = this.activation.fn(add(xh, mul(r, hn)));
    } else {
      const [rzr, rh] = split(this.recurrentKernel!, [2 * u, u], 1);
      const [hz, hr] = split(matMul(h, rzr), 2, 1);
      z = ra(add(xz, hz));
      const r = ra(add(xr, hr));
      hh = this.activation.fn(add(xh, matMul(mul(r, h), rh)));
    }
    // z h_prev + (1 - z) h~, h_prev without the recurrent dropout (as Keras)
    const out = add(mul(z, hPrev), mul(scale(z, -1, 1), hh));
    return [out, out];
  }
  fusedSequence(x: Tensor, initial: Tensor[] | null, opts: SequenceOptions, training: boolean): Tensor[] | null {
    if (!this.fusable(training)) return null;
    return gruSequence(x, this.kernel!, this.recurrentKernel!, this.bias ?? null, initial?.[0] ?? null, {
      ...opts, activation: this.activation.name as RnnActivation, recurrentActivation: this.recurrentActivation.name as RnnActivation, resetAfter: this.resetAfter,
    });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter, implementation: this.implementation };
  }
}

for (const cls of [SimpleRNNCell, LSTMCell, GRUCell]) registerLayer(cls);
