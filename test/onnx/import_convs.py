"""Writes the Conv and pool models of import-convs.test into the folder
argv[1]: depthwise.onnx (group = channels = 4, one filter per channel),
grouped.onnx (4 channels in 2 groups), grouped-wide.onnx (32 channels in
2 groups of 16), and maxpool.onnx, averagepool.onnx,
lppool.onnx (3x3 windows, stride 2, padding 1)."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(path, group, filters_per_group_input, channels=4):
    """Weights all ones, or 0, 1, 2, ... (to tell groups apart) for more
    than 4 channels."""
    w = np.ones((channels, filters_per_group_input, 3, 3), np.float32)
    if channels > 4:
        w = np.arange(w.size, dtype=np.float32).reshape(w.shape)
    node = helper.make_node("Conv", ["x", "w"], ["y"], group=group,
                            kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                            strides=[2, 2])
    graph = helper.make_graph(
        [node], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [1, channels, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [1, channels, 4, 4])],
        [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def save_pool(path, op_type):
    node = helper.make_node(op_type, ["x"], ["y"], kernel_shape=[3, 3],
                            pads=[1, 1, 1, 1], strides=[2, 2])
    graph = helper.make_graph(
        [node], "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 4, 4])])
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18)]), path)


def main(folder):
    os.makedirs(folder, exist_ok=True)
    save(os.path.join(folder, "depthwise.onnx"), 4, 1)
    save(os.path.join(folder, "grouped.onnx"), 2, 2)
    save(os.path.join(folder, "grouped-wide.onnx"), 2, 16, channels=32)
    for op_type in ("MaxPool", "AveragePool", "LpPool"):
        save_pool(os.path.join(folder, op_type.lower() + ".onnx"), op_type)


if __name__ == "__main__":
    main(sys.argv[1])
