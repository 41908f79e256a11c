// Inference: wasmgrad's predictOnBatch against ONNX Runtime Web (wasm backend, SIMD, threads) on
// the same models with the same weights, in the same run. The ONNX files are written here from
// wasmgrad's weights (lib/onnx-writer.mjs, lib/infer-models.mjs); outputs are compared within 1e-4
// before anything is timed, and a mismatch stops the bench.
//
//   npm run bench -- infer [--quick] [--threads 1,2] [--builds relaxed] [--cases mlp-b1,cnn-b64,...] [--rounds 3]
//
// ORT's thread count is fixed once per process (ort.env.wasm.numThreads), so ORT runs in one child
// process per thread count; wasmgrad runs here, with the build wg.init picks unless --builds is given.
// Timed per call: ORT session.run (input copied in, output copied out, awaited); wasmgrad
// model.predictOnBatch + dataSync + dispose.
import * as wg from 'wasmgrad';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, measure, measureAsync, measureOptions, printTable, writeResults, loadMonitor } from './lib/harness.mjs';
import { CASES, buildCase } from './lib/infer-models.mjs';

const TOLERANCE = 1e-4;
const args = parseArgs(process.argv.slice(2));
const opts = measureOptions(args);
const log = (...a) => args.json || console.error(...a);
const self = fileURLToPath(import.meta.url);

const f32ToBase64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const base64ToF32 = (s) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

if (args.extra['ort-child']) {
  await ortChild(String(args.extra['ort-child']), args.threads[0]);
  process.exit(0);
}

/** Child process: every case of `dir` on ORT with `threads` threads; results in dir/ort-<threads>.json. */
async function ortChild(dir, threads) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'));
  const results = {};
  for (const c of cases) {
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, `${c.name}.onnx`)), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const raw = fs.readFileSync(path.join(dir, `${c.name}.input.bin`));
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const feeds = { input: new ort.Tensor('float32', values, c.inputDims) };
    const first = await session.run(feeds);
    const m = await measureAsync(() => session.run(feeds), opts);
    results[c.name] = { medianMs: m.medianMs, minMs: m.minMs, maxMs: m.maxMs, output: f32ToBase64(first.output.data) };
    await session.release();
  }
  // a file, not stdout: ORT's threads may print there too
  fs.writeFileSync(path.join(dir, `ort-${threads}.json`), JSON.stringify({ threads, version: ort.env.versions?.web ?? null, results }));
}

function runOrtChild(dir, threads) {
  // A clean execArgv: the child must not inherit flags meant for this process.
  const r = spawnSync(process.execPath, [self, '--ort-child', dir, '--threads', String(threads), ...(args.quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`ONNX Runtime child (${threads} threads) failed:\n${r.stderr || r.stdout}`);
  return JSON.parse(fs.readFileSync(path.join(dir, `ort-${threads}.json`), 'utf8'));
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return { diff: Infinity, at: -1 };
  let diff = 0, at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) {
      diff = d;
      at = i;
    }
  }
  return { diff, at };
}

// --- main ------------------------------------------------------------------------------------------
const wanted = typeof args.extra.cases === 'string' ? args.extra.cases.split(',') : null;
const cases = CASES.filter((c) => !wanted || wanted.includes(c.name));
if (!cases.length) throw new Error(`no case matches --cases ${args.extra.cases}; known: ${CASES.map((c) => c.name).join(', ')}`);
const buildsGiven = process.argv.some((a) => a === '--builds' || a.startsWith('--builds='));
const builds = buildsGiven ? args.builds : ['auto'];
const threadCounts = args.threads;
const mon = loadMonitor();

// ONNX files and inputs, written from the first build's weights (the weights are seeded, so every
// build holds the same ones).
await wg.init({ backend: builds[0] === 'auto' ? 'auto' : builds[0], threads: 1 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmgrad-infer-'));
const meta = [];
for (const c of cases) {
  const built = buildCase(c);
  fs.writeFileSync(path.join(dir, `${c.name}.onnx`), built.onnx);
  fs.writeFileSync(path.join(dir, `${c.name}.input.bin`), built.ortInput.values);
  meta.push({ name: c.name, inputDims: built.ortInput.dims, onnxBytes: built.onnx.length });
}
fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(meta));
await wg.shutdown();

// Rounds: ORT (each thread count) then wasmgrad, again and again, so both sides are measured
// over the same minutes of this machine, whose cores change speed; a figure is the median of its
// rounds' medians.
const rounds = Number(args.extra.rounds ?? (args.quick ? 1 : 3));
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds must be a whole number >= 1, got ${args.extra.rounds}`);
const ortRounds = []; // round -> threads -> case -> { medianMs, minMs, maxMs, output }
const ourRounds = []; // round -> build -> threads -> case -> { medianMs, minMs, maxMs, maxDiff }
const buildNames = [];
let ortVersion = null;
try {
  for (let r = 0; r < rounds; r++) {
    const ortNow = {};
    for (const t of threadCounts) {
      log(`round ${r + 1} of ${rounds}: ONNX Runtime Web, ${t} thread(s) ...`);
      const res = runOrtChild(dir, t);
      ortVersion = res.version;
      ortNow[t] = Object.fromEntries(Object.entries(res.results).map(([k, v]) => [k, { ...v, output: base64ToF32(v.output) }]));
    }
    ortRounds.push(ortNow);
    ourRounds.push(await runOurs(ortNow, r));
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
/** One figure per leaf { medianMs, ... } over the rounds: the median of medians, the extreme min and max. */
function overRounds(perRound) {
  const first = perRound[0];
  if (first && typeof first.medianMs === 'number') {
    return {
      ...first,
      medianMs: median(perRound.map((x) => x.medianMs)),
      minMs: Math.min(...perRound.map((x) => x.minMs)),
      maxMs: Math.max(...perRound.map((x) => x.maxMs)),
      roundMs: perRound.map((x) => x.medianMs),
    };
  }
  return Object.fromEntries(Object.keys(first).map((k) => [k, overRounds(perRound.map((x) => x[k]))]));
}
const ort = overRounds(ortRounds);
const ours = overRounds(ourRounds);

/** Every case at every thread count on each build, outputs checked against ORT's first. */
async function runOurs(ortNow, round) {
  const result = {};
  for (const build of builds) {
    const info = await wg.init({ backend: build === 'auto' ? 'auto' : build, threads: Math.max(...threadCounts) });
    const name = info.backend;
    if (round === 0) buildNames.push(name);
    result[name] = {};
    const models = cases.map((c) => {
      const built = buildCase(c);
      return { c, model: built.model, x: wg.tensor(built.wgInput.values, built.wgInput.shape) };
    });
    const counts = info.sharedMemory ? threadCounts : [1];
    for (const t of counts) result[name][t] = {};
    // thread counts alternate within each case, so the scaling of a case is measured over seconds
    // on this machine, not across the whole run
    for (const { c, model, x } of models) {
      for (const t of counts) {
        wg.setThreads(t);
        await wg.ready();
        const y = model.predictOnBatch(x);
        const out = y.dataSync();
        y.dispose();
        for (const ot of threadCounts) {
          const { diff, at } = maxAbsDiff(out, ortNow[ot][c.name].output);
          if (!(diff <= TOLERANCE)) {
            throw new Error(
              `${c.name}: wasmgrad (${name}, ${t} threads) and ONNX Runtime (${ot} threads) differ by ${diff} at element ${at} ` +
              `(${out[at]} vs ${ortNow[ot][c.name].output[at]}); the tolerance is ${TOLERANCE}`,
            );
          }
        }
        const m = measure(() => {
          const r = model.predictOnBatch(x);
          r.dataSync();
          r.dispose();
        }, opts);
        result[name][t][c.name] = { medianMs: m.medianMs, minMs: m.minMs, maxMs: m.maxMs, maxDiff: maxAbsDiff(out, ortNow[threadCounts[0]][c.name].output).diff };
        log(`${name} ${t}t ${c.name}: ${m.medianMs.toFixed(3)} ms (ORT ${ortNow[t]?.[c.name]?.medianMs?.toFixed(3) ?? '-'} ms)`);
      }
    }
    models.forEach(({ x }) => x.dispose());
    await wg.shutdown();
  }
  return result;
}
const load = mon.stop();

// --- tables
const ms = (x) => (x === undefined ? '-' : x < 1 ? x.toFixed(3) : x.toFixed(2));
/** The median over the rounds of a / b, each round's figures measured in the same minutes (the cores' speeds drift between rounds). */
const ratio = (a, b) => {
  if (!a?.roundMs || !b?.roundMs) return '-';
  return `${median(a.roundMs.map((x, i) => x / b.roundMs[i])).toFixed(2)}x`;
};
let md = '';
for (const name of buildNames) {
  const num = (title) => ({ key: title, title, align: 'right' });
  const columns = ['model, batch'];
  for (const t of threadCounts) columns.push(num(`ORT ${t}t`), num(`wasmgrad ${t}t`), num(`ratio ${t}t`));
  const scaling = threadCounts.length > 1 && threadCounts[0] === 1;
  const last = threadCounts[threadCounts.length - 1];
  if (scaling) columns.push(num(`wasmgrad ${last}t vs 1t`));
  columns.push(num('max abs diff'));
  const rows = cases.map((c) => {
    const row = [c.label];
    for (const t of threadCounts) {
      const o = ort[t]?.[c.name], w = ours[name][t]?.[c.name];
      row.push(ms(o?.medianMs), ms(w?.medianMs), ratio(o, w));
    }
    if (scaling) row.push(ratio(ours[name][1]?.[c.name], ours[name][last]?.[c.name]));
    row.push(ours[name][1]?.[c.name]?.maxDiff?.toExponential(1) ?? '-');
    return row;
  });
  md += printTable(`Median ms per call over ${rounds} round${rounds > 1 ? 's' : ''}, wasmgrad ${name} build vs ONNX Runtime Web ${ortVersion ?? ''} (ratio = ORT / wasmgrad; above 1: wasmgrad faster)`, columns, rows);
}
md +=
  `\nEach time is the median of ${rounds} round${rounds > 1 ? 's' : ''}' medians, each ratio the median of the rounds' ratios: a round runs ORT (each thread count, in a child process) then wasmgrad (thread counts alternating within each case), so both are measured over the same minutes. ` +
  `Same weights on both sides; outputs agree within ${TOLERANCE} (max |diff| against ORT at ${threadCounts[0]} thread). ` +
  'ORT gets NCHW images and time-major sequences (as a PyTorch export would), transposed once outside the timing.\n' +
  `\nLoad during the run: this process kept ${load.ownCores.toFixed(2)} cores busy, other processes ${load.otherCores?.toFixed(2) ?? '?'} ` +
  `(of ${os.cpus().length}).${args.quick ? ' Quick run (--quick): smoke test, not figures to quote.' : ''}\n`;
const data = {
  cases,
  ortVersion,
  threads: threadCounts,
  rounds,
  ort: Object.fromEntries(Object.entries(ort).map(([t, r]) => [t, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { medianMs: v.medianMs, minMs: v.minMs, maxMs: v.maxMs, roundMs: v.roundMs }]))])),
  wasmgrad: ours,
  load,
  quick: args.quick,
};
if (args.json) console.log(JSON.stringify(data, null, 2));
if (!args.extra?.['no-write']) writeResults('infer', data, md);
