"""Timing shared by the benchmarks: both sides in alternating blocks.

Idle worker threads of both dsk (DSK_WORKER_SPIN_MS) and ONNX Runtime
(allow_spinning) spin for a while after they finish, so calls interleaved one
by one would let one side's spinning workers steal the cores the other side
is timed on. Instead each side runs blocks of back-to-back calls: a pause
(the other side's workers go to sleep), one untimed call (this side's wake
up), then `block` timed calls. Blocks alternate sides, and which side goes
first, so that both see the same machine noise over the same stretch of time.
"""

import time


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_blocks(sides, runs, block, gap_s):
    """sides: {name: callable}. Returns {name: [seconds] * runs}."""
    samples = {name: [] for name in sides}
    order = list(sides.items())
    blocks = -(-runs // block)
    for b in range(blocks):
        for name, run in order if b % 2 == 0 else order[::-1]:
            time.sleep(gap_s)
            run()
            for _ in range(min(block, runs - b * block)):
                samples[name].append(timed(run))
    return samples
