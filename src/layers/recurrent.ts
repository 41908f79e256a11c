// Recurrent layers (Keras semantics): simpleRNN, lstm, gru. Each call is one coarse op of
// src/ops/rnn.ts over the whole sequence (one input GEMM, per step one recurrent GEMM and one fused
// gate kernel, BPTT mirrored), with returnSequences, returnState, goBackwards, initial states
// (kwargs.initialState or extra inputs), dropout and recurrentDropout (masks fixed across steps,
// training only) and masking of padded steps (kwargs.mask or the mask an embedding attached).
// Activations the fused kernels lack (elu, softsign, relu6 ...; TF.js and Keras take any) step
// with ops instead: the matching cell over the layer's own weights (CellRNN's loop).
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, keep } from '../tensor.js';
import { fill, tensor } from '../creation.js';
import type { Initializer } from '../initializers.js';
import { mul } from '../ops/binary.js';
import { dropout as dropoutOp, optionalSeed } from '../ops/random.js';
import { lstmSequence, gruSequence, simpleRNNSequence, type RnnActivation, type SequenceOptions } from '../ops/rnn.js';
import { Layer, serializeRegularizer, type CallArgs, type LayerArgs, type Regularizer, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { serializeInit } from './core.js';
import { attachMask, maskOf, toMask } from './mask.js';
import { getActivation } from '../activations.js';
import { reverse } from '../ops/arrange.js';
import { SimpleRNNCell, LSTMCell, GRUCell, type RNNCell } from './cells.js';
import { CellRNN } from './rnn-layer.js';
import { unitForgetBiasInit, type RecurrentUnitArgs } from './recurrent-args.js';

type InitSpec = Initializer | string;

export interface RNNLayerArgs extends RecurrentUnitArgs {
  /** Default tanh; tanh, sigmoid, relu, linear and hardSigmoid run fused, any other activation steps with ops. */
  activation?: string;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  /** Accepted for compatibility; the fused kernels never need unrolling. */
  unroll?: boolean;
  /** Each call starts from the states the last one ended with (a fixed batch size; resetStates() starts over). */
  stateful?: boolean;
}

export interface LSTMLayerArgs extends RNNLayerArgs {
  /** Default sigmoid. */
  recurrentActivation?: string;
  /** Initialise the forget gate's bias to 1 (default true, as Keras). */
  unitForgetBias?: boolean;
}

export interface GRULayerArgs extends RNNLayerArgs {
  recurrentActivation?: string;
  /** Keras/cuDNN form (default true): the reset gate multiplies (h U_h + b_rh); bias [2, 3u]. */
  resetAfter?: boolean;
}

/** Layer activation names (Keras spellings too) to the fused kernels' names; a Map: own keys only. */
const ACTIVATIONS: ReadonlyMap<string, RnnActivation> = new Map([
  ['tanh', 'tanh'], ['sigmoid', 'sigmoid'], ['relu', 'relu'], ['linear', 'linear'], ['hardSigmoid', 'hardSigmoid'], ['hard_sigmoid', 'hardSigmoid'],
]);

const FUSED = new Set<string>(ACTIVATIONS.values());

/** The fused kernels' name of an activation, or any other activation's own name (stepped with ops). */
function rnnActivation(name: string | undefined, fallback: RnnActivation, layer: string): string {
  if (name === undefined || name === null) return fallback;
  if (typeof name !== 'string') throw new WasmgradError(msg`${layer}: activation must be a name, got ${typeof name}`);
  const fused = ACTIVATIONS.get(name);
  if (fused) return fused;
  try {
    return getActivation(name).name;
  } catch (err) {
    throw new WasmgradError(msg`${layer}: ${(err as Error).message}`);
  }
}

function checkRate(v: number | undefined, what: string, layer: string): number {
  const r = v ?? 0;
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) throw new WasmgradError(msg`${layer}: ${what} must be in [0, 1), got ${v}`);
  return r;
}

/** The shared part of simpleRNN, lstm and gru. */
export abstract class RNN extends Layer {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /** Each call starts from the states the last one ended with (resetStates() goes back to zeros). */
  readonly stateful: boolean;
  private kept: Tensor[] | null = null;
  readonly seed?: number;
  /** @internal Bidirectional's backward half: the output sequence reversed from processing order. */
  reverseOutput = false;
  /** @internal Masked steps output zeros (Bidirectional with returnSequences, as Keras). */
  zeroOutputForMask = false;
  protected readonly args: RNNLayerArgs;
  kernel?: Tensor;
  recurrentKernel?: Tensor;
  bias?: Tensor;
  private calls = 0;

  constructor(args: RNNLayerArgs) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    if (!args || !Number.isInteger(args.units) || args.units < 1) throw new WasmgradError(msg`${cls}: units must be a whole number >= 1, got ${args?.units}`);
    this.args = args;
    this.units = args.units;
    this.activation = rnnActivation(args.activation, 'tanh', this.name);
    this.useBias = args.useBias ?? true;
    this.dropout = checkRate(args.dropout, 'dropout', this.name);
    this.recurrentDropout = checkRate(args.recurrentDropout, 'recurrentDropout', this.name);
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.stateful = args.stateful ?? false;
    this.seed = optionalSeed(args.seed, this.name);
  }

  /** Whether the fused kernels run this layer (its activations are theirs); else it steps with ops. */
  get fused(): boolean {
    return this.activations().every((a) => FUSED.has(a));
  }
  protected activations(): string[] {
    return [this.activation];
  }
  /** The cell with this layer's math and options (its weights are set to the layer's at each call). */
  protected abstract makeCell(): RNNCell;
  private stepper: CellRNN | null = null;
  /** The options a cell shares with this layer (dropout as the layer draws it). */
  protected cellArgs(): { units: number; useBias: boolean; dropout: number; recurrentDropout: number; seed?: number; name: string } {
    return { units: this.units, useBias: this.useBias, dropout: this.dropout, recurrentDropout: this.recurrentDropout, seed: this.seed, name: `${this.name}_cell` };
  }

  /** Gates per unit in the kernels (4 for LSTM, 3 for GRU, 1 for SimpleRNN). */
  protected abstract get gates(): number;
  /** How many states the cell carries (2 for LSTM: h and c). */
  abstract get numStates(): number;
  protected abstract biasShape(): number[];
  protected biasInit(): InitSpec | undefined {
    return this.args.biasInitializer ?? 'zeros';
  }
  protected abstract runOp(x: Tensor, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions): Tensor[];

  build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (shape.length !== 3) throw new WasmgradError(msg`${this.name}: expected input [batch, time, features], got ${jsonOf(shape)}`);
    const inDim = shape[2];
    if (typeof inDim !== 'number') throw new WasmgradError(msg`${this.name}: the feature dimension must be known, got ${jsonOf(shape)}`);
    const G = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [inDim, G], this.args.kernelInitializer, { regularizer: this.args.kernelRegularizer, fallbackInit: 'glorotUniform' });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, G], this.args.recurrentInitializer, {
      regularizer: this.args.recurrentRegularizer,
      fallbackInit: 'orthogonal',
    });
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), this.biasInit(), { regularizer: this.args.biasRegularizer, fallbackInit: 'zeros' });
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const out: Shape = this.returnSequences ? [shape[0], shape[1], this.units] : [shape[0], this.units];
    if (!this.returnState) return out;
    return [out, ...Array.from({ length: this.numStates }, () => [shape[0], this.units] as Shape)];
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    const given = (kwargs.initialState as Tensor | Tensor[] | undefined) ?? (list.length > 1 ? list.slice(1) : null);
    if (x.rank !== 3 || x.shape[2] !== this.kernel!.shape[0]) {
      throw new WasmgradError(msg`${this.name}: expected input [batch, time, ${this.kernel!.shape[0]}], got ${jsonOf(x.shape)}`);
    }
    const [B, T] = x.shape;
    // a stateful layer starts where its last call ended (zeros after resetStates)
    if (!given && this.kept && this.kept[0].shape[0] !== B) {
      throw new WasmgradError(msg`${this.name}: this stateful layer kept states for a batch of ${this.kept[0].shape[0]}, got a batch of ${B}; call resetStates() to change the batch size`);
    }
    const initial = given ? (Array.isArray(given) ? given : [given]) : this.kept;
    if (initial && initial.length !== this.numStates) {
      throw new WasmgradError(msg`${this.name}: expected ${this.numStates} initial state tensor(s), got ${initial.length}`);
    }
    const mask = toMask(kwargs.mask as Tensor | null | undefined) ?? maskOf(x);
    if (mask && mask.length !== B * T) throw new WasmgradError(msg`${this.name}: mask must have ${B}x${T} entries, got ${mask.length}`);
    const training = !!kwargs.training;
    if (!this.fused) return this.callStepped(x, initial, mask, training);
    const temps: Tensor[] = [];
    // a seeded layer draws new, reproducible masks at every training call (seed, seed + 1 first)
    const dropping = training && (this.dropout > 0 || this.recurrentDropout > 0);
    let seed = this.seed === undefined || !dropping ? undefined : this.seed + 7919 * this.calls++;
    const nextSeed = () => (seed === undefined ? undefined : seed++);
    let xin = x;
    if (training && this.dropout > 0) {
      const ones = fill([B, 1, x.shape[2]], 1);
      const m = dropoutOp(ones, this.dropout, nextSeed());
      xin = mul(x, m);
      temps.push(ones, m, xin);
    }
    let rmask: Tensor | null = null;
    if (training && this.recurrentDropout > 0) {
      const ones = fill([B, this.units], 1);
      rmask = dropoutOp(ones, this.recurrentDropout, nextSeed());
      temps.push(ones, rmask);
    }
    const outs = this.runOp(xin, initial ? initial[0] : null, initial && initial.length > 1 ? initial[1] : null, {
      goBackwards: this.goBackwards,
      returnSequences: this.returnSequences,
      reverseOutput: this.reverseOutput,
      mask,
      zeroOutputForMask: this.zeroOutputForMask,
      recurrentMask: rmask,
    });
    // Tensors the tape needs are held by it; the rest go now.
    for (const t of temps) t.dispose();
    return this.finish(outs, mask);
  }

  /** [output, ...states] as the call returns them: the mask attached, the states kept (stateful) and dropped unless returned. */
  private finish(outs: Tensor[], mask: Uint8Array | undefined): Tensor | Tensor[] {
    if (this.returnSequences) attachMask(outs[0], mask);
    if (this.stateful) this.resetStates(outs.slice(1));
    if (this.returnState) return outs;
    for (const t of outs.slice(1)) t.dispose();
    return outs[0];
  }

  /**
   * A stateful layer's kept states: set to copies of `states` (no gradient flows into the past), or
   * dropped so that the next call starts from zeros. TF.js's and Keras's resetStates.
   */
  resetStates(states?: Tensor | Tensor[] | null): void {
    if (!this.stateful) throw new WasmgradError(msg`${this.name}: resetStates needs a stateful layer (stateful: true)`);
    const list = states === undefined || states === null ? null : Array.isArray(states) ? states : [states];
    if (list && (list.length !== this.numStates || !list.every((t) => t instanceof Tensor && t.rank === 2 && t.shape[1] === this.units))) {
      throw new WasmgradError(msg`${this.name}: resetStates expects ${this.numStates} state tensor(s) of shape [batch, ${this.units}]`);
    }
    for (const t of this.kept ?? []) t.dispose();
    this.kept = list ? list.map((t) => keep(tensor(t.dataSync(), t.shape.slice()))) : null;
  }

  /** The states a stateful layer kept from its last call (null: zeros). */
  getStates(): Tensor[] | null {
    return this.kept;
  }

  /**
   * The sequence stepped with ops by the matching cell over this layer's weights (dropout, masks,
   * goBackwards and states as CellRNN runs them), then what Bidirectional asks of a half.
   */
  private callStepped(x: Tensor, initial: Tensor[] | null, mask: Uint8Array | undefined, training: boolean): Tensor | Tensor[] {
    if (!this.stepper) {
      const cell = this.makeCell();
      this.stepper = new CellRNN({ cell, returnSequences: this.returnSequences, returnState: true, goBackwards: this.goBackwards, name: `${this.name}_steps` });
    }
    // the layer's weights, as they are now (setWeights or a rebuild may have replaced them)
    Object.assign(this.stepper.cell, { kernel: this.kernel, recurrentKernel: this.recurrentKernel, bias: this.bias, built: true });
    let outs = this.stepper.apply(initial ? [x, ...initial] : x, { training, mask: (mask ?? null) as unknown as Tensor }) as Tensor[];
    if (this.returnSequences && (this.reverseOutput || (this.zeroOutputForMask && mask))) {
      let y = outs[0];
      if (this.zeroOutputForMask && mask) {
        const [B, T] = x.shape;
        const m = tensor(Float32Array.from(mask, (v) => (v ? 1 : 0)), [B, T, 1]);
        y = mul(y, m);
        m.dispose();
      }
      if (this.reverseOutput) {
        const r = reverse(y, 1);
        if (y !== outs[0]) y.dispose();
        y = r;
      }
      outs[0].dispose();
      outs = [y, ...outs.slice(1)];
    }
    return this.finish(outs, mask);
  }

  /** Frees the stepping cell's buffers (the weights are the layer's) and the kept states. */
  dispose(): void {
    this.stepper?.cell.resetDropoutMasks?.();
    for (const t of this.kept ?? []) t.dispose();
    this.kept = null;
    super.dispose();
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInit(this.args.kernelInitializer, 'glorotUniform'),
      recurrentInitializer: serializeInit(this.args.recurrentInitializer, 'orthogonal'),
      biasInitializer: serializeInit(this.args.biasInitializer, 'zeros'),
      kernelRegularizer: serializeRegularizer(this.args.kernelRegularizer),
      recurrentRegularizer: serializeRegularizer(this.args.recurrentRegularizer),
      biasRegularizer: serializeRegularizer(this.args.biasRegularizer),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      seed: this.seed,
    };
  }
}

export class SimpleRNN extends RNN {
  static className = 'SimpleRNN';
  protected get gates(): number {
    return 1;
  }
  get numStates(): number {
    return 1;
  }
  protected biasShape(): number[] {
    return [this.units];
  }
  protected runOp(x: Tensor, h0: Tensor | null, _c0: Tensor | null, opts: SequenceOptions): Tensor[] {
    return simpleRNNSequence(x, this.kernel!, this.recurrentKernel!, this.bias ?? null, h0, { ...opts, activation: this.activation as RnnActivation });
  }
  protected makeCell(): RNNCell {
    return new SimpleRNNCell({ ...this.cellArgs(), activation: this.activation });
  }
}

export class LSTM extends RNN {
  static className = 'LSTM';
  readonly recurrentActivation: string;
  readonly unitForgetBias: boolean;
  constructor(args: LSTMLayerArgs) {
    super(args);
    this.recurrentActivation = rnnActivation(args.recurrentActivation, 'sigmoid', this.name);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }
  protected get gates(): number {
    return 4;
  }
  get numStates(): number {
    return 2;
  }
  protected biasShape(): number[] {
    return [4 * this.units];
  }
  /** With unitForgetBias, the forget gate's quarter of the bias starts at 1 (Keras). */
  protected biasInit(): InitSpec | undefined {
    if (!this.unitForgetBias) return super.biasInit();
    return unitForgetBiasInit(this.args.biasInitializer as InitSpec | undefined, this.units);
  }
  protected runOp(x: Tensor, h0: Tensor | null, c0: Tensor | null, opts: SequenceOptions): Tensor[] {
    if ((h0 === null) !== (c0 === null)) throw new WasmgradError(msg`${this.name}: pass both initial states (h and c) or neither`);
    return lstmSequence(x, this.kernel!, this.recurrentKernel!, this.bias ?? null, h0, c0, {
      ...opts,
      activation: this.activation as RnnActivation,
      recurrentActivation: this.recurrentActivation as RnnActivation,
    });
  }
  protected activations(): string[] {
    return [this.activation, this.recurrentActivation];
  }
  protected makeCell(): RNNCell {
    return new LSTMCell({ ...this.cellArgs(), activation: this.activation, recurrentActivation: this.recurrentActivation, unitForgetBias: this.unitForgetBias });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, unitForgetBias: this.unitForgetBias };
  }
}

export class GRU extends RNN {
  static className = 'GRU';
  readonly recurrentActivation: string;
  readonly resetAfter: boolean;
  constructor(args: GRULayerArgs) {
    super(args);
    this.recurrentActivation = rnnActivation(args.recurrentActivation, 'sigmoid', this.name);
    this.resetAfter = args.resetAfter ?? true;
  }
  protected get gates(): number {
    return 3;
  }
  get numStates(): number {
    return 1;
  }
  protected biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  protected runOp(x: Tensor, h0: Tensor | null, _c0: Tensor | null, opts: SequenceOptions): Tensor[] {
    return gruSequence(x, this.kernel!, this.recurrentKernel!, this.bias ?? null, h0, {
      ...opts,
      activation: this.activation as RnnActivation,
      recurrentActivation: this.recurrentActivation as RnnActivation,
      resetAfter: this.resetAfter,
    });
  }
  protected activations(): string[] {
    return [this.activation, this.recurrentActivation];
  }
  protected makeCell(): RNNCell {
    return new GRUCell({ ...this.cellArgs(), activation: this.activation, recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter });
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter };
  }
}

for (const cls of [SimpleRNN, LSTM, GRU]) registerLayer(cls);
