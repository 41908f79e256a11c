// wg.io.encodeSafetensors / decodeSafetensors: the safetensors codec (safetensors-format.ts, on
// plain records) for tensors of the engine. Every format error becomes a WasmgradError.
import { WasmgradError, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fromFlat } from '../creation.js';
import {
  encodeSafetensors as encodeRecords, decodeSafetensors as decodeRecords, SafetensorsError, type StEntry, type DecodeOptions,
} from './safetensors-format.js';

export type { StEntry, DecodeOptions };

/** Runs fn, turning a SafetensorsError into a WasmgradError (prefixed with `what`). */
export function mapSafetensorsError<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SafetensorsError) throw new WasmgradError(msg`${what}: ${err.message}`);
    throw err;
  }
}

/** A tensor's record as stored: bool as int32 0 / 1. */
export function storedRecord(t: Tensor): StEntry {
  const data = t.dataSync();
  return data instanceof Uint8Array ? { dtype: 'int32', shape: t.shape.slice(), data: Int32Array.from(data) } : { dtype: t.dtype as 'float32' | 'int32', shape: t.shape.slice(), data };
}

/** The bytes of a safetensors file holding these tensors (float32 as F32, int32 and bool as I32). */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (!tensors || typeof tensors !== 'object' || Array.isArray(tensors) || tensors instanceof Tensor) {
    throw new WasmgradError('encodeSafetensors: expected a record { name: Tensor }');
  }
  const entries: Record<string, StEntry> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new WasmgradError(msg`encodeSafetensors: '${name}' must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.isDisposed) throw new WasmgradError(msg`encodeSafetensors: tensor '${name}' is disposed`);
    entries[name] = storedRecord(t);
  }
  return mapSafetensorsError('encodeSafetensors', () => encodeRecords(entries, metadata));
}

/** Decoded plain records (no engine memory used), every length, offset and shape checked. */
export function decodeSafetensorsRecords(bytes: Uint8Array, opts: DecodeOptions = {}): { tensors: Record<string, StEntry>; metadata: Record<string, string> } {
  if (!(bytes instanceof Uint8Array)) throw new WasmgradError(msg`decodeSafetensors: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  return mapSafetensorsError('decodeSafetensors', () => decodeRecords(bytes, opts));
}

/** The tensors of a safetensors file (F16, BF16 and F64 become float32; integer types int32). */
export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): Record<string, Tensor> {
  const { tensors } = decodeSafetensorsRecords(bytes, opts);
  // no prototype: a tensor named "__proto__" is stored as a tensor, never as the record's prototype
  const out: Record<string, Tensor> = Object.create(null);
  try {
    for (const [name, e] of Object.entries(tensors)) out[name] = fromFlat(e.data, e.shape, e.dtype);
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}
