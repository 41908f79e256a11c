// Runs a bundle chunk's text as a function body and returns what its export list exports, as the
// module importing it would see it (for the tests of scripts/bundle-*.mjs).
export function runChunk(chunk: string): Record<string, any> {
  const body = chunk.replace(/export\{([^}]*)\};?$/, (_, list: string) =>
    `return {${list.split(',').map((e) => { const [local, as = local] = e.split(' as '); return `${as}:${local}`; }).join(',')}};`);
  return new Function(body)();
}
