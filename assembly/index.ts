// The kernel table: every export is a kernel taking numbers (pointers are byte offsets into the one
// imported memory). Parallel kernels end with (taskBegin, taskEnd, scratch); see src/engine/pool.ts.
export { gemm_f32, gemm_scratch_bytes } from './gemm';
export { binary_f32 } from './binary';
export { unary_f32, unary_grad_f32 } from './unary';
export { reduce_f32, argreduce_f32 } from './reduce';
export { strided_copy, transpose2d, gather_rows, scatter_add_rows, one_hot, find_nonfinite } from './copy';
export { pool_noop, pool_trap } from './pool';
export { bench_fma_peak } from './peak';
export { random_uniform, random_normal, dropout_f32 } from './random';
export { softmax_rows, softmax_grad_rows } from './softmax';
