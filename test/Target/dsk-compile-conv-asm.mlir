// The channels-in-lanes convolution kernels in the assembly (so the AVX-512
// kernel is tested on hosts without AVX-512 too): a 7x7 output (49
// positions) with 32 channels puts channels in the lanes; AVX-512F
// multiplies zmm vectors of 16 channels by broadcast positions and
// transposes the 8 x 16 tiles with zmm shuffles; AVX2 uses ymm only; the
// baseline x86-64 multiplies and adds (no FMA).
// RUN: dsk-compile %s --emit=asm -target=skylake-avx512 --print-kernels -o - 2>&1 | FileCheck %s --check-prefix=AVX512
// RUN: dsk-compile %s --emit=asm -target=x86-64-v3 --print-kernels -o - 2>&1 | FileCheck %s --check-prefix=AVX2
// RUN: dsk-compile %s --emit=asm -target=x86-64 --print-kernels -o - 2>&1 | FileCheck %s --check-prefix=SSE

// AVX512: x86.avx512f.conv2d_channels_f32 tiles [8, 32, 512, 16]
// AVX512: vbroadcastss {{.*}}%zmm{{[0-9]+}}
// AVX512: vfmadd231ps {{.*}}%zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// AVX512: v{{(shuf|perm|unpck)}}{{[a-z0-9]+}} {{.*}}%zmm{{[0-9]+}}
// AVX2: x86.avx2.conv2d_channels_f32 tiles [4, 24, 256, 8]
// AVX2-NOT: zmm
// AVX2: vfmadd231ps {{.*}}%ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}
// AVX2-NOT: zmm
// SSE: generic.conv2d_channels_f32 tiles [4, 8, 256, 4]
// SSE-NOT: fma
// SSE: mulps
// SSE: addps
// SSE-NOT: fma
func.func @main_graph(%x: tensor<1x16x9x9xf32> {dsk.onnx.name = "x"}) -> (tensor<1x32x7x7xf32> {dsk.onnx.name = "y"}) {
  %w = arith.constant dense<0.5> : tensor<32x16x3x3xf32>
  %init = arith.constant dense<0.0> : tensor<1x32x7x7xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x16x9x9xf32>, tensor<32x16x3x3xf32>) outs(%init : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %y : tensor<1x32x7x7xf32>
}
