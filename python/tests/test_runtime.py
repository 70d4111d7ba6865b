"""The Python binding of the dsk runtime (python/dsk/runtime.py), run on the
fake model libraries of fixtures/fake_model.c."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dsk  # noqa: E402
from dsk import runtime  # noqa: E402
from fake_models import (DTYPES, build_fake_model, numpy_dtypes,  # noqa: E402
                         runtime_library)

ml_dtypes = pytest.importorskip("ml_dtypes")

NUMPY = numpy_dtypes()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    runtime_library()
    d = tmp_path_factory.mktemp("fake_models")
    return {"add": build_fake_model(d), "dtypes": build_fake_model(d, "DTYPES"),
            "symbolic": build_fake_model(d, "SYMBOLIC"),
            "v2": build_fake_model(d, "V2")}


@pytest.fixture
def add(models):
    with dsk.load(models["add"]) as m:
        yield m


def xy():
    x = np.array([[1, 5, 2], [-1, -3, 0.5]], np.float32)
    y = np.array([[10, 20, 30], [40, 50, 60]], np.float32)
    return x, y


def dtype_inputs():
    vals = {t: np.array([0, 1, 2], NUMPY[t]) for t in DTYPES}
    vals["f16"] = np.array([0.5, -2, 65504], np.float16)
    vals["bf16"] = np.array([1.5, -3, 1e30], ml_dtypes.bfloat16)
    vals["f32"] = np.array([np.nan, np.inf, -1e-40], np.float32)
    vals["i8"] = np.array([-128, 0, 127], np.int8)
    vals["i64"] = np.array([-2**63, 0, 2**63 - 1], np.int64)
    vals["u64"] = np.array([0, 1, 2**64 - 1], np.uint64)
    vals["u32"] = np.array([0, 7, 2**32 - 1], np.uint32)
    vals["bool"] = np.array([True, False, True])
    return [vals[t] for t in DTYPES] + [np.array(1.25)]


# -- describing the model -------------------------------------------------------


def test_inputs_and_outputs(add):
    assert add.inputs == [("x", np.dtype(np.float32), (2, 3)),
                          ("y in", np.dtype(np.float32), (2, 3))]
    assert add.outputs == [("sum", np.dtype(np.float32), (2, 3)),
                           ("row/argmax", np.dtype(np.int64), (2,))]
    assert add.target_cpu == "generic"
    assert "2 inputs, 2 outputs" in repr(add)


def test_dtypes_are_described(models):
    with dsk.load(models["dtypes"]) as m:
        got = [(name, dtype) for name, dtype, _ in m.inputs]
        want = [(f"in_{t}", "bfloat16" if t == "bf16" else np.dtype(NUMPY[t]))
                for t in DTYPES] + [("scalar", np.dtype(np.float64))]
        assert got == want
        assert m.inputs[-1][2] == () and m.outputs[-1] == (
            "scalar_x2", np.dtype(np.float64), ())


def test_symbolic_dims_are_named_and_not_run(models):
    with dsk.load(models["symbolic"]) as m:
        assert m.inputs == [("x", np.dtype(np.float32), ("batch", 3))]
        assert m.outputs == [("z", np.dtype(np.float32), ("batch", 3))]
        with pytest.raises(dsk.DskError, match=r"output 0 'z' has the "
                           r"symbolic shape \('batch', 3\)"):
            m(np.zeros((2, 3), np.float32))


def test_abi_version_and_workspace(models, add):
    # The fixtures other than V2 are version-1 models, which still load.
    assert add.abi_version == 1
    assert add.workspace_size == 0
    assert add.target_kind == "cpu"
    with dsk.load(models["v2"]) as m:
        assert m.abi_version == 2
        assert m.workspace_size == 256
        assert m.target_kind == "cpu"
        assert m.inputs == add.inputs and m.outputs == add.outputs
        x, y = xy()
        for _ in range(3):  # the runtime's workspace is reused
            s, idx = m(x, y)
            np.testing.assert_array_equal(s, x + y)
            np.testing.assert_array_equal(idx, [1, 2])
    with pytest.raises(dsk.DskError, match="is closed"):
        m.workspace_size
    with pytest.raises(dsk.DskError, match="is closed"):
        m.abi_version


# -- calling ------------------------------------------------------------------------


def test_call_positional_and_named(add):
    x, y = xy()
    s, idx = add(x, y)
    np.testing.assert_array_equal(s, x + y)
    np.testing.assert_array_equal(idx, [1, 2])
    assert s.dtype == np.float32 and idx.dtype == np.int64
    for out in (add(x, **{"y in": y}), add(**{"y in": y, "x": x})):
        np.testing.assert_array_equal(out[0], x + y)


def test_outputs_are_fresh_arrays(add):
    x, y = xy()
    first = add(x, y)[0]
    second = add(x * 2, y)[0]
    np.testing.assert_array_equal(first, x + y)
    np.testing.assert_array_equal(second, 2 * x + y)


def test_non_contiguous_and_safe_casts(add):
    x, y = xy()
    xt = np.asfortranarray(x)  # same values, column-major memory
    s, _ = add(xt, y[:, ::-1][:, ::-1])
    np.testing.assert_array_equal(s, x + y)
    s, _ = add(x.astype(np.int8), y.astype(np.float16))  # safe casts
    np.testing.assert_array_equal(s, x.astype(np.int8) + y)
    s, _ = add([[1, 2, 3], [4, 5, 6]], [[0.5] * 3] * 2)  # Python lists
    np.testing.assert_array_equal(s, [[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]])


def test_every_dtype_round_trips(models):
    ins = dtype_inputs()
    with dsk.load(models["dtypes"]) as m:
        outs = m(*ins)
    assert len(outs) == len(DTYPES) + 1
    for t, a, b in zip(DTYPES, ins, outs):
        assert b.dtype == np.dtype(NUMPY[t]), t
        assert b.shape == (3,)
        np.testing.assert_array_equal(b.view(np.uint8), a.view(np.uint8),
                                      err_msg=t)
    assert outs[-1].shape == () and outs[-1] == 2.5


def test_bf16_from_uint16_bit_patterns(models):
    ins = dtype_inputs()
    bits = np.array([0x3fc0, 0xc040, 0x7f80], np.uint16)  # 1.5, -3, inf
    ins[DTYPES.index("bf16")] = bits
    with dsk.load(models["dtypes"]) as m:
        out = m(*ins)[DTYPES.index("bf16")]
    np.testing.assert_array_equal(out.astype(np.float32), [1.5, -3, np.inf])


# -- errors -------------------------------------------------------------------------


def test_wrong_dtype_raises_type_error_naming_the_input(add):
    x, y = xy()
    with pytest.raises(TypeError, match=r"input 1 'y in' expects float32, "
                       r"got an array of float64"):
        add(x, y.astype(np.float64))
    with pytest.raises(TypeError, match="input 0 'x'"):
        add(x.astype(np.int64), y)  # int64 -> float32 is not safe
    with pytest.raises(TypeError, match="input 0 'x'"):
        add([["a"] * 3] * 2, y)


def test_lossy_python_values_are_refused(models):
    ins = dtype_inputs()
    with dsk.load(models["dtypes"]) as m:
        i8 = DTYPES.index("i8")
        ins[i8] = [1.5, 2, 3]  # floats into an integer input
        with pytest.raises(TypeError, match="input 4 'in_i8'"):
            m(*ins)
        ins[i8] = [1, 2, 300]  # does not fit
        with pytest.raises(TypeError, match="do not fit"):
            m(*ins)
        ins[i8] = [1, 2, 3]
        assert list(m(*ins)[i8]) == [1, 2, 3]


def test_wrong_shape_raises_value_error_with_runtime_message(add):
    x, y = xy()
    with pytest.raises(ValueError) as info:
        add(x, y.reshape(3, 2))
    assert isinstance(info.value, dsk.DskError)
    assert info.value.status == "DSK_ERROR_INVALID_ARGUMENT"
    message = str(info.value)
    assert "y in" in message and "3" in message and "2" in message
    with pytest.raises(ValueError, match="x"):
        add(x[0], y)  # wrong rank


def test_wrong_arguments(add):
    x, y = xy()
    with pytest.raises(TypeError, match="takes 2 inputs but 3 were given"):
        add(x, y, y)
    with pytest.raises(TypeError, match="missing input 1 'y in'"):
        add(x)
    with pytest.raises(TypeError, match="no input named 'z'"):
        add(x, y, z=y)
    with pytest.raises(TypeError, match="input 0 'x' is given twice"):
        add(x, y, x=x)


def test_load_errors_name_the_file(tmp_path):
    runtime_library()
    missing = tmp_path / "missing.so"
    with pytest.raises(dsk.DskError, match="missing.so") as info:
        dsk.load(missing)
    assert info.value.status == "DSK_ERROR_LOAD"
    not_a_model = tmp_path / "text.so"
    not_a_model.write_text("hello")
    with pytest.raises(dsk.DskError, match="text.so"):
        dsk.load(not_a_model)


def test_close_and_context_manager(models):
    x, y = xy()
    m = dsk.load(models["add"])
    m(x, y)
    m.close()
    m.close()  # idempotent
    with pytest.raises(dsk.DskError, match="is closed"):
        m(x, y)
    assert "closed" in repr(m)
    with dsk.load(models["add"]) as m2:
        m2(x, y)
    with pytest.raises(dsk.DskError, match="is closed"):
        m2(x, y)


@pytest.mark.parametrize("which", ["add", "v2"])
def test_concurrent_calls(models, which):
    # v2: the runs share the model's workspace or get temporary ones.
    rs = np.random.RandomState(0)
    cases = [(rs.rand(2, 3).astype(np.float32), rs.rand(2, 3).astype(
        np.float32)) for _ in range(8)]
    errors = []

    def worker(model, x, y):
        for _ in range(200):
            s, _ = model(x, y)
            if not np.array_equal(s, x + y):
                errors.append("wrong result")

    with dsk.load(models[which]) as m:
        threads = [threading.Thread(target=worker, args=(m,) + c)
                   for c in cases]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors


# -- finding the library -------------------------------------------------------


def run_python(code, env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, env=env)


def test_import_needs_no_runtime_and_env_var_is_honoured(tmp_path, models):
    python_dir = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=python_dir,
               DSK_RUNTIME_LIBRARY=str(tmp_path / "nope.so"))
    code = ("import dsk\nfrom dsk import reference\n"
            "try:\n    dsk.load(%r)\nexcept dsk.DskError as e:\n"
            "    print('ERROR', e)\n" % str(models["add"]))
    r = run_python(code, env)
    assert r.returncode == 0, r.stderr
    assert "ERROR cannot load the dsk runtime library" in r.stdout
    assert "DSK_RUNTIME_LIBRARY is set" in r.stdout and "nope.so" in r.stdout

    env["DSK_RUNTIME_LIBRARY"] = str(runtime_library())
    r = run_python("import dsk, dsk.runtime as rt\n"
                   "m = dsk.load(%r)\nprint(rt.library_path())"
                   % str(models["add"]), env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(runtime_library())


def test_default_search_finds_the_build_folder(models):
    lib = runtime_library()
    if os.environ.get("DSK_RUNTIME_LIBRARY"):
        pytest.skip("DSK_RUNTIME_LIBRARY overrides the search")
    assert Path(runtime.library_path()).resolve() == lib.resolve()


def test_num_threads(models):
    # The fake model links no OpenMP runtime: not parallel, and the count is
    # stored but changes nothing.
    with dsk.load(models["add"], num_threads=2) as m:
        assert not m.is_parallel
        assert m.num_threads == 2
        m.num_threads = 0
        assert m.num_threads == 0
        with pytest.raises(dsk.DskInvalidArgument,
                           match="the number of threads must be 0"):
            m.num_threads = -3
        with pytest.raises(dsk.DskInvalidArgument,
                           match="the number of threads must be 0 "
                                 r"\(the default\) to 1024, got 1025"):
            m.num_threads = 1025
        with pytest.raises(dsk.DskInvalidArgument,
                           match="1099511627776 does not fit a C int"):
            m.num_threads = 2**40
        with pytest.raises(TypeError, match="must be an integer, got float"):
            m.num_threads = 2.5
        assert m.num_threads == 0
        x, y = xy()
        assert np.array_equal(m(x, y)[0], x + y)


# -- profiling -------------------------------------------------------------------


def test_profile_errors(add):
    # The fake model has no profiling regions (a compiled model's are tested
    # end to end in test/Target/dsk-run-profile.test).
    assert add.regions == []
    with pytest.raises(dsk.DskInvalidArgument,
                       match="has no profiling regions"):
        add.profile(xy())
    with pytest.raises(ValueError, match="runs must be a positive integer"):
        add.profile(xy(), runs=0)
    with pytest.raises(TypeError, match="missing input 1"):
        add.profile([xy()[0]])
