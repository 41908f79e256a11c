// Merge layers (Keras semantics): add, subtract, multiply, average, maximum, minimum take a list of
// tensors of one shape (NumPy broadcasting allowed) and combine them elementwise; concatenate joins
// them along an axis. Residual and multi-branch functional models are built from these.
import { WasmgradError, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { add, sub, mul, maximum, minimum } from '../ops/binary.js';
import { scale } from '../ops/unary.js';
import { concat } from '../ops/shape.js';
import { Layer, type LayerArgs, type Shape } from './layer.js';
import { registerLayer } from './registry.js';

function listOf(layer: Layer, inputs: Tensor | Tensor[] | Shape | Shape[], min: number): unknown[] {
  const list = Array.isArray(inputs) && (inputs.length === 0 || Array.isArray(inputs[0]) || inputs[0] instanceof Tensor) ? inputs : null;
  if (!list || list.length < min) {
    throw new WasmgradError(msg`${layer.name} (${layer.className}): expected a list of at least ${min} inputs, got ${list ? list.length : 1}`);
  }
  return list as unknown[];
}

/** Broadcast of shapes with unknown (null) dimensions. */
function broadcastShape(layer: Layer, shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    let d: number | null = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const v = k < 0 ? 1 : s[k];
      if (v === 1) continue;
      if (v === null) {
        if (d === 1) d = null;
      } else if (d === 1 || d === null) d = v;
      else if (v !== d) {
        throw new WasmgradError(msg`${layer.name} (${layer.className}): input shapes ${shapes.map((x) => JSON.stringify(x)).join(', ')} do not broadcast`);
      }
    }
    out.push(d);
  }
  return out;
}

abstract class Merge extends Layer {
  protected abstract combine(a: Tensor, b: Tensor): Tensor;

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return broadcastShape(this, listOf(this, inputShape, 2) as Shape[]);
  }

  build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = listOf(this, inputs, 2) as Tensor[];
    let acc = this.combine(xs[0], xs[1]);
    for (let i = 2; i < xs.length; i++) {
      const next = this.combine(acc, xs[i]);
      acc.dispose(); // a running gradient computation holds what it needs
      acc = next;
    }
    return this.finish(acc, xs.length);
  }

  protected finish(y: Tensor, _n: number): Tensor {
    return y;
  }
}

export class Add extends Merge {
  static className = 'Add';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return add(a, b);
  }
}

export class Multiply extends Merge {
  static className = 'Multiply';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return mul(a, b);
  }
}

export class Maximum extends Merge {
  static className = 'Maximum';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return maximum(a, b);
  }
}

export class Minimum extends Merge {
  static className = 'Minimum';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return minimum(a, b);
  }
}

export class Average extends Merge {
  static className = 'Average';
  protected combine(a: Tensor, b: Tensor): Tensor {
    return add(a, b);
  }
  protected finish(y: Tensor, n: number): Tensor {
    const out = scale(y, 1 / n);
    y.dispose();
    return out;
  }
}

/** a - b of exactly two inputs. */
export class Subtract extends Merge {
  static className = 'Subtract';
  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = listOf(this, inputShape, 2) as Shape[];
    if (shapes.length !== 2) throw new WasmgradError(msg`${this.name} (Subtract): expected exactly 2 inputs, got ${shapes.length}`);
    return broadcastShape(this, shapes);
  }
  protected combine(a: Tensor, b: Tensor): Tensor {
    return sub(a, b);
  }
}

export class Concatenate extends Layer {
  static className = 'Concatenate';
  readonly axis: number;

  constructor(args: LayerArgs & { axis?: number } = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) throw new WasmgradError(msg`concatenate: axis must be a whole number, got ${axis}`);
    this.axis = axis;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = listOf(this, inputShape, 2) as Shape[];
    const rank = shapes[0].length;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank || (a === 0 && rank > 0)) {
      throw new WasmgradError(msg`${this.name} (Concatenate): axis ${this.axis} is out of range for inputs of rank ${rank} (the batch axis cannot be joined)`);
    }
    const out = shapes[0].slice();
    out[a] = 0;
    for (const s of shapes) {
      const bad = s.length !== rank || s.some((d, i) => i !== a && d !== null && out[i] !== null && i !== 0 && d !== shapes[0][i]);
      if (bad) throw new WasmgradError(msg`${this.name} (Concatenate): shapes ${shapes.map((x) => JSON.stringify(x)).join(', ')} differ outside axis ${this.axis}`);
      out[a] = out[a] === null || s[a] === null ? null : (out[a] as number) + (s[a] as number);
    }
    return out;
  }

  build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = listOf(this, inputs, 2) as Tensor[];
    return concat(xs, this.axis);
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

for (const cls of [Add, Multiply, Maximum, Minimum, Average, Subtract, Concatenate]) registerLayer(cls);
