// wg.layers.*: factories as TensorFlow.js names them (wg.layers.dense({ units }) and so on).
import { Dense, Activation, Flatten, Reshape, Dropout, type DenseArgs } from './core.js';
import type { LayerArgs } from './layer.js';
import type { ActivationFn } from '../activations.js';

export { Layer, SymbolicTensor, type Shape, type LayerArgs, type CallArgs } from './layer.js';
export { registerLayer, getLayerClass } from './registry.js';
export { Dense, Activation, Flatten, Reshape, Dropout };

export const dense = (args: DenseArgs) => new Dense(args);
export const activation = (args: LayerArgs & { activation: string | ActivationFn }) => new Activation(args);
export const flatten = (args: LayerArgs = {}) => new Flatten(args);
export const reshape = (args: LayerArgs & { targetShape: number[] }) => new Reshape(args);
export const dropout = (args: LayerArgs & { rate: number; seed?: number; noiseShape?: (number | null)[] | null }) => new Dropout(args);

// Recurrent layers and embedding (fused sequence ops, src/ops/rnn.ts)
import { SimpleRNN, LSTM, GRU, type RNNLayerArgs, type LSTMLayerArgs, type GRULayerArgs } from './recurrent.js';
import { Bidirectional, type BidirectionalArgs } from './bidirectional.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
export { RNN, SimpleRNN, LSTM, GRU, type RNNLayerArgs, type LSTMLayerArgs, type GRULayerArgs } from './recurrent.js';
export { Bidirectional, type BidirectionalArgs, type MergeMode } from './bidirectional.js';
export { Embedding, type EmbeddingArgs } from './embedding.js';
export const simpleRNN = (args: RNNLayerArgs) => new SimpleRNN(args);
export const lstm = (args: LSTMLayerArgs) => new LSTM(args);
export const gru = (args: GRULayerArgs) => new GRU(args);
export const bidirectional = (args: BidirectionalArgs) => new Bidirectional(args);
export const embedding = (args: EmbeddingArgs) => new Embedding(args);

// Recurrent cells and the generic RNN layer over a cell (cells.ts, rnn-layer.ts, conv-lstm.ts)
import { SimpleRNNCell, LSTMCell, GRUCell, type RNNCellArgs, type LSTMCellArgs, type GRUCellArgs } from './cells.js';
import { CellRNN, StackedRNNCells, type RNNArgs, type StackedRNNCellsArgs } from './rnn-layer.js';
import { ConvLSTM2D, ConvLSTM2DCell, type ConvLSTM2DArgs, type ConvLSTM2DCellArgs } from './conv-lstm.js';
export { RNNCell, SimpleRNNCell, LSTMCell, GRUCell, type RNNCellArgs, type LSTMCellArgs, type GRUCellArgs } from './cells.js';
export { CellRNN, StackedRNNCells, type RNNArgs, type StackedRNNCellsArgs } from './rnn-layer.js';
export { ConvLSTM2D, ConvLSTM2DCell, type ConvLSTM2DArgs, type ConvLSTM2DCellArgs } from './conv-lstm.js';
export const rnn = (args: RNNArgs) => new CellRNN(args);
export const simpleRNNCell = (args: RNNCellArgs) => new SimpleRNNCell(args);
export const lstmCell = (args: LSTMCellArgs) => new LSTMCell(args);
export const gruCell = (args: GRUCellArgs) => new GRUCell(args);
export const stackedRNNCells = (args: StackedRNNCellsArgs) => new StackedRNNCells(args);
export const convLstm2d = (args: ConvLSTM2DArgs) => new ConvLSTM2D(args);
export const convLstm2dCell = (args: ConvLSTM2DCellArgs) => new ConvLSTM2DCell(args);

// Model inputs, merge layers and advanced activations (src/layers/input.ts, merge.ts, advanced.ts)
import { InputLayer, type InputArgs } from './input.js';
import { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate } from './merge.js';
import { PReLU, Maxout, LeakyReLU, ELU, ReLU, Softmax, type PReLUArgs } from './advanced.js';
export { InputLayer, input, type InputArgs } from './input.js';
export { Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate } from './merge.js';
export { PReLU, Maxout, LeakyReLU, ELU, ReLU, Softmax, type PReLUArgs } from './advanced.js';
export const inputLayer = (args: InputArgs & { inputShape?: (number | null)[]; batchInputShape?: (number | null)[] }) => new InputLayer(args as never);
export const add = (args: LayerArgs = {}) => new Add(args);
export const subtract = (args: LayerArgs = {}) => new Subtract(args);
export const multiply = (args: LayerArgs = {}) => new Multiply(args);
export const average = (args: LayerArgs = {}) => new Average(args);
export const maximum = (args: LayerArgs = {}) => new Maximum(args);
export const minimum = (args: LayerArgs = {}) => new Minimum(args);
export const concatenate = (args: LayerArgs & { axis?: number } = {}) => new Concatenate(args);
export const prelu = (args: PReLUArgs = {}) => new PReLU(args);
export const maxout = (args: LayerArgs & { units?: number; numUnits?: number }) => new Maxout(args);
export const leakyReLU = (args: LayerArgs & { alpha?: number } = {}) => new LeakyReLU(args);
export const elu = (args: LayerArgs & { alpha?: number } = {}) => new ELU(args);
export const reLU = (args: LayerArgs & { maxValue?: number | null } = {}) => new ReLU(args);
export const softmax = (args: LayerArgs & { axis?: number } = {}) => new Softmax(args);

// Convolution, pooling and normalization (src/layers/conv.ts, pooling.ts, normalization.ts)
import { Conv1D, Conv2D, DepthwiseConv2D, Conv2DTranspose, type ConvLayerArgs, type DepthwiseConv2DArgs } from './conv.js';
import {
  MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  GlobalAveragePooling1D, GlobalMaxPooling1D, type Pooling2DArgs, type Pooling1DArgs, type GlobalPoolingArgs,
} from './pooling.js';
import { BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type LayerNormalizationArgs } from './normalization.js';
import { Conv3D, Conv3DTranspose } from './conv3d.js';
import { MaxPooling3D, AveragePooling3D, type Pooling3DArgs } from './pooling.js';
export { Conv3D, Conv3DTranspose } from './conv3d.js';
export { MaxPooling3D, AveragePooling3D, type Pooling3DArgs } from './pooling.js';
export { Conv1D, Conv2D, DepthwiseConv2D, Conv2DTranspose, type ConvLayerArgs, type DepthwiseConv2DArgs } from './conv.js';
export {
  MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  GlobalAveragePooling1D, GlobalMaxPooling1D, type Pooling2DArgs, type Pooling1DArgs, type GlobalPoolingArgs,
} from './pooling.js';
export { BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type LayerNormalizationArgs } from './normalization.js';
export const conv1d = (args: ConvLayerArgs) => new Conv1D(args);
export const conv2d = (args: ConvLayerArgs) => new Conv2D(args);
export const depthwiseConv2d = (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args);
export const conv2dTranspose = (args: ConvLayerArgs) => new Conv2DTranspose(args);
export const maxPooling2d = (args: Pooling2DArgs = {}) => new MaxPooling2D(args);
export const averagePooling2d = (args: Pooling2DArgs = {}) => new AveragePooling2D(args);
export const maxPooling1d = (args: Pooling1DArgs = {}) => new MaxPooling1D(args);
export const averagePooling1d = (args: Pooling1DArgs = {}) => new AveragePooling1D(args);
export const globalAveragePooling2d = (args: GlobalPoolingArgs = {}) => new GlobalAveragePooling2D(args);
export const globalMaxPooling2d = (args: GlobalPoolingArgs = {}) => new GlobalMaxPooling2D(args);
export const globalAveragePooling1d = (args: GlobalPoolingArgs = {}) => new GlobalAveragePooling1D(args);
export const globalMaxPooling1d = (args: GlobalPoolingArgs = {}) => new GlobalMaxPooling1D(args);
export const conv3d = (args: ConvLayerArgs) => new Conv3D(args);
export const conv3dTranspose = (args: ConvLayerArgs) => new Conv3DTranspose(args);
export const maxPooling3d = (args: Pooling3DArgs = {}) => new MaxPooling3D(args);
export const averagePooling3d = (args: Pooling3DArgs = {}) => new AveragePooling3D(args);
export const batchNormalization = (args: BatchNormalizationArgs = {}) => new BatchNormalization(args);
export const layerNormalization = (args: LayerNormalizationArgs = {}) => new LayerNormalization(args);

// TF.js layers wasmgrad lacked (reshaping.ts, wrappers.ts, dot.ts, separable.ts, noise.ts, elementwise.ts)
import { RepeatVector, Permute, UpSampling2D, ZeroPadding2D, Cropping2D } from './reshaping.js';
import { TimeDistributed, type TimeDistributedArgs } from './wrappers.js';
import { Dot, type DotArgs } from './dot.js';
import { SeparableConv2D, type SeparableConv2DArgs } from './separable.js';
import { GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D } from './noise.js';
import { Masking, ThresholdedReLU, Rescaling } from './elementwise.js';
export { RepeatVector, Permute, UpSampling2D, ZeroPadding2D, Cropping2D } from './reshaping.js';
export { TimeDistributed, type TimeDistributedArgs } from './wrappers.js';
export { Dot, type DotArgs } from './dot.js';
export { SeparableConv2D, type SeparableConv2DArgs } from './separable.js';
export { GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D } from './noise.js';
export { Masking, ThresholdedReLU, Rescaling } from './elementwise.js';
type Pads = number | number[] | number[][];
export const repeatVector = (args: LayerArgs & { n: number }) => new RepeatVector(args);
export const permute = (args: LayerArgs & { dims: number[] }) => new Permute(args);
export const upSampling2d = (args: LayerArgs & { size?: number | number[]; interpolation?: 'nearest' | 'bilinear'; dataFormat?: string } = {}) => new UpSampling2D(args);
export const zeroPadding2d = (args: LayerArgs & { padding?: Pads; dataFormat?: string } = {}) => new ZeroPadding2D(args);
export const cropping2d = (args: LayerArgs & { cropping: Pads; dataFormat?: string }) => new Cropping2D(args);
export const timeDistributed = (args: TimeDistributedArgs) => new TimeDistributed(args);
export const dot = (args: DotArgs) => new Dot(args);
export const separableConv2d = (args: SeparableConv2DArgs) => new SeparableConv2D(args);
export const gaussianNoise = (args: LayerArgs & { stddev: number; seed?: number }) => new GaussianNoise(args);
export const gaussianDropout = (args: LayerArgs & { rate: number; seed?: number }) => new GaussianDropout(args);
export const alphaDropout = (args: LayerArgs & { rate: number; noiseShape?: (number | null)[]; seed?: number }) => new AlphaDropout(args);
export const spatialDropout1d = (args: LayerArgs & { rate: number; seed?: number }) => new SpatialDropout1D(args);
export const masking = (args: LayerArgs & { maskValue?: number } = {}) => new Masking(args);
export const thresholdedReLU = (args: LayerArgs & { theta?: number } = {}) => new ThresholdedReLU(args);
export const rescaling = (args: LayerArgs & { scale: number; offset?: number }) => new Rescaling(args);

// Preprocessing layers (src/layers/preprocessing.ts)
import { CategoryEncoding, CenterCrop, Resizing, RandomWidth, type CategoryOutputMode } from './preprocessing.js';
export { CategoryEncoding, CenterCrop, Resizing, RandomWidth, type CategoryOutputMode } from './preprocessing.js';
type Interpolation = 'bilinear' | 'nearest';
export const categoryEncoding = (args: LayerArgs & { numTokens: number; outputMode?: CategoryOutputMode }) => new CategoryEncoding(args);
export const centerCrop = (args: LayerArgs & { height: number; width: number }) => new CenterCrop(args);
export const resizing = (args: LayerArgs & { height: number; width: number; interpolation?: Interpolation; cropToAspectRatio?: boolean }) => new Resizing(args);
export const randomWidth = (args: LayerArgs & { factor: number | [number, number]; interpolation?: Interpolation; seed?: number }) => new RandomWidth(args);

// TF.js spellings of existing layers (tf.layers.maxPool2d, globalMaxPool1d, cropping2D, ...)
export const cropping2D = cropping2d;
export const maxPool1d = maxPooling1d;
export const maxPool2d = maxPooling2d;
export const avgPool1d = averagePooling1d;
export const avgPool2d = averagePooling2d;
export const avgPooling1d = averagePooling1d;
export const avgPooling2d = averagePooling2d;
export const avgPool3d = averagePooling3d;
export const avgPooling3d = averagePooling3d;
export const globalMaxPool1d = globalMaxPooling1d;
export const globalMaxPool2d = globalMaxPooling2d;
export const globalAveragePool1d = globalAveragePooling1d;
export const globalAveragePool2d = globalAveragePooling2d;

// The built-in layers TF.js marks supportsMasking pass a padding mask from their input to their
// output (embedding({ maskZero }) -> dense -> lstm skips the padded steps, as in TF.js). Set on
// the prototypes here, in one list, so the layer files stay as they are.
for (const cls of [Dense, Activation, Dropout, PReLU, ReLU, BatchNormalization, LayerNormalization]) {
  Object.defineProperty(cls.prototype, 'supportsMasking', { value: true, writable: true, configurable: true });
}
