// What the recurrent layers (recurrent.ts) and the cells (cells.ts, conv-lstm.ts) share: their
// common arguments and Keras's unit forget bias.
import { tensor, fill } from '../creation.js';
import { getInitializer, type Initializer } from '../initializers.js';
import type { LayerArgs, Regularizer } from './layer.js';

type InitSpec = Initializer | string;

/** Keras's unit forget bias: [base(u), ones(u), base(2u)] (the LSTM layers' and cells' when unitForgetBias). */
export function unitForgetBiasInit(baseSpec: InitSpec | undefined, units: number): Initializer {
  const base = getInitializer(baseSpec, 'zeros');
  const init = (shape: number[]) => {
    const parts = [base([units]), fill([units], 1), base([2 * units])];
    const values = new Float32Array(4 * units);
    let off = 0;
    for (const p of parts) {
      values.set(p.dataSync() as Float32Array, off);
      off += p.size;
      p.dispose();
    }
    return tensor(values, shape);
  };
  return Object.assign(init, { className: 'UnitForgetBias', config: {} });
}

/** What a recurrent layer and a recurrent cell both take: units, weights, and dropout. */
export interface RecurrentUnitArgs extends LayerArgs {
  units: number;
  useBias?: boolean;
  kernelInitializer?: InitSpec;
  recurrentInitializer?: InitSpec;
  biasInitializer?: InitSpec;
  kernelRegularizer?: Regularizer | null;
  recurrentRegularizer?: Regularizer | null;
  biasRegularizer?: Regularizer | null;
  /** Fraction of the inputs dropped in training (one mask for every step of a sequence). */
  dropout?: number;
  /** Fraction of the recurrent state dropped in training (one mask for every step of a sequence). */
  recurrentDropout?: number;
  /** Seeds the dropout masks (each call draws new ones, reproducibly). */
  seed?: number;
}
