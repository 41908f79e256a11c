// The consumer test: the package as a user gets it. npm pack, install the tarball into a fresh
// project, then ESM import and CommonJS require in Node, tsc --noEmit (strict) under NodeNext,
// Node16 and Bundler, `npx wasmgrad bench gemm`, and browser bundles from esbuild and Vite, loaded
// in Chromium on a cross-origin isolated page (threads) with no node: import in them.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installRuntimes } from './install-runtimes.mjs';
import { inChromium, serveStatic } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pins = JSON.parse(readFileSync(join(root, 'scripts', 'ci', 'runtimes.json'), 'utf8')).consumer;
const paths = installRuntimes();
// 600 kB as npm reports sizes (decimal)
const MAX_TARBALL = 600_000;
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-consumer-'));
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const checks = [];
async function check(name, fn) {
  try {
    const note = await fn();
    checks.push([name, true]);
    console.log(`ok   ${name}${note ? `: ${note}` : ''}`);
  } catch (err) {
    checks.push([name, false]);
    console.log(`FAIL ${name}\n     ${String(err?.stderr || '')}${String(err?.stdout || '')}${err?.message ?? err}`.split('\n').join('\n     '));
  }
}

let tarball;
await check('npm pack', () => {
  const [info] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir, root]));
  tarball = join(dir, info.filename);
  const size = statSync(tarball).size;
  const files = info.files.map((f) => f.path);
  if (size > MAX_TARBALL) throw new Error(`tarball is ${size} bytes, more than ${MAX_TARBALL}`);
  for (const f of ['LICENSE', 'README.md', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/worker.js', 'dist/chunk.js', 'bin/wasmgrad.mjs']) {
    if (!files.includes(f)) throw new Error(`${f} is not in the package`);
  }
  const maps = files.filter((f) => f.endsWith('.map'));
  if (maps.length) throw new Error(`source maps in the package: ${maps.join(', ')}`);
  return `${(size / 1000).toFixed(0)} kB, ${files.length} files`;
});

writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
await check('install the tarball into a fresh project (no install script runs)', () => {
  const out = sh('npm', ['install', '--no-audit', '--no-fund', tarball, ...Object.entries(pins).map(([n, v]) => `${n}@${v}`)]);
  if (/wasmgrad.*install script/i.test(out)) throw new Error(`npm reports an install script:\n${out}`);
});

const smoke = `const info = await wg.init();
const y = wg.matMul(wg.tensor([[1, 2], [3, 4]]), wg.tensor([[5], [6]]));
const got = Array.from(y.dataSync()).join(',');
if (got !== '17,39') throw new Error('matMul gave ' + got);
console.log(info.runtime + ' ' + info.backend + ' ' + info.threads);`;
await check('ESM import in Node', () => {
  writeFileSync(join(dir, 'esm-smoke.mjs'), `import * as wg from 'wasmgrad';\n${smoke}\n`);
  return sh('node', ['esm-smoke.mjs']).trim();
});
await check('CommonJS require in Node', () => sh('node', ['-e', `const wg = require('wasmgrad');\n(async () => {\n${smoke}\n})().catch((e) => { console.error(e); process.exit(1); });`]).trim());

const usage = (imp) => `${imp}
export async function main(): Promise<number> {
  const info: wg.BackendInfo = await wg.init({ threads: 'auto' });
  const model = wg.sequential({ layers: [wg.layers.dense({ units: 2, inputShape: [3] })] });
  const y: wg.Tensor = model.predict(wg.ones([4, 3]));
  const err: unknown = new wg.WasmgradError('x');
  return y.shape[0] + info.threads + (err instanceof Error ? 1 : 0);
}
`;
writeFileSync(join(dir, 'esm.mts'), usage("import * as wg from 'wasmgrad';"));
writeFileSync(join(dir, 'cjs.cts'), usage("import wg = require('wasmgrad');"));
writeFileSync(join(dir, 'bundler.ts'), usage("import * as wg from 'wasmgrad';"));
const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
const tsSetups = [
  ['NodeNext', ['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--types', 'node', 'esm.mts', 'cjs.cts']],
  ['Node16', ['--module', 'Node16', '--moduleResolution', 'Node16', '--types', 'node', 'esm.mts', 'cjs.cts']],
  ['Bundler', ['--module', 'ESNext', '--moduleResolution', 'Bundler', '--lib', 'ES2022,DOM', 'bundler.ts']],
];
for (const [name, args] of tsSetups) {
  await check(`tsc --noEmit --strict under ${name}`, () => sh('node', [tsc, '--noEmit', '--strict', '--target', 'ES2022', ...args]));
}

await check('npx wasmgrad bench gemm (Node)', () => {
  const out = sh('npx', ['--no-install', 'wasmgrad', 'bench', 'gemm', '--shapes', '64x64x64', '--threads', '1', '--quick']);
  if (!/GFLOP\/s/.test(out)) throw new Error(`no GFLOP/s in\n${out}`);
});

for (const [name, cmd, pre] of [['Deno', paths.deno, ['run', '-A']], ['Bun', paths.bun, []]]) {
  await check(`wasmgrad bench gemm (${name})`, () => {
    const out = sh(cmd, [...pre, join('node_modules', 'wasmgrad', 'bin', 'wasmgrad.mjs'), 'bench', 'gemm', '--shapes', '64', '--threads', '1,2', '--builds', 'simd-threads', '--quick'], { timeout: 120_000 });
    if (!/GFLOP\/s/.test(out) || !out.includes(name)) throw new Error(`no GFLOP/s or runtime name in\n${out}`);
  });
}
await check('wasmgrad bench --serve page in Chromium', async () => {
  const child = spawn('npx', ['--no-install', 'wasmgrad', 'bench', '--serve', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  try {
    const url = await new Promise((ok, fail) => {
      let text = '';
      child.stdout.on('data', (d) => {
        text += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(text);
        if (m) ok(m[1]);
      });
      child.on('exit', (code) => fail(new Error(`bench --serve exited with ${code}: ${text}`)));
    });
    const r = await inChromium(paths, `${url}?shapes=64&threads=1,2&quick=1`, () => window.benchResult);
    if (!r.rows.length || !r.rows.every((row) => row.gflops > 0) || !r.rows.some((row) => row.threads === 2)) throw new Error(`page got ${JSON.stringify(r)}`);
    return r.rows.map((row) => `${row.build} ${row.threads}t ${row.gflops.toFixed(1)} GFLOP/s`).join(', ');
  } finally {
    process.kill(-child.pid); // npx and the server under it
  }
});

// Browser bundles: an app that runs the README browser recipe and reports what it got.
mkdirSync(join(dir, 'src'), { recursive: true });
writeFileSync(
  join(dir, 'src', 'app.js'),
  `import * as wg from 'wasmgrad';
window.result = (async () => {
${smoke.replace("console.log(info.runtime + ' ' + info.backend + ' ' + info.threads);", '')}
  await wg.ready();
  return { info, got };
})();
`,
);
writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/src/app.js"></script>\n');
function noNodeImports(outDir) {
  for (const f of readdirSync(outDir, { recursive: true })) {
    if (/\.(m?js)$/.test(f) && /['"`]node:/.test(readFileSync(join(outDir, f), 'utf8'))) throw new Error(`${f} imports a node: module`);
  }
}
async function loadInChromium(outDir, page) {
  const server = await serveStatic(outDir, { isolated: true });
  try {
    const r = await inChromium(paths, `${server.url}/${page}`, () => window.result, { screenshot: join(root, '.cache', 'consumer.png') });
    if (r.got !== '17,39' || r.info.threads !== 2 || r.info.runtime !== 'browser') throw new Error(`page got ${JSON.stringify(r)}`);
    return `${r.info.backend}, ${r.info.threads} threads`;
  } finally {
    await server.close();
  }
}
await check('esbuild --platform=browser bundle in Chromium', async () => {
  const out = join(dir, 'out-esbuild');
  sh(join(dir, 'node_modules', '.bin', 'esbuild'), ['src/app.js', '--bundle', '--format=esm', '--platform=browser', `--outdir=${out}`]);
  // esbuild leaves new URL('./x', import.meta.url) as it is: the recipe copies the files beside the bundle.
  const pkg = join(dir, 'node_modules', 'wasmgrad', 'dist');
  for (const f of readdirSync(pkg)) if (f.endsWith('.wasm') || f === 'worker.js') copyFileSync(join(pkg, f), join(out, f));
  writeFileSync(join(out, 'index.html'), '<!doctype html><script type="module" src="app.js"></script>\n');
  noNodeImports(out);
  return loadInChromium(out, 'index.html');
});
await check('Vite build in Chromium', async () => {
  writeFileSync(join(dir, 'vite.config.mjs'), "export default { build: { target: 'es2022', outDir: 'out-vite' }, logLevel: 'warn' };\n");
  sh(join(dir, 'node_modules', '.bin', 'vite'), ['build']);
  const out = join(dir, 'out-vite');
  noNodeImports(out);
  // Vite emits the .wasm files; the worker (under 4 KB) it may inline as a data: URL. The page
  // must then still run on 2 threads, which loadInChromium checks.
  const assets = readdirSync(join(out, 'assets'));
  // three files: the threaded simd build is the simd one with its memory made shared, at load
  if (assets.filter((f) => f.endsWith('.wasm')).length !== 3) throw new Error(`Vite did not emit the three .wasm files: ${assets.join(', ')}`);
  return loadInChromium(out, 'index.html');
});

rmSync(dir, { recursive: true, force: true });
const failed = checks.filter((c) => !c[1]).length;
console.log(`consumer: ${checks.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
