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

// -----

// A convolution kernel needs a filter it can pack at compile time.
func.func @filter_not_constant(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x1x1xf32>, %init: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error @below {{kernel 'generic.conv2d_f32' needs a constant filter}}
  %0 = linalg.conv_2d_nchw_fchw {dsk.kernel = #dsk.kernel<"generic.conv2d_f32", tiles = [4, 8, 16, 4]>} ins(%x, %w : tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) outs(%init : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// ... of f32 with static shapes.
func.func @conv_dynamic(%x: tensor<?x2x4x4xf32>, %init: tensor<?x3x4x4xf32>) -> tensor<?x3x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<3x2x1x1xf32>
  // expected-error @below {{kernel 'generic.conv2d_f32' needs f32 tensors with static shapes, got 'tensor<?x2x4x4xf32>'}}
  %0 = linalg.conv_2d_nchw_fchw {dsk.kernel = #dsk.kernel<"generic.conv2d_f32", tiles = [4, 8, 16, 4]>} ins(%x, %w : tensor<?x2x4x4xf32>, tensor<3x2x1x1xf32>) outs(%init : tensor<?x3x4x4xf32>) -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// -----

func.func @conv_bad_tiles(%x: tensor<1x2x4x4xf32>, %init: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<3x2x1x1xf32>
  // expected-error @below {{kernel 'generic.conv2d_f32' needs tiles [MR, NR, KC, width] with NR a multiple of width}}
  %0 = linalg.conv_2d_nchw_fchw {dsk.kernel = #dsk.kernel<"generic.conv2d_f32", tiles = [4, 6, 16, 4]>} ins(%x, %w : tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) outs(%init : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @gemm_not_f32(%x: tensor<3x2xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<1> : tensor<2x2xi8>
  // expected-error @below {{kernel 'generic.gemm_f32' needs f32 tensors with static shapes, got 'tensor<3x2xi8>'}}
  %0 = dsk.matmul %x, %w {dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [4, 4, 8, 4]>} : (tensor<3x2xi8>, tensor<2x2xi8>) -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}

// -----

// The channels-in-lanes kernels transpose MR x width tiles: MR must be a
// power of two that divides the vector width.
func.func @channels_bad_rows(%x: tensor<1x2x4x4xf32>, %init: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<3x2x1x1xf32>
  // expected-error @below {{kernel 'generic.conv2d_channels_f32' needs MR a power of two that divides the vector width}}
  %0 = linalg.conv_2d_nchw_fchw {dsk.kernel = #dsk.kernel<"generic.conv2d_channels_f32", tiles = [3, 8, 16, 4]>} ins(%x, %w : tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>) outs(%init : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}
