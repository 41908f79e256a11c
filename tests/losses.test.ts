// Losses: values against plain float64 references, gradients against central finite differences
// of those references, edge values, and the fused paths (softmax / sigmoid + cross-entropy from
// logits) against the composite ones, on every build.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, rng } from './helpers';
import { gradCheck, type RefTensor } from './gradcheck';

afterAll(() => wg.shutdown());

// ---- float64 references ----------------------------------------------------------------------

const LO = Math.fround(1e-7);
const HI = Math.fround(1 - 1e-7);
const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
type Ref = (t: RefTensor, p: RefTensor) => number;

function rowsOf(x: RefTensor): { batch: number; n: number } {
  const n = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  return { batch: x.data.length / n, n };
}
const meanOf = (f: (i: number) => number, n: number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s / n;
};

const REFS: Record<string, Ref> = {
  meanSquaredError: (t, p) => meanOf((i) => (p.data[i] - t.data[i]) ** 2, p.data.length),
  meanAbsoluteError: (t, p) => meanOf((i) => Math.abs(p.data[i] - t.data[i]), p.data.length),
  sumSquaredError: (t, p) => (0.5 * p.data.reduce((s, _, i) => s + (p.data[i] - t.data[i]) ** 2, 0)) / rowsOf(p).batch,
  binaryCrossentropy: (t, p) =>
    -meanOf((i) => {
      const q = clip(p.data[i], LO, HI);
      return t.data[i] * Math.log(q) + (1 - t.data[i]) * Math.log(1 - q);
    }, p.data.length),
  categoricalCrossentropy: (t, p) => {
    const { batch, n } = rowsOf(p);
    let total = 0;
    for (let r = 0; r < batch; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += p.data[r * n + j];
      for (let j = 0; j < n; j++) total -= t.data[r * n + j] * Math.log(clip(p.data[r * n + j] / Math.max(s, 1e-30), LO, HI));
    }
    return total / batch;
  },
  huber: (t, p) =>
    meanOf((i) => {
      const e = Math.abs(p.data[i] - t.data[i]);
      return e <= 1 ? 0.5 * e * e : e - 0.5;
    }, p.data.length),
  hinge: (t, p) => {
    const binary = t.data.every((v) => v === 0 || v === 1);
    return meanOf((i) => Math.max(1 - (binary ? 2 * t.data[i] - 1 : t.data[i]) * p.data[i], 0), p.data.length);
  },
  kld: (t, p) => {
    let s = 0;
    for (let i = 0; i < p.data.length; i++) {
      const a = clip(t.data[i], LO, 1), b = clip(p.data[i], LO, 1);
      s += a * Math.log(a / b);
    }
    return s / rowsOf(p).batch;
  },
  dice: (t, p) => {
    const samples = p.shape.length <= 1 ? 1 : p.shape[0];
    const len = p.data.length / samples;
    let d = 0;
    for (let s = 0; s < samples; s++) {
      let inter = 0, st = 0, sp = 0;
      for (let j = s * len; j < (s + 1) * len; j++) {
        inter += t.data[j] * p.data[j];
        st += t.data[j];
        sp += p.data[j];
      }
      d += (2 * inter + LO) / (st + sp + LO);
    }
    return 1 - d / samples;
  },
  meanAbsolutePercentageError: (t, p) => 100 * meanOf((i) => Math.abs(t.data[i] - p.data[i]) / Math.max(Math.abs(t.data[i]), LO), p.data.length),
  meanSquaredLogarithmicError: (t, p) => meanOf((i) => (Math.log(Math.max(p.data[i], LO) + 1) - Math.log(Math.max(t.data[i], LO) + 1)) ** 2, p.data.length),
  squaredHinge: (t, p) => {
    const binary = t.data.every((v) => v === 0 || v === 1);
    return meanOf((i) => Math.max(1 - (binary ? 2 * t.data[i] - 1 : t.data[i]) * p.data[i], 0) ** 2, p.data.length);
  },
  categoricalHinge: (t, p) => {
    const { batch, n } = rowsOf(p);
    return meanOf((r) => {
      let pos = 0, neg = -Infinity;
      for (let j = r * n; j < (r + 1) * n; j++) {
        pos += t.data[j] * p.data[j];
        neg = Math.max(neg, (1 - t.data[j]) * p.data[j]);
      }
      return Math.max(neg - pos + 1, 0);
    }, batch);
  },
  logcosh: (t, p) => meanOf((i) => Math.log(Math.cosh(p.data[i] - t.data[i])), p.data.length),
  poisson: (t, p) => meanOf((i) => p.data[i] - t.data[i] * Math.log(p.data[i] + LO), p.data.length),
  cosineSimilarity: (t, p) => {
    const { batch, n } = rowsOf(p);
    const norm = (x: RefTensor, r: number) => Math.max(Math.hypot(...x.data.subarray(r * n, (r + 1) * n)), 1e-6);
    return meanOf((r) => {
      let dot = 0;
      for (let j = r * n; j < (r + 1) * n; j++) dot += t.data[j] * p.data[j];
      return -dot / (norm(t, r) * norm(p, r));
    }, batch);
  },
  softmaxCrossEntropy: (t, z) => {
    const { batch, n } = rowsOf(z);
    let total = 0;
    for (let r = 0; r < batch; r++) {
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, z.data[r * n + j]);
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(z.data[r * n + j] - m);
      const lse = m + Math.log(s);
      for (let j = 0; j < n; j++) total += t.data[r * n + j] * (lse - z.data[r * n + j]);
    }
    return total / batch;
  },
  sigmoidCrossEntropy: (t, z) =>
    meanOf((i) => {
      const x = z.data[i];
      return Math.max(x, 0) - x * t.data[i] + Math.log1p(Math.exp(-Math.abs(x)));
    }, z.data.length),
};

/** The sparse references: ids (as floats) against probabilities or logits. */
function oneHotRef(ids: RefTensor, n: number): RefTensor {
  const data = new Float64Array(ids.data.length * n);
  ids.data.forEach((c, r) => (data[r * n + c] = 1));
  return { data, shape: [ids.data.length, n] };
}

// ---- inputs ----------------------------------------------------------------------------------

let seed = 100;
const uniform = (n: number, lo: number, hi: number) => Array.from(randomArray(n, seed++, lo, hi));
function oneHotRows(rows: number, n: number): number[] {
  const r = rng(seed++);
  const out = new Array(rows * n).fill(0);
  for (let i = 0; i < rows; i++) out[i * n + Math.floor(r() * n)] = 1;
  return out;
}
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** yTrue and yPred values suited to each loss (away from kinks and clipping bounds). */
function inputsFor(name: string, shape: number[]): [number[], number[]] {
  const n = size(shape);
  const last = shape.length ? shape[shape.length - 1] : 1;
  switch (name) {
    case 'binaryCrossentropy':
      return [uniform(n, 0, 1), uniform(n, 0.05, 0.95)];
    case 'categoricalCrossentropy':
      return [oneHotRows(n / last, last).map((v, i) => (i % 3 === 0 ? v * 0.7 + 0.1 : v)), uniform(n, 0.05, 1)];
    case 'hinge':
    case 'squaredHinge':
      return [uniform(n, 0, 1).map((v) => (v < 0.5 ? -1 : 1)), uniform(n, -2, 2)];
    case 'categoricalHinge':
      return [oneHotRows(n / last, last), uniform(n, -2, 2)];
    case 'meanAbsolutePercentageError':
      return [uniform(n, 0.2, 2).map((v, i) => (i % 2 ? v : -v)), uniform(n, -2, 2)];
    case 'meanSquaredLogarithmicError':
    case 'poisson':
      return [uniform(n, 0, 3), uniform(n, 0.05, 3)];
    case 'kld':
      return [uniform(n, 0.05, 1), uniform(n, 0.05, 1)];
    case 'dice':
      return [uniform(n, 0, 1).map((v) => (v < 0.5 ? 0 : 1)), uniform(n, 0.05, 0.95)];
    case 'huber':
      return [uniform(n, -2, 2), uniform(n, -2, 2)];
    case 'softmaxCrossEntropy':
      return [oneHotRows(n / last, last), uniform(n, -4, 4)];
    case 'sigmoidCrossEntropy':
      return [uniform(n, 0, 1), uniform(n, -6, 6)];
    default:
      return [uniform(n, -1, 1), uniform(n, -1, 1)];
  }
}

const LOSS_NAMES = Object.keys(REFS);
const SHAPES: number[][] = [[4, 5], [7], [2, 3, 4]];

describe.each(builds())('losses on the %s build', (build) => {
  test('every loss: value against float64, gradient against finite differences, ranks 1 to 3', async () => {
    await useBuild(build, 2);
    for (const name of LOSS_NAMES) {
      const fn = (wg.losses as unknown as Record<string, (t: wg.Tensor, p: wg.Tensor) => wg.Tensor>)[name];
      for (const shape of SHAPES) {
        const [t, p] = inputsFor(name, shape);
        const r = gradCheck((yt, yp) => fn(yt, yp), [{ values: t, shape }, { values: p, shape }], {
          ref: (a, b) => [REFS[name](a, b)],
          wrt: [1],
          name: `${name} ${JSON.stringify(shape)}`,
          fwdRtol: 2e-5,
        });
        expect(r.value.length).toBe(1);
      }
    }
  });

  test('sparse categorical cross-entropy: int32 ids of shape [B] or [B, 1], float ids, fused and composite', async () => {
    await useBuild(build, 2);
    const [B, n] = [5, 4];
    const ids = Array.from({ length: B }, (_, i) => (i * 3) % n);
    const p = uniform(B * n, 0.05, 1);
    const z = uniform(B * n, -3, 3);
    const refP = (pp: RefTensor) => [REFS.categoricalCrossentropy(oneHotRef({ data: Float64Array.from(ids), shape: [B] }, n), pp)];
    const refZ = (zz: RefTensor) => [REFS.softmaxCrossEntropy(oneHotRef({ data: Float64Array.from(ids), shape: [B] }, n), zz)];
    for (const idShape of [[B], [B, 1]]) {
      const labels = wg.tensor(Int32Array.from(ids), idShape, 'int32');
      gradCheck((yp) => wg.losses.sparseCategoricalCrossentropy(labels, yp), [{ values: p, shape: [B, n] }], { ref: refP, name: `sparse probs ${idShape}` });
      gradCheck((yz) => wg.losses.sparseCategoricalCrossentropy(labels, wg.softmax(yz)), [{ values: z, shape: [B, n] }], { ref: refZ, name: `sparse softmax ${idShape}` });
      gradCheck((yz) => wg.losses.sparseCategoricalCrossentropy(labels, yz, true), [{ values: z, shape: [B, n] }], { ref: refZ, name: `sparse fromLogits ${idShape}` });
      gradCheck((yz) => wg.losses.sparseSoftmaxCrossEntropy(labels, yz), [{ values: z, shape: [B, n] }], { ref: refZ, name: `sparseSoftmaxCrossEntropy ${idShape}` });
      labels.dispose();
    }
    const floatIds = wg.tensor(ids.map(Number), [B]);
    gradCheck((yp) => wg.losses.sparseCategoricalCrossentropy(floatIds, yp), [{ values: p, shape: [B, n] }], { ref: refP, name: 'float ids' });
    const bad = wg.tensor(Int32Array.from([0, 1, 4, 0, 0]), [B], 'int32');
    const pt = wg.tensor(p, [B, n]);
    expect(() => wg.losses.sparseCategoricalCrossentropy(bad, pt)).toThrow(wg.WasmgradError);
    expect(() => wg.losses.sparseCategoricalCrossentropy(bad, pt)).toThrow(/label 4 at index 2/);
    expect(() => wg.losses.sparseCategoricalCrossentropy(wg.tensor(Int32Array.from([0, 1]), [2], 'int32'), pt)).toThrow(/must have shape \[5\]/);
    for (const t of [floatIds, bad, pt]) t.dispose();
  });

  test('softmax + categorical cross-entropy: the fused path equals the composite, value and gradient', async () => {
    await useBuild(build, 2);
    for (const [B, n] of [[4, 5], [3, 1], [64, 300]]) {
      const t = wg.tensor(inputsFor('categoricalCrossentropy', [B, n])[0], [B, n]);
      const z = wg.tensor(uniform(B * n, -3, 3), [B, n]);
      const before = wg.memory();
      const fused = wg.valueAndGrad((x) => wg.losses.categoricalCrossentropy(t, wg.softmax(x)))(z);
      // clone() drops the logits tag: the composite path (normalise, clip, log) through softmax's own gradient
      const comp = wg.valueAndGrad((x) => wg.losses.categoricalCrossentropy(t, wg.clone(wg.softmax(x))))(z);
      const fromLogits = wg.valueAndGrad((x) => wg.losses.softmaxCrossEntropy(t, x))(z);
      expectClose(fused.value.dataSync(), comp.value.dataSync(), 1e-6, 1e-5, `value [${B},${n}]`);
      expectClose(fused.grad.dataSync(), comp.grad.dataSync(), 2e-7, 1e-4, `gradient [${B},${n}]`);
      expectClose(fromLogits.grad.dataSync(), fused.grad.dataSync(), 0, 0, 'softmaxCrossEntropy gradient');
      const fromLogitsGrad = fromLogits.grad.dataSync();
      for (const r of [fused, comp, fromLogits]) {
        r.value.dispose();
        r.grad.dispose();
      }
      expect(wg.memory().numTensors).toBe(before.numTensors);
      // a tidy inside the differentiated function frees the loss's gradient buffer only after the backward pass
      const g2 = wg.grad((x) => wg.tidy(() => wg.losses.categoricalCrossentropy(t, wg.softmax(x))))(z);
      const g3 = wg.grad((x) => wg.tidy(() => wg.losses.categoricalCrossentropy(t, wg.softmax(x))))(z);
      expectClose(g2.dataSync(), g3.dataSync(), 0, 0, 'gradient after tidy');
      expectClose(g2.dataSync(), fromLogitsGrad, 0, 0, 'gradient after tidy vs direct');
      g2.dispose();
      g3.dispose();
      expect(wg.memory().numTensors).toBe(before.numTensors);
      t.dispose();
      z.dispose();
    }
  });

  test('sigmoid + binary cross-entropy: the fused path equals the composite, value and gradient', async () => {
    await useBuild(build, 2);
    for (const shape of [[4, 5], [70000]]) {
      const n = size(shape);
      const t = wg.tensor(uniform(n, 0, 1), shape);
      const z = wg.tensor(uniform(n, -4, 4), shape);
      const fused = wg.valueAndGrad((x) => wg.losses.binaryCrossentropy(t, wg.sigmoid(x)))(z);
      const comp = wg.valueAndGrad((x) => wg.losses.binaryCrossentropy(t, wg.clone(wg.sigmoid(x))))(z);
      const fromLogits = wg.valueAndGrad((x) => wg.losses.sigmoidCrossEntropy(t, x))(z);
      expectClose(fused.value.dataSync(), comp.value.dataSync(), 1e-6, 1e-5, `value ${shape}`);
      expectClose(fused.grad.dataSync(), comp.grad.dataSync(), 1e-6 / n, 2e-4, `gradient ${shape}`);
      expectClose(fromLogits.grad.dataSync(), fused.grad.dataSync(), 0, 0, 'sigmoidCrossEntropy gradient');
      const want = REFS.sigmoidCrossEntropy({ data: Float64Array.from(t.dataSync()), shape }, { data: Float64Array.from(z.dataSync()), shape });
      expectClose(fromLogits.value.dataSync(), [want], 1e-6, 1e-5, `sigmoidCrossEntropy value ${shape}`);
      for (const r of [fused, comp, fromLogits]) {
        r.value.dispose();
        r.grad.dispose();
      }
      t.dispose();
      z.dispose();
    }
  });

  test('the fused paths are really taken: exact losses far beyond the clipping bounds', async () => {
    await useBuild(build);
    wg.tidy(() => {
      const z = wg.tensor([[100, 0, -100]]);
      const t = wg.tensor([[0, 0, 1]]);
      // from logits: 200 exactly; through clipped probabilities it would be -log(1e-7) = 16.1
      expect(wg.losses.categoricalCrossentropy(t, wg.softmax(z)).dataSync()[0]).toBeCloseTo(200, 3);
      expect(wg.losses.categoricalCrossentropy(t, wg.clone(wg.softmax(z))).dataSync()[0]).toBeCloseTo(-Math.log(LO), 3);
      const g = wg.grad((x) => wg.losses.categoricalCrossentropy(t, wg.softmax(x)))(z);
      expectClose(g.dataSync(), [1, 0, -1], 1e-6, 0, 'saturated softmax gradient');
      const zs = wg.tensor([30, -30]);
      const ts = wg.tensor([0, 1]);
      expect(wg.losses.binaryCrossentropy(ts, wg.sigmoid(zs)).dataSync()[0]).toBeCloseTo(30, 4);
      expect(wg.losses.binaryCrossentropy(ts, wg.clone(wg.sigmoid(zs))).dataSync()[0]).toBeCloseTo((-Math.log(LO) - Math.log(1 - HI)) / 2, 2);
      // a Variable's softmax is not tagged (the Variable may change): composite, still correct
      const v = wg.variable(z);
      expect(wg.losses.categoricalCrossentropy(t, wg.softmax(v)).dataSync()[0]).toBeCloseTo(-Math.log(LO), 3);
      v.dispose();
    });
  });

  test('edge values: probabilities 0 and 1, empty Dice masks, all-zero rows', async () => {
    await useBuild(build);
    const before = wg.memory().numTensors;
    const check = (name: string, t: number[], p: number[], shape: number[], want?: number) => {
      const fn = (wg.losses as unknown as Record<string, (a: wg.Tensor, b: wg.Tensor) => wg.Tensor>)[name];
      const tt = wg.tensor(t, shape), pt = wg.tensor(p, shape);
      const { value, grad } = wg.valueAndGrad((x) => fn(tt, x))(pt);
      const v = value.dataSync()[0];
      const g = grad.dataSync();
      expect(Number.isFinite(v), `${name} value ${v}`).toBe(true);
      expect(g.every(Number.isFinite), `${name} gradient ${g}`).toBe(true);
      const r = REFS[name]({ data: Float64Array.from(tt.dataSync()), shape }, { data: Float64Array.from(pt.dataSync()), shape });
      expect(v).toBeCloseTo(want ?? r, 4);
      for (const x of [tt, pt, value, grad]) x.dispose();
      return g;
    };
    // BCE at probabilities 0 and 1, right and wrong: clipped to [1e-7, 1 - 1e-7]; no gradient outside
    const g = check('binaryCrossentropy', [0, 1, 1, 0], [0, 1, 0, 1], [4]);
    expect(Array.from(g)).toEqual([0, 0, 0, 0]);
    check('binaryCrossentropy', [0, 1], [0, 1], [2], -Math.log(HI));
    check('categoricalCrossentropy', [0, 1, 0, 1, 0, 0], [0, 1, 0, 1, 0, 0], [2, 3], -Math.log(HI));
    check('categoricalCrossentropy', [0, 1, 0], [1, 0, 0], [1, 3], -Math.log(LO));
    // an all-zero prediction row: finite (treated as p = 0), not NaN
    check('categoricalCrossentropy', [0, 1, 0, 1, 0, 0], [0, 0, 0, 0.2, 0.5, 0.3], [2, 3], (-Math.log(LO) - Math.log(0.2)) / 2);
    // an all-zero label row contributes 0
    check('categoricalCrossentropy', [0, 0, 0, 1, 0, 0], [0.1, 0.2, 0.7, 0.2, 0.5, 0.3], [2, 3], -Math.log(0.2) / 2);
    check('kld', [0, 1, 0, 1], [0, 1, 1, 0], [2, 2]);
    // Dice: two empty masks agree perfectly (0); an empty truth against a prediction is ~1
    check('dice', [0, 0, 0, 0], [0, 0, 0, 0], [1, 4], 0);
    check('dice', [0, 0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 0, 0], [2, 4], 0);
    check('dice', [0, 0, 0, 0], [0.5, 0, 0.5, 0], [1, 4], 1);
    check('dice', [1, 1, 0, 0], [0, 0, 1, 1], [4], 1);
    // all-zero logits rows: log(n) per row
    const z = wg.zeros([3, 8]), t = wg.tensor(oneHotRows(3, 8), [3, 8]);
    const l = wg.losses.softmaxCrossEntropy(t, z);
    expect(l.dataSync()[0]).toBeCloseTo(Math.log(8), 6);
    for (const x of [z, t, l]) x.dispose();
    expect(wg.memory().numTensors).toBe(before);
  });

  test('Keras shape rules, errors and names', async () => {
    await useBuild(build);
    wg.tidy(() => {
      // [B] against [B, 1] is the same thing
      const a = wg.losses.meanSquaredError(wg.tensor([1, 2, 3]), wg.tensor([[1.5], [2], [2]]));
      expect(a.dataSync()[0]).toBeCloseTo((0.25 + 1) / 3, 6);
      expect(() => wg.losses.meanSquaredError(wg.tensor([1, 2, 3]), wg.tensor([1, 2]))).toThrow(/yTrue \[3\] and yPred \[2\]/);
      expect(() => wg.losses.binaryCrossentropy(wg.tensor([0.5]), wg.tensor([1], [1], 'int32'))).toThrow(/^binaryCrossentropy: yPred must be float32, got int32/);
      expect(() => wg.losses.huber(wg.tensor([1]), wg.tensor([1]), 0)).toThrow(/delta/);
      // huber with delta
      expect(wg.losses.huber(wg.tensor([0, 0]), wg.tensor([0.5, 3]), 2).dataSync()[0]).toBeCloseTo((0.125 + (2 * 3 - 2)) / 2, 6);
      // hinge with -1/1 labels and with 0/1 labels agree
      const p = wg.tensor([0.3, -0.8, 1.5]);
      expect(wg.losses.hinge(wg.tensor([1, 0, 1]), p).dataSync()[0]).toBeCloseTo(wg.losses.hinge(wg.tensor([1, -1, 1]), p).dataSync()[0], 7);
      // an empty batch is 0, as Keras
      expect(wg.losses.meanSquaredError(wg.zeros([0, 3]), wg.zeros([0, 3])).dataSync()[0]).toBe(0);
    });
    const names: [string, string][] = [
      ['meanSquaredError', 'meanSquaredError'], ['mse', 'meanSquaredError'], ['mean_squared_error', 'meanSquaredError'],
      ['MeanSquaredError', 'meanSquaredError'], ['mae', 'meanAbsoluteError'], ['mean_absolute_error', 'meanAbsoluteError'],
      ['sumSquaredError', 'sumSquaredError'], ['sse', 'sumSquaredError'],
      ['binaryCrossentropy', 'binaryCrossentropy'], ['binary_crossentropy', 'binaryCrossentropy'],
      ['categoricalCrossentropy', 'categoricalCrossentropy'], ['categorical_crossentropy', 'categoricalCrossentropy'],
      ['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'], ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
      ['huber', 'huber'], ['huber_loss', 'huber'], ['hinge', 'hinge'], ['kld', 'kld'], ['kl_divergence', 'kld'],
      ['kullback_leibler_divergence', 'kld'], ['KLD', 'kld'], ['dice', 'dice'],
      ['softmaxCrossEntropy', 'softmaxCrossEntropy'], ['sigmoidCrossEntropy', 'sigmoidCrossEntropy'],
    ];
    for (const [alias, name] of names) {
      expect(wg.losses.getLoss(alias), alias).toBe((wg.losses as unknown as Record<string, unknown>)[name]);
      expect(wg.losses.lossName(wg.losses.getLoss(alias))).toBe(name);
    }
    const custom = (a: wg.Tensor, b: wg.Tensor) => wg.losses.meanSquaredError(a, b);
    expect(wg.losses.getLoss(custom)).toBe(custom);
    expect(() => wg.losses.getLoss('nope')).toThrow(/unknown loss 'nope'/);
  });

  test('sumSquaredError is 1/2 sum per sample, so gradient descent on it is the delta rule', async () => {
    await useBuild(build);
    wg.tidy(() => {
      // one sample: J = 1/2 ((1 - 0.5)^2 + (2 - 3)^2) = 0.625; dJ/dq = q - y
      const y = wg.tensor([[1, 2]]), q = wg.tensor([[0.5, 3]]);
      expect(wg.losses.sumSquaredError(y, q).dataSync()[0]).toBeCloseTo(0.625, 7);
      expectClose(wg.grad((x) => wg.losses.sumSquaredError(y, x))(q).dataSync(), [-0.5, 1], 1e-7, 0, 'dJ/dq');
      // two samples: the mean over the batch
      const y2 = wg.tensor([[1, 2], [0, 0]]), q2 = wg.tensor([[0.5, 3], [1, 1]]);
      expect(wg.losses.sumSquaredError(y2, q2).dataSync()[0]).toBeCloseTo((0.625 + 1) / 2, 7);
    });
  });
});

describe('int32 targets', () => {
  test('every loss takes int32 targets (one-hot labels as TF.js makes them) with the bits of float32 targets, and fit trains alike', async () => {
    await useBuild('simd', 1);
    const labels = Array.from({ length: 24 }, (_, i) => ((i * 5) % 3 === 0 ? 1 : 0));
    const pred = randomArray(24, 41, 0.05, 0.95);
    const names = Object.keys(wg.losses.LOSSES).filter((n) => !n.startsWith('sparse'));
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) {
      const f = wg.losses.LOSSES[name as keyof typeof wg.losses.LOSSES] as (t: wg.Tensor, p: wg.Tensor) => wg.Tensor;
      const bits = (dtype: 'int32' | 'float32') => wg.tidy(() => Array.from(new Uint32Array(f(wg.tensor(labels, [6, 4], dtype), wg.tensor(pred, [6, 4])).dataSync().slice().buffer)));
      expect(bits('int32'), name).toEqual(bits('float32'));
    }
    const fitWeights = async (dtype: 'int32' | 'float32') => {
      const m = wg.sequential({ layers: [wg.layers.dense({ units: 4, activation: 'softmax', inputShape: [3], kernelInitializer: wg.initializers.glorotUniform({ seed: 3 }) })] });
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const x = wg.tensor(randomArray(18, 42), [6, 3]), y = wg.tensor(labels, [6, 4], dtype);
      await m.fit(x, y, { epochs: 2, batchSize: 3, shuffle: false, verbose: 0 });
      const w = m.getWeights().map((t) => {
        const v = Array.from(t.dataSync());
        t.dispose(); // a copy
        return v;
      });
      m.dispose();
      x.dispose();
      y.dispose();
      return w;
    };
    const before = wg.memory().numTensors;
    expect(await fitWeights('int32')).toEqual(await fitWeights('float32'));
    expect(wg.memory().numTensors).toBe(before);
  });
});
