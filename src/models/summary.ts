// model.summary(): the Keras table (layer (type), output shape, params; "connected to" for
// functional models with branches) and the totals.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import type { Layer, Shape, SymbolicTensor } from '../layers/layer.js';

export interface SummaryRow {
  layer: Layer;
  outputShapes: Shape[] | 'multiple';
  /** Inbound layers as name[callIndex][outputIndex] (functional models). */
  connectedTo: string[];
}

export function formatShape(s: Shape): string {
  return `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;
}

const commas = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export function inboundName(t: SymbolicTensor): string {
  const layer = t.sourceLayer;
  const call = layer.inboundCalls.findIndex((c) => c.outputs.includes(t));
  return `${layer.name}[${Math.max(call, 0)}][${t.outputIndex}]`;
}

export function summaryText(
  name: string,
  rows: SummaryRow[],
  totals: { trainable: number; nonTrainable: number },
  opts: { lineLength?: number; positions?: number[]; connected: boolean },
): string {
  const lineLength = opts.lineLength ?? (opts.connected ? 98 : 65);
  const rel = opts.positions ?? (opts.connected ? [0.33, 0.55, 0.67, 1] : [0.45, 0.85, 1]);
  if (!(Number.isInteger(lineLength) && lineLength > 0 && lineLength <= 10_000)) throw new WasmgradError(msg`summary: lineLength must be a whole number in [1, 10000], got ${lineLength}`);
  if (!Array.isArray(rel) || rel.length !== (opts.connected ? 4 : 3) || rel.some((p) => !(typeof p === 'number' && p > 0 && p <= 10_000))) {
    throw new WasmgradError(msg`summary: positions must be ${opts.connected ? 4 : 3} numbers > 0 (fractions of lineLength, or columns), got ${jsonOf(rel)}`);
  }
  const positions = rel.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
  const headers = ['Layer (type)', 'Output Shape', 'Param #', ...(opts.connected ? ['Connected to'] : [])];
  const lines: string[] = [];
  const fmtRow = (fields: string[]) => {
    let line = '';
    fields.forEach((f, i) => {
      if (i > 0) line = line.padEnd(positions[i - 1]);
      line += ` ${f}`;
      line = line.slice(0, positions[i]);
    });
    return line.padEnd(positions[positions.length - 1]);
  };
  lines.push(`Model: "${name}"`);
  lines.push('_'.repeat(lineLength));
  lines.push(fmtRow(headers));
  lines.push('='.repeat(lineLength));
  rows.forEach((r, i) => {
    const shape = r.outputShapes === 'multiple' ? 'multiple' : r.outputShapes.length === 1 ? formatShape(r.outputShapes[0]) : `[${r.outputShapes.map(formatShape).join(', ')}]`;
    const first = opts.connected ? [r.connectedTo[0] ?? ''] : [];
    lines.push(fmtRow([`${r.layer.name} (${r.layer.className})`, shape, String(r.layer.countParams()), ...first]));
    if (opts.connected) for (const c of r.connectedTo.slice(1)) lines.push(fmtRow(['', '', '', c]));
    lines.push(i === rows.length - 1 ? '='.repeat(lineLength) : ''.padEnd(lineLength));
  });
  if (rows.length === 0) lines.push('='.repeat(lineLength));
  lines.push(`Total params: ${commas(totals.trainable + totals.nonTrainable)}`);
  lines.push(`Trainable params: ${commas(totals.trainable)}`);
  lines.push(`Non-trainable params: ${commas(totals.nonTrainable)}`);
  lines.push('_'.repeat(lineLength));
  return lines.map((l) => l.trimEnd()).join('\n');
}
