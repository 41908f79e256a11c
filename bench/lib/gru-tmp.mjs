const wg = await import('wasmgrad');
await wg.init({ threads: 1 });
const m = wg.sequential({ layers: [wg.layers.gru({ units: 128, resetAfter: true, inputShape: [32, 64] })] });
const x = wg.randomUniform([1, 32, 64], -1, 1);
for (let i = 0; i < 500; i++) m.predict(x).dispose();
const t = [];
for (let i = 0; i < 3000; i++) { const t0 = performance.now(); m.predict(x).dispose(); t.push(performance.now() - t0); }
t.sort((a, b) => a - b);
const q = (p) => t[Math.floor(p * t.length)].toFixed(4);
console.log(wg.backendInfo().backend, 'p10', q(0.1), 'p25', q(0.25), 'p50', q(0.5), 'p75', q(0.75), 'p90', q(0.9));
await wg.shutdown();
