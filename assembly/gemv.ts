// Small-M GEMM (m < 4 rows of A): C = op(A) B (+ C) (+ bias) then act, B stored [k, n], read in
// place. The packed path would copy all of B into panels on every call to use it once or twice;
// here B streams straight from memory, a few rows of A broadcast against it.
//
// Every element is summed exactly as the packed kernel sums it (assembly/gemm.ts): in blocks of KC,
// k ascending from zero inside a block with the build's multiply-add (madd, or mul then add in the
// scalar build), each block then added to the running C, bias and act after the last block with
// the tile merge's arithmetic. The bits are therefore those of gemm_f32, whatever the column
// chunking or the thread count.
import { madd, minI, actScalar, actVec } from './common';
import { KC } from './gemm';

// Vector column chunks: 8 vectors for one row, 4 for two, 2 for three (at most 12 live v128).
const W1: i32 = 32;
const W2: i32 = 16;
const W3: i32 = 8;

/** Columns a task should cover so that every width-chunk stays whole. */
export const GEMV_COLUMN_QUANTUM: i32 = 32;

// The block epilogue of one vector of C: + C unless it is the first block, then on the last block
// + bias and act (the order of mergeTile).
@inline function finishVec(acc: v128, cp: usize, add: i32, last: bool, bp: usize, act: i32): void {
  if (add) acc = f32x4.add(acc, v128.load(cp));
  if (last) {
    if (bp) acc = f32x4.add(acc, v128.load(bp));
    acc = actVec(acc, act);
  }
  v128.store(cp, acc);
}

@inline function finishScalar(acc: f32, cp: usize, add: i32, last: bool, bp: usize, act: i32): void {
  if (add) acc = acc + load<f32>(cp);
  if (last) {
    if (bp) acc = acc + load<f32>(bp);
    acc = actScalar(acc, act);
  }
  store<f32>(cp, acc);
}

// One row, 32 columns, k in [p0, p0 + kc). a: A(row, p0); sk: bytes between k steps of A.
@inline function rows1x32(a: usize, sk: usize, b: usize, ldb: usize, kc: i32, c: usize, add: i32, last: bool, bp: usize, act: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const x = v128.load32_splat(a);
    c0 = madd(x, v128.load(b), c0);
    c1 = madd(x, v128.load(b, 16), c1);
    c2 = madd(x, v128.load(b, 32), c2);
    c3 = madd(x, v128.load(b, 48), c3);
    c4 = madd(x, v128.load(b, 64), c4);
    c5 = madd(x, v128.load(b, 80), c5);
    c6 = madd(x, v128.load(b, 96), c6);
    c7 = madd(x, v128.load(b, 112), c7);
    a += sk;
    b += ldb;
  }
  finishVec(c0, c, add, last, bp, act);
  finishVec(c1, c + 16, add, last, bp ? bp + 16 : 0, act);
  finishVec(c2, c + 32, add, last, bp ? bp + 32 : 0, act);
  finishVec(c3, c + 48, add, last, bp ? bp + 48 : 0, act);
  finishVec(c4, c + 64, add, last, bp ? bp + 64 : 0, act);
  finishVec(c5, c + 80, add, last, bp ? bp + 80 : 0, act);
  finishVec(c6, c + 96, add, last, bp ? bp + 96 : 0, act);
  finishVec(c7, c + 112, add, last, bp ? bp + 112 : 0, act);
}

// Two rows (A rows sm bytes apart, C rows ldc bytes apart), 16 columns.
@inline function rows2x16(a: usize, sm: usize, sk: usize, b: usize, ldb: usize, kc: i32, c: usize, ldc: usize, add: i32, last: bool, bp: usize, act: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    c02 = madd(x, b2, c02);
    c03 = madd(x, b3, c03);
    x = v128.load32_splat(a + sm);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    c12 = madd(x, b2, c12);
    c13 = madd(x, b3, c13);
    a += sk;
    b += ldb;
  }
  const d = c + ldc;
  finishVec(c00, c, add, last, bp, act);
  finishVec(c01, c + 16, add, last, bp ? bp + 16 : 0, act);
  finishVec(c02, c + 32, add, last, bp ? bp + 32 : 0, act);
  finishVec(c03, c + 48, add, last, bp ? bp + 48 : 0, act);
  finishVec(c10, d, add, last, bp, act);
  finishVec(c11, d + 16, add, last, bp ? bp + 16 : 0, act);
  finishVec(c12, d + 32, add, last, bp ? bp + 32 : 0, act);
  finishVec(c13, d + 48, add, last, bp ? bp + 48 : 0, act);
}

// Three rows, 8 columns.
@inline function rows3x8(a: usize, sm: usize, sk: usize, b: usize, ldb: usize, kc: i32, c: usize, ldc: usize, add: i32, last: bool, bp: usize, act: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0), c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a + sm);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a + 2 * sm);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    a += sk;
    b += ldb;
  }
  const d = c + ldc, e = d + ldc;
  const bp1: usize = bp ? bp + 16 : 0;
  finishVec(c00, c, add, last, bp, act);
  finishVec(c01, c + 16, add, last, bp1, act);
  finishVec(c10, d, add, last, bp, act);
  finishVec(c11, d + 16, add, last, bp1, act);
  finishVec(c20, e, add, last, bp, act);
  finishVec(c21, e + 16, add, last, bp1, act);
}

// One row, one vector of 4 columns (the chunk tails).
@inline function row1x4(a: usize, sk: usize, b: usize, ldb: usize, kc: i32, c: usize, add: i32, last: bool, bp: usize, act: i32): void {
  let acc = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    acc = madd(v128.load32_splat(a), v128.load(b), acc);
    a += sk;
    b += ldb;
  }
  finishVec(acc, c, add, last, bp, act);
}

// One row, one column (the last n % 4): lane 0 of the same vector multiply-add, so the same
// fused or unfused rounding as the vector lanes.
@inline function row1x1(a: usize, sk: usize, b: usize, ldb: usize, kc: i32, c: usize, add: i32, last: bool, bp: usize, act: i32): void {
  let acc = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    acc = madd(v128.load32_splat(a), v128.load32_splat(b), acc);
    a += sk;
    b += ldb;
  }
  finishScalar(f32x4.extract_lane(acc, 0), c, add, last, bp, act);
}

// Scalar build: one row, 8 columns, the packed scalar kernel's s += x * b.
@inline function scalarRow8(a: usize, sk: usize, b: usize, ldb: usize, kc: i32, c: usize, add: i32, last: bool, bp: usize, act: i32): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  for (let k = 0; k < kc; k++) {
    const x = load<f32>(a);
    s0 += x * load<f32>(b);
    s1 += x * load<f32>(b, 4);
    s2 += x * load<f32>(b, 8);
    s3 += x * load<f32>(b, 12);
    s4 += x * load<f32>(b, 16);
    s5 += x * load<f32>(b, 20);
    s6 += x * load<f32>(b, 24);
    s7 += x * load<f32>(b, 28);
    a += sk;
    b += ldb;
  }
  finishScalar(s0, c, add, last, bp, act);
  finishScalar(s1, c + 4, add, last, bp ? bp + 4 : 0, act);
  finishScalar(s2, c + 8, add, last, bp ? bp + 8 : 0, act);
  finishScalar(s3, c + 12, add, last, bp ? bp + 12 : 0, act);
  finishScalar(s4, c + 16, add, last, bp ? bp + 16 : 0, act);
  finishScalar(s5, c + 20, add, last, bp ? bp + 20 : 0, act);
  finishScalar(s6, c + 24, add, last, bp ? bp + 24 : 0, act);
  finishScalar(s7, c + 28, add, last, bp ? bp + 28 : 0, act);
}

@inline function scalarRow1(a: usize, sk: usize, b: usize, ldb: usize, kc: i32, c: usize, add: i32, last: bool, bp: usize, act: i32): void {
  let s: f32 = 0;
  for (let k = 0; k < kc; k++) {
    s += load<f32>(a) * load<f32>(b);
    a += sk;
    b += ldb;
  }
  finishScalar(s, c, add, last, bp, act);
}

// Columns [j0, j1) of every row for one KC block starting at k = p0 (all pointers already at p0).
function block(
  a: usize, sm: usize, sk: usize, b: usize, ldb: usize, c: usize, ldc: usize, m: i32, j0: i32, j1: i32, kc: i32,
  add: i32, last: bool, bias: usize, act: i32,
): void {
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    const w = m == 1 ? W1 : m == 2 ? W2 : W3;
    for (; j + w <= j1; j += w) {
      const o = <usize>j << 2;
      const bp: usize = bias ? bias + o : 0;
      if (m == 1) rows1x32(a, sk, b + o, ldb, kc, c + o, add, last, bp, act);
      else if (m == 2) rows2x16(a, sm, sk, b + o, ldb, kc, c + o, ldc, add, last, bp, act);
      else rows3x8(a, sm, sk, b + o, ldb, kc, c + o, ldc, add, last, bp, act);
    }
    for (let r = 0; r < m; r++) {
      const ar = a + <usize>r * sm, cr = c + <usize>r * ldc;
      let jr = j;
      for (; jr + 4 <= j1; jr += 4) {
        const o = <usize>jr << 2;
        row1x4(ar, sk, b + o, ldb, kc, cr + o, add, last, bias ? bias + o : 0, act);
      }
      for (; jr < j1; jr++) {
        const o = <usize>jr << 2;
        row1x1(ar, sk, b + o, ldb, kc, cr + o, add, last, bias ? bias + o : 0, act);
      }
    }
  } else {
    for (let r = 0; r < m; r++) {
      const ar = a + <usize>r * sm, cr = c + <usize>r * ldc;
      let jr = j;
      for (; jr + 8 <= j1; jr += 8) {
        const o = <usize>jr << 2;
        scalarRow8(ar, sk, b + o, ldb, kc, cr + o, add, last, bias ? bias + o : 0, act);
      }
      for (; jr < j1; jr++) {
        const o = <usize>jr << 2;
        scalarRow1(ar, sk, b + o, ldb, kc, cr + o, add, last, bias ? bias + o : 0, act);
      }
    }
  }
}

/**
 * C[m, n] (row stride ldc) = op(A)[m, k] B[k, n] (+ C if accumulate) (+ bias[n]) then act, for
 * m of 1 to 3; A is [m, k] (or [k, m] when transA) with row stride lda, B is [k, n] with row
 * stride ldb. Tasks are runs of colsPerTask columns (a multiple of GEMV_COLUMN_QUANTUM); no
 * scratch. Bitwise the same as gemm_f32 on the same operands.
 */
export function gemv_f32(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32, lda: i32, ldb: i32, ldc: i32, transA: i32,
  accumulate: i32, bias: usize, act: i32, colsPerTask: i32, taskBegin: i32, taskEnd: i32, scratch: usize,
): void {
  // byte steps of A between rows (sm) and between k (sk)
  const sm: usize = transA ? 4 : <usize>lda << 2;
  const sk: usize = transA ? <usize>lda << 2 : 4;
  const ldbBytes = <usize>ldb << 2, ldcBytes = <usize>ldc << 2;
  const j0 = taskBegin * colsPerTask;
  const j1 = minI(n, taskEnd * colsPerTask);
  if (j0 >= j1) return;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = minI(KC, k - p0);
    const add = <i32>(p0 > 0 || accumulate != 0);
    const last = p0 + kc >= k;
    block(a + <usize>p0 * sk, sm, sk, b + <usize>p0 * ldbBytes, ldbBytes, c, ldcBytes, m, j0, j1, kc, add, last, last ? bias : 0, last ? act : 0);
  }
}
