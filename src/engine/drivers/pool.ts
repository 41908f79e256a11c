// Max and average pooling (assembly/pooling.ts).
import { engine } from '../state.js';
import { DIRECT_PARALLEL } from './common.js';
import { withGeometry, type ConvGeometry } from './geometry.js';
import { POOL_GRAD_BLOCK } from '../abi.js';

/** y [N, OH, OW, C] = max or average pooling of x [N, H, W, C] (window KH x KW of the geometry). */
export function poolForward(isMax: boolean, x: number, y: number, g: ConvGeometry): void {
  const work = g.N * g.OH * g.OW * g.C * g.KH * g.KW;
  withGeometry(g, (geom) => engine().parallel('pool_f32', [isMax ? 1 : 0, x, y, geom], g.N * g.OH, work >= DIRECT_PARALLEL));
}

export function poolGrad(isMax: boolean, x: number, dy: number, dx: number, g: ConvGeometry): void {
  const work = g.N * g.OH * g.OW * g.C * g.KH * g.KW;
  const tasks = g.N * Math.ceil(g.C / POOL_GRAD_BLOCK);
  withGeometry(g, (geom) => engine().parallel('pool_grad_f32', [isMax ? 1 : 0, x, dy, dx, geom], tasks, work >= DIRECT_PARALLEL));
}
