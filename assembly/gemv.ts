// Small-M GEMM (m < 4 rows of A): C = op(A) B (+ C) (+ bias) then act, B stored [k, n], read in
// place. The packed path would copy all of B into panels on every call to use it once or twice;
// here B streams from memory row after row (as the prefetcher likes), a few elements of A
// broadcast against it, into running sums that stay in L1.
//
// Every element is summed exactly as the packed kernel sums it (assembly/gemm.ts): in blocks of KC,
// k ascending from zero inside a block with the build's multiply-add (madd, or mul then add in the
// scalar build), each block then added to the running C, bias and act after the last block with
// the tile merge's arithmetic. The bits are therefore those of gemm_f32, whatever the column
// chunking or the thread count.
import { madd, minI, actScalar, actVec } from './common';
import { KC, GEMV_COLUMNS } from './abi';

/** Columns per pass: the sums of up to 3 rows (12 KB) stay in L1 while B streams by. */
const PASS: i32 = 1024;

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

// The streaming steps: `bytes` bytes of columns of one or more consecutive rows of B (rows ldb
// bytes apart) multiplied by broadcast elements of A and added into the running sums s (one run
// of `bytes` per row of A, sRow bytes apart), k ascending. B is read in order, row after row, which
// the hardware prefetches well; the sums stay in L1.

// One row of A, four k at a time.
@inline function step1x4k(a: usize, sk: usize, b: usize, ldb: usize, bytes: usize, s: usize): void {
  const x0 = v128.load32_splat(a), x1 = v128.load32_splat(a + sk), x2 = v128.load32_splat(a + 2 * sk), x3 = v128.load32_splat(a + 3 * sk);
  const b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  for (let o: usize = 0; o < bytes; o += 16) {
    let v = v128.load(s + o);
    v = madd(x0, v128.load(b + o), v);
    v = madd(x1, v128.load(b1 + o), v);
    v = madd(x2, v128.load(b2 + o), v);
    v = madd(x3, v128.load(b3 + o), v);
    v128.store(s + o, v);
  }
}

// Two rows of A (sm bytes apart), four k at a time: each vector of B feeds both rows.
@inline function step2x4k(a: usize, sm: usize, sk: usize, b: usize, ldb: usize, bytes: usize, s: usize, sRow: usize): void {
  const x0 = v128.load32_splat(a), x1 = v128.load32_splat(a + sk), x2 = v128.load32_splat(a + 2 * sk), x3 = v128.load32_splat(a + 3 * sk);
  const a1 = a + sm;
  const y0 = v128.load32_splat(a1), y1 = v128.load32_splat(a1 + sk), y2 = v128.load32_splat(a1 + 2 * sk), y3 = v128.load32_splat(a1 + 3 * sk);
  const b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  const t = s + sRow;
  for (let o: usize = 0; o < bytes; o += 16) {
    const v0 = v128.load(b + o), v1 = v128.load(b1 + o), v2 = v128.load(b2 + o), v3 = v128.load(b3 + o);
    let u = v128.load(s + o);
    u = madd(x0, v0, u);
    u = madd(x1, v1, u);
    u = madd(x2, v2, u);
    u = madd(x3, v3, u);
    v128.store(s + o, u);
    let w = v128.load(t + o);
    w = madd(y0, v0, w);
    w = madd(y1, v1, w);
    w = madd(y2, v2, w);
    w = madd(y3, v3, w);
    v128.store(t + o, w);
  }
}

// Three rows of A, two k at a time (fewer live registers).
@inline function step3x2k(a: usize, sm: usize, sk: usize, b: usize, ldb: usize, bytes: usize, s: usize, sRow: usize): void {
  const x0 = v128.load32_splat(a), x1 = v128.load32_splat(a + sk);
  const y0 = v128.load32_splat(a + sm), y1 = v128.load32_splat(a + sm + sk);
  const z0 = v128.load32_splat(a + 2 * sm), z1 = v128.load32_splat(a + 2 * sm + sk);
  const b1 = b + ldb;
  const t = s + sRow, r = t + sRow;
  for (let o: usize = 0; o < bytes; o += 16) {
    const v0 = v128.load(b + o), v1 = v128.load(b1 + o);
    v128.store(s + o, madd(x1, v1, madd(x0, v0, v128.load(s + o))));
    v128.store(t + o, madd(y1, v1, madd(y0, v0, v128.load(t + o))));
    v128.store(r + o, madd(z1, v1, madd(z0, v0, v128.load(r + o))));
  }
}

// One row of A, one k.
@inline function step1x1k(a: usize, b: usize, bytes: usize, s: usize): void {
  const x = v128.load32_splat(a);
  for (let o: usize = 0; o < bytes; o += 16) v128.store(s + o, madd(x, v128.load(b + o), v128.load(s + o)));
}

// SIMD builds: the whole vectors of columns [j0, j0 + cols) (cols a multiple of 4) of every row,
// for one KC block (pointers at its first k), summed in s (m runs of cols floats) then merged into C.
function streamBlock(
  a: usize, sm: usize, sk: usize, b: usize, ldb: usize, c: usize, ldc: usize, m: i32, j0: i32, cols: i32, kc: i32,
  add: i32, last: bool, bias: usize, act: i32, s: usize,
): void {
  const bytes = <usize>cols << 2;
  const off = <usize>j0 << 2;
  b += off;
  memory.fill(s, 0, bytes * m);
  let k = 0;
  if (m == 1) {
    for (; k + 4 <= kc; k += 4) step1x4k(a + <usize>k * sk, sk, b + <usize>k * ldb, ldb, bytes, s);
  } else if (m == 2) {
    for (; k + 4 <= kc; k += 4) step2x4k(a + <usize>k * sk, sm, sk, b + <usize>k * ldb, ldb, bytes, s, bytes);
  } else {
    for (; k + 2 <= kc; k += 2) step3x2k(a + <usize>k * sk, sm, sk, b + <usize>k * ldb, ldb, bytes, s, bytes);
  }
  for (; k < kc; k++) {
    for (let r = 0; r < m; r++) step1x1k(a + <usize>r * sm + <usize>k * sk, b + <usize>k * ldb, bytes, s + <usize>r * bytes);
  }
  for (let r = 0; r < m; r++) {
    const sr = s + <usize>r * bytes, cr = c + <usize>r * ldc + off;
    for (let o: usize = 0; o < bytes; o += 16) finishVec(v128.load(sr + o), cr + o, add, last, bias ? bias + off + o : 0, act);
  }
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
  add: i32, last: bool, bias: usize, act: i32, scratch: usize,
): void {
  if (ASC_FEATURE_SIMD) {
    const whole = j0 + (((j1 - j0) >> 2) << 2);
    for (let j = j0; j < whole; j += PASS) {
      streamBlock(a, sm, sk, b, ldb, c, ldc, m, j, minI(PASS, whole - j), kc, add, last, bias, act, scratch);
    }
    for (let r = 0; r < m; r++) {
      const ar = a + <usize>r * sm, cr = c + <usize>r * ldc;
      for (let j = whole; j < j1; j++) {
        const o = <usize>j << 2;
        row1x1(ar, sk, b + o, ldb, kc, cr + o, add, last, bias ? bias + o : 0, act);
      }
    }
  } else {
    for (let r = 0; r < m; r++) {
      const ar = a + <usize>r * sm, cr = c + <usize>r * ldc;
      let j = j0;
      for (; j + 8 <= j1; j += 8) {
        const o = <usize>j << 2;
        scalarRow8(ar, sk, b + o, ldb, kc, cr + o, add, last, bias ? bias + o : 0, act);
      }
      for (; j < j1; j++) {
        const o = <usize>j << 2;
        scalarRow1(ar, sk, b + o, ldb, kc, cr + o, add, last, bias ? bias + o : 0, act);
      }
    }
  }
}

/**
 * C[m, n] (row stride ldc) = op(A)[m, k] B[k, n] (+ C if accumulate) (+ bias[n]) then act, for
 * m of 1 to 3; A is [m, k] (or [k, m] when transA) with row stride lda, B is [k, n] with row
 * stride ldb. Tasks are runs of colsPerTask columns (a multiple of GEMV_COLUMNS); scratch
 * holds the running sums (3 x PASS floats). Bitwise the same as gemm_f32 on the same operands.
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
    block(a + <usize>p0 * sk, sm, sk, b + <usize>p0 * ldbBytes, ldbBytes, c, ldcBytes, m, j0, j1, kc, add, last, last ? bias : 0, last ? act : 0, scratch);
  }
}
