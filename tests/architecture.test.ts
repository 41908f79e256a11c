// The architecture, checked on the source text (ARCHITECTURE.md draws it):
//  - no import cycles in src/ (`import type`, `export ... from` and dynamic `import()` count too);
//  - imports point one way, down the layers (LAYERS below), and every src/ module has a layer;
//  - pointers and memory views stay in src/engine/ and src/tensor.ts: no `.ptr(` and no
//    `.f32` / `.i32` / `.u8` (or other typed views) nor engine memory anywhere else in src/;
//  - no file over 500 lines in src/ or assembly/;
//  - no hand-synced constants: no "must match" comment in src/, assembly/ or scripts/;
//  - one copy of the seeded generator (mulberry32) in src/, examples/ and bench/.
// Each check is its own test and names every offending file (and line).
import { describe, test, expect } from 'vitest';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINES = 500;

/** Every file under dir (relative to the repository root), sorted. */
function filesUnder(dir: string, exts = ['.ts', '.js', '.mjs', '.cjs']): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(relative(ROOT, p));
    }
  };
  if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return out;
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/**
 * The code with comments blanked out (line breaks kept, so line numbers hold); string and
 * template literals are kept, so an import specifier survives.
 */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i], next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') (out += ' '), i++;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else (out += c), i++;
  }
  return out;
}

// `import x from`, `import { a, type B } from`, `import * as m from`, `import type X from`,
// `import 'side-effect'`, `export { a } from`, `export * from`, `export type { T } from`, `import('x')`.
const STATIC_IMPORT = /\b(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s*)?['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The src/ files a file imports (relative specifiers; `.js` resolved to the `.ts` source). */
function importsOf(file: string): string[] {
  const code = stripComments(read(file));
  const out = new Set<string>();
  for (const re of [STATIC_IMPORT, DYNAMIC_IMPORT]) {
    for (const m of code.matchAll(re)) {
      const spec = m[1];
      if (!spec.startsWith('.')) continue;
      const base = resolve(dirname(join(ROOT, file)), spec);
      const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
      const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
      if (hit) out.add(relative(ROOT, hit));
    }
  }
  return [...out].sort();
}

/** Every distinct elementary cycle found as the shortest way back from each module to itself. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles = new Map<string, string[]>();
  for (const start of [...graph.keys()].sort()) {
    // breadth-first from start's imports back to start: the shortest cycle through start
    const prev = new Map<string, string>();
    const queue: string[] = [];
    for (const n of graph.get(start) ?? []) {
      if (!prev.has(n)) prev.set(n, start), queue.push(n);
    }
    let found = false;
    while (queue.length && !found) {
      const n = queue.shift()!;
      if (n === start) {
        found = true;
        break;
      }
      for (const m of graph.get(n) ?? []) if (!prev.has(m)) prev.set(m, n), queue.push(m);
    }
    if (!found) continue;
    const path = [start];
    for (let n = prev.get(start)!; n !== start; n = prev.get(n)!) path.unshift(n);
    path.unshift(start);
    path.pop();
    // one key per cycle, whichever module it was found from
    const first = path.indexOf([...path].sort()[0]);
    const canon = [...path.slice(first), ...path.slice(0, first)];
    cycles.set(canon.join(' > '), [...canon, canon[0]]);
  }
  return [...cycles.values()];
}

/** `file:line: text` of every line of files' code (comments excluded) that re matches, and the number of matches. */
function matchesIn(files: string[], re: RegExp): { lines: string[]; count: number } {
  const lines: string[] = [];
  let count = 0;
  const global = new RegExp(re.source, 'g');
  for (const file of files) {
    stripComments(read(file)).split('\n').forEach((line, i) => {
      const n = [...line.matchAll(global)].length;
      if (n) lines.push(`${file}:${i + 1}: ${line.trim()}`), (count += n);
    });
  }
  return { lines, count };
}

/**
 * The layers, bottom up (ARCHITECTURE.md): a module may import from its own layer or one below,
 * never from one above. The engine's drivers take tensors, so the Tensor type sits between the
 * engine's core (which allocates its memory) and the drivers. First match wins.
 */
export const LAYERS: [string, RegExp][] = [
  ['foundation', /^src\/(errors\.ts|util\/)/],
  ['engine core', /^src\/engine\/(?!drivers\/)/],
  ['tensor', /^src\/tensor\.ts$/],
  ['engine drivers', /^src\/engine\/drivers\//],
  ['tape and primitives', /^src\/(tape|creation|primitives|tensor-buffer|validate)\.ts$/],
  ['ops', /^src\/(ops\/|debug\.ts$|gradients\.ts$|variables\.ts$|tensor-methods\.ts$)/],
  ['layers, losses, optimizers', /^src\/(layers\/|optimizers\/|(losses|initializers|regularizers|schedules|activations|constraints)\.ts$)/],
  ['models and io', /^src\/(models|io|data|classic)\//],
  ['public API', /^src\/(index\.ts$|tfjs\/)/],
];

export function layerOf(file: string): number {
  return LAYERS.findIndex(([, re]) => re.test(file));
}

function report(title: string, items: string[]): void {
  if (items.length) console.log(`${title} (${items.length}):\n  ${items.join('\n  ')}`);
}

describe('the checks themselves', () => {
  test('findCycles finds each cycle once, from wherever it starts', () => {
    const g = new Map([['a', ['b']], ['b', ['c', 'a']], ['c', ['a']], ['d', ['d']], ['e', ['a']]]);
    expect(findCycles(g).map((c) => c.join('>'))).toEqual(['a>b>a', 'a>b>c>a', 'd>d']);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  test('the layers place modules as ARCHITECTURE.md draws them', () => {
    const names = LAYERS.map(([n]) => n);
    const at = (f: string) => names[layerOf(f)];
    expect(at('src/engine/pool.ts')).toBe('engine core');
    expect(at('src/tensor.ts')).toBe('tensor');
    expect(at('src/engine/drivers/gemm.ts')).toBe('engine drivers');
    expect(at('src/tape.ts')).toBe('tape and primitives');
    expect(at('src/ops/conv.ts')).toBe('ops');
    expect(at('src/losses.ts')).toBe('layers, losses, optimizers');
    expect(at('src/io/model-io.ts')).toBe('models and io');
    expect(at('src/index.ts')).toBe('public API');
    expect(layerOf('src/newthing.ts')).toBe(-1);
  });

  test('stripComments blanks comments, keeps strings and line numbers', () => {
    const src = "import a from './a.js'; // x.ptr()\n/* import b from './b.js'\n */ const s = '//not';";
    const out = stripComments(src);
    expect(out.split('\n').length).toBe(3);
    expect(out).toContain("'./a.js'");
    expect(out).not.toContain('ptr');
    expect(out).not.toContain('./b.js');
    expect(out).toContain("'//not'");
  });
});

describe('architecture', () => {
  test('no import cycles in src/ (type imports and re-exports included)', () => {
    const graph = new Map(filesUnder('src', ['.ts']).map((f) => [f, importsOf(f)] as const));
    expect(graph.size).toBeGreaterThan(20);
    const cycles = findCycles(graph).map((c) => c.join(' -> '));
    report('import cycles', cycles);
    expect(cycles, 'import cycles in src/').toEqual([]);
  });

  test('every import points down the layers (or within one), every src/ module has a layer', () => {
    const problems: string[] = [];
    for (const file of filesUnder('src', ['.ts'])) {
      const own = layerOf(file);
      if (own < 0) {
        problems.push(`${file}: in no layer (add it to LAYERS in tests/architecture.test.ts and to ARCHITECTURE.md)`);
        continue;
      }
      for (const dep of importsOf(file)) {
        const theirs = layerOf(dep);
        if (theirs > own) problems.push(`${file} (${LAYERS[own][0]}) imports ${dep} (${LAYERS[theirs][0]})`);
      }
    }
    report('imports pointing up the layers', problems);
    expect(problems, 'imports from a higher layer').toEqual([]);
  });

  test('no pointers or memory views above the engine (src/engine/ and src/tensor.ts only)', () => {
    const above = filesUnder('src').filter((f) => !f.startsWith('src/engine/') && f !== 'src/tensor.ts');
    // .ptr( ; typed views (.f32, .i32, .u8 ...) ; the engine's memory itself
    const { lines, count } = matchesIn(above, /\.ptr\(|\.(?:f32|f64|i32|u32|i16|u16|i8|u8)\b|\bengine\(\)\s*\.\s*memory\b|\.memory\s*\.\s*buffer\b/);
    report(`pointer or memory-view uses above the engine: ${count} on these lines`, lines);
    expect(lines, `${count} pointer or memory-view uses outside src/engine/ and src/tensor.ts`).toEqual([]);
  });

  test(`no file over ${MAX_LINES} lines in src/ or assembly/`, () => {
    const long = [...filesUnder('src'), ...filesUnder('assembly')]
      .map((f) => [f, read(f).split('\n').length - (read(f).endsWith('\n') ? 1 : 0)] as const)
      .filter(([, n]) => n > MAX_LINES)
      .map(([f, n]) => `${f}: ${n} lines`);
    report(`files over ${MAX_LINES} lines`, long);
    expect(long, `files over ${MAX_LINES} lines`).toEqual([]);
  });

  test('no hand-synced constants: no "must match" comment in src/, assembly/ or scripts/', () => {
    const files = [...filesUnder('src'), ...filesUnder('assembly'), ...filesUnder('scripts')];
    const hits: string[] = [];
    for (const file of files) {
      read(file).split('\n').forEach((line, i) => {
        if (/must\s+match|kee(?:p|ps|pt)\s+in\s+sync/i.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    report('"must match" comments', hits);
    expect(hits, '"must match" comments (hand-synced constants)').toEqual([]);
  });

  test('one seeded generator: mulberry32 lives in src/util/seeded.ts only (wg.seededRandom serves the rest)', () => {
    const files = [...filesUnder('src'), ...filesUnder('examples'), ...filesUnder('bench')];
    // mulberry32's increment, the one constant every copy carries
    const copies = files.filter((f) => /0x6d2b79f5/i.test(stripComments(read(f))));
    expect(copies, 'files with a copy of mulberry32').toEqual(['src/util/seeded.ts']);
  });
});
