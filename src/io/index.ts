// wg.io.*: safetensors for tensors, and the model artifacts' loader.
export { encodeSafetensors, decodeSafetensors } from './safetensors.js';
export { loadModel } from '../models/load.js';
export { MODEL_FILE, WEIGHTS_FILE, type ModelArtifacts, type ModelJson, type SaveOptions, type WeightSpec } from './model-io.js';
export {
  fromMemory, fromMemorySync, withSaveHandler, withSaveHandlerSync, fileSystem, http, http as browserHTTPRequest, TFJS_WEIGHTS_FILE,
  registerLoadRouter, registerSaveRouter, getLoadHandlers, getSaveHandlers, type IOHandler, type IORouter, type SaveResult,
} from './tfjs-io.js';
export {
  CompositeArrayBuffer, concatenateArrayBuffers, encodeWeights, decodeWeights, decodeWeightsStream, getWeightSpecs, isHTTPScheme,
  getModelArtifactsForJSON, getModelArtifactsForJSONSync, getModelArtifactsInfoForJSON, weightsLoaderFactory, loadWeights, browserFiles,
} from './tfjs-weights.js';
export { listModels, copyModel, moveModel, removeModel } from './browser-stores.js';
export type { TfjsArtifacts, TfjsWeightSpec } from './tfjs-format.js';
