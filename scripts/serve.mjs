// A small static server on 127.0.0.1 for the pages that run wasmgrad in a browser (the playground, the
// browser tests): it serves only the folders it is given, with the cross-origin isolation headers
// (COOP/COEP) that SharedArrayBuffer, and so wasmgrad's threads, need. `isolated: false` leaves them
// out, for testing the single-threaded path.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
};
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Starts a server for the folders `mounts` (URL prefix -> folder below the repository) on 127.0.0.1.
 * Resolves to { url, close }; port 0 picks a free port.
 */
export async function serve({ mounts, index = '/', port = 0, isolated = true }) {
  const roots = Object.entries(mounts).map(([prefix, dir]) => [prefix, resolve(root, dir)]);
  const server = createServer(async (req, res) => {
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
      : {};
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (path === '/') {
        res.writeHead(302, { Location: index, ...headers }).end();
        return;
      }
      const mount = roots.find(([prefix]) => path.startsWith(prefix));
      if (!mount) throw Object.assign(new Error('not found'), { status: 404 });
      let file = resolve(mount[1], '.' + path.slice(mount[0].length - 1));
      if (file !== mount[1] && !file.startsWith(mount[1] + sep)) throw Object.assign(new Error('forbidden'), { status: 403 });
      if ((await stat(file)).isDirectory()) file = resolve(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    } catch (err) {
      const status = err.status ?? (err.code === 'ENOENT' ? 404 : 500);
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers }).end(String(status));
    }
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', ok));
  const { port: actual } = server.address();
  return { url: `http://127.0.0.1:${actual}`, close: () => new Promise((ok) => server.close(ok)) };
}
