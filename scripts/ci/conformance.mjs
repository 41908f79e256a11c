// Runtime conformance: the case of conformance-case.mjs in Deno, Bun, Node 24, Chromium (isolated
// and not; page and Web Worker) and workerd (an old and the current compatibility date, with and
// without nodejs_compat), each compared with this Node's result: bit for bit for the same build,
// within float tolerance across builds. A runtime that cannot be installed or started fails.
//   node scripts/ci/conformance.mjs [name-filter]
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installRuntimes } from './install-runtimes.mjs';
import { inChromium, inWorkerd, run, serveStatic } from './lib.mjs';
import { compareResults, runCase } from './conformance-case.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'scripts', 'ci');
const cli = join(here, 'conformance-cli.mjs');
const paths = installRuntimes();
const wg = await import(join(root, 'dist', 'index.js'));

// Node's reference result for every build it runs.
const reference = {};
for (const backend of ['relaxed', 'simd-threads', 'simd', 'scalar']) {
  reference[backend] = await runCase(wg, { backend });
  await wg.shutdown();
}
const autoBuild = (await wg.init()).backend;
await wg.shutdown();
// V8 runtimes with threads pick relaxed where this CPU fuses multiply-adds (as Node's probe says).
const fused = reference.relaxed.info.relaxedSimd;
const v8Threaded = fused ? 'relaxed' : 'simd-threads';
const cores = availableParallelism();
// The bitwise comparison must be able to fail: fused and unfused builds differ somewhere.
if (fused && !compareResults(reference.relaxed, reference.simd, true).length) {
  throw new Error('the relaxed and simd builds gave bitwise equal results: the case cannot tell builds apart');
}

const json = (stdout) => JSON.parse(stdout.trim().split('\n').pop());
const workerdCase = (compatibilityDate, compatibilityFlags, setsNodeVersion = false) => async () => {
  const [noWasm, result] = await inWorkerd(paths, {
    modules: {
      'main.mjs': { file: join(here, 'workerd-main.mjs'), type: 'esModule' },
      'conformance-case.mjs': { file: join(here, 'conformance-case.mjs'), type: 'esModule' },
      // the package's entry, and the engine's chunk it imports
      wasmgrad: { file: join(root, 'dist', 'index.js'), type: 'esModule' },
      'chunk.js': { file: join(root, 'dist', 'chunk.js'), type: 'esModule' },
      'wasmgrad/wasm/wasmgrad-simd.wasm': { file: join(root, 'dist', 'wasmgrad-simd.wasm'), type: 'wasm' },
    },
    compatibilityDate,
    compatibilityFlags,
    fetchPaths: ['/no-wasm', '/'],
  });
  // From 2026-08-04 nodejs_compat is on by default and sets process.versions.node: the case that
  // once made init take workerd for Node.
  if (setsNodeVersion && typeof result.nodeVersion !== 'string') throw new Error('expected process.versions.node to be set in this workerd');
  if (noWasm.name !== 'WasmgradError' || !/pass it/.test(noWasm.message)) {
    throw new Error(`init() without wasm should be a WasmgradError saying to pass the module, got ${JSON.stringify(noWasm)}`);
  }
  return result;
};
const chromiumCase = (isolated, worker) => async () => {
  const server = await serveStatic(root, { isolated });
  try {
    return await inChromium(paths, `${server.url}/scripts/ci/browser/page.html?worker=${worker ? 1 : 0}`, () => window.conformance, {
      screenshot: join(root, '.cache', `chromium-${isolated ? 'isolated' : 'plain'}-${worker ? 'worker' : 'page'}.png`),
    });
  } finally {
    await server.close();
  }
};

// Each: the runtime, what it must pick (backend, threads; null: not checked), how to run the case.
const runtimes = [
  ['node 24', v8Threaded, cores, async () => json((await run(paths.node24, [cli])).stdout)],
  ['deno', v8Threaded, cores, async () => json((await run(paths.deno, ['run', '--allow-read', cli], { timeoutMs: 60_000 })).stdout)],
  ['bun', 'simd-threads', cores, async () => json((await run(paths.bun, [cli], { timeoutMs: 60_000 })).stdout)],
  // Forced relaxed on Bun: it must not claim relaxed SIMD, and its GEMM and convolution bits must be
  // the simd build's (no fusion); its activations are the relaxed build's own formulas, so predict
  // and training are compared within tolerance.
  ['bun, relaxed forced', 'relaxed', cores, async () => json((await run(paths.bun, [cli, 'relaxed'], { timeoutMs: 60_000 })).stdout), (result) => [
    ...(result.info.relaxedSimd ? ['backendInfo claims relaxed SIMD on Bun'] : []),
    ...compareResults({ outputs: { matMul: result.outputs.matMul, conv2d: result.outputs.conv2d } }, { outputs: { matMul: reference.simd.outputs.matMul, conv2d: reference.simd.outputs.conv2d } }, true),
    ...compareResults(result, reference.simd, false),
  ]],
  ['chromium isolated, page', v8Threaded, cores, chromiumCase(true, false)],
  ['chromium isolated, web worker', v8Threaded, cores, chromiumCase(true, true)],
  ['chromium not isolated, page', 'simd', 1, chromiumCase(false, false)],
  ['chromium not isolated, web worker', 'simd', 1, chromiumCase(false, true)],
  ['workerd 2024-01-01', 'simd', 1, workerdCase('2024-01-01', [])],
  ['workerd 2024-01-01 nodejs_compat', 'simd', 1, workerdCase('2024-01-01', ['nodejs_compat'])],
  ['workerd 2026-11-23', 'simd', 1, workerdCase('2026-11-23', [], true)],
  ['workerd 2026-11-23 no_nodejs_compat', 'simd', 1, workerdCase('2026-11-23', ['no_nodejs_compat'])],
];

const filter = process.argv[2];
const rows = [];
let failures = 0;
for (const [name, wantBackend, wantThreads, runIt, compare] of runtimes) {
  if (filter && !name.includes(filter)) continue;
  const t0 = performance.now();
  let problems, info = null, coldStartMs = NaN, workersReadyMs = NaN;
  try {
    const result = await runIt();
    ({ info, coldStartMs, workersReadyMs } = result);
    const same = reference[info.backend];
    problems = compare ? compare(result) : compareResults(result, same ?? reference[autoBuild], !!same);
    if (info.backend !== wantBackend) problems.push(`picked ${info.backend}, expected ${wantBackend}`);
    if (info.threads !== wantThreads) problems.push(`${info.threads} threads, expected ${wantThreads}`);
  } catch (err) {
    problems = [String(err?.stack ?? err)];
  }
  if (problems.length) failures++;
  rows.push([name, info?.runtime ?? '?', info?.backend ?? '?', info?.threads ?? '?', `${Math.round(coldStartMs)} ms`, info?.threads > 1 ? `${Math.round(workersReadyMs)} ms` : '-',
    `${((performance.now() - t0) / 1000).toFixed(1)} s`, problems.length ? 'FAILED' : 'ok']);
  console.log(`${problems.length ? 'FAIL' : 'ok  '} ${name}: ${info ? `${info.runtime}, ${info.backend}, ${info.threads} thread(s)` : ''}`);
  for (const p of problems) console.log(`     ${p.split('\n').join('\n     ')}`);
}
console.log('\n| runtime | detected as | backend | threads | init (cold) | workers ready | run | conformance |\n|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\nconformance: ${rows.length - failures} passed, ${failures} failed (reference: Node ${process.versions.node})`);
process.exitCode = failures || !rows.length ? 1 : 0;
