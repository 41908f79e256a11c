// embedding({ inputDim, outputDim }): int32 indices [...] -> rows of a table [inputDim, outputDim],
// giving [..., outputDim]. Forward is a gather, backward a scatter-add into the table's gradient
// (ops/shape.ts gather). An index outside [0, inputDim) raises a WasmgradError. With maskZero,
// index 0 is padding: the output carries a mask [B, T] that recurrent layers read.
import { WasmgradError, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { indexOutOfRange, nonZeroFlags, truncateToInt32 } from '../engine/drivers/copy.js';
import { type Initializer } from '../initializers.js';
import { gather, reshape } from '../ops/shape.js';
import { newTensor } from '../ops/util.js';
import { Layer, serializeRegularizer, type LayerArgs, type Regularizer, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { serializeInit } from './core.js';
import { attachMask } from './mask.js';

export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  /** Default: uniform in [-0.05, 0.05] (Keras). */
  embeddingsInitializer?: Initializer | string;
  embeddingsRegularizer?: Regularizer | null;
  /** Index 0 is padding: the output carries a mask of the non-zero positions. */
  maskZero?: boolean;
  /** The sequence length, to give a sequential model its input shape [inputLength]. */
  inputLength?: number;
}

const DEFAULT_INIT = { className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } };

export class Embedding extends Layer {
  static className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength?: number;
  private readonly args: EmbeddingArgs;
  embeddings?: Tensor;

  constructor(args: EmbeddingArgs) {
    const withShape = args && args.inputLength !== undefined && !args.inputShape && !args.batchInputShape
      ? { ...args, inputShape: [args.inputLength] } : args;
    super(withShape);
    for (const k of ['inputDim', 'outputDim'] as const) {
      if (!args || !Number.isInteger(args[k]) || args[k] < 1) throw new WasmgradError(msg`embedding: ${k} must be a whole number >= 1, got ${args?.[k]}`);
    }
    this.args = args;
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.maskZero = args.maskZero ?? false;
    this.inputLength = args.inputLength;
  }

  build(_inputShape: Shape | Shape[]): void {
    const init = this.args.embeddingsInitializer ?? (DEFAULT_INIT as unknown as string);
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], init, { regularizer: this.args.embeddingsRegularizer });
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...(inputShape as Shape), this.outputDim];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // float indices (as a model's x often is) are truncated to int32
    const idx = x.dtype === 'int32' ? x : toInt32(x);
    const bad = indexOutOfRange(idx, this.inputDim, this.name);
    if (bad) {
      if (idx !== x) idx.dispose();
      throw new WasmgradError(msg`${this.name}: index ${bad.value} at flat position ${bad.position} is out of range [0, ${this.inputDim})`);
    }
    const flat = reshape(idx, [-1]);
    const rows = gather(this.embeddings!, flat, 0);
    const out = reshape(rows, [...x.shape, this.outputDim]);
    rows.dispose();
    flat.dispose();
    if (this.maskZero && x.rank === 2) attachMask(out, nonZeroFlags(idx));
    if (idx !== x) idx.dispose();
    return out;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: this.args.embeddingsInitializer === undefined ? DEFAULT_INIT : serializeInit(this.args.embeddingsInitializer, 'glorotUniform'),
      embeddingsRegularizer: serializeRegularizer(this.args.embeddingsRegularizer),
      maskZero: this.maskZero,
      inputLength: this.inputLength,
    };
  }
}

function toInt32(x: Tensor): Tensor {
  const out = newTensor(x.shape, 'int32');
  truncateToInt32(x, out);
  return out;
}

registerLayer(Embedding);
