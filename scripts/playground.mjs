// npm run playground [-- --port 8080]: serves the playground page (playground/) and the built library
// (dist/) on 127.0.0.1 with cross-origin isolation, so wasmgrad trains with threads in the page.
import { existsSync } from 'node:fs';
import { serve } from './serve.mjs';

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error('wasmgrad playground: the library is not built yet: run `npm run build` (npm install does it too)');
  process.exit(1);
}

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
const { url } = await serve({ mounts: { '/playground/': 'playground', '/dist/': 'dist' }, index: '/playground/', port });
console.log(`wasmgrad playground: ${url}/playground/  (Ctrl-C to stop)`);
