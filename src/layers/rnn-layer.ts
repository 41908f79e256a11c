// TF.js's generic RNN layer and StackedRNNCells: a cell (cells.ts, or a user's RNNCell subclass)
// looped over the time axis in JavaScript, each step recorded on the tape op by op, so gradients
// flow through whatever the cell computes. The built-in dense cells (no dropout in training, named
// activations) run the whole sequence as the fused op of the lstm, gru and simpleRNN layers instead. The layer holds no weights of its own: they are the
// cell's, named as TF.js names them (rnn/kernel; rnn/RNNCell_0/kernel for stacked cells).
import { WasmgradError, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor, zeros } from '../creation.js';
import { add, mul } from '../ops/binary.js';
import { scale } from '../ops/unary.js';
import { stack } from '../ops/shape.js';
import { unstack } from '../ops/arrange.js';
import { getRegularizer } from '../regularizers.js';
import { Layer, type CallArgs, type LayerArgs, type LoadContext, type Shape } from './layer.js';
import { getLayerClass, registerLayer } from './registry.js';
import { RNNCell, stateSizesOf } from './cells.js';
import { attachMask, maskOf, toMask } from './mask.js';

type Records = { name: string }[];
const recordsOf = (l: Layer) => (l as unknown as { weightRecords: Records }).weightRecords;

function isCell(c: unknown): c is RNNCell {
  return c instanceof Layer && (c as RNNCell).stateSize !== undefined && (c as RNNCell).stateSize !== null;
}

/** A cell from { className, config } (a nested cell of a saved RNN), its regularizers rebuilt. */
export function deserializeCell(spec: unknown, where: string, context?: LoadContext): RNNCell {
  if (spec instanceof Layer) {
    if (!isCell(spec)) throw new WasmgradError(msg`${where}: expected an RNN cell (a layer with a stateSize), got ${spec.className}`);
    return spec;
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new WasmgradError(msg`${where}: expected a cell or { className, config }, got ${jsonOf(spec)?.slice(0, 80)}`);
  const s = spec as Record<string, unknown>;
  const className = s.className ?? s.class_name;
  if (typeof className !== 'string' || !s.config || typeof s.config !== 'object' || Array.isArray(s.config)) {
    throw new WasmgradError(msg`${where}: expected { className, config } for the cell, got ${jsonOf(spec)?.slice(0, 80)}`);
  }
  const cfg: Record<string, unknown> = { ...(s.config as Record<string, unknown>) };
  for (const [k, v] of Object.entries(cfg)) if (k.endsWith('Regularizer') && v !== null && v !== undefined) cfg[k] = getRegularizer(v as never);
  const make = () => getLayerClass(className).fromConfig(cfg, context);
  const cell = context ? context.nested(where, make) : make();
  if (!isCell(cell)) throw new WasmgradError(msg`${where}: ${className} is not an RNN cell (it has no stateSize)`);
  return cell;
}

export interface StackedRNNCellsArgs extends LayerArgs {
  cells: (RNNCell | { className: string; config: Record<string, unknown> })[];
}

/** Cells applied in turn at each step; states are listed last cell first (TF.js's order). */
export class StackedRNNCells extends RNNCell {
  static className = 'StackedRNNCells';
  readonly cells: RNNCell[];

  constructor(args: StackedRNNCellsArgs, context?: LoadContext) {
    super(args);
    if (!args || !Array.isArray(args.cells) || args.cells.length === 0) throw new WasmgradError(msg`${this.name} (StackedRNNCells): cells must be a non-empty array of RNN cells, got ${args?.cells === undefined ? 'nothing' : typeof args.cells}`);
    this.cells = args.cells.map((c, i) => deserializeCell(c, `${this.name} (StackedRNNCells): cells[${i}]`, context));
  }

  get stateSize(): number[] {
    return this.cells.slice().reverse().flatMap((c) => stateSizesOf(c, `${this.name} (StackedRNNCells)`));
  }
  set stateSize(_v: number | number[]) {
    throw new WasmgradError(msg`${this.name} (StackedRNNCells): stateSize comes from the cells and cannot be set`);
  }

  stateShapes(stepShape: Shape): Shape[] {
    const perCell: Shape[][] = [];
    let shape = stepShape;
    for (const c of this.cells) {
      const s = c.stateShapes(shape);
      perCell.push(s);
      shape = s[0];
    }
    return perCell.reverse().flat();
  }

  build(inputShape: Shape | Shape[]): void {
    let shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.cells.forEach((cell, i) => {
      if (!cell.built) {
        cell.build(shape);
        cell.built = true;
      }
      for (const r of recordsOf(cell)) this.weightRecords.push({ ...(r as object), name: `RNNCell_${i}/${r.name}` } as never);
      shape = cell.stateShapes(shape)[0];
    });
    this.built = true;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const counts = this.cells.map((c) => stateSizesOf(c, this.name).length);
    const total = counts.reduce((a, b) => a + b, 0);
    if (list.length !== 1 + total) throw new WasmgradError(msg`${this.name} (StackedRNNCells): expected ${1 + total} input tensors [x, ...states], got ${list.length}`);
    // states arrive last cell first; split them per cell in cell order
    const perCell: Tensor[][] = [];
    let at = 1;
    for (let i = this.cells.length - 1; i >= 0; i--) {
      perCell[i] = list.slice(at, at + counts[i]);
      at += counts[i];
    }
    let x = list[0];
    const newStates: Tensor[][] = [];
    this.cells.forEach((cell, i) => {
      const out = cell.call([x, ...perCell[i]], kwargs) as Tensor[];
      if (!Array.isArray(out) || out.length !== 1 + counts[i]) throw new WasmgradError(msg`${this.name} (StackedRNNCells): cell ${i} (${cell.name}) must return [output, ...${counts[i]} states]`);
      x = out[0];
      newStates.push(out.slice(1));
    });
    return [x, ...newStates.reverse().flat()];
  }

  resetDropoutMasks(): void {
    for (const c of this.cells) c.resetDropoutMasks?.();
  }

  bindLoadContext(context: LoadContext | null): void {
    super.bindLoadContext(context);
    for (const c of this.cells ?? []) c.bindLoadContext(context);
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cells: this.cells.map((c) => ({ className: c.className, config: c.getConfig() })) };
  }

  static fromConfig<T extends Layer>(this: new (args: never, context?: LoadContext) => T, config: Record<string, unknown>, context?: LoadContext): T {
    const layer = new this(config as never, context);
    context?.adopt(layer);
    return layer;
  }

  dispose(): void {
    for (const c of this.cells) c.dispose();
    this.weightRecords.length = 0;
    this.built = false;
  }
}

export interface RNNArgs extends LayerArgs {
  /** A cell, or an array of cells (stacked with StackedRNNCells). */
  cell: RNNCell | RNNCell[];
  returnSequences?: boolean;
  returnState?: boolean;
  /** Process the sequence last step first; returned sequences are in that (reversed) order, as TF.js. */
  goBackwards?: boolean;
  /** Each call starts from the states the last call ended with (until resetStates()). */
  stateful?: boolean;
  /** Accepted (TF.js ignores it too: the loop is imperative). */
  unroll?: boolean;
}

/** tf.layers.rnn: any cell over the time axis (inputs [batch, time, ...]). */
export class CellRNN extends Layer {
  static className = 'RNN';
  readonly cell: RNNCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly unroll: boolean;
  /** Each call starts from the states the last one ended with (resetStates() goes back to zeros). */
  readonly stateful: boolean;
  private kept: Tensor[] | null = null;

  constructor(args: RNNArgs) {
    super(args);
    const cls = this.className;
    if (!args || args.cell === undefined || args.cell === null) throw new WasmgradError(msg`${this.name} (${cls}): the cell argument is missing; expected an RNN cell or an array of cells`);
    this.cell = Array.isArray(args.cell) ? new StackedRNNCells({ cells: args.cell }) : args.cell;
    if (!isCell(this.cell)) throw new WasmgradError(msg`${this.name} (${cls}): cell must be an RNN cell layer with a stateSize (one number per state), got ${(this.cell as { className?: string })?.className ?? typeof this.cell}`);
    stateSizesOf(this.cell, `${this.name} (${cls})`);
    this.stateful = args.stateful ?? false;
    this.returnSequences = args.returnSequences ?? false;
    this.returnState = args.returnState ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.unroll = args.unroll ?? false;
    this.supportsMasking = true;
  }


  protected inputRank(): number | null {
    return null;
  }

  private checkShape(shape: Shape): void {
    const want = this.inputRank();
    if (want !== null ? shape.length !== want : shape.length < 3) {
      throw new WasmgradError(msg`${this.name} (${this.className}): expected input [batch, time, ${want === 5 ? 'rows, cols, channels' : 'features'}]${want === null ? ' of rank >= 3' : ''}, got ${jsonOf(shape)}`);
    }
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.checkShape(shape);
    if (!this.cell.built) {
      this.cell.build([shape[0], ...shape.slice(2)]);
      this.cell.built = true;
    }
    this.weightRecords.push(...(recordsOf(this.cell) as never[]));
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const states = this.cell.stateShapes([shape[0], ...shape.slice(2)]);
    const out: Shape = this.returnSequences ? [shape[0], shape[1], ...states[0].slice(1)] : states[0];
    return this.returnState ? [out, ...states] : out;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[] {
    const where = `${this.name} (${this.className})`;
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    this.checkShape(x.shape);
    const given = (kwargs?.initialState as Tensor | Tensor[] | undefined) ?? (list.length > 1 ? list.slice(1) : null);
    const [B, T] = x.shape;
    if (T === 0) throw new WasmgradError(msg`${where}: the input has no time steps, got ${fmtShape(x.shape)}`);
    const shapes = this.cell.stateShapes([B, ...x.shape.slice(2)]).map((s) => s.map((d) => d ?? B) as number[]);
    // a stateful layer starts where its last call ended (zeros after resetStates)
    const initial = given ? (Array.isArray(given) ? given : [given]) : this.stateful ? this.kept : null;
    if (initial) {
      if (initial.length !== shapes.length) throw new WasmgradError(msg`${where}: the cell has ${shapes.length} state(s) but ${initial.length} initial state(s) were given`);
      initial.forEach((s, i) => {
        if (!(s instanceof Tensor) || s.shape.join() !== shapes[i].join()) {
          const kept = !given ? ' (the state kept from the last call of this stateful layer: call resetStates() to change the batch size)' : '';
          throw new WasmgradError(msg`${where}: initial state ${i} must have shape ${fmtShape(shapes[i])}, got ${s instanceof Tensor ? fmtShape(s.shape) : typeof s}${kept}`);
        }
      });
    }
    const mask = toMask(kwargs?.mask as Tensor | null | undefined) ?? maskOf(x);
    if (mask && mask.length !== B * T) throw new WasmgradError(msg`${where}: mask must have ${B}x${T} entries, got ${mask.length}`);
    const training = !!kwargs?.training;
    // a built-in cell over a rank-3 input runs as one fused sequence op (the numbers of the loop)
    let all = x.rank === 3 ? this.cell.fusedSequence?.(x, initial, { goBackwards: this.goBackwards, returnSequences: this.returnSequences, mask: mask ?? null }, training) : null;
    if (!all) {
      this.cell.resetDropoutMasks?.();
      try {
        all = tidy(() => this.loop(x, initial ?? shapes.map((s) => zeros(s)), mask, training, where));
      } finally {
        this.cell.resetDropoutMasks?.();
      }
    }
    if (this.returnSequences) attachMask(all[0], mask);
    if (this.stateful) this.resetStates(all.slice(1));
    if (this.returnState) return all;
    // the last output and the first state are often one tensor
    for (const t of new Set(all.slice(1))) if (t !== all[0]) t.dispose();
    return all[0];
  }

  /**
   * A stateful layer's kept states: set to copies of `states` (no gradient flows into the past), or
   * dropped so that the next call starts from zeros. TF.js's resetStates.
   */
  resetStates(states?: Tensor | Tensor[] | null): void {
    const where = `${this.name} (${this.className})`;
    if (!this.stateful) throw new WasmgradError(msg`${where}: resetStates needs a stateful layer (stateful: true)`);
    const list = states === undefined || states === null ? null : Array.isArray(states) ? states : [states];
    if (list) {
      const n = stateSizesOf(this.cell, where).length;
      if (list.length !== n || !list.every((t) => t instanceof Tensor)) throw new WasmgradError(msg`${where}: resetStates expects ${n} state tensor(s), got ${list.length}`);
    }
    for (const t of this.kept ?? []) t.dispose();
    this.kept = list ? list.map((t) => tensor(t.dataSync(), t.shape.slice())) : null;
  }

  /** The states a stateful layer kept from its last call (null: zeros). */
  getStates(): Tensor[] | null {
    return this.kept;
  }

  /** [output, ...states]. */
  private loop(x: Tensor, initial: Tensor[], mask: Uint8Array | undefined, training: boolean, where: string): Tensor[] {
    const [B, T] = x.shape;
    const steps = unstack(x, 1);
    let states = initial;
    const outputs: Tensor[] = [];
    for (let k = 0; k < T; k++) {
      const t = this.goBackwards ? T - 1 - k : k;
      const res = this.cell.call([steps[t], ...states], { training });
      if (!Array.isArray(res) || res.length !== 1 + states.length || !res.every((r) => r instanceof Tensor)) {
        throw new WasmgradError(msg`${where}: the cell's call must return [output, ...${states.length} new state(s)] as tensors, got ${Array.isArray(res) ? `${res.length} values` : typeof res}`);
      }
      let out = res[0];
      let next = res.slice(1);
      if (mask) {
        // a padded step keeps the previous output and states (TF.js)
        const rank = Math.max(out.rank, ...next.map((s) => s.rank));
        const m = tensor(Float32Array.from({ length: B }, (_, b) => mask[b * T + t]), [B, ...Array(rank - 1).fill(1)]);
        const keepOld = scale(m, -1, 1);
        const blend = (a: Tensor, b: Tensor) => add(mul(a, m), mul(b, keepOld));
        out = blend(out, states[0]);
        next = next.map((s, i) => blend(s, states[i]));
      }
      outputs.push(out);
      states = next;
    }
    const output = this.returnSequences ? stack(outputs, 1) : outputs[T - 1];
    return [output, ...states];
  }

  bindLoadContext(context: LoadContext | null): void {
    super.bindLoadContext(context);
    this.cell?.bindLoadContext(context);
  }

  /** TF.js's layout: the cell's config, the layer's, and { cell } for the generic RNN. */
  getConfig(): Record<string, unknown> {
    const cellConfig = this.cell.getConfig();
    const config: Record<string, unknown> = {
      ...cellConfig,
      ...super.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
    };
    if (this.className === CellRNN.className) config.cell = { className: this.cell.className, config: cellConfig };
    return config;
  }

  static fromConfig<T extends Layer>(this: new (args: never) => T, config: Record<string, unknown>, context?: LoadContext): T {
    const cell = deserializeCell(config.cell, `${String(config.name ?? 'rnn')} (RNN): cell`, context);
    const layer = new this({ ...config, cell } as never);
    context?.adopt(layer);
    return layer;
  }

  dispose(): void {
    for (const t of this.kept ?? []) t.dispose();
    this.kept = null;
    this.cell.dispose();
    this.weightRecords.length = 0;
    this.built = false;
  }
}

registerLayer(StackedRNNCells);
registerLayer(CellRNN);
