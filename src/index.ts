// The public API, exactly as API.md names it.
export { WasmgradError } from './errors.js';
export { init, ready, backendInfo, setThreads, shutdown } from './engine/state.js';
export type { BackendInfo, InitOptions, BuildName } from './engine/engine.js';
export type { RuntimeName } from './engine/detect.js';
export { Tensor, tidy, keep, memory, type DType } from './tensor.js';
import './tensor-methods.js';
export { TensorBuffer, buffer } from './tensor-buffer.js';
export { tensor, scalar, zeros, ones, fill } from './creation.js';
export { setDebug } from './debug.js';
export { noGrad } from './tape.js';
export { seededRandom } from './util/seeded.js';
export { grad, grads, valueAndGrads, valueAndGrad } from './gradients.js';
export { variable, variableGrads, Variable } from './variables.js';
export * from './ops/index.js';
export * as layers from './layers/index.js';
export * as serialization from './layers/serialization.js';
export * as initializers from './initializers.js';
export { fusedMatMul } from './ops/matmul.js';
export * as losses from './losses.js';
export * as optimizers from './optimizers/index.js';
export * as schedules from './schedules.js';
export * as regularizers from './regularizers.js';
/** Unstable: the engine itself (kernel table, allocator, pool), for benchmarks and kernel tests. */
export { engine as _engine } from './engine/state.js';
// Layers and models (src/models/, src/io/)
export { input } from './layers/input.js';
export { SymbolicTensor, Layer } from './layers/layer.js';
export { sequential, model, LayersModel, Sequential, callbacks, metrics, Callback, History } from './models/index.js';
export type { CompileArgs, FitArgs, EvaluateArgs, PredictArgs, Logs, CustomCallbackArgs } from './models/index.js';
export { loadModel, loadModel as loadLayersModel } from './models/load.js';
export * as io from './io/index.js';
export * as data from './data/index.js';
export * as classic from './classic/index.js';
