// GEMM: C = A B for square N and a non-square shape, every build and thread count, against
// TensorFlow.js's WebAssembly backend (XNNPACK, 1 and 2 threads) in the same run; GFLOP/s and
// the share of the measured 128-bit SIMD multiply-add peak.
// Shapes: "N" is N x N x N; "MxKxN" is [M, K] x [K, N].
import * as wg from 'wasmgrad';
import { parseArgs, measure, measureOptions, measureSimdPeak, gflops, printTable, writeResults } from './lib/harness.mjs';
import { loadTfjs, tfMatMulBench, tfjsWasmInfo, runTfjsInChild } from './lib/tfjs.mjs';

const args = parseArgs(process.argv.slice(2));
const shapes = (args.shapes ?? '64,128,256,512,1024,784x256x64').split(',').map((s) => {
  const d = s.split('x').map(Number);
  const [m, k, n] = d.length === 1 ? [d[0], d[0], d[0]] : d;
  return { label: s, m, k, n, flops: 2 * m * k * n };
});
const opts = measureOptions(args);
const log = (...a) => args.json || console.error(...a);

function randomTensor(shape, seed) {
  return wg.randomUniform(shape, -1, 1, seed);
}

// --- TF.js wasm (XNNPACK), one thread in this process, two in a child process
const tfjs = {};
if (args.tfjs) {
  const tf = await loadTfjs('wasm');
  log(`TF.js wasm: ${JSON.stringify(tfjsWasmInfo())}`);
  for (const s of shapes) {
    // XNNPACK caches B packed for a tensor it has seen; a fresh B each call packs it every time,
    // as our matMul does (and as a training step does, since the weights change every step).
    const run = tfMatMulBench(tf, s.m, s.n, s.k);
    const fresh = tfMatMulBench(tf, s.m, s.n, s.k, false, false, { freshB: true });
    tfjs[s.label] = { t1: gflops(s.flops, measure(run, opts).medianMs), t1fresh: gflops(s.flops, measure(fresh, opts).medianMs) };
    run.dispose?.();
    fresh.dispose?.();
  }
  if (args.threads.includes(2)) {
    try {
      const child = await runTfjsInChild(['--threads', '2', '--no-cpu', '--shapes', shapes.map((s) => `${s.m}x${s.k}x${s.n}`).join(','), ...(args.quick ? ['--quick'] : [])]);
      for (const s of shapes) {
        const row = child.rows?.find((r) => r.backend === 'wasm' && r.threads === 2 && r.M === s.m && r.K === s.k && r.N === s.n);
        tfjs[s.label].t2 = row?.gflops;
      }
    } catch (err) {
      log(`TF.js wasm with 2 threads could not run: ${err.message.split('\n')[0]}`);
    }
  }
}

// --- wasmgrad: every build, every thread count its memory allows
const ours = {}; // label -> column -> GFLOP/s
const peaks = {};
const dispatch = {}; // column -> microseconds per empty parallel job
const columns = [];
for (const build of args.builds) {
  const shared = build === 'relaxed' || build === 'simd-threads';
  const threadCounts = shared ? args.threads : [1];
  await wg.init({ backend: build, threads: Math.max(...threadCounts) });
  const e = wg._engine();
  {
    // operands for the peak kernel: small finite floats in a buffer that stays in L1
    const bytes = e.kernels.bench_fma_peak_buffer_bytes();
    const buf = e.allocator.alloc(bytes, 'peak operands');
    e.f32.set(Float32Array.from({ length: bytes / 4 }, (_, i) => 1 + (i % 7) * 1e-3), buf / 4);
    peaks[build] = measureSimdPeak((it) => e.kernels.bench_fma_peak(buf, it), e.kernels.bench_fma_peak_flops(), opts).gflops;
    e.allocator.release(buf);
  }
  for (const t of threadCounts) {
    wg.setThreads(t);
    const col = `${build} ${t}t`;
    columns.push(col);
    if (t > 1) {
      // An empty job on every thread, workers warm: the pool's fixed cost per parallel kernel.
      await e.pool.ready();
      const calls = 1000;
      const m = measure(() => {
        for (let i = 0; i < calls; i++) e.parallel('pool_noop', [], t);
      }, opts);
      dispatch[col] = (m.medianMs * 1000) / calls;
    }
    for (const s of shapes) {
      const a = randomTensor([s.m, s.k], 1), b = randomTensor([s.k, s.n], 2);
      const m = measure(() => wg.matMul(a, b).dispose(), opts);
      (ours[s.label] ??= {})[col] = gflops(s.flops, m.medianMs);
      a.dispose();
      b.dispose();
    }
    log(`measured ${col}`);
  }
  await wg.shutdown();
}

// --- tables
const fmt = (x) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
const peak1 = Math.max(peaks.relaxed ?? 0, peaks['simd-threads'] ?? 0, peaks.simd ?? 0);
const rows = shapes.map((s) => [
  s.label,
  ...columns.map((c) => fmt(ours[s.label][c])),
  fmt(tfjs[s.label]?.t1),
  fmt(tfjs[s.label]?.t1fresh),
  fmt(tfjs[s.label]?.t2),
]);
let md = printTable('GEMM GFLOP/s (median)', ['shape', ...columns, 'TF.js wasm 1t', 'TF.js wasm 1t fresh B', 'TF.js wasm 2t'], rows);
const best1 = (s, build) => ours[s.label]?.[`${build} 1t`] ?? (build === 'simd' ? ours[s.label]?.['simd-threads 1t'] : undefined);
const ratioRows = shapes.map((s) => {
  const simd1 = best1(s, 'simd'), rel1 = best1(s, 'relaxed');
  const rel2 = ours[s.label]?.['relaxed 2t'], st2 = ours[s.label]?.['simd-threads 2t'], st1 = ours[s.label]?.['simd-threads 1t'];
  return [
    s.label,
    ratio(simd1, tfjs[s.label]?.t1),
    ratio(rel1, tfjs[s.label]?.t1),
    ratio(simd1, tfjs[s.label]?.t1fresh),
    ratio(rel1, tfjs[s.label]?.t1fresh),
    ratio(rel2, rel1),
    ratio(st2, st1),
    ratio(rel2, tfjs[s.label]?.t2),
    rel1 && peak1 ? `${((100 * rel1) / peak1).toFixed(0)}%` : '-',
  ];
});
md += printTable('Ratios (same run)', ['shape', 'simd 1t / TF.js 1t', 'relaxed 1t / TF.js 1t', 'simd 1t / TF.js fresh B', 'relaxed 1t / TF.js fresh B', 'relaxed 2t / 1t', 'simd-threads 2t / 1t', 'relaxed 2t / TF.js 2t', 'relaxed 1t / one-core SIMD peak'], ratioRows);
md += printTable('Measured one-core multiply-add peak (GFLOP/s)', ['build', 'peak'], Object.entries(peaks).map(([b, p]) => [b, fmt(p)]));
if (Object.keys(dispatch).length) {
  md += printTable('Dispatch of an empty parallel job, workers warm (median, µs; target < 5)', ['config', 'µs'], Object.entries(dispatch).map(([c, us]) => [c, us.toFixed(2)]));
}
const data = { shapes, ours, tfjs, peaks, dispatch, tfjsInfo: tfjsWasmInfo() };
if (args.json) console.log(JSON.stringify(data, null, 2));
if (!args.extra?.['no-write']) writeResults('gemm', data, md);
