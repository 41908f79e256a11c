// esbuild's keepNames follows every function declaration of a minified bundle with a call that
// restores its name (`function Xy(){...}a(Xy,"matMul");`). Over 500 of them name internal helpers
// that nobody reads, and running them costs a cold start about 4 ms on Node 20 and 24 (a scavenge
// more, and the calls themselves). This drops those calls for functions the chunk does not export:
// the public API (exported directly or through a namespace object) keeps its names, as do classes
// (static blocks) and named arrow functions; an internal helper shows its minified name in a stack
// trace.

/**
 * The chunk's text without the name calls of its internal function declarations, and how many were
 * dropped and kept. A chunk without esbuild's name helper is returned as it is.
 */
export function dropInternalNames(text) {
  const helper = /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>[\w$]+\(\2,"name",\{value:\3,configurable:!0\}\);/.exec(text);
  if (!helper) return { text, dropped: 0, kept: 0 };
  const exported = new Set();
  const exportList = /export\{([^}]*)\};?\s*$/.exec(text);
  for (const part of exportList ? exportList[1].split(',') : []) exported.add(part.trim().split(/\s+as\s+/)[0]);
  // namespace objects: esbuild's __export(ns, { name: () => local, ... })
  for (const m of text.matchAll(/[\w$]+:\(\)=>([\w$]+)/g)) exported.add(m[1]);
  const name = helper[1].replace(/\$/g, '\\$');
  let dropped = 0, kept = 0;
  const out = text.replace(new RegExp(`\\}${name}\\(([\\w$]+),"[\\w$]*"\\);`, 'g'), (call, local) => {
    if (exported.has(local)) {
      kept++;
      return call;
    }
    dropped++;
    return '}';
  });
  return { text: out, dropped, kept };
}
