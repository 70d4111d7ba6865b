// RUN: dsk-opt %s -split-input-file -dsk-cpu-pack-weights | FileCheck %s
// RUN: dsk-opt %s -split-input-file -dsk-cpu-pack-weights="implicit-patches=false" | FileCheck %s --check-prefix=IM2COL

// The constant rhs (3 x 5) becomes panels of NR = 4 columns (2 panels, the
// second zero-padded): Bp[j, k, c] = B[k, 4 j + c]. The lhs's batch folds
// into the rows, the bias is broadcast into the accumulator, and the product
// is a generic that reads the panels and carries the kernel.
// CHECK-DAG: #[[$A:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$B:.+]] = affine_map<(d0, d1, d2) -> (d1 floordiv 4, d2, d1 mod 4)>
// CHECK-DAG: #[[$C:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @packed
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x3xf32>, %[[BIAS:.+]]: tensor<5xf32>)
// CHECK: %[[P:.+]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00], [1.100000e+01, 1.200000e+01, 1.300000e+01, 1.400000e+01]], {{\[}}[5.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [1.000000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00], [1.500000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00]]]> : tensor<2x3x4xf32>
// CHECK: %[[X2:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x3x3xf32> into tensor<6x3xf32>
// CHECK: %[[INIT:.+]] = linalg.generic {{.+}} ins(%[[BIAS]] : tensor<5xf32>)
// CHECK: %[[INIT2:.+]] = tensor.collapse_shape %[[INIT]] {{\[}}[0, 1], [2]] : tensor<2x3x5xf32> into tensor<6x5xf32>
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X2]], %[[P]] : tensor<6x3xf32>, tensor<2x3x4xf32>) outs(%[[INIT2]] : tensor<6x5xf32>) attrs = {{ *}}{dsk.kernel = #dsk.kernel<"x86.avx2.gemm_f32", requires = ["avx2", "fma"], tiles = [2, 4, 8, 4]>}
// CHECK: tensor.expand_shape %[[R]] {{\[}}[0, 1], [2]] output_shape [2, 3, 5] : tensor<6x5xf32> into tensor<2x3x5xf32>
func.func @packed(%x: tensor<2x3x3xf32>, %bias: tensor<5xf32>) -> tensor<2x3x5xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0], [11.0, 12.0, 13.0, 14.0, 15.0]]> : tensor<3x5xf32>
  %0 = dsk.matmul %x, %w bias %bias {dsk.kernel = #dsk.kernel<"x86.avx2.gemm_f32", requires = ["avx2", "fma"], tiles = [2, 4, 8, 4]>} : (tensor<2x3x3xf32>, tensor<3x5xf32>, tensor<5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// A transposed rhs (N x K) packs to the same layout; without a bias the
// accumulator is zeros. Matmuls without a GEMM kernel are left alone.
// CHECK-LABEL: func.func @transposed
// CHECK: arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]]> : tensor<1x2x2xf32>
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK: dsk.matmul
func.func @transposed(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = dsk.matmul %x, %w {transpose_rhs, dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [4, 2, 8, 2]>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = dsk.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<3x2xf32>
}


// -----

// A 1x1 convolution with unit strides: the filter (3 channels x 2 inputs)
// becomes slivers of MR = 2 channels (the second zero-padded past channel
// 3): Wp[s, c, r] = W[2 s + r, c]. The input itself is the patch matrix
// (collapsed spatially), the convolution's init is the accumulator, and the
// GEMM's result is expanded back to NCHW.
// CHECK-DAG: #[[$W:.+]] = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 2, d3, d1 mod 2)>
// CHECK-DAG: #[[$X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[$Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_1x1
// CHECK-SAME: (%[[X:.+]]: tensor<2x2x3x4xf32>, %[[INIT:.+]]: tensor<2x3x3x4xf32>)
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]], {{\[}}[5.000000e+00, 0.000000e+00], [6.000000e+00, 0.000000e+00]]]> : tensor<2x2x2xf32>
// CHECK: %[[P:.+]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1], [2, 3]] : tensor<2x2x3x4xf32> into tensor<2x2x12xf32>
// CHECK: %[[ACC:.+]] = tensor.collapse_shape %[[INIT]] {{\[}}[0], [1], [2, 3]] : tensor<2x3x3x4xf32> into tensor<2x3x12xf32>
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$W]], #[[$X]], #[[$Y]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[W]], %[[P]] : tensor<2x2x2xf32>, tensor<2x2x12xf32>) outs(%[[ACC]] : tensor<2x3x12xf32>) attrs = {{ *}}{dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 16, 8]>}
// CHECK: tensor.expand_shape %[[R]] {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 3, 4] : tensor<2x3x12xf32> into tensor<2x3x3x4xf32>
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_1x1(%x: tensor<2x2x3x4xf32>, %init: tensor<2x3x3x4xf32>) -> tensor<2x3x3x4xf32> {
  %w = arith.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]]]> : tensor<3x2x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", tiles = [2, 8, 16, 8]>} ins(%x, %w : tensor<2x2x3x4xf32>, tensor<3x2x1x1xf32>) outs(%init : tensor<2x3x3x4xf32>) -> tensor<2x3x3x4xf32>
  return %0 : tensor<2x3x3x4xf32>
}

// -----

// A strided, dilated 2x2 convolution (2 -> 4 channels, 3x3 outputs): by
// default the product reads its patches (K = 2 * 2 * 2 rows, 9 columns)
// from the input itself, row k = (c * 2 + kh) * 2 + kw, column p = oh * 3 +
// ow at (oh * 2 + kh * 3, ow * 3 + kw * 3); no copy.
// CHECK-DAG: #[[$W:.+]] = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 4, d3, d1 mod 4)>
// CHECK-DAG: #[[$IN:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3 floordiv 4, (d2 floordiv 3) * 2 + ((d3 floordiv 2) mod 2) * 3, (d2 mod 3) * 3 + (d3 mod 2) * 3)>
// CHECK-DAG: #[[$OUT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_patches
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x9x10xf32>,
// CHECK-NOT: linalg.generic
// CHECK: linalg.generic {indexing_maps = [#[[$W]], #[[$IN]], #[[$OUT]]], {{.+}} ins(%{{.+}}, %[[X]] : tensor<1x8x4xf32>, tensor<1x2x9x10xf32>) outs(%{{.+}} : tensor<1x4x9xf32>)
// With implicit-patches=false they are copied (im2col) by a generic over
// [N, C, KH, KW, OH, OW] that reads the input at (oh * stride + kh *
// dilation, ow * stride + kw * dilation), then collapsed to
// [N, C * KH * KW, OH * OW].
// IM2COL-DAG: #[[$IN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2 * 3, d5 * 3 + d3 * 3)>
// IM2COL-DAG: #[[$ID:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
// IM2COL-LABEL: func.func @conv_patches
// IM2COL: %[[COPY:.+]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%{{.+}} : tensor<1x2x9x10xf32>) outs(%{{.+}} : tensor<1x2x2x2x3x3xf32>)
// IM2COL: %[[P:.+]] = tensor.collapse_shape %[[COPY]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x2x2x2x3x3xf32> into tensor<1x8x9xf32>
// IM2COL: linalg.generic {{.+}} ins(%{{.+}}, %[[P]] : tensor<1x8x4xf32>, tensor<1x8x9xf32>)
func.func @conv_patches(%x: tensor<1x2x9x10xf32>, %init: tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x2x2x2xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<3> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"generic.conv2d_f32", tiles = [4, 8, 16, 4]>} ins(%x, %w : tensor<1x2x9x10xf32>, tensor<4x2x2x2xf32>) outs(%init : tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

// The channels-in-lanes kernel: the filter (3 channels x 2 inputs) is packed
// in panels of NR = 4 channels (one, zero past channel 3),
// Wp[j][k][c] = W[4 j + c][k], and the product reads it at (f floordiv 4,
// k, f mod 4); the patches are read as for the other convolution kernels.
// CHECK-DAG: #[[$WP:.+]] = affine_map<(d0, d1, d2, d3) -> (d1 floordiv 4, d3, d1 mod 4)>
// CHECK-LABEL: func.func @conv_channels
// CHECK: %[[W:.+]] = arith.constant dense<{{\[}}{{\[}}[1.000000e+00, 3.000000e+00, 5.000000e+00, 0.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00, 0.000000e+00]]]> : tensor<1x2x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$WP]], {{.+}}]{{.+}} ins(%[[W]], %{{.+}} : tensor<1x2x4xf32>, tensor<2x2x12xf32>) outs(%{{.+}} : tensor<2x3x12xf32>) attrs = {{ *}}{dsk.kernel = #dsk.kernel<"generic.conv2d_channels_f32", tiles = [4, 4, 16, 4]>}
func.func @conv_channels(%x: tensor<2x2x3x4xf32>, %init: tensor<2x3x3x4xf32>) -> tensor<2x3x3x4xf32> {
  %w = arith.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]]]> : tensor<3x2x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"generic.conv2d_channels_f32", tiles = [4, 4, 16, 4]>} ins(%x, %w : tensor<2x2x3x4xf32>, tensor<3x2x1x1xf32>) outs(%init : tensor<2x3x3x4xf32>) -> tensor<2x3x3x4xf32>
  return %0 : tensor<2x3x3x4xf32>
}
