// A pool worker: instantiates the compiled kernel module over the shared memory, then loops on the
// job control block (see pool.ts for its layout). Plain JavaScript so that every runtime, and the
// tests running from sources, can start it as it is.
// The control block's layout (assembly/abi.ts) comes with the first message, as do the kernels' names
// in the order of their ids: nothing here is a copy of the engine's constants.
let GEN, DONE, KERNEL, NARGS, NTASKS, NTHREADS, NSTEPS, STEP_BASE, GRAIN, NEXT, ERRORS, SLEEPERS, STOP, SPIN_US, ERR_LEN, READY, CLAIM, SCRATCH;
let OPEN, TAKEN, FINISHED, STEPS, ARGS_BYTE, ERR_BYTE, ERR_CAP, MAX_ARGS, CTRL_BYTES;

function useLayout(layout) {
  ({ gen: GEN, done: DONE, kernel: KERNEL, nargs: NARGS, ntasks: NTASKS, nthreads: NTHREADS, nsteps: NSTEPS, stepBase: STEP_BASE, grain: GRAIN, next: NEXT, errors: ERRORS } = layout.slots);
  ({ sleepers: SLEEPERS, stop: STOP, spinUs: SPIN_US, errLen: ERR_LEN, ready: READY, claim: CLAIM, scratch: SCRATCH } = layout.slots);
  ({ open: OPEN, taken: TAKEN, finished: FINISHED, steps: STEPS } = layout.claim);
  ({ argsByte: ARGS_BYTE, errByte: ERR_BYTE, errCap: ERR_CAP, maxArgs: MAX_ARGS, ctrlBytes: CTRL_BYTES } = layout);
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

// Waits until ctrl[slot] >= target: false when the job was abandoned (the caller gave up on it, a
// kernel failed, or a new job started). Spins as long as an idle worker would, then sleeps in short
// naps (a share finishing a step notifies its slot).
function awaitSlot(ctrl, slot, target, gen) {
  const spinUntil = performance.now() + Atomics.load(ctrl, SPIN_US) / 1000;
  let i = 0;
  for (;;) {
    const v = Atomics.load(ctrl, slot);
    if (v >= target) return true;
    if ((++i & 255) !== 0) continue;
    if (Atomics.load(ctrl, CLAIM) < 0 || Atomics.load(ctrl, ERRORS) > 0 || Atomics.load(ctrl, GEN) !== gen) return false;
    if (performance.now() > spinUntil) Atomics.wait(ctrl, slot, v, 1);
  }
}

// A stepped job (pool.ts runSteps): for each step, the barrier (every share, the caller's in slot
// CLAIM + 0, has finished the step before), then the claim of this worker's share of the step,
// which fails when the caller found it unclaimed and ran it (this worker was late). A claim that
// succeeds after a newer job started belongs to that job: it is given back.
function runSteps(fns, memory, ctrl, args, index, gen) {
  const nThreads = ctrl[NTHREADS], nSteps = ctrl[NSTEPS], nargs = ctrl[NARGS], base = ctrl[STEP_BASE];
  if (index >= nThreads) return;
  const [begin, end] = splitTasks(ctrl[NTASKS], nThreads, index);
  const fn = fns[ctrl[KERNEL]];
  const a = new Array(nargs + 4);
  for (let k = 0; k < nargs; k++) a[k] = args[k];
  a[nargs + 1] = begin;
  a[nargs + 2] = end;
  a[nargs + 3] = ctrl[SCRATCH + index];
  for (let s = 0; s < nSteps; s++) {
    const open = base + 4 * s;
    for (let j = 0; j < nThreads; j++) if (!awaitSlot(ctrl, CLAIM + j, open, gen)) return;
    if (Atomics.compareExchange(ctrl, CLAIM + index, open, open + 1) !== open) continue;
    if (Atomics.load(ctrl, GEN) !== gen) {
      Atomics.store(ctrl, CLAIM + index, open);
      Atomics.notify(ctrl, CLAIM + index);
      return;
    }
    try {
      a[nargs] = s;
      if (begin < end) fn(...a);
    } catch (err) {
      reportError(ctrl, memory, index, err);
      return;
    }
    Atomics.store(ctrl, CLAIM + index, open + 4);
    Atomics.notify(ctrl, CLAIM + index);
  }
}

function loop(fns, memory, ctrlByte, index, announce) {
  const ctrl = new Int32Array(memory.buffer, ctrlByte, CTRL_BYTES >> 2);
  const args = new Float64Array(memory.buffer, ctrlByte + ARGS_BYTE, MAX_ARGS);
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
    if (Atomics.load(ctrl, CLAIM + index) >= STEPS) {
      runSteps(fns, memory, ctrl, args, index, gen);
      continue;
    }
    // Take this job's share first: the caller takes it instead when this worker is too late (or
    // dead), and a share is run once. The job's fields are read after the claim succeeds.
    if (Atomics.compareExchange(ctrl, CLAIM + index, OPEN, TAKEN) !== OPEN) continue;
    const nThreads = ctrl[NTHREADS], nTasks = ctrl[NTASKS], grain = ctrl[GRAIN];
    const [begin, end] = index < nThreads ? splitTasks(nTasks, nThreads, index) : [0, 0];
    try {
      if (begin < end) {
        const nargs = ctrl[NARGS];
        const a = new Array(nargs + 3);
        for (let k = 0; k < nargs; k++) a[k] = args[k];
        a[nargs + 2] = ctrl[SCRATCH + index];
        const fn = fns[ctrl[KERNEL]];
        if (grain > 0) {
          // tasks claimed from the job's counter, `grain` at a time, until none is left
          for (let b = Atomics.add(ctrl, NEXT, grain); b < nTasks; b = Atomics.add(ctrl, NEXT, grain)) {
            a[nargs] = b;
            a[nargs + 1] = Math.min(nTasks, b + grain);
            fn(...a);
          }
        } else {
          a[nargs] = begin;
          a[nargs + 1] = end;
          fn(...a);
        }
      }
    } catch (err) {
      reportError(ctrl, memory, index, err);
    }
    Atomics.store(ctrl, CLAIM + index, FINISHED);
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
  Atomics.store(ctrl, READY + index, 0);
}

function start(data, post) {
  const { module, memory, ctrlByte, layout, names, index } = data;
  let fns;
  try {
    useLayout(layout);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    // the kernel table in the engine's id order (a name the module lacks fails here, loudly)
    fns = names.map((name) => {
      const f = instance.exports[name];
      if (typeof f !== 'function') throw new Error(`the module has no kernel ${name}`);
      return f;
    });
  } catch (err) {
    post({ type: 'error', message: String(err && err.message ? err.message : err) });
    return;
  }
  loop(fns, memory, ctrlByte, index, () => post({ type: 'ready' }));
  post({ type: 'stopped' });
}

if (typeof self !== 'undefined' && typeof self.postMessage === 'function' && typeof Deno === 'undefined') {
  // a module Web Worker: browsers, Bun (Deno starts worker_threads: they can be unref'd)
  self.onmessage = (e) => start(e.data, (m) => self.postMessage(m));
} else {
  // Node's worker_threads (Deno's and Bun's too), from process.getBuiltinModule: no node: import, so
  // the one worker file serves every runtime and bundlers need no shim
  const { parentPort } = globalThis.process.getBuiltinModule('worker_threads');
  parentPort.once('message', (data) => start(data, (m) => parentPort.postMessage(m)));
}
