// Elementwise layers TF.js has and wasmgrad lacked: masking (zeroes masked time steps and gives
// recurrent layers the mask), thresholdedReLU (x where x > theta, else 0) and rescaling
// (x * scale + offset). The 0/1 factors are plain data (not differentiable, as in TF.js), so the
// gradient is that factor, by composition through mul.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { tensor } from '../creation.js';
import { add, mul } from '../ops/binary.js';
import { Layer, type LayerArgs } from './layer.js';
import { registerLayer } from './registry.js';
import { firstInput } from './first-input.js';
import { attachMask } from './mask.js';

function finite(v: unknown, where: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new WasmgradError(msg`${where}: ${what} must be a finite number, got ${jsonOf(v)}`);
  return v;
}

/**
 * masking({ maskValue = 0 }): a position (every axis but the last) whose features all equal
 * maskValue is masked: its output is zero, and for [B, T, F] inputs the [B, T] mask travels with
 * the output so a following recurrent layer skips those steps.
 */
export class Masking extends Layer {
  static className = 'Masking';
  readonly maskValue: number;
  constructor(args: LayerArgs & { maskValue?: number } = {}) {
    super(args);
    this.maskValue = finite(args.maskValue ?? 0, 'masking', 'maskValue');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    if (x.rank < 2) throw new WasmgradError(msg`${this.name}: expected input of rank >= 2 (features last), got ${jsonOf(x.shape)}`);
    const f = x.shape[x.rank - 1];
    const v = x.dataSync();
    const rows = f === 0 ? 0 : v.length / f;
    const keep = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < f; j++) {
        if (v[r * f + j] !== this.maskValue) {
          keep[r] = 1;
          break;
        }
      }
    }
    const out = tidy(() => mul(x, tensor(Float32Array.from(keep), [...x.shape.slice(0, -1), 1])));
    if (x.rank === 3) attachMask(out, keep);
    return out;
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

/** thresholdedReLU({ theta = 1 }): x where x > theta, 0 elsewhere. */
export class ThresholdedReLU extends Layer {
  static className = 'ThresholdedReLU';
  readonly theta: number;
  constructor(args: LayerArgs & { theta?: number } = {}) {
    super(args);
    this.theta = finite(args.theta ?? 1, 'thresholdedReLU', 'theta');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    const above = Float32Array.from(x.dataSync(), (v) => (v > this.theta ? 1 : 0));
    return tidy(() => mul(x, tensor(above, x.shape)));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), theta: this.theta };
  }
}

/** rescaling({ scale, offset = 0 }): x * scale + offset (e.g. pixels to [0, 1] or [-1, 1]). */
export class Rescaling extends Layer {
  static className = 'Rescaling';
  readonly scale: number;
  readonly offset: number;
  constructor(args: LayerArgs & { scale: number; offset?: number }) {
    super(args);
    this.scale = finite(args?.scale, 'rescaling', 'scale');
    this.offset = finite(args.offset ?? 0, 'rescaling', 'offset');
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = firstInput(inputs);
    return tidy(() => add(mul(x, this.scale), this.offset));
  }
  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

for (const cls of [Masking, ThresholdedReLU, Rescaling]) registerLayer(cls);
