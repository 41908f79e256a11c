// tf.layers: wasmgrad's layers with TensorFlow.js's defaults where they differ from Keras 3's:
// recurrent layers use the hard sigmoid for their gates, no unit forget bias, and GRU resets
// before the recurrent product (resetAfter: false); kernels start glorotNormal; a bidirectional
// layer's masked steps do not output zeros. The cells follow the same defaults.
import * as base from '../layers/index.js';

type Args<F> = F extends (args: infer A) => unknown ? A : never;

function withDefaults<F extends (args: never) => unknown>(factory: F, defaults: Record<string, unknown>): F {
  return ((args: Args<F> = {} as Args<F>) => factory({ ...defaults, ...(args as object) } as never)) as unknown as F;
}

const kernel = { kernelInitializer: 'glorotNormal' };
export * from '../layers/index.js';
export const dense = withDefaults(base.dense, kernel);
export const conv1d = withDefaults(base.conv1d, kernel);
export const conv2d = withDefaults(base.conv2d, kernel);
export const conv2dTranspose = withDefaults(base.conv2dTranspose, kernel);
export const conv3d = withDefaults(base.conv3d, kernel);
export const conv3dTranspose = withDefaults(base.conv3dTranspose, kernel);
export const simpleRNN = withDefaults(base.simpleRNN, kernel);
export const lstm = withDefaults(base.lstm, { ...kernel, recurrentActivation: 'hardSigmoid', unitForgetBias: false });
export const gru = withDefaults(base.gru, { ...kernel, recurrentActivation: 'hardSigmoid', resetAfter: false });
const tfjsGates = { ...kernel, recurrentActivation: 'hardSigmoid', unitForgetBias: false };
export const lstmCell = withDefaults(base.lstmCell, tfjsGates);
export const gruCell = withDefaults(base.gruCell, { ...kernel, recurrentActivation: 'hardSigmoid', resetAfter: false });
export const simpleRNNCell = withDefaults(base.simpleRNNCell, kernel);
export const convLstm2dCell = withDefaults(base.convLstm2dCell, tfjsGates);
export const convLstm2d = withDefaults(base.convLstm2d, tfjsGates);
// TF.js's Bidirectional leaves each half repeating its previous output at masked steps
export const bidirectional = withDefaults(base.bidirectional, { zeroOutputForMask: false });

/**
 * TF.js's tf.layers.RNN: `new tf.layers.RNN({ cell })` is the generic layer over a cell, and the
 * fused lstm, gru and simpleRNN layers count as RNNs too (`instanceof`), as in TF.js where they
 * subclass it.
 */
export class RNN extends base.CellRNN {
  static [Symbol.hasInstance](x: unknown): boolean {
    return x instanceof base.CellRNN || x instanceof base.RNN;
  }
}
