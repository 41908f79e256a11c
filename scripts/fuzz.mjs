#!/usr/bin/env node
// The loaders' fuzzer: npm run fuzz -- [seconds = 60] [seed] [--save-interesting] [--lib path/to/index.js]
//
// Mutates the bytes and the structure of safetensors files and of model artifacts (model.json and its
// weights) and runs the cases in child processes, a batch at a time, each child with a heap limit and
// watched for time and resident memory. The property (scripts/fuzz-property.mjs): every case loads or
// raises a WasmgradError, within the time limit, leaving no tensor behind and the prototypes as they
// were; a child that crashes, hangs or grows past the memory limit fails its current case. Failing
// cases are written to tests/fuzz-corpus/ (tests/fuzz-corpus.test.ts replays them); with
// --save-interesting, so is the first case of each new kind of error. Exits 1 when a case failed.
// The bases are models and files the library itself makes, plus every corpus case.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkCase, encodeCase, decodeCase } from './fuzz-property.mjs';
import { rngOf, mutateSafetensors, mutateModel } from './fuzz-mutate.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CORPUS = join(HERE, '..', 'tests', 'fuzz-corpus');
const BATCH = 25;
/** Per case: the wall time a child may go without answering before the case counts as hung. */
const CASE_TIMEOUT_MS = 60_000;
/** Per case, inside the child: more CPU time than this fails the property. */
const CASE_TIME_LIMIT_MS = 10_000;
const HEAP_MB = 1024;
const RSS_LIMIT = 2.5 * 2 ** 30; // the engine's memory may reach 2 GiB by design; past that is unbounded

function parseArgs(argv) {
  const opts = { seconds: 60, seed: Date.now() % 1_000_000, saveInteresting: false, lib: join(HERE, '..', 'dist', 'index.js'), child: null, quiet: false };
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--save-interesting') opts.saveInteresting = true;
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--lib') opts.lib = argv[++i];
    else if (a === '--child') opts.child = argv[++i];
    else positional.push(a);
  }
  if (positional[0] !== undefined) opts.seconds = Number(positional[0]);
  if (positional[1] !== undefined) opts.seed = Number(positional[1]);
  if (!(opts.seconds > 0) || !Number.isInteger(opts.seed)) {
    console.error('usage: npm run fuzz -- [seconds > 0] [integer seed] [--save-interesting] [--lib dist/index.js]');
    process.exit(2);
  }
  return opts;
}

// ---- child: runs a batch of cases on the library, one JSON line per event -------------------------

async function runChild(opts) {
  const wg = await import(pathToFileURL(opts.lib).href);
  await wg.init({ threads: 1 });
  const lines = readFileSync(opts.child, 'utf8').split('\n').filter(Boolean);
  for (let i = 0; i < lines.length; i++) {
    process.stdout.write(`${JSON.stringify({ i, start: true })}\n`);
    const r = await checkCase(wg, decodeCase(JSON.parse(lines[i])), { timeLimitMs: CASE_TIME_LIMIT_MS });
    const rss = process.memoryUsage().rss;
    process.stdout.write(`${JSON.stringify({ i, ...r, message: r.message?.slice(0, 200), rss })}\n`);
  }
  await wg.shutdown();
}

// ---- parent ---------------------------------------------------------------------------------------

function loadCorpus() {
  mkdirSync(CORPUS, { recursive: true });
  return readdirSync(CORPUS).filter((f) => f.endsWith('.json')).map((f) => decodeCase(JSON.parse(readFileSync(join(CORPUS, f), 'utf8'))));
}

/** Bases made by the library in a child (so they are valid for the version being fuzzed). */
function baseCases(lib) {
  const r = spawnSync(process.execPath, [join(HERE, 'fuzz-seeds.mjs'), lib], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`making the seed cases failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => decodeCase(JSON.parse(l)));
}

function runBatch(opts, cases, dir) {
  const file = join(dir, 'batch.jsonl');
  writeFileSync(file, cases.map((c) => JSON.stringify(encodeCase(c))).join('\n'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, fileURLToPath(import.meta.url), '--child', file, '--lib', opts.lib], { stdio: ['ignore', 'pipe', 'pipe'] });
    const results = new Map();
    let current = -1;
    let buffer = '';
    let stderr = '';
    let timer = null;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        results.set(current, { outcome: 'fail', reason: `no answer within ${CASE_TIMEOUT_MS} ms (hung)` });
        child.kill('SIGKILL');
      }, CASE_TIMEOUT_MS);
    };
    arm();
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let m;
        try {
          m = JSON.parse(line);
        } catch {
          continue; // a stray line (a warning printed by the library)
        }
        if (m.start) current = m.i;
        else {
          if (m.outcome !== 'fail' && m.rss > RSS_LIMIT) results.set(m.i, { outcome: 'fail', reason: `resident memory ${m.rss} bytes after the case` });
          else results.set(m.i, m);
        }
        arm();
      }
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (current >= 0 && !results.has(current)) {
        results.set(current, { outcome: 'fail', reason: `the child died (${signal ?? `exit code ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
      }
      resolve(results);
    });
  });
}

function signature(message) {
  return String(message).replace(/\d+/g, '#').replace(/(["'])(?:(?!\1).)*\1/g, 'S').slice(0, 60);
}

async function runParent(opts) {
  const started = Date.now();
  const bases = [...baseCases(opts.lib), ...loadCorpus()];
  const safetensorBases = bases.filter((c) => c.kind === 'safetensors');
  const modelBases = bases.filter((c) => c.kind === 'model');
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-fuzz-'));
  const stats = { cases: 0, ok: 0, error: 0, fail: 0, signatures: new Set(), slowestMs: 0 };
  const failures = [];
  let batchIndex = 0;
  try {
    while (Date.now() - started < opts.seconds * 1000) {
      const rng = rngOf(opts.seed * 7919 + batchIndex++);
      const cases = Array.from({ length: BATCH }, () => {
        const onModel = rng.chance(0.6) && modelBases.length > 0;
        return onModel ? mutateModel(rng, rng.pick(modelBases)) : { kind: 'safetensors', bytes: mutateSafetensors(rng, rng.pick(safetensorBases).bytes) };
      });
      const results = await runBatch(opts, cases, dir);
      for (const [i, r] of results) {
        stats.cases++;
        stats[r.outcome]++;
        stats.slowestMs = Math.max(stats.slowestMs, r.ms ?? 0);
        const c = cases[i];
        if (r.outcome === 'fail') {
          const name = `fail-${opts.seed}-${batchIndex - 1}-${i}.json`;
          writeFileSync(join(CORPUS, name), JSON.stringify({ ...encodeCase({ ...c, note: r.reason }) }));
          failures.push(`${name}: ${r.reason}`);
          if (!opts.quiet) console.log(`FAIL ${name}: ${r.reason}`);
        } else if (r.outcome === 'error') {
          const sig = signature(r.message);
          if (!stats.signatures.has(sig)) {
            stats.signatures.add(sig);
            if (opts.saveInteresting) writeFileSync(join(CORPUS, `case-${stats.signatures.size}-${opts.seed}.json`), JSON.stringify(encodeCase({ ...c, note: r.message })));
          }
        }
      }
      if (!opts.quiet) process.stdout.write(`\r${stats.cases} cases, ${stats.ok} loaded, ${stats.error} refused, ${stats.fail} failed, ${stats.signatures.size} kinds of error`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\nfuzz: seed ${opts.seed}, ${secs} s: ${stats.cases} cases, ${stats.ok} loaded, ${stats.error} refused with a WasmgradError, ${stats.fail} failed; ${stats.signatures.size} kinds of error; slowest case ${stats.slowestMs.toFixed(0)} ms`);
  for (const f of failures) console.log(`  ${f}`);
  process.exitCode = failures.length ? 1 : 0;
}

const opts = parseArgs(process.argv.slice(2));
if (opts.child) await runChild(opts);
else await runParent(opts);
