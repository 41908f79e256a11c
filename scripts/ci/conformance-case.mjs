// The runtime conformance case: init, a matMul, a conv2d, a small CNN's predict and five training
// steps, on data made here (deterministic). Plain JavaScript with no imports, so that Node, Deno,
// Bun, browsers (page and Web Worker) and workerd run the same file; the caller passes wasmgrad in.
// compareResults() tells whether a runtime's result matches Node's: bit for bit for the same build,
// within float tolerance across builds.

/** Deterministic floats in [-1, 1) (a 32-bit LCG). */
function data(n, seed) {
  const out = new Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31) - 1;
  }
  return out;
}

const values = (t) => Array.from(t.dataSync());

export async function runCase(wg, initOptions = {}) {
  const t0 = performance.now();
  const info = await wg.init(initOptions);
  const coldStartMs = performance.now() - t0;
  // Every worker must start and join: results alone would not tell (they are the same on any thread count).
  if (info.threads > 1) await wg.ready();
  const workersReadyMs = performance.now() - t0;
  const a = wg.tensor(data(48 * 64, 1), [48, 64]);
  const b = wg.tensor(data(64 * 40, 2), [64, 40]);
  const matMul = values(wg.matMul(a, b));
  const x = wg.tensor(data(2 * 10 * 10 * 3, 3), [2, 10, 10, 3]);
  const filter = wg.tensor(data(3 * 3 * 3 * 8, 4), [3, 3, 3, 8]);
  const conv2d = values(wg.conv2d(x, filter, 1, 'same'));

  const model = wg.sequential({
    layers: [
      wg.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      wg.layers.flatten(),
      wg.layers.dense({ units: 16, activation: 'tanh' }),
      wg.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.setWeights(model.getWeights().map((w, i) => wg.tensor(data(w.size, 10 + i).map((v) => v * 0.3), w.shape)));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const images = wg.tensor(data(16 * 64, 5), [16, 8, 8, 1]);
  const labels = wg.tensor(Array.from({ length: 16 * 3 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)), [16, 3]);
  const predict = values(model.predict(images));
  const losses = [];
  for (let step = 0; step < 5; step++) losses.push(await model.trainOnBatch(images, labels));
  const trained = values(model.predict(images));
  return { info, coldStartMs, workersReadyMs, outputs: { matMul, conv2d, predict, losses, trained } };
}

/** Bitwise (same build) or within tolerance (another build); returns the mismatches found. */
export function compareResults(result, reference, sameBuild) {
  const problems = [];
  for (const [name, want] of Object.entries(reference.outputs)) {
    const got = result.outputs[name];
    if (!Array.isArray(got) || got.length !== want.length) {
      problems.push(`${name}: ${got?.length} values, expected ${want.length}`);
      continue;
    }
    // Training compounds rounding differences: five Adam steps get a looser bound.
    const tol = name === 'matMul' || name === 'conv2d' || name === 'predict' ? 1e-5 : 1e-3;
    let worst = 0, at = -1;
    for (let i = 0; i < want.length; i++) {
      if (sameBuild) {
        if (!Object.is(got[i], want[i])) {
          problems.push(`${name}[${i}]: ${got[i]} is not bitwise ${want[i]}`);
          break;
        }
      } else {
        const err = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
        if (!(err <= worst)) {
          worst = err;
          at = i;
        }
      }
    }
    if (!sameBuild && !(worst <= tol)) problems.push(`${name}[${at}]: ${got[at]} vs ${want[at]} (relative error ${worst}, bound ${tol})`);
  }
  return problems;
}
