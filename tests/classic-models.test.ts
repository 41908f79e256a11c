// wg.classic: the perceptron and the delta rule, the Hopfield network, the RBM (CD-k against a plain
// JavaScript reference, free energy, training) and the DBN's unrolling; bad input raises
// WasmgradError and nothing leaks.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { useBuild, rng, expectClose } from './helpers';

afterAll(() => wg.shutdown());
beforeAll(() => useBuild('simd-threads', 2));

const C = () => wg.classic;
const table = (rows: number[][]) => wg.tensor(rows.flat(), [rows.length, rows[0].length]);
const INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];

/** Runs fn and checks the count of live tensors is the same after. */
function flat<T>(fn: () => T): T {
  const before = wg.memory().numTensors;
  const r = fn();
  expect(wg.memory().numTensors).toBe(before);
  return r;
}

describe('perceptron and delta rule', () => {
  test('the perceptron learns AND and OR in a few epochs and never XOR', () => {
    flat(() => {
      const x = table(INPUTS);
      for (const [name, targets, converges] of [['AND', [0, 0, 0, 1], true], ['OR', [0, 1, 1, 1], true], ['XOR', [0, 1, 1, 0], false]] as const) {
        const p = C().perceptron({ inputs: 2, learningRate: 1 });
        const y = wg.tensor([...targets]);
        const { errorsPerEpoch, converged } = p.fit(x, y, { maxEpochs: 50, seed: 3 });
        expect(converged, name).toBe(converges);
        if (converges) {
          expect(errorsPerEpoch.length, name).toBeLessThanOrEqual(10);
          expect(Array.from(wg.tidy(() => p.predict(x).dataSync())), name).toEqual([...targets]);
        } else {
          expect(errorsPerEpoch.length).toBe(50);
          expect(Math.min(...errorsPerEpoch)).toBeGreaterThan(0);
        }
        y.dispose();
        p.dispose();
      }
      x.dispose();
    });
  });

  test('the delta rule finds the least-squares line and its error falls', () => {
    flat(() => {
      const r = rng(7);
      const xs = Array.from({ length: 20 }, () => [r() * 2 - 1, r() * 2 - 1]);
      const x = table(xs);
      const y = wg.tensor(xs.map(([a, b]) => 2 * a - 3 * b + 0.5));
      const unit = C().deltaRule({ inputs: 2, learningRate: 0.02 });
      const errors: number[] = [];
      for (let e = 0; e < 3000; e++) errors.push(unit.trainEpoch(x, y));
      expect(errors[errors.length - 1]).toBeLessThan(errors[0] / 1000);
      for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThanOrEqual(errors[i - 1] * (1 + 1e-6));
      expectClose(unit.weights.dataSync(), [2, -3], 2e-2, 0);
      expectClose(unit.bias.dataSync(), [0.5], 2e-2, 0);
      unit.dispose();
      x.dispose();
      y.dispose();
    });
  });

  test('bad input raises WasmgradError', () => {
    expect(() => C().perceptron({ inputs: 0 })).toThrow(wg.WasmgradError);
    expect(() => C().perceptron({ inputs: 2, learningRate: -1 })).toThrow(/learningRate/);
    const p = C().perceptron({ inputs: 2 });
    expect(() => p.trainEpoch(wg.zeros([4, 3]), wg.zeros([4]))).toThrow(/\[batch >= 1, 2\]/);
    expect(() => p.trainEpoch(wg.zeros([4, 2]), wg.zeros([3]))).toThrow(/one target per row/);
    p.dispose();
  });
});

/** count random bipolar patterns of n units. */
function patterns(count: number, n: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: count }, () => Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1)));
}

function flip(p: number[], fraction: number, seed: number): number[] {
  const r = rng(seed);
  const idx = Array.from(p.keys()).sort(() => r() - 0.5).slice(0, Math.round(fraction * p.length));
  const q = p.slice();
  for (const i of idx) q[i] = -q[i];
  return q;
}

describe('Hopfield network', () => {
  test('weights are Hebbian with a zero diagonal; stored patterns are fixed points', () => {
    flat(() => {
      const ps = patterns(5, 100, 1);
      const net = C().hopfield(100);
      const x = table(ps);
      net.store(x);
      const w = net.weights.dataSync();
      for (const [i, j] of [[0, 0], [3, 7], [7, 3], [99, 98], [50, 50]]) {
        expect(w[i * 100 + j]).toBe(i === j ? 0 : ps.reduce((s, p) => s + p[i] * p[j], 0));
      }
      const r = net.recall(x, { seed: 1 });
      expect(r.converged).toBe(true);
      expect(r.sweeps).toBe(1);
      expect(Array.from(r.state.dataSync())).toEqual(ps.flat());
      r.state.dispose();
      x.dispose();
      net.dispose();
    });
  });

  test('a 100-unit net restores a stored pattern from 20% flipped bits; energy never rises over updates', () => {
    flat(() => {
      const ps = patterns(6, 100, 2);
      const net = C().hopfield(100);
      wg.tidy(() => net.store(table(ps)));
      for (let k = 0; k < ps.length; k++) {
        const probe = wg.tensor(flip(ps[k], 0.2, 10 + k));
        const energies: number[] = [];
        const start = net.energy(probe);
        energies.push(start.dataSync()[0]);
        start.dispose();
        const r = net.recall(probe, {
          seed: k,
          onUpdate: (state) => {
            const e = net.energy(state);
            energies.push(e.dataSync()[0]);
            e.dispose();
          },
        });
        expect(r.converged).toBe(true);
        expect(Array.from(r.state.dataSync()), `pattern ${k}`).toEqual(ps[k]);
        expect(energies.length).toBeGreaterThan(100);
        for (let i = 1; i < energies.length; i++) expect(energies[i], `update ${i}`).toBeLessThanOrEqual(energies[i - 1]);
        expect(energies[energies.length - 1]).toBeLessThan(energies[0]);
        r.state.dispose();
        probe.dispose();
      }
      net.dispose();
    });
  });

  test('energy is -1/2 s W s; recall is seeded; bad input raises WasmgradError', () => {
    flat(() => {
      const ps = patterns(3, 8, 3);
      const net = C().hopfield(8);
      wg.tidy(() => net.store(table(ps)));
      const s = patterns(1, 8, 4)[0];
      const w = net.weights.dataSync();
      let e = 0;
      for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) e += w[i * 8 + j] * s[i] * s[j];
      const got = wg.tidy(() => net.energy(wg.tensor(s)).dataSync()[0]);
      expect(got).toBe(-e / 2);
      const [zeroOne, nine, eight] = [wg.tensor([1, 0, 1, 1, 1, 1, 1, 1]), wg.ones([9]), wg.ones([8])];
      expect(() => net.store(zeroOne)).toThrow(/only \+1 and -1/);
      expect(() => net.energy(nine)).toThrow(wg.WasmgradError);
      expect(() => net.recall(eight, { maxSweeps: 0 })).toThrow(/maxSweeps/);
      [zeroOne, nine, eight].forEach((t) => t.dispose());
      expect(() => C().hopfield(1)).toThrow(wg.WasmgradError);
      net.dispose();
    });
  });
});

// ---- RBM: a plain JavaScript reference of one CD-k estimate --------------------------------

const MASK = (1n << 64n) - 1n;
function uniform(seed: number, i: number): number {
  let z = (BigInt(seed) + (BigInt(i) + 1n) * 0x9e3779b97f4a7c15n) & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return Number((z ^ (z >> 31n)) >> 40n) / 16777216;
}
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** CD-k as rbm.contrastiveDivergence documents it; the t-th sample drawn uses seed * 1000003 + t * 7919. */
function referenceCD(v0: number[][], W: Float32Array, b: Float32Array, c: Float32Array, nv: number, nh: number, k: number, seed: number) {
  let t = 0;
  const draw = (probs: number[][]) => {
    t++;
    const s = (seed * 1000003 + t * 7919) % 2 ** 52;
    const cols = probs[0].length;
    return probs.map((row, r) => row.map((p, j) => (uniform(s, r * cols + j) < p ? 1 : 0)));
  };
  const up = (v: number[][]) => v.map((row) => Array.from({ length: nh }, (_, j) => sig(c[j] + row.reduce((a, x, i) => a + x * W[i * nh + j], 0))));
  const down = (h: number[][]) => h.map((row) => Array.from({ length: nv }, (_, i) => sig(b[i] + row.reduce((a, x, j) => a + x * W[i * nh + j], 0))));
  const ph0 = up(v0);
  let h = draw(ph0);
  let v = v0, ph = ph0;
  for (let s = 0; s < k; s++) {
    v = draw(down(h));
    ph = up(v);
    h = draw(ph);
  }
  const B = v0.length;
  const dW = new Float64Array(nv * nh);
  for (let i = 0; i < nv; i++) for (let j = 0; j < nh; j++) for (let r = 0; r < B; r++) dW[i * nh + j] += (v0[r][i] * ph0[r][j] - v[r][i] * ph[r][j]) / B;
  const db = Array.from({ length: nv }, (_, i) => v0.reduce((a, row, r) => a + row[i] - v[r][i], 0) / B);
  const dc = Array.from({ length: nh }, (_, j) => ph0.reduce((a, row, r) => a + row[j] - ph[r][j], 0) / B);
  return { dW, db, dc, vk: v.flat() };
}

describe('restricted Boltzmann machine', () => {
  test('a CD-2 estimate matches the plain JavaScript reference on a tiny case', () => {
    flat(() => {
      const nv = 6, nh = 4;
      const machine = C().rbm({ visible: nv, hidden: nh, seed: 5 });
      // larger weights than the default init, so the estimate is far from zero
      wg.tidy(() => {
        machine.weights.assign(wg.randomNormal([nv, nh], 0, 1, 9));
        machine.visibleBias.assign(wg.randomNormal([nv], 0, 0.5, 10));
        machine.hiddenBias.assign(wg.randomNormal([nh], 0, 0.5, 11));
      });
      const r = rng(12);
      const v0 = Array.from({ length: 3 }, () => Array.from({ length: nv }, () => (r() < 0.5 ? 0 : 1)));
      const ref = referenceCD(v0, machine.weights.dataSync() as Float32Array, machine.visibleBias.dataSync() as Float32Array, machine.hiddenBias.dataSync() as Float32Array, nv, nh, 2, 5);
      const g = wg.tidy(() => machine.contrastiveDivergence(table(v0), 2));
      expect(Array.from(g.chainEnd.dataSync())).toEqual(ref.vk);
      expectClose(g.dW.dataSync(), ref.dW, 1e-5, 1e-4, 'dW');
      expectClose(g.dVisibleBias.dataSync(), ref.db, 1e-6, 0, 'db');
      expectClose(g.dHiddenBias.dataSync(), ref.dc, 1e-5, 1e-4, 'dc');
      expect(Math.max(...Array.from(g.dW.dataSync(), Math.abs))).toBeGreaterThan(0.05);
      Object.values(g).forEach((t) => t.dispose());
      machine.dispose();
    });
  });

  test('free energy is -v.b - sum softplus(c + vW); training lowers it on the data and the reconstruction error falls', () => {
    flat(() => {
      const nv = 16, nh = 8;
      // two prototypes with 10% of bits flipped
      const protos = [Array.from({ length: nv }, (_, i) => (i < 8 ? 1 : 0)), Array.from({ length: nv }, (_, i) => (i % 2 ? 1 : 0))];
      const r = rng(20);
      const data = Array.from({ length: 200 }, (_, n) => protos[n % 2].map((x) => (r() < 0.1 ? 1 - x : x)));
      const x = table(data);
      const machine = C().rbm({ visible: nv, hidden: nh, seed: 1 });
      const W = machine.weights.dataSync(), v = data[0];
      let f = 0;
      for (let j = 0; j < nh; j++) f -= Math.log1p(Math.exp(v.reduce((a, xi, i) => a + xi * W[i * nh + j], 0)));
      expectClose(wg.tidy(() => machine.freeEnergy(wg.tensor([v], [1, nv])).dataSync()), [f], 1e-5, 1e-5, 'free energy');

      const probe = table([protos[0], protos[1], Array.from({ length: nv }, (_, i) => (i % 3 ? 0 : 1))]);
      const errorBefore = machine.reconstructionError(x);
      const { reconstructionError } = machine.fit(x, { epochs: 30, batchSize: 20, learningRate: 0.1, k: 1 });
      const { reconstructionError: pcd } = machine.fit(x, { epochs: 5, batchSize: 20, learningRate: 0.05, k: 3, persistent: true });
      expect(reconstructionError).toHaveLength(30);
      expect(pcd).toHaveLength(5);
      expect(machine.reconstructionError(x)).toBeLessThan(errorBefore / 2);
      expect(reconstructionError[29]).toBeLessThan(reconstructionError[0]);
      const fe = wg.tidy(() => machine.freeEnergy(probe).dataSync());
      // the prototypes are far more probable than a pattern unlike the data
      expect(fe[0]).toBeLessThan(fe[2] - 2);
      expect(fe[1]).toBeLessThan(fe[2] - 2);
      const s = machine.sample({ count: 50, steps: 50 });
      expect(s.shape).toEqual([50, nv]);
      // samples after many Gibbs steps sit close to one of the two prototypes
      const rows = s.arraySync() as number[][];
      const near = rows.filter((row) => protos.some((p) => p.reduce((a, pi, i) => a + Math.abs(pi - row[i]), 0) < 4)).length;
      expect(near).toBeGreaterThanOrEqual(40);
      s.dispose();
      x.dispose();
      probe.dispose();
      machine.dispose();
    });
  });

  test('bad input raises WasmgradError', () => {
    const machine = C().rbm({ visible: 4, hidden: 2 });
    expect(() => C().rbm({ visible: 4, hidden: 0 })).toThrow(wg.WasmgradError);
    expect(() => machine.fit(wg.zeros([3, 5]))).toThrow(/\[batch >= 1, 4\]/);
    expect(() => machine.fit(wg.zeros([3, 4]), { k: 0 })).toThrow(/k must/);
    expect(() => machine.fit(wg.zeros([3, 4]), { momentum: 1 })).toThrow(/momentum/);
    expect(() => machine.sample({ steps: 5 })).toThrow(/count/);
    expect(() => machine.freeEnergy(wg.zeros([4]))).toThrow(wg.WasmgradError);
    machine.dispose();
  });
});

describe('deep belief network', () => {
  test('greedy pretraining, then the unrolled model holds the RBM weights and fine-tunes', async () => {
    const before = wg.memory().numTensors;
    const r = rng(30);
    const x = wg.tensor(Float32Array.from({ length: 64 * 12 }, () => (r() < 0.3 ? 1 : 0)), [64, 12]);
    const net = C().dbn({ layers: [12, 8, 6], seed: 2 });
    const histories = net.pretrain(x, { epochs: 3, batchSize: 16 });
    expect(histories.map((h) => h.length)).toEqual([3, 3]);
    const model = net.toSequential({ outputUnits: 3 });
    expect(model.layers).toHaveLength(3);
    for (let l = 0; l < 2; l++) {
      const [kernel, bias] = wg.tidy(() => model.layers[l].getWeights().map((w) => w.dataSync()));
      expect(Array.from(kernel)).toEqual(Array.from(net.rbms[l].weights.dataSync()));
      expect(Array.from(bias)).toEqual(Array.from(net.rbms[l].hiddenBias.dataSync()));
    }
    // the unrolled hidden layers compute the DBN's features
    const [feat, top] = wg.tidy(() => {
      let h: wg.Tensor = x;
      for (let l = 0; l < 2; l++) h = model.layers[l].apply(h) as wg.Tensor;
      return [h.dataSync(), net.transform(x).dataSync()];
    });
    expectClose(feat, top, 1e-5, 1e-5, 'features');
    const y = wg.tidy(() => wg.oneHot(wg.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 3), [64], 'int32'), 3));
    model.compile({ optimizer: wg.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(Array.from(wg.tidy(() => model.layers[0].getWeights()[0].dataSync()))).not.toEqual(Array.from(net.rbms[0].weights.dataSync()));
    expect(() => C().dbn({ layers: [12] })).toThrow(wg.WasmgradError);
    const wrong = wg.zeros([4, 11]);
    expect(() => net.pretrain(wrong)).toThrow(wg.WasmgradError);
    wrong.dispose();
    model.dispose();
    net.dispose();
    x.dispose();
    y.dispose();
    expect(wg.memory().numTensors).toBe(before);
  });
});
