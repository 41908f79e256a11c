// Layers and functional models as configurations: a layer as { className, config } and back, and a
// functional model rebuilt from its configuration: its layers made from their specs, then their
// calls replayed in dependency order from the inbound-node references [layer, node, tensor].
//
// Node numbers follow Keras and TF.js: a nested model that has its own inputs (functional, or
// sequential with an input shape) made its node 0 when it was built, so its calls in the outer
// model are nodes 1, 2, ... (firstCallNode); other layers' calls count from 0.
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Layer, SymbolicTensor, type LoadContext } from '../layers/layer.js';
import { getLayerClass } from '../layers/registry.js';
import { InputLayer } from '../layers/input.js';
import { getRegularizer } from '../regularizers.js';

/** The node number of a layer's first call in a model: 1 for a nested model with its own inputs, else 0. */
export function firstCallNode(layer: Layer): number {
  const model = layer.asModel() as { inputs?: readonly unknown[] } | null;
  return model && (model.inputs?.length ?? 0) > 0 ? 1 : 0;
}

/** A layer's serialized form inside a model's configuration. */
export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
  name?: string;
  inboundNodes?: [string, number, number, Record<string, unknown>?][][];
}

export function serializeLayer(l: Layer): LayerSpec {
  return { className: l.className, config: l.getConfig() };
}

/**
 * A layer from { className, config }: regularizers given as { className, config } are rebuilt. With a
 * load context, the layer counts toward the file's limits and its weights toward the file's budget.
 */
export function deserializeLayer(spec: unknown, where: string, context?: LoadContext): Layer {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new WasmgradError(msg`${where}: expected { className, config }, got ${jsonOf(spec)?.slice(0, 80)}`);
  const s = spec as Record<string, unknown>;
  const className = s.className ?? s.class_name;
  const config = s.config;
  if (typeof className !== 'string') throw new WasmgradError(msg`${where}: className must be a string`);
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new WasmgradError(msg`${where} (${className}): config must be an object`);
  const cfg = withRegularizers(config as Record<string, unknown>);
  const cls = getLayerClass(className);
  let layer: unknown;
  try {
    layer = context ? context.nested(where, () => cls.fromConfig(cfg, context)) : cls.fromConfig(cfg);
  } catch (err) {
    if (err instanceof WasmgradError) throw new WasmgradError(msg`${where} (${className}): ${err.message}`);
    throw new WasmgradError(msg`${where} (${className}): invalid config: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!(layer instanceof Layer)) throw new WasmgradError(msg`${where}: ${className}.fromConfig did not make a layer`);
  return layer;
}

/** A config with its serialized regularizers rebuilt (also in a wrapped layer's config, as bidirectional's). */
function withRegularizers(config: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const cfg: Record<string, unknown> = { ...config };
  for (const [k, v] of Object.entries(cfg)) {
    if (k.endsWith('Regularizer') && v !== null && v !== undefined) cfg[k] = getRegularizer(v as never);
  }
  const inner = cfg.layer as Record<string, unknown> | undefined;
  if (depth < 4 && inner && typeof inner === 'object' && inner.config && typeof inner.config === 'object' && !Array.isArray(inner.config)) {
    cfg.layer = { ...inner, config: withRegularizers(inner.config as Record<string, unknown>, depth + 1) };
  }
  return cfg;
}

type Ref = [string, number, number];

function checkRef(r: unknown, where: string): Ref {
  if (!Array.isArray(r) || r.length < 3 || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2]) || r[1] < 0 || r[2] < 0) {
    throw new WasmgradError(msg`${where}: expected [layerName, nodeIndex, tensorIndex], got ${jsonOf(r)?.slice(0, 80)}`);
  }
  return [r[0], r[1], r[2]];
}

/** Rebuilds a functional model from its configuration (the calls are replayed in dependency order). */
export function functionalFromConfig<M extends Layer>(
  config: Record<string, unknown>, context: LoadContext | undefined, makeModel: (args: { inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; name?: string }) => M,
): M {
  const where = `model '${String(config?.name)}'`;
  const specs = config?.layers;
  if (!Array.isArray(specs)) throw new WasmgradError(msg`${where}: config.layers must be an array`);
  const byName = new Map<string, Layer>();
  const pending: { layer: Layer; index: number; refs: Ref[] }[] = [];
  specs.forEach((spec, i) => {
    const layer = deserializeLayer(spec, `${where}: layer ${i}`, context);
    if (byName.has(layer.name)) throw new WasmgradError(msg`${where}: two layers are named '${layer.name}'`);
    byName.set(layer.name, layer);
    const nodes = (spec as LayerSpec).inboundNodes ?? (spec as Record<string, unknown>).inbound_nodes ?? [];
    if (!Array.isArray(nodes)) throw new WasmgradError(msg`${where}: layer '${layer.name}': inboundNodes must be an array`);
    const first = firstCallNode(layer);
    nodes.forEach((node, k) => {
      if (!Array.isArray(node) || node.length === 0) throw new WasmgradError(msg`${where}: layer '${layer.name}' node ${k}: expected a non-empty list of inputs`);
      pending.push({ layer, index: k + first, refs: node.map((r) => checkRef(r, `${where}: layer '${layer.name}' node ${k}`)) });
    });
  });
  const key = (name: string, node: number) => `${name}\u0000${node}`;
  const made = new Map<string, SymbolicTensor[]>();
  for (const l of byName.values()) if (l instanceof InputLayer) made.set(key(l.name, 0), [l.output]);
  // dependency-driven replay: each call runs once all the calls it reads from have run
  const waiting = new Map<string, number[]>();
  const missing = pending.map((p, i) => {
    let n = 0;
    for (const [name, node] of p.refs) {
      if (!byName.has(name)) throw new WasmgradError(msg`${where}: layer '${p.layer.name}' reads from an unknown layer '${name}'`);
      const k = key(name, node);
      if (made.has(k)) continue;
      n++;
      if (!waiting.has(k)) waiting.set(k, []);
      waiting.get(k)!.push(i);
    }
    return n;
  });
  const ready = pending.map((_, i) => i).filter((i) => missing[i] === 0);
  let runs = 0;
  for (let next = 0; next < ready.length; next++) {
    const i = ready[next];
    const p = pending[i];
    const ins = p.refs.map(([name, node, t]) => {
      const outs = made.get(key(name, node))!;
      if (t >= outs.length) throw new WasmgradError(msg`${where}: layer '${p.layer.name}' reads output ${t} of '${name}' node ${node}, which has ${outs.length}`);
      return outs[t];
    });
    let out: SymbolicTensor | SymbolicTensor[];
    try {
      out = p.layer.apply(ins.length === 1 ? ins[0] : ins) as SymbolicTensor | SymbolicTensor[];
    } catch (err) {
      if (err instanceof WasmgradError) throw new WasmgradError(msg`${where}: layer '${p.layer.name}': ${err.message}`);
      throw new WasmgradError(msg`${where}: layer '${p.layer.name}' could not be applied: ${(err as Error)?.message ?? String(err)}`);
    }
    const k = key(p.layer.name, p.index);
    if (made.has(k)) throw new WasmgradError(msg`${where}: layer '${p.layer.name}' node ${p.index} is listed twice`);
    // files written before nested models' calls counted from 1 name the first call node 0
    const keys = p.index === 1 && firstCallNode(p.layer) === 1 ? [k, key(p.layer.name, 0)] : [k];
    for (const kk of keys) {
      made.set(kk, Array.isArray(out) ? out : [out]);
      for (const j of waiting.get(kk) ?? []) if (--missing[j] === 0) ready.push(j);
    }
    runs++;
  }
  if (runs !== pending.length) throw new WasmgradError(msg`${where}: ${pending.length - runs} layer call(s) can never run (a cycle, or inputs that no layer makes)`);
  const pick = (list: unknown, what: string) => {
    if (!Array.isArray(list) || list.length === 0) throw new WasmgradError(msg`${where}: ${what} must be a non-empty array`);
    return list.map((r) => {
      const [name, node, t] = checkRef(r, `${where}: ${what}`);
      const outs = made.get(key(name, node));
      if (!outs || t >= outs.length) throw new WasmgradError(msg`${where}: ${what} names ${jsonOf(r)}, which the graph does not make`);
      return outs[t];
    });
  };
  const inputs = pick(config.inputLayers ?? config.input_layers, 'inputLayers');
  const outputs = pick(config.outputLayers ?? config.output_layers, 'outputLayers');
  const m = makeModel({ inputs, outputs, name: typeof config.name === 'string' ? config.name : undefined });
  context?.adopt(m);
  return m;
}
