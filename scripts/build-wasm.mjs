// Compiles the one set of kernel sources in assembly/ into every build named in asconfig.json: first
// generates both sides of the ABI (scripts/abi-gen.mjs), then runs the compiler once per build in
// parallel child processes, then checks each module's layout and exports against the ABI.
import { readFileSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeGenerated, wasmExportArity } from './abi-gen.mjs';
import { forEachSection } from './wasm-sections.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = JSON.parse(readFileSync(new URL('../asconfig.json', import.meta.url), 'utf8'));
const args = process.argv.slice(2);

if (args[0] === '--child') {
  // one build, in its own process: the compiler is single-threaded
  const [, target, memoryBase, minPages, maxPages] = args;
  const { main } = await import('assemblyscript/asc');
  const { error, stderr } = await main(
    ['--config', 'asconfig.json', '--target', target, '--memoryBase', memoryBase, '--initialMemory', minPages, '--maximumMemory', maxPages],
    {},
  );
  if (error) {
    process.stderr.write(`asc ${target} failed: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
  process.exit(0);
}

const targets = Object.keys(config.targets).filter((t) => args.length === 0 || args.includes(t));
const { abi, kernels } = writeGenerated(root);
const C = Object.fromEntries(abi.constants);
if (C.CTRL_BYTE + C.CTRL_BYTES > C.MEMORY_BASE) {
  console.error(`assembly/abi.ts: the control block [${C.CTRL_BYTE}, ${C.CTRL_BYTE + C.CTRL_BYTES}) overlaps static data from ${C.MEMORY_BASE}`);
  process.exit(1);
}
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });

// At most one compiler per core: each is single-threaded.
const compile = (target) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', target, String(C.MEMORY_BASE), String(C.MIN_PAGES), String(C.MAX_PAGES)], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => resolve(code === 0 ? null : target));
  });
const queue = [...targets];
const failed = [];
await Promise.all(
  Array.from({ length: Math.min(os.availableParallelism?.() ?? os.cpus().length, queue.length) }, async () => {
    while (queue.length > 0) {
      const bad = await compile(queue.shift());
      if (bad) failed.push(bad);
    }
  }),
);
if (failed.length) {
  console.error(`wasm builds failed: ${failed.join(', ')}`);
  process.exit(1);
}

// Static data (AssemblyScript's math tables, the constant tables of assembly/vmath.ts) must sit in
// [MEMORY_BASE, HEAP_BASE), clear of the job control block below it and of the heap above: every
// worker's instantiation copies the data segments again. Every kernel must have the parameters its
// source declares (src/engine/abi.ts is generated from the sources).
let bad = false;
for (const target of targets) {
  const bytes = readFileSync(new URL(`../${config.targets[target].outFile}`, import.meta.url));
  const { start, end } = dataRange(bytes);
  if (end > C.HEAP_BASE || (end > 0 && start < C.MEMORY_BASE)) {
    console.error(`${target}: static data [${start}, ${end}) is outside [MEMORY_BASE ${C.MEMORY_BASE}, HEAP_BASE ${C.HEAP_BASE})`);
    bad = true;
  }
  const arity = wasmExportArity(bytes);
  for (const k of kernels) {
    if (arity.get(k.name) !== k.params.length) {
      console.error(`${target}: kernel ${k.name} takes ${arity.get(k.name)} parameters in the module, ${k.params.length} in its source`);
      bad = true;
    }
  }
}
if (bad) process.exit(1);

/** The lowest start and highest end of a module's active data segments ({0, 0} if none). */
function dataRange(bytes) {
  let start = Infinity, end = 0;
  forEachSection(bytes, (id, r) => {
    if (id !== 11) return;
    for (let n = r.leb(); n > 0; n--) {
      const flags = r.leb();
      let offset = 0;
      if (flags === 0 || flags === 2) {
        if (flags === 2) r.leb();
        if (r.byte() !== 0x41) throw new Error('data segment offset is not i32.const');
        offset = r.leb();
        r.skip(1); // end
      }
      const len = r.leb();
      r.skip(len);
      if (flags !== 1) {
        start = Math.min(start, offset);
        end = Math.max(end, offset + len);
      }
    }
  });
  return { start: end > 0 ? start : 0, end };
}
console.log(`wasm builds: ${targets.join(', ')}`);
