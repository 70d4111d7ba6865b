#!/usr/bin/env python3
"""Profiles a compiled model through the Python binding (Model.profile) and
prints what a test can check: the run count, the regions that ran with
their kernels and nodes, and whether the trace it wrote is valid JSON with
one event per run and per region call.

  profile_model.py MODEL.so INPUT.npy TRACE.json"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
import dsk  # noqa: E402


def main(path, input_path, trace_path):
    with dsk.load(path) as model:
        profile = model.profile([np.load(input_path)], runs=4,
                                trace=trace_path)
        print(f"runs {len(profile.run_ms)}")
        print(f"regions {len(profile.regions)} of {len(model.regions)}")
        for region in profile.regions:
            print(f"region {region.op} {region.kernel or '-'} "
                  f"{region.node or '-'} {region.shapes} calls "
                  f"{region.calls}")
        assert all(r.total_ms >= 0 for r in profile.regions)
        assert profile.median_ms > 0
        assert profile.table.splitlines()[0].startswith("4 runs, median")
        with open(trace_path) as f:
            events = json.load(f)["traceEvents"]
        timed = [e for e in events if e["ph"] == "X"]
        print(f"trace events {len(timed)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
