#!/usr/bin/env python3
"""Writes malformed ONNX models, one per way a model can be bad, into a folder.

Used by test/onnx/bad-models.test: each model must make dsk-compile fail with
one exact message, and never crash (the test also runs under ASan/UBSan).
Nothing here is large: the "huge" cases only *declare* huge sizes.
"""

import argparse
import os

import onnx
from onnx import TensorProto, helper


def model(nodes, inputs, outputs, initializers=(), opset=17, ir_version=8):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = ir_version
    return m


def vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def add_model():
    return model([helper.make_node("Add", ["x", "y"], ["z"], name="add0")],
                 [vi("x", [4]), vi("y", [4])], [vi("z", [4])])


def with_initializer(tensor):
    """y = x + w, where w is the given (broken) initializer."""
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add0")],
                 [vi("x", [4])], [vi("y", [4])], [tensor])


def external(name, location, offset=None, length=None, dims=(4,)):
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(dims))
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for key, value in entries:
        e = t.external_data.add()
        e.key, e.value = key, value
    return t


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number, payload):
    """A length-delimited protobuf field."""
    if isinstance(payload, str):
        payload = payload.encode()
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def nested_if(depth):
    """Bytes of a model whose main graph holds an If whose then-branch holds an
    If ... `depth` levels deep. Written at the wire level: the Python protobuf
    runtime refuses to build messages this deep, which is the point."""
    y = vi("y", [4]).SerializeToString()
    leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "leaf",
                             [], [vi("y", [4])]).SerializeToString()
    graph_attr = _varint(20 << 3) + _varint(onnx.AttributeProto.GRAPH)
    inner = leaf
    for level in range(depth):
        # Only the then-branch nests, so the model grows linearly.
        then_attr = _field(1, "then_branch") + _field(6, inner) + graph_attr
        else_attr = _field(1, "else_branch") + _field(6, leaf) + graph_attr
        node = (_field(1, "c") + _field(2, "y") + _field(3, "if%d" % level) +
                _field(4, "If") + _field(5, then_attr) + _field(5, else_attr))
        inner = _field(1, node) + _field(2, "level%d" % level) + _field(12, y)
    inputs = (_field(11, vi("c", [], TensorProto.BOOL).SerializeToString()) +
              _field(11, vi("x", [4]).SerializeToString()))
    shell = helper.make_model(helper.make_graph([], "unused", [], []),
                              opset_imports=[helper.make_opsetid("", 17)])
    shell.ir_version = 8
    shell.ClearField("graph")
    return shell.SerializeToString() + _field(7, inner + inputs)


def write(folder, name, m_or_bytes):
    data = m_or_bytes if isinstance(m_or_bytes, bytes) else m_or_bytes.SerializeToString()
    with open(os.path.join(folder, name + ".onnx"), "wb") as f:
        f.write(data)



def const(name, values, dtype=TensorProto.INT64, dims=None):
    return helper.make_node("Constant", [], [name], name=name, value=helper.make_tensor(
        name + "_value", dtype, [len(values)] if dims is None else dims, values))


def arithmetic_cases(folder):
    """Attributes and constants whose arithmetic would overflow int64."""
    I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
    write(folder, "depth-to-space-huge-blocksize", model(
        [helper.make_node("DepthToSpace", ["x"], ["y"], name="d2s",
                          blocksize=I64_MAX)],
        [vi("x", [1, 8, 2, 2])], [vi("y", ["d0", "d1", "d2", "d3"])]))
    w = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 3, 3], [0.0] * 9)
    write(folder, "conv-transpose-huge-output-shape", model(
        [helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="deconv",
                          output_shape=[I64_MIN, I64_MAX])],
        [vi("x", [1, 1, 4, 4])], [vi("y", ["d0", "d1", "d2", "d3"])], [w]))
    write(folder, "conv-huge-dilation", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv",
                          dilations=[1 << 40, 1])],
        [vi("x", [1, 1, 4, 4])], [vi("y", ["d0", "d1", "d2", "d3"])], [w]))
    write(folder, "pad-int64-min", model(
        [const("pads", [I64_MIN, 0]),
         helper.make_node("Pad", ["x", "pads"], ["y"], name="pad")],
        [vi("x", [4])], [vi("y", ["d0"])]))
    write(folder, "tile-huge-repeats", model(
        [const("repeats", [1 << 62]),
         helper.make_node("Tile", ["x", "repeats"], ["y"], name="tile")],
        [vi("x", [4])], [vi("y", ["d0"])]))
    write(folder, "reshape-huge-product", model(
        [const("shape", [1 << 40, 1 << 40, 1 << 40]),
         helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
        [vi("x", [4])], [vi("y", ["d0"])]))
    write(folder, "split-sum-overflow", model(
        [const("split", [I64_MAX, 1]),
         helper.make_node("Split", ["x", "split"], ["y0", "y1"], name="split")],
        [vi("x", [4])], [vi("y0", ["a"]), vi("y1", ["b"])]))
    write(folder, "topk-k-int64-min", model(
        [const("k", [I64_MIN]),
         helper.make_node("TopK", ["x", "k"], ["v", "i"], name="topk")],
        [vi("x", [4])], [vi("v", ["k"]), vi("i", ["k"], TensorProto.INT64)]))
    write(folder, "dft-empty-length", model(
        [const("n", [], dims=[0]),
         helper.make_node("DFT", ["x", "n"], ["y"], name="dft")],
        [vi("x", [1, 8, 1])], [vi("y", ["d0", "d1", "d2"])]))
    write(folder, "resize-infinite-scale", model(
        [const("scales", [1.0, 1.0, float("inf"), 1.0], TensorProto.FLOAT),
         helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize")],
        [vi("x", [1, 1, 4, 4])], [vi("y", ["d0", "d1", "d2", "d3"])]))
    write(folder, "random-nan-seed", model(
        [helper.make_node("RandomUniform", [], ["y"], name="rand", shape=[4],
                          seed=float("nan"))],
        [], [vi("y", [4])]))
    write(folder, "cast-to-beyond-int32", model(
        [helper.make_node("Cast", ["x"], ["y"], name="cast", to=(1 << 32) + 1)],
        [vi("x", [4])], [vi("y", ["d0"])]))
    write(folder, "unsqueeze-too-many-axes", model(
        [helper.make_node("Unsqueeze", ["x"], ["y"], name="unsq", axes=list(range(65)))],
        [vi("x", [4])], [vi("y", ["d0"])], opset=11))
    write(folder, "maxpool-huge-kernel", model(
        [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[1 << 32, 1])],
        [vi("x", [1, 1, 4, 4])], [vi("y", ["d0", "d1", "d2", "d3"])]))
    write(folder, "maxpool-window-too-large", model(
        [helper.make_node("MaxPool", ["x"], ["y"], name="pool",
                          kernel_shape=[1 << 30, 1 << 30], pads=[1 << 30] * 4)],
        [vi("x", [1, 1, 4, 4])], [vi("y", ["d0", "d1", "d2", "d3"])]))
    write(folder, "lrn-huge-size", model(
        [helper.make_node("LRN", ["x"], ["y"], name="lrn", size=1 << 46)],
        [vi("x", [1, 8, 2, 2])], [vi("y", [1, 8, 2, 2])]))
    write(folder, "rnn-huge-hidden-size", model(
        [helper.make_node("RNN", ["x", "w", "r"], ["", "h"], name="rnn",
                          hidden_size=1 << 50)],
        [vi("x", [3, 1, 2]), vi("w", [1, "g", 2]), vi("r", [1, "g", "h"])],
        [vi("h", [1, 1, "n"])]))
    empty = TensorProto(name="w", data_type=TensorProto.FLOAT,
                        dims=[0, 1 << 62, 1 << 62])
    write(folder, "empty-initializer-huge-dims", with_initializer(empty))

def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    folder = parser.parse_args().folder
    os.makedirs(folder, exist_ok=True)

    good = add_model().SerializeToString()
    write(folder, "truncated", good[: len(good) // 2])
    write(folder, "garbage", b"\xff" * 64)
    write(folder, "empty-graph", b"")

    write(folder, "unsupported-op", model(
        [helper.make_node("FooBar", ["x"], ["y"], name="mystery")],
        [vi("x", [4])], [vi("y", [4])]))
    m = model([helper.make_node("Frobnicate", ["x"], ["y"], name="custom", domain="com.example")],
              [vi("x", [4])], [vi("y", [4])])
    m.opset_import.append(helper.make_opsetid("com.example", 3))
    write(folder, "unsupported-domain-op", m)
    write(folder, "unimported-domain", model(
        [helper.make_node("Frobnicate", ["x"], ["y"], name="custom", domain="com.other")],
        [vi("x", [4])], [vi("y", [4])]))

    # An Lp pool's exponent must be positive (p = 0 would divide by it).
    for op_type, name, out in (("LpPool", "lppool", [1, 1, 3, 3]),
                               ("GlobalLpPool", "glppool", [1, 1, 1, 1])):
        attrs = {"kernel_shape": [2, 2]} if op_type == "LpPool" else {}
        write(folder, op_type.lower() + "-p-zero", model(
            [helper.make_node(op_type, ["x"], ["y"], name=name, p=0, **attrs)],
            [vi("x", [1, 1, 4, 4])], [vi("y", out)]))

    write(folder, "integer-activation", model(
        [helper.make_node("LeakyRelu", ["x"], ["y"], name="lrelu")],
        [vi("x", [4], TensorProto.INT32)], [vi("y", [4], TensorProto.INT32)]))

    # Nodes that break their op's schema: checked before any converter runs.
    write(folder, "schema-empty-required-input", model(
        [helper.make_node("Clip", ["", "lo"], ["y"], name="clip")],
        [vi("lo", [])], [vi("y", [4])]))
    write(folder, "schema-too-many-inputs", model(
        [helper.make_node("Mod", ["x", "x", "x"], ["y"], name="mod")],
        [vi("x", [4])], [vi("y", [4])]))
    write(folder, "schema-no-inputs", model(
        [helper.make_node("IsInf", [], ["y"], name="isinf")],
        [], [vi("y", [4], TensorProto.BOOL)]))
    write(folder, "schema-mixed-types", model(
        [helper.make_node("Add", ["x", "k"], ["y"], name="add0")],
        [vi("x", [4]), vi("k", [4], TensorProto.INT64)], [vi("y", [4])]))
    write(folder, "schema-empty-variadic", model(
        [helper.make_node("Concat", ["x", ""], ["y"], name="cat", axis=0)],
        [vi("x", [4])], [vi("y", [4])]))
    write(folder, "schema-attribute-type", model(
        [helper.make_node("LeakyRelu", ["x"], ["y"], name="lrelu", alpha=2)],
        [vi("x", [4])], [vi("y", [4])]))
    write(folder, "schema-unknown-attribute", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu", alpha=0.5)],
        [vi("x", [4])], [vi("y", [4])]))
    write(folder, "schema-missing-attribute", model(
        [helper.make_node("Cast", ["x"], ["y"], name="cast")],
        [vi("x", [4])], [vi("y", [4])]))
    write(folder, "schema-too-many-outputs", model(
        [helper.make_node("Relu", ["x"], ["y", "z"], name="relu")],
        [vi("x", [4])], [vi("y", [4]), vi("z", [4])]))
    write(folder, "schema-op-too-new", model(
        [helper.make_node("Gelu", ["x"], ["y"], name="gelu")],
        [vi("x", [4])], [vi("y", [4])]))

    # Shapes past what a program can hold: errors before anything is built
    # per element or allocated.
    write(folder, "shape-operand-too-long", model(
        [helper.make_node("Tile", ["x", "r"], ["y"], name="tile")],
        [vi("x", [4]), vi("r", [2**31], TensorProto.INT64)], [vi("y", [4])]))
    write(folder, "shape-operand-dynamic-length", model(
        [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")],
        [vi("x", [4]), vi("s", ["n"], TensorProto.INT64)], [vi("y", [4])]))
    write(folder, "rank-too-large", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [vi("x", [1] * 65)], [vi("y", [1] * 65)]))
    write(folder, "shape-too-large", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [vi("x", [2**40, 2**40])], [vi("y", [2**40, 2**40])]))
    write(folder, "result-too-large", model(
        [helper.make_node("Expand", ["x", "s"], ["y"], name="expand")],
        [vi("x", [1])], [vi("y", ["a", "b"])],
        [helper.make_tensor("s", TensorProto.INT64, [2], [2**40, 2**40])]))

    short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], raw_data=b"\0\0\0")
    write(folder, "raw-data-short", with_initializer(short))
    typed = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], float_data=[1.0, 2.0])
    write(folder, "typed-data-short", with_initializer(typed))
    overflow = TensorProto(name="w", data_type=TensorProto.FLOAT,
                           dims=[1 << 40, 1 << 40], raw_data=b"\0" * 4)
    write(folder, "dims-overflow", with_initializer(overflow))
    negative = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[-2, 2], raw_data=b"")
    write(folder, "dims-negative", with_initializer(negative))
    huge = TensorProto(name="w", data_type=TensorProto.FLOAT,
                       dims=[1 << 48], raw_data=b"\0" * 16)
    write(folder, "dims-huge-raw", with_initializer(huge))

    write(folder, "undefined-value", model(
        [helper.make_node("Add", ["x", "ghost"], ["y"], name="add0")],
        [vi("x", [4])], [vi("y", [4])]))
    write(folder, "cycle", model(
        [helper.make_node("Add", ["x", "b"], ["a"], name="first"),
         helper.make_node("Relu", ["a"], ["b"], name="second")],
        [vi("x", [4])], [vi("a", [4])]))
    write(folder, "duplicate-value", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r0"),
         helper.make_node("Relu", ["x"], ["y"], name="r1")],
        [vi("x", [4])], [vi("y", [4])]))
    write(folder, "undefined-output", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r0")],
        [vi("x", [4])], [vi("nowhere", [4])]))
    write(folder, "nested-too-deep", nested_if(40))
    write(folder, "nested-beyond-protobuf", nested_if(200))

    # External data: the data file holds 16 bytes (four floats).
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        f.write(b"\0" * 16)
    write(folder, "external-ok", with_initializer(external("w", "weights.bin")))
    write(folder, "external-absolute", with_initializer(external("w", "/etc/passwd")))
    write(folder, "external-dotdot", with_initializer(external("w", "sub/../../weights.bin")))
    link = os.path.join(folder, "escape.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink("/etc/hostname", link)
    write(folder, "external-symlink-escape", with_initializer(external("w", "escape.bin")))
    # A FIFO as external data: opening it must not wait for a writer.
    os.mkfifo(os.path.join(folder, "fifo.bin"))
    write(folder, "external-fifo", with_initializer(external("w", "fifo.bin")))
    write(folder, "external-missing", with_initializer(external("w", "missing.bin")))
    write(folder, "external-offset-past-end", with_initializer(external("w", "weights.bin", offset=8)))
    write(folder, "external-length-mismatch", with_initializer(external("w", "weights.bin", length=8)))
    write(folder, "external-petabyte-length", with_initializer(
        external("w", "weights.bin", length=10**14, dims=(25 * 10**12,))))
    write(folder, "external-petabyte-offset", with_initializer(
        external("w", "weights.bin", offset=10**15)))
    write(folder, "external-bad-offset", with_initializer(external("w", "weights.bin", offset="-1")))
    arithmetic_cases(folder)


if __name__ == "__main__":
    main()
