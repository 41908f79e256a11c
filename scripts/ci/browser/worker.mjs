// The conformance case in a module Web Worker.
import * as wg from '/dist/index.js';
import { runCase } from '/scripts/ci/conformance-case.mjs';

runCase(wg).then(
  (r) => postMessage(r),
  (e) => postMessage({ error: `${e.name}: ${e.message}` }),
);
