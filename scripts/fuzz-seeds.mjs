// The fuzzer's bases, made by the library being fuzzed: node scripts/fuzz-seeds.mjs path/to/index.js
// prints one case per line (see fuzz-property.mjs): saved models of every layer family, compiled and
// not, and safetensors files of every readable dtype, with metadata.
import { pathToFileURL } from 'node:url';
import { encodeCase } from './fuzz-property.mjs';
import { joinSafetensors } from './fuzz-mutate.mjs';

const wg = await import(pathToFileURL(process.argv[2]).href);
await wg.init({ threads: 1 });
const L = wg.layers;
const out = (c) => process.stdout.write(`${JSON.stringify(encodeCase(c))}\n`);

async function saved(make, compile) {
  const m = make();
  if (compile) m.compile(compile);
  const { modelJson, weights } = await m.save();
  m.dispose();
  return { kind: 'model', modelJson: JSON.stringify(modelJson), weights };
}

const models = [
  [() => wg.sequential({ layers: [L.dense({ units: 4, inputShape: [3], activation: 'relu', kernelRegularizer: wg.regularizers.l2({ l2: 0.01 }) }), L.dropout({ rate: 0.5 }), L.dense({ units: 2, activation: 'softmax' })] }),
    { optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] }],
  [() => wg.sequential({ layers: [L.conv2d({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [6, 6, 1], dilationRate: 1 }), L.maxPooling2d({ poolSize: 2 }), L.batchNormalization({}), L.flatten(), L.dense({ units: 3 })] }),
    { optimizer: 'sgd', loss: 'meanSquaredError' }],
  [() => wg.sequential({ layers: [L.lstm({ units: 3, returnSequences: true, inputShape: [4, 2] }), L.gru({ units: 2 })] }), null],
  [() => wg.sequential({ layers: [L.embedding({ inputDim: 10, outputDim: 3, inputLength: 5 }), L.bidirectional({ layer: L.simpleRNN({ units: 2 }) }), L.dense({ units: 1, activation: 'sigmoid' })] }),
    { optimizer: 'rmsprop', loss: 'binaryCrossentropy' }],
  [() => {
    const a = wg.input({ shape: [4] });
    const b = wg.input({ shape: [4] });
    const h = L.add().apply([L.dense({ units: 3 }).apply(a), L.dense({ units: 3 }).apply(b)]);
    const c = L.concatenate({}).apply([h, L.layerNormalization({}).apply(L.activation({ activation: 'tanh' }).apply(h))]);
    return wg.model({ inputs: [a, b], outputs: [L.dense({ units: 2 }).apply(c), c] });
  }, null],
  [() => wg.sequential({ layers: [L.conv1d({ filters: 2, kernelSize: 2, inputShape: [5, 2], padding: 'causal' }), L.globalAveragePooling1d({}), L.reshape({ targetShape: [2, 1] }), L.flatten()] }), null],
];
for (const [make, compile] of models) out(await saved(make, compile));

// safetensors of every readable dtype (encodeSafetensors writes F32 and I32; the rest by hand)
const t = (v, shape, dtype) => wg.tensor(v, shape, dtype);
const record = { 'dense/kernel': t([1, 2, 3, 4, 5, 6], [2, 3]), 'dense/bias': t([0.5, -0.5, 0], [3]), ids: t([1, -2, 3], [3], 'int32'), scalar: t(7, []), empty: t([], [0, 3]) };
out({ kind: 'safetensors', bytes: wg.io.encodeSafetensors(record, { format: 'pt', note: 'seed' }) });
for (const x of Object.values(record)) x.dispose();
const entries = [['F16', 2, [0x3c00, 0xc000]], ['BF16', 2, [0x3f80, 0x4000]], ['F64', 8, [1.5, -2]], ['I64', 8, [3, -4]], ['U8', 1, [1, 255]], ['BOOL', 1, [0, 1]], ['I8', 1, [-1, 2]], ['U32', 4, [7, 8]]];
let offset = 0;
const header = {};
const data = [];
for (const [dtype, size, values] of entries) {
  const bytes = new Uint8Array(size * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    if (dtype === 'F64') view.setFloat64(8 * i, v, true);
    else if (dtype === 'I64') view.setBigInt64(8 * i, BigInt(v), true);
    else if (size === 2) view.setUint16(2 * i, v, true);
    else if (size === 4) view.setUint32(4 * i, v, true);
    else view.setInt8(i, v);
  });
  header[dtype.toLowerCase()] = { dtype, shape: [values.length], data_offsets: [offset, offset + bytes.length] };
  offset += bytes.length;
  data.push(bytes);
}
header.__metadata__ = { source: 'fuzz seed' };
const all = new Uint8Array(offset);
let o = 0;
for (const d of data) {
  all.set(d, o);
  o += d.length;
}
out({ kind: 'safetensors', bytes: joinSafetensors(JSON.stringify(header), all) });
await wg.shutdown();
