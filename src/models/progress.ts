// The progress display of fit: a Keras-style bar on a terminal, one line per epoch elsewhere.
// Our own few dozen lines rather than a dependency: the library has no runtime dependencies, the
// bar must work on Node, Deno, Bun and in browsers (console), and the terminal-only behaviour we
// need (carriage return, no colours, throttled redraws) is small; see README, "Progress display".
import { Callback, type Logs } from './callbacks.js';

type Writer = { write(s: string): void; isTerminal: boolean; columns: number };

/** stdout on Node and Bun (process.stdout), Deno (Deno.stdout), else console.log per line. */
export function terminal(): Writer {
  const g = globalThis as Record<string, any>;
  const proc = g.process;
  if (proc?.stdout && typeof proc.stdout.write === 'function' && !g.Deno) {
    return { write: (s) => void proc.stdout.write(s), isTerminal: !!proc.stdout.isTTY, columns: proc.stdout.columns || 100 };
  }
  const deno = g.Deno;
  if (deno?.stdout?.writeSync) {
    const enc = new TextEncoder();
    let tty = false;
    let columns = 100;
    try {
      tty = typeof deno.stdout.isTerminal === 'function' ? deno.stdout.isTerminal() : !!deno.isatty?.(deno.stdout.rid);
      if (tty) columns = deno.consoleSize?.().columns ?? 100;
    } catch {
      tty = false;
    }
    return { write: (s) => void deno.stdout.writeSync(enc.encode(s)), isTerminal: tty, columns };
  }
  let pending = '';
  return {
    write: (s) => {
      pending += s;
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        for (const line of pending.slice(0, cut).split('\n')) console.log(line);
        pending = pending.slice(cut + 1);
      }
    },
    isTerminal: false,
    columns: 100,
  };
}

function fmtTime(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${Math.round(s)}s`;
}

function fmtPerStep(s: number): string {
  if (s >= 1) return `${s.toFixed(0)}s/step`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(0)}ms/step`;
  return `${(s * 1e6).toFixed(0)}us/step`;
}

export function fmtLogs(logs: Logs, skip: string[] = ['batch', 'size']): string {
  return Object.entries(logs)
    .filter(([k, v]) => !skip.includes(k) && typeof v === 'number')
    .map(([k, v]) => ` - ${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4)}`)
    .join('');
}

/**
 * Keras's progress bar: "Epoch 3/8", then
 * "125/125 [==============================] - 1s 8ms/step - loss: 0.1412 - acc: 0.9581".
 * On a terminal the line is redrawn (at most every 50 ms); otherwise one line per epoch.
 */
export class ProgressBar extends Callback {
  private out: Writer;
  private epochStart = 0;
  private lastDraw = 0;
  private lastLen = 0;
  private epoch = 0;

  constructor(private readonly opts: { width?: number; interval?: number; writer?: Writer; forceLine?: boolean } = {}) {
    super();
    this.out = opts.writer ?? terminal();
  }

  private get live(): boolean {
    return this.out.isTerminal && !this.opts.forceLine;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = now();
    this.lastDraw = 0;
    this.lastLen = 0;
    if (this.live) this.out.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
  }

  onBatchEnd(batch: number, logs: Logs = {}): void {
    if (!this.live) return;
    const t = now();
    const steps = this.params.steps ?? 0;
    if (batch + 1 < steps && t - this.lastDraw < (this.opts.interval ?? 50)) return;
    this.lastDraw = t;
    this.draw(batch + 1, logs, false);
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const steps = this.params.steps ?? 0;
    if (this.live) {
      this.draw(steps, logs, true);
      this.out.write('\n');
    } else {
      const elapsed = (now() - this.epochStart) / 1000;
      this.out.write(`Epoch ${epoch + 1}/${this.params.epochs} - ${fmtTime(elapsed)} ${fmtPerStep(elapsed / Math.max(1, steps))}${fmtLogs(logs)}\n`);
    }
  }

  private draw(done: number, logs: Logs, final: boolean): void {
    const steps = this.params.steps ?? done;
    const elapsed = (now() - this.epochStart) / 1000;
    const width = this.opts.width ?? 30;
    const digits = String(steps).length;
    let bar = `${String(done).padStart(digits)}/${steps} [`;
    const filled = Math.floor((width * done) / Math.max(1, steps));
    bar += done >= steps ? '='.repeat(width) : `${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(width - Math.max(1, filled))}`;
    bar += ']';
    const perStep = elapsed / Math.max(1, done);
    bar += final ? ` - ${fmtTime(elapsed)} ${fmtPerStep(perStep)}` : ` - ETA: ${fmtTime(perStep * (steps - done))}`;
    bar += fmtLogs(logs);
    const line = bar.length > this.out.columns - 1 ? bar.slice(0, this.out.columns - 1) : bar;
    this.out.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
    this.lastLen = line.length;
    void this.epoch;
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** wg.callbacks.progressBar(): the bar fit shows with verbose 1 on a terminal. */
export function progressBar(opts: { width?: number; interval?: number } = {}): ProgressBar {
  return new ProgressBar(opts);
}
