// Unary math and activations (src/ops/unary.ts on assembly/unary.ts + vmath.ts): forward against
// float64 Math over wide ranges and edge values, measured in ulps; backward against finite
// differences and, on edge values, against the float64 derivative; the same bits on every build
// without fused multiply-add, in vector lanes and scalar tails, and for any thread count.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, THREADED_BUILDS, ALL_BUILDS, expectNoLeak, expectClose, rng } from './helpers';
import { gradCheck, refUnary, normalCdf, expectSameBitsAcrossThreads } from './gradcheck';

afterAll(() => wg.shutdown());

// as TensorFlow.js, the exponent is a float32 number
const P07 = Math.fround(-0.7);
const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

interface UnaryCase {
  name: string;
  op: (x: wg.Tensor) => wg.Tensor;
  f: (x: number) => number;
  /** f'(x) in float64, as the op defines it at kinks (TensorFlow's choices). */
  df: (x: number) => number;
  /** forward tolerance: max ulps (a function of x where the error grows), plus an absolute floor for results near 0 */
  ulps: number | ((x: number) => number);
  atol?: number;
  /** domain of the random inputs for finite differences */
  lo?: number;
  hi?: number;
}

const CASES: UnaryCase[] = [
  { name: 'neg', op: wg.neg, f: (x) => -x, df: () => -1, ulps: 0 },
  { name: 'abs', op: wg.abs, f: Math.abs, df: (x) => Math.sign(x), ulps: 0 },
  { name: 'square', op: wg.square, f: (x) => x * x, df: (x) => 2 * x, ulps: 0 },
  { name: 'sqrt', op: wg.sqrt, f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), ulps: 0, lo: 0.1, hi: 4 },
  { name: 'rsqrt', op: wg.rsqrt, f: (x) => 1 / Math.sqrt(x), df: (x) => -0.5 / (x * Math.sqrt(x)), ulps: 2, lo: 0.1, hi: 4 },
  { name: 'reciprocal', op: wg.reciprocal, f: (x) => 1 / x, df: (x) => -1 / (x * x), ulps: 0, lo: 0.5, hi: 4 },
  { name: 'exp', op: wg.exp, f: Math.exp, df: Math.exp, ulps: 2 },
  { name: 'expm1', op: wg.expm1, f: Math.expm1, df: Math.exp, ulps: 2 },
  { name: 'log', op: wg.log, f: Math.log, df: (x) => 1 / x, ulps: 2, lo: 0.1, hi: 4 },
  { name: 'log1p', op: wg.log1p, f: Math.log1p, df: (x) => 1 / (1 + x), ulps: 2, lo: -0.9, hi: 4 },
  { name: 'relu', op: wg.relu, f: (x) => (x > 0 ? x : Number.isNaN(x) ? NaN : 0), df: (x) => (x > 0 ? 1 : 0), ulps: 0 },
  { name: 'leakyRelu', op: (x) => wg.leakyRelu(x, 0.2), f: (x) => (x < 0 ? 0.2 * x : x), df: (x) => (x > 0 ? 1 : 0.2), ulps: 1 },
  { name: 'elu', op: wg.elu, f: (x) => (x > 0 ? x : Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)), ulps: 2 },
  {
    name: 'selu', op: wg.selu, f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)), ulps: 3,
  },
  // gelu: for x < 0 the relative error grows from 3e-7 near 0 to 3e-5 at x = -4 (the fit favours
  // |x| < 1.2), hence an absolute floor: 1e-7, about the error of the erf form of PyTorch and Keras
  // (whose 1 + erf(x / sqrt 2) cancels in float32)
  { name: 'gelu', op: wg.gelu, f: (x) => x * normalCdf(x), df: (x) => normalCdf(x) + x * pdf(x), ulps: 4, atol: 1e-7 },
  { name: 'sigmoid', op: wg.sigmoid, f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), ulps: 2 },
  { name: 'tanh', op: wg.tanh, f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, ulps: 2 },
  { name: 'softplus', op: wg.softplus, f: softplus, df: sigmoid, ulps: 3 },
  // TF.js's hard sigmoid (0.2 x + 0.5 rounds twice in float32: an absolute floor near 0)
  {
    name: 'hardSigmoid', op: wg.hardSigmoid, f: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
    df: (x) => (x > -2.5 && x < 2.5 ? 0.2 : 0), ulps: 2, atol: 1.2e-7, lo: -4, hi: 4,
  },
  { name: 'swish', op: wg.swish, f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)), ulps: 3 },
  { name: 'pow 3', op: (x) => wg.pow(x, 3), f: (x) => x ** 3, df: (x) => 3 * x * x, ulps: 2 },
  { name: 'pow -2', op: (x) => wg.pow(x, -2), f: (x) => x ** -2, df: (x) => -2 * x ** -3, ulps: 2, lo: 0.5, hi: 3 },
  { name: 'pow 0', op: (x) => wg.pow(x, 0), f: () => 1, df: () => 0, ulps: 0 },
  { name: 'pow 1', op: (x) => wg.pow(x, 1), f: (x) => x, df: () => 1, ulps: 0 },
  { name: 'pow 0.5', op: (x) => wg.pow(x, 0.5), f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), ulps: 0, lo: 0.1, hi: 4 },
  { name: 'pow 1.5', op: (x) => wg.pow(x, 1.5), f: (x) => Math.pow(x, 1.5), df: (x) => 1.5 * Math.pow(x, 0.5), ulps: 1, lo: 0.1, hi: 4 },
  { name: 'pow -0.7', op: (x) => wg.pow(x, -0.7), f: (x) => Math.pow(x, P07), df: (x) => P07 * Math.pow(x, P07 - 1), ulps: 1, lo: 0.1, hi: 4 },
  {
    name: 'clipByValue', op: (x) => wg.clipByValue(x, -0.5, 0.75), f: (x) => Math.min(Math.max(x, -0.5), 0.75),
    df: (x) => (x >= -0.5 && x <= 0.75 ? 1 : 0), ulps: 0,
  },
];

// edge values, then a logarithmic sweep over both signs, then dense values in [-20, 20]
const EDGE = [-100, -1e-6, 0, -0, 1e-6, 100, NaN, Infinity, -Infinity, 1, -1, 0.5, 2.5, -2.5, 88.7, 88.8, 89, -87.3, -103.9, -104.5, 3e38, -3e38, 1e-38, 1e-40, -1e-45, 9, 9.1, -17.4, 3.9192059];
function sweep(): Float32Array {
  const vals: number[] = [...EDGE];
  for (let e = -38; e <= 38; e += 0.37) vals.push(10 ** e, -(10 ** e));
  const r = rng(7);
  for (let i = 0; i < 3000; i++) vals.push(40 * r() - 20);
  return Float32Array.from(vals);
}

/** |got - want| in units in the last place of want rounded to float32 (0 for equal specials). */
function ulpError(got: number, want: number): number {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got) ? 0 : Infinity;
  const w = Math.fround(want);
  if (got === w) return 0;
  if (!Number.isFinite(w) || !Number.isFinite(got)) return Infinity;
  const e = Math.max(Math.floor(Math.log2(Math.abs(w) || 2 ** -149)), -126);
  return Math.abs(got - want) / 2 ** (e - 23);
}

const ulpsAt = (c: UnaryCase, x: number) => (typeof c.ulps === 'function' ? c.ulps(x) : c.ulps);
/** Below the normal range (2^-126) an absolute error is all float32 promises: subnormal intermediates. */
const SUBNORMAL_FLOOR = 2 ** -126;
const MEASURE = !!process.env.WG_MEASURE;

/** Forward: within the op's ulps of float64, or within its absolute floor. */
function expectAccurate(c: UnaryCase, xs: Float32Array, got: ArrayLike<number>): void {
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const want = c.f(xs[i]);
    const u = ulpError(got[i], want);
    if (Number.isFinite(u)) worst = Math.max(worst, Math.abs(want) > 1e-30 && !(Math.abs(got[i] - want) <= (c.atol ?? 0)) ? u : 0);
    if (u > ulpsAt(c, xs[i]) && !(Math.abs(got[i] - want) <= Math.max(c.atol ?? 0, SUBNORMAL_FLOOR))) {
      throw new Error(`${c.name} forward at x = ${xs[i]}: got ${got[i]}, expected ${want} (${u.toFixed(2)} ulp > ${ulpsAt(c, xs[i])}, atol ${c.atol ?? 0})`);
    }
  }
  if (MEASURE) console.log(`${c.name} forward: worst ${worst.toFixed(2)} ulp`);
}

/**
 * Backward (dy = 1): the derivative goes through a few more rounded operations than the forward,
 * and formulas like y (1 - y) or 1 - y^2 cancel where the derivative is tiny: within 8 ulps plus
 * the forward's, or an absolute 2e-7 (the rounding of the y they are computed from).
 */
function expectDerivative(c: UnaryCase, xs: Float32Array, got: ArrayLike<number>): void {
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const want = c.df(xs[i]);
    if (Number.isNaN(want) && Number.isNaN(got[i])) continue;
    if (Number.isNaN(want) || Number.isNaN(got[i])) throw new Error(`${c.name} backward at x = ${xs[i]}: got ${got[i]}, expected ${want}`);
    const u = ulpError(got[i], want);
    if (Number.isFinite(u) && !(Math.abs(got[i] - want) <= 2e-7)) worst = Math.max(worst, u);
    if (u <= 8 + ulpsAt(c, xs[i]) || Math.abs(got[i] - want) <= 2e-7) continue;
    throw new Error(`${c.name} backward at x = ${xs[i]}: got ${got[i]}, expected ${want} (${u.toFixed(2)} ulp)`);
  }
  if (MEASURE) console.log(`${c.name} backward: worst ${worst.toFixed(2)} ulp`);
}

describe.each(builds())('unary ops on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test.each(CASES)('$name forward matches float64 over a wide range and edge values', (c) => {
    const xs = sweep();
    expectNoLeak(() => {
      const got = wg.tidy(() => c.op(wg.tensor(xs)).dataSync());
      expectAccurate(c, xs, got);
    });
  });

  test.each(CASES)('$name backward on edge values matches the float64 derivative', (c) => {
    const xs = sweep();
    const got = wg.tidy(() => wg.grads(c.op)([wg.tensor(xs)], wg.ones([xs.length]))[0].dataSync());
    expectDerivative(c, xs, got);
  });

  test.each(CASES)('$name backward matches finite differences (sizes 1, 3, 17, 129)', (c) => {
    let seed = 1;
    for (const n of [1, 3, 17, 129]) {
      let xs = randomArray(n, seed++, c.lo ?? -3, c.hi ?? 3);
      // keep away from kinks (0 for relu family, the clip bounds, hardSigmoid's +-2.5)
      const nearKink = (v: number) => Math.abs(v + 0.5) < 0.01 || Math.abs(v - 0.75) < 0.01 || Math.abs(Math.abs(v) - 2.5) < 0.01;
      xs = xs.map((v) => (Math.abs(v) < 0.01 ? v + 0.05 : nearKink(v) ? v + 0.05 : v));
      gradCheck(c.op, [{ values: xs, shape: [n] }], {
        ref: refUnary(c.f), name: `${c.name} n=${n}`, seed, fwdAtol: c.atol ?? 1e-6, fwdRtol: 1.2e-7 * Math.max(1, ulpsAt(c, 4)), rtol: 2e-3,
      });
    }
  });

  test('vector lanes and scalar tails give the same bits (every offset, past one 4096-element chunk)', () => {
    const base = sweep().subarray(0, 64);
    // xs and xs shifted by one: each value is computed in another lane, and near the end in the scalar tail
    const xs = Float32Array.from({ length: 4103 }, (_, i) => base[(i * 7) % base.length]);
    for (const c of CASES) {
      const [a, b] = wg.tidy(() => [c.op(wg.tensor(xs)).dataSync(), c.op(wg.tensor(xs.subarray(1))).dataSync()]);
      for (let i = 0; i < b.length; i++) {
        if (!Object.is(a[i + 1], b[i]) && !(Number.isNaN(a[i + 1]) && Number.isNaN(b[i]))) {
          throw new Error(`${c.name}: x = ${xs[i + 1]} gives ${a[i + 1]} at ${i + 1} and ${b[i]} at ${i}`);
        }
      }
    }
  });

  test('log of blocks of positive normal numbers (its fast path) gives the bits of the general path', () => {
    const r = rng(11);
    const xs = Float32Array.from({ length: 4096 + 35 }, () => 2 ** (250 * r() - 125) * (1 + r()));
    // one special value (NaN, 0, -1, a subnormal, Inf) in every other block of 16 sends it down the general path
    const mixed = xs.slice();
    const specials = [NaN, 0, -1, 1e-40, Infinity, -0];
    for (let i = 5, k = 0; i < mixed.length; i += 32, k++) mixed[i] = specials[k % specials.length];
    const [a, b] = wg.tidy(() => [wg.log(wg.tensor(xs)).dataSync(), wg.log(wg.tensor(mixed)).dataSync()]);
    expectAccurate(CASES.find((c) => c.name === 'log')!, xs, a);
    expectAccurate(CASES.find((c) => c.name === 'log')!, mixed, b);
    for (let i = 0; i < xs.length; i++) {
      if (mixed[i] === xs[i] && !Object.is(a[i], b[i])) throw new Error(`log(${xs[i]}): ${a[i]} in a normal block, ${b[i]} in a mixed one`);
    }
  });

  test('size 0 and rank 0', () => {
    expectNoLeak(() => {
      for (const c of CASES) {
        wg.tidy(() => {
          const e = c.op(wg.zeros([0, 3]));
          expect(e.shape).toEqual([0, 3]);
          const s = c.op(wg.scalar(0.25));
          expect(s.shape).toEqual([]);
          expect(ulpError(s.dataSync()[0], c.f(0.25))).toBeLessThanOrEqual(Math.max(ulpsAt(c, 0.25), 1));
          const [g] = wg.grads(c.op)([wg.zeros([0])], wg.zeros([0]));
          expect(g.shape).toEqual([0]);
        });
      }
    });
  });

  test('elu and selu gradients keep their relative accuracy far below zero (as exp(x), not y + alpha)', () => {
    const xs = [-5, -16, -17, -20, -40];
    for (const [name, f, g] of [
      ['elu', (t: wg.Tensor) => wg.elu(t, 1.5), (v: number) => 1.5 * Math.exp(v)],
      ['selu', wg.selu, (v: number) => SELU_SCALE * SELU_ALPHA * Math.exp(v)],
    ] as const) {
      const got = wg.tidy(() => wg.grad((t: wg.Tensor) => wg.sum(f(t)))(wg.tensor(xs)).dataSync());
      expectClose(got, xs.map(g), 0, 1e-6, `${name}'`);
    }
  });

  test('gelu keeps its relative accuracy below zero (the normal tail, not 1 + erf) and its far tails', () => {
    const xs: number[] = [];
    for (let x = -1e-3; x > -7; x *= 1.01) xs.push(Math.fround(x));
    const got = wg.tidy(() => wg.gelu(wg.tensor(xs)).dataSync());
    // the measured worst (every 64th float) is 3.5e-7, 1.6e-6, 1.2e-5, 3.4e-5 relative, then below 5e-9 absolute
    const bound = (x: number) => (x > -1 ? 5e-7 : x > -2 ? 3e-6 : x > -3 ? 2e-5 : x > -4 ? 6e-5 : Infinity);
    xs.forEach((x, i) => {
      const want = x * normalCdf(x), err = Math.abs(got[i] - want);
      if (err > bound(x) * Math.abs(want) && !(x <= -4 && err <= 1e-8)) {
        throw new Error(`gelu(${x}) = ${got[i]}, expected ${want} (relative error ${(err / Math.abs(want)).toExponential(2)})`);
      }
    });
    // past the tail's clamp: gelu within 1e-11 of x Phi(x), and its derivative of Phi(x) + x phi(x)
    const far = [-8, -15, -100, -1e30, 8, 15, 100, 1e30].map(Math.fround);
    const [y, dy] = wg.tidy(() => {
      const x = wg.tensor(far);
      return [wg.gelu(x).dataSync(), wg.grad((t: wg.Tensor) => wg.sum(wg.gelu(t)))(x).dataSync()];
    });
    far.forEach((x, i) => {
      expect(Math.abs(y[i] - Math.fround(x * normalCdf(x)))).toBeLessThanOrEqual(1e-11);
      expect(Math.abs(dy[i] - (normalCdf(x) + x * pdf(x)))).toBeLessThanOrEqual(1e-11);
    });
  });

  test('leakyRelu and elu parameters', () => {
    const x = wg.tensor([-2, -0.5, 0, 3]);
    expect(Array.from(wg.leakyRelu(x).dataSync())).toEqual([-2 * 0.2, -0.5 * 0.2, 0, 3].map(Math.fround));
    expect(Array.from(wg.leakyRelu(x, 0.01).dataSync())).toEqual([-0.02, -0.005, 0, 3].map(Math.fround));
    const e = wg.elu(x, 2).dataSync();
    expect(e[0]).toBeCloseTo(2 * Math.expm1(-2), 6);
    gradCheck((t) => wg.elu(t, 2), [[-2, -0.5, 0.3, 3]], { ref: refUnary((v) => (v > 0 ? v : 2 * Math.expm1(v))) });
    gradCheck((t) => wg.leakyRelu(t, 0.01), [[-2, -0.5, 0.3, 3]], { ref: refUnary((v) => (v < 0 ? 0.01 * v : v)) });
    x.dispose();
  });
});

// The relaxed build fuses the multiply-adds of its math functions (rounded once, where the CPU has
// fused multiply-add): its bits differ from the other builds' by design, and its accuracy is checked
// on its own above.
const UNFUSED_BUILDS = ALL_BUILDS.filter((b) => b !== 'relaxed');

describe('unary ops give the same bits on every build without fused multiply-add', () => {
  test('forward and backward (scalar, simd, simd-threads)', async () => {
    const xs = sweep();
    const results: Record<string, Uint32Array[]> = {};
    for (const build of UNFUSED_BUILDS) {
      await useBuild(build, 1);
      results[build] = CASES.flatMap((c) => wg.tidy(() => {
        const x = wg.tensor(xs);
        const [g] = wg.grads(c.op)([x], wg.fill([xs.length], 0.75));
        return [c.op(x).dataSync(), g.dataSync()].map((v) => new Uint32Array(v.buffer));
      }));
    }
    const ref = results[UNFUSED_BUILDS[0]];
    for (const build of UNFUSED_BUILDS.slice(1)) {
      results[build].forEach((bits, k) => {
        const c = CASES[k >> 1];
        for (let i = 0; i < bits.length; i++) {
          const a = new Float32Array(ref[k].buffer)[i], b = new Float32Array(bits.buffer)[i];
          if (bits[i] !== ref[k][i] && !(Number.isNaN(a) && Number.isNaN(b))) {
            throw new Error(`${c.name} ${k & 1 ? 'backward' : 'forward'} at x = ${xs[i]}: ${build} gives ${b}, ${UNFUSED_BUILDS[0]} ${a}`);
          }
        }
      });
    }
  });
});

describe.each(THREADED_BUILDS)('unary ops across thread counts on the %s build', (build) => {
  test('bitwise identical for 1, 2 and 4 threads above the parallel threshold', async () => {
    const n = (1 << 16) + 4099;
    const xs = randomArray(n, 3, -10, 10);
    for (const c of CASES.filter((k) => ['exp', 'gelu', 'tanh', 'sigmoid', 'log1p', 'softplus', 'relu'].includes(k.name))) {
      await expectSameBitsAcrossThreads(build, () => wg.tidy(() => {
        const x = wg.tensor(xs);
        const [g] = wg.grads(c.op)([x], wg.fill([n], 0.5));
        return [c.op(x).dataSync(), g.dataSync()];
      }), c.name);
    }
  });
});

describe('unary ops reject bad input', () => {
  beforeAll(() => useBuild('simd', 1));
  test('with WasmgradError naming the op', () => {
    expectNoLeak(() => {
      const i = wg.tensor([1, 2], [2], 'int32');
      for (const c of CASES) expect(() => c.op(undefined as unknown as wg.Tensor)).toThrow(/must be a Tensor/);
      // int32 as TF.js: refused where TF.js refuses it (tests/tfjs-int32-against-tfjs.test.ts has the rest)
      for (const op of [wg.sqrt, wg.log, wg.sigmoid, wg.tanh, wg.elu]) {
        expect(() => op(i)).toThrow(wg.WasmgradError);
        expect(() => op(i)).toThrow(/must be float32, got int32 \[2\]/);
      }
      const x = wg.ones([2]);
      expect(() => wg.pow(x, NaN)).toThrow(/pow: exponent must be a number/);
      expect(() => wg.clipByValue(x, 1, 0)).toThrow(/clipByValue: lo 1 is greater than hi 0/);
      x.dispose();
      expect(() => wg.exp(x)).toThrow(/^exp: tensor \[2\] .*disposed/);
      i.dispose();
    });
  });
});
