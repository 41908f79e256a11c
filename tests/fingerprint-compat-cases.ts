// Fingerprint cases of the ops TF.js code uses that wasmgrad added with its TensorFlow.js entry:
// comparisons and logical ops, where, functions without kernels, rearranging and generating ops.
import * as wg from 'wasmgrad';
import { rand, withGrads, type FingerprintCase, type Record } from './fingerprint-cases';

const tidyCase = (name: string, body: (record: Record) => void): FingerprintCase => ({ name, run: (record) => void wg.tidy(() => body(record)) });

const a = () => rand([3, 17], 101, -2, 2);
const b = () => rand([17], 102, -2, 2);

export const COMPAT_CASES: FingerprintCase[] = [
  tidyCase('compare', (record) => {
    for (const [name, f] of [['greater', wg.greater], ['greaterEqual', wg.greaterEqual], ['less', wg.less], ['lessEqual', wg.lessEqual], ['notEqual', wg.notEqual]] as const) {
      record(name, f(a(), b()));
    }
    const p = wg.greater(a(), 0), q = wg.less(b(), 0.5);
    record('logicalAnd', wg.logicalAnd(p, q));
    record('logicalOr', wg.logicalOr(p, q));
    record('logicalXor', wg.logicalXor(p, q));
    record('logicalNot', wg.logicalNot(p));
    record('all', wg.all(p, 1));
    record('any', wg.any(p, 0));
  }),
  tidyCase('where', (record) => withGrads(record, 'where', (x, y) => wg.where(wg.greater(x, 0), x, y), [a(), b()])),
  tidyCase('elementwise-js', (record) => {
    const fns = {
      ceil: wg.ceil, round: wg.round, sign: wg.sign, floor: wg.floor, isNaN: wg.isNaN, isInf: wg.isInf, isFinite: wg.isFinite,
      step: (x: wg.Tensor) => wg.step(x, 0.1),
    };
    for (const [name, f] of Object.entries(fns)) record(name, f(a()));
    const smooth = { sin: wg.sin, cos: wg.cos, tan: wg.tan, atan: wg.atan, sinh: wg.sinh, cosh: wg.cosh, asinh: wg.asinh, erf: wg.erf, relu6: wg.relu6 };
    for (const [name, f] of Object.entries(smooth)) withGrads(record, name, f, [a()]);
    const unit = () => rand([3, 17], 103, -0.9, 0.9);
    for (const [name, f] of Object.entries({ asin: wg.asin, acos: wg.acos, atanh: wg.atanh })) withGrads(record, name, f, [unit()]);
    withGrads(record, 'acosh', wg.acosh, [rand([3, 17], 104, 1.1, 3)]);
    record('floorDiv', wg.floorDiv(a(), 0.7));
    withGrads(record, 'mod', (x) => wg.mod(x, 0.7), [a()]);
    withGrads(record, 'atan2', wg.atan2, [a(), rand([3, 17], 105, -2, 2)]);
  }),
  tidyCase('arrange', (record) => {
    withGrads(record, 'tile', (x) => wg.tile(x, [2, 3]), [a()]);
    withGrads(record, 'pad', (x) => wg.pad(x, [[1, 2], [0, 3]], 0.5), [a()]);
    withGrads(record, 'reverse', (x) => wg.reverse(x, [0, 1]), [a()]);
    withGrads(record, 'split', (x) => wg.split(x, [5, -1], 1), [a()]);
    withGrads(record, 'unstack', (x) => wg.unstack(x, 0), [a()]);
    withGrads(record, 'cumsum', (x) => wg.cumsum(x, 1, true, true), [a()]);
    withGrads(record, 'prod', (x) => wg.prod(x, 1), [rand([3, 5], 106, 0.5, 1.5)]);
    withGrads(record, 'norm', (x) => wg.norm(x, 3, 1), [a()]);
    withGrads(record, 'l2Normalize', (x) => wg.l2Normalize(x, 1), [a()]);
    withGrads(record, 'logSumExp', (x) => wg.logSumExp(x, 1), [a()]);
    const t = wg.topk(a(), 4);
    record('topk.values', t.values);
    record('topk.indices', t.indices);
    record('range', wg.range(1, 20, 3));
    record('linspace', wg.linspace(-2, 3, 17));
    record('eye', wg.eye(3, 5, [2]));
    record('cast', wg.cast(a(), 'int32'));
    record('multinomial', wg.multinomial(a(), 5, 42));
    const buf = wg.buffer([2, 3]);
    buf.set(7, 1, 2);
    record('buffer', buf.toTensor());
  }),
  tidyCase('conv3d', (record) => {
    const x = rand([2, 5, 6, 7, 3], 1740);
    withGrads(record, 'valid', (a, f) => wg.conv3d(a, f), [x, rand([2, 3, 2, 3, 5], 1741)]);
    withGrads(record, 'same.s2', (a, f) => wg.conv3d(a, f, [2, 1, 2], 'same'), [x, rand([3, 3, 3, 3, 4], 1742)]);
    withGrads(record, 'dilated', (a, f) => wg.conv3d(a, f, 1, 'same', [2, 1, 2]), [x, rand([2, 2, 2, 3, 17], 1743)]);
  }),
  tidyCase('conv3dTranspose', (record) => {
    withGrads(record, 'same.s2', (a, f) => wg.conv3dTranspose(a, f, [2, 6, 5, 7, 3], 2, 'same'), [rand([2, 3, 3, 4, 5], 1744), rand([3, 3, 3, 3, 5], 1745)]);
    withGrads(record, 'valid', (a, f) => wg.conv3dTranspose(a, f, [1, 7, 7, 6, 1], 3), [rand([1, 2, 2, 2, 3], 1746), rand([3, 2, 3, 1, 3], 1747)]);
  }),
  tidyCase('pool3d', (record) => {
    const x = rand([2, 5, 7, 6, 3], 1748);
    withGrads(record, 'max.same', (a) => wg.maxPool3d(a, 3, 2, 'same'), [x]);
    withGrads(record, 'max.pad1ceil', (a) => wg.maxPool3d(a, 2, 2, 1, 'ceil'), [x]);
    withGrads(record, 'max.ties', (a) => wg.maxPool3d(a, 2), [wg.tensor([1, 3, 3, 2, 3, 1, 3, 0], [1, 2, 2, 2, 1])]);
    withGrads(record, 'avg.same', (a) => wg.avgPool3d(a, [2, 3, 2], 1, 'same'), [x]);
    withGrads(record, 'avg.valid', (a) => wg.avgPool3d(a, 2), [x]);
  }),
  tidyCase('dilation2d', (record) => {
    const x = rand([2, 9, 8, 5], 1749);
    withGrads(record, 'valid', (a, f) => wg.dilation2d(a, f), [x, rand([3, 2, 5], 1750)]);
    withGrads(record, 'same.s2d2', (a, f) => wg.dilation2d(a, f, 2, 'same', 2), [x, rand([2, 2, 5], 1751)]);
  }),
  tidyCase('maxPoolWithArgmax', (record) => {
    const x = rand([2, 7, 5, 3], 1752);
    const { result, indexes } = wg.maxPoolWithArgmax(x, 3, 2, 'same', true);
    record('result', result);
    record('indexes', indexes);
    withGrads(record, 'grad', (a) => wg.maxPoolWithArgmax(a, 2, 1, 'valid').result, [x]);
  }),
];

import { layerGrads } from './fingerprint-model-cases';

/** The layers TF.js code uses that came with the TensorFlow.js entry, forward and gradients. */
export const COMPAT_LAYER_CASES: FingerprintCase[] = [
  tidyCase('layers.tfjs', (record) => {
    const L = wg.layers;
    const img = () => rand([2, 6, 7, 3], 1700);
    const seq = () => rand([2, 5, 4], 1701);
    layerGrads(record, 'repeatVector', L.repeatVector({ n: 3 }), rand([2, 4], 1702), 1703);
    layerGrads(record, 'permute', L.permute({ dims: [2, 1] }), seq(), 1704);
    layerGrads(record, 'upSampling2d', L.upSampling2d({ size: [2, 3] }), img(), 1705);
    layerGrads(record, 'upSampling2dBilinear', L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), img(), 1706);
    layerGrads(record, 'zeroPadding2d', L.zeroPadding2d({ padding: [1, 2] }), img(), 1707);
    layerGrads(record, 'cropping2d', L.cropping2d({ cropping: [[1, 0], [1, 2]] }), img(), 1708);
    layerGrads(record, 'cropping2D', L.cropping2D({ cropping: [[0, 1], [2, 1]] }), img(), 1709);
    layerGrads(record, 'timeDistributed', L.timeDistributed({ layer: L.dense({ units: 3 }) }), seq(), 1710);
    layerGrads(record, 'dot', L.dot({ axes: 1, normalize: true }), [rand([3, 4], 1711), rand([3, 4], 1712)], 1713);
    layerGrads(record, 'separableConv2d', L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same' }), img(), 1714);
    layerGrads(record, 'gaussianNoise', L.gaussianNoise({ stddev: 0.3, seed: 1 }), img(), 1715, true);
    layerGrads(record, 'gaussianDropout', L.gaussianDropout({ rate: 0.3, seed: 2 }), img(), 1716, true);
    layerGrads(record, 'alphaDropout', L.alphaDropout({ rate: 0.3, seed: 3 }), img(), 1717, true);
    layerGrads(record, 'spatialDropout1d', L.spatialDropout1d({ rate: 0.3, seed: 4 }), seq(), 1718, true);
    layerGrads(record, 'masking', L.masking({ maskValue: 0 }), seq(), 1719);
    layerGrads(record, 'thresholdedReLU', L.thresholdedReLU({ theta: 0.2 }), img(), 1720);
    layerGrads(record, 'rescaling', L.rescaling({ scale: 2, offset: 1 }), img(), 1721);
    record('initializers.identity', wg.initializers.identity({ gain: 1.5 })([5, 5]));
  }),
  tidyCase('layers.3d', (record) => {
    const L = wg.layers;
    const vol = () => rand([2, 5, 6, 4, 3], 1722);
    layerGrads(record, 'conv3d', L.conv3d({ filters: 4, kernelSize: [2, 3, 2], strides: [1, 2, 1], padding: 'same', activation: 'relu' }), vol(), 1723);
    layerGrads(record, 'conv3dTranspose', L.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2 }), vol(), 1724);
    layerGrads(record, 'maxPooling3d', L.maxPooling3d({ poolSize: [2, 3, 2], padding: 'same' }), vol(), 1725);
    layerGrads(record, 'averagePooling3d', L.averagePooling3d({ poolSize: 2, strides: 1, padding: 'same' }), vol(), 1726);
  }),
  tidyCase('classic.sampling', (record) => {
    record('bernoulliSample', wg.classic.bernoulliSample(rand([129, 513], 1730, 0, 1), 9));
    const { probs, samples } = wg.classic.sigmoidBernoulli(rand([129, 513], 1731, -3, 3), 10);
    record('sigmoidBernoulli.probs', probs);
    record('sigmoidBernoulli.samples', samples);
  }),
  tidyCase('image+preprocessing', (record) => {
    const L = wg.layers;
    const img = () => rand([2, 5, 7, 3], 1740);
    withGrads(record, 'resizeBilinear', (x) => wg.image.resizeBilinear(x, [9, 4]), [img()]);
    withGrads(record, 'resizeBilinearAligned', (x) => wg.image.resizeBilinear(x, [3, 11], true), [img()]);
    withGrads(record, 'resizeBilinearHalfPixel', (x) => wg.image.resizeBilinear(x, [8, 5], false, true), [img()]);
    withGrads(record, 'resizeNearestNeighbor', (x) => wg.image.resizeNearestNeighbor(x, [9, 4]), [img()]);
    withGrads(record, 'resizeNearestNeighborAligned', (x) => wg.image.resizeNearestNeighbor(x, [3, 11], true), [img()]);
    layerGrads(record, 'centerCrop', L.centerCrop({ height: 3, width: 4 }), img(), 1741);
    layerGrads(record, 'centerCropUp', L.centerCrop({ height: 6, width: 9 }), img(), 1742);
    layerGrads(record, 'resizing', L.resizing({ height: 4, width: 9 }), img(), 1743);
    layerGrads(record, 'resizingNearest', L.resizing({ height: 7, width: 3, interpolation: 'nearest', cropToAspectRatio: true }), img(), 1744);
    layerGrads(record, 'randomWidth', L.randomWidth({ factor: [-0.4, 0.6], seed: 5 }), img(), 1745, true);
    const tokens = () => wg.tensor([0, 4, 4, 2, 16, 1, 3, 3, 3, 0, 5, 6], [3, 4], 'int32');
    for (const outputMode of ['multiHot', 'count'] as const) record(`categoryEncoding.${outputMode}`, L.categoryEncoding({ numTokens: 17, outputMode }).apply(tokens()) as wg.Tensor);
    record('categoryEncoding.oneHot', L.categoryEncoding({ numTokens: 17, outputMode: 'oneHot' }).apply(wg.reshape(tokens(), [12, 1])) as wg.Tensor);
  }),
];
