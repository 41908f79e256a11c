import { loadTfjs } from './lib/tfjs.mjs';
import { measure } from './lib/harness.mjs';
const tf = await loadTfjs('wasm');
const a = tf.randomUniform([512, 512]);
const m1 = measure(() => tf.matMul(a, a).dispose(), { minTime: 0.5 });
const m2 = measure(() => { const c = tf.matMul(a, a); c.dataSync(); c.dispose(); }, { minTime: 0.5 });
const m3 = measure(() => { const c = tf.matMul(a, a); c.dispose(); }, { minTime: 0.5 });
console.log('dispose only', m1.medianMs.toFixed(3), 'with dataSync', m2.medianMs.toFixed(3), 'again', m3.medianMs.toFixed(3));
