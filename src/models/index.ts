// Models: wg.sequential, wg.model, wg.input, wg.callbacks, wg.metrics (the public part of src/models/).
export { LayersModel, model, type ModelArgs, type NamedWeight } from './model.js';
export { Sequential, sequential, type SequentialArgs } from './sequential.js';
export type { CompileArgs, FitArgs, EvaluateArgs, PredictArgs, ModelInput, ModelTarget } from './training.js';
export { Callback, History, type Logs, type CustomCallbackArgs, type TrainingParams } from './callbacks.js';
export * as callbacks from './callbacks-index.js';
export * as metrics from './metrics-index.js';
