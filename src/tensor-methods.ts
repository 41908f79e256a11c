// Chained tensor methods, as TensorFlow.js has them: x.sub(m).div(s).relu().sum(-1). Each method
// is the op of the same name with the tensor as its first argument, so methods and ops cannot
// drift apart; the few methods without a same-named op (asType, flatten, print, ...) are below.
// Installed on Tensor's prototype once, by the module that imports this file (both entries do).
import { Tensor, type DType, type NestedArray } from './tensor.js';
import * as ops from './ops/index.js';
import { powTfjs } from './ops/elementwise-js.js';
import { variable, type Variable } from './variables.js';
import { TensorBuffer } from './tensor-buffer.js';
import { checkTensor } from './ops/util.js';
import { WasmgradError, msg } from './errors.js';

type Ops = typeof ops;
type Method<F> = F extends (x: Tensor, ...rest: infer R) => infer Out ? (...rest: R) => Out : never;

// name -> op, by static member access (a lookup by name would build a namespace object of
// getters for every op at import: time a cold start pays)
const CHAINED = {
  add: ops.add, sub: ops.sub, mul: ops.mul, div: ops.div, maximum: ops.maximum, minimum: ops.minimum,
  squaredDifference: ops.squaredDifference, equal: ops.equal, notEqual: ops.notEqual, greater: ops.greater,
  greaterEqual: ops.greaterEqual, less: ops.less, lessEqual: ops.lessEqual, logicalAnd: ops.logicalAnd, logicalOr: ops.logicalOr,
  logicalXor: ops.logicalXor, logicalNot: ops.logicalNot, broadcastTo: ops.broadcastTo, mod: ops.mod, floorDiv: ops.floorDiv,
  atan2: ops.atan2, neg: ops.neg, abs: ops.abs, exp: ops.exp, log: ops.log, log1p: ops.log1p, expm1: ops.expm1, sqrt: ops.sqrt,
  rsqrt: ops.rsqrt, square: ops.square, reciprocal: ops.reciprocal, clipByValue: ops.clipByValue, relu: ops.relu,
  relu6: ops.relu6, leakyRelu: ops.leakyRelu, elu: ops.elu, selu: ops.selu, gelu: ops.gelu, sigmoid: ops.sigmoid, tanh: ops.tanh,
  softplus: ops.softplus, swish: ops.swish, floor: ops.floor, ceil: ops.ceil, round: ops.round, sign: ops.sign, sin: ops.sin,
  cos: ops.cos, tan: ops.tan, asin: ops.asin, acos: ops.acos, atan: ops.atan, sinh: ops.sinh, cosh: ops.cosh, asinh: ops.asinh,
  acosh: ops.acosh, atanh: ops.atanh, erf: ops.erf, step: ops.step, isNaN: ops.isNaN, isInf: ops.isInf, isFinite: ops.isFinite,
  sum: ops.sum, mean: ops.mean, max: ops.max, min: ops.min, prod: ops.prod, argMax: ops.argMax, argMin: ops.argMin,
  norm: ops.norm, logSumExp: ops.logSumExp, all: ops.all, any: ops.any, moments: ops.moments, reshape: ops.reshape,
  transpose: ops.transpose, slice: ops.slice, gather: ops.gather, oneHot: ops.oneHot, expandDims: ops.expandDims,
  squeeze: ops.squeeze, clone: ops.clone, tile: ops.tile, pad: ops.pad, reverse: ops.reverse, split: ops.split,
  unstack: ops.unstack, cumsum: ops.cumsum, topk: ops.topk, cast: ops.cast, l2Normalize: ops.l2Normalize, softmax: ops.softmax,
  logSoftmax: ops.logSoftmax, dropout: ops.dropout, matMul: ops.matMul, conv1d: ops.conv1d, conv2d: ops.conv2d,
  depthwiseConv2d: ops.depthwiseConv2d, conv2dTranspose: ops.conv2dTranspose, maxPool: ops.maxPool, avgPool: ops.avgPool,
  dilation2d: ops.dilation2d, batchNorm: ops.batchNorm, layerNorm: ops.layerNorm,
};

type Chained = keyof typeof CHAINED;

declare module './tensor.js' {
  interface Tensor extends ChainedMethods {}
}

export type ChainedMethods = { [K in Chained]: Method<Ops[K]> } & {
  /** this ** exponent, the exponent a number or a tensor (broadcast), as TF.js's pow. */
  pow(exponent: Tensor | number): Tensor;
  /** The tensor as another dtype (TF.js's asType / cast). */
  asType(dtype: DType | 'bool'): Tensor;
  toFloat(): Tensor;
  toInt(): Tensor;
  toBool(): Tensor;
  /** A rank-1 view of the values. */
  flatten(): Tensor;
  as1D(): Tensor;
  as2D(rows: number, columns: number): Tensor;
  as3D(a: number, b: number, c: number): Tensor;
  as4D(a: number, b: number, c: number, d: number): Tensor;
  asScalar(): Tensor;
  reshapeAs(other: Tensor): Tensor;
  /** Elements of this tensor where condition is non-zero, else of b (TF.js's a.where(condition, b)). */
  where(condition: Tensor, b: Tensor): Tensor;
  /** x . b for rank 1 or 2 operands (matMul with vectors promoted as TF.js does). */
  dot(b: Tensor): Tensor;
  /** The values in a writable buffer (a copy). */
  bufferSync(): TensorBuffer;
  buffer(): Promise<TensorBuffer>;
  /** Prints the tensor (values too when verbose is not false). */
  print(verbose?: boolean): void;
  /** A trainable variable initialised with this tensor's values. */
  variable(trainable?: boolean, name?: string, dtype?: DType): Variable;
  array(): Promise<NestedArray>;
};

const proto = Tensor.prototype as unknown as Record<string, unknown>;
for (const [name, op] of Object.entries(CHAINED) as [string, (...a: unknown[]) => unknown][]) {
  proto[name] = function (this: Tensor, ...rest: unknown[]) {
    return op(this, ...rest);
  };
}

Object.assign(proto, {
  pow(this: Tensor, exponent: Tensor | number) {
    return powTfjs(this, exponent);
  },
  asType(this: Tensor, dtype: DType | 'bool') {
    return ops.cast(this, dtype);
  },
  toFloat(this: Tensor) {
    return ops.cast(this, 'float32');
  },
  toInt(this: Tensor) {
    return ops.cast(this, 'int32');
  },
  toBool(this: Tensor) {
    return ops.cast(this, 'bool');
  },
  flatten(this: Tensor) {
    return ops.reshape(this, [this.size]);
  },
  as1D(this: Tensor) {
    return ops.reshape(this, [this.size]);
  },
  as2D(this: Tensor, r: number, c: number) {
    return ops.reshape(this, [r, c]);
  },
  as3D(this: Tensor, a: number, b: number, c: number) {
    return ops.reshape(this, [a, b, c]);
  },
  as4D(this: Tensor, a: number, b: number, c: number, d: number) {
    return ops.reshape(this, [a, b, c, d]);
  },
  asScalar(this: Tensor) {
    return ops.reshape(this, []);
  },
  reshapeAs(this: Tensor, other: Tensor) {
    return ops.reshape(this, checkTensor(other, 'reshapeAs', 'other').shape);
  },
  where(this: Tensor, condition: Tensor, b: Tensor) {
    return ops.where(condition, this, b);
  },
  dot(this: Tensor, b: Tensor) {
    return dot(this, b);
  },
  bufferSync(this: Tensor) {
    return new TensorBuffer(this.shape, this.dtype, this.dataSync());
  },
  async buffer(this: Tensor) {
    return new TensorBuffer(this.shape, this.dtype, this.dataSync());
  },
  print(this: Tensor, verbose = false) {
    console.log(this.toString(verbose));
  },
  variable(this: Tensor, trainable = true, name?: string) {
    return variable(this, trainable, name);
  },
});

/** TF.js's dot: vector . vector, matrix . vector, vector . matrix, matrix . matrix. */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'dot', 'a');
  checkTensor(b, 'dot', 'b');
  if (a.rank > 2 || b.rank > 2 || a.rank === 0 || b.rank === 0) {
    throw new WasmgradError(msg`dot: operands must be rank 1 or 2, got ${a.rank} and ${b.rank}`);
  }
  const a2 = a.rank === 1 ? ops.reshape(a, [1, a.size]) : a;
  const b2 = b.rank === 1 ? ops.reshape(b, [b.size, 1]) : b;
  try {
    const c = ops.matMul(a2, b2);
    if (a.rank === 2 && b.rank === 2) return c;
    const shape = a.rank === 1 && b.rank === 1 ? [] : a.rank === 1 ? [c.shape[1]] : [c.shape[0]];
    const r = ops.reshape(c, shape);
    c.dispose();
    return r;
  } finally {
    if (a2 !== a) a2.dispose();
    if (b2 !== b) b2.dispose();
  }
}
