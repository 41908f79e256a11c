// The fingerprint cases: every public op (forward and gradients) on fixed seeded inputs, through
// the package root only. A case hands each tensor it wants fingerprinted to `record`; the test
// hashes their shapes and raw bytes. To cover a new op, add a case (keep odd shapes, and a size
// past the engine's parallel thresholds where threads apply). Layers, losses, optimizers and
// models are in fingerprint-model-cases.ts.
import * as wg from 'wasmgrad';
import { randomArray } from './helpers';

/** Receives one tensor (or typed array) to fingerprint under a label. */
export type Record = (label: string, t: wg.Tensor | Float32Array | Int32Array | Uint8Array | number[]) => void;

export interface FingerprintCase {
  name: string;
  run(record: Record): void | Promise<void>;
}

/** A float tensor of seeded uniform values in [lo, hi). */
export function rand(shape: number[], seed: number, lo = -1, hi = 1): wg.Tensor {
  return wg.tensor(randomArray(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);
}

/** An int32 tensor of seeded ids in [0, n). */
export function ids(shape: number[], seed: number, n: number): wg.Tensor {
  const r = randomArray(shape.reduce((a, b) => a * b, 1), seed, 0, n);
  return wg.tensor(Int32Array.from(r, (v) => Math.min(n - 1, Math.floor(v))), shape, 'int32');
}

/**
 * Records f's outputs and the gradients of loss = sum_i sum(y_i * w_i) with respect to xs, the
 * w_i fixed and seeded, so that every element of every float output reaches the gradient.
 */
export function withGrads(record: Record, label: string, f: (...xs: wg.Tensor[]) => wg.Tensor | wg.Tensor[], xs: wg.Tensor[], seed = 7): void {
  const { value, grads } = wg.valueAndGrads((...args: wg.Tensor[]) => {
    const out = f(...args);
    const ys = Array.isArray(out) ? out : [out];
    let loss: wg.Tensor | null = null;
    ys.forEach((y, i) => {
      record(`${label}.y${i}`, y);
      if (y.dtype !== 'float32') return;
      const term = wg.sum(wg.mul(y, rand(y.shape, seed + i)));
      loss = loss ? wg.add(loss, term) : term;
    });
    return loss ?? wg.scalar(0);
  })(xs);
  record(`${label}.loss`, value);
  grads.forEach((g, i) => record(`${label}.d${i}`, g));
  value.dispose();
  for (const g of grads) g.dispose();
}

/** A case whose tensors are all freed when it ends. */
const tidyCase = (name: string, body: (record: Record) => void): FingerprintCase => ({ name, run: (record) => void wg.tidy(() => body(record)) });

// Small odd shapes and one past the elementwise threshold (2^16 elements) for threaded runs.
const SMALL = [1, 3, 17];
const LARGE = [129, 513];

type UnaryFn = (x: wg.Tensor) => wg.Tensor;
const UNARY: [string, UnaryFn, number, number][] = [
  ['neg', wg.neg, -3, 3], ['abs', wg.abs, -3, 3], ['exp', wg.exp, -3, 3], ['log', wg.log, 0.05, 3],
  ['log1p', wg.log1p, -0.9, 3], ['expm1', wg.expm1, -3, 3], ['sqrt', wg.sqrt, 0.05, 3], ['rsqrt', wg.rsqrt, 0.05, 3],
  ['square', wg.square, -3, 3], ['reciprocal', wg.reciprocal, 0.1, 3], ['relu', wg.relu, -3, 3],
  ['leakyRelu', (x) => wg.leakyRelu(x, 0.15), -3, 3], ['elu', (x) => wg.elu(x), -3, 3], ['selu', wg.selu, -3, 3],
  ['gelu', wg.gelu, -5, 5], ['sigmoid', wg.sigmoid, -8, 8], ['tanh', wg.tanh, -5, 5], ['softplus', wg.softplus, -8, 8],
  ['swish', wg.swish, -5, 5], ['pow2.5', (x) => wg.pow(x, 2.5), 0.05, 3], ['pow3', (x) => wg.pow(x, 3), -2, 2],
  ['clipByValue', (x) => wg.clipByValue(x, -0.5, 0.7), -1, 1], ['hardSigmoid', wg.hardSigmoid, -4, 4],
];

const unaryCases = UNARY.map(([name, f, lo, hi], i) =>
  tidyCase(`unary.${name}`, (record) => {
    withGrads(record, 'small', f, [rand(SMALL, 100 + i, lo, hi)]);
    withGrads(record, 'large', f, [rand(LARGE, 200 + i, lo, hi)]);
  }),
);

type BinaryFn = (a: wg.Tensor, b: wg.Tensor) => wg.Tensor;
const BINARY: [string, BinaryFn][] = [
  ['add', wg.add], ['sub', wg.sub], ['mul', wg.mul], ['div', wg.div], ['maximum', wg.maximum],
  ['minimum', wg.minimum], ['squaredDifference', wg.squaredDifference],
];

const binaryCases = BINARY.map(([name, f], i) =>
  tidyCase(`binary.${name}`, (record) => {
    // div's denominator stays away from zero; maximum/minimum see ties through a shared value
    const b = (shape: number[], seed: number) => (name === 'div' ? rand(shape, seed, 0.5, 2) : rand(shape, seed));
    withGrads(record, 'same', f, [rand([3, 17], 300 + i), b([3, 17], 310 + i)]);
    withGrads(record, 'broadcast', f, [rand([3, 1, 17], 320 + i), b([5, 1], 330 + i)]);
    withGrads(record, 'rank', f, [rand([17], 340 + i), b([2, 3, 17], 350 + i)]);
    withGrads(record, 'scalarB', (a) => f(a, wg.scalar(name === 'div' ? 1.5 : 0.25)), [rand([3, 17], 360 + i)]);
    withGrads(record, 'large', f, [rand(LARGE, 370 + i), b([LARGE[1]], 380 + i)]);
    withGrads(record, 'largeCol', f, [b([LARGE[0], 1], 385 + i), rand(LARGE, 390 + i)]);
  }),
);

const miscElementwise: FingerprintCase[] = [
  tidyCase('binary.numberOperands', (record) => {
    withGrads(record, 'add', (a) => wg.add(a, 0.5), [rand([3, 17], 400)]);
    withGrads(record, 'sub', (a) => wg.sub(1, a), [rand([3, 17], 401)]);
    withGrads(record, 'mul', (a) => wg.mul(a, -2), [rand([3, 17], 402)]);
    withGrads(record, 'div', (a) => wg.div(2, a), [rand([3, 17], 403, 0.5, 2)]);
  }),
  tidyCase('binary.equal', (record) => {
    const a = wg.tensor(Float32Array.from(randomArray(51, 404, 0, 3), Math.floor), [3, 17]);
    record('eq', wg.equal(a, wg.tensor([0, 1, 2, 1, 0, 2, 1, 1, 0, 2, 2, 0, 1, 0, 1, 2, 0], [17])));
  }),
  tidyCase('broadcastTo', (record) => {
    withGrads(record, 'small', (a) => wg.broadcastTo(a, [4, 3, 17]), [rand([3, 1], 405)]);
    withGrads(record, 'large', (a) => wg.broadcastTo(a, LARGE), [rand([LARGE[1]], 406)]);
  }),
];

type ReduceFn = (x: wg.Tensor, axis?: number | number[] | null, keepDims?: boolean) => wg.Tensor;
const REDUCE: [string, ReduceFn][] = [['sum', wg.sum], ['mean', wg.mean], ['max', wg.max], ['min', wg.min]];

const reduceCases = REDUCE.map(([name, f], i) =>
  tidyCase(`reduce.${name}`, (record) => {
    const x = rand([3, 5, 17], 500 + i);
    withGrads(record, 'all', (t) => f(t), [x]);
    withGrads(record, 'axis0', (t) => f(t, 0), [x]);
    withGrads(record, 'axis1keep', (t) => f(t, 1, true), [x]);
    withGrads(record, 'axes02', (t) => f(t, [0, 2]), [x]);
    withGrads(record, 'last', (t) => f(t, -1), [x]);
    // ties: max/min share the gradient between equal maxima
    withGrads(record, 'ties', (t) => f(t, 1), [wg.tensor([1, 3, 3, 0, -2, -2, 5, 1, 5], [3, 3])]);
    withGrads(record, 'largeRows', (t) => f(t, 1), [rand(LARGE, 510 + i)]);
    withGrads(record, 'largeCols', (t) => f(t, 0), [rand(LARGE, 520 + i)]);
  }),
);

const argCases: FingerprintCase[] = [
  tidyCase('reduce.argMaxMin', (record) => {
    const x = rand([3, 5, 17], 530);
    for (const axis of [0, 1, -1]) {
      record(`argMax${axis}`, wg.argMax(x, axis));
      record(`argMin${axis}`, wg.argMin(x, axis));
    }
    record('argMaxLarge', wg.argMax(rand(LARGE, 531)));
    record('argMinLarge0', wg.argMin(rand(LARGE, 532), 0));
  }),
];

const softmaxCases: FingerprintCase[] = [
  tidyCase('softmax', (record) => {
    withGrads(record, 'last', (x) => wg.softmax(x), [rand([3, 17], 600, -4, 4)]);
    withGrads(record, 'axis0', (x) => wg.softmax(x, 0), [rand([5, 3], 601, -4, 4)]);
    withGrads(record, 'one', (x) => wg.softmax(x), [rand([3, 1], 602)]);
    withGrads(record, 'large', (x) => wg.softmax(x), [rand(LARGE, 603, -4, 4)]);
  }),
  tidyCase('logSoftmax', (record) => {
    withGrads(record, 'last', (x) => wg.logSoftmax(x), [rand([3, 17], 610, -4, 4)]);
    withGrads(record, 'axis1', (x) => wg.logSoftmax(x, 1), [rand([2, 5, 3], 611, -4, 4)]);
    withGrads(record, 'large', (x) => wg.logSoftmax(x), [rand(LARGE, 612, -4, 4)]);
  }),
];

// (m, k, n): a vector, odd sizes, and one past the GEMM threshold (2^18 flops)
const GEMM_SHAPES: [number, number, number][] = [[1, 3, 17], [17, 129, 3], [65, 63, 67]];

const matMulCases: FingerprintCase[] = [
  tidyCase('matMul', (record) => {
    GEMM_SHAPES.forEach(([m, k, n], s) => {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const a = rand(tA ? [k, m] : [m, k], 700 + s * 4 + (tA ? 2 : 0));
          const b = rand(tB ? [n, k] : [k, n], 701 + s * 4 + (tB ? 2 : 0));
          withGrads(record, `${m}x${k}x${n}.${+tA}${+tB}`, (x, y) => wg.matMul(x, y, tA, tB), [a, b]);
        }
      }
    });
    withGrads(record, 'batched', (x, y) => wg.matMul(x, y), [rand([3, 17, 5], 720), rand([3, 5, 9], 721)]);
    withGrads(record, 'batchedT', (x, y) => wg.matMul(x, y, true, true), [rand([2, 65, 67], 722), rand([2, 63, 65], 723)]);
  }),
  tidyCase('fusedMatMul', (record) => {
    for (const [m, k, n] of GEMM_SHAPES) {
      const a = rand([m, k], 730 + m), b = rand([k, n], 731 + m), bias = rand([n], 732 + m);
      withGrads(record, `${m}.relu`, (x, y, z) => wg.fusedMatMul(x, y, z, 'relu'), [a, b, bias]);
      withGrads(record, `${m}.linear`, (x, y, z) => wg.fusedMatMul(x, y, z), [a, b, bias]);
      withGrads(record, `${m}.noBias`, (x, y) => wg.fusedMatMul(x, y, null, 'relu'), [a, b]);
    }
  }),
];

const convCases: FingerprintCase[] = [
  tidyCase('conv2d', (record) => {
    const x = rand([2, 9, 11, 3], 800), f = rand([3, 3, 3, 5], 801);
    withGrads(record, 'valid', (a, b) => wg.conv2d(a, b), [x, f]);
    withGrads(record, 'same.s2', (a, b) => wg.conv2d(a, b, 2, 'same'), [x, f]);
    withGrads(record, 'dil2', (a, b) => wg.conv2d(a, b, [1, 2], 'same', [2, 1]), [x, f]);
    withGrads(record, '1x1', (a, b) => wg.conv2d(a, b), [x, rand([1, 1, 3, 7], 802)]);
    withGrads(record, 'large', (a, b) => wg.conv2d(a, b, 1, 'same'), [rand([2, 17, 17, 6], 803), rand([3, 3, 6, 17], 804)]);
  }),
  tidyCase('fusedConv2d', (record) => {
    const x = rand([2, 9, 11, 3], 810), f = rand([3, 3, 3, 5], 811), bias = rand([5], 812);
    withGrads(record, 'relu', (a, b, c) => wg.fusedConv2d(a, b, c, 'relu', 1, 'same'), [x, f, bias]);
    withGrads(record, 'linear.s2', (a, b, c) => wg.fusedConv2d(a, b, c, 'linear', 2), [x, f, bias]);
    withGrads(record, 'large', (a, b, c) => wg.fusedConv2d(a, b, c, 'relu', 1, 'same'), [rand([2, 17, 17, 6], 813), rand([3, 3, 6, 17], 814), rand([17], 815)]);
  }),
  tidyCase('conv1d', (record) => {
    const x = rand([2, 17, 3], 820), f = rand([3, 3, 5], 821);
    withGrads(record, 'valid', (a, b) => wg.conv1d(a, b), [x, f]);
    withGrads(record, 'same.s2', (a, b) => wg.conv1d(a, b, 2, 'same'), [x, f]);
    withGrads(record, 'causal.d2', (a, b) => wg.conv1d(a, b, 1, 'causal', 2), [x, f]);
    withGrads(record, 'large', (a, b) => wg.conv1d(a, b, 1, 'same'), [rand([4, 129, 17], 822), rand([5, 17, 33], 823)]);
  }),
  tidyCase('depthwiseConv2d', (record) => {
    const x = rand([2, 9, 9, 3], 830), f = rand([3, 3, 3, 2], 831);
    withGrads(record, 'valid', (a, b) => wg.depthwiseConv2d(a, b), [x, f]);
    withGrads(record, 'same.s2', (a, b) => wg.depthwiseConv2d(a, b, 2, 'same'), [x, f]);
    withGrads(record, 'dil2', (a, b) => wg.depthwiseConv2d(a, b, 1, 'same', 2), [x, rand([3, 3, 3, 1], 832)]);
    withGrads(record, 'large', (a, b) => wg.depthwiseConv2d(a, b, 1, 'same'), [rand([2, 33, 33, 6], 833), rand([3, 3, 6, 2], 834)]);
  }),
  tidyCase('fusedDepthwiseConv2d', (record) => {
    const x = rand([2, 9, 9, 3], 840), f = rand([3, 3, 3, 2], 841), bias = rand([6], 842);
    withGrads(record, 'relu', (a, b, c) => wg.fusedDepthwiseConv2d(a, b, c, 'relu', 1, 'same'), [x, f, bias]);
    withGrads(record, 'large', (a, b, c) => wg.fusedDepthwiseConv2d(a, b, c, 'relu', 1, 'same'), [rand([2, 33, 33, 6], 843), rand([3, 3, 6, 2], 844), rand([12], 845)]);
  }),
  tidyCase('conv2dTranspose', (record) => {
    withGrads(record, 'valid.s2', (a, b) => wg.conv2dTranspose(a, b, [2, 11, 11, 6], 2), [rand([2, 5, 5, 4], 850), rand([3, 3, 6, 4], 851)]);
    withGrads(record, 'same', (a, b) => wg.conv2dTranspose(a, b, [2, 7, 9, 3], 1, 'same'), [rand([2, 7, 9, 5], 852), rand([3, 3, 3, 5], 853)]);
    withGrads(record, 'large', (a, b) => wg.conv2dTranspose(a, b, [2, 34, 34, 6], 2, 'same'), [rand([2, 17, 17, 17], 854), rand([3, 3, 6, 17], 855)]);
  }),
  tidyCase('conv2dBackprop', (record) => {
    const x = rand([2, 9, 11, 3], 860), dy = rand([2, 5, 6, 5], 861), f = rand([3, 3, 3, 5], 862);
    record('input', wg.conv2dBackpropInput([2, 9, 11, 3], dy, f, 2, 'same'));
    record('filter', wg.conv2dBackpropFilter(x, dy, [3, 3, 3, 5], 2, 'same'));
    const xl = rand([2, 17, 17, 6], 863), dyl = rand([2, 17, 17, 17], 864), fl = rand([3, 3, 6, 17], 865);
    record('inputLarge', wg.conv2dBackpropInput([2, 17, 17, 6], dyl, fl, 1, 'same'));
    record('filterLarge', wg.conv2dBackpropFilter(xl, dyl, [3, 3, 6, 17], 1, 'same'));
  }),
];

const poolCases: FingerprintCase[] = [
  tidyCase('maxPool', (record) => {
    const x = rand([2, 9, 11, 3], 900);
    withGrads(record, 'p3s2same', (a) => wg.maxPool(a, 3, 2, 'same'), [x]);
    withGrads(record, 'p2valid', (a) => wg.maxPool(a, 2), [x]);
    withGrads(record, 'p23s1', (a) => wg.maxPool(a, [2, 3], 1), [x]);
    withGrads(record, 'ties', (a) => wg.maxPool(a, 2), [wg.tensor([1, 1, 2, 2, 1, 1, 0, 2, 3, 3, 3, 3, 3, 3, 3, 3], [1, 4, 4, 1])]);
    withGrads(record, 'large', (a) => wg.maxPool(a, 3, 2, 'same'), [rand([2, 65, 65, 17], 901)]);
  }),
  tidyCase('avgPool', (record) => {
    const x = rand([2, 9, 11, 3], 910);
    withGrads(record, 'p3s2same', (a) => wg.avgPool(a, 3, 2, 'same'), [x]);
    withGrads(record, 'p2valid', (a) => wg.avgPool(a, 2), [x]);
    withGrads(record, 'large', (a) => wg.avgPool(a, 3, 2, 'same'), [rand([2, 65, 65, 17], 911)]);
  }),
  tidyCase('globalPool', (record) => {
    const x = rand([2, 9, 11, 3], 920);
    withGrads(record, 'avg', (a) => wg.globalAvgPool(a), [x]);
    withGrads(record, 'avgKeep', (a) => wg.globalAvgPool(a, true), [x]);
    withGrads(record, 'max', (a) => wg.globalMaxPool(a), [x]);
    withGrads(record, 'maxLarge', (a) => wg.globalMaxPool(a), [rand([2, 65, 65, 17], 921)]);
  }),
];

const normCases: FingerprintCase[] = [
  tidyCase('batchNorm', (record) => {
    const x = rand([2, 5, 7, 3], 1000);
    const mean = rand([3], 1001), variance = rand([3], 1002, 0.2, 2), offset = rand([3], 1003), scale = rand([3], 1004);
    withGrads(record, 'perChannel', (a, m, v, o, s) => wg.batchNorm(a, m, v, o, s), [x, mean, variance, offset, scale]);
    withGrads(record, 'noAffine', (a, m, v) => wg.batchNorm(a, m, v, null, null, 1e-2), [x, mean, variance]);
    withGrads(record, 'broadcast', (a, m, v, s) => wg.batchNorm(a, m, v, null, s), [x, rand([7, 1], 1005), rand([7, 1], 1006, 0.2, 2), rand([7, 3], 1007)]);
    withGrads(record, 'large', (a, m, v, o, s) => wg.batchNorm(a, m, v, o, s), [rand([129, 517], 1008), rand([517], 1009), rand([517], 1010, 0.2, 2), rand([517], 1011), rand([517], 1012)]);
  }),
  tidyCase('fusedBatchNorm', (record) => {
    const run = (label: string, x: wg.Tensor, c: number, seed: number) => {
      const scale = rand([c], seed), offset = rand([c], seed + 1);
      withGrads(record, label, (a, s, o) => {
        const r = wg.fusedBatchNorm(a, s, o);
        return [r.y, r.mean, r.variance];
      }, [x, scale, offset]);
    };
    run('small', rand([2, 5, 7, 3], 1020), 3, 1021);
    run('large', rand([129, 517], 1022), 517, 1023);
  }),
  tidyCase('layerNorm', (record) => {
    const x = rand([3, 5, 17], 1030);
    withGrads(record, 'affine', (a, g, b) => wg.layerNorm(a, g, b), [x, rand([17], 1031), rand([17], 1032)]);
    withGrads(record, 'plain', (a) => wg.layerNorm(a, null, null, 1e-5), [x]);
    withGrads(record, 'large', (a, g, b) => wg.layerNorm(a, g, b), [rand(LARGE, 1033), rand([LARGE[1]], 1034), rand([LARGE[1]], 1035)]);
  }),
  tidyCase('moments', (record) => {
    const x = rand([2, 5, 7, 3], 1040);
    const both = (axes: number | number[] | undefined, keep = false) => (a: wg.Tensor) => {
      const m = wg.moments(a, axes, keep);
      return [m.mean, m.variance];
    };
    withGrads(record, 'spatial', both([0, 1, 2]), [x]);
    withGrads(record, 'keep', both([1, 2], true), [x]);
    withGrads(record, 'all', both(undefined), [x]);
    withGrads(record, 'large', both(0), [rand(LARGE, 1041)]);
  }),
];

const shapeCases: FingerprintCase[] = [
  tidyCase('reshape+squeeze+expandDims', (record) => {
    const x = rand([3, 1, 17], 1100);
    withGrads(record, 'reshape', (a) => wg.reshape(a, [17, 3]), [x]);
    withGrads(record, 'reshapeInfer', (a) => wg.reshape(a, [-1]), [x]);
    withGrads(record, 'squeeze', (a) => wg.squeeze(a), [x]);
    withGrads(record, 'expandDims', (a) => wg.expandDims(a, 2), [x]);
    withGrads(record, 'clone', (a) => wg.clone(a), [x]);
  }),
  tidyCase('transpose', (record) => {
    const x = rand([3, 5, 17], 1110);
    withGrads(record, 'default', (a) => wg.transpose(a), [x]);
    withGrads(record, '021', (a) => wg.transpose(a, [0, 2, 1]), [x]);
    withGrads(record, '120', (a) => wg.transpose(a, [1, 2, 0]), [x]);
    withGrads(record, '2d', (a) => wg.transpose(a), [rand([17, 3], 1111)]);
    withGrads(record, 'large', (a) => wg.transpose(a), [rand(LARGE, 1112)]);
    withGrads(record, 'large3', (a) => wg.transpose(a, [2, 0, 1]), [rand([33, 129, 17], 1113)]);
  }),
  tidyCase('concat+stack', (record) => {
    withGrads(record, 'axis0', (a, b) => wg.concat([a, b]), [rand([3, 17], 1120), rand([1, 17], 1121)]);
    withGrads(record, 'axis1', (a, b, c) => wg.concat([a, b, c], 1), [rand([3, 5], 1122), rand([3, 1], 1123), rand([3, 17], 1124)]);
    withGrads(record, 'axisLast3', (a, b) => wg.concat([a, b], -1), [rand([2, 3, 5], 1125), rand([2, 3, 3], 1126)]);
    withGrads(record, 'large', (a, b) => wg.concat([a, b], 1), [rand([129, 257], 1127), rand([129, 256], 1128)]);
    withGrads(record, 'stack0', (a, b) => wg.stack([a, b]), [rand([3, 17], 1129), rand([3, 17], 1130)]);
    withGrads(record, 'stack2', (a, b) => wg.stack([a, b], 2), [rand([3, 17], 1131), rand([3, 17], 1132)]);
  }),
  tidyCase('slice', (record) => {
    const x = rand([5, 7, 17], 1140);
    withGrads(record, 'mid', (a) => wg.slice(a, [1, 2, 3], [3, 4, 13]), [x]);
    withGrads(record, 'rest', (a) => wg.slice(a, [2, 0, 1], [-1, 3, -1]), [x]);
    withGrads(record, 'begin', (a) => wg.slice(a, 1), [x]);
    withGrads(record, 'large', (a) => wg.slice(a, [1, 3], [127, 509]), [rand(LARGE, 1141)]);
    withGrads(record, 'large3', (a) => wg.slice(a, [1, 1, 1], [2, 255, 255]), [rand([3, 257, 257], 1142)]);
  }),
  tidyCase('gather', (record) => {
    const x = rand([7, 5, 3], 1150);
    const rows = wg.tensor([0, 6, 2, 2, 5], [5], 'int32');
    withGrads(record, 'axis0', (a) => wg.gather(a, rows), [x]);
    withGrads(record, 'axis1', (a) => wg.gather(a, [4, 0, 0, 1], 1), [x]);
    withGrads(record, 'axis2', (a) => wg.gather(a, wg.tensor([2, 1, 2], [3], 'int32'), 2), [x]);
    withGrads(record, 'large', (a) => wg.gather(a, ids([300], 1151, 257)), [rand([257, 517], 1152)]);
  }),
  tidyCase('oneHot', (record) => {
    record('small', wg.oneHot(ids([3, 5], 1160, 17), 17));
    record('onOff', wg.oneHot(ids([7], 1161, 5), 5, 2, -1));
    record('large', wg.oneHot(ids([1000], 1162, 129), 129));
  }),
];

const randomCases: FingerprintCase[] = [
  tidyCase('random', (record) => {
    for (const [label, shape] of [['small', [3, 17]], ['large', LARGE]] as const) {
      record(`normal.${label}`, wg.randomNormal([...shape], 0.5, 2, 11));
      record(`uniform.${label}`, wg.randomUniform([...shape], -2, 3, 12));
      record(`truncated.${label}`, wg.truncatedNormal([...shape], -1, 0.5, 13));
    }
    record('normal.odd', wg.randomNormal([8193], 0, 1, 14));
  }),
  tidyCase('dropout', (record) => {
    withGrads(record, 'small', (a) => wg.dropout(a, 0.3, 21), [rand([3, 17], 1200)]);
    withGrads(record, 'large', (a) => wg.dropout(a, 0.5, 22), [rand(LARGE, 1201)]);
    withGrads(record, 'zero', (a) => wg.dropout(a, 0, 23), [rand([3, 17], 1202)]);
  }),
];

const rnnCases: FingerprintCase[] = (() => {
  const B = 3, T = 5, IN = 7, U = 9;
  // a flat batch-major mask (tensors cannot exist before init)
  const mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1];
  const optsList: [string, object][] = [
    ['last', {}],
    ['seq', { returnSequences: true }],
    ['back', { goBackwards: true, returnSequences: true }],
    ['backRestore', { goBackwards: true, returnSequences: true, reverseOutput: true }],
    ['mask', { mask, returnSequences: true }],
    ['maskZero', { mask, returnSequences: true, zeroOutputForMask: true }],
    ['acts', { activation: 'relu', recurrentActivation: 'hardSigmoid', returnSequences: true }],
  ];
  const gates = { lstm: 4, gru: 3, gruBefore: 3, simple: 1 } as const;
  const cells = Object.keys(gates) as (keyof typeof gates)[];
  const cases = cells.map((cell, ci) =>
    tidyCase(`rnn.${cell}`, (record) => {
      const g = gates[cell];
      const x = rand([B, T, IN], 1300 + ci), k = rand([IN, g * U], 1310 + ci, -0.5, 0.5), rk = rand([U, g * U], 1320 + ci, -0.5, 0.5);
      const bias = rand(cell === 'gru' ? [2, g * U] : [g * U], 1330 + ci), h0 = rand([B, U], 1340 + ci), c0 = rand([B, U], 1350 + ci);
      optsList.forEach(([label, opts]) => {
        if (cell === 'simple' && label === 'acts') opts = { activation: 'relu', returnSequences: true };
        if (cell === 'lstm') withGrads(record, label, (a, b, c, d, e, f) => wg.lstmSequence(a, b, c, d, e, f, opts), [x, k, rk, bias, h0, c0]);
        else if (cell === 'simple') withGrads(record, label, (a, b, c, d, e) => wg.simpleRNNSequence(a, b, c, d, e, opts), [x, k, rk, bias, h0]);
        else withGrads(record, label, (a, b, c, d, e) => wg.gruSequence(a, b, c, d, e, { ...opts, resetAfter: cell === 'gru' }), [x, k, rk, bias, h0]);
      });
      if (cell === 'lstm') withGrads(record, 'noState', (a, b, c) => wg.lstmSequence(a, b, c, null, null, null), [x, k, rk]);
      else if (cell === 'simple') withGrads(record, 'noState', (a, b, c) => wg.simpleRNNSequence(a, b, c, null, null), [x, k, rk]);
      else withGrads(record, 'noState', (a, b, c) => wg.gruSequence(a, b, c, null, null, { resetAfter: cell === 'gru' }), [x, k, rk]);
    }),
  );
  // past the step GEMM (2^24 flops) and gate-row (2^14) thresholds
  const large = (b: number, t: number, g: number, seed: number, biasShape: number[]) => {
    const u = 128;
    return [rand([b, t, 17], seed), rand([17, g * u], seed + 1, -0.2, 0.2), rand([u, g * u], seed + 2, -0.1, 0.1), rand(biasShape, seed + 3), rand([b, u], seed + 4), rand([b, u], seed + 5)];
  };
  cases.push(tidyCase('rnn.large', (record) => {
    withGrads(record, 'lstm', (x, k, rk, bias, h, c) => wg.lstmSequence(x, k, rk, bias, h, c, { returnSequences: true }), large(128, 3, 4, 1360, [512]));
    withGrads(record, 'gru', (x, k, rk, bias, h) => wg.gruSequence(x, k, rk, bias, h, { returnSequences: true }), large(171, 2, 3, 1370, [2, 384]).slice(0, 5));
    withGrads(record, 'simple', (x, k, rk, bias, h) => wg.simpleRNNSequence(x, k, rk, bias, h, { returnSequences: true }), large(512, 2, 1, 1380, [128]).slice(0, 5));
  }));
  return cases;
})();

export const OP_CASES: FingerprintCase[] = [
  ...unaryCases, ...binaryCases, ...miscElementwise, ...reduceCases, ...argCases, ...softmaxCases, ...matMulCases,
  ...convCases, ...poolCases, ...normCases, ...shapeCases, ...randomCases, ...rnnCases,
];
