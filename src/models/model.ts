// LayersModel: a functional model (TensorFlow.js layers and Keras semantics) made from input and
// output SymbolicTensors: its layers, weights, summary, configuration, and the training API
// (compile, fit, evaluate, predict: src/models/training.ts). A model is itself a layer, so it can
// be called on SymbolicTensors inside another model.
import { WasmgradError, fmtShape, msg, describeValue } from '../errors.js';
import { Tensor, tidy, assertUsable } from '../tensor.js';
import { Variable } from '../variables.js';
import { add } from '../ops/binary.js';
import { Layer, SymbolicTensor, uniqueLayerName, type CallArgs, type LoadContext, type Shape } from '../layers/layer.js';
import { registerLayer } from '../layers/registry.js';
import { InputLayer } from '../layers/input.js';
import { topoSort, layersInDepthOrder, runGraph, type GraphNode } from './graph.js';
import { PlanCache } from './plan.js';
import { functionalFromConfig, firstCallNode, serializeLayer, type LayerSpec } from './model-config.js';
import { summaryText, inboundName, type SummaryRow } from './summary.js';
import {
  compileModel, fitModel, evaluateModel, predictModel, predictOnBatchModel, trainOnBatchModel,
  type CompileArgs, type Compiled, type FitArgs, type EvaluateArgs, type PredictArgs, type ModelInput, type ModelTarget,
} from './training.js';
import type { History } from './callbacks.js';
import { fitDataset, evaluateDataset, type FitDatasetArgs } from './fit-dataset.js';
import type { Dataset } from '../data/dataset.js';
import type { NamedWeight, SavableModel, TrainableModel, CallbackModel } from './contracts.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { saveModelArtifacts, type ModelArtifacts, type SaveOptions } from '../io/model-io.js';
import { saveModel, type IOHandler, type SaveResult } from '../io/tfjs-io.js';

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

export type { NamedWeight };

export class LayersModel extends Layer implements TrainableModel, CallbackModel, SavableModel {
  static className = 'Functional';
  inputs: SymbolicTensor[] = [];
  outputs: SymbolicTensor[] = [];
  /** @internal Layer calls in execution order. */ nodes: GraphNode[] = [];
  protected graphLayers: Layer[] = [];
  /** Set to true (by a callback) to stop fit after the current batch. */
  stopTraining = false;
  /** @internal */ compiled: Compiled | null = null;
  /** The History of the last fit. */
  history?: History;

  /** @internal graphless: a sequential model, whose graph comes later. */
  constructor(args?: ModelArgs, graphless = false) {
    super({ name: args?.name ?? uniqueLayerName(new.target === LayersModel ? 'model' : 'sequential') });
    if (!graphless) {
      if (!args || typeof args !== 'object') throw new WasmgradError('model: expected { inputs, outputs }');
      const ins = Array.isArray(args.inputs) ? args.inputs : [args.inputs];
      const outs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
      this.initGraph(ins, outs);
    }
  }

  /**
   * @internal Sets the graph from input and output SymbolicTensors; `order` is the calls in
   * execution order when the caller knows it (a sequential stack), else it is found by sorting.
   */
  protected initGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[], order?: GraphNode[]): void {
    if (inputs.length === 0 || outputs.length === 0) throw new WasmgradError(msg`${this.name}: a model needs at least one input and one output`);
    inputs.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) throw new WasmgradError(msg`${this.name}: inputs[${i}] must be a SymbolicTensor (from wg.input), got ${typeof t}`);
      if (!(t.sourceLayer instanceof InputLayer)) throw new WasmgradError(msg`${this.name}: inputs[${i}] must come from wg.input(), got ${t}`);
    });
    outputs.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) throw new WasmgradError(msg`${this.name}: outputs[${i}] must be a SymbolicTensor, got ${typeof t}`);
    });
    if (new Set(inputs).size !== inputs.length) throw new WasmgradError(msg`${this.name}: an input is listed twice`);
    const nodes = order ?? topoSort(inputs, outputs);
    // a stack's order, else Keras's and TF.js's (inputs no output needs first); a Set: linear time
    const reached = new Set<Layer>(order ? nodes.map((n) => n.layer) : layersInDepthOrder(outputs));
    const layers = new Set<Layer>(inputs.map((t) => t.sourceLayer).filter((l) => !reached.has(l)));
    for (const l of reached) layers.add(l);
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name)) throw new WasmgradError(msg`${this.name}: two layers are named '${l.name}'; layer names must be unique in a model`);
      names.add(l.name);
    }
    this.inputs = inputs.slice();
    this.outputs = outputs.slice();
    this.nodes = nodes;
    this.graphLayers = [...layers];
    this.built = true;
  }

  /** @internal A model is what loadModel expects at the top of a topology. */
  asModel(): SavableModel {
    return this;
  }

  /** The layers: a functional model's by depth from the outputs, deepest first (as Keras and TF.js). */
  get layers(): Layer[] {
    return this.graphLayers.slice();
  }

  /** Every stateful layer (nested models' too) starts from zeros again: TF.js's and Keras's model.resetStates. */
  resetStates(): void {
    for (const l of this.graphLayers) {
      if (l instanceof LayersModel) l.resetStates();
      else if ((l as { stateful?: unknown }).stateful === true) (l as unknown as { resetStates(): void }).resetStates();
    }
  }

  get inputNames(): string[] {
    return this.inputs.map((t) => t.sourceLayer.name);
  }
  get outputNames(): string[] {
    return this.outputs.map((t) => t.sourceLayer.name);
  }

  /** The optimizer given to compile. */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === 'number') {
      const l = layers[nameOrIndex];
      if (!l) throw new WasmgradError(msg`${this.name}.getLayer: index ${nameOrIndex} is out of range (the model has ${layers.length} layers)`);
      return l;
    }
    const l = layers.find((x) => x.name === nameOrIndex);
    if (!l) throw new WasmgradError(msg`${this.name}.getLayer: no layer named '${nameOrIndex}'; layers: ${layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  // ---- weights ------------------------------------------------------------------------------------

  get weights(): Variable[] {
    return this.graphLayers.flatMap((l) => l.weights);
  }
  get trainableWeights(): Variable[] {
    return this.trainable ? this.graphLayers.flatMap((l) => l.trainableWeights) : [];
  }
  get nonTrainableWeights(): Variable[] {
    return this.trainable ? this.graphLayers.flatMap((l) => l.nonTrainableWeights) : this.weights;
  }
  get weightNames(): string[] {
    return this.namedWeights().map((w) => w.name);
  }

  /** Every weight with its file name (layerName/weightName), in layer order. */
  namedWeights(): NamedWeight[] {
    const out = this.graphLayers.flatMap((l) => namedWeightsOf(l, ''));
    const seen = new Map<string, number>();
    for (const w of out) {
      const k = seen.get(w.name) ?? 0;
      seen.set(w.name, k + 1);
      if (k > 0) w.name = `${w.name}_${k}`;
    }
    return out;
  }

  getWeights(): Tensor[] {
    return this.graphLayers.flatMap((l) => l.getWeights());
  }

  setWeights(ws: Tensor[]): void {
    const all = this.weights;
    if (!Array.isArray(ws) || ws.length !== all.length) {
      throw new WasmgradError(msg`${this.name}.setWeights: expected ${all.length} tensors, got ${Array.isArray(ws) ? ws.length : typeof ws}`);
    }
    const names = this.weightNames;
    ws.forEach((w, i) => {
      if (!(w instanceof Tensor) || w.isDisposed || w.dtype !== all[i].dtype || w.shape.join() !== all[i].shape.join()) {
        throw new WasmgradError(
          `${this.name}.setWeights: weight ${i} (${names[i]}) must be ${all[i].dtype} ${fmtShape(all[i].shape)}, got ${w instanceof Tensor ? `${w.dtype} ${fmtShape(w.shape)}` : typeof w}`,
        );
      }
    });
    ws.forEach((w, i) => all[i].assign(w));
  }

  countParams(): number {
    return this.graphLayers.reduce((n, l) => n + l.countParams(), 0);
  }

  regularizationLoss(): Tensor | null {
    const terms = this.graphLayers.map((l) => l.regularizationLoss()).filter((t): t is Tensor => t !== null);
    if (terms.length === 0) return null;
    if (terms.length === 1) return terms[0];
    return tidy(() => terms.reduce((a, b) => add(a, b)));
  }

  // ---- running ------------------------------------------------------------------------------------

  /** @internal Makes sure the graph exists for inputs of these shapes (a sequential model builds late). */
  ensureGraph(_xs: { shape: readonly (number | null)[]; dtype?: string }[]): void {
    if (!this.built || this.inputs.length === 0) throw new WasmgradError(msg`${this.name}: the model has no inputs yet`);
  }

  /** @internal Checks real inputs against the model's input shapes. */
  checkInputs(xs: Tensor[], op: string): void {
    if (xs.length !== this.inputs.length) throw new WasmgradError(msg`${this.name}.${op}: expected ${this.inputs.length} input tensor(s), got ${xs.length}`);
    xs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new WasmgradError(msg`${this.name}.${op}: input ${i} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
      assertUsable(x, `${this.name}.${op}`);
      const want = this.inputs[i].shape;
      const ok = x.rank === want.length && want.every((d, k) => k === 0 || d === null || d === x.shape[k]);
      if (!ok) {
        throw new WasmgradError(
          `${this.name}.${op}: input ${i} ('${this.inputNames[i]}') must have shape ${JSON.stringify(want).replace(/null/g, 'null')}, got ${fmtShape(x.shape)}`,
        );
      }
    });
  }

  /** @internal The forward pass on real tensors (no checks: the callers check once). */
  forward(xs: Tensor[], training: boolean): Tensor[] {
    return runGraph(this.nodes, this.inputs, this.outputs, xs, { training });
  }

  /** @internal predict's compiled plans, by input shapes (src/models/plan.ts). */
  readonly plans = new PlanCache();

  /** @internal predict's forward pass (checked inputs): through a plan, unless a subclass runs its own forward. */
  predictForward(xs: Tensor[]): Tensor[] | null {
    return this.forward === LayersModel.prototype.forward ? this.plans.predict(this, xs) : null;
  }

  build(_inputShape: Shape | Shape[]): void {
    this.built = true;
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[] {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.ensureGraph(xs);
    this.checkInputs(xs, 'apply');
    const outs = runGraph(this.nodes, this.inputs, this.outputs, xs, kwargs);
    return outs.length === 1 ? outs[0] : outs;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = (Array.isArray(inputShape[0]) || inputShape.length === 0 ? inputShape : [inputShape]) as Shape[];
    this.ensureGraph(shapes.map((s) => ({ shape: s })));
    const batch = shapes[0]?.[0] ?? null;
    const outs = this.outputs.map((t) => [batch, ...t.shape.slice(1)] as Shape);
    return outs.length === 1 ? outs[0] : outs;
  }

  // ---- training (src/models/training.ts) --------------------------------------------------------

  compile(args: CompileArgs): void {
    compileModel(this, args);
  }
  fit(x: ModelInput, y: ModelTarget, args: FitArgs = {}): Promise<History> {
    return fitModel(this, x, y, args);
  }
  evaluate(x: ModelInput, y: ModelTarget, args: EvaluateArgs = {}): Tensor | Tensor[] {
    return evaluateModel(this, x, y, args);
  }
  predict(x: ModelInput, args: PredictArgs = {}): Tensor | Tensor[] {
    return predictModel(this, x, args);
  }
  predictOnBatch(x: ModelInput): Tensor | Tensor[] {
    return predictOnBatchModel(this, x);
  }
  trainOnBatch(x: ModelInput, y: ModelTarget): Promise<number | number[]> {
    return trainOnBatchModel(this, x, y);
  }

  /** Trains from a dataset of batches ({ xs, ys } or [xs, ys] elements), as TensorFlow.js does. */
  fitDataset(dataset: Dataset<unknown>, args: FitDatasetArgs = {}): Promise<History> {
    return fitDataset(this, dataset, args);
  }

  evaluateDataset(dataset: Dataset<unknown>, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
    return evaluateDataset(this, dataset, args);
  }

  // ---- summary, config, save ----------------------------------------------------------------------

  protected summaryRows(): SummaryRow[] {
    const inModel = new Set(this.nodes.map((n) => n.layer));
    return this.graphLayers.map((layer) => {
      const calls = layer instanceof InputLayer ? layer.inboundCalls.slice(0, 1) : this.nodes.filter((n) => n.layer === layer);
      const outputShapes = calls.length > 1 || (!inModel.has(layer) && !(layer instanceof InputLayer)) ? ('multiple' as const) : calls[0].outputs.map((t) => t.shape);
      const connectedTo = calls.flatMap((c) => c.inputs.map(inboundName));
      return { layer, outputShapes, connectedTo };
    });
  }

  /** Prints (or hands to printFn) the Keras summary table. */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    if (!this.built || this.outputs.length === 0) throw new WasmgradError(msg`${this.name}.summary: the model is not built yet (give the first layer an inputShape, or call build / fit / predict first)`);
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    const total = this.countParams();
    const text = summaryText(this.name, this.summaryRows(), { trainable, nonTrainable: total - trainable }, {
      lineLength, positions, connected: !(this.constructor as typeof LayersModel).sequentialSummary,
    });
    if (typeof printFn !== 'function') throw new WasmgradError(msg`${this.name}.summary: printFn must be a function, got ${describeValue(printFn)}`);
    printFn(text);
  }

  /** @internal */
  static sequentialSummary = false;

  getConfig(): Record<string, unknown> {
    // calls of each layer are renumbered within this model
    const callIndex = new Map<SymbolicTensor, [string, number, number]>();
    const counts = new Map<Layer, number>();
    for (const t of this.inputs) callIndex.set(t, [t.sourceLayer.name, 0, 0]);
    const inbound = new Map<Layer, LayerSpec['inboundNodes']>();
    for (const n of this.nodes) {
      const k = counts.get(n.layer) ?? firstCallNode(n.layer);
      counts.set(n.layer, k + 1);
      n.outputs.forEach((t, i) => callIndex.set(t, [n.layer.name, k, i]));
      const refs = n.inputs.map((t) => [...callIndex.get(t)!, {}] as [string, number, number, Record<string, unknown>]);
      if (!inbound.has(n.layer)) inbound.set(n.layer, []);
      inbound.get(n.layer)!.push(refs);
    }
    return {
      name: this.name,
      layers: this.graphLayers.map((l) => ({ ...serializeLayer(l), name: l.name, inboundNodes: inbound.get(l) ?? [] })),
      inputLayers: this.inputs.map((t) => callIndex.get(t)!),
      outputLayers: this.outputs.map((t) => callIndex.get(t)!),
    };
  }

  static fromConfig<T extends Layer>(this: new (args: never) => T, config: Record<string, unknown>, context?: LoadContext): T {
    return functionalFromConfig(config, context, (args) => new LayersModel(args)) as unknown as T;
  }

  /** How save(url) writes the model: wasmgrad's format (model.json + safetensors) or TF.js's (model.json + weights.bin). */
  saveFormat: 'wasmgrad' | 'tfjs' = 'wasmgrad';
  /** Whether evaluation losses (evaluate, val_loss) include the weight penalties: Keras does, TF.js does not. */
  regularizeEvaluation = true;
  /** onBatchEnd's logs: the epoch's running means (Keras) or the batch's own values (TF.js). */
  batchLogs: 'running' | 'batch' = 'running';

  /**
   * Saves the model: to a folder in wasmgrad's format (model.json + weights.safetensors), or without
   * one returns those artifacts. An IO handler, `{ format: 'tfjs' }`, or a model of the TensorFlow.js
   * entry saves in TF.js's layers format (model.json + weights.bin) instead.
   */
  save(dir?: string, options?: SaveOptions & { format?: 'wasmgrad' }): Promise<ModelArtifacts>;
  save(target: string | IOHandler, options: SaveOptions & { format: 'tfjs' }): Promise<SaveResult>;
  save(target: IOHandler, options?: SaveOptions): Promise<SaveResult>;
  save(target?: string | IOHandler, options: SaveOptions & { format?: 'wasmgrad' | 'tfjs' } = {}): Promise<ModelArtifacts | SaveResult> {
    return saveModel(this, target, options, this.saveFormat);
  }

  /** Frees the weights, and the optimizer's state when compile made the optimizer (from a name or config). */
  dispose(): void {
    this.plans.clear();
    for (const l of this.graphLayers) l.dispose();
    if (this.compiled?.ownsOptimizer) this.compiled.optimizer.dispose();
    this.built = false;
  }
}

/** The weights of one layer with file names; wrappers (bidirectional) and nested models prefix their name. */
function namedWeightsOf(layer: Layer, prefix: string): NamedWeight[] {
  if (layer instanceof LayersModel) return layer.layers.flatMap((l) => namedWeightsOf(l, `${prefix}${layer.name}/`));
  const sub = layer as unknown as { forwardLayer?: unknown; backwardLayer?: unknown };
  if (sub.forwardLayer instanceof Layer && sub.backwardLayer instanceof Layer) {
    const parts = [...namedWeightsOf(sub.forwardLayer, `${prefix}${layer.name}/`), ...namedWeightsOf(sub.backwardLayer, `${prefix}${layer.name}/`)];
    const own = layer.weights;
    if (parts.length === own.length && parts.every((p, i) => p.variable === own[i])) return parts;
  }
  const ws = layer.weights;
  return layer.weightNames.map((n, i) => ({ name: `${prefix}${layer.name}/${n}`, variable: ws[i] }));
}

registerLayer(LayersModel);
registerLayer({ className: 'Model', fromConfig: (c, context) => functionalFromConfig(c, context, (args) => new LayersModel(args)) });

/** wg.model({ inputs, outputs }): a functional model. */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
