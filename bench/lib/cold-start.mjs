// Cold start, run in a fresh process by bench/cold.mjs and bench/train.mjs: import, init, build a
// small model, first predict. Prints { ms, sinceStart, backend, phases: { import, init, model,
// predict } } as JSON. Argument: init options as JSON (default {}).
const t0 = performance.now();
const wg = await import('wasmgrad');
const t1 = performance.now();
await wg.init(JSON.parse(process.argv[2] ?? '{}'));
const t2 = performance.now();
const m = wg.sequential({ layers: [wg.layers.dense({ units: 32, activation: 'relu', inputShape: [16] }), wg.layers.dense({ units: 4, activation: 'softmax' })] });
const t3 = performance.now();
const y = m.predict(wg.ones([1, 16]));
y.dataSync();
const t4 = performance.now();
const phases = { import: t1 - t0, init: t2 - t1, model: t3 - t2, predict: t4 - t3 };
console.log(JSON.stringify({ ms: t4 - t0, sinceStart: t4, backend: wg.backendInfo().backend, phases }));
await wg.shutdown();
