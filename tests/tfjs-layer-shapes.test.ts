// layer.outputShape, layer.input, layer.output, model.inputs and model.outputs as
// @tensorflow/tfjs 4.22 gives them: shapes with a null batch, arrays of shapes for several
// outputs, shared layers (one shape for all calls is fine; different shapes or several calls for
// input / output raise), layers never called.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Lib = typeof tf;
const libs: [string, Lib][] = [['tfjs', tf as unknown as Lib], ['wasmgrad', wt as unknown as Lib]];

/** What f gives, or 'throws' (and for wasmgrad, that it is a WasmgradError). */
function outcome(name: string, f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (name === 'wasmgrad') expect(e).toBeInstanceOf(wt.WasmgradError);
    return 'throws';
  }
}

/** Builds in each library and compares what probe reads. */
function sameIn(build: (lib: Lib) => Record<string, () => unknown>): void {
  const results = libs.map(([name, lib]) => {
    const probes = build(lib);
    return Object.fromEntries(Object.entries(probes).map(([k, f]) => [k, outcome(name, f)]));
  });
  expect(results[1]).toEqual(results[0]);
}

const shapeOf = (t: unknown) => (Array.isArray(t) ? t.map((x) => (x as tf.SymbolicTensor).shape) : (t as tf.SymbolicTensor).shape);

describe('layer and model shapes as TF.js', () => {
  it('a sequential model: each layer\'s outputShape, input and output; the model\'s inputs and outputs', () => {
    sameIn((lib) => {
      const m = lib.sequential({
        layers: [lib.layers.conv2d({ filters: 3, kernelSize: 3, inputShape: [9, 7, 2] }), lib.layers.flatten(), lib.layers.dense({ units: 5 })],
      });
      return {
        outputShapes: () => m.layers.map((l) => l.outputShape),
        inputs: () => m.layers.map((l) => shapeOf(l.input)),
        outputs: () => m.layers.map((l) => shapeOf(l.output)),
        modelInputs: () => m.inputs.map((t) => t.shape),
        modelOutputs: () => m.outputs.map((t) => t.shape),
        modelOutputShape: () => m.outputShape,
      };
    });
  });

  it('a layer with several outputs gives an array of shapes; a two-output model too', () => {
    sameIn((lib) => {
      const x = lib.input({ shape: [6, 3] });
      const lstm = lib.layers.lstm({ units: 4, returnState: true });
      const outs = lstm.apply(x) as tf.SymbolicTensor[];
      const head = lib.layers.dense({ units: 2 });
      const m = lib.model({ inputs: x, outputs: [outs[0], head.apply(outs[1]) as tf.SymbolicTensor] });
      return {
        lstmOutputShape: () => lstm.outputShape,
        lstmOutput: () => shapeOf(lstm.output),
        modelOutputs: () => m.outputs.map((t) => t.shape),
        modelOutputShape: () => m.outputShape,
        inputLayerOutputShape: () => m.layers[0].outputShape,
      };
    });
  });

  it('a layer shared by two calls: one shape for both is its outputShape, but input and output raise', () => {
    sameIn((lib) => {
      const a = lib.input({ shape: [4] }), b = lib.input({ shape: [4] });
      const shared = lib.layers.dense({ units: 3 });
      shared.apply(a);
      shared.apply(b);
      return { outputShape: () => shared.outputShape, input: () => shapeOf(shared.input), output: () => shapeOf(shared.output) };
    });
  });

  it('a layer called on different shapes: outputShape raises; a layer never called raises', () => {
    sameIn((lib) => {
      const a = lib.input({ shape: [4, 5] }), b = lib.input({ shape: [7, 5] });
      const shared = lib.layers.dense({ units: 3 });
      shared.apply(a);
      shared.apply(b);
      const idle = lib.layers.dense({ units: 2 });
      return {
        outputShape: () => shared.outputShape,
        idleOutputShape: () => idle.outputShape,
        idleOutput: () => idle.output,
        idleInput: () => idle.input,
      };
    });
  });

  it('a layer applied to a concrete tensor gets no graph call (its outputShape still raises)', () => {
    sameIn((lib) => {
      const d = lib.layers.dense({ units: 2 });
      (d.apply(lib.ones([3, 4])) as tf.Tensor).dispose();
      return { outputShape: () => d.outputShape, output: () => d.output };
    });
  });
});
