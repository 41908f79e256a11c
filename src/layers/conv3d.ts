// 3-D convolution layers (channels last, NDHWC): conv3d with a kernel [kd, kh, kw, in, filters] and
// conv3dTranspose with [kd, kh, kw, filters, in], as Keras and TensorFlow.js lay them out. The
// bias is added and the activation applied after the convolution.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { conv3d as conv3dOp, conv3dTranspose as conv3dTransposeOp } from '../ops/conv3d.js';
import { registerLayer } from './registry.js';
import { Conv, ConvTranspose, type ConvLayerArgs } from './conv.js';

type Triple = [number, number, number];

export class Conv3D extends Conv {
  static className = 'Conv3D';
  constructor(args: ConvLayerArgs) {
    super(3, args);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.checkChannels(x, this.kernel!.shape[3]);
    const z = conv3dOp(x, this.kernel!, this.strides as Triple, this.padding as 'valid' | 'same', this.dilationRate as Triple);
    return this.biasThenActivation(z);
  }
}

export class Conv3DTranspose extends ConvTranspose {
  static className = 'Conv3DTranspose';
  constructor(args: ConvLayerArgs) {
    super(3, args);
    if (this.dilationRate.some((d) => d !== 1)) {
      throw new WasmgradError(msg`${this.name}: dilationRate other than 1 is not supported by a transposed 3-D convolution, got ${jsonOf(args.dilationRate)}`);
    }
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    this.checkChannels(x, this.kernel!.shape[4]);
    const out = this.computeOutputShape(x.shape) as number[];
    const z = conv3dTransposeOp(x, this.kernel!, out, this.strides as Triple, this.padding as 'valid' | 'same');
    return this.biasThenActivation(z);
  }
}

for (const cls of [Conv3D, Conv3DTranspose]) registerLayer(cls);
