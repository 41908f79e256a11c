// Convolution, depthwise convolution and pooling, forward and backward, against TensorFlow.js in
// the same run: the wasm backend (XNNPACK; one thread here, two in a child process) forward, and
// the cpu backend forward and backward (TF.js wasm has no Conv2DBackpropFilter kernel, so it
// cannot run a conv backward pass at all).
// GFLOP/s = 2 x outputs x KH x KW x Cin forward (x Cin = 1 for depthwise); backward counts the
// input and the filter gradient: twice that. Pooling reports milliseconds.
//
//   npm run bench -- conv [--builds relaxed,simd-threads] [--threads 1,2] [--quick] [--no-tfjs]
//        [--cases conv1,conv2,...] [--no-cpu] [--no-write]
import * as wg from 'wasmgrad';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs, measure, measureOptions, gflops, printTable, writeResults, idleCheck, loadMonitor } from './lib/harness.mjs';
import { loadTfjs, tfjsWasmInfo } from './lib/tfjs.mjs';

const args = parseArgs(process.argv.slice(2));
const x = args.extra;
const opts = measureOptions(args);
/** TF.js cpu is slow (seconds per call on the big shapes): a few calls only. */
const cpuOpts = { minTime: 0, warmup: 1, warmupTime: 0, runs: args.quick ? 1 : 3 };
const log = (...a) => args.json || console.error(...a);

// kind, input [N, H, W, C], window [KH, KW], Cout (conv) or multiplier (depthwise), stride, padding
const ALL_CASES = [
  { name: 'conv1', kind: 'conv', x: [32, 28, 28, 1], k: [3, 3], out: 32, s: 1, pad: 'same', label: '32x28x28x1 -> 32, 3x3 same' },
  { name: 'conv2', kind: 'conv', x: [32, 32, 32, 16], k: [3, 3], out: 32, s: 1, pad: 'same', label: '32x32x32x16 -> 32, 3x3 same' },
  { name: 'conv3', kind: 'conv', x: [8, 56, 56, 64], k: [3, 3], out: 64, s: 1, pad: 'same', label: '8x56x56x64 -> 64, 3x3 same' },
  { name: 'conv1x1', kind: 'conv', x: [8, 56, 56, 64], k: [1, 1], out: 128, s: 1, pad: 'same', label: '8x56x56x64 -> 128, 1x1' },
  { name: 'depthwise', kind: 'depthwise', x: [8, 56, 56, 64], k: [3, 3], out: 1, s: 1, pad: 'same', label: 'depthwise 8x56x56x64, 3x3 same' },
  { name: 'maxpool', kind: 'maxpool', x: [32, 32, 32, 32], k: [2, 2], out: 0, s: 2, pad: 'valid', label: 'max pool 32x32x32x32, 2x2 stride 2' },
];
const only = typeof x.cases === 'string' ? x.cases.split(',') : null;
const cases = ALL_CASES.filter((c) => !only || only.includes(c.name));

function outHW(c) {
  const [, H, W] = c.x;
  return c.pad === 'same' ? [Math.ceil(H / c.s), Math.ceil(W / c.s)] : [Math.floor((H - c.k[0]) / c.s) + 1, Math.floor((W - c.k[1]) / c.s) + 1];
}
function flopsOf(c) {
  const [N, , , C] = c.x;
  const [OH, OW] = outHW(c);
  if (c.kind === 'conv') return 2 * N * OH * OW * c.out * c.k[0] * c.k[1] * C;
  if (c.kind === 'depthwise') return 2 * N * OH * OW * C * c.out * c.k[0] * c.k[1];
  return 0;
}
const dyShape = (c) => [c.x[0], ...outHW(c), c.kind === 'conv' ? c.out : c.x[3] * (c.kind === 'depthwise' ? c.out : 1)];
const filterShape = (c) => [...c.k, c.x[3], c.out];
const size = (s) => s.reduce((a, b) => a * b, 1);

function data(n, seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** TF.js cpu: one call when a call takes seconds (JIT warm-up is noise against that), else a few. */
function timeSlow(fn) {
  const t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  return first > 300 ? first : measure(fn, cpuOpts).medianMs;
}

// ---- TF.js: functions to time, one per case and direction
function tfCase(tf, c, backend) {
  const xt = tf.tensor(data(size(c.x), 1), c.x);
  const ft = c.kind === 'maxpool' ? null : tf.tensor(data(size(filterShape(c)), 2), filterShape(c));
  const dy = tf.tensor(data(size(dyShape(c)), 3), dyShape(c));
  const eng = tf.engine();
  const fwd =
    c.kind === 'conv'
      ? () => tf.conv2d(xt, ft, c.s, c.pad).dispose()
      : c.kind === 'depthwise'
        ? () => tf.depthwiseConv2d(xt, ft, c.s, c.pad).dispose()
        : () => tf.maxPool(xt, c.k, c.s, c.pad).dispose();
  const attrs = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, dilations: [1, 1] };
  let bwd = null;
  if (c.kind === 'conv' && backend === 'cpu') {
    bwd = () => {
      eng.runKernel('Conv2DBackpropInput', { dy, filter: ft }, { ...attrs, inputShape: c.x }).dispose();
      eng.runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: filterShape(c) }).dispose();
    };
  } else if (c.kind === 'depthwise' && backend === 'cpu') {
    bwd = () => {
      eng.runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: ft }, { ...attrs, inputShape: c.x, filterShape: filterShape(c) }).dispose();
      eng.runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: filterShape(c) }).dispose();
    };
  } else if (c.kind === 'maxpool') {
    const y = tf.maxPool(xt, c.k, c.s, c.pad);
    bwd = () => eng.runKernel('MaxPoolGrad', { dy, input: xt, output: y }, { filterSize: c.k, strides: [c.s, c.s], pad: c.pad, dimRoundingMode: undefined }).dispose();
  }
  let inputGrad = null;
  if (c.kind === 'conv' && backend === 'wasm') {
    inputGrad = () => eng.runKernel('Conv2DBackpropInput', { dy, filter: ft }, { ...attrs, inputShape: c.x }).dispose();
  }
  return { fwd, bwd, inputGrad, dispose: () => [xt, ft, dy].forEach((t) => t && t.dispose()) };
}

async function tfjsWasm(threads) {
  const tf = await loadTfjs('wasm', { threads });
  const out = {};
  for (const c of cases) {
    const t = tfCase(tf, c, 'wasm');
    out[c.name] = { fwdMs: measure(t.fwd, opts).medianMs };
    if (t.bwd) out[c.name].bwdMs = measure(t.bwd, opts).medianMs;
    if (t.inputGrad) out[c.name].inputGradMs = measure(t.inputGrad, opts).medianMs;
    t.dispose();
    log(`  TF.js wasm ${threads}t ${c.name}: fwd ${out[c.name].fwdMs.toFixed(3)} ms`);
  }
  return { info: tfjsWasmInfo(), results: out };
}

// A child process measures TF.js wasm with two threads (its thread count is fixed per process).
if (x['tfjs-child']) {
  const r = await tfjsWasm(args.threads[0]);
  process.stdout.write(JSON.stringify(r));
  process.exit(0);
}

function tfjsChild(threads) {
  const script = fileURLToPath(import.meta.url);
  const pass = ['--tfjs-child', '--threads', String(threads), '--json', ...(args.quick ? ['--quick'] : []), ...(only ? ['--cases', only.join(',')] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...pass], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout));
      } catch (e) {
        reject(e);
      }
    });
  });
}

// ---- wasmgrad
function wgCase(c) {
  const xt = wg.tensor(data(size(c.x), 1), c.x);
  const ft = c.kind === 'maxpool' ? null : wg.tensor(data(size(filterShape(c)), 2), filterShape(c));
  const dy = wg.tensor(data(size(dyShape(c)), 3), dyShape(c));
  let fwd, bwd;
  if (c.kind === 'conv') {
    fwd = () => wg.conv2d(xt, ft, c.s, c.pad).dispose();
    bwd = () => {
      wg.conv2dBackpropInput(c.x, dy, ft, c.s, c.pad).dispose();
      wg.conv2dBackpropFilter(xt, dy, filterShape(c), c.s, c.pad).dispose();
    };
  } else if (c.kind === 'depthwise') {
    fwd = () => wg.depthwiseConv2d(xt, ft, c.s, c.pad).dispose();
    // forward + backward through the tape; the forward time is subtracted below
    const g = wg.grads((a, b) => wg.depthwiseConv2d(a, b, c.s, c.pad));
    bwd = () => g([xt, ft], dy).forEach((t) => t.dispose());
  } else {
    fwd = () => wg.maxPool(xt, c.k, c.s, c.pad).dispose();
    const g = wg.grad((a) => wg.maxPool(a, c.k, c.s, c.pad));
    bwd = () => g(xt, dy).dispose();
  }
  const bwdIncludesFwd = c.kind !== 'conv';
  return { fwd, bwd, bwdIncludesFwd, dispose: () => [xt, ft, dy].forEach((t) => t && t.dispose()) };
}

async function main() {
  const idle = await idleCheck();
  if (idle.otherCores > 0.2) log(`warning: other processes keep ${idle.otherCores.toFixed(2)} of ${idle.cores} cores busy; figures will be low and noisy`);
  const mon = loadMonitor();
  const tf = { wasm1: null, wasm2: null, cpu: {} };
  if (args.tfjs) {
    tf.wasm1 = await tfjsWasm(1);
    if (args.threads.includes(2)) {
      try {
        tf.wasm2 = await tfjsChild(2);
      } catch (e) {
        log(`TF.js wasm with 2 threads could not run: ${e.message.split('\n')[0]}`);
      }
    }
    if (!x['no-cpu']) {
      const tfc = await loadTfjs('cpu');
      for (const c of cases) {
        const t = tfCase(tfc, c, 'cpu');
        tf.cpu[c.name] = { fwdMs: timeSlow(t.fwd), bwdMs: t.bwd ? timeSlow(t.bwd) : null };
        t.dispose();
        log(`  TF.js cpu ${c.name}: fwd ${tf.cpu[c.name].fwdMs.toFixed(1)} ms, bwd ${tf.cpu[c.name].bwdMs?.toFixed(1)} ms`);
      }
    }
  }
  const ours = {}; // case -> column -> { fwdMs, bwdMs }
  const columns = [];
  for (const build of args.builds) {
    const shared = build === 'relaxed' || build === 'simd-threads';
    const threadCounts = shared ? args.threads : [1];
    await wg.init({ backend: build, threads: Math.max(...threadCounts) });
    for (const t of threadCounts) {
      wg.setThreads(t);
      await wg.ready(); // workers started, or a 2-thread figure times the caller alone
      const col = `${build} ${t}t`;
      columns.push(col);
      for (const c of cases) {
        const w = wgCase(c);
        const fwdMs = measure(w.fwd, opts).medianMs;
        let bwdMs = measure(w.bwd, opts).medianMs;
        if (w.bwdIncludesFwd) bwdMs -= fwdMs;
        (ours[c.name] ??= {})[col] = { fwdMs, bwdMs };
        w.dispose();
        log(`  ${col} ${c.name}: fwd ${fwdMs.toFixed(3)} ms, bwd ${bwdMs.toFixed(3)} ms`);
      }
    }
    await wg.shutdown();
  }
  const load = mon.stop();
  report({ tf, ours, columns, load, idle });
}

function report({ tf, ours, columns, load, idle }) {
  // one decimal, or three significant digits below 1 (TF.js cpu runs at a few MFLOP/s)
  const fmt = (v, d = 1) => (v == null || Number.isNaN(v) ? '-' : v !== 0 && Math.abs(v) < 1 && d === 1 ? v.toPrecision(3) : v.toFixed(d));
  const gf = (c, ms, mult = 1) => (ms == null || !flopsOf(c) ? null : gflops(mult * flopsOf(c), ms));
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
  const main1 = columns.find((c) => c.startsWith('relaxed 1t')) ?? columns.find((c) => c.endsWith(' 1t'));
  const main2 = columns.find((c) => c.startsWith('relaxed 2t')) ?? columns.find((c) => c.endsWith(' 2t'));
  let md = '';
  md += printTable(
    'Forward, GFLOP/s (median; pooling in ms)',
    ['case', ...columns, 'TF.js wasm 1t', 'TF.js wasm 2t', 'TF.js cpu'],
    cases.map((c) => {
      const v = (ms) => (flopsOf(c) ? fmt(gf(c, ms)) : `${fmt(ms, 3)} ms`);
      return [c.label, ...columns.map((col) => v(ours[c.name]?.[col]?.fwdMs)), v(tf.wasm1?.results[c.name]?.fwdMs), v(tf.wasm2?.results[c.name]?.fwdMs), v(tf.cpu[c.name]?.fwdMs)];
    }),
  );
  md += printTable(
    'Backward (input + filter gradients), GFLOP/s (median; pooling in ms)',
    ['case', ...columns, 'TF.js wasm 1t', 'TF.js cpu'],
    cases.map((c) => {
      const v = (ms) => (flopsOf(c) ? fmt(gf(c, ms, 2)) : `${fmt(ms, 3)} ms`);
      const wasm = tf.wasm1?.results[c.name];
      const wasmCell = c.kind === 'maxpool' ? v(wasm?.bwdMs) : c.kind === 'conv' ? `no filter gradient (input only: ${fmt(gf(c, wasm?.inputGradMs))})` : 'no kernels';
      return [c.label, ...columns.map((col) => v(ours[c.name]?.[col]?.bwdMs)), tf.wasm1 ? wasmCell : '-', v(tf.cpu[c.name]?.bwdMs)];
    }),
  );
  md += printTable(
    `Ratios (same run; wasmgrad ${main1} and ${main2 ?? '-'})`,
    ['case', 'fwd 1t / TF.js wasm 1t (>= 1.2)', 'fwd 2t / TF.js wasm 1t (>= 2.2)', 'fwd 2t / TF.js wasm 2t', 'bwd 1t / TF.js cpu (>= 5)', 'bwd 2t / TF.js cpu', 'fwd 2t / 1t'],
    cases.map((c) => {
      const o1 = ours[c.name]?.[main1], o2 = main2 ? ours[c.name]?.[main2] : null;
      const inv = (ms) => (ms ? 1 / ms : null);
      return [
        c.label,
        ratio(inv(o1?.fwdMs), inv(tf.wasm1?.results[c.name]?.fwdMs)),
        ratio(inv(o2?.fwdMs), inv(tf.wasm1?.results[c.name]?.fwdMs)),
        ratio(inv(o2?.fwdMs), inv(tf.wasm2?.results[c.name]?.fwdMs)),
        ratio(inv(o1?.bwdMs), inv(tf.cpu[c.name]?.bwdMs)),
        ratio(inv(o2?.bwdMs), inv(tf.cpu[c.name]?.bwdMs)),
        ratio(inv(o2?.fwdMs), inv(o1?.fwdMs)),
      ];
    }),
  );
  const notes = [
    `- TF.js wasm: ${tf.wasm1 ? `${tf.wasm1.info.binary}, ${tf.wasm1.info.threads} thread` : 'not run'}${tf.wasm2 ? `; 2 threads: ${tf.wasm2.info.binary}` : ''}. It has no Conv2DBackpropFilter and no depthwise backprop kernels: a conv net cannot train on it.`,
    '- TF.js cpu: plain JavaScript kernels; backward = Conv2DBackpropInput + Conv2DBackpropFilter (depthwise: the two DepthwiseConv2dNativeBackprop kernels; pooling: MaxPoolGrad); a call that takes over 0.3 s is timed once.',
    '- wasmgrad conv backward = conv2dBackpropInput + conv2dBackpropFilter; depthwise and pooling backward = a gradient through the tape minus the forward time.',
    `- Load: other processes kept ${fmt(idle.otherCores, 2)} cores busy before, ${fmt(load.otherCores, 2)} during the run (of ${idle.cores}).`,
  ].join('\n');
  md += '\n' + notes + '\n';
  process.stdout.write(notes + '\n');
  const result = { cases, tf, ours, columns, load, idle };
  if (args.json) console.log(JSON.stringify(result, null, 2));
  if (!x['no-write']) writeResults('conv', result, md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
