"""The f32 GEMM and convolution kernels against NumPy over a sweep of shapes.

(Convolutions: the packed GEMM kernels and the depthwise kernels.)

For every kernel row of the table whose code this CPU can run (the AVX-512F,
AVX2+FMA and generic rows of each family), compiles one model per shape:
MatMul + bias (sizes of 1, primes, non-multiples of every tile, K larger
than the K block, more rows and columns than one task takes) and Conv (1x1
with and without strides, 3x3 padded, 7x7 strided, dilated, batches, output
channels and positions that are not multiples of MR / NR, channels x window
larger than the K block, more channels and positions than one task takes;
and, for the channels-in-lanes kernels, late-layer shapes whose positions
fill vectors worse than their channels;
output rows that vectors straddle or fill, column strides 1, 2 and 3: each
way the kernel reads its patches from the input)
and depthwise Conv (group = channels: strides, dilation, 5x5, padding up to
wider than the image, column tails
of every vector width), the convolution kernels with the elementwise ops
they fuse (bias, Relu + residual add, Clip into a padded buffer whose rows
vectors straddle), and Attention (opset 23: one query or key, primes,
query rows and keys that do not fill a block, value widths that do not fill
a vector or need many, f32 masks of several broadcast shapes, causal).
Checks from --print-kernels that the row's kernel, not the reference
lowering, was selected (and that its code generator took the op: no
warning), runs the model with dsk-run and compares with NumPy
in float64 (rtol 1e-4, atol 1e-4). A row the CPU cannot run prints
"skipped: host lacks <feature>". Ends with "N passed, N failed".

usage: kernel_sweep.py BIN_DIR WORK_DIR
"""

import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# (target, /proc/cpuinfo flags the code needs, row suffix)
TARGETS = [
    ("skylake-avx512", ["avx512f"], "x86.avx512f"),
    ("x86-64-v3", ["avx2", "fma"], "x86.avx2"),
    ("x86-64", [], "generic"),
]
# (batch, M, K, N): ones, primes, tails of MR/NR/width, K > KC (256).
GEMM_SHAPES = [
    (1, 1, 1, 1),
    (1, 1, 300, 33),
    (2, 7, 13, 31),
    (1, 17, 64, 64),
    (3, 5, 257, 47),
    (1, 9, 600, 97),
    (1, 64, 96, 160),
    (1, 600, 20, 530),
]
# (N, C, H, W, F, kernel, stride, pad, dilation); kernel and stride one
# number or (rows, columns). Each fills vectors with its positions at least
# as well as with its channels, at every width (else the channels-in-lanes
# kernels are selected).
CONV_SHAPES = [
    (1, 1, 1, 1, 1, 1, 1, 0, 1),
    (2, 4, 8, 8, 16, 1, 1, 0, 1),
    (3, 5, 6, 7, 9, 1, 2, 0, 1),
    (1, 3, 9, 11, 5, 3, 1, 1, 1),
    (1, 16, 7, 7, 20, 3, 2, 1, 1),
    (1, 8, 10, 10, 9, 3, 1, 0, 2),
    (1, 3, 23, 19, 8, 7, 2, 3, 1),
    (2, 40, 9, 9, 33, 3, 1, 1, 1),
    (2, 4, 40, 40, 520, 1, 1, 0, 1),
    (1, 3, 18, 16, 8, 3, 1, 1, 1),
    (1, 4, 12, 40, 6, 3, 2, 1, 1),
    (1, 4, 9, 64, 5, 3, 2, 1, 1),
    (1, 2, 9, 64, 3, 3, 2, 1, 2),
    (1, 5, 13, 29, 7, 3, 3, 1, 1),
    (1, 3, 11, 21, 4, (2, 3), (3, 1), 1, 1),
    (1, 3, 10, 21, 4, (3, 1), (1, 2), 1, 1),
    (1, 4, 3, 3, 1, 3, 2, 0, 1),
    (1, 3, 3, 9, 3, 3, 2, 0, 1),
    # Padding as wide as the window: taps outside on every side.
    (1, 3, 2, 2, 8, 3, 1, 2, 1),
    (1, 2, 9, 12, 4, 5, 2, 4, 1),
]
# Convolutions whose output positions fill vectors worse than their
# channels, for the channels-in-lanes kernels (at every vector width):
# 7x7 and 5x5 outputs, a partial channel panel, strides, a 1x1 filter with
# batches, K over several K blocks, a 13-position row (a tail sliver of 5 or
# 1 positions), dilation, more channels than one task takes, one output
# row and column of a strided window.
CHANNELS_SHAPES = [
    (1, 16, 7, 7, 64, 3, 1, 1, 1),
    (1, 8, 5, 5, 40, 3, 1, 1, 1),
    (1, 12, 14, 14, 48, 3, 2, 1, 1),
    (2, 64, 7, 7, 96, 1, 1, 0, 1),
    (1, 64, 9, 9, 64, 3, 1, 0, 1),
    (1, 4, 3, 15, 16, 3, 1, 0, 1),
    (1, 6, 9, 9, 32, 3, 1, 0, 2),
    (1, 32, 7, 7, 544, 3, 1, 1, 1),
    (1, 4, 3, 3, 8, 3, 2, 0, 1),
    # A 1x1 image reading its centre tap only; dilation 2 with padding 2.
    (1, 16, 1, 1, 32, 3, 1, 1, 1),
    (1, 8, 5, 5, 32, 3, 1, 2, 2),
]
# Depthwise (group = C): (N, C, H, W, kernel, stride, pad, dilation)
DEPTHWISE_SHAPES = [
    (1, 2, 1, 1, 1, 1, 0, 1),
    (2, 3, 9, 11, 3, 1, 1, 1),
    (1, 16, 7, 7, 3, 2, 1, 1),
    (1, 8, 10, 13, 3, 1, 0, 2),
    (1, 5, 23, 19, 5, 2, 2, 1),
    (1, 32, 17, 40, 3, 1, 1, 1),
    (1, 4, 20, 37, 3, 3, 1, 1),
    (2, 8, 9, 50, 3, 2, 1, 1),
    # Padding wider than the image: every row and vector at an edge, a 1x1
    # image reading its centre tap only; edges at stride 2 and 3, with
    # dilation, and with two vectors per row.
    (1, 3, 2, 3, 3, 1, 1, 1),
    (1, 6, 1, 1, 3, 1, 1, 1),
    (1, 4, 12, 35, 5, 2, 2, 1),
    (1, 3, 11, 47, 3, 1, 2, 2),
    (1, 2, 8, 52, 3, 3, 1, 1),
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


def save_model(path, nodes, x_shape, y_shape, initializers, opset=17):
    graph = helper.make_graph(
        nodes, "kernel",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
        [numpy_helper.from_array(v, name) for name, v in initializers])
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)]), path)


def gemm_case(path, shape, rng):
    """A MatMul + bias model; returns (input, expected output)."""
    batch, m, k, n = shape
    w = rng.standard_normal((k, n)).astype(np.float32)
    b = rng.standard_normal((n,)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["xw"]),
             helper.make_node("Add", ["xw", "b"], ["y"])]
    save_model(path, nodes, [batch, m, k], [batch, m, n], [("w", w), ("b", b)])
    x = rng.standard_normal((batch, m, k)).astype(np.float32)
    return x, x.astype(np.float64) @ w + b


def pair(value):
    """(rows, columns) of a size given as one number or a pair."""
    return tuple(value) if isinstance(value, tuple) else (value, value)


def reference_conv(x, w, b, stride, pad, dilation, depthwise=False):
    """Conv in float64 through explicit windows (one filter per channel
    when depthwise); `stride` one number or (rows, columns)."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    sh, sw = pair(stride)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dilation * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pad - dilation * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, f, oh, ow)) + b.reshape(1, f, 1, 1)
    for i in range(kh):
        for j in range(kw):
            window = xp[:, :, i * dilation:i * dilation + sh * (oh - 1) + 1:sh,
                        j * dilation:j * dilation + sw * (ow - 1) + 1:sw]
            if depthwise:
                y += window * w[:, 0, i, j].reshape(1, f, 1, 1)
            else:
                y += np.einsum("nchw,fc->nfhw", window, w[:, :, i, j])
    return y


def conv_case(path, shape, rng):
    """A Conv (with bias) model; returns (input, expected output)."""
    n, c, h, wd, f, k, stride, pad, dilation = shape
    w = rng.standard_normal((f, c) + pair(k)).astype(np.float32)
    b = rng.standard_normal((f,)).astype(np.float32)
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    y = reference_conv(x, w, b, stride, pad, dilation)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y"],
                              kernel_shape=list(pair(k)),
                              strides=list(pair(stride)),
                              pads=[pad] * 4, dilations=[dilation] * 2)]
    save_model(path, nodes, list(x.shape), list(y.shape), [("w", w), ("b", b)])
    return x, y


def pool_case(path, shape, rng):
    """A MaxPool or AveragePool model, the reference in float64: windows
    over the input padded with -inf (max) or zeros (average, divided by the
    elements inside the input, or inside the explicit pads when
    count_include_pad)."""
    n, c, h, wd, kind, k, stride, pad, dilation, ceil, count_pad = shape
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    span = dilation * (k - 1) + 1
    outs = []
    for size in (h, wd):
        room = size + 2 * pad - span
        out = (-(-room // stride) if ceil else room // stride) + 1
        if ceil and (out - 1) * stride >= size + pad:
            out -= 1
        outs.append(out)
    extra = max(0, (max(outs) - 1) * stride + span - min(h, wd) - 2 * pad)
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x.astype(np.float64),
                ((0, 0), (0, 0), (pad, pad + extra), (pad, pad + extra)),
                constant_values=fill)
    if count_pad:
        inside = np.pad(np.ones((h + 2 * pad, wd + 2 * pad)),
                        ((0, extra), (0, extra)))
    else:
        inside = np.pad(np.ones((h, wd)),
                        ((pad, pad + extra), (pad, pad + extra)))
    y = np.zeros((n, c) + tuple(outs))
    for i in range(outs[0]):
        for j in range(outs[1]):
            rows = slice(i * stride, i * stride + span, dilation)
            cols = slice(j * stride, j * stride + span, dilation)
            window = xp[:, :, rows, cols]
            if kind == "max":
                y[:, :, i, j] = window.max(axis=(2, 3))
            else:
                y[:, :, i, j] = (window.sum(axis=(2, 3)) /
                                 inside[rows, cols].sum())
    attrs = dict(kernel_shape=[k, k], strides=[stride] * 2, pads=[pad] * 4,
                 dilations=[dilation] * 2, ceil_mode=ceil)
    if kind == "avg":
        attrs["count_include_pad"] = count_pad
    nodes = [helper.make_node("MaxPool" if kind == "max" else "AveragePool",
                              ["x"], ["y"], **attrs)]
    # AveragePool has dilations since opset 19.
    save_model(path, nodes, list(x.shape), list(y.shape), [], opset=19)
    return x, y


def grouped_case(path, shape, rng):
    """A grouped Conv (with bias): one convolution kernel per group."""
    n, c, h, wd, f, group, k, stride, pad = shape
    w = rng.standard_normal((f, c // group, k, k)).astype(np.float32)
    b = rng.standard_normal((f,)).astype(np.float32)
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    cg, fg = c // group, f // group
    y = np.concatenate([
        reference_conv(x[:, g * cg:(g + 1) * cg], w[g * fg:(g + 1) * fg],
                       b[g * fg:(g + 1) * fg], stride, pad, 1)
        for g in range(group)], axis=1)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y"], group=group,
                              kernel_shape=[k, k], strides=[stride] * 2,
                              pads=[pad] * 4)]
    save_model(path, nodes, list(x.shape), list(y.shape), [("w", w), ("b", b)])
    return x, y


def depthwise_case(path, shape, rng):
    """A depthwise Conv (group = channels, with bias) model."""
    n, c, h, wd, k, stride, pad, dilation = shape
    w = rng.standard_normal((c, 1, k, k)).astype(np.float32)
    b = rng.standard_normal((c,)).astype(np.float32)
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    y = reference_conv(x, w, b, stride, pad, dilation, depthwise=True)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y"], group=c,
                              kernel_shape=[k, k], strides=[stride] * 2,
                              pads=[pad] * 4, dilations=[dilation] * 2)]
    save_model(path, nodes, list(x.shape), list(y.shape), [("w", w), ("b", b)])
    return x, y


def attention_case(path, shape, rng):
    """An Attention model (query in; key, value and the mask constant)."""
    b, h, sq, sk, d, dv, mask_shape, causal = shape
    q = rng.standard_normal((b, h, sq, d)).astype(np.float32)
    k = rng.standard_normal((b, h, sk, d)).astype(np.float32)
    v = rng.standard_normal((b, h, sk, dv)).astype(np.float32)
    inputs, initializers = ["x", "k", "v"], [("k", k), ("v", v)]
    scores = np.einsum("bhid,bhjd->bhij", q.astype(np.float64), k) / np.sqrt(d)
    if mask_shape is not None:
        mask = rng.standard_normal(mask_shape).astype(np.float32)
        inputs.append("mask")
        initializers.append(("mask", mask))
        scores = scores + mask
    if causal:
        scores = np.where(np.triu(np.ones((sq, sk), bool), 1), -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    nodes = [helper.make_node("Attention", inputs, ["y"],
                              is_causal=int(causal))]
    save_model(path, nodes, list(q.shape), [b, h, sq, dv], initializers,
               opset=23)
    return q, weights @ v


def fused_case(path, shape, rng):
    """Conv kernels with fused elementwise ops: a bias (the prologue) and
    Relu + residual add (the epilogue, reading x), or Clip written into the
    padded input of a depthwise Conv (an epilogue storing into the interior
    of a larger buffer: output rows that vectors straddle), or a depthwise
    Conv's bias and Clip."""
    n, c, h, wd, kind = shape
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    b = rng.standard_normal((c,)).astype(np.float32)
    if kind == "dw-clip":
        dw = rng.standard_normal((c, 1, 3, 3)).astype(np.float32)
        y = np.clip(reference_conv(x, dw, b, 1, 1, 1, depthwise=True), 0, 6)
        nodes = [helper.make_node("Conv", ["x", "dw", "b"], ["c"], group=c,
                                  kernel_shape=[3, 3], pads=[1] * 4),
                 helper.make_node("Clip", ["c", "lo", "hi"], ["y"])]
        inits = [("dw", dw), ("b", b), ("lo", np.array(0, np.float32)),
                 ("hi", np.array(6, np.float32))]
    elif kind == "residual":
        w = rng.standard_normal((c, c, 3, 3)).astype(np.float32)
        conv = reference_conv(x, w, b, 1, 1, 1)
        y = np.maximum(conv, 0) + x
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"],
                                  kernel_shape=[3, 3], pads=[1] * 4),
                 helper.make_node("Relu", ["c"], ["r"]),
                 helper.make_node("Add", ["r", "x"], ["y"])]
        inits = [("w", w), ("b", b)]
    else:
        w = rng.standard_normal((c, c, 1, 1)).astype(np.float32)
        dw = rng.standard_normal((c, 1, 3, 3)).astype(np.float32)
        clipped = np.clip(reference_conv(x, w, b, 1, 0, 1), 0, 6)
        y = reference_conv(clipped, dw, np.zeros(c), 1, 1, 1, depthwise=True)
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"]),
                 helper.make_node("Clip", ["c", "lo", "hi"], ["r"]),
                 helper.make_node("Conv", ["r", "dw"], ["y"], group=c,
                                  kernel_shape=[3, 3], pads=[1] * 4)]
        inits = [("w", w), ("b", b), ("dw", dw),
                 ("lo", np.array(0, np.float32)),
                 ("hi", np.array(6, np.float32))]
    save_model(path, nodes, list(x.shape), list(y.shape), inits)
    return x, y


# (N, C, H, W, kind): output rows of 7, 13, 20 and 32 columns (fewer than,
# not a multiple of, and a multiple of every vector width), with channel
# counts that leave the positions in the lanes at every width.
FUSED_SHAPES = [
    (1, 5, 7, 7, "residual"),
    (2, 10, 9, 13, "residual"),
    (1, 10, 5, 7, "clip-pad"),
    (1, 18, 6, 13, "clip-pad"),
    (1, 8, 4, 20, "clip-pad"),
    (1, 16, 3, 32, "clip-pad"),
]
# Grouped Conv: (N, C, H, W, F, group, kernel, stride, pad); groups of 8
# or more filters get a convolution kernel each.
GROUPED_SHAPES = [
    (1, 16, 20, 24, 16, 2, 3, 1, 1),
    (2, 24, 31, 33, 24, 3, 3, 2, 1),
    (1, 128, 12, 12, 64, 4, 1, 1, 0),
]
# MaxPool and AveragePool: (N, C, H, W, kind, kernel, stride, pad,
# dilation, ceil_mode, count_include_pad).
POOL_SHAPES = [
    (1, 8, 17, 17, "max", 3, 2, 1, 1, 0, 0),
    (1, 3, 8, 9, "max", 2, 2, 0, 1, 0, 0),
    (1, 4, 10, 10, "max", 3, 2, 1, 1, 1, 0),
    (1, 3, 12, 35, "max", 3, 1, 2, 2, 0, 0),
    (1, 2, 13, 40, "max", 5, 3, 2, 1, 0, 0),
    (1, 2, 1, 1, "max", 3, 1, 1, 1, 0, 0),
    (2, 5, 7, 20, "avg", 3, 1, 1, 1, 0, 0),
    (1, 3, 9, 33, "avg", 3, 2, 1, 1, 0, 1),
    (1, 3, 7, 7, "avg", 2, 2, 0, 1, 1, 0),
]
# The channels-in-lanes kernels with the bias, Relu and residual add fused:
# 7x7 outputs, with 32 channels and with a partial panel of 40.
FUSED_CHANNELS_SHAPES = [
    (1, 32, 7, 7, "residual"),
    (2, 40, 5, 5, "residual"),
    # Storing into the interior of a padded 1x1 image: rows of one element.
    (1, 8, 1, 1, "clip-pad"),
]
FUSED_DEPTHWISE_SHAPES = [
    (2, 5, 6, 13, "dw-clip"),
    (1, 16, 4, 20, "dw-clip"),
]

# (B, H, Sq, Sk, D, Dv, mask shape or None, causal)
ATTENTION_SHAPES = [
    (1, 1, 1, 1, 1, 1, None, False),
    (1, 2, 5, 7, 3, 5, None, False),
    (2, 3, 17, 17, 16, 16, (17, 17), False),
    (1, 2, 20, 33, 64, 40, (1, 2, 20, 33), True),
    (1, 1, 9, 40, 8, 130, (40,), False),
    (1, 1, 7, 1, 4, 4, (7, 1), False),
    (1, 1, 3, 19, 8, 8, None, True),
    (2, 4, 64, 64, 32, 32, None, True),
]

FAMILIES = [("gemm_f32", GEMM_SHAPES, gemm_case),
            ("conv2d_f32", CONV_SHAPES, conv_case),
            ("conv2d_channels_f32", CHANNELS_SHAPES, conv_case),
            ("dwconv2d_f32", DEPTHWISE_SHAPES, depthwise_case),
            ("pool2d_f32", POOL_SHAPES, pool_case),
            ("conv2d_f32", GROUPED_SHAPES, grouped_case),
            ("attention_f32", ATTENTION_SHAPES, attention_case),
            ("conv2d_f32", FUSED_SHAPES, fused_case),
            ("conv2d_channels_f32", FUSED_CHANNELS_SHAPES, fused_case),
            ("dwconv2d_f32", FUSED_DEPTHWISE_SHAPES, fused_case)]


def run_case(bin_dir, work, target, kernel, name, make, shape, rng):
    model = os.path.join(work, name + ".onnx")
    library = os.path.join(work, name + ".so")
    x, expected = make(model, shape, rng)
    compiled = subprocess.run(
        [os.path.join(bin_dir, "dsk-compile"), model, "-target=" + target,
         "--print-kernels", "-o", library], capture_output=True, text=True)
    if compiled.returncode != 0 or kernel not in compiled.stderr:
        print(f"FAIL {name}: kernel {kernel} not selected or compile "
              f"failed:\n{compiled.stderr}")
        return False
    # A selected kernel whose code generator cannot take the op leaves it to
    # the reference lowering with a warning.
    if "warning:" in compiled.stderr:
        print(f"FAIL {name}: kernel {kernel} not used:\n{compiled.stderr}")
        return False
    np.save(os.path.join(work, name + "-x.npy"), x)
    np.save(os.path.join(work, name + "-y.npy"), expected.astype(np.float32))
    ran = subprocess.run(
        [os.path.join(bin_dir, "dsk-run"), library,
         os.path.join(work, name + "-x.npy"), "--expected",
         os.path.join(work, name + "-y.npy"), "--rtol", "1e-4",
         "--atol", "1e-4"], capture_output=True, text=True)
    if ran.returncode != 0:
        print(f"FAIL {name}:\n{ran.stdout}{ran.stderr}")
        return False
    print(f"ok {name} {kernel}")
    return True


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    flags = host_flags()
    rng = np.random.default_rng(7)
    passed = failed = 0
    for target, needs, prefix in TARGETS:
        for family, shapes, make in FAMILIES:
            kernel = f"{prefix}.{family}"
            missing = [f for f in needs if f not in flags]
            if missing:
                print(f"{kernel}: skipped: host lacks {missing[0]}")
                continue
            for shape in shapes:
                name = f"{target}-{family}-{make.__name__}-" + "x".join(
                    "-".join(map(str, v)) if isinstance(v, tuple) else str(v)
                    for v in shape)
                if run_case(bin_dir, work, target, kernel, name, make, shape,
                            rng):
                    passed += 1
                else:
                    failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
