// wg.data (and tf.data): datasets for streaming training data into model.fitDataset.
export { Dataset, array, generator, zip, type LazyIterator, type Batched } from './dataset.js';
export { csv, CSVDataset, type CSVConfig, type ColumnConfig } from './csv.js';
export { DataSource, FileDataSource, URLDataSource, TextLineDataset, func } from './sources.js';
