// Chained tensor methods, as TensorFlow.js has them: x.sub(m).div(s).relu().sum(-1). Each method
// is the op of the same name with the tensor as its first argument, so methods and ops cannot
// drift apart; the few methods without a same-named op (asType, flatten, print, ...) are below.
// Installed on Tensor's prototype once, by the module that imports this file (both entries do).
import { Tensor, type DType, type NestedArray } from './tensor.js';
import * as ops from './ops/index.js';
import { powTfjs } from './ops/elementwise-js.js';
import { variable, type Variable } from './variables.js';
import { TensorBuffer } from './tensor-buffer.js';

type Ops = typeof ops;
type Method<F> = F extends (x: Tensor, ...rest: infer R) => infer Out ? (...rest: R) => Out : never;

const CHAINED = [
  'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference', 'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual',
  'logicalAnd', 'logicalOr', 'logicalXor', 'logicalNot', 'broadcastTo', 'mod', 'floorDiv', 'atan2',
  'neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'clipByValue', 'relu', 'relu6', 'leakyRelu', 'elu',
  'selu', 'gelu', 'sigmoid', 'tanh', 'softplus', 'swish', 'floor', 'ceil', 'round', 'sign', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh',
  'cosh', 'asinh', 'acosh', 'atanh', 'erf', 'step', 'isNaN', 'isInf', 'isFinite',
  'sum', 'mean', 'max', 'min', 'prod', 'argMax', 'argMin', 'norm', 'logSumExp', 'all', 'any', 'moments',
  'reshape', 'transpose', 'slice', 'gather', 'oneHot', 'expandDims', 'squeeze', 'clone', 'tile', 'pad', 'reverse', 'split', 'unstack', 'cumsum',
  'topk', 'cast', 'l2Normalize', 'softmax', 'logSoftmax', 'dropout', 'matMul', 'conv1d', 'conv2d', 'depthwiseConv2d', 'conv2dTranspose',
  'maxPool', 'avgPool', 'dilation2d', 'batchNorm', 'layerNorm',
] as const;

type Chained = (typeof CHAINED)[number];

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
for (const name of CHAINED) {
  const op = (ops as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
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
    return ops.reshape(this, other.shape);
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
  print(this: Tensor, verbose = true) {
    console.log(verbose === false ? this.toString() : `${this.toString()}\n${JSON.stringify(this.arraySync())}`);
  },
  variable(this: Tensor, trainable = true, name?: string) {
    return variable(this, trainable, name);
  },
});

/** TF.js's dot: vector . vector, matrix . vector, vector . matrix, matrix . matrix. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.rank > 2 || b.rank > 2 || a.rank === 0 || b.rank === 0) {
    throw new TypeError(`dot: operands must be rank 1 or 2, got ${a.rank} and ${b.rank}`);
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
