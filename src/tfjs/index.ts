// `import * as tf from 'wasmgrad/tfjs'`: TensorFlow.js 4.22's names, argument orders and defaults
// on wasmgrad's engine, so TF.js code runs by changing only its import. Importing this module
// starts the engine (top-level await), so code that never calls tf.ready() works. Where TF.js and
// Keras 3 disagree, this entry follows TF.js; the root entry ('wasmgrad') follows Keras 3.
import '../tensor-methods.js';
import { init } from '../engine/state.js';
import type { SequentialArgs, ModelArgs } from '../models/index.js';
import { loadModel as loadAny } from '../models/load.js';
import { WasmgradError, msg } from '../errors.js';

export * from '../ops/index.js';
export {
  ready, setBackend, getBackend, backend, nextFrame, enableProdMode, disposeVariables, version, version_core, env, ENV, dispose,
  tensor, scalar, tensor1d, tensor2d, tensor3d, tensor4d, tensor5d, tensor6d, zeros, ones, zerosLike, onesLike, fillTensor as fill, variable,
  randomUniform, randomNormal, truncatedNormal, dropout, argMax, argMin, conv1d, conv2d, depthwiseConv2d, pow, floorDiv, oneHot, range, print, grad, grads,
} from './core.js';
export * from './extra-ops.js';
export { image, math } from './image.js';
export { linalg, signal } from './linalg.js';
export * as browser from './browser.js';
import { maxNorm, minMaxNorm, nonNeg, unitNorm } from '../constraints.js';
/** tf.constraints: weight projections for kernelConstraint, biasConstraint ... */
export const constraints = { maxNorm, minMaxNorm, nonNeg, unitNorm };
export { conv3d, conv3dTranspose, maxPool3d, avgPool3d, dilation2d, maxPoolWithArgmax } from './ops3d.js';
export * from './index-ops.js';
export * from './cells.js';
export { profile, engine, enableDebugMode, registerCallbackConstructor, tfjsMemory as memory, type ProfileInfo, type KernelInfo } from './engine.js';
export { stridedSlice } from './strided-slice.js';
export { WasmgradError } from '../errors.js';
export { Tensor, tidy, keep, type DType } from '../tensor.js';
export { TensorBuffer, buffer } from '../tensor-buffer.js';
export { valueAndGrad, valueAndGrads } from '../gradients.js';
export { variableGrads, Variable } from '../variables.js';
export { fusedMatMul } from '../ops/matmul.js';
export { input } from '../layers/input.js';
export { SymbolicTensor, Layer } from '../layers/layer.js';
export { Callback, History } from '../models/index.js';
export { callbacks } from '../models/index.js';
export { CustomCallback } from './callbacks.js';
export { Dataset } from '../data/dataset.js';
export * as data from '../data/index.js';
export * as layers from './layers.js';
export * as serialization from '../layers/serialization.js';
export * as train from './train.js';
import * as lossFunctions from './losses.js';
import * as metricFunctions from './metrics.js';
import { withTensorArguments } from './tensor-args.js';
// labels and predictions (and weights: a number too) as arrays or tensors
export const losses = withTensorArguments('losses', lossFunctions, (name) =>
  name === 'cosineDistance' ? ['0', '1', '3n'] : name === 'computeWeightedLoss' ? ['0', '1n'] : ['0', '1', '2n']);
export const metrics = withTensorArguments('metrics', metricFunctions, () => ['0', '1']);
import * as utilHelpers from './util.js';
import { checkedUtil } from './util-args.js';
export const util = checkedUtil(utilHelpers);
export * as io from '../io/index.js';
export * as initializers from '../initializers.js';
export * as regularizers from '../regularizers.js';
export { Reduction } from './losses.js';

import { asTfjs, LayersModel, Sequential } from './models.js';
export { LayersModel, Sequential };

export const sequential = (args?: SequentialArgs): Sequential => new Sequential(args);
export const model = (args: ModelArgs): LayersModel => new LayersModel(args);

/** tf.loadLayersModel: TF.js's format (or wasmgrad's) from a URL, a path, or an IO handler. */
export async function loadLayersModel(pathOrIOHandler: unknown, options: { strict?: boolean } = {}): Promise<LayersModel> {
  return asTfjs(await loadAny(pathOrIOHandler, options));
}

/**
 * tf.models.modelFromJSON: a model from a topology (model.toJSON's, parsed, or { modelTopology }),
 * its weights initialized. Weights listed by a manifest are files to fetch: loadLayersModel reads those.
 */
async function modelFromJSON(json: unknown): Promise<LayersModel> {
  const record = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : null;
  if (record && record.weightsManifest !== undefined && record.weightsManifest !== null) {
    throw new WasmgradError('models.modelFromJSON: a weightsManifest names weight files; load the model with tf.loadLayersModel(url or handler) instead');
  }
  const topology = record && 'modelTopology' in record ? record.modelTopology : json;
  if (topology === null || typeof topology !== 'object') throw new WasmgradError(msg`models.modelFromJSON: expected a model topology object, got ${topology === null ? 'null' : typeof topology}`);
  return loadLayersModel({ load: async () => ({ modelTopology: topology }) });
}

/** tf.models. */
export const models = { modelFromJSON };

await init();
