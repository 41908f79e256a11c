// timeDistributed({ layer }): applies one layer to every time step of [B, T, ...]: the steps are
// folded into the batch ([B * T, ...]), the layer runs once, and the result is unfolded to
// [B, T, ...out]. The wrapped layer's weights are this layer's weights (saved under this layer's
// name, as TF.js does). Gradients come from reshape and the wrapped layer.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { reshape } from '../ops/shape.js';
import { Layer, type CallArgs, type LayerArgs, type Shape } from './layer.js';
import { getLayerClass, registerLayer } from './registry.js';

export interface TimeDistributedArgs extends LayerArgs {
  layer: Layer | { className: string; config: Record<string, unknown> };
}

export class TimeDistributed extends Layer {
  static className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    // an input shape given to the wrapped layer is the wrapper's (a sequential model reads it here)
    const inner = args?.layer instanceof Layer ? args.layer.batchInputShape : undefined;
    super(args && !args.inputShape && !args.batchInputShape && inner ? { ...args, batchInputShape: inner } : args);
    const given = args?.layer;
    if (given instanceof Layer) this.layer = given;
    else if (given && typeof given === 'object' && typeof (given as { className?: unknown }).className === 'string') {
      const spec = given as { className: string; config?: Record<string, unknown> };
      const made = getLayerClass(spec.className).fromConfig({ ...(spec.config ?? {}) });
      if (!(made instanceof Layer)) throw new WasmgradError(msg`${this.name}: ${spec.className}.fromConfig did not make a layer`);
      this.layer = made;
    } else throw new WasmgradError(msg`timeDistributed: layer must be a layer or { className, config }, got ${given === null ? 'null' : typeof given}`);
    if (this.layer === (this as Layer)) throw new WasmgradError('timeDistributed: a layer cannot wrap itself');
    this.supportsMasking = true;
  }

  private stepShape(inputShape: Shape): Shape {
    if (!Array.isArray(inputShape) || inputShape.length < 3) {
      throw new WasmgradError(msg`${this.name}: expected input of rank >= 3 ([batch, time, ...]), got ${jsonOf(inputShape)}`);
    }
    const [b, t] = inputShape;
    return [b === null || t === null ? null : b * t, ...inputShape.slice(2)];
  }

  build(inputShape: Shape | Shape[]): void {
    const step = this.stepShape(inputShape as Shape);
    if (!this.layer.built) {
      this.layer.build(step);
      this.layer.built = true;
    }
    this.weightRecords.push(...(this.layer as unknown as { weightRecords: never[] }).weightRecords);
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    const out = this.layer.computeOutputShape([null, ...this.stepShape(s).slice(1)]);
    if (Array.isArray(out[0])) throw new WasmgradError(msg`${this.name}: the wrapped layer ${this.layer.name} has several outputs; timeDistributed takes single-output layers`);
    return [s[0], s[1], ...(out as Shape).slice(1)];
  }

  call(inputs: Tensor | Tensor[], kwargs: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const [b, t] = x.shape;
    this.stepShape(x.shape);
    return tidy(() => {
      const y = this.layer.apply(reshape(x, [b * t, ...x.shape.slice(2)]), { training: kwargs.training });
      if (Array.isArray(y)) throw new WasmgradError(msg`${this.name}: the wrapped layer ${this.layer.name} returned ${y.length} tensors; timeDistributed takes single-output layers`);
      return reshape(y, [b, t, ...y.shape.slice(1)]);
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}

registerLayer(TimeDistributed);
