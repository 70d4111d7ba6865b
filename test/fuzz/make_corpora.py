#!/usr/bin/env python3
"""Writes the seed corpora of dsk's fuzz targets into the build folder.

  onnx-import, onnx-compile  every model.onnx of the ONNX node tests (the
                             Debian libonnx-testdata cases, and any other
                             node-test folders given with --onnx-nodes)
  mlir-lower                 every split (`// -----`) of the lit tests' .mlir
                             files
  metadata                   test/fuzz/seeds/metadata/*.txt, each prefixed
                             with the version byte the target reads first
  tensor-file                the input and output .pb files of the node tests
                             (at most 4 per case) and .npy files of every
                             dtype and a few shapes, written with NumPy

Seeds are generated, not committed: they come from test data the build
already has. Regression inputs (test/fuzz/regressions/<target>/) are kept
apart and replayed on their own.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

DEBIAN_NODE_DIR = Path("/usr/share/libonnx-testdata/data/node")
# The compile target runs the whole pipeline on each seed; models bigger than
# this are left to the import target.
MAX_COMPILE_SEED_BYTES = 16 * 1024


def write_unit(folder: Path, name: str, data: bytes) -> None:
    digest = hashlib.sha1(data).hexdigest()[:12]
    (folder / f"{name}-{digest}").write_bytes(data)


def onnx_seeds(node_dirs: list[Path]) -> list[tuple[str, bytes]]:
    seeds = []
    for root in node_dirs:
        if not root.is_dir():
            continue
        for model in sorted(root.glob("*/model.onnx")):
            seeds.append((model.parent.name, model.read_bytes()))
    return seeds


def mlir_seeds(lit_root: Path) -> list[tuple[str, bytes]]:
    seeds = []
    for path in sorted(lit_root.rglob("*.mlir")):
        if "fuzz" in path.relative_to(lit_root).parts:
            continue
        text = path.read_text()
        for index, split in enumerate(text.split("// -----")):
            # RUN and CHECK lines are comments to the parser; dropping them
            # keeps the units small.
            body = "\n".join(
                line for line in split.splitlines()
                if not line.lstrip().startswith("//"))
            if body.strip():
                seeds.append((f"{path.stem}.{index}", body.encode()))
    return seeds


def tensor_file_seeds(node_dirs: list[Path]) -> list[tuple[str, bytes]]:
    import io

    import numpy as np

    seeds = []
    for root in node_dirs:
        if not root.is_dir():
            continue
        for case in sorted(root.iterdir()):
            for pb in sorted(case.glob("test_data_set_0/*.pb"))[:4]:
                seeds.append((f"{case.name}.{pb.stem}", pb.read_bytes()))
    shapes = [(), (3,), (2, 3), (1, 2, 0), (2, 1, 2, 2)]
    for dtype in ["float16", "float32", "float64", "int8", "int16", "int32",
                  "int64", "uint8", "uint16", "uint32", "uint64", "bool"]:
        for shape in shapes:
            buffer = io.BytesIO()
            np.save(buffer, np.ones(shape, dtype=dtype))
            name = f"{dtype}-{'x'.join(map(str, shape)) or 'scalar'}"
            seeds.append((name, buffer.getvalue()))
    # Fortran order and big-endian data, which the reader must refuse or
    # convert.
    for name, array in [("fortran", np.asfortranarray(np.ones((2, 3)))),
                        ("big-endian", np.ones(3, dtype=">f4"))]:
        buffer = io.BytesIO()
        np.save(buffer, array)
        seeds.append((name, buffer.getvalue()))
    return seeds


def metadata_seeds(folder: Path) -> list[tuple[str, bytes]]:
    seeds = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_bytes()
        version = b"\x00" if text.startswith(b"dsk-model 1\n") else b"\x01"
        seeds.append((path.stem, version + text))
    return seeds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--lit-root", type=Path, required=True)
    parser.add_argument("--metadata-seeds", type=Path, required=True)
    parser.add_argument("--onnx-nodes", type=Path, action="append",
                        default=[DEBIAN_NODE_DIR])
    args = parser.parse_args()

    onnx = onnx_seeds(args.onnx_nodes)
    corpora = {
        "onnx-import": onnx,
        "onnx-compile": [(name, data) for name, data in onnx
                         if len(data) <= MAX_COMPILE_SEED_BYTES],
        "mlir-lower": mlir_seeds(args.lit_root),
        "metadata": metadata_seeds(args.metadata_seeds),
        "tensor-file": tensor_file_seeds(args.onnx_nodes),
    }
    for target, seeds in corpora.items():
        folder = args.out / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in seeds:
            write_unit(folder, name, data)
        print(f"{target}: {len(seeds)} seeds")
    if not onnx:
        print("warning: no ONNX node tests found (install libonnx-testdata)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
