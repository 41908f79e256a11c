// TF.js's 3-D convolution and pooling, dilation2d and maxPoolWithArgmax: its argument order and
// defaults (dataFormat, the filter size of maxPool3d) over the root entry's ops.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import * as ops from '../ops/index.js';
import type { PadSpec, RoundingMode } from '../ops/window-parts.js';

type Triple = number | [number, number, number];
type Pair = number | [number, number];

function checkFormat(op: string, dataFormat: unknown, expected: string): void {
  if (dataFormat !== expected) throw new WasmgradError(msg`${op}: dataFormat ${jsonOf(dataFormat)} is not supported; only ${expected} is`);
}

export function conv3d(x: Tensor, filter: Tensor, strides: Triple, pad: 'valid' | 'same', dataFormat: 'NDHWC' | 'NCDHW' = 'NDHWC', dilations: Triple = [1, 1, 1]): Tensor {
  checkFormat('conv3d', dataFormat, 'NDHWC');
  return ops.conv3d(x, filter, strides, pad, dilations);
}

export function conv3dTranspose(x: Tensor, filter: Tensor, outputShape: number[], strides: Triple, pad: 'valid' | 'same'): Tensor {
  return ops.conv3dTranspose(x, filter, outputShape, strides, pad);
}

export function maxPool3d(
  x: Tensor, filterSize: Triple = [1, 1, 1], strides?: Triple, pad: PadSpec = 'valid', dimRoundingMode?: RoundingMode, dataFormat: 'NDHWC' | 'NCDHW' = 'NDHWC',
): Tensor {
  checkFormat('maxPool3d', dataFormat, 'NDHWC');
  return ops.maxPool3d(x, filterSize, strides, pad, dimRoundingMode);
}

export function avgPool3d(
  x: Tensor, filterSize: Triple, strides?: Triple, pad: PadSpec = 'valid', dimRoundingMode?: RoundingMode, dataFormat: 'NDHWC' | 'NCDHW' = 'NDHWC',
): Tensor {
  checkFormat('avgPool3d', dataFormat, 'NDHWC');
  return ops.avgPool3d(x, filterSize, strides, pad, dimRoundingMode);
}

export function dilation2d(x: Tensor, filter: Tensor, strides: Pair, pad: 'valid' | 'same', dilations: Pair = [1, 1], dataFormat: 'NHWC' = 'NHWC'): Tensor {
  checkFormat('dilation2d', dataFormat, 'NHWC');
  return ops.dilation2d(x, filter, strides, pad, dilations);
}

export function maxPoolWithArgmax(x: Tensor, filterSize: Pair, strides: Pair, pad: PadSpec, includeBatchInIndex = false): { result: Tensor; indexes: Tensor } {
  return ops.maxPoolWithArgmax(x, filterSize, strides, pad, includeBatchInIndex);
}
