import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, bitsOf, THREADED_BUILDS } from './helpers';
import { gradCheck, type RefTensor } from './gradcheck';
import { refRnn, GATES, type CellKind, type RefOptions } from './rnn-ref';
import { lstmSequence, gruSequence, simpleRNNSequence, type SequenceOptions } from '../src/ops/rnn';

afterAll(() => wg.shutdown());

interface Case {
  cell: CellKind;
  B: number;
  T: number;
  I: number;
  u: number;
  o?: RefOptions;
  /** pass h0 (and c0) */
  init?: boolean;
  bias?: boolean;
}

/** The op under test as one function of its tensors: every output flattened and concatenated. */
function opOf(c: Case) {
  const opts: SequenceOptions = { ...(c.o as SequenceOptions) };
  return (x: wg.Tensor, W: wg.Tensor, U: wg.Tensor, ...rest: wg.Tensor[]) => {
    let i = 0;
    const b = c.bias === false ? null : rest[i++];
    const h0 = c.init ? rest[i++] : null;
    const c0 = c.init && c.cell === 'lstm' ? rest[i++] : null;
    const rm = c.o?.recurrentMask ? rest[i++] : null;
    const o = { ...opts, recurrentMask: rm };
    return wg.tidy(() => {
      const outs =
        c.cell === 'lstm' ? lstmSequence(x, W, U, b, h0, c0, o)
        : c.cell === 'simple' ? simpleRNNSequence(x, W, U, b, h0, o)
        : gruSequence(x, W, U, b, h0, { ...o, resetAfter: c.cell === 'gru' });
      return wg.concat(outs.map((t) => wg.reshape(t, [-1])));
    });
  };
}

function refOf(c: Case) {
  return (x: RefTensor, W: RefTensor, U: RefTensor, ...rest: RefTensor[]) => {
    let i = 0;
    const b = c.bias === false ? null : rest[i++].data;
    const h0 = c.init ? rest[i++].data : null;
    const c0 = c.init && c.cell === 'lstm' ? rest[i++].data : null;
    const r = refRnn(c.cell, c.B, c.T, c.I, c.u, x.data, W.data, U.data, b, h0, c0, c.o);
    return Float64Array.from([...r.y, ...r.h, ...(r.c ?? [])]);
  };
}

function inputsOf(c: Case, seed: number) {
  const G = GATES[c.cell] * c.u;
  const ins: { values: Float32Array; shape: number[] }[] = [
    { values: randomArray(c.B * c.T * c.I, seed), shape: [c.B, c.T, c.I] },
    { values: randomArray(c.I * G, seed + 1, -0.6, 0.6), shape: [c.I, G] },
    { values: randomArray(c.u * G, seed + 2, -0.6, 0.6), shape: [c.u, G] },
  ];
  if (c.bias !== false) {
    const shape = c.cell === 'gru' ? [2, G] : [G];
    ins.push({ values: randomArray(shape.reduce((a, b) => a * b, 1), seed + 3, -0.3, 0.3), shape });
  }
  if (c.init) {
    ins.push({ values: randomArray(c.B * c.u, seed + 4), shape: [c.B, c.u] });
    if (c.cell === 'lstm') ins.push({ values: randomArray(c.B * c.u, seed + 5), shape: [c.B, c.u] });
  }
  return ins;
}

const CELLS: CellKind[] = ['lstm', 'gru', 'gruResetBefore', 'simple'];

// Shapes: sequence lengths 1 and 7, batches 1 and 5, units not a multiple of 4, and 16 (whole
// panels: every gate's columns as one product).
const SHAPES: [number, number, number, number][] = [
  // B, T, I, u
  [1, 1, 3, 3],
  [5, 7, 4, 5],
  [1, 7, 2, 17],
  [5, 1, 6, 17],
  [1, 5, 3, 16],
];

function runCase(c: Case, seed: number, maxPoints = 32) {
  const ins = inputsOf(c, seed);
  const wgIns: wg.Tensor[] = ins.map((v) => wg.tensor(v.values, v.shape));
  if (c.o?.recurrentMask) wgIns.push(wg.tensor(Float32Array.from(c.o.recurrentMask), [c.B, c.u]));
  try {
    gradCheck(opOf(c), wgIns, {
      ref: refOf(c),
      wrt: ins.map((_, i) => i),
      maxPoints,
      fwdAtol: 2e-5,
      fwdRtol: 1e-4,
      atol: 2e-4,
      rtol: 2e-3,
      name: `${c.cell} B${c.B} T${c.T} I${c.I} u${c.u} ${JSON.stringify({ ...c.o, mask: !!c.o?.mask, recurrentMask: !!c.o?.recurrentMask })}`,
    });
  } finally {
    for (const t of wgIns) t.dispose();
  }
}

describe.each(builds())('recurrent sequence ops on the %s build', (build) => {
  test.each(CELLS)('%s: outputs, states and every gradient against the float64 reference', async (cell) => {
    await useBuild(build, 2);
    let seed = 10;
    for (const [B, T, I, u] of SHAPES) {
      runCase({ cell, B, T, I, u, init: true, o: { returnSequences: true } }, seed++);
      runCase({ cell, B, T, I, u, init: false, o: { returnSequences: false } }, seed++, 16);
    }
  });

  test.each(CELLS)('%s: goBackwards, masking, recurrent dropout, no bias, other activations', async (cell) => {
    await useBuild(build, 2);
    const [B, T, I, u] = [3, 5, 3, 6];
    const mask = [1, 1, 0, 1, 0, /* */ 0, 0, 1, 1, 1, /* */ 1, 1, 1, 1, 1];
    const rmask = Array.from(randomArray(B * u, 5, 0, 1), (v) => (v < 0.3 ? 0 : 1 / 0.7));
    let seed = 100;
    const variants: RefOptions[] = [
      { goBackwards: true, returnSequences: true },
      { goBackwards: true, returnSequences: true, reverseOutput: true },
      { returnSequences: true, mask },
      { returnSequences: false, mask },
      { returnSequences: true, mask, zeroOutputForMask: true, goBackwards: true, reverseOutput: true },
      { returnSequences: true, recurrentMask: rmask, mask },
      { returnSequences: true, activation: 'relu', recurrentActivation: 'hardSigmoid' },
    ];
    for (const o of variants) runCase({ cell, B, T, I, u, init: true, o }, seed++, 24);
    runCase({ cell, B, T, I, u, init: true, bias: false, o: { returnSequences: true } }, seed++, 24);
  });
});

// ---- layers -------------------------------------------------------------------------------------

type RnnLayer = wg.layers.LSTM | wg.layers.GRU | wg.layers.SimpleRNN;

function makeLayer(cell: CellKind, units: number, extra: Record<string, unknown> = {}): RnnLayer {
  const args = { units, ...extra };
  if (cell === 'lstm') return wg.layers.lstm(args);
  if (cell === 'simple') return wg.layers.simpleRNN(args);
  return wg.layers.gru({ ...args, resetAfter: cell === 'gru' });
}

/** The layer's weights as float64 arrays [kernel, recurrentKernel, bias?]. */
function weightsOf(l: wg.layers.Layer): Float64Array[] {
  return l.weights.map((w) => Float64Array.from(w.dataSync()));
}

/** Central differences of a float64 function at sampled positions of one of its arrays. */
function numericGrad(f: (vs: Float64Array[]) => number, vs: Float64Array[], which: number, points: number[]): number[] {
  return points.map((j) => {
    const h = 1e-5 * (1 + Math.abs(vs[which][j]));
    const p = vs.map((v) => v.slice()), m = vs.map((v) => v.slice());
    p[which][j] += h;
    m[which][j] -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}

function dotArr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Checks a layer's output and the gradients of sum(out * r) (weights and input) against the float64 reference. */
function checkLayer(cell: CellKind, l: RnnLayer, B: number, T: number, I: number, o: RefOptions, seed: number, kwargs: wg.layers.CallArgs = {}) {
  const xv = randomArray(B * T * I, seed);
  const x = wg.tensor(xv, [B, T, I]);
  const out0 = l.apply(x, kwargs) as wg.Tensor;
  const r = randomArray(out0.size, seed + 1);
  out0.dispose();
  const rT = wg.tensor(r, [r.length]);
  const u = l.units;
  const refLoss = (vs: Float64Array[]) => {
    const [xx, W, U, b] = vs;
    return dotArr(refRnn(cell, B, T, I, u, xx, W, U, l.useBias ? b : null, null, null, o).y, r);
  };
  const vals = [Float64Array.from(xv), ...weightsOf(l)];
  const want = refRnn(cell, B, T, I, u, vals[0], vals[1], vals[2], l.useBias ? vals[3] : null, null, null, o).y;
  const loss = () => wg.sum(wg.mul(wg.reshape(l.apply(x, kwargs) as wg.Tensor, [-1]), rT));
  const y = l.apply(x, kwargs) as wg.Tensor;
  expectClose(y.dataSync(), want, 2e-5, 1e-4, `${l.name} forward`);
  y.dispose();
  const { value, grads } = wg.variableGrads(loss, l.trainableWeights);
  value.dispose();
  const [dx] = wg.grads((xx: wg.Tensor) => wg.sum(wg.mul(wg.reshape(l.apply(xx, kwargs) as wg.Tensor, [-1]), rT)))([x]);
  const analytic = [dx.dataSync(), ...l.trainableWeights.map((w) => grads[w.name].dataSync())];
  analytic.forEach((g, i) => {
    const pts = Array.from({ length: Math.min(12, g.length) }, (_, k) => Math.floor((k * g.length) / Math.min(12, g.length)));
    const num = numericGrad(refLoss, vals, i, pts);
    expectClose(pts.map((j) => g[j]), num, 2e-4, 2e-3, `${l.name} gradient ${i}`);
  });
  dx.dispose();
  for (const g of Object.values(grads)) g.dispose();
  x.dispose();
  rT.dispose();
}

describe.each(builds())('recurrent layers on the %s build', (build) => {
  test('weights: shapes, Keras names, orthogonal recurrent kernel, unit forget bias', async () => {
    await useBuild(build, 2);
    const l = wg.layers.lstm({ units: 5 });
    const x = wg.zeros([2, 3, 4]);
    (l.apply(x) as wg.Tensor).dispose();
    expect(l.weights.map((w) => w.shape)).toEqual([[4, 20], [5, 20], [20]]);
    expect(l.weightNames).toEqual(['kernel', 'recurrent_kernel', 'bias']);
    expect(Array.from(l.weights[2].dataSync())).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, ...new Array(10).fill(0)]);
    const U = l.weights[1].dataSync();
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) {
      let s = 0;
      for (let k = 0; k < 20; k++) s += U[i * 20 + k] * U[j * 20 + k];
      expect(s).toBeCloseTo(i === j ? 1 : 0, 5);
    }
    const g = wg.layers.gru({ units: 3 });
    (g.apply(x) as wg.Tensor).dispose();
    expect(g.weights.map((w) => w.shape)).toEqual([[4, 9], [3, 9], [2, 9]]);
    const g1 = wg.layers.gru({ units: 3, resetAfter: false });
    (g1.apply(x) as wg.Tensor).dispose();
    expect(g1.weights[2].shape).toEqual([9]);
    expect(g.computeOutputShape([null, 3, 4])).toEqual([null, 3]);
    expect(wg.layers.lstm({ units: 7, returnSequences: true, returnState: true }).computeOutputShape([null, 3, 4]))
      .toEqual([[null, 3, 7], [null, 7], [null, 7]]);
    for (const layer of [l, g, g1]) layer.dispose();
    x.dispose();
  });

  test.each(CELLS)('%s layer: outputs and gradients (weights via variableGrads, input via grads)', async (cell) => {
    await useBuild(build, 2);
    let seed = 300;
    for (const [B, T, I, u] of [[1, 7, 3, 5], [5, 1, 4, 3], [5, 7, 2, 17]] as const) {
      for (const opts of [{ returnSequences: true }, { goBackwards: true }, { returnSequences: true, goBackwards: true, useBias: false }]) {
        const l = makeLayer(cell, u, { ...opts, biasInitializer: 'glorotUniform' });
        checkLayer(cell, l, B, T, I, { returnSequences: opts.returnSequences, goBackwards: opts.goBackwards }, seed++);
        l.dispose();
      }
    }
  });

  test('returnState, initial states (kwargs and extra inputs) and their gradients', async () => {
    await useBuild(build, 2);
    const [B, T, I, u] = [3, 4, 2, 5];
    for (const cell of ['lstm', 'gru', 'simple'] as CellKind[]) {
      const l = makeLayer(cell, u, { returnState: true, returnSequences: true });
      const n = cell === 'lstm' ? 2 : 1;
      const xv = randomArray(B * T * I, 1), sv = [randomArray(B * u, 2), randomArray(B * u, 3)].slice(0, n);
      const x = wg.tensor(xv, [B, T, I]);
      const states = sv.map((v) => wg.tensor(v, [B, u]));
      const outs = l.apply(x, { initialState: states }) as wg.Tensor[];
      expect(outs.length).toBe(1 + n);
      const vals = weightsOf(l);
      const r = refRnn(cell, B, T, I, u, xv, vals[0], vals[1], vals[2], sv[0], sv[1] ?? null, { returnSequences: true });
      expectClose(outs[0].dataSync(), r.y, 2e-5, 1e-4, `${cell} y`);
      expectClose(outs[1].dataSync(), r.h, 2e-5, 1e-4, `${cell} h`);
      if (n === 2) expectClose(outs[2].dataSync(), r.c!, 2e-5, 1e-4, `${cell} c`);
      const outs2 = l.apply([x, ...states]) as wg.Tensor[];
      expect(Array.from(outs2[1].dataSync())).toEqual(Array.from(outs[1].dataSync()));
      // gradient of the final states' sum with respect to the initial states
      const gs = wg.grads((...s: wg.Tensor[]) => {
        const o = l.apply(x, { initialState: s }) as wg.Tensor[];
        return wg.add(wg.sum(o[1]), n === 2 ? wg.sum(o[2]) : wg.scalar(0));
      })(states);
      const f = (s: Float64Array[]) => {
        const rr = refRnn(cell, B, T, I, u, xv, vals[0], vals[1], vals[2], s[0], s[1] ?? null, {});
        return rr.h.reduce((a, b) => a + b, 0) + (rr.c ? rr.c.reduce((a, b) => a + b, 0) : 0);
      };
      const s64 = sv.map((v) => Float64Array.from(v));
      gs.forEach((g, i) => {
        const pts = [0, 3, 7, B * u - 1];
        expectClose(pts.map((j) => g.dataSync()[j]), numericGrad(f, s64, i, pts), 2e-4, 2e-3, `${cell} d state ${i}`);
        g.dispose();
      });
      for (const t of [...outs, ...outs2, x, ...states]) t.dispose();
      l.dispose();
    }
  });

  test('masking: kwargs mask and an embedding with maskZero, Keras semantics', async () => {
    await useBuild(build, 2);
    const [B, T, u, V, D] = [3, 5, 4, 9, 3];
    const idx = [3, 1, 0, 4, 0, /* */ 0, 0, 2, 5, 8, /* */ 7, 7, 7, 7, 7];
    const emb = wg.layers.embedding({ inputDim: V, outputDim: D, maskZero: true });
    for (const cell of CELLS) {
      for (const returnSequences of [true, false]) {
        const l = makeLayer(cell, u, { returnSequences });
        const it = wg.tensor(Int32Array.from(idx), [B, T], 'int32');
        const e = emb.apply(it) as wg.Tensor;
        const y = l.apply(e) as wg.Tensor;
        const ev = e.dataSync();
        const vals = weightsOf(l);
        const mask = idx.map((v) => (v ? 1 : 0));
        const r = refRnn(cell, B, T, D, u, ev, vals[0], vals[1], vals[2], null, null, { returnSequences, mask });
        expectClose(y.dataSync(), r.y, 2e-5, 1e-4, `${cell} masked`);
        // the same through kwargs, on a plain tensor
        const e2 = wg.tensor(ev, [B, T, D]);
        const y2 = l.apply(e2, { mask: wg.tensor(mask, [B, T]) }) as wg.Tensor;
        expect(Array.from(y2.dataSync())).toEqual(Array.from(y.dataSync()));
        for (const t of [it, e, y, e2, y2]) t.dispose();
        l.dispose();
      }
    }
    emb.dispose();
  });

  test('dropout and recurrentDropout: training only, masks fixed across steps (Keras)', async () => {
    await useBuild(build, 2);
    const [B, T, I, u] = [2, 4, 3, 5];
    for (const cell of CELLS) {
      const l = makeLayer(cell, u, { returnSequences: true, dropout: 0.3, recurrentDropout: 0.4, seed: 42 });
      const xv = randomArray(B * T * I, 9);
      const x = wg.tensor(xv, [B, T, I]);
      const yInfer = l.apply(x) as wg.Tensor;
      const vals = weightsOf(l);
      const plain = refRnn(cell, B, T, I, u, xv, vals[0], vals[1], vals[2], null, null, { returnSequences: true });
      expectClose(yInfer.dataSync(), plain.y, 2e-5, 1e-4, `${cell} inference`);
      const yTrain = l.apply(x, { training: true }) as wg.Tensor; // the layer's first training call: seeds 42, 43
      const dm = wg.tidy(() => wg.dropout(wg.ones([B, 1, I]), 0.3, 42).dataSync());
      const rm = wg.tidy(() => wg.dropout(wg.ones([B, u]), 0.4, 43).dataSync());
      const xd = Float64Array.from(xv, (v, i) => v * dm[Math.floor(i / (T * I)) * I + (i % I)]);
      const want = refRnn(cell, B, T, I, u, xd, vals[0], vals[1], vals[2], null, null, { returnSequences: true, recurrentMask: rm });
      expectClose(yTrain.dataSync(), want.y, 2e-5, 1e-4, `${cell} training`);
      for (const t of [x, yInfer, yTrain]) t.dispose();
      l.dispose();
    }
  });

  test('bidirectional: every merge mode, returnState, masks, gradients', async () => {
    await useBuild(build, 2);
    const [B, T, I, u] = [2, 5, 3, 4];
    const xv = randomArray(B * T * I, 21);
    const mask = [1, 1, 1, 0, 0, /* */ 1, 1, 1, 1, 1];
    for (const cell of ['lstm', 'gru'] as CellKind[]) {
      for (const returnSequences of [true, false]) {
        for (const mergeMode of ['concat', 'sum', 'mul', 'ave', null] as const) {
          for (const m of [null, mask]) {
            const bi = wg.layers.bidirectional({ layer: makeLayer(cell, u, { returnSequences }), mergeMode });
            const x = wg.tensor(xv, [B, T, I]);
            const got = bi.apply(x, m ? { mask: wg.tensor(m, [B, T]) } : {}) as wg.Tensor | wg.Tensor[];
            const vals = weightsOf(bi);
            const k = cell === 'lstm' ? 3 : 3;
            const o: RefOptions = { returnSequences, mask: m, zeroOutputForMask: returnSequences };
            const yf = refRnn(cell, B, T, I, u, xv, vals[0], vals[1], vals[2], null, null, o).y;
            const yb = refRnn(cell, B, T, I, u, xv, vals[k], vals[k + 1], vals[k + 2], null, null, { ...o, goBackwards: true, reverseOutput: true }).y;
            const rows = yf.length / u;
            let want: Float64Array[];
            if (mergeMode === 'concat') {
              const c = new Float64Array(2 * yf.length);
              for (let i = 0; i < rows; i++) {
                c.set(yf.subarray(i * u, (i + 1) * u), 2 * i * u);
                c.set(yb.subarray(i * u, (i + 1) * u), (2 * i + 1) * u);
              }
              want = [c];
            } else if (mergeMode === null) want = [yf, yb];
            else {
              const fn = { sum: (a: number, b: number) => a + b, mul: (a: number, b: number) => a * b, ave: (a: number, b: number) => (a + b) / 2 }[mergeMode];
              want = [yf.map((v, i) => fn(v, yb[i]))];
            }
            const outs = Array.isArray(got) ? got : [got];
            expect(outs.length).toBe(want.length);
            outs.forEach((t, i) => expectClose(t.dataSync(), want[i], 2e-5, 1e-4, `${cell} ${mergeMode} seq=${returnSequences} mask=${!!m}`));
            for (const t of [...outs, x]) t.dispose();
            bi.dispose();
          }
        }
      }
    }
    // returnState: [merged, forward states..., backward states...], and gradients vs the reference
    const bi = wg.layers.bidirectional({ layer: wg.layers.lstm({ units: u, returnState: true }), mergeMode: 'concat' });
    const x = wg.tensor(xv, [B, T, I]);
    const outs = bi.apply(x) as wg.Tensor[];
    expect(outs.map((t) => t.shape)).toEqual([[B, 2 * u], [B, u], [B, u], [B, u], [B, u]]);
    outs.forEach((t) => t.dispose());
    expect(bi.trainableWeights.map((w) => w.name)).toEqual([
      'forward_lstm_1/kernel', 'forward_lstm_1/recurrent_kernel', 'forward_lstm_1/bias',
      'backward_lstm_1/kernel', 'backward_lstm_1/recurrent_kernel', 'backward_lstm_1/bias',
    ].map((n) => expect.stringMatching(new RegExp(`^${n.replace(/_1\//, '(_\\d+)?/')}`))));
    const r = randomArray(B * 2 * u, 5);
    const rT = wg.tensor(r, [B * 2 * u]);
    const { value, grads } = wg.variableGrads(() => wg.sum(wg.mul(wg.reshape((bi.apply(x) as wg.Tensor[])[0], [-1]), rT)), bi.trainableWeights);
    value.dispose();
    const vals = [Float64Array.from(xv), ...weightsOf(bi)];
    const f = (vs: Float64Array[]) => {
      const yf = refRnn('lstm', B, T, I, u, vs[0], vs[1], vs[2], vs[3], null, null, {}).y;
      const yb = refRnn('lstm', B, T, I, u, vs[0], vs[4], vs[5], vs[6], null, null, { goBackwards: true }).y;
      let s = 0;
      for (let b = 0; b < B; b++) for (let j = 0; j < u; j++) s += yf[b * u + j] * r[b * 2 * u + j] + yb[b * u + j] * r[b * 2 * u + u + j];
      return s;
    };
    bi.trainableWeights.forEach((w, i) => {
      const g = grads[w.name].dataSync();
      const pts = [0, 5, g.length - 1];
      expectClose(pts.map((j) => g[j]), numericGrad(f, vals, i + 1, pts), 2e-4, 2e-3, `bidirectional ${w.name}`);
    });
    for (const g of Object.values(grads)) g.dispose();
    x.dispose();
    rT.dispose();
    bi.dispose();
  });

  test('config round trip', async () => {
    await useBuild(build, 1);
    const l = wg.layers.gru({ units: 6, resetAfter: false, returnSequences: true, goBackwards: true, dropout: 0.1, recurrentActivation: 'hardSigmoid' });
    const c = l.getConfig();
    const l2 = wg.layers.getLayerClass('GRU').fromConfig({ ...c, name: 'gru_copy' }) as wg.layers.GRU;
    expect(l2.getConfig()).toEqual({ ...c, name: 'gru_copy' });
    const bi = wg.layers.bidirectional({ layer: wg.layers.lstm({ units: 2 }), mergeMode: 'sum' });
    const bi2 = wg.layers.getLayerClass('Bidirectional').fromConfig({ ...bi.getConfig(), name: 'bi_copy' }) as wg.layers.Bidirectional;
    expect(bi2.mergeMode).toBe('sum');
    expect(bi2.forwardLayer.units).toBe(2);
    expect(() => wg.layers.lstm({ units: 0 })).toThrow(wg.WasmgradError);
    expect(() => wg.layers.lstm({ units: 2, activation: 'nope' })).toThrow(wg.WasmgradError);
    // an activation the fused kernels lack steps with ops (tests/tfjs-saved-layers.test.ts compares it with TF.js)
    expect(wg.layers.lstm({ units: 2, activation: 'softmax' }).fused).toBe(false);
    expect(() => wg.layers.bidirectional({ layer: wg.layers.lstm({ units: 2 }), mergeMode: 'max' as never })).toThrow(wg.WasmgradError);
  });
});

describe.each(THREADED_BUILDS)('recurrent ops on the %s build: threads', (build) => {
  test('bitwise identical outputs and gradients for 1, 2 and 4 threads; no leaks', async () => {
    // large enough that the gate kernels and (but for simpleRNN) the step GEMMs split over threads
    const [B, T, I, u] = [64, 2, 8, 262];
    const run = (cell: CellKind) => {
      const G = GATES[cell] * u;
      const x = wg.tensor(randomArray(B * T * I, 1), [B, T, I]);
      const W = wg.tensor(randomArray(I * G, 2, -0.3, 0.3), [I, G]);
      const U = wg.tensor(randomArray(u * G, 3, -0.3, 0.3), [u, G]);
      const b = wg.tensor(randomArray(cell === 'gru' ? 2 * G : G, 4), cell === 'gru' ? [2, G] : [G]);
      const h0 = wg.tensor(randomArray(B * u, 5), [B, u]);
      const mask = wg.tensor(Array.from({ length: B * T }, (_, i) => (i % 7 === 3 ? 0 : 1)), [B, T]);
      const f = (...xs: wg.Tensor[]) => {
        const [xx, WW, UU, bb, hh] = xs;
        const o = { returnSequences: true, mask };
        const outs = cell === 'lstm' ? lstmSequence(xx, WW, UU, bb, hh, hh, o)
          : cell === 'simple' ? simpleRNNSequence(xx, WW, UU, bb, hh, o)
          : gruSequence(xx, WW, UU, bb, hh, { ...o, resetAfter: cell === 'gru' });
        return wg.sum(wg.mul(outs[0], outs[0]));
      };
      const before = wg.memory();
      const { value, grads } = wg.valueAndGrads(f)([x, W, U, b, h0]);
      const bits = [value, ...grads].map((t) => bitsOf(t.dataSync() as Float32Array));
      for (const t of [value, ...grads]) t.dispose();
      const after = wg.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      for (const t of [x, W, U, b, h0, mask]) t.dispose();
      return bits;
    };
    for (const cell of CELLS) {
      const results = [];
      for (const threads of [1, 2, 4]) {
        await useBuild(build, threads);
        results.push(run(cell));
      }
      for (let i = 1; i < results.length; i++) {
        results[i].forEach((bits, k) => expect(bits, `${cell} output ${k}, ${[1, 2, 4][i]} threads`).toEqual(results[0][k]));
      }
    }
  });
});

describe('recurrent activations: names are looked up as own keys only', () => {
  // inherited Object members must not pass for an activation (they once selected another one)
  const INHERITED = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
  const KNOWN = 'expected one of linear, relu, tanh, sigmoid, hardSigmoid';
  test.each(INHERITED)('ops and layers refuse %s, listing the known names', async (name) => {
    await useBuild('simd', 1);
    const [B, T, I, u] = [2, 3, 4, 3];
    wg.tidy(() => {
      const x = wg.tensor(randomArray(B * T * I, 1), [B, T, I]);
      const weights = (gates: number) => [wg.tensor(randomArray(I * gates * u, 2), [I, gates * u]), wg.tensor(randomArray(u * gates * u, 3), [u, gates * u])];
      const [W4, U4] = weights(4), [W3, U3] = weights(3), [W1, U1] = weights(1);
      for (const key of ['activation', 'recurrentActivation']) {
        const o = { [key]: name } as SequenceOptions;
        expect(() => lstmSequence(x, W4, U4, null, null, null, o)).toThrow(`lstmSequence: unsupported ${key} '${name}'; ${KNOWN}`);
        expect(() => gruSequence(x, W3, U3, null, null, o)).toThrow(`gruSequence: unsupported ${key} '${name}'; ${KNOWN}`);
        expect(() => gruSequence(x, W3, U3, null, null, { ...o, resetAfter: false })).toThrow(wg.WasmgradError);
        expect(() => simpleRNNSequence(x, W1, U1, null, null, o)).toThrow(`simpleRNNSequence: unsupported ${key} '${name}'; ${KNOWN}`);
      }
    });
    expect(() => wg.layers.lstm({ units: 2, activation: name })).toThrow(/unknown activation .*; expected one of linear, relu, sigmoid, tanh, softmax/);
    expect(() => wg.layers.lstm({ units: 2, recurrentActivation: name })).toThrow(wg.WasmgradError);
    expect(() => wg.layers.gru({ units: 2, recurrentActivation: name })).toThrow(wg.WasmgradError);
    expect(() => wg.layers.simpleRNN({ units: 2, activation: name })).toThrow(wg.WasmgradError);
  });
});
