// Benchmark harness shared by every bench in bench/.
//
// Plain ESM JavaScript for Node >= 20 (no build step). The timing loop is
// written out here rather than delegated to the `benchmark` package so that
// warm-up, iteration count and the statistic reported (median of per-call
// times over several runs) are explicit; `crossCheckBenchmarkJs` runs the
// same function through benchmark.js when a second opinion is wanted.

import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = path.resolve(here, '..');
// `wasmgrad bench` (bin/wasmgrad.mjs) points it outside an installed package.
export const RESULTS_DIR = process.env.WASMGRAD_BENCH_RESULTS || path.join(BENCH_DIR, 'results');

/** Builds in the order of preference of wg.init (fastest first). */
export const ALL_BUILDS = ['relaxed', 'simd-threads', 'simd', 'scalar'];

// ---------------------------------------------------------------- statistics

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** GFLOP/s for `flops` floating-point operations done in `ms` milliseconds. */
export function gflops(flops, ms) {
  return flops / (ms * 1e6);
}

// ------------------------------------------------------------------- measure

const DEFAULTS = {
  minTime: 0.4, // seconds spent in the timed runs, all runs together
  warmup: 3, // at least this many warm-up calls ...
  warmupTime: 0.1, // ... and at least this many seconds of warm-up
  runs: 7, // timed runs; the median of their per-call times is reported
};

/** Options for `measure` as selected by the common CLI flags (`--quick`). */
export function measureOptions(args = {}) {
  return args.quick
    ? { minTime: 0.1, warmup: 2, warmupTime: 0.03, runs: 3 }
    : { ...DEFAULTS };
}

/**
 * Time a synchronous function.
 *
 * 1. Warm-up: call `fn` in batches (1, 2, 4, ... calls) until at least
 *    `warmup` calls and `warmupTime` seconds have been spent. V8 runs the first
 *    calls of a wasm function in its baseline tier (Liftoff) and of a JS
 *    function in the interpreter; the optimized code arrives after a few calls.
 * 2. Calibration: the last warm-up batch gives the time per call, from which
 *    the iteration count per run is chosen so that one run lasts about
 *    minTime / runs (at least 1 call per run).
 * 3. `runs` timed runs of `iterationsPerRun` calls each, timed with
 *    performance.now(); each run gives a per-call time.
 *
 * Returns per-call times in milliseconds: the median over runs (the figure to
 * report), min and max over runs, and every run's figure.
 *
 * The function must finish its work before returning (no pending promises,
 * no lazy evaluation) and should not allocate what it does not free.
 */
export function measure(fn, options = {}) {
  const steps = schedule({ ...DEFAULTS, ...options });
  let step = steps.next();
  while (!step.done) {
    const { calls, warmup } = step.value;
    const t0 = performance.now();
    if (warmup) for (let i = 0; i < calls; i++) checkSync(fn());
    else for (let i = 0; i < calls; i++) fn();
    step = steps.next(performance.now() - t0);
  }
  return step.value;
}

/** Same procedure as `measure` for a function returning a promise (awaited each call). */
export async function measureAsync(fn, options = {}) {
  const steps = schedule({ ...DEFAULTS, ...options });
  let step = steps.next();
  while (!step.done) {
    const t0 = performance.now();
    for (let i = 0; i < step.value.calls; i++) await fn();
    step = steps.next(performance.now() - t0);
  }
  return step.value;
}

/**
 * The measuring procedure, apart from how a call is made: yields { calls, warmup } batches to
 * time, receives each batch's milliseconds, returns the summary.
 */
function* schedule(o) {
  const warmupMs = o.warmupTime * 1000;
  let calls = 0;
  let spent = 0;
  let batch = 1;
  let perCall = Infinity;
  while (calls < o.warmup || spent < warmupMs) {
    const dt = yield { calls: batch, warmup: true };
    calls += batch;
    spent += dt;
    perCall = dt / batch;
    // Grow the batch while a batch is short, so timer resolution (about a
    // microsecond, coarser on some systems) does not dominate the estimate.
    if (dt < 5) batch *= 2;
  }
  const target = (o.minTime * 1000) / o.runs;
  const iterationsPerRun = Math.max(1, Math.round(target / Math.max(perCall, 1e-6)));
  const runs = [];
  for (let r = 0; r < o.runs; r++) runs.push((yield { calls: iterationsPerRun, warmup: false }) / iterationsPerRun);
  return summarize(runs, iterationsPerRun, calls);
}

function summarize(runs, iterationsPerRun, warmupCalls) {
  return {
    medianMs: median(runs),
    minMs: Math.min(...runs),
    maxMs: Math.max(...runs),
    runs,
    iterationsPerRun,
    warmupCalls,
  };
}

function checkSync(ret) {
  if (ret && typeof ret.then === 'function') {
    throw new TypeError('measure(fn): fn returned a promise; use measureAsync for asynchronous work');
  }
}

/**
 * Measure the machine's 128-bit SIMD multiply-add peak with a kernel that the
 * caller supplies (JavaScript cannot issue SIMD itself): `kernel(iterations)`
 * runs `iterations` loop trips of independent f32x4 multiply-add chains, each
 * trip doing `flopsPerIteration` flops (e.g. 12 chains x 4 lanes x 2 = 96).
 *
 * The iteration count is chosen so one call lasts about `callMs` (default
 * 20 ms, long enough that call overhead vanishes); the call is then timed with
 * `measure`. Returns { gflops, medianMs, iterations, ...measure result }.
 */
export function measureSimdPeak(kernel, flopsPerIteration, options = {}) {
  const callMs = options.callMs ?? 20;
  let iterations = 1 << 10;
  // Grow the trip count (x4) until one call takes at least callMs / 4, then
  // scale it to callMs. The first calls also serve as warm-up (tier-up).
  for (;;) {
    kernel(iterations);
    // Best of three, so one compilation pause or preemption does not stop
    // the search early.
    let dt = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      kernel(iterations);
      dt = Math.min(dt, performance.now() - t0);
    }
    if (dt >= callMs / 4 || iterations >= 2 ** 28) {
      iterations = Math.min(2 ** 31 - 1, Math.max(1, Math.round((iterations * callMs) / Math.max(dt, 1e-3))));
      break;
    }
    iterations *= 4;
  }
  const m = measure(() => kernel(iterations), options);
  return { gflops: gflops(flopsPerIteration * iterations, m.medianMs), iterations, flopsPerIteration, ...m };
}

/**
 * Second opinion from benchmark.js (mean with its own calibration and sample
 * count). Returns { medianMs, meanMs, rme (percent), samples }. Slower than
 * `measure` (about maxTime seconds per call of this function).
 */
export function crossCheckBenchmarkJs(fn, { maxTime = 1 } = {}) {
  const require = createRequire(import.meta.url);
  const Benchmark = require('benchmark');
  // An arrow wrapper: benchmark.js decompiles and recompiles the test function
  // when it can, which breaks functions that close over module variables; it
  // then falls back to calling this.fn, which is what we want.
  const b = new Benchmark('x', () => fn(), { maxTime, minSamples: 5 });
  b.run();
  if (b.error) throw b.error;
  return {
    medianMs: median(b.stats.sample) * 1e3,
    meanMs: b.stats.mean * 1e3,
    rme: b.stats.rme,
    samples: b.stats.sample.length,
  };
}

// ----------------------------------------------------------------------- CLI

const USAGE = `common options:
  --builds LIST    comma-separated, among ${ALL_BUILDS.join(',')} (default: all)
  --threads LIST   comma-separated thread counts (default: 1..availableParallelism)
  --shapes STR     shapes, interpreted by the bench (e.g. 64,128,784x256x64)
  --json           print JSON only (no tables)
  --quick          fewer and shorter runs (smoke tests)
  --no-tfjs        skip the TensorFlow.js comparison
  --help           this text
other --name VALUE / --name=VALUE options are kept in args.extra for the bench.`;

export function usage() {
  return USAGE;
}

/**
 * Parse the options every bench understands. `argv` is the argument list
 * without node and script (default process.argv.slice(2)).
 *
 * Returns { _, builds, threads, shapes, json, quick, tfjs, help, extra }:
 *   _        positional arguments (e.g. the bench name given to bench/run.mjs)
 *   builds   array of build names (validated)
 *   threads  array of positive integers
 *   shapes   string or null (free-form; see parseShapes for a common reading)
 *   extra    { name: value } for options not listed above; a value is the
 *            text after '=' or the next argument unless that starts with '--'
 *            (then the value is true)
 */
export function parseArgs(argv = process.argv.slice(2)) {
  const cores = availableCores();
  const args = {
    _: [],
    builds: [...ALL_BUILDS],
    threads: Array.from({ length: cores }, (_, i) => i + 1),
    shapes: null,
    json: false,
    quick: false,
    tfjs: true,
    help: false,
    extra: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      args._.push(a);
      continue;
    }
    let [name, value] = splitOpt(a);
    const takeValue = () => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) throw new Error(`option --${name} needs a value\n${USAGE}`);
      return argv[++i];
    };
    switch (name) {
      case 'builds': {
        const list = takeValue().split(',').map((s) => s.trim()).filter(Boolean);
        const bad = list.filter((b) => !ALL_BUILDS.includes(b));
        if (bad.length) throw new Error(`unknown build(s) ${bad.join(',')}; known: ${ALL_BUILDS.join(',')}`);
        args.builds = list;
        break;
      }
      case 'threads': {
        const list = takeValue().split(',').map((s) => s.trim()).filter(Boolean).map(Number);
        if (!list.length || list.some((n) => !Number.isInteger(n) || n < 1)) {
          throw new Error(`--threads wants positive integers, e.g. 1,2`);
        }
        args.threads = list;
        break;
      }
      case 'shapes':
        args.shapes = takeValue();
        break;
      case 'json':
        args.json = true;
        break;
      case 'quick':
        args.quick = true;
        break;
      case 'no-tfjs':
        args.tfjs = false;
        break;
      case 'tfjs':
        args.tfjs = value === undefined ? true : value !== 'false';
        break;
      case 'help':
        args.help = true;
        break;
      default:
        if (value === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
        args.extra[name] = value === undefined ? true : value;
    }
  }
  return args;
}

function splitOpt(a) {
  const eq = a.indexOf('=');
  return eq < 0 ? [a.slice(2), undefined] : [a.slice(2, eq), a.slice(eq + 1)];
}

export function availableCores() {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * A common reading of --shapes for matrix benches: comma-separated items,
 * each either N (square) or MxKxN (C[M,N] = A[M,K] . B[K,N]).
 * Returns [{ M, K, N, label }].
 */
export function parseShapes(str) {
  return str
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const d = s.split('x').map(Number);
      if (d.some((n) => !Number.isInteger(n) || n < 1) || (d.length !== 1 && d.length !== 3)) {
        throw new Error(`bad shape "${s}": want N or MxKxN with positive integers`);
      }
      const [M, K, N] = d.length === 1 ? [d[0], d[0], d[0]] : d;
      return { M, K, N, label: d.length === 1 ? String(M) : `${M}x${K}x${N}` };
    });
}

// ------------------------------------------------------------------ reporting

/**
 * Format a Markdown table. `columns` are strings or { key, title, align,
 * digits }; `rows` are arrays (by position) or objects (by column key).
 * Numbers are right-aligned and printed with `digits` decimals (default:
 * integers as they are, others with 1 decimal);
 * null/undefined/NaN print as '-'.
 */
export function formatTable(columns, rows) {
  const cols = columns.map((c, i) => (typeof c === 'string' ? { key: c, title: c } : { title: c.key, ...c, index: i }));
  cols.forEach((c, i) => (c.index = i));
  const cells = rows.map((row) =>
    cols.map((c) => {
      const v = Array.isArray(row) ? row[c.index] : row[c.key];
      return formatCell(v, c.digits);
    }),
  );
  const numeric = cols.map((c, j) =>
    c.align ? c.align === 'right' : rows.some((row) => typeof (Array.isArray(row) ? row[j] : row[c.key]) === 'number'),
  );
  const width = cols.map((c, j) => Math.max(3, String(c.title).length, ...cells.map((r) => r[j].length)));
  const pad = (s, j) => (numeric[j] ? s.padStart(width[j]) : s.padEnd(width[j]));
  const line = (r) => `| ${r.map(pad).join(' | ')} |`;
  const sep = `|${width.map((w, j) => (numeric[j] ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`;
  return [line(cols.map((c) => String(c.title))), sep, ...cells.map(line)].join('\n');
}

function formatCell(v, digits) {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '-';
  if (typeof v === 'number') return digits === undefined ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : v.toFixed(digits);
  return String(v);
}

/** Print a titled Markdown table to stdout and return its text (title included). */
export function printTable(title, columns, rows) {
  const text = `${title ? `### ${title}\n\n` : ''}${formatTable(columns, rows)}\n`;
  process.stdout.write(text + '\n');
  return text;
}

// -------------------------------------------------------------- machine load

function readProcStat() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] || 0); // idle + iowait
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // without guest (counted in user)
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * Watch how busy the machine is while a bench runs (other processes compete
 * for the same cores and inflate medians; on a 2-core machine one busy
 * neighbour halves a 2-thread result). Linux only (/proc/stat); elsewhere
 * stop() returns nulls and the load average.
 *
 *   const mon = loadMonitor(); ...bench...; const load = mon.stop();
 *
 * stop() returns { wallS, ownCores, otherCores, loadavg1 }: cores kept busy by
 * this process (all its threads) and by everything else, averaged over the
 * interval. Child processes count as "other".
 */
export function loadMonitor() {
  const s0 = readProcStat();
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      const s1 = readProcStat();
      const u = process.cpuUsage(u0);
      const wallS = (performance.now() - t0) / 1000;
      const ownCores = (u.user + u.system) / 1e6 / wallS;
      let otherCores = null;
      if (s0 && s1 && s1.total > s0.total) {
        const cores = os.cpus().length;
        const busyCores = ((s1.busy - s0.busy) / (s1.total - s0.total)) * cores;
        otherCores = Math.max(0, busyCores - ownCores);
      }
      return { wallS, ownCores, otherCores, loadavg1: os.loadavg()[0] };
    },
  };
}

/**
 * Fraction of the machine busy with other work, sampled over `ms`
 * milliseconds while this process sleeps: { otherCores, cores }.
 */
export async function idleCheck(ms = 250) {
  const mon = loadMonitor();
  await new Promise((r) => setTimeout(r, ms));
  const { otherCores } = mon.stop();
  return { otherCores, cores: os.cpus().length };
}

/** What the results files record about the machine and runtime. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: availableCores(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    execArgv: process.execArgv,
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    date: new Date().toISOString(),
  };
}

export function machineMarkdown(info = machineInfo()) {
  return (
    `- CPU: ${info.cpu}, ${info.cores} logical cores (availableParallelism ${info.availableParallelism})\n` +
    `- ${info.platform}, ${info.totalMemGiB} GiB\n` +
    `- Node ${info.node} (V8 ${info.v8})${info.execArgv.length ? `, flags: ${info.execArgv.join(' ')}` : ''}\n` +
    `- Load average at write time: ${info.loadavg.join(', ')}\n` +
    `- Date: ${info.date}\n`
  );
}

/**
 * Write bench/results/<name>.json ({ name, machine, ...data }) and
 * bench/results/<name>.md (title, machine info, then `markdown`).
 * Returns { json, md } (the paths).
 */
export function writeResults(name, data, markdown) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const machine = machineInfo();
  const json = path.join(RESULTS_DIR, `${name}.json`);
  const md = path.join(RESULTS_DIR, `${name}.md`);
  fs.writeFileSync(json, JSON.stringify({ name, machine, ...data }, null, 2) + '\n');
  fs.writeFileSync(md, `# ${name}\n\n${machineMarkdown(machine)}\n${markdown.trimEnd()}\n`);
  return { json, md };
}
