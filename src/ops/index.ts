// Every public op, wrapped for debug mode.
import { debugged } from '../debug.js';
import * as binary from './binary.js';
import * as unary from './unary.js';
import * as reduce from './reduce.js';
import * as shape from './shape.js';
import * as softmaxOps from './softmax.js';
import * as random from './random.js';
import { matMul as matMulOp } from './matmul.js';

export const add = debugged('add', binary.add);
export const sub = debugged('sub', binary.sub);
export const mul = debugged('mul', binary.mul);
export const div = debugged('div', binary.div);
export const maximum = debugged('maximum', binary.maximum);
export const minimum = debugged('minimum', binary.minimum);
export const squaredDifference = debugged('squaredDifference', binary.squaredDifference);
export const equal = debugged('equal', binary.equal);
export const broadcastTo = debugged('broadcastTo', binary.broadcastTo);

export const neg = debugged('neg', unary.neg);
export const abs = debugged('abs', unary.abs);
export const exp = debugged('exp', unary.exp);
export const log = debugged('log', unary.log);
export const log1p = debugged('log1p', unary.log1p);
export const expm1 = debugged('expm1', unary.expm1);
export const sqrt = debugged('sqrt', unary.sqrt);
export const rsqrt = debugged('rsqrt', unary.rsqrt);
export const square = debugged('square', unary.square);
export const reciprocal = debugged('reciprocal', unary.reciprocal);
export const pow = debugged('pow', unary.pow);
export const clipByValue = debugged('clipByValue', unary.clipByValue);
export const relu = debugged('relu', unary.relu);
export const leakyRelu = debugged('leakyRelu', unary.leakyRelu);
export const elu = debugged('elu', unary.elu);
export const selu = debugged('selu', unary.selu);
export const gelu = debugged('gelu', unary.gelu);
export const sigmoid = debugged('sigmoid', unary.sigmoid);
export const tanh = debugged('tanh', unary.tanh);
export const softplus = debugged('softplus', unary.softplus);
export const swish = debugged('swish', unary.swish);
export const hardSigmoid = debugged('hardSigmoid', unary.hardSigmoid);

export const sum = debugged('sum', reduce.sum);
export const mean = debugged('mean', reduce.mean);
export const max = debugged('max', reduce.max);
export const min = debugged('min', reduce.min);
export const argMax = debugged('argMax', reduce.argMax);
export const argMin = debugged('argMin', reduce.argMin);

export const reshape = debugged('reshape', shape.reshape);
export const transpose = debugged('transpose', shape.transpose);
export const concat = debugged('concat', shape.concat);
export const stack = debugged('stack', shape.stack);
export const slice = debugged('slice', shape.slice);
export const gather = debugged('gather', shape.gather);
export const oneHot = debugged('oneHot', shape.oneHot);
export const expandDims = debugged('expandDims', shape.expandDims);
export const squeeze = debugged('squeeze', shape.squeeze);
export const clone = debugged('clone', shape.clone);

export const softmax = debugged('softmax', softmaxOps.softmax);
export const logSoftmax = debugged('logSoftmax', softmaxOps.logSoftmax);

export const randomNormal = debugged('randomNormal', random.randomNormal);
export const randomUniform = debugged('randomUniform', random.randomUniform);
export const truncatedNormal = debugged('truncatedNormal', random.truncatedNormal);
export const dropout = debugged('dropout', random.dropout);

export const matMul = debugged('matMul', matMulOp);

// Recurrent sequences as single ops (what the lstm, gru and simpleRNN layers call)
import * as rnnOps from './rnn.js';
export const lstmSequence = debugged('lstmSequence', rnnOps.lstmSequence);
export const gruSequence = debugged('gruSequence', rnnOps.gruSequence);
export const simpleRNNSequence = debugged('simpleRNNSequence', rnnOps.simpleRNNSequence);

// Convolution, pooling and normalization (src/ops/conv.ts, pool.ts, norm.ts)
import * as convOps from './conv.js';
import * as poolOps from './pool.js';
import * as normOps from './norm.js';
export const conv2d = debugged('conv2d', convOps.conv2d);
export const fusedConv2d = debugged('fusedConv2d', convOps.fusedConv2d);
export const conv1d = debugged('conv1d', convOps.conv1d);
export const depthwiseConv2d = debugged('depthwiseConv2d', convOps.depthwiseConv2d);
export const fusedDepthwiseConv2d = debugged('fusedDepthwiseConv2d', convOps.fusedDepthwiseConv2d);
export const conv2dTranspose = debugged('conv2dTranspose', convOps.conv2dTranspose);
export const conv2dBackpropInput = debugged('conv2dBackpropInput', convOps.conv2dBackpropInput);
export const conv2dBackpropFilter = debugged('conv2dBackpropFilter', convOps.conv2dBackpropFilter);
export const maxPool = debugged('maxPool', poolOps.maxPool);
export const avgPool = debugged('avgPool', poolOps.avgPool);
export const globalAvgPool = debugged('globalAvgPool', poolOps.globalAvgPool);
export const globalMaxPool = debugged('globalMaxPool', poolOps.globalMaxPool);
import * as conv3dOps from './conv3d.js';
import * as pool3dOps from './pool3d.js';
import { dilation2d as dilation2dOp } from './dilation.js';
export const conv3d = debugged('conv3d', conv3dOps.conv3d);
export const conv3dTranspose = debugged('conv3dTranspose', conv3dOps.conv3dTranspose);
export const maxPool3d = debugged('maxPool3d', pool3dOps.maxPool3d);
export const avgPool3d = debugged('avgPool3d', pool3dOps.avgPool3d);
export const maxPoolWithArgmax = pool3dOps.maxPoolWithArgmax;
export const dilation2d = debugged('dilation2d', dilation2dOp);
export const batchNorm = debugged('batchNorm', normOps.batchNorm);
export const fusedBatchNorm = debugged('fusedBatchNorm', normOps.fusedBatchNorm);
export const layerNorm = debugged('layerNorm', normOps.layerNorm);
export const moments = debugged('moments', normOps.moments);

// Comparisons, logical ops, where; functions without kernels; rearranging and generating ops
// (src/ops/compare.ts, elementwise-js.ts, arrange.ts)
import * as compareOps from './compare.js';
import * as arrangeOps from './arrange.js';
export const greater = debugged('greater', compareOps.greater);
export const greaterEqual = debugged('greaterEqual', compareOps.greaterEqual);
export const less = debugged('less', compareOps.less);
export const lessEqual = debugged('lessEqual', compareOps.lessEqual);
export const notEqual = debugged('notEqual', compareOps.notEqual);
export const logicalAnd = debugged('logicalAnd', compareOps.logicalAnd);
export const logicalOr = debugged('logicalOr', compareOps.logicalOr);
export const logicalXor = debugged('logicalXor', compareOps.logicalXor);
export const logicalNot = debugged('logicalNot', compareOps.logicalNot);
export const where = debugged('where', compareOps.where);
export { floor, ceil, round, sign, sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, erf, relu6, step, isNaN, isInf, isFinite, floorDiv, mod, atan2 } from './elementwise-js.js';
export const tile = debugged('tile', arrangeOps.tile);
export const pad = debugged('pad', arrangeOps.pad);
export const reverse = debugged('reverse', arrangeOps.reverse);
export const split = debugged('split', arrangeOps.split);
export const unstack = debugged('unstack', arrangeOps.unstack);
export const cumsum = debugged('cumsum', arrangeOps.cumsum);
export const topk = arrangeOps.topk;
export const range = arrangeOps.range;
export const linspace = arrangeOps.linspace;
export const eye = arrangeOps.eye;
export const cast = arrangeOps.cast;
export const prod = debugged('prod', arrangeOps.prod);
export const norm = debugged('norm', arrangeOps.norm);
export const l2Normalize = debugged('l2Normalize', arrangeOps.l2Normalize);
export const logSumExp = debugged('logSumExp', arrangeOps.logSumExp);
export const all = arrangeOps.all;
export const any = arrangeOps.any;
export const multinomial = arrangeOps.multinomial;

// tf.image: resizing (src/ops/image.ts)
import * as imageOps from './image.js';
export const image = {
  resizeBilinear: debugged('resizeBilinear', imageOps.resizeBilinear),
  resizeNearestNeighbor: debugged('resizeNearestNeighbor', imageOps.resizeNearestNeighbor),
};
