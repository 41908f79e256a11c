// Programs written the way TensorFlow.js users write them (tests/tfjs-programs/*.mjs), each run
// twice: as written, on the real @tensorflow/tfjs 4.22 (cpu backend), and with only its first line
// changed to import 'wasmgrad/tfjs'. Same starting weights and data, so their losses and outputs
// must agree within 1e-4 relative (1e-5 absolute floor), and wasmgrad may leave no more tensors
// alive than TF.js does.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wg from 'wasmgrad/tfjs';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const TFJS_IMPORT = "import * as tf from '@tensorflow/tfjs';";
const WASMGRAD_IMPORT = "import * as tf from 'wasmgrad/tfjs';";
const RELATIVE = 1e-4;
const ABSOLUTE = 1e-5;

const dir = fileURLToPath(new URL('./tfjs-programs/', import.meta.url));
// The converted copies live in a git-ignored folder beside the originals, with the helper modules
// copied too, so the programs' relative imports resolve unchanged.
const convertedDir = join(dir, 'converted');
const files = readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort();
const programs = files.filter((f) => readFileSync(join(dir, f), 'utf8').startsWith(TFJS_IMPORT));
const helpers = files.filter((f) => !programs.includes(f));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await wg.ready();
  mkdirSync(convertedDir, { recursive: true });
  for (const f of helpers) copyFileSync(join(dir, f), join(convertedDir, f));
});

/** Writes the program with only its first line changed and returns its URL. */
function converted(file: string): string {
  const source = readFileSync(join(dir, file), 'utf8');
  const lines = source.split('\n');
  expect(lines[0]).toBe(TFJS_IMPORT);
  lines[0] = WASMGRAD_IMPORT;
  const target = join(convertedDir, file);
  writeFileSync(target, lines.join('\n'));
  return pathToFileURL(target).href;
}

interface Comparison {
  maxAbs: number;
  maxRel: number;
  count: number;
  failures: string[];
}

/** Walks both results in step: numbers within tolerance, everything else equal. */
function compare(ours: unknown, theirs: unknown, path: string, c: Comparison): void {
  if (typeof theirs === 'number') {
    if (typeof ours !== 'number') return void c.failures.push(`${path}: expected a number, got ${typeof ours}`);
    c.count++;
    if (Number.isNaN(theirs) || Number.isNaN(ours)) {
      if (!(Number.isNaN(theirs) && Number.isNaN(ours))) c.failures.push(`${path}: ${ours} vs TF.js ${theirs}`);
      return;
    }
    const diff = Math.abs(ours - theirs);
    c.maxAbs = Math.max(c.maxAbs, diff);
    if (Math.abs(theirs) > ABSOLUTE) c.maxRel = Math.max(c.maxRel, diff / Math.abs(theirs));
    if (diff > Math.max(ABSOLUTE, RELATIVE * Math.abs(theirs))) c.failures.push(`${path}: ${ours} vs TF.js ${theirs} (diff ${diff.toExponential(2)})`);
  } else if (Array.isArray(theirs) || ArrayBuffer.isView(theirs)) {
    const a = theirs as ArrayLike<unknown>;
    if (!(Array.isArray(ours) || ArrayBuffer.isView(ours))) return void c.failures.push(`${path}: expected an array, got ${typeof ours}`);
    const b = ours as ArrayLike<unknown>;
    if (a.length !== b.length) return void c.failures.push(`${path}: length ${b.length} vs TF.js ${a.length}`);
    for (let i = 0; i < a.length; i++) compare(b[i], a[i], `${path}[${i}]`, c);
  } else if (theirs !== null && typeof theirs === 'object') {
    if (ours === null || typeof ours !== 'object') return void c.failures.push(`${path}: expected an object, got ${typeof ours}`);
    const keys = Object.keys(theirs).sort();
    expect(Object.keys(ours).sort(), `${path} keys`).toEqual(keys);
    for (const k of keys) compare((ours as Record<string, unknown>)[k], (theirs as Record<string, unknown>)[k], `${path}.${k}`, c);
  } else if (ours !== theirs) c.failures.push(`${path}: ${String(ours)} vs TF.js ${String(theirs)}`);
}

/** Runs a program's main(); returns its result and how many tensors it left alive. */
async function run(url: string, numTensors: () => number): Promise<{ result: unknown; leftBehind: number }> {
  const before = numTensors();
  const { main } = await import(/* @vite-ignore */ url);
  expect(typeof main).toBe('function');
  const result = await main();
  return { result, leftBehind: numTensors() - before };
}

describe('TF.js programs run unchanged on wasmgrad/tfjs', () => {
  it('finds at least ten programs, each starting with the TF.js import', () => {
    expect(programs.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of programs) {
    it(file, async () => {
      const theirs = await run(pathToFileURL(join(dir, file)).href, () => tf.memory().numTensors);
      const ours = await run(converted(file), () => wg.memory().numTensors);
      const c: Comparison = { maxAbs: 0, maxRel: 0, count: 0, failures: [] };
      compare(ours.result, theirs.result, file.replace(/\.mjs$/, ''), c);
      console.log(`${file}: ${c.count} numbers, max abs diff ${c.maxAbs.toExponential(2)}, max rel diff ${c.maxRel.toExponential(2)}; tensors left: ${ours.leftBehind} (TF.js ${theirs.leftBehind})`);
      expect(c.failures).toEqual([]);
      // TF.js programs often leave tensors alive (models' weights, optimizers' state); wasmgrad
      // must not leave more behind than TF.js does for the same program
      expect(ours.leftBehind, 'tensors left behind').toBeLessThanOrEqual(theirs.leftBehind);
      expect(c.count).toBeGreaterThan(5);
    });
  }
});
