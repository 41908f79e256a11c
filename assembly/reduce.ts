// Reductions over the middle axis of a [outer, r, inner] view: sum (with a scale, for mean), max,
// min, and the index of the first max or min. Threads split outputs, never a reduced axis, and
// each output is reduced in one fixed order, so results are bitwise identical for any thread count.

import { RED_SUM, RED_MAX, RED_MIN, REDUCE_CHUNK } from './abi';

@inline function combineV(op: i32, a: v128, b: v128): v128 {
  if (op == RED_SUM) return f32x4.add(a, b);
  if (op == RED_MAX) return f32x4.max(a, b);
  return f32x4.min(a, b);
}

@inline function combineS(op: i32, a: f32, b: f32): f32 {
  if (op == RED_SUM) return a + b;
  if (op == RED_MAX) return max<f32>(a, b);
  return min<f32>(a, b);
}

/**
 * Sums add up blocks of this many elements, then the block results: the rounding error grows with
 * about REDUCE_BLOCK / 8 + n / REDUCE_BLOCK additions instead of n / 8 (a sum of 1M floats: 20x
 * closer to float64). Results below one block are unchanged by it.
 */
export const REDUCE_BLOCK: i32 = 2048;

// Reduces n >= 1 contiguous floats: two vector accumulators (8 partial results), then a fixed tree.
@inline function reduceBlock(op: i32, x: usize, n: i32): f32 {
  let i = 0;
  let acc: f32 = op == RED_SUM ? 0 : load<f32>(x);
  if (ASC_FEATURE_SIMD) {
    if (n >= 8) {
      let v0 = v128.load(x), v1 = v128.load(x, 16);
      for (i = 8; i + 8 <= n; i += 8) {
        const p = x + (<usize>i << 2);
        v0 = combineV(op, v0, v128.load(p));
        v1 = combineV(op, v1, v128.load(p, 16));
      }
      const v = combineV(op, v0, v1);
      acc = combineS(op, combineS(op, f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), combineS(op, f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
    }
  }
  for (; i < n; i++) acc = combineS(op, acc, load<f32>(x + (<usize>i << 2)));
  return acc;
}

// Reduces n >= 1 contiguous floats block by block.
@inline function reduceContiguous(op: i32, x: usize, n: i32): f32 {
  let acc = reduceBlock(op, x, min<i32>(n, REDUCE_BLOCK));
  for (let b = REDUCE_BLOCK; b < n; b += REDUCE_BLOCK) {
    acc = combineS(op, acc, reduceBlock(op, x + (<usize>b << 2), min<i32>(n - b, REDUCE_BLOCK)));
  }
  return acc;
}

// y[j] = reduce over k of x[k * inner + j] for j in [j0, j1), rows k in blocks of REDUCE_BLOCK.
@inline function reduceStrided(op: i32, x: usize, y: usize, r: i32, inner: i32, j0: i32, j1: i32, scale: f32): void {
  const rowBytes = <usize>inner << 2;
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    const s = f32x4.splat(scale);
    for (; j + 4 <= j1; j += 4) {
      let acc = f32x4.splat(0);
      for (let b = 0; b < r; b += REDUCE_BLOCK) {
        let p = x + (<usize>b * rowBytes) + (<usize>j << 2);
        let part = v128.load(p);
        const e = min<i32>(r, b + REDUCE_BLOCK);
        for (let k = b + 1; k < e; k++) {
          p += rowBytes;
          part = combineV(op, part, v128.load(p));
        }
        acc = b == 0 ? part : combineV(op, acc, part);
      }
      if (op == RED_SUM) acc = f32x4.mul(acc, s);
      v128.store(y + (<usize>j << 2), acc);
    }
  }
  for (; j < j1; j++) {
    let acc: f32 = 0;
    for (let b = 0; b < r; b += REDUCE_BLOCK) {
      let p = x + (<usize>b * rowBytes) + (<usize>j << 2);
      let part = load<f32>(p);
      const e = min<i32>(r, b + REDUCE_BLOCK);
      for (let k = b + 1; k < e; k++) {
        p += rowBytes;
        part = combineS(op, part, load<f32>(p));
      }
      acc = b == 0 ? part : combineS(op, acc, part);
    }
    store<f32>(y + (<usize>j << 2), op == RED_SUM ? acc * scale : acc);
  }
}

@inline function reduceTasks(op: i32, x: usize, y: usize, r: i32, inner: i32, scale: f32, taskBegin: i32, taskEnd: i32): void {
  if (inner == 1) {
    for (let o = taskBegin; o < taskEnd; o++) {
      const v = reduceContiguous(op, x + (<usize>o * r << 2), r);
      store<f32>(y + (<usize>o << 2), op == RED_SUM ? v * scale : v);
    }
    return;
  }
  const chunks = (inner + REDUCE_CHUNK - 1) / REDUCE_CHUNK;
  for (let t = taskBegin; t < taskEnd; t++) {
    const o = t / chunks;
    const j0 = (t % chunks) * REDUCE_CHUNK;
    const j1 = min<i32>(j0 + REDUCE_CHUNK, inner);
    reduceStrided(op, x + (<usize>o * r * inner << 2), y + (<usize>o * inner << 2), r, inner, j0, j1, scale);
  }
}

/**
 * y[outer, inner] = reduce over r of x[outer, r, inner] (r >= 1); sums are multiplied by scale.
 * Tasks: outer when inner is 1, else outer * ceil(inner / REDUCE_CHUNK).
 */
export function reduce_f32(op: i32, x: usize, y: usize, r: i32, inner: i32, scale: f32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  if (op == RED_SUM) reduceTasks(RED_SUM, x, y, r, inner, scale, taskBegin, taskEnd);
  else if (op == RED_MAX) reduceTasks(RED_MAX, x, y, r, inner, scale, taskBegin, taskEnd);
  else reduceTasks(RED_MIN, x, y, r, inner, scale, taskBegin, taskEnd);
}

/** y[outer, inner] (int32) = index along r of the first max (isMin 0) or min (isMin 1); NaN counts as the extreme. Tasks: outer * inner. */
export function argreduce_f32(isMin: i32, x: usize, y: usize, r: i32, inner: i32, taskBegin: i32, taskEnd: i32, scratch: usize): void {
  for (let t = taskBegin; t < taskEnd; t++) {
    const o = t / inner;
    const j = t % inner;
    let p = x + ((<usize>o * r * inner + j) << 2);
    let best = load<f32>(p);
    let at = 0;
    for (let k = 1; k < r && best == best; k++) {
      p += <usize>inner << 2;
      const v = load<f32>(p);
      if (v != v || (isMin ? v < best : v > best)) {
        best = v;
        at = k;
      }
    }
    store<i32>(y + (<usize>t << 2), at);
  }
}
