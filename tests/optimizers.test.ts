// Optimizers against hand-computed float64 steps (PyTorch's formulas) for three steps, gradient
// clipping, schedules, state save/restore, minimize; schedules and regularizers; on every build.
import { describe, test, expect, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose, THREADED_BUILDS } from './helpers';
import { expectSameBitsAcrossThreads } from './gradcheck';

afterAll(() => wg.shutdown());

// ---- float64 references (torch.optim formulas) ------------------------------------------------

type Vec = Float64Array;
interface RefOpt {
  /** One update of p in place with gradient g at learning rate lr, step t (1-based). */
  step(p: Vec, g: Vec, lr: number, t: number): void;
}
const zeros = (n: number) => new Float64Array(n);

/** A trainable variable holding values (its initial tensor freed at once). */
function mkVar(values: ArrayLike<number>, name?: string, shape?: number[]): wg.Variable {
  const t = wg.tensor(Float32Array.from(values), shape);
  const v = wg.variable(t, true, name);
  t.dispose();
  return v;
}

function refSgd(n: number, momentum = 0, nesterov = false): RefOpt {
  const buf = zeros(n);
  return {
    step(p, g, lr) {
      for (let i = 0; i < n; i++) {
        let d = g[i];
        if (momentum > 0) {
          buf[i] = momentum * buf[i] + g[i];
          d = nesterov ? g[i] + momentum * buf[i] : buf[i];
        }
        p[i] -= lr * d;
      }
    },
  };
}

function refAdam(n: number, b1 = 0.9, b2 = 0.999, eps = 1e-7, wd = 0): RefOpt {
  const m = zeros(n), v = zeros(n);
  return {
    step(p, g, lr, t) {
      for (let i = 0; i < n; i++) {
        p[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const mh = m[i] / (1 - b1 ** t);
        p[i] -= (lr * mh) / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps);
      }
    },
  };
}

function refAdagrad(n: number, init = 0.1, eps = 1e-7): RefOpt {
  const s = new Float64Array(n).fill(init);
  return {
    step(p, g, lr) {
      for (let i = 0; i < n; i++) {
        s[i] += g[i] * g[i];
        p[i] -= (lr * g[i]) / (Math.sqrt(s[i]) + eps);
      }
    },
  };
}

function refAdadelta(n: number, rho = 0.95, eps = 1e-7): RefOpt {
  const sq = zeros(n), acc = zeros(n);
  return {
    step(p, g, lr) {
      for (let i = 0; i < n; i++) {
        sq[i] = rho * sq[i] + (1 - rho) * g[i] * g[i];
        const d = (Math.sqrt(acc[i] + eps) / Math.sqrt(sq[i] + eps)) * g[i];
        acc[i] = rho * acc[i] + (1 - rho) * d * d;
        p[i] -= lr * d;
      }
    },
  };
}

function refRmsprop(n: number, rho = 0.9, momentum = 0, eps = 1e-7, centered = false): RefOpt {
  const sq = zeros(n), ga = zeros(n), buf = zeros(n);
  return {
    step(p, g, lr) {
      for (let i = 0; i < n; i++) {
        sq[i] = rho * sq[i] + (1 - rho) * g[i] * g[i];
        let avg: number;
        if (centered) {
          ga[i] = rho * ga[i] + (1 - rho) * g[i];
          avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + eps;
        } else avg = Math.sqrt(sq[i]) + eps;
        if (momentum > 0) {
          buf[i] = momentum * buf[i] + g[i] / avg;
          p[i] -= lr * buf[i];
        } else p[i] -= (lr * g[i]) / avg;
      }
    },
  };
}

interface Case {
  name: string;
  make: (extra?: Record<string, unknown>) => wg.optimizers.Optimizer;
  ref: (n: number) => RefOpt;
  lr: number;
}

const CASES: Case[] = [
  { name: 'sgd', make: (x) => wg.optimizers.sgd({ learningRate: 0.1, ...x }), ref: (n) => refSgd(n), lr: 0.1 },
  { name: 'sgd momentum', make: (x) => wg.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, ...x }), ref: (n) => refSgd(n, 0.9), lr: 0.1 },
  { name: 'sgd nesterov', make: (x) => wg.optimizers.sgd({ learningRate: 0.1, momentum: 0.8, nesterov: true, ...x }), ref: (n) => refSgd(n, 0.8, true), lr: 0.1 },
  { name: 'adagrad', make: (x) => wg.optimizers.adagrad({ learningRate: 0.1, ...x }), ref: (n) => refAdagrad(n), lr: 0.1 },
  { name: 'adagrad init 0.5', make: (x) => wg.optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.5, epsilon: 1e-3, ...x }), ref: (n) => refAdagrad(n, 0.5, 1e-3), lr: 0.1 },
  { name: 'adadelta', make: (x) => wg.optimizers.adadelta({ ...x }), ref: (n) => refAdadelta(n), lr: 1 },
  { name: 'adadelta rho 0.9', make: (x) => wg.optimizers.adadelta({ learningRate: 0.5, rho: 0.9, epsilon: 1e-6, ...x }), ref: (n) => refAdadelta(n, 0.9, 1e-6), lr: 0.5 },
  { name: 'rmsprop', make: (x) => wg.optimizers.rmsprop({ learningRate: 0.01, ...x }), ref: (n) => refRmsprop(n), lr: 0.01 },
  { name: 'rmsprop momentum', make: (x) => wg.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.9, ...x }), ref: (n) => refRmsprop(n, 0.9, 0.9), lr: 0.01 },
  {
    name: 'rmsprop centered momentum',
    make: (x) => wg.optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5, centered: true, epsilon: 1e-6, ...x }),
    ref: (n) => refRmsprop(n, 0.8, 0.5, 1e-6, true),
    lr: 0.01,
  },
  { name: 'adam', make: (x) => wg.optimizers.adam({ learningRate: 0.01, ...x }), ref: (n) => refAdam(n), lr: 0.01 },
  { name: 'adam betas', make: (x) => wg.optimizers.adam({ learningRate: 0.05, beta1: 0.3, beta2: 0.9, epsilon: 1e-4, ...x }), ref: (n) => refAdam(n, 0.3, 0.9, 1e-4), lr: 0.05 },
  { name: 'adamw', make: (x) => wg.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.1, ...x }), ref: (n) => refAdam(n, 0.9, 0.999, 1e-7, 0.1), lr: 0.01 },
  { name: 'adamw default decay', make: (x) => wg.optimizers.adamw({ learningRate: 0.01, ...x }), ref: (n) => refAdam(n, 0.9, 0.999, 1e-7, 0.004), lr: 0.01 },
];

/** Three fixed gradients per variable (float32 values, as the optimizer sees them). */
function gradSeq(n: number, seed: number, scale = 1): Float32Array[] {
  return [0, 1, 2].map((k) => randomArray(n, seed + k, -scale, scale));
}

/**
 * Runs 3 steps of `opt` on variables of the given sizes with gradients gradSeq, and the same
 * steps of the reference (gradients transformed by prep: clipping); compares after every step.
 */
function runSteps(
  opt: wg.optimizers.Optimizer, refs: RefOpt[], sizes: number[], lrAt: (t: number) => number,
  prep: (gs: Float64Array[]) => Float64Array[] = (gs) => gs, what = '',
): void {
  const init = sizes.map((n, i) => randomArray(n, 10 + i, -1, 1));
  const vars = init.map((v, i) => mkVar(v, `w${i}`));
  const p64 = init.map((v) => Float64Array.from(v));
  const seqs = sizes.map((n, i) => gradSeq(n, 100 * (i + 1)));
  try {
    for (let step = 0; step < 3; step++) {
      const gs = seqs.map((s) => wg.tensor(s[step]));
      opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, gs[i]])));
      for (const g of gs) g.dispose();
      const g64 = prep(seqs.map((s) => Float64Array.from(s[step])));
      refs.forEach((r, i) => r.step(p64[i], g64[i], lrAt(step), step + 1));
      vars.forEach((v, i) => expectClose(v.dataSync(), p64[i], 2e-6, 2e-5, `${what} var ${i} step ${step + 1}`));
      expect(opt.iterations).toBe(step + 1);
    }
  } finally {
    for (const v of vars) v.dispose();
  }
}

describe.each(builds())('optimizers on the %s build', (build) => {
  test('every optimizer: three steps match the float64 reference (sizes 1, 7, 4100, 70000)', async () => {
    await useBuild(build, 2);
    const before = wg.memory();
    for (const c of CASES) {
      const sizes = [1, 7, 4100, 70000];
      const opt = c.make();
      runSteps(opt, sizes.map((n) => c.ref(n)), sizes, () => c.lr, undefined, c.name);
      opt.dispose();
    }
    expect(wg.memory().numTensors).toBe(before.numTensors);
    expect(wg.memory().numBytes).toBe(before.numBytes);
  });

  test('clipNorm clips by the global norm of all gradients (torch clip_grad_norm_), clipValue by value', async () => {
    await useBuild(build, 2);
    const sizes = [5, 3000];
    const globalNorm = (gs: Float64Array[]) => Math.sqrt(gs.reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0));
    for (const c of CASES.filter((x) => ['sgd momentum', 'adam', 'rmsprop'].includes(x.name))) {
      for (const clipNorm of [1, 1000]) {
        const opt = c.make({ clipNorm });
        runSteps(opt, sizes.map((n) => c.ref(n)), sizes, () => c.lr, (gs) => {
          const k = Math.min(1, clipNorm / (globalNorm(gs) + 1e-6));
          return gs.map((g) => g.map((x) => x * k));
        }, `${c.name} clipNorm ${clipNorm}`);
        opt.dispose();
      }
      const opt = c.make({ clipValue: 0.3 });
      runSteps(opt, sizes.map((n) => c.ref(n)), sizes, () => c.lr, (gs) => gs.map((g) => g.map((x) => Math.max(-0.3, Math.min(0.3, x)))), `${c.name} clipValue`);
      opt.dispose();
      // both: the norm first, then the values
      const both = c.make({ clipNorm: 2, clipValue: 0.05 });
      runSteps(both, sizes.map((n) => c.ref(n)), sizes, () => c.lr, (gs) => {
        const k = Math.min(1, 2 / (globalNorm(gs) + 1e-6));
        return gs.map((g) => g.map((x) => Math.max(-0.05, Math.min(0.05, x * k))));
      }, `${c.name} clipNorm + clipValue`);
      both.dispose();
    }
  });

  test('learning-rate schedules drive the steps', async () => {
    await useBuild(build);
    const exp = wg.schedules.exponentialDecay({ initial: 0.1, decaySteps: 1, decayRate: 0.5 });
    const o1 = wg.optimizers.sgd({ learningRate: exp, momentum: 0.9 });
    runSteps(o1, [refSgd(6, 0.9)], [6], (t) => 0.1 * 0.5 ** t, undefined, 'sgd exponentialDecay');
    o1.dispose();
    const stepped = wg.schedules.stepDecay({ initial: 0.02, dropEvery: 2, factor: 0.1 });
    const o2 = wg.optimizers.adam({ learningRate: stepped });
    runSteps(o2, [refAdam(6)], [6], (t) => (t < 2 ? 0.02 : 0.002), undefined, 'adam stepDecay');
    expect(o2.currentLearningRate()).toBeCloseTo(0.002, 12);
    o2.dispose();
    const cos = wg.schedules.cosineDecay({ initial: 0.05, decaySteps: 4, alpha: 0.1 });
    const o3 = wg.optimizers.adamw({ learningRate: cos, weightDecay: 0.5 });
    const cosAt = (t: number) => 0.05 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * t) / 4)) + 0.1);
    runSteps(o3, [refAdam(6, 0.9, 0.999, 1e-7, 0.5)], [6], cosAt, undefined, 'adamw cosineDecay');
    o3.dispose();
    // a callback may lower a number learning rate between steps
    const o4 = wg.optimizers.sgd({ learningRate: 0.1 });
    const v = mkVar([1, 2]);
    const g = wg.tensor([1, -1]);
    o4.applyGradients({ [v.name]: g });
    o4.learningRate = 0.01;
    o4.applyGradients({ [v.name]: g });
    expectClose(v.dataSync(), [1 - 0.11, 2 + 0.11], 1e-7, 1e-6, 'lowered learning rate');
    for (const t of [v, g]) t.dispose();
  });

  test('minimize: returns the loss, updates the variables f uses, skips the others', async () => {
    await useBuild(build);
    const before = wg.memory();
    const target = wg.tensor([1, -2, 3]);
    const w = mkVar([0, 0, 0], 'mw');
    const unused = mkVar([5], 'munused');
    const opt = wg.optimizers.adam({ learningRate: 0.1 });
    const ref = refAdam(3);
    const p = new Float64Array(3);
    for (let step = 1; step <= 3; step++) {
      // f = sum (w - c)^2, with a tidy inside: grad 2 (w - c)
      const loss = opt.minimize(() => wg.tidy(() => wg.sum(wg.square(wg.sub(w, target)))), [w, unused]);
      const want = p.reduce((s, x, i) => s + (x - [1, -2, 3][i]) ** 2, 0);
      expect(loss.dataSync()[0]).toBeCloseTo(want, 5);
      loss.dispose();
      ref.step(p, p.map((x, i) => 2 * (x - [1, -2, 3][i])), 0.1, step);
      expectClose(w.dataSync(), p, 1e-6, 1e-5, `minimize step ${step}`);
    }
    expect(unused.dataSync()[0]).toBe(5);
    expect(opt.getWeights().map((n) => (n.tensor.dispose(), n.name))).toEqual(['iter', 'mw/m', 'mw/v']);
    // every trainable variable by default; the TF.js form (f, returnCost = false) returns null
    expect(opt.minimize(() => wg.sum(wg.square(wg.sub(w, target))), false)).toBeNull();
    expect(opt.iterations).toBe(4);
    opt.dispose();
    for (const t of [target, w, unused]) t.dispose();
    expect(wg.memory().numTensors).toBe(before.numTensors);
    expect(wg.memory().numBytes).toBe(before.numBytes);
  });

  test('getWeights / setWeights / getConfig restore an optimizer mid-run', async () => {
    await useBuild(build);
    const before = wg.memory().numTensors;
    for (const c of CASES) {
      const init = randomArray(9, 3, -1, 1);
      const seq = gradSeq(9, 7);
      const a = mkVar(init, 'sa');
      const opt = c.make({ clipValue: 0.5 });
      const g = seq.map((s) => wg.tensor(s));
      opt.applyGradients({ sa: g[0] });
      opt.applyGradients({ sa: g[1] });
      const saved = opt.getWeights();
      const snapshot = wg.tidy(() => wg.clone(a));
      opt.applyGradients({ sa: g[2] });
      const want = a.dataSync();
      // a fresh optimizer of the same config, the saved state, the same step
      const copy = wg.optimizers.getOptimizer({ className: opt.className, config: JSON.parse(JSON.stringify(opt.getConfig())) });
      expect(copy.getConfig()).toEqual(opt.getConfig());
      copy.setWeights(saved);
      expect(copy.iterations).toBe(2);
      a.assign(snapshot);
      copy.applyGradients({ sa: g[2] });
      expectClose(a.dataSync(), want, 0, 0, `${c.name} restored`);
      for (const t of [...g, ...saved.map((s) => s.tensor), snapshot, a]) t.dispose();
      opt.dispose();
      copy.dispose();
    }
    expect(wg.memory().numTensors).toBe(before);
  });

  test('configs, names and errors', async () => {
    await useBuild(build);
    expect(wg.optimizers.adam().getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(wg.optimizers.adamw().getConfig()).toMatchObject({ weightDecay: 0.004 });
    expect(wg.optimizers.sgd().getConfig()).toEqual({ learningRate: 0.01, momentum: 0, nesterov: false });
    expect(wg.optimizers.rmsprop().getConfig()).toEqual({ learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    expect(wg.optimizers.adagrad().getConfig()).toEqual({ learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 });
    expect(wg.optimizers.adadelta().getConfig()).toEqual({ learningRate: 1, rho: 0.95, epsilon: 1e-7 });
    expect(wg.optimizers.sgd({ learningRate: 0.1, clipNorm: 1, clipValue: 2 }).getConfig()).toEqual({ learningRate: 0.1, momentum: 0, nesterov: false, clipNorm: 1, clipValue: 2 });
    const sched = wg.optimizers.adam({ learningRate: wg.schedules.exponentialDecay({ initial: 0.1, decaySteps: 10, decayRate: 0.9, staircase: true }) });
    const back = wg.optimizers.getOptimizer({ className: 'Adam', config: JSON.parse(JSON.stringify(sched.getConfig())) });
    expect(back.currentLearningRate()).toBe(0.1);
    back.iterations = 25;
    expect(back.currentLearningRate()).toBeCloseTo(0.1 * 0.9 ** 2, 12);
    for (const name of ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'Adam', 'SGD', 'RMSprop']) {
      expect(wg.optimizers.getOptimizer(name)).toBeInstanceOf(wg.optimizers.Optimizer);
    }
    expect(wg.optimizers.getOptimizer('AdamW')).toBeInstanceOf(wg.optimizers.AdamW);
    expect(() => wg.optimizers.getOptimizer('lbfgs')).toThrow(/unknown optimizer 'lbfgs'/);
    expect(() => wg.optimizers.adam({ learningRate: -1 })).toThrow(wg.WasmgradError);
    expect(() => wg.optimizers.adam({ beta1: 1 })).toThrow(/beta1/);
    expect(() => wg.optimizers.sgd({ clipNorm: 0 })).toThrow(/clipNorm/);
    const v = mkVar([1, 2], 'errv');
    const opt = wg.optimizers.sgd({ learningRate: 0.1 });
    const g = wg.tensor([1, 2, 3]);
    expect(() => opt.applyGradients({ nosuch: g })).toThrow(/no trainable variable named 'nosuch'/);
    expect(() => opt.applyGradients({ errv: g })).toThrow(/\[2\] but its gradient is float32 \[3\]/);
    expect(opt.iterations).toBe(0);
    for (const t of [v, g]) t.dispose();
  });

  test('a training loop (MLP, softmax + sparse cross-entropy, Adam with clipping) keeps memory flat and learns', async () => {
    await useBuild(build);
    const x = wg.tensor(randomArray(32 * 4, 21), [32, 4]);
    const ids = Int32Array.from(x.dataSync().filter((_, i) => i % 4 === 0), (v) => (v > 0 ? 1 : 0));
    const y = wg.tensor(ids, [32], 'int32');
    const v1 = mkVar(randomArray(64, 22, -0.5, 0.5), 'mlp_w1', [4, 16]);
    const v2 = mkVar(randomArray(32, 23, -0.5, 0.5), 'mlp_w2', [16, 2]);
    const opt = wg.optimizers.adam({ learningRate: 0.02, clipNorm: 5 });
    const step = () => {
      const loss = opt.minimize(() => wg.losses.sparseCategoricalCrossentropy(y, wg.softmax(wg.matMul(wg.relu(wg.matMul(x, v1)), v2))), [v1, v2]);
      const l = loss.dataSync()[0];
      loss.dispose();
      return l;
    };
    const first = step();
    const before = wg.memory();
    let last = first;
    for (let i = 0; i < 1000; i++) last = step();
    const after = wg.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.wasmBytes).toBe(before.wasmBytes);
    expect(last).toBeLessThan(first * 0.5);
    opt.dispose();
    for (const t of [x, y, v1, v2]) t.dispose();
  });

});

describe.each(THREADED_BUILDS)('optimizers on the %s build, threads', (build) => {
  test('updates are bitwise identical for any thread count', async () => {
    const n = 300_001;
    await expectSameBitsAcrossThreads(build, () => {
      const v = mkVar(randomArray(n, 1), 'tv');
      const opt = wg.optimizers.adam({ learningRate: 0.01, clipNorm: 10 });
      const out: Float32Array[] = [];
      for (const seed of [5, 6]) {
        const g = wg.tensor(randomArray(n, seed));
        opt.applyGradients({ tv: g });
        g.dispose();
      }
      out.push(v.dataSync() as Float32Array);
      opt.dispose();
      v.dispose();
      return out;
    }, 'adam');
  });
});

test('every build gives the same bits (plain multiply and add, IEEE sqrt and division)', async () => {
  const n = 4103;
  let first: Uint32Array | null = null;
  for (const build of builds()) {
    await useBuild(build);
    const v = mkVar(randomArray(n, 1), 'bv');
    for (const c of CASES) {
      const opt = c.make({ clipNorm: 5, clipValue: 0.9 });
      for (const seed of [5, 6, 7]) {
        const g = wg.tensor(randomArray(n, seed, -2, 2));
        opt.applyGradients({ bv: g });
        g.dispose();
      }
      opt.dispose();
    }
    const bits = new Uint32Array((v.dataSync() as Float32Array).buffer);
    v.dispose();
    if (!first) first = bits;
    else for (let i = 0; i < n; i++) if (bits[i] !== first[i]) throw new Error(`${build}: element ${i} differs from the ${builds()[0]} build`);
  }
});

describe('schedules and regularizers', () => {
  test('schedule formulas and configs', () => {
    const e = wg.schedules.exponentialDecay({ initial: 0.1, decaySteps: 100, decayRate: 0.96 });
    expect(e(0)).toBe(0.1);
    expect(e(250)).toBeCloseTo(0.1 * 0.96 ** 2.5, 14);
    const es = wg.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.96, staircase: true });
    expect(es(250)).toBeCloseTo(0.1 * 0.96 ** 2, 14);
    expect(es.getConfig()).toEqual({ initial: 0.1, decaySteps: 100, decayRate: 0.96, staircase: true });
    const s = wg.schedules.stepDecay({ initial: 1, stepSize: 3, gamma: 0.5 });
    expect([0, 2, 3, 5, 6, 9].map(s)).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
    expect(s.className).toBe('StepDecay');
    const c = wg.schedules.cosineDecay({ initial: 2, decaySteps: 10 });
    expect(c(0)).toBe(2);
    expect(c(5)).toBeCloseTo(1, 14);
    expect(c(10)).toBeCloseTo(0, 14);
    expect(c(20)).toBeCloseTo(0, 14);
    expect(wg.schedules.cosineDecay({ initial: 2, decaySteps: 10, alpha: 0.1 })(10)).toBeCloseTo(0.2, 14);
    const back = wg.schedules.deserializeSchedule(wg.schedules.serializeSchedule(es));
    expect(back(250)).toBe(es(250));
    expect(() => wg.schedules.exponentialDecay({ initial: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(/decaySteps/);
    expect(() => wg.schedules.stepDecay({ initial: 0.1 })).toThrow(/dropEvery/);
  });

  test.each(builds())('regularizers: Keras penalties and their gradients (%s)', async (build) => {
    await useBuild(build);
    const before = wg.memory().numTensors;
    const wv = [0.5, -1.5, 2, 0];
    const w = wg.tensor(wv, [2, 2]);
    const cases: [wg.regularizers.Regularizer, number, number[]][] = [
      [wg.regularizers.l1({ l1: 0.1 }), 0.1 * 4, wv.map((x) => 0.1 * Math.sign(x))],
      [wg.regularizers.l2({ l2: 0.2 }), 0.2 * (0.25 + 2.25 + 4), wv.map((x) => 0.4 * x)],
      [wg.regularizers.l1l2({ l1: 0.1, l2: 0.2 }), 0.4 + 0.2 * 6.5, wv.map((x) => 0.1 * Math.sign(x) + 0.4 * x)],
      [wg.regularizers.l2(), 0.01 * 6.5, wv.map((x) => 0.02 * x)],
    ];
    for (const [r, value, grad] of cases) {
      const { value: v, grad: g } = wg.valueAndGrad((x) => r.apply(x))(w);
      expect(v.shape).toEqual([]);
      expect(v.dataSync()[0]).toBeCloseTo(value, 6);
      expectClose(g.dataSync(), grad, 1e-7, 1e-6, r.className);
      v.dispose();
      g.dispose();
      const again = wg.regularizers.getRegularizer({ className: r.className, config: r.getConfig() })!;
      expect(again.getConfig()).toEqual(r.getConfig());
    }
    expect(wg.regularizers.l1l2().getConfig()).toEqual({ l1: 0.01, l2: 0.01 });
    expect(wg.regularizers.getRegularizer('l2')!.className).toBe('L2');
    expect(() => wg.regularizers.l2({ l2: -1 })).toThrow(wg.WasmgradError);
    // null, as TF.js writes an unset config or factor, takes the defaults; what is not an object is refused by name
    expect([wg.regularizers.l1(null).getConfig(), wg.regularizers.l1l2({ l1: null, l2: 0.5 } as never).getConfig()]).toEqual([{ l1: 0.01 }, { l1: 0.01, l2: 0.5 }]);
    expect(wg.regularizers.getRegularizer({ className: 'L2', config: null as never })!.getConfig()).toEqual({ l2: 0.01 });
    for (const bad of [3, 'l1', Symbol('s')]) expect(() => wg.regularizers.l1(bad as never)).toThrow(/regularizers\.l1: expected an object of factors, got/);
    w.dispose();
    expect(wg.memory().numTensors).toBe(before);
  });
});
