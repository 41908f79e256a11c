// data.csv: a dataset of the rows of a CSV file (a path or file:// URL on Node, Deno and Bun; an
// http(s) URL anywhere; or the text itself as { text }), as TensorFlow.js's tf.data.csv: a header
// row names the columns unless columnNames does, values parse as numbers where they can, and
// columns configured with isLabel go to ys ({ xs, ys } elements; plain objects otherwise).
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { fetchLimited, readLimited } from '../io/model-io.js';
import { DataSource } from './sources.js';
import { Dataset } from './dataset.js';

export interface ColumnConfig {
  required?: boolean;
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
  default?: number | string | boolean;
  isLabel?: boolean;
}

export interface CSVConfig {
  hasHeader?: boolean;
  columnNames?: string[];
  columnConfigs?: Record<string, ColumnConfig>;
  configuredColumnsOnly?: boolean;
  delimiter?: string;
  delimWhitespace?: boolean;
}

type Value = number | string | boolean | undefined;
type Row = Record<string, Value>;

/** A CSV file's size limit: the whole text is read before the rows are handed out. */
const MAX_CSV_BYTES = 1 << 30;

/** The fields of one line: quoted fields may hold the delimiter and "" for a quote. */
function fields(line: string, delimiter: string, whitespace: boolean): string[] {
  if (whitespace) return line.trim().split(/\s+/);
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (line.startsWith(delimiter, i)) (out.push(cur), (cur = ''), (i += delimiter.length - 1));
    else cur += ch;
  }
  out.push(cur);
  return out;
}

/** A field's value as TF.js parses it: the default when empty, a number where it is one, else the text. */
function parse(text: string, config: ColumnConfig | undefined, column: string, line: string): Value {
  if (text === '') {
    if (config?.default !== undefined) return config.default;
    if (config?.required || config?.isLabel) throw new WasmgradError(msg`data.csv: required column ${column} is empty in the line: ${line}`);
    return undefined;
  }
  const asBool = () => (text === '1' || text.toLowerCase() === 'true' ? 1 : 0);
  const n = Number(text);
  if (Number.isNaN(n)) return config?.dtype === 'bool' ? asBool() : text;
  if (config?.dtype === 'int32') return Math.floor(n);
  if (config?.dtype === 'bool') return asBool();
  if (config?.dtype === 'string') return text;
  return n;
}

async function readText(source: unknown): Promise<string> {
  const op = 'data.csv';
  if (source && typeof source === 'object' && typeof (source as { text?: unknown }).text === 'string') return (source as { text: string }).text;
  if (source instanceof DataSource) return new TextDecoder().decode(await source.bytes());
  let bytes: Uint8Array;
  if (source instanceof URL || (typeof source === 'string' && /^https?:\/\//i.test(source))) {
    const url = source instanceof URL ? source : new URL(source);
    bytes = url.protocol === 'file:' ? await readLimited(op, decodeURIComponent(url.pathname), MAX_CSV_BYTES) : await fetchLimited(op, url, MAX_CSV_BYTES);
  } else if (typeof source === 'string' && source.length > 0) {
    // TF.js's 'file://path' (relative or absolute), or a plain path
    const path = /^file:\/\/\//i.test(source) ? decodeURIComponent(new URL(source).pathname) : source.replace(/^file:\/\//i, '');
    bytes = await readLimited(op, path, MAX_CSV_BYTES);
  } else throw new WasmgradError(msg`${op}: expected a path, a file:// or http(s) URL, a data source, or { text }, got ${source === null ? 'null' : typeof source}`);
  return new TextDecoder().decode(bytes);
}

/** The dataset of data.csv, with columnNames() as TF.js's CSVDataset. */
export class CSVDataset extends Dataset<Row | { xs: Row; ys: Row }> {
  private parsed: Promise<{ names: string[]; lines: string[] }> | null = null;

  constructor(private readonly input: unknown, private readonly config: CSVConfig = {}) {
    super(async () => {
      const { names, lines } = await this.load();
      let i = 0;
      return { next: async () => (i < lines.length ? { value: this.row(names, lines[i++]), done: false } : { value: undefined as never, done: true }) };
    });
    const { delimiter = ',', columnNames, columnConfigs } = config;
    if (typeof delimiter !== 'string' || delimiter.length === 0) throw new WasmgradError(msg`data.csv: delimiter must be a non-empty string, got ${jsonOf(delimiter)}`);
    if (columnNames !== undefined && (!Array.isArray(columnNames) || !columnNames.every((n) => typeof n === 'string'))) throw new WasmgradError('data.csv: columnNames must be an array of strings');
    if (columnConfigs !== undefined && (columnConfigs === null || typeof columnConfigs !== 'object')) throw new WasmgradError('data.csv: columnConfigs must be an object of column configs');
  }

  /** The column names: columnNames, or the header row's (only the configured ones with configuredColumnsOnly). */
  async columnNames(): Promise<string[]> {
    const { names } = await this.load();
    const { columnConfigs = {}, configuredColumnsOnly = false } = this.config;
    return configuredColumnsOnly ? names.filter((n) => Object.prototype.hasOwnProperty.call(columnConfigs, n)) : names.slice();
  }

  private load(): Promise<{ names: string[]; lines: string[] }> {
    this.parsed ??= readText(this.input).then((text) => {
      const { hasHeader = true, columnNames, columnConfigs = {}, delimiter = ',', delimWhitespace = false } = this.config;
      const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
      if (!hasHeader && !columnNames) throw new WasmgradError('data.csv: without a header row, columnNames must name the columns');
      const header = hasHeader ? fields(lines.shift() ?? '', delimiter, delimWhitespace).map((n) => n.trim()) : null;
      const names = columnNames ?? header!;
      if (header && columnNames && header.length !== columnNames.length) {
        throw new WasmgradError(msg`data.csv: columnNames has ${columnNames.length} names, the header row ${header.length} columns`);
      }
      if (new Set(names).size !== names.length) throw new WasmgradError(msg`data.csv: duplicate column names in ${jsonOf(names)}`);
      for (const key of Object.keys(columnConfigs)) if (!names.includes(key)) throw new WasmgradError(msg`data.csv: columnConfigs names '${key}', which is not a column (${names.join(', ')})`);
      return { names, lines };
    });
    return this.parsed;
  }

  private row(names: string[], line: string): Row | { xs: Row; ys: Row } {
    const { columnConfigs = {}, configuredColumnsOnly = false, delimiter = ',', delimWhitespace = false } = this.config;
    const values = fields(line, delimiter, delimWhitespace);
    if (values.length !== names.length) throw new WasmgradError(msg`data.csv: a row should have ${names.length} fields, got ${values.length}: ${line}`);
    const xs: Row = {}, ys: Row = {};
    names.forEach((name, i) => {
      const config = Object.prototype.hasOwnProperty.call(columnConfigs, name) ? columnConfigs[name] : undefined;
      if (configuredColumnsOnly && !config) return;
      (config?.isLabel ? ys : xs)[name] = parse(values[i], config, name, line);
    });
    return Object.keys(ys).length === 0 ? xs : { xs, ys };
  }
}

/** A dataset of a CSV file's rows (see the top of this file). */
export function csv(source: unknown, config: CSVConfig = {}): CSVDataset {
  return new CSVDataset(source, config);
}
