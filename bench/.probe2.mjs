import { loadTfjs, tfjsWasmInfo, tfMatMulBench } from './lib/tfjs.mjs';
import { measure } from './lib/harness.mjs';
const t = +(process.argv[2] ?? 2);
const tf = await loadTfjs('wasm', { threads: t });
console.log(tfjsWasmInfo(), typeof globalThis.Worker);
for (const N of [128, 512]) { const f = tfMatMulBench(tf, N, N, N); console.log(N, 'err', f.check(), (f.flops / measure(f, {minTime: 0.3}).medianMs / 1e6).toFixed(1)); f.dispose(); }
await loadTfjs('cpu'); const f = tfMatMulBench(tf, 64, 64, 64); console.log('cpu err', f.check(), tf.getBackend()); f.dispose();
await loadTfjs('wasm'); console.log(tf.getBackend());
try { await loadTfjs('wasm', { threads: t + 1 }); } catch (e) { console.log('expected:', e.message); }
