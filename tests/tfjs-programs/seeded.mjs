// Deterministic numbers for the TF.js-style programs, in plain JavaScript (no tf import), so a
// program starts from the same weights and data whichever library its import line names.

/** A small seeded generator (mulberry32): returns numbers in [0, 1). */
export function seededRandom(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n numbers uniform in [lo, hi), from seed. */
export function uniformValues(n, seed, lo = -0.5, hi = 0.5) {
  const next = seededRandom(seed);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** n whole numbers in [0, k), from seed. */
export function integerValues(n, k, seed) {
  const next = seededRandom(seed);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * k);
  return out;
}

/** Starting values for weights of the given shapes, scaled so layers start in a sensible range. */
export function weightValues(shapes, seed, scale = 0.5) {
  return shapes.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : shape[0];
    const bound = scale * Math.sqrt(3 / Math.max(1, fanIn));
    return uniformValues(size, seed * 1000 + i, -bound, bound);
  });
}

/** Flattens nested arrays of numbers (what tensor.arraySync() returns) into one array. */
export function flat(values) {
  return Array.isArray(values) ? values.flatMap(flat) : [values];
}
