// The kernel table: every export is a kernel taking numbers (pointers are byte offsets into the one
// imported memory). Parallel kernels end with (taskBegin, taskEnd, scratch); see src/engine/pool.ts.
export { gemm_f32, gemm_scratch_bytes } from './gemm';
export { pool_noop, pool_trap } from './pool';
export { bench_fma_peak } from './peak';
