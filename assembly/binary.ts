// Broadcasting binary ops: out = op(a, b) over a 4-D iteration space; each input has an element
// stride per dimension (0 where it is broadcast), and the innermost stride is 0 or 1.
// Each op is written once (applyV/applyS); binary_f32 (generated into assembly/dispatch.ts from the
// @dispatch template below) switches outside the loops to one function per op, whose literal op id
// specialises its loops (as in unary.ts).
import {
  BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAXIMUM, BIN_MINIMUM, BIN_SQUARED_DIFFERENCE, BIN_GREATER_EQUAL, BIN_LESS_EQUAL, BIN_COPY,
  BINARY_CHUNK,
} from './abi';

@inline function applyV(op: i32, a: v128, b: v128): v128 {
  if (op == BIN_COPY) return a;
  if (op == BIN_ADD) return f32x4.add(a, b);
  if (op == BIN_SUB) return f32x4.sub(a, b);
  if (op == BIN_MUL) return f32x4.mul(a, b);
  if (op == BIN_DIV) return f32x4.div(a, b);
  if (op == BIN_MAXIMUM) return f32x4.max(a, b);
  if (op == BIN_MINIMUM) return f32x4.min(a, b);
  if (op == BIN_SQUARED_DIFFERENCE) {
    const d = f32x4.sub(a, b);
    return f32x4.mul(d, d);
  }
  const one = f32x4.splat(1);
  if (op == BIN_GREATER_EQUAL) return v128.and(f32x4.ge(a, b), one);
  if (op == BIN_LESS_EQUAL) return v128.and(f32x4.le(a, b), one);
  return v128.and(f32x4.eq(a, b), one); // BIN_EQUAL
}

@inline function applyS(op: i32, a: f32, b: f32): f32 {
  if (op == BIN_COPY) return a;
  if (op == BIN_ADD) return a + b;
  if (op == BIN_SUB) return a - b;
  if (op == BIN_MUL) return a * b;
  if (op == BIN_DIV) return a / b;
  if (op == BIN_MAXIMUM) return max<f32>(a, b);
  if (op == BIN_MINIMUM) return min<f32>(a, b);
  if (op == BIN_SQUARED_DIFFERENCE) {
    const d = a - b;
    return d * d;
  }
  if (op == BIN_GREATER_EQUAL) return a >= b ? 1 : 0;
  if (op == BIN_LESS_EQUAL) return a <= b ? 1 : 0;
  return a == b ? 1 : 0; // BIN_EQUAL
}

// One innermost row of n elements; sa, sb are 0 (broadcast) or 1.
@inline function binaryRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(o + off, applyV(op, v128.load(a + off), v128.load(b + off)));
      }
    } else if (sa == 1) {
      const bv = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(o + off, applyV(op, v128.load(a + off), bv));
      }
    } else if (sb == 1) {
      const av = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(o + off, applyV(op, av, v128.load(b + off)));
      }
    }
  }
  for (; i < n; i++) {
    store<f32>(o + (<usize>i << 2), applyS(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

/**
 * out[d0, d1, d2, d3] = op(a, b) with element strides sa*, sb*; tasks are the d0*d1*d2 rows times
 * ceil(d3 / BINARY_CHUNK) chunks of each (a long row, as a plain same-shape op collapses to, is split too).
 */
// @dispatch binary_f32 BIN
@inline export function binaryTasks(
  op: i32, a: usize, b: usize, out: usize, d1: i32, d2: i32, d3: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32, taskBegin: i32, taskEnd: i32,
): void {
  // Task t is chunk c of the row (i0, i1, i2) of d3 elements.
  const chunks = (d3 + BINARY_CHUNK - 1) / BINARY_CHUNK;
  for (let t = taskBegin; t < taskEnd; t++) {
    const row = t / chunks;
    const j0 = (t % chunks) * BINARY_CHUNK;
    const i2 = row % d2;
    const r = row / d2;
    const i1 = r % d1;
    const i0 = r / d1;
    const ao = a + (<usize>(i0 * sa0 + i1 * sa1 + i2 * sa2 + j0 * sa3) << 2);
    const bo = b + (<usize>(i0 * sb0 + i1 * sb1 + i2 * sb2 + j0 * sb3) << 2);
    binaryRow(op, ao, sa3, bo, sb3, out + ((<usize>row * d3 + j0) << 2), min<i32>(BINARY_CHUNK, d3 - j0));
  }
}
