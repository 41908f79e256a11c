// Builds what is missing or older than its sources (prepare, prepack, npm test): `prepare` runs on
// `npm install` in a clone, never when the package is installed from the registry, so users never
// build; `npm test` builds whatever its sources changed.
// Where the build tools are absent (a copy without dev dependencies) an up-to-date dist/ is packed as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const newest = (paths) =>
  Math.max(0, ...paths.flatMap((p) => (!existsSync(p) ? [] : statSync(p).isDirectory() ? [newest(readdirSync(p).map((f) => join(p, f)))] : [statSync(p).mtimeMs])));
const oldest = (paths) => Math.min(...paths.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)));
const WASM = ['relaxed', 'simd-threads', 'simd', 'scalar'].map((b) => `dist/wasmgrad-${b}.wasm`);
const JS = ['dist/index.js', 'dist/tfjs.js', 'dist/index.cjs', 'dist/chunk.js', 'dist/worker.js', 'dist/index.d.ts', 'dist/index.d.cts'];
const steps = [
  ['build-wasm.mjs', 'assemblyscript', WASM, ['assembly', 'asconfig.json', 'scripts/build-wasm.mjs', 'scripts/abi-gen.mjs', 'scripts/wasm-sections.mjs']],
  ['build-js.mjs', 'esbuild', JS, ['src', 'tsconfig.json', 'scripts/build-js.mjs']],
];
const require = createRequire(import.meta.url);
for (const [script, tool, outputs, sources] of steps) {
  const missing = outputs.filter((f) => !existsSync(f));
  if (!missing.length && oldest(outputs) >= newest(sources)) continue;
  let haveTool = true;
  try {
    require.resolve(`${tool}/package.json`);
  } catch {
    haveTool = false;
  }
  if (!haveTool) {
    if (missing.length) throw new Error(`${missing.join(', ')} missing and ${tool} is not installed: run npm install, then npm run build`);
    console.warn(`${script}: sources are newer than dist/, but ${tool} is not installed; dist/ is used as it is`);
    continue;
  }
  // the build's output goes to stderr: `npm pack --json` (prepack) keeps its stdout for the JSON
  execFileSync(process.execPath, [join('scripts', script)], { stdio: ['inherit', 2, 'inherit'] });
}
