#!/usr/bin/env node
// wasmgrad's command line: microbenchmarks of the kernels, in Node, Deno and Bun, or in a browser.
//   npx wasmgrad bench <gemm|conv|rnn|ops|all> [--threads 1,2] [--builds relaxed,simd] [--shapes 256,512x128x64]
//                      [--json] [--quick] [--out DIR]
//   npx wasmgrad bench --serve [--port 8080]     the same GEMM table in a browser (a COOP/COEP page on 127.0.0.1)
//   deno run -A node_modules/wasmgrad/bin/wasmgrad.mjs bench gemm      bun node_modules/wasmgrad/bin/wasmgrad.mjs bench gemm
// TensorFlow.js joins the tables when @tensorflow/tfjs-backend-wasm is installed beside wasmgrad.
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCHES = ['gemm', 'conv', 'rnn', 'ops'];
const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(pkgRoot, 'bench', 'lib', 'harness.mjs'));
const USAGE = `usage: wasmgrad bench <${BENCHES.join('|')}|all> [--threads 1,2] [--builds LIST] [--shapes LIST] [--json] [--quick] [--out DIR]
       wasmgrad bench --serve [--port N]`;

const resolvable = (name) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};

function runtimeName() {
  if (typeof globalThis.Deno !== 'undefined') return `Deno ${globalThis.Deno.version.deno}`;
  if (typeof globalThis.Bun !== 'undefined') return `Bun ${globalThis.Bun.version}`;
  return `Node ${process.versions.node}`;
}

function take(argv, name) {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = argv.splice(i, 2);
  if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
  return value;
}

async function bench(argv) {
  if (argv.includes('--serve')) {
    argv.splice(argv.indexOf('--serve'), 1);
    const { serveBench } = await import('../bench/web/serve.mjs');
    const port = Number(take(argv, '--port') ?? 8080);
    const { url } = await serveBench(pkgRoot, port);
    console.log(`wasmgrad bench page: ${url}/bench/web/  (Ctrl-C to stop)`);
    return;
  }
  const name = argv.shift();
  const names = name === 'all' ? BENCHES : [name];
  // training and inference benches need the repository's examples and peers (PyTorch, ONNX Runtime Web)
  if (name === 'train' || name === 'infer') throw new Error(`bench ${name} runs from a clone of the repository: npm run bench -- ${name}`);
  if (!name || names.some((n) => !BENCHES.includes(n))) throw new Error(USAGE);
  const out = take(argv, '--out');
  process.env.WASMGRAD_BENCH_RESULTS = out ? resolve(out) : mkdtempSync(join(os.tmpdir(), 'wasmgrad-bench-'));
  const tfjs = resolvable('@tensorflow/tfjs-backend-wasm') && resolvable('@tensorflow/tfjs-core') && resolvable('@tensorflow/tfjs-backend-cpu');
  if (!tfjs && !argv.includes('--no-tfjs')) argv.push('--no-tfjs');
  if (!argv.includes('--json')) {
    const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
    console.log(`wasmgrad bench on ${runtimeName()}, ${cpu}, ${os.availableParallelism?.() ?? os.cpus().length} cores` +
      `${!tfjs ? ' (install @tensorflow/tfjs-core, -backend-cpu and -backend-wasm to compare with TF.js)' : argv.includes('--no-tfjs') ? '' : ', TF.js wasm beside it'}`);
  }
  for (const n of names) {
    process.argv = [process.argv[0], join(pkgRoot, 'bench', `${n}.mjs`), ...argv];
    await import(pathToFileURL(join(pkgRoot, 'bench', `${n}.mjs`)).href);
  }
  if (!argv.includes('--json')) console.log(`results written to ${process.env.WASMGRAD_BENCH_RESULTS}`);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'bench') await bench(rest);
  else {
    console.log(USAGE);
    process.exitCode = command === undefined || command === '--help' ? 0 : 1;
  }
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
