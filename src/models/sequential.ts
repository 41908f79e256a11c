// sequential({ layers }): a stack of single-input, single-output layers. The input shape comes from
// the first layer (inputShape / batchInputShape, or an input layer); without one the model is built
// on the first data it sees (fit, predict) or by build(shape), as Keras.
import { WasmgradError, msg } from '../errors.js';
import type { DType, Tensor } from '../tensor.js';
import type { ModelInput, PredictArgs } from './training.js';
import { Layer, SymbolicTensor, type LoadContext, type Shape } from '../layers/layer.js';
import { registerLayer } from '../layers/registry.js';
import { InputLayer } from '../layers/input.js';
import { LayersModel } from './model.js';
import { serializeLayer, deserializeLayer } from './model-config.js';
import type { GraphNode } from './graph.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

export class Sequential extends LayersModel {
  static className = 'Sequential';
  static sequentialSummary = true;
  private readonly stack: Layer[] = [];
  /** The stack's layers and their names, for linear-time checks as layers are added. */
  private readonly members = new Set<Layer>();
  private readonly memberNames = new Set<string>();
  private input0: InputLayer | null = null;

  constructor(args: SequentialArgs = {}) {
    super(args?.name !== undefined ? ({ name: args.name } as never) : undefined, true);
    if (args === null || typeof args !== 'object') throw new WasmgradError('sequential: expected { layers }');
    if (args.layers !== undefined && !Array.isArray(args.layers)) throw new WasmgradError('sequential: layers must be an array of layers');
    this.built = false;
    for (const l of args.layers ?? []) this.add(l);
  }

  /** The layers, without the input layer (as Keras). */
  get layers(): Layer[] {
    return this.stack.slice();
  }

  /** Adds a layer on top. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new WasmgradError(msg`${this.name}.add: expected a layer, got ${layer === null ? 'null' : typeof layer}`);
    if (layer instanceof InputLayer) {
      if (this.stack.length || this.input0) throw new WasmgradError(msg`${this.name}.add: an input layer can only come first`);
      this.input0 = layer;
      this.connect(layer.output, []);
      return;
    }
    this.push(layer);
    try {
      if (this.outputs.length) this.extend(layer);
      else this.connectWhenPossible();
    } catch (err) {
      this.stack.pop();
      this.members.delete(layer);
      this.memberNames.delete(layer.name);
      throw err;
    }
  }

  private push(layer: Layer): void {
    if (this.members.has(layer)) throw new WasmgradError(msg`${this.name}.add: layer '${layer.name}' is already in the model`);
    if (this.memberNames.has(layer.name)) throw new WasmgradError(msg`${this.name}.add: a layer named '${layer.name}' is already in the model`);
    this.stack.push(layer);
    this.members.add(layer);
    this.memberNames.add(layer.name);
  }

  /** Builds the graph once there is an input: given, or from the first layer's input shape. */
  private connectWhenPossible(): void {
    if (this.inputs.length) {
      this.connect(this.inputs[0], this.stack);
    } else if (this.stack.length > 0) {
      const first = this.stack[0];
      // a model first in the stack brings its own input's shape, as TF.js builds it
      const nested = (first.asModel() as { inputs?: readonly SymbolicTensor[] } | null)?.inputs;
      const own = nested?.length === 1 ? nested[0] : null;
      const batchShape = first.batchInputShape ?? own?.shape;
      if (!batchShape) return;
      const inp = new InputLayer({ batchShape, dtype: own?.dtype ?? inputDtypeOf(first), name: `${first.name}_input` });
      this.connect(inp.output, this.stack);
    }
  }

  /** Puts a layer on top of a built graph: one call, no re-sorting (adding N layers is linear). */
  private extend(layer: Layer): void {
    const inputName = this.inputs[0].sourceLayer.name;
    if (layer.name === inputName) throw new WasmgradError(msg`${this.name}: two layers are named '${layer.name}'; layer names must be unique in a model`);
    const out = this.applyLayer(layer, this.outputs[0]);
    const callIndex = layer.inboundCalls.length - 1;
    const call = layer.inboundCalls[callIndex];
    this.nodes.push({ layer, inputs: call.inputs, outputs: call.outputs, callIndex });
    this.graphLayers.push(layer);
    this.outputs = [out];
  }

  private applyLayer(layer: Layer, t: SymbolicTensor): SymbolicTensor {
    const out = layer.apply(t);
    if (Array.isArray(out)) throw new WasmgradError(msg`${this.name}: layer '${layer.name}' has ${out.length} outputs; a sequential model takes single-output layers (use a functional model)`);
    return out;
  }

  /** Removes the top layer. */
  pop(): void {
    if (!this.stack.length) throw new WasmgradError(msg`${this.name}.pop: the model has no layers`);
    const top = this.stack.pop()!;
    this.members.delete(top);
    this.memberNames.delete(top.name);
    const inp = this.inputs[0];
    this.inputs = [];
    this.outputs = [];
    this.nodes = [];
    this.graphLayers = [];
    this.built = false;
    if (inp && this.stack.length) this.connect(inp, this.stack);
  }

  /** Applies layers from a symbolic tensor and makes the result the model's graph. */
  private connect(input: SymbolicTensor, layers: Layer[], from: SymbolicTensor = input): void {
    let t = from;
    // a stack's calls are already in execution order: no sort needed
    const order: GraphNode[] = [];
    for (const l of layers) {
      try {
        t = this.applyLayer(l, t);
        const callIndex = l.inboundCalls.length - 1;
        order.push({ layer: l, inputs: l.inboundCalls[callIndex].inputs, outputs: l.inboundCalls[callIndex].outputs, callIndex });
      } catch (err) {
        if (err instanceof WasmgradError) throw new WasmgradError(msg`${this.name}: layer '${l.name}': ${err.message}`);
        throw new WasmgradError(msg`${this.name}: layer '${l.name}' could not be applied: ${(err as Error)?.message ?? String(err)}`);
      }
    }
    if (t === input) {
      // only an input layer so far: no graph yet
      this.inputs = [input];
      this.outputs = [];
      return;
    }
    this.initGraph([input], [t], order);
    this.graphLayers = this.stack.slice();
  }

  /** Builds the model for inputs of this shape (batch dimension first, may be null). */
  build(inputShape: Shape | Shape[]): void {
    if (this.outputs.length) return;
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (!this.stack.length) throw new WasmgradError(msg`${this.name}: the model has no layers`);
    const input = this.inputs[0] ?? new InputLayer({ batchShape: [null, ...shape.slice(1)], dtype: inputDtypeOf(this.stack[0]), name: `${this.stack[0].name}_input` }).output;
    this.connect(input, this.stack);
  }

  ensureGraph(xs: { shape: readonly (number | null)[]; dtype?: string }[]): void {
    if (this.outputs.length) return;
    if (!xs.length) throw new WasmgradError(msg`${this.name}: the model has no input shape yet`);
    const x = xs[0];
    if (!this.inputs.length && x.dtype === 'int32') {
      const inp = new InputLayer({ batchShape: [null, ...x.shape.slice(1)], dtype: 'int32', name: `${this.stack[0]?.name ?? this.name}_input` });
      this.inputs = [inp.output];
    }
    this.build(x.shape as Shape);
  }

  /** A sequential model has one output: its prediction is one tensor. */
  override predict(x: ModelInput, args: PredictArgs = {}): Tensor {
    return super.predict(x, args) as Tensor;
  }

  override predictOnBatch(x: ModelInput): Tensor {
    return super.predictOnBatch(x) as Tensor;
  }

  getConfig(): Record<string, unknown> {
    const input = this.inputs[0];
    return {
      name: this.name,
      layers: this.stack.map(serializeLayer),
      ...(input ? { buildInputShape: input.shape, inputDtype: input.dtype } : {}),
    };
  }

  static fromConfig<T extends Layer>(this: new (args: never) => T, config: Record<string, unknown>, context?: LoadContext): T {
    const where = `sequential model '${String(config?.name)}'`;
    const specs = config?.layers;
    if (!Array.isArray(specs)) throw new WasmgradError(msg`${where}: config.layers must be an array`);
    const m = new Sequential({ name: typeof config.name === 'string' ? config.name : undefined });
    const shape = config.buildInputShape;
    if (shape !== undefined && shape !== null) {
      const dtype = config.inputDtype === 'int32' ? 'int32' : 'float32';
      try {
        m.input0 = new InputLayer({ batchShape: shape as Shape, dtype, name: `${String(config.name)}_input` });
      } catch (err) {
        throw new WasmgradError(msg`${where}: ${(err as Error).message}`);
      }
      m.inputs = [m.input0.output];
    }
    context?.adopt(m);
    // every layer first, then one pass that connects them: linear in the number of layers
    specs.forEach((spec, i) => {
      const layer = deserializeLayer(spec, `${where}: layer ${i}`, context);
      if (layer instanceof InputLayer) {
        // Keras lists the input layer first
        if (i !== 0 || m.inputs.length) throw new WasmgradError(msg`${where}: layer ${i}: an input layer can only come first`);
        m.input0 = layer;
        m.inputs = [layer.output];
        return;
      }
      try {
        m.push(layer);
      } catch (err) {
        throw new WasmgradError(msg`${where}: ${(err as Error).message}`);
      }
    });
    try {
      m.connectWhenPossible();
    } catch (err) {
      throw new WasmgradError(msg`${where}: ${(err as Error).message}`);
    }
    return m as unknown as T;
  }
}

function inputDtypeOf(first: Layer): DType {
  // an embedding reads class ids
  return first.className === 'Embedding' ? 'int32' : 'float32';
}

registerLayer(Sequential);

/** wg.sequential({ layers }) */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
