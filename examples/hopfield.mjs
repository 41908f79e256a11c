// Hopfield networks: Hebbian storage (w_ij = sum_c x_ci x_cj, zero diagonal) and asynchronous
// recall in a seeded random order until nothing changes.
//   1. A 100-unit net restores a stored pattern from a probe with 20% of its bits flipped.
//   2. Capacity: sweeping the number P of stored random patterns, recall collapses near
//      P = 0.14 N (the share of patterns recalled from 5%-flipped probes).
//   3. Real digits: thresholded MNIST images stored, then recalled from noisy probes
//      (hopfield-digits.png: stored, probe and recalled rows).
//   node examples/hopfield.mjs [--quick]
import * as wg from 'wasmgrad';
import { loadMnist } from './lib/mnist.mjs';
import { imageGrid, canvas, savePng } from './lib/png.mjs';
import { runIfMain } from './lib/run.mjs';

/** count random bipolar patterns of n units as a flat Float32Array. */
function randomPatterns(count, n, random) {
  return Float32Array.from({ length: count * n }, () => (random() < 0.5 ? -1 : 1));
}

/** A copy of the patterns with round(fraction * n) distinct bits of each flipped. */
function flipBits(patterns, n, fraction, random) {
  const out = patterns.slice();
  for (let r = 0; r < out.length / n; r++) {
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let k = 0; k < Math.round(fraction * n); k++) {
      const j = k + Math.floor(random() * (n - k));
      [idx[k], idx[j]] = [idx[j], idx[k]];
      out[r * n + idx[k]] *= -1;
    }
  }
  return out;
}

/** Per row: the number of bits where a and b differ. */
function hamming(a, b, n) {
  return Array.from({ length: a.length / n }, (_, r) => {
    let d = 0;
    for (let i = r * n; i < (r + 1) * n; i++) d += a[i] !== b[i] ? 1 : 0;
    return d;
  });
}

export async function main({ quick = false, seed = 1, log = console.log, pictures = true } = {}) {
  await wg.init();
  const random = wg.seededRandom(seed);
  const result = {};

  // 1. restore a pattern from 20% flipped bits
  {
    const N = 100, P = 5;
    const stored = randomPatterns(P, N, random);
    const net = wg.classic.hopfield(N);
    wg.tidy(() => net.store(wg.tensor(stored, [P, N])));
    const probes = flipBits(stored, N, 0.2, random);
    const probe = wg.tensor(probes, [P, N]);
    const { state, sweeps } = net.recall(probe, { seed });
    const before = hamming(probes, stored, N), after = hamming(state.dataSync(), stored, N);
    const [eProbe, eState] = wg.tidy(() => [net.energy(probe).dataSync(), net.energy(state).dataSync()]);
    log(`restore: ${P} random patterns stored in a ${N}-unit net; probes with ${before.join(', ')} flipped bits recalled in ${sweeps} sweeps ` +
      `to ${after.join(', ')} wrong bits; energy ${Array.from(eProbe).join(', ')} -> ${Array.from(eState).join(', ')}`);
    result.restore = { flipped: before, wrongAfter: after, restored: after.filter((d) => d === 0).length, patterns: P };
    state.dispose();
    probe.dispose();
    net.dispose();
  }

  // 2. capacity sweep
  {
    const N = 100;
    const trials = quick ? 2 : 6;
    const counts = quick ? [4, 10, 20, 30] : [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 28, 32];
    result.capacity = [];
    log(`capacity (N = ${N}, probes with 5% flipped bits, ${trials} nets per P; recalled = within 2 bits of the stored pattern):`);
    for (const P of counts) {
      let recalled = 0, total = 0, bitErrors = 0;
      for (let t = 0; t < trials; t++) {
        const stored = randomPatterns(P, N, random);
        const net = wg.classic.hopfield(N);
        wg.tidy(() => net.store(wg.tensor(stored, [P, N])));
        const probe = wg.tensor(flipBits(stored, N, 0.05, random), [P, N]);
        const { state } = net.recall(probe, { seed: seed + t, maxSweeps: 30 });
        const d = hamming(state.dataSync(), stored, N);
        recalled += d.filter((x) => x <= 2).length;
        bitErrors += d.reduce((a, x) => a + x, 0);
        total += P;
        state.dispose();
        probe.dispose();
        net.dispose();
      }
      const share = recalled / total;
      result.capacity.push({ patterns: P, load: P / N, recalled: share, bitErrorRate: bitErrors / (total * N) });
      log(`  P = ${String(P).padStart(2)} (P/N = ${(P / N).toFixed(2)}): recalled ${(share * 100).toFixed(0).padStart(3)}%, bit errors ${((bitErrors / (total * N)) * 100).toFixed(1)}%`);
    }
    const onset = result.capacity.find((c) => c.recalled < 0.9);
    const half = result.capacity.find((c) => c.recalled < 0.5);
    result.onsetLoad = onset ? onset.load : null;
    result.halfLoad = half ? half.load : null;
    log(`recall collapses: below 90% from P/N = ${onset ? onset.load.toFixed(2) : '-'}, below 50% from P/N = ${half ? half.load.toFixed(2) : '-'} ` +
      `(theory for large N: retrieval breaks down at 0.138)`);
  }

  // 3. thresholded MNIST digits. On the full 28x28 frame they overlap heavily (the border is -1 in
  // every digit), and correlated patterns crowd each other far below 0.14 N: 4 digits fall into
  // mixtures. The central 20x20 crop, where the ink is, brings the overlaps down and 5 digits
  // store cleanly. The digits are picked (8 candidates per class) to overlap least.
  {
    const { train } = loadMnist({ train: 1000, test: 0, seed });
    /** The bipolar image of digit i, whole (28x28) or its central 20x20 crop. */
    const bipolar = (i, crop) => {
      const side = crop ? 20 : 28, o = crop ? 4 : 0;
      const x = new Float32Array(side * side);
      for (let y = 0; y < side; y++) for (let c = 0; c < side; c++) x[y * side + c] = train.images[i * 784 + (y + o) * 28 + c + o] >= 0.5 ? 1 : -1;
      return x;
    };
    const recallDigits = (count, noise, crop) => {
      const N = crop ? 400 : 784;
      const cands = [];
      for (let d = 0; d < 10; d++) {
        for (let i = 0, got = 0; i < train.count && got < 8; i++) if (train.labels[i] === d) cands.push({ digit: d, x: bipolar(i, crop) }), got++;
      }
      const overlap = (a, b) => a.x.reduce((s, v, i) => s + v * b.x[i], 0) / N;
      // greedy from every start: `count` digits of distinct classes with the least largest pairwise overlap
      let best = null;
      for (const start of cands) {
        const set = [start];
        while (set.length < count) {
          const score = (c) => Math.max(...set.map((k) => overlap(k, c)));
          set.push(cands.filter((c) => !set.some((k) => k.digit === c.digit)).reduce((a, c) => (score(c) < score(a) ? c : a)));
        }
        const worst = Math.max(...set.flatMap((a) => set.filter((b) => b !== a).map((b) => overlap(a, b))));
        if (!best || worst < best.worst) best = { set, worst };
      }
      const stored = new Float32Array(count * N);
      best.set.forEach((c, k) => stored.set(c.x, k * N));
      const net = wg.classic.hopfield(N);
      wg.tidy(() => net.store(wg.tensor(stored, [count, N])));
      const probes = flipBits(stored, N, noise, random);
      const probe = wg.tensor(probes, [count, N]);
      const { state, sweeps } = net.recall(probe, { seed });
      const recalled = state.dataSync();
      state.dispose();
      probe.dispose();
      net.dispose();
      return { N, digits: best.set.map((c) => c.digit), worst: best.worst, stored, probes, recalled, sweeps, wrong: hamming(recalled, stored, N) };
    };
    const whole = recallDigits(4, 0.2, false);
    log(`digits, whole 28x28 frames: 4 digits (${whole.digits.join(', ')}; largest overlap ${whole.worst.toFixed(2)}) from 20%-flipped probes: ` +
      `${whole.wrong.join(', ')} wrong bits of 784 (correlated patterns: mixtures replace the stored digits)`);
    const count = quick ? 4 : 5;
    const cropped = recallDigits(count, 0.2, true);
    log(`digits, central 20x20 crops: ${count} digits (${cropped.digits.join(', ')}; largest overlap ${cropped.worst.toFixed(2)}) stored in a 400-unit net; ` +
      `probes with 20% of bits flipped recalled in ${cropped.sweeps} sweeps with ${cropped.wrong.join(', ')} wrong bits of 400`);
    result.digits = { classes: cropped.digits, wrongBits: cropped.wrong, wholeFrameWrongBits: whole.wrong };
    const { stored, probes, recalled } = cropped;
    const N = 400;
    if (pictures) {
      const rows = new Float32Array(3 * count * N);
      [stored, probes, recalled].forEach((a, r) => rows.set(Float32Array.from(a, (v) => (v + 1) / 2), r * count * N));
      log(`wrote ${savePng('hopfield-digits.png', imageGrid(rows, 3 * count, { size: 20, cols: count, zoom: 4 }))} (rows: stored, probes, recalled)`);
      // the capacity curve: recalled share against P/N, with a marker at 0.14
      const c = canvas(420, 220);
      const px = (load) => 20 + (load / 0.35) * 380, py = (share) => 200 - share * 180;
      for (let y = 20; y <= 200; y++) c.set(px(0.14), y, [214, 39, 40]);
      for (let x = 20; x <= 400; x++) c.set(x, 200, [0, 0, 0]);
      for (let y = 20; y <= 200; y++) c.set(20, y, [0, 0, 0]);
      for (const p of result.capacity) c.dot(px(p.load), py(p.recalled), [31, 119, 180], 3);
      log(`wrote ${savePng('hopfield-capacity.png', c)} (recalled share against P/N from 0 to 0.35; red line at 0.14)`);
    }
  }
  return result;
}

await runIfMain(import.meta, () => main({ quick: process.argv.includes('--quick') }));
