#!/usr/bin/env python3
"""Every ONNX operator, given malformed nodes, is an error, never a crash.

For each op of the pinned onnx package's ai.onnx domain, writes models whose
node has no inputs, its required inputs left empty (""), too many inputs,
and a float input where the op may want another type, and imports each with
`dsk-compile --emit=onnx-ir`. A model may import or be rejected; the
compiler must not die on a signal or print an LLVM error. (The node
signature check against ONNX's schemas is what stops these; this is the
regression test of that class of crashes, which segfaulted Clip, IsInf and
Mod.)
"""

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

import onnx
from onnx import TensorProto, defs, helper


def variants(schema):
    required = max(schema.min_input, 1)
    return {
        "no-inputs": [],
        "empty-inputs": [""] * required,
        "float-inputs": ["x"] * required,
        "too-many-inputs": ["x"] * min(schema.max_input + 1, required + 8),
    }


def write(folder, schema, tag, inputs):
    outputs = [f"y{i}" for i in range(max(schema.min_output, 1))]
    node = helper.make_node(schema.name, inputs, outputs, name="n")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                     [2, 3])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, [2, 3])
         for o in outputs])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 21)])
    path = os.path.join(folder, f"{schema.name}-{tag}.onnx")
    onnx.save(model, path)
    return path


def run(dsk_compile, path):
    result = subprocess.run([dsk_compile, path, "--emit=onnx-ir", "-o",
                             os.devnull], capture_output=True, text=True,
                            timeout=60)
    # Sanitizer reports count too (an ASan build exits with status 1).
    crashed = (result.returncode < 0 or result.returncode > 1 or
               any(marker in result.stderr for marker in (
                   "LLVM ERROR", "Stack dump", "ERROR: AddressSanitizer",
                   "ERROR: LeakSanitizer", "runtime error:")))
    return path, crashed, result.stderr[-400:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsk-compile", required=True)
    args = parser.parse_args()
    schemas = [s for s in defs.get_all_schemas()
               if s.domain in ("", "ai.onnx") and not s.deprecated]
    with tempfile.TemporaryDirectory() as folder:
        paths = [write(folder, s, tag, inputs) for s in schemas
                 for tag, inputs in variants(s).items()]
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
            results = list(pool.map(lambda p: run(args.dsk_compile, p),
                                    paths))
    crashes = [(os.path.basename(p), err) for p, crashed, err in results
               if crashed]
    for name, err in crashes:
        print(f"CRASH {name}\n{err}")
    print(f"{len(results) - len(crashes)} passed, {len(crashes)} failed "
          f"({len(schemas)} ops)")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
