// int32 arithmetic of wasmgrad/tfjs against @tensorflow/tfjs 4.22 (cpu backend) on seeded random
// cases: int32 with int32 gives int32 (every element exactly TF.js's, wrapping past 2^31 included),
// int32 with float32 or a number gives float32, over broadcasting, axes and transposes; a comparison
// gives bool. Where TF.js refuses an int32 input, wasmgrad raises a WasmgradError too.
import { describe, test, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import { Gen, size, outputs, type Lib } from './tfjs-diff-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wt.ready();
});

type Operand = ['int' | 'float', number[], number[]] | ['number', number];
interface IntCase { op: string; operands: Operand[]; extra: unknown[] }

const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference', 'floorDiv', 'mod', 'pow', 'equal', 'notEqual', 'greater', 'less', 'greaterEqual', 'lessEqual'];
const UNARY = ['neg', 'abs', 'square', 'relu', 'relu6', 'reciprocal', 'log1p', 'expm1', 'selu', 'softplus', 'sign', 'round', 'step', 'exp', 'leakyRelu'];
const REFUSED = ['sqrt', 'log', 'sigmoid', 'tanh', 'elu', 'sin'];

function intValues(g: Gen, n: number, big: boolean): number[] {
  return Array.from({ length: n }, () => (big && g.next() < 0.5 ? g.pick([1, -1]) * g.int(1 << 29, 2 ** 31 - 1) : g.int(-6, 6)));
}

function cases(seed: number, count: number): IntCase[] {
  const g = new Gen(seed);
  const out: IntCase[] = [];
  const pair = () => {
    const r = g.int(0, 3);
    const a = g.shape(r);
    const b = a.slice(g.int(0, r)).map((d) => (g.next() < 0.3 ? 1 : d));
    return g.next() < 0.5 ? [a, b] : [b, a];
  };
  const intT = (s: number[], big = false): Operand => ['int', s, intValues(g, size(s), big)];
  for (let i = 0; i < count; i++) {
    const kind = g.pick(['binary', 'binary', 'unary', 'reduce', 'cumsum', 'matMul', 'misc']);
    if (kind === 'binary') {
      const op = g.pick(BINARY);
      const [sa, sb] = pair();
      // wrapping sums and products: large values where TF.js's result is still exact in double precision
      const big = ['add', 'sub', 'maximum', 'minimum', 'equal', 'greater', 'less'].includes(op) && g.next() < 0.3;
      const other = g.pick(['int', 'int', 'float', 'number'] as const);
      const b: Operand = other === 'int' ? intT(sb, big) : other === 'number' ? ['number', g.int(-4, 4)] : ['float', sb, g.values(size(sb))];
      out.push({ op, operands: g.next() < 0.8 ? [intT(sa, big), b] : [b, intT(sa, big)], extra: [] });
    } else if (kind === 'unary') {
      const s = g.shape(g.int(0, 3));
      const op = g.pick([...UNARY, ...UNARY, ...REFUSED]);
      out.push({ op, operands: [intT(s)], extra: [] });
    } else if (kind === 'reduce') {
      const s = g.shape(g.int(1, 3));
      const op = g.pick(['sum', 'prod', 'max', 'min', 'mean', 'argMax', 'argMin', 'logSumExp']);
      const axis = op.startsWith('arg') ? g.int(-s.length, s.length - 1) : g.next() < 0.3 ? null : g.int(-s.length, s.length - 1);
      out.push({ op, operands: [intT(s, op === 'sum' || op === 'max' || op === 'min')], extra: op.startsWith('arg') ? [axis] : [axis, g.next() < 0.5] });
    } else if (kind === 'cumsum') {
      const s = g.shape(g.int(1, 3));
      out.push({ op: g.pick(['cumsum', 'cumprod']), operands: [intT(s)], extra: [g.int(0, s.length - 1), g.next() < 0.5, g.next() < 0.5] });
    } else if (kind === 'matMul') {
      const [m, k, n] = [g.int(1, 4), g.int(1, 4), g.int(1, 4)];
      const [ta, tb] = [g.next() < 0.5, g.next() < 0.5];
      const a = intT(ta ? [k, m] : [m, k]);
      const bs = tb ? [n, k] : [k, n];
      out.push({ op: 'matMul', operands: [a, g.next() < 0.7 ? intT(bs) : ['float', bs, g.values(size(bs))]], extra: [ta, tb] });
    } else {
      const s = g.shape(g.int(1, 3));
      const op = g.pick(['clipByValue', 'where', 'addN']);
      if (op === 'clipByValue') out.push({ op, operands: [intT(s)], extra: [g.int(-5, 0) + g.pick([0, 0.5]), g.int(0, 5) + g.pick([0, 0.5])] });
      else out.push({ op, operands: [intT(s), intT(s)], extra: [] });
    }
  }
  return out;
}

function run(lib: Lib, c: IntCase): { out?: ReturnType<typeof outputs>; error?: string } {
  return lib.tidy(() => {
    const ts = c.operands.map((o) => (o[0] === 'number' ? o[1] : lib.tensor(o[2], o[1], o[0] === 'int' ? 'int32' : 'float32')));
    try {
      let r;
      if (c.op === 'where') r = lib.where(lib.greater(ts[0], 0), ts[0], ts[1]);
      else if (c.op === 'addN') r = lib.addN(ts);
      else r = lib[c.op](...ts, ...c.extra);
      return { out: outputs(r) };
    } catch (e) {
      return { error: (e as Error).constructor.name + ': ' + (e as Error).message };
    }
  });
}

describe('int32 arithmetic against TF.js', () => {
  test.each([1, 2, 3])('seed %i: 400 random int32 cases give TF.js dtypes and values', (seed) => {
    let compared = 0, refused = 0;
    for (const c of cases(seed, 400)) {
      const what = JSON.stringify(c);
      const theirs = run(tf, c), ours = run(wt, c);
      if (theirs.error) {
        refused++;
        expect(ours.error ?? 'an answer', `${what}: TF.js refuses (${theirs.error})`).toMatch(/^WasmgradError: /);
        continue;
      }
      expect(ours.error, what).toBeUndefined();
      expect(ours.out!.length, what).toBe(theirs.out!.length);
      theirs.out!.forEach((t, i) => {
        const o = ours.out![i];
        expect(o.shape, what).toEqual(t.shape);
        expect(o.dtype, what).toBe(t.dtype);
        if (t.dtype === 'int32') expect(o.values, what).toEqual(t.values);
        else o.values.forEach((v, j) => expect(Math.abs(v - t.values[j]) <= 1e-4 * Math.max(1, Math.abs(t.values[j])) || (Number.isNaN(v) && Number.isNaN(t.values[j])), `${what} [${j}]: ${v} vs ${t.values[j]}`).toBe(true));
      });
      compared++;
    }
    // the cases must exercise both sides: answers compared, and refusals
    expect(compared).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(2);
  });

  test('int32 ops keep no temporary tensors: casts and scalars made for an operand are freed', () => {
    const i = wt.tensor([1, 2, 3], [3], 'int32'), f = wt.tensor([0.5, 1.5, 2.5]);
    const row = wt.reshape(i, [1, 3]), col = wt.reshape(f, [3, 1]), cond = wt.greater(i, 1);
    const ops: (() => wt.Tensor)[] = [
      () => wt.add(i, f), () => wt.mul(f, i), () => wt.sub(i, 2), () => wt.div(i, i), () => wt.greater(i, f),
      () => wt.equal(i, i), () => wt.exp(i), () => wt.pow(i, 2), () => wt.pow(2, i), () => wt.mean(i), () => wt.sum(i),
      () => wt.matMul(row, col), () => wt.where(cond, i, i), () => wt.prod(i), () => wt.logSumExp(i), () => wt.erf(i),
    ];
    for (const op of ops) {
      const before = wt.memory().numTensors;
      const r = op();
      expect(wt.memory().numTensors, String(op)).toBe(before + 1);
      r.dispose();
    }
    for (const t of [i, f, row, col, cond]) t.dispose();
  });

  test('int32 tensors made from fractional, negative, huge and NaN values hold what TF.js stores', () => {
    const values = [1.7, -2.7, 0.5, -0.5, 3e10, -3e10, NaN, Infinity, 2147483647.9, -2147483648.5, 7];
    const made = (lib: Lib) => lib.tidy(() => [
      lib.tensor(values, undefined, 'int32'),
      lib.tensor1d(values, 'int32'),
      lib.tensor2d([values.slice(0, 4), values.slice(4, 8)], [2, 4], 'int32'),
      lib.tensor(Float32Array.from(values), [values.length], 'int32'),
      lib.scalar(-9.99, 'int32'),
    ].map((t) => ({ dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync()) })));
    expect(made(wt)).toEqual(made(tf));
  });

  test('tf.oneHot gives int32 as TF.js, and a model fits int32 one-hot labels as it fits float32 ones', async () => {
    expect(wt.tidy(() => outputs(wt.oneHot(wt.tensor1d([0, 2, 1], 'int32'), 3)))).toEqual(tf.tidy(() => outputs(tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3))));
    expect(wt.tidy(() => outputs(wt.oneHot(wt.tensor1d([1, 0], 'int32'), 2, 0.9, 0.05, 'float32'))).map((o) => o.dtype)).toEqual(['float32']);
    const fitted = async (labels: wt.Tensor) => {
      const m = wt.sequential({ layers: [wt.layers.dense({ units: 3, activation: 'softmax', inputShape: [2], kernelInitializer: wt.initializers.glorotUniform({ seed: 5 }) })] });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const x = wt.tensor2d([[0, 1], [1, 0], [1, 1], [0.5, 0.2]]);
      const h = await m.fit(x, labels, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
      const w = m.getWeights().map((t) => Array.from(t.dataSync()));
      x.dispose();
      labels.dispose();
      return { w, loss: h.history.loss };
    };
    const ids = [0, 2, 1, 2];
    expect(await fitted(wt.oneHot(wt.tensor1d(ids, 'int32'), 3))).toEqual(await fitted(wt.oneHot(wt.tensor1d(ids, 'int32'), 3, 1, 0, 'float32')));
  });

  test('the accuracy idiom: argMax of predictions equal to the labels, summed', () => {
    const count = (lib: Lib) => lib.tidy(() => {
      const p = lib.tensor2d([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]);
      const labels = lib.tensor1d([1, 1, 1], 'int32');
      return lib.sum(lib.cast(lib.equal(lib.argMax(p, -1), labels), 'int32')).dataSync()[0];
    });
    expect(count(wt)).toBe(count(tf));
    expect(count(wt)).toBe(2);
  });
});
