// Metrics, Keras semantics. Inside fit and evaluate a metric is a running accumulator over the
// epoch (sums and counts read from the batch's predictions: a few hundred numbers per batch, cheaper
// in JavaScript than as engine ops); wg.metrics.* are the same computations as scalar tensors.
//   binaryAccuracy             mean over elements of [(p > 0.5) == (t > 0.5)]
//   categoricalAccuracy        mean over rows of [argmax p == argmax t]
//   sparseCategoricalAccuracy  mean over rows of [argmax p == t] (t: class ids)
//   precision, recall          TP / predicted positives, TP / actual positives (threshold 0.5),
//                              accumulated over the epoch, not averaged over batches
//   mse, mae                   mean over elements of (p - t)^2, |p - t|
// 'accuracy' ('acc') picks the variant from the loss and shapes, as Keras: binary when the loss is
// binary cross-entropy or the output has one unit; sparse when the loss is sparse categorical
// cross-entropy or the targets have one value per row; categorical otherwise.
import { WasmgradError, fmtShape, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { ownEntry } from '../util/lookup.js';
import { scalar } from '../creation.js';
import { checkTensor } from '../ops/util.js';
import { noGrad } from '../tape.js';
import { getLoss, lossName, type LossFn } from '../losses.js';

export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** A running metric over batches. */
export interface Accumulator {
  update(yTrue: Tensor, yPred: Tensor): void;
  result(): number;
  reset(): void;
}

type Kind = 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy' | 'precision' | 'recall' | 'mse' | 'mae';

const KINDS: Record<string, Kind | 'accuracy'> = {
  accuracy: 'accuracy', acc: 'accuracy',
  binaryaccuracy: 'binaryAccuracy', categoricalaccuracy: 'categoricalAccuracy', sparsecategoricalaccuracy: 'sparseCategoricalAccuracy',
  precision: 'precision', recall: 'recall',
  mse: 'mse', meansquarederror: 'mse', mae: 'mae', meanabsoluteerror: 'mae',
};

const rowsOf = (shape: readonly number[]) => (shape.length === 0 ? 1 : shape.slice(0, -1).reduce((a, b) => a * b, 1));

function checkSame(name: string, t: Tensor, p: Tensor): void {
  if (t.size !== p.size) throw new WasmgradError(msg`${name}: yTrue ${fmtShape(t.shape)} and yPred ${fmtShape(p.shape)} must have the same number of values`);
}

/** Sums and counts of one batch for a built-in metric kind: [numerator, denominator]. */
function batchStats(kind: Kind, yTrue: Tensor, yPred: Tensor): [number, number] {
  const t = yTrue.dataSync();
  const p = yPred.dataSync();
  switch (kind) {
    case 'binaryAccuracy': {
      checkSame(kind, yTrue, yPred);
      let ok = 0;
      for (let i = 0; i < p.length; i++) if (p[i] > 0.5 === t[i] > 0.5) ok++;
      return [ok, p.length];
    }
    case 'categoricalAccuracy':
    case 'sparseCategoricalAccuracy': {
      const n = yPred.rank === 0 ? 1 : yPred.shape[yPred.rank - 1];
      const rows = rowsOf(yPred.shape);
      const sparse = kind === 'sparseCategoricalAccuracy';
      if (sparse ? t.length !== rows : t.length !== p.length) {
        throw new WasmgradError(msg`${kind}: yTrue ${fmtShape(yTrue.shape)} does not fit yPred ${fmtShape(yPred.shape)}${sparse ? ' (expected one class id per row)' : ''}`);
      }
      let ok = 0;
      for (let r = 0; r < rows; r++) {
        const o = r * n;
        let bp = 0;
        for (let j = 1; j < n; j++) if (p[o + j] > p[o + bp]) bp = j;
        let bt: number;
        if (sparse) bt = t[r];
        else {
          bt = 0;
          for (let j = 1; j < n; j++) if (t[o + j] > t[o + bt]) bt = j;
        }
        if (bp === bt) ok++;
      }
      return [ok, rows];
    }
    case 'precision':
    case 'recall': {
      checkSame(kind, yTrue, yPred);
      let tp = 0, den = 0;
      for (let i = 0; i < p.length; i++) {
        const pp = p[i] > 0.5, tt = t[i] > 0.5;
        if (pp && tt) tp++;
        if (kind === 'precision' ? pp : tt) den++;
      }
      return [tp, den];
    }
    case 'mse':
    case 'mae': {
      checkSame(kind, yTrue, yPred);
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const d = p[i] - t[i];
        s += kind === 'mse' ? d * d : Math.abs(d);
      }
      return [s, p.length];
    }
  }
}

class RatioAccumulator implements Accumulator {
  private num = 0;
  private den = 0;
  constructor(private readonly kind: Kind) {}
  update(yTrue: Tensor, yPred: Tensor): void {
    const [a, b] = batchStats(this.kind, yTrue, yPred);
    this.num += a;
    this.den += b;
  }
  result(): number {
    return this.den === 0 ? 0 : this.num / this.den;
  }
  reset(): void {
    this.num = this.den = 0;
  }
}

/** Any function (yTrue, yPred) => scalar tensor (a loss, or the user's): its mean weighted by batch size. */
class MeanAccumulator implements Accumulator {
  private sum = 0;
  private count = 0;
  constructor(private readonly fn: MetricFn, private readonly name: string) {}
  update(yTrue: Tensor, yPred: Tensor): void {
    const v = noGrad(() => this.fn(yTrue, yPred));
    if (!(v instanceof Tensor)) throw new WasmgradError(msg`metric '${this.name}' must return a Tensor, got ${typeof v}`);
    const values = v.dataSync();
    v.dispose();
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i];
    const n = yPred.rank === 0 ? 1 : yPred.shape[0];
    this.sum += (s / Math.max(1, values.length)) * n;
    this.count += n;
  }
  result(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
  reset(): void {
    this.sum = this.count = 0;
  }
}

/** The accuracy variant 'accuracy' means for this loss and these shapes. */
export function accuracyKind(loss: LossFn | undefined, yTrue: Tensor, yPred: Tensor): Kind {
  const name = loss ? lossName(loss) : undefined;
  const last = yPred.rank === 0 ? 1 : yPred.shape[yPred.rank - 1];
  if (name === 'binaryCrossentropy' || name === 'sigmoidCrossEntropy' || last === 1) return 'binaryAccuracy';
  if (name === 'sparseCategoricalCrossentropy' || name === 'sparseSoftmaxCrossEntropy' || yTrue.size * last === yPred.size && yTrue.size !== yPred.size) {
    return 'sparseCategoricalAccuracy';
  }
  return 'categoricalAccuracy';
}

/** 'accuracy' resolved at its first batch (it needs the shapes). */
class AccuracyAccumulator implements Accumulator {
  private inner: RatioAccumulator | null = null;
  constructor(private readonly loss: LossFn | undefined) {}
  update(yTrue: Tensor, yPred: Tensor): void {
    this.inner ??= new RatioAccumulator(accuracyKind(this.loss, yTrue, yPred));
    this.inner.update(yTrue, yPred);
  }
  result(): number {
    return this.inner ? this.inner.result() : 0;
  }
  reset(): void {
    this.inner?.reset();
  }
}

/** A metric as compile takes it: its log name and a factory of accumulators. */
export interface MetricSpec {
  name: string;
  make(): Accumulator;
}

/** A metric by name ('accuracy', 'acc', 'mse', 'precision', any loss name) or function, for the output with this loss. */
export function getMetric(m: string | MetricFn, loss: LossFn | undefined): MetricSpec {
  if (typeof m === 'function') {
    const name = m.name || 'metric';
    return { name, make: () => new MeanAccumulator(m, name) };
  }
  if (typeof m !== 'string') throw new WasmgradError(msg`compile: a metric must be a name or a function, got ${typeof m}`);
  const kind = ownEntry(KINDS, m.toLowerCase().replace(/_/g, ''));
  if (kind === 'accuracy') return { name: m, make: () => new AccuracyAccumulator(loss) };
  if (kind) return { name: m, make: () => new RatioAccumulator(kind) };
  let fn: LossFn;
  try {
    fn = getLoss(m);
  } catch {
    throw new WasmgradError(msg`unknown metric '${m}'; expected accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, precision, recall, mse, mae, a loss name, or a function`);
  }
  return { name: m, make: () => new MeanAccumulator(fn, m) };
}

function asTensor(kind: Kind): MetricFn {
  const f = (yTrue: Tensor, yPred: Tensor) => {
    checkTensor(yTrue, `metrics.${kind}`, 'yTrue');
    checkTensor(yPred, `metrics.${kind}`, 'yPred');
    const [a, b] = batchStats(kind, yTrue, yPred);
    return scalar(b === 0 ? 0 : a / b);
  };
  Object.defineProperty(f, 'name', { value: kind });
  return f;
}

// wg.metrics.*: each returns a scalar tensor over the whole batch.
export const binaryAccuracy = asTensor('binaryAccuracy');
export const categoricalAccuracy = asTensor('categoricalAccuracy');
export const sparseCategoricalAccuracy = asTensor('sparseCategoricalAccuracy');
export const precision = asTensor('precision');
export const recall = asTensor('recall');
export const meanSquaredError = asTensor('mse');
export const meanAbsoluteError = asTensor('mae');
export const mse = meanSquaredError;
export const mae = meanAbsoluteError;
