// The Hopfield network: bipolar units (+1 / -1), Hebbian weights w_ij = sum_c x_ci x_cj with a zero
// diagonal, asynchronous updates (s_i = 1 if sum_j w_ij s_j >= 0 else -1) in a seeded random order
// until a whole sweep changes nothing, and the energy E = -1/2 sum_ij w_ij s_i s_j, which an
// asynchronous update never raises.
//
// A batch of probes is recalled together: each unit update is a handful of tensor ops over the
// batch, and the local fields h = S W are kept current by a rank-1 GEMM per update instead of
// being recomputed (the update of unit i changes h by (s_i' - s_i) W[i, :]).
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor, tidy, keep } from '../tensor.js';
import { zeros, tensor } from '../creation.js';
import { add, sub, mul, matMul, slice, sum, abs, reshape, clone } from '../ops/index.js';
import { greaterEqual } from '../ops/compare.js';
import { scale } from '../ops/unary.js';
import { checkInt, checkSeedValue, rng, permutation } from './util.js';

export interface RecallOptions {
  /** Seed of the random update order (each sweep draws a fresh order from it). Default 0. */
  seed?: number;
  /** Stop after this many sweeps even if units still change. Default 100. */
  maxSweeps?: number;
  /** Called after every single-unit update with the current states [batch, size] and the unit. */
  onUpdate?: (state: Tensor, unit: number) => void;
}

export interface RecallResult {
  /** The final states, [batch, size] (or [size] for a rank-1 probe). */
  state: Tensor;
  /** Sweeps run, the last being the one that changed nothing (unless maxSweeps stopped it). */
  sweeps: number;
  /** Whether a full sweep left every unit as it was. */
  converged: boolean;
}

/** Raises unless x is float32 [size] or [batch, size] with every value +1 or -1. */
function checkBipolar(x: unknown, size: number, op: string, name: string): Tensor {
  if (!(x instanceof Tensor) || x.isDisposed || x.dtype !== 'float32' || x.rank < 1 || x.rank > 2 || x.shape[x.rank - 1] !== size || x.size === 0) {
    const got = x instanceof Tensor ? `${x.dtype} ${fmtShape(x.shape)}` : typeof x;
    throw new WasmgradError(msg`${op}: ${name} must be float32 [${size}] or [batch, ${size}] of +1 / -1, got ${got}`);
  }
  const bad = x.dataSync().findIndex((v) => v !== 1 && v !== -1);
  if (bad >= 0) throw new WasmgradError(msg`${op}: ${name} must hold only +1 and -1, found ${x.dataSync()[bad]} at flat index ${bad}`);
  return x;
}

export class HopfieldNetwork {
  readonly size: number;
  /** The weights [size, size], symmetric with a zero diagonal. */
  weights: Tensor;
  /** Number of patterns stored so far. */
  patterns = 0;

  constructor(size: number) {
    this.size = checkInt(size, 'hopfield', 'size', 2);
    this.weights = keep(zeros([size, size]));
  }

  /** Adds patterns [count, size] (or one [size]) of +1 / -1 by the Hebbian rule. */
  store(patterns: Tensor): void {
    const x = checkBipolar(patterns, this.size, 'hopfield.store', 'patterns');
    const rows = x.rank === 1 ? 1 : x.shape[0];
    const next = tidy(() => {
      const p = reshape(x, [rows, this.size]);
      const offDiagonal = sub(1, eye(this.size));
      return keep(add(this.weights, mul(matMul(p, p, true, false), offDiagonal)));
    });
    this.weights.dispose();
    this.weights = next;
    this.patterns += rows;
  }

  /** E(s) = -1/2 s W s^T for each state: [batch] (a scalar tensor for a rank-1 state). */
  energy(state: Tensor): Tensor {
    const s = checkBipolar(state, this.size, 'hopfield.energy', 'state');
    return tidy(() => {
      const rows = s.rank === 1 ? 1 : s.shape[0];
      const sm = reshape(s, [rows, this.size]);
      const e = mul(sum(mul(matMul(sm, this.weights), sm), 1), -0.5);
      return s.rank === 1 ? reshape(e, []) : e;
    });
  }

  /**
   * Asynchronous recall from probe states ([size] or [batch, size], +1 / -1): in each sweep every
   * unit is updated once, in a seeded random order (the same order for every probe of the batch),
   * until a sweep changes nothing.
   */
  recall(probe: Tensor, options: RecallOptions = {}): RecallResult {
    const p = checkBipolar(probe, this.size, 'hopfield.recall', 'probe');
    const seed = checkSeedValue(options.seed ?? 0, 'hopfield.recall');
    const maxSweeps = checkInt(options.maxSweeps ?? 100, 'hopfield.recall', 'maxSweeps');
    if (options.onUpdate !== undefined && typeof options.onUpdate !== 'function') throw new WasmgradError('hopfield.recall: onUpdate must be a function');
    const n = this.size;
    const rows = p.rank === 1 ? 1 : p.shape[0];
    // State and field are replaced (and the old ones freed) at every update; they are made outside
    // any tidy of ours, so inside a caller's tidy they belong to the caller's scope.
    let state = tidy(() => clone(reshape(p, [rows, n])));
    let field = matMul(state, this.weights); // h = S W, [rows, n]
    const random = rng(seed);
    let sweeps = 0;
    let converged = false;
    try {
      while (sweeps < maxSweeps && !converged) {
        sweeps++;
        const before = clone(state);
        for (const i of permutation(n, random)) {
          const next = tidy(() => {
            const h = slice(field, [0, i], [rows, 1]);
            const s = slice(state, [0, i], [rows, 1]);
            const updated = scale(greaterEqual(h, 0), 2, -1); // +1 where h >= 0
            const delta = sub(updated, s); // 0 or +-2 per probe
            return [add(state, matMul(delta, oneHotRow(i, n))), add(field, matMul(delta, slice(this.weights, [i, 0], [1, n])))];
          });
          state.dispose();
          field.dispose();
          [state, field] = next;
          options.onUpdate?.(state, i);
        }
        const changes = tidy(() => sum(abs(sub(state, before))));
        converged = changes.dataSync()[0] === 0;
        changes.dispose();
        before.dispose();
      }
    } catch (err) {
      state.dispose();
      throw err;
    } finally {
      field.dispose();
    }
    if (p.rank === 1) {
      const flat = reshape(state, [n]);
      state.dispose();
      state = flat;
    }
    return { state, sweeps, converged };
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/** The identity matrix [n, n]. */
function eye(n: number): Tensor {
  const v = new Float32Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  return tensor(v, [n, n]);
}

/** The row e_i of the identity [1, n]. */
function oneHotRow(i: number, n: number): Tensor {
  const v = new Float32Array(n);
  v[i] = 1;
  return tensor(v, [1, n]);
}

/** A Hopfield network of `size` bipolar units with no patterns stored yet. */
export function hopfield(size: number): HopfieldNetwork {
  return new HopfieldNetwork(size);
}

/** The bipolar form of values in [0, 1]: +1 where v >= threshold, else -1. */
export function toBipolar(x: Tensor, threshold = 0.5): Tensor {
  if (!(x instanceof Tensor) || x.dtype !== 'float32') throw new WasmgradError(msg`toBipolar: x must be a float32 Tensor, got ${x instanceof Tensor ? x.dtype : typeof x}`);
  return tidy(() => scale(greaterEqual(x, threshold), 2, -1));
}
