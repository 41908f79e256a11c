import type { Tensor } from '../tensor.js';

/** The tensor a single-input layer works on: a layer may be called with a one-element array. */
export const firstInput = (inputs: Tensor | Tensor[]): Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);
