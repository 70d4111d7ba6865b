"""dsk's GEMM and convolution kernels against the machine's FMA peak and ORT.

Builds one-op ONNX models (MatMul with constant weights, Conv with a constant
filter), compiles each with dsk-compile for the host, and times, in rounds:
the FMA peak probe (bench/fma_peak.c, built with clang), then dsk's kernel
through the Python binding and ONNX Runtime on the same model and thread
count, in alternating blocks of back-to-back calls (timing.py).
Reports medians: GFLOP/s, % of the single-thread zmm (or ymm) peak, and the
ratio dsk / ORT. A benchmark, not a test.

usage: kernel_bench.py [--runs 30] [--rounds 2] [--threads 1 2] [--block 5]
                       [--gap-ms 100]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "python"))
import dsk  # noqa: E402
from timing import interleaved_blocks  # noqa: E402

# (name, kind, shape): MatMul (M, K, N); Conv (C, H, W, F, k, stride, pad).
CASES = [
    ("sgemm 1024^3", "matmul", (1024, 1024, 1024)),
    ("bert ffn 128x768x3072", "matmul", (128, 768, 3072)),
    ("bert ffn 128x3072x768", "matmul", (128, 3072, 768)),
    ("resnet conv 64x56x56 3x3", "conv", (64, 56, 56, 64, 3, 1, 1)),
    ("resnet conv 256x14x14 3x3", "conv", (256, 14, 14, 256, 3, 1, 1)),
    ("resnet conv 512x7x7 3x3", "conv", (512, 7, 7, 512, 3, 1, 1)),
    ("mobilenet 1x1 96x56x56->24", "conv", (96, 56, 56, 24, 1, 1, 0)),
]


def make_model(path, kind, shape, rng):
    if kind == "matmul":
        m, k, n = shape
        w = rng.standard_normal((k, n)).astype(np.float32)
        nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
        x_shape, y_shape, flops = [m, k], [m, n], 2 * m * k * n
        inits = [numpy_helper.from_array(w, "w")]
    else:
        c, h, wd, f, k, s, p = shape
        w = rng.standard_normal((f, c, k, k)).astype(np.float32)
        oh, ow = (h + 2 * p - k) // s + 1, (wd + 2 * p - k) // s + 1
        nodes = [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[k, k],
                                  strides=[s, s], pads=[p] * 4)]
        x_shape, y_shape = [1, c, h, wd], [1, f, oh, ow]
        flops = 2 * f * c * k * k * oh * ow
        inits = [numpy_helper.from_array(w, "w")]
    graph = helper.make_graph(
        nodes, "kernel", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return rng.standard_normal(x_shape).astype(np.float32), flops


def fma_peak(binary):
    out = subprocess.run([binary, "3"], capture_output=True, text=True, check=True).stdout
    peaks = dict(re.findall(r"(\w+)\s+peak:\s+[\d.]+ GFLOP/s best,\s+([\d.]+) median", out))
    return float(peaks.get("zmm", peaks.get("ymm", "nan")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--block", type=int, default=5)
    parser.add_argument("--gap-ms", type=float, default=100)
    parser.add_argument("--dsk-compile", default=os.path.join(REPO, "build", "bin", "dsk-compile"))
    args = parser.parse_args()
    import onnxruntime as ort

    work = tempfile.mkdtemp(prefix="dsk-kernel-bench-")
    peak_bin = os.path.join(work, "fma_peak")
    subprocess.run(["clang-22", "-O2", "-o", peak_bin, os.path.join(HERE, "fma_peak.c")],
                   check=True)
    rng = np.random.default_rng(0)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    flags = next((l.split(":", 1)[1].split() for l in open("/proc/cpuinfo")
                  if l.startswith("flags")), [])
    print("machine: %s; %s" % (cpu, ",".join(f for f in flags if f.startswith(("avx", "fma")))))
    rows = []
    for name, kind, shape in CASES:
        path = os.path.join(work, re.sub(r"\W+", "_", name) + ".onnx")
        x, flops = make_model(path, kind, shape, rng)
        library = path[:-5] + ".so"
        out = subprocess.run([args.dsk_compile, path, "-o", library, "--print-kernels"],
                             capture_output=True, text=True, check=True)
        kernel = out.stderr.strip().rsplit(": ", 1)[-1]
        model = dsk.load(library)
        for threads in args.threads:
            model.num_threads = threads
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            samples = {"dsk": [], "ort": []}
            peaks = []
            for _ in range(3):
                model(x)
                session.run(None, {"x": x})
            for _ in range(args.rounds):
                peaks.append(fma_peak(peak_bin))
                round_samples = interleaved_blocks(
                    {"dsk": lambda: model(x), "ort": lambda: session.run(None, {"x": x})},
                    args.runs, args.block, args.gap_ms / 1e3)
                for side, values in round_samples.items():
                    samples[side] += values
            dsk_s = statistics.median(samples["dsk"])
            ort_s = statistics.median(samples["ort"])
            peak = statistics.median(peaks)
            rows.append((name, kernel, threads, dsk_s * 1e3, flops / dsk_s / 1e9,
                         100 * flops / dsk_s / 1e9 / peak, ort_s * 1e3, dsk_s / ort_s, peak))
            print("%s T=%d: dsk %.3f ms, ORT %.3f ms" % (name, threads, dsk_s * 1e3, ort_s * 1e3),
                  flush=True)
    print("\n| op | kernel | T | dsk (ms) | GFLOP/s | % of 1-thread peak | ORT (ms) | dsk / ORT |")
    print("|---|---|---|---|---|---|---|---|")
    for name, kernel, t, ms, gf, pct, ort_ms, ratio, peak in rows:
        print("| %s | %s | %d | %.3f | %.0f | %.0f | %.3f | %.2f |"
              % (name, kernel.split(" tiles")[0], t, ms, gf, pct, ort_ms, ratio))
    print("\nFMA peak (one thread, median of rounds): %.0f GFLOP/s" % statistics.median(
        [r[8] for r in rows]))


if __name__ == "__main__":
    main()
