// RUN: dsk-opt %s -split-input-file -dsk-untie-empty-tensors | FileCheck %s

// Every use of a shared tensor.empty gets its own, just before its user.
// CHECK-LABEL: func.func @shared
// CHECK:         %[[E0:.+]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT:    %[[A:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E0]] : tensor<4xf32>)
// CHECK-NEXT:    %[[E1:.+]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT:    %[[B:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<4xf32>)
// CHECK-NEXT:    return %[[A]], %[[B]]
func.func @shared(%x: f32, %y: f32) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.fill ins(%x : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.fill ins(%y : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// Dynamic sizes come along; a user in a loop body gets its clone next to the
// original, outside the loop.
// CHECK-LABEL: func.func @dynamic_and_nested
// CHECK-SAME:    (%[[N:[^:]+]]: index
// CHECK-NEXT:    %[[E0:.+]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK:         scf.for
// CHECK:           linalg.fill ins(%{{.+}} : f32) outs(%[[E0]] : tensor<?xf32>)
// CHECK:         %[[E1:.+]] = tensor.empty(%[[N]]) : tensor<?xf32>
// CHECK-NEXT:    linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<?xf32>)
func.func @dynamic_and_nested(%n: index, %x: f32, %t: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %e = tensor.empty(%n) : tensor<?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %t) -> (tensor<?xf32>) {
    %f = linalg.fill ins(%x : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    scf.yield %f : tensor<?xf32>
  }
  %g = linalg.fill ins(%x : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  return %r, %g : tensor<?xf32>, tensor<?xf32>
}

// -----

// A tensor.empty with one use stays as it is.
// CHECK-LABEL: func.func @single_use
// CHECK-COUNT-1: tensor.empty
// CHECK-NOT:     tensor.empty
func.func @single_use(%x: f32) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.fill ins(%x : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %a : tensor<4xf32>
}
