"""The f32 GEMM kernels against NumPy over a sweep of shapes.

For every kernel row of the table whose code this CPU can run (the AVX-512F
row, the AVX2+FMA row, the generic row), compiles a MatMul + bias model per
shape (sizes of 1, primes, non-multiples of every tile, K larger than the K
block), checks from --print-kernels that the row's kernel, not the reference
lowering, was selected, runs it with dsk-run and compares with NumPy in
float64 (rtol 1e-4, atol 1e-4). A row the CPU cannot run prints
"skipped: host lacks <feature>". Ends with "N passed, N failed".

usage: gemm_kernel_sweep.py BIN_DIR WORK_DIR
"""

import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# (target, kernel it must select, /proc/cpuinfo flags the code needs)
ROWS = [
    ("skylake-avx512", "x86.avx512f.gemm_f32", ["avx512f"]),
    ("x86-64-v3", "x86.avx2.gemm_f32", ["avx2", "fma"]),
    ("x86-64", "generic.gemm_f32", []),
]
# (batch, M, K, N): ones, primes, tails of MR/NR/width, K > KC (256).
SHAPES = [
    (1, 1, 1, 1),
    (1, 1, 300, 33),
    (2, 7, 13, 31),
    (1, 17, 64, 64),
    (3, 5, 257, 47),
    (1, 9, 600, 97),
    (1, 64, 96, 160),
]


def host_flags():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def write_model(path, batch, m, k, n, rng):
    w = rng.standard_normal((k, n)).astype(np.float32)
    b = rng.standard_normal((n,)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["xw"]),
             helper.make_node("Add", ["xw", "b"], ["y"])]
    graph = helper.make_graph(
        nodes, "gemm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, m, n])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return w, b


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    flags = host_flags()
    rng = np.random.default_rng(7)
    passed = failed = 0
    for target, kernel, needs in ROWS:
        missing = [f for f in needs if f not in flags]
        if missing:
            print(f"{kernel}: skipped: host lacks {missing[0]}")
            continue
        for batch, m, k, n in SHAPES:
            name = f"{target}-{batch}x{m}x{k}x{n}"
            model = os.path.join(work, name + ".onnx")
            library = os.path.join(work, name + ".so")
            w, b = write_model(model, batch, m, k, n, rng)
            compiled = subprocess.run(
                [os.path.join(bin_dir, "dsk-compile"), model, "-target=" + target,
                 "--print-kernels", "-o", library],
                capture_output=True, text=True)
            if compiled.returncode != 0 or kernel not in compiled.stderr:
                print(f"FAIL {name}: kernel {kernel} not selected or compile "
                      f"failed:\n{compiled.stderr}")
                failed += 1
                continue
            x = rng.standard_normal((batch, m, k)).astype(np.float32)
            expected = (x.astype(np.float64) @ w + b).astype(np.float32)
            np.save(os.path.join(work, name + "-x.npy"), x)
            np.save(os.path.join(work, name + "-y.npy"), expected)
            ran = subprocess.run(
                [os.path.join(bin_dir, "dsk-run"), library,
                 os.path.join(work, name + "-x.npy"), "--expected",
                 os.path.join(work, name + "-y.npy"), "--rtol", "1e-4",
                 "--atol", "1e-4"], capture_output=True, text=True)
            if ran.returncode != 0:
                print(f"FAIL {name}:\n{ran.stdout}{ran.stderr}")
                failed += 1
                continue
            print(f"ok {name} {kernel}")
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
