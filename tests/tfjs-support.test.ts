// docs/tfjs-support.md lists TF.js 4.22's public op and layer names and whether wasmgrad/tfjs has
// them; regenerated here from the sources, it must match the file (WRITE_TFJS_SUPPORT=1 rewrites it).
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as wt from 'wasmgrad/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { supportTable, REASONS, INTERNALS, tfjsOpNames, tfjsLayerNames } from '../scripts/tfjs-support.mjs';

const docUrl = new URL('../docs/tfjs-support.md', import.meta.url);

describe('the TF.js support table', () => {
  const table = supportTable(tf, wt);

  it('docs/tfjs-support.md is up to date', () => {
    if (process.env.WRITE_TFJS_SUPPORT) writeFileSync(docUrl, table.markdown);
    console.log(`TF.js names supported: ${table.supported} of ${table.total} (${table.percent.toFixed(1)}%); ops ${table.ops.supported.length}/${table.ops.total}, layers ${table.layers.supported.length}/${table.layers.total}`);
    expect(readFileSync(docUrl, 'utf8'), 'docs/tfjs-support.md is stale: run WRITE_TFJS_SUPPORT=1 npx vitest run tests/tfjs-support.test.ts').toBe(table.markdown);
  });

  it('gives reasons only for names that are missing, and every counted name is a TF.js name', () => {
    const missing = new Set([...table.ops.missing, ...table.layers.missing].map((m) => m.name));
    const stale = Object.keys(REASONS).filter((n) => !missing.has(n));
    expect(stale, 'reasons for names that are now supported (or not TF.js names)').toEqual([]);
    const ops = tfjsOpNames(tf);
    for (const n of INTERNALS) expect(typeof (tf as Record<string, unknown>)[n], n).toBe('function');
    expect(ops.length).toBeGreaterThan(200);
    expect(tfjsLayerNames(tf)).toContain('dense');
    expect(table.ops.supported).toContain('tensor2d');
  });

  it('the names it counts as supported can be called', () => {
    const t = wt.tensor2d([[1, 2], [3, 4]]);
    expect(wt.add(t, t).arraySync()).toEqual([[2, 4], [6, 8]]);
    expect(wt.layers.dense({ units: 2 }).getConfig().units).toBe(2);
    t.dispose();
  });
});
