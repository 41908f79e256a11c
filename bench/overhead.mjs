// Per-call overhead of inference on a tiny model (dense, 4 units, input [1, 4]): each layer of the
// predict stack timed on its own, from model.predict down to the bare kernel call, so the cost of
// each layer is the difference between two rows. predict and predictOnBatch run the model's
// compiled plan (src/models/plan.ts); model.forward is the unplanned path, layer by layer.
// Median µs per call (wall) and CPU µs per call.
//
//   npm run bench -- overhead [--quick] [--builds relaxed]
import * as wg from 'wasmgrad';
import { parseArgs, measure, measureOptions, printTable, writeResults, loadMonitor } from './lib/harness.mjs';

const args = parseArgs(process.argv.slice(2));
const opts = measureOptions(args);
const buildsGiven = process.argv.some((a) => a === '--builds' || a.startsWith('--builds='));
const builds = buildsGiven ? args.builds : ['auto'];
const UNITS = 4, IN = 4;

/** CPU time per call in µs (process.cpuUsage, best of 5 runs of `calls`): robust to a busy machine. */
function cpuMicros(fn, calls) {
  for (let i = 0; i < calls; i++) fn();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const u0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn();
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / calls);
  }
  return best;
}

const mon = loadMonitor();
const results = {};
let md = '';
for (const build of builds) {
  const info = await wg.init({ backend: build === 'auto' ? 'auto' : build, threads: 1 });
  const layer = wg.layers.dense({ units: UNITS, inputShape: [IN] });
  const model = wg.sequential({ layers: [layer] });
  const [kernel, bias] = layer.getWeights();
  const x = wg.tensor(Float32Array.from({ length: IN }, (_, i) => i / IN), [1, IN]);
  const e = wg._engine();
  const out = wg.zeros([1, UNITS]);
  // The first call of a shape traces the model and makes its plan, and V8 optimizes the predict
  // stack over the first thousands of calls (on a busy machine the first row's runs swung from 2 to
  // 90 µs without this): both happen before any timing.
  for (let i = 0; i < (args.quick ? 5000 : 20000); i++) model.predict(x).dispose();
  const gemvArgs = () => [x.ptr('bench'), kernel.ptr('bench'), out.ptr('bench'), 1, UNITS, IN, IN, UNITS, UNITS, 0, 0, bias.ptr('bench'), 0, 32];
  const rows = [
    ['model.predict(x)', () => model.predict(x).dispose()],
    ['model.predictOnBatch(x)', () => model.predictOnBatch(x).dispose()],
    ['wg.tidy(() => wg.noGrad(() => model.forward([x], false))) (the unplanned path)', () => wg.tidy(() => wg.noGrad(() => model.forward([x], false)))[0].dispose()],
    ['wg.noGrad(() => layer.apply(x))', () => wg.noGrad(() => layer.apply(x)).dispose()],
    ['wg.noGrad(() => wg.fusedMatMul(x, kernel, bias))', () => wg.noGrad(() => wg.fusedMatMul(x, kernel, bias)).dispose()],
    ['wg.fusedMatMul(x, kernel, bias)', () => wg.fusedMatMul(x, kernel, bias).dispose()],
    ['wg.zeros([1, 4]).dispose() (a tensor made and freed)', () => wg.zeros([1, UNITS]).dispose()],
    ["engine.parallel('gemv_f32', ...) (the driver's kernel dispatch)", () => e.parallel('gemv_f32', gemvArgs(), 1, false)],
    ['engine.kernels.gemv_f32(...) (the bare kernel)', () => e.kernels.gemv_f32(...gemvArgs(), 0, 1, e.scratchOf(0))],
  ];
  const name = info.backend;
  results[name] = rows.map(([label, fn]) => ({
    label,
    wallUs: measure(fn, opts).medianMs * 1000,
    cpuUs: cpuMicros(fn, args.quick ? 2000 : 20000),
  }));
  md += printTable(`Per-call cost, dense ${IN} -> ${UNITS} at batch 1, ${name} build, 1 thread (µs)`, [
    'call',
    { key: 'wall', title: 'median µs (wall)', align: 'right', digits: 2 },
    { key: 'cpu', title: 'CPU µs', align: 'right', digits: 2 },
  ], results[name].map((r) => [r.label, r.wallUs, r.cpuUs]));
  for (const t of [x, out]) t.dispose();
  await wg.shutdown();
}
const load = mon.stop();
md += `\nLoad during the run: this process kept ${load.ownCores.toFixed(2)} cores busy, other processes ${load.otherCores?.toFixed(2) ?? '?'}.\n`;
if (args.json) console.log(JSON.stringify({ results, load }, null, 2));
if (!args.extra?.['no-write']) writeResults('overhead', { results, load, quick: args.quick }, md);
