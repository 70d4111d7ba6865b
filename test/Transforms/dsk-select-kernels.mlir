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

// -----

// Convolutions: an f32 NCHW convolution with a constant filter gets the
// convolution kernel of the target (MR = 4 channels on AVX2); one whose
// filter is an argument keeps the reference lowering.
// CHECK-LABEL: func.func @conv
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_f32", requires = ["avx2", "fma"], tiles = [4, 24, 256, 8]>
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides
// CHECK-NOT: dsk.kernel
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @conv(%x: tensor<1x3x6x6xf32>, %f: tensor<8x3x3x3xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %w = arith.constant dense<1.0> : tensor<8x3x3x3xf32>
  %init = arith.constant dense<0.0> : tensor<1x8x4x4xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x3x6x6xf32>, tensor<8x3x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %f : tensor<1x3x6x6xf32>, tensor<8x3x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %0, %1 : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}
}

// -----

// Which lanes a convolution's vectors hold follows its shapes: 7x7 = 49
// output positions fill four 16-lane vectors to 77% and 16 channels fill
// one, so the first gets the channels-in-lanes kernel (MR = 8 positions, NR
// = 32 channels); 16x16 = 256 positions fill theirs, so the second keeps
// positions in the lanes. On AVX2 (8 lanes) the same holds.
// CHECK-LABEL: func.func @conv_lanes
// CHECK: linalg.conv_2d_nchw_fchw {{.+}}dsk.kernel = #dsk.kernel<"x86.avx512f.conv2d_channels_f32", requires = ["avx512f"], tiles = [8, 32, 512, 16]>{{.+}} -> tensor<1x16x7x7xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.+}}dsk.kernel = #dsk.kernel<"x86.avx512f.conv2d_f32", requires = ["avx512f"], tiles = [8, 32, 256, 16]>{{.+}} -> tensor<1x16x16x16xf32>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "skylake-avx512", features = ["avx2", "fma", "avx512f"]>} {
func.func @conv_lanes(%x: tensor<1x3x9x9xf32>, %x2: tensor<1x3x18x18xf32>) -> (tensor<1x16x7x7xf32>, tensor<1x16x16x16xf32>) {
  %w = arith.constant dense<1.0> : tensor<16x3x3x3xf32>
  %init = arith.constant dense<0.0> : tensor<1x16x7x7xf32>
  %init2 = arith.constant dense<0.0> : tensor<1x16x16x16xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x3x9x9xf32>, tensor<16x3x3x3xf32>) outs(%init : tensor<1x16x7x7xf32>) -> tensor<1x16x7x7xf32>
  %1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x2, %w : tensor<1x3x18x18xf32>, tensor<16x3x3x3xf32>) outs(%init2 : tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  return %0, %1 : tensor<1x16x7x7xf32>, tensor<1x16x16x16xf32>
}
}

// -----

// CHECK-LABEL: func.func @conv_lanes_avx2
// CHECK: dsk.kernel = #dsk.kernel<"x86.avx2.conv2d_channels_f32", requires = ["avx2", "fma"], tiles = [4, 24, 256, 8]>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @conv_lanes_avx2(%x: tensor<1x3x9x9xf32>) -> tensor<1x16x7x7xf32> {
  %w = arith.constant dense<1.0> : tensor<16x3x3x3xf32>
  %init = arith.constant dense<0.0> : tensor<1x16x7x7xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x3x9x9xf32>, tensor<16x3x3x3xf32>) outs(%init : tensor<1x16x7x7xf32>) -> tensor<1x16x7x7xf32>
  return %0 : tensor<1x16x7x7xf32>
}
}

// -----

// Depthwise convolutions (the importer's named op for group = channels) get
// the depthwise kernel with the target's vector width; the filter need not
// be a constant.
// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx512f.dwconv2d_f32", requires = ["avx512f"], tiles = [16]>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "skylake-avx512", features = ["avx2", "avx512f", "fma"]>} {
func.func @depthwise(%x: tensor<1x8x6x6xf32>, %f: tensor<8x3x3xf32>, %init: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %f : tensor<1x8x6x6xf32>, tensor<8x3x3xf32>) outs(%init : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %0 : tensor<1x8x4x4xf32>
}
}

// -----

// 2-D f32 max and sum pools (the importer's named ops for MaxPool and
// AveragePool) get the pooling kernel of the target's vector width (AVX2:
// no FMA needed); an f64 pool keeps the reference lowering.
// CHECK-LABEL: func.func @pools
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.pool2d_f32", requires = ["avx2"], tiles = [8]>
// CHECK: linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, dsk.kernel = #dsk.kernel<"x86.avx2.pool2d_f32", requires = ["avx2"], tiles = [8]>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "x86-64-v3", features = ["avx", "avx2"]>} {
func.func @pools(%x: tensor<1x8x6x6xf32>, %window: tensor<3x3xf32>, %init: tensor<1x8x2x2xf32>, %x64: tensor<1x8x6x6xf64>, %init64: tensor<1x8x2x2xf64>) -> (tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>, tensor<1x8x2x2xf64>) {
  %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : tensor<1x8x6x6xf32>, tensor<3x3xf32>) outs(%init : tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32>
  %1 = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : tensor<1x8x6x6xf32>, tensor<3x3xf32>) outs(%init : tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32>
  %window64 = tensor.empty() : tensor<3x3xf64>
  %2 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x64, %window64 : tensor<1x8x6x6xf64>, tensor<3x3xf64>) outs(%init64 : tensor<1x8x2x2xf64>) -> tensor<1x8x2x2xf64>
  return %0, %1, %2 : tensor<1x8x2x2xf32>, tensor<1x8x2x2xf32>, tensor<1x8x2x2xf64>
}
}

// -----

// f32 attention (no mask, an f32 mask, causal) gets the attention kernel of
// the widest vectors the target has; one with a boolean mask keeps the
// reference lowering.
// CHECK-LABEL: func.func @attention_avx512
// CHECK: dsk.attention %{{.+}} {dsk.kernel = #dsk.kernel<"x86.avx512f.attention_f32", requires = ["avx512f"], tiles = [4, 16]>}
// CHECK: dsk.attention %{{.+}} mask %{{.+}} {causal, dsk.kernel = #dsk.kernel<"x86.avx512f.attention_f32", requires = ["avx512f"], tiles = [4, 16]>}
// CHECK: dsk.attention %{{.+}} mask %{{.+}} : (
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "skylake-avx512", features = ["avx2", "avx512f", "fma"]>} {
func.func @attention_avx512(%q: tensor<1x2x8x16xf32>, %m: tensor<8x8xf32>, %b: tensor<8x8xi1>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %0 = dsk.attention %q, %q, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %1 = dsk.attention %q, %q, %q mask %m {causal} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf32>) -> tensor<1x2x8x16xf32>
  %2 = dsk.attention %q, %q, %q mask %b : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xi1>) -> tensor<1x2x8x16xf32>
  return %0, %1, %2 : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
}

// -----

// AVX2 and generic targets; an f16 attention keeps the reference lowering.
// CHECK-LABEL: func.func @attention_avx2
// CHECK: dsk.kernel = #dsk.kernel<"x86.avx2.attention_f32", requires = ["avx2", "fma"], tiles = [4, 8]>
// CHECK: dsk.attention %{{.+}} : (tensor<1x1x4x8xf16>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx", "avx2", "fma"]>} {
func.func @attention_avx2(%q: tensor<1x1x4x8xf32>, %h: tensor<1x1x4x8xf16>) -> (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf16>) {
  %0 = dsk.attention %q, %q, %q : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  %1 = dsk.attention %h, %h, %h : (tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16>
  return %0, %1 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf16>
}
}

// -----

// CHECK-LABEL: func.func @attention_generic
// CHECK: dsk.kernel = #dsk.kernel<"generic.attention_f32", tiles = [4, 4]>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "x86-64", features = ["sse2"]>} {
func.func @attention_generic(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %0 = dsk.attention %q, %q, %q : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}
}
