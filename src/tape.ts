// Autograd: a tape over coarse ops. Ops call record() right under their forward math with a
// closure that maps output gradients to input gradients; nothing is recorded unless a gradient
// computation is running and an input depends on a watched tensor (the no-grad fast path).
// The tape holds every tensor a node refers to, so a tidy() inside the function being
// differentiated cannot free what the backward pass needs; holds are released after the pass.
import { WasmgradError, describeValue, fmtShape, msg } from './errors.js';
import { Tensor, tidy, nextTensorId } from './tensor.js';
import { accumulate, cloneTensor, onesLike, zerosLike } from './primitives.js';

/** needed[k]: whether input k's gradient is used (an op may skip computing the others). */
export type Backward = (dys: Tensor[], needed: boolean[]) => (Tensor | null | undefined)[];

interface Node {
  name: string;
  inputs: Tensor[];
  outputs: Tensor[];
  backward: Backward;
  needed: boolean[];
}

interface Tape {
  nodes: Node[];
  /** Ids of tensors whose gradient flows back to a watched tensor. */
  active: Set<number>;
  held: Tensor[];
}

const tapes: Tape[] = [];
let paused = 0;

/** Whether ops should record (a gradient computation runs and is not paused). */
export function isRecording(): boolean {
  return tapes.length > 0 && paused === 0;
}

function hold(tape: Tape, ts: Tensor[]): void {
  for (const t of ts) {
    t.holds++;
    tape.held.push(t);
  }
}

/**
 * Records one op: outputs were computed from inputs; backward gives the input gradients. `saved`
 * are intermediates the backward reads (held like inputs, so the op may dispose them at once).
 * The op goes on every running tape one of its inputs flows back to, so a gradient computation
 * nested in another (valueAndGrads inside an outer grads) keeps the outer forward path; the inner
 * gradients are constants to the outer one (no higher-order gradients). Returns whether recorded.
 */
export function record(name: string, inputs: Tensor[], outputs: Tensor | Tensor[], backward: Backward, saved: Tensor[] = []): boolean {
  if (!isRecording()) return false;
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  let recorded = false;
  for (const tape of tapes) {
    if (!inputs.some((t) => tape.active.has(t.id))) continue;
    for (const o of outs) tape.active.add(o.id);
    hold(tape, inputs);
    hold(tape, outs);
    hold(tape, saved);
    tape.nodes.push({ name, inputs, outputs: outs, backward, needed: inputs.map((t) => tape.active.has(t.id)) });
    recorded = true;
  }
  return recorded;
}

/** Runs fn without recording (used inside backward passes and by predict). */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new WasmgradError(msg`noGrad: expected a function, got ${describeValue(fn)}`);
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

/** A copy of t that keeps t's place in any outer gradient computation (as the clone op). */
function recordedClone(t: Tensor): Tensor {
  const out = cloneTensor(t);
  record('clone', [t], out, ([dy]) => [dy]);
  return out;
}

/**
 * Runs f on xs while recording, then backpropagates from its result (seeded with dy, or ones for
 * a scalar). Returns the value and the gradient of every x (zeros where x was not used).
 */
export function computeGradients(
  f: () => Tensor,
  xs: Tensor[],
  dy: Tensor | undefined,
  op: string,
): { value: Tensor; grads: Tensor[]; used: boolean[] } {
  const tape: Tape = { nodes: [], active: new Set(xs.map((x) => x.id)), held: [] };
  // Tensors older than this one (xs, dy, variables) belong to the caller: never hand them back.
  const firstId = nextTensorId();
  tapes.push(tape);
  try {
    return tidy(() => {
      let value: Tensor;
      try {
        value = f();
      } finally {
        tapes.pop();
      }
      if (!(value instanceof Tensor)) throw new WasmgradError(msg`${op}: the function must return a Tensor, got ${typeof value}`);
      if (!dy && value.size !== 1) {
        throw new WasmgradError(msg`${op}: the function must return a scalar (or pass dy), got shape ${fmtShape(value.shape)}`);
      }
      if (dy && dy.shape.join() !== value.shape.join()) {
        throw new WasmgradError(msg`${op}: dy shape ${fmtShape(dy.shape)} differs from the result's ${fmtShape(value.shape)}`);
      }
      const grads = noGrad(() => backprop(tape, value, dy ?? onesLike(value)));
      const used = xs.map((x) => grads.has(x.id));
      // Every returned tensor is one of its own: a gradient may be the caller's dy, an input, the
      // value or serve two inputs; the value may be an input (f = x => x), which the caller disposes.
      const seen = new Set<Tensor>([value]);
      const out = xs.map((x) => {
        let g = grads.get(x.id) ?? zerosLike(x);
        if (seen.has(g) || g.id < firstId) g = recordedClone(g);
        seen.add(g);
        return g;
      });
      if (value.id < firstId) value = recordedClone(value);
      return { value, grads: out, used };
    });
  } finally {
    release(tape);
  }
}

function backprop(tape: Tape, y: Tensor, dy: Tensor): Map<number, Tensor> {
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i];
    const dys = node.outputs.map((o) => grads.get(o.id));
    if (dys.every((d) => d === undefined)) continue;
    const dxs = node.backward(dys.map((d, k) => d ?? zerosLike(node.outputs[k])), node.needed);
    node.inputs.forEach((x, k) => {
      const g = dxs[k];
      if (!g || !tape.active.has(x.id)) return;
      if (g.shape.join() !== x.shape.join()) {
        throw new Error(`internal: ${node.name} gave a gradient of shape ${fmtShape(g.shape)} for an input of shape ${fmtShape(x.shape)}`);
      }
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? accumulate(prev, g) : g);
    });
  }
  return grads;
}

function release(tape: Tape): void {
  for (const t of tape.held) {
    if (--t.holds === 0 && t.disposeWhenReleased) t.dispose();
  }
  tape.held.length = 0;
}
