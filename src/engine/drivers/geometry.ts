// The convolution geometry descriptor that conv, depthwise, col2im and pooling kernels read.
import { Tensor } from '../../tensor.js';
import { engine } from '../state.js';
import { withBlocks } from './common.js';
import { checkSize } from './check.js';

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
  engine().i32.set([g.H, g.W, g.C, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl], ptr >> 2);
}

/** Runs fn with g written into a descriptor block. */
export function withGeometry<T>(g: ConvGeometry, fn: (geom: number) => T): T {
  return withBlocks([64], ([p]) => {
    writeGeometry(p, g);
    return fn(p);
  });
}
