// The gradient through an activation fused into a GEMM or convolution epilogue, read from the
// op's output: shared by the fused dense and convolution ops.
import { Tensor } from '../tensor.js';
import { reluGradFromOutput as reluGradInto, type FusedActivation } from '../engine/drivers/gemm.js';
import { newTensor } from './util.js';

/** dz of out = act(z) given dy: dy itself for 'linear', a new tensor for 'relu' (dy where out > 0). */
export function fusedActivationGrad(act: FusedActivation, out: Tensor, dy: Tensor): Tensor {
  if (act === 'linear') return dy;
  const dz = newTensor(out.shape);
  reluGradInto(out, dy, dz);
  return dz;
}
