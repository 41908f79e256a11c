// Cold start: a fresh process imports wasmgrad, inits, builds a small model and predicts once
// (bench/lib/cold-start.mjs), timed from before the import to the result read back. Runs in rounds,
// a round being one process per Node executable and setting, so that several Node versions are
// measured over the same minutes (`--nodes a,b`: executables besides this one); a discarded first
// round fills the file cache. Each round also times a process that does nothing (`-e 0`), for
// what the machine's own process start costs in those minutes.
//
//   npm run bench -- cold [--runs 15] [--nodes /path/to/node24] [--quick] [--json] [--no-write]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs, median, printTable, writeResults, loadMonitor } from './lib/harness.mjs';

const args = parseArgs();
const runs = Number(args.extra.runs ?? (args.quick ? 3 : 15));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a whole number >= 1, got ${args.extra.runs}`);
const nodes = [process.execPath, ...String(args.extra.nodes ?? '').split(',').filter(Boolean)];
const script = fileURLToPath(new URL('./lib/cold-start.mjs', import.meta.url));
const SETTINGS = [['threads: 1', '{"threads":1}'], ['default (auto threads)', '{}']];
const versionOf = (exe) => String(execFileSync(exe, ['-p', 'process.version'])).trim();
const versions = nodes.map(versionOf);

const monitor = loadMonitor();
const samples = nodes.map(() => ({ start: [], settings: SETTINGS.map(() => []) }));
for (let round = -1; round < runs; round++) {
  nodes.forEach((exe, n) => {
    const t0 = performance.now();
    execFileSync(exe, ['-e', '0']);
    const startMs = performance.now() - t0;
    // the settings' order alternates between rounds: a process started right after another pays for
    // some of its predecessor's teardown, and no setting should always be the one that does
    const order = SETTINGS.map((_, s) => s);
    if (round % 2 === 1) order.reverse();
    const results = [];
    for (const s of order) results[s] = JSON.parse(String(execFileSync(exe, [script, SETTINGS[s][1]])).trim());
    if (round < 0) return; // the file cache's round
    samples[n].start.push(startMs);
    results.forEach((r, s) => samples[n].settings[s].push(r));
  });
  if (round >= 0) process.stdout.write(`round ${round + 1} of ${runs}\r`);
}
process.stdout.write('\n');
const load = monitor.stop();

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const rows = [];
const results = [];
nodes.forEach((_, n) => {
  SETTINGS.forEach(([label], s) => {
    const list = samples[n].settings[s];
    const ms = list.map((r) => r.ms);
    const phase = (k) => median(list.map((r) => r.phases[k]));
    const r = {
      node: versions[n], setting: label, medianMs: median(ms), p25Ms: quantile(ms, 0.25), minMs: Math.min(...ms), maxMs: Math.max(...ms),
      phases: { import: phase('import'), init: phase('init'), model: phase('model'), predict: phase('predict') },
      processStartMs: median(samples[n].start), backend: list[0].backend,
    };
    results.push(r);
    rows.push({
      Node: r.node, setting: label, build: r.backend, median: r.medianMs.toFixed(1), p25: r.p25Ms.toFixed(1), min: r.minMs.toFixed(1), max: r.maxMs.toFixed(1),
      'import / init / model / predict': [r.phases.import, r.phases.init, r.phases.model, r.phases.predict].map((x) => x.toFixed(1)).join(' / '),
      'process start': r.processStartMs.toFixed(0),
    });
  });
});
let md = printTable(`Cold start (ms), ${runs} fresh processes per row, Node versions interleaved`, Object.keys(rows[0]), rows);
md += `\nTimed inside the process, from before \`import('wasmgrad')\` to the first prediction read back (bench/lib/cold-start.mjs); the phases are medians of their own. "process start": a Node process that does nothing, spawned and waited for by this bench in the same rounds (ms).\n`;
md += `\nLoad average at the end of the run: ${load.loadavg1.toFixed(2)} (the measured processes are this bench's children).\n`;
if (args.json) console.log(JSON.stringify({ runs, results, load }, null, 2));
if (!args.extra['no-write']) writeResults('cold', { runs, results, load }, md);
