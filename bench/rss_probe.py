"""Peak resident memory of one side running one model, in its own process.

usage: rss_probe.py dsk LIBRARY INPUTS_NPZ RUNS
       rss_probe.py ort MODEL.onnx INPUTS_NPZ RUNS

Imports only that side's runtime (plus NumPy), loads the model, runs it RUNS
times on the inputs (random ones when INPUTS_NPZ is '-') with one thread, and
prints the process's peak RSS in KiB, and the peak before the model was
loaded, on one line: "<peak> <baseline>". The peak is VmHWM of
/proc/self/status: getrusage's ru_maxrss would carry the peak of the parent
process (the bench, which holds both sides' models) across fork and exec.
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))


def peak_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main():
    side, path, inputs_npz, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    feeds = {}
    if inputs_npz != "-":
        with np.load(inputs_npz) as f:
            feeds = {k: f[k] for k in f.files}
    if side == "dsk":
        import dsk
        baseline = peak_kib()
        model = dsk.load(path)
        model.num_threads = 1
        for _ in range(runs):
            model(**feeds)
    else:
        import onnxruntime as ort
        baseline = peak_kib()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        for _ in range(runs):
            session.run(None, feeds)
    print(peak_kib(), baseline)


if __name__ == "__main__":
    main()
