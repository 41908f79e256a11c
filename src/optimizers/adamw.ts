// AdamW, decoupled weight decay, as torch.optim.AdamW (and Keras AdamW, but for eps, see adam.ts):
//   p *= 1 - lr weightDecay, then the Adam step. Default weightDecay 0.004 (Keras; torch: 0.01).
import { Adam, type AdamArgs } from './adam.js';
import { checkNumber } from './optimizer.js';

export interface AdamWArgs extends AdamArgs {
  weightDecay?: number;
}

export class AdamW extends Adam {
  readonly className: string = 'AdamW';
  readonly weightDecay: number;

  constructor(args: AdamWArgs = {}) {
    super(args);
    this.weightDecay = checkNumber('AdamW', 'weightDecay', args.weightDecay ?? 0.004, { min: 0 });
  }

  protected decayFactor(lr: number): number {
    return 1 - lr * this.weightDecay;
  }

  protected ownConfig(): Record<string, unknown> {
    return { ...super.ownConfig(), weightDecay: this.weightDecay };
  }
}
