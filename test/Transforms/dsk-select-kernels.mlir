// RUN: dsk-opt %s -split-input-file -dsk-select-kernels | FileCheck %s

// An AVX2 target: the f32 product with constant weights gets the AVX2 GEMM
// kernel; a product of two activations, an integer product and one whose
// kernel was chosen before keep what they have.
// CHECK-LABEL: func.func @avx2
// CHECK: dsk.matmul %{{.+}}, %{{.+}} {dsk.kernel = #dsk.kernel<"x86.avx2.gemm_f32", requires = ["avx2", "fma"], tiles = [6, 16, 256, 8]>}
// CHECK: dsk.matmul %{{.+}}, %{{.+}} : (tensor<4x8xf32>, tensor<8x4xf32>)
// CHECK: dsk.matmul %{{.+}}, %{{.+}} : (tensor<4x8xi8>, tensor<8x16xi8>)
// CHECK: dsk.matmul %{{.+}}, %{{.+}} {dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [1, 4, 8, 4]>}
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @avx2(%x: tensor<4x8xf32>, %xi: tensor<4x8xi8>, %t: tensor<8x4xf32>) -> (tensor<4x16xf32>, tensor<4x4xf32>, tensor<4x16xi32>, tensor<4x16xf32>) {
  %w = arith.constant dense<1.0> : tensor<8x16xf32>
  %wi = arith.constant dense<1> : tensor<8x16xi8>
  %0 = dsk.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = dsk.matmul %x, %t : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %2 = dsk.matmul %xi, %wi : (tensor<4x8xi8>, tensor<8x16xi8>) -> tensor<4x16xi32>
  %3 = dsk.matmul %x, %w {dsk.kernel = #dsk.kernel<"generic.gemm_f32", tiles = [1, 4, 8, 4]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0, %1, %2, %3 : tensor<4x16xf32>, tensor<4x4xf32>, tensor<4x16xi32>, tensor<4x16xf32>
}
}

// -----

// AVX-512F comes first where the target has it; a transposed rhs is packed
// like any other.
// CHECK-LABEL: func.func @avx512
// CHECK: dsk.kernel = #dsk.kernel<"x86.avx512f.gemm_f32", requires = ["avx512f"], tiles = [12, 32, 256, 16]>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "skylake-avx512", features = ["avx2", "avx512f", "fma"]>} {
func.func @avx512(%x: tensor<2x4x8xf32>) -> tensor<2x4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<16x8xf32>
  %0 = dsk.matmul %x, %w {transpose_rhs} : (tensor<2x4x8xf32>, tensor<16x8xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}
}

// -----

// No target: nothing is selected.
// CHECK-LABEL: func.func @no_target
// CHECK-NOT: dsk.kernel
func.func @no_target(%x: tensor<4x8xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<1.0> : tensor<8x16xf32>
  %0 = dsk.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
