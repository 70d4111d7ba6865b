// RUN: dsk-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(dsk-linalg-to-loops))" | FileCheck %s
// RUN: dsk-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(dsk-linalg-to-loops{parallel=false}))" | FileCheck %s --check-prefix=SEQ
// RUN: dsk-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(dsk-linalg-to-loops{min-parallel-iterations=1}))" | FileCheck %s --check-prefix=ALL
// RUN: dsk-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(dsk-linalg-to-loops{unroll-jam=1}))" | FileCheck %s --check-prefix=NOJAM

// A matmul in (i, k, j) order: the rows run in parallel, the reduction and
// the innermost loop stay sequential.

// CHECK-LABEL: func.func @matmul
// CHECK:         %[[C0:.+]] = arith.constant 0 : index
// CHECK-NEXT:    %[[C64:.+]] = arith.constant 64 : index
// CHECK-NEXT:    %[[C1:.+]] = arith.constant 1 : index
// The reduction k (96 = 4 x 24) is unrolled by 4 and jammed into j: four
// products accumulate into C[i, j] in order k, k+1, k+2, k+3.
// CHECK:         scf.parallel (%[[I:.+]]) = (%[[C0]]) to (%[[C64]]) step (%[[C1]]) {
// CHECK:           arith.constant 4 : index
// CHECK:           scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %c4{{.*}} {
// CHECK-NEXT:        scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step
// CHECK-COUNT-4:       arith.mulf
// CHECK-NOT:           arith.mulf
// CHECK:           scf.reduce
// NOJAM-LABEL: func.func @matmul
// NOJAM-COUNT-1: arith.mulf
// NOJAM-NOT:     arith.mulf
// CHECK-NOT:     linalg.
// SEQ-LABEL: func.func @matmul
// SEQ-NOT:     scf.parallel
// SEQ:         scf.for
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @matmul(%a: memref<64x96xf32>, %b: memref<96x640xf32>,
                  %c: memref<64x640xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<64x96xf32>, memref<96x640xf32>)
      outs(%c : memref<64x640xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Leading parallel loops are taken until they give 64 chunks (2 x 40 here),
// never the innermost one.

// CHECK-LABEL: func.func @elementwise
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%{{.+}}, %{{.+}}) step
// CHECK-NEXT:      scf.for
// CHECK-NEXT:        scf.for
// CHECK-NOT:         scf.parallel
#id = affine_map<(a, b, c, d) -> (a, b, c, d)>
func.func @elementwise(%x: memref<2x40x32x32xf32>, %y: memref<2x40x32x32xf32>) {
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<2x40x32x32xf32>) outs(%y : memref<2x40x32x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// Too little work to fork threads for (default threshold 32768).

// CHECK-LABEL: func.func @small
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for
// ALL-LABEL: func.func @small
// ALL:         scf.parallel
func.func @small(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  linalg.copy ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>)
  return
}

// -----

// A reduction as the outermost loop is never split across threads.

// ALL-LABEL: func.func @column_sums
// ALL-NOT:     scf.parallel
#in = affine_map<(r, c) -> (r, c)>
#out = affine_map<(r, c) -> (c)>
func.func @column_sums(%x: memref<512x128xf32>, %y: memref<128xf32>) {
  linalg.generic {indexing_maps = [#in, #out],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<512x128xf32>) outs(%y : memref<128xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}
