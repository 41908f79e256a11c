import { measure, crossCheckBenchmarkJs } from './lib/harness.mjs';
import { loadTfjs, tfMatMulBench } from './lib/tfjs.mjs';
const tf = await loadTfjs('wasm');
for (const [N, fresh] of [[64,false],[64,true],[256,true],[256,false]]) {
  const fn = tfMatMulBench(tf, N, N, N, false, false, { freshB: fresh });
  for (let r = 0; r < 4; r++) {
    const m = measure(fn, { minTime: 1, runs: 10 });
    console.log(N, fresh ? 'fresh' : 'same', 'median', m.medianMs.toFixed(4), 'runs', m.runs.map(x=>x.toFixed(4)).join(' '), 'mem', tf.memory().numTensors, (tf.backend().wasm.HEAPU8.length/2**20).toFixed(0)+'MB');
  }
  const c = crossCheckBenchmarkJs(fn, { maxTime: 1 });
  console.log('  bjs', c);
  fn.dispose();
}
