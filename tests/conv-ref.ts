// Plain float64 references for the convolution and pooling tests: direct nested loops over NHWC
// data, written independently of the library (TensorFlow's output size and padding rules).
import type { RefTensor } from './gradcheck';

export type Pad = 'valid' | 'same' | 'causal';

/** Output size and padding before one spatial dimension, as TensorFlow computes them. */
export function outSize(size: number, k: number, s: number, d: number, pad: Pad): { out: number; before: number } {
  const eff = (k - 1) * d + 1;
  if (pad === 'valid') return { out: Math.floor((size - eff) / s) + 1, before: 0 };
  if (pad === 'causal') return { out: Math.floor((size - 1) / s) + 1, before: eff - 1 };
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + eff - size, 0);
  return { out, before: Math.floor(total / 2) };
}

export interface Win {
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

/** conv2d: x [N, H, W, C], f [KH, KW, C, Cout]; seven nested loops. */
export function refConv2d(x: RefTensor, f: RefTensor, w: Win, bias?: RefTensor, relu = false): RefTensor {
  const [N, H, W, C] = x.shape;
  const [KH, KW, , CO] = f.shape;
  const [sh, sw] = w.strides, [dh, dw] = w.dilations;
  const oh = outSize(H, KH, sh, dh, w.pad === 'causal' ? 'valid' : w.pad), ow = outSize(W, KW, sw, dw, w.pad);
  const OH = oh.out, OW = ow.out;
  const y = new Float64Array(N * OH * OW * CO);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let co = 0; co < CO; co++) {
          let s = bias ? bias.data[co] : 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = i * sh - oh.before + kh * dh;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = j * sw - ow.before + kw * dw;
              if (iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) s += x.data[((n * H + ih) * W + iw) * C + c] * f.data[((kh * KW + kw) * C + c) * CO + co];
            }
          }
          y[((n * OH + i) * OW + j) * CO + co] = relu ? Math.max(0, s) : s;
        }
  return { data: y, shape: [N, OH, OW, CO] };
}

/** depthwiseConv2d: x [N, H, W, C], f [KH, KW, C, M] -> [N, OH, OW, C*M]. */
export function refDepthwise(x: RefTensor, f: RefTensor, w: Win): RefTensor {
  const [N, H, W, C] = x.shape;
  const [KH, KW, , M] = f.shape;
  const [sh, sw] = w.strides, [dh, dw] = w.dilations;
  const oh = outSize(H, KH, sh, dh, w.pad), ow = outSize(W, KW, sw, dw, w.pad);
  const OH = oh.out, OW = ow.out;
  const y = new Float64Array(N * OH * OW * C * M);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let c = 0; c < C; c++)
          for (let m = 0; m < M; m++) {
            let s = 0;
            for (let kh = 0; kh < KH; kh++) {
              const ih = i * sh - oh.before + kh * dh;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = j * sw - ow.before + kw * dw;
                if (iw < 0 || iw >= W) continue;
                s += x.data[((n * H + ih) * W + iw) * C + c] * f.data[((kh * KW + kw) * C + c) * M + m];
              }
            }
            y[((n * OH + i) * OW + j) * C * M + c * M + m] = s;
          }
  return { data: y, shape: [N, OH, OW, C * M] };
}

/**
 * conv2dTranspose: x [N, H, W, Cin], f [KH, KW, Cout, Cin], output [N, OH, OW, Cout]: every input
 * pixel scatters into the window a conv2d of the output would read it from.
 */
export function refConv2dTranspose(x: RefTensor, f: RefTensor, outShape: number[], strides: [number, number], pad: Pad): RefTensor {
  const [N, H, W, CI] = x.shape;
  const [KH, KW, CO] = f.shape;
  const [, OH, OW] = outShape;
  const [sh, sw] = strides;
  const ph = outSize(OH, KH, sh, 1, pad).before, pw = outSize(OW, KW, sw, 1, pad).before;
  const y = new Float64Array(N * OH * OW * CO);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let kh = 0; kh < KH; kh++) {
          const oh = i * sh - ph + kh;
          if (oh < 0 || oh >= OH) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ow = j * sw - pw + kw;
            if (ow < 0 || ow >= OW) continue;
            for (let co = 0; co < CO; co++)
              for (let ci = 0; ci < CI; ci++) {
                y[((n * OH + oh) * OW + ow) * CO + co] += x.data[((n * H + i) * W + j) * CI + ci] * f.data[((kh * KW + kw) * CO + co) * CI + ci];
              }
          }
        }
  return { data: y, shape: [N, OH, OW, CO] };
}

/** max or average pooling ('same' averages only real elements). */
export function refPool(x: RefTensor, isMax: boolean, pool: [number, number], strides: [number, number], pad: Pad): RefTensor {
  const [N, H, W, C] = x.shape;
  const [KH, KW] = pool, [sh, sw] = strides;
  const oh = outSize(H, KH, sh, 1, pad), ow = outSize(W, KW, sw, 1, pad);
  const OH = oh.out, OW = ow.out;
  const y = new Float64Array(N * OH * OW * C);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let c = 0; c < C; c++) {
          let acc = isMax ? -Infinity : 0, count = 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = i * sh - oh.before + kh;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = j * sw - ow.before + kw;
              if (iw < 0 || iw >= W) continue;
              const v = x.data[((n * H + ih) * W + iw) * C + c];
              acc = isMax ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          y[((n * OH + i) * OW + j) * C + c] = isMax ? acc : acc / count;
        }
  return { data: y, shape: [N, OH, OW, C] };
}
