// Convolution (the implicit-im2col GEMM of assembly/gemm.ts, and assembly/conv.ts): buffers, tiles and thread splits.
// Shapes are NHWC; filters [KH, KW, C, Cout] (depthwise: [KH, KW, C, M]).
import { WasmgradError, msg } from '../../errors.js';
import { Tensor, holdsWeights } from '../../tensor.js';
import { engine } from '../state.js';
import { SCRATCH_BYTES, MC, A_KIND, DW_FILTER_BLOCK } from '../abi.js';
import { ACT, gemmTiles, packB, packedFloats, packedWeights, type FusedActivation } from './gemm.js';
import { stridedCopy } from './copy.js';
import { DIRECT_PARALLEL, GEMM_PARALLEL_FLOPS, withBlocks } from './common.js';
import { checkWindowSizes, withGeometry, type ConvGeometry } from './geometry.js';

/** At most this many floats of column buffer at once in the strided input gradient. */
const COL_FLOATS = 1 << 22;

interface ConvGemmCall {
  kind: keyof typeof A_KIND;
  /** A (a matrix, or the image of an implicit im2col matrix). */
  a: number;
  lda?: number;
  transA?: boolean;
  geom?: number;
  b: number;
  ldb: number;
  transB?: boolean;
  /** Pack all of B once (by pack_b_f32) instead of once per tile. */
  prepackB?: boolean;
  /** B already packed by packB (a weights tensor's kept copy): b and ldb are not read. */
  packedB?: number;
  c: number;
  m: number;
  n: number;
  k: number;
  ldc?: number;
  accumulate?: boolean;
  bias?: number;
  act?: FusedActivation;
}

/** C = op(A) op(B) (+ bias) then act, A possibly an implicit im2col matrix (gemm_conv_f32). */
function convGemm(g: ConvGemmCall): void {
  const e = engine();
  const { m, n, k } = g;
  const parallel = 2 * m * n * k >= GEMM_PARALLEL_FLOPS;
  let { tileM, tileN, tasks } = gemmTiles(m, n, parallel ? e.pool.threadCount : 1);
  if ((g.prepackB || g.packedB) && tileM > MC) {
    // B packed once: tiles of MC rows, so each tile's C block stays in cache over all of K
    tileM = MC;
    tasks = Math.ceil(m / tileM) * Math.ceil(n / tileN);
  }
  const run = (b: number, packed: boolean) =>
    e.parallel(
      'gemm_conv_f32',
      [
        A_KIND[g.kind], g.a, g.lda ?? 0, g.transA ? 1 : 0, g.geom ?? 0, b, g.ldb, g.transB ? 1 : 0, packed ? 1 : 0,
        g.c, m, n, k, g.ldc ?? n, g.accumulate ? 1 : 0, g.bias ?? 0, ACT[g.act ?? 'linear'], tileM, tileN,
      ],
      tasks,
      parallel,
    );
  if (g.packedB) {
    run(g.packedB, true);
    return;
  }
  if (!g.prepackB || tasks === 1) {
    run(g.b, false);
    return;
  }
  withBlocks([packedFloats(k, n) * 4], ([packed]) => {
    packB(g.b, g.ldb, !!g.transB, k, n, packed);
    run(packed, true);
  });
}

/**
 * With fewer than four channels, rows of the im2col matrix are too short to amortise bounds checks
 * at the border: such convolutions read a zero-padded copy of the image instead (cheap: the image
 * is small next to the work).
 */
const needsPaddedCopy = (g: ConvGeometry) => g.C < 4 && g.dh > 0 && g.dw > 0 && (g.pt > 0 || g.pl > 0 || g.pb > 0 || g.pr > 0);

/** Runs fn on a zero-padded copy of x and the geometry that reads it without padding. */
function withPadded(x: number, g: ConvGeometry, fn: (xp: number, gp: ConvGeometry) => void): void {
  const H = g.H + g.pt + g.pb, W = g.W + g.pl + g.pr;
  withBlocks([g.N * H * W * g.C * 4], ([xp]) => {
    engine().f32.fill(0, xp >> 2, (xp >> 2) + g.N * H * W * g.C);
    const rowIn = g.W * g.C;
    stridedCopy(x, [g.H * rowIn, rowIn, 1], xp + (g.pt * W + g.pl) * g.C * 4, [H * W * g.C, W * g.C, 1], [g.N, g.H, rowIn]);
    fn(xp, { ...g, H, W, pt: 0, pl: 0, pb: 0, pr: 0 });
  });
}

const isPointwise = (g: ConvGeometry) =>
  g.KH === 1 && g.KW === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.OH === g.H && g.OW === g.W;

/**
 * y [N, OH, OW, Cout] = act(conv(x, f) + bias): x [N, H, W, C], f [KH, KW, C, Cout], bias [Cout]
 * or none. One GEMM whose A panels are packed straight from the image (a plain GEMM for 1x1).
 */
export function conv2dForward(x: Tensor, f: Tensor, bias: Tensor | null, y: Tensor, g: ConvGeometry, act: FusedActivation = 'linear'): void {
  const cout = f.shape[3];
  checkWindowSizes('conv2d', g, x, y, cout, f, g.KH * g.KW * g.C * cout, bias);
  // x, f and the bias are only read (readPtr keeps a weights filter's packed copy valid)
  const px = x.readPtr('conv2d'), pf = f.readPtr('conv2d'), pbias = bias ? bias.readPtr('conv2d') : 0, py = y.ptr('conv2d');
  const m = g.N * g.OH * g.OW;
  const k = g.KH * g.KW * g.C;
  // a layer's filter is packed once and kept until it is written; other filters once per call
  const packedB = holdsWeights(f) ? packedWeights(f, 0, cout, false, k, cout, 'conv2d') : 0;
  const b = { b: pf, ldb: cout, prepackB: true, packedB };
  if (isPointwise(g)) {
    convGemm({ kind: 'matrix', a: px, lda: g.C, ...b, c: py, m, n: cout, k, bias: pbias, act });
    return;
  }
  if (needsPaddedCopy(g)) {
    withPadded(px, g, (xp, gp) => withGeometry(gp, (geom) => convGemm({ kind: 'im2col', a: xp, geom, ...b, c: py, m, n: cout, k, bias: pbias, act })));
    return;
  }
  withGeometry(g, (geom) => convGemm({ kind: 'im2col', a: px, geom, ...b, c: py, m, n: cout, k, bias: pbias, act }));
}

/**
 * dx [N, H, W, C] of conv2dForward from dy [N, OH, OW, Cout]. Stride 1: the convolution of dy with
 * the filter transposed to [KH, KW, Cout, C] at dilation -d and pad -p (one implicit GEMM).
 * Larger strides: per chunk of images, dcol = dy f^T (a GEMM) then col2im.
 */
export function conv2dGradInput(dy: Tensor, f: Tensor, dx: Tensor, g: ConvGeometry): void {
  const cout = f.shape[3];
  checkWindowSizes('conv2d', g, dx, dy, cout, f, g.KH * g.KW * g.C * cout);
  const pdy = dy.ptr('conv2d'), pf = f.ptr('conv2d'), pdx = dx.ptr('conv2d');
  const e = engine();
  const { N, H, W, C, OH, OW, KH, KW } = g;
  if (isPointwise(g)) {
    convGemm({ kind: 'matrix', a: pdy, lda: cout, b: pf, ldb: cout, transB: true, prepackB: true, c: pdx, m: N * H * W, n: C, k: cout });
    return;
  }
  const taps = KH * KW;
  if (C < 4) {
    // so few channels that a GEMM's 8-column panels would be mostly padding: dot products over
    // the output channels instead
    withGeometry(g, (geom) =>
      e.parallel('conv_grad_input_direct_f32', [pdy, pf, pdx, geom, cout], N * H, N * OH * OW * cout * taps * C >= DIRECT_PARALLEL),
    );
    return;
  }
  // stride 1: one implicit GEMM
  if (g.sh === 1 && g.sw === 1) {
    withBlocks([taps * C * cout * 4], ([ft]) => {
      // ft[tap, co, c] = f[tap, c, co]
      stridedCopy(pf, [C * cout, 1, cout], ft, [cout * C, C, 1], [taps, cout, C]);
      const gt: ConvGeometry = {
        N, H: OH, W: OW, C: cout, OH: H, OW: W, KH, KW, sh: 1, sw: 1, dh: -g.dh, dw: -g.dw, pt: -g.pt, pl: -g.pl, pb: 0, pr: 0,
      };
      withGeometry(gt, (geom) =>
        convGemm({ kind: 'im2col', a: pdy, geom, b: ft, ldb: C, prepackB: true, c: pdx, m: N * H * W, n: C, k: taps * cout }),
      );
    });
    return;
  }
  const K = taps * C;
  const perImage = OH * OW * K;
  const chunk = Math.max(1, Math.min(N, Math.floor(COL_FLOATS / Math.max(perImage, 1))));
  withBlocks([chunk * perImage * 4, packedFloats(cout, K) * 4], ([col, packed]) => {
    // op(B) = f^T [Cout, K]: packed once for every chunk
    packB(pf, cout, true, cout, K, packed);
    withGeometry(g, (geom) => {
      for (let n0 = 0; n0 < N; n0 += chunk) {
        const nc = Math.min(chunk, N - n0);
        const m = nc * OH * OW;
        const parallel = 2 * m * K * cout >= GEMM_PARALLEL_FLOPS;
        const { tileM, tileN, tasks } = gemmTiles(m, K, parallel ? e.pool.threadCount : 1);
        e.parallel(
          'gemm_conv_f32',
          [A_KIND.matrix, pdy + n0 * OH * OW * cout * 4, cout, 0, 0, packed, 0, 0, 1, col, m, K, cout, K, 0, 0, 0, tileM, tileN],
          tasks,
          parallel,
        );
        e.parallel('col2im_f32', [col, pdx + n0 * H * W * C * 4, geom], nc * H, nc * H * W * C * taps >= DIRECT_PARALLEL);
      }
    });
  });
}

/** df [KH, KW, C, Cout] of conv2dForward: im2col(x)^T dy, summed over pixels in one fixed order. */
export function conv2dGradFilter(x: Tensor, dy: Tensor, df: Tensor, g: ConvGeometry): void {
  const cout = df.shape[3];
  checkWindowSizes('conv2d', g, x, dy, cout, df, g.KH * g.KW * g.C * cout);
  const px = x.ptr('conv2d'), pdy = dy.ptr('conv2d'), pdf = df.ptr('conv2d');
  const M = g.N * g.OH * g.OW;
  const K = g.KH * g.KW * g.C;
  if (isPointwise(g)) {
    convGemm({ kind: 'matrix', a: px, lda: g.C, transA: true, b: pdy, ldb: cout, c: pdf, m: K, n: cout, k: M });
    return;
  }
  if (needsPaddedCopy(g)) {
    withPadded(px, g, (xp, gp) => withGeometry(gp, (geom) => convGemm({ kind: 'im2colT', a: xp, geom, b: pdy, ldb: cout, c: pdf, m: K, n: cout, k: M })));
    return;
  }
  withGeometry(g, (geom) => convGemm({ kind: 'im2colT', a: px, geom, b: pdy, ldb: cout, c: pdf, m: K, n: cout, k: M }));
}

/** y [N, OH, OW, C*M] = act(depthwise(x, f) + bias), f [KH, KW, C, M], bias [C*M] or none. */
export function depthwiseForward(x: Tensor, f: Tensor, bias: Tensor | null, y: Tensor, g: ConvGeometry, act: FusedActivation = 'linear'): void {
  const mult = f.shape[3];
  checkWindowSizes('depthwiseConv2d', g, x, y, g.C * mult, f, g.KH * g.KW * g.C * mult, bias);
  const px = x.ptr('depthwiseConv2d'), pf = f.ptr('depthwiseConv2d'), pbias = bias ? bias.ptr('depthwiseConv2d') : 0, py = y.ptr('depthwiseConv2d');
  const work = g.N * g.OH * g.OW * g.C * mult * g.KH * g.KW;
  withGeometry(g, (geom) => engine().parallel('depthwise_f32', [px, pf, pbias, py, geom, mult, ACT[act]], g.N * g.OH, work >= DIRECT_PARALLEL));
}

/** dx [N, H, W, C] of depthwiseForward; at stride 1 (M = 1) it is the depthwise convolution of dy at dilation -d, pad -p. */
export function depthwiseGradInput(dy: Tensor, f: Tensor, dx: Tensor, g: ConvGeometry): void {
  const mult = f.shape[3];
  checkWindowSizes('depthwiseConv2d', g, dx, dy, g.C * mult, f, g.KH * g.KW * g.C * mult);
  const pdy = dy.ptr('depthwiseConv2d'), pf = f.ptr('depthwiseConv2d'), pdx = dx.ptr('depthwiseConv2d');
  const work = g.N * g.OH * g.OW * g.C * mult * g.KH * g.KW;
  if (g.sh === 1 && g.sw === 1 && mult === 1) {
    const gt: ConvGeometry = { ...g, H: g.OH, W: g.OW, OH: g.H, OW: g.W, dh: -g.dh, dw: -g.dw, pt: -g.pt, pl: -g.pl, pb: 0, pr: 0 };
    withGeometry(gt, (geom) => engine().parallel('depthwise_f32', [pdy, pf, 0, pdx, geom, 1, 0], g.N * g.H, work >= DIRECT_PARALLEL));
    return;
  }
  withGeometry(g, (geom) => engine().parallel('depthwise_grad_input_f32', [pdy, pf, pdx, geom, mult], g.N * g.H, work >= DIRECT_PARALLEL));
}

/** df [KH, KW, C, M] of depthwiseForward. */
export function depthwiseGradFilter(x: Tensor, dy: Tensor, df: Tensor, g: ConvGeometry): void {
  const mult = df.shape[3];
  checkWindowSizes('depthwiseConv2d', g, x, dy, g.C * mult, df, g.KH * g.KW * g.C * mult);
  const px = x.ptr('depthwiseConv2d'), pdy = dy.ptr('depthwiseConv2d'), pdf = df.ptr('depthwiseConv2d');
  if (engine().kernels.depthwise_grad_filter_scratch_bytes(g.KH, g.KW) > SCRATCH_BYTES) throw new WasmgradError(msg`depthwiseConv2d: a ${g.KH}x${g.KW} kernel is too large`);
  const work = g.N * g.OH * g.OW * g.C * mult * g.KH * g.KW;
  withGeometry(g, (geom) =>
    engine().parallel('depthwise_grad_filter_f32', [px, pdy, pdf, geom, g.N, mult], Math.ceil((g.C * mult) / DW_FILTER_BLOCK), work >= DIRECT_PARALLEL),
  );
}
