// Elementwise ops (assembly/binary.ts, unary.ts): broadcasting binary ops and unary ops with their gradients.
import { engine } from '../state.js';
import type { Tensor } from '../../tensor.js';
import { ELEMENTWISE_PARALLEL } from './common.js';
import { BIN, BINARY_CHUNK, UNARY, UNARY_CHUNK } from '../abi.js';

export { BIN, UNARY };

// ---------------------------------------------------------------------------------------------
// Broadcasting binary ops (assembly/binary.ts)

export type BinaryOp = keyof typeof BIN;

/** Element strides of a tensor of shape `shape` read in the broadcast space `out` (0 on broadcast dims). */
function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const strides = new Array(out.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1, j = out.length - 1; i >= 0; i--, j--) {
    strides[j] = shape[i] === 1 && out[j] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Drops unit dimensions and merges neighbours that both inputs walk contiguously (or both
 * broadcast), so most broadcasts become 1 to 3 dimensions.
 */
export function collapseBroadcast(out: readonly number[], inputs: readonly (readonly number[])[]) {
  const all = inputs.map((shape) => broadcastStrides(shape, out));
  const dims: number[] = [];
  const strides: number[][] = inputs.map(() => []);
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const last = dims.length - 1;
    const mergeable = last >= 0 && all.every((st, k) => strides[k][last] === st[d] * out[d]);
    if (mergeable) {
      dims[last] *= out[d];
      all.forEach((st, k) => (strides[k][last] = st[d]));
    } else {
      dims.push(out[d]);
      all.forEach((st, k) => strides[k].push(st[d]));
    }
  }
  return { dims, strides };
}

/** out = op(a, b) with NumPy broadcasting of a and b into out's shape; `name` names the op in errors. */
export function binary(op: BinaryOp, a: Tensor, b: Tensor, out: Tensor, name: string = op): void {
  const pa = a.ptr(name), pb = b.ptr(name), po = out.ptr(name);
  if (out.size === 0) return;
  const e = engine();
  const { dims, strides } = collapseBroadcast(out.shape, [a.shape, b.shape]);
  const [sa, sb] = strides;
  // Up to 4 dimensions go to the kernel at once; a higher rank loops over the leading ones here.
  while (dims.length < 4) {
    dims.unshift(1);
    sa.unshift(0);
    sb.unshift(0);
  }
  const lead = dims.length - 4;
  const leadDims = dims.slice(0, lead);
  const [d0, d1, d2, d3] = dims.slice(lead);
  const rows = d0 * d1 * d2;
  const block = rows * d3;
  const parallel = block >= ELEMENTWISE_PARALLEL;
  const count = leadDims.reduce((x, y) => x * y, 1);
  for (let i = 0; i < count; i++) {
    let ao = 0, bo = 0, rem = i;
    for (let d = lead - 1; d >= 0; d--) {
      const idx = rem % leadDims[d];
      rem = Math.floor(rem / leadDims[d]);
      ao += idx * sa[d];
      bo += idx * sb[d];
    }
    e.parallel(
      'binary_f32',
      [BIN[op], pa + ao * 4, pb + bo * 4, po + i * block * 4, d1, d2, d3, sa[lead], sa[lead + 1], sa[lead + 2], sa[lead + 3], sb[lead], sb[lead + 1], sb[lead + 2], sb[lead + 3]],
      rows * Math.ceil(d3 / BINARY_CHUNK),
      parallel,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Unary ops and their gradients (assembly/unary.ts)

export type UnaryOp = keyof typeof UNARY;

/** y = f(x) elementwise (y may be x); p1, p2 are the op's parameters. */
export function unary(op: UnaryOp, x: Tensor, y: Tensor, p1 = 0, p2 = 0): void {
  const px = x.ptr(op), py = y.ptr(op), n = y.size;
  if (n === 0) return;
  engine().parallel('unary_f32', [UNARY[op], px, py, n, p1, p2], Math.ceil(n / UNARY_CHUNK), n >= ELEMENTWISE_PARALLEL);
}

/** dx = dy * f'(x, y) elementwise (dx may be dy). */
export function unaryGrad(op: UnaryOp, x: Tensor, y: Tensor, dy: Tensor, dx: Tensor, p1 = 0, p2 = 0): void {
  const px = x.ptr(op), py = y.ptr(op), pdy = dy.ptr(op), pdx = dx.ptr(op), n = dx.size;
  if (n === 0) return;
  engine().parallel('unary_grad_f32', [UNARY[op], px, py, pdy, pdx, n, p1, p2], Math.ceil(n / UNARY_CHUNK), n >= ELEMENTWISE_PARALLEL);
}
