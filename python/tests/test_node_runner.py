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
