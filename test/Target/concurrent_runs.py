#!/usr/bin/env python3
"""Runs one loaded, compiled model from many Python threads at once (each
with its own inputs) and checks every result against a NumPy reference:
dsk_model_run is thread-safe on one model, and a parallel model's OpenMP
teams from different calling threads do not interfere.

  concurrent_runs.py MODEL.so THREADS CALLS_PER_THREAD
Prints `N runs matched` or the first mismatch; exits 1 on any mismatch."""

import os
import sys
import threading

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
import dsk  # noqa: E402


def main(path, threads, calls):
    model = dsk.load(path, num_threads=2)
    (_, _, a_shape), (_, _, b_shape) = model.inputs
    failures, done = [], []

    def worker(seed):
        rng = np.random.default_rng(seed)
        for _ in range(calls):
            a = rng.standard_normal(a_shape, dtype=np.float32)
            b = rng.standard_normal(b_shape, dtype=np.float32)
            (c,) = model(a, b)
            if not np.allclose(c, a @ b, rtol=1e-4, atol=1e-4):
                failures.append(f"thread {seed}: max error "
                                f"{np.abs(c - a @ b).max()}")
            done.append(1)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        print(failures[0])
        return 1
    print(f"{len(done)} runs matched")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
