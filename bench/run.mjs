// `npm run bench -- <name> [options]` runs bench/<name>.mjs (gemm, ops, conv, rnn, train, ...).
import { readdirSync } from 'node:fs';

const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('.'))
  .map((f) => f.slice(0, -4));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [--builds ...] [--threads 1,2] [--shapes ...] [--json] [--quick] [--no-tfjs]`);
  process.exit(name ? 1 : 0);
}
process.argv = [process.argv[0], new URL(`./${name}.mjs`, import.meta.url).pathname, ...rest];
await import(`./${name}.mjs`);
