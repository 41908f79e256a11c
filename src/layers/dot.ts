// dot({ axes, normalize }): the per-sample dot product of two tensors along one axis of each
// (Keras / TF.js batchDot semantics): x [B, ...a] and y [B, ...b] contract x's axis axes[0] with
// y's axis axes[1], giving [B, ...a without it, ...b without it], and [B, 1] when nothing is left.
// With normalize, both are L2-normalized along those axes first (cosine similarity). Computed as
// one batched matMul after moving the contracted axes into place, so gradients are by composition.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy, sizeOf } from '../tensor.js';
import { div, maximum } from '../ops/binary.js';
import { sqrt, square } from '../ops/unary.js';
import { sum } from '../ops/reduce.js';
import { matMul } from '../ops/matmul.js';
import { reshape, transpose } from '../ops/shape.js';
import { Layer, type LayerArgs, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

export interface DotArgs extends LayerArgs {
  /** One axis for both inputs, or one per input; negative counts from the end; never 0 (the batch). */
  axes: number | [number, number];
  normalize?: boolean;
}

/** x / sqrt(max(sum(x^2, axis), 1e-7)), as TF.js's l2Normalize. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return tidy(() => div(x, sqrt(maximum(sum(square(x), axis, true), 1e-7))));
}

export class Dot extends Layer {
  static className = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(args: DotArgs) {
    super(args);
    const ax = args?.axes;
    const ok = (a: unknown) => Number.isInteger(a) && a !== 0;
    if (!(ok(ax) || (Array.isArray(ax) && ax.length === 2 && ax.every(ok)))) {
      throw new WasmgradError(msg`dot: axes must be a non-zero whole number or two of them (axis 0 is the batch), got ${jsonOf(ax)}`);
    }
    this.axes = Array.isArray(ax) ? [ax[0], ax[1]] : (ax as number);
    this.normalize = args.normalize ?? false;
    if (typeof this.normalize !== 'boolean') throw new WasmgradError(msg`dot: normalize must be a boolean, got ${jsonOf(args.normalize)}`);
  }

  /** The two shapes checked and the contracted axes made non-negative. */
  private resolve(shapes: Shape[]): [number, number] {
    if (!Array.isArray(shapes) || shapes.length !== 2 || !shapes.every(Array.isArray)) {
      throw new WasmgradError(msg`${this.name}: a dot layer takes exactly 2 inputs, got ${Array.isArray(shapes) ? shapes.length : 1}`);
    }
    const given = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const axes = shapes.map((s, i) => {
      if (s.length < 2) throw new WasmgradError(msg`${this.name}: input ${i} must have rank >= 2 (batch first), got ${jsonOf(s)}`);
      const a = given[i] < 0 ? given[i] + s.length : given[i];
      if (a < 1 || a >= s.length) throw new WasmgradError(msg`${this.name}: axis ${given[i]} is out of range for input ${i} of shape ${jsonOf(s)} (axis 0, the batch, cannot be contracted)`);
      return a;
    }) as [number, number];
    const [d0, d1] = [shapes[0][axes[0]], shapes[1][axes[1]]];
    if (d0 !== null && d1 !== null && d0 !== d1) {
      throw new WasmgradError(msg`${this.name}: the contracted dimensions differ: ${d0} (input 0 axis ${axes[0]}) vs ${d1} (input 1 axis ${axes[1]}), shapes ${jsonOf(shapes)}`);
    }
    return axes;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    const [a0, a1] = this.resolve(shapes);
    const out = [...shapes[0].filter((_, i) => i !== a0), ...shapes[1].filter((_, i) => i !== a1 && i !== 0)];
    return out.length === 1 ? [out[0], 1] : out;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(inputs)) throw new WasmgradError(msg`${this.name}: a dot layer takes a list of 2 inputs, got one tensor`);
    const [a0, a1] = this.resolve(inputs.map((t) => t.shape));
    if (inputs[0].shape[0] !== inputs[1].shape[0]) throw new WasmgradError(msg`${this.name}: the batch sizes differ: ${inputs[0].shape[0]} vs ${inputs[1].shape[0]}`);
    return tidy(() => {
      let [x, y] = inputs;
      if (this.normalize) {
        x = l2Normalize(x, a0);
        y = l2Normalize(y, a1);
      }
      const b = x.shape[0];
      const k = x.shape[a0];
      const xRest = x.shape.filter((_, i) => i !== 0 && i !== a0);
      const yRest = y.shape.filter((_, i) => i !== 0 && i !== a1);
      // x -> [B, M, K], y -> [B, K, N]: one batched matMul
      const xm = reshape(transpose(x, [0, ...xRest.map((_, i) => (i + 1 < a0 ? i + 1 : i + 2)), a0]), [b, sizeOf(xRest), k]);
      const ym = reshape(transpose(y, [0, a1, ...yRest.map((_, i) => (i + 1 < a1 ? i + 1 : i + 2))]), [b, k, sizeOf(yRest)]);
      const out = [...xRest, ...yRest];
      return reshape(matMul(xm, ym), [b, ...(out.length ? out : [1])]);
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

registerLayer(Dot);
