// The kernel table: every export is a kernel taking numbers (pointers are byte offsets into the one
// imported memory). Parallel kernels end with (taskBegin, taskEnd, scratch); see src/engine/pool.ts.
export { gemm_f32, gemm_scratch_bytes, gemm_conv_f32, gemm_conv_scratch_bytes, pack_b_f32 } from './gemm';
export { gemv_f32 } from './gemv';
export { binary_f32, unary_f32, unary_grad_f32 } from './dispatch';
export { reduce_f32, argreduce_f32 } from './reduce';
export { strided_copy, transpose2d, gather_rows, scatter_add_rows, one_hot, find_nonfinite } from './copy';
export { pool_noop, pool_trap } from './pool';
export { bench_fma_peak, bench_fma_peak_flops, bench_fma_peak_buffer_bytes } from './peak';
export { random_uniform, random_normal, dropout_f32 } from './random';
export { softmax_rows, softmax_grad_rows } from './softmax';
export { sgd_f32, adam_f32, adagrad_f32, adadelta_f32, rmsprop_f32, sumsq_f32 } from './optim';
export { softmax_xent_rows, sigmoid_xent } from './losses';
export { lstm_steps_f32, lstm_rows_f32, lstm_step_back_f32 } from './rnn-lstm';
export { gru_steps_f32, gru_rows_f32, gru_reset_before_rows_f32, gru_step_back_f32, gru_gates_f32, gru_cand_f32, gru_cand_back_f32, gru_gates_back_f32 } from './rnn-gru';
export { rnn_steps_f32, rnn_rows_f32, rnn_step_back_f32 } from './rnn-simple';
export { rnn_back_rows_f32 } from './rnn-back';
export { rnn_seq_copy } from './rnn-shared';
export {
  col2im_f32, conv_grad_input_direct_f32, depthwise_f32, depthwise_grad_input_f32, depthwise_grad_filter_f32, depthwise_grad_filter_scratch_bytes,
} from './conv';
export { pool_f32, pool_grad_f32 } from './pooling';
export { channel_sums_f32, channel_affine_f32, layernorm_f32, layernorm_grad_f32, layernorm_scratch_bytes } from './norm';
export { sigmoid_bernoulli_f32 } from './sample';
