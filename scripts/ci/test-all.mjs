// npm test after the build: the whole suite on this Node and on Node 24, the runtime conformance
// script (Deno, Bun, Chromium, workerd), the consumer test of the packed package, and 60 s of the
// loaders' fuzzer. Installs the
// runtimes that are missing first. Every step runs; the exit code is non-zero if any failed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installRuntimes } from './install-runtimes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const paths = installRuntimes();
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const version = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout.trim().split('\n')[0];

const steps = [
  [`unit tests on Node ${process.versions.node}`, process.execPath, [vitest, 'run']],
  [`unit tests on Node ${version(paths.node24, ['--version']).slice(1)}`, paths.node24, [vitest, 'run']],
  ['runtime conformance', process.execPath, [join(root, 'scripts', 'ci', 'conformance.mjs')]],
  ['consumer test of the packed package', process.execPath, [join(root, 'scripts', 'ci', 'consumer.mjs')]],
  // the loaders' fuzzer for 60 s, with a new seed each day (a failure is written to tests/fuzz-corpus/)
  ['loader fuzzing (60 s)', process.execPath, [join(root, 'scripts', 'fuzz.mjs'), '60', new Date().toISOString().slice(0, 10).replaceAll('-', ''), '--quiet']],
];
const only = process.env.WASMGRAD_TEST_ONLY;
const results = [];
for (const [name, cmd, args] of steps) {
  if (only && !name.includes(only)) continue;
  console.log(`\n==== ${name} ====`);
  const t0 = Date.now();
  const { status, error } = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  results.push([name, status === 0 && !error, (Date.now() - t0) / 1000]);
}
console.log('\n==== summary ====');
console.log(`runtimes: node ${process.version}, node ${version(paths.node24, ['--version'])}, ${version(paths.deno, ['--version'])}, ` +
  `bun ${version(paths.bun, ['--version'])}, ${version(paths.workerd, ['--version'])}, ${version(paths.chromium, ['--version'])}`);
for (const [name, ok, s] of results) console.log(`${ok ? 'ok    ' : 'FAILED'} ${name} (${s.toFixed(0)} s)`);
const failed = results.filter((r) => !r[1]).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed || !results.length ? 1 : 0;
