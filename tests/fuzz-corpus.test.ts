// The fuzzer's corpus as regression tests: every case in tests/fuzz-corpus/ (failures the fuzzer
// found, and one hand-made case per class of hostile file) must load or raise a WasmgradError, in
// bounded time, leaving no tensor behind and the prototypes unchanged (scripts/fuzz-property.mjs).
import * as wg from 'wasmgrad';
import { describe, test, expect, beforeAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
// @ts-ignore: a plain ES module shared with the fuzzer
import { checkCase, decodeCase } from '../scripts/fuzz-property.mjs';
import { useBuild } from './helpers';

const dir = fileURLToPath(new URL('./fuzz-corpus/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

beforeAll(() => useBuild('relaxed', 1));

describe('fuzz corpus', () => {
  test('holds cases of every kind', () => {
    expect(files.some((f) => f.startsWith('st-'))).toBe(true);
    expect(files.some((f) => f.startsWith('model-'))).toBe(true);
  });

  test.each(files)('%s', async (file) => {
    const c = decodeCase(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    const r = await checkCase(wg, c, { timeLimitMs: 10_000 });
    expect(r.outcome, `${file} (${c.note}): ${r.reason}`).not.toBe('fail');
  });
});
