// RUN: dsk-opt %s -dsk-lower-to-linalg -split-input-file -verify-diagnostics

// The reference lowering needs static shapes: every dsk operation with a
// dynamic dimension (operand or result) is reported, not only the first.

func.func @dynamic_matmul_and_quantize(%a: tensor<?x8xf32>, %b: tensor<8x16xf32>, %x: tensor<4x?xf32>)
    -> (tensor<?x16xf32>, tensor<4x?xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) {
  // expected-error @below {{dsk-lower-to-linalg needs static shapes; this operation has a dynamic dimension}}
  %m = dsk.matmul %a, %b : (tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  // expected-error @below {{dsk-lower-to-linalg needs static shapes; this operation has a dynamic dimension}}
  %q = dsk.quantize %x : tensor<4x?xf32> -> tensor<4x?xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>
  return %m, %q : tensor<?x16xf32>, tensor<4x?xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>
}

// -----

// A dynamic dimension in one operand only.
func.func @dynamic_attention_query(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x?x16xf32> {
  // expected-error @below {{dsk-lower-to-linalg needs static shapes; this operation has a dynamic dimension}}
  %o = dsk.attention %q, %k, %v : (tensor<1x2x?x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x?x16xf32>
  return %o : tensor<1x2x?x16xf32>
}

// -----

// A dynamic result only.
func.func @dynamic_dequantize_result(%q: tensor<8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) -> tensor<?xf32> {
  // expected-error @below {{dsk-lower-to-linalg needs static shapes; this operation has a dynamic dimension}}
  %x = dsk.dequantize %q : tensor<8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>> -> tensor<?xf32>
  return %x : tensor<?xf32>
}

// -----

// A region op is reported once; its terminator needs no static shape.
func.func @dynamic_precision_region(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @below {{dsk-lower-to-linalg needs static shapes; this operation has a dynamic dimension}}
  %r = dsk.precision_region bf16 ins(%x : tensor<?xf32>) {
  ^bb0(%b: tensor<?xbf16>):
    dsk.yield %b : tensor<?xbf16>
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}
