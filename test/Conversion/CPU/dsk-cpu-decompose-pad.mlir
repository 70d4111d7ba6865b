// RUN: dsk-opt %s -split-input-file -dsk-cpu-decompose-pad | FileCheck %s

// A spatial pad of an NCHW tensor: four border slabs (top and bottom rows,
// left and right columns, each spanning the other dimensions) filled with
// the padding value, then the source inserted into the interior.
// CHECK-LABEL: func.func @pad
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x3x4xf32>, %[[V:.+]]: f32)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x2x6x7xf32>
// CHECK: %[[TOP:.+]] = linalg.fill ins(%[[V]] : f32) outs(%{{.+}} : tensor<1x2x1x7xf32>)
// CHECK: %[[T1:.+]] = tensor.insert_slice %[[TOP]] into %[[E]][0, 0, 0, 0] [1, 2, 1, 7] [1, 1, 1, 1]
// CHECK: %[[BOTTOM:.+]] = linalg.fill ins(%[[V]] : f32) outs(%{{.+}} : tensor<1x2x2x7xf32>)
// CHECK: %[[T2:.+]] = tensor.insert_slice %[[BOTTOM]] into %[[T1]][0, 0, 4, 0] [1, 2, 2, 7] [1, 1, 1, 1]
// CHECK: %[[LEFT:.+]] = linalg.fill ins(%[[V]] : f32) outs(%{{.+}} : tensor<1x2x6x2xf32>)
// CHECK: %[[T3:.+]] = tensor.insert_slice %[[LEFT]] into %[[T2]][0, 0, 0, 0] [1, 2, 6, 2] [1, 1, 1, 1]
// CHECK: %[[RIGHT:.+]] = linalg.fill ins(%[[V]] : f32) outs(%{{.+}} : tensor<1x2x6x1xf32>)
// CHECK: %[[T4:.+]] = tensor.insert_slice %[[RIGHT]] into %[[T3]][0, 0, 0, 6] [1, 2, 6, 1] [1, 1, 1, 1]
// CHECK: %[[R:.+]] = tensor.insert_slice %[[X]] into %[[T4]][0, 0, 1, 2] [1, 2, 3, 4] [1, 1, 1, 1]
// CHECK: return %[[R]]
// CHECK-NOT: tensor.pad
func.func @pad(%x: tensor<1x2x3x4xf32>, %v: f32) -> tensor<1x2x6x7xf32> {
  %0 = tensor.pad %x low[0, 0, 1, 2] high[0, 0, 2, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %v : f32
  } : tensor<1x2x3x4xf32> to tensor<1x2x6x7xf32>
  return %0 : tensor<1x2x6x7xf32>
}

// -----

// Pads this pass leaves to bufferization: dynamic shapes, dynamic amounts,
// a padding value computed from the indices.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-3: tensor.pad
func.func @kept(%x: tensor<?x4xf32>, %y: tensor<2x4xf32>, %n: index, %v: f32) -> (tensor<?x6xf32>, tensor<?x4xf32>, tensor<2x6xf32>) {
  %0 = tensor.pad %x low[0, 1] high[0, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %v : f32
  } : tensor<?x4xf32> to tensor<?x6xf32>
  %1 = tensor.pad %y low[%n, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %v : f32
  } : tensor<2x4xf32> to tensor<?x4xf32>
  %2 = tensor.pad %y low[0, 1] high[0, 1] {
  ^bb0(%i: index, %j: index):
    %f = arith.index_cast %j : index to i32
    %g = arith.sitofp %f : i32 to f32
    tensor.yield %g : f32
  } : tensor<2x4xf32> to tensor<2x6xf32>
  return %0, %1, %2 : tensor<?x6xf32>, tensor<?x4xf32>, tensor<2x6xf32>
}
