// Runs an example's main() when the file is executed directly (node examples/xor.mjs), not when a
// test imports it; then stops the engine's workers.
import { pathToFileURL } from 'node:url';
import * as wg from 'wasmgrad';

export async function runIfMain(meta, main) {
  const entry = process.argv[1] ? pathToFileURL(process.argv[1]).href : '';
  if (meta.url !== entry) return;
  try {
    await main();
  } finally {
    await wg.shutdown();
  }
}
