#!/usr/bin/env python3
"""Compiles the PyTorch-exported models (export_torch_models.py) with
dsk-compile and checks them:

  * each imports and verifies, dsk-fuse-attention turns every attention
    block into dsk.attention, and each multi-scale attention node becomes
    dsk.multiscale_attention;
  * each compiles to `<name>.so` in the models folder, and its outputs on the
    inputs saved at export time (`<name>.inputs.npz`) match the PyTorch eager
    outputs (`<name>.eager.npz`) and those of ONNX Runtime on the same .onnx
    and inputs, within rtol 1e-3 / atol 1e-4 (numpy.allclose semantics:
    |dsk - ref| <= atol + rtol * |ref| elementwise). ONNX Runtime cannot run
    models with `dsk` domain nodes (msa_block); they are checked against eager
    only.

  check_torch_models.py --dsk-compile PATH --models DIR [--only NAME...]

Exports the models into DIR when any of their files is missing. Prints the
checks of each model, a summary table (compile time, run time, max abs error
vs eager and vs ORT, PASS/FAIL) and `N passed, N failed`; exits 1 on any
failure.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

import dsk  # noqa: E402

# The models of export_torch_models.py (kept in its order).
MODELS = ["bert_encoder", "mha_block", "gpt_decoder", "resnet18", "resnet50",
          "mobilenet_v2", "msa_block"]
SIDECARS = (".onnx", ".json", ".inputs.npz", ".eager.npz")
RTOL, ATOL = 1e-3, 1e-4


class Failure(Exception):
    pass


def first_error_line(proc):
    lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
    return lines[0] if lines else "exit code %d" % proc.returncode


def check_fusion(dsk_compile, path, info):
    """Imports the model up to the graph pipeline and counts the fused ops."""
    proc = subprocess.run([dsk_compile, path, "--emit=mlir",
                           "--mlir-elide-elementsattrs-if-larger=16"],
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise Failure("import failed: " + first_error_line(proc))
    for op, key in (("dsk.attention ", "attention_blocks"),
                    ("dsk.multiscale_attention ", "multiscale_attention_blocks")):
        want = info.get(key, 0)
        found = proc.stdout.count(op)
        if found != want:
            raise Failure("expected %d %s ops, found %d" % (want, op.strip(), found))


def compile_model(dsk_compile, path, library):
    start = time.perf_counter()
    proc = subprocess.run([dsk_compile, path, "-o", library], capture_output=True,
                          text=True, timeout=900)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise Failure("dsk-compile failed: " + first_error_line(proc))
    return seconds


def run_ort(path, inputs):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, inputs)))


def compare(got, want):
    """Returns (max abs error, max rel error, None or the worst element)."""
    if got.shape != want.shape:
        raise Failure("shape %s, expected %s" % (got.shape, want.shape))
    a = got.astype(np.float64)
    b = want.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.abs(a - b)
        diff = np.where(np.isnan(a) & np.isnan(b), 0.0, diff)
        diff = np.where(np.isnan(diff), np.inf, diff)  # NaN on one side only
        rel = np.where(diff == 0, 0.0, diff / np.abs(b))
        excess = diff - (ATOL + RTOL * np.abs(b))
    max_abs = float(diff.max()) if diff.size else 0.0
    max_rel = float(rel.max()) if rel.size else 0.0
    if not diff.size or excess.max() <= 0:
        return max_abs, max_rel, None
    index = np.unravel_index(int(np.argmax(excess)), excess.shape)
    bad = int((excess > 0).sum())
    worst = "%d of %d elements out of tolerance; worst at %s: got %.7g, expected %.7g" % (
        bad, diff.size, tuple(int(i) for i in index), a[index], b[index])
    return max_abs, max_rel, worst


def check_outputs(name, outputs, refs, ref_name, ref_eager=None):
    """Compares the dsk outputs with one reference; returns the max abs error."""
    worst_abs = 0.0
    failed = []
    for out_name, got in outputs.items():
        if out_name not in refs:
            raise Failure("%s has no output '%s' (it has %s)"
                          % (ref_name, out_name, sorted(refs)))
        max_abs, max_rel, worst = compare(got, refs[out_name])
        worst_abs = max(worst_abs, max_abs)
        status = "ok" if worst is None else "MISMATCH"
        print("  %-7s output '%s': max abs %.3g, max rel %.3g  %s"
              % (ref_name, out_name, max_abs, max_rel, status))
        if worst is not None:
            print("          " + worst)
            if ref_eager is not None:
                other, _, _ = compare(refs[out_name], ref_eager[out_name])
                print("          (ORT vs eager on this output: max abs %.3g)" % other)
            failed.append("'%s' differs from %s" % (out_name, ref_name))
    return worst_abs, failed


def check_model(args, name, row):
    stem = os.path.join(args.models, name)
    path = stem + ".onnx"
    with open(stem + ".json") as f:
        info = json.load(f)
    row["opset"] = info["opset"]
    check_fusion(args.dsk_compile, path, info)
    library = stem + ".so"
    row["compile"] = compile_model(args.dsk_compile, path, library)

    with np.load(stem + ".inputs.npz") as f:
        inputs = {k: f[k] for k in f.files}
    with np.load(stem + ".eager.npz") as f:
        eager = {k: f[k] for k in f.files}
    model = dsk.load(library)
    names = [n for n, _, _ in model.inputs]
    if sorted(names) != sorted(inputs):
        raise Failure("the compiled model's inputs %s are not the saved ones %s"
                      % (names, sorted(inputs)))
    start = time.perf_counter()
    results = model(**inputs)
    row["run"] = time.perf_counter() - start
    outputs = {n: r for (n, _, _), r in zip(model.outputs, results)}
    model.close()

    failed = []
    row["eager"], bad = check_outputs(name, outputs, eager, "eager")
    failed += bad
    if info.get("ort", True):
        ort_outputs = run_ort(path, inputs)
        row["ort"], bad = check_outputs(name, outputs, ort_outputs, "ORT", eager)
        failed += bad
    else:
        row["ort"] = None
        print("  ORT     not run: ONNX Runtime cannot run the `dsk` domain "
              "(dsk::MultiScaleAttention); checked against PyTorch eager only")
    if failed:
        raise Failure("; ".join(failed))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsk-compile", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--only", nargs="*", choices=MODELS, help="check only these models")
    args = parser.parse_args()
    models = args.only or MODELS

    missing = [m for m in models
               if not all(os.path.exists(os.path.join(args.models, m + s)) for s in SIDECARS)]
    if missing:
        print("exporting %s into %s" % (" ".join(missing), args.models), flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "export_torch_models.py"),
                        args.models, "--only", *missing], check=True)

    rows = []
    for name in models:
        print("%s:" % name, flush=True)
        row = {"name": name, "opset": None, "compile": None, "run": None,
               "eager": None, "ort": None, "reason": None}
        try:
            check_model(args, name, row)
        except Failure as e:
            row["reason"] = str(e)
        except Exception as e:  # dsk.DskError, ORT errors, unreadable files
            row["reason"] = "%s: %s" % (type(e).__name__, e)
        rows.append(row)
        print("%s %s%s" % ("PASS" if row["reason"] is None else "FAIL", name,
                           "" if row["reason"] is None else ": " + row["reason"]),
              flush=True)

    def num(value, fmt):
        return "-" if value is None else fmt % value

    print()
    print("| model | opset | compile (s) | dsk run (s) | max abs err vs eager "
          "| max abs err vs ORT | result |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ort = num(r["ort"], "%.3g")
        if r["ort"] is None and r["reason"] is None:
            ort = "n/a (dsk domain)"
        print("| %s | %s | %s | %s | %s | %s | %s |"
              % (r["name"], num(r["opset"], "%d"), num(r["compile"], "%.1f"),
                 num(r["run"], "%.3f"), num(r["eager"], "%.3g"), ort,
                 "PASS" if r["reason"] is None else "FAIL"))
    failed = sum(r["reason"] is not None for r in rows)
    print("\ntolerance: rtol %g, atol %g" % (RTOL, ATOL))
    print("%d passed, %d failed" % (len(rows) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
