// The bundle's namespace objects that only its export list names are made as null-prototype objects at
// its end (scripts/bundle-namespaces.mjs): same keys, same order, same values.
import { expect, test } from 'vitest';
import { namespacesAsObjects } from '../scripts/bundle-namespaces.mjs';
import { runChunk } from './chunk-run';

const PROLOGUE = 'var W=Object.defineProperty;var q=(t,e)=>{for(var n in e)W(t,n,{get:e[n],enumerable:!0})};';
const run = runChunk;

test('a namespace only exported becomes a plain object of the same entries, at the end of the chunk', () => {
  const chunk = PROLOGUE + 'var L={};q(L,{Dense:()=>D,dense:()=>d,"default":()=>z});var D=class Dense{};function d(){return new D}var z=3;' +
    'export{L as layers,d as dense};';
  const { text, made, left } = namespacesAsObjects(chunk);
  expect([made, left]).toEqual([1, 0]);
  expect(text).not.toContain('q(L,');
  expect(text).toContain('var z=3;var L={__proto__:null,Dense:D,dense:d,"default":z};export{L as layers,d as dense};');
  const before = run(chunk).layers, after = run(text).layers;
  expect(Object.keys(after)).toEqual(Object.keys(before));
  expect(after.dense() instanceof after.Dense).toBe(true);
  expect([after.Dense.name, after.default]).toEqual([before.Dense.name, 3]);
  expect(Object.getPrototypeOf(after)).toBe(null); // as a module namespace object's
});

test('a namespace the chunk itself reads keeps its getters, as does one with an entry that is not a name\'s getter', () => {
  // the first is read at the top level, before the values below it are made; the second has a computed entry
  const chunk = PROLOGUE + 'var L={};q(L,{dense:()=>d});var k=Object.keys(L);function d(){return 1}' +
    'var M={};q(M,{x:()=>1+1});export{L as layers,M as m,k};';
  const { text, made, left } = namespacesAsObjects(chunk);
  expect([made, left]).toEqual([0, 2]);
  expect(text).toBe(chunk);
  expect(run(text).k).toEqual(['dense']);
});

test('a namespace\'s name reused by a local elsewhere is another binding: the namespace is still made plain', () => {
  const chunk = PROLOGUE + 'var L={};q(L,{one:()=>o});function o(){let L=1;return L}export{L as ns};';
  const { text, made } = namespacesAsObjects(chunk);
  expect(made).toBe(1);
  expect(text).toContain('function o(){let L=1;return L}var L={__proto__:null,one:o};export{L as ns};');
  expect(run(text).ns.one()).toBe(1);
});

test('an entry named __proto__ (computed, as esbuild writes it) stays an entry, not the prototype', () => {
  const chunk = PROLOGUE + 'var L={};q(L,{["__proto__"]:()=>o,one:()=>o});function o(){return 1}export{L as ns};';
  const { text, made } = namespacesAsObjects(chunk);
  expect(made).toBe(1);
  const ns = run(text).ns;
  expect(Object.keys(ns)).toEqual(['__proto__', 'one']);
  expect(Object.getPrototypeOf(ns)).toBe(null);
  expect(ns.__proto__).toBe(ns.one);
});

test('an entry that imports the helper from the chunk, given its local name, makes its namespaces the same way', () => {
  const entry = 'import{q as e}from"./chunk.js";var L={};e(L,{one:()=>o});function o(){return 1}export{L as ns};';
  expect(namespacesAsObjects(entry).made).toBe(0); // no helper defined in the text
  const { text, made } = namespacesAsObjects(entry, 'e');
  expect(made).toBe(1);
  expect(text).toBe('import{q as e}from"./chunk.js";function o(){return 1}var L={__proto__:null,one:o};export{L as ns};');
});

test('leaves a chunk without esbuild\'s namespace helper as it is', () => {
  const chunk = 'var L={};export{L as layers};';
  expect(namespacesAsObjects(chunk)).toEqual({ text: chunk, made: 0, left: 0 });
});
