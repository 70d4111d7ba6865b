#!/usr/bin/env python3
"""Writes small models that show how the importer types values: symbolic
dims, unsigned integers, declared value_info refining inferred types, and
shape arithmetic folded at import time."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(folder):
    os.makedirs(folder, exist_ok=True)
    vi = helper.make_tensor_value_info
    # y = reshape(x, [shape(x)[0], -1]) @ w + b, with a symbolic batch dim:
    # the Shape/Gather/Concat chain folds, so the reshape is a collapse.
    w = numpy_helper.from_array(np.ones((12, 5), np.float32), "w")
    b = numpy_helper.from_array(np.zeros((5,), np.float32), "b")
    minus_one = numpy_helper.from_array(np.array([-1], np.int64), "minus_one")
    zero = numpy_helper.from_array(np.array(0, np.int64), "zero")
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Gather", ["s", "zero"], ["n"], name="batch", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsq"),
        helper.make_node("Concat", ["n1", "minus_one"], ["shape2"], name="cat", axis=0),
        helper.make_node("Reshape", ["x", "shape2"], ["flat"], name="flatten"),
        helper.make_node("MatMul", ["flat", "w"], ["mm"], name="mm"),
        helper.make_node("Add", ["mm", "b"], ["y"], name="bias"),
        helper.make_node("Cast", ["q"], ["qf"], name="cast", to=TensorProto.FLOAT),
    ]
    axes = numpy_helper.from_array(np.array([0], np.int64), "axes")
    graph = helper.make_graph(
        nodes, "basics",
        [vi("x", TensorProto.FLOAT, ["batch", 3, 4]), vi("q", TensorProto.UINT8, [2])],
        [vi("y", TensorProto.FLOAT, ["batch", 5]), vi("qf", TensorProto.FLOAT, [2])],
        [w, b, minus_one, zero, axes],
        value_info=[vi("mm", TensorProto.FLOAT, ["batch", 5])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, "basics.onnx"))

    # r = range(0, 8) + 1 on int64 constants: folded at import time unless
    # --max-fold-elements is below its 8 elements.
    start = numpy_helper.from_array(np.array(0, np.int64), "start")
    limit = numpy_helper.from_array(np.array(8, np.int64), "limit")
    delta = numpy_helper.from_array(np.array(1, np.int64), "delta")
    one = numpy_helper.from_array(np.array([1], np.int64), "one")
    graph = helper.make_graph(
        [helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="range"),
         helper.make_node("Add", ["r", "one"], ["y"], name="add")],
        "fold", [], [vi("y", TensorProto.INT64, [8])], [start, limit, delta, one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, "fold.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
