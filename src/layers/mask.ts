// Masks of padded time steps travel beside the tensors they describe (Keras's _keras_mask): an
// embedding with maskZero attaches one to its output, recurrent layers read it when no `mask`
// kwarg is given, and a layer returning sequences passes it on. A mask is not differentiable, so
// it is kept as plain numbers [B, T] (batch-major, 0 = padded), not as a tensor in the engine.
import { Tensor } from '../tensor.js';

const masks = new WeakMap<Tensor, Uint8Array>();

export function attachMask(t: Tensor, mask: Uint8Array | null | undefined): void {
  if (mask) masks.set(t, mask);
}

export function maskOf(t: Tensor): Uint8Array | undefined {
  return masks.get(t);
}

/** A mask from a kwarg (a tensor or array of any dtype, 0 = padded) as [B*T] bytes. */
export function toMask(m: Tensor | ArrayLike<number> | null | undefined): Uint8Array | undefined {
  if (m === null || m === undefined) return undefined;
  const v = m instanceof Tensor ? m.dataSync() : m;
  return Uint8Array.from(v as ArrayLike<number>, (x) => (x ? 1 : 0));
}
