#!/usr/bin/env python3
"""Writes one small model per converter family (lib/Frontend/ONNX/*Ops.cpp),
each a single node whose attributes change the IR it becomes, for
import-families.test to check op by op."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(folder, name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(folder, name + ".onnx"))


def main(folder):
    os.makedirs(folder, exist_ok=True)
    w = const("w", np.ones((6, 4), np.float32))
    # MatMulOps: Gemm with transB and alpha/beta.
    save(folder, "gemm", [helper.make_node("Gemm", ["x", "w", "c"], ["y"], transB=1,
                                           alpha=2.0, beta=0.5)],
         [vi("x", [3, 4]), vi("c", [6])], [vi("y", [3, 6])], [w])
    # ConvolutionOps: MaxPool with strides, explicit pads and ceil mode.
    save(folder, "maxpool", [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3],
                                              strides=[2, 2], pads=[1, 1, 1, 1])],
         [vi("x", [1, 2, 8, 8])], [vi("y", [1, 2, 4, 4])])
    # NormalizationOps: LayerNormalization over the last axis, epsilon.
    save(folder, "layernorm", [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"],
                                                axis=-1, epsilon=1e-3)],
         [vi("x", [2, 8]), vi("g", [8]), vi("b", [8])], [vi("y", [2, 8])])
    # ActivationOps: Softmax on axis 0 (not the last).
    save(folder, "softmax", [helper.make_node("Softmax", ["x"], ["y"], axis=0)],
         [vi("x", [3, 5])], [vi("y", [3, 5])])
    # QuantizationOps: per-axis QuantizeLinear with constant parameters.
    save(folder, "quantize", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], axis=1)],
         [vi("x", [2, 3])], [vi("y", [2, 3], TensorProto.INT8)],
         [const("s", np.array([0.5, 0.25, 0.125], np.float32)),
          const("z", np.array([0, 1, -1], np.int8))])
    # ShapeOps: Transpose with a permutation.
    save(folder, "transpose", [helper.make_node("Transpose", ["x"], ["y"], perm=[2, 0, 1])],
         [vi("x", [2, 3, 4])], [vi("y", [4, 2, 3])])
    # SliceOps: Slice with a negative step on one axis.
    save(folder, "slice", [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])],
         [vi("x", [4, 10])], [vi("y", [4, 4])],
         [const("st", np.array([8], np.int64)), const("en", np.array([0], np.int64)),
          const("ax", np.array([1], np.int64)), const("sp", np.array([-2], np.int64))])
    # GatherScatterOps: Gather on axis 1 with runtime indices.
    save(folder, "gather", [helper.make_node("Gather", ["x", "i"], ["y"], axis=1)],
         [vi("x", [3, 5]), vi("i", [2], I64)], [vi("y", [3, 2])])
    # GenerateOps: Tile with constant repeats.
    save(folder, "tile", [helper.make_node("Tile", ["x", "r"], ["y"])],
         [vi("x", [2, 3])], [vi("y", [4, 3])], [const("r", np.array([2, 1], np.int64))])
    # ReductionOps: ReduceMax without keepdims.
    save(folder, "reducemax", [helper.make_node("ReduceMax", ["x"], ["y"], axes=[1], keepdims=0)],
         [vi("x", [3, 5])], [vi("y", [3])])
    # ElementwiseOps: Clip with constant bounds.
    save(folder, "clip", [helper.make_node("Clip", ["x", "lo", "hi"], ["y"])],
         [vi("x", [4])], [vi("y", [4])],
         [const("lo", np.array(-1.0, np.float32)), const("hi", np.array(2.0, np.float32))])
    # ControlFlowOps: If on a runtime condition.
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "then", [],
                               [vi("t", [4])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [],
                               [vi("e", [4])])
    save(folder, "if", [helper.make_node("If", ["c"], ["y"], then_branch=then_g,
                                         else_branch=else_g)],
         [vi("c", [], TensorProto.BOOL), vi("x", [4])], [vi("y", [4])])

    # AttentionOps: ai.onnx Attention (opset 23) on [B, H, S, D] operands.
    save(folder, "attention", [helper.make_node("Attention", ["q", "k", "v"], ["y"], scale=0.25)],
         [vi("q", [1, 2, 4, 8]), vi("k", [1, 2, 4, 8]), vi("v", [1, 2, 4, 8])],
         [vi("y", [1, 2, 4, 8])], opset=23)
    # RecurrentOps: a forward RNN with tanh over 3 steps.
    save(folder, "rnn", [helper.make_node("RNN", ["x", "w", "r"], ["", "h"], hidden_size=4)],
         [vi("x", [3, 1, 2])], [vi("h", [1, 1, 4])],
         [const("w", np.ones((1, 4, 2), np.float32)), const("r", np.ones((1, 4, 4), np.float32))])
    # ImageOps: nearest Resize by constant scales.
    save(folder, "resize", [helper.make_node("Resize", ["x", "", "s"], ["y"], mode="nearest")],
         [vi("x", [1, 1, 2, 2])], [vi("y", [1, 1, 4, 4])],
         [const("s", np.array([1, 1, 2, 2], np.float32))])
    # LossOps: SoftmaxCrossEntropyLoss with mean reduction.
    save(folder, "sce", [helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y"],
                                          reduction="mean")],
         [vi("x", [3, 5]), vi("t", [3], I64)], [vi("y", [])])
    # RandomOps: RandomUniform with a seed.
    save(folder, "random", [helper.make_node("RandomUniform", [], ["y"], shape=[4], seed=3.0,
                                             low=-1.0, high=1.0)],
         [], [vi("y", [4])])

if __name__ == "__main__":
    main(sys.argv[1])
