"""The PyTorch peer of bench/train.mjs: native PyTorch trains the same models on the same data.

Run by bench/lib/torch-peer.mjs (never a dependency of wasmgrad: a measuring peer only). It reads
a job file (JSON) and the binary files it names, written by the bench in the same run:
  images   float32 [count, 784], the MNIST digits (0..1)
  labels   int32 [count]
  order    int32 [count], the fixed shuffled order: batch b is order[b*B:(b+1)*B], as model.fit
  weights  float32, every initial weight of wasmgrad's model in its layout, one after another
and trains, per thread count, a fresh model from those weights with torch.optim.Adam (lr 1e-3 and
the epsilon of wasmgrad and TF.js, 1e-7) and softmax cross-entropy from the logits (the loss
wasmgrad's softmax + categoricalCrossentropy computes, fused), gathering each batch's rows as fit
does. After a warm-up run (256 samples), `runs` timed runs of `samples` samples; it prints one
JSON line per thread count: {"threads", "samplesPerSec" (median run), "cpuSamplesPerSec" (per CPU
second of the process, median run), "ms" (every run),
"blasThreadsSet" (whether OpenBLAS's own thread count could be set as well)}.
"""
import ctypes
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def blas_thread_setter():
    """OpenBLAS's own thread count setter, or None. torch.set_num_threads sets OpenMP's (and MKL's)
    threads; an OpenBLAS built with pthreads keeps its own pool (all cores), so its count is set too."""
    try:
        paths = {line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line or "libblas" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads
            fn.argtypes = [ctypes.c_int]
            return fn
        except (OSError, AttributeError):
            continue
    return None


def dense_from(kernel, bias):
    # wasmgrad's dense kernel is [in, out]; nn.Linear's weight is [out, in]
    layer = nn.Linear(kernel.shape[0], kernel.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(kernel.T.copy()))
        layer.bias.copy_(torch.from_numpy(bias))
    return layer


def conv_from(kernel, bias):
    # wasmgrad's filter is [KH, KW, Cin, Cout]; nn.Conv2d's weight is [Cout, Cin, KH, KW]
    kh, kw, cin, cout = kernel.shape
    layer = nn.Conv2d(cin, cout, (kh, kw))
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
        layer.bias.copy_(torch.from_numpy(bias))
    return layer


class Mlp(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.d1, self.d2, self.d3 = dense_from(w[0], w[1]), dense_from(w[2], w[3]), dense_from(w[4], w[5])

    def forward(self, x):
        return self.d3(F.relu(self.d2(F.relu(self.d1(x)))))


class Cnn(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.c1, self.c2 = conv_from(w[0], w[1]), conv_from(w[2], w[3])
        self.d3, self.d4 = dense_from(w[4], w[5]), dense_from(w[6], w[7])

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.c1(x)), 2)
        h = F.max_pool2d(F.relu(self.c2(h)), 2)
        # flatten in wasmgrad's (NHWC) order, so the dense weights mean the same
        h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)
        return self.d4(F.relu(self.d3(h)))


def main():
    job = json.load(open(sys.argv[1]))
    images = np.fromfile(job["images"], dtype=np.float32).reshape(job["count"], 784)
    labels = torch.from_numpy(np.fromfile(job["labels"], dtype=np.int32).astype(np.int64))
    order = torch.from_numpy(np.fromfile(job["order"], dtype=np.int32).astype(np.int64))
    flat = np.fromfile(job["weights"], dtype=np.float32)
    weights, at = [], 0
    for shape in job["shapes"]:
        size = int(np.prod(shape))
        weights.append(flat[at:at + size].reshape(shape))
        at += size
    cnn = job["model"] == "CNN"
    x = torch.from_numpy(images.reshape(job["count"], 1, 28, 28) if cnn else images)
    batch = job["batch"]

    def train(model, opt, n):
        for b in range(0, n - batch + 1, batch):
            idx = order[b:b + batch]
            xb, yb = x.index_select(0, idx), labels.index_select(0, idx)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            loss.item()

    set_blas_threads = blas_thread_setter()
    for threads in job["threads"]:
        torch.set_num_threads(threads)
        if set_blas_threads:
            set_blas_threads(threads)
        model = (Cnn if cnn else Mlp)(weights)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        train(model, opt, min(job["samples"], 256))
        ms, cpu = [], []
        for _ in range(job["runs"]):
            t0, c0 = time.perf_counter(), time.process_time()
            train(model, opt, job["samples"])
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        median = sorted(ms)[len(ms) // 2]
        median_cpu = sorted(cpu)[len(cpu) // 2]
        done = (job["samples"] // batch) * batch
        print(json.dumps({
            "threads": threads, "samplesPerSec": done / (median / 1000), "cpuSamplesPerSec": done / (median_cpu / 1000),
            "ms": ms, "blasThreadsSet": bool(set_blas_threads),
        }), flush=True)


if __name__ == "__main__":
    main()
