// RUN: dsk-opt %s -dsk-graph-pipeline | FileCheck %s

// The graph pipeline as dsk-compile runs it between import and the backend:
// canonicalization, attention fusion, CSE, then kernel selection for the
// target on the module. Kernels are chosen for the graph the earlier passes
// left: the fused dsk.attention gets the attention kernel (not the three ops
// it replaced), and the two identical products, merged by CSE, get one GEMM
// kernel.
// CHECK-LABEL: func.func @block
// CHECK-SAME: (%[[X:.+]]: tensor<16x32xf32>, %[[Q:.+]]: tensor<8x16x4xf32>, %[[K:.+]]: tensor<8x16x4xf32>, %[[V:.+]]: tensor<8x16x4xf32>)
// CHECK-NOT: tensor.cast
// CHECK-NOT: linalg.softmax
// CHECK: %[[A:.+]] = dsk.attention {{.+}} {dsk.kernel = #dsk.kernel<"x86.avx512f.attention_f32", requires = ["avx512f"], tiles = [4, 16]>, scale = 1.000000e+00 : f64}
// CHECK: %[[O:.+]] = tensor.collapse_shape %[[A]]
// CHECK: %[[Y:.+]] = dsk.matmul %[[X]], %{{.+}} {dsk.kernel = #dsk.kernel<"x86.avx512f.gemm_f32", requires = ["avx512f"], tiles = [12, 32, 256, 16]>}
// CHECK-NOT: dsk.matmul
// CHECK: return %[[O]], %[[Y]], %[[Y]]
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "skylake-avx512", features = ["avx2", "avx512f", "fma"]>} {
func.func @block(%x: tensor<16x32xf32>, %q: tensor<8x16x4xf32>, %k: tensor<8x16x4xf32>, %v: tensor<8x16x4xf32>) -> (tensor<8x16x4xf32>, tensor<16x32xf32>, tensor<16x32xf32>) {
  %qc = tensor.cast %q : tensor<8x16x4xf32> to tensor<8x16x4xf32>
  %e1 = tensor.empty() : tensor<8x4x16xf32>
  %kt = linalg.transpose ins(%k : tensor<8x16x4xf32>) outs(%e1 : tensor<8x4x16xf32>) permutation = [0, 2, 1]
  %s = dsk.matmul %qc, %kt : (tensor<8x16x4xf32>, tensor<8x4x16xf32>) -> tensor<8x16x16xf32>
  %e3 = tensor.empty() : tensor<8x16x16xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<8x16x16xf32>) outs(%e3 : tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %o = dsk.matmul %p, %v : (tensor<8x16x16xf32>, tensor<8x16x4xf32>) -> tensor<8x16x4xf32>
  %w = arith.constant dense<0.5> : tensor<32x32xf32>
  %y0 = dsk.matmul %x, %w : (tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<16x32xf32>
  %y1 = dsk.matmul %x, %w : (tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<16x32xf32>
  return %o, %y0, %y1 : tensor<8x16x4xf32>, tensor<16x32xf32>, tensor<16x32xf32>
}
}
