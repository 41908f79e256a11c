const wg = await import('wasmgrad');
await wg.init({ threads: 1 });
const m = wg.sequential({ layers: [wg.layers.gru({ units: 128, resetAfter: true, inputShape: [32, 64] })] });
const x = wg.randomUniform([1, 32, 64], -1, 1);
for (let i = 0; i < 5; i++) m.predict(x).dispose();
console.log(JSON.stringify(m.plans.describe()));
await wg.shutdown();
