// Bundles src/ into dist/:
//   index.js, tfjs.js     every runtime: Node, Deno, Bun, browsers, Web Workers, workerd (the code
//                         names no node: module, Node's built-ins come from process.getBuiltinModule,
//                         so bundlers need no shims); chunk.js, the engine both share
//   index.cjs             CommonJS: require() of index.js
//   worker.js             the pool worker
//   index.d.ts, index.d.cts, types/  declarations for ESM and CommonJS
// Each bundle names its .wasm files and worker as new URL('./x', import.meta.url), beside it.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dropInternalNames, nameClassesInline, nameBindingsInline, nameHelperIn, exportedNames, specifierMap } from './bundle-names.mjs';
import { namespacesAsObjects, namespaceHelperIn } from './bundle-namespaces.mjs';

/** Points the sources' URLs (dist/ seen from src/engine/) at the files beside the bundle. */
const besideTheBundle = {
  name: 'beside-the-bundle',
  setup(b) {
    b.onLoad({ filter: /src[\\/]engine[\\/](engine|pool)\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8').replaceAll("new URL('../../dist/", "new URL('./");
      if (args.path.endsWith('engine.ts') && (text.match(/new URL\('\.\/wasmgrad-/g) ?? []).length !== 4) {
        throw new Error('engine.ts: expected four literal wasm URLs to rewrite');
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'neutral',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  // small enough to ship (whitespace and local names go; class and function names stay, for
  // stack traces and the names the library reads back)
  minify: true,
  keepNames: true,
  external: ['node:*'],
};
rmSync('dist/types', { recursive: true, force: true });
for (const f of ['index.js.map', 'index.cjs.map', '.cjs-shim.js', 'worker-browser.js', 'browser.js', 'tfjs-browser.js']) rmSync(join('dist', f), { force: true });
mkdirSync('dist', { recursive: true });
// The root entry and the TensorFlow.js entry share one engine (code splitting), so a program may
// import both.
for (const f of readdirSync('dist')) if (/^(browser-.*|chunk.*|tfjs.*)\.js(\.map)?$/.test(f)) rmSync(join('dist', f));
await build({
  ...common, entryPoints: { index: 'src/index.ts', tfjs: 'src/tfjs/index.ts' }, format: 'esm', outdir: 'dist',
  splitting: true, chunkNames: '[name]', plugins: [besideTheBundle],
});
// The chunk's internal functions' names are not kept, classes and functions are named in their
// header or by their bindings rather than by a call (scripts/bundle-names.mjs), and namespace objects
// only exported are made as objects at the end (scripts/bundle-namespaces.mjs): a cold start runs
// faster. The entries get the same, with the helpers they import from the chunk.
const chunkText = readFileSync('dist/chunk.js', 'utf8');
const chunkHelpers = { name: nameHelperIn(chunkText), namespace: namespaceHelperIn(chunkText) };
for (const [file, helpers] of [
  ['dist/chunk.js', chunkHelpers],
  ['dist/index.js', importedHelpers(readFileSync('dist/index.js', 'utf8'), chunkText, chunkHelpers)],
  ['dist/tfjs.js', importedHelpers(readFileSync('dist/tfjs.js', 'utf8'), chunkText, chunkHelpers)],
]) {
  // (the entries' internal functions keep their names: an entry's API reaches some through object
  // literals, which the dropping step, reading only the export list and namespaces, would not see)
  const source = readFileSync(file, 'utf8');
  const { text, dropped, kept } = file === 'dist/chunk.js' ? dropInternalNames(source, helpers.name) : { text: source, dropped: 0, kept: 0 };
  const classes = nameClassesInline(text, helpers.name);
  const bindings = nameBindingsInline(classes.text, helpers.name);
  const namespaces = namespacesAsObjects(bindings.text, helpers.namespace);
  if (file === 'dist/chunk.js' && (dropped === 0 || classes.named === 0 || bindings.named === 0 || namespaces.made === 0)) {
    console.warn(`${file}: a step named or made nothing (has esbuild's keepNames or __export output changed?)`);
  }
  writeFileSync(file, namespaces.text);
  if (process.env.WASMGRAD_BUILD_VERBOSE) {
    console.log(`${file}: ${dropped} internal function names dropped, ${kept} exported kept; ${classes.named} anonymous classes named in their header; ${bindings.named} functions and classes named by their binding or property, ${bindings.left} left to the helper; ${namespaces.made} namespaces made objects, ${namespaces.left} left`);
  }
}

/** The local names an entry gives the chunk's helpers it imports ('' for one it does not import: nothing to do). */
function importedHelpers(entry, chunk, helpers) {
  const exportedAs = exportedNames(chunk);
  const localOf = specifierMap(/import\{([^}]*)\}from"\.\/chunk\.js"/.exec(entry)?.[1] ?? '');
  const imported = (helper) => (helper ? localOf.get(exportedAs.get(helper)) : undefined) ?? '';
  return { name: imported(helpers.name), namespace: imported(helpers.namespace) };
}
// CommonJS: require() of the ES module (Node 20.19 and later, Deno and Bun load an ES module
// without top-level await synchronously), so CommonJS users share the one engine and Tensor class
// of ESM users, and the package ships the library once.
writeFileSync('dist/index.cjs', "'use strict';\n// CommonJS entry: the ES module itself (require(esm)).\nmodule.exports = require('./index.js');\n");
copyFileSync('src/engine/worker.js', 'dist/worker.js');
for (const f of readdirSync('dist').filter((n) => n.endsWith('.js'))) {
  if (/['"`]node:/.test(readFileSync(join('dist', f), 'utf8'))) throw new Error(`dist/${f} mentions a node: module`);
}

// Types: tsc emits declarations only (esbuild does not type-check or emit them).
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
} catch {
  console.error('tsc reported type errors (declarations were still written)');
  process.exitCode = 1;
}
// Declarations no public one reaches (engine drivers, internal helpers) are not shipped: walk the
// imports from the two entries' declarations and delete the rest.
function pruneTypes(entries) {
  const reached = new Set();
  const stack = [...entries];
  while (stack.length) {
    const f = stack.pop();
    if (reached.has(f) || !existsSync(f)) continue;
    reached.add(f);
    for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) stack.push(join(dirname(f), `${m[1]}.d.ts`));
  }
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.d.ts') && !reached.has(p)) rmSync(p);
    }
  };
  walk('dist/types');
}
pruneTypes([join('dist', 'types', 'index.d.ts'), join('dist', 'types', 'tfjs', 'index.d.ts')]);
// CommonJS declarations: a .d.cts beside each .d.ts, importing .cjs, so that TypeScript under
// Node16/NodeNext sees a require()-able module (a .d.cts importing an ESM .d.ts is TS1479).
function cjsTypes(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) cjsTypes(p);
    else if (name.endsWith('.d.ts')) {
      // (without the doc comments: editors show them from the .d.ts; the package stays under 600 kB)
      const text = readFileSync(p, 'utf8')
        .replace(/((?:from |import\()\s*['"]\.{1,2}\/[^'"]*?)\.js(['"])/g, '$1.cjs$2')
        .replace(/\/\*\*[\s\S]*?\*\/\s*/g, '');
      writeFileSync(p.replace(/\.d\.ts$/, '.d.cts'), text);
    }
  }
}
cjsTypes('dist/types');
writeFileSync('dist/index.d.ts', "export * from './types/index.js';\n");
writeFileSync('dist/index.d.cts', "export * from './types/index.cjs';\n");
console.log('js bundle: dist/index.js, dist/tfjs.js, dist/chunk.js, dist/index.cjs, dist/worker.js, dist/index.d.ts, dist/index.d.cts');
