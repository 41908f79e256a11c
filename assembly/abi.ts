// The ABI between the kernels and the engine, defined once: memory layout, tile and chunk sizes, and
// the ids the kernels switch on. The kernels import these; scripts/abi-gen.mjs reads this file and
// writes the TypeScript side (src/engine/abi.ts) at build time, so nothing is copied by hand.
// Format (the generator's): `export const NAME: i32 = <integer expression>;` with integer literals,
// names defined above, `*`, `+`, `-` and `<<`; a `// @enum Name PREFIX_` line starts an enumeration
// (every following constant named PREFIX_*, up to a blank line), generated as `Name = { camelCase: id }`.

// ---- Linear memory -------------------------------------------------------------------------------
// [0, CTRL_BYTE): null guard; [CTRL_BYTE, CTRL_BYTE + CTRL_BYTES): the thread pool's job control
// block; [MEMORY_BASE, HEAP_BASE): the kernels' static data (constant tables, copied again by every
// worker's instantiation); [HEAP_BASE, MAX_PAGES * 64 KiB): tensors and scratch, owned by the engine.

/** Where the compiler places static data (asc --memoryBase). */
export const MEMORY_BASE: i32 = 8192;
/** Where the engine's allocator starts: static data must end below it (the build checks). */
export const HEAP_BASE: i32 = 65536;
/** The declared minimum of every build, in 64 KiB pages (asc --initialMemory): the engine's memory starts at least this large. */
export const MIN_PAGES: i32 = 16;
/** The declared maximum of every build, in 64 KiB pages (asc --maximumMemory): 2 GiB. */
export const MAX_PAGES: i32 = 32768;
/** Per-thread scratch the engine hands to parallel kernels (packed GEMM panels, column buffers). */
export const SCRATCH_BYTES: i32 = 4 << 20;

// ---- The thread pool's job control block (src/engine/pool.ts writes it, worker.js reads it) --------

export const CTRL_BYTE: i32 = 1024;
export const CTRL_BYTES: i32 = 4096;
/** The most threads a pool runs: one ready flag, one share claim and one scratch slot each. */
export const MAX_THREADS: i32 = 200;
/** Arguments of a job, as float64, from CTRL_ARGS_BYTE (past the last scratch slot). */
export const MAX_ARGS: i32 = 32;
export const CTRL_ARGS_BYTE: i32 = 3072;
/** The first failing worker's message, UTF-8, from CTRL_ERR_BYTE (at most CTRL_ERR_CAP bytes). */
export const CTRL_ERR_BYTE: i32 = CTRL_ARGS_BYTE + MAX_ARGS * 8;
export const CTRL_ERR_CAP: i32 = CTRL_BYTES - CTRL_ERR_BYTE;

// Int32 slots of the control block.
// @enum CTRL CTRL_
export const CTRL_GEN: i32 = 0;
export const CTRL_DONE: i32 = 1;
export const CTRL_KERNEL: i32 = 2;
export const CTRL_NARGS: i32 = 3;
export const CTRL_NTASKS: i32 = 4;
export const CTRL_NTHREADS: i32 = 5;
export const CTRL_ERRORS: i32 = 6;
export const CTRL_SLEEPERS: i32 = 7;
export const CTRL_STOP: i32 = 8;
export const CTRL_SPIN_US: i32 = 9;
export const CTRL_ERR_LEN: i32 = 11;
/** The steps of a stepped job (pool.ts runSteps: a barrier between steps). */
export const CTRL_NSTEPS: i32 = 12;
/** A stepped job's claim value of step 0 (CLAIM_STEPS or CLAIM_STEPS + 2, alternating job to job). */
export const CTRL_STEP_BASE: i32 = 13;
/** A job whose threads claim tasks from a counter (pool.ts run with a grain): tasks per claim; 0: fixed shares. */
export const CTRL_GRAIN: i32 = 14;
/** Such a job's next unclaimed task. */
export const CTRL_NEXT: i32 = 15;
/** Slot CTRL_READY + i: worker i is taking jobs. */
export const CTRL_READY: i32 = 16;
/** Slot CTRL_CLAIM + i: who runs worker i's share of the current job (a CLAIM_* state). */
export const CTRL_CLAIM: i32 = 256;
/** Slot CTRL_SCRATCH + i: worker i's scratch block (allocated when it first runs). */
export const CTRL_SCRATCH: i32 = 512;

// A worker's share of a job: open, taken by the worker, taken by the caller (the worker was late or
// dead), finished by the worker. A share runs once, whoever claims it.
// @enum CLAIM CLAIM_
export const CLAIM_OPEN: i32 = 0;
export const CLAIM_TAKEN: i32 = 1;
export const CLAIM_STOLEN: i32 = 2;
export const CLAIM_FINISHED: i32 = 3;
/**
 * A stepped job's share: step s open at base + 4 s, taken at + 1, base CTRL_STEP_BASE; all done at
 * base + 4 nSteps. Bases alternate so that a claim of a late worker still in the previous job never
 * matches a value of this one. Slot CLAIM + 0 is the caller's share (-1: the job was abandoned).
 */
export const CLAIM_STEPS: i32 = 4;

// ---- GEMM tiles (assembly/gemm.ts) ----------------------------------------------------------------

/** Rows and columns of the microkernel's tile. */
export const MR: i32 = 4;
export const NR: i32 = 8;
/** Rows of op(B) per packed block (the K step), and rows of A per packed block. */
export const KC: i32 = 256;
export const MC: i32 = 192;
/** The widest tile of C the engine hands a task; scratch is sized for it. */
export const NC: i32 = 1024;
/** gemv_f32 (products of fewer than MR rows): its column tasks are multiples of this. */
export const GEMV_COLUMNS: i32 = 32;

// ---- Elements (or channels) per task of the chunked kernels -----------------------------------------

export const BINARY_CHUNK: i32 = 8192;
export const UNARY_CHUNK: i32 = 4096;
/** Inner elements per task of reduce_f32 when inner > 1. */
export const REDUCE_CHUNK: i32 = 256;
export const RANDOM_CHUNK: i32 = 4096;
export const OPTIM_CHUNK: i32 = 4096;
/** Elements per task of sigmoid_xent. */
export const XENT_CHUNK: i32 = 4096;
/** Output channels per task of depthwise_grad_filter_f32. */
export const DW_FILTER_BLOCK: i32 = 16;
/** Channels per task of pool_grad_f32. */
export const POOL_GRAD_BLOCK: i32 = 16;
/** Output rows per task of transpose2d (and the side of its blocks). */
export const TRANSPOSE_BLOCK: i32 = 32;

// ---- The convolution geometry descriptor: i32 fields of a block of GEOM_BYTES ------------------------
// Source image [N, H, W, C], destination grid OH x OW per image, taps KH x KW; destination (oh, ow)
// with tap (kh, kw) reads source pixel (oh*sh - pt + kh*dh, ow*sw - pl + kw*dw), zero outside.
// Strides, dilations and pads may be negative (the input gradient of a stride-1 convolution is the
// convolution of dy with dilation -d and pad -p).

/** Bytes of a descriptor block (13 fields, rounded up). */
export const GEOM_BYTES: i32 = 64;
export const G_H: i32 = 0;
export const G_W: i32 = 1;
export const G_C: i32 = 2;
export const G_OH: i32 = 3;
export const G_OW: i32 = 4;
export const G_KH: i32 = 5;
export const G_KW: i32 = 6;
export const G_SH: i32 = 7;
export const G_SW: i32 = 8;
export const G_DH: i32 = 9;
export const G_DW: i32 = 10;
export const G_PT: i32 = 11;
export const G_PL: i32 = 12;

// ---- Ids the kernels switch on -------------------------------------------------------------------

// Broadcasting binary ops (binary_f32).
// @enum BIN BIN_
export const BIN_ADD: i32 = 0;
export const BIN_SUB: i32 = 1;
export const BIN_MUL: i32 = 2;
export const BIN_DIV: i32 = 3;
export const BIN_MAXIMUM: i32 = 4;
export const BIN_MINIMUM: i32 = 5;
export const BIN_SQUARED_DIFFERENCE: i32 = 6;
/** a >= b ? 1 : 0 (gradient masks of maximum). */
export const BIN_GREATER_EQUAL: i32 = 7;
/** a <= b ? 1 : 0 (gradient masks of minimum). */
export const BIN_LESS_EQUAL: i32 = 8;
export const BIN_EQUAL: i32 = 9;
/** a (b ignored): broadcasting copy. */
export const BIN_COPY: i32 = 10;

// Unary ops and their gradients (unary_f32, unary_grad_f32); p1, p2 are the op's parameters.
// @enum UNARY U_
export const U_NEG: i32 = 0;
export const U_ABS: i32 = 1;
export const U_EXP: i32 = 2;
export const U_LOG: i32 = 3;
export const U_SQRT: i32 = 4;
export const U_SQUARE: i32 = 5;
export const U_RELU: i32 = 6;
/** p1: the slope below zero. */
export const U_LEAKY_RELU: i32 = 7;
/** p1: alpha. */
export const U_ELU: i32 = 8;
export const U_SELU: i32 = 9;
/** Exact GELU: x Phi(x), Phi the normal cdf (not the tanh approximation). */
export const U_GELU: i32 = 10;
export const U_SIGMOID: i32 = 11;
export const U_TANH: i32 = 12;
export const U_SOFTPLUS: i32 = 13;
export const U_SWISH: i32 = 14;
/** x^p1 for an integer p1 (repeated squaring; negative x allowed). */
export const U_POW_INT: i32 = 15;
/** x^p1 = exp(p1 log x) for a non-integer p1 (NaN for x < 0). */
export const U_POW: i32 = 16;
/** clip to [p1, p2]. */
export const U_CLIP: i32 = 17;
/** p1 x + p2. */
export const U_AFFINE: i32 = 18;
export const U_RECIPROCAL: i32 = 19;
export const U_RSQRT: i32 = 20;
export const U_LOG1P: i32 = 21;
export const U_EXPM1: i32 = 22;
/** TF.js's hard sigmoid: clip(0.2 x + 0.5, 0, 1); its gradient is 0.2 strictly inside (-2.5, 2.5), else 0. */
export const U_HARD_SIGMOID: i32 = 23;

// Reductions (reduce_f32).
// @enum RED RED_
export const RED_SUM: i32 = 0;
export const RED_MAX: i32 = 1;
export const RED_MIN: i32 = 2;

// Activations a GEMM or convolution epilogue can fuse. Only activations whose vector and scalar forms
// give identical bits, so that edge tiles match full tiles.
// @enum ACT ACT_
export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;

// Where gemm_conv_f32's A operand comes from.
// @enum A_KIND A_
/** A matrix [m, k] (or [k, m] when transA), row stride lda. */
export const A_MATRIX: i32 = 0;
/** The implicit im2col matrix of an image (see the geometry descriptor). */
export const A_IM2COL: i32 = 1;
/** Its transpose: rows are patch elements, columns are pixels. */
export const A_IM2COL_T: i32 = 2;

// Column sums of channel_sums_f32 (p0, p1: per-channel parameters, per-row for ROW_GRAD).
// @enum SUMS NS_
/** out[c] = sum (x - p0[c]) (p0: a shift near the mean, so the sum of small deviations stays accurate). */
export const NS_SUM: i32 = 0;
/** out[c] = sum (x - p0[c])^2. */
export const NS_SQDEV: i32 = 1;
/** out[c] = sum dy, out[C + c] = sum dy (x - p0[c]). */
export const NS_GRAD: i32 = 2;
/** out[c] = sum dy (x - p0[r]) p1[r], out[C + c] = sum dy. */
export const NS_ROW_GRAD: i32 = 3;

// Activations of the fused recurrent cells (assembly/rnn.ts).
// @enum RNN_ACT RA_
export const RA_LINEAR: i32 = 0;
export const RA_RELU: i32 = 1;
export const RA_TANH: i32 = 2;
export const RA_SIGMOID: i32 = 3;
/** TF.js's hard sigmoid: clip(0.2 x + 0.5, 0, 1). */
export const RA_HARD_SIGMOID: i32 = 4;
