// GEMM in the browser: the table of `wasmgrad bench gemm` (GFLOP/s per build and thread count,
// share of the measured one-core SIMD multiply-add peak) for the page's runtime.
import * as wg from '../../dist/index.js';

const q = new URLSearchParams(location.search);
const list = (name, fallback) => (q.get(name) ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
const shapes = list('shapes', '128,256,512,784x256x64').map((s) => {
  const d = s.split('x').map(Number);
  const [m, k, n] = d.length === 1 ? [d[0], d[0], d[0]] : d;
  return { label: s, m, k, n, flops: 2 * m * k * n };
});
const threadList = list('threads', '1,2').map(Number);
const quick = q.has('quick');
const minMs = quick ? 100 : 400;

/** Median of per-call times (ms) over five runs of enough calls to fill minMs / 5 each. */
function measure(fn) {
  for (let i = 0; i < 3; i++) fn();
  let t = performance.now();
  fn();
  const once = Math.max(performance.now() - t, 0.01);
  const calls = Math.max(1, Math.round(minMs / 5 / once));
  const times = [];
  for (let r = 0; r < 5; r++) {
    t = performance.now();
    for (let i = 0; i < calls; i++) fn();
    times.push((performance.now() - t) / calls);
  }
  return times.sort((a, b) => a - b)[2];
}

const status = (s) => (document.getElementById('status').textContent = s);
async function run() {
  const first = await wg.init();
  const builds = list('builds', first.sharedMemory ? `${first.backend},simd` : first.backend);
  await wg.shutdown();
  const rows = [];
  const peaks = {};
  for (const build of builds) {
    const shared = build === 'relaxed' || build === 'simd-threads';
    const counts = shared ? threadList : [1];
    const info = await wg.init({ backend: build, threads: Math.max(...counts) });
    const e = wg._engine();
    await e.pool.ready();
    const bytes = e.kernels.bench_fma_peak_buffer_bytes();
    const buf = e.allocator.alloc(bytes, 'peak operands');
    e.f32.set(Float32Array.from({ length: bytes / 4 }, (_, i) => 1 + (i % 7) * 1e-3), buf / 4);
    const iterations = 1 << 16;
    peaks[build] = (e.kernels.bench_fma_peak_flops() * iterations) / (measure(() => e.kernels.bench_fma_peak(buf, iterations)) * 1e6);
    e.allocator.release(buf);
    for (const t of counts) {
      wg.setThreads(t);
      for (const s of shapes) {
        status(`${build}, ${t} thread(s), ${s.label}`);
        await new Promise((r) => setTimeout(r, 0));
        const a = wg.randomUniform([s.m, s.k], -1, 1, 1), b = wg.randomUniform([s.k, s.n], -1, 1, 2);
        const gflops = s.flops / (measure(() => wg.matMul(a, b).dispose()) * 1e6);
        rows.push({ build, threads: t, shape: s.label, gflops, peakShare: gflops / peaks[build], relaxedSimd: info.relaxedSimd });
        a.dispose();
        b.dispose();
      }
    }
    await wg.shutdown();
  }
  const head = `| build | threads | shape | GFLOP/s | share of one-core SIMD peak |\n|---|---|---|---|---|\n`;
  const body = rows.map((r) => `| ${r.build} | ${r.threads} | ${r.shape} | ${r.gflops.toFixed(1)} | ${(100 * r.peakShare).toFixed(0)}% |`).join('\n');
  const peakText = Object.entries(peaks).map(([b, p]) => `${b} ${p.toFixed(1)}`).join(', ');
  document.getElementById('table').textContent =
    `wasmgrad bench gemm on ${navigator.userAgent}, ${navigator.hardwareConcurrency} cores, ` +
    `${crossOriginIsolated ? 'cross-origin isolated' : 'not isolated (1 thread)'}\none-core peak GFLOP/s: ${peakText}\n\n${head}${body}`;
  status('done');
  return { rows, peaks, runtime: first.runtime };
}
window.benchResult = run().catch((err) => {
  status(`failed: ${err.message}`);
  throw err;
});
