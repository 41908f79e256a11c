// wg.io.*: safetensors for tensors, and the model artifacts' loader.
export { encodeSafetensors, decodeSafetensors } from './safetensors.js';
export { loadModel } from '../models/load.js';
export { MODEL_FILE, WEIGHTS_FILE, type ModelArtifacts, type ModelJson, type SaveOptions, type WeightSpec } from './model-io.js';
export { fromMemory, fromMemorySync, withSaveHandler, withSaveHandlerSync, fileSystem, http, TFJS_WEIGHTS_FILE, type IOHandler, type SaveResult } from './tfjs-io.js';
export type { TfjsArtifacts, TfjsWeightSpec } from './tfjs-format.js';
