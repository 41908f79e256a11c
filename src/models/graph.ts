// The graph of a functional model: the layer calls between its input and output SymbolicTensors,
// in an order where every call comes after the calls it reads from (iterative, so a deep or
// hostile graph neither overflows the stack nor loops), and its execution on real tensors.
import { WasmgradError, msg } from '../errors.js';
import { Tensor } from '../tensor.js';
import { Layer, SymbolicTensor, type CallArgs } from '../layers/layer.js';

/** One call of a layer in the graph. */
export interface GraphNode {
  layer: Layer;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Index of this call among the layer's calls (inbound node index, as Keras). */
  callIndex: number;
}

/** The call (node) that made t. */
export function nodeOf(t: SymbolicTensor): GraphNode {
  const layer = t.sourceLayer;
  const calls = layer.inboundCalls;
  for (let i = 0; i < calls.length; i++) {
    if (calls[i].outputs.includes(t)) return { layer, inputs: calls[i].inputs, outputs: calls[i].outputs, callIndex: i };
  }
  throw new WasmgradError(msg`model: ${t} was not made by a call of ${layer.name}`);
}

/** The calls between inputs and outputs in execution order (input tensors' own calls excluded). */
export function topoSort(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): GraphNode[] {
  const isInput = new Set(inputs);
  const order: GraphNode[] = [];
  const done = new Map<Layer, Set<number>>();
  const onPath = new Map<Layer, Set<number>>();
  const has = (m: Map<Layer, Set<number>>, n: GraphNode) => m.get(n.layer)?.has(n.callIndex) ?? false;
  const put = (m: Map<Layer, Set<number>>, n: GraphNode, on: boolean) => {
    let s = m.get(n.layer);
    if (!s) m.set(n.layer, (s = new Set()));
    if (on) s.add(n.callIndex);
    else s.delete(n.callIndex);
  };
  for (const out of outputs) {
    if (isInput.has(out)) continue;
    const stack: { node: GraphNode; next: number }[] = [{ node: nodeOf(out), next: 0 }];
    if (has(done, stack[0].node)) continue;
    put(onPath, stack[0].node, true);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const t = top.node.inputs[top.next++];
        if (isInput.has(t)) continue;
        const child = nodeOf(t);
        if (has(done, child)) continue;
        if (has(onPath, child)) throw new WasmgradError(msg`model: the graph has a cycle through ${child.layer.name}`);
        if (child.inputs.length === 0) {
          throw new WasmgradError(
            `model: the graph is disconnected: ${t} (from ${child.layer.name}) is needed to compute the outputs but is not among the model's inputs`,
          );
        }
        put(onPath, child, true);
        stack.push({ node: child, next: 0 });
      } else {
        stack.pop();
        put(onPath, top.node, false);
        put(done, top.node, true);
        order.push(top.node);
      }
    }
  }
  return order;
}

/**
 * The layers reached from the outputs in Keras's and TF.js's order (model.layers, and so the order
 * of the model's weights and saved layers): by depth from the outputs, deepest first, ties in the
 * order a depth-first walk from the outputs first reaches them. A call's depth is one more than the
 * deepest call reading its outputs, a layer's the deepest of its calls. Iterative, as topoSort.
 */
export function layersInDepthOrder(outputs: SymbolicTensor[]): Layer[] {
  const ids = new Map<Layer, number>();
  const key = (n: GraphNode) => {
    let id = ids.get(n.layer);
    if (id === undefined) ids.set(n.layer, (id = ids.size));
    return `${id}:${n.callIndex}`;
  };
  const finished: GraphNode[] = [];
  const seen = new Set<string>();
  for (const out of outputs) {
    const first = nodeOf(out);
    if (seen.has(key(first))) continue;
    seen.add(key(first));
    const stack: { node: GraphNode; next: number }[] = [{ node: first, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const child = nodeOf(top.node.inputs[top.next++]);
        if (seen.has(key(child))) continue;
        seen.add(key(child));
        stack.push({ node: child, next: 0 });
      } else {
        stack.pop();
        finished.push(top.node);
      }
    }
  }
  // ids were handed out as the walk first reached each layer: the tie order
  const nodeDepth = new Map<string, number>();
  const layerDepth = new Map<Layer, number>();
  for (let i = finished.length - 1; i >= 0; i--) {
    const n = finished[i];
    const depth = Math.max(nodeDepth.get(key(n)) ?? 0, layerDepth.get(n.layer) ?? 0);
    layerDepth.set(n.layer, depth);
    nodeDepth.set(key(n), depth);
    for (const t of n.inputs) {
      const k = key(nodeOf(t));
      nodeDepth.set(k, Math.max(depth + 1, nodeDepth.get(k) ?? 0));
    }
  }
  return [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || ids.get(a)! - ids.get(b)!);
}

/**
 * Runs the graph on real tensors. Intermediates are disposed after their last use (a running
 * gradient computation keeps what its backward needs); inputs and outputs are never disposed.
 */
export function runGraph(
  nodes: GraphNode[], inputs: SymbolicTensor[], outputs: SymbolicTensor[], xs: Tensor[], kwargs: CallArgs,
  /** Sees every value the run makes (the inference planner records their shapes). */
  observe?: (s: SymbolicTensor, t: Tensor) => void,
): Tensor[] {
  const values = new Map<SymbolicTensor, Tensor>();
  inputs.forEach((s, i) => values.set(s, xs[i]));
  // remaining uses of each symbolic tensor
  const uses = new Map<SymbolicTensor, number>();
  for (const n of nodes) for (const s of n.inputs) uses.set(s, (uses.get(s) ?? 0) + 1);
  const keep = new Set<Tensor>(xs);
  const isOutput = new Set(outputs);
  // how many live symbolic tensors map to a Tensor (a layer may hand back its input)
  const refs = new Map<Tensor, number>();
  const produced: Tensor[] = [];
  try {
    for (const node of nodes) {
      const args = node.inputs.map((s) => {
        const v = values.get(s);
        if (!v) throw new WasmgradError(msg`model: no value for ${s} (needed by ${node.layer.name})`);
        return v;
      });
      const out = node.layer.apply(args.length === 1 ? args[0] : args, kwargs) as Tensor | Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      if (outs.length !== node.outputs.length) {
        throw new WasmgradError(msg`model: ${node.layer.name} returned ${outs.length} tensors, its graph node has ${node.outputs.length}`);
      }
      node.outputs.forEach((s, i) => {
        const t = outs[i];
        values.set(s, t);
        observe?.(s, t);
        refs.set(t, (refs.get(t) ?? 0) + 1);
        if (isOutput.has(s)) keep.add(t);
        produced.push(t);
      });
      for (const s of node.inputs) {
        const left = (uses.get(s) ?? 1) - 1;
        uses.set(s, left);
        if (left > 0 || isOutput.has(s)) continue;
        const t = values.get(s)!;
        values.delete(s);
        const r = (refs.get(t) ?? 0) - 1;
        refs.set(t, r);
        if (r <= 0 && !keep.has(t)) t.dispose();
      }
    }
    return outputs.map((s) => values.get(s)!);
  } catch (err) {
    for (const t of produced) if (!xs.includes(t)) t.dispose();
    throw err;
  }
}
