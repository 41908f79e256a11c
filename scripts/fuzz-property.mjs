// The property every fuzz case must hold, shared by the fuzzer's child processes (scripts/fuzz.mjs,
// on the built bundle) and the corpus regression test (tests/fuzz-corpus.test.ts, on the sources):
// loading a file succeeds or raises a WasmgradError, in bounded time, leaving no tensor behind and
// no member added to or changed on Object.prototype, Array.prototype or Function.prototype. A model
// that loads is also run once (predict), so what a file smuggled past the loader fails here.

/** A case: { kind: 'safetensors', bytes } or { kind: 'model', modelJson (text), weights } (bytes as Uint8Array). */

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype];

function snapshotPrototypes() {
  return PROTOTYPES.map((p) => new Map(Reflect.ownKeys(p).map((k) => {
    const d = Object.getOwnPropertyDescriptor(p, k);
    return [k, d.value ?? d.get];
  })));
}

function prototypeChanges(before) {
  const changes = [];
  PROTOTYPES.forEach((p, i) => {
    const keys = Reflect.ownKeys(p);
    for (const k of keys) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (!before[i].has(k)) changes.push(`added ${String(k)}`);
      else if (before[i].get(k) !== (d.value ?? d.get)) changes.push(`changed ${String(k)}`);
    }
    if (keys.length !== before[i].size) changes.push('removed a member');
  });
  if (Object.getPrototypeOf(Object.prototype) !== null) changes.push('Object.prototype got a prototype');
  return changes;
}

/** Restores the prototypes after a failing case (so one failure does not fail every later case). */
function restorePrototypes(before) {
  PROTOTYPES.forEach((p, i) => {
    for (const k of Reflect.ownKeys(p)) if (!before[i].has(k)) delete p[k];
  });
}

const liveOf = (wg) => {
  const { numTensors, numBytes } = wg.memory();
  return { numTensors, numBytes };
};

function disposeDeep(wg, v) {
  if (v instanceof wg.Tensor) v.dispose();
  else if (Array.isArray(v)) for (const x of v) disposeDeep(wg, x);
}

/** Runs the loaded model once on zeros of its input shape (unknown dimensions 2), when that is small. */
function runOnce(wg, model) {
  const xs = [];
  try {
    for (const input of model.inputs) {
      const shape = input.shape.map((d) => (d === null ? 2 : d));
      if (shape.reduce((a, b) => a * b, 1) > 100_000) return;
      xs.push(wg.zeros(shape, input.dtype === 'int32' ? 'int32' : 'float32'));
    }
    disposeDeep(wg, model.predict(xs.length === 1 ? xs[0] : xs));
  } finally {
    for (const x of xs) x.dispose();
  }
}

/** CPU time of this process (all its threads) in ms: a machine shared with other jobs stretches wall time, not this. */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs one case; returns { outcome: 'ok' | 'error', message?, ms } when the property holds, or
 * { outcome: 'fail', reason, ms } when it does not. The time limit is on CPU time.
 */
export async function checkCase(wg, c, { timeLimitMs = 10_000 } = {}) {
  const protos = snapshotPrototypes();
  const before = liveOf(wg);
  const t0 = performance.now();
  const cpu0 = cpuMs();
  let outcome = 'ok';
  let message;
  const fail = (reason) => ({ outcome: 'fail', reason, ms: performance.now() - t0 });
  try {
    if (c.kind === 'safetensors') {
      const out = wg.io.decodeSafetensors(c.bytes);
      const proto = Object.getPrototypeOf(out);
      for (const k of Object.keys(out)) out[k].dispose();
      if (proto !== null) return fail(`decodeSafetensors returned a record with a prototype (${proto?.constructor?.name ?? typeof proto})`);
    } else {
      const model = await wg.loadModel({ modelJson: c.modelJson, weights: c.weights });
      try {
        runOnce(wg, model);
      } finally {
        model.dispose();
      }
    }
  } catch (err) {
    if (!(err instanceof wg.WasmgradError)) {
      restorePrototypes(protos);
      return fail(`threw ${err?.name ?? typeof err}, not a WasmgradError: ${String(err?.message ?? err).slice(0, 300)}`);
    }
    outcome = 'error';
    message = err.message;
  }
  const ms = performance.now() - t0;
  const changes = prototypeChanges(protos);
  if (changes.length) {
    restorePrototypes(protos);
    return fail(`prototype pollution: ${changes.join(', ')}`);
  }
  const after = liveOf(wg);
  if (after.numTensors !== before.numTensors || after.numBytes !== before.numBytes) {
    return fail(`leak: ${after.numTensors - before.numTensors} tensors, ${after.numBytes - before.numBytes} bytes left after ${outcome === 'ok' ? 'success' : `error: ${message}`}`);
  }
  const cpu = cpuMs() - cpu0;
  if (cpu > timeLimitMs) return fail(`took ${cpu.toFixed(0)} ms of CPU time (${ms.toFixed(0)} ms wall), more than ${timeLimitMs} ms`);
  return { outcome, message, ms };
}

// ---- case files (the corpus): JSON with the bytes in base64 ------------------------------------

export function encodeCase(c) {
  const b64 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64');
  return c.kind === 'safetensors'
    ? { kind: c.kind, note: c.note ?? '', bytes: b64(c.bytes) }
    : { kind: c.kind, note: c.note ?? '', modelJson: c.modelJson, weights: b64(c.weights) };
}

export function decodeCase(json) {
  const u8 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
  if (json.kind === 'safetensors') return { kind: json.kind, note: json.note, bytes: u8(json.bytes) };
  if (json.kind === 'model') return { kind: json.kind, note: json.note, modelJson: json.modelJson, weights: u8(json.weights) };
  throw new Error(`unknown case kind ${json.kind}`);
}
