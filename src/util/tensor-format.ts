// A tensor as text, in TensorFlow.js's layout (tensor.toString(), tensor.print()): values to 7
// significant digits, each column padded to its widest value, dimensions of more than 20 shown by
// their first and last 3, bools as true / false, and with `verbose` the dtype, rank and shape above
// the values.
const LIMIT = 20;
const EDGE = 3;

const numberText = (v: number) => parseFloat(v.toFixed(7)).toString();
const boolText = (v: number) => (v ? 'true' : 'false');

function widths(texts: readonly string[], shape: readonly number[], strides: number[]): number[] {
  const cols = strides[strides.length - 1];
  const pad = new Array<number>(cols).fill(0);
  if (shape.length > 1) {
    for (let i = 0; i < texts.length; i++) pad[i % cols] = Math.max(pad[i % cols], texts[i].length);
  }
  return pad;
}

function lines(texts: readonly string[], shape: readonly number[], strides: number[], pad: number[], isLast = true): string[] {
  const size = shape[0];
  const rank = shape.length;
  if (rank === 0) return [texts[0]];
  if (rank === 1) {
    const text = (i: number) => texts[i].padEnd(pad[i]);
    if (size > LIMIT) {
      const first = Array.from({ length: EDGE }, (_, i) => text(i));
      const last = Array.from({ length: EDGE }, (_, i) => text(size - EDGE + i));
      return [`[${first.join(', ')}, ..., ${last.join(', ')}]`];
    }
    return [`[${Array.from({ length: size }, (_, i) => text(i)).join(', ')}]`];
  }
  const sub = shape.slice(1), subStrides = strides.slice(1), stride = strides[0];
  const part = (i: number, last: boolean) => lines(texts.slice(i * stride, (i + 1) * stride), sub, subStrides, pad, last);
  const out: string[] = [];
  if (size > LIMIT) {
    for (let i = 0; i < EDGE; i++) out.push(...part(i, false));
    out.push('...');
    for (let i = size - EDGE; i < size; i++) out.push(...part(i, i === size - 1));
  } else {
    for (let i = 0; i < size; i++) out.push(...part(i, i === size - 1));
  }
  const sep = rank === 2 ? ',' : '';
  out[0] = '[' + (size > 0 ? out[0] + sep : '');
  for (let i = 1; i < out.length - 1; i++) out[i] = ' ' + out[i] + sep;
  out[out.length - 1] = ' ' + out[out.length - 1] + ']' + (isLast ? '' : ',\n' + '\n'.repeat(Math.max(0, rank - 2)));
  return out;
}

export function formatTensor(vals: ArrayLike<number>, shape: readonly number[], dtype: string, verbose = false): string {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1)).slice(0, -1);
  const head = ['Tensor'];
  if (verbose) head.push(`  dtype: ${dtype}`, `  rank: ${shape.length}`, `  shape: [${shape}]`, '  values:');
  // (a scalar shows every digit, as in TF.js)
  const text = dtype === 'bool' ? boolText : shape.length === 0 ? String : numberText;
  const texts = Array.from(vals, (v) => text(v));
  head.push(lines(texts, shape, strides, widths(texts, shape, strides)).map((l) => '    ' + l).join('\n'));
  return head.join('\n');
}
