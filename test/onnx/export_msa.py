#!/usr/bin/env python3
"""Writes models that use the `dsk` ONNX domain into a folder:

  msa.onnx      dsk.torch_ops.MultiScaleAttention exported by torch.onnx
  msa-ids.onnx  the same with segment ids (a `segment` scale without length)
  bad-scale.onnx, bad-shape.onnx   malformed dsk.MultiScaleAttention nodes
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

from dsk.torch_ops import MultiScaleAttention  # noqa: E402


def main(folder):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, 2, 8, 4) for _ in range(3))
    scales = [{"kind": "local", "window": 1}, {"kind": "segment", "length": 4},
              {"kind": "global", "tokens": [0, 5]}]
    torch.onnx.export(MultiScaleAttention(2, 4, scales, scale=0.25), (q, k, v),
                      os.path.join(folder, "msa.onnx"), opset_version=17,
                      input_names=["q", "k", "v"], custom_opsets={"dsk": 1})
    ids = torch.tensor([[0, 0, 0, 1, 1, 1, 1, 2]])
    torch.onnx.export(MultiScaleAttention(2, 4, [{"kind": "segment"}, {"kind": "global"}]),
                      (q, k, v, ids), os.path.join(folder, "msa-ids.onnx"), opset_version=17,
                      input_names=["q", "k", "v", "ids"], custom_opsets={"dsk": 1})

    def node_model(name, scales, gate_shape):
        x = helper.make_tensor_value_info
        node = helper.make_node("MultiScaleAttention", ["q", "k", "v", "w", "b"], ["y"],
                                name="msa0", domain="dsk", scales=scales)
        graph = helper.make_graph(
            [node], "g",
            [x(n, TensorProto.FLOAT, [1, 2, 8, 4]) for n in "qkv"] +
            [x("w", TensorProto.FLOAT, gate_shape), x("b", TensorProto.FLOAT, [2, 1])],
            [x("y", TensorProto.FLOAT, [1, 2, 8, 4])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                        helper.make_opsetid("dsk", 1)])
        onnx.save(model, os.path.join(folder, name + ".onnx"))

    node_model("bad-scale", ["local:2", "nearby:3"], [2, 4, 1])
    node_model("bad-shape", ["local:2", "global"], [2, 5, 1])


if __name__ == "__main__":
    main(sys.argv[1])
