const wg = await import('wasmgrad');
await wg.init({ threads: 1 });
const time = (f) => { for (let i = 0; i < 1000; i++) f(); const t = []; for (let r = 0; r < 3000; r++) { const t0 = performance.now(); f(); t.push(performance.now() - t0); } t.sort((a, b) => a - b); return (t[t.length >> 1] * 1000).toFixed(1) + 'us(p25 ' + (t[t.length >> 2] * 1000).toFixed(1) + ')'; };
const d = wg.sequential({ layers: [wg.layers.dense({ units: 384, inputShape: [64] })] });
const x32 = wg.randomUniform([32, 64], -1, 1);
const d2 = wg.sequential({ layers: [wg.layers.dense({ units: 384, inputShape: [128] })] });
const x1 = wg.randomUniform([1, 128], -1, 1);
console.log('proj 32x64x384', time(() => d.predict(x32).dispose()), 'rec step 1x128x384', time(() => d2.predict(x1).dispose()));
await wg.shutdown();
