// RUN: dsk-opt %s -split-input-file -dsk-cpu-pack-weights -verify-diagnostics

// A kernel whose tiles break the packing contract is an error.
func.func @bad_tiles(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  // expected-error @below {{kernel 'generic.gemm_f32' needs tiles [MR, NR, KC, width] with NR a multiple of width}}
  %0 = dsk.matmul %x, %w {dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [4, 6, 8, 4]>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A GEMM kernel needs weights it can pack at compile time.
func.func @rhs_not_constant(%x: tensor<3x2xf32>, %w: tensor<2x4xf32>) -> tensor<3x4xf32> {
  // expected-error @below {{kernel 'generic.gemm_f32' needs a constant rhs}}
  %0 = dsk.matmul %x, %w {dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [4, 4, 8, 4]>} : (tensor<3x2xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
