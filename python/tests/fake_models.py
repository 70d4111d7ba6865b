"""Shared helpers of test_runtime.py and test_dsk_run.py: building the fake
model libraries (fixtures/fake_model.c) and finding the built runtime and
dsk-run. Tests skip, saying why, when the build has not made them."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent.parent
BUILD = REPO / "build"
FAKE_MODEL_SOURCE = TESTS / "fixtures" / "fake_model.c"

# The runtime's dtypes in dsk_dtype order.
DTYPES = ["f16", "bf16", "f32", "f64", "i8", "i16", "i32", "i64", "u8", "u16",
          "u32", "u64", "bool"]


def numpy_dtypes():
    """dtype name -> NumPy scalar type (bf16 through ml_dtypes), or skip."""
    import numpy as np

    ml_dtypes = pytest.importorskip("ml_dtypes")
    return {"f16": np.float16, "bf16": ml_dtypes.bfloat16, "f32": np.float32,
            "f64": np.float64, "i8": np.int8, "i16": np.int16,
            "i32": np.int32, "i64": np.int64, "u8": np.uint8,
            "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
            "bool": np.bool_}


def runtime_library():
    """The runtime library the binding will load, or skip."""
    path = Path(os.environ.get("DSK_RUNTIME_LIBRARY")
                or BUILD / "lib" / "libdsk_runtime.so")
    if not path.is_file():
        pytest.skip(f"the dsk runtime is not built ({path} is missing; "
                    "build target DskRuntime)")
    return path


def dsk_run_binary():
    """The dsk-run executable (env DSK_RUN, else build/bin/dsk-run), or
    skip."""
    path = Path(os.environ.get("DSK_RUN") or BUILD / "bin" / "dsk-run")
    if not path.is_file():
        pytest.skip(f"dsk-run is not built ({path} is missing; build target "
                    "dsk-run)")
    return path


def build_fake_model(directory, variant=None):
    """Compiles fixtures/fake_model.c into directory/fake_<variant>.so."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("clang")
    if not cc:
        pytest.skip("no C compiler (cc) to build the fake model")
    out = Path(directory) / f"fake_{(variant or 'add').lower()}.so"
    cmd = [cc, "-shared", "-fPIC", "-O1", "-o", str(out),
           str(FAKE_MODEL_SOURCE)]
    if variant:
        cmd.insert(1, f"-DFAKE_MODEL_{variant}")
    subprocess.run(cmd, check=True)
    return out
