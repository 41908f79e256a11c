// The recurrent sequence as one job, split by batch rows (no barrier) or by units (a stepped job, a
// barrier between steps): the same bits for 1 and 2 threads and either split, forward and
// backward, at odd sizes, with masking, recurrent dropout and other activations; the float64
// reference on every build; a worker that dies does not hang a sequence.
import { describe, test, expect, afterAll, afterEach } from 'vitest';
import * as wg from 'wasmgrad';
import { builds, useBuild, randomArray, bitsOf, expectClose, THREADED_BUILDS } from './helpers';
import { refRnn, GATES, type CellKind } from './rnn-ref';
import { lstmSequence, gruSequence, simpleRNNSequence, type SequenceOptions } from '../src/ops/rnn';
import { chooseSplit, setSequenceSplit, type SequenceSplit } from '../src/engine/drivers/rnn-steps';

afterAll(() => wg.shutdown());
afterEach(() => {
  setSequenceSplit();
});

const CELLS: CellKind[] = ['lstm', 'gru', 'gruResetBefore', 'simple'];
const UNITS = [1, 3, 16, 17, 129, 130];
const BATCHES = [1, 3, 33];
// forced splits ignore the size thresholds, so every size splits over the threads
const SPLITS: SequenceSplit[] = ['rows', 'units'];

interface Variant {
  mask: boolean;
  dropout: boolean;
  goBackwards: boolean;
  activation?: 'relu' | 'tanh';
}
// one variant per (units, batch) pair, so every option meets odd sizes without a full product
const VARIANTS: Variant[] = [
  { mask: false, dropout: false, goBackwards: false },
  { mask: true, dropout: false, goBackwards: true },
  { mask: true, dropout: true, goBackwards: false, activation: 'relu' },
];

/** The op of a cell on tensors: [y, hT] (and cT). */
function sequence(cell: CellKind, x: wg.Tensor, W: wg.Tensor, U: wg.Tensor, b: wg.Tensor | null, h0: wg.Tensor | null, o: SequenceOptions): wg.Tensor[] {
  if (cell === 'lstm') return lstmSequence(x, W, U, b, h0, h0, o);
  if (cell === 'simple') return simpleRNNSequence(x, W, U, b, h0, o);
  return gruSequence(x, W, U, b, h0, { ...o, resetAfter: cell === 'gru' });
}

/** Outputs and every gradient of sum(y^2) + sum(hT) (+ sum(cT)), as bit patterns. */
function runSequence(cell: CellKind, B: number, T: number, I: number, u: number, v: Variant, seed: number): Uint32Array[] {
  const G = GATES[cell] * u;
  const x = wg.tensor(randomArray(B * T * I, seed), [B, T, I]);
  const W = wg.tensor(randomArray(I * G, seed + 1, -0.5, 0.5), [I, G]);
  const U = wg.tensor(randomArray(u * G, seed + 2, -0.5, 0.5), [u, G]);
  const b = wg.tensor(randomArray(cell === 'gru' ? 2 * G : G, seed + 3), cell === 'gru' ? [2, G] : [G]);
  const h0 = wg.tensor(randomArray(B * u, seed + 4), [B, u]);
  const mask = v.mask ? Array.from({ length: B * T }, (_, i) => (i % 5 === 2 ? 0 : 1)) : null;
  const rm = v.dropout ? wg.tensor(Array.from({ length: B * u }, (_, i) => (i % 3 === 1 ? 0 : 1.5)), [B, u]) : null;
  const o: SequenceOptions = { returnSequences: true, mask, recurrentMask: rm, goBackwards: v.goBackwards, activation: v.activation };
  const f = (xx: wg.Tensor, WW: wg.Tensor, UU: wg.Tensor, bb: wg.Tensor, hh: wg.Tensor) => {
    const outs = sequence(cell, xx, WW, UU, bb, hh, o);
    let loss = wg.sum(wg.mul(outs[0], outs[0]));
    for (const t of outs.slice(1)) loss = wg.add(loss, wg.sum(t));
    return loss;
  };
  const before = wg.memory().numTensors;
  const outs = wg.tidy(() => {
    return sequence(cell, x, W, U, b, h0, o).map((t) => bitsOf(t.dataSync() as Float32Array));
  });
  const { value, grads } = wg.valueAndGrads(f)([x, W, U, b, h0]);
  const bits = [...outs, ...[value, ...grads].map((t) => bitsOf(t.dataSync() as Float32Array))];
  for (const t of [value, ...grads, x, W, U, b, h0, ...(rm ? [rm] : [])]) t.dispose();
  expect(wg.memory().numTensors).toBe(before - (rm ? 6 : 5));
  return bits;
}

describe.each(THREADED_BUILDS)('recurrent sequences on the %s build', (build) => {
  test.each(CELLS)('%s: outputs and gradients have the same bits for 1 and 2 threads, split by rows and by units, at units 1, 3, 16, 17, 129, 130 and batch 1, 3, 33', async (cell) => {
    const T = 4, I = 5;
    let k = 0;
    for (const u of UNITS) {
      for (const B of BATCHES) {
        const v = VARIANTS[k++ % VARIANTS.length];
        await useBuild(build, 1);
        const expected = runSequence(cell, B, T, I, u, v, 10 + u + B);
        await useBuild(build, 2);
        for (const split of SPLITS) {
          setSequenceSplit(split);
          const got = runSequence(cell, B, T, I, u, v, 10 + u + B);
          got.forEach((bits, i) => expect(bits, `${cell} units ${u} batch ${B} ${JSON.stringify(v)}, split by ${split}: result ${i}`).toEqual(expected[i]));
        }
        setSequenceSplit();
      }
    }
  });

  test('the split chosen by shape: rows when each thread gets a row block, units for a small batch with large steps, else the caller', async () => {
    await useBuild(build, 2);
    expect(chooseSplit(32, 32, 128, 4)).toEqual({ split: 'rows', parallel: true });
    expect(chooseSplit(8, 32, 128, 4)).toEqual({ split: 'rows', parallel: true });
    expect(chooseSplit(4, 32, 512, 4)).toEqual({ split: 'units', parallel: true });
    expect(chooseSplit(1, 32, 1024, 4)).toEqual({ split: 'units', parallel: true });
    expect(chooseSplit(2, 32, 16, 4)).toEqual({ split: 'rows', parallel: false });
    // a whole sequence too small to pay for one dispatch
    expect(chooseSplit(8, 2, 8, 1)).toEqual({ split: 'rows', parallel: false });
    await useBuild(build, 1);
    expect(chooseSplit(32, 32, 128, 4)).toEqual({ split: 'rows', parallel: false });
  });

  test.each(SPLITS)('a worker terminated from outside during a sequence split by %s: the caller runs its share, same bits', async (split) => {
    await useBuild(build, 1);
    const expected = runSequence('lstm', 9, 40, 6, 33, VARIANTS[0], 7);
    await useBuild(build, 2);
    setSequenceSplit(split);
    const pool = wg._engine().pool;
    const [w] = pool.workerHandles;
    void (w.terminate() as Promise<number>); // the sequence runs before the pool hears of the exit
    const t0 = performance.now();
    const got = runSequence('lstm', 9, 40, 6, 33, VARIANTS[0], 7);
    expect(performance.now() - t0).toBeLessThan(20_000);
    got.forEach((bits, i) => expect(bits, `result ${i}`).toEqual(expected[i]));
    await new Promise((r) => setTimeout(r, 200));
    await pool.ready();
  });
});

describe.each(builds())('recurrent sequences on the %s build: the float64 reference', (build) => {
  test.each(CELLS)('%s at units 17 and 130, batch 9, masked, split by rows and by units', async (cell) => {
    await useBuild(build, THREADED_BUILDS.includes(build) ? 2 : 1);
    for (const [u, split] of [[17, 'rows'], [17, 'units'], [130, 'rows'], [130, 'units']] as const) {
      setSequenceSplit(split);
      const [B, T, I] = [9, 4, 5];
      const G = GATES[cell] * u;
      const xs = randomArray(B * T * I, 1), Ws = randomArray(I * G, 2, -0.5, 0.5), Us = randomArray(u * G, 3, -0.5, 0.5);
      const bs = randomArray(cell === 'gru' ? 2 * G : G, 4);
      const mask = Array.from({ length: B * T }, (_, i) => (i % 5 === 2 ? 0 : 1));
      const ref = refRnn(cell, B, T, I, u, Float64Array.from(xs), Float64Array.from(Ws), Float64Array.from(Us), Float64Array.from(bs), null, null, { returnSequences: true, mask });
      wg.tidy(() => {
        const x = wg.tensor(xs, [B, T, I]), W = wg.tensor(Ws, [I, G]), U = wg.tensor(Us, [u, G]);
        const b = wg.tensor(bs, cell === 'gru' ? [2, G] : [G]);
        const outs = sequence(cell, x, W, U, b, null, { returnSequences: true, mask });
        expectClose(outs[0].dataSync() as Float32Array, ref.y, 2e-5);
        expectClose(outs[1].dataSync() as Float32Array, ref.h, 2e-5);
      });
    }
  });
});
