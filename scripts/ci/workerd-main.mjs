// The conformance worker for workerd, importing wasmgrad as README says:
// the .wasm as a module, passed to init. /no-wasm checks the error init() gives without it.
import * as wg from 'wasmgrad';
import wasm from 'wasmgrad/wasm/wasmgrad-simd.wasm';
import { runCase } from './conformance-case.mjs';

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/no-wasm') {
      try {
        const info = await wg.init();
        return Response.json({ unexpected: info });
      } catch (err) {
        return Response.json({ name: err?.name, message: err?.message });
      }
    }
    try {
      // Whether process.versions.node is set here (nodejs_compat): detection must not be fooled by it.
      const nodeVersion = globalThis.process?.versions?.node ?? null;
      return Response.json({ ...(await runCase(wg, { wasm })), nodeVersion });
    } catch (err) {
      return new Response(`${err?.name}: ${err?.message}\n${err?.stack}`, { status: 500 });
    }
  },
};
