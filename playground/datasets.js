// The playground's datasets, as TensorFlow Playground draws them: points in [-6, 6]^2, labels +1 / -1
// for classification (shown as orange / blue) or a number in [-1, 1] for regression. Seeded, so a
// run repeats exactly (wasmgrad's seeded generator).
import { seededRandom } from '/dist/index.js';

const normal = (rand, mean = 0, std = 1) => {
  const u = 1 - rand(), v = rand();
  return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
const uniform = (rand, lo, hi) => lo + (hi - lo) * rand();

function circle(n, noise, rand) {
  const radius = 5, pts = [];
  const label = (x, y) => (Math.hypot(x, y) < radius * 0.5 ? 1 : -1);
  const ring = (r0, r1) => {
    for (let i = 0; i < n / 2; i++) {
      const r = uniform(rand, r0, r1), angle = uniform(rand, 0, 2 * Math.PI);
      const x = r * Math.sin(angle), y = r * Math.cos(angle);
      const nx = uniform(rand, -radius, radius) * noise, ny = uniform(rand, -radius, radius) * noise;
      pts.push({ x, y, label: label(x + nx, y + ny) });
    }
  };
  ring(0, radius * 0.5);
  ring(radius * 0.7, radius);
  return pts;
}

function xor(n, noise, rand) {
  const pts = [], pad = 0.3;
  for (let i = 0; i < n; i++) {
    let x = uniform(rand, -5, 5), y = uniform(rand, -5, 5);
    x += x > 0 ? pad : -pad;
    y += y > 0 ? pad : -pad;
    const nx = uniform(rand, -5, 5) * noise, ny = uniform(rand, -5, 5) * noise;
    pts.push({ x, y, label: (x + nx) * (y + ny) >= 0 ? 1 : -1 });
  }
  return pts;
}

function gaussian(n, noise, rand) {
  const std = 0.5 + noise * 3.5, pts = [];
  for (const [cx, cy, label] of [[2, 2, 1], [-2, -2, -1]]) {
    for (let i = 0; i < n / 2; i++) pts.push({ x: normal(rand, cx, std), y: normal(rand, cy, std), label });
  }
  return pts;
}

function spiral(n, noise, rand) {
  const pts = [], half = n / 2;
  for (const [delta, label] of [[0, 1], [Math.PI, -1]]) {
    for (let i = 0; i < half; i++) {
      const r = (i / half) * 5, t = ((1.75 * i) / half) * 2 * Math.PI + delta;
      pts.push({ x: r * Math.sin(t) + uniform(rand, -1, 1) * noise, y: r * Math.cos(t) + uniform(rand, -1, 1) * noise, label });
    }
  }
  return pts;
}

function regressPlane(n, noise, rand) {
  const pts = [];
  for (let i = 0; i < n; i++) {
    const x = uniform(rand, -6, 6), y = uniform(rand, -6, 6);
    pts.push({ x, y, label: (x + y) / 12 + uniform(rand, -1, 1) * noise });
  }
  return pts;
}

function regressGaussian(n, noise, rand) {
  const centers = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]];
  const pts = [];
  for (let i = 0; i < n; i++) {
    const x = uniform(rand, -6, 6), y = uniform(rand, -6, 6);
    let label = 0;
    for (const [cx, cy, sign] of centers) {
      const v = sign * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 2);
      if (Math.abs(v) > Math.abs(label)) label = v;
    }
    pts.push({ x, y, label: label + uniform(rand, -1, 1) * noise });
  }
  return pts;
}

export const DATASETS = {
  circle: { make: circle, regression: false },
  xor: { make: xor, regression: false },
  gaussian: { make: gaussian, regression: false },
  spiral: { make: spiral, regression: false },
  plane: { make: regressPlane, regression: true },
  'multi-gaussian': { make: regressGaussian, regression: true },
};

/** Input features computed from a point, as TensorFlow Playground offers them. */
export const FEATURES = {
  x1: (x) => x,
  x2: (_, y) => y,
  'x1²': (x) => x * x,
  'x2²': (_, y) => y * y,
  'x1·x2': (x, y) => x * y,
  'sin(x1)': (x) => Math.sin(x),
  'sin(x2)': (_, y) => Math.sin(y),
};

/** Points split into train and test sets (shuffled with the same seed). */
export function makeData(name, { samples = 500, noise = 0, trainRatio = 0.5, seed = 1 } = {}) {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`unknown dataset '${name}'; expected one of ${Object.keys(DATASETS).join(', ')}`);
  const rand = seededRandom(seed);
  const pts = spec.make(samples, noise, rand);
  for (let i = pts.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pts[i], pts[j]] = [pts[j], pts[i]];
  }
  const nTrain = Math.round(pts.length * trainRatio);
  return { train: pts.slice(0, nTrain), test: pts.slice(nTrain), regression: spec.regression };
}
