// The layers an inference plan runs itself: for each, the driver calls that compute what the layer's
// call() computes in inference mode, the same kernels with the same arguments (so the same bits),
// writing into a buffer the plan owns instead of a new tensor. A layer not listed here, a subclass
// of one (it may override call) or a custom activation function is not planned: the plan runs the
// layer's own apply() for it.
import { Tensor, sizeOf } from '../tensor.js';
import { gemm } from '../engine/drivers/gemm.js';
import { conv2dForward } from '../engine/drivers/conv.js';
import { poolForward } from '../engine/drivers/pool.js';
import { unary, binary, type BinaryOp } from '../engine/drivers/elementwise.js';
import { softmaxRows } from '../engine/drivers/softmax.js';
import { windowGeometry, type Padding } from '../ops/conv.js';
import { getActivation } from '../activations.js';
import type { Layer } from '../layers/layer.js';
import { Dense, Activation, Flatten, Reshape, Dropout } from '../layers/core.js';
import { Conv2D } from '../layers/conv.js';
import { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalMaxPooling1D } from '../layers/pooling.js';
import { reduceTensor } from '../engine/drivers/reduce.js';
import { Add, Subtract, Multiply, Maximum, Minimum, Concatenate } from '../layers/merge.js';
import { copyStrided, stridesOf, type StridedRegion } from '../engine/drivers/copy.js';
import { channelAffine } from '../engine/drivers/norm.js';
import { batchNormChannels } from '../ops/norm.js';
import { BatchNormalization } from '../layers/normalization.js';
import { SimpleRNN, LSTM, GRU, type RNN } from '../layers/recurrent.js';
import { rnnForward } from '../engine/drivers/rnn-forward.js';
import { GATES, type RnnCellKind, type RnnSequence } from '../engine/drivers/rnn.js';
import type { RnnActivation } from '../ops/rnn.js';
import { WasmgradError, msg } from '../errors.js';

/** A layer computed by driver calls from x (and x2, a merge's second input) into `out`. */
export interface ComputeStep {
  kind: 'compute';
  run(x: Tensor, out: Tensor, x2: Tensor | null): void;
  /** False once the layer's configuration differs from what was planned. */
  valid(): boolean;
}

/** What the plan does for one layer call: compute, pass the input on (alias), view it in another shape, or null (the layer's own apply). */
export type StepKind = ComputeStep | { kind: 'alias'; valid(): boolean } | { kind: 'view'; valid(): boolean } | null;

type ActivationKernel = (x: Tensor, y: Tensor) => void;

/** The driver call of a built-in activation applied after a linear part; every one may run in place (y = x). */
const ACTIVATION_KERNELS: Record<string, ActivationKernel> = {
  relu: (x, y) => unary('relu', x, y),
  sigmoid: (x, y) => unary('sigmoid', x, y),
  tanh: (x, y) => unary('tanh', x, y),
  elu: (x, y) => unary('elu', x, y, 1),
  selu: (x, y) => unary('selu', x, y),
  gelu: (x, y) => unary('gelu', x, y),
  softplus: (x, y) => unary('softplus', x, y),
  swish: (x, y) => unary('swish', x, y),
  leakyRelu: (x, y) => unary('leakyRelu', x, y, 0.3),
  relu6: (x, y) => unary('clip', x, y, 0, 6),
  // softmax_rows reads each element of a row before it writes that element
  softmax: (x, y) => softmaxRows(x, y, false),
};

/** The kernel of a layer's activation, when it is the built-in one of its name (not a user function). */
function activationKernel(act: { name: string; fn: unknown }): ActivationKernel | null {
  const k = Object.prototype.hasOwnProperty.call(ACTIVATION_KERNELS, act.name) ? ACTIVATION_KERNELS[act.name] : null;
  if (!k) return null;
  try {
    return getActivation(act.name).fn === act.fn ? k : null;
  } catch {
    return null;
  }
}

/** A linear part into out, then the activation: relu and linear in the linear part's epilogue, others a second kernel in place. */
function withActivation(
  act: { name: string; fn: unknown },
  linear: (x: Tensor, out: Tensor, fused: 'relu' | 'linear') => void,
  valid: () => boolean,
): ComputeStep | null {
  // as Dense.call and Conv.finish: relu and linear go by name into the epilogue
  if (act.name === 'relu' || act.name === 'linear') {
    const fused = act.name === 'relu' ? 'relu' : 'linear';
    return { kind: 'compute', valid, run: (x, out) => linear(x, out, fused) };
  }
  const k = activationKernel(act);
  if (!k) return null;
  return {
    kind: 'compute', valid,
    run: (x, out) => {
      linear(x, out, 'linear');
      k(out, out);
    },
  };
}

/** The kernel of each merge of two inputs (Merge.call: one binary op). */
const MERGES = new Map<unknown, BinaryOp>([[Add, 'add'], [Subtract, 'sub'], [Multiply, 'mul'], [Maximum, 'maximum'], [Minimum, 'minimum']]);

/**
 * How the plan runs one call of `layer` on float32 inputs of inShapes giving outShape (the shapes
 * seen when the plan was traced), or null for the layer's own apply.
 */
export function planLayer(layer: Layer, inShapes: readonly (readonly number[])[], outShape: readonly number[]): StepKind {
  const cls = layer.constructor;
  const size = sizeOf(outShape);
  if (size === 0 || inShapes.some((s) => sizeOf(s) === 0)) return null;
  const merge = MERGES.get(cls);
  if (merge && inShapes.length === 2) {
    return { kind: 'compute', valid: () => true, run: (x, out, x2) => binary(merge, x, x2!, out, merge) };
  }
  if (cls === Concatenate && inShapes.length === 2) return planConcat(layer as Concatenate, inShapes, outShape);
  if (inShapes.length !== 1) return null;
  const inShape = inShapes[0];
  if (cls === Dense) return planDense(layer as Dense, inShape, outShape);
  if (cls === Conv2D) return planConv2d(layer as Conv2D, inShape, size);
  if (cls === MaxPooling2D || cls === AveragePooling2D) return planPool(layer as MaxPooling2D, cls === MaxPooling2D, inShape);
  if (cls === Activation) {
    const a = layer as Activation;
    const act = a.activation;
    const valid = () => a.activation === act;
    if (act.name === 'linear' && act.fn === getActivation('linear').fn) return { kind: 'alias', valid };
    const k = activationKernel(act);
    if (!k) return null;
    return { kind: 'compute', valid, run: (x, out) => k(x, out) };
  }
  if (cls === GlobalAveragePooling2D || cls === GlobalAveragePooling1D) return planGlobalPool(false, inShape);
  if (cls === GlobalMaxPooling2D || cls === GlobalMaxPooling1D) return planGlobalPool(true, inShape);
  if (cls === BatchNormalization) return planBatchNorm(layer as BatchNormalization, inShape);
  if (cls === Dropout) return { kind: 'alias', valid: () => true };
  if (cls === Flatten || cls === Reshape) return { kind: 'view', valid: () => true };
  const sequence = SEQUENCES.get(cls);
  if (sequence) return planRecurrent(layer as RNN, sequence[0], sequence[1], inShape);
  return null;
}

/** The sequence op of each recurrent layer (RNN.call without state inputs, mask or dropout: one op). */
const SEQUENCES = new Map<unknown, [RnnCellKind, string]>([[SimpleRNN, ['simple', 'simpleRNNSequence']], [LSTM, ['lstm', 'lstmSequence']], [GRU, ['gru', 'gruSequence']]]);

/**
 * A recurrent layer's whole sequence in inference: the recurrent driver with the layer's options,
 * as its sequence op runs it, its output straight into the plan's buffer (the final states, which
 * the layer drops, are not copied out).
 */
function planRecurrent(r: RNN, cell: RnnCellKind, op: string, inShape: readonly number[]): StepKind {
  if (r.returnState || r.stateful || !r.fused || !r.kernel || inShape.length !== 3 || inShape[2] !== r.kernel.shape[0]) return null;
  const [B, T, I] = inShape;
  const u = r.units, G = GATES[cell] * u;
  const gated = r instanceof LSTM || r instanceof GRU ? r : null;
  const resetAfter = r instanceof GRU ? r.resetAfter : true;
  const { reverseOutput, zeroOutputForMask } = r;
  const seq: RnnSequence = {
    op, cell, resetAfter, batch: B, steps: T, inputSize: I, units: u,
    activation: r.activation as RnnActivation, recurrentActivation: (gated ? gated.recurrentActivation : 'sigmoid') as RnnActivation,
    goBackwards: r.goBackwards, returnSequences: r.returnSequences, reverseOutput, zeroOutputForMask, mask: null,
  };
  const biasShape = cell === 'gru' && resetAfter ? [2, G] : [G];
  const is = (t: Tensor | undefined, shape: number[]) => t !== undefined && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  const valid = () => r.reverseOutput === reverseOutput && r.zeroOutputForMask === zeroOutputForMask && r.kernel !== undefined;
  return {
    kind: 'compute', valid,
    run: (x, out) => {
      // weights are read at each run; any other shape than planned (the layer's call would refuse it) abandons the run
      if (!is(r.kernel, [I, G]) || !is(r.recurrentKernel, [u, G]) || (r.bias !== undefined && !is(r.bias, biasShape))) {
        throw new WasmgradError(msg`${r.name}: its weights are no longer the shapes planned`);
      }
      const inputs = { x, kernel: r.kernel!, recurrentKernel: r.recurrentKernel!, bias: r.bias ?? null, h0: null, c0: null, recurrentMask: null };
      const ws = rnnForward(seq, inputs, { y: out, hT: null, cT: null });
      for (const t of ws.saved) t.dispose();
    },
  };
}

function planDense(d: Dense, inShape: readonly number[], outShape: readonly number[]): StepKind {
  const kernel = d.kernel;
  if (!kernel || kernel.rank !== 2) return null;
  const k = kernel.shape[0], n = kernel.shape[1];
  if (inShape[inShape.length - 1] !== k || outShape[outShape.length - 1] !== n) return null;
  const m = sizeOf(inShape) / k;
  const act = d.activation, useBias = d.useBias;
  const valid = () => d.activation === act && d.useBias === useBias && d.kernel !== undefined;
  // the weights are read at each run: a rebuilt or reassigned weight is used as the layer would
  return withActivation(act, (x, out, fused) => gemm(x, d.kernel!, out, { m, n, k, bias: d.bias ?? null, act: fused }), valid);
}

function planConv2d(c: Conv2D, inShape: readonly number[], size: number): StepKind {
  const f = c.kernel;
  if (!f || f.rank !== 4 || inShape.length !== 4 || inShape[3] !== f.shape[2] || c.padding === 'causal') return null;
  const { strides, padding, dilationRate, activation: act } = c;
  const g = windowGeometry('fusedConv2d', inShape, f.shape[0], f.shape[1], strides, padding as Padding, dilationRate, `x [${inShape.join(',')}]`);
  const valid = () => c.activation === act && c.strides === strides && c.padding === padding && c.dilationRate === dilationRate && c.kernel !== undefined;
  return withActivation(act, (x, out, fused) => conv2dForward(x, c.kernel!, c.bias ?? null, out, g, fused), valid);
}

function planPool(p: MaxPooling2D, isMax: boolean, inShape: readonly number[]): StepKind {
  if (p.poolRank !== 2 || inShape.length !== 4) return null;
  const { poolSize, strides, padding } = p;
  const [KH, KW] = poolSize;
  const g = windowGeometry(isMax ? 'maxPool' : 'avgPool', inShape, KH, KW, strides, padding, 1, `x [${inShape.join(',')}]`);
  const valid = () => p.poolSize === poolSize && p.strides === strides && p.padding === padding;
  return { kind: 'compute', valid, run: (x, out) => poolForward(isMax, x, out, g) };
}

/** Two inputs joined along the layer's axis: one strided copy each, into its place in the output. */
function planConcat(c: Concatenate, inShapes: readonly (readonly number[])[], outShape: readonly number[]): StepKind {
  const rank = outShape.length;
  const axis = c.axis;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank || inShapes.some((s) => s.length !== rank) || inShapes[0][a] + inShapes[1][a] !== outShape[a]) return null;
  const os = stridesOf(outShape);
  const regions: StridedRegion[] = inShapes.map((s, i) => ({ dims: s.slice(), srcStrides: stridesOf(s), dstStrides: os, dstOffset: i === 0 ? 0 : inShapes[0][a] * os[a] }));
  return {
    kind: 'compute', valid: () => c.axis === axis,
    run: (x, out, x2) => {
      copyStrided(x, out, regions[0]);
      copyStrided(x2!, out, regions[1]);
    },
  };
}

/**
 * Batch normalization in inference: the moving statistics as batchNorm uses them, read at each run
 * (the optimizer and fit write them in place), then one per-channel affine pass.
 */
function planBatchNorm(bn: BatchNormalization, inShape: readonly number[]): StepKind {
  const C = inShape[inShape.length - 1];
  if (inShape.length < 2 || !bn.movingMean || bn.movingMean.size !== C) return null;
  const R = sizeOf(inShape) / C;
  const epsilon = bn.epsilon;
  return {
    kind: 'compute', valid: () => bn.epsilon === epsilon && bn.movingMean !== undefined,
    run: (x, out) => {
      const ch = batchNormChannels(C, bn.movingMean!, bn.movingVariance!, bn.beta ?? null, bn.gamma ?? null, epsilon);
      if (!ch) throw new WasmgradError(msg`${bn.name}: its parameters are no longer per-channel`);
      channelAffine(x, out, R, C, ch.m, ch.a, ch.o);
    },
  };
}

/** A global pooling: the one reduction mean / max does over the adjacent spatial axes (src/primitives.ts reduceAxes). */
function planGlobalPool(isMax: boolean, inShape: readonly number[]): StepKind {
  if (inShape.length < 3) return null;
  const dims = { outer: inShape[0], r: sizeOf(inShape.slice(1, -1)), inner: inShape[inShape.length - 1] };
  const scale = isMax ? 1 : 1 / dims.r;
  return { kind: 'compute', valid: () => true, run: (x, out) => reduceTensor(isMax ? 'max' : 'sum', x, out, dims, scale, isMax ? 'max' : 'mean') };
}
