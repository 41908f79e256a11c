import * as wg from 'wasmgrad';
await wg.init({ threads: Number(process.env.T ?? 2) });
const mk = () => wg.sequential({ layers: [
  wg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }),
  wg.layers.dense({ units: 128, activation: 'relu' }),
  wg.layers.dense({ units: 10, activation: 'softmax' }),
]});
const N = 8192, B = Number(process.env.B ?? 64);
const x = wg.randomUniform([N, 784]);
const y = wg.oneHot(wg.tensor(Int32Array.from({ length: N }, (_, i) => i % 10), [N], 'int32'), 10);
for (let r = 0; r < 2; r++) {
  const m = mk();
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  let t0 = performance.now();
  await m.fit(x, y, { epochs: 2, batchSize: B, verbose: 0 });
  console.log('fit samples/s', ((2 * N) / ((performance.now() - t0) / 1000)).toFixed(0));
  // raw loop
  const opt = wg.optimizers.adam();
  const vars = m.trainableWeights;
  const xb = wg.gather(x, Array.from({ length: B }, (_, i) => i)), yb = wg.gather(y, Array.from({ length: B }, (_, i) => i));
  t0 = performance.now();
  const steps = (2 * N) / B;
  for (let i = 0; i < steps; i++) wg.tidy(() => { opt.minimize(() => wg.losses.categoricalCrossentropy(yb, m.apply(xb, { training: true })), vars).dataSync(); });
  console.log('raw samples/s', ((2 * N) / ((performance.now() - t0) / 1000)).toFixed(0));
}
await wg.shutdown();
