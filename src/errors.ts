/** Every error wasmgrad raises on bad input: the message names the operation, the shapes or values involved and what was expected. */
export class WasmgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmgradError';
  }
}

/** Formats a shape the way error messages show it: [2,3,4]. */
export function fmtShape(shape: readonly number[]): string {
  return Array.isArray(shape) ? `[${shape.map(textOf).join(',')}]` : describeValue(shape);
}

/** JSON.stringify(v) for a message, or describeValue(v) where it throws (a BigInt, a cycle). */
export function jsonOf(v: unknown): string {
  try {
    return JSON.stringify(v, boundedReplacer(false));
  } catch {
    return describeValue(v);
  }
}

/**
 * Tags an error message template: each value shows as String(v) would, or as describeValue(v) where
 * String throws (a symbol, an object without a prototype, a hostile toString), so building the
 * message for a bad argument never throws a TypeError of its own.
 */
export function msg(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += textOf(values[i]) + strings[i + 1];
  return out;
}

/** String(v) for a message, or describeValue(v) where String throws (no prototype, a hostile toString) or says only [object Object]. */
function textOf(v: unknown): string {
  try {
    const text = String(v);
    // an options object shows its contents, not [object Object]
    return text === '[object Object]' && typeof v === 'object' ? describeValue(v) : text;
  } catch {
    return describeValue(v);
  }
}

/**
 * Any value as an error message shows it, whatever it is (symbols, BigInts, objects without a
 * prototype, proxies and cycles included): never throws, at most about 80 characters.
 */
export function describeValue(v: unknown): string {
  try {
    if (v === null) return 'null';
    if (typeof v === 'symbol' || typeof v === 'bigint') return `a ${typeof v} (${v.toString()})`;
    if (typeof v === 'function') return 'a function';
    if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
    if (typeof v !== 'object') return String(v);
    const o = v as { shape?: unknown; dtype?: unknown };
    if (Array.isArray(o.shape) && typeof o.dtype === 'string') return `a ${o.dtype} tensor ${fmtShape(o.shape as number[])}`;
    const text = JSON.stringify(v, boundedReplacer(true));
    return text === undefined ? 'an object' : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return 'an object';
  }
}

/** Values a message's JSON visits at most; beyond them it shows null. */
const MAX_JSON_VALUES = 200;
/** Elements of a long array a message shows. */
const MAX_JSON_ELEMENTS = 16;

/**
 * A JSON.stringify replacer for messages: however large the value (an array of millions, a typed
 * array, a graph of objects), the walk stays short. Long arrays are cut, typed arrays are named by
 * kind and length, and after MAX_JSON_VALUES values the rest is left out.
 */
function boundedReplacer(keyedScalars: boolean): (key: string, x: unknown) => unknown {
  let visited = 0;
  return (_key, x) => {
    if (++visited > MAX_JSON_VALUES) return undefined;
    if (keyedScalars && (typeof x === 'bigint' || typeof x === 'symbol')) return String(x);
    if (ArrayBuffer.isView(x)) {
      const kind = Object.prototype.toString.call(x).slice(8, -1);
      return `${kind}(${'length' in x ? (x as unknown as ArrayLike<number>).length : x.byteLength})`;
    }
    if (Array.isArray(x) && x.length > MAX_JSON_ELEMENTS) return [...x.slice(0, MAX_JSON_ELEMENTS), `... ${x.length - MAX_JSON_ELEMENTS} more`];
    return x;
  };
}
