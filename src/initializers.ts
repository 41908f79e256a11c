// Weight initializers, as Keras: fans from the weight shape, variance scaling (glorot, he, lecun),
// orthogonal, constants and random ones; every random one takes a seed.
import { WasmgradError, fmtShape } from './errors.js';
import { ownEntry } from './util/lookup.js';
import { Tensor } from './tensor.js';
import { fill, tensor } from './creation.js';
import { randomNormal, randomUniform, truncatedNormal, nextSeed } from './ops/random.js';

export interface Initializer {
  (shape: number[]): Tensor;
  readonly className: string;
  readonly config: Record<string, unknown>;
}

function make(className: string, config: Record<string, unknown>, fn: (shape: number[]) => Tensor): Initializer {
  return Object.assign(fn, { className, config });
}

/** Keras's fans: [in, out] for a matrix, receptive field times channels for a convolution kernel. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'normal' | 'truncatedNormal' | 'uniform' | 'untruncatedNormal';

export function varianceScaling(opts: { scale?: number; mode?: FanMode; distribution?: Distribution; seed?: number } = {}): Initializer {
  const { scale = 1, mode = 'fanIn', distribution = 'truncatedNormal', seed } = opts;
  if (!(scale > 0)) throw new WasmgradError(`varianceScaling: scale must be > 0, got ${scale}`);
  return make('VarianceScaling', { scale, mode, distribution, seed }, (shape) => {
    const [fanIn, fanOut] = computeFans(shape);
    const n = Math.max(1, mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    const s = seed ?? nextSeed();
    if (distribution === 'uniform') {
      const limit = Math.sqrt((3 * scale) / n);
      return randomUniform(shape, -limit, limit, s);
    }
    if (distribution === 'untruncatedNormal') return randomNormal(shape, 0, Math.sqrt(scale / n), s);
    // the stddev of a unit normal truncated to [-2, 2] is 0.8796...: Keras divides it out
    return truncatedNormal(shape, 0, Math.sqrt(scale / n) / 0.87962566103423978, s);
  });
}

type Seeded = { seed?: number };
export const glorotUniform = (o: Seeded = {}) => rename('GlorotUniform', varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: o.seed }), o);
export const glorotNormal = (o: Seeded = {}) => rename('GlorotNormal', varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: o.seed }), o);
export const heUniform = (o: Seeded = {}) => rename('HeUniform', varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: o.seed }), o);
export const heNormal = (o: Seeded = {}) => rename('HeNormal', varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: o.seed }), o);
export const lecunUniform = (o: Seeded = {}) => rename('LecunUniform', varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: o.seed }), o);
export const lecunNormal = (o: Seeded = {}) => rename('LecunNormal', varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: o.seed }), o);

function rename(className: string, init: Initializer, config: Seeded): Initializer {
  return make(className, { seed: config.seed }, (shape) => init(shape));
}

export const zeros = () => make('Zeros', {}, (shape) => fill(shape, 0));
export const ones = () => make('Ones', {}, (shape) => fill(shape, 1));
export const constant = (o: { value: number }) => make('Constant', { value: o.value }, (shape) => fill(shape, o.value));
export const randomNormalInit = (o: { mean?: number; stddev?: number; seed?: number } = {}) =>
  make('RandomNormal', { mean: o.mean ?? 0, stddev: o.stddev ?? 0.05, seed: o.seed }, (shape) => randomNormal(shape, o.mean ?? 0, o.stddev ?? 0.05, o.seed));
export const randomUniformInit = (o: { minval?: number; maxval?: number; seed?: number } = {}) =>
  make('RandomUniform', { minval: o.minval ?? -0.05, maxval: o.maxval ?? 0.05, seed: o.seed }, (shape) => randomUniform(shape, o.minval ?? -0.05, o.maxval ?? 0.05, o.seed));
export const truncatedNormalInit = (o: { mean?: number; stddev?: number; seed?: number } = {}) =>
  make('TruncatedNormal', { mean: o.mean ?? 0, stddev: o.stddev ?? 0.05, seed: o.seed }, (shape) => truncatedNormal(shape, o.mean ?? 0, o.stddev ?? 0.05, o.seed));

/** A random orthogonal matrix (QR of a normal one, signs fixed by R's diagonal), as Keras; the shape is flattened to [prod(leading), last]. */
export const orthogonal = (o: { gain?: number; seed?: number } = {}) =>
  make('Orthogonal', { gain: o.gain ?? 1, seed: o.seed }, (shape) => {
    if (shape.length < 2) throw new WasmgradError(`orthogonal: needs a shape of rank >= 2, got ${fmtShape(shape)}`);
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const [m, n] = rows < cols ? [cols, rows] : [rows, cols]; // QR of the tall orientation
    const g = randomNormal([m, n], 0, 1, o.seed ?? nextSeed());
    const a = Float64Array.from(g.dataSync());
    g.dispose();
    const q = householderQ(a, m, n);
    const gain = o.gain ?? 1;
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (rows < cols ? q[j * n + i] : q[i * n + j]);
    }
    return tensor(out, shape);
  });

/** The m x n matrix Q of a QR decomposition of a (m >= n, row-major), with diag(R) made positive. */
function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const r = a.slice();
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const alpha = r[k * n + k] > 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = r[i * n + k];
    v[k] -= alpha;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i] ** 2;
    vs.push(v);
    if (vn === 0) continue;
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i] * r[i * n + j];
      const f = (2 * d) / vn;
      for (let i = k; i < m; i++) r[i * n + j] -= f * v[i];
    }
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i] ** 2;
    if (vn === 0) continue;
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i] * q[i * n + j];
      const f = (2 * d) / vn;
      for (let i = k; i < m; i++) q[i * n + j] -= f * v[i];
    }
  }
  for (let j = 0; j < n; j++) {
    if (r[j * n + j] < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
  }
  return q;
}

const BY_NAME: Record<string, (o?: Record<string, unknown>) => Initializer> = {
  glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal, zeros, ones, orthogonal,
  constant: (o) => constant(o as { value: number }),
  randomNormal: randomNormalInit, randomUniform: randomUniformInit, truncatedNormal: truncatedNormalInit,
  varianceScaling,
};

const CLASS_TO_NAME: Record<string, string> = {
  GlorotUniform: 'glorotUniform', GlorotNormal: 'glorotNormal', HeUniform: 'heUniform', HeNormal: 'heNormal',
  LecunUniform: 'lecunUniform', LecunNormal: 'lecunNormal', Zeros: 'zeros', Ones: 'ones', Orthogonal: 'orthogonal',
  Constant: 'constant', RandomNormal: 'randomNormal', RandomUniform: 'randomUniform', TruncatedNormal: 'truncatedNormal',
  VarianceScaling: 'varianceScaling',
};

const snakeToCamel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** An initializer from a name ('glorotUniform', 'glorot_uniform', 'GlorotUniform'), a serialized {className, config}, or itself. */
export function getInitializer(spec: string | Initializer | { className: string; config?: Record<string, unknown> } | undefined, fallback: string): Initializer {
  if (spec === undefined || spec === null) return getInitializer(fallback, fallback);
  if (typeof spec === 'function') return spec;
  const [name, config] = typeof spec === 'string' ? [spec, {}] : [spec.className, spec.config ?? {}];
  if (typeof name !== 'string') throw new WasmgradError(`initializer: expected a name, an initializer or { className, config }, got ${typeof name}`);
  const key = ownEntry(CLASS_TO_NAME, name) ?? snakeToCamel(name);
  const factory = ownEntry(BY_NAME, key);
  if (!factory) throw new WasmgradError(`unknown initializer '${name}'; expected one of ${Object.keys(BY_NAME).join(', ')}`);
  return factory(config);
}

export function serializeInitializer(init: Initializer): { className: string; config: Record<string, unknown> } {
  return { className: init.className, config: init.config };
}

// TensorFlow.js names: wg.initializers.randomNormal({ mean, stddev, seed }) and so on.
export { randomNormalInit as randomNormal, randomUniformInit as randomUniform, truncatedNormalInit as truncatedNormal };
