// The Layer base (TensorFlow.js layers semantics): weights as Variables named layerName/weightName,
// built lazily from the first input shape, applied to tensors (eager) or to SymbolicTensors
// (building a functional graph), configs for save/load. The registry of layer classes is registry.ts.
import { WasmgradError, describeValue, fmtShape, msg, jsonOf } from '../errors.js';
import { Tensor, tidy, assertUsable, disposeIfThrows, type DType } from '../tensor.js';
import { Variable, variable } from '../variables.js';
import { getInitializer, serializeInitializer, type Initializer } from '../initializers.js';
import { add } from '../ops/binary.js';
import { clone } from '../ops/shape.js';
import { checkOutputShape } from '../validate.js';
import { runAs } from '../engine/op-context.js';
import { tensor } from '../creation.js';
import { attachMask, maskOf } from './mask.js';
import { guardLifecycle, isShape } from './lifecycle-guard.js';
import { ownEntry } from '../util/lookup.js';
import { CONSTRAINT_OPTIONS, getConstraint, serializeConstraint, type ConstraintOption, type ConstraintSpec } from '../constraints.js';

/** A shape whose batch (or any unknown) dimension may be null. */
export type Shape = (number | null)[];

export interface Regularizer {
  apply(weight: Tensor): Tensor;
  getConfig?(): Record<string, unknown>;
  className?: string;
}

let symbolicId = 0;

/** A placeholder in a functional model's graph: a shape and the layer call that makes it. */
export class SymbolicTensor {
  readonly id = symbolicId++;
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    /** The layer whose call outputs this tensor (an InputLayer for model inputs). */
    readonly sourceLayer: Layer,
    /** The inputs of that call. */
    readonly inputs: SymbolicTensor[],
    readonly outputIndex: number,
    /** Keyword arguments of that call (e.g. { training } is not stored; only static ones). */
    readonly callArgs: Record<string, unknown> = {},
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(${JSON.stringify(this.shape)}, from ${this.sourceLayer.name})`;
  }
}

export interface LayerArgs extends Partial<Record<ConstraintOption, ConstraintSpec | null>> {
  name?: string;
  trainable?: boolean;
  /** Shape of one sample (no batch dimension); for the first layer of a sequential model. */
  inputShape?: Shape;
  batchInputShape?: Shape;
  batchSize?: number;
  inputDim?: number;
  dtype?: DType;
}

export interface CallArgs {
  training?: boolean;
  mask?: Tensor | null;
  [k: string]: unknown;
}

/** A serialized initializer, { className, config } as Keras and TF.js write it. */
export type SerializedSpec = { className: string; config?: Record<string, unknown> };
/** A projection of a weight (TF.js applies it in LayerVariable.write). */
export type Constraint = { apply(t: Tensor): Tensor };
export interface AddWeightOptions {
  trainable?: boolean;
  regularizer?: Regularizer | null;
  fallbackInit?: string;
}

const DTYPES = ['float32', 'int32'];
const OPTION_KEYS = ['trainable', 'regularizer', 'fallbackInit'];

/** True for TF.js's positional form: a dtype third, or anything but an options object fourth. */
function isTfjsAddWeight(rest: unknown[]): boolean {
  if (rest.length > 2) return true;
  if (typeof rest[0] === 'string' && (DTYPES.includes(rest[0]) || rest[0] === 'bool' || rest[0] === 'complex64' || rest[0] === 'string')) return true;
  const o = rest[1];
  if (o === undefined) return false;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return true;
  return !Object.keys(o).every((k) => OPTION_KEYS.includes(k));
}

function checkWeightArgs(layer: Layer, name: unknown, shape: unknown, dtype: unknown): void {
  const where = `${layer.name}.addWeight`;
  if (typeof name !== 'string' || !name) throw new WasmgradError(msg`${where}: name must be a non-empty string, got ${jsonOf(name)}`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new WasmgradError(msg`${where}('${name}'): shape must be an array of whole numbers >= 0, got ${jsonOf(shape)}`);
  }
  if (!DTYPES.includes(dtype as string)) throw new WasmgradError(msg`${where}('${name}'): dtype must be float32 or int32, got ${jsonOf(dtype)}`);
}

interface WeightRecord {
  name: string;
  variable: Variable;
  trainable: boolean;
  regularizer?: Regularizer | null;
}

/** A shape given as a layer option (inputShape, batchInputShape), or a WasmgradError naming it. */
function optionShape(className: string, option: string, v: unknown): (number | null)[] {
  if (isShape(v)) return v;
  throw new WasmgradError(msg`${className}: ${option} must be an array of whole numbers >= 0 (or null), got ${jsonOf(v)}`);
}

const nameCounts = new Map<string, number>();

/** Keras-style unique names: dense, dense_1, dense_2, ... */
export function uniqueLayerName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Keras's to_snake_case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, SimpleRNN -> simple_rnn, LSTM -> lstm. */
const toSnake = (s: string) => s.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * What a loader hands to fromConfig: a budget of weight values (a topology may not create more than
 * its weights file holds, checked before each weight is allocated), the layers made so far (disposed
 * if loading fails) and the nesting depth of models in models (bounded: no recursion a file controls).
 */
export class LoadContext {
  /** Models inside models deeper than this are refused. */
  static readonly MAX_NESTING = 32;
  /** Layers in one file, counting those of nested models. */
  static readonly MAX_LAYERS = 200_000;
  private used = 0;
  private layerCount = 0;
  depth = 0;
  readonly layers: Layer[] = [];

  constructor(
    readonly op: string,
    /** The most weight values the topology may create. */
    readonly weightBudget: number,
    /** Where the weights come from, for messages. */
    readonly source: string,
  ) {}

  /** Counts a layer made from the file (refused past MAX_LAYERS) and binds it to this context. */
  adopt(layer: Layer): void {
    if (++this.layerCount > LoadContext.MAX_LAYERS) {
      throw new WasmgradError(msg`${this.op}: the topology has more than ${LoadContext.MAX_LAYERS} layers (the layer-count limit)`);
    }
    this.layers.push(layer);
    layer.bindLoadContext(this);
  }

  /** Runs fn one model-nesting level deeper (refused past MAX_NESTING). */
  nested<T>(where: string, fn: () => T): T {
    if (this.depth >= LoadContext.MAX_NESTING) {
      throw new WasmgradError(msg`${this.op}: ${where}: models are nested more than ${LoadContext.MAX_NESTING} deep (the nesting-depth limit)`);
    }
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  /** Called before a weight of this shape is created; raises past the budget. */
  chargeWeight(layer: Layer, name: string, shape: readonly number[]): void {
    let size = 1;
    for (const d of shape) size *= d;
    this.used += size;
    if (!Number.isSafeInteger(size) || this.used > this.weightBudget) {
      throw new WasmgradError(msg`${this.op}: layer '${layer.name}' would create weight '${name}' ${fmtShape(shape)}, more weight values than ${this.source} holds (${this.weightBudget})`);
    }
  }

  /** Loading is over: the layers create weights freely again. */
  release(): void {
    for (const l of this.layers) l.bindLoadContext(null);
    this.layers.length = 0;
  }
}

export abstract class Layer {
  static className = 'Layer';
  readonly name: string;
  trainable: boolean;
  built = false;
  readonly dtype: DType;
  /** The full input shape given at construction (batch dimension first), if any. */
  readonly batchInputShape?: Shape;
  /** Calls of this layer in functional graphs. */
  readonly inboundCalls: { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] }[] = [];
  protected readonly weightRecords: WeightRecord[] = [];
  /** The constraints given by option (kernelConstraint ...), for the weights addWeight makes. */
  private readonly constraints = new Map<string, Constraint>();
  private loadContext: LoadContext | null = null;

  constructor(args: LayerArgs = {}) {
    const cls = this.constructor as typeof Layer;
    if (args === null || typeof args !== 'object') throw new WasmgradError(msg`${cls.className}: expected a config object, got ${describeValue(args)}`);
    guardLifecycle(cls);
    this.name = args.name ?? uniqueLayerName(toSnake(cls.className));
    if (typeof this.name !== 'string' || !this.name) throw new WasmgradError(msg`${cls.className}: name must be a non-empty string`);
    this.trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    if (args.batchInputShape) this.batchInputShape = optionShape(cls.className, 'batchInputShape', args.batchInputShape).slice();
    else if (args.inputShape) this.batchInputShape = [args.batchSize ?? null, ...optionShape(cls.className, 'inputShape', args.inputShape)];
    else if (args.inputDim !== undefined) this.batchInputShape = [args.batchSize ?? null, args.inputDim];
    for (const option of Object.values(CONSTRAINT_OPTIONS)) {
      const spec = args[option];
      if (spec !== undefined && spec !== null) this.constraints.set(option, getConstraint(spec, `${cls.className} ${option}`));
    }
    // refused, not ignored (TF.js refuses it too, when the layer is called)
    if ((args as { activityRegularizer?: unknown }).activityRegularizer != null) throw new WasmgradError(msg`${this.name}: activityRegularizer is not supported; add the output's penalty to the loss instead`);
  }

  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /**
   * Creates weight `name` of `shape`; its Variable is named layerName/name. Two call forms:
   * wasmgrad's addWeight(name, shape, initializer?, { trainable, regularizer, fallbackInit }) and
   * TF.js's addWeight(name, shape, dtype?, initializer?, regularizer?, trainable?, constraint?),
   * told apart by the third argument (a dtype) or a fourth that is not an options object.
   */
  addWeight(name: string, shape: number[], init?: Initializer | string | SerializedSpec, opts?: AddWeightOptions): Variable;
  addWeight(
    name: string, shape: number[], dtype?: DType | null, initializer?: Initializer | string | SerializedSpec | { apply(shape: number[], dtype?: string): unknown } | null,
    regularizer?: Regularizer | null, trainable?: boolean | null, constraint?: Constraint | null,
  ): Variable;
  addWeight(name: string, shape: number[], ...rest: unknown[]): Variable {
    const tfjsForm = isTfjsAddWeight(rest);
    const [init, opts] = tfjsForm
      ? [rest[1], { regularizer: rest[2] as Regularizer | null, trainable: (rest[3] ?? undefined) as boolean | undefined }]
      : [rest[0], (rest[1] ?? {}) as AddWeightOptions];
    const dtype = tfjsForm ? ((rest[0] ?? 'float32') as DType) : 'float32';
    checkWeightArgs(this, name, shape, dtype);
    if (this.weightRecords.some((w) => w.name === name)) throw new WasmgradError(msg`${this.name}.addWeight: duplicate weight name '${name}'`);
    this.loadContext?.chargeWeight(this, name, shape);
    const initializer = getInitializer(init as Initializer | string | undefined, opts.fallbackInit ?? 'glorotUniform');
    const made: unknown = initializer(shape);
    if (!(made instanceof Tensor) || made.shape.join() !== shape.join()) {
      if (made instanceof Tensor) made.dispose();
      throw new WasmgradError(msg`${this.name}.addWeight('${name}'): the initializer must return a Tensor of shape ${fmtShape(shape)}, got ${describeValue(made)}`);
    }
    const value = dtype === made.dtype ? made : tensor(made.dataSync(), made.shape, dtype);
    if (value !== made) made.dispose();
    const trainable = opts.trainable ?? true;
    let v: Variable;
    try {
      v = variable(value, trainable && this.trainable, `${this.name}/${name}`);
    } finally {
      value.dispose();
    }
    const constraint = tfjsForm ? (rest[4] as Constraint | null) : this.constraints.get(ownEntry(CONSTRAINT_OPTIONS, name) ?? '');
    if (constraint) v.constraint = constraint;
    this.weightRecords.push({ name, variable: v, trainable, regularizer: opts.regularizer });
    return v;
  }

  /** @internal While a loader builds this layer, its weights are charged to the loader's budget (wrappers pass it on). */
  bindLoadContext(context: LoadContext | null): void {
    this.loadContext = context;
  }

  /** @internal A layer that is a model (holds layers and named weights) returns itself; see models/contracts.ts. */
  asModel(): unknown {
    return null;
  }

  /** Creates the weights for an input shape (batch dimension first). */
  build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  /** The forward computation on real tensors. */
  abstract call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[];

  /** The output shape for an input shape (batch dimension first). */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  protected ensureBuilt(inputShape: Shape | Shape[]): void {
    if (this.built) return;
    this.build(inputShape);
    this.built = true;
  }

  /** Applies the layer to tensors (computes) or to SymbolicTensors (adds it to a functional graph). */
  apply(inputs: Tensor | Tensor[], kwargs?: CallArgs): Tensor | Tensor[];
  apply(inputs: SymbolicTensor | SymbolicTensor[], kwargs?: CallArgs): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs: CallArgs = {}): unknown {
    const list: unknown[] = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new WasmgradError(msg`${this.name}: apply needs at least one input`);
    // as Keras: symbolic initial states join the call's inputs (recurrent layers read extra inputs as states)
    const st = (kwargs ??= {}).initialState as unknown;
    const states = Array.isArray(st) ? st : st === undefined || st === null ? [] : [st];
    if (states.length > 0 && states.every((s) => s instanceof SymbolicTensor)) return this.apply([...list, ...states] as SymbolicTensor[], { ...kwargs, initialState: undefined });
    const symbolic = list.filter((x) => x instanceof SymbolicTensor).length;
    if (symbolic > 0 && symbolic !== list.length) {
      throw new WasmgradError(msg`${this.name}: cannot mix SymbolicTensors and Tensors in one call`);
    }
    if (symbolic === 0) {
      list.forEach((x, i) => {
        if (!(x instanceof Tensor)) throw new WasmgradError(msg`${this.name}: input ${i} must be a Tensor, got ${typeof x}`);
        assertUsable(x, this.name);
      });
    }
    const shapes = list.map((x) => (x as Tensor | SymbolicTensor).shape as Shape);
    // as TF.js: build and computeOutputShape see one shape for one input, even given as [x]
    const inShape = shapes.length === 1 ? shapes[0] : shapes;
    this.ensureBuilt(inShape);
    if (symbolic === 0) return disposeIfThrows(() => runAs(`${this.name} (${this.className})`, list, () => passMask(this, inputs as Tensor | Tensor[], this.call(inputs as Tensor | Tensor[], kwargs))));
    const syms = list as SymbolicTensor[];
    const outShape = this.computeOutputShape(inShape);
    const multi = Array.isArray(outShape) && outShape.length > 0 && Array.isArray(outShape[0]);
    const outShapes = (multi ? outShape : [outShape]) as Shape[];
    for (const s of outShapes) checkOutputShape(`${this.name} (${this.className})`, s, shapes);
    const outputs = outShapes.map((s, i) => new SymbolicTensor(s, this.dtype, this, syms, i));
    this.inboundCalls.push({ inputs: syms, outputs });
    return multi ? outputs : outputs[0];
  }

  get weights(): Variable[] {
    return this.weightRecords.map((w) => w.variable);
  }

  get trainableWeights(): Variable[] {
    return this.trainable ? this.weightRecords.filter((w) => w.trainable).map((w) => w.variable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.weightRecords.filter((w) => !w.trainable || !this.trainable).map((w) => w.variable);
  }

  /** Weight names in order, without the layer name (kernel, bias, ...). */
  get weightNames(): string[] {
    return this.weightRecords.map((w) => w.name);
  }

  /** Copies of the weight values, in order (the caller owns them). */
  getWeights(): Tensor[] {
    return this.weightRecords.map((w) => clone(w.variable));
  }

  /** Sets every weight, in order, from tensors of the same shapes. */
  setWeights(ws: Tensor[]): void {
    if (!Array.isArray(ws) || ws.length !== this.weightRecords.length) {
      throw new WasmgradError(msg`${this.name}.setWeights: expected ${this.weightRecords.length} tensors, got ${Array.isArray(ws) ? ws.length : typeof ws}`);
    }
    ws.forEach((w, i) => {
      const v = this.weightRecords[i].variable;
      if (!(w instanceof Tensor) || w.shape.join() !== v.shape.join()) {
        throw new WasmgradError(
          `${this.name}.setWeights: weight ${i} (${this.weightRecords[i].name}) must have shape ${fmtShape(v.shape)}, got ${w instanceof Tensor ? fmtShape(w.shape) : typeof w}`,
        );
      }
    });
    ws.forEach((w, i) => this.weightRecords[i].variable.assign(w));
  }

  countParams(): number {
    return this.weightRecords.reduce((n, w) => n + w.variable.size, 0);
  }

  /** The sum of the regularization penalties of this layer's weights, or null. */
  regularizationLoss(): Tensor | null {
    const terms = this.weightRecords.filter((w) => w.regularizer && (w.trainable && this.trainable));
    if (terms.length === 0) return null;
    return tidy(() => terms.map((w) => w.regularizer!.apply(w.variable)).reduce((a, b) => add(a, b)));
  }

  /** The layer's configuration (enough to rebuild it with fromConfig). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.batchInputShape) config.batchInputShape = this.batchInputShape;
    for (const [option, c] of this.constraints) config[option] = serializeConstraint(c);
    return config;
  }

  static fromConfig<T extends Layer>(this: new (args: never) => T, config: Record<string, unknown>, context?: LoadContext): T {
    const layer = new this(config as never);
    context?.adopt(layer);
    return layer;
  }

  /** TF.js's class name accessor (Serializable.getClassName). */
  getClassName(): string {
    return this.className;
  }

  /** TF.js calls this at the top of call(); the hook is a testing aid, absent unless set. */
  invokeCallHook(inputs: Tensor | Tensor[], kwargs: CallArgs = {}): void {
    this.callHook?.(inputs, kwargs);
  }

  setCallHook(hook: (inputs: Tensor | Tensor[], kwargs: CallArgs) => void): void {
    this.callHook = hook;
  }

  clearCallHook(): void {
    this.callHook = null;
  }

  private callHook: ((inputs: Tensor | Tensor[], kwargs: CallArgs) => void) | null = null;

  /** Frees the layer's weights. */
  dispose(): void {
    for (const w of this.weightRecords) w.variable.dispose();
    this.weightRecords.length = 0;
    this.built = false;
  }
}

// TF.js's layer.input, layer.output, layer.inputShape and layer.outputShape: read from the layer's
// one graph call (several calls make them ill-defined, as TF.js says). They are defined on the
// prototype rather than as accessors in the class so that subclasses (InputLayer) may keep an own
// `output` field; a subclass assigning one shadows the accessor.
export interface Layer {
  /** As TF.js: a layer that keeps the time axis sets this, and the padding mask of its input travels on to its output. */
  supportsMasking?: boolean;
  readonly input: SymbolicTensor | SymbolicTensor[];
  readonly output: SymbolicTensor | SymbolicTensor[];
  readonly inputShape: Shape | Shape[];
  readonly outputShape: Shape | Shape[];
}

/** The input's mask on the output of a layer that supportsMasking (a single tensor keeping [B, T]), unless it set its own. */
function passMask(layer: Layer, inputs: Tensor | Tensor[], out: Tensor | Tensor[]): Tensor | Tensor[] {
  if (!layer.supportsMasking || Array.isArray(inputs) || Array.isArray(out) || out === inputs || maskOf(out)) return out;
  const m = maskOf(inputs);
  if (m && out.rank >= 2 && out.shape[0] === inputs.shape[0] && out.shape[1] === inputs.shape[1]) attachMask(out, m);
  return out;
}

/**
 * The layer's graph calls; a model (a layer with its own inputs and outputs, as LayersModel) counts
 * its own graph as the first, as TF.js's Container does, so model.output is its outputs. An input
 * layer's call has no inputs: its input is its output, as in TF.js.
 */
function callsOf(layer: Layer): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] }[] {
  const own = layer as unknown as { inputs?: unknown; outputs?: unknown };
  const isGraph = (xs: unknown): xs is SymbolicTensor[] => Array.isArray(xs) && xs.length > 0 && xs.every((x) => x instanceof SymbolicTensor);
  const calls = layer.inboundCalls.map((c) => (c.inputs.length ? c : { inputs: c.outputs, outputs: c.outputs }));
  return isGraph(own.inputs) && isGraph(own.outputs) ? [{ inputs: own.inputs, outputs: own.outputs }, ...calls] : calls;
}

function onlyCall(layer: Layer, what: string): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  const calls = callsOf(layer);
  if (calls.length === 0) throw new WasmgradError(msg`${layer.name}.${what}: the layer has never been called on a symbolic input, so it has no ${what}`);
  if (calls.length > 1) throw new WasmgradError(msg`${layer.name}.${what}: the layer has ${calls.length} calls in graphs, so its ${what} is ill-defined`);
  return calls[0];
}
const one = <T>(xs: T[]): T | T[] => (xs.length === 1 ? xs[0] : xs);
/** As TF.js: the output shapes every graph call of the layer has in common (calls of different shapes make it ill-defined). */
function sharedOutputShape(layer: Layer): Shape | Shape[] {
  const calls = callsOf(layer);
  if (calls.length === 0) return onlyCall(layer, 'outputShape').outputs[0].shape;
  const shapes = calls.map((c) => JSON.stringify(c.outputs.map((t) => t.shape)));
  if (shapes.some((s) => s !== shapes[0])) throw new WasmgradError(msg`${layer.name}.outputShape: the layer's ${calls.length} graph calls have different output shapes (${[...new Set(shapes)].join(', ')}), so its output shape is ill-defined`);
  return one(calls[0].outputs.map((t) => t.shape));
}
const ownValue = (name: string) =>
  function (this: Layer, value: unknown) {
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
  };
Object.defineProperties(Layer.prototype, {
  input: { get(this: Layer) { return one(onlyCall(this, 'input').inputs); }, set: ownValue('input'), configurable: true },
  output: { get(this: Layer) { return one(onlyCall(this, 'output').outputs); }, set: ownValue('output'), configurable: true },
  inputShape: { get(this: Layer) { return one(onlyCall(this, 'inputShape').inputs.map((t) => t.shape)); }, set: ownValue('inputShape'), configurable: true },
  outputShape: { get(this: Layer) { return sharedOutputShape(this); }, set: ownValue('outputShape'), configurable: true },
});

export const serializeRegularizer = (r: Regularizer | null | undefined): unknown =>
  (r ? { className: r.className ?? 'Regularizer', config: r.getConfig?.() ?? {} } : null);

export { serializeInitializer };

/** Checks the rank (and optionally the last dimension) of an input shape. */
export function checkInputRank(layer: Layer, shape: Shape, rank: number | number[], what = 'input'): void {
  const ranks = Array.isArray(rank) ? rank : [rank];
  if (!ranks.includes(shape.length)) {
    throw new WasmgradError(msg`${layer.name} (${layer.className}): expected ${what} of rank ${ranks.join(' or ')}, got shape ${jsonOf(shape)}`);
  }
}
