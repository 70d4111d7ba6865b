// The same module compiled for four CPUs gets a different kernel on each:
// AVX-512F for Skylake-AVX512 and Sapphire Rapids, AVX2+FMA for x86-64-v3,
// the generic kernel for baseline x86-64. A product whose rhs is not a
// constant keeps the reference lowering and the report says why.
// RUN: dsk-compile %s --emit=mlir -target=x86-64-v3 --print-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=V3
// RUN: dsk-compile %s --emit=mlir -target=skylake-avx512 --print-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=V4
// RUN: dsk-compile %s --emit=mlir -target=sapphirerapids --print-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=V4
// RUN: dsk-compile %s --emit=mlir -target=x86-64 --print-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=GENERIC
// RUN: dsk-compile %s --emit=mlir -target=skylake-avx512 | FileCheck %s --check-prefix=IR

// V3: dsk.matmul at dsk-compile-kernels.mlir:{{[0-9]+}} (4x64xf32, 64x40xf32 -> 4x40xf32): x86.avx2.gemm_f32 tiles [6, 16, 256, 8]
// V3-NEXT: dsk.matmul at dsk-compile-kernels.mlir:{{[0-9]+}} (4x40xf32, 40x4xf32 -> 4x4xf32): reference lowering (x86.avx512f.gemm_f32: target lacks avx512f; x86.avx2.gemm_f32: rhs is not a constant; generic.gemm_f32: rhs is not a constant)
// V4: dsk.matmul at dsk-compile-kernels.mlir:{{[0-9]+}} (4x64xf32, 64x40xf32 -> 4x40xf32): x86.avx512f.gemm_f32 tiles [12, 32, 256, 16]
// V4-NEXT: dsk.matmul at {{.*}}: reference lowering (x86.avx512f.gemm_f32: rhs is not a constant; x86.avx2.gemm_f32: rhs is not a constant; generic.gemm_f32: rhs is not a constant)
// GENERIC: dsk.matmul at dsk-compile-kernels.mlir:{{[0-9]+}} (4x64xf32, 64x40xf32 -> 4x40xf32): generic.gemm_f32 tiles [4, 8, 256, 4]
// GENERIC-NEXT: reference lowering (x86.avx512f.gemm_f32: target lacks avx512f; x86.avx2.gemm_f32: target lacks avx2; generic.gemm_f32: rhs is not a constant)

// Attention: an f32 one gets the attention kernel of the target's widest
// vectors; one with a boolean mask keeps the reference lowering, saying why.
// V3: dsk.attention at {{.*}} (1x2x8x16xf32, 1x2x8x16xf32, 1x2x8x16xf32 -> 1x2x8x16xf32): x86.avx2.attention_f32 tiles [4, 8]
// V3-NEXT: dsk.attention at {{.*}}: reference lowering (x86.avx512f.attention_f32: target lacks avx512f; x86.avx2.attention_f32: mask is not f32; generic.attention_f32: mask is not f32)
// V4: dsk.attention at {{.*}}: x86.avx512f.attention_f32 tiles [4, 16]
// V4-NEXT: dsk.attention at {{.*}}: reference lowering (x86.avx512f.attention_f32: mask is not f32;
// GENERIC: dsk.attention at {{.*}}: generic.attention_f32 tiles [4, 4]

// The driver writes the target on the module; the kernel is an attribute.
// IR: module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "skylake-avx512", features = [{{.*}}"avx512f"{{.*}}]
// IR: dsk.matmul %{{.+}}, %{{.+}} {dsk.kernel = #dsk.kernel<"x86.avx512f.gemm_f32", requires = ["avx512f"], tiles = [12, 32, 256, 16]>}
func.func @main_graph(%x: tensor<4x64xf32> {dsk.onnx.name = "x"}, %q: tensor<1x2x8x16xf32> {dsk.onnx.name = "q"}, %m: tensor<8x8xi1> {dsk.onnx.name = "m"}) -> (tensor<4x4xf32> {dsk.onnx.name = "y"}, tensor<1x2x8x16xf32> {dsk.onnx.name = "a"}, tensor<1x2x8x16xf32> {dsk.onnx.name = "b"}) {
  %w = arith.constant dense<0.5> : tensor<64x40xf32>
  %h = dsk.matmul %x, %w : (tensor<4x64xf32>, tensor<64x40xf32>) -> tensor<4x40xf32>
  %e = tensor.empty() : tensor<40x4xf32>
  %t = linalg.transpose ins(%h : tensor<4x40xf32>) outs(%e : tensor<40x4xf32>) permutation = [1, 0]
  %y = dsk.matmul %h, %t : (tensor<4x40xf32>, tensor<40x4xf32>) -> tensor<4x4xf32>
  %a = dsk.attention %q, %q, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %b = dsk.attention %q, %q, %q mask %m : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xi1>) -> tensor<1x2x8x16xf32>
  return %y, %a, %b : tensor<4x4xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
