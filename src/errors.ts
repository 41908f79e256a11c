/** Every error wasmgrad raises on bad input: the message names the operation, the shapes or values involved and what was expected. */
export class WasmgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmgradError';
  }
}

/** Formats a shape the way error messages show it: [2,3,4]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
