// The conformance case in a server-side runtime (Node, Deno, Bun): prints its result as JSON. It
// never calls shutdown: the runtime must exit by itself (idle pool workers must not hold it).
//   deno run --allow-read scripts/ci/conformance-cli.mjs [backend]
import * as wg from '../../dist/index.js';
import { runCase } from './conformance-case.mjs';

const args = typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2);
const result = await runCase(wg, args[0] ? { backend: args[0] } : {});
console.log(JSON.stringify(result));
