#!/usr/bin/env python3
"""Compile time of dsk-compile against graph depth (the issue's 1k/5k/20k
node figures): chains of Adds (one fused elementwise chain) and of MatMul +
residual Add layers (one GEMM kernel per layer), from test/onnx/deep_graphs.py.
Prints seconds per compile (median of --runs) and per 1,000 nodes, so that
growth faster than linear shows.

    bench/compile_time.py --dsk-compile build/bin/dsk-compile
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test",
                                "onnx"))
import deep_graphs  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsk-compile", default="build/bin/dsk-compile")
    parser.add_argument("--nodes", type=int, nargs="+",
                        default=[1000, 5000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'graph':<16} {'nodes':>6} {'seconds':>8} {'s/1k nodes':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("adds", "matmul-layers"):
            for nodes in args.nodes:
                # Only the model matters here: thousands of layers overflow
                # the expected values.
                with np.errstate(all="ignore"):
                    built = (deep_graphs.add_chain(nodes) if kind == "adds"
                             else deep_graphs.matmul_chain(nodes // 2, rng))
                model = os.path.join(tmp, "m.onnx")
                deep_graphs.write(model, *built)
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    try:
                        subprocess.run([args.dsk_compile, model, "-o",
                                        os.path.join(tmp, "m.so")],
                                       check=True, timeout=args.timeout)
                    except subprocess.TimeoutExpired:
                        times = None
                        break
                    times.append(time.perf_counter() - start)
                if times is None:
                    print(f"{kind:<16} {nodes:>6} {'>' + str(args.timeout):>8}")
                    continue
                t = statistics.median(times)
                print(f"{kind:<16} {nodes:>6} {t:>8.2f} {t / nodes * 1000:>10.3f}")


if __name__ == "__main__":
    main()
