// RUN: dsk-opt %s -split-input-file -dsk-cpu-lower-kernels="min-parallel-flops=1 min-tasks=1" -canonicalize | FileCheck %s
// RUN: dsk-opt %s -split-input-file -dsk-cpu-lower-kernels="min-parallel-flops=1 min-tasks=1 row-block=4 column-group=8" -canonicalize | FileCheck %s --check-prefix=TASKS
// RUN: dsk-opt %s -split-input-file -dsk-cpu-lower-kernels="min-parallel-flops=1" -canonicalize | FileCheck %s --check-prefix=SPLIT
// RUN: dsk-opt %s -split-input-file -dsk-cpu-lower-kernels -verify-diagnostics -o /dev/null

// (-canonicalize folds the single-iteration task loops and the tail
// conditions of a product that is one task.)

// A packed GEMM on buffers, M = 5 rows (one block of MR = 4 and a 1-row
// tail), N = 10 (two full panels of NR = 4 and a 2-column tail
// panel), K = 3 (one K block of KC = 8). Each microkernel carries MR x NR /
// width vector accumulators through the k loop: one vector load of the panel
// and one broadcast A element per row and step, FMAs; the tail panel reads
// and writes C through a mask. With the default blocks the product is one
// task, so nothing runs in parallel: K blocks (one here, folded) → MR-row
// slivers (one) → panels.
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 4, d2, d1 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[A:.+]]: memref<5x3xf32>, %[[P:.+]]: memref<3x3x4xf32>, %[[C:.+]]: memref<5x10xf32>)
// CHECK-NOT: scf.parallel
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK-COUNT-4: vector.load %[[C]]
// CHECK:   scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(
// CHECK:     vector.load %[[P]][%[[J]], %{{.+}}, %{{.+}}] : memref<3x3x4xf32>, vector<4xf32>
// CHECK-COUNT-4: vector.fma
// CHECK:   }
// CHECK-COUNT-4: vector.store %{{.+}}, %[[C]]
// CHECK: }
// The tail panel of the 4-row sliver: 2 of 4 columns, masked.
// CHECK: %[[MASK:.+]] = vector.constant_mask [2] : vector<4xi1>
// CHECK: vector.maskedload %[[C]][%{{.+}}, %{{.+}}], %[[MASK]]
// CHECK: vector.maskedstore %[[C]][%{{.+}}, %{{.+}}], %[[MASK]]
// The 1-row tail: the full panels, then the masked one.
// CHECK: scf.for
// CHECK: vector.fma
// CHECK-NOT: vector.fma
// CHECK: vector.store
// CHECK: vector.maskedload
// CHECK: vector.fma
// CHECK-NOT: vector.fma
// CHECK: vector.maskedstore
// CHECK-NOT: linalg.generic

// With at most 4 rows and 8 columns per task, the product is 2 row blocks
// (4 rows, 1 row) x 2 panel groups (panels 0-1, panel 2 partial), run as one
// scf.parallel; only the last row block computes the row tail and only the
// last group the masked panel.
// With the default 8 tasks wanted, the shares halve until each task is one
// tile: 2 slivers x 3 panels.
// SPLIT-LABEL: func.func @gemm
// SPLIT: scf.parallel (%{{.+}}, %{{.+}}) = (%{{.+}}, %{{.+}}) to (%c2, %c3) step

// TASKS-LABEL: func.func @gemm
// TASKS: scf.parallel (%[[RB:.+]], %[[PG:.+]]) = (%{{.+}}, %{{.+}}) to (%c2, %c2) step
// TASKS:   %[[ROW_TAIL:.+]] = arith.cmpi eq, %{{.+}}, %c5
// TASKS:   %[[LAST_GROUP:.+]] = arith.cmpi eq, %[[PG]], %c1
// TASKS:   scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c4 {
// TASKS:     scf.for
// TASKS-COUNT-4: vector.fma
// TASKS:     scf.if %[[LAST_GROUP]] {
// TASKS:       vector.maskedload
// TASKS:   scf.if %[[ROW_TAIL]] {
// TASKS:     scf.for
// TASKS:       vector.fma
// TASKS-NOT:   vector.fma
// TASKS:     scf.if %[[LAST_GROUP]] {
// TASKS:       vector.maskedstore
// TASKS:   scf.reduce
func.func @gemm(%a: memref<5x3xf32>, %p: memref<3x3x4xf32>, %c: memref<5x10xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<5x3xf32>, memref<3x3x4xf32>) outs(%c : memref<5x10xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.gemm_f32", tiles = [4, 4, 8, 4]>} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The generic kernel multiplies and adds (no fma intrinsic, which a CPU
// without FMA would call per element).
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1 floordiv 4, d2, d1 mod 4)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @generic_row
// CHECK-NOT: vector.fma
// CHECK: arith.mulf %{{.+}} : vector<4xf32>
// CHECK: arith.addf %{{.+}} : vector<4xf32>
// CHECK-NOT: linalg.generic
func.func @generic_row(%a: memref<2x3xf32>, %p: memref<1x3x4xf32>, %c: memref<2x4xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<2x3xf32>, memref<1x3x4xf32>) outs(%c : memref<2x4xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [4, 4, 8, 4]>} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The convolution form (packed filter slivers on the left, patches on the
// right): 2 images, M = 3 channels (a sliver of MR = 2 and a 1-channel
// tail), N = 10 positions (a panel of NR = 8 and a 2-position tail), K = 3.
// Each task gets a KC x NR buffer of its own; per panel, the block of
// patches is copied into it (masked and zero-filled past N), then the
// slivers pass over it: broadcasts from the packed filter, full vector loads
// from the block.
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_form
// CHECK-SAME: (%[[W:.+]]: memref<2x3x2xf32>, %[[X:.+]]: memref<2x3x10xf32>, %[[Y:.+]]: memref<2x3x10xf32>)
// CHECK: %[[BLOCKS:.+]] = memref.alloc() {alignment = 64 : i64} : memref<2x8x8xf32>
// CHECK: scf.parallel (%[[N:.+]]) =
// CHECK:   %[[BLOCK:.+]] = memref.subview %[[BLOCKS]][%[[N]], 0, 0] [1, 8, 8] [1, 1, 1]
// The full panel: copy, then the 2-channel sliver and the 1-channel tail.
// CHECK:   scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step
// CHECK:     %[[V:.+]] = vector.load %[[X]][%[[N]], %[[K]], %{{.+}}] : memref<2x3x10xf32>, vector<8xf32>
// CHECK:     vector.store %[[V]], %[[BLOCK]]
// CHECK:   scf.for
// CHECK:     vector.load %[[BLOCK]]
// CHECK:     memref.load %[[W]]
// CHECK-COUNT-2: vector.fma
// CHECK:   vector.store %{{.+}}, %[[Y]][%[[N]], %{{.+}}, %{{.+}}]
// CHECK:   vector.load %[[BLOCK]]
// CHECK:   vector.fma
// CHECK-NOT: vector.fma
// The tail panel: 2 of 8 positions, loaded through a mask.
// CHECK:   vector.maskedload %[[X]]
// CHECK:   vector.maskedstore %[[Y]]
// CHECK: memref.dealloc %[[BLOCKS]]
// CHECK-NOT: linalg.generic
func.func @conv_form(%w: memref<2x3x2xf32>, %x: memref<2x3x10xf32>, %y: memref<2x3x10xf32>) {
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<2x3x2xf32>, memref<2x3x10xf32>) outs(%y : memref<2x3x10xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx512f.conv2d_f32", tiles = [2, 8, 8, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The convolution form reading its patches from the input (a 3x3
// convolution, 2 channels, 5x7 padded input, 3x5 outputs, K = 18, N = 15).
// Per vector of 8 positions, which output rows it reaches is worked out
// before the K loop (lanes [0, 5), [5, 10), [10, 15) of the first); per tap
// row g = c * 3 + kh of the block (rows k = g * 3 + kw, kw = 0, 1, 2), each
// output row's lanes are a masked load from input row (row * 1 + kh),
// column (first column + kw), merged into one vector.
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, d2 floordiv 5 + (d3 floordiv 3) mod 3, d2 mod 5 + d3 mod 3)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_patches
// CHECK-SAME: (%[[W:.+]]: memref<1x18x2xf32>, %[[X:.+]]: memref<1x2x5x7xf32>, %[[Y:.+]]: memref<1x2x15xf32>)
// CHECK: %[[LANE:.+]] = vector.step : vector<8xindex>
// CHECK: %[[ROW0:.+]] = arith.andi
// CHECK: %[[ROW1:.+]] = arith.andi
// CHECK: %[[ROW2:.+]] = arith.andi
// CHECK: scf.for %[[G:.+]] = %c0 to %c6 step
// CHECK:   %[[C:.+]] = arith.divui %[[G]], %c3
// CHECK:   %[[KH:.+]] = arith.remui %[[G]], %c3
// CHECK:   %[[P0:.+]] = vector.maskedload %[[X]][%c0, %[[C]], %[[KH]], %c0], %[[ROW0]], %{{.+}} :
// CHECK:   %[[P1:.+]] = vector.maskedload %[[X]][%c0, %[[C]], %{{.+}}, %c-5], %[[ROW1]], %[[P0]] :
// CHECK:   %[[P2:.+]] = vector.maskedload %[[X]][%c0, %[[C]], %{{.+}}, %c-10], %[[ROW2]], %[[P1]] :
// CHECK:   vector.maskedload %[[X]][%c0, %[[C]], %[[KH]], %c1], %[[ROW0]]
// CHECK:   vector.maskedload %[[X]][%c0, %[[C]], %[[KH]], %c2], %[[ROW0]]
// CHECK:   vector.store %[[P2]]
// CHECK: scf.for
// CHECK-COUNT-2: vector.fma
// CHECK-NOT: linalg.generic
func.func @conv_patches(%w: memref<1x18x2xf32>, %x: memref<1x2x5x7xf32>, %y: memref<1x2x15xf32>) {
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x18x2xf32>, memref<1x2x5x7xf32>) outs(%y : memref<1x2x15xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 32, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The same convolution on a padded buffer whose frame holds zeros: the
// patches are read from its 3x5 interior, the lanes of each tap column
// outside it masked off once before the K loop (unsigned compares of the
// lanes' input columns, folded to constants here), and the rows outside it
// per tap row (a select of no lanes); nothing reads the frame, whose fills
// go.
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, d2 floordiv 5 + (d3 floordiv 3) mod 3, d2 mod 5 + d3 mod 3)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_patches_zero_frame
// CHECK-NOT: linalg.fill
// CHECK: %[[P:.+]] = memref.alloc() : memref<1x2x5x7xf32>
// CHECK-NOT: linalg.fill
// CHECK: memref.copy
// CHECK: %[[IN:.+]] = memref.subview %[[P]][0, 0, 1, 1] [1, 2, 3, 5] [1, 1, 1, 1]
// CHECK: scf.for %[[G:.+]] = %c0 to %c6 step
// CHECK:   %[[KH:.+]] = arith.remui %[[G]], %c3
// CHECK:   %[[ROW:.+]] = arith.subi %[[KH]], %c1
// CHECK:   %[[INSIDE:.+]] = arith.cmpi ult, %[[ROW]], %c3 : index
// CHECK:   %[[MASK:.+]] = arith.select %[[INSIDE]], %{{.+}}, %{{.+}} : vector<8xi1>
// CHECK:   vector.maskedload %[[IN]][%c0, %{{.+}}, %[[ROW]], %c-1], %[[MASK]]
// CHECK-NOT: linalg.fill
// CHECK-NOT: linalg.generic
func.func @conv_patches_zero_frame(%w: memref<1x18x2xf32>, %x: memref<1x2x3x5xf32>, %y: memref<1x2x15xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x5x7xf32>
  %top = memref.subview %p[0, 0, 0, 0] [1, 2, 1, 7] [1, 1, 1, 1] : memref<1x2x5x7xf32> to memref<1x2x1x7xf32, strided<[70, 35, 7, 1]>>
  linalg.fill ins(%zero : f32) outs(%top : memref<1x2x1x7xf32, strided<[70, 35, 7, 1]>>)
  %bottom = memref.subview %p[0, 0, 4, 0] [1, 2, 1, 7] [1, 1, 1, 1] : memref<1x2x5x7xf32> to memref<1x2x1x7xf32, strided<[70, 35, 7, 1], offset: 28>>
  linalg.fill ins(%zero : f32) outs(%bottom : memref<1x2x1x7xf32, strided<[70, 35, 7, 1], offset: 28>>)
  %left = memref.subview %p[0, 0, 0, 0] [1, 2, 5, 1] [1, 1, 1, 1] : memref<1x2x5x7xf32> to memref<1x2x5x1xf32, strided<[70, 35, 7, 1]>>
  linalg.fill ins(%zero : f32) outs(%left : memref<1x2x5x1xf32, strided<[70, 35, 7, 1]>>)
  %right = memref.subview %p[0, 0, 0, 6] [1, 2, 5, 1] [1, 1, 1, 1] : memref<1x2x5x7xf32> to memref<1x2x5x1xf32, strided<[70, 35, 7, 1], offset: 6>>
  linalg.fill ins(%zero : f32) outs(%right : memref<1x2x5x1xf32, strided<[70, 35, 7, 1], offset: 6>>)
  %data = memref.subview %p[0, 0, 1, 1] [1, 2, 3, 5] [1, 1, 1, 1] : memref<1x2x5x7xf32> to memref<1x2x3x5xf32, strided<[70, 35, 7, 1], offset: 8>>
  memref.copy %x, %data : memref<1x2x3x5xf32> to memref<1x2x3x5xf32, strided<[70, 35, 7, 1], offset: 8>>
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %p : memref<1x18x2xf32>, memref<1x2x5x7xf32>) outs(%y : memref<1x2x15xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 32, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %p : memref<1x2x5x7xf32>
  return
}

// -----

// Column stride 2 (4x4 outputs of a 9x9 input): an output row's lanes are
// the even elements of two masked loads (masks: the lanes' own, spread to
// every other element), merged under the row's lanes.
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, (d2 floordiv 4) * 2 + (d3 floordiv 3) mod 3, (d2 mod 4) * 2 + d3 mod 3)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_patches_stride2
// CHECK-SAME: (%[[W:.+]]: memref<1x18x2xf32>, %[[X:.+]]: memref<1x2x9x9xf32>, %[[Y:.+]]: memref<1x2x16xf32>)
// CHECK: %[[LOW:.+]] = vector.shuffle %[[ROW:.+]], %{{.+}} [0, 8, 1, 8, 2, 8, 3, 8] : vector<8xi1>, vector<8xi1>
// CHECK: %[[HIGH:.+]] = vector.shuffle %[[ROW]], %{{.+}} [4, 8, 5, 8, 6, 8, 7, 8] : vector<8xi1>, vector<8xi1>
// CHECK: scf.for
// CHECK:   %[[A:.+]] = vector.maskedload %[[X]][%c0, %{{.+}}, %{{.+}}, %[[COL:.+]]], %[[LOW]]
// CHECK:   %[[COL8:.+]] = arith.addi %[[COL]], %c8
// CHECK:   %[[B:.+]] = vector.maskedload %[[X]][%c0, %{{.+}}, %{{.+}}, %[[COL8]]], %[[HIGH]]
// CHECK:   %[[EVEN:.+]] = vector.shuffle %[[A]], %[[B]] [0, 2, 4, 6, 8, 10, 12, 14] : vector<8xf32>, vector<8xf32>
// CHECK:   arith.select %[[ROW]], %[[EVEN]], %{{.+}} : vector<8xi1>, vector<8xf32>
// CHECK-NOT: linalg.generic
func.func @conv_patches_stride2(%w: memref<1x18x2xf32>, %x: memref<1x2x9x9xf32>, %y: memref<1x2x16xf32>) {
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x18x2xf32>, memref<1x2x9x9xf32>) outs(%y : memref<1x2x16xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 32, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Column stride 3 (a 2x2 filter, 2x2 outputs of an 8x8 input): a gather per
// output row, lane offsets 0, 3, 6, ...
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 4, (d2 floordiv 2) * 3 + (d3 floordiv 2) mod 2, (d2 mod 2) * 3 + d3 mod 2)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_patches_stride3
// CHECK: %[[OFFSETS:.+]] = arith.constant dense<[0, 3, 6, 9, 12, 15, 18, 21]> : vector<8xi32>
// CHECK: scf.for
// CHECK:   %[[G:.+]] = vector.gather %{{.+}}[%c0, %{{.+}}, %{{.+}}, %{{.+}}] [%[[OFFSETS]]]
// CHECK:   vector.gather %{{.+}}[%c0, %{{.+}}, %{{.+}}, %{{.+}}] [%[[OFFSETS]]], %{{.+}}, %[[G]]
// CHECK-NOT: linalg.generic
func.func @conv_patches_stride3(%w: memref<1x4x2xf32>, %x: memref<1x1x8x8xf32>, %y: memref<1x2x4xf32>) {
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x4x2xf32>, memref<1x1x8x8xf32>) outs(%y : memref<1x2x4xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 32, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The channels-in-lanes kernel (MR = 4 positions, NR = 8 channels, 8
// lanes): 6 positions, 10 channels (a full panel and a 2-channel one), K =
// 3. First the patches are packed once into slivers of 4 positions
// [N][2][K][4] (the second masked to its 2 positions); then per sliver and
// panel the 4 x 8 tile starts from the output's columns (4-position vectors
// of 8 channels) transposed into rows of channels, accumulates broadcasts of
// the sliver times vectors of the panel, and is transposed back into one
// 4-position store per channel. The 2-position tail sliver has a 2 x 8 tile.
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 8, d3, d1 mod 8)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_channels
// CHECK-SAME: (%[[W:.+]]: memref<2x3x8xf32>, %[[X:.+]]: memref<1x3x6xf32>, %[[Y:.+]]: memref<1x10x6xf32>)
// CHECK: %[[PACKED:.+]] = memref.alloc() {alignment = 64 : i64} : memref<1x2x3x4xf32>
// CHECK: scf.for %[[S:.+]] = %c0 to %c2
// CHECK:   %[[SMASK:.+]] = vector.create_mask %{{.+}} : vector<4xi1>
// CHECK:   scf.for %[[K:.+]] = %c0 to %c3
// CHECK:     %[[V:.+]] = vector.maskedload %[[X]][%c0, %[[K]], %{{.+}}], %[[SMASK]]
// CHECK:     vector.store %[[V]], %[[PACKED]][%c0, %[[S]], %[[K]], %c0]
// CHECK-COUNT-8: vector.load %[[Y]][%c0, %{{.+}}, %c0] : memref<1x10x6xf32>, vector<4xf32>
// CHECK-COUNT-8: vector.shuffle
// CHECK: scf.for %[[K2:.+]] = %c0 to %c3 {{.+}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:   %[[PANEL:.+]] = vector.load %[[W]][%c0, %[[K2]], %c0] : memref<2x3x8xf32>, vector<8xf32>
// CHECK-COUNT-4: memref.load %[[PACKED]][%c0, %c0, %[[K2]], %{{.+}}]
// CHECK: scf.yield
// CHECK-COUNT-8: vector.shuffle
// CHECK-COUNT-8: vector.store %{{.+}}, %[[Y]][%c0, %{{.+}}, %c0] : memref<1x10x6xf32>, vector<4xf32>
// The partial panel: 2 channels.
// CHECK-COUNT-2: vector.load %[[Y]][%c0, %{{.+}}, %c0] : memref<1x10x6xf32>, vector<4xf32>
// CHECK: vector.load %[[W]][%c1,
// CHECK-COUNT-2: vector.store %{{.+}}, %[[Y]][%c0, %{{.+}}, %c0] : memref<1x10x6xf32>, vector<4xf32>
// The tail sliver.
// CHECK: vector.load %[[Y]][%c0, %c0, %c4] : memref<1x10x6xf32>, vector<2xf32>
// CHECK: scf.for {{.+}} -> (vector<8xf32>, vector<8xf32>)
// CHECK-NOT: linalg.generic
func.func @conv_channels(%w: memref<2x3x8xf32>, %x: memref<1x3x6xf32>, %y: memref<1x10x6xf32>) {
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<2x3x8xf32>, memref<1x3x6xf32>) outs(%y : memref<1x10x6xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_channels_f32", tiles = [4, 8, 16, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// With K = 20 over K blocks of 8, each row of the panel is prefetched one
// K block ahead (clamped to the last row), into L2 (locality 1).
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 8, d3, d1 mod 8)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_channels_prefetch
// CHECK: scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %c1 iter_args(
// CHECK:   %[[AHEAD:.+]] = arith.addi %[[K]], %c8
// CHECK:   %[[ROW:.+]] = arith.minsi %[[AHEAD]], %c19
// CHECK:   memref.prefetch %{{.+}}[%{{.+}}, %[[ROW]], %c0], read, locality<1>, data
func.func @conv_channels_prefetch(%w: memref<1x20x8xf32>, %x: memref<1x20x4xf32>, %y: memref<1x8x4xf32>) {
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x20x8xf32>, memref<1x20x4xf32>) outs(%y : memref<1x8x4xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_channels_f32", tiles = [4, 8, 8, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Column stride 2 with one-lane vectors reads each position's element on its
// own (two vectors' even elements would read one past it); a product whose
// patches are a scalar is no convolution's and keeps its generic.
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, (d2 floordiv 4) * 2 + (d3 floordiv 3) mod 3, (d2 mod 4) * 2 + d3 mod 3)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#scalar = affine_map<(d0, d1, d2, d3) -> ()>
// CHECK-LABEL: func.func @conv_patches_one_lane
// CHECK-SAME: (%{{.+}}: memref<1x18x2xf32>, %[[X:.+]]: memref<1x2x9x9xf32>,
// CHECK-NOT:   vector.shuffle
// CHECK:       vector.load %[[X]][%c0, %{{.+}}, %{{.+}}, %{{.+}}] : memref<1x2x9x9xf32>, vector<1xf32>
// CHECK:       linalg.generic
func.func @conv_patches_one_lane(%w: memref<1x18x2xf32>, %x: memref<1x2x9x9xf32>, %y: memref<1x2x16xf32>, %c: memref<f32>) {
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x18x2xf32>, memref<1x2x9x9xf32>) outs(%y : memref<1x2x16xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"generic.conv2d_f32", tiles = [2, 1, 32, 1]>} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  // expected-warning @+1 {{kernel 'generic.conv2d_f32' does not fit this op; it keeps its reference lowering}}
  linalg.generic {indexing_maps = [#w, #scalar, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %c : memref<1x18x2xf32>, memref<f32>) outs(%y : memref<1x2x16xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"generic.conv2d_f32", tiles = [2, 8, 32, 4]>} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Products the kernel cannot address keep their generic and say so: maps
// that are no convolution's patches (an offset column, no window column).
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, d2 floordiv 5 + (d3 floordiv 3) mod 3, d2 mod 5 + d3 mod 3 + 1)>
#bad = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 9, d2 floordiv 5 + (d3 floordiv 3) mod 3, d2 mod 5)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_patches_kept
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @conv_patches_kept(%w: memref<1x18x2xf32>, %x: memref<1x2x5x8xf32>, %x2: memref<1x2x5x7xf32>, %y: memref<1x2x15xf32>) {
  // expected-warning @+1 {{kernel 'x86.avx2.conv2d_f32' does not fit this op; it keeps its reference lowering}}
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x18x2xf32>, memref<1x2x5x8xf32>) outs(%y : memref<1x2x15xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 32, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  // expected-warning @+1 {{kernel 'x86.avx2.conv2d_f32' does not fit this op; it keeps its reference lowering}}
  linalg.generic {indexing_maps = [#w, #bad, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x2 : memref<1x18x2xf32>, memref<1x2x5x7xf32>) outs(%y : memref<1x2x15xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 32, 8]>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A depthwise convolution, 2 images x 3 channels as tasks; per channel the
// 2x2 taps' weights are broadcast once, then each output row of 6 columns
// is a full vector of 4 and a masked one of 2, each accumulating one FMA per
// tap from unit-stride input loads (masked in the tail).
// CHECK-LABEL: func.func @depthwise
// CHECK-SAME: (%[[X:.+]]: memref<2x3x5x7xf32>, %[[W:.+]]: memref<3x2x2xf32>, %[[Y:.+]]: memref<2x3x4x6xf32>)
// CHECK: scf.parallel (%[[N:.+]], %[[C:.+]]) =
// CHECK-COUNT-4: memref.load %[[W]][%[[C]]
// CHECK: scf.for %[[ROW:.+]] =
// CHECK:   vector.load %[[Y]][%[[N]], %[[C]], %[[ROW]], %{{.+}}] : memref<2x3x4x6xf32>, vector<4xf32>
// CHECK-COUNT-4: vector.fma
// CHECK:   vector.store
// CHECK:   vector.constant_mask [2] : vector<4xi1>
// CHECK:   vector.maskedload %[[Y]]
// CHECK-COUNT-4: vector.maskedload %[[X]]
// CHECK:   vector.maskedstore %[[Y]]
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise(%x: memref<2x3x5x7xf32>, %w: memref<3x2x2xf32>, %y: memref<2x3x4x6xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%x, %w : memref<2x3x5x7xf32>, memref<3x2x2xf32>) outs(%y : memref<2x3x4x6xf32>)
  return
}

// -----

// Column stride 2: the inputs of a vector are gathered (lanes 0, 2, 4, 6
// from the first column).
// Column stride 2: two vectors of the input row and their even lanes; the
// taps at column 2 read columns 2..9 of a 9-column row, so the second
// vector (from column 6) stops at the row's end (the masks fold to
// constants here: one vector of output columns). Stride 3: gathers.
// CHECK-LABEL: func.func @depthwise_strided
// CHECK: vector.shuffle %{{.+}}, %{{.+}} [0, 2, 4, 6] : vector<4xf32>, vector<4xf32>
// CHECK: %[[END:.+]] = vector.constant_mask [3] : vector<4xi1>
// CHECK: %[[HIGH:.+]] = vector.maskedload %{{.+}}[%c0, %{{.+}}, %{{.+}}, %c6], %[[END]]
// CHECK: vector.shuffle %{{.+}}, %[[HIGH]] [0, 2, 4, 6]
// CHECK-NOT: vector.gather
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise_strided(%x: memref<1x2x9x9xf32>, %w: memref<2x3x3xf32>, %y: memref<1x2x4x4xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%x, %w : memref<1x2x9x9xf32>, memref<2x3x3xf32>) outs(%y : memref<1x2x4x4xf32>)
  return
}
// CHECK-LABEL: func.func @depthwise_stride3
// CHECK: %[[OFFSETS:.+]] = arith.constant dense<[0, 3, 6, 9]> : vector<4xi32>
// CHECK: vector.gather %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}] [%[[OFFSETS]]]
func.func @depthwise_stride3(%x: memref<1x2x12x12xf32>, %w: memref<2x3x3xf32>, %y: memref<1x2x4x4xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<3> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%x, %w : memref<1x2x12x12xf32>, memref<2x3x3xf32>) outs(%y : memref<1x2x4x4xf32>)
  return
}

// -----

// A padded input as dsk-cpu-decompose-pad leaves it: zero fills of the
// border slabs, the data copied into the interior. The kernel reads the
// interior and takes the frame as zeros, after which the fills are dead and
// go. Output rows 0 and 3 skip the taps of the rows above and below the
// data; rows 1-2 loop over all taps. The vectors of columns 0-3 and 4-5
// reach past the left and right columns: their taps load from the first
// column inside and shuffle the lanes in place (tap 0 of columns 0-3 reads
// columns -1..2: lanes 1-3 from 0..2, lane 0 zero).
// CHECK-LABEL: func.func @depthwise_zero_frame
// CHECK-SAME: (%[[X:.+]]: memref<1x2x4x6xf32>, %{{.+}}: memref<2x3x3xf32>, %{{.+}}: memref<1x2x4x6xf32>)
// CHECK-NOT: linalg.fill
// CHECK: %[[P:.+]] = memref.alloc() : memref<1x2x6x8xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[DATA:.+]] = memref.subview %[[P]][0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1]
// CHECK: memref.copy %[[X]], %[[DATA]]
// CHECK: %[[INTERIOR:.+]] = memref.subview %[[P]][0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1]
// CHECK: %[[LOW:.+]] = vector.load %[[INTERIOR]][%c0, %{{.+}}, %c0, %c0]
// CHECK: %[[SHIFTED:.+]] = vector.shuffle %[[LOW]], %[[LOW]] [0, 0, 1, 2]
// CHECK: arith.select %{{.+}}, %[[SHIFTED]], %{{.+}} : vector<4xi1>, vector<4xf32>
// CHECK: scf.for
// CHECK-NOT: vector.{{.*}}load %[[P]]
// CHECK-NOT: linalg.fill
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise_zero_frame(%x: memref<1x2x4x6xf32>, %w: memref<2x3x3xf32>, %y: memref<1x2x4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x6x8xf32>
  %top = memref.subview %p[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>
  linalg.fill ins(%zero : f32) outs(%top : memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>)
  %bottom = memref.subview %p[0, 0, 5, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>
  linalg.fill ins(%zero : f32) outs(%bottom : memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>)
  %left = memref.subview %p[0, 0, 0, 0] [1, 2, 6, 1] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x6x1xf32, strided<[96, 48, 8, 1]>>
  linalg.fill ins(%zero : f32) outs(%left : memref<1x2x6x1xf32, strided<[96, 48, 8, 1]>>)
  %right = memref.subview %p[0, 0, 0, 7] [1, 2, 6, 1] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x6x1xf32, strided<[96, 48, 8, 1], offset: 7>>
  linalg.fill ins(%zero : f32) outs(%right : memref<1x2x6x1xf32, strided<[96, 48, 8, 1], offset: 7>>)
  %data = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  memref.copy %x, %data : memref<1x2x4x6xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%p, %w : memref<1x2x6x8xf32>, memref<2x3x3xf32>) outs(%y : memref<1x2x4x6xf32>)
  memref.dealloc %p : memref<1x2x6x8xf32>
  return
}

// What is not zero-filled is data: with the top row filled with 1.0 the
// data are rows 0-4 (all columns), and only the bottom row's zeros are
// skipped (their fill goes, the other stays). A border not covered by zero
// fills (no left and right columns) is read like the data: the kernel reads
// the whole buffer and the fills stay.
// CHECK-LABEL: func.func @depthwise_frame_not_zero
// CHECK: %[[P:.+]] = memref.alloc() : memref<1x2x6x8xf32>
// CHECK: linalg.fill
// CHECK-NOT: linalg.fill
// CHECK: %[[INTERIOR:.+]] = memref.subview %[[P]][0, 0, 0, 0] [1, 2, 5, 8] [1, 1, 1, 1]
// CHECK: vector.load %[[INTERIOR]]
// CHECK-LABEL: func.func @depthwise_frame_uncovered
// CHECK: %[[P:.+]] = memref.alloc() : memref<1x2x6x8xf32>
// CHECK-COUNT-2: linalg.fill
// CHECK: vector.load %[[P]]
func.func @depthwise_frame_not_zero(%x: memref<1x2x4x6xf32>, %w: memref<2x3x3xf32>, %y: memref<1x2x4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %p = memref.alloc() : memref<1x2x6x8xf32>
  %top = memref.subview %p[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>
  linalg.fill ins(%one : f32) outs(%top : memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>)
  %bottom = memref.subview %p[0, 0, 5, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>
  linalg.fill ins(%zero : f32) outs(%bottom : memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>)
  %data = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  memref.copy %x, %data : memref<1x2x4x6xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%p, %w : memref<1x2x6x8xf32>, memref<2x3x3xf32>) outs(%y : memref<1x2x4x6xf32>)
  memref.dealloc %p : memref<1x2x6x8xf32>
  return
}
func.func @depthwise_frame_uncovered(%x: memref<1x2x4x6xf32>, %w: memref<2x3x3xf32>, %y: memref<1x2x4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x6x8xf32>
  %top = memref.subview %p[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>
  linalg.fill ins(%zero : f32) outs(%top : memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>)
  %bottom = memref.subview %p[0, 0, 5, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>
  linalg.fill ins(%zero : f32) outs(%bottom : memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>)
  %data = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  memref.copy %x, %data : memref<1x2x4x6xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%p, %w : memref<1x2x6x8xf32>, memref<2x3x3xf32>) outs(%y : memref<1x2x4x6xf32>)
  memref.dealloc %p : memref<1x2x6x8xf32>
  return
}

// -----

// Pools are the depthwise kernel's windows with a maximum (a sum) per tap.
// A max pool's padding frame is -inf, the maximum's identity: skipped like
// a convolution's zeros (rows outside not read, columns outside -inf in
// their lanes), and its fills erased.
// CHECK-LABEL: func.func @pool_max_frame
// CHECK: %[[NEG_INF:.+]] = arith.constant dense<0xFF800000> : vector<4xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[P:.+]] = memref.alloc() : memref<1x2x6x8xf32>
// CHECK-NOT: linalg.fill
// CHECK: memref.subview %[[P]][0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1]
// CHECK: arith.select %{{.+}}, %{{.+}}, %[[NEG_INF]] : vector<4xi1>, vector<4xf32>
// CHECK: arith.maximumf
// CHECK-NOT: linalg.fill
// CHECK-NOT: linalg.pooling_nchw_max
// CHECK-LABEL: func.func @pool_sum
// CHECK: scf.parallel
// CHECK-COUNT-4: arith.addf %{{.+}}, %{{.+}} : vector<4xf32>
// CHECK-NOT: linalg.pooling_nchw_sum
func.func @pool_max_frame(%x: memref<1x2x4x6xf32>, %y: memref<1x2x2x3xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %p = memref.alloc() : memref<1x2x6x8xf32>
  %top = memref.subview %p[0, 0, 0, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>
  linalg.fill ins(%ninf : f32) outs(%top : memref<1x2x1x8xf32, strided<[96, 48, 8, 1]>>)
  %bottom = memref.subview %p[0, 0, 5, 0] [1, 2, 1, 8] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>
  linalg.fill ins(%ninf : f32) outs(%bottom : memref<1x2x1x8xf32, strided<[96, 48, 8, 1], offset: 40>>)
  %left = memref.subview %p[0, 0, 0, 0] [1, 2, 6, 1] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x6x1xf32, strided<[96, 48, 8, 1]>>
  linalg.fill ins(%ninf : f32) outs(%left : memref<1x2x6x1xf32, strided<[96, 48, 8, 1]>>)
  %right = memref.subview %p[0, 0, 0, 7] [1, 2, 6, 1] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x6x1xf32, strided<[96, 48, 8, 1], offset: 7>>
  linalg.fill ins(%ninf : f32) outs(%right : memref<1x2x6x1xf32, strided<[96, 48, 8, 1], offset: 7>>)
  %data = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  memref.copy %x, %data : memref<1x2x4x6xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  %window = memref.alloc() : memref<3x3xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.pool2d_f32", tiles = [4]>}
      ins(%p, %window : memref<1x2x6x8xf32>, memref<3x3xf32>) outs(%y : memref<1x2x2x3xf32>)
  memref.dealloc %p : memref<1x2x6x8xf32>
  memref.dealloc %window : memref<3x3xf32>
  return
}
func.func @pool_sum(%x: memref<1x2x5x6xf32>, %window: memref<2x2xf32>, %y: memref<1x2x4x5xf32>) {
  linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"generic.pool2d_f32", tiles = [4]>}
      ins(%x, %window : memref<1x2x5x6xf32>, memref<2x2xf32>) outs(%y : memref<1x2x4x5xf32>)
  return
}
// A pool the kernel cannot take (tiles that are not [vector width]) keeps
// its loops and says so.
// CHECK-LABEL: func.func @pool_kept
// CHECK: linalg.pooling_nchw_max
func.func @pool_kept(%x: memref<1x2x5x6xf32>, %window: memref<2x2xf32>, %y: memref<1x2x4x5xf32>) {
  // expected-warning @+1 {{kernel 'generic.pool2d_f32' does not fit this op; it keeps its reference lowering}}
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"generic.pool2d_f32", tiles = [4, 4]>}
      ins(%x, %window : memref<1x2x5x6xf32>, memref<2x2xf32>) outs(%y : memref<1x2x4x5xf32>)
  return
}

// -----

// The attention kernel (causal, f32 mask; 6 query rows, 20 keys, Dv = 24):
// key^T in a buffer of its own, tasks (head, block of 4 rows) on threads; a
// full block of 4 rows goes over key blocks of 16 up to its last row's
// position (a causal mask needs no later block). Per feature, one vector
// of key^T and a broadcast query element per row; scores scaled, masked,
// and past each row's position -inf; the online softmax's maximum and sum
// reductions; each key's weight, broadcast, times the value row (its last
// vector through a mask: 24 = 16 + 8); the output divided by the sums.
// CHECK-LABEL: func.func @attention
// CHECK:         %[[KT:.+]] = memref.alloc() : memref<1x2x8x20xf32>
// CHECK:         linalg.transpose ins(%{{.+}} : memref<1x2x20x8xf32>) outs(%[[KT]] : memref<1x2x8x20xf32>) permutation = [0, 1, 3, 2]
// CHECK:         scf.parallel (%[[HEAD:.+]], %[[BLOCK:.+]]) = (%c0, %c0) to (%c2, %c2)
// CHECK:           %[[FIRST:.+]] = arith.muli %[[BLOCK]], %c4
// CHECK:           scf.if
// CHECK:             arith.minui %{{.+}}, %c16
// CHECK:             scf.for %[[KEY:.+]] = %c0 to %{{.+}} step %c16 iter_args({{.+}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:               scf.for %[[D:.+]] = %c0 to %c8 step %c1 iter_args({{.+}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:                 %[[K:.+]] = vector.load %[[KT]][%c0, %[[HEAD]], %[[D]], %[[KEY]]] : memref<1x2x8x20xf32>, vector<16xf32>
// CHECK:                 %[[Q:.+]] = memref.load %{{.+}}[%c0, %[[HEAD]], %[[FIRST]], %[[D]]]
// CHECK:                 %[[QV:.+]] = vector.broadcast %[[Q]] : f32 to vector<16xf32>
// CHECK:                 vector.fma %[[QV]], %[[K]], %{{.+}} : vector<16xf32>
// CHECK-COUNT-3:         vector.fma
// CHECK:               vector.load %{{.+}}[%[[FIRST]], %[[KEY]]] : memref<6x20xf32>, vector<16xf32>
// CHECK:               vector.step : vector<16xindex>
// CHECK:               arith.cmpi ugt
// CHECK:               vector.reduction <maximumf>
// CHECK:               math.exp %{{.+}} : f32
// CHECK:               math.exp %{{.+}} : vector<16xf32>
// CHECK:               vector.reduction <add>, %{{.+}} fastmath<reassoc> : vector<16xf32> into f32
// CHECK:               vector.load %{{.+}}[%c0, %[[HEAD]], %[[KEY]], %c0] : memref<1x2x20x24xf32>, vector<16xf32>
// CHECK:               vector.maskedload %{{.+}}[%c0, %[[HEAD]], %[[KEY]], %c16]
// CHECK:               vector.extract %{{.+}}[0] : f32 from vector<16xf32>
// CHECK:               vector.fma
// CHECK:               vector.extract %{{.+}}[15] : f32 from vector<16xf32>
// CHECK:               scf.yield
// CHECK:             scf.if
// CHECK:               vector.maskedload %[[KT]]
// CHECK:             arith.divf %{{.+}} : vector<16xf32>
// CHECK:             vector.store %{{.+}}, %{{.+}}[%c0, %[[HEAD]], %[[FIRST]], %c0]
// CHECK:             vector.maskedstore
// CHECK:           } else {
// CHECK:             scf.for
// CHECK:         memref.dealloc %[[KT]] : memref<1x2x8x20xf32>
func.func @attention(%q: memref<1x2x6x8xf32>, %k: memref<1x2x20x8xf32>, %v: memref<1x2x20x24xf32>, %m: memref<6x20xf32>, %o: memref<1x2x6x24xf32>) {
  dsk.attention_kernel %q, %k, %v mask %m into %o {causal, scale = 0.5 : f64, dsk.kernel = #dsk.kernel<"x86.avx512f.attention_f32", requires = ["avx512f"], tiles = [4, 16]>} : memref<1x2x6x8xf32>, memref<1x2x20x8xf32>, memref<1x2x20x24xf32>, memref<6x20xf32> into memref<1x2x6x24xf32>
  return
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (n floordiv 4, k, n mod 4)>
#c = affine_map<(m, n, k) -> (m, n)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col3 = affine_map<(d0, d1, d2) -> (d2)>
#none3 = affine_map<(d0, d1, d2) -> ()>

// Elementwise ops fused into the GEMM kernel: the bias broadcast before it
// (a prologue: the accumulators start from the bias, a vector per column
// block) and Clip after it, into another buffer (an epilogue: the last K
// block stores min(max(acc, lo), hi) into %y; the raw product is never
// stored, as nothing reads it). Both generics and their profiling marks go.
// CHECK-LABEL: func.func @fused
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     llvm.call
// CHECK:         scf.for %[[K0:.+]] = %c0 to %c12 step %c8
// CHECK:           %[[FIRST:.+]] = arith.cmpi eq, %[[K0]], %c0
// CHECK:           scf.if %[[FIRST]] -> (vector<4xf32>
// CHECK:             vector.load %{{.+}}[%{{.+}}] : memref<8xf32>, vector<4xf32>
// CHECK:           } else {
// CHECK:             vector.load %{{.+}} : memref<6x8xf32>, vector<4xf32>
// CHECK:           scf.for
// CHECK:             vector.fma
// CHECK:           %[[LAST:.+]] = arith.cmpi eq, %{{.+}}, %c12
// CHECK:           scf.if %[[LAST]] {
// CHECK:             arith.maximumf %{{.+}} : vector<4xf32>
// CHECK:             arith.minimumf %{{.+}} : vector<4xf32>
// CHECK:             vector.store %{{.+}}, %{{.+}} : memref<2x3x8xf32>, vector<4xf32>
// CHECK:           } else {
// CHECK:             vector.store %{{.+}}, %{{.+}} : memref<6x8xf32>, vector<4xf32>
func.func @fused(%a: memref<6x12xf32>, %p: memref<2x12x4xf32>, %bias: memref<8xf32>, %lo: memref<f32>, %hi: memref<f32>, %y: memref<2x3x8xf32>) {
  %c = memref.alloc() : memref<2x3x8xf32>
  %c0 = llvm.mlir.constant(0 : i32) : i32
  %c1 = llvm.mlir.constant(1 : i32) : i32
  llvm.call @__dsk_profile_mark(%c0, %c0) : (i32, i32) -> ()
  linalg.generic {indexing_maps = [#col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%bias : memref<8xf32>) outs(%c : memref<2x3x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  llvm.call @__dsk_profile_mark(%c0, %c1) : (i32, i32) -> ()
  %cm = memref.collapse_shape %c [[0, 1], [2]] : memref<2x3x8xf32> into memref<6x8xf32>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<6x12xf32>, memref<2x12x4xf32>) outs(%cm : memref<6x8xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.gemm_f32", tiles = [4, 4, 8, 4]>} {
  ^bb0(%x: f32, %w: f32, %z: f32):
    %m = arith.mulf %x, %w : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  llvm.call @__dsk_profile_mark(%c1, %c0) : (i32, i32) -> ()
  linalg.generic {indexing_maps = [#id3, #none3, #none3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c, %lo, %hi : memref<2x3x8xf32>, memref<f32>, memref<f32>) outs(%y : memref<2x3x8xf32>) {
  ^bb0(%x: f32, %l: f32, %h: f32, %o: f32):
    %0 = arith.maximumf %x, %l : f32
    %1 = arith.minimumf %0, %h : f32
    linalg.yield %1 : f32
  }
  llvm.call @__dsk_profile_mark(%c1, %c1) : (i32, i32) -> ()
  memref.dealloc %c : memref<2x3x8xf32>
  return
}
llvm.func @__dsk_profile_mark(i32, i32)

// -----

// A convolution's epilogue (Relu, with a constant defined after the kernel:
// it moves up) over output rows of 5 positions that 8-lane vectors
// straddle. Into a buffer whose rows are contiguous, the rows are one
// dimension of a collapsed view: one store per vector. Into the interior of
// a padded buffer, each output row a vector reaches is a masked store.
#w = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_epilogue_rows
// CHECK-SAME: %[[OUT:[a-z0-9]+]]: memref<1x2x3x5xf32>, %[[PADDED:[a-z0-9]+]]: memref<1x2x5x7xf32>)
// CHECK-NOT:   linalg.generic
// CHECK:       scf.for {{.+}} iter_args(
// CHECK:       %[[RELU:.+]] = arith.maximumf %{{.+}} : vector<8xf32>
// CHECK:       %[[ROWS:.+]] = memref.collapse_shape %[[OUT]] {{\[}}[0], [1], [2, 3]] : memref<1x2x3x5xf32> into memref<1x2x15xf32>
// CHECK:       vector.store %[[RELU]], %[[ROWS]][%c0, %c0, %c0] : memref<1x2x15xf32>, vector<8xf32>
// CHECK:       %[[INTERIOR:.+]] = memref.subview %[[PADDED]]
// CHECK:       scf.for {{.+}} iter_args(
// CHECK:       %[[RELU2:.+]] = arith.maximumf %{{.+}} : vector<8xf32>
// CHECK:       vector.step : vector<8xindex>
// CHECK:       vector.maskedstore %[[INTERIOR]][%c0, %c0, %c0, %c0], %{{.+}}, %[[RELU2]]
// CHECK:       vector.maskedstore %[[INTERIOR]][%c0, %c0, %c1, %{{.+}}], %{{.+}}, %[[RELU2]]
func.func @conv_epilogue_rows(%w: memref<1x3x2xf32>, %x: memref<1x3x15xf32>, %out: memref<1x2x3x5xf32>, %padded: memref<1x2x5x7xf32>) {
  %c = memref.alloc() : memref<1x2x3x5xf32>
  %cm = memref.collapse_shape %c [[0], [1], [2, 3]] : memref<1x2x3x5xf32> into memref<1x2x15xf32>
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x3x2xf32>, memref<1x3x15xf32>) outs(%cm : memref<1x2x15xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 8, 8]>} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : memref<1x2x3x5xf32>) outs(%out : memref<1x2x3x5xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  }
  %c2 = memref.alloc() : memref<1x2x3x5xf32>
  %cm2 = memref.collapse_shape %c2 [[0], [1], [2, 3]] : memref<1x2x3x5xf32> into memref<1x2x15xf32>
  linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x3x2xf32>, memref<1x3x15xf32>) outs(%cm2 : memref<1x2x15xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 8, 8]>} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  %interior = memref.subview %padded[0, 0, 1, 1] [1, 2, 3, 5] [1, 1, 1, 1] : memref<1x2x5x7xf32> to memref<1x2x3x5xf32, strided<[70, 35, 7, 1], offset: 8>>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c2 : memref<1x2x3x5xf32>) outs(%interior : memref<1x2x3x5xf32, strided<[70, 35, 7, 1], offset: 8>>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<1x2x3x5xf32>
  memref.dealloc %c2 : memref<1x2x3x5xf32>
  return
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (n floordiv 4, k, n mod 4)>
#c = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>

// Not fused: the raw product is read again after the elementwise op.
// CHECK-LABEL: func.func @not_fused
// CHECK:         vector.fma
// CHECK:         linalg.generic
// CHECK:           math.exp
// CHECK:         linalg.copy
func.func @not_fused(%a: memref<4x8xf32>, %p: memref<1x8x4xf32>, %y: memref<4x4xf32>, %z: memref<4x4xf32>) {
  %c = memref.alloc() : memref<4x4xf32>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %p : memref<4x8xf32>, memref<1x8x4xf32>) outs(%c : memref<4x4xf32>)
      attrs = {dsk.kernel = #dsk.kernel<"x86.avx2.gemm_f32", tiles = [4, 4, 8, 4]>} {
  ^bb0(%x: f32, %w: f32, %s: f32):
    %m = arith.mulf %x, %w : f32
    %t = arith.addf %s, %m : f32
    linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x4xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  linalg.copy ins(%c : memref<4x4xf32>) outs(%z : memref<4x4xf32>)
  memref.dealloc %c : memref<4x4xf32>
  return
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// The depthwise kernel computes them too: the zero fill of its output
// (the accumulators start at zero, no load) and a ReLU into the interior of
// a padded buffer (stored there, not into %y, which nothing then uses: it
// goes).
// CHECK-LABEL: func.func @depthwise_fused
// CHECK-SAME: (%[[X:.+]]: memref<1x2x5x7xf32>, %{{.+}}: memref<2x2x2xf32>, %[[P:.+]]: memref<1x2x6x8xf32>)
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.fill
// CHECK-NOT:     linalg.generic
// CHECK:         %[[INTERIOR:.+]] = memref.subview %[[P]][0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1]
// CHECK:         scf.parallel
// CHECK:           vector.fma
// CHECK:           arith.maximumf %{{.+}} : vector<4xf32>
// CHECK:           vector.store %{{.+}}, %[[INTERIOR]]
// CHECK-NOT:     memref.alloc
func.func @depthwise_fused(%x: memref<1x2x5x7xf32>, %w: memref<2x2x2xf32>, %p: memref<1x2x6x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() : memref<1x2x4x6xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<1x2x4x6xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%x, %w : memref<1x2x5x7xf32>, memref<2x2x2xf32>) outs(%y : memref<1x2x4x6xf32>)
  %interior = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 6] [1, 1, 1, 1] : memref<1x2x6x8xf32> to memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : memref<1x2x4x6xf32>) outs(%interior : memref<1x2x4x6xf32, strided<[96, 48, 8, 1], offset: 9>>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %y : memref<1x2x4x6xf32>
  return
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// Not fused: %y is the caller's (a function argument), who would miss the
// raw values if the ReLU went into %p only.
// CHECK-LABEL: func.func @depthwise_output_seen
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
func.func @depthwise_output_seen(%x: memref<1x2x5x7xf32>, %w: memref<2x2x2xf32>, %y: memref<1x2x4x6xf32>, %p: memref<1x2x4x6xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.dwconv2d_f32", tiles = [4]>}
      ins(%x, %w : memref<1x2x5x7xf32>, memref<2x2x2xf32>) outs(%y : memref<1x2x4x6xf32>)
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : memref<1x2x4x6xf32>) outs(%p : memref<1x2x4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  }
  return
}
