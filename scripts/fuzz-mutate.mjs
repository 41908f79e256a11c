// Mutations for the fuzzer, pure functions of a seeded generator: bytes (flips, interesting bytes,
// inserted, deleted or repeated ranges, truncation, a lying length field) and structure (a JSON
// node replaced by an extreme number, a prototype member's name, a deep nest, a huge array; keys
// renamed, added, deleted or duplicated; layers repeated). Deep nests are spliced in as text, so
// the fuzzer itself never recurses into them.

export function rngOf(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)], chance: (p) => next() < p };
}

/** Cases are cut to this many characters (a little past model.json's 64 MiB limit is no more interesting). */
const MAX_CASE_CHARS = 24 * 2 ** 20;
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', '__defineGetter__', 'isPrototypeOf'];
const NUMBERS = [0, -1, 1, 2, 3, 1.5, -0.5, 1e9, -1e9, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 1e-7, 64, 65, 100_000];
const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x39, 0x2d, 0x2e, 0x65, 0x20, 0xc0, 0xed, 0xf4];

// ---- bytes --------------------------------------------------------------------------------------

export function mutateBytes(rng, input, { headerLength = false } = {}) {
  let b = Uint8Array.from(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const n = b.length;
    const at = n ? rng.int(n) : 0;
    switch (rng.int(headerLength ? 8 : 7)) {
      case 0: if (n) b[at] ^= 1 << rng.int(8); break;
      case 1: if (n) b[at] = rng.pick(INTERESTING_BYTES); break;
      case 2: { // insert random or interesting bytes
        const len = 1 + rng.int(16);
        const ins = Uint8Array.from({ length: len }, () => (rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(256)));
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 3: b = concat(b.subarray(0, at), b.subarray(Math.min(n, at + 1 + rng.int(32)))); break; // delete a range
      case 4: { // repeat a range
        const len = 1 + rng.int(Math.min(64, Math.max(1, n - at)));
        const piece = b.slice(at, at + len);
        const times = 1 + rng.int(rng.chance(0.1) ? 2000 : 8);
        const parts = [b.subarray(0, at)];
        for (let i = 0; i < times; i++) parts.push(piece);
        parts.push(b.subarray(at));
        b = concat(...parts);
        break;
      }
      case 5: b = b.slice(0, rng.int(n + 1)); break; // truncate
      case 6: if (n) b[at] = rng.int(256); break;
      case 7: if (n >= 8) { // the safetensors length field lies
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const len = view.getUint32(0, true);
        const choices = [0, 1, len + 1, len - 1, n, n - 7, 2 ** 32 - 1, 100_000_001];
        view.setUint32(0, rng.pick(choices) >>> 0, true);
        if (rng.chance(0.3)) view.setUint32(4, rng.int(3), true);
        break;
      }
    }
  }
  return b;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- structure ----------------------------------------------------------------------------------

/** Every node of a JSON value with its parent and key (iterative; at most `cap`). */
function nodesOf(value, cap = 20_000) {
  const out = [];
  const stack = [{ value, parent: null, key: null, depth: 0 }];
  while (stack.length && out.length < cap) {
    const node = stack.pop();
    out.push(node);
    const v = node.value;
    if (v && typeof v === 'object' && node.depth < 60) {
      for (const k of Object.keys(v)) stack.push({ value: v[k], parent: v, key: Array.isArray(v) ? Number(k) : k, depth: node.depth + 1 });
    }
  }
  return out;
}

function setOwn(obj, key, value) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Mutates a parsed JSON document; returns its text (with deep nests and duplicate keys spliced in as text). */
export function mutateJson(rng, doc) {
  const splices = [];
  const marker = (text) => {
    const m = `@@SPLICE${splices.length}@@`;
    splices.push([JSON.stringify(m), text]);
    return m;
  };
  const extreme = () => {
    switch (rng.int(9)) {
      case 0: return rng.pick(NUMBERS);
      case 1: case 2: return rng.pick(PROTO_NAMES);
      case 3: { const d = rng.pick([50, 101, 1000, 10_000, 100_000]); return marker('['.repeat(d) + ']'.repeat(d)); }
      case 4: { const d = rng.pick([4, 50, 1000, 20_000]); return marker('{"a":'.repeat(d) + '1' + '}'.repeat(d)); }
      case 5: return Array.from({ length: rng.pick([2, 17, 65, 1000, 70_000]) }, () => rng.pick([1, 0, 2]));
      case 6: return rng.pick([null, true, false, '', {}, [], 'x'.repeat(rng.pick([1, 100, 100_000]))]);
      case 7: return [rng.pick(NUMBERS), rng.pick(NUMBERS)];
      default: return rng.pick(['float32', 'int32', 'F32', 'I64', 'BOOL', 'Dense', 'Sequential', 'Model', 'LSTM', 'tanh', 'relu', 'same', 'valid']);
    }
  };
  const nodes = nodesOf(doc);
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const node = rng.pick(nodes);
    const v = node.value;
    const isObj = v && typeof v === 'object' && !Array.isArray(v);
    const op = rng.int(isObj || Array.isArray(v) ? 8 : 4);
    if (op < 4 || !(isObj || Array.isArray(v))) {
      if (node.parent === null) continue;
      setOwn(node.parent, node.key, extreme());
    } else if (Array.isArray(v)) {
      if (op === 4 && v.length) { // repeat elements (many layers, long shapes)
        const items = v.slice(0, 1 + rng.int(v.length));
        // at most about 4 MB of copies: many small layers, not a copy of the whole document 60,000 times
        const itemBytes = Math.max(1, JSON.stringify(items).length);
        const times = Math.min(rng.pick([2, 10, 1000, 20_000]), Math.floor(4e6 / itemBytes) + 1);
        const grown = [];
        for (let i = 0; i < times && grown.length < 60_000; i++) grown.push(...items.map((x) => structuredCloneSafe(x)));
        v.push(...grown);
      } else if (op === 5 && v.length) v.splice(rng.int(v.length), 1);
      else if (op === 6) v.reverse();
      else v.push(extreme());
    } else {
      const keys = Object.keys(v);
      if (op === 4 && keys.length) { // rename a key to a prototype member's name
        const k = rng.pick(keys);
        const val = v[k];
        delete v[k];
        setOwn(v, rng.pick(PROTO_NAMES), val);
      } else if (op === 5) setOwn(v, rng.pick(PROTO_NAMES), extreme());
      else if (op === 6 && keys.length) delete v[rng.pick(keys)];
      else if (keys.length) { // a duplicate key, as text
        const k = rng.pick(keys);
        const m = `@@DUP${splices.length}@@`;
        splices.push([`"${m}":0`, `${JSON.stringify(k)}:${JSON.stringify(extremeScalar(rng))}`]);
        setOwn(v, m, 0);
      }
    }
  }
  let text = JSON.stringify(doc);
  for (const [from, to] of splices) text = text.replace(from, () => to);
  // the loader refuses more than 64 MiB anyway; bigger cases would only eat the fuzzer's memory
  return text.length > MAX_CASE_CHARS ? text.slice(0, MAX_CASE_CHARS) : text;
}

function extremeScalar(rng) {
  return rng.chance(0.5) ? rng.pick(NUMBERS) : rng.pick(PROTO_NAMES);
}

/** A copy of a JSON value without recursion limits mattering (values here are shallow enough). */
function structuredCloneSafe(x) {
  return x && typeof x === 'object' ? JSON.parse(JSON.stringify(x)) : x;
}

// ---- safetensors files --------------------------------------------------------------------------

export function splitSafetensors(bytes) {
  if (bytes.length < 8) return null;
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  if (8 + len > bytes.length) return null;
  try {
    return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))), data: bytes.subarray(8 + len) };
  } catch {
    return null;
  }
}

export function joinSafetensors(headerText, data) {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** A mutated safetensors file: its bytes, or its header's structure re-encoded with a true length. */
export function mutateSafetensors(rng, bytes) {
  const parts = rng.chance(0.6) ? splitSafetensors(bytes) : null;
  if (!parts) return mutateBytes(rng, bytes, { headerLength: true });
  let data = parts.data;
  if (rng.chance(0.2)) data = data.slice(0, rng.int(data.length + 1));
  else if (rng.chance(0.1)) data = concat(data, new Uint8Array(1 + rng.int(64)));
  const text = mutateJsonOr(rng, parts.header, () => null);
  return text === null ? mutateBytes(rng, bytes, { headerLength: true }) : joinSafetensors(text, data);
}

/** mutateJson, or `fallback()` when the document is too deep to serialise (a deep corpus case). */
function mutateJsonOr(rng, doc, fallback) {
  try {
    return mutateJson(rng, doc);
  } catch (err) {
    if (err instanceof RangeError) return fallback();
    throw err;
  }
}

/** A mutated model: its model.json (text or structure), its weights file, or both. */
export function mutateModel(rng, base) {
  let { modelJson, weights } = base;
  const what = rng.int(10);
  if (what < 2) modelJson = new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(modelJson)));
  else if (what < 8) {
    const text = modelJson;
    modelJson = mutateJsonOr(rng, JSON.parse(text), () => new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(text))));
  }
  else weights = mutateSafetensors(rng, weights);
  if (rng.chance(0.1)) weights = mutateSafetensors(rng, weights);
  return { kind: 'model', modelJson, weights };
}
