// tf.CustomCallback: TF.js's callback built from an object of hooks (onEpochEnd, onBatchEnd, ...).
import { Callback, type CustomCallbackArgs, type Logs } from '../models/index.js';

export class CustomCallback extends Callback {
  constructor(private readonly hooks: CustomCallbackArgs) {
    super();
  }
  async onTrainBegin(logs?: Logs) {
    await this.hooks.onTrainBegin?.(logs);
  }
  async onTrainEnd(logs?: Logs) {
    await this.hooks.onTrainEnd?.(logs);
  }
  async onEpochBegin(epoch: number, logs?: Logs) {
    await this.hooks.onEpochBegin?.(epoch, logs);
  }
  async onEpochEnd(epoch: number, logs?: Logs) {
    await this.hooks.onEpochEnd?.(epoch, logs);
  }
  async onBatchBegin(batch: number, logs?: Logs) {
    await this.hooks.onBatchBegin?.(batch, logs);
  }
  async onBatchEnd(batch: number, logs?: Logs) {
    await this.hooks.onBatchEnd?.(batch, logs);
  }
}
