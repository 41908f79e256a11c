// Bundles src/ into dist/: ESM (index.js), CommonJS (index.cjs), the pool worker, and .d.ts types.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // The .wasm builds sit beside the bundle.
  define: { __WASM_DIR__: '"./"' },
  // Node built-ins are imported dynamically, only on Node-like runtimes.
  external: ['node:*'],
};
mkdirSync('dist', { recursive: true });
// ESM: the root entry and the TensorFlow.js entry share one engine (code splitting), so a program
// may import both.
await build({
  ...common, entryPoints: { index: 'src/index.ts', tfjs: 'src/tfjs/index.ts' }, format: 'esm', outdir: 'dist', splitting: true, chunkNames: '[name]-[hash]',
});
// CommonJS has no import.meta.url: derive it from __filename.
writeFileSync('dist/.cjs-shim.js', "export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;\n");
await build({
  ...common,
  format: 'cjs',
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.cjs',
  define: { ...common.define, 'import.meta.url': 'importMetaUrl' },
  inject: ['dist/.cjs-shim.js'],
});
copyFileSync('src/engine/worker.js', 'dist/worker.js');

// Types: tsc emits declarations only (esbuild does not type-check or emit them).
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
} catch {
  console.error('tsc reported type errors (declarations were still written)');
  process.exitCode = 1;
}
writeFileSync('dist/index.d.ts', "export * from './types/index.js';\n");
console.log('js bundle: dist/index.js, dist/index.cjs, dist/worker.js, dist/index.d.ts');
