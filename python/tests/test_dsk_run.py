"""dsk-run (tools/dsk-run) on the fake model libraries of fixtures/
fake_model.c: inputs from .npy and .pb files, output printing and saving,
--expected reports, --random-seed, --repeat, and every error message."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fake_models import (DTYPES, build_fake_model, dsk_run_binary,  # noqa: E402
                         numpy_dtypes)

onnx = pytest.importorskip("onnx")
ml_dtypes = pytest.importorskip("ml_dtypes")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

NUMPY = numpy_dtypes()
ONNX = {"f16": TensorProto.FLOAT16, "bf16": TensorProto.BFLOAT16,
        "f32": TensorProto.FLOAT, "f64": TensorProto.DOUBLE,
        "i8": TensorProto.INT8, "i16": TensorProto.INT16,
        "i32": TensorProto.INT32, "i64": TensorProto.INT64,
        "u8": TensorProto.UINT8, "u16": TensorProto.UINT16,
        "u32": TensorProto.UINT32, "u64": TensorProto.UINT64,
        "bool": TensorProto.BOOL}

X = np.array([[1, 5, 2], [-1, -3, 0.5]], np.float32)
Y = np.array([[10, 20, 30], [40, 50, 60]], np.float32)


@pytest.fixture(scope="module")
def tool():
    return dsk_run_binary()


@pytest.fixture(scope="module")
def models(tmp_path_factory, tool):
    d = tmp_path_factory.mktemp("fake_models")
    return {"add": build_fake_model(d), "dtypes": build_fake_model(d, "DTYPES"),
            "symbolic": build_fake_model(d, "SYMBOLIC")}


@pytest.fixture
def add(models):
    return models["add"]


def run(tool, *args):
    return subprocess.run([str(tool)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=60)


def save(path, array):
    np.save(path, array)
    return path


def save_pb(path, tensor):
    path.write_bytes(tensor.SerializeToString())
    return path


def xy_files(tmp_path):
    return save(tmp_path / "x.npy", X), save(tmp_path / "y.npy", Y)


def expect_error(r, *fragments):
    """One line `dsk-run: error: ...` on stderr containing each fragment."""
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("dsk-run: error: "), r.stderr
    for f in fragments:
        assert str(f) in lines[0], (f, lines[0])
    return lines[0]


# -- --info and output printing ------------------------------------------------


def test_info(tool, add):
    r = run(tool, add, "--info")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        f"model: {add}",
        "target: generic (features: none)",
        "abi: version 1, kind cpu, workspace 0 bytes",
        "parallel: no (runs on the calling thread)",
        "profiling regions: 0",
        "inputs (2):",
        "  0 x: f32 [2, 3]",
        "  1 y in: f32 [2, 3]",
        "outputs (2):",
        "  0 sum: f32 [2, 3]",
        "  1 row/argmax: i64 [2]",
    ]


def test_info_of_a_version_2_model(tool, tmp_path):
    m = build_fake_model(tmp_path, "V2")
    r = run(tool, m, "--info")
    assert r.returncode == 0, r.stderr
    assert "abi: version 2, kind cpu, workspace 256 bytes\n" in r.stdout
    r = run(tool, m, *xy_files(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "output 0 'sum': f32 [2, 3]" in r.stdout


def test_symbolic_shapes(tool, models, tmp_path):
    m = models["symbolic"]
    r = run(tool, m, "--info")
    assert r.returncode == 0, r.stderr
    assert "  0 x: f32 [batch, 3]\n" in r.stdout
    assert "  0 z: f32 [batch, 3]\n" in r.stdout
    expect_error(run(tool, m, "--random-seed", "1"),
                 "input 0 'x' has the symbolic shape [batch, 3]; --random-seed "
                 "needs a static shape, give a file instead")
    x = save(tmp_path / "x.npy", X)
    expect_error(run(tool, m, x), "output 0 'z' has the symbolic shape "
                 "[batch, 3], which dsk-run cannot allocate")


def test_npy_inputs_print_a_summary(tool, add, tmp_path):
    r = run(tool, add, *xy_files(tmp_path))
    assert r.returncode == 0, r.stderr
    s = X + Y
    assert r.stdout.splitlines() == [
        "output 0 'sum': f32 [2, 3]",
        "  [11, 25, 32, 39, 47, 60.5]",
        f"  min 11  max 60.5  mean {s.mean():.7g}",
        "output 1 'row/argmax': i64 [2]",
        "  [1, 2]",
        "  min 1  max 2  mean 1.5",
    ]


def test_long_outputs_and_nan_are_summarized(tool, models, tmp_path):
    files = dtype_files(tmp_path, "npy")
    f32 = np.array([np.nan, 2, -1], np.float32)
    save(files[DTYPES.index("f32")], f32)
    r = run(tool, models["dtypes"], *files)
    assert r.returncode == 0, r.stderr
    assert "output 2 'out_f32': f32 [3]\n  [nan, 2, -1]\n" \
        "  min -1  max 2  mean 0.5  (1 NaN)\n" in r.stdout
    assert "output 12 'out_bool': bool [3]\n  [true, false, true]\n" \
        "  true: 2 of 3\n" in r.stdout
    assert "output 13 'scalar_x2': f64 []\n  [2.5]\n" in r.stdout

    big = save(tmp_path / "big.npy", np.arange(12, dtype=np.float32)
               .reshape(2, 6)[:, :3].copy())
    r = run(tool, models["add"], big, big)
    assert "  [0, 2, 4, 12, 14, 16]" in r.stdout


def test_named_inputs_and_mixed(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    for args in ([f"--input=y in={y}", "--input", f"x={x}"],
                 [x, "--input", f"y in={y}"]):
        r = run(tool, add, *args)
        assert r.returncode == 0, r.stderr
        assert "  [11, 25, 32, 39, 47, 60.5]" in r.stdout


def test_npy_format_versions(tool, add, tmp_path):
    for version in [(1, 0), (2, 0), (3, 0)]:
        x = tmp_path / f"x{version[0]}.npy"
        with open(x, "wb") as f:
            np.lib.format.write_array(f, X, version=version)
        assert x.read_bytes()[6] == version[0]
        r = run(tool, add, x, save(tmp_path / "y.npy", Y))
        assert r.returncode == 0, (version, r.stderr)
        assert "  [11, 25, 32, 39, 47, 60.5]" in r.stdout


# -- every dtype, from .npy and .pb, through --output-dir ---------------------


def dtype_values():
    vals = {t: np.array([0, 1, 2], NUMPY[t]) for t in DTYPES}
    vals["f16"] = np.array([0.5, -2, 65504], np.float16)
    vals["bf16"] = np.array([1.5, -3, 1e30], ml_dtypes.bfloat16)
    vals["f32"] = np.array([np.inf, -0.0, -1e-40], np.float32)
    vals["f64"] = np.array([1e300, -2.5, 1 / 3])
    vals["i8"] = np.array([-128, 0, 127], np.int8)
    vals["i16"] = np.array([-32768, 5, 32767], np.int16)
    vals["i32"] = np.array([-2**31, 5, 2**31 - 1], np.int32)
    vals["i64"] = np.array([-2**63, 0, 2**63 - 1], np.int64)
    vals["u8"] = np.array([0, 128, 255], np.uint8)
    vals["u16"] = np.array([0, 40000, 65535], np.uint16)
    vals["u32"] = np.array([0, 7, 2**32 - 1], np.uint32)
    vals["u64"] = np.array([0, 1, 2**64 - 1], np.uint64)
    vals["bool"] = np.array([True, False, True])
    return vals


def typed_proto(t, a):
    """A TensorProto with the values in the typed field ONNX uses for t."""
    if t in ("f16", "bf16"):
        vals = a.view(np.uint16).astype(np.int32).tolist()
    else:
        vals = a.tolist()
    tensor = helper.make_tensor(f"in_{t}", ONNX[t], a.shape, vals)
    if t in ("f16", "bf16"):  # make_tensor converts floats; store bits
        del tensor.int32_data[:]
        tensor.int32_data.extend(vals)
    assert not tensor.HasField("raw_data"), t
    return tensor


def dtype_files(tmp_path, kind):
    vals = dtype_values()
    files = []
    for t in DTYPES:
        a = vals[t]
        if kind == "npy" and t != "bf16":
            files.append(save(tmp_path / f"in_{t}.npy", a))
        elif kind == "typed":
            files.append(save_pb(tmp_path / f"in_{t}.pb", typed_proto(t, a)))
        else:  # raw_data
            tensor = TensorProto(name=f"in_{t}", data_type=ONNX[t],
                                 dims=a.shape, raw_data=a.tobytes())
            files.append(save_pb(tmp_path / f"in_{t}.pb", tensor))
    files.append(save(tmp_path / "scalar.npy", np.array(1.25)))
    return files


@pytest.mark.parametrize("kind", ["npy", "raw", "typed"])
def test_every_dtype_from_files_to_output_dir(tool, models, tmp_path, kind):
    out = tmp_path / "out"
    r = run(tool, models["dtypes"], *dtype_files(tmp_path, kind),
            "--output-dir", out)
    assert r.returncode == 0, r.stderr
    vals = dtype_values()
    for i, t in enumerate(DTYPES):
        if t == "bf16":  # NumPy has no bfloat16: a TensorProto instead
            path = out / "out_bf16.pb"
            got = numpy_helper.to_array(TensorProto.FromString(
                path.read_bytes()))
            assert got.dtype == ml_dtypes.bfloat16 or got.dtype == np.uint16
            got = got.view(ml_dtypes.bfloat16)
        else:
            path = out / f"out_{t}.npy"
            got = np.load(path)
            assert got.dtype == np.dtype(NUMPY[t]), t
        assert f"output {i} 'out_{t}': {t} [3] -> {path}" in r.stdout
        np.testing.assert_array_equal(got.view(np.uint8),
                                      vals[t].view(np.uint8), err_msg=t)
    scalar = np.load(out / "scalar_x2.npy")
    assert scalar.shape == () and scalar == 2.5


def test_output_dir_sanitizes_names_and_round_trips(tool, add, tmp_path):
    out = tmp_path / "new" / "dir"
    x, y = xy_files(tmp_path)
    r = run(tool, add, x, y, "--output-dir", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["row_argmax.npy",
                                                      "sum.npy"]
    np.testing.assert_array_equal(np.load(out / "sum.npy"), X + Y)
    np.testing.assert_array_equal(np.load(out / "row_argmax.npy"), [1, 2])
    # What --output-dir writes is what --expected-dir reads back.
    r = run(tool, add, x, y, "--expected-dir", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == "2 outputs matched, 0 mismatched"


# -- --expected --------------------------------------------------------------------


def report_lines(stdout):
    """The comparison report: the lines after the outputs' summaries."""
    return [line for line in stdout.splitlines()
            if re.match(r"output \d+ '.*': (PASS|FAIL)", line)
            or line.endswith("mismatched")]


def test_expected_pass(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    s = save(tmp_path / "s.npy", X + Y + 1e-3)  # within rtol 1e-3
    i = save_pb(tmp_path / "i.pb", numpy_helper.from_array(
        np.array([1, 2], np.int64)))
    r = run(tool, add, x, y, "--expected", s, i)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = report_lines(r.stdout)
    assert re.fullmatch(r"output 0 'sum': PASS \(6 elements, max abs error "
                        r"0\.001\)", lines[0]), lines[0]
    assert lines[1] == "output 1 'row/argmax': PASS (2 elements)"
    assert lines[2] == "2 outputs matched, 0 mismatched"
    # The outputs themselves are printed before the report.
    assert r.stdout.startswith("output 0 'sum': f32 [2, 3]\n"), r.stdout


def test_expected_fail_reports_the_worst_element(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    bad = X + Y
    bad[1, 0] += 0.5   # rel error 0.5/39.5
    bad[1, 2] += 2.0   # the worst: flat 5, [1, 2]
    bad[0, 1] += 1e-4  # within tolerance
    s = save(tmp_path / "s.npy", bad)
    i = save(tmp_path / "i.npy", np.array([1, 0], np.int64))
    r = run(tool, add, x, y, "--expected", s, i)
    assert r.returncode == 1
    assert r.stderr == ""
    lines = report_lines(r.stdout)
    assert lines[0] == (
        "output 0 'sum': FAIL: 2 of 6 elements differ (rtol 0.001, atol "
        "1e-07); worst at flat index 5 [1, 2]: actual 60.5, expected 62.5, "
        "abs error 2, rel error 0.032")
    assert lines[1] == (
        "output 1 'row/argmax': FAIL: 1 of 2 elements differ; worst at flat "
        "index 1 [1]: actual 2, expected 0, abs error 2, rel error inf")
    assert lines[2] == "0 outputs matched, 2 mismatched"

    # Looser tolerances make the float output pass.
    r = run(tool, add, x, y, "--expected", s, i, "--atol", "2.1")
    assert "output 0 'sum': PASS" in r.stdout
    assert r.stdout.splitlines()[-1] == "1 outputs matched, 1 mismatched"
    r = run(tool, add, x, y, "--expected", s, i, "--rtol", "0.04")
    assert "output 0 'sum': PASS" in r.stdout


def test_expected_nan_and_inf(tool, add, tmp_path):
    xs = X.copy()
    xs[0, 0], xs[0, 1], xs[0, 2] = np.nan, np.inf, -np.inf
    x = save(tmp_path / "x.npy", xs)
    y = save(tmp_path / "y.npy", Y)
    i = save(tmp_path / "i.npy", np.array([0, 2], np.int64))  # NaN first
    exp = xs + Y
    r = run(tool, add, x, y, "--expected", save(tmp_path / "e.npy", exp), i)
    assert r.returncode == 0, r.stdout  # NaN == NaN, inf == inf positionally
    exp2 = exp.copy()
    exp2[0, 0] = 1.0  # NaN where 1 is expected
    exp2[0, 2] = 1e30  # -inf where a finite value is expected
    r = run(tool, add, x, y, "--expected", save(tmp_path / "e2.npy", exp2), i)
    assert r.returncode == 1
    assert "output 0 'sum': FAIL: 2 of 6 elements differ" in r.stdout
    assert "worst at flat index 0 [0, 0]: actual nan, expected 1, " \
        "abs error nan, rel error nan" in r.stdout


def test_expected_shape_or_dtype_mismatch_fails(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    s = save(tmp_path / "s.npy", (X + Y).astype(np.float64))
    i = save(tmp_path / "i.npy", np.array([1, 2, 3], np.int64))
    r = run(tool, add, x, y, "--expected", s, i)
    assert r.returncode == 1
    lines = report_lines(r.stdout)
    assert lines[0] == f"output 0 'sum': FAIL: '{s}' has f64 [2, 3], the " \
        "output is f32 [2, 3]"
    assert lines[1] == f"output 1 'row/argmax': FAIL: '{i}' has i64 [3], " \
        "the output is i64 [2]"


def test_expected_dir_onnx_test_data_set(tool, add, tmp_path):
    d = tmp_path / "test_data_set_0"
    d.mkdir()
    save_pb(d / "input_0.pb", numpy_helper.from_array(X, "x"))
    save_pb(d / "input_1.pb", numpy_helper.from_array(Y, "y in"))
    save_pb(d / "output_0.pb", numpy_helper.from_array(X + Y, "sum"))
    save_pb(d / "output_1.pb", numpy_helper.from_array(
        np.array([1, 2], np.int64)))
    r = run(tool, add, d / "input_0.pb", d / "input_1.pb", "--expected-dir", d)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1] == "2 outputs matched, 0 mismatched"
    save_pb(d / "output_1.pb", numpy_helper.from_array(
        np.array([2, 2], np.int64)))
    r = run(tool, add, d / "input_0.pb", d / "input_1.pb", "--expected-dir", d)
    assert r.returncode == 1
    assert "output 1 'row/argmax': FAIL: 1 of 2 elements differ; worst at " \
        "flat index 0 [0]: actual 1, expected 2" in r.stdout
    assert r.stdout.splitlines()[-1] == "1 outputs matched, 1 mismatched"


# -- --random-seed and --repeat ----------------------------------------------------


def test_random_seed_is_deterministic(tool, models, tmp_path):
    def outputs(seed, name):
        out = tmp_path / name
        r = run(tool, models["dtypes"], "--random-seed", seed,
                "--output-dir", out)
        assert r.returncode == 0, r.stderr
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}

    a, b, c = outputs(7, "a"), outputs(7, "b"), outputs(8, "c")
    assert a == b
    assert a != c
    vals = {t: np.load(tmp_path / "a" / f"out_{t}.npy") for t in DTYPES
            if t != "bf16"}
    for t in ("f16", "f32", "f64"):
        assert np.all((vals[t] >= -1) & (vals[t] < 1)), t
    for t in ("i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"):
        assert np.all((vals[t] >= 0) & (vals[t] < 10)), t
    assert vals["bool"].dtype == np.bool_
    # The inputs differ from each other (not one stream restarted per input).
    assert not np.array_equal(vals["f32"], vals["f64"].astype(np.float32))


def test_random_seed_fills_only_missing_inputs(tool, add, tmp_path):
    x = save(tmp_path / "x.npy", np.zeros((2, 3), np.float32))
    out = tmp_path / "o"
    r = run(tool, add, x, "--random-seed", "1", "--output-dir", out)
    assert r.returncode == 0, r.stderr
    s = np.load(out / "sum.npy")  # 0 + random y
    assert np.all((s >= -1) & (s < 1)) and len(np.unique(s)) == 6


def test_repeat_prints_latency(tool, add, tmp_path):
    r = run(tool, add, *xy_files(tmp_path), "--repeat", "5")
    assert r.returncode == 0, r.stderr
    m = re.search(r"^latency over 5 runs \(after 1 warm-up\): min (\S+) ms, "
                  r"median (\S+) ms, max (\S+) ms$", r.stdout, re.M)
    assert m, r.stdout
    lo, med, hi = map(float, m.groups())
    assert 0 <= lo <= med <= hi
    assert "output 0 'sum'" in r.stdout


# -- errors ------------------------------------------------------------------------


def test_error_missing_and_unreadable_files(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    expect_error(run(tool, add, x, tmp_path / "nope.npy"),
                 f"cannot open '{tmp_path / 'nope.npy'}'", "No such file")
    expect_error(run(tool, add, x, tmp_path), f"'{tmp_path}' is a directory")
    empty = tmp_path / "empty.npy"
    empty.write_bytes(b"")
    expect_error(run(tool, add, x, empty), f"'{empty}' is empty")
    expect_error(run(tool, tmp_path / "missing.so", "--info"), "missing.so")
    not_model = tmp_path / "model.so"
    not_model.write_text("not a library")
    expect_error(run(tool, not_model, x, y), "model.so")


def test_error_truncated_npy(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    data = x.read_bytes()
    short = tmp_path / "short.npy"
    short.write_bytes(data[:-4])
    expect_error(run(tool, add, short, y), f"'{short}'",
                 "truncated .npy file: <f4 [2, 3] needs 24 data bytes, the "
                 "file has 20")
    short.write_bytes(data[:40])
    expect_error(run(tool, add, short, y), f"'{short}'",
                 "truncated .npy file (header of 118 bytes, file has 40)")
    long = tmp_path / "long.npy"
    long.write_bytes(data + b"\0")
    expect_error(run(tool, add, long, y), f"'{long}'",
                 "1 unexpected bytes after the data")


def test_error_bad_npy_header(tool, add, tmp_path):
    y = save(tmp_path / "y.npy", Y)
    cases = {
        b"{'descr': '<f4', 'shape': (2, 3), }": "needs descr, fortran_order "
        "and shape",
        b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}":
        "bad .npy header (",
        b"{'descr': '<f4' 'fortran_order': False}": "bad .npy header (",
        b"{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }":
        "bad .npy header (",
        b"{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }":
        "bad .npy header (",
    }
    for i, (header, message) in enumerate(cases.items()):
        f = tmp_path / f"h{i}.npy"
        header = header + b" " * (117 - len(header)) + b"\n"
        f.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little")
                      + header + X.tobytes())
        expect_error(run(tool, add, f, y), f"'{f}'", message)
    magic = tmp_path / "magic.npy"
    magic.write_bytes(b"\x93NUMPX" + X.tobytes())
    expect_error(run(tool, add, magic, y), "not a .npy file (bad magic)")
    v9 = tmp_path / "v9.npy"
    v9.write_bytes(b"\x93NUMPY\x09\x00" + b"\0" * 40)
    expect_error(run(tool, add, v9, y), "unsupported .npy format version 9.0")


def test_error_unsupported_npy_dtypes(tool, add, tmp_path):
    y = save(tmp_path / "y.npy", Y)
    c = save(tmp_path / "c.npy", X.astype(np.complex64))
    expect_error(run(tool, add, c, y), f"'{c}'",
                 "unsupported .npy dtype '<c8' (supported: <f2 <f4")
    s = save(tmp_path / "s.npy", np.array(["ab"]))
    expect_error(run(tool, add, s, y), "unsupported .npy dtype '<U2'")
    rec = save(tmp_path / "rec.npy", np.zeros(2, [("a", "<f4"), ("b", "<i4")]))
    expect_error(run(tool, add, rec, y), "structured arrays are not supported")
    be = save(tmp_path / "be.npy", X.astype(">f4"))
    expect_error(run(tool, add, be, y), f"'{be}'",
                 "big-endian dtype '>f4' is not supported")
    fo = save(tmp_path / "fo.npy", np.asfortranarray(X))
    expect_error(run(tool, add, fo, y), f"'{fo}'",
                 "fortran_order is True (column-major)")


def test_error_bad_pb(tool, add, tmp_path):
    y = save(tmp_path / "y.npy", Y)
    garbage = tmp_path / "g.pb"
    garbage.write_bytes(b"\xff\xff\xff\xff")
    expect_error(run(tool, add, garbage, y), f"'{garbage}'",
                 "not a .npy file or an ONNX TensorProto")
    untyped = save_pb(tmp_path / "u.pb", TensorProto(name="x", dims=[2, 3]))
    expect_error(run(tool, add, untyped, y), "TensorProto has no data_type")
    strings = save_pb(tmp_path / "s.pb", helper.make_tensor(
        "x", TensorProto.STRING, [1], [b"a"]))
    expect_error(run(tool, add, strings, y),
                 "unsupported TensorProto data_type STRING (8)")
    ext = numpy_helper.from_array(X, "x")
    onnx.external_data_helper.set_external_data(ext, location="x.bin")
    ext.data_location = TensorProto.EXTERNAL
    ext.ClearField("raw_data")
    ext = save_pb(tmp_path / "ext.pb", ext)
    expect_error(run(tool, add, ext, y), f"'{ext}'", "uses external data")
    raw = save_pb(tmp_path / "raw.pb", TensorProto(
        data_type=TensorProto.FLOAT, dims=[2, 3], raw_data=b"\0" * 20))
    expect_error(run(tool, add, raw, y), "raw_data has 20 bytes, but FLOAT "
                 "(1) [2, 3] needs 24")
    few = TensorProto(data_type=TensorProto.FLOAT, dims=[2, 3])
    few.float_data.extend([1.0] * 5)
    few = save_pb(tmp_path / "few.pb", few)
    expect_error(run(tool, add, few, y), "float_data has 5 values, but FLOAT "
                 "(1) [2, 3] needs 6")
    wrong = TensorProto(data_type=TensorProto.FLOAT, dims=[2])
    wrong.int64_data.extend([1, 2])
    wrong = save_pb(tmp_path / "wrong.pb", wrong)
    expect_error(run(tool, add, wrong, y), "has values in a field other than "
                 "float_data")
    big = TensorProto(data_type=TensorProto.INT8, dims=[2])
    big.int32_data.extend([1, 200])
    big = save_pb(tmp_path / "big.pb", big)
    expect_error(run(tool, add, big, y),
                 "int32_data[1] = 200 is out of range for INT8 (3)")
    neg = save_pb(tmp_path / "neg.pb", TensorProto(
        data_type=TensorProto.FLOAT, dims=[-1], raw_data=b""))
    expect_error(run(tool, add, neg, y), "negative dimension in shape [-1]")


def test_error_bad_bool_values(tool, models, tmp_path):
    files = dtype_files(tmp_path, "npy")
    b = tmp_path / "in_bool.npy"
    data = bytearray(b.read_bytes())
    data[-1] = 2
    b.write_bytes(bytes(data))
    expect_error(run(tool, models["dtypes"], *files), f"'{b}'",
                 "bool element 2 has byte value 2 (expected 0 or 1)")


def test_error_input_count_and_names(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    expect_error(run(tool, add, x, y, x),
                 "the model has 2 inputs but 3 input files were given")
    expect_error(run(tool, add, x), "no file for input 1 'y in' (f32 [2, 3]); "
                 "give it positionally, with --input NAME=FILE, or use "
                 "--random-seed N")
    expect_error(run(tool, add, "--input", f"z={x}"),
                 "--input 'z': the model has no input of that name (inputs: "
                 "'x', 'y in')")
    expect_error(run(tool, add, x, y, "--input", f"x={y}"),
                 f"input 0 'x' is given twice ('{x}' and '{y}')")
    expect_error(run(tool, add, "--input", "x"),
                 "--input expects NAME=FILE, got 'x'")


def test_error_shape_and_dtype_mismatch_from_runtime(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    wrong = save(tmp_path / "w.npy", Y.reshape(3, 2))
    line = expect_error(run(tool, add, x, wrong), "y in")
    assert "3" in line and "2" in line
    f64 = save(tmp_path / "d.npy", Y.astype(np.float64))
    line = expect_error(run(tool, add, x, f64), "y in")
    assert "f64" in line and "f32" in line


def test_error_options(tool, add, tmp_path):
    x, y = xy_files(tmp_path)
    expect_error(run(tool), "no model given")
    expect_error(run(tool, add, "--bogus"), "unknown option '--bogus'")
    expect_error(run(tool, add, x, y, "--rtol", "abc"),
                 "--rtol expects a non-negative number, got 'abc'")
    expect_error(run(tool, add, x, y, "--atol", "-1"),
                 "--atol expects a non-negative number, got '-1'")
    expect_error(run(tool, add, x, y, "--repeat", "0"),
                 "--repeat expects an integer >= 1, got '0'")
    expect_error(run(tool, add, "--random-seed", "x"),
                 "--random-seed expects an integer >= 0, got 'x'")
    expect_error(run(tool, add, x, y, "--output-dir"),
                 "--output-dir needs a value")
    expect_error(run(tool, add, x, y, "--info=1"), "--info takes no value")
    expect_error(run(tool, add, x, y, "--expected"),
                 "--expected needs at least one file")
    expect_error(run(tool, add, x, y, "--expected", x, "--expected-dir",
                     tmp_path), "give either --expected or --expected-dir")
    expect_error(run(tool, add, x, y, "--expected", x),
                 "1 expected file given but the model has 2 outputs")
    expect_error(run(tool, add, x, y, "--expected-dir", tmp_path / "none"),
                 "is not a directory")
    expect_error(run(tool, add, x, y, "--expected-dir", tmp_path),
                 f"no expected file for output 0 in '{tmp_path}' (looked for "
                 "output_0.pb, output_0.npy, sum.npy, sum.pb)")
    expect_error(run(tool, add, x, y, "--expected", tmp_path / "e.npy", y),
                 "cannot open")
    blocker = tmp_path / "file"
    blocker.write_text("")
    expect_error(run(tool, add, x, y, "--output-dir", blocker / "sub"),
                 "cannot create --output-dir")
    r = run(tool, "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: dsk-run")
