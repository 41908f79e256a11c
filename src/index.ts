// The public API, exactly as API.md names it.
export { WasmgradError } from './errors.js';
export { init, backendInfo, setThreads, shutdown, memory } from './engine/state.js';
export type { BackendInfo, InitOptions, BuildName } from './engine/engine.js';
export { Tensor, tidy, keep, type DType } from './tensor.js';
export { tensor, scalar, zeros, ones, fill } from './creation.js';
export { matMul } from './ops/matmul.js';
