// Cold start, run in a fresh process by bench/train.mjs: import, init, build a small model, first
// predict. Prints { ms, sinceStart, backend } as JSON. Argument: init options as JSON (default {}).
const t0 = performance.now();
const wg = await import('wasmgrad');
await wg.init(JSON.parse(process.argv[2] ?? '{}'));
const m = wg.sequential({ layers: [wg.layers.dense({ units: 32, activation: 'relu', inputShape: [16] }), wg.layers.dense({ units: 4, activation: 'softmax' })] });
const y = m.predict(wg.ones([1, 16]));
y.dataSync();
const t1 = performance.now();
console.log(JSON.stringify({ ms: t1 - t0, sinceStart: t1, backend: wg.backendInfo().backend }));
await wg.shutdown();
