// wg.metrics.*: each (yTrue, yPred) => scalar tensor over the batch.
export {
  binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, precision, recall,
  meanSquaredError, meanAbsoluteError, mse, mae, type MetricFn,
} from './metrics.js';
