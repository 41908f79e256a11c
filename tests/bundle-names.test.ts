// The bundles drop the names of internal functions (scripts/bundle-names.mjs, for a faster cold
// start); everything a program can reach keeps its name, given in its header where it can be.
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dropInternalNames, nameBindingsInline, nameClassesInline } from '../scripts/bundle-names.mjs';
import { runChunk } from './chunk-run';

const PROLOGUE = 'var W=Object.defineProperty;var a=(t,e)=>W(t,"name",{value:e,configurable:!0});var q=(t,e)=>{for(var n in e)W(t,n,{get:e[n],enumerable:!0})};';

describe('dropInternalNames', () => {
  test('drops the name calls of internal function declarations only', () => {
    const chunk = PROLOGUE +
      'function X(){return 1}a(X,"describeFrame");function Y(t){return t}a(Y,"matMul");function Z(){}a(Z,"relu");' +
      'var ns={};q(ns,{relu:()=>Z});var C=class{static{a(this,"Tensor")}};var f=a(()=>0,"sgd");' +
      'export{Y as matMul,ns as ops,C as Tensor,f as sgd};';
    const { text, dropped, kept } = dropInternalNames(chunk);
    expect([dropped, kept]).toEqual([1, 2]);
    expect(text).toContain('function X(){return 1}function Y');
    for (const call of ['a(Y,"matMul")', 'a(Z,"relu")', 'static{a(this,"Tensor")}', 'a(()=>0,"sgd")']) expect(text).toContain(call);
  });

  test('leaves a chunk without esbuild\'s name helper as it is', () => {
    const chunk = 'function X(){}a(X,"x");export{X as x};';
    expect(dropInternalNames(chunk)).toEqual({ text: chunk, dropped: 0, kept: 0 });
  });
});

describe('nameClassesInline', () => {
  const run = (chunk: string) => new Function(chunk)();

  test('names anonymous classes in their header, wherever the static block stands, and they keep their names', () => {
    const chunk = PROLOGUE +
      'var A=class{static{a(this,"Tensor")}x=1;get y(){return 2}};' +
      'var B=class extends A{m;static{a(this,"Dense")}constructor(){super(),this.m=3}};' +
      'return [A.name,B.name,new B().m,new B().x,new B() instanceof A,String(Object.getOwnPropertyNames(B))];';
    const { text, named, left } = nameClassesInline(chunk);
    expect([named, left]).toEqual([2, 0]);
    expect(text).toContain('var A=class Tensor{x=1;');
    expect(text).toContain('var B=class Dense extends A{m;constructor()');
    expect(text).not.toContain('static{');
    expect(run(text)).toEqual(run(chunk));
    expect(run(text).slice(0, 2)).toEqual(['Tensor', 'Dense']);
  });

  test('leaves a class whose body uses the name, or that has its own inner name, to its static block', () => {
    // inside the first, Dense is the outer variable; a class named Dense would shadow it
    const chunk = PROLOGUE +
      'var Dense=7;var A=class{static{a(this,"Dense")}f(){return Dense}};' +
      'var B=class t{static{a(this,"Pool")}static make(){return new t}};' +
      'return [A.name,new A().f(),B.name,B.make() instanceof B];';
    const { text, named, left } = nameClassesInline(chunk);
    expect([named, left]).toEqual([0, 2]);
    expect(text).toBe(chunk);
    expect(run(text)).toEqual(['Dense', 7, 'Pool', true]);
  });

  test('leaves a chunk without esbuild\'s name helper as it is', () => {
    const chunk = 'var A=class{static{a(this,"Tensor")}};export{A as Tensor};';
    expect(nameClassesInline(chunk)).toEqual({ text: chunk, named: 0, left: 0 });
  });
});

describe('nameBindingsInline', () => {
  const run = runChunk;

  test('renames exported functions, self-named classes and named arrow functions to their names, at every reference of their scope', () => {
    const chunk = PROLOGUE +
      'function X(t){return t+1}a(X,"inc");' +
      'var C=class t{static{a(this,"Pool")}static make(){return new t}};' +
      'var R=a(t=>Math.max(t,0),"relu"),o={relu:a(t=>-t,"relu"),k:a(()=>0,"other")};' +
      // an inner X is another binding: it stays
      'function F(){let X=2;return X}' +
      'var ns={};q(ns,{inc:()=>X,relu:()=>R});' +
      'export{X as inc1,X,C as Pool,R,F,ns,o};';
    const { text, named, left } = nameBindingsInline(chunk);
    expect([named, left]).toEqual([4, 0]);
    expect(text).toContain('function inc(t){return t+1}var');
    expect(text).toContain('var C=class Pool{static make(){return new Pool}}');
    expect(text).toContain('var relu=t=>Math.max(t,0),o={relu:t=>-t,k:a(()=>0,"other")}');
    expect(text).toContain('let X=2;return X');
    expect(text).toContain('q(ns,{inc:()=>inc,relu:()=>relu})');
    expect(text).toContain('export{inc as inc1,inc as X,C as Pool,relu as R,F,ns,o}');
    const before = run(chunk), after = run(text);
    for (const r of [before, after]) {
      expect([r.inc1(1), r.X(2), r.Pool.make() instanceof r.Pool, r.R(-3), r.F(), r.ns.inc(4), r.ns.relu(-1), r.o.relu(2)]).toEqual([2, 3, true, 0, 2, 5, 0, -2]);
    }
    expect([after.inc1.name, after.Pool.name, after.R.name, after.o.relu.name, after.o.k.name]).toEqual(['inc', 'Pool', 'relu', 'relu', 'other']);
  });

  test('leaves a name that another identifier of the chunk uses, or that is not an identifier, to its call', () => {
    // renaming X to Math would shadow the global; to n, the parameter of g
    const chunk = PROLOGUE + 'function X(){return Math.PI}a(X,"Math");function Y(n){return n}a(Y,"n");function Z(){}a(Z,"default");' +
      'function g(n){return Y(n)}export{X,Y,Z,g};';
    const { text, named, left } = nameBindingsInline(chunk);
    expect([named, left]).toEqual([0, 3]);
    expect(text).toBe(chunk);
  });

  test('renames a local function where no other identifier of its function has the name', () => {
    // F1 and F2 each have their own claim; F3's parameter is claim already
    const chunk = PROLOGUE + 'function F1(){let s=a(()=>1,"claim");return s()}function F2(){let r=a(()=>2,"claim");return [r(),r.name]}' +
      'function F3(claim){let q=a(()=>3,"claim");return q()+claim}export{F1,F2,F3};';
    const { text, named, left } = nameBindingsInline(chunk);
    expect([named, left]).toEqual([2, 1]);
    expect(text).toContain('function F1(){let claim=()=>1;return claim()}function F2(){let claim=()=>2;return [claim(),claim.name]}');
    expect(text).toContain('function F3(claim){let q=a(()=>3,"claim");return q()+claim}');
    const r = run(text);
    expect([r.F1(), r.F2(), r.F3(4)]).toEqual([1, [2, 'claim'], 7]);
  });

  test('leaves a chunk without esbuild\'s name helper as it is', () => {
    const chunk = 'function X(){}a(X,"x");export{X as x};';
    expect(nameBindingsInline(chunk)).toEqual({ text: chunk, named: 0, left: 0 });
  });

  test('an entry that imports the helper from the chunk is named the same way, given the helper\'s local name', () => {
    const entry = 'import{a as p,b as n}from"./chunk.js";function X(t){return n(t)}p(X,"inc");var C=class t{static{p(this,"Pool")}static make(){return new t}};' +
      'export{X as inc,C as Pool};';
    expect(nameBindingsInline(entry)).toEqual({ text: entry, named: 0, left: 0 }); // no helper defined in the text
    const { text, named, left } = nameBindingsInline(entry, 'p');
    expect([named, left]).toEqual([2, 0]);
    expect(text).toBe('import{a as p,b as n}from"./chunk.js";function inc(t){return n(t)}var C=class Pool{static make(){return new Pool}};export{inc as inc,C as Pool};');
    // what the chunk would give it: its name helper, and an increment
    const r = runChunk(PROLOGUE + 'var n=t=>t+1;' + text.replace(/^import\{[^}]*\}from"\.\/chunk\.js";/, 'var p=a;'));
    expect([r.inc.name, r.inc(1), r.Pool.name, r.Pool.make() instanceof r.Pool]).toEqual(['inc', 2, 'Pool', true]);
  });
});

test('the built bundles keep the names of the public API (classes, functions, metrics; the chunk\'s and the entries\' own), namespaces without a prototype', () => {
  const dist = (f: string) => JSON.stringify(fileURLToPath(new URL(`../dist/${f}`, import.meta.url)));
  const script = `
    const wg = await import(${dist('index.js')});
    const tf = await import(${dist('tfjs.js')});
    console.log(JSON.stringify([
      wg.Tensor.name, wg.Sequential.name, wg.LayersModel.name, wg.Variable.name, wg.WasmgradError.name,
      wg.tidy.name, wg.variable.name, wg.init.name, wg.layers.dense.name, wg.metrics.categoricalAccuracy.name,
      tf.metrics.sparseCategoricalAccuracy.name, tf.metrics.binaryAccuracy.name, tf.losses.meanSquaredError.name,
      wg.layers.dense({ units: 1 }).constructor.name, wg.layers.lstm({ units: 1 }).constructor.name, wg.optimizers.adam().constructor.name,
      // made in the entries themselves, not the chunk
      wg.classic.perceptron.name, wg.classic.Perceptron.name, tf.image.flipLeftRight.name, tf.linalg.qr.name,
      Object.getPrototypeOf(wg.classic), Object.getPrototypeOf(tf.serialization),
    ]));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout.trim())).toEqual([
    'Tensor', 'Sequential', 'LayersModel', 'Variable', 'WasmgradError',
    'tidy', 'variable', 'init', 'dense', 'categoricalAccuracy',
    'sparseCategoricalAccuracy', 'binaryAccuracy', 'meanSquaredError',
    'Dense', 'LSTM', 'Adam',
    'perceptron', 'Perceptron', 'flipLeftRight', 'qr',
    null, null,
  ]);
});
