// What TF.js models do differently from Keras 3 ones: history keys ('acc', 'ce'), evaluation
// losses without weight penalties, hinge losses that keep 0 / 1 labels, the save format, and the
// order of model.weights / getWeights / setWeights: TF.js lists every trainable weight of the model
// first, then every non-trainable one (batch normalization's moving statistics last), where Keras 3
// goes layer by layer. Bidirectional layers in a TF.js model leave masked steps to each half.
import { WasmgradError, msg } from '../errors.js';
import { Bidirectional } from '../layers/bidirectional.js';
import type { Variable } from '../variables.js';
import { LayersModel as BaseModel, Sequential as BaseSequential } from '../models/index.js';
import type { CompileArgs, NamedWeight, ModelArgs, SequentialArgs } from '../models/index.js';
import { uniqueLayerName, type Layer } from '../layers/layer.js';
import { topologyToTfjs } from '../io/tfjs-format.js';
import type { TrainableModel } from '../models/contracts.js';
import type { LossFn } from '../losses.js';
import { tidy, type Tensor } from '../tensor.js';
import { sub, mul } from '../ops/binary.js';
import { relu, square } from '../ops/unary.js';
import { mean } from '../ops/reduce.js';
import { ownEntry } from '../util/lookup.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import * as train from './train.js';

/** TF.js's compile losses hinge and squaredHinge take the labels as given (Keras maps 0 / 1 labels to -1 / 1). */
/** compile's optimizer names, as TF.js makes them (its layers' defaults: Adagrad 0.01, Adadelta 1 ...). */
const OPTIMIZERS: Readonly<Record<string, () => Optimizer>> = (() => {
  const made: Record<string, () => Optimizer> = {
    Adagrad: () => train.adagrad(0.01),
    Adadelta: () => train.adadelta(1, 0.95),
    Adam: () => train.adam(0.001, 0.9, 0.999),
    Adamax: () => train.adamax(0.002, 0.9, 0.999, null, 0),
    RMSProp: () => train.rmsprop(0.001, 0.9, 0),
    SGD: () => train.sgd(0.01),
  };
  for (const k of Object.keys(made)) made[k.toLowerCase()] = made[k];
  return made;
})();

const HINGES: Readonly<Record<string, LossFn>> = {
  hinge: (yTrue, yPred) => tidy(() => mean(relu(sub(1, mul(yTrue, yPred))))),
  squaredHinge: (yTrue, yPred) => tidy(() => mean(square(relu(sub(1, mul(yTrue, yPred)))))),
};

/** The model's weights in TF.js's order: every layer's trainable weights, then every layer's others. */
function tfjsWeights(m: BaseModel): Variable[] {
  // (a frozen model keeps this order in TF.js: its layers' trainable weights, then the others)
  const layers = m.layers;
  return [...layers.flatMap((l) => l.trainableWeights), ...layers.flatMap((l) => l.nonTrainableWeights)].map(asLayerVariable);
}

/**
 * TF.js lists model weights as LayerVariables: `w.val` is the variable, `w.read()` reads it and
 * `w.write(t)` assigns it. wasmgrad's weights are the variables themselves, given those three too.
 */
function asLayerVariable(v: Variable): Variable {
  if (!Object.prototype.hasOwnProperty.call(v, 'val')) {
    Object.defineProperties(v, {
      val: { get: () => v, configurable: true },
      read: { value: () => v, configurable: true },
      write: { value: (t: Tensor) => (v.assign(t), v), configurable: true },
    });
  }
  return v;
}

/** Its Bidirectional layers (nested models' too) as TF.js runs them: no zeros at masked steps. */
function tfjsBidirectional(layers: readonly unknown[]): void {
  for (const l of layers) {
    if (l instanceof Bidirectional) l.zeroOutputForMask = false;
    else if (l && typeof l === 'object' && Array.isArray((l as { layers?: unknown }).layers)) tfjsBidirectional((l as { layers: unknown[] }).layers);
  }
}

export function asTfjs<T extends BaseModel>(m: T): T {
  tfjsBidirectional(m.layers);
  m.saveFormat = 'tfjs';
  // TF.js's model.toJSON: the topology as TF.js saves it (a string unless returnString is false)
  (m as unknown as { toJSON: (unused?: unknown, returnString?: boolean) => unknown }).toJSON = (_unused?: unknown, returnString = true) => {
    const topology = topologyToTfjs({ className: m.className, config: m.getConfig() });
    return returnString ? JSON.stringify(topology) : topology;
  };
  m.regularizeEvaluation = false;
  m.batchLogs = 'batch';
  (m as { lossesByName?: TrainableModel['lossesByName'] }).lossesByName = HINGES;
  const compile = m.compile.bind(m);
  m.compile = (args: CompileArgs) => {
    const named = typeof args?.optimizer === 'string' ? ownEntry(OPTIMIZERS, args.optimizer) : undefined;
    compile(named ? { ...args, optimizer: named() } : args);
    // an optimizer made from a name is the model's to dispose, as compile's own would be
    if (named && m.compiled) m.compiled.ownsOptimizer = true;
    // TF.js logs 'accuracy' (and 'acc') as 'acc', and 'crossentropy' as 'ce'
    for (const list of m.compiled?.metrics ?? []) {
      for (const spec of list) {
        if (spec.name === 'accuracy') spec.name = 'acc';
        else if (spec.name === 'crossentropy') spec.name = 'ce';
      }
    }
  };

  // setWeights (the class's) assigns in the order of model.weights, so it follows this order too;
  // then, as TF.js's LayerVariable.write, a weight's constraint projects it
  const setWeights = m.setWeights.bind(m);
  m.setWeights = (ws: Tensor[]): void => {
    setWeights(ws);
    for (const v of tfjsWeights(m)) v.applyConstraint();
  };
  Object.defineProperty(m, 'weights', { configurable: true, get: () => tfjsWeights(m) });
  const getWeights = m.getWeights.bind(m);
  m.getWeights = (): Tensor[] => {
    // the class's getWeights lists values layer by layer; reorder them as model.weights
    const layerOrder = m.layers.flatMap((l) => l.weights);
    const values = getWeights();
    const index = new Map(layerOrder.map((w, i) => [w, i]));
    return tfjsWeights(m).map((w) => {
      const i = index.get(w);
      if (i === undefined) throw new WasmgradError(msg`${m.name}.getWeights: weight ${w.name} is not in any of its layers`);
      return values[i];
    });
  };
  // saving and weightNames list the weights in the same order
  const namedWeights = m.namedWeights.bind(m);
  m.namedWeights = (): NamedWeight[] => {
    const named = namedWeights();
    const byVariable = new Map(named.map((n) => [n.variable, n]));
    const ordered = tfjsWeights(m).map((v) => byVariable.get(v));
    return ordered.length === named.length && ordered.every((n) => n !== undefined) ? (ordered as NamedWeight[]) : named;
  };
  return m;
}

/** fromConfig's config: TF.js passes the class first, fromConfig(cls, config); wasmgrad's takes the config alone. */
const configArg = (a: unknown, b: unknown) => (typeof a === 'function' ? b : a) as Record<string, unknown>;

/**
 * tf.Sequential: `new` and fromConfig make TF.js models (asTfjs); every sequential model is one
 * for instanceof, as those tf.sequential makes.
 */
export class Sequential extends BaseSequential {
  static [Symbol.hasInstance](x: unknown): boolean {
    return x instanceof BaseSequential;
  }
  constructor(args?: SequentialArgs) {
    super(args);
    asTfjs(this);
  }
  static fromConfig<T extends Layer>(this: new (args: never) => T, cls: unknown, config?: unknown): T {
    return asTfjs(BaseSequential.fromConfig(configArg(cls, config))) as unknown as T;
  }
}

/** tf.LayersModel, the same for functional models. */
export class LayersModel extends BaseModel {
  static [Symbol.hasInstance](x: unknown): boolean {
    return x instanceof BaseModel;
  }
  constructor(args: ModelArgs) {
    super({ ...args, name: args?.name ?? uniqueLayerName('model') });
    asTfjs(this);
  }
  static fromConfig<T extends Layer>(this: new (args: never) => T, cls: unknown, config?: unknown): T {
    return asTfjs(BaseModel.fromConfig(configArg(cls, config))) as unknown as T;
  }
}
