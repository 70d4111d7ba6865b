#!/usr/bin/env python3
"""Imports the PyTorch-exported models (export_torch_models.py) with
dsk-compile and checks that each imports and verifies, and that
dsk-fuse-attention turns every attention block into dsk.attention.

  check_torch_models.py --dsk-compile PATH --models DIR

Exports the models into DIR when they are missing. Prints one line per model
and ends with `N passed, N failed`; exits non-zero on any failure.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["bert_encoder", "mha_block", "gpt_decoder", "resnet18", "resnet50", "mobilenet_v2"]


def check(dsk_compile, path, expected_attention):
    """Returns None on success, else the reason."""
    proc = subprocess.run([dsk_compile, path, "--emit=mlir"], capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["exit code %d" % proc.returncode]
        return "import failed: " + lines[0]
    found = proc.stdout.count("dsk.attention ")
    if found != expected_attention:
        return "expected %d dsk.attention ops, found %d" % (expected_attention, found)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsk-compile", required=True)
    parser.add_argument("--models", required=True)
    args = parser.parse_args()

    missing = [m for m in MODELS
               if not os.path.exists(os.path.join(args.models, m + ".onnx"))]
    if missing:
        subprocess.run([sys.executable, os.path.join(HERE, "export_torch_models.py"),
                        args.models, "--only", *missing], check=True)

    passed = failed = 0
    for name in MODELS:
        path = os.path.join(args.models, name + ".onnx")
        with open(os.path.join(args.models, name + ".json")) as f:
            info = json.load(f)
        reason = check(args.dsk_compile, path, info["attention_blocks"])
        if reason is None:
            passed += 1
            print("PASS %s (opset %d, %d attention blocks fused)"
                  % (name, info["opset"], info["attention_blocks"]))
        else:
            failed += 1
            print("FAIL %s (opset %d): %s" % (name, info["opset"], reason))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
