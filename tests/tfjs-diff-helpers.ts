// What the comparisons with TF.js share: a seeded generator, and the outputs of an op as plain
// shapes, dtypes and values.

/** Either library's namespace (their types differ where wasmgrad/tfjs is looser). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Lib = any;
export type Arg = [kind: 'v' | 't' | 'p' | 'b' | 'i' | 'idx' | 'ts' | 'reduction', value: unknown, extra?: unknown];
export interface Case { op: string; args: Arg[] }

/** A small seeded generator (the same stream for both libraries' inputs). */
export class Gen {
  constructor(public seed: number) {}
  next(): number {
    this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff;
    return this.seed / 0x7fffffff;
  }
  int(a: number, b: number): number { return a + Math.floor(this.next() * (b - a + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(0, xs.length - 1)]; }
  shape(rank: number, max = 4): number[] { return Array.from({ length: rank }, () => this.int(1, max)); }
  values(n: number): number[] { return Array.from({ length: n }, () => Math.round((this.next() * 4 - 2) * 100) / 100); }
}

export const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

export interface Out { shape: number[]; dtype: string; values: number[] }
export function outputs(r: unknown): Out[] {
  if (Array.isArray(r)) return r.flatMap(outputs);
  const t = r as { shape?: number[]; dtype: string; dataSync?: () => ArrayLike<number> };
  if (t && typeof t.dataSync === 'function') return [{ shape: t.shape!, dtype: t.dtype, values: Array.from(t.dataSync()) }];
  return Object.values(r as object).flatMap(outputs);
}

