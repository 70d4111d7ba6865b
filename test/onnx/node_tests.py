#!/usr/bin/env python3
"""Runs dsk-compile over the ONNX node tests and checks the outcome against a
list of expected failures.

Editions:
  debian   the cases Debian ships in libonnx-testdata (opsets <= 17)
  current  the node cases of the installed `onnx` package, written once per
           onnx version into a cache folder (--data)

Stages (each case passes or fails one stage):
  import   dsk-compile model.onnx --emit=onnx-ir: the model imports and the
           IR verifies
  run      dsk-compile model.onnx -o model.so, then dsk-run on every
           test_data_set_* (inputs in order, outputs compared with the set's
           output_*.pb within the case's tolerances); the reason names the
           step that failed: `compile: ...`, `run: ...` or `mismatch: ...`

The expected-failure list holds one `case_name: reason` per line (lines that
start with # are comments). A case that fails and is not listed, and a listed
case that passes, both fail the run; --update rewrites the list from what
fails now. The last line printed is always `N passed, N failed`.

Exit status: 0 as expected, 1 on unexpected results, 2 on usage errors,
77 when the edition's data is not available (ctest's SKIP_RETURN_CODE).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable

DEBIAN_NODE_DIR = Path("/usr/share/libonnx-testdata/data/node")
DEFAULT_CURRENT_DATA = (
    Path(__file__).resolve().parents[2] / "build" / "onnx-node-current"
)
STAMP_FILE = "onnx-version.txt"
SKIP = 77
DETAIL_LINES = 20


# ---------------------------------------------------------------------------
# Cases and results
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One node test: a folder with model.onnx and test_data_set_*/."""

    name: str
    path: Path

    @property
    def model(self) -> Path:
        return self.path / "model.onnx"

    def data_sets(self) -> list[Path]:
        return sorted(self.path.glob("test_data_set_*"))

    def tolerances(self) -> tuple[float, float]:
        """(rtol, atol) for comparing outputs; the ONNX defaults unless the
        case says otherwise (case.json, written for the current edition)."""
        info = self.path / "case.json"
        if info.exists():
            data = json.loads(info.read_text())
            return float(data.get("rtol", 1e-3)), float(data.get("atol", 1e-7))
        return 1e-3, 1e-7


@dataclasses.dataclass(frozen=True)
class Options:
    """What the stages need to know, shipped to the worker processes."""

    dsk_compile: str
    timeout: float
    dsk_run: str | None = None
    opt_level: int = 0


@dataclasses.dataclass(frozen=True)
class Result:
    name: str
    passed: bool
    reason: str = ""  # one line: the expected-failure list's reason
    detail: str = ""  # the full output, shown for unexpected failures


def discover(root: Path, pattern: str | None = None) -> list[Case]:
    """The cases under `root` (folders holding model.onnx), by name."""
    regex = re.compile(pattern) if pattern else None
    cases = []
    for entry in sorted(root.iterdir()):
        if not (entry / "model.onnx").is_file():
            continue
        if regex and not regex.search(entry.name):
            continue
        cases.append(Case(entry.name, entry))
    return cases


# ---------------------------------------------------------------------------
# Running tools
# ---------------------------------------------------------------------------

_DIAG_PREFIX = re.compile(r"^.*?:\d+:\d+: error: ")
_TOOL_PREFIX = re.compile(r"^[\w.+-]+: error: ")


def error_reason(output: str) -> str:
    """The first line of a dsk-compile error, without the file location."""
    for line in output.splitlines():
        line = line.strip()
        if not line:
            continue
        line = _DIAG_PREFIX.sub("", line, count=1)
        line = _TOOL_PREFIX.sub("", line, count=1)
        if line.startswith("error: "):
            line = line[len("error: ") :]
        return line
    return ""


def run_tool(cmd: list[str], timeout: float, name: str) -> Result:
    """Runs one command; it passes when it exits with status 0."""
    try:
        proc = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Result(name, False, f"timed out after {timeout:g} s")
    except OSError as err:
        return Result(name, False, f"cannot run {cmd[0]}: {err}")
    output = proc.stdout.decode("utf-8", errors="replace")
    if proc.returncode == 0:
        return Result(name, True)
    if proc.returncode < 0:
        try:
            signame = signal.Signals(-proc.returncode).name
        except ValueError:
            signame = f"signal {-proc.returncode}"
        return Result(name, False, f"crashed ({signame})", output)
    reason = error_reason(output) or f"exit status {proc.returncode}"
    return Result(name, False, reason, output)


# ---------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------


def stage_import(case: Case, options: Options) -> Result:
    return run_tool(
        [options.dsk_compile, str(case.model), "--emit=onnx-ir", "-o", os.devnull],
        options.timeout,
        case.name,
    )


_INPUT_INDEX = re.compile(r"input_(\d+)\.pb")
# dsk-run's report of an output that does not match (see compare() there).
_MISMATCH = re.compile(r"^(output \d+ '.*'): FAIL: (.*)$")
_ELEMENTS = re.compile(
    r"^(\d+ of \d+ elements differ)(?: \(rtol [^)]*\))?; worst at flat "
    r"index \d+ (\[[^\]]*\]): actual (\S+), expected (\S+),"
)
_LAYOUT = re.compile(r"^'.*' has (.*), the output is (.*)$")
# dsk-run's last line after comparing every output.
_COMPARED = re.compile(r"^\d+ outputs matched, \d+ mismatched$")


_VALUE_KINDS = {
    None: "untyped",
    "sequence_type": "a sequence",
    "map_type": "a map",
    "optional_type": "an optional",
    "sparse_tensor_type": "a sparse tensor",
}


def value_kinds_reason(model) -> str:
    """Why a case's data sets cannot be fed to dsk-run: a graph input or
    output that is not a tensor (sequence, map, optional); "" when all are
    tensors. `model` is an onnx ModelProto."""
    graph = model.graph
    initialized = {init.name for init in graph.initializer}
    values = [("inputs", v) for v in graph.input if v.name not in initialized]
    values += [("outputs", v) for v in graph.output]
    for role, value in values:
        kind = value.type.WhichOneof("value")
        if kind != "tensor_type":
            what = _VALUE_KINDS.get(kind, f"a {kind}")
            return f"{role} are not tensors: '{value.name}' is {what}"
    return ""


def non_tensor_reason(model_path: Path) -> str:
    """value_kinds_reason() of a model file; "" when the onnx package is
    missing (dsk-compile then rejects such models itself)."""
    try:
        import onnx
    except ImportError:
        return ""
    return value_kinds_reason(onnx.load(str(model_path), load_external_data=False))


def mismatch_reason(output: str) -> str:
    """One line from dsk-run's comparison report: the first output that does
    not match (shortened), and how many more do not; "" when none failed."""
    failures = []
    for line in output.splitlines():
        match = _MISMATCH.match(line.strip())
        if not match:
            continue
        label, what = match.groups()
        elements = _ELEMENTS.match(what)
        layout = _LAYOUT.match(what)
        if elements:
            count, index, actual, expected = elements.groups()
            what = f"{count}, worst at {index}: {actual} instead of {expected}"
        elif layout:
            what = f"expected {layout.group(1)}, got {layout.group(2)}"
        failures.append(f"{label}: {what}")
    if not failures:
        return ""
    more = len(failures) - 1
    suffix = f" (and {more} more output{'s' if more > 1 else ''})" if more else ""
    return f"mismatch: {failures[0]}{suffix}"


def step_failure(step: str, result: Result, where: str = "") -> Result:
    """A failed compile or run step as the case's result. A run that
    exits 1 after reporting outputs that differ is a mismatch; everything
    else (errors, crashes, timeouts) is prefixed with the step's name."""
    reason = ""
    lines = result.detail.strip().splitlines()
    if step == "run" and lines and _COMPARED.match(lines[-1]):
        reason = mismatch_reason(result.detail)
    if not reason:
        reason = f"{step}: {result.reason}"
    if where:
        reason += f" [{where}]"
    return Result(result.name, False, reason, result.detail)


def data_set_inputs(data_set: Path) -> list[Path]:
    """The set's input_<i>.pb files, by index (input_10 after input_9)."""
    indexed = []
    for path in data_set.iterdir():
        match = _INPUT_INDEX.fullmatch(path.name)
        if match:
            indexed.append((int(match.group(1)), path))
    return [path for _, path in sorted(indexed)]


def stage_run(case: Case, options: Options) -> Result:
    if not options.dsk_run:
        return Result(case.name, False, "the run stage needs --dsk-run")
    data_sets = case.data_sets()
    if not data_sets:
        return Result(case.name, False, "no test_data_set_* folders")
    reason = non_tensor_reason(case.model)
    if reason:
        return Result(case.name, False, reason)
    rtol, atol = case.tolerances()
    with tempfile.TemporaryDirectory(prefix=f"dsk-{case.name}-") as tmp:
        library = os.path.join(tmp, "model.so")
        compiled = run_tool(
            [
                options.dsk_compile,
                f"-O{options.opt_level}",
                str(case.model),
                "-o",
                library,
            ],
            options.timeout,
            case.name,
        )
        if not compiled.passed:
            return step_failure("compile", compiled)
        for data_set in data_sets:
            ran = run_tool(
                [options.dsk_run, library]
                + [str(p) for p in data_set_inputs(data_set)]
                + ["--expected-dir", str(data_set)]
                + ["--rtol", repr(rtol), "--atol", repr(atol)],
                options.timeout,
                case.name,
            )
            if not ran.passed:
                # The temporary folder's name differs from run to run.
                ran = dataclasses.replace(
                    ran, reason=ran.reason.replace(library, "model.so")
                )
                where = data_set.name if len(data_sets) > 1 else ""
                return step_failure("run", ran, where)
    return Result(case.name, True)


# A stage maps a case to a Result; it runs in a worker process.
STAGES: dict[str, Callable[[Case, Options], Result]] = {
    "import": stage_import,
    "run": stage_run,
}


def _run_case(job: tuple[str, Case, Options]) -> Result:
    stage, case, options = job
    try:
        return STAGES[stage](case, options)
    except Exception as err:  # a runner bug must not hide the other cases
        return Result(case.name, False, f"runner error: {err!r}")


def run_cases(
    stage: str, cases: list[Case], options: Options, jobs: int
) -> list[Result]:
    work = [(stage, case, options) for case in cases]
    if jobs <= 1:
        return [_run_case(job) for job in work]
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_run_case, work, chunksize=4))


# ---------------------------------------------------------------------------
# Expected-failure lists
# ---------------------------------------------------------------------------

_CASE_NAME = re.compile(r"[A-Za-z0-9_.+-]+")


def parse_expected(text: str, source: str = "<list>") -> dict[str, str]:
    """`case_name: reason` lines; blank lines and lines starting with # are
    skipped. Raises ValueError on malformed or repeated entries."""
    expected: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition(":")
        name = name.strip()
        if not sep or not _CASE_NAME.fullmatch(name):
            raise ValueError(
                f"{source}:{lineno}: expected 'case_name: reason', got {raw!r}"
            )
        if name in expected:
            raise ValueError(f"{source}:{lineno}: {name} is listed twice")
        expected[name] = reason.strip()
    return expected


def format_expected(failures: dict[str, str], edition: str, stage: str) -> str:
    lines = [
        f"# ONNX node tests expected to fail: stage '{stage}', edition "
        f"'{edition}'.",
        "# One 'case_name: reason' per line. Regenerate with",
        f"#   test/onnx/node_tests.py --edition {edition} --stage {stage} "
        "--dsk-compile PATH"
        + (" --dsk-run PATH" if stage == "run" else "")
        + " --expected-failures THIS_FILE --update",
    ]
    for name in sorted(failures):
        reason = " ".join(failures[name].split())
        lines.append(f"{name}: {reason}" if reason else f"{name}:")
    return "\n".join(lines) + "\n"


@dataclasses.dataclass
class Summary:
    passed: list[str]
    failed: list[Result]
    unexpected_failures: list[Result]
    unexpected_passes: list[str]
    stale: list[str]  # listed, but no such case was run

    @property
    def ok(self) -> bool:
        return not (self.unexpected_failures or self.unexpected_passes or self.stale)


def classify(
    results: Iterable[Result], expected: dict[str, str], check_stale: bool = True
) -> Summary:
    results = sorted(results, key=lambda r: r.name)
    names = {r.name for r in results}
    passed = [r.name for r in results if r.passed]
    failed = [r for r in results if not r.passed]
    return Summary(
        passed=passed,
        failed=failed,
        unexpected_failures=[r for r in failed if r.name not in expected],
        unexpected_passes=[n for n in passed if n in expected],
        stale=sorted(n for n in expected if n not in names) if check_stale else [],
    )


def report(summary: Summary, label: str, out=None) -> None:
    out = out or sys.stdout
    for result in summary.unexpected_failures:
        print(f"FAIL (not in the list) {result.name}: {result.reason}", file=out)
        detail = result.detail.strip().splitlines()
        for line in detail[:DETAIL_LINES]:
            print(f"    {line}", file=out)
        if len(detail) > DETAIL_LINES:
            print(f"    ... ({len(detail) - DETAIL_LINES} more lines)", file=out)
    for name in summary.unexpected_passes:
        print(f"PASS {name}: now passes: remove it from the list", file=out)
    for name in summary.stale:
        print(f"STALE {name}: no such case: remove it from the list", file=out)
    total = len(summary.passed) + len(summary.failed)
    rate = 100.0 * len(summary.passed) / total if total else 0.0
    print(
        f"{label}: pass rate {rate:.1f}% ({len(summary.passed)} of {total}); "
        f"{len(summary.unexpected_failures)} unexpected failures, "
        f"{len(summary.unexpected_passes)} unexpected passes, "
        f"{len(summary.stale)} stale entries",
        file=out,
    )


# ---------------------------------------------------------------------------
# Editions
# ---------------------------------------------------------------------------


class Unavailable(Exception):
    """The edition's data cannot be had on this machine."""


def _write_current_cases(out_dir: Path) -> int:
    """Writes the onnx package's node cases as model.onnx plus
    test_data_set_*/{input,output}_*.pb, and case.json (tolerances)."""
    import warnings

    warnings.filterwarnings("ignore")
    import numpy as np

    np.seterr(all="ignore")
    from onnx import TensorProto, numpy_helper
    from onnx.backend.test.case import node

    def serialize(value, info) -> bytes:
        kind = info.type.WhichOneof("value")
        if kind == "map_type":
            return numpy_helper.from_dict(value, info.name).SerializeToString()
        if kind == "sequence_type":
            return numpy_helper.from_list(value, info.name).SerializeToString()
        if kind == "optional_type":
            return numpy_helper.from_optional(value, info.name).SerializeToString()
        if isinstance(value, TensorProto):
            return value.SerializeToString()
        return numpy_helper.from_array(value, info.name).SerializeToString()

    count = 0
    for case in node.collect_testcases(None):
        if case.model is None:
            continue
        case_dir = out_dir / case.name
        case_dir.mkdir(parents=True, exist_ok=True)
        (case_dir / "model.onnx").write_bytes(case.model.SerializeToString())
        (case_dir / "case.json").write_text(
            json.dumps({"rtol": case.rtol, "atol": case.atol}, sort_keys=True)
        )
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets or []):
            set_dir = case_dir / f"test_data_set_{i}"
            set_dir.mkdir(exist_ok=True)
            for j, value in enumerate(inputs):
                (set_dir / f"input_{j}.pb").write_bytes(
                    serialize(value, graph.input[j])
                )
            for j, value in enumerate(outputs):
                (set_dir / f"output_{j}.pb").write_bytes(
                    serialize(value, graph.output[j])
                )
        count += 1
    return count


def prepare_current(data_dir: Path) -> Path:
    """The current edition's folder, (re)generated when the installed onnx
    version differs from the one that wrote it."""
    try:
        import onnx
    except ImportError as err:
        raise Unavailable(f"the onnx Python package is not installed ({err})")
    stamp = f"onnx {onnx.__version__}\n"
    stamp_path = data_dir / STAMP_FILE
    if stamp_path.exists() and stamp_path.read_text() == stamp:
        return data_dir
    print(f"writing the node cases of onnx {onnx.__version__} to {data_dir}")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = data_dir.with_name(f"{data_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        count = _write_current_cases(tmp)
        (tmp / STAMP_FILE).write_text(stamp)
        shutil.rmtree(data_dir, ignore_errors=True)
        try:
            tmp.rename(data_dir)
        except OSError:
            # Another run got there first; use it if it is the same version.
            if not (stamp_path.exists() and stamp_path.read_text() == stamp):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {count} cases")
    return data_dir


def edition_root(edition: str, data: Path | None) -> Path:
    if edition == "debian":
        root = data or DEBIAN_NODE_DIR
        if not root.is_dir():
            raise Unavailable(f"{root} does not exist (install libonnx-testdata)")
        return root
    return prepare_current(data or DEFAULT_CURRENT_DATA)


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--edition", choices=["debian", "current"], required=True)
    parser.add_argument("--stage", choices=sorted(STAGES), default="import")
    parser.add_argument("--dsk-compile", required=True, help="the dsk-compile binary")
    parser.add_argument("--dsk-run", help="the dsk-run binary (stage run)")
    parser.add_argument(
        "--opt-level",
        type=int,
        choices=range(4),
        default=0,
        help="dsk-compile -O level for stage run (default 0: fastest to "
        "compile; the models are tiny, so run time does not matter)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="the cases' folder (debian: default "
        f"{DEBIAN_NODE_DIR}; current: the cache, default {DEFAULT_CURRENT_DATA})",
    )
    parser.add_argument("--expected-failures", type=Path, help="the list file")
    parser.add_argument(
        "--update",
        action="store_true",
        help="rewrite the expected-failure list from the current failures",
    )
    parser.add_argument("--filter", help="only cases whose name matches this regex")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds per case (default 60)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    label = f"{args.stage}[{args.edition}]"
    if args.update and not args.expected_failures:
        print("--update needs --expected-failures", file=sys.stderr)
        return 2
    if args.update and args.filter:
        print("--update runs every case: drop --filter", file=sys.stderr)
        return 2
    if args.stage == "run" and not args.dsk_run:
        print("--stage run needs --dsk-run", file=sys.stderr)
        return 2
    expected: dict[str, str] = {}
    if args.expected_failures and args.expected_failures.exists():
        try:
            expected = parse_expected(
                args.expected_failures.read_text(), str(args.expected_failures)
            )
        except ValueError as err:
            print(err, file=sys.stderr)
            return 2
    elif args.expected_failures and not args.update:
        print(f"{args.expected_failures} does not exist", file=sys.stderr)
        return 2

    try:
        root = edition_root(args.edition, args.data)
    except Unavailable as err:
        print(f"SKIP {label}: {err}")
        return SKIP
    cases = discover(root, args.filter)
    if not cases:
        print(f"{label}: no cases under {root}", file=sys.stderr)
        return 2
    options = Options(args.dsk_compile, args.timeout, args.dsk_run, args.opt_level)
    results = run_cases(args.stage, cases, options, max(1, args.jobs))

    if args.update:
        failures = {r.name: r.reason for r in results if not r.passed}
        args.expected_failures.parent.mkdir(parents=True, exist_ok=True)
        args.expected_failures.write_text(
            format_expected(failures, args.edition, args.stage)
        )
        print(f"wrote {args.expected_failures} ({len(failures)} entries)")
        expected = failures

    summary = classify(results, expected, check_stale=not args.filter)
    report(summary, label)
    print(f"{len(summary.passed)} passed, {len(summary.failed)} failed")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
