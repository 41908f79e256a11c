// wg.callbacks.*
export {
  Callback, History, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler,
  earlyStopping, reduceLROnPlateau, learningRateScheduler,
  type EarlyStoppingArgs, type ReduceLROnPlateauArgs, type Logs,
} from './callbacks.js';
export { ProgressBar, progressBar } from './progress.js';
