// Large ops run their outer loops on OpenMP threads: the library links
// libomp, the runtime reports it parallel, and results are the same for any
// thread count (reductions are never split). --parallel=false builds a
// library that does not link libomp at all.

// RUN: dsk-compile %s -o %t.so
// RUN: dsk-run %t.so --info | FileCheck %s --check-prefix=INFO
// RUN: llvm-readelf -d %t.so | FileCheck %s --check-prefix=NEEDED
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); a = r.standard_normal((64, 96), dtype=np.float32); b = r.standard_normal((96, 640), dtype=np.float32); np.save('%t.a.npy', a); np.save('%t.b.npy', b); np.save('%t.c.npy', a @ b)"
// RUN: dsk-run %t.so %t.a.npy %t.b.npy --threads 1 --output-dir %t.one
// RUN: dsk-run %t.so %t.a.npy %t.b.npy --threads 2 --expected %t.one/c.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=SAME
// RUN: dsk-run %t.so %t.a.npy %t.b.npy --expected %t.c.npy --rtol 1e-4 --atol 1e-4 | FileCheck %s --check-prefix=SAME
// RUN: not dsk-run %t.so %t.a.npy %t.b.npy --threads 0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not dsk-run %t.so %t.a.npy %t.b.npy --threads 1099511627776 2>&1 | FileCheck %s --check-prefix=HUGE

// Loading a parallel model makes libomp's spinning workers yield only when
// oversubscribed (KMP_USE_YIELD=2; libomp prints its settings again after
// the change), unless the environment chooses.
// RUN: env -u KMP_USE_YIELD KMP_SETTINGS=1 dsk-run %t.so --random-seed 1 2>&1 | FileCheck %s --check-prefix=YIELD
// YIELD: KMP_USE_YIELD=1
// YIELD: KMP_USE_YIELD=2
// RUN: env KMP_USE_YIELD=0 KMP_SETTINGS=1 dsk-run %t.so --random-seed 1 2>&1 | FileCheck %s --check-prefix=USER-YIELD
// USER-YIELD: KMP_USE_YIELD=0
// USER-YIELD-NOT: KMP_USE_YIELD=2

// One loaded model, 8 calling threads, each with its own OpenMP team.
// RUN: %python %S/concurrent_runs.py %t.so 8 25 | FileCheck %s --check-prefix=CONCURRENT
// CONCURRENT: 200 runs matched

// RUN: dsk-compile %s --parallel=false -o %t.seq.so
// RUN: dsk-run %t.seq.so --info | FileCheck %s --check-prefix=SEQ
// RUN: llvm-readelf -d %t.seq.so | FileCheck %s --check-prefix=SEQ-NEEDED
// RUN: dsk-run %t.seq.so %t.a.npy %t.b.npy --expected %t.one/c.npy --rtol 0 --atol 0 | FileCheck %s --check-prefix=SAME

// INFO: parallel: yes (OpenMP)
// NEEDED: (NEEDED) Shared library: [libomp.so.5]
// SAME: 1 outputs matched, 0 mismatched
// ZERO: dsk-run: error: --threads
// HUGE: dsk-run: error: --threads must be at most 1024, got 1099511627776
// SEQ: parallel: no (runs on the calling thread)
// SEQ-NEEDED-NOT: libomp

func.func @main_graph(%a: tensor<64x96xf32> {dsk.onnx.name = "a"},
                      %b: tensor<96x640xf32> {dsk.onnx.name = "b"})
    -> (tensor<64x640xf32> {dsk.onnx.name = "c"}) {
  %c = dsk.matmul %a, %b
      : (tensor<64x96xf32>, tensor<96x640xf32>) -> tensor<64x640xf32>
  return %c : tensor<64x640xf32>
}
