// RUN: dsk-opt %s -split-input-file -verify-diagnostics

// One case per diagnostic of the dsk parsers and verifiers (DskAttrs.cpp,
// DskOps.cpp). Not covered here, because no textual input reaches them (the
// custom parsers build these invariants themselves; the GoogleTest
// DskAttrsTest.BuilderOnlyRules covers them through the C++ API):
//   #dsk.uniform / #dsk.log2: "a per-tensor encoding takes exactly one scale"
//   #dsk.codebook: "codebook values are not a whole number of tables",
//                  "a per-tensor codebook takes exactly one table"
// and, through dsk.multiscale_attention, the op-level "global tokens must be
// distinct and non-negative" (#dsk.scale rejects such tokens first; the
// message is covered through dsk.sparse_attention).

//===----------------------------------------------------------------------===//
// Key/value parsing shared by #dsk.scale, #dsk.target and #dsk.kernel
//===----------------------------------------------------------------------===//

// expected-error @below {{duplicate key 'window'}}
func.func private @scale_duplicate_key() attributes {s = #dsk.scale<local, window = 1, window = 2>}

// -----

// expected-error @below {{unknown key 'size' in #dsk.scale}}
func.func private @scale_unknown_key() attributes {s = #dsk.scale<local, size = 1>}

// -----

// expected-error @below {{unknown key 'chip' in #dsk.target<cpu> (expected arch, cpu, features, triple)}}
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", chip = "sm_90">} {}

// -----

// expected-error @below {{unknown key 'arch' in #dsk.target<gpu> (expected chip, ptx)}}
module attributes {dsk.target = #dsk.target<gpu, chip = "sm_90", arch = "nvptx64">} {}

// -----

// expected-error @below {{duplicate key 'features'}}
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", features = ["avx2"], features = ["avx512f"]>} {}

// -----

// expected-error @below {{unknown key 'tile' in #dsk.kernel}}
func.func private @kernel_unknown_key() attributes {k = #dsk.kernel<"gemm", tile = [4]>}

// -----

// expected-error @below {{duplicate key 'tiles'}}
func.func private @kernel_duplicate_key() attributes {k = #dsk.kernel<"gemm", tiles = [4], tiles = [8]>}

// -----

//===----------------------------------------------------------------------===//
// #dsk.uniform
//===----------------------------------------------------------------------===//

// expected-error @below {{quantization axis must be non-negative, got -1}}
func.func private @uniform_negative_axis(tensor<4x8xi8, #dsk.uniform<axis = -1, scales = [1.0], zero_points = [0]>>)

// -----

// expected-error @below {{expected at least one scale}}
func.func private @uniform_no_scales(tensor<4x8xi8, #dsk.uniform<axis = 0, scales = [], zero_points = []>>)

// -----

// expected-error @below {{expected as many zero points as scales (1 vs 2)}}
func.func private @uniform_zero_point_count(tensor<2x8xi8, #dsk.uniform<axis = 0, scales = [1.0, 2.0], zero_points = [0]>>)

// -----

// expected-error @below {{scales must be finite and positive}}
func.func private @uniform_zero_scale(tensor<4x8xi8, #dsk.uniform<scale = 0.0, zero_point = 0>>)

// -----

// expected-error @below {{scales must be finite and positive}}
func.func private @uniform_negative_scale(tensor<2x8xi8, #dsk.uniform<axis = 0, scales = [1.0, -0.5], zero_points = [0, 0]>>)

// -----

// +inf, as a hexadecimal bit pattern.
// expected-error @below {{scales must be finite and positive}}
func.func private @uniform_infinite_scale(tensor<4x8xi8, #dsk.uniform<scale = 0x7FF0000000000000, zero_point = 0>>)

// -----

// NaN, as a hexadecimal bit pattern.
// expected-error @below {{scales must be finite and positive}}
func.func private @uniform_nan_scale(tensor<4x8xi8, #dsk.uniform<scale = 0x7FF8000000000000, zero_point = 0>>)

// -----

// expected-error @below {{#dsk.uniform storage must be an integer type of 2 to 16 bits, got 'f32'}}
func.func private @uniform_float_storage(tensor<4x8xf32, #dsk.uniform<scale = 1.0, zero_point = 0>>)

// -----

// expected-error @below {{#dsk.uniform storage must be an integer type of 2 to 16 bits, got 'i32'}}
func.func private @uniform_wide_storage(tensor<4x8xi32, #dsk.uniform<scale = 1.0, zero_point = 0>>)

// -----

// expected-error @below {{#dsk.uniform storage must be an integer type of 2 to 16 bits, got 'i1'}}
func.func private @uniform_narrow_storage(tensor<4x8xi1, #dsk.uniform<scale = 1.0, zero_point = 0>>)

// -----

// expected-error @below {{zero point 128 is out of range for storage type 'i8' [-128, 127]}}
func.func private @uniform_zero_point_i8(tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 128>>)

// -----

// expected-error @below {{zero point -1 is out of range for storage type 'ui8' [0, 255]}}
func.func private @uniform_zero_point_ui8(tensor<2x8xui8, #dsk.uniform<axis = 0, scales = [1.0, 1.0], zero_points = [0, -1]>>)

// -----

// expected-error @below {{zero point 8 is out of range for storage type 'i4' [-8, 7]}}
func.func private @uniform_zero_point_i4(tensor<4x8xi4, #dsk.uniform<scale = 1.0, zero_point = 8>>)

// -----

// expected-error @below {{quantization axis 2 is out of range for a tensor of rank 2}}
func.func private @uniform_axis_out_of_range(tensor<4x8xi8, #dsk.uniform<axis = 2, scales = [1.0], zero_points = [0]>>)

// -----

// expected-error @below {{expected one scale per index of axis 1 (size 8), got 2}}
func.func private @uniform_scale_count(tensor<4x8xi8, #dsk.uniform<axis = 1, scales = [1.0, 2.0], zero_points = [0, 0]>>)

// -----

//===----------------------------------------------------------------------===//
// #dsk.log2
//===----------------------------------------------------------------------===//

// expected-error @below {{quantization axis must be non-negative, got -2}}
func.func private @log2_negative_axis(tensor<4x8xi4, #dsk.log2<axis = -2, scales = [1.0]>>)

// -----

// expected-error @below {{expected at least one scale}}
func.func private @log2_no_scales(tensor<4x8xi4, #dsk.log2<axis = 0, scales = []>>)

// -----

// expected-error @below {{scales must be finite and positive}}
func.func private @log2_negative_scale(tensor<4x8xi4, #dsk.log2<scale = -1.0>>)

// -----

// expected-error @below {{#dsk.log2 storage must be an integer type of 3 to 8 bits, got 'i2'}}
func.func private @log2_narrow_storage(tensor<4x8xi2, #dsk.log2<scale = 1.0>>)

// -----

// expected-error @below {{#dsk.log2 storage must be an integer type of 3 to 8 bits, got 'i16'}}
func.func private @log2_wide_storage(tensor<4x8xi16, #dsk.log2<scale = 1.0>>)

// -----

// expected-error @below {{#dsk.log2 storage must be an integer type of 3 to 8 bits, got 'bf16'}}
func.func private @log2_float_storage(tensor<4x8xbf16, #dsk.log2<scale = 1.0>>)

// -----

// expected-error @below {{#dsk.log2 storage must be a signless integer, got 'ui4'}}
func.func private @log2_unsigned_storage(tensor<4x8xui4, #dsk.log2<scale = 1.0>>)

// -----

// expected-error @below {{#dsk.log2 storage must be a signless integer, got 'si4'}}
func.func private @log2_signed_storage(tensor<4x8xsi4, #dsk.log2<scale = 1.0>>)

// -----

// expected-error @below {{quantization axis 1 is out of range for a tensor of rank 1}}
func.func private @log2_axis_out_of_range(tensor<8xi4, #dsk.log2<axis = 1, scales = [1.0]>>)

// -----

// expected-error @below {{expected one scale per index of axis 0 (size 4), got 3}}
func.func private @log2_scale_count(tensor<4x8xi4, #dsk.log2<axis = 0, scales = [1.0, 0.5, 0.25]>>)

// -----

//===----------------------------------------------------------------------===//
// #dsk.codebook
//===----------------------------------------------------------------------===//

// expected-error @below {{every codebook table must have 2 entries, got 3}}
func.func private @codebook_ragged_tables(tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[0.0, 1.0], [0.0, 1.0, 2.0]]>>)

// -----

// expected-error @below {{quantization axis must be non-negative, got -1}}
func.func private @codebook_negative_axis(tensor<2x8xi4, #dsk.codebook<axis = -1, values = [[0.0, 1.0]]>>)

// -----

// expected-error @below {{codebook tables hold 1 to 16 entries, got 0}}
func.func private @codebook_empty(tensor<2x8xi4, #dsk.codebook<values = []>>)

// -----

// expected-error @below {{codebook tables hold 1 to 16 entries, got 0}}
func.func private @codebook_empty_tables(tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[], []]>>)

// -----

// expected-error @below {{codebook tables hold 1 to 16 entries, got 17}}
func.func private @codebook_too_many_entries(tensor<2x8xi8, #dsk.codebook<values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]>>)

// -----

// expected-error @below {{codebook entries must be finite}}
func.func private @codebook_infinite_entry(tensor<2x8xi4, #dsk.codebook<values = [0.0, 0xFFF0000000000000]>>)

// -----

// expected-error @below {{codebook entries must be finite}}
func.func private @codebook_nan_entry(tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[0.0, 1.0], [0x7FF8000000000000, 1.0]]>>)

// -----

// expected-error @below {{#dsk.codebook storage must be an integer type of 1 to 8 bits, got 'i16'}}
func.func private @codebook_wide_storage(tensor<2x8xi16, #dsk.codebook<values = [0.0, 1.0]>>)

// -----

// expected-error @below {{#dsk.codebook storage must be an integer type of 1 to 8 bits, got 'f16'}}
func.func private @codebook_float_storage(tensor<2x8xf16, #dsk.codebook<values = [0.0, 1.0]>>)

// -----

// expected-error @below {{a codebook of 5 entries does not fit storage type 'i2'}}
func.func private @codebook_does_not_fit(tensor<2x8xi2, #dsk.codebook<values = [0.0, 1.0, 2.0, 3.0, 4.0]>>)

// -----

// expected-error @below {{a codebook of 3 entries does not fit storage type 'ui1'}}
func.func private @codebook_does_not_fit_per_channel(tensor<2x8xui1, #dsk.codebook<axis = 0, values = [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]>>)

// -----

// expected-error @below {{quantization axis 3 is out of range for a tensor of rank 2}}
func.func private @codebook_axis_out_of_range(tensor<2x8xi4, #dsk.codebook<axis = 3, values = [[0.0, 1.0]]>>)

// -----

// expected-error @below {{expected one codebook table per index of axis 0 (size 2), got 3}}
func.func private @codebook_table_count(tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]>>)

// -----

//===----------------------------------------------------------------------===//
// #dsk.scale
//===----------------------------------------------------------------------===//

// expected-error @below {{unknown scale kind 'dilated', expected local, segment or global}}
func.func private @scale_unknown_kind() attributes {s = #dsk.scale<dilated, window = 2>}

// -----

// expected-error @below {{a local scale needs a non-negative window}}
func.func private @scale_local_no_window() attributes {s = #dsk.scale<local>}

// -----

// expected-error @below {{a local scale needs a non-negative window}}
func.func private @scale_local_negative_window() attributes {s = #dsk.scale<local, window = -1>}

// -----

// expected-error @below {{a local scale only takes a window}}
func.func private @scale_local_length() attributes {s = #dsk.scale<local, window = 2, length = 4>}

// -----

// expected-error @below {{a local scale only takes a window}}
func.func private @scale_local_tokens() attributes {s = #dsk.scale<local, window = 2, tokens = [0]>}

// -----

// expected-error @below {{segment length must be positive, got 0}}
func.func private @scale_segment_zero_length() attributes {s = #dsk.scale<segment, length = 0>}

// -----

// expected-error @below {{a segment scale only takes a length}}
func.func private @scale_segment_window() attributes {s = #dsk.scale<segment, window = 2>}

// -----

// expected-error @below {{a segment scale only takes a length}}
func.func private @scale_segment_tokens() attributes {s = #dsk.scale<segment, length = 4, tokens = [1]>}

// -----

// expected-error @below {{a global scale only takes tokens}}
func.func private @scale_global_window() attributes {s = #dsk.scale<global, window = 2>}

// -----

// expected-error @below {{a global scale only takes tokens}}
func.func private @scale_global_length() attributes {s = #dsk.scale<global, tokens = [0], length = 2>}

// -----

// expected-error @below {{global tokens must be distinct and non-negative}}
func.func private @scale_global_duplicate_tokens() attributes {s = #dsk.scale<global, tokens = [0, 3, 0]>}

// -----

// expected-error @below {{global tokens must be distinct and non-negative}}
func.func private @scale_global_negative_token() attributes {s = #dsk.scale<global, tokens = [-1]>}

// -----

//===----------------------------------------------------------------------===//
// #dsk.policy
//===----------------------------------------------------------------------===//

// expected-error @below {{unknown statistic 'l2', expected max_abs, mean_abs or rms}}
func.func private @policy_unknown_statistic() attributes {p = #dsk.policy<l2(0), thresholds = [1.0], choices = [i8, f32]>}

// -----

// expected-error @below {{policy input index must be non-negative}}
func.func private @policy_negative_input() attributes {p = #dsk.policy<max_abs(-1), thresholds = [1.0], choices = [i8, f32]>}

// -----

// expected-error @below {{a policy needs at least one threshold}}
func.func private @policy_no_threshold() attributes {p = #dsk.policy<max_abs(0), thresholds = [], choices = [f32]>}

// -----

// expected-error @below {{thresholds must be finite}}
func.func private @policy_infinite_threshold() attributes {p = #dsk.policy<rms(0), thresholds = [1.0, 0x7FF0000000000000], choices = [i8, f16, f32]>}

// -----

// expected-error @below {{thresholds must be finite}}
func.func private @policy_nan_threshold() attributes {p = #dsk.policy<rms(0), thresholds = [0x7FF8000000000000], choices = [i8, f32]>}

// -----

// expected-error @below {{thresholds must be strictly increasing}}
func.func private @policy_equal_thresholds() attributes {p = #dsk.policy<mean_abs(0), thresholds = [1.0, 1.0], choices = [i8, f16, f32]>}

// -----

// expected-error @below {{thresholds must be strictly increasing}}
func.func private @policy_decreasing_thresholds() attributes {p = #dsk.policy<mean_abs(0), thresholds = [2.0, 1.0], choices = [i8, f16, f32]>}

// -----

// expected-error @below {{expected 2 choices (one more than thresholds), got 3}}
func.func private @policy_choice_count() attributes {p = #dsk.policy<max_abs(0), thresholds = [1.0], choices = [i8, f16, f32]>}

// -----

// expected-error @below {{precision choices must be f32, bf16, f16 or i8, got 'f64'}}
func.func private @policy_f64_choice() attributes {p = #dsk.policy<max_abs(0), thresholds = [1.0], choices = [f64, f32]>}

// -----

// expected-error @below {{precision choices must be f32, bf16, f16 or i8, got 'ui8'}}
func.func private @policy_ui8_choice() attributes {p = #dsk.policy<max_abs(0), thresholds = [1.0], choices = [ui8, f32]>}

// -----

// expected-error @below {{precision choices must be f32, bf16, f16 or i8, got 'i4'}}
func.func private @policy_i4_choice() attributes {p = #dsk.policy<max_abs(0), thresholds = [1.0], choices = [f32, i4]>}

// -----

//===----------------------------------------------------------------------===//
// #dsk.target and #dsk.kernel
//===----------------------------------------------------------------------===//

// expected-error @below {{unknown target kind 'tpu', expected cpu or gpu}}
module attributes {dsk.target = #dsk.target<tpu, chip = "v5e">} {}

// -----

// expected-error @below {{a cpu target needs an arch}}
module attributes {dsk.target = #dsk.target<cpu, cpu = "znver5">} {}

// -----

// expected-error @below {{a cpu target needs an arch}}
module attributes {dsk.target = #dsk.target<cpu, arch = "", features = ["avx2"]>} {}

// -----

// expected-error @below {{a gpu target needs a chip of the form sm_NN, got ''}}
module attributes {dsk.target = #dsk.target<gpu, ptx = 80>} {}

// -----

// expected-error @below {{a gpu target needs a chip of the form sm_NN, got 'gfx942'}}
module attributes {dsk.target = #dsk.target<gpu, chip = "gfx942">} {}

// -----

// expected-error @below {{a gpu target needs a chip of the form sm_NN, got 'sm_90b'}}
module attributes {dsk.target = #dsk.target<gpu, chip = "sm_90b">} {}

// -----

// expected-error @below {{PTX ISA version 50 is too old (need >= 60)}}
module attributes {dsk.target = #dsk.target<gpu, chip = "sm_70", ptx = 50>} {}

// -----

// expected-error @below {{a kernel needs a name}}
func.func private @kernel_empty_name() attributes {k = #dsk.kernel<"">}

// -----

// expected-error @below {{kernel tile sizes must be positive}}
func.func private @kernel_zero_tile() attributes {k = #dsk.kernel<"gemm", tiles = [16, 0]>}

// -----

// expected-error @below {{kernel tile sizes must be positive}}
func.func private @kernel_negative_tile() attributes {k = #dsk.kernel<"gemm", requires = ["avx2"], tiles = [-4]>}

// -----

//===----------------------------------------------------------------------===//
// Dialect attributes: dsk.target and dsk.kernel
//===----------------------------------------------------------------------===//

// expected-error @below {{'dsk.target' must be a #dsk.target attribute}}
module attributes {dsk.target = "x86_64"} {}

// -----

// expected-error @below {{'dsk.target' is only valid on a builtin.module}}
func.func private @target_on_func() attributes {dsk.target = #dsk.target<cpu, arch = "x86_64">}

// -----

func.func @kernel_not_a_kernel(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.kernel' must be a #dsk.kernel attribute}}
  %0 = dsk.matmul %a, %b {dsk.kernel = "x86.gemm"} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @kernel_on_quantize(%x: tensor<4x8xf32>) -> tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>> {
  // expected-error @below {{'dsk.kernel' is only valid on a dsk compute operation or a linalg operation}}
  %0 = dsk.quantize %x {dsk.kernel = #dsk.kernel<"x86.quantize">} : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>
  return %0 : tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>
}

// -----

// expected-error @below {{'dsk.kernel' is only valid on a dsk compute operation or a linalg operation}}
func.func private @kernel_on_func() attributes {dsk.kernel = #dsk.kernel<"gemm">}

// -----

module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "skylake", features = ["avx2", "fma"]>} {
  func.func @kernel_missing_feature(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
    // expected-error @below {{kernel 'x86.avx512.gemm_f32' requires feature 'avx512f' that the target does not provide}}
    %0 = dsk.matmul %a, %b {dsk.kernel = #dsk.kernel<"x86.avx512.gemm_f32", requires = ["avx2", "avx512f"]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    return %0 : tensor<4x16xf32>
  }
}

// -----

module attributes {dsk.target = #dsk.target<gpu, chip = "sm_90", ptx = 80>} {
  func.func @kernel_feature_on_gpu(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
    // expected-error @below {{kernel 'x86.attention' requires feature 'avx512f' that the target does not provide}}
    %0 = dsk.attention %q, %q, %q {dsk.kernel = #dsk.kernel<"x86.attention", requires = ["avx512f"]>} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
    return %0 : tensor<1x2x8x16xf32>
  }
}

// -----

// expected-error @below {{unknown dsk attribute 'dsk.targets'}}
module attributes {dsk.targets = #dsk.target<cpu, arch = "x86_64">} {}

// -----

//===----------------------------------------------------------------------===//
// dsk.matmul
//===----------------------------------------------------------------------===//

func.func @matmul_rank1(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4xf32> {
  // expected-error @below {{'dsk.matmul' op lhs and rhs must have rank >= 2}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_quantized_lhs(%a: tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op lhs must not be quantized; dequantize it first}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_quantized_result(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>) -> tensor<4x16xi16, #dsk.uniform<scale = 1.0, zero_point = 0>> {
  // expected-error @below {{'dsk.matmul' op result must not carry an encoding}}
  %0 = dsk.matmul %a, %b {acc_type = i16} : (tensor<4x8xi8>, tensor<8x16xi8>) -> tensor<4x16xi16, #dsk.uniform<scale = 1.0, zero_point = 0>>
  return %0 : tensor<4x16xi16, #dsk.uniform<scale = 1.0, zero_point = 0>>
}

// -----

func.func @matmul_contracting(%a: tensor<4x8xf32>, %b: tensor<16x8xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'dsk.matmul' op contracting dimensions differ: lhs has K = 8, rhs has K = 16}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @matmul_contracting_transpose_lhs(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @below {{'dsk.matmul' op contracting dimensions differ: lhs has K = 4, rhs has K = 8}}
  %0 = dsk.matmul %a, %b {transpose_lhs} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @matmul_batch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x4x16xf32> {
  // expected-error @below {{'dsk.matmul' op batch dimensions [2] and [3] do not broadcast}}
  %0 = dsk.matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

func.func @matmul_result_shape(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op result must have shape [2, 4, 16], got [4, 16]}}
  %0 = dsk.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_result_shape_dynamic(%a: tensor<?x8xf32>, %b: tensor<8x16xf32>) -> tensor<?x8xf32> {
  // expected-error @below {{'dsk.matmul' op result must have shape [?, 16], got [?, 8]}}
  %0 = dsk.matmul %a, %b : (tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @matmul_quantized_rhs_integer_lhs(%a: tensor<4x8xi8>, %b: tensor<8x16xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>) -> tensor<4x16xi32> {
  // expected-error @below {{'dsk.matmul' op a quantized rhs requires a float lhs}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xi8>, tensor<8x16xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

func.func @matmul_mixed_kinds(%a: tensor<4x8xf32>, %b: tensor<8x16xi8>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op lhs and rhs must both be float or both be integer tensors (or rhs quantized)}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xi8>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_float_types_differ(%a: tensor<4x8xf32>, %b: tensor<8x16xf16>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op lhs and rhs element types differ ('f32' vs 'f16')}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf16>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_float_integer_acc(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op float operands need a float accumulator, got 'i32'}}
  %0 = dsk.matmul %a, %b {acc_type = i32} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_float_integer_result(%a: tensor<4x8xf32>, %b: tensor<8x16xi4, #dsk.log2<scale = 1.0>>) -> tensor<4x16xi32> {
  // expected-error @below {{'dsk.matmul' op a float product needs a float result, got 'i32'}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xi4, #dsk.log2<scale = 1.0>>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

func.func @matmul_integer_float_acc(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op integer operands need an integer accumulator, got 'f32'}}
  %0 = dsk.matmul %a, %b {acc_type = f32} : (tensor<4x8xi8>, tensor<8x16xi8>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_narrow_acc(%a: tensor<4x8xi16>, %b: tensor<8x16xui8>) -> tensor<4x16xi8> {
  // expected-error @below {{'dsk.matmul' op accumulator 'i8' is narrower than the operands}}
  %0 = dsk.matmul %a, %b {acc_type = i8} : (tensor<4x8xi16>, tensor<8x16xui8>) -> tensor<4x16xi8>
  return %0 : tensor<4x16xi8>
}

// -----

func.func @matmul_integer_result_type(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>) -> tensor<4x16xi16> {
  // expected-error @below {{'dsk.matmul' op an integer product's result must have the accumulator type 'i32', got 'i16'}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xi8>, tensor<8x16xi8>) -> tensor<4x16xi16>
  return %0 : tensor<4x16xi16>
}

// -----

func.func @matmul_integer_float_result(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op an integer product's result must have the accumulator type 'i32', got 'f32'}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xi8>, tensor<8x16xi8>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_bias_shape(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op bias shape [4] does not broadcast to the result [4, 16]}}
  %0 = dsk.matmul %a, %b bias %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<4xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_bias_rank(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<1x4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op bias shape [1, 4, 16] does not broadcast to the result [4, 16]}}
  %0 = dsk.matmul %a, %b bias %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<1x4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_integer_bias_on_float(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16xi32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op bias must be a float tensor like the product}}
  %0 = dsk.matmul %a, %b bias %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xi32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_float_bias_on_integer(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>, %c: tensor<16xf32>) -> tensor<4x16xi32> {
  // expected-error @below {{'dsk.matmul' op bias must be an integer tensor like the product}}
  %0 = dsk.matmul %a, %b bias %c : (tensor<4x8xi8>, tensor<8x16xi8>, tensor<16xf32>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.lowrank_matmul
//===----------------------------------------------------------------------===//

func.func @lowrank_rank_mismatch(%x: tensor<4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<4x32xf32>) -> tensor<4x32xf32> {
  // expected-error @below {{'dsk.lowrank_matmul' op rank dimensions of u and v differ (8 vs 4)}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<4x32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @lowrank_rank0_input(%x: tensor<f32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>) -> tensor<32xf32> {
  // expected-error @below {{'dsk.lowrank_matmul' op input must have rank >= 1}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<f32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<32xf32>
  return %0 : tensor<32xf32>
}

// -----

func.func @lowrank_input_k(%x: tensor<4x32xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>) -> tensor<4x32xf32> {
  // expected-error @below {{'dsk.lowrank_matmul' op input's last dimension (32) must match the weight's rows (64)}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<4x32xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @lowrank_result_shape(%x: tensor<2x4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>) -> tensor<4x32xf32> {
  // expected-error @below {{'dsk.lowrank_matmul' op result must have shape [2, 4, 32], got [4, 32]}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<2x4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @lowrank_bias_shape(%x: tensor<4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>, %b: tensor<64xf32>) -> tensor<4x32xf32> {
  // expected-error @below {{'dsk.lowrank_matmul' op bias must have shape [32], got [64]}}
  %0 = dsk.lowrank_matmul %x, %u, %v bias %b : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>, tensor<64xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @lowrank_operand_type(%x: tensor<4x64xf32>, %u: tensor<64x8xf16>, %v: tensor<8x32xf32>) -> tensor<4x32xf32> {
  // expected-error @below {{'dsk.lowrank_matmul' op float operands and result must have the same element type}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<4x64xf32>, tensor<64x8xf16>, tensor<8x32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @lowrank_result_type(%x: tensor<4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>) -> tensor<4x32xbf16> {
  // expected-error @below {{'dsk.lowrank_matmul' op float operands and result must have the same element type}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xbf16>
  return %0 : tensor<4x32xbf16>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.sparse_matmul
//===----------------------------------------------------------------------===//

func.func @sparse_weight_shape(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op weight_shape must be two positive sizes [K, N]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 0>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_weight_rank(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op weight_shape must be two positive sizes [K, N]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4, 1>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_block(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op block must be two positive sizes [BK, BN]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: -1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_block_divides(%x: tensor<2x8xf32>, %vals: tensor<5x3x1xf32>, %cols: tensor<5xi32>, %rows: tensor<3xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op block [3, 1] does not divide weight_shape [8, 4]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 3, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x3x1xf32>, tensor<5xi32>, tensor<3xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_values_shape(%x: tensor<2x8xf32>, %vals: tensor<5x2x2xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op values must have shape [5, 1, 1], got [5, 2, 2]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x2x2xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_col_indices_shape(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<4xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op col_indices must have shape [5], got [4]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<4xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_row_offsets_shape(%x: tensor<2x8xf32>, %vals: tensor<5x2x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op row_offsets must have shape [5], got [9]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 2, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x2x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_col_index_range(%x: tensor<2x8xf32>, %vals: tensor<3x2x2xf32>) -> tensor<2x4xf32> {
  %cols = arith.constant dense<[0, 2, 1]> : tensor<3xi32>
  %rows = arith.constant dense<[0, 1, 2, 3, 3]> : tensor<5xi32>
  // expected-error @below {{'dsk.sparse_matmul' op col_indices[1] = 2 is out of range [0, 2)}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 2, 2>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<3x2x2xf32>, tensor<3xi32>, tensor<5xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// A negative index is read as unsigned, so it is out of range.
func.func @sparse_col_index_negative(%x: tensor<2x8xf32>, %vals: tensor<1x1x1xf32>, %rows: tensor<9xi8>) -> tensor<2x4xf32> {
  %cols = arith.constant dense<-1> : tensor<1xi8>
  // expected-error @below {{'dsk.sparse_matmul' op col_indices[0] = 255 is out of range [0, 4)}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<1x1x1xf32>, tensor<1xi8>, tensor<9xi8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_row_offsets_start(%x: tensor<2x8xf32>, %vals: tensor<3x2x2xf32>, %cols: tensor<3xi32>) -> tensor<2x4xf32> {
  %rows = arith.constant dense<[1, 1, 2, 3, 3]> : tensor<5xi32>
  // expected-error @below {{'dsk.sparse_matmul' op row_offsets must start at 0, never decrease and end at the number of stored blocks}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 2, 2>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<3x2x2xf32>, tensor<3xi32>, tensor<5xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_row_offsets_decrease(%x: tensor<2x8xf32>, %vals: tensor<3x2x2xf32>, %cols: tensor<3xi32>) -> tensor<2x4xf32> {
  %rows = arith.constant dense<[0, 2, 1, 3, 3]> : tensor<5xi32>
  // expected-error @below {{'dsk.sparse_matmul' op row_offsets must start at 0, never decrease and end at the number of stored blocks}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 2, 2>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<3x2x2xf32>, tensor<3xi32>, tensor<5xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_row_offsets_end(%x: tensor<2x8xf32>, %vals: tensor<3x2x2xf32>, %cols: tensor<3xi32>) -> tensor<2x4xf32> {
  %rows = arith.constant dense<[0, 1, 2, 2, 2]> : tensor<5xi32>
  // expected-error @below {{'dsk.sparse_matmul' op row_offsets must start at 0, never decrease and end at the number of stored blocks}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 2, 2>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<3x2x2xf32>, tensor<3xi32>, tensor<5xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// With a dynamic number of blocks, the constant col_indices give the count.
func.func @sparse_row_offsets_end_dynamic(%x: tensor<2x8xf32>, %vals: tensor<?x2x2xf32>) -> tensor<2x4xf32> {
  %cols = arith.constant dense<[0, 1, 0]> : tensor<3xi32>
  %rows = arith.constant dense<[0, 1, 2, 2, 4]> : tensor<5xi32>
  // expected-error @below {{'dsk.sparse_matmul' op row_offsets must start at 0, never decrease and end at the number of stored blocks}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 2, 2>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<?x2x2xf32>, tensor<3xi32>, tensor<5xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_duplicate_column_block(%x: tensor<2x8xf32>, %vals: tensor<3x2x2xf32>) -> tensor<2x4xf32> {
  %cols = arith.constant dense<[0, 1, 1]> : tensor<3xi32>
  %rows = arith.constant dense<[0, 1, 1, 3, 3]> : tensor<5xi32>
  // expected-error @below {{'dsk.sparse_matmul' op block row 2 stores column block 1 twice}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 2, 2>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<3x2x2xf32>, tensor<3xi32>, tensor<5xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_input_k(%x: tensor<2x4xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op input's last dimension (4) must match the weight's rows (8)}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x4xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_rank0_input(%x: tensor<f32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op input must have rank >= 1}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<f32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @sparse_result_shape(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x8xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op result must have shape [2, 4], got [2, 8]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @sparse_bias_shape(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>, %b: tensor<8xf32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op bias must have shape [4], got [8]}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows bias %b {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>, tensor<8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @sparse_values_type(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf16>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  // expected-error @below {{'dsk.sparse_matmul' op float operands and result must have the same element type}}
  %0 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf16>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.attention (and the operand checks shared by the attention family)
//===----------------------------------------------------------------------===//

func.func @attention_element_type(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op query, key, value and result must have the same element type}}
  %0 = dsk.attention %q, %k, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_result_element_type(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xbf16> {
  // expected-error @below {{'dsk.attention' op query, key, value and result must have the same element type}}
  %0 = dsk.attention %q, %q, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xbf16>
  return %0 : tensor<1x2x8x16xbf16>
}

// -----

func.func @attention_encoding(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32, "layout">) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op attention operands must not carry an encoding}}
  %0 = dsk.attention %q, %k, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32, "layout">, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_batch_heads(%q: tensor<1x2x8x16xf32>, %k: tensor<1x4x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op query, key and value must agree on the batch and head dimensions, got [1, 2, 8, 16], [1, 4, 8, 16], [1, 2, 8, 16]}}
  %0 = dsk.attention %q, %k, %q : (tensor<1x2x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_batch_value(%q: tensor<2x?x8x16xf32>, %v: tensor<3x2x8x16xf32>) -> tensor<2x?x8x16xf32> {
  // expected-error @below {{'dsk.attention' op query, key and value must agree on the batch and head dimensions, got [2, ?, 8, 16], [2, ?, 8, 16], [3, 2, 8, 16]}}
  %0 = dsk.attention %q, %q, %v : (tensor<2x?x8x16xf32>, tensor<2x?x8x16xf32>, tensor<3x2x8x16xf32>) -> tensor<2x?x8x16xf32>
  return %0 : tensor<2x?x8x16xf32>
}

// -----

func.func @attention_key_value_length(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x12x16xf32>, %v: tensor<1x2x10x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op key and value must have the same sequence length}}
  %0 = dsk.attention %q, %k, %v : (tensor<1x2x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x10x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_head_dim(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x32xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op query and key must have the same head dimension}}
  %0 = dsk.attention %q, %k, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_result_shape(%q: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op result must have shape [1, 2, 8, 32], got [1, 2, 8, 16]}}
  %0 = dsk.attention %q, %q, %v : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x32xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_zero_scale(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op scale must be finite and positive}}
  %0 = dsk.attention %q, %q, %q {scale = 0.0 : f64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_infinite_scale(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op scale must be finite and positive}}
  %0 = dsk.attention %q, %q, %q {scale = 0x7FF0000000000000 : f64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_mask_shape(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x12x16xf32>, %m: tensor<8x8xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op mask shape [8, 8] does not broadcast to the scores [1, 2, 8, 12]}}
  %0 = dsk.attention %q, %k, %k mask %m : (tensor<1x2x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x12x16xf32>, tensor<8x8xf32>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_mask_rank(%q: tensor<1x2x8x16xf32>, %m: tensor<1x1x2x8x8xi1>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op mask shape [1, 1, 2, 8, 8] does not broadcast to the scores [1, 2, 8, 8]}}
  %0 = dsk.attention %q, %q, %q mask %m : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x2x8x8xi1>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @attention_mask_type(%q: tensor<1x2x8x16xf32>, %m: tensor<8x8xf16>) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op a float mask must have the query's element type}}
  %0 = dsk.attention %q, %q, %q mask %m : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf16>) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.multiscale_attention
//===----------------------------------------------------------------------===//

func.func @multiscale_shapes(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x12x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op query, key and value must have the same shape [B, H, S, D]}}
  %0 = dsk.multiscale_attention %q, %k, %k gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_scale(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op scale must be finite and positive}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] {scale = -1.0 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_one_scale(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op needs at least two scales, got 1}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_gate_weight_two_scales(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x2xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op gate_weight [H, D, G] must have shape [2, 8, 1], got [2, 8, 2]}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x2xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_gate_bias_three_scales(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x3xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op gate_bias [H, G] must have shape [2, 3], got [2, 1]}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<segment, length = 4>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x3xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_gate_type(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf16>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op gate_weight and gate_bias must have the query's element type}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf16>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_token_range(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op global token 16 is out of range for sequence length 16}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<global, tokens = [0, 16]>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_missing_segment_ids(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op a #dsk.scale<segment> without length needs the segment_ids operand}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<segment>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_unused_segment_ids(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>, %ids: tensor<1x16xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op segment_ids is given but no scale reads it}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b segment_ids %ids scales [#dsk.scale<segment, length = 4>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>, tensor<1x16xi32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @multiscale_segment_ids_shape(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>, %ids: tensor<16x1xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.multiscale_attention' op segment_ids [B, S] must have shape [1, 16], got [16, 1]}}
  %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b segment_ids %ids scales [#dsk.scale<segment>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>, tensor<16x1xi32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.sparse_attention
//===----------------------------------------------------------------------===//

func.func @sparse_attention_lengths(%q: tensor<1x2x8x8xf32>, %k: tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op needs as many queries as keys (8 vs 16)}}
  %0 = dsk.sparse_attention %q, %k, %k {window = 2 : i64} : (tensor<1x2x8x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

func.func @sparse_attention_no_pattern(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op needs at least one of window, global_tokens and log_strides}}
  %0 = dsk.sparse_attention %q, %q, %q {causal} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @sparse_attention_negative_window(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op window must be non-negative, got -1}}
  %0 = dsk.sparse_attention %q, %q, %q {window = -1 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @sparse_attention_duplicate_tokens(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op global tokens must be distinct and non-negative}}
  %0 = dsk.sparse_attention %q, %q, %q {global_tokens = array<i64: 3, 3>} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @sparse_attention_negative_token(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op global tokens must be distinct and non-negative}}
  %0 = dsk.sparse_attention %q, %q, %q {global_tokens = array<i64: 0, -2>} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @sparse_attention_token_range(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op global token 20 is out of range for sequence length 16}}
  %0 = dsk.sparse_attention %q, %q, %q {global_tokens = array<i64: 0, 20>} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

// The custom syntax always has both projections; the generic form can drop one.
func.func @sparse_attention_lowrank_alone(%q: tensor<1x2x16x8xf32>, %e: tensor<2x4x16xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op lowrank_key and lowrank_value must be given together}}
  %0 = "dsk.sparse_attention"(%q, %q, %q, %e) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, window = 2 : i64}> : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4x16xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @sparse_attention_lowrank_shape(%q: tensor<1x2x16x8xf32>, %e: tensor<2x4x16xf32>, %f: tensor<2x4x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op low-rank projections [H, R, S] must have shape [2, 4, 16], got [2, 4, 8]}}
  %0 = dsk.sparse_attention %q, %q, %q lowrank %e, %f {window = 2 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4x16xf32>, tensor<2x4x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

func.func @sparse_attention_lowrank_type(%q: tensor<1x2x16x8xf32>, %e: tensor<2x4x16xf16>) -> tensor<1x2x16x8xf32> {
  // expected-error @below {{'dsk.sparse_attention' op low-rank projections must have the query's element type}}
  %0 = dsk.sparse_attention %q, %q, %q lowrank %e, %e {window = 2 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4x16xf16>, tensor<2x4x16xf16>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.quantize / dsk.dequantize
//===----------------------------------------------------------------------===//

func.func @quantize_float_encoding(%x: tensor<4x8xf32, "layout">) -> tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>> {
  // expected-error @below {{'dsk.quantize' op the float side must not carry an encoding}}
  %0 = dsk.quantize %x : tensor<4x8xf32, "layout"> -> tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>
  return %0 : tensor<4x8xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>
}

// -----

func.func @quantize_plain_result(%x: tensor<4x8xf32>) -> tensor<4x8xi8> {
  // expected-error @below {{'dsk.quantize' op the integer side must be a quantized tensor (#dsk.uniform, #dsk.log2 or #dsk.codebook encoding)}}
  %0 = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

func.func @quantize_shape(%x: tensor<4x8xf32>) -> tensor<8x4xi8, #dsk.uniform<scale = 1.0, zero_point = 0>> {
  // expected-error @below {{'dsk.quantize' op input and result shapes differ: [4, 8] vs [8, 4]}}
  %0 = dsk.quantize %x : tensor<4x8xf32> -> tensor<8x4xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>
  return %0 : tensor<8x4xi8, #dsk.uniform<scale = 1.0, zero_point = 0>>
}

// -----

func.func @dequantize_float_encoding(%q: tensor<4x8xi4, #dsk.log2<scale = 1.0>>) -> tensor<4x8xf32, "layout"> {
  // expected-error @below {{'dsk.dequantize' op the float side must not carry an encoding}}
  %0 = dsk.dequantize %q : tensor<4x8xi4, #dsk.log2<scale = 1.0>> -> tensor<4x8xf32, "layout">
  return %0 : tensor<4x8xf32, "layout">
}

// -----

func.func @dequantize_plain_input(%q: tensor<4x8xi8, "layout">) -> tensor<4x8xf32> {
  // expected-error @below {{'dsk.dequantize' op the integer side must be a quantized tensor (#dsk.uniform, #dsk.log2 or #dsk.codebook encoding)}}
  %0 = dsk.dequantize %q : tensor<4x8xi8, "layout"> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @dequantize_shape(%q: tensor<2x8xi2, #dsk.codebook<values = [0.0, 1.0]>>) -> tensor<2x8x1xf32> {
  // expected-error @below {{'dsk.dequantize' op input and result shapes differ: [2, 8] vs [2, 8, 1]}}
  %0 = dsk.dequantize %q : tensor<2x8xi2, #dsk.codebook<values = [0.0, 1.0]>> -> tensor<2x8x1xf32>
  return %0 : tensor<2x8x1xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.precision_region
//===----------------------------------------------------------------------===//

func.func @precision_region_arg_count(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'dsk.precision_region' op body must take one argument per input (1 vs 2)}}
  %0 = dsk.precision_region bf16 ins(%a, %b : tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%x: tensor<4xbf16>):
    dsk.yield %x : tensor<4xbf16>
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @precision_region_float_into_i8(%a: tensor<4xi8>, %b: tensor<4xf32>) -> tensor<4xi8> {
  // expected-error @below {{'dsk.precision_region' op float input #1 must be quantized before entering an 'i8' region}}
  %0 = dsk.precision_region i8 ins(%a, %b : tensor<4xi8>, tensor<4xf32>) {
  ^bb0(%x: tensor<4xi8>, %y: tensor<4xi8>):
    dsk.yield %x : tensor<4xi8>
  } -> tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @precision_region_arg_not_converted(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'dsk.precision_region' op body argument #0 must have type 'tensor<4xbf16>', got 'tensor<4xf32>'}}
  %0 = dsk.precision_region bf16 ins(%a : tensor<4xf32>) {
  ^bb0(%x: tensor<4xf32>):
    dsk.yield %x : tensor<4xf32>
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @precision_region_integer_arg(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @below {{'dsk.precision_region' op body argument #0 must have type 'tensor<4xi32>', got 'tensor<4xi8>'}}
  %0 = dsk.precision_region i8 ins(%a : tensor<4xi32>) {
  ^bb0(%x: tensor<4xi8>):
    dsk.yield %a : tensor<4xi32>
  } -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @precision_region_yield_count(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'dsk.precision_region' op body must yield one value per result (0 vs 1)}}
  %0 = dsk.precision_region f16 ins(%a : tensor<4xf32>) {
  ^bb0(%x: tensor<4xf16>):
    dsk.yield
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @precision_region_float_to_integer(%a: tensor<4xf32>) -> tensor<4xi32> {
  // expected-error @below {{'dsk.precision_region' op result #0 of type 'tensor<4xi32>' cannot be the boundary conversion of yielded type 'tensor<4xf16>'}}
  %0 = dsk.precision_region f16 ins(%a : tensor<4xf32>) {
  ^bb0(%x: tensor<4xf16>):
    dsk.yield %x : tensor<4xf16>
  } -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @precision_region_shape(%a: tensor<4xf32>) -> tensor<2x2xf32> {
  // expected-error @below {{'dsk.precision_region' op result #0 of type 'tensor<2x2xf32>' cannot be the boundary conversion of yielded type 'tensor<4xf16>'}}
  %0 = dsk.precision_region f16 ins(%a : tensor<4xf32>) {
  ^bb0(%x: tensor<4xf16>):
    dsk.yield %x : tensor<4xf16>
  } -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @precision_region_integer_changed(%a: tensor<4xi8>) -> tensor<4xi32> {
  // expected-error @below {{'dsk.precision_region' op result #0 of type 'tensor<4xi32>' cannot be the boundary conversion of yielded type 'tensor<4xi8>'}}
  %0 = dsk.precision_region i8 ins(%a : tensor<4xi8>) {
  ^bb0(%x: tensor<4xi8>):
    dsk.yield %x : tensor<4xi8>
  } -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @precision_region_result_encoding(%a: tensor<4xf32>) -> tensor<4xf32, "layout"> {
  // expected-error @below {{'dsk.precision_region' op result #0 of type 'tensor<4xf32, "layout">' cannot be the boundary conversion of yielded type 'tensor<4xf32>'}}
  %0 = dsk.precision_region f32 ins(%a : tensor<4xf32>) {
  ^bb0(%x: tensor<4xf32>):
    dsk.yield %x : tensor<4xf32>
  } -> tensor<4xf32, "layout">
  return %0 : tensor<4xf32, "layout">
}

// -----

//===----------------------------------------------------------------------===//
// dsk.dynamic_precision
//===----------------------------------------------------------------------===//

func.func @dynamic_precision_one_alternative(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'dsk.dynamic_precision' op needs at least two alternatives}}
  %0 = dsk.dynamic_precision ins(%x : tensor<8xf32>) policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @dynamic_precision_choice_count(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'dsk.dynamic_precision' op policy has 3 choices but the op has 2 alternatives}}
  %0 = dsk.dynamic_precision ins(%x : tensor<8xf32>) policy #dsk.policy<max_abs(0), thresholds = [4.0, 8.0], choices = [f32, bf16, i8]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  }, {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @dynamic_precision_input_index(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'dsk.dynamic_precision' op policy selects on input #1 but the op has 1 inputs}}
  %0 = dsk.dynamic_precision ins(%x : tensor<8xf32>) policy #dsk.policy<rms(1), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  }, {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @dynamic_precision_integer_input(%w: tensor<8xi8>, %x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'dsk.dynamic_precision' op policy input #0 must be a float tensor}}
  %0 = dsk.dynamic_precision ins(%w, %x : tensor<8xi8>, tensor<8xf32>) policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [i8, f32]> {
  ^bb0(%a: tensor<8xi8>, %b: tensor<8xf32>):
    dsk.yield %b : tensor<8xf32>
  }, {
  ^bb0(%a: tensor<8xi8>, %b: tensor<8xf32>):
    dsk.yield %b : tensor<8xf32>
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @dynamic_precision_arguments(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'dsk.dynamic_precision' op alternative #1 must take one argument of each input's type}}
  %0 = dsk.dynamic_precision ins(%x : tensor<8xf32>) policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  }, {
  ^bb0(%a: tensor<8xbf16>):
    dsk.yield %x : tensor<8xf32>
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @dynamic_precision_yield(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'dsk.dynamic_precision' op alternative #0 must yield values of the result types}}
  %0 = dsk.dynamic_precision ins(%x : tensor<8xf32>) policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield
  }, {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// An alternative that does not end in dsk.yield.
func.func @dynamic_precision_foreign_terminator(%x: tensor<8xf32>) {
  // expected-error @below {{'dsk.dynamic_precision' op alternative #1 must end in dsk.yield}}
  dsk.dynamic_precision ins(%x : tensor<8xf32>) policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield
  }, {
  ^bb0(%a: tensor<8xf32>):
    llvm.unreachable
  }
  return
}

// -----

// A precision region whose body does not end in dsk.yield.
func.func @precision_region_foreign_terminator(%a: tensor<4xf32>) {
  // expected-error @below {{'dsk.precision_region' op body must end in dsk.yield}}
  dsk.precision_region f32 ins(%a : tensor<4xf32>) {
  ^bb0(%x: tensor<4xf32>):
    llvm.unreachable
  }
  return
}

// -----

// expected-error @below {{codebook tables hold 1 to 16 entries, got 0}}
func.func private @codebook_leading_empty_table(tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[], [1.0, 2.0]]>>)

// -----

func.func @matmul_lhs_encoding(%a: tensor<4x8xf32, "layout">, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op lhs must not carry a tensor encoding}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32, "layout">, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_rhs_foreign_encoding(%a: tensor<4x8xf32>, %b: tensor<8x16xf32, "layout">) -> tensor<4x16xf32> {
  // expected-error @below {{'dsk.matmul' op rhs may only carry a dsk quantization encoding}}
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32, "layout">) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @matmul_bias_encoding(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>, %c: tensor<16xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) -> tensor<4x16xi32> {
  // expected-error @below {{'dsk.matmul' op bias must not carry an encoding}}
  %0 = dsk.matmul %a, %b bias %c : (tensor<4x8xi8>, tensor<8x16xi8>, tensor<16xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

func.func @matmul_bias_wider_than_accumulator(%a: tensor<4x8xi8>, %b: tensor<8x16xi8>, %c: tensor<16xi64>) -> tensor<4x16xi32> {
  // expected-error @below {{'dsk.matmul' op bias type 'i64' is wider than the accumulator 'i32'}}
  %0 = dsk.matmul %a, %b bias %c : (tensor<4x8xi8>, tensor<8x16xi8>, tensor<16xi64>) -> tensor<4x16xi32>
  return %0 : tensor<4x16xi32>
}

// -----

func.func @lowrank_operand_encoding(%x: tensor<4x64xf32, "layout">, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>) -> tensor<4x32xf32> {
  // expected-error @below {{'dsk.lowrank_matmul' op operands must not carry a tensor encoding}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<4x64xf32, "layout">, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

func.func @lowrank_result_encoding(%x: tensor<4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>) -> tensor<4x32xf32, "layout"> {
  // expected-error @below {{'dsk.lowrank_matmul' op result must not carry an encoding}}
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32, "layout">
  return %0 : tensor<4x32xf32, "layout">
}

// -----

func.func @attention_mask_encoding(%q: tensor<1x2x8x16xf32>, %m: tensor<8x8xf32, "layout">) -> tensor<1x2x8x16xf32> {
  // expected-error @below {{'dsk.attention' op mask must not carry an encoding}}
  %0 = dsk.attention %q, %q, %q mask %m : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf32, "layout">) -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// A nested module without a target does not hide the outer module's target.
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", features = ["sse2"]>} {
  module {
    func.func @nested_kernel(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
      // expected-error @below {{kernel 'k' requires feature 'avx512f' that the target does not provide}}
      %0 = dsk.matmul %a, %b {dsk.kernel = #dsk.kernel<"k", requires = ["avx512f"]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
      return %0 : tensor<4x16xf32>
    }
  }
}

// -----

// Index values wider than 64 bits are out of range, not truncated.
func.func @sparse_matmul_huge_index(%x: tensor<2x8xf32>, %v: tensor<1x1x1xf32>) -> tensor<2x4xf32> {
  %cols = arith.constant dense<18446744073709551616> : tensor<1xi128>
  %rows = arith.constant dense<[0, 1, 1, 1, 1, 1, 1, 1, 1]> : tensor<9xi32>
  // expected-error @below {{'dsk.sparse_matmul' op col_indices[0] = 18446744073709551615 is out of range [0, 4)}}
  %0 = dsk.sparse_matmul %x, %v, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<1x1x1xf32>, tensor<1xi128>, tensor<9xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @attention_kernel_mixed(%q: tensor<1x1x4x8xf32>, %b: memref<1x1x4x8xf32>) {
  // expected-error @below {{operands must be all tensors or all memrefs}}
  dsk.attention_kernel %q, %q, %q into %b {scale = 1.0 : f64} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> into memref<1x1x4x8xf32>
  return
}

// -----

func.func @attention_kernel_no_result(%q: tensor<1x1x4x8xf32>) {
  // expected-error @below {{has one result of the init's type on tensors and none on memrefs}}
  dsk.attention_kernel %q, %q, %q into %q {scale = 1.0 : f64} : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> into tensor<1x1x4x8xf32>
  return
}

// -----

func.func @attention_kernel_memref_result(%b: memref<1x1x4x8xf32>) {
  // expected-error @below {{has one result of the init's type on tensors and none on memrefs}}
  %0 = dsk.attention_kernel %b, %b, %b into %b {scale = 1.0 : f64} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32> into memref<1x1x4x8xf32> -> tensor<1x1x4x8xf32>
  return
}

// -----

func.func @attention_kernel_rank(%q: memref<4x8xf32>) {
  // expected-error @below {{query, key, value and init must have rank 4}}
  dsk.attention_kernel %q, %q, %q into %q {scale = 1.0 : f64} : memref<4x8xf32>, memref<4x8xf32>, memref<4x8xf32> into memref<4x8xf32>
  return
}

// -----

func.func @attention_kernel_shapes(%q: memref<1x1x4x8xf32>, %k: memref<1x1x5x7xf32>, %o: memref<1x1x4x8xf32>) {
  // expected-error @below {{shapes must be query [B, H, Sq, D], key [B, H, Sk, D], value [B, H, Sk, Dv] and init [B, H, Sq, Dv]; got [1, 1, 4, 8], [1, 1, 5, 7], [1, 1, 5, 7] and [1, 1, 4, 8]}}
  dsk.attention_kernel %q, %k, %k into %o {scale = 1.0 : f64} : memref<1x1x4x8xf32>, memref<1x1x5x7xf32>, memref<1x1x5x7xf32> into memref<1x1x4x8xf32>
  return
}

// -----

func.func @attention_kernel_mask(%q: memref<1x1x4x8xf32>, %m: memref<3x4xf32>) {
  // expected-error @below {{mask shape [3, 4] does not broadcast to the scores [1, 1, 4, 4]}}
  dsk.attention_kernel %q, %q, %q mask %m into %q {scale = 1.0 : f64} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<3x4xf32> into memref<1x1x4x8xf32>
  return
}

// -----

// A tensor type whose element type does not parse still has its encoding
// verified (by upstream's parser): an error, not a crash.
// expected-error @+2 {{expected non-function type}}
// expected-error @+1 {{#dsk.uniform needs an element type}}
func.func @encoding_without_element_type(%x: tensor<, #dsk.uniform<scale = 0.5, zero_point = 0>>) {
  return
}

// -----

// The importer's argument and result attributes (dsk.onnx.*).
// expected-error @+1 {{'dsk.onnx.name' on argument #0 must be a string attribute}}
func.func @onnx_name_not_string(%x: tensor<4xf32> {dsk.onnx.name = 3 : i64}) {
  return
}

// -----

// expected-error @+1 {{'dsk.onnx.unsigned' on argument #0 must be a unit attribute}}
func.func @onnx_unsigned_not_unit(%x: tensor<4xi8> {dsk.onnx.unsigned = true}) {
  return
}

// -----

// expected-error @+1 {{'dsk.onnx.unsigned' on result #0 needs an integer (not bool) element type, got 'tensor<4xf32>'}}
func.func @onnx_unsigned_float(%x: tensor<4xf32>) -> (tensor<4xf32> {dsk.onnx.unsigned}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'dsk.onnx.dim_params' on argument #0 must be an array of strings}}
func.func @onnx_dim_params_not_strings(%x: tensor<?xf32> {dsk.onnx.dim_params = [1]}) {
  return
}

// -----

// expected-error @+1 {{'dsk.onnx.dim_params' on argument #0 must have one entry per dimension of 'tensor<?x4xf32>'}}
func.func @onnx_dim_params_count(%x: tensor<?x4xf32> {dsk.onnx.dim_params = ["N"]}) {
  return
}

// -----

// expected-error @+1 {{'dsk.onnx.dim_params' on result #0 names static dimension 1 ('S')}}
func.func @onnx_dim_params_static(%x: tensor<?x4xf32>) -> (tensor<?x4xf32> {dsk.onnx.dim_params = ["N", "S"]}) {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{'dsk.onnx.shape' on argument #0 is not a dsk argument or result attribute}}
func.func @onnx_unknown(%x: tensor<4xf32> {dsk.onnx.shape = "4"}) {
  return
}
