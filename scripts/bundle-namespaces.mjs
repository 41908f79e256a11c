// esbuild makes each `export * as layers from ...` namespace an object with a getter per export,
// defined one by one at the start of the module's code (`var L={};e(L,{dense:()=>Dn,...})`): each
// entry costs a closure, an accessor and a descriptor, about 110 kB of young objects over the chunk's
// 314 entries, which pushed a scavenge of the young generation into every cold start. A namespace
// that nothing in the chunk reads (it is only exported, for index.js and tfjs.js, which run after
// the chunk) is made instead, at the end of the chunk, as an object of the same keys in the same
// order, holding the values themselves: the chunk exports only functions, classes and constants, so
// a getter and the value it would return are the same thing. Its prototype is null, as a module
// namespace object's is (a literal so made is a dictionary at once: about 20 kB of young objects
// less, over the chunk's namespaces, than a fast object grown key by key).
import ts from 'typescript';
import { parseWithChecker } from './bundle-names.mjs';

/** esbuild's namespace helper (`var e=(t,n)=>{for(var r in n)W(t,r,{get:n[r],enumerable:!0})};`), its name in [1]. */
const namespaceHelperOf = (text) => /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>\{for\(var ([\w$]+) in \3\)[\w$]+\(\2,\4,\{get:\3\[\4\],enumerable:!0\}\)\};/.exec(text);

/** The namespace helper's name: the one given (an entry that imports it from the chunk), else the one the text defines, else null. */
export const namespaceHelperIn = (text, given) => given ?? namespaceHelperOf(text)?.[1] ?? null;

/**
 * The chunk's text with its namespace objects that only the export list names made as null-prototype objects
 * at its end, and how many were made so and left (read by the chunk's own code, or with an entry
 * that is not a getter of a name). A chunk without the helper is returned as it is.
 */
export function namespacesAsObjects(text, helperName) {
  const helper = namespaceHelperIn(text, helperName);
  if (!helper) return { text, made: 0, left: 0 };
  const { source, checker } = parseWithChecker(text);
  const statements = source.statements;
  const symbolOf = (id) => (ts.isExportSpecifier(id.parent) ? checker.getExportSpecifierLocalTargetSymbol(id.parent) : checker.getSymbolAtLocation(id));
  const references = new Map();
  const collect = (node) => {
    if (ts.isIdentifier(node)) {
      const symbol = symbolOf(node);
      if (symbol) references.set(symbol, [...(references.get(symbol) ?? []), node]);
    }
    ts.forEachChild(node, collect);
  };
  collect(source);
  const edits = [];
  const objects = [];
  let made = 0, left = 0;
  for (let s = 0; s + 1 < statements.length; s++) {
    const [declaration, call] = [statements[s], statements[s + 1]];
    if (!ts.isVariableStatement(declaration) || declaration.declarationList.declarations.length !== 1) continue;
    const [decl] = declaration.declarationList.declarations;
    const isEmptyObject = decl.initializer && ts.isObjectLiteralExpression(decl.initializer) && decl.initializer.properties.length === 0;
    const e = ts.isExpressionStatement(call) && ts.isCallExpression(call.expression) ? call.expression : null;
    if (!ts.isIdentifier(decl.name) || !isEmptyObject || !e || !ts.isIdentifier(e.expression) || e.expression.text !== helper ||
      e.arguments.length !== 2 || !ts.isIdentifier(e.arguments[0]) || e.arguments[0].text !== decl.name.text || !ts.isObjectLiteralExpression(e.arguments[1])) continue;
    const entries = e.arguments[1].properties.map((p) => (ts.isPropertyAssignment(p) && ts.isArrowFunction(p.initializer) && p.initializer.parameters.length === 0 &&
      ts.isIdentifier(p.initializer.body) ? `${p.name.getText(source)}:${p.initializer.body.text}` : null));
    const readElsewhere = references.get(symbolOf(decl.name)).some((id) => id !== decl.name && id !== e.arguments[0] && !ts.isExportSpecifier(id.parent));
    // (a key __proto__ would set the prototype rather than make an entry)
    if (readElsewhere || entries.includes(null) || entries.some((e) => /^["']?__proto__["']?:/.test(e))) {
      left++;
      continue;
    }
    edits.push([declaration.getStart(source), call.end, '']);
    objects.push(`var ${decl.name.text}={__proto__:null,${entries.join(',')}};`);
    made++;
  }
  const last = statements[statements.length - 1];
  const at = last && ts.isExportDeclaration(last) ? last.getStart(source) : text.length;
  edits.push([at, at, objects.join('')]);
  let out = text;
  for (const [from, to, by] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + by + out.slice(to);
  return { text: out, made, left };
}
