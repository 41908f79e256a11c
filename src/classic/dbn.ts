// The deep belief network: a stack of RBMs trained greedily bottom to top (each on the hidden
// probabilities of the one below), then unrolled into a sequential model of dense sigmoid layers
// holding the RBMs' weights (W, hidden bias), with an output layer on top, for supervised
// fine-tuning by backprop (model.compile and model.fit).
import { WasmgradError, msg, jsonOf } from '../errors.js';
import { Tensor, tidy } from '../tensor.js';
import { dense } from '../layers/index.js';
import { sequential, type Sequential } from '../models/index.js';
import { glorotUniform } from '../initializers.js';
import { RBM, type RBMFitOptions } from './rbm.js';
import { checkRows, checkInt, checkSeedValue } from './util.js';

export interface DBNArgs {
  /** Unit counts from the visible layer up, e.g. [784, 500, 500]: one RBM per neighbouring pair. */
  layers: number[];
  /** Seed of every RBM (layer l uses seed + l). Default 0. */
  seed?: number;
}

export class DeepBeliefNetwork {
  readonly sizes: number[];
  readonly rbms: RBM[];
  private readonly seed: number;

  constructor(args: DBNArgs) {
    if (!args || typeof args !== 'object' || !Array.isArray(args.layers) || args.layers.length < 2) {
      throw new WasmgradError(msg`dbn: layers must list at least 2 unit counts (visible, hidden...), got ${jsonOf(args?.layers)}`);
    }
    this.sizes = args.layers.map((u, i) => checkInt(u, 'dbn', `layers[${i}]`));
    this.seed = checkSeedValue(args.seed ?? 0, 'dbn');
    this.rbms = this.sizes.slice(1).map((hidden, l) => new RBM({ visible: this.sizes[l], hidden, seed: this.seed + l }));
  }

  /**
   * Greedy pretraining: RBM 0 on x, then RBM l on the hidden probabilities of RBM l - 1.
   * `options` apply to every RBM (or give one object per RBM). Returns each RBM's error history.
   */
  pretrain(x: Tensor, options: RBMFitOptions | RBMFitOptions[] = {}, onLayer?: (layer: number, errors: number[]) => void): number[][] {
    checkRows(x, this.sizes[0], 'dbn.pretrain');
    if (Array.isArray(options) && options.length !== this.rbms.length) {
      throw new WasmgradError(msg`dbn.pretrain: expected ${this.rbms.length} option objects (one per RBM), got ${options.length}`);
    }
    const histories: number[][] = [];
    let input = x;
    this.rbms.forEach((machine, l) => {
      const { reconstructionError } = machine.fit(input, Array.isArray(options) ? options[l] : options);
      histories.push(reconstructionError);
      onLayer?.(l, reconstructionError);
      if (l < this.rbms.length - 1) {
        const next = machine.transform(input);
        if (input !== x) input.dispose();
        input = next;
      }
    });
    if (input !== x) input.dispose();
    return histories;
  }

  /** The top layer's features p(h_top | x), propagated up through every RBM: [batch, top]. */
  transform(x: Tensor): Tensor {
    checkRows(x, this.sizes[0], 'dbn.transform');
    return tidy(() => this.rbms.reduce((v, machine) => machine.transform(v), x));
  }

  /**
   * The unrolled network: one dense sigmoid layer per RBM, kernel = W and bias = the hidden bias
   * (copies: the model trains its own), then dense(outputUnits, outputActivation) initialised
   * with a seeded Glorot uniform. Compile and fit it to fine-tune.
   */
  toSequential({ outputUnits, outputActivation = 'softmax' }: { outputUnits: number; outputActivation?: 'softmax' | 'sigmoid' | 'linear' }): Sequential {
    checkInt(outputUnits, 'dbn.toSequential', 'outputUnits');
    const hiddenLayers = this.rbms.map((machine, l) =>
      dense({ units: machine.hidden, activation: 'sigmoid', ...(l === 0 ? { inputShape: [this.sizes[0]] } : {}) }),
    );
    const output = dense({ units: outputUnits, activation: outputActivation, kernelInitializer: glorotUniform({ seed: this.seed + 1000 }) });
    const model = sequential({ layers: [...hiddenLayers, output] });
    hiddenLayers.forEach((layer, l) => layer.setWeights([this.rbms[l].weights, this.rbms[l].hiddenBias]));
    return model;
  }

  dispose(): void {
    this.rbms.forEach((m) => m.dispose());
  }
}

/** A deep belief network of stacked RBMs with the given layer sizes. */
export function dbn(args: DBNArgs): DeepBeliefNetwork {
  return new DeepBeliefNetwork(args);
}
