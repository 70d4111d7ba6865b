"""Checks of the ONNX node-test runner (test/onnx/node_tests.py): the
expected-failure lists, classification and reporting, with fake tools in
place of dsk-compile."""

import importlib.util
import io
import os
import stat
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "test" / "onnx" / "node_tests.py"
_spec = importlib.util.spec_from_file_location("node_tests", RUNNER)
nt = importlib.util.module_from_spec(_spec)
sys.modules["node_tests"] = nt  # dataclasses and worker pickling look it up
_spec.loader.exec_module(nt)


def test_parse_expected_skips_comments_and_blank_lines():
    text = """# header
test_a: unsupported operator

  # indented comment
test_b:   input #0 (data) is required: really
test_c:
"""
    assert nt.parse_expected(text) == {
        "test_a": "unsupported operator",
        # Only the first colon separates; '#' inside a reason is kept.
        "test_b": "input #0 (data) is required: really",
        "test_c": "",
    }


@pytest.mark.parametrize("bad", ["no colon here", ": reason", "bad name: x"])
def test_parse_expected_rejects_malformed_lines(bad):
    with pytest.raises(ValueError, match="list.txt:2"):
        nt.parse_expected("# ok\n" + bad + "\n", "list.txt")


def test_parse_expected_rejects_repeats():
    with pytest.raises(ValueError, match="listed twice"):
        nt.parse_expected("test_a: x\ntest_a: y\n")


def test_format_expected_round_trips_sorted_one_line_reasons():
    failures = {"test_b": "multi\nline   reason", "test_a": "r", "test_c": ""}
    text = nt.format_expected(failures, "current", "import")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines == ["test_a: r", "test_b: multi line reason", "test_c:"]
    assert "--dsk-run" not in text
    assert "--stage run --dsk-compile PATH --dsk-run PATH" in (
        nt.format_expected({}, "debian", "run")
    )
    assert nt.parse_expected(text) == {
        "test_a": "r",
        "test_b": "multi line reason",
        "test_c": "",
    }


def test_error_reason_strips_the_location():
    output = (
        "/data/node/test_x/model.onnx:0:0: error: node 'n' (Foo, domain "
        "'ai.onnx', opset 13): unsupported operator\nmore\n"
    )
    assert nt.error_reason(output) == (
        "node 'n' (Foo, domain 'ai.onnx', opset 13): unsupported operator"
    )
    assert nt.error_reason("\n  error: cannot open x\n") == "cannot open x"
    assert nt.error_reason("") == ""


def results(passed, failed):
    return [nt.Result(n, True) for n in passed] + [
        nt.Result(n, False, f"why {n}", f"detail {n}") for n in failed
    ]


def test_classify_all_as_expected():
    summary = nt.classify(results(["a", "b"], ["c"]), {"c": "known"})
    assert summary.ok
    assert summary.passed == ["a", "b"]
    assert [r.name for r in summary.failed] == ["c"]


def test_classify_unexpected_failure_pass_and_stale_entry():
    expected = {"b": "used to fail", "c": "known", "gone": "no such case"}
    summary = nt.classify(results(["a", "b"], ["c", "d"]), expected)
    assert not summary.ok
    assert [r.name for r in summary.unexpected_failures] == ["d"]
    assert summary.unexpected_passes == ["b"]
    assert summary.stale == ["gone"]
    # With a filter, entries for cases not run are not stale.
    assert nt.classify(results([], ["c"]), expected, check_stale=False).stale == []


def test_report_ends_with_the_rate_and_explains_each_surprise():
    summary = nt.classify(results(["a", "b"], ["c", "d"]), {"b": "", "c": ""})
    out = io.StringIO()
    nt.report(summary, "import[x]", out)
    text = out.getvalue()
    assert "FAIL (not in the list) d: why d" in text
    assert "    detail d" in text
    assert "PASS b: now passes: remove it from the list" in text
    assert text.splitlines()[-1].startswith("import[x]: pass rate 50.0% (2 of 4)")


def fake_tool(tmp_path, body):
    path = tmp_path / "fake-dsk-compile"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def make_cases(root, names):
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "model.onnx").write_bytes(b"")
    (root / "not_a_case").mkdir()


def test_run_tool_classifies_exit_status_crash_and_timeout(tmp_path):
    ok = nt.run_tool([fake_tool(tmp_path, "exit 0")], 10, "t")
    assert ok.passed
    err = nt.run_tool(
        [fake_tool(tmp_path, "echo 'm.onnx:0:0: error: bad thing' >&2; exit 1")],
        10,
        "t",
    )
    assert not err.passed and err.reason == "bad thing"
    crash = nt.run_tool([fake_tool(tmp_path, "kill -SEGV $$")], 10, "t")
    assert not crash.passed and crash.reason == "crashed (SIGSEGV)"
    slow = nt.run_tool([fake_tool(tmp_path, "sleep 5")], 0.2, "t")
    assert not slow.passed and slow.reason.startswith("timed out")
    missing = nt.run_tool([str(tmp_path / "nope")], 10, "t")
    assert not missing.passed and missing.reason.startswith("cannot run")


def run_main(tmp_path, capsys, tool, *extra):
    code = nt.main(
        [
            "--edition",
            "debian",
            "--data",
            str(tmp_path / "cases"),
            "--dsk-compile",
            tool,
            "--jobs",
            "2",
            *extra,
        ]
    )
    return code, capsys.readouterr().out.splitlines()


def test_main_update_then_check(tmp_path, capsys):
    make_cases(tmp_path / "cases", ["test_good", "test_bad"])
    # Fails for models under a folder named test_bad.
    tool = fake_tool(
        tmp_path,
        'case "$1" in */test_bad/*) echo "x:1:2: error: nope" >&2; exit 1;; '
        "esac; exit 0",
    )
    listing = tmp_path / "list.txt"
    code, out = run_main(
        tmp_path, capsys, tool, "--expected-failures", str(listing), "--update"
    )
    assert code == 0
    assert out[-1] == "1 passed, 1 failed"
    assert nt.parse_expected(listing.read_text()) == {"test_bad": "nope"}

    code, out = run_main(tmp_path, capsys, tool, "--expected-failures", str(listing))
    assert code == 0 and out[-1] == "1 passed, 1 failed"

    # The bad case is fixed: the run fails until the list is updated.
    code, out = run_main(
        tmp_path, capsys, fake_tool(tmp_path, "exit 0"),
        "--expected-failures", str(listing),
    )
    assert code == 1
    assert any("test_bad: now passes" in line for line in out)
    assert out[-1] == "2 passed, 0 failed"


def test_main_unlisted_failure_fails_the_run(tmp_path, capsys):
    make_cases(tmp_path / "cases", ["test_a"])
    code, out = run_main(tmp_path, capsys, fake_tool(tmp_path, "exit 3"))
    assert code == 1
    assert out[0] == "FAIL (not in the list) test_a: exit status 3"
    assert out[-1] == "0 passed, 1 failed"


def test_main_skips_a_missing_edition(tmp_path, capsys):
    code, out = run_main(tmp_path, capsys, fake_tool(tmp_path, "exit 0"))
    assert code == nt.SKIP
    assert out[-1].startswith("SKIP")


def test_case_tolerances(tmp_path):
    case = nt.Case("t", tmp_path)
    assert case.tolerances() == (1e-3, 1e-7)
    (tmp_path / "case.json").write_text('{"rtol": 0.5, "atol": 0.25}')
    assert case.tolerances() == (0.5, 0.25)
    os.makedirs(tmp_path / "test_data_set_1")
    os.makedirs(tmp_path / "test_data_set_0")
    assert [p.name for p in case.data_sets()] == ["test_data_set_0", "test_data_set_1"]


# ---------------------------------------------------------------------------
# Stage run
# ---------------------------------------------------------------------------

# dsk-run's report when outputs differ (tools/dsk-run compare()).
ELEMENTS_FAIL = (
    "output 0 'y': FAIL: 3 of 60 elements differ (rtol 0.001, atol 1e-07); "
    "worst at flat index 5 [0, 1, 1]: actual 1.5, expected 2, abs error 0.5, "
    "rel error 0.25"
)
LAYOUT_FAIL = (
    "output 1 'z': FAIL: '/d/test_data_set_0/output_1.pb' has f32[3], the "
    "output is f32[4]"
)


def test_mismatch_reason_shortens_the_first_failing_output():
    output = f"{ELEMENTS_FAIL}\n0 outputs matched, 1 mismatched\n"
    assert nt.mismatch_reason(output) == (
        "mismatch: output 0 'y': 3 of 60 elements differ, worst at [0, 1, 1]: "
        "1.5 instead of 2"
    )
    output = (
        "output 0 'a': PASS (4 elements, max abs error 0)\n"
        f"{LAYOUT_FAIL}\n{ELEMENTS_FAIL}\n1 outputs matched, 2 mismatched\n"
    )
    assert nt.mismatch_reason(output) == (
        "mismatch: output 1 'z': expected f32[3], got f32[4] (and 1 more output)"
    )
    assert nt.mismatch_reason("output 0 'a': PASS (4 elements)\n") == ""


def test_step_failure_names_the_step():
    detail = "m.onnx:0:0: error: bad op\ndsk-compile: error: stage failed\n"
    failed = nt.Result("t", False, nt.error_reason(detail), detail)
    assert nt.step_failure("compile", failed).reason == "compile: bad op"
    crash = nt.Result("t", False, "crashed (SIGSEGV)", "")
    assert nt.step_failure("run", crash).reason == "run: crashed (SIGSEGV)"
    detail = "dsk-run: error: input 0 'x' has dtype u16, expected bf16\n"
    error = nt.Result("t", False, nt.error_reason(detail), detail)
    assert nt.step_failure("run", error, "test_data_set_1").reason == (
        "run: input 0 'x' has dtype u16, expected bf16 [test_data_set_1]"
    )
    # A mismatch is told by dsk-run's closing line, not by the exit status.
    detail = f"{ELEMENTS_FAIL}\n0 outputs matched, 1 mismatched\n"
    mismatch = nt.Result("t", False, nt.error_reason(detail), detail)
    assert nt.step_failure("run", mismatch).reason.startswith(
        "mismatch: output 0 'y': 3 of 60 elements differ"
    )
    truncated = nt.Result("t", False, "crashed (SIGABRT)", ELEMENTS_FAIL)
    assert nt.step_failure("run", truncated).reason == "run: crashed (SIGABRT)"


def test_value_kinds_reason_rejects_sequences_maps_and_optionals():
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    tensor = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    seq = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, [2])
    opt = helper.make_value_info(
        "o",
        helper.make_optional_type_proto(
            helper.make_tensor_type_proto(TensorProto.FLOAT, [2])
        ),
    )

    def model(inputs, outputs):
        graph = helper.make_graph([], "g", inputs, outputs)
        return helper.make_model(graph)

    assert nt.value_kinds_reason(model([tensor], [tensor])) == ""
    assert nt.value_kinds_reason(model([seq], [tensor])) == (
        "inputs are not tensors: 's' is a sequence"
    )
    assert nt.value_kinds_reason(model([tensor], [opt])) == (
        "outputs are not tensors: 'o' is an optional"
    )


def test_data_set_inputs_are_in_index_order(tmp_path):
    for name in ["input_10.pb", "input_2.pb", "input_0.pb", "output_0.pb"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in nt.data_set_inputs(tmp_path)] == [
        "input_0.pb",
        "input_2.pb",
        "input_10.pb",
    ]


def make_run_case(root, name, sets, tolerances=None):
    """A case whose model.onnx is an empty (valid, input-less) ModelProto."""
    case = root / name
    case.mkdir(parents=True)
    (case / "model.onnx").write_bytes(b"")
    if tolerances:
        (case / "case.json").write_text(
            '{"rtol": %r, "atol": %r}' % tolerances
        )
    for i, inputs in enumerate(sets):
        set_dir = case / f"test_data_set_{i}"
        set_dir.mkdir()
        for j in range(inputs):
            (set_dir / f"input_{j}.pb").write_bytes(b"")
    return nt.Case(name, case)


def fake_run_tools(tmp_path, run_body):
    """A dsk-compile that writes its -o file and a dsk-run that logs its
    arguments, one line per call, then runs `run_body`."""
    compile_tool = tmp_path / "fake-compile"
    compile_tool.write_text(
        '#!/bin/sh\ncase "$2" in *fails*) echo "m:1:2: error: no" >&2; '
        'exit 1;; esac\necho "$@" >> "%s"\n: > "$4"\n' % (tmp_path / "log")
    )
    run_tool = tmp_path / "fake-run"
    run_tool.write_text(
        '#!/bin/sh\necho "$@" >> "%s"\n%s\n' % (tmp_path / "log", run_body)
    )
    for tool in (compile_tool, run_tool):
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return nt.Options(str(compile_tool), 10, str(run_tool), 1)


def test_stage_run_compiles_once_and_runs_every_set(tmp_path):
    case = make_run_case(tmp_path, "test_ok", [2, 2], (0.5, 0.25))
    options = fake_run_tools(tmp_path, "exit 0")
    assert nt.stage_run(case, options) == nt.Result("test_ok", True)
    compile_line, *runs = (tmp_path / "log").read_text().splitlines()
    assert compile_line.startswith(f"-O1 {case.model} -o ")
    library = compile_line.split()[-1]
    assert not Path(library).exists()  # the temporary folder is gone
    assert runs == [
        f"{library} {case.path}/test_data_set_{i}/input_0.pb "
        f"{case.path}/test_data_set_{i}/input_1.pb --expected-dir "
        f"{case.path}/test_data_set_{i} --rtol 0.5 --atol 0.25"
        for i in range(2)
    ]


def test_stage_run_reasons(tmp_path):
    options = fake_run_tools(
        tmp_path, 'echo "dsk-run: error: cannot load $1" >&2; exit 1'
    )
    assert nt.stage_run(make_run_case(tmp_path, "fails", [1]), options).reason == (
        "compile: no"
    )
    # The first set fails to run; the library's path is not in the reason.
    assert nt.stage_run(make_run_case(tmp_path, "a", [1]), options).reason == (
        "run: cannot load model.so"
    )
    options = fake_run_tools(
        tmp_path,
        # With one input, $4 is the --expected-dir folder.
        'case "$4" in *set_1*) echo "%s"; echo "0 outputs matched, 1 '
        'mismatched"; exit 1;; esac; exit 0' % ELEMENTS_FAIL,
    )
    result = nt.stage_run(make_run_case(tmp_path, "b", [1, 1]), options)
    assert result.reason.startswith("mismatch: output 0 'y': 3 of 60")
    assert result.reason.endswith("[test_data_set_1]")
    assert nt.stage_run(make_run_case(tmp_path, "c", []), options).reason == (
        "no test_data_set_* folders"
    )


def test_main_run_stage_needs_dsk_run(tmp_path, capsys):
    make_cases(tmp_path / "cases", ["test_a"])
    code, _ = run_main(
        tmp_path, capsys, fake_tool(tmp_path, "exit 0"), "--stage", "run"
    )
    assert code == 2
