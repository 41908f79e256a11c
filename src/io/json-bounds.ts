// Bounds on a parsed JSON document that a loader is about to walk: its nesting depth and its number
// of values, checked in one iterative pass (an explicit stack, so a hostile file cannot overflow the
// call stack here, and every later walk of the document is bounded by the depth checked here).
import { WasmgradError, msg } from '../errors.js';

/** model.json nests about 3 levels per model in a model: 128 leaves room for the 32 that LoadContext allows. */
export const MAX_JSON_DEPTH = 128;
/** Values (objects, arrays, strings, numbers) in one document: a 64 MiB file holds at most about 32 million. */
export const MAX_JSON_NODES = 32 * 2 ** 20;

/**
 * Raises a WasmgradError naming the limit when `value` nests deeper than maxDepth or holds more than
 * maxNodes values. An object given directly (not parsed from text) may share or cycle back to its
 * parts: the node count bounds that walk too.
 */
export function checkJsonBounds(value: unknown, op: string, maxDepth = MAX_JSON_DEPTH, maxNodes = MAX_JSON_NODES): void {
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  let nodes = 0;
  while (stack.length) {
    const v = stack.pop();
    const depth = depths.pop()!;
    if (++nodes > maxNodes) throw new WasmgradError(msg`${op} holds more than ${maxNodes} values (the JSON value-count limit)`);
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) throw new WasmgradError(msg`${op} nests deeper than ${maxDepth} levels (the JSON nesting-depth limit)`);
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v as object);
    for (const c of children) {
      if (c !== null && typeof c === 'object') {
        stack.push(c);
        depths.push(depth + 1);
      } else if (++nodes > maxNodes) throw new WasmgradError(msg`${op} holds more than ${maxNodes} values (the JSON value-count limit)`);
    }
  }
}
