// Arrays where ops, losses and metrics take tensors (TF.js's convertToTensor): the same results as
// TF.js 4.22, the tensors made for the call disposed after it (memory flat), a gradient through an
// array constant, and a clear error for what is neither.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import * as wg from 'wasmgrad';
import { useBuild } from './helpers';

beforeAll(async () => {
  await useBuild('simd', 1);
  await tf.setBackend('cpu');
});
afterAll(() => wg.shutdown());

type Lib = typeof tf | typeof wt;
const CASES: Record<string, (t: Lib) => unknown> = {
  add: (t) => t.add([1, 2], [3, 4]), mulScalarArray: (t) => t.mul(t.tensor([[1, 2], [3, 4]]), [10, 100]), relu: (t) => t.relu([-1, 2]),
  reluNumber: (t) => t.relu(-3), matMul: (t) => t.matMul([[1, 2]], [[3], [4]]), sum: (t) => t.sum([1, 2, 3]), mean: (t) => t.mean([[1, 2], [3, 5]], 1),
  concat: (t) => t.concat([[1], [2, 3]]), concatMixed: (t) => t.concat([t.tensor([1]), [2]]), stack: (t) => t.stack([[1], [2]]),
  where: (t) => t.where([1, 0], [1, 2], [3, 4]), gather: (t) => t.gather([10, 20, 30], [2, 0]), oneHot: (t) => t.oneHot([0, 2], 3),
  squeeze: (t) => t.squeeze([[1], [2]]), reshape: (t) => t.reshape([1, 2, 3, 4], [2, 2]), transpose: (t) => t.transpose([[1, 2, 3]]),
  softmax: (t) => t.softmax([1, 2]), clip: (t) => t.clipByValue([1, 5], 0, 2), argMax: (t) => t.argMax([1, 3, 2]), tile: (t) => t.tile([1, 2], [2]),
  pad: (t) => t.pad([1, 2], [[1, 1]]), slice: (t) => t.slice([1, 2, 3], 1, 1), greater: (t) => t.greater([1, 5], [2, 2]),
  conv2d: (t) => t.conv2d([[[[1], [2]], [[3], [4]]]], [[[[2]]]], 1, 'valid'), maxPool: (t) => t.maxPool([[[[1], [2]], [[3], [4]]]], 2, 1, 'valid'),
  typedArray: (t) => t.add(new Float32Array([1, 2]), new Float32Array([0.5, 0.5])), split: (t) => t.split([1, 2, 3, 4], 2),
  lossMse: (t) => t.losses.meanSquaredError([1, 2], [1, 4]), lossWeighted: (t) => t.losses.absoluteDifference([[1, 2]], [[2, 4]], [[1, 0]]),
  lossSce: (t) => t.losses.softmaxCrossEntropy([[0, 1]], [[1, 2]]), lossCosine: (t) => t.losses.cosineDistance([[1, 0]], [[0.6, 0.8]], 1),
  metricMae: (t) => t.metrics.meanAbsoluteError([[1, 2]], [[2, 4]]), metricAcc: (t) => t.metrics.categoricalAccuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]),
};
const values = (r: unknown): unknown => (Array.isArray(r) ? r.map(values) : (r as tf.Tensor).arraySync());
/** Numbers within float32 rounding, everything else equal. */
const close = (v: unknown): unknown => (typeof v === 'number' ? expect.closeTo(v, 5) : Array.isArray(v) ? v.map(close) : v);

describe('arrays as tensor arguments', () => {
  test('give the results TF.js gives', () => {
    for (const [name, f] of Object.entries(CASES)) expect(values(f(wt)), name).toEqual(close(values(f(tf))));
  });

  test('the tensors made for a call are disposed after it, and a gradient flows past an array constant', () => {
    const before = wt.memory().numTensors;
    const ownTensors: Record<string, number> = { mulScalarArray: 1, concatMixed: 1 }; // made by the case itself
    for (const [name, f] of Object.entries(CASES)) {
      const n = wt.memory().numTensors;
      wt.dispose(f(wt) as never);
      expect(wt.memory().numTensors, name).toBe(n + (ownTensors[name] ?? 0));
    }
    expect(wt.memory().numTensors).toBe(before + 2);
    const g = wt.grad((x: wg.Tensor) => wt.sum(wt.mul(x, [2, 3])));
    const dx = g(wt.tensor([1, 1]));
    expect(dx.arraySync()).toEqual([2, 3]);
    dx.dispose();
  });

  test('what is neither a tensor nor an array is refused by name', () => {
    expect(() => wt.add([1, 2], [1, 2, 3])).toThrow(/add: .*\[2\].*\[3\]/);
    expect(() => wt.losses.meanSquaredError(null as never, [1])).toThrow(/losses.meanSquaredError: argument 1 must be a Tensor or an array of numbers, got null/);
    expect(() => wt.metrics.binaryAccuracy([1], {} as never)).toThrow(/metrics.binaryAccuracy: argument 2 must be a Tensor or an array of numbers, got \{\}/);
    expect(() => wt.gather([1, 2], [0.5])).toThrow(/^gather: index 0.5 at position 0/);
  });

  test('symbols, bigints, null-prototype objects and tensors where numbers, arrays or URLs belong, in ops, tensor methods and model methods, are named in a WasmgradError', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => wt.eye(2, Symbol('n') as never), /^eye: sizes must be whole numbers >= 0, got 2, a symbol \(Symbol\(n\)\)/],
      [() => wt.tile(wt.tensor([1, 2]), 10n as never), /^tile: reps must be 1 whole numbers >= 0 .* got a bigint \(10\)/],
      [() => wt.signal.hannWindow(Object.create(null)), /^hannWindow: windowLength must be a whole number >= 0, got \{\}/],
      [() => wt.squeeze(wt.tensor([[1]]), wt.tensor([0]) as never), /^squeeze: axis must be an array of axes, got a float32 tensor \[1\]/],
      [() => wt.io.http(null as never), /^io.http: expected a URL, got null/],
      [() => wt.io.browserHTTPRequest('not a url'), /^io.http: expected an absolute http\(s\) URL, got "not a url"/],
      [() => wt.initializers.serializeInitializer({} as never), /^serializeInitializer: expected an initializer, got \{\}/],
      [() => (wt.initializers.getInitializer as (...a: unknown[]) => unknown)(), /^getInitializer: expected an initializer, its name or its config, got undefined/],
      [() => (wt.initializers.computeFans as (...a: unknown[]) => unknown)(), /^initializers.computeFans: shape must be an array, got undefined/],
      [() => wt.tensor([1, 2]).dot(wt.ones([1, 2, 2, 1])), /^dot: operands must be rank 1 or 2, got 1 and 4/],
      [() => (wt.tensor([1, 2]).dot as (...a: unknown[]) => unknown)(), /^dot: b must be a Tensor, got undefined/],
      [() => (wt.tensor([1, 2]).reshapeAs as (...a: unknown[]) => unknown)(), /^reshapeAs: other must be a Tensor/],
      [() => wt.tensor([1, 2]).split({} as never), /^split: expected a number of parts or an array of sizes, got \{\}/],
      [() => wt.tensor([1, 2]).as2D(Symbol('r') as never, 1), /^reshape: .*Symbol\(r\)/],
      [() => wt.tensor([1, 2]).pad([[10n, 0]] as never), /^pad: .*10/],
      [() => wt.tensor([1, 2]).sum(Object.create(null)), /^sum: axis \{\} is out of range/],
    ];
    const model = wt.sequential({ layers: [wt.layers.dense({ units: 2, inputShape: [3] })] });
    cases.push(
      [() => model.summary(undefined, 'wide' as never), /^summary: positions must be 3 numbers > 0/],
      [() => model.summary(undefined, undefined, 42 as never), /summary: printFn must be a function, got 42/],
      [() => model.layers[0].call(null as never, {}), /^dense(_\d+)?\.call: inputs must be a Tensor or a non-empty array of Tensors, got null/],
      [() => model.layers[0].computeOutputShape('same' as never), /\.computeOutputShape: inputShape must be a shape .* got "same"/],
      [() => wt.layers.lstm({ units: 2 }).build(null as never), /\.build: inputShape must be a shape .* got null/],
      [() => model.computeOutputShape((() => 1) as never), /\.computeOutputShape: inputShape must be a shape .* got a function/],
      [() => (wt.onesLike as () => unknown)(), /^onesLike: x must be a Tensor, got undefined/],
      [() => wt.ENV.setFlags(null as never), /^env\(\)\.setFlags: expected an object of flags, got null/],
      [() => wt.io.getLoadHandlers(Object.create(null)), /^io\.getLoadHandlers: expected a URL string \(or an array of them\), got \{\}/],
      [() => (wt.io.getModelArtifactsInfoForJSON as () => unknown)(), /^io\.getModelArtifactsInfoForJSON: expected artifacts .* got undefined/],
      [() => wt.io.getModelArtifactsInfoForJSON({ modelTopology: { a: 1n } } as never), /modelTopology is not JSON/],
      [() => wt.dropout(wt.ones([2]), 0.5, 'bogus' as never), /^dropout: noiseShape must be an array of whole numbers >= 1 or null, got "bogus"/],
    );
    for (const [f, message] of cases) {
      expect(f).toThrow(wt.WasmgradError);
      expect(f).toThrow(message);
    }
    // zerosLike and onesLike take arrays, as TF.js's
    expect(Array.from(wt.zerosLike([1, 2]).dataSync())).toEqual([0, 0]);
    expect(wt.onesLike(wt.tensor([1, 2], [2], 'int32')).dtype).toBe('int32');
    // a null kwargs is no kwargs, and call needs none
    expect(model.layers[0].apply(wt.ones([1, 3]), null as never)).toBeInstanceOf(wt.Tensor);
    expect(Array.from((wt.layers.dropout({ rate: 0.5 }).call as (x: wt.Tensor) => wt.Tensor)(wt.ones([2])).dataSync())).toEqual([1, 1]);
    // as TF.js: no initializer serializes to null
    expect(wt.initializers.serializeInitializer(null as never)).toBe(null);
  });
});
