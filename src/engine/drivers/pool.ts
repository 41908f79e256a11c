// Max and average pooling (assembly/pooling.ts).
import { Tensor } from '../../tensor.js';
import { engine } from '../state.js';
import { DIRECT_PARALLEL } from './common.js';
import { checkWindowSizes, withGeometry, type ConvGeometry } from './geometry.js';
import { POOL_GRAD_BLOCK } from '../abi.js';

/** y [N, OH, OW, C] = max or average pooling of x [N, H, W, C] (window KH x KW of the geometry). */
export function poolForward(isMax: boolean, x: Tensor, y: Tensor, g: ConvGeometry): void {
  const op = isMax ? 'maxPool' : 'avgPool';
  checkWindowSizes(op, g, x, y, g.C);
  const px = x.ptr(op), py = y.ptr(op);
  const work = g.N * g.OH * g.OW * g.C * g.KH * g.KW;
  withGeometry(g, (geom) => engine().parallel('pool_f32', [isMax ? 1 : 0, px, py, geom], g.N * g.OH, work >= DIRECT_PARALLEL));
}

/** dx [N, H, W, C] of poolForward from x and dy [N, OH, OW, C]. */
export function poolGrad(isMax: boolean, x: Tensor, dy: Tensor, dx: Tensor, g: ConvGeometry): void {
  const op = isMax ? 'maxPool' : 'avgPool';
  checkWindowSizes(op, g, x, dy, g.C);
  checkWindowSizes(op, g, dx, dy, g.C);
  const px = x.ptr(op), pdy = dy.ptr(op), pdx = dx.ptr(op);
  const work = g.N * g.OH * g.OW * g.C * g.KH * g.KW;
  const tasks = g.N * Math.ceil(g.C / POOL_GRAD_BLOCK);
  withGeometry(g, (geom) => engine().parallel('pool_grad_f32', [isMax ? 1 : 0, px, pdy, pdx, geom], tasks, work >= DIRECT_PARALLEL));
}
