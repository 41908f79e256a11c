// esbuild's keepNames follows every function declaration of a minified bundle with a call that
// restores its name (`function Xy(){...}a(Xy,"matMul");`). Over 500 of them name internal helpers
// that nobody reads, and running them costs a cold start about 4 ms on Node 20 and 24 (a scavenge
// more, and the calls themselves). This drops those calls for functions the chunk does not export:
// the public API (exported directly or through a namespace object) keeps its names, as do classes
// (static blocks) and named arrow functions; an internal helper shows its minified name in a stack
// trace.
//
// Classes keep their names without a static block: `var X=class{static{a(this,"Dense")}...}` becomes
// `var X=class Dense{...}` wherever the class body does not itself use the name (the inner binding
// would shadow it). Each static block is a function V8 compiles and runs at import: over a hundred.
import ts from 'typescript';

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

/**
 * The chunk's text with its anonymous classes named in their header instead of by a static block
 * calling esbuild's name helper, and how many were named and left (a class with its own inner name,
 * or whose body uses the name). A chunk without the helper is returned as it is.
 */
export function nameClassesInline(text) {
  const helper = /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>[\w$]+\(\2,"name",\{value:\3,configurable:!0\}\);/.exec(text);
  if (!helper) return { text, named: 0, left: 0 };
  const source = ts.createSourceFile('chunk.js', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const uses = (node, name) => {
    let found = false;
    const walk = (n) => {
      if (found) return;
      if (ts.isIdentifier(n) && n.text === name) found = true;
      else ts.forEachChild(n, walk);
    };
    walk(node);
    return found;
  };
  const nameOf = (member) => {
    if (!ts.isClassStaticBlockDeclaration(member) || member.body.statements.length !== 1) return null;
    const st = member.body.statements[0];
    const call = ts.isExpressionStatement(st) && ts.isCallExpression(st.expression) ? st.expression : null;
    if (!call || !ts.isIdentifier(call.expression) || call.expression.text !== helper[1] || call.arguments.length !== 2) return null;
    const [self, name] = call.arguments;
    return self.kind === ts.SyntaxKind.ThisKeyword && ts.isStringLiteral(name) ? name.text : null;
  };
  const edits = [];
  let named = 0, left = 0;
  const visit = (node) => {
    if (ts.isClassExpression(node) || ts.isClassDeclaration(node)) {
      for (const member of node.members) {
        const name = nameOf(member);
        if (name === null) continue;
        if (node.name || !/^[A-Za-z_$][\w$]*$/.test(name) || uses(node, name)) {
          left++;
          break;
        }
        const classKeyword = node.getStart(source) + 'class'.length;
        edits.push([classKeyword, classKeyword, ` ${name}`], [member.getStart(source), member.end, '']);
        named++;
        break;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  let out = text;
  for (const [from, to, by] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + by + out.slice(to);
  return { text: out, named, left };
}
