#!/usr/bin/env python3
"""Writes the small ONNX models that the dsk-compile end-to-end tests compile,
with reference inputs and outputs as .npy files next to them, and the inputs
and outputs of the .mlir models."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(folder, name, nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, name + ".onnx"))


def main(folder):
    os.makedirs(folder, exist_ok=True)
    vi = helper.make_tensor_value_info
    rng = np.random.default_rng(0)

    # y = relu(x @ w + b): static shapes, with weights.
    x = rng.standard_normal((2, 8), dtype=np.float32)
    w = rng.standard_normal((8, 4), dtype=np.float32)
    b = rng.standard_normal((4,), dtype=np.float32)
    save(folder, "mlp",
         [helper.make_node("MatMul", ["x", "w"], ["mm"], name="mm"),
          helper.make_node("Add", ["mm", "b"], ["pre"], name="bias"),
          helper.make_node("Relu", ["pre"], ["y"], name="relu")],
         [vi("x", TensorProto.FLOAT, [2, 8])],
         [vi("y", TensorProto.FLOAT, [2, 4])],
         [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    np.save(os.path.join(folder, "mlp-x.npy"), x)
    np.save(os.path.join(folder, "mlp-y.npy"), np.maximum(x @ w + b, 0))

    # A symbolic batch dimension: compiles only with --dim batch=N.
    save(folder, "symbolic",
         [helper.make_node("Neg", ["x"], ["y"], name="neg")],
         [vi("x", TensorProto.FLOAT, ["batch", 3])],
         [vi("y", TensorProto.FLOAT, ["batch", 3])])
    sx = np.arange(15, dtype=np.float32).reshape(5, 3)
    np.save(os.path.join(folder, "symbolic-x.npy"), sx)
    np.save(os.path.join(folder, "symbolic-y.npy"), -sx)

    # A round trip through float8, which imports but has no LLVM lowering.
    save(folder, "float8",
         [helper.make_node("Cast", ["x"], ["x8"], name="to_float8",
                           to=TensorProto.FLOAT8E4M3FN),
          helper.make_node("Cast", ["x8"], ["y"], name="from_float8",
                           to=TensorProto.FLOAT)],
         [vi("x", TensorProto.FLOAT, [4])],
         [vi("y", TensorProto.FLOAT, [4])], opset=19)

    # dsk-compile-mlir.mlir: y = x + [[1, 2, 3], [4, 5, 6]], cube = k ** 3.
    mx = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    mk = np.array([-2, 3, 7], np.int32)
    np.save(os.path.join(folder, "mlir-x.npy"), mx)
    np.save(os.path.join(folder, "mlir-k.npy"), mk)
    np.save(os.path.join(folder, "mlir-y.npy"),
            mx + np.arange(1, 7, dtype=np.float32).reshape(2, 3))
    np.save(os.path.join(folder, "mlir-cube.npy"), mk ** 3)

    # dsk-compile-dtypes.mlir: bool, ONNX-unsigned uint8 and a rank-0 i64.
    np.save(os.path.join(folder, "dtypes-x.npy"),
            np.array([True, False, True, True, False]))
    np.save(os.path.join(folder, "dtypes-u.npy"),
            np.array([0, 1, 127, 128, 255], np.uint8))
    np.save(os.path.join(folder, "dtypes-n.npy"), np.array(-7, np.int64))
    np.save(os.path.join(folder, "dtypes-not-x.npy"),
            np.array([False, True, False, False, True]))
    np.save(os.path.join(folder, "dtypes-uf.npy"),
            np.array([0, 1, 127, 128, 255], np.float32))
    np.save(os.path.join(folder, "dtypes-n2.npy"), np.array(-14, np.int64))


if __name__ == "__main__":
    main(sys.argv[1])
