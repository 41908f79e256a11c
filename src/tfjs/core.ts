// The core of the TensorFlow.js namespace: engine functions (ready, setBackend, memory, dispose,
// nextFrame ...), creation functions in TF.js's spelling (tensor1d ... tensor6d, zerosLike), and
// the ops whose TF.js signature differs from the root entry's (argument order, defaults, dtype).
import { WasmgradError, describeValue, fmtShape, msg } from '../errors.js';
import { Tensor, type DType } from '../tensor.js';
import { init, ready, backendInfo } from '../engine/state.js';
import { setDebug, isDebug } from '../debug.js';
import { tensor as makeTensor, fill, withTensorArgs } from '../creation.js';
import { checkTensor } from '../ops/util.js';
import * as ops from '../ops/index.js';
import { powTfjs } from '../ops/elementwise-js.js';
import { grad as baseGrad, grads as baseGrads } from '../gradients.js';
import { Variable, variable as makeVariable } from '../variables.js';
import type { TensorLike } from '../creation.js';

const dt = (d: DType | undefined): DType => (d === 'int32' || d === 'bool' ? d : 'float32');

let backendName = 'wasm';

/** Resolves once the engine and its worker threads are up (importing this entry already started it). */
export { ready };

/**
 * TF.js programs pick a backend by name; every name runs on wasmgrad's engine (the name is kept
 * so getBackend() answers what was asked). Resolves to true, as TF.js does for a working backend.
 */
export async function setBackend(name: string): Promise<boolean> {
  if (typeof name !== 'string' || !name) throw new WasmgradError('setBackend: expected a backend name');
  await init();
  backendName = name;
  return true;
}
export const getBackend = (): string => backendName;
export const backend = () => ({ name: backendName, info: backendInfo() });
export const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
export const enableProdMode = (): void => undefined;
export const disposeVariables = (): void => undefined;
export const version = { 'tfjs-core': '4.22.0', tfjs: '4.22.0', wasmgrad: '0.1.0' };
/** TF.js's version_core: the tfjs-core version this entry follows. */
export const version_core = version['tfjs-core'];

/** tf.env(): flags are accepted and remembered (they do not change wasmgrad's engine). */
const flags = new Map<string, unknown>([['IS_NODE', typeof process !== 'undefined' && !!process.versions?.node], ['PROD', false]]);
// (the DEBUG flag is wasmgrad's debug mode, as tf.enableDebugMode sets it)
const getFlag = (k: string) => (k === 'DEBUG' ? isDebug() : flags.get(k));
const setFlag = (k: string, v: unknown) => (k === 'DEBUG' ? setDebug(!!v) : void flags.set(k, v));
export const env = () => ({
  get: getFlag,
  getBool: (k: string) => !!getFlag(k),
  getNumber: (k: string) => Number(getFlag(k)),
  set: (k: string, v: unknown) => void setFlag(k, v),
  setFlags: (f: Record<string, unknown>) => {
    if (f === null || typeof f !== 'object') throw new WasmgradError(msg`env().setFlags: expected an object of flags, got ${describeValue(f)}`);
    Object.entries(f).forEach(([k, v]) => setFlag(k, v));
  },
  platformName: typeof window !== 'undefined' ? 'browser' : 'node',
});
/** TF.js's tf.ENV: the same flags as env(). */
export const ENV = env();

/** Disposes every tensor in a tensor, an array, or an object of them (nested), as tf.dispose (one argument: more are ignored). */
export function dispose(container: unknown): void {
  disposeNested(container, 0);
}

function disposeNested(container: unknown, depth: number): void {
  if (container instanceof Tensor) container.dispose();
  else if (depth > 32 || container === null || typeof container !== 'object') return;
  else if (Array.isArray(container)) container.forEach((c) => disposeNested(c, depth + 1));
  else for (const v of Object.values(container)) disposeNested(v, depth + 1);
}

/**
 * Values for an int32 tensor as TF.js stores them (an Int32Array: 1.7 -> 1, -2.7 -> -2, NaN -> 0,
 * wrapping past 2^31), where the root entry refuses what is not a whole int32. Anything not a number
 * is left for makeTensor to refuse.
 */
function int32Values(values: TensorLike, depth = 0): TensorLike {
  if (typeof values === 'number') return values | 0;
  if (ArrayBuffer.isView(values) && !(values instanceof Int32Array) && !(values instanceof DataView)) return Int32Array.from(values as ArrayLike<number>);
  if (Array.isArray(values) && depth < 64) return values.map((v) => int32Values(v as TensorLike, depth + 1)) as TensorLike;
  return values;
}
/** TF.js's dtype for values given none: int32 where the first innermost row is an Int32Array or Uint8Array. */
function inferDtype(values: unknown, depth = 0): DType {
  if (Array.isArray(values) && depth < 64) return inferDtype(values[0], depth + 1);
  if (typeof values === 'boolean') return 'bool';
  return values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray ? 'int32' : 'float32';
}
const tfjsTensor = (values: TensorLike, shape: number[] | undefined, dtype: DType | undefined) => {
  const type = dt(dtype ?? inferDtype(values));
  return makeTensor(type === 'int32' ? int32Values(values) : values, shape, type);
};

function rankChecked(rank: number, values: TensorLike, shape?: number[], dtype?: DType): Tensor {
  const t = tfjsTensor(values, shape, dtype);
  if (t.rank !== rank) {
    t.dispose();
    throw new WasmgradError(msg`tensor${rank}d: expected rank ${rank}, got shape ${fmtShape(t.shape)}`);
  }
  return t;
}

export const tensor = (values: TensorLike, shape?: number[], dtype?: DType) => tfjsTensor(values, shape, dtype);
export const scalar = (value: number | boolean, dtype?: DType) => tfjsTensor(value, [], dtype);
export const tensor1d = (values: TensorLike, dtype?: DType) => rankChecked(1, values, undefined, dtype);
export const tensor2d = (values: TensorLike, shape?: [number, number], dtype?: DType) => rankChecked(2, values, shape, dtype);
export const tensor3d = (values: TensorLike, shape?: [number, number, number], dtype?: DType) => rankChecked(3, values, shape, dtype);
export const tensor4d = (values: TensorLike, shape?: number[], dtype?: DType) => rankChecked(4, values, shape, dtype);
export const tensor5d = (values: TensorLike, shape?: number[], dtype?: DType) => rankChecked(5, values, shape, dtype);
export const tensor6d = (values: TensorLike, shape?: number[], dtype?: DType) => rankChecked(6, values, shape, dtype);
export const zeros = (shape: number[], dtype?: DType) => fill(shape, 0, dt(dtype));
export const ones = (shape: number[], dtype?: DType) => fill(shape, 1, dt(dtype));
/** Zeros (ones) of x's shape and dtype; x a tensor or what tf.tensor takes. */
const filledLike = (op: string, value: number) => (x: Tensor | TensorLike) =>
  withTensorArgs(['0'], [x], (t) => fill(checkTensor(t, op).shape, value, (t as Tensor).dtype));
export const zerosLike = filledLike('zerosLike', 0);
export const onesLike = filledLike('onesLike', 1);
export const fillTensor = (shape: number[], value: number, dtype?: DType) => fill(shape, value, dt(dtype));

export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DType): Variable {
  const v = dtype && dt(dtype) !== initialValue.dtype ? ops.cast(initialValue, dt(dtype)) : initialValue;
  try {
    return makeVariable(v, trainable, name);
  } finally {
    if (v !== initialValue) v.dispose();
  }
}

// ---- ops with TF.js's signatures ------------------------------------------------------------------

export const randomUniform = (shape: number[], minval = 0, maxval = 1, dtype?: DType, seed?: number) => {
  const t = ops.randomUniform(shape, minval, maxval, seed);
  return dtype === 'int32' ? castAndFree(t, 'int32') : t;
};
export const randomNormal = (shape: number[], mean = 0, stdDev = 1, dtype?: DType, seed?: number) => ops.randomNormal(shape, mean, stdDev, seed);
export const truncatedNormal = (shape: number[], mean = 0, stdDev = 1, dtype?: DType, seed?: number) => ops.truncatedNormal(shape, mean, stdDev, seed);
export const dropout = (x: Tensor, rate: number, noiseShape?: (number | null)[] | null, seed?: number) => ops.dropout(x, rate, seed, noiseShape ?? undefined);
export const argMax = (x: Tensor, axis = 0) => ops.argMax(x, axis);
export const argMin = (x: Tensor, axis = 0) => ops.argMin(x, axis);

function castAndFree(t: Tensor, dtype: DType): Tensor {
  const c = ops.cast(t, dtype);
  t.dispose();
  return c;
}

function checkFormat(op: string, dataFormat: string | undefined, expected: string): void {
  if (dataFormat !== undefined && dataFormat !== expected) throw new WasmgradError(msg`${op}: dataFormat '${dataFormat}' is not supported; wasmgrad works in ${expected}`);
}

type Pad = 'valid' | 'same';
export const conv1d = (x: Tensor, filter: Tensor, stride: number, pad: Pad, dataFormat?: 'NWC' | 'NCW', dilation = 1) => {
  checkFormat('conv1d', dataFormat, 'NWC');
  return ops.conv1d(x, filter, stride, pad, dilation);
};
export const conv2d = (x: Tensor, filter: Tensor, strides: number | [number, number], pad: Pad, dataFormat?: 'NHWC' | 'NCHW', dilations: number | [number, number] = 1) => {
  checkFormat('conv2d', dataFormat, 'NHWC');
  return ops.conv2d(x, filter, strides, pad, dilations);
};
export const depthwiseConv2d = (x: Tensor, filter: Tensor, strides: number | [number, number], pad: Pad, dataFormat?: 'NHWC' | 'NCHW', dilations: number | [number, number] = 1) => {
  checkFormat('depthwiseConv2d', dataFormat, 'NHWC');
  return ops.depthwiseConv2d(x, filter, strides, pad, dilations);
};

/** base ** exp, exp a number or a tensor (broadcast, elementwise, with gradients to both). */
export const pow = (base: Tensor | number, exp: Tensor | number): Tensor => powTfjs(base, exp);

/** floor(a / b) as int32, as TF.js's floorDiv, whatever the operands' dtypes (the root entry keeps float32 for two float32). */
export const floorDiv = (a: Tensor | number, b: Tensor | number): Tensor => {
  const out = ops.floorDiv(a, b);
  return out.dtype === 'int32' ? out : castAndFree(out, 'int32');
};

/** oneHot of int32 indices (a tensor or an array), as TF.js: int32 unless dtype says float32. */
export function oneHot(indices: Tensor | number[], depth: number, onValue = 1, offValue = 0, dtype: DType = 'int32'): Tensor {
  const t = Array.isArray(indices) ? makeTensor(indices, undefined, 'int32') : indices;
  try {
    const out = ops.oneHot(t, depth, onValue, offValue);
    return dt(dtype) === 'float32' ? out : castAndFree(out, dt(dtype));
  } finally {
    if (t !== indices) t.dispose();
  }
}

/** TF.js's range: a step of 1 counts down when stop < start (its default step is 1 or -1). */
export const range = (start: number, stop: number, step = 1, dtype: DType = 'float32'): Tensor =>
  ops.range(start, stop, stop < start && step === 1 ? -1 : step, dtype);

export const print = (x: Tensor, verbose = false): void => {
  checkTensor(x, 'print');
  x.print(verbose);
};

// ---- gradients: TF.js's grad and grads take functions of any output shape --------------------------

/** f, or (when no dy is given and f's result is not a scalar) the sum of f: TF.js then uses dy = ones. */
function summedUnlessDy<A extends Tensor[]>(f: (...xs: A) => Tensor, dy: Tensor | undefined): (...xs: A) => Tensor {
  if (dy !== undefined) return f;
  return (...xs: A) => {
    const y = f(...xs);
    if (!(y instanceof Tensor) || y.rank === 0) return y;
    const s = ops.sum(y);
    y.dispose();
    return s;
  };
}

export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  if (typeof f !== 'function') throw new WasmgradError('grad: expected a function');
  return (x, dy) => baseGrad(summedUnlessDy(f, dy))(x, dy);
}

export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  if (typeof f !== 'function') throw new WasmgradError('grads: expected a function');
  return (xs, dy) => baseGrads(summedUnlessDy(f, dy))(xs, dy);
}
