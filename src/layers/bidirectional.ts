// bidirectional({ layer, mergeMode }): a recurrent layer run forwards and a copy of it run backwards
// over the same input, outputs merged (Keras semantics). As Keras, both halves are re-created from
// the layer's config (named forward_<name>, backward_<name>); the backward half runs the other way
// from the layer and its output sequence is reversed (back to the input's time order unless the
// layer itself goes backwards). With returnSequences, masked steps output zeros in both halves, as
// Keras forces; TF.js's entry turns that off (zeroOutputForMask: false), as TF.js leaves each half
// repeating its previous output.
import { WasmgradError, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { add, mul } from '../ops/binary.js';
import { scale } from '../ops/unary.js';
import { concat } from '../ops/shape.js';
import { Layer, type CallArgs, type LayerArgs, type LoadContext, type Shape } from './layer.js';
import { getLayerClass, registerLayer } from './registry.js';
import { RNN } from './recurrent.js';
import { attachMask, maskOf, toMask } from './mask.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalArgs extends LayerArgs {
  layer: RNN | { className: string; config: Record<string, unknown> };
  /** Default concat; null returns both outputs as a list. */
  mergeMode?: MergeMode;
  /** With returnSequences: masked steps output zeros in both halves (default true, as Keras; TF.js: false). */
  zeroOutputForMask?: boolean;
}

const MODES = ['concat', 'sum', 'mul', 'ave', null];

export class Bidirectional extends Layer {
  static className = 'Bidirectional';
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;
  private readonly layerSpec: { className: string; config: Record<string, unknown> };

  constructor(args: BidirectionalArgs) {
    // an input shape given to the wrapped layer is the wrapper's (sequential models read it here)
    const inner = args?.layer instanceof RNN ? args.layer.batchInputShape : undefined;
    super(args && !args.inputShape && !args.batchInputShape && inner ? { ...args, batchInputShape: inner } : args);
    const given = args?.layer;
    let spec: { className: string; config: Record<string, unknown> };
    if (given instanceof RNN) spec = { className: given.className, config: given.getConfig() };
    else if (given && typeof given === 'object' && typeof (given as { className?: unknown }).className === 'string') spec = given as typeof spec;
    else throw new WasmgradError(msg`${this.name}: layer must be a recurrent layer (simpleRNN, lstm, gru)`);
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!MODES.includes(mode)) throw new WasmgradError(msg`${this.name}: mergeMode must be one of concat, sum, mul, ave or null, got ${mode}`);
    this.mergeMode = mode;
    this.layerSpec = spec;
    const cls = getLayerClass(spec.className);
    const base = spec.config;
    const name = String(base.name ?? spec.className.toLowerCase());
    const make = (prefix: string, backwards: boolean) => {
      // a seeded layer's two halves draw different dropout masks
      const seed = typeof base.seed === 'number' && prefix === 'backward' ? base.seed + 104729 : base.seed;
      const l = cls.fromConfig({ ...base, name: `${prefix}_${name}`, goBackwards: backwards, seed, batchInputShape: undefined, inputShape: undefined });
      if (!(l instanceof RNN)) throw new WasmgradError(msg`${this.name}: layer must be a recurrent layer, got ${spec.className}`);
      return l;
    };
    this.forwardLayer = make('forward', !!base.goBackwards);
    this.backwardLayer = make('backward', !base.goBackwards);
    this.backwardLayer.reverseOutput = true;
    this.zeroOutputForMask = args.zeroOutputForMask ?? true;
  }

  /** Whether masked steps output zeros in both halves (only with returnSequences). */
  get zeroOutputForMask(): boolean {
    return this.forwardLayer.zeroOutputForMask;
  }

  set zeroOutputForMask(on: boolean) {
    this.forwardLayer.zeroOutputForMask = this.backwardLayer.zeroOutputForMask = on && this.forwardLayer.returnSequences;
  }

  bindLoadContext(context: LoadContext | null): void {
    super.bindLoadContext(context);
    // the halves create the weights
    this.forwardLayer.bindLoadContext(context);
    this.backwardLayer.bindLoadContext(context);
  }

  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  build(inputShape: Shape | Shape[]): void {
    for (const l of [this.forwardLayer, this.backwardLayer]) {
      if (!l.built) {
        l.build(inputShape);
        l.built = true;
      }
      // The halves' weights are this layer's weights (forward first, as Keras orders them).
      this.weightRecords.push(...(l as unknown as { weightRecords: never[] }).weightRecords);
    }
  }

  /** Frees both halves' weights (also those a half made before its build failed). */
  dispose(): void {
    super.dispose();
    this.forwardLayer.dispose();
    this.backwardLayer.dispose();
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const f = this.forwardLayer.computeOutputShape(inputShape);
    const out = (this.returnState ? (f as Shape[])[0] : f) as Shape;
    const states = this.returnState ? (f as Shape[]).slice(1) : [];
    let merged: Shape | Shape[] = out;
    if (this.mergeMode === 'concat') {
      const last = out[out.length - 1];
      merged = [...out.slice(0, -1), last === null ? null : 2 * last];
    } else if (this.mergeMode === null) {
      merged = [out, out];
    }
    if (!this.returnState) return merged;
    const outs = this.mergeMode === null ? (merged as Shape[]) : [merged as Shape];
    return [...outs, ...states, ...states];
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0];
    const given = (kwargs.initialState as Tensor[] | undefined) ?? (list.length > 1 ? list.slice(1) : null);
    const n = this.forwardLayer.numStates;
    if (given && given.length !== 2 * n) throw new WasmgradError(msg`${this.name}: expected ${2 * n} initial states (forward then backward), got ${given.length}`);
    const mask = toMask(kwargs.mask as Tensor | null | undefined) ?? maskOf(x);
    // (RNN.call reads a mask given as bytes too)
    const sub = (states: Tensor[] | null): CallArgs => ({ training: kwargs.training, mask: (mask ?? null) as unknown as Tensor, initialState: states ?? undefined });
    const f = this.forwardLayer.apply(x, sub(given ? given.slice(0, n) : null)) as Tensor | Tensor[];
    const b = this.backwardLayer.apply(x, sub(given ? given.slice(n) : null)) as Tensor | Tensor[];
    const [yf, ...sf] = Array.isArray(f) ? f : [f];
    const [yb, ...sb] = Array.isArray(b) ? b : [b];
    let outs: Tensor[];
    if (this.mergeMode === null) outs = [yf, yb];
    else {
      let y: Tensor;
      if (this.mergeMode === 'concat') y = concat([yf, yb], -1);
      else if (this.mergeMode === 'sum') y = add(yf, yb);
      else if (this.mergeMode === 'mul') y = mul(yf, yb);
      else {
        const s = add(yf, yb);
        y = scale(s, 0.5);
        s.dispose();
      }
      yf.dispose();
      yb.dispose();
      outs = [y];
    }
    if (this.returnSequences) for (const o of outs) attachMask(o, mask);
    if (!this.returnState) return outs.length === 1 ? outs[0] : outs;
    return [...outs, ...sf, ...sb];
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: this.layerSpec, mergeMode: this.mergeMode };
  }
}

registerLayer(Bidirectional);
