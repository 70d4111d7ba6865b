#!/usr/bin/env python3
"""The bundled dsk example: a transformer block with multi-scale gated attention.

The block, on an input x : [B, S, E] = [1, 16, 32] with H = 4 heads of D = 8:

    q, k, v = x @ Wq + bq, x @ Wk + bk, x @ Wv + bv        (dsk.matmul)
    split heads: [B, S, E] -> [B, S, H, D] -> [B, H, S, D]   (tensor.expand_shape,
                                                             linalg.transpose)
    a = multiscale_attention(q, k, v, gate, scales =          (dsk.multiscale_attention)
          [local window 2, segments of 4, global token 0])
    merge heads: [B, H, S, D] -> [B, S, H, D] -> [B, S, E]   (linalg.transpose,
                                                             tensor.collapse_shape)
    y = x + (a @ Wo + bo)                                     (dsk.matmul, linalg.add)

All weights are dense constants drawn from a seeded NumPy RandomState, so the
generated file is deterministic (and independent of the NumPy version).

Usage:
    msa_block.py generate [--check]
        write examples/msa_block.mlir next to this script; with --check, write
        nothing and exit 1 (showing a diff) if the file differs from what would
        be generated.
    msa_block.py run [--dsk-opt PATH] [--mlir-runner PATH] [--runner-libs DIR]
        lower the example with `dsk-opt --dsk-reference-cpu-pipeline`, run it
        with `mlir-runner`, and compare the printed result with the NumPy
        reference (python/dsk/reference.py). Prints PASS or FAIL; exits 1 on
        FAIL or when a tool fails.

Tool defaults (a flag wins over the environment variable):
    --dsk-opt      $DSK_OPT       <repo>/build/bin/dsk-opt
    --mlir-runner  $MLIR_RUNNER   /usr/lib/llvm-22/bin/mlir-runner
    --runner-libs  $MLIR_LIB_DIR  /usr/lib/llvm-22/lib
`--runner-libs` is a directory holding libmlir_runner_utils.so and
libmlir_c_runner_utils.so, or a comma-separated list of the libraries.
"""

import argparse
import difflib
import os
import shlex
import subprocess
import sys
from pathlib import Path

try:
    import numpy as np
except ImportError:
    sys.exit("error: %s needs NumPy; run it with a Python that has it (e.g. /usr/bin/python3) "
             "or `pip install numpy`" % os.path.basename(__file__))

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MLIR_PATH = HERE / "msa_block.mlir"

sys.dont_write_bytecode = True  # lit runs this from the source tree
sys.path.insert(0, str(REPO / "python"))

from dsk import reference as ref  # noqa: E402
from dsk.mlir_text import fmt_f32, scale_attr  # noqa: E402

# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------

SEED = 20250611
B, S, E, H = 1, 16, 32, 4
D = E // H
SCALES = [
    {"kind": "local", "window": 2},
    {"kind": "segment", "length": 4},
    {"kind": "global", "tokens": [0]},
]
G = 1 if len(SCALES) == 2 else len(SCALES)

RTOL, ATOL = 1e-4, 1e-5

DEFAULT_LLVM_BIN = "/usr/lib/llvm-22/bin"
DEFAULT_LLVM_LIB = "/usr/lib/llvm-22/lib"
RUNNER_LIBS = ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so")


def f32(a):
    return np.asarray(a, dtype=np.float32)


def make_params():
    """The input and the weights, as float32 arrays (exactly what is printed)."""
    rs = np.random.RandomState(SEED)
    p = {}
    p["x"] = f32(rs.standard_normal((B, S, E)))
    for name in ("q", "k", "v", "o"):
        p["w" + name] = f32(rs.standard_normal((E, E)) / np.sqrt(E))
        p["b" + name] = f32(0.1 * rs.standard_normal(E))
    p["gw"] = f32(0.5 * rs.standard_normal((H, D, G)) / np.sqrt(D))
    p["gb"] = f32(0.1 * rs.standard_normal((H, G)))
    return p


def reference_block(p, x):
    """The block computed with the NumPy reference of each operation."""
    q, k, v = (ref.matmul(x, p["w" + n], p["b" + n]) for n in ("q", "k", "v"))

    def split(t):  # [B, S, E] -> [B, H, S, D]
        return t.reshape(B, S, H, D).transpose(0, 2, 1, 3)

    a = ref.multiscale_attention(split(q), split(k), split(v), p["gw"], p["gb"], SCALES)
    merged = a.transpose(0, 2, 1, 3).reshape(B, S, E)
    o = ref.matmul(merged, p["wo"], p["bo"])
    return f32(o + x)  # linalg.add in f32


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


def dense(arr, indent):
    """`dense<...>` with nested brackets, the innermost dimension on one line."""
    def rec(a, col):
        if a.ndim == 1:
            return "[" + ", ".join(fmt_f32(x) for x in a) + "]"
        sep = ",\n" + " " * (col + 1)
        return "[" + sep.join(rec(s, col + 1) for s in a) + "]"
    return "dense<" + rec(np.asarray(arr), indent + len("dense<")) + ">"


def ttype(shape):
    return "tensor<" + "".join("%dx" % d for d in shape) + "f32>"


def describe_scale(spec):
    kind = spec["kind"]
    if kind == "local":
        return "local window %d" % spec["window"]
    if kind == "segment":
        return "segments of length %d" % spec["length"]
    return "global tokens %s" % list(spec["tokens"])


def generate_text():
    p = make_params()
    xt, wt, bt = ttype((B, S, E)), ttype((E, E)), ttype((E,))
    st, ht = ttype((B, S, H, D)), ttype((B, H, S, D))
    gwt, gbt = ttype((H, D, G)), ttype((H, G))
    out = []
    w = out.append

    def const(name, arr, indent=2):
        prefix = "%s = arith.constant " % name
        w(" " * indent + prefix + dense(arr, indent + len(prefix)) + " : " + ttype(arr.shape))

    w("// GENERATED by examples/msa_block.py (seed %d); do not edit." % SEED)
    w("// Regenerate with `python3 examples/msa_block.py generate`; lower, run and")
    w("// compare with the NumPy reference with `python3 examples/msa_block.py run`,")
    w("// or by hand:")
    w("//   dsk-opt examples/msa_block.mlir --dsk-reference-cpu-pipeline |")
    w("//     mlir-runner -e main -entry-point-result=void \\")
    w("//       -shared-libs=libmlir_runner_utils.so,libmlir_c_runner_utils.so")
    w("//")
    w("// A transformer block with multi-scale gated attention on x : [B, S, E] =")
    w("// [%d, %d, %d], %d heads of %d:" % (B, S, E, H, D))
    w("//   q, k, v = x Wq + bq, x Wk + bk, x Wv + bv         (dsk.matmul)")
    w("//   heads:   [B, S, E] -> [B, H, S, D]                 (tensor.expand_shape, linalg.transpose)")
    w("//   a = dsk.multiscale_attention(q, k, v) over %d scales (%s)," % (
        len(SCALES), ", ".join(describe_scale(s) for s in SCALES)))
    w("//       mixed per token and head by a softmax gate (gate weight [H, D, %d])" % G)
    w("//   merge:   [B, H, S, D] -> [B, S, E]                 (linalg.transpose, tensor.collapse_shape)")
    w("//   y = x + (a Wo + bo)                                (dsk.matmul, linalg.add)")
    w("")
    w("func.func @msa_block(%%x: %s) -> %s {" % (xt, xt))
    for n in ("q", "k", "v", "o"):
        const("%%w%s" % n, p["w" + n])
        const("%%b%s" % n, p["b" + n])
    const("%gw", p["gw"])
    const("%gb", p["gb"])
    w("")
    w("  // q, k, v projections, heads split to [B, H, S, D].")
    for n in ("q", "k", "v"):
        w("  %%%s = dsk.matmul %%x, %%w%s bias %%b%s : (%s, %s, %s) -> %s" % (n, n, n, xt, wt, bt, xt))
        w("  %%%s_s = tensor.expand_shape %%%s [[0], [1], [2, 3]] output_shape [%d, %d, %d, %d]"
          " : %s into %s" % (n, n, B, S, H, D, xt, st))
        w("  %%%s_e = tensor.empty() : %s" % (n, ht))
        w("  %%%s_h = linalg.transpose ins(%%%s_s : %s) outs(%%%s_e : %s) permutation = [0, 2, 1, 3]"
          % (n, n, st, n, ht))
    w("")
    w("  // Multi-scale gated attention.")
    w("  %a = dsk.multiscale_attention %q_h, %k_h, %v_h gate %gw, %gb")
    w("      scales [%s]" % ", ".join(scale_attr(s) for s in SCALES))
    w("      : (%s, %s, %s, %s, %s) -> %s" % (ht, ht, ht, gwt, gbt, ht))
    w("")
    w("  // Merge the heads back to [B, S, E], output projection, residual.")
    w("  %a_e = tensor.empty() : " + st)
    w("  %%a_t = linalg.transpose ins(%%a : %s) outs(%%a_e : %s) permutation = [0, 2, 1, 3]" % (ht, st))
    w("  %%a_m = tensor.collapse_shape %%a_t [[0], [1], [2, 3]] : %s into %s" % (st, xt))
    w("  %%o = dsk.matmul %%a_m, %%wo bias %%bo : (%s, %s, %s) -> %s" % (xt, wt, bt, xt))
    w("  %y_e = tensor.empty() : " + xt)
    w("  %%y = linalg.add ins(%%o, %%x : %s, %s) outs(%%y_e : %s) -> %s" % (xt, xt, xt, xt))
    w("  return %%y : %s" % xt)
    w("}")
    w("")
    w("func.func private @printMemrefF32(tensor<*xf32>)")
    w("")
    w("func.func @main() {")
    const("%x", p["x"])
    w("  %%y = func.call @msa_block(%%x) : (%s) -> %s" % (xt, xt))
    w("  %%u = tensor.cast %%y : %s to tensor<*xf32>" % xt)
    w("  func.call @printMemrefF32(%u) : (tensor<*xf32>) -> ()")
    w("  return")
    w("}")
    return "\n".join(out) + "\n"


def cmd_generate(args):
    text = generate_text()
    if args.check:
        try:
            old = MLIR_PATH.read_text()
        except OSError as e:
            print("error: cannot read %s: %s" % (MLIR_PATH, e), file=sys.stderr)
            return 1
        if old != text:
            diff = difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                        str(MLIR_PATH), "generated")
            sys.stderr.writelines(list(diff)[:20])
            print("error: %s is stale; run `python3 examples/msa_block.py generate`"
                  % MLIR_PATH, file=sys.stderr)
            return 1
        print("%s is up to date" % MLIR_PATH)
        return 0
    MLIR_PATH.write_text(text)
    print("wrote %s (%d bytes)" % (MLIR_PATH, len(text)))
    return 0


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def runner_libs(spec):
    """The runner libraries from a directory or a comma-separated list of files."""
    if os.path.isdir(spec):
        return [os.path.join(spec, lib) for lib in RUNNER_LIBS]
    return [s for s in spec.split(",") if s]


def parse_memref(text):
    """(shape, values) of the (last) memref printed by printMemrefF32."""
    start = text.rfind("Unranked Memref")
    if start < 0:
        raise ValueError("no printed memref in the output")
    header, sep, data = text[start:].partition("data =")
    if not sep:
        raise ValueError("no `data =` in the printed memref")
    sizes = header.split("sizes = [", 1)[1].split("]", 1)[0]
    shape = tuple(int(s) for s in sizes.split(",") if s.strip())
    tokens = data.replace("[", " ").replace("]", " ").replace(",", " ").split()
    values = np.array([float(t) for t in tokens], dtype=np.float64)
    if values.size != int(np.prod(shape)):
        raise ValueError("memref of shape %s has %d values" % (shape, values.size))
    return shape, values.reshape(shape)


def show_failure(tool, proc):
    print("error: %s failed with exit code %d" % (tool, proc.returncode), file=sys.stderr)
    err = proc.stderr.decode("utf-8", "replace") if isinstance(proc.stderr, bytes) else proc.stderr
    if err:
        sys.stderr.write(err if err.endswith("\n") else err + "\n")


def cmd_run(args):
    dsk_opt = args.dsk_opt or os.environ.get("DSK_OPT") or str(REPO / "build" / "bin" / "dsk-opt")
    runner = (args.mlir_runner or os.environ.get("MLIR_RUNNER")
              or os.path.join(DEFAULT_LLVM_BIN, "mlir-runner"))
    libs = runner_libs(args.runner_libs or os.environ.get("MLIR_LIB_DIR") or DEFAULT_LLVM_LIB)
    for lib in libs:
        if not os.path.isfile(lib):
            print("error: runner library %s not found (use --runner-libs or MLIR_LIB_DIR)" % lib,
                  file=sys.stderr)
            return 1

    if not MLIR_PATH.is_file():
        print("error: %s not found; run `python3 examples/msa_block.py generate`" % MLIR_PATH,
              file=sys.stderr)
        return 1
    if MLIR_PATH.read_text() != generate_text():
        print("warning: %s differs from what `generate` writes; the reference uses the "
              "generated weights" % MLIR_PATH, file=sys.stderr)

    opt_cmd = [dsk_opt, str(MLIR_PATH), "--dsk-reference-cpu-pipeline"]
    run_cmd = [runner, "-e", "main", "-entry-point-result=void", "-shared-libs=" + ",".join(libs)]
    print("$ %s | %s" % (shlex.join(opt_cmd), shlex.join(run_cmd)))
    sys.stdout.flush()

    try:
        lowered = subprocess.run(opt_cmd, capture_output=True)
    except OSError as e:
        print("error: cannot run %s: %s (use --dsk-opt or DSK_OPT)" % (dsk_opt, e), file=sys.stderr)
        return 1
    if lowered.returncode != 0:
        show_failure("dsk-opt", lowered)
        return 1
    try:
        ran = subprocess.run(run_cmd, input=lowered.stdout, capture_output=True)
    except OSError as e:
        print("error: cannot run %s: %s (use --mlir-runner or MLIR_RUNNER)" % (runner, e),
              file=sys.stderr)
        return 1
    if ran.returncode != 0:
        show_failure("mlir-runner", ran)
        return 1

    output = ran.stdout.decode("utf-8", "replace")
    try:
        shape, got = parse_memref(output)
    except (ValueError, IndexError) as e:
        print("error: cannot parse the mlir-runner output: %s" % e, file=sys.stderr)
        sys.stderr.write(output[-2000:])
        return 1

    p = make_params()
    want = reference_block(p, p["x"]).astype(np.float64)
    print("output shape: %s" % "x".join(str(d) for d in shape))
    if shape != want.shape:
        print("FAIL: expected shape %s" % "x".join(str(d) for d in want.shape))
        return 1
    n = 6
    print("output[0, 0, :%d]:    %s" % (n, " ".join("%.6g" % v for v in got[0, 0, :n])))
    print("reference[0, 0, :%d]: %s" % (n, " ".join("%.6g" % v for v in want[0, 0, :n])))
    with np.errstate(invalid="ignore"):
        diff = np.abs(got - want)
        ok = diff <= ATOL + RTOL * np.abs(want)  # NaN fails
    max_diff = float(np.max(diff)) if not np.isnan(diff).any() else float("nan")
    print("max |dsk - reference| = %.3g" % max_diff)
    bad = int(np.count_nonzero(~ok))
    if bad:
        print("FAIL: %d of %d elements outside rtol %g / atol %g" % (bad, got.size, RTOL, ATOL))
        return 1
    print("PASS (rtol %g, atol %g)" % (RTOL, ATOL))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="dsk example: transformer block with multi-scale gated attention")
    sub = parser.add_subparsers(dest="mode", required=True)
    gen = sub.add_parser("generate", help="write (or --check) examples/msa_block.mlir")
    gen.add_argument("--check", action="store_true",
                     help="do not write; exit 1 if the file is not up to date")
    run = sub.add_parser("run", help="lower, run and compare with the NumPy reference")
    run.add_argument("--dsk-opt", help="dsk-opt binary (env DSK_OPT; default <repo>/build/bin/dsk-opt)")
    run.add_argument("--mlir-runner",
                     help="mlir-runner binary (env MLIR_RUNNER; default %s/mlir-runner)" % DEFAULT_LLVM_BIN)
    run.add_argument("--runner-libs",
                     help="directory of libmlir_runner_utils.so and libmlir_c_runner_utils.so, or a "
                          "comma-separated list of libraries (env MLIR_LIB_DIR; default %s)"
                          % DEFAULT_LLVM_LIB)
    args = parser.parse_args(argv)
    if args.mode == "generate":
        return cmd_generate(args)
    return cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
