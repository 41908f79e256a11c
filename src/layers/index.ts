// wg.layers.*: factories as TensorFlow.js names them (wg.layers.dense({ units }) and so on).
import { Dense, Activation, Flatten, Reshape, Dropout, type DenseArgs } from './core.js';
import type { LayerArgs } from './layer.js';
import type { ActivationFn } from '../activations.js';

export { Layer, SymbolicTensor, registerLayer, getLayerClass, type Shape, type LayerArgs, type CallArgs } from './layer.js';
export { Dense, Activation, Flatten, Reshape, Dropout };

export const dense = (args: DenseArgs) => new Dense(args);
export const activation = (args: LayerArgs & { activation: string | ActivationFn }) => new Activation(args);
export const flatten = (args: LayerArgs = {}) => new Flatten(args);
export const reshape = (args: LayerArgs & { targetShape: number[] }) => new Reshape(args);
export const dropout = (args: LayerArgs & { rate: number; seed?: number }) => new Dropout(args);
