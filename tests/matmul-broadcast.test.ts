// matMul of other ranks than two rank-2 or two rank-3 tensors: the leading (batch) dimensions
// broadcast as NumPy, Keras and TF Python do (each operand at least rank 2), against a plain float64
// reference with gradients by central differences, on every build; and the cases TF.js 4.22
// broadcasts the same way (one operand without batch dimensions, or one leading dimension) against
// it. TF.js pairs batches of several broadcast dimensions by flat index modulo the batch size
// ([2,1,3,4] x [1,3,4,2] gives other blocks), which these tests do not follow.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, expectClose } from './helpers';
import { gradCheck, broadcastShape, broadcastIndex, type RefTensor } from './gradcheck';

const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** NumPy's matmul in float64: out[..., i, j] = sum_k op(a)[..., i, k] op(b)[..., k, j], batches broadcast. */
function refMatMul(transA: boolean, transB: boolean) {
  return (a: RefTensor, b: RefTensor): RefTensor => {
    const [ra, ca] = a.shape.slice(-2), [rb, cb] = b.shape.slice(-2);
    const [m, k] = transA ? [ca, ra] : [ra, ca];
    const n = transB ? rb : cb;
    const outer = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const data = new Float64Array(size(outer) * m * n);
    for (let o = 0; o < size(outer); o++) {
      const oa = broadcastIndex(o, outer, a.shape.slice(0, -2)) * ra * ca;
      const ob = broadcastIndex(o, outer, b.shape.slice(0, -2)) * rb * cb;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a.data[oa + (transA ? p * ca + i : i * ca + p)] * b.data[ob + (transB ? j * cb + p : p * cb + j)];
          data[(o * m + i) * n + j] = s;
        }
      }
    }
    return { data, shape: [...outer, m, n] };
  };
}

const CASES: [number[], number[], boolean, boolean][] = [
  [[2, 3, 4], [4, 5], false, false],
  [[3, 4], [2, 3, 5], true, false],
  [[2, 1, 3, 4], [1, 3, 4, 2], false, false],
  [[1, 2, 2, 3, 4], [2, 1, 4, 3], true, true],
  [[3, 1, 4, 2], [2, 4, 5], true, false],
  [[17, 1, 3], [2, 1, 3, 5], false, false],
];

for (const build of builds()) {
  describe(`matMul with broadcast batch dimensions on the ${build} build`, () => {
    beforeAll(() => useBuild(build));
    it('as NumPy: values and both gradients', () => {
      CASES.forEach(([sa, sb, ta, tb], c) => {
        gradCheck((a, b) => wg.matMul(a, b, ta, tb), [{ values: randomArray(size(sa), c), shape: sa }, { values: randomArray(size(sb), c + 50), shape: sb }], {
          ref: refMatMul(ta, tb), name: `${sa} x ${sb}${ta ? ' tA' : ''}${tb ? ' tB' : ''}`,
        });
      });
    });
  });
}

describe('matMul broadcasting against TF.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await useBuild('simd');
  });
  it('one operand without batch dimensions, or one leading dimension of 1: the same values and shapes; int32 stays int32', () => {
    for (const [sa, sb, ta, tb] of [[[2, 3, 4], [4, 5], false, false], [[5, 4], [3, 5, 2], true, false], [[2, 2, 3, 4], [1, 5, 4], false, true]] as const) {
      const [a, b] = [randomArray(size(sa), 3), randomArray(size(sb), 4)];
      const want = tf.matMul(tf.tensor(a, [...sa]), tf.tensor(b, [...sb]), ta, tb);
      const got = wg.matMul(wg.tensor(a, [...sa]), wg.tensor(b, [...sb]), ta, tb);
      expect(got.shape).toEqual(want.shape);
      expectClose(got.dataSync(), want.dataSync() as Float32Array, 1e-5, 1e-5, `${sa} x ${sb}`);
    }
    const ints = wg.matMul(wg.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2], 'int32'), wg.tensor([1, 0, 2, 1], [2, 2], 'int32'));
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual(Array.from(tf.matMul(tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2], 'int32'), tf.tensor([1, 0, 2, 1], [2, 2], 'int32')).dataSync()));
  });
  it('refuses a rank-1 operand and batches that do not broadcast, naming the shapes', () => {
    expect(() => wg.matMul(wg.ones([4]), wg.ones([4, 5]))).toThrow(/matMul: expected tensors of rank 2 or more, got \[4\] and \[4,5\]/);
    expect(() => wg.matMul(wg.ones([2, 3, 3, 4]), wg.ones([2, 4, 5]))).toThrow(/^matMul: the batch dimensions \[2,3\] of \[2,3,3,4\] and \[2\] of \[2,4,5\] do not broadcast$/);
  });
});
