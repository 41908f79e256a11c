// Autograd (src/tape.ts, src/gradients.ts, src/variables.ts): grad/grads/valueAndGrads, variables
// and variableGrads, accumulation, unused inputs, tidy and dispose inside the differentiated
// function, tape memory, noGrad, composite networks and matMul against float64 finite differences,
// and the 10,000-step training loop that must not leak.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, THREADED_BUILDS, expectNoLeak, expectClose, refMatMul } from './helpers';
import { gradCheck, expectSameBitsAcrossThreads, type RefTensor } from './gradcheck';

afterAll(() => wg.shutdown());

const vals = (t: wg.Tensor) => Array.from(t.dataSync());

// ---- float64 references for composite checks ------------------------------------------------

/** [m,k] x [k,n] (or batched [b,m,k] x [b|1,k,n]) with optional transposes, in float64. */
function refMM(a: RefTensor, b: RefTensor, ta: boolean, tb: boolean): RefTensor {
  const batched = a.shape.length === 3;
  const [ba, ra, ca] = batched ? a.shape : [1, ...a.shape];
  const [bb, rb, cb] = batched ? b.shape : [1, ...b.shape];
  const m = ta ? ca : ra, k = ta ? ra : ca, n = tb ? rb : cb;
  const B = Math.max(ba, bb);
  const out = new Float64Array(B * m * n);
  for (let i = 0; i < B; i++) {
    const c = refMatMul(a.data.subarray((ba === 1 ? 0 : i) * m * k, (ba === 1 ? 1 : i + 1) * m * k), b.data.subarray((bb === 1 ? 0 : i) * k * n, (bb === 1 ? 1 : i + 1) * k * n), m, n, k, ta, tb);
    out.set(c, i * m * n);
  }
  return { data: out, shape: batched ? [B, m, n] : [m, n] };
}

/** A 2-layer MLP loss, mean((relu(x W1 + b1) W2 + b2 - y)^2), in float64. */
function refMlpLoss(x: RefTensor, w1: RefTensor, b1: RefTensor, w2: RefTensor, b2: RefTensor, y: RefTensor): number[] {
  const [n, d] = x.shape, h = w1.shape[1], o = w2.shape[1];
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const hid = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      let s = b1.data[j];
      for (let p = 0; p < d; p++) s += x.data[i * d + p] * w1.data[p * h + j];
      hid[j] = Math.max(0, s);
    }
    for (let j = 0; j < o; j++) {
      let s = b2.data[j];
      for (let p = 0; p < h; p++) s += hid[p] * w2.data[p * o + j];
      loss += (s - y.data[i * o + j]) ** 2;
    }
  }
  return [loss / (n * o)];
}

const mlpLoss = (x: wg.Tensor, w1: wg.Tensor, b1: wg.Tensor, w2: wg.Tensor, b2: wg.Tensor, y: wg.Tensor) =>
  wg.mean(wg.square(wg.sub(wg.add(wg.matMul(wg.relu(wg.add(wg.matMul(x, w1), b1)), w2), b2), y)));

describe.each(builds())('autograd on the %s build', (build) => {
  beforeAll(() => useBuild(build, 2));

  test('grad, grads, valueAndGrads and valueAndGrad', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([1, 2, 3]);
      const f = (t: wg.Tensor) => wg.sum(wg.mul(t, t)); // sum x^2
      expect(vals(wg.grad(f)(x))).toEqual([2, 4, 6]);
      const [g] = wg.grads(f)([x]);
      expect(vals(g)).toEqual([2, 4, 6]);
      const { value, grads } = wg.valueAndGrads((a: wg.Tensor, b: wg.Tensor) => wg.sum(wg.mul(a, b)))([x, wg.tensor([4, 5, 6])]);
      expect(value.dataSync()[0]).toBe(32);
      expect(grads.map(vals)).toEqual([[4, 5, 6], [1, 2, 3]]);
      const vg = wg.valueAndGrad(f)(x);
      expect([vg.value.dataSync()[0], vals(vg.grad)]).toEqual([14, [2, 4, 6]]);
      // a seed dy for a non-scalar result
      expect(vals(wg.grad((t: wg.Tensor) => wg.mul(t, 3))(x, wg.tensor([1, 0, -1])))).toEqual([3, 0, -3]);
      expect(x.isDisposed).toBe(false);
    }));
  });

  test('a tensor used twice (or more, through broadcasting and branches) accumulates', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([1, -2, 3]);
      // x*x + x: 2x + 1
      expect(vals(wg.grad((t: wg.Tensor) => wg.sum(wg.add(wg.mul(t, t), t)))(x))).toEqual([3, -3, 7]);
      // four uses: x + x + x + x
      expect(vals(wg.grad((t: wg.Tensor) => wg.sum(wg.add(wg.add(t, t), wg.add(t, t))))(x))).toEqual([4, 4, 4]);
      // a [3] bias broadcast against [2,3] twice: 2 rows x 2 uses
      const m = wg.ones([2, 3]);
      expect(vals(wg.grad((b: wg.Tensor) => wg.sum(wg.mul(wg.add(m, b), wg.add(b, m))))(x))).toEqual([8, -4, 16]);
      // a diamond: y = exp(x); z = y * y + sin-free branch y
      const d = wg.grad((t: wg.Tensor) => { const y = wg.exp(t); return wg.sum(wg.add(wg.mul(y, y), y)); })(wg.tensor([0.5]));
      expectClose(d.dataSync(), [2 * Math.exp(1) + Math.exp(0.5)], 1e-5, 1e-6, 'diamond');
      // the same tensor passed twice to grads gets the full gradient twice, as two tensors
      const [g1, g2] = wg.grads((a: wg.Tensor, b: wg.Tensor) => wg.sum(wg.mul(a, b)))([x, x]);
      expect(vals(g1)).toEqual([2, -4, 6]);
      expect(g2).not.toBe(g1);
      expect(vals(g2)).toEqual([2, -4, 6]);
    }));
  });

  test('grads of unused inputs are zeros of their shape; every gradient is a tensor of its own', () => {
    expectNoLeak(() => wg.tidy(() => {
      const a = wg.tensor([1, 2]), b = wg.ones([2, 3]), c = wg.scalar(4);
      const [ga, gb, gc] = wg.grads((p: wg.Tensor, _q: wg.Tensor, r: wg.Tensor) => wg.sum(wg.mul(p, r)))([a, b, c]);
      expect(vals(ga)).toEqual([4, 4]);
      expect(gb.shape).toEqual([2, 3]);
      expect(vals(gb)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(vals(gc)).toEqual([3]);
      // f = sum(a + b): both gradients are the same numbers, but separate tensors, not the caller's dy
      const dy = wg.scalar(1);
      const [g1, g2] = wg.grads((p: wg.Tensor, q: wg.Tensor) => wg.add(wg.sum(p), wg.sum(q)))([a, a], dy);
      expect(new Set([g1, g2, dy, a]).size).toBe(4);
      const seed = wg.fill([2], 2);
      const [h1, h2] = wg.grads((p: wg.Tensor, q: wg.Tensor) => wg.add(p, q))([a, wg.tensor([5, 6])], seed);
      expect(h1).not.toBe(seed);
      expect(h2).not.toBe(seed);
      h1.dispose();
      expect(vals(seed)).toEqual([2, 2]);
    }));
  });

  test('a function returning its input (or an outer tensor) does not get it disposed', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([1, 2]);
      const s = wg.scalar(5);
      expect(vals(wg.grad((t: wg.Tensor) => t)(s))).toEqual([1]);
      expect(s.isDisposed).toBe(false);
      const [g] = wg.grads((t: wg.Tensor) => t)([x], wg.tensor([3, 4]));
      expect(vals(g)).toEqual([3, 4]);
      expect(x.isDisposed).toBe(false);
      const { value } = wg.valueAndGrads((_t: wg.Tensor) => s)([x]);
      expect(value).not.toBe(s);
      value.dispose();
      expect(s.dataSync()[0]).toBe(5);
      const v = wg.variable(wg.scalar(2));
      const r = wg.variableGrads(() => v, [v]);
      expect(vals(r.grads[v.name])).toEqual([1]);
      r.value.dispose();
      expect(v.isDisposed).toBe(false);
      v.dispose();
    }));
  });

  test('tidy and dispose inside the differentiated function do not break backward; the tape is released', () => {
    const base = wg.memory();
    const x = wg.tensor(randomArray(12, 1), [3, 4]);
    const w = wg.tensor(randomArray(4, 2), [4, 1]);
    const f = (t: wg.Tensor, u: wg.Tensor) => {
      const h = wg.tidy(() => wg.tanh(wg.matMul(wg.exp(t), u))); // exp(t) freed by tidy, needed by backward
      const s = wg.sigmoid(h);
      const out = wg.sum(wg.mul(s, s));
      s.dispose(); // disposed by the user but still needed: kept until the pass ends
      h.dispose();
      return out;
    };
    const { value, grads } = wg.valueAndGrads(f)([x, w]);
    // against a version without any tidy or dispose
    const [gx, gw] = wg.grads((t: wg.Tensor, u: wg.Tensor) => wg.sum(wg.square(wg.sigmoid(wg.tanh(wg.matMul(wg.exp(t), u))))))([x, w]);
    expect(vals(grads[0])).toEqual(vals(gx));
    expect(vals(grads[1])).toEqual(vals(gw));
    for (const t of [value, ...grads, gx, gw, x, w]) t.dispose();
    expect(wg.memory().numTensors).toBe(base.numTensors);
    expect(wg.memory().numBytes).toBe(base.numBytes);
  });

  test('nested tidy and keep inside a gradient computation', () => {
    const base = wg.memory().numTensors;
    const x = wg.tensor([0.5, -1.5]);
    let kept: wg.Tensor | null = null;
    const g = wg.tidy(() => {
      const [gx] = wg.grads((t: wg.Tensor) => {
        const inner = wg.tidy(() => {
          kept = wg.keep(wg.square(t)); // kept: survives both tidies and the gradient computation
          return wg.tidy(() => wg.mul(kept!, 3));
        });
        return wg.sum(inner);
      })([x]);
      return gx;
    });
    expect(vals(g)).toEqual([3, -9]); // d(3 x^2) = 6x
    expect(kept!.isDisposed).toBe(false);
    expect(vals(kept!)).toEqual([0.25, 2.25]);
    for (const t of [g, kept!, x]) t.dispose();
    expect(wg.memory().numTensors).toBe(base);
  });

  test('noGrad records nothing: what it makes is freed at once by dispose', () => {
    const base = wg.memory().numTensors;
    const x = wg.tensor([1, 2]);
    const g = wg.grad((t: wg.Tensor) => {
      const stopped = wg.noGrad(() => wg.mul(t, 10));
      const y = wg.add(wg.mul(t, t), stopped); // no gradient through `stopped`
      const side = wg.noGrad(() => wg.exp(t));
      side.dispose();
      expect(side.isDisposed).toBe(true); // not held by the tape
      return wg.sum(y);
    })(x);
    expect(vals(g)).toEqual([2, 4]);
    g.dispose();
    x.dispose();
    expect(wg.memory().numTensors).toBe(base);
  });

  test('a gradient computation nested in another keeps the outer forward path', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([1, 2]);
      // outer f(x) = 3 * value of an inner computation on x = 3 sum(x^2): 6x
      const g = wg.grad((t: wg.Tensor) => {
        const { value, grads } = wg.valueAndGrads((u: wg.Tensor) => wg.sum(wg.square(u)))([t]);
        expect(vals(grads[0])).toEqual([2, 4]);
        return wg.mul(value, 3);
      })(x);
      expect(vals(g)).toEqual([6, 12]);
      // the inner gradient is a constant to the outer computation: d/dx sum(stop(2x) * x) = 2x
      const h = wg.grad((t: wg.Tensor) => wg.sum(wg.mul(wg.grad((u: wg.Tensor) => wg.sum(wg.square(u)))(t), t)))(x);
      expect(vals(h)).toEqual([2, 4]);
    }));
  });

  test('variables and variableGrads, with and without varList', () => {
    expectNoLeak(() => {
      // variables are never freed by tidy (the initial values are, the variables hold copies)
      const [w, b, frozen, unused] = wg.tidy(() => [
        wg.variable(wg.tensor([1, 2]), true, 'w'), wg.variable(wg.scalar(0.5), true, 'b'),
        wg.variable(wg.tensor([3, 3]), false, 'frozen'), wg.variable(wg.tensor([9]), true, 'unused'),
      ]);
      const dup = wg.tidy(() => wg.variable(wg.scalar(0), true, 'w'));
      expect(dup.name).toBe('w_1'); // names stay unique
      dup.dispose();
      const x = wg.tensor([3, 4]);
      const loss = () => wg.add(wg.sum(wg.mul(wg.mul(w, x), frozen)), wg.mul(b, b)); // w used with x and frozen, b twice
      // without varList: every trainable variable f used
      const r = wg.variableGrads(loss);
      expect(Object.keys(r.grads).sort()).toEqual(['b', 'w']);
      expect(vals(r.grads.w)).toEqual([9, 12]);
      expect(vals(r.grads.b)).toEqual([1]);
      expect(r.value.dataSync()[0]).toBe(33.25);
      // with varList: exactly those, zeros for the unused, the frozen one included when asked for
      const s = wg.variableGrads(loss, [frozen, unused, w]);
      expect(Object.keys(s.grads).sort()).toEqual(['frozen', 'unused', 'w']);
      expect(vals(s.grads.frozen)).toEqual([3, 8]);
      expect(vals(s.grads.unused)).toEqual([0]);
      // assign updates in place; tidy never frees a variable
      wg.tidy(() => w.assign(wg.sub(w, wg.mul(r.grads.w, 0.1))));
      expectClose(w.dataSync(), [0.1, 0.8], 1e-6, 1e-6, 'after assign');
      expect(() => wg.tidy(() => w.assign(wg.ones([3])))).toThrow(/^assign\(w\): expected float32 \[2\], got float32 \[3\]/);
      expect(() => wg.tidy(() => w.assign(wg.ones([2], 'int32')))).toThrow(/int32/);
      expect(() => wg.variableGrads(loss, [x as wg.Variable])).toThrow(/^variableGrads: varList\[0\] is not a Variable/);
      for (const t of [r.value, s.value, ...Object.values(r.grads), ...Object.values(s.grads), x]) t.dispose();
      wg.tidy(() => wg.variable(wg.scalar(1))).dispose(); // a variable made in a tidy survives it until disposed
      for (const v of [w, b, frozen, unused]) v.dispose();
      for (const v of [w, b, frozen, unused]) expect(v.isDisposed).toBe(true);
    });
  });

  test('matMul gradients for every transpose, batched and with a broadcast batch', () => {
    let seed = 1;
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as [boolean, boolean][]) {
      const [m, k, n] = [3, 5, 4];
      gradCheck((a, b) => wg.matMul(a, b, ta, tb), [
        { values: randomArray(m * k, seed++), shape: ta ? [k, m] : [m, k] },
        { values: randomArray(k * n, seed++), shape: tb ? [n, k] : [k, n] },
      ], { ref: (a, b) => refMM(a, b, ta, tb), name: `matMul ta=${ta} tb=${tb}` });
      gradCheck((a, b) => wg.matMul(a, b, ta, tb), [
        { values: randomArray(2 * m * k, seed++), shape: ta ? [2, k, m] : [2, m, k] },
        { values: randomArray(k * n, seed++), shape: tb ? [1, n, k] : [1, k, n] },
      ], { ref: (a, b) => refMM(a, b, ta, tb), name: `batched matMul ta=${ta} tb=${tb}` });
    }
  });

  test('a 2-layer MLP with a mean squared loss against float64 finite differences', () => {
    const [n, d, h, o] = [5, 7, 17, 3];
    gradCheck(mlpLoss, [
      { values: randomArray(n * d, 1), shape: [n, d] }, { values: randomArray(d * h, 2), shape: [d, h] },
      { values: randomArray(h, 3, -0.2, 0.2), shape: [h] }, { values: randomArray(h * o, 4), shape: [h, o] },
      { values: randomArray(o, 5), shape: [o] }, { values: randomArray(n * o, 6), shape: [n, o] },
    ], { ref: refMlpLoss, name: 'mlp', atol: 2e-5 });
  });

  test('a softmax classifier head: logSoftmax, gather of the labels, mean', () => {
    const labels = [2, 0, 3, 3];
    const it = wg.tensor(labels, [4], 'int32');
    gradCheck((logits) => wg.neg(wg.mean(wg.sum(wg.mul(wg.logSoftmax(logits), wg.oneHot(it, 5)), -1))), [{ values: randomArray(20, 7, -3, 3), shape: [4, 5] }], {
      ref: (x) => {
        let loss = 0;
        for (let i = 0; i < 4; i++) {
          const row = Array.from(x.data.subarray(i * 5, i * 5 + 5));
          const m = Math.max(...row);
          loss -= row[labels[i]] - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        }
        return [loss / 4];
      },
      name: 'cross-entropy',
    });
    it.dispose();
  });

  test('gradient computations reject bad input with WasmgradError', () => {
    expectNoLeak(() => wg.tidy(() => {
      const x = wg.tensor([1, 2]);
      expect(() => wg.grad((t: wg.Tensor) => wg.mul(t, 2))(x)).toThrow(/^grad: the function must return a scalar \(or pass dy\), got shape \[2\]/);
      expect(() => wg.grad((t: wg.Tensor) => wg.mul(t, 2))(x, wg.ones([3]))).toThrow(/^grad: dy shape \[3\] differs from the result's \[2\]/);
      expect(() => wg.grads((() => 3) as unknown as () => wg.Tensor)([x])).toThrow(/^grads: the function must return a Tensor, got number/);
      expect(() => wg.grads((t: wg.Tensor) => t)(x as unknown as wg.Tensor[])).toThrow(/^grads: call the result with an array of tensors/);
      expect(() => wg.valueAndGrads((t: wg.Tensor) => t)([x])).toThrow(/^valueAndGrads: the function must return a scalar \(or pass dy\), got shape \[/);
      expect(() => wg.valueAndGrad((t: wg.Tensor) => t)(x)).toThrow(/^valueAndGrad: the function must return a scalar/);
      expect(() => wg.grads((t: wg.Tensor) => t)([3 as unknown as wg.Tensor])).toThrow(/^grads: xs\[0\] must be a Tensor/);
      expect(() => wg.grad(3 as unknown as (t: wg.Tensor) => wg.Tensor)).toThrow(/^grad: expected a function/);
      expect(() => wg.variableGrads(3 as unknown as () => wg.Tensor)).toThrow(/^variableGrads: expected a function/);
      const d = wg.tensor([1]);
      d.dispose();
      expect(() => wg.grad((t: wg.Tensor) => t)(d)).toThrow(/^grad: tensor \[1\] .*disposed/);
      // an error inside f leaves nothing behind (no tape, no held tensors)
      expect(() => wg.grad((t: wg.Tensor) => { wg.exp(t); throw new Error('inside'); })(x)).toThrow('inside');
      expect(vals(wg.grad((t: wg.Tensor) => wg.sum(t))(x))).toEqual([1, 1]); // and recording works after it
    }));
  });
});

describe.each(THREADED_BUILDS)('autograd across thread counts on the %s build', (build) => {
  test('an MLP training step is bitwise identical for 1, 2 and 4 threads', async () => {
    const [n, d, h, o] = [256, 300, 128, 10];
    const data = [[n, d], [d, h], [h], [h, o], [o], [n, o]].map((s, i) => ({ v: randomArray(s.reduce((a, b) => a * b, 1), 20 + i), s }));
    await expectSameBitsAcrossThreads(build, () => wg.tidy(() => {
      const ts = data.map(({ v, s }) => wg.tensor(v, s));
      const { value, grads } = wg.valueAndGrads(mlpLoss)(ts);
      return [value.dataSync(), ...grads.slice(0, 5).map((g) => g.dataSync())];
    }), 'mlp step');
  });
});

describe('10,000 tidy training steps', () => {
  test('leave numTensors, numBytes and wasmBytes unchanged', async () => {
    await useBuild('simd', 1);
    const [n, d, h, o] = [8, 4, 16, 1];
    const x = wg.tensor(randomArray(n * d, 1), [n, d]);
    const y = wg.tidy(() => wg.sum(wg.mul(x, wg.tensor([0.5, -1, 2, 0.25])), 1, true)); // a linear target
    const w1 = wg.variable(wg.tensor(randomArray(d * h, 2, -0.5, 0.5), [d, h]), true, 'mlp_w1');
    const b1 = wg.variable(wg.zeros([h]), true, 'mlp_b1');
    const w2 = wg.variable(wg.tensor(randomArray(h * o, 3, -0.5, 0.5), [h, o]), true, 'mlp_w2');
    const b2 = wg.variable(wg.zeros([o]), true, 'mlp_b2');
    const vars = [w1, b1, w2, b2];
    const step = () => wg.tidy(() => {
      const { value, grads } = wg.variableGrads(() => mlpLoss(x, w1, b1, w2, b2, y), vars);
      for (const v of vars) v.assign(wg.sub(v, wg.mul(grads[v.name], 0.05)));
      return value.dataSync()[0];
    });
    const first = step();
    for (let i = 0; i < 99; i++) step(); // warm up: the allocator reaches its working set
    const before = wg.memory();
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = step();
    const after = wg.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.wasmBytes).toBe(before.wasmBytes);
    expect(last).toBeLessThan(first / 10); // and it trained
    for (const t of [x, y, ...vars]) t.dispose();
  });
});
