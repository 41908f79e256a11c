// setDebug(true): every public op checks its float32 outputs for NaN and infinities and names
// itself and the first bad index.
import { WasmgradError, fmtShape, msg } from './errors.js';
import { Tensor, disposeIfThrows } from './tensor.js';
import { findNonFinite } from './engine/drivers/copy.js';
import { runAs } from './engine/op-context.js';
import { withTensorArgs, type TensorArgSpec } from './creation.js';

// The arguments each op takes as arrays too (TF.js's convertToTensor): see withTensorArgs.
const BINARY: TensorArgSpec = ['0', '1'];
const UNARY: TensorArgSpec = ['0n'];
const FIRST: TensorArgSpec = ['0'];
const TWO: TensorArgSpec = ['0', '1'];
const TENSOR_ARGS: Record<string, TensorArgSpec> = {
  ...Object.fromEntries(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference', 'equal', 'pow', 'greater', 'greaterEqual',
    'less', 'lessEqual', 'notEqual', 'logicalAnd', 'logicalOr', 'logicalXor'].map((n) => [n, BINARY])),
  ...Object.fromEntries(['neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'relu', 'leakyRelu', 'elu', 'selu',
    'gelu', 'sigmoid', 'tanh', 'softplus', 'swish', 'hardSigmoid', 'logicalNot', 'clone', 'softmax', 'logSoftmax', 'clipByValue', 'broadcastTo',
    'sum', 'mean', 'max', 'min', 'argMax', 'argMin', 'prod', 'norm', 'logSumExp', 'moments', 'cumsum', 'l2Normalize', 'dropout'].map((n) => [n, UNARY])),
  ...Object.fromEntries(['reshape', 'transpose', 'expandDims', 'squeeze', 'tile', 'pad', 'reverse', 'split', 'unstack', 'slice', 'maxPool', 'avgPool',
    'globalAvgPool', 'globalMaxPool', 'maxPool3d', 'avgPool3d', 'resizeBilinear', 'resizeNearestNeighbor'].map((n) => [n, FIRST])),
  ...Object.fromEntries(['matMul', 'conv1d', 'conv2d', 'depthwiseConv2d', 'conv2dTranspose', 'conv3d', 'conv3dTranspose', 'dilation2d', 'conv2dBackpropFilter'].map((n) => [n, TWO])),
  conv2dBackpropInput: ['1', '2'],
  concat: ['L0'], stack: ['L0'],
  where: ['0', '1', '2'],
  gather: ['0'], // (indices are taken as arrays by gather and oneHot themselves, each value checked)
  batchNorm: ['0', '1n', '2n', '3n', '4n'],
};

let debug = false;

export function setDebug(on: boolean): void {
  debug = !!on;
}

export function isDebug(): boolean {
  return debug;
}

function check(name: string, t: unknown): void {
  if (t instanceof Tensor && t.dtype === 'float32' && !t.isDisposed && t.size > 0) {
    const i = findNonFinite(t);
    if (i >= 0) {
      const v = t.dataSync()[i];
      throw new WasmgradError(msg`${name}: output ${fmtShape(t.shape)} has ${v} at flat index ${i} (setDebug is on)`);
    }
  } else if (Array.isArray(t)) {
    for (const x of t) check(name, x);
  }
}

function disposeOutputs(t: unknown): void {
  if (t instanceof Tensor) t.dispose();
  else if (Array.isArray(t)) for (const x of t) disposeOutputs(x);
}

/** Wraps an op so that, in debug mode, its outputs are checked (and freed when the check fails). */
export function debugged<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  const spec = Object.hasOwn(TENSOR_ARGS, name) ? TENSOR_ARGS[name] : null;
  const call = spec ? (...args: never[]) => withTensorArgs(spec, args, fn as unknown as (...a: unknown[]) => unknown) : fn;
  return ((...args: never[]) => {
    const out = disposeIfThrows(() => runAs(name, args, () => call(...args)));
    if (debug) {
      try {
        check(name, out);
      } catch (err) {
        disposeOutputs(out);
        throw err;
      }
    }
    return out;
  }) as F;
}
