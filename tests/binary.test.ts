// Broadcasting binary ops (src/ops/binary.ts): forward against float64 (bit-exact, as one IEEE
// operation rounded to float32 is), backward against finite differences, every build, thread counts.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, THREADED_BUILDS, expectNoLeak } from './helpers';
import { gradCheck, refBinary, broadcastShape, broadcastIndex, sizeOf, expectSameBitsAcrossThreads } from './gradcheck';

afterAll(() => wg.shutdown());

type Bin = (a: wg.Tensor, b: wg.Tensor) => wg.Tensor;
const f32 = Math.fround;
// float64 math rounded once to float32: exactly what one float32 IEEE operation gives
const OPS: { name: string; op: Bin; ref: (a: number, b: number) => number; grad: boolean; gradRef?: (a: number, b: number) => number }[] = [
  { name: 'add', op: wg.add, ref: (a, b) => a + b, grad: true },
  { name: 'sub', op: wg.sub, ref: (a, b) => a - b, grad: true },
  { name: 'mul', op: wg.mul, ref: (a, b) => a * b, grad: true },
  { name: 'div', op: wg.div, ref: (a, b) => a / b, grad: true },
  { name: 'maximum', op: wg.maximum, ref: (a, b) => Math.max(a, b), grad: true },
  { name: 'minimum', op: wg.minimum, ref: (a, b) => Math.min(a, b), grad: true },
  { name: 'squaredDifference', op: wg.squaredDifference, ref: (a, b) => f32(a - b) ** 2, grad: true, gradRef: (a, b) => (a - b) ** 2 },
  { name: 'equal', op: wg.equal, ref: (a, b) => (a === b ? 1 : 0), grad: false },
];

// [a, b]: trailing-dimension broadcasts, size-1 expansions both ways, rank 0, size 0, SIMD tails, rank 5
const SHAPES: [number[], number[]][] = [
  [[5, 7], [7]], [[4, 1], [1, 6]], [[2, 3, 1, 4], [3, 6, 1]], [[], []], [[], [3]], [[17], []], [[1], [129]],
  [[3], [3]], [[1], [1]], [[129], [129]], [[17, 3], [17, 1]], [[0, 3], [3]], [[2, 0], [2, 1]], [[0], []],
  [[6, 1, 5, 1, 3], [2, 1, 4, 1]], [[3, 1, 17], [3, 5, 1]],
];

function inputs(sa: number[], sb: number[], seed: number, name: string): [Float32Array, Float32Array] {
  const a = randomArray(sizeOf(sa), seed);
  let b = randomArray(sizeOf(sb), seed + 1);
  // keep divisors away from 0: |b| in [0.5, 1.5]
  if (name === 'div') b = b.map((v) => (v < 0 ? v - 0.5 : v + 0.5));
  return [a, b];
}

function refOut(ref: (a: number, b: number) => number, a: ArrayLike<number>, sa: number[], b: ArrayLike<number>, sb: number[]): Float32Array {
  const shape = broadcastShape(sa, sb);
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = ref(a[broadcastIndex(i, shape, sa)], b[broadcastIndex(i, shape, sb)]);
  return out;
}

function expectBits(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) && Number.isNaN(got[i])) continue;
    if (!Object.is(got[i], want[i])) throw new Error(`${what} index ${i}: got ${got[i]}, expected ${want[i]}`);
  }
}

describe.each(builds())('binary ops on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test.each(OPS)('$name forward is bit-exact for every broadcast shape', ({ name, op, ref }) => {
    let seed = 10;
    for (const [sa, sb] of SHAPES) {
      for (const [x, y] of [[sa, sb], [sb, sa]]) {
        expectNoLeak(() => {
          const [av, bv] = inputs(x, y, seed++, name);
          const got = wg.tidy(() => {
            const out = op(wg.tensor(av, x), wg.tensor(bv, y));
            expect(out.shape, `${name} [${x}] [${y}]`).toEqual(broadcastShape(x, y));
            expect(out.dtype).toBe(name === 'equal' ? 'bool' : 'float32');
            return out.dataSync() as Float32Array;
          });
          expectBits(got, refOut(ref, av, x, bv, y), `${name} [${x}] op [${y}]`);
        });
      }
    }
  });

  test.each(OPS)('$name on edge values (0, -0, ±Inf, NaN, huge, tiny)', ({ name, op, ref }) => {
    const edge = [0, -0, 1, -1, Infinity, -Infinity, NaN, 3e38, -3e38, 1e-38, 1e-45, 0.1, 7];
    const n = edge.length;
    // every pair: a [n, 1] against b [n]
    const a = Float32Array.from(edge), b = Float32Array.from(edge);
    const got = wg.tidy(() => op(wg.tensor(a, [n, 1]), wg.tensor(b, [n])).dataSync() as Float32Array);
    expectBits(got, refOut(ref, a, [n, 1], b, [n]), `${name} edge`);
  });

  test.each(OPS.filter((o) => o.grad))('$name backward matches finite differences for every broadcast shape', ({ name, op, ref, gradRef }) => {
    let seed = 100;
    for (const [sa, sb] of SHAPES) {
      for (const [x, y] of [[sa, sb], [sb, sa]]) {
        const [av, bv] = inputs(x, y, seed++, name);
        gradCheck(op, [{ values: av, shape: x }, { values: bv, shape: y }], { ref: refBinary(gradRef ?? ref), name: `${name} [${x}] [${y}]`, seed });
      }
    }
  });

  test('numbers are accepted as operands (scalars) and freed', () => {
    expectNoLeak(() => {
      const x = wg.tensor([1, 2, 3]);
      const outs = [wg.add(x, 1), wg.sub(2, x), wg.mul(x, 0.5), wg.div(1, x), wg.maximum(x, 2), wg.minimum(2, x)];
      expect(outs.map((o) => Array.from(o.dataSync()))).toEqual([[2, 3, 4], [1, 0, -1], [0.5, 1, 1.5], [1, 0.5, f32(1 / 3)], [2, 2, 3], [1, 2, 2]]);
      const [g] = wg.grads((t: wg.Tensor) => wg.sum(wg.add(wg.mul(t, 3), 1)))([x]);
      expect(Array.from(g.dataSync())).toEqual([3, 3, 3]);
      for (const t of [x, g, ...outs]) t.dispose();
    });
  });

  test('maximum and minimum send the gradient of ties to a (as TensorFlow)', () => {
    expectNoLeak(() => {
      const a = wg.tensor([1, 2, 3, 4]), b = wg.tensor([1, 5, 3, 0]);
      for (const op of [wg.maximum, wg.minimum]) {
        const [ga, gb] = wg.grads((p: wg.Tensor, q: wg.Tensor) => wg.sum(op(p, q)))([a, b]);
        const isMax = op === wg.maximum;
        expect(Array.from(ga.dataSync())).toEqual(isMax ? [1, 0, 1, 1] : [1, 1, 1, 0]);
        expect(Array.from(gb.dataSync())).toEqual(isMax ? [0, 1, 0, 0] : [0, 0, 0, 1]);
        ga.dispose();
        gb.dispose();
      }
      // the same tensor on both sides: all of it goes through a
      const [g] = wg.grads((p: wg.Tensor) => wg.sum(wg.maximum(p, p)))([a]);
      expect(Array.from(g.dataSync())).toEqual([1, 1, 1, 1]);
      for (const t of [a, b, g]) t.dispose();
    });
  });

  test('broadcastTo copies and sums the gradient back', () => {
    gradCheck((x) => wg.broadcastTo(x, [4, 3, 5]), [{ values: randomArray(5, 3), shape: [1, 5] }], {
      ref: (x) => ({ data: Float64Array.from({ length: 60 }, (_, i) => x.data[i % 5]), shape: [4, 3, 5] }),
      name: 'broadcastTo',
    });
    const x = wg.ones([2, 3]);
    expect(() => wg.broadcastTo(x, [3])).toThrow(wg.WasmgradError);
    expect(() => wg.broadcastTo(x, [3, 3])).toThrow(/broadcastTo.*\[2,3\].*\[3,3\]/);
    x.dispose();
  });
});

describe.each(THREADED_BUILDS)('binary ops across thread counts on the %s build', (build) => {
  test('forward and backward are bitwise identical for 1, 2 and 4 threads above the parallel threshold', async () => {
    // [300, 257] x [257] has 77k elements (threshold 65536); [1 << 17] is one contiguous row
    const cases: [number[], number[]][] = [[[300, 257], [257]], [[1 << 17], [1 << 17]], [[300, 1, 260], [1, 3, 260]], [[70000], []]];
    for (const [sa, sb] of cases) {
      const av = randomArray(sizeOf(sa), 5), bv = randomArray(sizeOf(sb), 6).map((v) => v + 2);
      for (const { name, op } of OPS) {
        await expectSameBitsAcrossThreads(build, () => wg.tidy(() => {
          const a = wg.tensor(av, sa), b = wg.tensor(bv, sb);
          const out = [op(a, b).dataSync()];
          if (name !== 'equal') {
            const [ga, gb] = wg.grads((p: wg.Tensor, q: wg.Tensor) => op(p, q))([a, b], wg.fill(broadcastShape(sa, sb), 0.5));
            out.push(ga.dataSync(), gb.dataSync());
          }
          return out;
        }), `${name} [${sa}] [${sb}]`);
      }
    }
  });
});

describe('binary ops reject bad input', () => {
  beforeAll(() => useBuild('simd', 1));

  test('with WasmgradError naming the op and the shapes', () => {
    expectNoLeak(() => {
      const a = wg.ones([2, 3]), b = wg.ones([4]), i = wg.tensor([1, 2], [2], 'int32'), j = wg.tensor([1, 2, 3], [3], 'int32');
      for (const [name, op] of [['add', wg.add], ['sub', wg.sub], ['mul', wg.mul], ['div', wg.div], ['maximum', wg.maximum], ['minimum', wg.minimum]] as [string, Bin][]) {
        expect(() => op(a, b)).toThrow(wg.WasmgradError);
        expect(() => op(a, b)).toThrow(new RegExp(`^${name}: shapes \\[2,3\\] and \\[4\\] do not broadcast`));
        // int32 meets int32 in JavaScript (values-js.ts): its shapes are checked the same way
        expect(() => op(i, j)).toThrow(new RegExp(`^${name}: shapes \\[2\\] and \\[3\\] do not broadcast`));
        expect(() => op(null as unknown as wg.Tensor, a)).toThrow(new RegExp(`^${name}: a must be a Tensor`));
        const d = wg.ones([3]);
        d.dispose();
        expect(() => op(a, d)).toThrow(new RegExp(`^${name}: tensor \\[3\\] .*disposed`));
      }
      expect(() => wg.tidy(() => wg.add(wg.zeros([0]), wg.ones([5])))).toThrow(/add: shapes \[0\] and \[5\]/);
      for (const t of [a, b, i, j]) t.dispose();
    });
  });
});
