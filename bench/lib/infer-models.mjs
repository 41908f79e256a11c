// The inference bench's models, each built twice from the same weights: as a wasmgrad model and as
// an ONNX graph (bench/lib/onnx-writer.mjs) for ONNX Runtime Web.
//
// wasmgrad is NHWC and batch-major; the ONNX graphs are what a PyTorch export would give ONNX
// Runtime: NCHW images and time-major sequences, fed in that layout (the bench transposes the
// input data once, outside the timing). Weights are converted accordingly:
// - conv kernels [kh, kw, cin, cout] -> [cout, cin, kh, kw];
// - a dense layer after a flatten of [H, W, C] takes its kernel rows in (c, h, w) order;
// - LSTM gates: Keras i, f, c, o -> ONNX i, o, f, c; W [1, 4u, in], R [1, 4u, u], B [1, 8u]
//   (the one Keras bias, then zeros for the recurrent bias);
// - GRU (resetAfter, = linear_before_reset 1): gates z, r, h on both sides; B = input bias, then
//   recurrent bias.
import * as wg from 'wasmgrad';
import { OnnxGraph } from './onnx-writer.mjs';

export const CASES = [
  { name: 'mlp-b1', label: 'MLP 784-256-128-10, batch 1', kind: 'mlp', batch: 1 },
  { name: 'mlp-b64', label: 'MLP 784-256-128-10, batch 64', kind: 'mlp', batch: 64 },
  { name: 'cnn-b1', label: 'CNN conv16-pool-conv32-pool-dense64-dense10, batch 1', kind: 'cnn', batch: 1 },
  { name: 'cnn-b64', label: 'CNN, batch 64', kind: 'cnn', batch: 64 },
  { name: 'lstm-128', label: 'LSTM 128 (in 64, T 32), batch 32', kind: 'lstm', units: 128, input: 64, T: 32, batch: 32 },
  { name: 'lstm-512', label: 'LSTM 512 (in 64, T 16), batch 64', kind: 'lstm', units: 512, input: 64, T: 16, batch: 64 },
  { name: 'lstm-b1', label: 'LSTM 128 (in 64, T 32), batch 1', kind: 'lstm', units: 128, input: 64, T: 32, batch: 1 },
  { name: 'gru-128', label: 'GRU 128 resetAfter (in 64, T 32), batch 32', kind: 'gru', units: 128, input: 64, T: 32, batch: 32 },
  { name: 'gru-b1', label: 'GRU 128 resetAfter (in 64, T 32), batch 1', kind: 'gru', units: 128, input: 64, T: 32, batch: 1 },
  { name: 'resnet-b32', label: 'residual CNN (conv16, 2-conv residual block, pool, dense10), batch 32', kind: 'res', batch: 32 },
];

/** Deterministic floats in [-1, 1), from the package's seeded generator. */
export function data(n, seed) {
  const random = wg.seededRandom(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

// Every weight gets seeded values: kernels uniform with variance 1/fanIn (activations stay O(1),
// so a wrong gate or layout shows in the outputs), biases within +-0.1 (so they are tested too).
function seedWeights(model) {
  let seed = 100;
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    const fresh = ws.map((w) => {
      const isBias = w.rank === 1 || (layer.constructor.name === 'GRU' && w.shape[0] === 2 && w.rank === 2);
      const fanIn = w.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const scale = isBias ? 0.1 : Math.sqrt(3 / fanIn);
      return wg.tensor(data(w.size, seed++).map((v) => v * scale), w.shape);
    });
    layer.setWeights(fresh);
    fresh.forEach((t) => t.dispose());
  }
}

const weightsOf = (layer) => layer.getWeights().map((w) => w.dataSync());

// --- ONNX pieces ---------------------------------------------------------------------------------

function onnxActivation(g, x, act, output) {
  if (act === 'relu') return g.node('Relu', [x], {}, output ?? 1);
  if (act === 'softmax') return g.node('Softmax', [x], { axis: -1 }, output ?? 1);
  if (act === 'linear') return output ? g.node('Identity', [x], {}, output) : x;
  throw new Error(`infer bench: no ONNX form for activation ${act}`);
}

/** A dense layer; `flatFrom` [H, W, C]: its input is an NCHW flatten, so rows are reordered. */
function onnxDense(g, x, layer, act, flatFrom, output) {
  const [kernel, bias] = weightsOf(layer);
  const units = bias.length, inDim = kernel.length / units;
  let k = kernel;
  if (flatFrom) {
    const [H, W, C] = flatFrom;
    k = new Float32Array(kernel.length);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) {
          const src = ((h * W + w) * C + c) * units, dst = ((c * H + h) * W + w) * units;
          k.set(kernel.subarray(src, src + units), dst);
        }
      }
    }
  }
  const y = g.node('Gemm', [x, g.initializer(`${layer.name}_W`, k, [inDim, units]), g.initializer(`${layer.name}_B`, bias, [units])]);
  return onnxActivation(g, y, act, output);
}

function onnxConv(g, x, layer, padding, act) {
  const [kernel, bias] = weightsOf(layer);
  const [KH, KW, Cin, Cout] = layer.getWeights()[0].shape;
  const w = new Float32Array(kernel.length);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let ci = 0; ci < Cin; ci++) {
        for (let co = 0; co < Cout; co++) w[((co * Cin + ci) * KH + kh) * KW + kw] = kernel[((kh * KW + kw) * Cin + ci) * Cout + co];
      }
    }
  }
  const pads = padding === 'same' ? [(KH - 1) >> 1, (KW - 1) >> 1, KH >> 1, KW >> 1] : [0, 0, 0, 0];
  const y = g.node('Conv', [x, g.initializer(`${layer.name}_W`, w, [Cout, Cin, KH, KW]), g.initializer(`${layer.name}_B`, bias, [Cout])], {
    kernel_shape: [KH, KW],
    strides: [1, 1],
    pads,
  });
  return onnxActivation(g, y, act);
}

const maxPool2 = (g, x) => g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });

/** Rows of a [rows, G*u] Keras matrix as ONNX [1, G*u, rows] with gate blocks in `order`. */
function gateMatrix(m, rows, u, order) {
  const G = order.length;
  const out = new Float32Array(rows * G * u);
  order.forEach((kg, og) => {
    for (let j = 0; j < u; j++) {
      for (let r = 0; r < rows; r++) out[(og * u + j) * rows + r] = m[r * G * u + kg * u + j];
    }
  });
  return out;
}

// --- the cases -------------------------------------------------------------------------------------

const L = () => wg.layers;

function buildMlp(c) {
  const model = wg.sequential({
    layers: [
      L().dense({ units: 256, activation: 'relu', inputShape: [784] }),
      L().dense({ units: 128, activation: 'relu' }),
      L().dense({ units: 10, activation: 'softmax' }),
    ],
  });
  seedWeights(model);
  const g = new OnnxGraph(c.name);
  let x = g.input('input', [c.batch, 784]);
  const [d1, d2, d3] = model.layers.filter((l) => l.getWeights().length);
  x = onnxDense(g, x, d1, 'relu');
  x = onnxDense(g, x, d2, 'relu');
  g.output(onnxDense(g, x, d3, 'softmax', null, 'output'), [c.batch, 10]);
  const input = data(c.batch * 784, 7);
  return { model, onnx: g.toModel(), wgInput: { values: input, shape: [c.batch, 784] }, ortInput: { values: input, dims: [c.batch, 784] }, outSize: c.batch * 10 };
}

/** [N, H, W, C] -> [N, C, H, W] values. */
function nhwcToNchw(v, N, H, W, C) {
  const out = new Float32Array(v.length);
  for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let ch = 0; ch < C; ch++) {
    out[((n * C + ch) * H + h) * W + w] = v[((n * H + h) * W + w) * C + ch];
  }
  return out;
}

function buildCnn(c) {
  const model = wg.sequential({
    layers: [
      L().conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      L().maxPooling2d({ poolSize: 2 }),
      L().conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      L().maxPooling2d({ poolSize: 2 }),
      L().flatten(),
      L().dense({ units: 64, activation: 'relu' }),
      L().dense({ units: 10, activation: 'softmax' }),
    ],
  });
  seedWeights(model);
  const [c1, c2, d1, d2] = model.layers.filter((l) => l.getWeights().length);
  const g = new OnnxGraph(c.name);
  let x = g.input('input', [c.batch, 1, 28, 28]);
  x = maxPool2(g, onnxConv(g, x, c1, 'valid', 'relu'));
  x = maxPool2(g, onnxConv(g, x, c2, 'valid', 'relu'));
  x = g.node('Flatten', [x], { axis: 1 });
  x = onnxDense(g, x, d1, 'relu', [5, 5, 32]);
  g.output(onnxDense(g, x, d2, 'softmax', null, 'output'), [c.batch, 10]);
  const input = data(c.batch * 784, 8).map((v) => 0.5 * (v + 1));
  return {
    model, onnx: g.toModel(),
    wgInput: { values: input, shape: [c.batch, 28, 28, 1] },
    ortInput: { values: nhwcToNchw(input, c.batch, 28, 28, 1), dims: [c.batch, 1, 28, 28] },
    outSize: c.batch * 10,
  };
}

function buildResidual(c) {
  const inp = wg.input({ shape: [28, 28, 1] });
  const conv = (act) => L().conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: act });
  const layers = { c1: conv('relu'), c2: conv('relu'), c3: conv('linear'), dense: L().dense({ units: 10, activation: 'softmax' }) };
  const h1 = layers.c1.apply(inp);
  const h3 = layers.c3.apply(layers.c2.apply(h1));
  const s = L().activation({ activation: 'relu' }).apply(L().add().apply([h1, h3]));
  const out = layers.dense.apply(L().flatten().apply(L().maxPooling2d({ poolSize: 2 }).apply(s)));
  const model = wg.model({ inputs: inp, outputs: out });
  seedWeights(model);
  const g = new OnnxGraph(c.name);
  const x = g.input('input', [c.batch, 1, 28, 28]);
  const o1 = onnxConv(g, x, layers.c1, 'same', 'relu');
  const o3 = onnxConv(g, onnxConv(g, o1, layers.c2, 'same', 'relu'), layers.c3, 'same', 'linear');
  let y = g.node('Relu', [g.node('Add', [o1, o3])]);
  y = g.node('Flatten', [maxPool2(g, y)], { axis: 1 });
  g.output(onnxDense(g, y, layers.dense, 'softmax', [14, 14, 16], 'output'), [c.batch, 10]);
  const input = data(c.batch * 784, 9).map((v) => 0.5 * (v + 1));
  return {
    model, onnx: g.toModel(),
    wgInput: { values: input, shape: [c.batch, 28, 28, 1] },
    ortInput: { values: nhwcToNchw(input, c.batch, 28, 28, 1), dims: [c.batch, 1, 28, 28] },
    outSize: c.batch * 10,
  };
}

function buildRecurrent(c) {
  const u = c.units;
  const layer = c.kind === 'lstm'
    ? L().lstm({ units: u, inputShape: [c.T, c.input] })
    : L().gru({ units: u, resetAfter: true, inputShape: [c.T, c.input] });
  const model = wg.sequential({ layers: [layer] });
  seedWeights(model);
  const [kernel, rec, bias] = weightsOf(layer);
  const g = new OnnxGraph(c.name);
  const x = g.input('input', [c.T, c.batch, c.input]);
  if (c.kind === 'lstm') {
    const order = [0, 3, 1, 2]; // ONNX i, o, f, c from Keras i, f, c, o
    const b = new Float32Array(8 * u);
    b.set(gateMatrix(bias, 1, u, order));
    g.node('LSTM', [
      x,
      g.initializer('W', gateMatrix(kernel, c.input, u, order), [1, 4 * u, c.input]),
      g.initializer('R', gateMatrix(rec, u, u, order), [1, 4 * u, u]),
      g.initializer('B', b, [1, 8 * u]),
    ], { hidden_size: u }, ['', 'output']);
  } else {
    const order = [0, 1, 2]; // z, r, h on both sides
    const b = new Float32Array(6 * u);
    b.set(gateMatrix(bias.subarray(0, 3 * u), 1, u, order));
    b.set(gateMatrix(bias.subarray(3 * u), 1, u, order), 3 * u);
    g.node('GRU', [
      x,
      g.initializer('W', gateMatrix(kernel, c.input, u, order), [1, 3 * u, c.input]),
      g.initializer('R', gateMatrix(rec, u, u, order), [1, 3 * u, u]),
      g.initializer('B', b, [1, 6 * u]),
    ], { hidden_size: u, linear_before_reset: 1 }, ['', 'output']);
  }
  g.output('output', [1, c.batch, u]);
  const input = data(c.batch * c.T * c.input, 10);
  const timeMajor = new Float32Array(input.length);
  for (let n = 0; n < c.batch; n++) for (let t = 0; t < c.T; t++) {
    timeMajor.set(input.subarray((n * c.T + t) * c.input, (n * c.T + t + 1) * c.input), (t * c.batch + n) * c.input);
  }
  return {
    model, onnx: g.toModel(),
    wgInput: { values: input, shape: [c.batch, c.T, c.input] },
    ortInput: { values: timeMajor, dims: [c.T, c.batch, c.input] },
    outSize: c.batch * u,
  };
}

/** Builds a case (after wg.init): { model, onnx bytes, wgInput, ortInput, outSize }. */
export function buildCase(c) {
  if (c.kind === 'mlp') return buildMlp(c);
  if (c.kind === 'cnn') return buildCnn(c);
  if (c.kind === 'res') return buildResidual(c);
  if (c.kind === 'lstm' || c.kind === 'gru') return buildRecurrent(c);
  throw new Error(`infer bench: unknown case kind ${c.kind}`);
}
