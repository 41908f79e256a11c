// A compiled inference plan: a model's graph for inputs of given shapes, made once from a traced
// run, then run without tape, without per-layer tensors and without graph bookkeeping. Each layer
// call is a step: driver calls into a buffer the plan owns (plan-steps.ts), its input passed on or
// viewed in another shape, or, for a layer the planner does not know, the layer's own apply().
// Buffers are assigned by liveness (one buffer serves several steps whose values do not overlap)
// and live until the plan is dropped. Only the outputs the caller receives are new tensors.
//
// The plan reads the weights at each run, so weight writes (fit, optimizers, assign, setWeights,
// loading) need no invalidation; it is dropped when the graph, a planned layer's configuration or
// trainable flag changes, or when a buffer was freed (shutdown), and a run that meets anything
// unplanned for (a masked input, a fallback layer returning another shape, an error) is abandoned:
// the caller runs today's path instead, so the plan never gives another answer.
import { Tensor, viewAs, tidy, internalTensor, sizeOf } from '../tensor.js';
import { noGrad } from '../tape.js';
import { runAs } from '../engine/op-context.js';
import { copyInto } from '../engine/drivers/copy.js';
import type { Layer, SymbolicTensor } from '../layers/layer.js';
import { maskOf } from '../layers/mask.js';
import { runGraph, type GraphNode } from './graph.js';
import { planLayer, type StepKind } from './plan-steps.js';

/** What a traced run saw for one value. */
export interface Traced {
  shape: number[];
  dtype: string;
}

interface Step {
  layer: Layer;
  trainable: boolean;
  ins: number[];
  outs: number[];
  outShapes: number[][];
  kind: StepKind;
  /** The output's fixed tensor (a view of a buffer), null when it is new each run (a model output). */
  fixed: Tensor | null;
  /** For a view step whose input is a fixed tensor: that tensor and the view of it, made once. */
  view: Tensor | null;
  viewSrc: Tensor | null;
  /** Slots read for the last time by this step. */
  frees: number[];
}

/** Raised inside a run to abandon it (the caller runs the unplanned path). */
class Abandon extends Error {}

const FALLBACK_ARGS = Object.freeze({ training: false });

export class InferencePlan {
  private readonly steps: Step[] = [];
  /** Buffers (flat, kept) and every fixed tensor viewing them. */
  private readonly owned: Tensor[] = [];
  private readonly fixedSet = new Set<Tensor>();
  /** The memory of the buffers: a value sharing it is copied before it is handed out. */
  private readonly storages = new Set<unknown>();
  private vals: (Tensor | null)[] = [];
  /** Whether a slot's value was made by this run (and must be freed or handed out). */
  private made: boolean[] = [];
  private outSlots: number[] = [];
  private readonly hasFallback: boolean;
  private running = false;
  /** Steps run by the plan's own kernels (the rest by their layer's apply). */
  readonly plannedSteps: number;
  get stepCount(): number {
    return this.steps.length;
  }

  constructor(
    private readonly model: { name: string; trainable: boolean; nodes: GraphNode[]; outputs: SymbolicTensor[] },
    inputs: SymbolicTensor[],
    readonly shapes: number[][],
    readonly dtypes: string[],
    traced: Map<SymbolicTensor, Traced>,
  ) {
    this.nodesRef = model.nodes;
    this.nodeCount = model.nodes.length;
    this.outputsRef = model.outputs;
    this.modelTrainable = model.trainable;
    try {
      this.plannedSteps = this.build(inputs, traced);
    } catch (err) {
      this.dispose();
      throw err;
    }
    this.hasFallback = this.plannedSteps < this.steps.length;
  }

  /** Makes the steps and their buffers; returns how many steps the plan runs itself. */
  private build(inputs: SymbolicTensor[], traced: Map<SymbolicTensor, Traced>): number {
    const model = this.model;
    const slot = new Map<SymbolicTensor, number>();
    inputs.forEach((s, i) => slot.set(s, i));
    let n = inputs.length;
    for (const node of model.nodes) for (const s of node.outputs) slot.set(s, n++);
    this.vals = new Array(n).fill(null);
    this.made = new Array(n).fill(false);
    this.outSlots = model.outputs.map((s) => slot.get(s)!);
    const isOutput = new Set(this.outSlots);
    // last reader of each slot (outputs live to the end)
    const lastUse = new Array(n).fill(-1);
    model.nodes.forEach((node, i) => node.inputs.forEach((s) => (lastUse[slot.get(s)!] = i)));
    for (const o of this.outSlots) lastUse[o] = Infinity;
    const traceOf = (s: SymbolicTensor) => traced.get(s);
    // liveness: the buffers each slot's value may share memory with, and until when each buffer is busy
    const roots: number[][] = new Array(n).fill(null).map(() => []);
    const buffers: { tensor: Tensor; size: number; busy: number }[] = [];
    const takeBuffer = (size: number, step: number, until: number): number => {
      let b = buffers.findIndex((x) => x.size === size && x.busy < step);
      if (b < 0) {
        const t = internalTensor([size], 'float32');
        this.storages.add(t.storage);
        this.owned.push(t);
        buffers.push({ tensor: t, size, busy: until });
        b = buffers.length - 1;
      }
      buffers[b].busy = Math.max(buffers[b].busy, until);
      return b;
    };
    const fixedView = (b: number, shape: number[]) => {
      const t = internalTensor(shape, 'float32', buffers[b].tensor);
      this.owned.push(t);
      this.fixedSet.add(t);
      return t;
    };
    let planned = 0;
    model.nodes.forEach((node, i) => {
      const ins = node.inputs.map((s) => slot.get(s)!);
      const outs = node.outputs.map((s) => slot.get(s)!);
      const inT = node.inputs.map(traceOf), outT = node.outputs.map(traceOf);
      const known = inT.every(Boolean) && outT.every(Boolean);
      const plannable = ins.length <= 2 && outs.length === 1 && known && [...inT, ...outT].every((t) => t!.dtype === 'float32');
      const kind = plannable ? planLayer(node.layer, inT.map((t) => t!.shape), outT[0]!.shape) : null;
      const step: Step = {
        layer: node.layer, trainable: node.layer.trainable, ins, outs, outShapes: outT.map((t) => t?.shape ?? []),
        kind, fixed: null, view: null, viewSrc: null, frees: [],
      };
      if (kind) planned++;
      if (kind?.kind === 'compute') {
        const shape = step.outShapes[0];
        const size = sizeOf(shape);
        if (!isOutput.has(outs[0])) {
          const b = takeBuffer(size, i, lastUse[outs[0]]);
          roots[outs[0]] = [b];
          step.fixed = fixedView(b, shape);
        }
      } else {
        // a value passed on, a view or a fallback's output may share memory with the inputs
        const r = [...new Set(ins.flatMap((s) => roots[s]))];
        for (const o of outs) {
          roots[o] = r;
          for (const b of r) buffers[b].busy = Math.max(buffers[b].busy, lastUse[o]);
        }
      }
      this.steps.push(step);
    });
    // views of fixed tensors are made once
    for (const step of this.steps) {
      if (step.kind?.kind !== 'view') continue;
      const src = this.fixedOf(step.ins[0]);
      if (src && !isOutput.has(step.outs[0])) {
        const t = internalTensor(step.outShapes[0], 'float32', src);
        this.owned.push(t);
        this.fixedSet.add(t);
        step.view = t;
        step.viewSrc = src;
      }
    }
    for (let s = 0; s < n; s++) if (lastUse[s] >= 0 && lastUse[s] !== Infinity) this.steps[lastUse[s]].frees.push(s);
    return planned;
  }

  private readonly nodesRef: GraphNode[];
  private readonly nodeCount: number;
  private readonly outputsRef: SymbolicTensor[];
  private readonly modelTrainable: boolean;

  private fixedOf(s: number): Tensor | null {
    for (const st of this.steps) {
      const k = st.outs.indexOf(s);
      if (k < 0) continue;
      if (st.kind?.kind === 'compute') return st.fixed;
      if (st.kind?.kind === 'view') return st.view;
      if (st.kind?.kind === 'alias') return this.fixedOf(st.ins[0]);
      return null;
    }
    return null;
  }

  /** Whether a run of this plan is under way (a layer may call predict on its own model). */
  get busy(): boolean {
    return this.running;
  }

  /** Whether inputs of these shapes and dtypes are what the plan was made for. */
  matches(xs: readonly Tensor[]): boolean {
    if (xs.length !== this.shapes.length) return false;
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i].shape, b = this.shapes[i];
      if (a.length !== b.length || xs[i].dtype !== this.dtypes[i]) return false;
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    }
    return true;
  }

  /** False once the graph, a layer's configuration or trainable flag changed, or a buffer was freed. */
  valid(): boolean {
    const m = this.model;
    if (m.nodes !== this.nodesRef || m.nodes.length !== this.nodeCount || m.outputs !== this.outputsRef || m.trainable !== this.modelTrainable) return false;
    for (const s of this.steps) if (s.layer.trainable !== s.trainable || (s.kind && !s.kind.valid())) return false;
    for (const t of this.owned) if (t.isDisposed) return false;
    return true;
  }

  /** The outputs for xs (the caller owns them); throws when the run is abandoned (nothing is left allocated). */
  run(xs: readonly Tensor[]): Tensor[] {
    this.running = true;
    try {
      if (!this.hasFallback) return this.runSteps(xs);
      return runAs(`${this.model.name}.predict`, xs, () => tidy(() => noGrad(() => this.runSteps(xs))));
    } finally {
      this.running = false;
    }
  }

  private runSteps(xs: readonly Tensor[]): Tensor[] {
    const vals = this.vals, made = this.made;
    for (let i = 0; i < xs.length; i++) vals[i] = xs[i];
    let result: Tensor[] | null = null;
    try {
      for (const step of this.steps) {
        const kind = step.kind;
        const x = vals[step.ins[0]]!;
        const x2 = step.ins.length > 1 ? vals[step.ins[1]]! : null;
        if (kind === null || maskOf(x) !== undefined || (x2 !== null && maskOf(x2) !== undefined)) this.fallback(step);
        else if (kind.kind === 'compute') {
          const o = step.outs[0];
          let out = step.fixed;
          if (out === null) {
            out = new Tensor(step.outShapes[0], 'float32');
            made[o] = true;
          }
          vals[o] = out;
          kind.run(x, out, x2);
        } else if (kind.kind === 'alias') {
          vals[step.outs[0]] = x;
        } else if (step.view !== null && x === step.viewSrc) {
          vals[step.outs[0]] = step.view;
        } else {
          vals[step.outs[0]] = viewAs(x, step.outShapes[0]);
          made[step.outs[0]] = true;
        }
        for (const s of step.frees) this.free(s);
      }
      result = this.outSlots.map((o, i) => {
        const t = vals[o]!;
        if (made[o] && this.outSlots.indexOf(o) === i && !this.storages.has(t.storage)) {
          made[o] = false;
          return t;
        }
        // a plan buffer, an input, or an output listed twice: the caller gets a copy
        const c = new Tensor(t.shape, t.dtype);
        copyInto(c, t, 'predict');
        return c;
      });
      return result;
    } finally {
      for (let s = 0; s < vals.length; s++) {
        const t = vals[s];
        if (t && made[s] && !(result && result.includes(t))) this.free(s);
        vals[s] = null;
        made[s] = false;
      }
    }
  }

  /** The layer's own apply (inference mode) for one step; its outputs must have the traced shapes. */
  private fallback(step: Step): void {
    const vals = this.vals, made = this.made;
    const args = step.ins.map((s) => vals[s]!);
    const r = step.layer.apply(args.length === 1 ? args[0] : args, { ...FALLBACK_ARGS }) as Tensor | Tensor[];
    const outs = Array.isArray(r) ? r : [r];
    const known = (t: Tensor) => this.fixedSet.has(t) || vals.includes(t);
    const fresh = outs.map((t) => !known(t));
    outs.forEach((t, i) => {
      const o = step.outs[i];
      vals[o] = t;
      made[o] = fresh[i] && outs.indexOf(t) === i;
    });
    for (let i = 0; i < outs.length; i++) {
      const want = step.outShapes[i];
      const got = outs[i]?.shape;
      if (outs.length !== step.outs.length || !got || got.length !== want.length || got.some((d, k) => d !== want[k])) throw new Abandon('shape');
    }
  }

  /** A slot's value is no longer needed: freed when this run made it and no live slot holds it (else the holder takes it over). */
  private free(s: number): void {
    const vals = this.vals, made = this.made;
    const t = vals[s];
    vals[s] = null;
    if (!t || !made[s]) return;
    made[s] = false;
    const other = vals.indexOf(t);
    if (other >= 0) made[other] = true;
    else t.dispose();
  }

  /** Frees the plan's buffers. */
  dispose(): void {
    for (const t of this.owned) t.dispose();
    this.owned.length = 0;
    this.fixedSet.clear();
    this.storages.clear();
  }
}

/** The plans of one model, by input shapes (a few: predict's full batches and its last one). */
export class PlanCache {
  static readonly MAX_PLANS = 4;
  private plans: InferencePlan[] = [];
  /** Input signatures called once without a plan: a model predicted once is never planned (a cold start pays for no plan). */
  private seenOnce: string[] = [];

  /** The outputs of model on xs (checked), through the plan for their shapes, made by tracing the second call. */
  predict(model: PlannableModel, xs: Tensor[]): Tensor[] {
    for (let i = 0; i < this.plans.length; i++) {
      const p = this.plans[i];
      if (!p.matches(xs)) continue;
      // a layer of the model predicting with the model itself: the running plan is left alone
      if (p.busy) return unplanned(model, xs);
      if (p.valid()) {
        try {
          return p.run(xs);
        } catch {
          // abandoned or failed: today's path gives the answer, or the error, the model would give
        }
      }
      p.dispose();
      this.plans = this.plans.filter((q) => q !== p);
      return unplanned(model, xs);
    }
    const signature = xs.map((x) => `${x.dtype}[${x.shape.join(',')}]`).join(' ');
    const seen = this.seenOnce.indexOf(signature);
    if (seen < 0) {
      if (this.seenOnce.push(signature) > PlanCache.MAX_PLANS) this.seenOnce.shift();
      return unplanned(model, xs);
    }
    this.seenOnce.splice(seen, 1);
    const traced = new Map<SymbolicTensor, Traced>();
    model.inputs.forEach((s, i) => traced.set(s, { shape: xs[i].shape.slice(), dtype: xs[i].dtype }));
    const outs = unplanned(model, xs, (s, t) => traced.set(s, { shape: t.shape.slice(), dtype: t.dtype }));
    let plan: InferencePlan | null = null;
    try {
      plan = new InferencePlan(model, model.inputs, xs.map((x) => x.shape.slice()), xs.map((x) => x.dtype), traced);
    } catch {
      // a layer the planner cannot plan for these shapes, or no memory for the buffers: no plan
      // (the constructor freed what it took), today's path each call
      return outs;
    }
    if (this.plans.length >= PlanCache.MAX_PLANS) this.plans.shift()!.dispose();
    this.plans.push(plan);
    return outs;
  }

  /** The plans held: input shapes, and how many of their steps run the plan's own kernels (for tests and benches). */
  describe(): { shapes: number[][]; steps: number; planned: number }[] {
    return this.plans.map((p) => ({ shapes: p.shapes, steps: p.stepCount, planned: p.plannedSteps }));
  }

  /** Drops every plan and frees its buffers. */
  clear(): void {
    for (const p of this.plans) p.dispose();
    this.plans = [];
    this.seenOnce = [];
  }
}

/** What the planner needs of a model. */
export interface PlannableModel {
  name: string;
  trainable: boolean;
  nodes: GraphNode[];
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

/** Today's path: the graph run layer by layer in a tidy, without a tape. */
function unplanned(model: PlannableModel, xs: Tensor[], observe?: (s: SymbolicTensor, t: Tensor) => void): Tensor[] {
  return runAs(`${model.name}.predict`, xs, () => tidy(() => noGrad(() => runGraph(model.nodes, model.inputs, model.outputs, xs, { training: false }, observe))));
}
