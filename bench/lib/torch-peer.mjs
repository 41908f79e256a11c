// Native PyTorch as a measuring peer of bench/train.mjs (never a dependency of wasmgrad): finds a
// Python with torch, writes the run's data and initial weights to a temporary directory and runs
// bench/lib/torch-train.py on them, in the same run as the other peers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./torch-train.py', import.meta.url));

/**
 * The first Python that imports torch: `--python EXE`, then $WASMGRAD_BENCH_PYTHON, then python3,
 * the system's /usr/bin/python3 (a version manager's python3 often hides the distribution's
 * packages) and python. Returns { python, version, threads } or { missing: why }.
 */
export function findTorch(preferred) {
  const candidates = [preferred, process.env.WASMGRAD_BENCH_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter((c) => typeof c === 'string' && c);
  const tried = [];
  for (const python of [...new Set(candidates)]) {
    try {
      const out = execFileSync(python, ['-c', 'import torch, json; print(json.dumps([torch.__version__, torch.get_num_threads()]))'], {
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 60_000,
      });
      const [version, threads] = JSON.parse(String(out).trim().split('\n').pop());
      return { python, version, threads };
    } catch {
      tried.push(python);
    }
  }
  return { missing: `no Python with torch found (tried ${tried.join(', ')}; --python EXE names one)` };
}

/**
 * Trains `model` ('MLP' or 'CNN', the layers of bench/train.mjs) in PyTorch from `weights` (the
 * initial weights of wasmgrad's model: [{ shape, values }] in wasmgrad's layouts) on `data`
 * ({ images, labels, count }) in batches of `batch` taken in `order`, at each thread count of
 * `threads`: `runs` timed runs of `samples` samples after a warm-up. Returns
 * [{ threads, samplesPerSec, ms }] (samplesPerSec of the median run).
 */
export function runTorch(torch, { model, weights, data, order, batch, samples, runs, threads }) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-torch-'));
  try {
    const file = (name, typed) => {
      const path = join(dir, name);
      writeFileSync(path, new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
      return path;
    };
    const flat = new Float32Array(weights.reduce((s, w) => s + w.values.length, 0));
    let at = 0;
    for (const w of weights) {
      flat.set(w.values, at);
      at += w.values.length;
    }
    const job = {
      model, batch, samples, runs, threads, count: data.count,
      images: file('images.f32', data.images),
      labels: file('labels.i32', Int32Array.from(data.labels)),
      order: file('order.i32', order),
      weights: file('weights.f32', flat),
      shapes: weights.map((w) => w.shape),
    };
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));
    const out = execFileSync(torch.python, [SCRIPT, jobFile], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000, maxBuffer: 1 << 20 });
    return String(out).trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
