// Helpers for the CI scripts: a static file server (with or without cross-origin isolation), a
// child process with a time limit, Chromium through playwright-core, and a workerd worker.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
};

/** Serves root on 127.0.0.1; isolated adds COOP/COEP, which SharedArrayBuffer needs in browsers. */
export function serveStatic(root, { isolated }) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = resolve(join(root, path));
    if (!file.startsWith(resolve(root))) return void res.writeHead(403).end();
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const body = readFileSync(file);
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
      if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) })),
  );
}

/** Runs a command; rejects if it fails or has not exited after timeoutMs (then it is killed). */
export function run(cmd, args, { timeoutMs = 120_000, cwd, env } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${cmd} ${args.join(' ')} did not exit within ${timeoutMs / 1000} s\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (err) => (clearTimeout(timer), fail(err)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) ok({ stdout, stderr });
      else fail(new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${stderr.slice(-3000)}${stdout.slice(-1000)}`));
    });
  });
}

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Opens url in a fresh Chromium profile, evaluates expr (a promise is awaited) and returns its value. */
export async function inChromium(paths, url, expr, { timeoutMs = 120_000, screenshot } = {}) {
  const { chromium } = createRequire(import.meta.url)(paths.playwright);
  const profile = mkdtempSync(join(tmpdir(), 'wasmgrad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: paths.chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
  });
  const logs = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    page.setDefaultTimeout(timeoutMs);
    await page.goto(url);
    try {
      return await page.evaluate(expr);
    } catch (err) {
      const text = await page.textContent('body').catch(() => '');
      if (screenshot) await page.screenshot({ path: screenshot }).catch(() => {});
      throw new Error(`${err.message}\npage text: ${text}\nconsole:\n${logs.join('\n')}`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Runs a workerd service from the given modules ({ name: { file, type } }, type esModule or wasm)
 * on a free port, fetches each path in turn and returns the JSON answers.
 */
export async function inWorkerd(paths, { modules, compatibilityDate, compatibilityFlags, fetchPaths }) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-workerd-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const list = Object.entries(modules).map(([name, { file, type }], i) => {
    const local = `m${i}${extname(file)}`;
    copyFileSync(file, join(dir, local));
    return `(name = ${JSON.stringify(name)}, ${type} = embed ${JSON.stringify(local)})`;
  });
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ ${list.join(',\n    ')} ],
  compatibilityDate = "${compatibilityDate}",
  compatibilityFlags = [ ${compatibilityFlags.map((f) => JSON.stringify(f)).join(', ')} ],
);
`,
  );
  const child = spawn(paths.workerd, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    const answers = [];
    for (const p of fetchPaths) {
      let res = null;
      for (let i = 0; i < 300 && !res; i++) {
        if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}: ${stderr.slice(-3000)}`);
        res = await fetch(`http://127.0.0.1:${port}${p}`).catch(() => null);
        if (!res) await new Promise((r) => setTimeout(r, 100));
      }
      if (!res) throw new Error(`workerd did not answer: ${stderr.slice(-3000)}`);
      const text = await res.text();
      if (!res.ok) throw new Error(`workerd answered ${res.status}: ${text.slice(0, 2000)}\n${stderr.slice(-3000)}`);
      answers.push(JSON.parse(text));
    }
    return answers;
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
