#!/usr/bin/env node
// TensorFlow.js matMul throughput, wasm (XNNPACK) and cpu backends.
//
//   node bench/tfjs-matmul.mjs [common options] [--cpu-shapes LIST] [--no-cpu]
//        [--fresh-b] [--transposes] [--crosscheck] [--no-write]
//
// Shapes (--shapes): N (square) or MxKxN meaning C[M,N] = A[M,K] . B[K,N];
// default 64,128,256,512,1024,784x256x64. The cpu backend runs --cpu-shapes
// (default 64,128,256; it is slow). --threads sets the XNNPACK pool sizes to
// measure (one child process per count when several are given).
// --fresh-b adds a column where every call multiplies by a new B tensor, so
// XNNPACK's per-tensor cache of packed B does not apply. --transposes adds the
// three transposed variants (TF.js runs those outside XNNPACK).
// --crosscheck re-times every wasm case with benchmark.js.
// Writes bench/results/tfjs-matmul.{json,md} unless --no-write or --json.

import {
  parseArgs,
  parseShapes,
  measure,
  measureOptions,
  gflops,
  formatTable,
  writeResults,
  machineMarkdown,
  crossCheckBenchmarkJs,
  loadMonitor,
  idleCheck,
  usage,
} from './lib/harness.mjs';
import { loadTfjs, tfjsWasmInfo, tfMatMulBench, runTfjsInChild } from './lib/tfjs.mjs';

const args = parseArgs();
if (args.help) {
  console.log(usage());
  process.exit(0);
}
const x = args.extra;
const shapes = parseShapes(args.shapes ?? '64,128,256,512,1024,784x256x64');
const cpuShapes = x['no-cpu'] ? [] : parseShapes(typeof x['cpu-shapes'] === 'string' ? x['cpu-shapes'] : '64,128,256');
const mopts = measureOptions(args);
const log = args.json ? () => {} : (s) => process.stderr.write(s + '\n');

async function measureInProcess(threads, withCpu) {
  const rows = [];
  const tf = await loadTfjs('wasm', { threads });
  const info = tfjsWasmInfo();
  log(`TF.js ${info.version} wasm: ${info.binary}, ${info.threads} thread(s)`);
  const variants = [[false, false]];
  if (x.transposes) variants.push([false, true], [true, false], [true, true]);
  const one = (backend, s, tA, tB, freshB) => {
    const fn = tfMatMulBench(tf, s.M, s.N, s.K, tA, tB, { freshB });
    const err = fn.check();
    const m = measure(fn, mopts);
    const row = {
      backend,
      binary: backend === 'wasm' ? info.binary : 'js',
      threads: backend === 'wasm' ? info.threads : 1,
      shape: s.label,
      M: s.M,
      K: s.K,
      N: s.N,
      transposeA: tA,
      transposeB: tB,
      freshB,
      path: fn.path,
      gflops: gflops(fn.flops, m.medianMs),
      medianMs: m.medianMs,
      minMs: m.minMs,
      maxMs: m.maxMs,
      iterationsPerRun: m.iterationsPerRun,
      maxAbsErr: err,
    };
    if (x.crosscheck) {
      const c = crossCheckBenchmarkJs(fn, { maxTime: args.quick ? 0.3 : 1 });
      row.benchmarkjsMedianMs = c.medianMs;
      row.benchmarkjsRme = c.rme;
    }
    fn.dispose();
    log(
      `  ${backend} t=${row.threads} ${s.label}${tA ? ' tA' : ''}${tB ? ' tB' : ''}${freshB ? ' freshB' : ''}: ` +
        `${row.gflops.toFixed(1)} GF/s (${m.medianMs.toFixed(4)} ms, runs ${m.minMs.toFixed(4)}..${m.maxMs.toFixed(4)})`,
    );
    rows.push(row);
  };
  for (const s of shapes) {
    for (const [tA, tB] of variants) one('wasm', s, tA, tB, false);
    if (x['fresh-b']) one('wasm', s, false, false, true);
  }
  // Fixed cost of one tf.matMul call (engine bookkeeping, reshapes, kernel
  // dispatch) measured on a 1x1x1 product.
  const ov = tfMatMulBench(tf, 1, 1, 1);
  const overheadUs = measure(ov, mopts).medianMs * 1e3;
  ov.dispose();
  log(`  wasm t=${info.threads} tf.matMul fixed overhead (1x1x1): ${overheadUs.toFixed(1)} us`);
  let cpuOverheadUs = null;
  if (withCpu && cpuShapes.length) {
    await loadTfjs('cpu');
    for (const s of cpuShapes) one('cpu', s, false, false, false);
    const ovc = tfMatMulBench(tf, 1, 1, 1);
    cpuOverheadUs = measure(ovc, mopts).medianMs * 1e3;
    ovc.dispose();
    await loadTfjs('wasm');
  }
  return { wasm: info, rows, overheadUs: { [`wasm-t${info.threads}`]: overheadUs, ...(cpuOverheadUs != null ? { cpu: cpuOverheadUs } : {}) } };
}

async function main() {
  const idle = await idleCheck();
  if (idle.otherCores > 0.2) {
    process.stderr.write(`warning: other processes keep ${idle.otherCores.toFixed(2)} of ${idle.cores} cores busy; results will be low and noisy\n`);
  }
  const mon = loadMonitor();
  let result;
  if (args.threads.length === 1) {
    result = await measureInProcess(args.threads[0], true);
    result.wasm = [result.wasm];
  } else {
    // One process per XNNPACK thread count; the cpu backend only in the first.
    const pass = process.argv.slice(2).filter((a, i, all) => !(a === '--threads' || all[i - 1] === '--threads' || a.startsWith('--threads=')) && a !== '--json');
    result = { wasm: [], rows: [], overheadUs: {} };
    for (const [i, t] of args.threads.entries()) {
      log(`child process: --threads ${t}`);
      const r = await runTfjsInChild(['--threads', String(t), ...pass, ...(i > 0 ? ['--no-cpu'] : [])]);
      result.wasm.push(...r.wasm);
      result.rows.push(...r.rows);
      Object.assign(result.overheadUs, r.overheadUs);
      (result.childLoads ??= []).push(r.load.during);
    }
  }
  // With child processes, the parent sees their work as "other"; take the
  // children's own view instead (the worst of them).
  const during = result.childLoads
    ? result.childLoads.reduce((a, b) => ((b.otherCores ?? 0) > (a.otherCores ?? 0) ? b : a))
    : mon.stop();
  delete result.childLoads;
  result.load = { before: idle, during };
  result.options = { measure: mopts, shapes: shapes.map((s) => s.label), cpuShapes: cpuShapes.map((s) => s.label) };

  if (args.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const md = report(result);
  process.stdout.write(md + '\n');
  if (!x['no-write']) {
    const p = writeResults('tfjs-matmul', result, md);
    log(`wrote ${p.json} and ${p.md}`);
  } else {
    process.stdout.write('\n' + machineMarkdown());
  }
}

function report(result) {
  const key = (r) => `${r.backend}|${r.threads}|${r.transposeA}|${r.transposeB}|${r.freshB}`;
  const title = (r) =>
    r.backend === 'cpu'
      ? 'cpu (JS)'
      : `wasm t=${r.threads}${r.transposeA || r.transposeB ? ` ${r.transposeA ? 'T' : 'N'}${r.transposeB ? 'T' : 'N'}` : ''}${r.freshB ? ' fresh B' : ''}`;
  const cols = [];
  for (const r of result.rows) if (!cols.some((c) => c.key === key(r))) cols.push({ key: key(r), title: title(r), cpu: r.backend === 'cpu' });
  cols.sort((a, b) => a.cpu - b.cpu); // stable: wasm columns in measurement order, cpu last
  const shapeList = [...new Set(result.rows.map((r) => r.shape))];
  const rows = shapeList.map((s) => {
    const r0 = result.rows.find((r) => r.shape === s);
    const row = { shape: `${r0.M}x${r0.K}x${r0.N}` };
    for (const r of result.rows.filter((r) => r.shape === s)) row[key(r)] = r.gflops;
    return row;
  });
  const detail = result.rows.map((r) => ({
    case: `${title(r)} ${r.M}x${r.K}x${r.N}`,
    path: r.path,
    gflops: r.gflops,
    median: r.medianMs,
    min: r.minMs,
    max: r.maxMs,
    iters: r.iterationsPerRun,
    err: r.maxAbsErr,
    ...(r.benchmarkjsMedianMs != null ? { bjs: r.benchmarkjsMedianMs, rme: r.benchmarkjsRme } : {}),
  }));
  const hasBjs = detail.some((d) => d.bjs != null);
  const wasmLines = result.wasm.map((w) => `- TF.js ${w.version} wasm backend: \`${w.binary}\`, XNNPACK pool of ${w.threads} thread(s)`).join('\n');
  const ov = Object.entries(result.overheadUs)
    .map(([k, v]) => `${k} ${v.toFixed(1)} us`)
    .join(', ');
  return [
    '## TF.js matMul, GFLOP/s (median of runs; shape MxKxN: C[M,N] = A[M,K] . B[K,N])',
    '',
    wasmLines,
    `- Fixed cost of one tf.matMul call (1x1x1): ${ov}`,
    `- Load: other processes kept ${fmtCores(result.load.before.otherCores)} cores busy just before, ${fmtCores(result.load.during.otherCores)} during the run (of ${result.load.before.cores})`,
    `- Timing: ${result.options.measure.runs} runs of about ${((result.options.measure.minTime * 1000) / result.options.measure.runs).toFixed(0)} ms after warm-up; B is the same tensor every call (XNNPACK packs it once) unless "fresh B".`,
    '',
    formatTable([{ key: 'shape', title: 'MxKxN' }, ...cols.map((c) => ({ ...c, digits: 1 }))], rows),
    '',
    '### Per case (ms per call)',
    '',
    formatTable(
      [
        'case',
        'path',
        { key: 'gflops', title: 'GF/s', digits: 1 },
        { key: 'median', title: 'median ms', digits: 4 },
        { key: 'min', title: 'min ms', digits: 4 },
        { key: 'max', title: 'max ms', digits: 4 },
        { key: 'iters', title: 'calls/run', digits: 0 },
        { key: 'err', title: 'max abs err', digits: 6 },
        ...(hasBjs ? [{ key: 'bjs', title: 'benchmark.js median ms', digits: 4 }, { key: 'rme', title: 'rme %', digits: 2 }] : []),
      ],
      detail,
    ),
    '',
  ].join('\n');
}

function fmtCores(x) {
  return x == null ? '?' : x.toFixed(2);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
