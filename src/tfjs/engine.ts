// tf.profile, tf.engine() and tf.enableDebugMode on wasmgrad's engine.
//
// tf.profile records what wasmgrad dispatches: every public op (tf.matMul, tf.conv2d ...) and
// every layer call (a built-in layer runs its ops inside, as one unit). Where one contains another
// (a custom layer calling tf ops, a model's predict calling layers) only the innermost are listed,
// as TF.js lists kernels, not the ops that compose them. Each entry has TF.js's fields: bytes and
// tensors added (live after minus live before), the totals after it, the shapes in and out, and
// its wall time (wasmgrad's kernels run synchronously, so that is the kernel time).
import { WasmgradError } from '../errors.js';
import { Tensor, tidy, keep, memory, startScope, endScope, bytesPeak, setBytesPeak } from '../tensor.js';
import { observeFrames, type FrameObserver } from '../engine/op-context.js';
import { registeredVariables } from '../variables.js';
import { setDebug } from '../debug.js';
import { getBackend, backend, disposeVariables } from './core.js';
export { registerCallbackConstructor } from '../models/callback-registry.js';

type ShapeList = number[][];
export interface KernelInfo {
  name: string;
  bytesAdded: number;
  totalBytesSnapshot: number;
  tensorsAdded: number;
  totalTensorsSnapshot: number;
  inputShapes: ShapeList;
  outputShapes: ShapeList;
  kernelTimeMs: number;
  extraInfo: string;
}
export interface ProfileInfo {
  newBytes: number;
  newTensors: number;
  peakBytes: number;
  kernels: KernelInfo[];
  result: unknown;
  kernelNames: string[];
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function shapesIn(args: readonly unknown[] | undefined): ShapeList {
  const out: ShapeList = [];
  for (const a of args ?? []) {
    if (a instanceof Tensor) out.push(a.shape.slice());
    else if (Array.isArray(a)) for (const x of a) if (x instanceof Tensor) out.push(x.shape.slice());
  }
  return out;
}

function shapesOut(result: unknown): ShapeList {
  if (result instanceof Tensor) return [result.shape.slice()];
  if (Array.isArray(result)) return result.filter((x): x is Tensor => x instanceof Tensor).map((t) => t.shape.slice());
  if (result && typeof result === 'object') return Object.values(result).filter((x): x is Tensor => x instanceof Tensor).map((t) => t.shape.slice());
  return [];
}

interface OpenFrame {
  name: string;
  args: readonly unknown[] | undefined;
  bytes: number;
  tensors: number;
  start: number;
  inner: boolean;
}

/** Collects the innermost frames that ran while it observed. */
class Recorder implements FrameObserver {
  readonly kernels: KernelInfo[] = [];
  private readonly open: OpenFrame[] = [];
  begin(name: string, args: readonly unknown[] | undefined): void {
    const parent = this.open[this.open.length - 1];
    if (parent) parent.inner = true;
    const m = memory();
    this.open.push({ name, args, bytes: m.numBytes, tensors: m.numTensors, start: now(), inner: false });
  }
  end(result: unknown, failed: boolean): void {
    const f = this.open.pop();
    if (!f || failed || f.inner) return;
    const kernelTimeMs = now() - f.start;
    const m = memory();
    this.kernels.push({
      name: f.name, bytesAdded: m.numBytes - f.bytes, totalBytesSnapshot: m.numBytes, tensorsAdded: m.numTensors - f.tensors,
      totalTensorsSnapshot: m.numTensors, inputShapes: shapesIn(f.args), outputShapes: shapesOut(result), kernelTimeMs, extraInfo: '',
    });
  }
}

/** tf.profile(f): what f allocated and the ops and layers it ran, as TF.js reports them. */
export async function profile(query: () => unknown): Promise<ProfileInfo> {
  if (typeof query !== 'function') throw new WasmgradError('profile: expected a function');
  const before = memory();
  const outerPeak = bytesPeak();
  setBytesPeak(0);
  const recorder = new Recorder();
  const previous = observeFrames(recorder);
  let result: unknown;
  try {
    result = await query();
  } finally {
    observeFrames(previous);
  }
  const after = memory();
  const peakBytes = bytesPeak();
  // the mark outside the profile keeps the larger of the two
  setBytesPeak(Math.max(outerPeak, peakBytes));
  return {
    newBytes: after.numBytes - before.numBytes, newTensors: after.numTensors - before.numTensors, peakBytes,
    kernels: recorder.kernels, result, kernelNames: [...new Set(recorder.kernels.map((k) => k.name))],
  };
}

/** tf.enableDebugMode(): every op checks its float32 outputs for NaN and infinities (wasmgrad's setDebug(true)). */
export function enableDebugMode(): void {
  setDebug(true);
}

/** TF.js's memory(): wasmgrad's, with the fields TF.js adds (one buffer per tensor, counts exact). */
export const tfjsMemory = () => {
  const m = memory();
  return { ...m, numDataBuffers: m.numTensors, unreliable: false };
};

/**
 * tf.engine(): the parts of TF.js's Engine that programs use. Scopes (startScope / endScope, tidy,
 * keep), memory and the state counters, the registered variables, the backend's name, and profile.
 */
const ENGINE = {
  startScope: (_name?: string): void => startScope(),
  endScope: (result?: unknown): void => endScope(result),
  tidy,
  keep,
  memory: tfjsMemory,
  profile,
  disposeVariables,
  get backendName(): string {
    return getBackend();
  },
  get backend() {
    return backend();
  },
  get registeredVariables() {
    return registeredVariables();
  },
  get state() {
    const m = memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numTensors, registeredVariables: registeredVariables() };
  },
};

export function engine(): typeof ENGINE {
  return ENGINE;
}
