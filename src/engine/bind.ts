// Binding a compiled build's kernels. Every kernel must be exported with the parameters its source
// declares (src/engine/abi.ts is generated from assembly/), and the per-thread scratch must hold what
// the kernels' own *_scratch_bytes say they need for the widest tile. Checked once at init: a stale or
// foreign .wasm fails there, naming what differs, instead of computing garbage later.
import { WasmgradError, msg } from '../errors.js';
import { KERNEL_PARAMS, NC, SCRATCH_BYTES, type KernelName, type Kernels } from './abi.js';

type KernelFn = (...args: number[]) => number | void;

export interface KernelTable {
  /** Every exported function's name, sorted: a kernel's id is its index (the pool's workers bind the same list). */
  names: string[];
  fns: KernelFn[];
  kernels: Kernels;
}

/** What the ABI expects: each kernel's parameter names (separated by spaces), and the scratch every thread gets. */
export interface KernelSpec {
  params: { readonly [name: string]: string };
  scratchBytes: number;
}

const SPEC: KernelSpec = { params: KERNEL_PARAMS, scratchBytes: SCRATCH_BYTES };

export function bindKernels(exports: Record<string, unknown>, build: string, spec: KernelSpec = SPEC): KernelTable {
  const problems: string[] = [];
  for (const name in spec.params) {
    const params = spec.params[name];
    const f = exports[name];
    if (typeof f !== 'function') problems.push(`kernel ${name} is missing`);
    else {
      const count = paramCount(params);
      if (f.length !== count) problems.push(`kernel ${name} takes ${f.length} arguments, expected ${count} (${params.replaceAll(' ', ', ')})`);
    }
  }
  if (problems.length > 0) {
    throw new WasmgradError(
      `init: the '${build}' build does not match this version of wasmgrad (${problems.join('; ')}); rebuild it with node scripts/build-wasm.mjs`,
    );
  }
  const kernels = exports as unknown as Kernels;
  const needs: [string, number][] = [
    [`gemm_scratch_bytes(${NC})`, kernels.gemm_scratch_bytes(NC)],
    [`gemm_conv_scratch_bytes(${NC}, 0)`, kernels.gemm_conv_scratch_bytes(NC, 0)],
  ];
  for (const [what, bytes] of needs) {
    if (!(bytes <= spec.scratchBytes)) {
      throw new WasmgradError(msg`init: the '${build}' build's ${what} is ${bytes} bytes, more than the ${spec.scratchBytes} bytes of scratch each thread gets`);
    }
  }
  const names = Object.keys(exports)
    .sort()
    .filter((n) => typeof exports[n] === 'function');
  return { names, fns: names.map((n) => exports[n] as KernelFn), kernels };
}

/** The number of names in a space-separated list (without splitting it: bound at every init). */
export function paramCount(params: string): number {
  let n = params === '' ? 0 : 1;
  for (let i = params.indexOf(' '); i >= 0; i = params.indexOf(' ', i + 1)) n++;
  return n;
}

export type { KernelName };
