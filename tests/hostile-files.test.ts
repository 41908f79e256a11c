// Hostile files and names (issue "Hard to break"): loading is linear and bounded, every limit is
// refused with a WasmgradError naming it, nothing a file controls recurses, and names that are
// members of Object.prototype are unknown names everywhere.
import * as wg from 'wasmgrad';
import { describe, test, expect, beforeAll } from 'vitest';
import { useBuild } from './helpers';
import { getLayerClass } from '../src/layers/registry';
import { getActivation } from '../src/activations';
import { getInitializer } from '../src/initializers';
import { getRegularizer } from '../src/regularizers';
import { deserializeSchedule } from '../src/schedules';
import { getLoss } from '../src/losses';
import { getMetric } from '../src/models/metrics';
import { getOptimizer } from '../src/optimizers/index';
import { checkRnnActivation } from '../src/validate';

const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

function stFile(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** A model.json (as text) of a sequential model of n weightless layers. */
function sequentialJson(n: number, layersText?: string): string {
  const layers = layersText ?? Array.from({ length: n }, (_, i) => `{"className":"Activation","config":{"name":"a${i}","activation":"linear"}}`).join(',');
  return `{"format":"wasmgrad-layers-model","formatVersion":1,"generatedBy":"test","modelTopology":{"className":"Sequential","config":{"name":"s","layers":[${layers}],"buildInputShape":[null,2]}},"trainingConfig":null,"weightsManifest":[{"paths":["weights.safetensors"],"weights":[]}]}`;
}
const noWeights = () => stFile('{}');

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    const r = typeof p === 'function' ? p() : await p;
    if (r instanceof wg.LayersModel) r.dispose();
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(wg.WasmgradError);
    return (err as Error).message;
  }
  throw new Error('expected a WasmgradError');
}

beforeAll(() => useBuild('relaxed', 1));

describe('loading is linear and bounded', () => {
  test('a 100,000-layer model.json loads in under 5 s (quadratic before: 43 s for 8,000)', async () => {
    const text = sequentialJson(100_000);
    const before = wg.memory();
    // CPU time, not wall time: a machine shared with other jobs stretches the wall clock several times
    const cpu0 = process.cpuUsage();
    const m = await wg.loadModel({ modelJson: text, weights: noWeights() });
    const cpu = process.cpuUsage(cpu0);
    const secs = (cpu.user + cpu.system) / 1e6;
    expect(m.layers.length).toBe(100_000);
    m.dispose();
    expect(secs).toBeLessThan(5);
    expect(wg.memory().numTensors).toBe(before.numTensors);
  });

  test('past the layer-count limit is refused, naming it', async () => {
    // nested models count too: 2 x 100,001 layers
    const half = Array.from({ length: 100_001 }, (_, i) => `{"className":"Activation","config":{"name":"b${i}","activation":"linear"}}`).join(',');
    const text = sequentialJson(0, `{"className":"Sequential","config":{"name":"inner","layers":[${half}]}},${half.replace(/"b/g, '"c')}`);
    expect(await refusal(wg.loadModel({ modelJson: text, weights: noWeights() }))).toMatch(/more than 200000 layers \(the layer-count limit\)/);
  });

  test('safetensors limits: tensors, metadata entries, rank, keys per entry, nesting depth', () => {
    const t0 = performance.now();
    const many = Array.from({ length: 100_001 }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`).join(',');
    expect(() => wg.io.decodeSafetensors(stFile(`{${many}}`))).toThrow(/more than 100000 tensors \(the tensor-count limit\)/);
    const meta = Array.from({ length: 10_001 }, (_, i) => `"k${i}":"v"`).join(',');
    expect(() => wg.io.decodeSafetensors(stFile(`{"__metadata__":{${meta}}}`))).toThrow(/more than 10000 entries \(the metadata-entry limit\)/);
    expect(() => wg.io.decodeSafetensors(stFile(`{"t":{"dtype":"F32","shape":[${new Array(65).fill(1)}],"data_offsets":[0,4]}}`, new Uint8Array(4)))).toThrow(/the rank limit/);
    expect(() => wg.io.decodeSafetensors(stFile(`{"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"a":1,"b":1,"c":1,"d":1,"e":1,"f":1}}`))).toThrow(/more than 8 keys \(the entry-key limit\)/);
    expect(() => wg.io.decodeSafetensors(stFile('{"t":{"dtype":"F32","shape":[[0]],"data_offsets":[0,0]}}'))).toThrow(/nests deeper than 3 levels .*the nesting-depth limit/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  test('a 100 MB header of nested objects is refused in seconds, not 40 s and 4 GB', () => {
    const body = '{},'.repeat(33_000_000);
    const file = stFile(`{"x":{"y":[${body}{}]}}`);
    const t0 = performance.now();
    expect(() => wg.io.decodeSafetensors(file)).toThrow(/the nesting-depth limit/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('no recursion a file controls', () => {
  test('a shape 10,000 deep in a safetensors header', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(() => wg.io.decodeSafetensors(stFile(`{"t":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`))).toThrow(/the nesting-depth limit/);
  });

  test('a manifest shape 10,000 deep, and sequential models nested 5,000 deep', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const manifest = sequentialJson(1).replace('"weights":[]', `"weights":[{"name":"w","shape":${deep},"dtype":"float32"}]`);
    expect(await refusal(wg.loadModel({ modelJson: manifest, weights: noWeights() }))).toMatch(/nests deeper than 128 levels \(the JSON nesting-depth limit\)/);
    const open = Array.from({ length: 5000 }, (_, i) => `{"className":"Sequential","config":{"name":"n${i}","layers":[`).join('');
    const nested = sequentialJson(0, `${open}{"className":"Activation","config":{"name":"leaf"}}${']}}'.repeat(5000)}`);
    expect(await refusal(wg.loadModel({ modelJson: nested, weights: noWeights() }))).toMatch(/the JSON nesting-depth limit/);
    // given as an object (no text to parse), the same walk bounds it
    expect(await refusal(wg.loadModel({ modelJson: JSON.parse(manifest), weights: noWeights() }))).toMatch(/the JSON nesting-depth limit/);
  });

  test('models nested within the JSON limit but past the model-nesting limit', async () => {
    const open = Array.from({ length: 33 }, (_, i) => `{"className":"Sequential","config":{"name":"n${i}","layers":[`).join('');
    const nested = sequentialJson(0, `${open}{"className":"Activation","config":{"name":"leaf"}}${']}}'.repeat(33)}`);
    expect(await refusal(wg.loadModel({ modelJson: nested, weights: noWeights() }))).toMatch(/models are nested more than 32 deep \(the nesting-depth limit\)/);
  });
});

describe('names that are Object.prototype members are unknown everywhere', () => {
  test.each(PROTO_NAMES)('registries refuse %s, listing the known names', (name) => {
    expect(() => getLoss(name)).toThrow(/unknown loss .*expected one of meanSquaredError/);
    expect(() => getMetric(name, undefined)).toThrow(/unknown metric .*expected accuracy/);
    expect(() => getOptimizer(name)).toThrow(/unknown optimizer .*expected one of sgd, adam/);
    expect(() => getOptimizer({ className: name })).toThrow(/unknown optimizer/);
    expect(() => getInitializer(name, 'zeros')).toThrow(/unknown initializer .*expected one of glorotUniform/);
    expect(() => getActivation(name)).toThrow(/unknown activation .*expected one of linear, relu/);
    expect(() => getRegularizer(name)).toThrow(/unknown regularizer/);
    expect(() => deserializeSchedule({ className: name, config: {} })).toThrow(/unknown schedule .*ExponentialDecay/);
    expect(() => getLayerClass(name)).toThrow(/unknown layer class .*known: .*Dense/);
    expect(() => checkRnnActivation(name, 'lstmSequence')).toThrow(/lstmSequence: unsupported activation .*expected one of linear, relu, tanh, sigmoid, hardSigmoid/);
    expect(() => wg.layers.lstm({ units: 2, activation: name })).toThrow(wg.WasmgradError);
    expect(() => wg.layers.dense({ units: 2, activation: name })).toThrow(wg.WasmgradError);
  });

  test('compile refuses them as loss, metric and optimizer names, before fit', () => {
    const m = wg.sequential({ layers: [wg.layers.dense({ units: 1, inputShape: [1] })] });
    for (const name of PROTO_NAMES) {
      expect(() => m.compile({ optimizer: 'sgd', loss: name })).toThrow(/unknown loss/);
      expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [name] })).toThrow(/unknown metric/);
      expect(() => m.compile({ optimizer: name, loss: 'mse' })).toThrow(/unknown optimizer/);
    }
    m.dispose();
  });

  test('a saved model with them as weight names, loss, optimizer, metric or RNN activation is refused at load', async () => {
    const dense = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [3] })] });
    dense.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
    const saved = await dense.save();
    dense.dispose();
    const edit = (f: (j: Record<string, any>) => void) => {
      const j = JSON.parse(JSON.stringify(saved.modelJson));
      f(j);
      return wg.loadModel({ modelJson: j, weights: saved.weights });
    };
    const before = wg.memory().numTensors;
    for (const name of PROTO_NAMES) {
      expect(await refusal(edit((j) => { j.weightsManifest[0].weights[0].name = name; }))).toMatch(/loadModel: weight .* of the manifest is missing|is listed twice|holds tensors the manifest does not list/);
      expect(await refusal(edit((j) => { j.trainingConfig.loss = name; }))).toMatch(/loadModel: trainingConfig: unknown loss/);
      expect(await refusal(edit((j) => { j.trainingConfig.optimizerConfig.className = name; }))).toMatch(/unknown optimizer/);
      expect(await refusal(edit((j) => { j.trainingConfig.metrics = [[name]]; }))).toMatch(/unknown metric/);
      expect(await refusal(edit((j) => { j.modelTopology.config.layers[0].className = name; }))).toMatch(/unknown layer class/);
    }
    const lstm = wg.sequential({ layers: [wg.layers.lstm({ units: 2, inputShape: [3, 2] })] });
    const a = await lstm.save();
    lstm.dispose();
    for (const name of PROTO_NAMES) {
      const j = JSON.parse(JSON.stringify(a.modelJson));
      j.modelTopology.config.layers[0].config.activation = name;
      expect(await refusal(wg.loadModel({ modelJson: j, weights: a.weights }))).toContain(`unknown activation '${name}'`);
    }
    expect(wg.memory().numTensors).toBe(before);
  });

  test('decodeSafetensors stores a tensor named __proto__ as a tensor, in a record without a prototype', () => {
    const bytes = stFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}', new Uint8Array(4));
    const out = wg.io.decodeSafetensors(bytes);
    expect(Object.getPrototypeOf(out)).toBe(null);
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'constructor']);
    expect(out.__proto__).toBeInstanceOf(wg.Tensor);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
    for (const t of Object.values(out)) t.dispose();
  });
});
