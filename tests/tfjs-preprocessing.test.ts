// The preprocessing layers categoryEncoding, centerCrop, resizing and randomWidth against
// @tensorflow/tfjs 4.22 (cpu): values, dtypes, defaults, getConfig, and TF.js model.json files that
// hold them; plain references for the values TF.js gets wrong in shape; bad arguments raise.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import * as wt from 'wasmgrad/tfjs';
import { expectClose, randomArray } from './helpers';
import { artifactsOf } from './tfjs-artifacts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Artifacts = tf.io.ModelArtifacts;

/** getConfig without the generated name, which differs between the libraries. */
const configOf = (l: { getConfig(): Record<string, unknown> }) => {
  const { name: _name, ...rest } = l.getConfig();
  return rest;
};
/** Our config has every key TF.js's has, with its value (ours adds dtype). */
function sameConfig(ours: { getConfig(): Record<string, unknown> }, theirs: { getConfig(): Record<string, unknown> }): void {
  const t = configOf(theirs), o = configOf(ours);
  expect(Object.fromEntries(Object.keys(t).map((k) => [k, o[k]]))).toEqual(t);
}

function same(ours: wt.Tensor, theirs: tf.Tensor, what: string, tol = 1e-6): void {
  expect(ours.shape, what).toEqual(theirs.shape);
  expect(ours.dtype, what).toBe(theirs.dtype);
  expectClose(ours.dataSync(), theirs.dataSync() as Float32Array, tol, tol, what);
}

describe('categoryEncoding', () => {
  const tokens: [number[], number[]][] = [
    [[1, 2, 2, 0, 4, 4], [2, 3]],
    [[3, 0, 16, 16, 5, 2, 2, 9, 1, 1, 1, 0, 7, 7, 7, 7, 3], [17, 1]],
    [[1, 2, 2], [3]],
    [[4], []],
  ];
  for (const outputMode of ['oneHot', 'multiHot', 'count'] as const)
    for (const [values, shape] of tokens) {
      it(`${outputMode} of ${JSON.stringify(shape)} tokens: as TF.js`, () => {
        const numTokens = 17;
        const layer = wt.layers.categoryEncoding({ numTokens, outputMode });
        let theirs: tf.Tensor;
        try {
          theirs = tf.layers.categoryEncoding({ numTokens, outputMode }).apply(tf.tensor(values, shape, 'int32')) as tf.Tensor;
        } catch {
          // TF.js refuses outputs of rank > 2 (oneHot of [2, 3] tokens); so does wasmgrad
          expect(() => layer.apply(wt.tensor(values, shape, 'int32'))).toThrow(wt.WasmgradError);
          return;
        }
        if (outputMode === 'multiHot' && shape.length === 1) {
          // TF.js's cpu kernel ignores binaryOutput for a rank-1 input and counts; multiHot here is 0 or 1
          theirs = tf.minimum(theirs, 1);
        }
        same(layer.apply(wt.tensor(values, shape, 'int32')) as wt.Tensor, theirs, outputMode);
        // float tokens are cast to int32 first, as TF.js
        same(layer.apply(wt.tensor(values, shape)) as wt.Tensor, theirs, `${outputMode} of float32`);
      });
    }

  it('countWeights weigh each token\'s count, as TF.js; other modes refuse them', () => {
    const ids = [1, 2, 2, 0, 4, 4, 3, 3, 3], w = randomArray(9, 33, 0, 2);
    const theirs = tf.layers.categoryEncoding({ numTokens: 6, outputMode: 'count' }).apply(tf.tensor(ids, [3, 3], 'int32'), { countWeights: tf.tensor(w, [3, 3]) }) as tf.Tensor;
    const layer = wt.layers.categoryEncoding({ numTokens: 6, outputMode: 'count' });
    same(layer.apply(wt.tensor(ids, [3, 3], 'int32'), { countWeights: wt.tensor(w, [3, 3]) }) as wt.Tensor, theirs, 'countWeights', 1e-6);
    expect(() => layer.apply(wt.tensor(ids, [3, 3], 'int32'), { countWeights: wt.ones([3]) })).toThrow(wt.WasmgradError);
    expect(() => wt.layers.categoryEncoding({ numTokens: 6 }).apply(wt.tensor(ids, [3, 3], 'int32'), { countWeights: wt.ones([3, 3]) })).toThrow(wt.WasmgradError);
    expect(() => tf.layers.categoryEncoding({ numTokens: 6 }).apply(tf.tensor(ids, [3, 3], 'int32'), { countWeights: tf.ones([3, 3]) })).toThrow();
  });

  it('a plain reference: count of each token per row', () => {
    const out = wg.layers.categoryEncoding({ numTokens: 5, outputMode: 'count' }).apply(wg.tensor([0, 4, 4, 4, 2, 2], [2, 3], 'int32')) as wg.Tensor;
    expect(Array.from(out.dataSync())).toEqual([1, 0, 0, 0, 2, 0, 0, 2, 0, 1]);
  });

  it('defaults, getConfig and the symbolic output shape are TF.js\'s', () => {
    sameConfig(wt.layers.categoryEncoding({ numTokens: 5 }), tf.layers.categoryEncoding({ numTokens: 5 }));
    for (const [inputShape, outputMode] of [[[3], 'multiHot'], [[1], 'oneHot'], [[4], 'oneHot'], [[2], 'count']] as const) {
      const theirs = tf.sequential({ layers: [tf.layers.categoryEncoding({ numTokens: 5, outputMode, inputShape: [...inputShape] })] });
      const ours = wt.sequential({ layers: [wt.layers.categoryEncoding({ numTokens: 5, outputMode, inputShape: [...inputShape] })] });
      expect(ours.outputs[0].shape, `${outputMode} ${inputShape}`).toEqual(theirs.outputs[0].shape);
    }
  });

  it('bad arguments and tokens out of range raise WasmgradError', () => {
    expect(() => wt.layers.categoryEncoding({ numTokens: 0 })).toThrow(wt.WasmgradError);
    expect(() => wt.layers.categoryEncoding({ numTokens: 3, outputMode: 'tfIdf' as never })).toThrow(wt.WasmgradError);
    const l = wt.layers.categoryEncoding({ numTokens: 3 });
    const before = wt.memory().numTensors;
    const bad = [wt.tensor([0, 3], [1, 2], 'int32'), wt.tensor([-1, 0], [1, 2], 'int32'), wt.zeros([1, 2, 2], 'int32')];
    for (const x of bad) expect(() => l.apply(x)).toThrow(wt.WasmgradError);
    // a huge numTokens (from a hostile model.json) fails on allocation, without a hang
    expect(() => wt.layers.categoryEncoding({ numTokens: 2 ** 31 - 1 }).apply(bad[0])).toThrow(wt.WasmgradError);
    wt.dispose(bad);
    expect(wt.memory().numTensors).toBe(before);
  });
});

describe('centerCrop', () => {
  const cases: [number[], number, number][] = [
    [[2, 9, 7, 3], 5, 3],
    [[1, 17, 17, 5], 4, 16],
    [[3, 5, 6, 1], 5, 5],
    [[6, 5, 2], 3, 1],
    [[1, 40, 33, 2], 13, 9],
    [[1, 3, 3, 2], 5, 4],
    [[1, 6, 3, 2], 4, 5],
  ];
  for (const [shape, height, width] of cases) {
    it(`${JSON.stringify(shape)} to ${height} x ${width}: as TF.js`, () => {
      const values = randomArray(shape.reduce((a, b) => a * b, 1), 31, -3, 3);
      const theirs = tf.layers.centerCrop({ height, width }).apply(tf.tensor(values, shape)) as tf.Tensor;
      same(wt.layers.centerCrop({ height, width }).apply(wt.tensor(values, shape)) as wt.Tensor, theirs, 'centerCrop');
    });
  }

  it('an exact middle crop (plain reference) and int32 pixels kept, as TF.js', () => {
    const values = Array.from({ length: 7 * 9 }, (_, i) => i);
    const out = wg.layers.centerCrop({ height: 3, width: 5 }).apply(wg.tensor(values, [7, 9, 1], 'int32')) as wg.Tensor;
    const expected: number[] = [];
    for (let r = 2; r < 5; r++) for (let c = 2; c < 7; c++) expected.push(r * 9 + c);
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual(expected);
    const theirs = tf.layers.centerCrop({ height: 3, width: 5 }).apply(tf.tensor(values, [7, 9, 1], 'int32')) as tf.Tensor;
    expect(Array.from(theirs.dataSync())).toEqual(expected);
  });

  it('getConfig and output shape as TF.js; bad arguments raise', () => {
    sameConfig(wt.layers.centerCrop({ height: 3, width: 4 }), tf.layers.centerCrop({ height: 3, width: 4 }));
    const ours = wt.sequential({ layers: [wt.layers.centerCrop({ height: 3, width: 4, inputShape: [5, 6, 2] })] });
    const theirs = tf.sequential({ layers: [tf.layers.centerCrop({ height: 3, width: 4, inputShape: [5, 6, 2] })] });
    expect(ours.outputs[0].shape).toEqual(theirs.outputs[0].shape);
    expect(() => wt.layers.centerCrop({ height: 0, width: 3 })).toThrow(wt.WasmgradError);
    expect(() => wt.layers.centerCrop({ height: 2 } as never)).toThrow(wt.WasmgradError);
    const x = wt.zeros([4, 4]);
    expect(() => wt.layers.centerCrop({ height: 2, width: 2 }).apply(x)).toThrow(wt.WasmgradError);
  });
});

describe('resizing', () => {
  const cases: [number[], number, number][] = [[[2, 5, 7, 3], 3, 4], [[1, 3, 3, 1], 8, 5], [[4, 17, 2], 17, 1], [[1, 1, 1, 5], 2, 3]];
  for (const [shape, height, width] of cases)
    for (const interpolation of ['bilinear', 'nearest'] as const)
      for (const cropToAspectRatio of [false, true]) {
        it(`${JSON.stringify(shape)} to ${height} x ${width}, ${interpolation}, cropToAspectRatio ${cropToAspectRatio}: as TF.js`, () => {
          const values = randomArray(shape.reduce((a, b) => a * b, 1), 41, -3, 3);
          const args = { height, width, interpolation, cropToAspectRatio };
          const theirs = tf.layers.resizing(args).apply(tf.tensor(values, shape)) as tf.Tensor;
          same(wt.layers.resizing(args).apply(wt.tensor(values, shape)) as wt.Tensor, theirs, 'resizing');
        });
      }

  it('defaults and getConfig as TF.js; its symbolic shape keeps the batch axis (TF.js drops it)', () => {
    sameConfig(wt.layers.resizing({ height: 3, width: 4 }), tf.layers.resizing({ height: 3, width: 4 }));
    const ours = wt.sequential({ layers: [wt.layers.resizing({ height: 3, width: 4, inputShape: [5, 6, 2] })] });
    expect(ours.outputs[0].shape).toEqual([null, 3, 4, 2]);
    expect(() => wt.layers.resizing({ height: 3, width: 4, interpolation: 'bicubic' as never })).toThrow(wt.WasmgradError);
    expect(() => wt.layers.resizing({ height: 3.5, width: 4 })).toThrow(wt.WasmgradError);
  });

  it('trains through: the gradient reaches the layer below', () => {
    const x = wg.tensor(randomArray(2 * 4 * 5 * 3, 42), [2, 4, 5, 3]);
    const g = wg.grad((v: wg.Tensor) => wg.sum(wg.square(wg.layers.resizing({ height: 3, width: 7 }).apply(v) as wg.Tensor)))(x);
    expect(g.shape).toEqual([2, 4, 5, 3]);
    expect(Array.from(g.dataSync()).some((v) => v !== 0)).toBe(true);
  });
});

describe('randomWidth', () => {
  it('while training, the width is round(w * U(1 + lower, 1 + upper)) and the values a TF.js resize to it', () => {
    const values = randomArray(2 * 5 * 9 * 3, 51);
    const layer = wt.layers.randomWidth({ factor: [-0.5, 0.7], seed: 7 });
    const widths = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const out = layer.apply(wt.tensor(values, [2, 5, 9, 3]), { training: true }) as wt.Tensor;
      const w = out.shape[2];
      expect(w).toBeGreaterThanOrEqual(Math.round(9 * 0.5));
      expect(w).toBeLessThanOrEqual(Math.round(9 * 1.7));
      expect(out.shape).toEqual([2, 5, w, 3]);
      widths.add(w);
      same(out, tf.image.resizeBilinear(tf.tensor(values, [2, 5, 9, 3]) as tf.Tensor4D, [5, w]), 'bilinear');
    }
    expect(widths.size).toBeGreaterThan(2);
    const nearest = wt.layers.randomWidth({ factor: 0.4, interpolation: 'nearest', seed: 1 }).apply(wt.tensor(values, [2, 5, 9, 3]), { training: true }) as wt.Tensor;
    same(nearest, tf.image.resizeNearestNeighbor(tf.tensor(values, [2, 5, 9, 3]) as tf.Tensor4D, [5, nearest.shape[2]]), 'nearest');
  });

  it('the same seed gives the same widths; at inference the input passes unchanged', () => {
    const draw = () => {
      const l = wt.layers.randomWidth({ factor: 0.5, seed: 3 });
      return Array.from({ length: 6 }, () => (l.apply(wt.ones([1, 2, 10, 1]), { training: true }) as wt.Tensor).shape[2]);
    };
    expect(draw()).toEqual(draw());
    const x = wt.tensor(randomArray(30, 52), [1, 3, 5, 2]);
    const out = wt.layers.randomWidth({ factor: 0.5 }).apply(x) as wt.Tensor;
    expect(out.shape).toEqual(x.shape);
    expect(Array.from(out.dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('works inside a model: fit sees random widths, predict the input\'s', async () => {
    const m = wt.sequential({
      layers: [
        wt.layers.randomWidth({ factor: 0.5, seed: 2, inputShape: [6, 8, 3] }),
        wt.layers.globalAveragePooling2d({}),
        wt.layers.dense({ units: 1 }),
      ],
    });
    expect(m.layers[0].outputShape).toEqual([null, 6, null, 3]);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = wt.tensor(randomArray(5 * 6 * 8 * 3, 53), [5, 6, 8, 3]), y = wt.ones([5, 1]);
    // tf.profile lists each call of the layer with its output shape
    const info = await wt.profile(() => m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 }));
    const h = info.result as wt.History;
    expect(h.history.loss.every((v) => Number.isFinite(v as number))).toBe(true);
    const widths = info.kernels.filter((k) => k.name.endsWith('(RandomWidth)')).map((k) => k.outputShapes[0][2]);
    expect(widths.length).toBe(9);
    expect(new Set(widths).size).toBeGreaterThan(1);
    expect((m.predict(x) as wt.Tensor).shape).toEqual([5, 1]);
  });

  it('getConfig as TF.js (factor, interpolation, seed); bad factors raise as TF.js refuses them', () => {
    // TF.js's config reports its generator's running seed, not the one given; the other keys agree
    const theirs = configOf(tf.layers.randomWidth({ factor: 0.3, seed: 4 }));
    const ours = configOf(wt.layers.randomWidth({ factor: 0.3, seed: 4 }));
    expect(Object.keys(ours)).toEqual(expect.arrayContaining(Object.keys(theirs)));
    expect({ ...theirs, seed: 4 }).toEqual({ factor: ours.factor, interpolation: ours.interpolation, seed: ours.seed, trainable: ours.trainable });
    for (const factor of [0, -0.5, [-2, 0.5], [0.5, 0.1], [1, 2, 3]]) {
      expect(() => tf.layers.randomWidth({ factor: factor as never }), JSON.stringify(factor)).toThrow();
      expect(() => wt.layers.randomWidth({ factor: factor as never }), JSON.stringify(factor)).toThrow(wt.WasmgradError);
    }
    expect(() => wt.layers.randomWidth({ factor: 0.2, interpolation: 'area' as never })).toThrow(wt.WasmgradError);
  });
});


/**
 * TF.js's preprocessing layers write their output shape into their input's shape (computeOutputShape
 * changes its argument), so TF.js saves a wrong input shape (and cannot load its own file, nor
 * predict on the model); the saved file gets back the shape the model was built with.
 */
async function savedWithInputShape(model: tf.LayersModel, built: (number | null)[], written: (number | null)[]): Promise<Artifacts> {
  const art = await artifactsOf(model);
  const topology = art.modelTopology as { config: { layers: { class_name: string; config: { batch_input_shape?: unknown } }[] } };
  const inputLayer = topology.config.layers.find((l) => l.class_name === 'InputLayer')!;
  expect(inputLayer.config.batch_input_shape).toEqual(written);
  inputLayer.config.batch_input_shape = built;
  return art;
}

/** TF.js's result for a chain model, its layers applied one after the other (its predict refuses, see above). */
const layerByLayer = (model: tf.LayersModel, x: tf.Tensor): tf.Tensor => model.layers.slice(1).reduce((t, l) => l.apply(t) as tf.Tensor, x);

describe('model.json files holding the preprocessing layers', () => {
  it('a TF.js model with categoryEncoding, and one with centerCrop and resizing, load and compute as in TF.js', async () => {
    const tokens = tf.input({ shape: [4] });
    const counts = tf.layers.categoryEncoding({ numTokens: 6, outputMode: 'count' }).apply(tokens) as tf.SymbolicTensor;
    const enc = tf.model({ inputs: tokens, outputs: tf.layers.dense({ units: 3 }).apply(counts) as tf.SymbolicTensor });
    const ids = [0, 5, 5, 2, 1, 1, 1, 3, 4, 0, 2, 2];
    const ours = await wt.loadLayersModel(tf.io.fromMemory(await savedWithInputShape(enc, [null, 4], [null, 6])));
    same(ours.predict(wt.tensor(ids, [3, 4])) as wt.Tensor, layerByLayer(enc, tf.tensor(ids, [3, 4])), 'categoryEncoding model', 1e-5);

    const input = tf.input({ shape: [9, 8, 3] });
    const out = tf.layers.resizing({ height: 4, width: 6, interpolation: 'nearest' }).apply(tf.layers.centerCrop({ height: 7, width: 5 }).apply(input)) as tf.SymbolicTensor;
    const img = tf.model({ inputs: input, outputs: out });
    const pixels = randomArray(2 * 9 * 8 * 3, 61);
    const loaded = await wt.loadLayersModel(tf.io.fromMemory(await savedWithInputShape(img, [null, 9, 8, 3], [null, 7, 5, 3])));
    expect(loaded.layers.map((l) => l.className)).toEqual(['InputLayer', 'CenterCrop', 'Resizing']);
    same(loaded.predict(wt.tensor(pixels, [2, 9, 8, 3])) as wt.Tensor, layerByLayer(img, tf.tensor(pixels, [2, 9, 8, 3])), 'image model');
  });

  it('randomWidth and the others save and load in both formats with their configs', async () => {
    for (const format of ['tfjs', 'wasmgrad'] as const) {
      const m = wg.sequential({
        layers: [
          wg.layers.centerCrop({ height: 6, width: 6, inputShape: [8, 8, 2] }),
          wg.layers.randomWidth({ factor: [0.1, 0.2], interpolation: 'nearest', seed: 9 }),
          wg.layers.resizing({ height: 4, width: 4, cropToAspectRatio: true }),
        ],
      });
      let art: unknown = null;
      if (format === 'tfjs') {
        await m.save(tf.io.withSaveHandler(async (a) => {
          art = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }) as never, { format: 'tfjs' });
      } else art = await m.save();
      const back = await wg.loadModel(art as never);
      expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
      const x = wg.tensor(randomArray(3 * 8 * 8 * 2, 62), [3, 8, 8, 2]);
      expectClose((back.predict(x) as wg.Tensor).dataSync(), (m.predict(x) as wg.Tensor).dataSync(), 0, 0, format);
    }
  });
});
