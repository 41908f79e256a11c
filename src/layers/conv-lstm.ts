// ConvLSTM2D (TF.js's ConvLSTM2DCell and ConvLSTM2D): an LSTM whose products are convolutions. Per
// step, z = conv(x, kernel, strides, padding, dilation) + bias + conv(h, recurrentKernel, 1, 'same'),
// split along channels into i, f, c, o as in the LSTM cell. channelsLast only.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { add, mul } from '../ops/binary.js';
import { split } from '../ops/arrange.js';
import { conv2d, fusedConv2d } from '../ops/conv.js';
import { type CallArgs, type LoadContext, type Shape } from './layer.js';
import { registerLayer } from './registry.js';
import { LSTMCell, type LSTMCellArgs } from './cells.js';
import { unitForgetBiasInit } from './recurrent-args.js';
import { CellRNN, type RNNArgs } from './rnn-layer.js';

export interface ConvLSTM2DCellArgs extends Omit<LSTMCellArgs, 'units'> {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' ([batch, rows, cols, channels]). */
  dataFormat?: 'channelsLast' | 'channelsFirst';
  dilationRate?: number | number[];
}

function pair(v: unknown, what: string, where: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WasmgradError(msg`${where}: ${what} must be a whole number >= 1 or two of them, got ${jsonOf(v)}`);
  }
  return [p[0], p[1]];
}

/** TF.js's convOutputLength for a known size. */
function outLength(size: number, k: number, s: number, d: number, padding: string): number {
  const eff = (k - 1) * d + 1;
  return Math.ceil((padding === 'same' ? size : size - eff + 1) / s);
}

export class ConvLSTM2DCell extends LSTMCell {
  static className = 'ConvLSTM2DCell';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dataFormat = 'channelsLast' as const;
  readonly dilationRate: [number, number];

  constructor(args: ConvLSTM2DCellArgs) {
    const where = `${args?.name ?? 'conv_lstm2d_cell'} (ConvLSTM2DCell)`;
    if (!args || !Number.isInteger(args.filters) || args.filters < 1) throw new WasmgradError(msg`${where}: filters must be a whole number >= 1, got ${args?.filters}`);
    super({ ...args, units: args.filters } as LSTMCellArgs);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize, 'kernelSize', where);
    this.strides = pair(args.strides ?? 1, 'strides', where);
    this.dilationRate = pair(args.dilationRate ?? 1, 'dilationRate', where);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new WasmgradError(msg`${where}: padding must be 'valid' or 'same', got ${jsonOf(padding)}`);
    this.padding = padding;
    if ((args.dataFormat ?? 'channelsLast') !== 'channelsLast') throw new WasmgradError(msg`${where}: dataFormat must be 'channelsLast' (inputs [batch, rows, cols, channels]), got ${jsonOf(args.dataFormat)}`);
  }

  build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const where = `${this.name} (${this.className})`;
    if (shape.length !== 4) throw new WasmgradError(msg`${where}: expected a step input [batch, rows, cols, channels], got ${jsonOf(shape)}`);
    const inDim = shape[3];
    if (typeof inDim !== 'number') throw new WasmgradError(msg`${where}: the channel dimension must be known, got ${jsonOf(shape)}`);
    const [kh, kw] = this.kernelSize, F = this.filters;
    this.kernel = this.addWeight('kernel', [kh, kw, inDim, 4 * F], this.args.kernelInitializer, { regularizer: this.args.kernelRegularizer, fallbackInit: 'glorotUniform' });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [kh, kw, F, 4 * F], this.args.recurrentInitializer, { regularizer: this.args.recurrentRegularizer, fallbackInit: 'orthogonal' });
    if (this.useBias) {
      const init = this.unitForgetBias ? unitForgetBiasInit(this.args.biasInitializer, F) : this.args.biasInitializer;
      this.bias = this.addWeight('bias', [4 * F], init, { regularizer: this.args.biasRegularizer, fallbackInit: 'zeros' });
    }
    this.built = true;
  }

  stateShapes(stepShape: Shape): Shape[] {
    const where = `${this.name} (${this.className})`;
    if (stepShape.length !== 4) throw new WasmgradError(msg`${where}: expected a step input [batch, rows, cols, channels], got ${jsonOf(stepShape)}`);
    const spatial = [1, 2].map((ax, i) => {
      const d = stepShape[ax];
      if (d === null) return null;
      const o = outLength(d, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding);
      if (o < 1) throw new WasmgradError(msg`${where}: input ${ax === 1 ? 'rows' : 'cols'} ${d} is smaller than the dilated kernel ${(this.kernelSize[i] - 1) * this.dilationRate[i] + 1} with padding 'valid'`);
      return o;
    });
    const s: Shape = [stepShape[0], ...spatial, this.filters];
    return [s, s.slice()];
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor[] {
    return tidy(() => {
      const where = `${this.name} (${this.className})`;
      const list = Array.isArray(inputs) ? inputs : [inputs];
      if (list.length !== 3) throw new WasmgradError(msg`${where}: expected 3 input tensors [x, h, c], got ${list.length}`);
      const [x0, h0, c0] = list;
      const want = this.stateShapes(x0.shape);
      if (x0.shape[3] !== this.kernel!.shape[2]) throw new WasmgradError(msg`${where}: expected x [batch, rows, cols, ${this.kernel!.shape[2]}], got ${jsonOf(x0.shape)}`);
      for (const s of [h0, c0]) {
        if (s.shape.join() !== want[0].join()) throw new WasmgradError(msg`${where}: expected states ${jsonOf(want[0])}, got ${jsonOf(s.shape)}`);
      }
      const [x, h] = this.dropped(x0, h0, kwargs);
      const zx = fusedConv2d(x, this.kernel!, this.bias ?? null, 'linear', this.strides, this.padding, this.dilationRate);
      const z = add(zx, conv2d(h, this.recurrentKernel!, 1, 'same'));
      const [zi, zf, zc, zo] = split(z, 4, 3);
      const ra = this.recurrentActivation.fn, act = this.activation.fn;
      const c = add(mul(ra(zf), c0), mul(ra(zi), act(zc)));
      const out = mul(ra(zo), act(c));
      return [out, out, c];
    });
  }

  getConfig(): Record<string, unknown> {
    const { units: _units, ...base } = super.getConfig();
    return { ...base, filters: this.filters, kernelSize: this.kernelSize.slice(), padding: this.padding, dataFormat: this.dataFormat, dilationRate: this.dilationRate.slice(), strides: this.strides.slice() };
  }
}

export type ConvLSTM2DArgs = ConvLSTM2DCellArgs & Omit<RNNArgs, 'cell'>;

/** ConvLSTM2D: inputs [batch, time, rows, cols, channels]. */
export class ConvLSTM2D extends CellRNN {
  static className = 'ConvLSTM2D';
  constructor(args: ConvLSTM2DArgs) {
    const where = `${args?.name ?? 'conv_lstm2d'} (ConvLSTM2D)`;
    if (args?.unroll) throw new WasmgradError(msg`${where}: unroll is not possible with convolutional RNNs (as TF.js)`);
    const { name: _n, inputShape: _i, batchInputShape: _b, batchSize: _s, inputDim: _d, ...cellArgs } = args ?? ({} as ConvLSTM2DArgs);
    const cell = new ConvLSTM2DCell(cellArgs as ConvLSTM2DCellArgs);
    super({ ...args, cell });
  }
  protected inputRank(): number | null {
    return 5;
  }
  /** The config is the cell's and the layer's in one (no nested cell), as TF.js writes it. */
  static fromConfig<T>(this: new (args: never) => T, config: Record<string, unknown>, context?: LoadContext): T {
    const layer = new this(config as never);
    context?.adopt(layer as never);
    return layer;
  }
  get filters(): number {
    return (this.cell as ConvLSTM2DCell).filters;
  }
}

for (const cls of [ConvLSTM2DCell, ConvLSTM2D]) registerLayer(cls);
