// The public API, exactly as API.md names it.
export { WasmgradError } from './errors.js';
export { init, backendInfo, setThreads, shutdown, memory } from './engine/state.js';
export type { BackendInfo, InitOptions, BuildName } from './engine/engine.js';
export { Tensor, tidy, keep, type DType } from './tensor.js';
export { tensor, scalar, zeros, ones, fill } from './creation.js';
export { setDebug } from './debug.js';
export { noGrad } from './tape.js';
export { grad, grads, valueAndGrads, valueAndGrad } from './gradients.js';
export { variable, variableGrads, Variable } from './variables.js';
export * from './ops/index.js';
export * as layers from './layers/index.js';
export * as initializers from './initializers.js';
export { fusedMatMul } from './ops/matmul.js';
