// The convolution geometry descriptor that conv, depthwise, col2im and pooling kernels read.
import { Tensor } from '../../tensor.js';
import { engine } from '../state.js';
import { withBlocks } from './common.js';
import { checkSize } from './check.js';
import { GEOM_BYTES, G_H, G_W, G_C, G_OH, G_OW, G_KH, G_KW, G_SH, G_SW, G_DH, G_DW, G_PT, G_PL } from '../abi.js';

/**
 * An implicit im2col matrix: source image [N, H, W, C], destination grid OH x OW per image, taps
 * KH x KW; destination (oh, ow) with tap (kh, kw) reads source pixel (oh*sh - pt + kh*dh,
 * ow*sw - pl + kw*dw), zero outside. (pb, pr: the padding after, for the record.)
 */
export interface ConvGeometry {
  N: number; H: number; W: number; C: number;
  OH: number; OW: number;
  KH: number; KW: number;
  sh: number; sw: number;
  dh: number; dw: number;
  pt: number; pl: number;
  pb: number; pr: number;
}

/**
 * Raises unless the image [N, H, W, C] and the output [N, OH, OW, outChannels] of a window op, and
 * its filter (of filterSize elements) and bias (outChannels) where given, fit the geometry.
 */
export function checkWindowSizes(
  op: string, g: ConvGeometry, image: Tensor, out: Tensor, outChannels: number, filter: Tensor | null = null, filterSize = 0, bias: Tensor | null = null,
): void {
  checkSize(op, 'the image', image, g.N * g.H * g.W * g.C);
  checkSize(op, 'the output', out, g.N * g.OH * g.OW * outChannels);
  if (filter) checkSize(op, 'the filter', filter, filterSize);
  if (bias) checkSize(op, 'the bias', bias, outChannels);
}

function writeGeometry(ptr: number, g: ConvGeometry): void {
  const f = engine().i32.subarray(ptr >> 2, (ptr + GEOM_BYTES) >> 2);
  f[G_H] = g.H; f[G_W] = g.W; f[G_C] = g.C; f[G_OH] = g.OH; f[G_OW] = g.OW; f[G_KH] = g.KH; f[G_KW] = g.KW;
  f[G_SH] = g.sh; f[G_SW] = g.sw; f[G_DH] = g.dh; f[G_DW] = g.dw; f[G_PT] = g.pt; f[G_PL] = g.pl;
}

/** Runs fn with g written into a descriptor block. */
export function withGeometry<T>(g: ConvGeometry, fn: (geom: number) => T): T {
  return withBlocks([GEOM_BYTES], ([p]) => {
    writeGeometry(p, g);
    return fn(p);
  });
}
