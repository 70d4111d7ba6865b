// RUN: dsk-opt %s -split-input-file -dsk-cpu-pack-weights | FileCheck %s

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

