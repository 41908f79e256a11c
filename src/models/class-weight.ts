// fit's classWeight (TF.js and Keras): each sample's loss times the weight of its class, averaged
// over the batch. A loss is a batch mean of per-sample values, so this is the loss of each class's
// rows weighted by w_c n_c / B: one loss call per class present in the batch, any loss function.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fromFlat } from '../creation.js';
import { add } from '../ops/binary.js';
import { scale } from '../ops/unary.js';
import { gather } from '../ops/shape.js';

/** A class index (as a number or its string) to its weight. */
export type ClassWeight = Record<string | number, number>;

/** Per output: its classWeight, from one map (a single output), a list (one per output) or a map by output name. */
export function classWeightsOf(op: string, given: unknown, outputNames: readonly string[]): (ClassWeight | null)[] {
  const none = outputNames.map(() => null);
  if (given === undefined || given === null) return none;
  const check = (cw: unknown, where: string): ClassWeight => {
    if (!cw || typeof cw !== 'object' || Array.isArray(cw)) throw new WasmgradError(msg`${op}: ${where} must map class indices to weights, got ${jsonOf(cw)}`);
    for (const [k, w] of Object.entries(cw)) {
      if (!/^\d+$/.test(k) || typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new WasmgradError(msg`${op}: ${where} maps class indices (whole numbers) to finite weights >= 0, got ${jsonOf(k)}: ${jsonOf(w)}`);
      }
    }
    return cw as ClassWeight;
  };
  if (Array.isArray(given)) {
    if (given.length !== outputNames.length) throw new WasmgradError(msg`${op}: classWeight lists ${given.length} maps for ${outputNames.length} outputs`);
    return given.map((cw, i) => (cw === null || cw === undefined ? null : check(cw, `classWeight[${i}]`)));
  }
  const keys = Object.keys(given as object);
  if (outputNames.length > 1 || (keys.length > 0 && keys.every((k) => outputNames.includes(k)))) {
    const map = given as Record<string, unknown>;
    for (const k of keys) if (!outputNames.includes(k)) throw new WasmgradError(msg`${op}: classWeight names '${k}', which is not an output (${outputNames.join(', ')})`);
    return outputNames.map((name) => (map[name] === undefined ? null : check(map[name], `classWeight.${name}`)));
  }
  return [check(given, 'classWeight')];
}

/** Each sample's class: the index of the largest of several columns (one-hot), else the label itself. */
function classesOf(op: string, y: Tensor): number[] {
  const B = y.rank === 0 ? 1 : y.shape[0];
  const per = B === 0 ? 0 : y.size / B;
  const v = y.dataSync();
  return Array.from({ length: B }, (_, b) => {
    if (per === 1) return Math.round(v[b]);
    let best = 0;
    for (let j = 1; j < per; j++) if (v[b * per + j] > v[b * per + best]) best = j;
    return best;
  });
}

/** The loss of a batch with class weights: sum over its classes c of w_c (n_c / B) loss(rows of c). */
export function classWeightedLoss(op: string, loss: (t: Tensor, p: Tensor) => Tensor, yTrue: Tensor, yPred: Tensor, cw: ClassWeight): Tensor {
  const classes = classesOf(op, yTrue);
  const B = classes.length;
  const rows = new Map<number, number[]>();
  classes.forEach((c, b) => {
    if (!Object.prototype.hasOwnProperty.call(cw, c)) throw new WasmgradError(msg`${op}: classWeight has no weight for class ${c}, which the training data has`);
    const list = rows.get(c);
    if (list) list.push(b);
    else rows.set(c, [b]);
  });
  let total: Tensor | null = null;
  for (const [c, list] of [...rows].sort((p, q) => p[0] - q[0])) {
    const idx = fromFlat(Int32Array.from(list), [list.length], 'int32');
    const term = scale(loss(gather(yTrue, idx), gather(yPred, idx)), (cw[c] * list.length) / B);
    total = total ? add(total, term) : term;
  }
  // an empty batch: the loss as it is (0)
  return total ?? loss(yTrue, yPred);
}
