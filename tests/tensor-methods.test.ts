// Chained tensor methods (TF.js style) are the ops of the same name, and the new ops behave as
// TensorFlow.js's do (checked against @tensorflow/tfjs 4.22 on the cpu backend).
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad';
import { readFileSync } from 'node:fs';
import { expectClose, randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wg.init({ backend: 'simd', threads: 1 });
});

const x = () => wg.tensor(randomArray(12, 1, -3, 3), [3, 4]);
const tx = () => tf.tensor(randomArray(12, 1, -3, 3), [3, 4]);

describe('chained methods', () => {
  it('chain like TF.js: x.sub(m).div(s).relu().sum(-1)', () => {
    const a = x();
    const got = a.sub(a.mean(0)).div(2).relu().sum(-1);
    const ta = tx();
    const want = ta.sub(ta.mean(0)).div(2).relu().sum(-1);
    expectClose(got.dataSync(), want.dataSync() as Float32Array);
    expect(a.flatten().shape).toEqual([12]);
    expect(a.as2D(2, 6).shape).toEqual([2, 6]);
    expect(a.expandDims(0).shape).toEqual([1, 3, 4]);
    expect(a.toInt().dtype).toBe('int32');
    const b = a.bufferSync();
    b.set(100, 2, 3);
    expect(b.toTensor().arraySync()).toEqual(b.toArray());
    expect(() => b.set(1, 3, 0)).toThrow(wg.WasmgradError);
  });

  it('each method made from an op calls that op, with the parameters of that op', () => {
    const source = readFileSync(new URL('../src/tensor-methods.ts', import.meta.url), 'utf8');
    const forwarded = [...source.matchAll(/^  (\w+)\(this: Tensor, \.\.\.rest: Rest<'(\w+)'>\) \{\n    return ops\.(\w+)\(this, \.\.\.rest\);\n  \}$/gm)];
    expect(forwarded.length).toBeGreaterThan(100);
    for (const [, method, params, op] of forwarded) {
      expect([params, op], method).toEqual([method, method]);
      expect(typeof (wg as unknown as Record<string, unknown>)[method], method).toBe('function');
      expect(typeof (x() as unknown as Record<string, unknown>)[method], method).toBe('function');
    }
    // every method of the class is either such a forwarder or one of the few written out
    const methods = [...source.matchAll(/^  (?:async )?(\w+)\(this: Tensor/gm)].map((m) => m[1]);
    expect(new Set(methods).size).toBe(methods.length);
    expect(methods.length - forwarded.length).toBeLessThan(30);
  });

  it('gradients flow through methods', () => {
    const g = wg.grad((v: wg.Tensor) => v.square().mul(3).sum())(x());
    expectClose(g.dataSync(), Array.from(randomArray(12, 1, -3, 3), (v) => 6 * v), 1e-5, 1e-5);
  });
});

describe('new ops match TF.js', () => {
  const cases: [string, () => wg.Tensor, () => tf.Tensor][] = [
    ['tile', () => x().tile([2, 3]), () => tx().tile([2, 3])],
    ['pad', () => x().pad([[1, 0], [2, 1]], 5), () => tx().pad([[1, 0], [2, 1]], 5)],
    ['reverse', () => x().reverse(1), () => tx().reverse(1)],
    ['cumsum', () => x().cumsum(1), () => tx().cumsum(1)],
    ['cumsum exclusive reverse', () => x().cumsum(0, true, true), () => tx().cumsum(0, true, true)],
    ['floor', () => x().floor(), () => tx().floor()],
    ['round', () => wg.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]).round(), () => tf.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4]).round()],
    ['sign', () => x().sign(), () => tx().sign()],
    ['mod', () => x().mod(1.3), () => tx().mod(1.3)],
    ['greater', () => x().greater(0).cast('float32'), () => tx().greater(0).cast('float32')],
    ['lessEqual', () => x().lessEqual(x().mean()).cast('float32'), () => tx().lessEqual(tx().mean()).cast('float32')],
    ['where', () => wg.where(x().greater(0), x(), x().neg()), () => tf.where(tx().greater(0), tx(), tx().neg())],
    ['norm', () => x().norm(), () => tx().norm()],
    ['norm 1 axis', () => x().norm(1, 1), () => tx().norm(1, 1)],
    ['l2Normalize', () => wg.l2Normalize(x(), 1), () => tx().div(tx().square().sum(1, true).maximum(1e-12).sqrt())],
    ['prod', () => x().prod(1), () => tx().prod(1)],
    ['logSumExp', () => x().logSumExp(1), () => tx().logSumExp(1)],
    ['sin', () => x().sin(), () => tx().sin()],
    ['atan2', () => wg.atan2(x(), x().reverse(0)), () => tf.atan2(tx(), tx().reverse(0))],
    ['range', () => wg.range(2, 9, 2), () => tf.range(2, 9, 2)],
    ['linspace', () => wg.linspace(-1, 1, 5), () => tf.linspace(-1, 1, 5)],
    ['eye', () => wg.eye(3, 4), () => tf.eye(3, 4)],
    ['topk values', () => x().topk(2).values, () => tx().topk(2).values],
    ['topk indices', () => x().topk(2).indices, () => tx().topk(2).indices],
  ];
  for (const [name, mine, theirs] of cases) {
    it(name, () => {
      const a = mine(), b = theirs();
      expect(a.shape).toEqual(b.shape);
      expectClose(a.dataSync(), b.dataSync() as Float32Array, 1e-5, 1e-5, name);
    });
  }

  it('split and unstack', () => {
    const parts = x().split([1, -1], 1);
    expect(parts.map((p) => p.shape)).toEqual([[3, 1], [3, 3]]);
    expect(x().unstack(1).map((p) => p.shape)).toEqual([[3], [3], [3], [3]]);
    expect(() => x().split(3, 1)).toThrow(/evenly/);
  });

  it('gradients of the composed ops by central differences', () => {
    const f = (v: wg.Tensor) => v.tile([1, 2]).pad([[0, 1], [1, 0]]).reverse(0).cumsum(1).mul(wg.tensor(randomArray(4 * 9, 3), [4, 9])).sum();
    const v = x();
    const g = wg.grad(f)(v).dataSync();
    const base = v.dataSync();
    const h = 1e-2;
    for (let i = 0; i < base.length; i++) {
      const p = base.slice(), m = base.slice();
      p[i] += h;
      m[i] -= h;
      const fd = (f(wg.tensor(p, [3, 4])).dataSync()[0] - f(wg.tensor(m, [3, 4])).dataSync()[0]) / (2 * h);
      expect(g[i]).toBeCloseTo(fd, 2);
    }
  });
});
