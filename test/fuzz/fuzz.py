#!/usr/bin/env python3
"""Runs dsk's libFuzzer targets: a deterministic replay for ctest, or a
time-boxed fuzzing session.

  fuzz.py replay --fuzzer BIN --corpus DIR --regressions DIR [--mutations N]
      Every seed and regression input once, then N mutations with -seed=1
      (new inputs go to a scratch folder, never into the corpus). Fails on
      any crash, sanitizer report, leak or timeout.

  fuzz.py run --bin-dir DIR --corpus-root DIR --work DIR --seconds S
              [--targets a,b] [--jobs J]
      Each target fuzzes for S seconds from its seeds and the inputs earlier
      sessions found (kept under --work), J targets at a time. Prints
      executions, coverage and crashes per target; a crash is saved under
      --work/<target>/crashes/ and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TARGETS = ("onnx-import", "onnx-compile", "mlir-lower", "metadata",
           "tensor-file")

# Per-input limits: a compile that takes this long, or this much memory, is a
# finding in itself.
COMMON_FLAGS = ["-timeout=60", "-rss_limit_mb=4096", "-print_final_stats=1"]
MAX_LEN = {"onnx-import": 65536, "onnx-compile": 16384,
           "mlir-lower": 16384, "metadata": 16384, "tensor-file": 65536}


def fuzzer_binary(bin_dir: Path, target: str) -> Path:
    return bin_dir / f"dsk-fuzz-{target}"


def count_units(folders: list[Path]) -> int:
    return sum(1 for folder in folders if folder.is_dir()
               for entry in folder.iterdir() if entry.is_file())


def replay(args: argparse.Namespace) -> int:
    folders = [args.corpus, args.regressions]
    units = count_units(folders)
    if units == 0:
        print(f"error: no inputs in {args.corpus} or {args.regressions}",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="dsk-fuzz-") as scratch:
        command = [str(args.fuzzer), "-seed=1",
                   f"-runs={units + args.mutations}",
                   f"-artifact_prefix={scratch}/", *COMMON_FLAGS, scratch,
                   *[str(folder) for folder in folders if folder.is_dir()]]
        result = subprocess.run(command, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                errors="replace")
    stats = parse_stats(result.stdout)
    print(f"{args.fuzzer.name}: {units} inputs + {args.mutations} mutations, "
          f"{stats.get('execs', '?')} executions, cov {stats.get('cov', '?')}"
          f", exit {result.returncode}")
    if result.returncode != 0:
        print(result.stdout[-20000:])
        print(f"{args.fuzzer.name}: FAILED (the input is named above; add it "
              f"to test/fuzz/regressions/ once fixed)")
    return 0 if result.returncode == 0 else 1


def parse_stats(log: str) -> dict[str, str]:
    stats: dict[str, str] = {}
    match = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
    if match:
        stats["execs"] = match.group(1)
    match = re.search(r"stat::average_exec_per_sec:\s*(\d+)", log)
    if match:
        stats["per_sec"] = match.group(1)
    # The last status line holds the final coverage and corpus size.
    for line in log.splitlines():
        cov = re.search(r"\bcov: (\d+) ft: (\d+) corp: (\d+)", line)
        if cov:
            stats["cov"], stats["ft"], stats["corp"] = cov.groups()
    return stats


def fuzz_one(target: str, args: argparse.Namespace) -> tuple[str, dict, int]:
    work = args.work / target
    found = work / "corpus"
    crashes = work / "crashes"
    found.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    command = [str(fuzzer_binary(args.bin_dir, target)),
               f"-max_total_time={args.seconds}",
               f"-max_len={MAX_LEN[target]}",
               f"-artifact_prefix={crashes}/", *COMMON_FLAGS,
               str(found), str(args.corpus_root / target)]
    log_path = work / "last-run.log"
    with open(log_path, "w") as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    stats = parse_stats(log_path.read_text(errors="replace"))
    stats["crashes"] = str(sum(1 for _ in crashes.iterdir()))
    return target, stats, result.returncode


def run(args: argparse.Namespace) -> int:
    targets = args.targets.split(",") if args.targets else list(TARGETS)
    for target in targets:
        if target not in TARGETS:
            print(f"error: no fuzz target '{target}' (targets: "
                  f"{', '.join(TARGETS)})", file=sys.stderr)
            return 2
        if not fuzzer_binary(args.bin_dir, target).exists():
            print(f"error: {fuzzer_binary(args.bin_dir, target)} is not built",
                  file=sys.stderr)
            return 2
    print(f"fuzzing {', '.join(targets)} for {args.seconds} s each, "
          f"{args.jobs} at a time")
    failed = False
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for target, stats, code in pool.map(lambda t: fuzz_one(t, args),
                                            targets):
            print(f"{target:13s} executions {stats.get('execs', '?'):>9s} "
                  f"({stats.get('per_sec', '?')}/s)  cov "
                  f"{stats.get('cov', '?')}  ft {stats.get('ft', '?')}  "
                  f"corpus {stats.get('corp', '?')}  crashes "
                  f"{stats['crashes']}  exit {code}")
            if code != 0:
                failed = True
                print(f"  log: {args.work / target / 'last-run.log'}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("replay")
    rep.add_argument("--fuzzer", type=Path, required=True)
    rep.add_argument("--corpus", type=Path, required=True)
    rep.add_argument("--regressions", type=Path, required=True)
    rep.add_argument("--mutations", type=int, default=0)
    fz = sub.add_parser("run")
    fz.add_argument("--bin-dir", type=Path, required=True)
    fz.add_argument("--corpus-root", type=Path, required=True)
    fz.add_argument("--work", type=Path, required=True)
    fz.add_argument("--seconds", type=int, default=60)
    fz.add_argument("--targets", default="")
    fz.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    return replay(args) if args.command == "replay" else run(args)


if __name__ == "__main__":
    sys.exit(main())
