// Compiles the one set of kernel sources in assembly/ into every build named in asconfig.json.
import { main } from 'assemblyscript/asc';
import { readFileSync, mkdirSync } from 'node:fs';

const config = JSON.parse(readFileSync(new URL('../asconfig.json', import.meta.url), 'utf8'));
const only = process.argv.slice(2);
const targets = Object.keys(config.targets).filter((t) => only.length === 0 || only.includes(t));
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });

const results = await Promise.all(
  targets.map(async (target) => {
    const { error, stderr } = await main(['--config', 'asconfig.json', '--target', target], {});
    return { target, error, stderr: stderr.toString() };
  }),
);
let failed = false;
for (const { target, error, stderr } of results) {
  if (error) {
    failed = true;
    console.error(`asc ${target} failed: ${error.message}\n${stderr}`);
  }
}
if (failed) process.exit(1);

// Constant data (AssemblyScript's math tables, the constant tables of assembly/vmath.ts) must sit
// between memoryBase and the heap, clear of the job control block below it: every worker's
// instantiation copies the data segments again.
const HEAP_BASE = 65536;
for (const target of targets) {
  const bytes = readFileSync(new URL(`../${config.targets[target].outFile}`, import.meta.url));
  const end = dataEnd(bytes);
  if (end > HEAP_BASE) {
    console.error(`${target}: static data ends at ${end}, past the heap base ${HEAP_BASE}`);
    process.exit(1);
  }
}

/** The end of the highest active data segment of a module (0 if none). */
function dataEnd(bytes) {
  let pos = 8;
  const leb = () => {
    let result = 0, shift = 0, b;
    do {
      b = bytes[pos++];
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return result >>> 0;
  };
  let end = 0;
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    const next = pos + size;
    if (id === 11) {
      for (let n = leb(); n > 0; n--) {
        const flags = leb();
        let offset = 0;
        if (flags === 0 || flags === 2) {
          if (flags === 2) leb();
          if (bytes[pos++] !== 0x41) throw new Error('data segment offset is not i32.const');
          offset = leb();
          pos++; // end
        }
        const len = leb();
        pos += len;
        if (flags !== 1) end = Math.max(end, offset + len);
      }
    }
    pos = next;
  }
  return end;
}
console.log(`wasm builds: ${targets.join(', ')}`);
