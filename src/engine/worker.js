// A pool worker: instantiates the compiled kernel module over the shared memory, then loops on the
// job control block (see pool.ts for its layout). Plain JavaScript so that every runtime, and the
// tests running from sources, can start it as it is.
const GEN = 0, DONE = 1, KERNEL = 2, NARGS = 3, NTASKS = 4, NTHREADS = 5, ERRORS = 6, SLEEPERS = 7;
const STOP = 8, SPIN_US = 9, ERR_LEN = 11, READY = 16;
const ARGS_BYTE = 256, ERR_BYTE = 1024, ERR_CAP = 1024;

function kernelTable(instance) {
  return Object.keys(instance.exports)
    .sort()
    .map((name) => instance.exports[name])
    .filter((f) => typeof f === 'function');
}

function splitTasks(nTasks, nThreads, index) {
  return [Math.floor((nTasks * index) / nThreads), Math.floor((nTasks * (index + 1)) / nThreads)];
}

function reportError(ctrl, memory, index, err) {
  const text = new TextEncoder().encode(`worker ${index}: ${err && err.message ? err.message : String(err)}`);
  if (Atomics.add(ctrl, ERRORS, 1) === 0) {
    const n = Math.min(text.length, ERR_CAP);
    new Uint8Array(memory.buffer, ctrl.byteOffset + ERR_BYTE, n).set(text.subarray(0, n));
    Atomics.store(ctrl, ERR_LEN, n);
  }
}

function loop(instance, memory, ctrlByte, index, scratch, announce) {
  const ctrl = new Int32Array(memory.buffer, ctrlByte, 256);
  const args = new Float64Array(memory.buffer, ctrlByte + ARGS_BYTE, 32);
  const fns = kernelTable(instance);
  let seen = Atomics.load(ctrl, GEN);
  // Ready in shared memory before the message: the caller counts on the flag once init resolves.
  Atomics.store(ctrl, READY + index, 1);
  announce();
  for (;;) {
    let gen = Atomics.load(ctrl, GEN);
    if (gen === seen) {
      // Spin briefly (a warm worker answers in well under a microsecond), then sleep.
      const spinUntil = performance.now() + Atomics.load(ctrl, SPIN_US) / 1000;
      let i = 0;
      while ((gen = Atomics.load(ctrl, GEN)) === seen) {
        if ((++i & 255) === 0 && performance.now() > spinUntil) break;
      }
      if (gen === seen) {
        Atomics.add(ctrl, SLEEPERS, 1);
        Atomics.wait(ctrl, GEN, seen);
        Atomics.sub(ctrl, SLEEPERS, 1);
        continue;
      }
    }
    seen = gen;
    if (Atomics.load(ctrl, STOP)) break;
    const nThreads = ctrl[NTHREADS];
    if (index >= nThreads) continue;
    const [begin, end] = splitTasks(ctrl[NTASKS], nThreads, index);
    try {
      if (begin < end) {
        const nargs = ctrl[NARGS];
        const a = new Array(nargs + 3);
        for (let k = 0; k < nargs; k++) a[k] = args[k];
        a[nargs] = begin;
        a[nargs + 1] = end;
        a[nargs + 2] = scratch;
        fns[ctrl[KERNEL]](...a);
      }
    } catch (err) {
      reportError(ctrl, memory, index, err);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
  Atomics.store(ctrl, READY + index, 0);
}

function start(data, post) {
  const { module, memory, ctrlByte, index, scratch } = data;
  let instance;
  try {
    instance = new WebAssembly.Instance(module, { env: { memory } });
  } catch (err) {
    post({ type: 'error', message: String(err && err.message ? err.message : err) });
    return;
  }
  loop(instance, memory, ctrlByte, index, scratch, () => post({ type: 'ready' }));
  post({ type: 'stopped' });
}

if (typeof self !== 'undefined' && typeof self.postMessage === 'function' && typeof Deno === 'undefined') {
  // a module Web Worker: browsers, Bun (Deno starts worker_threads: they can be unref'd)
  self.onmessage = (e) => start(e.data, (m) => self.postMessage(m));
} else {
  // Node's worker_threads
  const { parentPort } = await import('node:worker_threads');
  parentPort.once('message', (data) => start(data, (m) => parentPort.postMessage(m)));
}
