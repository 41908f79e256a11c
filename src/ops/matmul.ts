// matMul: rank 2, or rank 3 batched (a batch of 1 broadcasts), on the packed GEMM kernel; other
// ranks (each at least 2) as TF.js and NumPy take them: the leading dimensions broadcast, flattened
// into one batch.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, sizeOf } from '../tensor.js';
import { gemm } from '../engine/drivers/gemm.js';
import { zeros, fromFlat } from '../creation.js';
import { viaFloat } from './values-js.js';
import { checkTensor } from './util.js';
import { record } from '../tape.js';
import { sumTo, sum } from './reduce.js';
import { fusedActivationGrad } from './activation-grad.js';
import { broadcastShapes } from '../primitives.js';
import { broadcastTo } from './binary.js';
import { reshape } from './shape.js';

export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const op = 'matMul';
  checkTensor(a, op, 'a');
  checkTensor(b, op, 'b');
  const ints = a.dtype === 'int32' && b.dtype === 'int32';
  // TF.js's upcast: int32 with float32 multiplies as float32
  if (!ints && (a.dtype === 'int32' || b.dtype === 'int32')) return viaFloat(a, (fa) => viaFloat(b, (fb) => matMul(fa, fb, transposeA, transposeB)));
  if (a.rank < 2 || b.rank < 2) {
    throw new WasmgradError(msg`${op}: expected tensors of rank 2 or more, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.rank !== b.rank || a.rank > 3) return matMulBroadcast(a, b, transposeA, transposeB);
  const batched = a.rank === 3;
  const [ba, ra, ca] = batched ? a.shape : [1, ...a.shape];
  const [bb, rb, cb] = batched ? b.shape : [1, ...b.shape];
  const m = transposeA ? ca : ra;
  const k = transposeA ? ra : ca;
  const kb = transposeB ? cb : rb;
  const n = transposeB ? rb : cb;
  if (k !== kb) {
    throw new WasmgradError(
      `${op}: inner dimensions differ: ${fmtShape(a.shape)}${transposeA ? 'ᵀ' : ''} x ${fmtShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${k} vs ${kb})`,
    );
  }
  if (ba !== bb && ba !== 1 && bb !== 1) {
    throw new WasmgradError(msg`${op}: batch sizes ${ba} and ${bb} of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast`);
  }
  const batch = Math.max(ba, bb);
  const outShape = batched ? [batch, m, n] : [m, n];
  if (ints) return matMulInts(a, b, { m, n, k, batch, ba, bb, transposeA, transposeB }, outShape);
  // k = 0: a sum of no terms
  if (k === 0) return zeros(outShape);
  const out = new Tensor(outShape, 'float32');
  if (out.size === 0) return out;
  record('matMul', [a, b], out, ([dy], needed) => {
    // C = op(A) op(B): each gradient is one more GEMM in the transpose variant that fits its layout
    // (skipped for an input no gradient flows to, such as a network's data).
    const da = !needed[0] ? null : transposeA ? matMul(b, dy, transposeB, true) : matMul(dy, b, false, !transposeB);
    const db = !needed[1] ? null : transposeB ? matMul(dy, a, true, transposeA) : matMul(a, dy, !transposeA, false);
    return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
  });
  for (let i = 0; i < batch; i++) {
    gemm(a, b, out, {
      m, n, k,
      transA: transposeA,
      transB: transposeB,
      offsetA: ba === 1 ? 0 : i * m * k,
      offsetB: bb === 1 ? 0 : i * k * n,
      offsetC: i * m * n,
    });
  }
  return out;
}

/**
 * Leading (batch) dimensions broadcast, as TF.js and NumPy: each operand as [batch, rows, cols]
 * (one that needs no broadcasting only reshaped, a single matrix as a batch of 1, which the kernel
 * broadcasts), one batched product, the result in the broadcast shape.
 */
function matMulBroadcast(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const [oa, ob] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
  let outer: number[];
  try {
    outer = broadcastShapes(oa, ob, 'matMul');
  } catch {
    throw new WasmgradError(msg`matMul: the batch dimensions ${fmtShape(oa)} of ${fmtShape(a.shape)} and ${fmtShape(ob)} of ${fmtShape(b.shape)} do not broadcast`);
  }
  const batch = sizeOf(outer);
  const temps: Tensor[] = [];
  const asBatch = (x: Tensor): Tensor => {
    const own = x.shape.slice(0, -2), last = x.shape.slice(-2);
    const n = sizeOf(own);
    const full = n === batch || n === 1 ? x : broadcastTo(x, [...outer, ...last]);
    if (full !== x) temps.push(full);
    const r = reshape(full, [n === 1 ? 1 : batch, ...last]);
    temps.push(r);
    return r;
  };
  try {
    const c = matMul(asBatch(a), asBatch(b), transposeA, transposeB);
    temps.push(c);
    return reshape(c, [...outer, ...c.shape.slice(1)]);
  } finally {
    for (const t of temps) t.dispose();
  }
}

/**
 * An int32 product as TF.js's: each sum of products in double precision (exact below 2^53), stored
 * as int32 (wrapping); int32 operands are labels and counts, small, so in JavaScript. No gradient.
 */
function matMulInts(a: Tensor, b: Tensor, d: { m: number; n: number; k: number; batch: number; ba: number; bb: number; transposeA: boolean; transposeB: boolean }, outShape: number[]): Tensor {
  const { m, n, k } = d;
  const av = a.dataSync(), bv = b.dataSync();
  const out = new Int32Array(d.batch * m * n);
  for (let i = 0; i < d.batch; i++) {
    const oa = d.ba === 1 ? 0 : i * m * k, ob = d.bb === 1 ? 0 : i * k * n;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += av[oa + (d.transposeA ? p * m + r : r * k + p)] * bv[ob + (d.transposeB ? c * k + p : p * n + c)];
        out[(i * m + r) * n + c] = s;
      }
    }
  }
  return fromFlat(out, outShape, 'int32');
}

/**
 * act(a b + bias) in one GEMM pass (the bias and relu are the kernel's epilogue), for rank-2 a
 * [m, k], b [k, n] and bias [n]: the dense layer's forward, in training and inference alike.
 */
export function fusedMatMul(a: Tensor, b: Tensor, bias: Tensor | null, activation: 'linear' | 'relu' = 'linear'): Tensor {
  const op = 'fusedMatMul';
  checkTensor(a, op, 'a');
  checkTensor(b, op, 'b');
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0] || a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new WasmgradError(msg`${op}: expected float32 [m,k] x [k,n], got ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)}`);
  }
  const [m, k] = a.shape;
  const n = b.shape[1];
  if (bias) {
    checkTensor(bias, op, 'bias');
    if (bias.size !== n || bias.dtype !== 'float32') throw new WasmgradError(msg`${op}: bias must be float32 of ${n} elements, got ${fmtShape(bias.shape)}`);
  }
  if (m === 0 || n === 0 || k === 0) {
    // degenerate: no epilogue to fuse; fall back to the plain ops
    return matMul(a, b);
  }
  const out = new Tensor([m, n], 'float32');
  gemm(a, b, out, { m, n, k, bias, act: activation });
  const inputs = bias ? [a, b, bias] : [a, b];
  record(op, inputs, out, ([dy], needed) => {
    // z = a b + bias, out = act(z): dz = dy * act'(z) (for relu, z > 0 exactly where out > 0); the
    // first layer's input gradient (the data's, a GEMM as large as the forward) is not computed
    const dz = fusedActivationGrad(activation, out, dy);
    const grads = [needed[0] ? matMul(dz, b, false, true) : null, needed[1] ? matMul(a, dz, true, false) : null];
    if (bias) grads.push(needed[2] ? sum(dz, 0) : null);
    return grads;
  });
  return out;
}
