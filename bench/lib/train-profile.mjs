// Per-op profiles of one training step at batch 64 for bench/train.mjs: the MLP and the CNN. Each
// op is timed alone (hot caches), then real steps are timed phase by phase (gather, forward with
// the tape, backward, Adam update) and a whole epoch of fit gives the step as fit runs it.
// Backward ops without a public op of their own (the pooling gradient, a fused convolution's
// whole backward) are timed as grads() of the op given dy, less the op's forward timed alone.
import { measure, measureAsync } from './harness.mjs';

const B = 64;

function timer(wg, opts, rows) {
  const op = (name, fn) => {
    const ms = measure(() => wg.tidy(() => void fn()), opts).medianMs;
    rows.push({ op: name, ms });
    return ms;
  };
  // grads(f)(xs, dy) less the forward f timed alone: the backward of f's op
  const backward = (name, f, xs, dy, forwardMs) => {
    const ms = measure(() => wg.tidy(() => void wg.grads(f)(xs, dy)), opts).medianMs;
    rows.push({ op: name, ms: Math.max(0, ms - forwardMs) });
  };
  return { op, backward };
}

/** The phases of `steps` real training steps, then a whole epoch of fit over 16 batches, per step. */
async function phasesAndFit(wg, tr, order, opts, steps, rows) {
  const m = tr.model;
  const phases = { gather: 0, forward: 0, backward: 0, update: 0 };
  const adam = wg.optimizers.adam();
  for (let s = 0; s < steps + 10; s++) {
    const warm = s < 10;
    wg.tidy(() => {
      const t0 = performance.now();
      const at = (s * B) % (order.length - B);
      const it = wg.tensor(order.subarray(at, at + B), [B], 'int32');
      const xg = wg.gather(tr.x, it), yg = wg.gather(tr.y, it);
      const t1 = performance.now();
      let tf = 0;
      const { value, grads } = wg.variableGrads(() => {
        const a = performance.now();
        const loss = wg.losses.categoricalCrossentropy(yg, m.apply(xg, { training: true }));
        tf = performance.now() - a;
        return loss;
      }, m.trainableWeights);
      value.dataSync();
      const t2 = performance.now();
      adam.applyGradients(grads);
      const t3 = performance.now();
      if (!warm) {
        phases.gather += t1 - t0;
        phases.forward += tf;
        phases.backward += t2 - t1 - tf;
        phases.update += t3 - t2;
      }
    });
  }
  adam.dispose();
  const phaseRows = [
    { op: 'in sequence: gather the batch', ms: phases.gather / steps },
    { op: 'in sequence: forward + loss, recording the tape', ms: phases.forward / steps },
    { op: 'in sequence: backward (tape replay, gradients)', ms: phases.backward / steps },
    { op: 'in sequence: Adam update', ms: phases.update / steps },
  ];
  const n = 16 * B;
  const xs = wg.slice(tr.x, 0, n), ys = wg.slice(tr.y, 0, n);
  const epoch = await measureAsync(() => m.fit(xs, ys, { epochs: 1, batchSize: B, shuffle: false, verbose: 0, yieldEvery: 1e9 }), opts);
  xs.dispose();
  ys.dispose();
  const stepMs = epoch.medianMs / 16;
  const sum = rows.reduce((s, r) => s + r.ms, 0);
  rows.push({ op: 'sum of the ops measured alone (hot caches)', ms: sum });
  const seq = phaseRows.reduce((s, r) => s + r.ms, 0);
  rows.push(...phaseRows);
  rows.push({ op: 'sum of the phases of real steps', ms: seq });
  rows.push({ op: 'fit bookkeeping (callbacks, logs, shuffling, yields)', ms: Math.max(0, stepMs - seq) });
  rows.push({ op: 'one training step as model.fit runs it', ms: stepMs });
  return rows;
}

/** One MLP step (784-256-128-10): tr is a trainer of bench/train.mjs (model, x [n, 784], y). */
export async function profileMlp(wg, tr, order, opts, steps) {
  const rows = [];
  const { op } = timer(wg, opts, rows);
  const m = tr.model;
  const [w1, b1, w2, b2, w3, b3] = m.trainableWeights;
  const idx = wg.tensor(order.subarray(0, B), [B], 'int32');
  const xb = wg.gather(tr.x, idx), yb = wg.gather(tr.y, idx);
  const h1 = wg.fusedMatMul(xb, w1, b1, 'relu'), h2 = wg.fusedMatMul(h1, w2, b2, 'relu');
  const z3 = wg.fusedMatMul(h2, w3, b3), dz3 = wg.randomNormal([B, 10]), dz2 = wg.randomNormal([B, 128]), dz1 = wg.randomNormal([B, 256]);
  op('gather batch rows (x [64,784], y [64,10])', () => [wg.gather(tr.x, idx), wg.gather(tr.y, idx)]);
  op('dense 1 forward: GEMM 64x784x256 + bias + relu (fused)', () => wg.fusedMatMul(xb, w1, b1, 'relu'));
  op('dense 2 forward: GEMM 64x256x128 + bias + relu (fused)', () => wg.fusedMatMul(h1, w2, b2, 'relu'));
  op('dense 3 forward: GEMM 64x128x10 + bias', () => wg.fusedMatMul(h2, w3, b3));
  op('softmax + cross-entropy with its gradient (fused)', () => wg.valueAndGrads((z) => wg.losses.softmaxCrossEntropy(yb, z))([z3]));
  op('dense 3 backward: dW 128x64x10, dX 64x10x128, db', () => [wg.matMul(h2, dz3, true, false), wg.matMul(dz3, w3, false, true), wg.sum(dz3, 0)]);
  op('dense 2 backward: relu grad, dW 256x64x128, dX 64x128x256, db', () => [wg.mul(dz2, h2), wg.matMul(h1, dz2, true, false), wg.matMul(dz2, w2, false, true), wg.sum(dz2, 0)]);
  op('dense 1 backward: relu grad, dW 784x64x256, db (no dX: the data needs none)', () => [wg.mul(dz1, h1), wg.matMul(xb, dz1, true, false), wg.sum(dz1, 0)]);
  const grads = Object.fromEntries(m.trainableWeights.map((v) => [v.name, wg.keep(wg.fill(v.shape, 0))]));
  const adam = wg.optimizers.adam();
  op('Adam update of 235,146 parameters (6 fused updates)', () => adam.applyGradients(grads));
  for (const t of [idx, xb, yb, h1, h2, z3, dz3, dz2, dz1, ...Object.values(grads)]) t.dispose();
  adam.dispose();
  return phasesAndFit(wg, tr, order, opts, steps, rows);
}

/** One CNN step (conv 3x3x16 - maxpool - conv 3x3x32 - maxpool - dense 64 - dense 10). */
export async function profileCnn(wg, tr, order, opts, steps) {
  const rows = [];
  const { op, backward } = timer(wg, opts, rows);
  const m = tr.model;
  const [k1, c1, k2, c2, w3, b3, w4, b4] = m.trainableWeights;
  const idx = wg.tensor(order.subarray(0, B), [B], 'int32');
  const xb = wg.gather(tr.x, idx), yb = wg.gather(tr.y, idx);
  const conv1 = (k, c) => wg.fusedConv2d(xb, k, c, 'relu');
  const a1 = conv1(k1, c1), p1 = wg.maxPool(a1, 2);
  const conv2 = (x, k, c) => wg.fusedConv2d(x, k, c, 'relu');
  const a2 = conv2(p1, k2, c2), p2 = wg.maxPool(a2, 2);
  const f2 = wg.reshape(p2, [B, 800]);
  const h3 = wg.fusedMatMul(f2, w3, b3, 'relu'), z4 = wg.fusedMatMul(h3, w4, b4);
  const dz4 = wg.randomNormal([B, 10]), dz3 = wg.randomNormal([B, 64]);
  const dp2 = wg.randomNormal(p2.shape), da2 = wg.randomNormal(a2.shape), dp1 = wg.randomNormal(p1.shape), da1 = wg.randomNormal(a1.shape);
  op('gather batch rows (x [64,28,28,1], y [64,10])', () => [wg.gather(tr.x, idx), wg.gather(tr.y, idx)]);
  const fc1 = op('conv 1 forward: implicit-im2col GEMM 43264x9x16 + bias + relu (fused)', () => conv1(k1, c1));
  const fp1 = op('maxpool 1 forward: [64,26,26,16] -> [64,13,13,16]', () => wg.maxPool(a1, 2));
  const fc2 = op('conv 2 forward: implicit-im2col GEMM 7744x144x32 + bias + relu (fused)', () => conv2(p1, k2, c2));
  const fp2 = op('maxpool 2 forward: [64,11,11,32] -> [64,5,5,32]', () => wg.maxPool(a2, 2));
  op('dense 3 forward: GEMM 64x800x64 + bias + relu (fused)', () => wg.fusedMatMul(f2, w3, b3, 'relu'));
  op('dense 4 forward: GEMM 64x64x10 + bias', () => wg.fusedMatMul(h3, w4, b4));
  op('softmax + cross-entropy with its gradient (fused)', () => wg.valueAndGrads((z) => wg.losses.softmaxCrossEntropy(yb, z))([z4]));
  op('dense 4 backward: dW 64x64x10, dX 64x10x64, db', () => [wg.matMul(h3, dz4, true, false), wg.matMul(dz4, w4, false, true), wg.sum(dz4, 0)]);
  op('dense 3 backward: relu grad, dW 800x64x64, dX 64x64x800, db', () => [wg.mul(dz3, h3), wg.matMul(f2, dz3, true, false), wg.matMul(dz3, w3, false, true), wg.sum(dz3, 0)]);
  backward('maxpool 2 backward (grads() less its forward)', (x) => wg.maxPool(x, 2), [a2], dp2, fp2);
  backward('conv 2 backward: relu grad, dX, dW, db (grads() less its forward)', conv2, [p1, k2, c2], da2, fc2);
  backward('maxpool 1 backward (grads() less its forward)', (x) => wg.maxPool(x, 2), [a1], dp1, fp1);
  backward('conv 1 backward: relu grad, dW, db; no dX (grads() less its forward)', conv1, [k1, c1], da1, fc1);
  const grads = Object.fromEntries(m.trainableWeights.map((v) => [v.name, wg.keep(wg.fill(v.shape, 0))]));
  const adam = wg.optimizers.adam();
  const count = m.trainableWeights.reduce((s, v) => s + v.size, 0);
  op(`Adam update of ${count.toLocaleString('en-US')} parameters (8 fused updates)`, () => adam.applyGradients(grads));
  for (const t of [idx, xb, yb, a1, p1, a2, p2, f2, h3, z4, dz4, dz3, dp2, da2, dp1, da1, ...Object.values(grads)]) t.dispose();
  adam.dispose();
  return phasesAndFit(wg, tr, order, opts, steps, rows);
}
