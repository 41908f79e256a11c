// Chained tensor methods, as TensorFlow.js has them: x.sub(m).div(s).relu().sum(-1). Each method
// is the op of the same name with the tensor as its first argument, its parameters the op's own
// (tests/tensor-methods.test.ts checks every one calls its namesake); the few methods without a
// same-named op (asType, flatten, print, ...) follow them. Put in Tensor's prototype chain once, by
// the module that imports this file (both entries do).
import { Tensor, type DType, type NestedArray } from './tensor.js';
import * as ops from './ops/index.js';
import { powTfjs } from './ops/elementwise-js.js';
import { variable, type Variable } from './variables.js';
import { TensorBuffer } from './tensor-buffer.js';
import { checkTensor } from './ops/util.js';
import { WasmgradError, msg } from './errors.js';

type Ops = typeof ops;
/** The op's parameters after its first: a method's own. */
type Rest<K extends keyof Ops> = Ops[K] extends (x: Tensor, ...rest: infer R) => unknown ? R : never;

// A class, not a loop over a name -> op table: its methods are made from one template when the
// class is evaluated, where the loop made a closure and a context per method and grew the
// prototype's dictionary one entry at a time (about 50 KB of young objects at import).
class ChainedMethods {
  add(this: Tensor, ...rest: Rest<'add'>) {
    return ops.add(this, ...rest);
  }
  sub(this: Tensor, ...rest: Rest<'sub'>) {
    return ops.sub(this, ...rest);
  }
  mul(this: Tensor, ...rest: Rest<'mul'>) {
    return ops.mul(this, ...rest);
  }
  div(this: Tensor, ...rest: Rest<'div'>) {
    return ops.div(this, ...rest);
  }
  maximum(this: Tensor, ...rest: Rest<'maximum'>) {
    return ops.maximum(this, ...rest);
  }
  minimum(this: Tensor, ...rest: Rest<'minimum'>) {
    return ops.minimum(this, ...rest);
  }
  squaredDifference(this: Tensor, ...rest: Rest<'squaredDifference'>) {
    return ops.squaredDifference(this, ...rest);
  }
  equal(this: Tensor, ...rest: Rest<'equal'>) {
    return ops.equal(this, ...rest);
  }
  notEqual(this: Tensor, ...rest: Rest<'notEqual'>) {
    return ops.notEqual(this, ...rest);
  }
  greater(this: Tensor, ...rest: Rest<'greater'>) {
    return ops.greater(this, ...rest);
  }
  greaterEqual(this: Tensor, ...rest: Rest<'greaterEqual'>) {
    return ops.greaterEqual(this, ...rest);
  }
  less(this: Tensor, ...rest: Rest<'less'>) {
    return ops.less(this, ...rest);
  }
  lessEqual(this: Tensor, ...rest: Rest<'lessEqual'>) {
    return ops.lessEqual(this, ...rest);
  }
  logicalAnd(this: Tensor, ...rest: Rest<'logicalAnd'>) {
    return ops.logicalAnd(this, ...rest);
  }
  logicalOr(this: Tensor, ...rest: Rest<'logicalOr'>) {
    return ops.logicalOr(this, ...rest);
  }
  logicalXor(this: Tensor, ...rest: Rest<'logicalXor'>) {
    return ops.logicalXor(this, ...rest);
  }
  logicalNot(this: Tensor, ...rest: Rest<'logicalNot'>) {
    return ops.logicalNot(this, ...rest);
  }
  broadcastTo(this: Tensor, ...rest: Rest<'broadcastTo'>) {
    return ops.broadcastTo(this, ...rest);
  }
  mod(this: Tensor, ...rest: Rest<'mod'>) {
    return ops.mod(this, ...rest);
  }
  floorDiv(this: Tensor, ...rest: Rest<'floorDiv'>) {
    return ops.floorDiv(this, ...rest);
  }
  atan2(this: Tensor, ...rest: Rest<'atan2'>) {
    return ops.atan2(this, ...rest);
  }
  neg(this: Tensor, ...rest: Rest<'neg'>) {
    return ops.neg(this, ...rest);
  }
  abs(this: Tensor, ...rest: Rest<'abs'>) {
    return ops.abs(this, ...rest);
  }
  exp(this: Tensor, ...rest: Rest<'exp'>) {
    return ops.exp(this, ...rest);
  }
  log(this: Tensor, ...rest: Rest<'log'>) {
    return ops.log(this, ...rest);
  }
  log1p(this: Tensor, ...rest: Rest<'log1p'>) {
    return ops.log1p(this, ...rest);
  }
  expm1(this: Tensor, ...rest: Rest<'expm1'>) {
    return ops.expm1(this, ...rest);
  }
  sqrt(this: Tensor, ...rest: Rest<'sqrt'>) {
    return ops.sqrt(this, ...rest);
  }
  rsqrt(this: Tensor, ...rest: Rest<'rsqrt'>) {
    return ops.rsqrt(this, ...rest);
  }
  square(this: Tensor, ...rest: Rest<'square'>) {
    return ops.square(this, ...rest);
  }
  reciprocal(this: Tensor, ...rest: Rest<'reciprocal'>) {
    return ops.reciprocal(this, ...rest);
  }
  clipByValue(this: Tensor, ...rest: Rest<'clipByValue'>) {
    return ops.clipByValue(this, ...rest);
  }
  relu(this: Tensor, ...rest: Rest<'relu'>) {
    return ops.relu(this, ...rest);
  }
  relu6(this: Tensor, ...rest: Rest<'relu6'>) {
    return ops.relu6(this, ...rest);
  }
  leakyRelu(this: Tensor, ...rest: Rest<'leakyRelu'>) {
    return ops.leakyRelu(this, ...rest);
  }
  elu(this: Tensor, ...rest: Rest<'elu'>) {
    return ops.elu(this, ...rest);
  }
  selu(this: Tensor, ...rest: Rest<'selu'>) {
    return ops.selu(this, ...rest);
  }
  gelu(this: Tensor, ...rest: Rest<'gelu'>) {
    return ops.gelu(this, ...rest);
  }
  sigmoid(this: Tensor, ...rest: Rest<'sigmoid'>) {
    return ops.sigmoid(this, ...rest);
  }
  tanh(this: Tensor, ...rest: Rest<'tanh'>) {
    return ops.tanh(this, ...rest);
  }
  softplus(this: Tensor, ...rest: Rest<'softplus'>) {
    return ops.softplus(this, ...rest);
  }
  swish(this: Tensor, ...rest: Rest<'swish'>) {
    return ops.swish(this, ...rest);
  }
  floor(this: Tensor, ...rest: Rest<'floor'>) {
    return ops.floor(this, ...rest);
  }
  ceil(this: Tensor, ...rest: Rest<'ceil'>) {
    return ops.ceil(this, ...rest);
  }
  round(this: Tensor, ...rest: Rest<'round'>) {
    return ops.round(this, ...rest);
  }
  sign(this: Tensor, ...rest: Rest<'sign'>) {
    return ops.sign(this, ...rest);
  }
  sin(this: Tensor, ...rest: Rest<'sin'>) {
    return ops.sin(this, ...rest);
  }
  cos(this: Tensor, ...rest: Rest<'cos'>) {
    return ops.cos(this, ...rest);
  }
  tan(this: Tensor, ...rest: Rest<'tan'>) {
    return ops.tan(this, ...rest);
  }
  asin(this: Tensor, ...rest: Rest<'asin'>) {
    return ops.asin(this, ...rest);
  }
  acos(this: Tensor, ...rest: Rest<'acos'>) {
    return ops.acos(this, ...rest);
  }
  atan(this: Tensor, ...rest: Rest<'atan'>) {
    return ops.atan(this, ...rest);
  }
  sinh(this: Tensor, ...rest: Rest<'sinh'>) {
    return ops.sinh(this, ...rest);
  }
  cosh(this: Tensor, ...rest: Rest<'cosh'>) {
    return ops.cosh(this, ...rest);
  }
  asinh(this: Tensor, ...rest: Rest<'asinh'>) {
    return ops.asinh(this, ...rest);
  }
  acosh(this: Tensor, ...rest: Rest<'acosh'>) {
    return ops.acosh(this, ...rest);
  }
  atanh(this: Tensor, ...rest: Rest<'atanh'>) {
    return ops.atanh(this, ...rest);
  }
  erf(this: Tensor, ...rest: Rest<'erf'>) {
    return ops.erf(this, ...rest);
  }
  step(this: Tensor, ...rest: Rest<'step'>) {
    return ops.step(this, ...rest);
  }
  isNaN(this: Tensor, ...rest: Rest<'isNaN'>) {
    return ops.isNaN(this, ...rest);
  }
  isInf(this: Tensor, ...rest: Rest<'isInf'>) {
    return ops.isInf(this, ...rest);
  }
  isFinite(this: Tensor, ...rest: Rest<'isFinite'>) {
    return ops.isFinite(this, ...rest);
  }
  sum(this: Tensor, ...rest: Rest<'sum'>) {
    return ops.sum(this, ...rest);
  }
  mean(this: Tensor, ...rest: Rest<'mean'>) {
    return ops.mean(this, ...rest);
  }
  max(this: Tensor, ...rest: Rest<'max'>) {
    return ops.max(this, ...rest);
  }
  min(this: Tensor, ...rest: Rest<'min'>) {
    return ops.min(this, ...rest);
  }
  prod(this: Tensor, ...rest: Rest<'prod'>) {
    return ops.prod(this, ...rest);
  }
  argMax(this: Tensor, ...rest: Rest<'argMax'>) {
    return ops.argMax(this, ...rest);
  }
  argMin(this: Tensor, ...rest: Rest<'argMin'>) {
    return ops.argMin(this, ...rest);
  }
  norm(this: Tensor, ...rest: Rest<'norm'>) {
    return ops.norm(this, ...rest);
  }
  logSumExp(this: Tensor, ...rest: Rest<'logSumExp'>) {
    return ops.logSumExp(this, ...rest);
  }
  all(this: Tensor, ...rest: Rest<'all'>) {
    return ops.all(this, ...rest);
  }
  any(this: Tensor, ...rest: Rest<'any'>) {
    return ops.any(this, ...rest);
  }
  moments(this: Tensor, ...rest: Rest<'moments'>) {
    return ops.moments(this, ...rest);
  }
  reshape(this: Tensor, ...rest: Rest<'reshape'>) {
    return ops.reshape(this, ...rest);
  }
  transpose(this: Tensor, ...rest: Rest<'transpose'>) {
    return ops.transpose(this, ...rest);
  }
  slice(this: Tensor, ...rest: Rest<'slice'>) {
    return ops.slice(this, ...rest);
  }
  gather(this: Tensor, ...rest: Rest<'gather'>) {
    return ops.gather(this, ...rest);
  }
  oneHot(this: Tensor, ...rest: Rest<'oneHot'>) {
    return ops.oneHot(this, ...rest);
  }
  expandDims(this: Tensor, ...rest: Rest<'expandDims'>) {
    return ops.expandDims(this, ...rest);
  }
  squeeze(this: Tensor, ...rest: Rest<'squeeze'>) {
    return ops.squeeze(this, ...rest);
  }
  clone(this: Tensor, ...rest: Rest<'clone'>) {
    return ops.clone(this, ...rest);
  }
  tile(this: Tensor, ...rest: Rest<'tile'>) {
    return ops.tile(this, ...rest);
  }
  pad(this: Tensor, ...rest: Rest<'pad'>) {
    return ops.pad(this, ...rest);
  }
  reverse(this: Tensor, ...rest: Rest<'reverse'>) {
    return ops.reverse(this, ...rest);
  }
  split(this: Tensor, ...rest: Rest<'split'>) {
    return ops.split(this, ...rest);
  }
  unstack(this: Tensor, ...rest: Rest<'unstack'>) {
    return ops.unstack(this, ...rest);
  }
  cumsum(this: Tensor, ...rest: Rest<'cumsum'>) {
    return ops.cumsum(this, ...rest);
  }
  topk(this: Tensor, ...rest: Rest<'topk'>) {
    return ops.topk(this, ...rest);
  }
  cast(this: Tensor, ...rest: Rest<'cast'>) {
    return ops.cast(this, ...rest);
  }
  l2Normalize(this: Tensor, ...rest: Rest<'l2Normalize'>) {
    return ops.l2Normalize(this, ...rest);
  }
  softmax(this: Tensor, ...rest: Rest<'softmax'>) {
    return ops.softmax(this, ...rest);
  }
  logSoftmax(this: Tensor, ...rest: Rest<'logSoftmax'>) {
    return ops.logSoftmax(this, ...rest);
  }
  dropout(this: Tensor, ...rest: Rest<'dropout'>) {
    return ops.dropout(this, ...rest);
  }
  matMul(this: Tensor, ...rest: Rest<'matMul'>) {
    return ops.matMul(this, ...rest);
  }
  conv1d(this: Tensor, ...rest: Rest<'conv1d'>) {
    return ops.conv1d(this, ...rest);
  }
  conv2d(this: Tensor, ...rest: Rest<'conv2d'>) {
    return ops.conv2d(this, ...rest);
  }
  depthwiseConv2d(this: Tensor, ...rest: Rest<'depthwiseConv2d'>) {
    return ops.depthwiseConv2d(this, ...rest);
  }
  conv2dTranspose(this: Tensor, ...rest: Rest<'conv2dTranspose'>) {
    return ops.conv2dTranspose(this, ...rest);
  }
  maxPool(this: Tensor, ...rest: Rest<'maxPool'>) {
    return ops.maxPool(this, ...rest);
  }
  avgPool(this: Tensor, ...rest: Rest<'avgPool'>) {
    return ops.avgPool(this, ...rest);
  }
  dilation2d(this: Tensor, ...rest: Rest<'dilation2d'>) {
    return ops.dilation2d(this, ...rest);
  }
  batchNorm(this: Tensor, ...rest: Rest<'batchNorm'>) {
    return ops.batchNorm(this, ...rest);
  }
  layerNorm(this: Tensor, ...rest: Rest<'layerNorm'>) {
    return ops.layerNorm(this, ...rest);
  }

  /** this ** exponent, the exponent a number or a tensor (broadcast), as TF.js's pow. */
  pow(this: Tensor, exponent: Tensor | number) {
    return powTfjs(this, exponent);
  }
  /** The tensor as another dtype (TF.js's asType / cast). */
  asType(this: Tensor, dtype: DType | 'bool') {
    return ops.cast(this, dtype);
  }
  toFloat(this: Tensor) {
    return ops.cast(this, 'float32');
  }
  toInt(this: Tensor) {
    return ops.cast(this, 'int32');
  }
  toBool(this: Tensor) {
    return ops.cast(this, 'bool');
  }
  /** A rank-1 view of the values. */
  flatten(this: Tensor) {
    return ops.reshape(this, [this.size]);
  }
  as1D(this: Tensor) {
    return ops.reshape(this, [this.size]);
  }
  as2D(this: Tensor, r: number, c: number) {
    return ops.reshape(this, [r, c]);
  }
  as3D(this: Tensor, a: number, b: number, c: number) {
    return ops.reshape(this, [a, b, c]);
  }
  as4D(this: Tensor, a: number, b: number, c: number, d: number) {
    return ops.reshape(this, [a, b, c, d]);
  }
  asScalar(this: Tensor) {
    return ops.reshape(this, []);
  }
  reshapeAs(this: Tensor, other: Tensor) {
    return ops.reshape(this, checkTensor(other, 'reshapeAs', 'other').shape);
  }
  /** Elements of this tensor where condition is non-zero, else of b (TF.js's a.where(condition, b)). */
  where(this: Tensor, condition: Tensor, b: Tensor) {
    return ops.where(condition, this, b);
  }
  /** x . b for rank 1 or 2 operands (matMul with vectors promoted as TF.js does). */
  dot(this: Tensor, b: Tensor) {
    return dot(this, b);
  }
  /** The values in a writable buffer (a copy). */
  bufferSync(this: Tensor) {
    return new TensorBuffer(this.shape, this.dtype, this.dataSync());
  }
  async buffer(this: Tensor) {
    return new TensorBuffer(this.shape, this.dtype, this.dataSync());
  }
  /** Prints the tensor (values too when verbose is not false). */
  print(this: Tensor, verbose = false) {
    console.log(this.toString(verbose));
  }
  /** A trainable variable initialised with this tensor's values. */
  variable(this: Tensor, trainable = true, name?: string) {
    return variable(this, trainable, name);
  }
}

declare module './tensor.js' {
  interface Tensor extends ChainedMethods {}
}

// Tensor.prototype -> ChainedMethods.prototype -> Object.prototype: the methods are found one step
// up the chain (the engine's inline caches check the chain once per call site).
Object.setPrototypeOf(Tensor.prototype, ChainedMethods.prototype);

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
