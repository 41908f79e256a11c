// Plain float64 loops for conv3d, conv3dTranspose, 3-D pooling, dilation2d and maxPoolWithArgmax,
// with TensorFlow.js's geometry written out here on its own (not taken from src/).
import type { RefTensor } from './gradcheck';

export type Pad = 'valid' | 'same' | number;

/** Output length and padding before of one axis, as TF.js's conv_util (3-D 'same' not clamped). */
export function axis(size: number, k: number, s: number, d: number, pad: Pad, threeD: boolean, round?: 'floor' | 'ceil' | 'round'): [number, number] {
  const eff = (k - 1) * d + 1;
  if (pad === 'same') {
    const out = Math.ceil(size / s);
    const total = (out - 1) * s + eff - size;
    return [out, Math.floor((threeD ? total : Math.max(0, total)) / 2)];
  }
  const p = pad === 'valid' ? 0 : pad;
  const v = (size - eff + 2 * p) / s + 1;
  const out = round === 'ceil' ? Math.ceil(v) : round === 'round' ? Math.round(v) : round === 'floor' ? Math.floor(v) : Math.trunc(v);
  return [out, p];
}

const idx5 = (sh: number[], a: number, b: number, c: number, d: number, e: number) => (((a * sh[1] + b) * sh[2] + c) * sh[3] + d) * sh[4] + e;

export function refConv3d(x: RefTensor, f: RefTensor, s: number[], pad: Pad, dil: number[]): RefTensor {
  const [N, D, H, W, C] = x.shape;
  const [KD, KH, KW, , CO] = f.shape;
  const g = [D, H, W].map((n, i) => axis(n, f.shape[i], s[i], dil[i], pad, true));
  const shape = [N, g[0][0], g[1][0], g[2][0], CO];
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let n = 0; n < N; n++) for (let od = 0; od < shape[1]; od++) for (let oh = 0; oh < shape[2]; oh++) for (let ow = 0; ow < shape[3]; ow++) {
    for (let co = 0; co < CO; co++) {
      let acc = 0;
      for (let kd = 0; kd < KD; kd++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
        const id = od * s[0] + kd * dil[0] - g[0][1], ih = oh * s[1] + kh * dil[1] - g[1][1], iw = ow * s[2] + kw * dil[2] - g[2][1];
        if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        for (let c = 0; c < C; c++) acc += x.data[idx5(x.shape, n, id, ih, iw, c)] * f.data[idx5(f.shape, kd, kh, kw, c, co)];
      }
      out[idx5(shape, n, od, oh, ow, co)] = acc;
    }
  }
  return { data: out, shape };
}

/** The adjoint of refConv3d with respect to its input of shape zShape (filter [KD, KH, KW, Cout, Cin]). */
export function refConv3dTranspose(x: RefTensor, f: RefTensor, zShape: number[], s: number[], pad: Pad): RefTensor {
  const [N, D, H, W, CO] = zShape;
  const [KD, KH, KW, , CI] = f.shape;
  const g = [D, H, W].map((n, i) => axis(n, f.shape[i], s[i], 1, pad, true));
  const out = new Float64Array(zShape.reduce((a, b) => a * b, 1));
  for (let n = 0; n < N; n++) for (let od = 0; od < x.shape[1]; od++) for (let oh = 0; oh < x.shape[2]; oh++) for (let ow = 0; ow < x.shape[3]; ow++) {
    for (let kd = 0; kd < KD; kd++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const id = od * s[0] + kd - g[0][1], ih = oh * s[1] + kh - g[1][1], iw = ow * s[2] + kw - g[2][1];
      if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      for (let co = 0; co < CO; co++) {
        let acc = 0;
        for (let ci = 0; ci < CI; ci++) acc += x.data[idx5(x.shape, n, od, oh, ow, ci)] * f.data[idx5(f.shape, kd, kh, kw, co, ci)];
        out[idx5(zShape, n, id, ih, iw, co)] += acc;
      }
    }
  }
  return { data: out, shape: zShape };
}

export function refPool3d(x: RefTensor, isMax: boolean, k: number[], s: number[], pad: Pad, round?: 'floor' | 'ceil' | 'round'): RefTensor {
  const [N, D, H, W, C] = x.shape;
  const g = [D, H, W].map((n, i) => axis(n, k[i], s[i], 1, pad, true, round));
  const shape = [N, g[0][0], g[1][0], g[2][0], C];
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let n = 0; n < N; n++) for (let od = 0; od < shape[1]; od++) for (let oh = 0; oh < shape[2]; oh++) for (let ow = 0; ow < shape[3]; ow++) {
    for (let c = 0; c < C; c++) {
      let best = -Infinity, sum = 0, count = 0;
      for (let kd = 0; kd < k[0]; kd++) for (let kh = 0; kh < k[1]; kh++) for (let kw = 0; kw < k[2]; kw++) {
        const id = od * s[0] + kd - g[0][1], ih = oh * s[1] + kh - g[1][1], iw = ow * s[2] + kw - g[2][1];
        if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        const v = x.data[idx5(x.shape, n, id, ih, iw, c)];
        best = Math.max(best, v);
        sum += v;
        count++;
      }
      out[idx5(shape, n, od, oh, ow, c)] = isMax ? best : sum / Math.max(count, 1);
    }
  }
  return { data: out, shape };
}

/** dilation2d and, with withIndex, the flat index of the first maximum (for maxPoolWithArgmax with a zero filter). */
export function refDilation2d(x: RefTensor, f: RefTensor, s: number[], pad: Pad, dil: number[], withBatch = false): { out: RefTensor; index: Int32Array } {
  const [N, H, W, C] = x.shape;
  const [KH, KW] = f.shape;
  const g = [H, W].map((n, i) => axis(n, f.shape[i], s[i], dil[i], pad, false));
  const shape = [N, g[0][0], g[1][0], C];
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const index = new Int32Array(out.length);
  let o = 0;
  for (let n = 0; n < N; n++) for (let oh = 0; oh < shape[1]; oh++) for (let ow = 0; ow < shape[2]; ow++) for (let c = 0; c < C; c++) {
    let best = -Infinity, at = -1;
    for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
      const ih = oh * s[0] + i * dil[0] - g[0][1], iw = ow * s[1] + j * dil[1] - g[1][1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const v = x.data[((n * H + ih) * W + iw) * C + c] + f.data[(i * KW + j) * C + c];
      if (v > best) {
        best = v;
        at = (((withBatch ? n : 0) * H + ih) * W + iw) * C + c;
      }
    }
    index[o] = at;
    out[o++] = best;
  }
  return { out: { data: out, shape }, index };
}
