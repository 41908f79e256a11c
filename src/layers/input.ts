// input({ shape }): the InputLayer of a functional model and the SymbolicTensor it outputs.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, type DType } from '../tensor.js';
import { Layer, SymbolicTensor, type LayerArgs, type LoadContext, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

export interface InputArgs {
  /** Shape of one sample (no batch dimension); null for an unknown dimension. */
  shape?: Shape;
  /** The full shape, batch dimension first. */
  batchShape?: Shape;
  batchSize?: number;
  name?: string;
  dtype?: DType;
}

function checkDims(shape: unknown, what: string): Shape {
  if (!Array.isArray(shape) || shape.length > 16) throw new WasmgradError(msg`input: ${what} must be an array of at most 16 dimensions, got ${jsonOf(shape)}`);
  for (const d of shape) {
    if (d !== null && !(Number.isInteger(d) && d >= 0)) throw new WasmgradError(msg`input: ${what} ${jsonOf(shape)} has an invalid dimension ${jsonOf(d)}`);
  }
  return shape.slice() as Shape;
}

export class InputLayer extends Layer {
  static className = 'InputLayer';
  /** The SymbolicTensor this layer outputs (the model input). */
  readonly output: SymbolicTensor;

  constructor(args: LayerArgs & { batchShape?: Shape; shape?: Shape; sparse?: boolean }) {
    if (!args || typeof args !== 'object') throw new WasmgradError('input: expected { shape } or { batchShape }');
    const batchShape = args.batchShape ?? args.batchInputShape;
    const shape = args.shape ?? args.inputShape;
    let full: Shape;
    if (batchShape !== undefined) full = checkDims(batchShape, 'batchShape');
    else if (shape !== undefined) full = [args.batchSize ?? null, ...checkDims(shape, 'shape')];
    else throw new WasmgradError('input: give shape (one sample, without the batch dimension) or batchShape');
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32') throw new WasmgradError(msg`input: dtype must be float32 or int32, got ${dtype}`);
    super({ name: args.name ?? undefined, dtype, batchInputShape: full, trainable: false });
    this.built = true;
    this.output = new SymbolicTensor(full, dtype, this, [], 0);
    this.inboundCalls.push({ inputs: [], outputs: [this.output] });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return Array.isArray(inputs) ? inputs[0] : inputs;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: this.dtype, batchInputShape: this.batchInputShape, sparse: false };
  }

  static fromConfig<T extends Layer>(this: new (args: never) => T, config: Record<string, unknown>, context?: LoadContext): T {
    const layer = new this({ name: config.name, dtype: config.dtype, batchShape: config.batchInputShape ?? config.batchShape } as never);
    context?.adopt(layer);
    return layer;
  }
}
registerLayer(InputLayer);

/** A model input: input({ shape: [784] }) is a SymbolicTensor [null, 784]. */
export function input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args as LayerArgs & InputArgs).output;
}
