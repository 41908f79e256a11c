// The safetensors file format (https://github.com/huggingface/safetensors), on plain records, with no
// dependencies. Layout: u64 little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to
// { dtype, shape, data_offsets: [begin, end] } (offsets relative to byte 8 + N) plus an optional
// "__metadata__": { string: string }, then the raw little-endian tensor data.
//
// Encoding writes F32 and I32 byte-for-byte as the reference library does: tensors sorted by descending dtype
// (F32 before I32), then by name in code-point order (= UTF-8 byte order, Rust's String order); compact JSON
// with "__metadata__" first (its keys sorted, where the reference's HashMap order is arbitrary); the header
// padded with spaces so the data section starts at a multiple of 8.
//
// Decoding trusts nothing: every length, offset and shape is checked before anything is allocated, the data
// section must be covered exactly (no overlaps, holes or trailing bytes, as the reference requires), and any
// defect raises a SafetensorsError naming the tensor, the offsets and what was expected.

export type StDType = 'F32' | 'I32';
export interface StEntry {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}
export interface DecodeOptions {
  /** Refuse files, and decoded tensor data in total, larger than this many bytes. Default: no limit (the
   * output is at most 4x the file, e.g. for U8 data widened to int32). */
  maxBytes?: number;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** The reference library refuses larger headers; so do we, before decoding a byte of them. */
export const MAX_HEADER_BYTES = 100_000_000;
/**
 * Limits checked in one pass over the header text before JSON.parse sees it, so decoding takes time
 * and memory linear in the file and bounded: the format nests 3 deep ({ name: { shape: [...] } }); a
 * shape has at most MAX_RANK dimensions; a file holds at most MAX_TENSORS tensors and
 * MAX_METADATA_ENTRIES metadata strings; a tensor's entry has at most MAX_ENTRY_KEYS keys.
 */
export const MAX_HEADER_DEPTH = 3;
export const MAX_RANK = 64;
export const MAX_TENSORS = 100_000;
export const MAX_METADATA_ENTRIES = 10_000;
export const MAX_ENTRY_KEYS = 8;
const METADATA_KEY = '__metadata__';

// Element types we can read, their byte size and the wasmgrad dtype they become. F32/I32 are copied; the rest
// are converted: floats exactly (F16, BF16) or rounded (F64) to float32, integers to int32 when they fit.
const READABLE = new Map<string, { size: number; to: 'float32' | 'int32' }>([
  ['F32', { size: 4, to: 'float32' }], ['F16', { size: 2, to: 'float32' }], ['BF16', { size: 2, to: 'float32' }],
  ['F64', { size: 8, to: 'float32' }], ['I32', { size: 4, to: 'int32' }], ['U32', { size: 4, to: 'int32' }],
  ['I64', { size: 8, to: 'int32' }], ['U64', { size: 8, to: 'int32' }], ['I16', { size: 2, to: 'int32' }],
  ['U16', { size: 2, to: 'int32' }], ['I8', { size: 1, to: 'int32' }], ['U8', { size: 1, to: 'int32' }],
  ['BOOL', { size: 1, to: 'int32' }],
]);
// The rest of the format's vocabulary: valid files, but types wasmgrad has no use for yet.
const UNSUPPORTED = new Set(['F4', 'F6_E2M3', 'F6_E3M2', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ',
  'F8_E5M2FNUZ', 'C64']);

let littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Test hook: force the portable (DataView) path that big-endian hosts take. */
export const __testing = { forcePortablePath(on: boolean): void {
  littleEndianHost = !on && new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
} };

// ---------------------------------------------------------------------------------------------- encoding

export function encodeSafetensors(entries: Record<string, StEntry>, metadata?: Record<string, string>): Uint8Array {
  if (!isRecord(entries)) throw new SafetensorsError(`encodeSafetensors: expected a record of tensors, got ${typeName(entries)}`);
  const items = Object.keys(entries).map((name) => {
    const entry = entries[name];
    checkEntry(name, entry);
    return { name, entry, st: entry.dtype === 'float32' ? 'F32' : 'I32' };
  });
  items.sort((a, b) => (a.st === b.st ? compareCodePoints(a.name, b.name) : a.st === 'F32' ? -1 : 1));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (!isRecord(metadata)) throw new SafetensorsError(`encodeSafetensors: metadata must be a record of strings, got ${typeName(metadata)}`);
    const keys = Object.keys(metadata).sort(compareCodePoints);
    for (const k of keys) {
      checkWellFormed(k, 'metadata key');
      if (typeof metadata[k] !== 'string') {
        throw new SafetensorsError(`encodeSafetensors: metadata[${quote(k)}] must be a string, got ${typeName(metadata[k])}`);
      }
      checkWellFormed(metadata[k], `metadata[${quote(k)}]`);
    }
    parts.push(`"${METADATA_KEY}":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const { name, entry, st } of items) {
    const end = offset + entry.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${st}","shape":[${entry.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = json.length + ((8 - (json.length % 8)) % 8);
  if (headerLen > MAX_HEADER_BYTES) throw new SafetensorsError(`encodeSafetensors: header of ${headerLen} bytes exceeds the format's ${MAX_HEADER_BYTES}-byte limit`);

  const out = allocate(Uint8Array, 8 + headerLen + offset, 'the encoded file');
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const { entry } of items) {
    const data = entry.data;
    if (littleEndianHost) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    else if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i], true);
    else for (let i = 0; i < data.length; i++) view.setInt32(pos + 4 * i, data[i], true);
    pos += data.byteLength;
  }
  return out;
}

function checkEntry(name: string, entry: StEntry): void {
  const what = `encodeSafetensors: tensor ${quote(name)}`;
  if (name === METADATA_KEY) throw new SafetensorsError(`${what}: the name ${METADATA_KEY} is reserved for metadata`);
  checkWellFormed(name, 'tensor name');
  if (!isRecord(entry)) throw new SafetensorsError(`${what}: expected { dtype, shape, data }, got ${typeName(entry)}`);
  const ArrayType = entry.dtype === 'float32' ? Float32Array : entry.dtype === 'int32' ? Int32Array : null;
  if (!ArrayType) throw new SafetensorsError(`${what}: dtype must be 'float32' or 'int32', got ${describe(entry.dtype)}`);
  if (!(entry.data instanceof ArrayType)) throw new SafetensorsError(`${what}: dtype ${entry.dtype} needs data in a ${ArrayType.name}, got ${typeName(entry.data)}`);
  if (!Array.isArray(entry.shape)) throw new SafetensorsError(`${what}: shape must be an array, got ${typeName(entry.shape)}`);
  let count = 1;
  for (const d of entry.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new SafetensorsError(`${what}: shape ${fmtShape(entry.shape)} has a dimension ${describe(d)} that is not a non-negative integer`);
    count *= d;
  }
  if (count !== entry.data.length) throw new SafetensorsError(`${what}: shape ${fmtShape(entry.shape)} has ${count} elements but data has ${entry.data.length}`);
}

// ---------------------------------------------------------------------------------------------- decoding

interface Spec { name: string; dtype: string; size: number; to: 'float32' | 'int32'; shape: number[]; count: number; begin: number; end: number }

export function decodeSafetensors(bytes: Uint8Array, opts: DecodeOptions = {}): { tensors: Record<string, StEntry>; metadata: Record<string, string> } {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`decodeSafetensors: expected a Uint8Array, got ${typeName(bytes)}`);
  const maxBytes = opts.maxBytes ?? Infinity;
  if (typeof maxBytes !== 'number' || !(maxBytes >= 0)) throw new SafetensorsError(`decodeSafetensors: maxBytes must be a non-negative number, got ${describe(maxBytes)}`);
  if (bytes.length > maxBytes) throw new SafetensorsError(`file is ${bytes.length} bytes, more than maxBytes (${maxBytes})`);
  if (bytes.length < 8) throw new SafetensorsError(`file is ${bytes.length} bytes, too short for the 8-byte header length`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLen > MAX_HEADER_BYTES) throw new SafetensorsError(`header length ${view.getBigUint64(0, true)} exceeds the ${MAX_HEADER_BYTES}-byte limit (file is ${bytes.length} bytes)`);
  if (8 + headerLen > bytes.length) throw new SafetensorsError(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes leave at most ${bytes.length - 8} for the header)`);

  let text: string;
  try {
    // slice(): TextDecoder refuses views of shared memory; ignoreBOM keeps a BOM so it is refused as a non-'{'.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.slice(8, 8 + headerLen));
  } catch {
    throw new SafetensorsError(`header (bytes 8..${8 + headerLen}) is not valid UTF-8`);
  }
  if (text[0] !== '{') throw new SafetensorsError(`header must be a JSON object starting with '{', got ${describe(text.slice(0, 20))}`);
  // the limits first: JSON.parse of a hostile 100 MB header would take gigabytes
  scanHeader(text);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${(e as Error)?.message ?? e}`);
  }
  if (!isRecord(header)) throw new SafetensorsError(`header must be a JSON object, got ${typeName(header)}`);

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  // no prototype: a tensor named "__proto__" or "constructor" is a name like any other
  const metadata: Record<string, string> = Object.create(null);
  const specs: Spec[] = [];
  for (const key of Object.keys(header)) {
    if (key === METADATA_KEY) readMetadata(header[key], metadata);
    else specs.push(readSpec(key, header[key], dataLen));
  }

  // Sorted by position, the tensors must tile the data section exactly.
  specs.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    if (s.begin < covered) {
      const prev = specs[i - 1];
      throw new SafetensorsError(`tensor ${quote(s.name)}: data_offsets [${s.begin}, ${s.end}] overlap tensor ${quote(prev.name)} at [${prev.begin}, ${prev.end}]`);
    }
    if (s.begin > covered) throw new SafetensorsError(`bytes [${covered}, ${s.begin}) of the data section belong to no tensor (hole before tensor ${quote(s.name)}); the format requires the tensors to cover the data section exactly`);
    covered = s.end;
  }
  if (covered !== dataLen) throw new SafetensorsError(`data section is ${dataLen} bytes but the tensors cover only [0, ${covered}): ${dataLen - covered} trailing bytes`);

  let outBytes = 0;
  for (const s of specs) outBytes += 4 * s.count;
  if (outBytes > maxBytes) throw new SafetensorsError(`decoded tensors would take ${outBytes} bytes, more than maxBytes (${maxBytes})`);

  const tensors: Record<string, StEntry> = Object.create(null);
  for (const s of specs) setOwn(tensors, s.name, { dtype: s.to, shape: s.shape, data: readData(bytes, view, dataStart + s.begin, s) });
  return { tensors, metadata };
}

function readMetadata(value: unknown, out: Record<string, string>): void {
  if (!isRecord(value)) throw new SafetensorsError(`${METADATA_KEY} must be an object of strings, got ${typeName(value)}`);
  for (const k of Object.keys(value)) {
    if (typeof value[k] !== 'string') throw new SafetensorsError(`${METADATA_KEY}[${quote(k)}] must be a string, got ${typeName(value[k])}`);
    setOwn(out, k, value[k] as string);
  }
}

function readSpec(name: string, entry: unknown, dataLen: number): Spec {
  const what = new LazyName(name);
  if (!isRecord(entry)) throw new SafetensorsError(`${what}: expected an object { dtype, shape, data_offsets }, got ${typeName(entry)}`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') throw new SafetensorsError(`${what}: dtype must be a string, got ${typeName(dtype)}`);
  const info = READABLE.get(dtype);
  if (!info) {
    if (UNSUPPORTED.has(dtype)) throw new SafetensorsError(`${what}: dtype ${dtype} is not supported (readable: ${[...READABLE.keys()].join(', ')})`);
    throw new SafetensorsError(`${what}: unknown dtype ${describe(dtype)}`);
  }
  if (!Array.isArray(shape)) throw new SafetensorsError(`${what}: shape must be an array, got ${typeName(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    if (!isIndex(shape[i])) throw new SafetensorsError(`${what}: shape ${fmtShape(shape)} has dimension ${i} = ${describe(shape[i])}, not a non-negative integer`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) throw new SafetensorsError(`${what}: data_offsets must be [begin, end], got ${describe(offsets)}`);
  const [begin, end] = offsets as unknown[];
  if (!isIndex(begin) || !isIndex(end)) throw new SafetensorsError(`${what}: data_offsets ${describe(offsets)} must be non-negative integers`);
  if (begin > end) throw new SafetensorsError(`${what}: data_offsets [${begin}, ${end}] begin after they end`);
  if (end > dataLen) throw new SafetensorsError(`${what}: data_offsets [${begin}, ${end}] end past the data section (${dataLen} bytes)`);

  // Doubles cannot overflow into a crash: the product is exact while it stays a safe integer, and past that
  // it can never equal the (safe) span.
  const span = end - begin;
  let count = 1;
  for (const d of shape) count *= d;
  if (shape.includes(0)) count = 0;
  const need = count * info.size;
  if (need !== span) {
    const needed = Number.isSafeInteger(need) ? `${need}` : `more than ${Number.MAX_SAFE_INTEGER}`;
    throw new SafetensorsError(`${what}: shape ${fmtShape(shape)} of ${dtype} (${info.size} bytes each) needs ${needed} bytes but data_offsets [${begin}, ${end}] span ${span}`);
  }
  return { name, dtype, size: info.size, to: info.to, shape: (shape as number[]).map((d) => d || 0), count, begin, end };
}

// Copies one tensor out into a fresh, aligned typed array (the input may be unaligned), converting to
// float32/int32. Validated specs guarantee every read stays within `bytes`.
function readData(bytes: Uint8Array, view: DataView, at: number, s: Spec): Float32Array | Int32Array {
  const n = s.count;
  const what = new LazyName(s.name);
  if (s.to === 'float32') {
    const out = allocate(Float32Array, n, what);
    if (s.dtype === 'F32') {
      if (littleEndianHost) new Uint8Array(out.buffer).set(bytes.subarray(at, at + 4 * n));
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
    } else if (s.dtype === 'F16') {
      const table = f16Table();
      for (let i = 0; i < n; i++) out[i] = table[view.getUint16(at + 2 * i, true)];
    } else if (s.dtype === 'BF16') {
      const bits = new Uint32Array(out.buffer); // bf16 is the top half of a float32
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(at + 2 * i, true) << 16;
    } else {
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, true); // rounds to nearest float32
    }
    return out;
  }
  const out = allocate(Int32Array, n, what);
  const tooBig = (i: number, v: bigint | number): never => {
    throw new SafetensorsError(`${what}: ${s.dtype} element ${i} = ${v} does not fit in int32`);
  };
  switch (s.dtype) {
    case 'I32':
      if (littleEndianHost) new Uint8Array(out.buffer).set(bytes.subarray(at, at + 4 * n));
      else for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, true);
      break;
    case 'U32':
      for (let i = 0; i < n; i++) if ((out[i] = view.getInt32(at + 4 * i, true)) < 0) tooBig(i, view.getUint32(at + 4 * i, true));
      break;
    case 'I64': case 'U64':
      for (let i = 0; i < n; i++) {
        const lo = view.getInt32(at + 8 * i, true), hi = view.getInt32(at + 8 * i + 4, true);
        // Fits iff the high word is the sign extension of the low word (U64: and non-negative).
        if (hi !== (lo < 0 ? -1 : 0) || (s.dtype === 'U64' && hi !== 0)) {
          tooBig(i, s.dtype === 'I64' ? view.getBigInt64(at + 8 * i, true) : view.getBigUint64(at + 8 * i, true));
        }
        out[i] = lo;
      }
      break;
    case 'I16': for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, true); break;
    case 'U16': for (let i = 0; i < n; i++) out[i] = view.getUint16(at + 2 * i, true); break;
    case 'I8': for (let i = 0; i < n; i++) out[i] = view.getInt8(at + i); break;
    case 'U8': for (let i = 0; i < n; i++) out[i] = bytes[at + i]; break;
    case 'BOOL':
      for (let i = 0; i < n; i++) {
        if ((out[i] = bytes[at + i]) > 1) throw new SafetensorsError(`${what}: BOOL element ${i} is byte ${bytes[at + i]}, not 0 or 1`);
      }
      break;
  }
  return out;
}

let f16Lookup: Float32Array | undefined;
/** All 65,536 half-precision values as float32 (exact), built on first use: 256 KB, far faster per element. */
function f16Table(): Float32Array {
  if (f16Lookup) return f16Lookup;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    t[h] = exp === 0 ? sign * mant * 2 ** -24 : exp === 31 ? (mant ? NaN : sign * Infinity) : sign * (1024 + mant) * 2 ** (exp - 25);
  }
  return (f16Lookup = t);
}

// One linear pass over the header text, before JSON.parse, with an explicit stack (no recursion). It
// enforces the limits above (depth, tensors, metadata entries, keys per entry, array lengths) and
// rejects what JSON.parse would silently accept but the format forbids: duplicate keys (JSON.parse keeps
// the last) and numbers written as 16.0 or 1e3 (every header number is an integer). Text that is not
// JSON is left for JSON.parse to reject.
function scanHeader(text: string): void {
  const keySets: Set<string>[] = []; // one per nesting depth, reused: no allocation per object
  const isArray: boolean[] = [];
  const counts: number[] = []; // keys or elements of the open container at each depth
  let depth = 0;
  let entry = '';
  let tensors = 0;
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < n && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else j++;
      }
      if (j >= n) return; // unterminated: JSON.parse names it
      let k = j + 1;
      while (k < n && isSpace(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) === 0x3a /* : */ && depth >= 1 && !isArray[depth - 1]) {
        let key: string;
        try {
          key = escaped ? JSON.parse(text.slice(i, j + 1)) : text.slice(i + 1, j);
        } catch {
          return;
        }
        const keys = keySets[depth - 1];
        if (keys.has(key)) throw new SafetensorsError(`header has the key ${quote(key)} twice${depth > 1 ? ` (in ${quote(entry)})` : ''}; JSON.parse would silently keep the last`);
        keys.add(key);
        counts[depth - 1]++;
        if (depth === 1) {
          entry = key;
          if (key !== METADATA_KEY && ++tensors > MAX_TENSORS) throw new SafetensorsError(`header lists more than ${MAX_TENSORS} tensors (the tensor-count limit)`);
        } else if (depth === 2) {
          if (entry === METADATA_KEY) {
            if (counts[1] > MAX_METADATA_ENTRIES) throw new SafetensorsError(`${METADATA_KEY} has more than ${MAX_METADATA_ENTRIES} entries (the metadata-entry limit)`);
          } else if (counts[1] > MAX_ENTRY_KEYS) throw new SafetensorsError(`tensor ${quote(entry)} has more than ${MAX_ENTRY_KEYS} keys (the entry-key limit); expected dtype, shape and data_offsets`);
        }
      }
      i = j + 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth >= MAX_HEADER_DEPTH) {
        throw new SafetensorsError(`header nests deeper than ${MAX_HEADER_DEPTH} levels${entry ? ` (in ${quote(entry)})` : ''} (the nesting-depth limit; the format is { name: { dtype, shape: [...], data_offsets: [...] } })`);
      }
      const array = c === 0x5b;
      if (!array) (keySets[depth] ??= new Set()).clear();
      isArray[depth] = array;
      counts[depth] = 0;
      depth++;
      i++;
      // an array's first element, if any, counts now; the rest at each comma
      if (array) {
        let k = i;
        while (k < n && isSpace(text.charCodeAt(k))) k++;
        if (text.charCodeAt(k) !== 0x5d) counts[depth - 1] = 1;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
      i++;
    } else if (c === 0x2c /* , */) {
      if (depth >= 1 && isArray[depth - 1] && ++counts[depth - 1] > MAX_RANK) {
        throw new SafetensorsError(`tensor ${quote(entry)}: an array in its entry has more than ${MAX_RANK} elements (the rank limit)`);
      }
      i++;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      let integer = true;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x2e || d === 0x65 || d === 0x45) integer = false; // . e E
        else if (!(d >= 0x30 && d <= 0x39) && d !== 0x2b && d !== 0x2d) break;
      }
      if (!integer) throw new SafetensorsError(`header number ${truncate(text.slice(i, j))} in ${quote(entry)} is not written as an integer; shapes and offsets must be`);
      i = j;
    } else i++;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

// ---------------------------------------------------------------------------------------------- helpers

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}
function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
/** Defines an own property, so a tensor named "__proto__" is stored rather than replacing the prototype. */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
function allocate<T>(Type: new (n: number) => T, n: number, what: string | LazyName): T {
  try {
    return new Type(n);
  } catch {
    throw new SafetensorsError(`cannot allocate ${n} elements for ${what}`);
  }
}
/** Orders strings by code point, i.e. by their UTF-8 bytes as the reference does (UTF-16 order differs). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code-point order.
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}
/** Lone surrogates would be written as \udXXX escapes that other readers reject. */
function checkWellFormed(s: string, what: string): void {
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) {
    throw new SafetensorsError(`encodeSafetensors: ${what} ${quote(s)} contains a lone UTF-16 surrogate, which UTF-8 cannot represent`);
  }
}
/** "tensor \"name\"" for messages, formatted only when an error is raised (decoding 1e6 tensors stays cheap). */
class LazyName {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toString(): string {
    return `tensor ${quote(this.name)}`;
  }
}
function truncate(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}
function quote(s: string): string {
  return JSON.stringify(truncate(s));
}
function fmtShape(shape: unknown[]): string {
  return `[${shape.slice(0, 16).map((d) => truncate(String(d), 24)).join(',')}${shape.length > 16 ? `,... (${shape.length} dims)` : ''}]`;
}
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${truncate(String(v), 40)}`;
}
function describe(v: unknown): string {
  try {
    return truncate(JSON.stringify(v) ?? String(v));
  } catch {
    return typeName(v);
  }
}
