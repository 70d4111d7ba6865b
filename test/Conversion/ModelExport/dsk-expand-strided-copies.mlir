// RUN: dsk-opt %s -split-input-file -dsk-expand-strided-copies | FileCheck %s
// RUN: dsk-opt %s -split-input-file -dsk-expand-strided-copies \
// RUN:   -finalize-memref-to-llvm | FileCheck %s --check-prefix=LLVM

// The lowering of the copies that are left never calls the runner utilities.
// LLVM-NOT: memrefCopy

// Copies between contiguous buffers stay memref.copy (they become a memcpy),
// also with a static offset.
// CHECK-LABEL: func.func @contiguous(
// CHECK-SAME: %[[A:[^:]+]]: memref<4x4xf32>, %[[B:[^:]+]]: memref<4x4xf32>, %[[C:[^:]+]]: memref<4x4xf32, strided<[4, 1], offset: 3>>)
// CHECK-NEXT: memref.copy %[[A]], %[[B]] : memref<4x4xf32> to memref<4x4xf32>
// CHECK-NEXT: memref.copy %[[C]], %[[A]] : memref<4x4xf32, strided<[4, 1], offset: 3>> to memref<4x4xf32>
// CHECK-NEXT: memref.copy %[[A]], %[[C]] : memref<4x4xf32> to memref<4x4xf32, strided<[4, 1], offset: 3>>
// CHECK-NEXT: return
func.func @contiguous(%a: memref<4x4xf32>, %b: memref<4x4xf32>,
                      %c: memref<4x4xf32, strided<[4, 1], offset: 3>>) {
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  memref.copy %c, %a : memref<4x4xf32, strided<[4, 1], offset: 3>> to memref<4x4xf32>
  memref.copy %a, %c : memref<4x4xf32> to memref<4x4xf32, strided<[4, 1], offset: 3>>
  return
}

// -----

// A strided source: a row of 4 out of 8 (a subview of a wider buffer).
// CHECK-LABEL: func.func @strided_source(
// CHECK-SAME: %[[A:[^:]+]]: memref<4x4xf32, strided<[8, 1]>>, %[[B:[^:]+]]: memref<4x4xf32>)
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[A]] : memref<4x4xf32, strided<[8, 1]>>) outs(%[[B]] : memref<4x4xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @strided_source(%a: memref<4x4xf32, strided<[8, 1]>>,
                          %b: memref<4x4xf32>) {
  memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}

// -----

// A strided target, and a transposed (column-major) source.
// CHECK-LABEL: func.func @strided_target(
// CHECK-SAME: %[[A:[^:]+]]: memref<4x4xf32>, %[[B:[^:]+]]: memref<4x4xf32, strided<[8, 1], offset: 2>>, %[[T:[^:]+]]: memref<4x4xf32, strided<[1, 4]>>)
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[A]] : memref<4x4xf32>) outs(%[[B]] : memref<4x4xf32, strided<[8, 1], offset: 2>>)
// CHECK: linalg.copy ins(%[[T]] : memref<4x4xf32, strided<[1, 4]>>) outs(%[[A]] : memref<4x4xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @strided_target(%a: memref<4x4xf32>,
                          %b: memref<4x4xf32, strided<[8, 1], offset: 2>>,
                          %t: memref<4x4xf32, strided<[1, 4]>>) {
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32, strided<[8, 1], offset: 2>>
  memref.copy %t, %a : memref<4x4xf32, strided<[1, 4]>> to memref<4x4xf32>
  return
}

// -----

// A copy out of a subview, as bufferization makes it for a tensor slice.
// CHECK-LABEL: func.func @subview(
// CHECK: %[[SV:.+]] = memref.subview
// CHECK: linalg.copy ins(%[[SV]] : memref<2x3xi8, strided<[5, 1], offset: 6>>) outs(%{{.+}} : memref<2x3xi8>)
func.func @subview(%a: memref<4x5xi8>, %b: memref<2x3xi8>) {
  %sv = memref.subview %a[1, 1] [2, 3] [1, 1]
      : memref<4x5xi8> to memref<2x3xi8, strided<[5, 1], offset: 6>>
  memref.copy %sv, %b : memref<2x3xi8, strided<[5, 1], offset: 6>> to memref<2x3xi8>
  return
}
