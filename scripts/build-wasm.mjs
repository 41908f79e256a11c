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
console.log(`wasm builds: ${targets.join(', ')}`);
