#!/usr/bin/env python3
"""Benchmarks dsk-compiled models against ONNX Runtime on the CPU.

For each model: compile it with dsk-compile (timed), then time one inference
per run through the dsk Python binding (`dsk.load(lib)(...)`) and through an
ONNX Runtime session on the same .onnx file and the same inputs, for each
thread count T (dsk: Model.num_threads = T; ORT: intra_op_num_threads = T,
inter_op_num_threads = 1, sequential execution). The dsk and ORT runs are
interleaved (alternating which goes first) so that both see the same machine
noise; the table reports medians and the ratio dsk / ORT.

dsk runs with the same T: models compiled with parallel loops (dsk-compile's
default) get `Model.num_threads = T` (OpenMP threads for the outer loops of
large ops); a model without parallel loops runs on one thread, and the table
says so.

  run_bench.py [--models DIR] [--runs N] [--warmup N] [--threads 1 2]
               [--opt 2] [--block 5] [--gap-ms 100] [--only NAME...]
               [--no-rss] [--json OUT]

See bench/README.md for the method.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "python"))
# Both sides keep their own default spinning policy (dsk's workers spin
# DSK_WORKER_SPIN_MS, ORT's allow_spinning = 1); timing.py runs them in
# alternating blocks so that neither side's spinning steals from the other.

import dsk  # noqa: E402
from timing import interleaved_blocks  # noqa: E402

EXPORTER = os.path.join(REPO, "test", "onnx", "export_torch_models.py")
TORCH_MODELS = ["bert_encoder", "gpt_decoder", "mha_block", "resnet18", "resnet50",
                "mobilenet_v2"]
# The bundled example (examples/msa_block): its ONNX model uses the dsk
# domain, which ONNX Runtime cannot run, so it has dsk timings only.
EXAMPLE_DIR = os.path.join(REPO, "examples", "msa_block")
EXAMPLES = {"example_msa_block": (os.path.join(EXAMPLE_DIR, "model.onnx"),
                                  {"x": os.path.join(EXAMPLE_DIR, "input.npy")})}


def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import onnxruntime

    return {"nproc": os.cpu_count(), "cpu": cpu,
            "onnxruntime": onnxruntime.__version__,
            "loadavg": os.getloadavg()}


def compile_model(dsk_compile, source, library, opt):
    start = time.perf_counter()
    proc = subprocess.run([dsk_compile, source, "-O%d" % opt, "-o", library],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("dsk-compile %s failed:\n%s" % (source, proc.stderr[-2000:]))
    return seconds


def random_inputs(model, seed=0):
    rng = np.random.default_rng(seed)
    feeds = {}
    for name, dtype, shape in model.inputs:
        if any(not isinstance(d, int) for d in shape):
            raise RuntimeError("input '%s' has a symbolic shape %s" % (name, shape))
        if np.dtype(dtype).kind == "f":
            feeds[name] = rng.standard_normal(shape).astype(dtype)
        else:
            feeds[name] = rng.integers(0, 16, shape).astype(dtype)
    return feeds


def ort_session(path, threads):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def bench_model(args, name, source, onnx_path, inputs_npz):
    library = os.path.join(args.models, "%s.O%d.so" % (name, args.opt))
    compile_s = compile_model(args.dsk_compile, source, library, args.opt)
    model = dsk.load(library)
    if isinstance(inputs_npz, dict):
        feeds = {k: np.load(v) for k, v in inputs_npz.items()}
    elif inputs_npz and os.path.exists(inputs_npz):
        with np.load(inputs_npz) as f:
            feeds = {k: f[k] for k in f.files}
    else:
        feeds = random_inputs(model)

    def run_dsk():
        model(**feeds)

    result = {"name": name, "compile_s": compile_s, "opt": args.opt,
              "library_bytes": os.path.getsize(library), "threads": {}}
    for _ in range(args.warmup):
        run_dsk()
    for threads in args.threads:
        model.num_threads = threads
        samples = {"dsk": [], "ort": []}
        session = None
        if onnx_path:
            session = ort_session(onnx_path, threads)

            def run_ort():
                session.run(None, feeds)

            for _ in range(args.warmup):
                run_ort()
        sides = {"dsk": run_dsk}
        if session is not None:
            sides["ort"] = run_ort
        samples.update(interleaved_blocks(sides, args.runs, args.block,
                                          args.gap_ms / 1e3))
        entry = {"dsk_threads": threads if model.is_parallel else 1,
                 "dsk_samples_s": samples["dsk"],
                 "dsk_median_s": statistics.median(samples["dsk"])}
        if session is not None:
            entry["ort_samples_s"] = samples["ort"]
            entry["ort_median_s"] = statistics.median(samples["ort"])
            entry["ratio"] = entry["dsk_median_s"] / entry["ort_median_s"]
        result["threads"][str(threads)] = entry
        print("  T=%d: dsk %.2f ms, ORT %s" % (
            threads, entry["dsk_median_s"] * 1e3,
            "%.2f ms" % (entry["ort_median_s"] * 1e3) if session else "n/a"), flush=True)
    model.close()
    if args.rss and onnx_path and isinstance(inputs_npz, str):
        result["rss_kib"] = {side: peak_rss(side, path, inputs_npz)
                             for side, path in (("dsk", library), ("ort", onnx_path))}
        print("  peak RSS: dsk %d MiB, ORT %d MiB" % (
            result["rss_kib"]["dsk"][0] // 1024, result["rss_kib"]["ort"][0] // 1024),
            flush=True)
    return result


def peak_rss(side, path, inputs_npz, runs=5):
    """(peak, baseline) RSS in KiB of a process that runs only this side."""
    out = subprocess.run([sys.executable, os.path.join(HERE, "rss_probe.py"), side, path,
                          inputs_npz or "-", str(runs)],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def table(results, threads):
    lines = ["| model | compile (s) | T | dsk median (ms) | ORT median (ms) | dsk / ORT |",
             "|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append("| %s | - | - | error: %s | - | - |" % (r["name"], r["error"]))
            continue
        for t in threads:
            e = r["threads"][str(t)]
            dsk_ms = "%.2f" % (e["dsk_median_s"] * 1e3)
            if e["dsk_threads"] != t:
                dsk_ms += " (1 thread: no parallel loops)"
            if "ort_median_s" in e:
                ort_ms = "%.2f" % (e["ort_median_s"] * 1e3)
                ratio = "%.2f" % e["ratio"]
            else:
                ort_ms, ratio = "n/a (dsk domain)", "-"
            lines.append("| %s | %.1f | %d | %s | %s | %s |"
                         % (r["name"], r["compile_s"], t, dsk_ms, ort_ms, ratio))
    rss = [r for r in results if "rss_kib" in r]
    if rss:
        lines += ["", "| model | peak RSS dsk (MiB) | peak RSS ORT (MiB) | dsk / ORT |",
                  "|---|---|---|---|"]
        for r in rss:
            dsk_kib, ort_kib = r["rss_kib"]["dsk"][0], r["rss_kib"]["ort"][0]
            lines.append("| %s | %d | %d | %.2f |" % (r["name"], dsk_kib // 1024,
                                                      ort_kib // 1024, dsk_kib / ort_kib))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=os.path.join(REPO, "build", "torch-models"),
                        help="folder of the exported models and the compiled libraries "
                             "(default: build/torch-models, shared with the "
                             "onnx-torch-models test); models missing there are "
                             "exported with test/onnx/export_torch_models.py")
    parser.add_argument("--dsk-compile", default=os.path.join(REPO, "build", "bin",
                                                              "dsk-compile"))
    parser.add_argument("--runs", type=int, default=20, help="timed runs per side (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument("--block", type=int, default=5,
                        help="timed back-to-back calls per block (default 5)")
    parser.add_argument("--gap-ms", type=float, default=100,
                        help="pause before every block, so that the other side's "
                             "spinning workers are asleep (default 100)")
    parser.add_argument("--no-rss", dest="rss", action="store_false",
                        help="skip the peak-RSS comparison (each side alone in a "
                             "process of its own, rss_probe.py)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts for dsk and ONNX Runtime (default 1 2)")
    parser.add_argument("--opt", type=int, default=2, choices=range(4),
                        help="dsk-compile -O level (default 2, as dsk-compile)")
    names = TORCH_MODELS + list(EXAMPLES)
    parser.add_argument("--only", nargs="+", choices=names, help="benchmark only these")
    parser.add_argument("--json", help="also write the results (with all samples) here")
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0 or min(args.threads) < 1:
        parser.error("--runs and --threads must be positive, --warmup not negative")
    selected = args.only or names
    os.makedirs(args.models, exist_ok=True)

    torch_models = [m for m in selected if m in TORCH_MODELS]
    missing = [m for m in torch_models
               if not os.path.exists(os.path.join(args.models, m + ".onnx"))
               or not os.path.exists(os.path.join(args.models, m + ".inputs.npz"))]
    if missing:
        print("exporting %s into %s" % (" ".join(missing), args.models), flush=True)
        subprocess.run([sys.executable, EXPORTER, args.models, "--only", *missing],
                       check=True)

    info = machine()
    print("machine: %d CPUs, %s; onnxruntime %s; load average %.2f %.2f %.2f"
          % (info["nproc"], info["cpu"], info["onnxruntime"], *info["loadavg"]), flush=True)
    results = []
    for name in selected:
        print("%s:" % name, flush=True)
        try:
            if name in EXAMPLES:
                source, inputs = EXAMPLES[name]
                results.append(bench_model(args, name, source, None, inputs))
            else:
                stem = os.path.join(args.models, name)
                results.append(bench_model(args, name, stem + ".onnx", stem + ".onnx",
                                           stem + ".inputs.npz"))
        except Exception as e:  # report the model, keep benchmarking the rest
            print("  error: %s" % e, flush=True)
            results.append({"name": name, "error": str(e).splitlines()[0]})
    info["loadavg_end"] = os.getloadavg()

    print()
    print("%d runs per side after %d warm-up runs, dsk-compile -O%d; medians."
          % (args.runs, args.warmup, args.opt))
    print("T = threads on both sides: ONNX Runtime intra-op threads (inter-op 1, "
          "sequential); dsk's OpenMP threads (Model.num_threads).")
    print()
    print(table(results, args.threads))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "runs": args.runs, "warmup": args.warmup,
                       "block": args.block, "gap_ms": args.gap_ms,
                       "opt": args.opt, "results": results}, f, indent=1)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
