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
//
// The names left to calls are then given by the bindings themselves wherever the name is free: the
// minified binding of an exported function, a self-named class or a named arrow function is renamed
// to the name it keeps (`function matMul(){...}`, `var relu=t=>...`), at every reference its scope
// resolves, and its call goes.
import ts from 'typescript';

/** esbuild's name helper (`var a=(t,e)=>W(t,"name",{value:e,configurable:!0});`), its name in [1]. */
const nameHelperOf = (text) => /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>[\w$]+\(\2,"name",\{value:\3,configurable:!0\}\);/.exec(text);

/** A bundle's final export list, `export{a as b,c}`: each local binding -> the name it is exported as. */
export function exportedNames(text) {
  const list = /export\{([^}]*)\};?\s*$/.exec(text)?.[1] ?? '';
  return specifierMap(list);
}

/** The `a as b` specifiers of an import or export list, as a map a -> b (a -> a without `as`). */
export function specifierMap(list) {
  return new Map(list.split(',').map((part) => part.trim()).filter(Boolean).map((part) => part.split(/\s+as\s+/)).map(([from, as]) => [from, as ?? from]));
}

/**
 * The name of esbuild's name helper in a bundle's text: the one given (an entry that imports it from
 * the chunk), else the one the text defines, else null.
 */
export const nameHelperIn = (text, given) => given ?? nameHelperOf(text)?.[1] ?? null;

/**
 * The chunk's text without the name calls of its internal function declarations, and how many were
 * dropped and kept. A chunk without esbuild's name helper is returned as it is.
 */
export function dropInternalNames(text, helperName) {
  const helper = nameHelperIn(text, helperName);
  if (!helper) return { text, dropped: 0, kept: 0 };
  const exported = new Set(exportedNames(text).keys());
  // namespace objects: esbuild's __export(ns, { name: () => local, ... })
  for (const m of text.matchAll(/[\w$]+:\(\)=>([\w$]+)/g)) exported.add(m[1]);
  const name = helper.replace(/\$/g, '\\$');
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
export function nameClassesInline(text, helperName) {
  const helper = nameHelperIn(text, helperName);
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
    if (!call || !ts.isIdentifier(call.expression) || call.expression.text !== helper || call.arguments.length !== 2) return null;
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

/** The chunk parsed as JavaScript, with TypeScript's checker to resolve what each identifier binds. */
export function parseWithChecker(text) {
  const file = 'chunk.js';
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const host = {
    getSourceFile: (f) => (f === file ? source : undefined), getDefaultLibFileName: () => 'lib.d.ts',
    writeFile() {}, getCurrentDirectory: () => '', getCanonicalFileName: (f) => f, useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n', fileExists: (f) => f === file, readFile: () => undefined,
  };
  return { source, checker: ts.createProgram([file], { allowJs: true, noLib: true, noResolve: true }, host).getTypeChecker() };
}

// Words a function may not be named by, or that would change what the code means as a top-level name.
const NOT_A_NAME = new Set(('break case catch class const continue debugger default delete do else enum export extends ' +
  'false finally for function if implements import in instanceof interface let new null package private protected public ' +
  'return static super switch this throw true try typeof var void while with yield await async of get set ' +
  'arguments eval undefined NaN Infinity globalThis').split(' '));

/**
 * The chunk's text with the functions and classes that keep a name named by their bindings instead
 * of by a call to esbuild's name helper, and how many were named and left: exported function
 * declarations, classes with their own inner name (`class t{static{a(this,"Engine")}...new t...}`),
 * and functions assigned to a variable (`var X=a(()=>..,"relu")`) or to a property of their name. On
 * Node 24 each call turns its function into a dictionary-mode object (about 0.8 kB; the import took
 * 4 to 5 ms longer for the chunk's 500). The minified binding is renamed to the kept name at every reference its scope resolves
 * (TypeScript's checker), so the function or class is named as in its source. A name that another
 * identifier uses where the binding is seen (a global, another binding of the chunk's top level, a
 * local of the same function) is left to its call. A chunk without the helper is returned as it is.
 */
export function nameBindingsInline(text, helperName) {
  const helper = nameHelperIn(text, helperName);
  if (!helper) return { text, named: 0, left: 0 };
  const { source, checker } = parseWithChecker(text);
  const isPropertyName = (id) => {
    const p = id.parent;
    return (ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isPropertyAssignment(p) && p.name === id) ||
      ((ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p)) && p.name === id) ||
      (ts.isExportSpecifier(p) && p.propertyName !== undefined && p.name === id) || ts.isMetaProperty(p) ||
      ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p);
  };
  // every identifier that names a binding or a reference (not a property), by its text; the
  // renamings to make ([binding's declared name, kept name, the edits that delete the name's call]);
  // and the calls to delete outright
  const byText = new Map();
  const renamings = [];
  const edits = [];
  const isNameCall = (node, first) => ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === helper &&
    node.arguments.length === 2 && first(node.arguments[0]) && ts.isStringLiteral(node.arguments[1]);
  const isAnonymousFunction = (n) => ts.isArrowFunction(n) || (ts.isFunctionExpression(n) && !n.name);
  // `a(fn,"x")` becomes `fn`
  const unwrap = (call) => [[call.getStart(source), call.arguments[0].getStart(source), ''], [call.arguments[0].end, call.end, '']];
  let named = 0, left = 0;
  const visit = (node) => {
    if (ts.isIdentifier(node) && !isPropertyName(node)) {
      const list = byText.get(node.text);
      if (list) list.push(node);
      else byText.set(node.text, [node]);
    }
    if (ts.isSourceFile(node)) {
      for (let s = 0; s + 1 < node.statements.length; s++) {
        const [fn, call] = [node.statements[s], node.statements[s + 1]];
        if (ts.isFunctionDeclaration(fn) && fn.name && ts.isExpressionStatement(call) &&
          isNameCall(call.expression, (a) => ts.isIdentifier(a) && a.text === fn.name.text)) {
          renamings.push([fn.name, call.expression.arguments[1].text, [[call.getStart(source), call.end, '']]]);
        }
      }
    } else if ((ts.isClassExpression(node) || ts.isClassDeclaration(node)) && node.name) {
      const block = node.members.find((m) => ts.isClassStaticBlockDeclaration(m) && m.body.statements.length === 1 &&
        ts.isExpressionStatement(m.body.statements[0]) && isNameCall(m.body.statements[0].expression, (a) => a.kind === ts.SyntaxKind.ThisKeyword));
      if (block) renamings.push([node.name, block.body.statements[0].expression.arguments[1].text, [[block.getStart(source), block.end, '']]]);
    } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isNameCall(node.initializer, isAnonymousFunction)) {
      // `var X=a(()=>..,"relu")`: a function assigned to a variable takes the variable's name
      renamings.push([node.name, node.initializer.arguments[1].text, unwrap(node.initializer)]);
    } else if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) &&
      isNameCall(node.initializer, isAnonymousFunction) && node.initializer.arguments[1].text === node.name.text) {
      // `{relu:a(()=>..,"relu")}`: so does one assigned to a property of the same name
      edits.push(...unwrap(node.initializer));
      named++;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const symbolOf = (id) => (ts.isExportSpecifier(id.parent) ? checker.getExportSpecifierLocalTargetSymbol(id.parent) : checker.getSymbolAtLocation(id));
  // where a binding is seen: a class expression's own name inside the class, any other binding in its
  // function (null: the whole chunk)
  const scopeOf = (declared) => {
    if (ts.isClassExpression(declared.parent)) return declared.parent;
    for (let n = declared.parent.parent; n; n = n.parent) if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return n;
    return null;
  };
  // no identifier of that name in the scope: the renamed binding neither hides nor is hidden by another
  const isFree = (name, scope) => (scope === null ? !byText.has(name) :
    !(byText.get(name) ?? []).some((id) => id.pos >= scope.pos && id.end <= scope.end));
  for (const [declared, name, deletions] of renamings) {
    if (declared.text !== name && (!/^[A-Za-z_$][\w$]*$/.test(name) || NOT_A_NAME.has(name) || !isFree(name, scopeOf(declared)))) {
      left++;
      continue;
    }
    const binding = symbolOf(declared);
    const inDeletion = (id) => deletions.some(([from, to]) => id.getStart(source) >= from && id.end <= to);
    const references = byText.get(declared.text).filter((id) => symbolOf(id) === binding && !inDeletion(id));
    for (const id of declared.text === name ? [] : references) {
      const p = id.parent;
      // {X} and export {X} name a key too: it stays
      const by = ts.isShorthandPropertyAssignment(p) ? `${id.text}:${name}` : ts.isExportSpecifier(p) && !p.propertyName ? `${name} as ${id.text}` : name;
      edits.push([id.getStart(source), id.end, by]);
    }
    edits.push(...deletions);
    byText.set(name, [...(byText.get(name) ?? []), ...references]);
    named++;
  }
  let out = text;
  for (const [from, to, by] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + by + out.slice(to);
  return { text: out, named, left };
}
