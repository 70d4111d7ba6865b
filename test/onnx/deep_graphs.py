#!/usr/bin/env python3
"""Deep graphs compile in time linear in their depth, and run correctly.

Writes chain models (N Adds that each read the graph input; L layers of
MatMul + residual Add with a weight per layer), compiles each with
dsk-compile and checks dsk-run's output against NumPy. ctest gives the whole
test a TIMEOUT about 20 times what it needs, so a pass that turns quadratic
again fails it. bench/compile_time.py measures the same models at larger
sizes.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def add_chain(n):
    """y = x * (n + 1) as n chained Adds of the input: one elementwise
    chain, fused into bounded loop nests."""
    nodes, prev = [], "x"
    for i in range(n):
        nodes.append(helper.make_node("Add", [prev, "x"], [f"v{i}"]))
        prev = f"v{i}"
    x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8)
    y = x.copy()
    for _ in range(n):
        y = y + x
    return nodes, [], x, y, prev


def matmul_chain(layers, rng):
    """v = v @ w_i + v per layer: one GEMM kernel and one fused residual
    add per layer, each writing its own buffer."""
    nodes, inits, prev = [], [], "x"
    x = rng.standard_normal((4, 16)).astype(np.float32)
    y = x.copy()
    for i in range(layers):
        w = (rng.standard_normal((16, 16)) * 0.05).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [f"m{i}"]))
        nodes.append(helper.make_node("Add", [f"m{i}", prev], [f"v{i}"]))
        prev = f"v{i}"
        y = y @ w + y
    return nodes, inits, x, y, prev


def write(path, nodes, inits, x, y, out):
    graph = helper.make_graph(
        nodes, "chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, list(y.shape))],
        inits)
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsk-compile", required=True)
    parser.add_argument("--dsk-run", required=True)
    parser.add_argument("--adds", type=int, default=20000)
    parser.add_argument("--layers", type=int, default=500)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    cases = [(f"{args.adds}-adds", add_chain(args.adds)),
             (f"{args.layers}-matmul-layers", matmul_chain(args.layers, rng))]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (nodes, inits, x, y, out) in cases:
            model = os.path.join(tmp, name + ".onnx")
            lib = os.path.join(tmp, name + ".so")
            write(model, nodes, inits, x, y, out)
            np.save(os.path.join(tmp, "x.npy"), x)
            np.save(os.path.join(tmp, "y.npy"), y)
            steps = [[args.dsk_compile, model, "-o", lib],
                     [args.dsk_run, lib, os.path.join(tmp, "x.npy"),
                      "--expected", os.path.join(tmp, "y.npy"),
                      "--rtol", "1e-4", "--atol", "1e-4"]]
            for step in steps:
                result = subprocess.run(step, capture_output=True, text=True)
                if result.returncode != 0:
                    print(f"FAIL {name}: {' '.join(step)}\n{result.stdout}"
                          f"{result.stderr}")
                    failed += 1
                    break
            else:
                print(f"ok {name} ({len(nodes)} nodes)")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
