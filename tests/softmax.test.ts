// softmax and logSoftmax (src/ops/softmax.ts on assembly/softmax.ts): forward against float64 along
// every axis, numerical stability on large and infinite logits, backward against finite differences.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, THREADED_BUILDS, expectNoLeak, expectClose } from './helpers';
import { gradCheck, sizeOf, stridesOf, expectSameBitsAcrossThreads, type RefTensor } from './gradcheck';

afterAll(() => wg.shutdown());

/** float64 softmax or log-softmax of x along axis. */
function refSoftmax(x: RefTensor, axis: number, log: boolean): RefTensor {
  const shape = x.shape;
  if (shape.length === 0) return { data: Float64Array.of(log ? 0 : 1), shape };
  const a = axis < 0 ? axis + shape.length : axis;
  const st = stridesOf(shape);
  const n = shape[a];
  const out = new Float64Array(x.data.length);
  for (let base = 0; base < x.data.length; base++) {
    if (Math.floor(base / st[a]) % n !== 0) continue; // first element of each line along the axis
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, x.data[base + j * st[a]]);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x.data[base + j * st[a]] - m);
    for (let j = 0; j < n; j++) {
      const v = x.data[base + j * st[a]] - m;
      out[base + j * st[a]] = log ? v - Math.log(s) : Math.exp(v) / s;
    }
  }
  return { data: out, shape };
}

const OPS = [
  { name: 'softmax', op: wg.softmax, log: false },
  { name: 'logSoftmax', op: wg.logSoftmax, log: true },
];

describe.each(builds())('softmax on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test.each(OPS)('$name forward matches float64 along every axis', ({ name, op, log }) => {
    let seed = 1;
    for (const shape of [[1], [3], [17], [129], [4, 5], [2, 3, 7], [3, 1, 4, 2], [5, 1], [2, 0, 3]]) { // a scalar has no axis: refused (validate.test.ts)
      const xv = randomArray(sizeOf(shape), seed++, -8, 8);
      for (let axis = -shape.length; axis < Math.max(1, shape.length); axis++) {
        expectNoLeak(() => wg.tidy(() => {
          const y = op(wg.tensor(xv, shape), axis);
          const want = refSoftmax({ data: Float64Array.from(xv), shape }, axis, log);
          expect(y.shape).toEqual(shape);
          expectClose(y.dataSync(), want.data, log ? 4e-6 : 3e-7, 2e-6, `${name} [${shape}] axis ${axis}`);
        }));
      }
    }
  });

  test.each(OPS)('$name is stable for large, tiny and infinite logits', ({ name, op, log }) => {
    const rows = [
      [1000, 1000, 999], [-1000, -1000, -999], [88, 89, 90, 1e30], [3e38, -3e38, 0], [0, -Infinity, 1], [-Infinity, -Infinity, 5],
      [1e-30, 0, -1e-30], [50, -50, 0, 0, 0, 0, 0, 0, 0],
    ];
    for (const row of rows) {
      expectNoLeak(() => wg.tidy(() => {
        const got = op(wg.tensor(row)).dataSync();
        const want = refSoftmax({ data: Float64Array.from(row, Math.fround), shape: [row.length] }, -1, log);
        // rounded to float32 first: log-softmax of -3e38 next to 3e38 is -Inf in float32
        const w = want.data.map(Math.fround);
        expectClose(got.map((v, i) => (v === w[i] ? 0 : v)), w.map((v, i) => (v === got[i] ? 0 : v)), log ? 2e-6 : 1e-7, 2e-6, `${name} [${row}]`);
        if (!log) expect(got.every((v) => v >= 0 && v <= 1)).toBe(true);
      }));
    }
    // a row of -Inf has no softmax: NaN, as TensorFlow; NaN propagates through its row only
    wg.tidy(() => {
      const got = op(wg.tensor([[-Infinity, -Infinity], [1, NaN], [0, 0]])).dataSync();
      expect(Array.from(got.subarray(0, 4)).every(Number.isNaN)).toBe(true);
      expectClose(got.subarray(4), log ? [-Math.LN2, -Math.LN2] : [0.5, 0.5], 1e-7, 1e-7, `${name} after NaN rows`);
    });
  });

  test.each(OPS)('$name backward matches finite differences along every axis', ({ name, op, log }) => {
    let seed = 40;
    for (const shape of [[1], [3], [17], [4, 5], [2, 3, 7], [3, 1, 4, 2]]) {
      for (let axis = -shape.length; axis < Math.max(1, shape.length); axis++) {
        gradCheck((x) => op(x, axis), [{ values: randomArray(sizeOf(shape), seed++, -3, 3), shape }], {
          ref: (x) => refSoftmax(x, axis, log), name: `${name} [${shape}] axis ${axis}`, maxPoints: 24, atol: 2e-5,
        });
      }
    }
  });

  test('rows sum to 1 and logSoftmax = log(softmax)', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor(randomArray(17 * 129, 5, -20, 20), [17, 129]);
      expectClose(wg.sum(wg.softmax(x), -1).dataSync(), new Array(17).fill(1), 1e-6, 0, 'row sums');
      expectClose(wg.exp(wg.logSoftmax(x)).dataSync(), wg.softmax(x).dataSync(), 1e-7, 1e-5, 'exp(logSoftmax)');
    }));
  });
});

describe.each(THREADED_BUILDS)('softmax across thread counts on the %s build', (build) => {
  test('bitwise identical for 1, 2 and 4 threads above the parallel threshold', async () => {
    const xv = randomArray(200 * 129, 2, -10, 10);
    for (const { name, op } of OPS) {
      for (const axis of [-1, 0]) {
        await expectSameBitsAcrossThreads(build, () => wg.tidy(() => {
          const x = wg.tensor(xv, [200, 129]);
          const [g] = wg.grads((t: wg.Tensor) => op(t, axis))([x], wg.tensor(randomArray(200 * 129, 3), [200, 129]));
          return [op(x, axis).dataSync(), g.dataSync()];
        }), `${name} axis ${axis}`);
      }
    }
  });
});

describe('softmax rejects bad input', () => {
  beforeAll(() => useBuild('simd', 1));
  test('with WasmgradError naming the op', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.ones([2, 3]);
      for (const { name, op } of OPS) {
        expect(() => op(x, 2)).toThrow(new RegExp(`^${name}: axis 2 is out of range for \\[2,3\\]`));
        expect(() => op(wg.tensor([1], [1], 'int32'))).toThrow(new RegExp(`^${name}: x must be float32`));
        expect(() => op(x, 1.5)).toThrow(wg.WasmgradError);
      }
    }));
  });
});
