// Weight initializers, as Keras: fans from the weight shape, variance scaling (glorot, he, lecun),
// orthogonal, constants and random ones; every random one takes a seed.
import { WasmgradError, fmtShape, describeValue, msg, jsonOf } from './errors.js';
import { ownEntry } from './util/lookup.js';
import { optionsOf } from './validate.js';
import { Tensor, sizeOf } from './tensor.js';
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
  if (!Array.isArray(shape)) throw new WasmgradError(msg`initializers.computeFans: shape must be an array, got ${describeValue(shape)}`);
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = sizeOf(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'normal' | 'truncatedNormal' | 'uniform' | 'untruncatedNormal';

export function varianceScaling(
  opts: { scale?: number; mode?: FanMode | 'fan_in' | 'fan_out' | 'fan_avg'; distribution?: Distribution | 'truncated_normal' | 'untruncated_normal'; seed?: number } = {},
): Initializer {
  // TF.js and Keras spellings (fanAvg / fan_avg, truncatedNormal / truncated_normal) are both accepted
  const { scale = 1, mode = 'fanIn', distribution = 'truncatedNormal', seed } = varianceConfig(optionsOf(opts, 'varianceScaling') as Record<string, unknown>);
  if (!(scale > 0)) throw new WasmgradError(msg`varianceScaling: scale must be > 0, got ${scale}`);
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

/** An initializer's options: none (undefined or null) is {}; what is given must be a finite number. */
function opts<T extends Record<string, unknown>>(o: T | null | undefined, name: string): T {
  const given = optionsOf(o, `initializers.${name}`);
  for (const [k, v] of Object.entries(given)) {
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new WasmgradError(msg`initializers.${name}: ${k} must be a finite number, got ${describeValue(v)}`);
  }
  return given;
}
export const glorotUniform = (o?: Seeded | null) => rename('GlorotUniform', varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: opts(o, 'glorotUniform').seed }), opts(o, 'glorotUniform'));
export const glorotNormal = (o?: Seeded | null) => rename('GlorotNormal', varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: opts(o, 'glorotNormal').seed }), opts(o, 'glorotNormal'));
export const heUniform = (o?: Seeded | null) => rename('HeUniform', varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: opts(o, 'heUniform').seed }), opts(o, 'heUniform'));
export const heNormal = (o?: Seeded | null) => rename('HeNormal', varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: opts(o, 'heNormal').seed }), opts(o, 'heNormal'));
export const lecunUniform = (o?: Seeded | null) => rename('LecunUniform', varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: opts(o, 'lecunUniform').seed }), opts(o, 'lecunUniform'));
export const lecunNormal = (o?: Seeded | null) => rename('LecunNormal', varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: opts(o, 'lecunNormal').seed }), opts(o, 'lecunNormal'));

function rename(className: string, init: Initializer, config: Seeded): Initializer {
  return make(className, { seed: config.seed }, (shape) => init(shape));
}

export const zeros = () => make('Zeros', {}, (shape) => fill(shape, 0));
export const ones = () => make('Ones', {}, (shape) => fill(shape, 1));
export const constant = (given: { value: number }) => {
  const o = opts(given, 'constant');
  if (typeof o.value !== 'number') throw new WasmgradError(msg`initializers.constant: needs { value }, a finite number`);
  return make('Constant', { value: o.value }, (shape) => fill(shape, o.value));
};
export const randomNormalInit = (given?: { mean?: number; stddev?: number; seed?: number } | null) => {
  const o = opts(given, 'randomNormalInit');
  return make('RandomNormal', { mean: o.mean ?? 0, stddev: o.stddev ?? 0.05, seed: o.seed }, (shape) => randomNormal(shape, o.mean ?? 0, o.stddev ?? 0.05, o.seed));
};
export const randomUniformInit = (given?: { minval?: number; maxval?: number; seed?: number } | null) => {
  const o = opts(given, 'randomUniformInit');
  return make('RandomUniform', { minval: o.minval ?? -0.05, maxval: o.maxval ?? 0.05, seed: o.seed }, (shape) => randomUniform(shape, o.minval ?? -0.05, o.maxval ?? 0.05, o.seed));
};
export const truncatedNormalInit = (given?: { mean?: number; stddev?: number; seed?: number } | null) => {
  const o = opts(given, 'truncatedNormalInit');
  return make('TruncatedNormal', { mean: o.mean ?? 0, stddev: o.stddev ?? 0.05, seed: o.seed }, (shape) => truncatedNormal(shape, o.mean ?? 0, o.stddev ?? 0.05, o.seed));
};

/** A random orthogonal matrix (QR of a normal one, signs fixed by R's diagonal), as Keras; the shape is flattened to [prod(leading), last]. */
export const orthogonal = (given?: { gain?: number; seed?: number } | null) => {
  const o = opts(given, 'orthogonal');
  return make('Orthogonal', { gain: o.gain ?? 1, seed: o.seed }, (shape) => {
    if (shape.length < 2) throw new WasmgradError(msg`orthogonal: needs a shape of rank >= 2, got ${fmtShape(shape)}`);
    const cols = shape[shape.length - 1];
    const rows = sizeOf(shape.slice(0, -1));
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
};

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

/** gain * I for a square matrix (TF.js's identity initializer). */
export const identity = (given?: { gain?: number } | null) => {
  const o = opts(given, 'identity');
  return make('Identity', { gain: o.gain ?? 1 }, (shape) => {
    if (shape.length !== 2 || shape[0] !== shape[1]) throw new WasmgradError(msg`identity initializer: needs a square matrix shape, got ${fmtShape(shape)}`);
    const n = shape[0];
    const out = new Float32Array(n * n);
    for (let i = 0; i < n; i++) out[i * n + i] = o.gain ?? 1;
    return tensor(out, shape);
  });
};

type Factory = (o?: Record<string, unknown>) => Initializer;

// A Map, so names such as 'constructor' or '__proto__' are never found on a prototype.
const BY_NAME = new Map<string, Factory>([
  ['glorotUniform', glorotUniform], ['glorotNormal', glorotNormal], ['heUniform', heUniform], ['heNormal', heNormal],
  ['lecunUniform', lecunUniform], ['lecunNormal', lecunNormal], ['zeros', zeros], ['ones', ones], ['orthogonal', orthogonal],
  ['constant', (o) => constantFrom(o ?? {})], ['identity', identity],
  ['randomNormal', randomNormalInit], ['randomUniform', randomUniformInit], ['truncatedNormal', truncatedNormalInit],
  ['varianceScaling', (o) => varianceScaling(varianceConfig(o ?? {}))],
]);

// Other spellings: TF.js's leCun*, Keras's class names, and snake_case (via snakeToCamel).
const ALIASES = new Map<string, string>([
  ['leCunUniform', 'lecunUniform'], ['leCunNormal', 'lecunNormal'], ['LeCunUniform', 'lecunUniform'], ['LeCunNormal', 'lecunNormal'],
  ['GlorotUniform', 'glorotUniform'], ['GlorotNormal', 'glorotNormal'], ['HeUniform', 'heUniform'], ['HeNormal', 'heNormal'],
  ['LecunUniform', 'lecunUniform'], ['LecunNormal', 'lecunNormal'], ['Zeros', 'zeros'], ['Ones', 'ones'], ['Orthogonal', 'orthogonal'],
  ['Constant', 'constant'], ['Identity', 'identity'], ['RandomNormal', 'randomNormal'], ['RandomUniform', 'randomUniform'],
  ['TruncatedNormal', 'truncatedNormal'], ['VarianceScaling', 'varianceScaling'], ['zero', 'zeros'], ['one', 'ones'],
]);

const snakeToCamel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function constantFrom(o: Record<string, unknown>): Initializer {
  const value = o.value ?? 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new WasmgradError(msg`constant initializer: value must be a finite number, got ${jsonOf(o.value)}`);
  return constant({ value });
}

const MODES = new Map<string, FanMode>([['fanIn', 'fanIn'], ['fan_in', 'fanIn'], ['fanOut', 'fanOut'], ['fan_out', 'fanOut'], ['fanAvg', 'fanAvg'], ['fan_avg', 'fanAvg']]);
const DISTRIBUTIONS = new Map<string, Distribution>([
  ['normal', 'normal'], ['uniform', 'uniform'], ['truncatedNormal', 'truncatedNormal'], ['truncated_normal', 'truncatedNormal'],
  ['untruncatedNormal', 'untruncatedNormal'], ['untruncated_normal', 'untruncatedNormal'],
]);

/** A varianceScaling config in TF.js (fanAvg, truncatedNormal) or Keras (fan_avg, truncated_normal) spelling, checked. */
function varianceConfig(o: Record<string, unknown>): { scale?: number; mode?: FanMode; distribution?: Distribution; seed?: number } {
  const mode = o.mode === undefined || o.mode === null ? undefined : MODES.get(String(o.mode));
  if (o.mode !== undefined && o.mode !== null && !mode) throw new WasmgradError(msg`varianceScaling: mode must be one of fanIn, fanOut, fanAvg (or fan_in, fan_out, fan_avg), got ${jsonOf(o.mode)}`);
  const distribution = o.distribution === undefined || o.distribution === null ? undefined : DISTRIBUTIONS.get(String(o.distribution));
  if (o.distribution !== undefined && o.distribution !== null && !distribution) {
    throw new WasmgradError(msg`varianceScaling: distribution must be one of ${[...DISTRIBUTIONS.keys()].join(', ')}, got ${jsonOf(o.distribution)}`);
  }
  if (o.scale !== undefined && o.scale !== null && typeof o.scale !== 'number') throw new WasmgradError(msg`varianceScaling: scale must be a number, got ${jsonOf(o.scale)}`);
  const seed = o.seed === null ? undefined : (o.seed as number | undefined);
  return { scale: (o.scale ?? undefined) as number | undefined, mode, distribution, seed };
}

/** Initializer classes registered with registerClass (TF.js style: objects with apply), by className. */
const CUSTOM = new Map<string, (config: Record<string, unknown>) => ApplyObject>();

/** @internal registerClass calls this for a class whose instances have apply(shape). */
export function registerCustomInitializer(className: string, make: (config: Record<string, unknown>) => ApplyObject): void {
  if (BY_NAME.has(className) || ALIASES.has(className)) throw new WasmgradError(msg`registerClass: '${className}' is a built-in initializer's name`);
  CUSTOM.set(className, make);
}

/** The canonical name for a spelling, or undefined. Own entries only: Maps have no inherited keys. */
function canonicalName(name: string): string | undefined {
  for (const key of [name, ALIASES.get(name), snakeToCamel(name), ALIASES.get(snakeToCamel(name))]) {
    if (key !== undefined && BY_NAME.has(key)) return key;
  }
  return undefined;
}

/** A TF.js-style initializer object: apply(shape, dtype) gives the values (a class extending tf.initializers.Initializer). */
interface ApplyObject {
  apply(shape: number[], dtype?: string): unknown;
  getClassName?(): string;
  getConfig?(): Record<string, unknown>;
}

function fromApplyObject(obj: ApplyObject): Initializer {
  const ctor = (obj as { constructor?: { className?: unknown } }).constructor;
  const className = obj.getClassName?.() ?? (typeof ctor?.className === 'string' ? ctor.className : 'Initializer');
  return make(className, obj.getConfig?.() ?? {}, (shape) => {
    const out = obj.apply(shape, 'float32');
    if (!(out instanceof Tensor) || out.shape.join() !== shape.join()) {
      throw new WasmgradError(msg`initializer ${className}: apply(${fmtShape(shape)}) must return a tensor of that shape, got ${out instanceof Tensor ? fmtShape(out.shape) : typeof out}`);
    }
    return out;
  });
}

/**
 * An initializer from a name ('glorotUniform', 'glorot_uniform', 'GlorotUniform', TF.js's
 * 'leCunNormal'), a serialized { className, config } (Keras or TF.js spelling), or itself.
 */
export function getInitializer(
  spec: string | Initializer | { className: string; config?: Record<string, unknown> } | ApplyObject | undefined, fallback: string,
): Initializer {
  if (spec === undefined || spec === null) {
    if (typeof fallback !== 'string') throw new WasmgradError(msg`getInitializer: expected an initializer, its name or its config, got ${describeValue(spec)}`);
    return getInitializer(fallback, fallback);
  }
  if (typeof spec === 'function') return spec;
  if (spec && typeof spec === 'object' && typeof (spec as { apply?: unknown }).apply === 'function') return fromApplyObject(spec as unknown as ApplyObject);
  let name: unknown;
  let config: unknown = {};
  if (typeof spec === 'string') name = spec;
  else if (typeof spec === 'object' && !Array.isArray(spec)) {
    const s = spec as Record<string, unknown>;
    name = s.className ?? s.class_name;
    config = s.config ?? {};
  }
  if (typeof name !== 'string') throw new WasmgradError(msg`unknown initializer ${jsonOf(spec)?.slice(0, 80)}; expected a name, { className, config }, or an initializer`);
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new WasmgradError(msg`initializer '${name}': config must be an object, got ${jsonOf(config)}`);
  const custom = CUSTOM.get(name);
  if (custom) return fromApplyObject(custom(config as Record<string, unknown>));
  const key = canonicalName(name);
  if (!key) throw new WasmgradError(msg`unknown initializer '${name}'; expected one of ${[...BY_NAME.keys(), ...CUSTOM.keys()].join(', ')}`);
  return BY_NAME.get(key)!(config as Record<string, unknown>);
}

/** { className, config } of an initializer (null for none, as TF.js). */
export function serializeInitializer(init: Initializer): { className: string; config: Record<string, unknown> };
export function serializeInitializer(init: Initializer | null | undefined): { className: string; config: Record<string, unknown> } | null;
export function serializeInitializer(init: Initializer | null | undefined): { className: string; config: Record<string, unknown> } | null {
  if (init == null) return null;
  if (typeof init !== 'function' || typeof (init as Initializer).className !== 'string') throw new WasmgradError(msg`serializeInitializer: expected an initializer, got ${describeValue(init)}`);
  return { className: init.className, config: init.config };
}

// TensorFlow.js names: wg.initializers.randomNormal({ mean, stddev, seed }) and so on.
// TF.js's spellings of the LeCun initializers.
export { lecunNormal as leCunNormal, lecunUniform as leCunUniform };
export { randomNormalInit as randomNormal, randomUniformInit as randomUniform, truncatedNormalInit as truncatedNormal };
