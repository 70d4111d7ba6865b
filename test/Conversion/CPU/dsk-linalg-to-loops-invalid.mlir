// RUN: dsk-opt %s --pass-pipeline="builtin.module(func.func(dsk-linalg-to-loops))" -verify-diagnostics

func.func @tensors(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{dsk-linalg-to-loops runs after bufferization; this op still has tensor operands}}
  %0 = linalg.copy ins(%x : tensor<4xf32>) outs(%y : tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
