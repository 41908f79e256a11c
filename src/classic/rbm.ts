// The restricted Boltzmann machine with Bernoulli visible and hidden units, trained by contrastive
// divergence (CD-k; persistent CD as an option). Every Gibbs half-step is one GEMM (wg.matMul) and
// one fused sigmoid + Bernoulli-sample kernel (sigmoidBernoulli), both in WebAssembly; the seeds of
// the samples come from the machine's seed and a step counter, so training is reproducible.
//
// Energy E(v, h) = -v.b - h.c - v W h; free energy F(v) = -v.b - sum_j softplus(c_j + (v W)_j).
// CD-k: dW = <v0 p(h|v0)> - <vk p(h|vk)>, db = <v0 - vk>, dc = <p(h|v0) - p(h|vk)> over the batch.
import { WasmgradError, msg } from '../errors.js';
import { Tensor, tidy, keep } from '../tensor.js';
import { zeros, fill, tensor } from '../creation.js';
import { variable, type Variable } from '../variables.js';
import { add, sub, mul, matMul, mean, sum, sigmoid, softplus, gather, square } from '../ops/index.js';
import { randomNormal } from '../ops/random.js';
import { sigmoidBernoulli, bernoulliSample } from '../ops/sample.js';
import { checkRows, checkInt, checkNum, checkSeedValue, rng, permutation } from './util.js';
import { optionsOf } from '../validate.js';

export interface RBMArgs {
  visible: number;
  hidden: number;
  /** Seed of the initial weights (normal, std 0.01) and of every sample drawn. Default 0. */
  seed?: number;
}

export interface RBMFitOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Gibbs steps per update (CD-k). Default 1. */
  k?: number;
  /** Persistent CD: the negative chains carry over from batch to batch instead of restarting at the data. */
  persistent?: boolean;
  momentum?: number;
  /** L2 weight decay on W. */
  weightDecay?: number;
  /** Shuffle the rows each epoch (seeded from the machine's seed). Default true. */
  shuffle?: boolean;
  /** Called after each epoch with the epoch (0-based) and its mean reconstruction error. */
  onEpochEnd?: (epoch: number, reconstructionError: number) => void;
}

export class RBM {
  readonly visible: number;
  readonly hidden: number;
  /** W [visible, hidden], visible bias b [visible], hidden bias c [hidden]. */
  readonly weights: Variable;
  readonly visibleBias: Variable;
  readonly hiddenBias: Variable;
  private seed: number;
  private draws = 0;
  private chain: Tensor | null = null;

  constructor(args: RBMArgs) {
    if (!args || typeof args !== 'object') throw new WasmgradError('rbm: expected { visible, hidden, seed? }');
    this.visible = checkInt(args.visible, 'rbm', 'visible');
    this.hidden = checkInt(args.hidden, 'rbm', 'hidden');
    this.seed = checkSeedValue(args.seed ?? 0, 'rbm');
    this.weights = tidy(() => variable(randomNormal([this.visible, this.hidden], 0, 0.01, this.seed), false));
    this.visibleBias = tidy(() => variable(zeros([this.visible]), false));
    this.hiddenBias = tidy(() => variable(zeros([this.hidden]), false));
  }

  /** A fresh seed for the next sample: the machine's seed and a counter. */
  private nextSeed(): number {
    this.draws++;
    return (this.seed * 1000003 + this.draws * 7919) % 2 ** 52;
  }

  /** p(h = 1 | v) for each row of v: [batch, hidden]. */
  hiddenProbs(v: Tensor): Tensor {
    checkRows(v, this.visible, 'rbm.hiddenProbs', 'v');
    return tidy(() => sigmoid(add(matMul(v, this.weights), this.hiddenBias)));
  }

  /** p(v = 1 | h) for each row of h: [batch, visible]. */
  visibleProbs(h: Tensor): Tensor {
    checkRows(h, this.hidden, 'rbm.visibleProbs', 'h');
    return tidy(() => sigmoid(add(matMul(h, this.weights, false, true), this.visibleBias)));
  }

  /** One half-step up: probabilities and samples of the hidden units. */
  private sampleHidden(v: Tensor): { probs: Tensor; samples: Tensor } {
    return tidy(() => sigmoidBernoulli(add(matMul(v, this.weights), this.hiddenBias), this.nextSeed()));
  }

  /** One half-step down: probabilities and samples of the visible units. */
  private sampleVisible(h: Tensor): { probs: Tensor; samples: Tensor } {
    return tidy(() => sigmoidBernoulli(add(matMul(h, this.weights, false, true), this.visibleBias), this.nextSeed()));
  }

  /**
   * The CD-k gradient estimate for a batch v0 (values in [0, 1]), starting the negative chain at
   * the data or, when `chainStart` is given, at those visible states (persistent CD). Visible
   * units of the chain are sampled; the statistics use hidden probabilities. Returns the estimate
   * (ascent direction) and the chain's last visible samples.
   */
  contrastiveDivergence(v0: Tensor, k = 1, chainStart?: Tensor): { dW: Tensor; dVisibleBias: Tensor; dHiddenBias: Tensor; chainEnd: Tensor } {
    checkRows(v0, this.visible, 'rbm.contrastiveDivergence', 'v0');
    checkInt(k, 'rbm.contrastiveDivergence', 'k');
    if (chainStart !== undefined) checkRows(chainStart, this.visible, 'rbm.contrastiveDivergence', 'chainStart');
    const batch = v0.shape[0];
    return tidy(() => {
      const positive = this.sampleHidden(v0);
      let h = chainStart === undefined ? positive.samples : this.sampleHidden(chainStart).samples;
      let v: Tensor = v0;
      let ph: Tensor = positive.probs;
      for (let step = 0; step < k; step++) {
        v = this.sampleVisible(h).samples;
        const up = this.sampleHidden(v);
        h = up.samples;
        ph = up.probs;
      }
      const scaleBy = 1 / batch;
      const dW = mul(sub(matMul(v0, positive.probs, true, false), matMul(v, ph, true, false)), scaleBy);
      const dVisibleBias = mean(sub(v0, v), 0);
      const dHiddenBias = mean(sub(positive.probs, ph), 0);
      return { dW, dVisibleBias, dHiddenBias, chainEnd: v };
    });
  }

  /** Trains on the rows of x (values in [0, 1]); returns the mean reconstruction error of each epoch. */
  fit(x: Tensor, options: RBMFitOptions = {}): { reconstructionError: number[] } {
    const op = 'rbm.fit';
    const n = checkRows(x, this.visible, op).shape[0];
    const epochs = checkInt(options.epochs ?? 10, op, 'epochs');
    const batchSize = Math.min(n, checkInt(options.batchSize ?? 100, op, 'batchSize'));
    const lr = checkNum(options.learningRate ?? 0.05, op, 'learningRate', 'positive');
    const k = checkInt(options.k ?? 1, op, 'k');
    const momentum = checkNum(options.momentum ?? 0.5, op, 'momentum', 'nonNegative');
    const decay = checkNum(options.weightDecay ?? 1e-4, op, 'weightDecay', 'nonNegative');
    const persistent = options.persistent ?? false;
    if (momentum >= 1) throw new WasmgradError(msg`${op}: momentum must be below 1, got ${momentum}`);
    const random = rng(this.seed + 101);
    const velocity = [zeros(this.weights.shape), zeros(this.visibleBias.shape), zeros(this.hiddenBias.shape)];
    const history: number[] = [];
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        const order = options.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : permutation(n, random);
        let errorSum = 0;
        for (let start = 0; start < n; start += batchSize) {
          const size = Math.min(batchSize, n - start);
          const err = tidy(() => {
            const idx = tensor(order.subarray(start, start + size), [size], 'int32');
            const v0 = gather(x, idx, 0);
            if (persistent && (this.chain === null || this.chain.shape[0] !== size)) {
              this.chain?.dispose();
              this.chain = keep(bernoulliSample(fill([size, this.visible], 0.5), this.nextSeed()));
            }
            const g = this.contrastiveDivergence(v0, k, persistent ? this.chain! : undefined);
            const steps = [sub(g.dW, mul(this.weights, decay)), g.dVisibleBias, g.dHiddenBias];
            const params = [this.weights, this.visibleBias, this.hiddenBias];
            steps.forEach((d, i) => {
              const vel = add(mul(velocity[i], momentum), mul(d, lr));
              velocity[i].dispose();
              velocity[i] = keep(vel);
              params[i].assign(add(params[i], vel));
            });
            if (persistent) {
              this.chain!.dispose();
              this.chain = keep(g.chainEnd);
            }
            return mul(sum(square(sub(v0, this.reconstruct(v0)))), 1 / this.visible);
          });
          errorSum += err.dataSync()[0];
          err.dispose();
        }
        history.push(errorSum / n);
        options.onEpochEnd?.(epoch, errorSum / n);
      }
    } finally {
      velocity.forEach((t) => t.dispose());
    }
    return { reconstructionError: history };
  }

  /** Mean-field reconstruction p(v | p(h | v)): [batch, visible]. */
  reconstruct(v: Tensor): Tensor {
    checkRows(v, this.visible, 'rbm.reconstruct', 'v');
    return tidy(() => this.visibleProbs(this.hiddenProbs(v)));
  }

  /** The mean squared difference per pixel between v and its reconstruction (a number). */
  reconstructionError(v: Tensor): number {
    checkRows(v, this.visible, 'rbm.reconstructionError', 'v');
    const e = tidy(() => mean(square(sub(v, this.reconstruct(v)))));
    const value = e.dataSync()[0];
    e.dispose();
    return value;
  }

  /** F(v) = -v.b - sum_j softplus(c_j + (v W)_j) for each row: [batch]. Lower is more probable. */
  freeEnergy(v: Tensor): Tensor {
    checkRows(v, this.visible, 'rbm.freeEnergy', 'v');
    return tidy(() => {
      const vb = sum(mul(v, this.visibleBias), 1);
      const hidden = sum(softplus(add(matMul(v, this.weights), this.hiddenBias)), 1);
      return sub(mul(vb, -1), hidden);
    });
  }

  /**
   * Runs `steps` Gibbs steps (v -> h -> v) from `start` (visible states [batch, visible]) or from
   * `count` random binary states, and returns the visible probabilities of the last step.
   */
  sample(options: { start?: Tensor; count?: number; steps?: number } = {}): Tensor {
    options = optionsOf(options, 'rbm.sample');
    const steps = checkInt(options.steps ?? 1000, 'rbm.sample', 'steps');
    if (options.start === undefined) checkInt(options.count, 'rbm.sample', 'count');
    else checkRows(options.start, this.visible, 'rbm.sample', 'start');
    return tidy(() => {
      let v = options.start ?? bernoulliSample(fill([options.count!, this.visible], 0.5), this.nextSeed());
      let pv = v;
      for (let s = 0; s < steps; s++) {
        const next = tidy(() => {
          const down = this.sampleVisible(this.sampleHidden(v).samples);
          return [down.samples, down.probs];
        });
        if (v !== options.start) v.dispose();
        if (pv !== options.start && pv !== v) pv.dispose();
        [v, pv] = next;
      }
      return pv;
    });
  }

  /** p(h | v): the features a deep belief network passes to the next layer. */
  transform(v: Tensor): Tensor {
    return this.hiddenProbs(v);
  }

  dispose(): void {
    this.weights.dispose();
    this.visibleBias.dispose();
    this.hiddenBias.dispose();
    this.chain?.dispose();
    this.chain = null;
  }
}

/** An RBM with Bernoulli visible and hidden units. */
export function rbm(args: RBMArgs): RBM {
  return new RBM(args);
}
