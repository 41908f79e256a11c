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
const LIST: TensorArgSpec = ['L0'];
const CONV_BACKPROP_INPUT: TensorArgSpec = ['1', '2'];
const WHERE: TensorArgSpec = ['0', '1', '2'];
const BATCH_NORM: TensorArgSpec = ['0', '1n', '2n', '3n', '4n'];

// A switch, not a table: a table of ~130 names is built at import, which a cold start pays for.
function tensorArgSpec(name: string): TensorArgSpec | null {
  switch (name) {
    case 'add': case 'sub': case 'mul': case 'div': case 'maximum': case 'minimum': case 'squaredDifference': case 'equal':
    case 'pow': case 'greater': case 'greaterEqual': case 'less': case 'lessEqual': case 'notEqual': case 'logicalAnd':
    case 'logicalOr': case 'logicalXor':
    case 'matMul': case 'conv1d': case 'conv2d': case 'depthwiseConv2d': case 'conv2dTranspose': case 'conv3d':
    case 'conv3dTranspose': case 'dilation2d': case 'conv2dBackpropFilter':
      return BINARY;
    case 'neg': case 'abs': case 'exp': case 'log': case 'log1p': case 'expm1': case 'sqrt': case 'rsqrt': case 'square':
    case 'reciprocal': case 'relu': case 'leakyRelu': case 'elu': case 'selu': case 'gelu': case 'sigmoid': case 'tanh':
    case 'softplus': case 'swish': case 'hardSigmoid': case 'logicalNot': case 'clone': case 'softmax': case 'logSoftmax':
    case 'clipByValue': case 'broadcastTo': case 'sum': case 'mean': case 'max': case 'min': case 'argMax': case 'argMin':
    case 'prod': case 'norm': case 'logSumExp': case 'moments': case 'cumsum': case 'l2Normalize': case 'dropout':
      return UNARY;
    case 'reshape': case 'transpose': case 'expandDims': case 'squeeze': case 'tile': case 'pad': case 'reverse': case 'split':
    case 'unstack': case 'slice': case 'maxPool': case 'avgPool': case 'globalAvgPool': case 'globalMaxPool': case 'maxPool3d':
    case 'avgPool3d': case 'resizeBilinear': case 'resizeNearestNeighbor':
    case 'gather': // (indices are taken as arrays by gather and oneHot themselves, each value checked)
      return FIRST;
    case 'conv2dBackpropInput':
      return CONV_BACKPROP_INPUT;
    case 'concat': case 'stack':
      return LIST;
    case 'where':
      return WHERE;
    case 'batchNorm':
      return BATCH_NORM;
    default:
      return null;
  }
}

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
  const spec = tensorArgSpec(name);
  const op = fn as unknown as (...a: unknown[]) => unknown;
  return ((...args: unknown[]) => {
    const out = disposeIfThrows(() => runAs(name, args, () => (spec ? withTensorArgs(spec, args, op) : op(...args))));
    if (debug) {
      try {
        check(name, out);
      } catch (err) {
        disposeOutputs(out);
        throw err;
      }
    }
    return out;
  }) as unknown as F;
}
