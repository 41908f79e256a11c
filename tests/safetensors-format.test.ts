import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/util/seeded';
import {
  __testing, decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError, type StEntry,
} from '../src/io/safetensors-format.js';

// ------------------------------------------------------------------------------------------------ helpers

const f32 = (shape: number[], values: number[]): StEntry => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const i32 = (shape: number[], values: number[]): StEntry => ({ dtype: 'int32', shape, data: Int32Array.from(values) });

/** A file from a header (object or exact JSON text, unpadded unless pad) and data bytes. */
function build(header: string | object, data: ArrayLike<number> = [], pad = false): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const le32 = (...xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);
const lei32 = (...xs: number[]) => new Uint8Array(Int32Array.from(xs).buffer);
const entry = (dtype: string, shape: unknown, begin: unknown, end: unknown) => ({ dtype, shape, data_offsets: [begin, end] });

function expectStError(fn: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a SafetensorsError').toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(pattern);
}
const decodeErr = (bytes: Uint8Array, pattern: RegExp) => expectStError(() => decodeSafetensors(bytes), pattern);

/** Bitwise equality, so NaN payloads and -0 count. */
function expectSameEntries(a: Record<string, StEntry>, b: Record<string, StEntry>): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    expect(b[k].dtype).toBe(a[k].dtype);
    expect(b[k].shape).toEqual(a[k].shape);
    expect(b[k].data.constructor).toBe(a[k].data.constructor);
    const x = new Uint8Array(a[k].data.buffer, a[k].data.byteOffset, a[k].data.byteLength);
    const y = new Uint8Array(b[k].data.buffer, b[k].data.byteOffset, b[k].data.byteLength);
    expect(Buffer.compare(x, y), `bytes of ${k}`).toBe(0); // fast even for megabytes
  }
}

const mulberry32 = seededRandom;

// ------------------------------------------------------------------------------------------------ encoding

describe('round trips', () => {
  it('empty dict: exactly the reference bytes', () => {
    const bytes = encodeSafetensors({});
    expect([...bytes]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]); // "{}" + 6 spaces
    expect(decodeSafetensors(bytes)).toEqual({ tensors: {}, metadata: {} });
  });

  it('scalars, zero-size tensors, special values, names and metadata', () => {
    const entries: Record<string, StEntry> = {
      'dense/kernel': f32([2, 3], [1, -2.5, 3e38, -0, Infinity, -Infinity]),
      'dense/bias': f32([3], [NaN, 1e-45, -1e-38]),
      'scalar': f32([], [42.5]),
      'step': i32([], [-7]),
      'empty': f32([0, 3], []),
      'empty/int': i32([4, 0], []),
      'idx': i32([2, 2], [2147483647, -2147483648, 0, 1]),
      'ünï/cødé ✓ 𝔁': f32([1], [0.1]),
      '': i32([1], [5]),
      ['__proto__']: f32([1], [1]), // computed, so it is an own key rather than the prototype
    };
    const metadata = { format: 'pt', note: 'quotes " backslash \\ newline \n tab \t unicode é 𝔁', '': '' };
    const bytes = encodeSafetensors(entries, metadata);
    const out = decodeSafetensors(bytes);
    expectSameEntries(entries, out.tensors);
    expect(out.metadata).toEqual(metadata);
    expect(Object.getPrototypeOf(out.tensors)).toBe(null); // no prototype a file could set: "__proto__" is an own key
    expect(Object.keys(out.tensors)).toContain('__proto__');
    expect(Number.isNaN(out.tensors['dense/bias'].data[0])).toBe(true);
    expect(Object.is(out.tensors['dense/kernel'].data[3], -0)).toBe(true);
  });

  it('large-ish tensors, with the data section 8-byte aligned and arrays fresh and aligned', () => {
    const rnd = mulberry32(1);
    const big = new Float32Array(1 << 20).map(() => rnd() * 2 - 1);
    const entries = { big: { dtype: 'float32', shape: [1024, 1024], data: big } as StEntry, n: i32([3], [1, 2, 3]), odd: f32([3], [1, 2, 3]) };
    const bytes = encodeSafetensors(entries);
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const t0 = performance.now();
    const out = decodeSafetensors(bytes);
    expect(performance.now() - t0).toBeLessThan(500);
    expectSameEntries(entries, out.tensors);
    expect(out.tensors.big.data.buffer).not.toBe(bytes.buffer);
    expect(out.tensors.big.data.byteOffset).toBe(0);
  });

  it('encodes the same dict to identical bytes, whatever the insertion order', () => {
    const a = { b: f32([2], [1, 2]), a: i32([1], [3]), c: f32([], [4]) };
    const b = { c: f32([], [4]), a: i32([1], [3]), b: f32([2], [1, 2]) };
    const m1 = { z: '1', a: '2' }, m2 = { a: '2', z: '1' };
    expect(encodeSafetensors(a, m1)).toEqual(encodeSafetensors(a, m1));
    expect(encodeSafetensors(a, m1)).toEqual(encodeSafetensors(b, m2));
  });

  it('the portable (big-endian host) path writes and reads the same bytes', () => {
    const entries = { w: f32([2, 2], [1, -2, NaN, 3.5]), i: i32([3], [-1, 0, 65536]) };
    const fast = encodeSafetensors(entries);
    __testing.forcePortablePath(true);
    try {
      expect(encodeSafetensors(entries)).toEqual(fast);
      expectSameEntries(entries, decodeSafetensors(fast).tensors);
    } finally {
      __testing.forcePortablePath(false);
    }
  });

  it('reads unaligned input: an odd header length, inside a larger buffer at an odd offset', () => {
    const json = JSON.stringify({ b: entry('I32', [2], 8, 16), a: entry('F32', [2], 0, 8) });
    const file = build(json + ' '.repeat(json.length % 2 ? 0 : 1), [...le32(1.5, -2), ...lei32(7, -8)]);
    expect((file.length - 8) % 4).not.toBe(0);
    const host = new Uint8Array(file.length + 3);
    host.set(file, 1);
    const { tensors } = decodeSafetensors(host.subarray(1, 1 + file.length));
    expect(tensors.a).toEqual(f32([2], [1.5, -2]));
    expect(tensors.b).toEqual(i32([2], [7, -8]));
    expect(decodeSafetensors(Buffer.from(file)).tensors.a).toEqual(f32([2], [1.5, -2])); // Node Buffers too
  });
});

describe('byte layout matches the Python safetensors library', () => {
  it('save_file({"weight": [[1,2],[3,4]], "bias": [0.5,-1], "step": int32 7}, metadata={"format": "pt"})', () => {
    // The reference sorts by descending dtype (F32 before I32), then by name; compact JSON with __metadata__
    // first; the header padded with spaces to a multiple of 8 (206 + 2 = 208 bytes).
    const json = '{"__metadata__":{"format":"pt"},'
      + '"bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
      + '"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},'
      + '"step":{"dtype":"I32","shape":[],"data_offsets":[24,28]}}';
    expect(json.length).toBe(206);
    const expected = [
      208, 0, 0, 0, 0, 0, 0, 0,
      ...[...json].map((ch) => ch.charCodeAt(0)), 32, 32,
      0, 0, 0, 63, 0, 0, 128, 191, // bias: 0.5, -1
      0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, // weight: 1, 2, 3, 4
      7, 0, 0, 0, // step
    ];
    const bytes = encodeSafetensors({ weight: f32([2, 2], [1, 2, 3, 4]), step: i32([], [7]), bias: f32([2], [0.5, -1]) }, { format: 'pt' });
    expect([...bytes]).toEqual(expected);
    expect(decodeSafetensors(bytes).metadata).toEqual({ format: 'pt' });
  });

  it('the reference test vectors: "attn.0" [1,2,3] (unpadded, 64 bytes) and metadata-only', () => {
    const attn = encodeSafetensors({ 'attn.0': f32([1, 2, 3], [0, 1, 2, 3, 4, 5]) });
    expect([...attn.subarray(0, 8)]).toEqual([64, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(attn.subarray(8, 72))).toBe('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}');
    expect([...attn.subarray(72)]).toEqual([0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]);
    const meta = encodeSafetensors({}, { framework: 'pt' });
    expect(new TextDecoder().decode(meta.subarray(8))).toBe('{"__metadata__":{"framework":"pt"}}     ');
    expect(meta[0]).toBe(40);
  });

  it('names sort by code point (UTF-8 byte order), as Rust strings do, not by UTF-16 unit', () => {
    const bytes = encodeSafetensors({ '\u{1F600}': f32([], [1]), '\uFF01': f32([], [2]), b: f32([], [3]), B: f32([], [4]) });
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer).getUint32(0, true)));
    const order = ['"B"', '"b"', '"\uFF01"', '"\u{1F600}"'].map((k) => header.indexOf(k));
    expect(order).toEqual([...order].sort((x, y) => x - y));
  });
});

describe('encoder input validation', () => {
  it('rejects bad entries with a message naming the tensor', () => {
    const enc = (e: unknown, m?: unknown) => () => encodeSafetensors(e as Record<string, StEntry>, m as Record<string, string>);
    expectStError(enc(null), /expected a record/);
    expectStError(enc({ x: { dtype: 'float64', shape: [1], data: new Float64Array(1) } }), /"x".*'float32' or 'int32'.*"float64"/);
    expectStError(enc({ x: { dtype: 'float32', shape: [1], data: new Int32Array(1) } }), /"x".*Float32Array.*Int32Array/);
    expectStError(enc({ x: { dtype: 'int32', shape: [2, 2], data: new Int32Array(3) } }), /"x".*\[2,2\] has 4 elements but data has 3/);
    expectStError(enc({ x: { dtype: 'int32', shape: [-1], data: new Int32Array(0) } }), /"x".*dimension -1/);
    expectStError(enc({ x: { dtype: 'int32', shape: 3, data: new Int32Array(3) } }), /"x": shape must be an array/);
    expectStError(enc({ __metadata__: f32([], [1]) }), /reserved/);
    expectStError(enc({ ['bad\ud800']: f32([], [1]) }), /lone UTF-16 surrogate/);
    expectStError(enc({}, { a: 1 }), /metadata\["a"\] must be a string/);
    expectStError(enc({}, [1]), /metadata must be a record/);
  });
});

// ------------------------------------------------------------------------------------------------ decoding

describe('decoding other dtypes', () => {
  it('F16 and BF16 to float32 exactly, F64 rounded', () => {
    const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x3555, 0x7e00];
    const bf16 = [0x3f80, 0xc040, 0x7f80, 0x0001, 0x8000, 0x3eab, 0x7fc0];
    const f64 = [1.5, 0.1, -1e300, 1e-50, 65504];
    const data = [
      ...new Uint8Array(Uint16Array.from(f16).buffer), ...new Uint8Array(Uint16Array.from(bf16).buffer),
      0, 0, // pad so F64 starts at 34 (unaligned on purpose)
      ...new Uint8Array(Float64Array.from(f64).buffer),
    ];
    const { tensors } = decodeSafetensors(build({
      h: entry('F16', [2, 5], 0, 20), b: entry('BF16', [7], 20, 34), d: entry('F64', [5], 36, 76), z: entry('U8', [2], 34, 36),
    }, data));
    expect(tensors.h.dtype).toBe('float32');
    expect(tensors.h.shape).toEqual([2, 5]);
    expect([...tensors.h.data]).toEqual([1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, -0, Infinity, -Infinity, 0.333251953125, NaN]);
    expect(Object.is(tensors.h.data[5], -0)).toBe(true);
    expect([...tensors.b.data]).toEqual([1, -3, Infinity, 2 ** -133, -0, Math.fround(0.333984375), NaN]);
    expect([...tensors.d.data]).toEqual([1.5, Math.fround(0.1), -Infinity, 0, 65504]);
    expect(tensors.z).toEqual(i32([2], [0, 0]));
  });

  it('I64, U64, U32, I16, U16, I8, U8, BOOL to int32 when the values fit', () => {
    const i64 = new BigInt64Array([-5n, 2147483647n, -2147483648n, 0n]);
    const u64 = new BigUint64Array([0n, 2147483647n]);
    const data = [
      ...new Uint8Array(i64.buffer), ...new Uint8Array(u64.buffer), ...lei32(2147483647),
      ...new Uint8Array(Int16Array.from([-32768, 32767]).buffer), ...new Uint8Array(Uint16Array.from([65535]).buffer),
      0x80, 0x7f, 200, 1, 0, 1,
    ];
    const { tensors } = decodeSafetensors(build({
      a: entry('I64', [2, 2], 0, 32), b: entry('U64', [2], 32, 48), c: entry('U32', [], 48, 52), d: entry('I16', [2], 52, 56),
      e: entry('U16', [1], 56, 58), f: entry('I8', [2], 58, 60), g: entry('U8', [1], 60, 61), h: entry('BOOL', [3], 61, 64),
    }, data));
    expect(tensors.a).toEqual(i32([2, 2], [-5, 2147483647, -2147483648, 0]));
    expect(tensors.b).toEqual(i32([2], [0, 2147483647]));
    expect(tensors.c).toEqual(i32([], [2147483647]));
    expect(tensors.d).toEqual(i32([2], [-32768, 32767]));
    expect(tensors.e).toEqual(i32([1], [65535]));
    expect(tensors.f).toEqual(i32([2], [-128, 127]));
    expect(tensors.g).toEqual(i32([1], [200]));
    expect(tensors.h).toEqual(i32([3], [1, 0, 1]));
  });

  it('refuses integers that do not fit in int32, naming the element', () => {
    const one = (dtype: string, bytes: Uint8Array) => build({ x: entry(dtype, [1], 0, bytes.length) }, bytes);
    decodeErr(one('I64', new Uint8Array(BigInt64Array.from([2147483648n]).buffer)), /"x": I64 element 0 = 2147483648 does not fit in int32/);
    decodeErr(one('I64', new Uint8Array(BigInt64Array.from([-2147483649n]).buffer)), /I64 element 0 = -2147483649/);
    decodeErr(one('U64', new Uint8Array(BigUint64Array.from([2n ** 64n - 1n]).buffer)), /U64 element 0 = 18446744073709551615/);
    decodeErr(one('U32', new Uint8Array(Uint32Array.from([2 ** 31]).buffer)), /U32 element 0 = 2147483648/);
    decodeErr(one('BOOL', Uint8Array.from([2])), /BOOL element 0 is byte 2, not 0 or 1/);
  });
});

describe('malformed files raise SafetensorsError saying what is wrong', () => {
  const ok = { a: entry('F32', [2], 0, 8) };
  const okData = le32(1, 2);

  it('length prefix: too short, past the end, absurd', () => {
    decodeErr(new Uint8Array(0), /0 bytes, too short for the 8-byte header length/);
    decodeErr(new Uint8Array(7), /7 bytes, too short/);
    const file = build(ok, okData);
    decodeErr(file.subarray(0, 20), /header length \d+ runs past the end of the file \(20 bytes/);
    const huge = file.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    decodeErr(huge, /header length 18446744073709551615 exceeds the 100000000-byte limit/);
    new DataView(huge.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    decodeErr(huge, /exceeds the 100000000-byte limit/);
    decodeErr(build(''), /must be a JSON object starting with '\{'/);
    expectStError(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array), /expected a Uint8Array/);
  });

  it('header text: not UTF-8, not JSON, not an object', () => {
    const bad = build('{"a":"\u00e9"}');
    bad[13] = 0xff;
    decodeErr(bad, /not valid UTF-8/);
    decodeErr(build('{"a": '), /not valid JSON/);
    decodeErr(build('[]'), /starting with '\{', got "\[\]"/);
    decodeErr(build('"x"'), /starting with '\{'/);
    decodeErr(build(' {}'), /starting with '\{'/);
    decodeErr(build('\ufeff{}'), /starting with '\{'/);
    decodeErr(build('{}\0\0'), /not valid JSON/);
  });

  it('entries: missing fields and wrong types', () => {
    decodeErr(build({ w: 5 }), /"w": expected an object \{ dtype, shape, data_offsets \}, got number 5/);
    decodeErr(build({ w: null }), /"w": expected an object.*got null/);
    decodeErr(build({ w: [] }), /"w": expected an object.*got an array/);
    decodeErr(build({ w: { shape: [1], data_offsets: [0, 4] } }, le32(1)), /"w": dtype must be a string, got undefined/);
    decodeErr(build({ w: { dtype: 'F32', data_offsets: [0, 4] } }, le32(1)), /"w": shape must be an array, got undefined/);
    decodeErr(build({ w: { dtype: 'F32', shape: [1] } }, le32(1)), /"w": data_offsets must be \[begin, end\], got undefined/);
    decodeErr(build({ w: { dtype: 'F32', shape: '1', data_offsets: [0, 4] } }, le32(1)), /shape must be an array, got string 1/);
    decodeErr(build({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }, le32(1, 2)), /data_offsets must be \[begin, end\], got \[0,4,8\]/);
    decodeErr(build({ w: { dtype: 'F32', shape: [1], data_offsets: { 0: 0, 1: 4 } } }, le32(1)), /data_offsets must be \[begin, end\]/);
  });

  it('dtypes: unknown, prototype names, and known but unsupported', () => {
    decodeErr(build({ w: entry('F33', [1], 0, 4) }, le32(1)), /"w": unknown dtype "F33"/);
    decodeErr(build({ w: entry('constructor', [1], 0, 4) }, le32(1)), /unknown dtype "constructor"/);
    decodeErr(build({ w: entry('__proto__', [1], 0, 4) }, le32(1)), /unknown dtype "__proto__"/);
    decodeErr(build({ w: entry('f32', [1], 0, 4) }, le32(1)), /unknown dtype "f32"/);
    decodeErr(build({ w: entry('F8_E4M3', [4], 0, 4) }, le32(1)), /"w": dtype F8_E4M3 is not supported \(readable: F32, .*BOOL\)/);
    decodeErr(build({ w: entry('C64', [1], 0, 8) }, le32(1, 2)), /dtype C64 is not supported/);
  });

  it('shapes: negative, non-integer, huge, product not matching the offsets', () => {
    decodeErr(build({ w: entry('F32', [-1], 0, 4) }, le32(1)), /"w": shape \[-1\] has dimension 0 = -1, not a non-negative integer/);
    decodeErr(build({ w: entry('F32', [2, '2'], 0, 16) }, le32(1, 2, 3, 4)), /dimension 1 = "2"/);
    decodeErr(build({ w: entry('F32', [null], 0, 4) }, le32(1)), /dimension 0 = null/);
    decodeErr(build('{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', le32(1)), /number 1.5 in "w" is not written as an integer/);
    decodeErr(build('{"w":{"dtype":"F32","shape":[4.0],"data_offsets":[0,16]}}', le32(1, 2, 3, 4)), /number 4.0 in "w" is not written as an integer/);
    decodeErr(build('{"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', le32(1)), /number 1e400/);
    decodeErr(build({ w: entry('F32', [2 ** 53], 0, 4) }, le32(1)), /dimension 0 = 9007199254740992, not a non-negative integer/);
    decodeErr(build('{"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}}', le32(1)), /dimension 0 = 18446744073709552000/);
    const big = 2 ** 53 - 1;
    decodeErr(build({ w: entry('F32', [big, big, big], 0, 4) }, le32(1)), /"w": shape \[9007199254740991,.*needs more than 9007199254740991 bytes but data_offsets \[0, 4\] span 4/);
    decodeErr(build({ w: entry('F32', [2 ** 31, 2 ** 31, 0, big], 0, 4) }, le32(1)), /needs 0 bytes but data_offsets \[0, 4\] span 4/);
    decodeErr(build({ w: entry('F32', [2, 3], 0, 16) }, le32(1, 2, 3, 4)), /"w": shape \[2,3\] of F32 \(4 bytes each\) needs 24 bytes but data_offsets \[0, 16\] span 16/);
    decodeErr(build({ w: entry('F16', [3], 0, 4) }, le32(1)), /shape \[3\] of F16 \(2 bytes each\) needs 6 bytes/);
    decodeErr(build({ w: entry('F32', new Array(1000).fill(1).concat([2]), 0, 4) }, le32(1)), /"w": an array in its entry has more than 64 elements \(the rank limit\)/);
    decodeErr(build({ w: entry('F32', new Array(63).fill(1).concat([2]), 0, 4) }, le32(1)), /\[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,\.\.\. \(64 dims\)\]/);
  });

  it('offsets: non-integer, negative, reversed, past the data', () => {
    decodeErr(build('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}', le32(1)), /number 4.5/);
    decodeErr(build({ w: entry('F32', [1], -4, 0) }, le32(1)), /"w": data_offsets \[-4,0\] must be non-negative integers/);
    decodeErr(build({ w: entry('F32', [1], '0', 4) }, le32(1)), /data_offsets \["0",4\] must be non-negative integers/);
    decodeErr(build({ w: entry('F32', [0], 4, 0) }, le32(1)), /"w": data_offsets \[4, 0\] begin after they end/);
    decodeErr(build({ w: entry('F32', [2], 0, 8) }, le32(1)), /"w": data_offsets \[0, 8\] end past the data section \(4 bytes\)/);
    decodeErr(build({ w: entry('F32', [1], 2 ** 64, 2 ** 64 + 4) }, le32(1)), /must be non-negative integers/);
  });

  it('coverage: overlaps, holes and trailing bytes', () => {
    decodeErr(build({ a: entry('F32', [2], 0, 8), b: entry('F32', [1], 4, 8) }, le32(1, 2)), /"b": data_offsets \[4, 8\] overlap tensor "a" at \[0, 8\]/);
    decodeErr(build({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 0, 8) }, le32(1, 2)), /overlap/);
    decodeErr(build({ a: entry('F32', [4], 0, 16), z: entry('F32', [0], 4, 4) }, le32(1, 2, 3, 4)), /"z": data_offsets \[4, 4\] overlap tensor "a"/);
    decodeErr(build({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, le32(1, 2, 3)), /bytes \[4, 8\) of the data section belong to no tensor \(hole before tensor "b"\)/);
    decodeErr(build({ b: entry('F32', [1], 4, 8) }, le32(1, 2)), /bytes \[0, 4\).*hole before tensor "b"/);
    decodeErr(build(ok, [...okData, 0]), /data section is 9 bytes but the tensors cover only \[0, 8\): 1 trailing bytes/);
    decodeErr(build({}, [0, 0, 0, 0]), /data section is 4 bytes.*\[0, 0\): 4 trailing/);
    // Zero-size tensors anywhere on the boundary between tensors are fine.
    const z = decodeSafetensors(build({ a: entry('F32', [1], 0, 4), z: entry('I32', [0, 5], 4, 4), y: entry('F32', [0], 0, 0), b: entry('F32', [1], 4, 8) }, le32(1, 2)));
    expect(Object.keys(z.tensors).sort()).toEqual(['a', 'b', 'y', 'z']);
  });

  it('duplicate keys, which JSON.parse would silently collapse', () => {
    const t = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    decodeErr(build(`{"a":${t},"a":${t}}`, le32(1)), /header has the key "a" twice; JSON.parse would silently keep the last/);
    decodeErr(build(`{"a":${t},"\\u0061" :${t}}`, le32(1)), /key "a" twice/);
    decodeErr(build('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', le32(1)), /key "dtype" twice \(in "a"\)/);
    decodeErr(build('{"__metadata__":{"k":"1","k":"2"}}'), /key "k" twice \(in "__metadata__"\)/);
    decodeErr(build('{"__metadata__":{},"__metadata__":{}}'), /key "__metadata__" twice/);
    // Same key text at different levels or in values is not a duplicate.
    expect(decodeSafetensors(build('{"__metadata__":{"a":"a","dtype":"x"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', le32(1))).metadata).toEqual({ a: 'a', dtype: 'x' });
  });

  it('metadata must be an object of strings', () => {
    decodeErr(build({ __metadata__: 'x' }), /__metadata__ must be an object of strings, got string x/);
    decodeErr(build({ __metadata__: null }), /__metadata__ must be an object of strings, got null/);
    decodeErr(build({ __metadata__: ['a'] }), /got an array/);
    decodeErr(build({ __metadata__: { epoch: 3 } }), /__metadata__\["epoch"\] must be a string, got number 3/);
    decodeErr(build({ __metadata__: { nested: {} } }), /__metadata__\["nested"\] must be a string, got Object/);
  });

  it('maxBytes bounds the file and the decoded data (which widening can make 4x larger)', () => {
    const file = build({ u: entry('U8', [100], 0, 100) }, new Uint8Array(100));
    expect(decodeSafetensors(file, { maxBytes: 1000 }).tensors.u.data.length).toBe(100);
    expectStError(() => decodeSafetensors(file, { maxBytes: 300 }), /decoded tensors would take 400 bytes, more than maxBytes \(300\)/);
    expectStError(() => decodeSafetensors(file, { maxBytes: 100 }), /file is \d+ bytes, more than maxBytes \(100\)/);
    expectStError(() => decodeSafetensors(file, { maxBytes: -1 }), /maxBytes must be a non-negative number/);
  });

  it('tolerates what the format allows: whitespace padding, unknown entry fields, any tensor order', () => {
    const file = build('{"b":{"data_offsets":[4,8],"shape":[1],"dtype":"I32","extra":[1.5]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}\n \t\r  ',
      [...le32(2.5), ...lei32(9)]);
    // The "extra" field's 1.5 is still refused: every header number must be an integer.
    decodeErr(file, /number 1.5 in "b"/);
    const clean = build('{"b":{"data_offsets":[4,8],"shape":[1],"dtype":"I32","extra":"x"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}\n \t\r  ',
      [...le32(2.5), ...lei32(9)]);
    expect(decodeSafetensors(clean).tensors).toEqual({ a: f32([], [2.5]), b: i32([1], [9]) });
    expect(decodeSafetensors(build('{}\n  \t')).tensors).toEqual({});
  });
});

describe('hostile inputs are refused quickly, without big allocations', () => {
  it('deep nesting, many tensors, a header length of 100 MB over a tiny file', () => {
    const t0 = performance.now();
    const deep = '{"a":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    expectStError(() => decodeSafetensors(build(deep)), /header nests deeper than 3 levels \(in "a"\) \(the nesting-depth limit/);
    const many: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) many[`t${i}`] = entry('F32', [0], 0, 0);
    expect(Object.keys(decodeSafetensors(build(many)).tensors).length).toBe(50_000);
    const liar = new Uint8Array(16);
    new DataView(liar.buffer).setUint32(0, MAX_HEADER_BYTES, true);
    decodeErr(liar, /runs past the end of the file/);
    // linear: a quadratic pass would take minutes (the bound leaves room for a shared machine)
    expect(performance.now() - t0).toBeLessThan(6000);
  });
});

describe('fuzz: mutated files either decode or throw SafetensorsError', () => {
  // A valid file with every readable dtype, so mutations reach the conversion checks too.
  const rnd0 = mulberry32(7);
  const parts: [string, string, number[], Uint8Array][] = [
    ['w/kernel', 'F32', [3, 2], le32(...Array.from({ length: 6 }, () => rnd0()))],
    ['w/bias', 'F32', [2], le32(0.5, -0.5)],
    ['h', 'F16', [2], new Uint8Array(Uint16Array.from([0x3c00, 0xc000]).buffer)],
    ['b', 'BF16', [2], new Uint8Array(Uint16Array.from([0x3f80, 0x7f80]).buffer)],
    ['d', 'F64', [1], new Uint8Array(Float64Array.from([Math.PI]).buffer)],
    ['i', 'I32', [2, 1], lei32(-1, 7)],
    ['l', 'I64', [2], new Uint8Array(BigInt64Array.from([-3n, 5n]).buffer)],
    ['u', 'U8', [3], Uint8Array.from([0, 1, 255])],
    ['t', 'BOOL', [2], Uint8Array.from([1, 0])],
    ['e', 'F32', [0, 4], new Uint8Array(0)],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', step: '10' } };
  const data: number[] = [];
  for (const [name, dtype, shape, bytes] of parts) {
    header[name] = entry(dtype, shape, data.length, data.length + bytes.length);
    data.push(...bytes);
  }
  const base = build(header, data, true);

  function mutate(rnd: () => number): Uint8Array {
    const n = base.length, headerEnd = 8 + Number(new DataView(base.buffer).getBigUint64(0, true));
    const at = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
    let f = base.slice();
    const rounds = 1 + Math.floor(rnd() * 3);
    for (let r = 0; r < rounds; r++) {
      switch (Math.floor(rnd() * 8)) {
        case 0: f[at(0, f.length)] = at(0, 256); break; // any byte
        case 1: f[at(8, Math.min(headerEnd, f.length))] = at(0, 256); break; // a header byte
        case 2: { // a header digit becomes another digit: JSON stays valid, offsets and shapes go wrong
          const digits = [];
          for (let i = 8; i < Math.min(headerEnd, f.length); i++) if (f[i] >= 0x30 && f[i] <= 0x39) digits.push(i);
          if (digits.length) f[digits[at(0, digits.length)]] = 0x30 + at(0, 10);
          break;
        }
        case 3: f = f.slice(0, at(0, f.length)); break; // truncate
        case 4: { const g = new Uint8Array(f.length + 1); const p = at(0, f.length + 1); g.set(f.subarray(0, p)); g[p] = at(0, 256); g.set(f.subarray(p), p + 1); f = g; break; }
        case 5: { const p = at(0, f.length); f = Uint8Array.from([...f.subarray(0, p), ...f.subarray(p + 1)]); break; } // delete
        case 6: if (f.length >= 8) new DataView(f.buffer).setUint32(rnd() < 0.5 ? 0 : 4, Math.floor(rnd() * 2 ** 32), true); break;
        case 7: f[at(headerEnd, Math.max(headerEnd + 1, f.length))] = at(0, 256); break; // a data byte
      }
    }
    return f.length === n && f.every((b, i) => b === base[i]) ? f.subarray(0, n - 1) : f;
  }

  it('decodes the unmutated file', () => {
    const { tensors, metadata } = decodeSafetensors(base);
    expect(metadata).toEqual({ format: 'pt', step: '10' });
    expect(tensors.l).toEqual(i32([2], [-3, 5]));
    expect(tensors.d.data[0]).toBe(Math.fround(Math.PI));
  });

  it('5,000 random mutations and truncations', () => {
    const rnd = mulberry32(42);
    let decoded = 0, refused = 0;
    const t0 = performance.now();
    for (let iter = 0; iter < 5000; iter++) {
      const f = mutate(rnd);
      try {
        const { tensors } = decodeSafetensors(f);
        for (const t of Object.values(tensors)) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        decoded++;
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw new Error(`iteration ${iter}: ${String(e)}`, { cause: e });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(1000);
    expect(decoded).toBeGreaterThan(50); // data-byte mutations and harmless header ones still decode
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('2,000 random headers built from hostile values', () => {
    const rnd = mulberry32(3);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const values = [0, 4, 8, -1, 1.5, 2 ** 53, 2 ** 64, 1e308, null, true, '4', [], {}, [0, 4], [4], 'F32', 'I64', 'X'];
    const dtypes = ['F32', 'I32', 'F16', 'BF16', 'F64', 'I64', 'U64', 'U32', 'I8', 'U8', 'BOOL', 'F8_E5M2', 'Q', 5, null];
    for (let iter = 0; iter < 2000; iter++) {
      const h: Record<string, unknown> = {};
      const nt = Math.floor(rnd() * 4);
      for (let k = 0; k < nt; k++) {
        const shape = rnd() < 0.8 ? Array.from({ length: Math.floor(rnd() * 4) }, () => pick([0, 1, 2, 3, 4, -1, 2 ** 40, 0.5])) : pick(values);
        const offsets = rnd() < 0.8 ? [Math.floor(rnd() * 24), Math.floor(rnd() * 40)] : pick(values);
        h[pick(['a', 'b', 'c', '__proto__', '__metadata__', 'constructor'])] = rnd() < 0.9 ? { dtype: pick(dtypes), shape, data_offsets: offsets } : pick(values);
      }
      const f = build(h, Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)));
      try {
        decodeSafetensors(f);
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw new Error(`header ${JSON.stringify(h)}: ${String(e)}`, { cause: e });
      }
    }
  });
});
