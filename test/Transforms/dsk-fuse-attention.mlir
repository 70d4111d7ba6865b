// RUN: dsk-opt %s -split-input-file -dsk-fuse-attention | FileCheck %s

// PyTorch MultiheadAttention, as imported: [B*H, S, D] operands, the query
// divided by sqrt(D), the key transposed, an additive mask.
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#scalar3 = affine_map<(d0, d1, d2) -> ()>
#mask3 = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @mha_rank3
// CHECK-SAME: (%[[Q:.+]]: tensor<8x16x4xf32>, %[[K:.+]]: tensor<8x16x4xf32>, %[[V:.+]]: tensor<8x16x4xf32>, %[[M:.+]]: tensor<16x16xf32>)
// CHECK-DAG: %[[Q4:.+]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1], [2], [3]] output_shape [1, 8, 16, 4]
// CHECK-DAG: %[[K4:.+]] = tensor.expand_shape %[[K]]
// CHECK-DAG: %[[V4:.+]] = tensor.expand_shape %[[V]]
// CHECK: %[[A:.+]] = dsk.attention %[[Q4]], %[[K4]], %[[V4]] mask %[[M]] {scale = 5.000000e-01 : f64}
// CHECK-SAME: -> tensor<1x8x16x4xf32>
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2], [3]]
// CHECK: return %[[R]]
// CHECK-NOT: linalg.softmax
func.func @mha_rank3(%q: tensor<8x16x4xf32>, %k: tensor<8x16x4xf32>, %v: tensor<8x16x4xf32>, %m: tensor<16x16xf32>) -> tensor<8x16x4xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %e0 = tensor.empty() : tensor<8x16x4xf32>
  %qs = linalg.generic {indexing_maps = [#id3, #scalar3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%q, %two : tensor<8x16x4xf32>, tensor<f32>) outs(%e0 : tensor<8x16x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<8x16x4xf32>
  %e1 = tensor.empty() : tensor<8x4x16xf32>
  %kt = linalg.transpose ins(%k : tensor<8x16x4xf32>) outs(%e1 : tensor<8x4x16xf32>) permutation = [0, 2, 1]
  %s = dsk.matmul %qs, %kt : (tensor<8x16x4xf32>, tensor<8x4x16xf32>) -> tensor<8x16x16xf32>
  %e2 = tensor.empty() : tensor<8x16x16xf32>
  %sm = linalg.generic {indexing_maps = [#id3, #mask3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %m : tensor<8x16x16xf32>, tensor<16x16xf32>) outs(%e2 : tensor<8x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.addf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<8x16x16xf32>
  %e3 = tensor.empty() : tensor<8x16x16xf32>
  %p = linalg.softmax dimension(2) ins(%sm : tensor<8x16x16xf32>) outs(%e3 : tensor<8x16x16xf32>) -> tensor<8x16x16xf32>
  %o = dsk.matmul %p, %v : (tensor<8x16x16xf32>, tensor<8x16x4xf32>) -> tensor<8x16x4xf32>
  return %o : tensor<8x16x4xf32>
}

// -----

// [B, H, S, D] operands, the key transposed by the product, the scores
// multiplied by a constant and divided by another: the factors combine.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#scalar4 = affine_map<(d0, d1, d2, d3) -> ()>
// CHECK-LABEL: func.func @rank4_scaled_scores
// CHECK-SAME: (%[[Q:.+]]: tensor<2x4x8x16xf32>, %[[K:.+]]: tensor<2x4x8x16xf32>, %[[V:.+]]: tensor<2x4x8x16xf32>)
// CHECK: %[[A:.+]] = dsk.attention %[[Q]], %[[K]], %[[V]] {scale = 1.250000e-01 : f64}
// CHECK: return %[[A]]
func.func @rank4_scaled_scores(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %half = arith.constant dense<0.5> : tensor<f32>
  %four = arith.constant dense<4.0> : tensor<f32>
  %s = dsk.matmul %q, %k {transpose_rhs} : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32>
  %e0 = tensor.empty() : tensor<2x4x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#scalar4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%half, %s : tensor<f32>, tensor<2x4x8x8xf32>) outs(%e0 : tensor<2x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.mulf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<2x4x8x8xf32>
  %e1 = tensor.empty() : tensor<2x4x8x8xf32>
  %s2 = linalg.generic {indexing_maps = [#id4, #scalar4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s1, %four : tensor<2x4x8x8xf32>, tensor<f32>) outs(%e1 : tensor<2x4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<2x4x8x8xf32>
  %e2 = tensor.empty() : tensor<2x4x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s2 : tensor<2x4x8x8xf32>) outs(%e2 : tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %o = dsk.matmul %p, %v : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Softmax over the queries, not the keys: not attention.
// CHECK-LABEL: func.func @wrong_softmax_axis
// CHECK-NOT: dsk.attention
// CHECK: linalg.softmax dimension(2)
func.func @wrong_softmax_axis(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %s = dsk.matmul %q, %k {transpose_rhs} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = dsk.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// The scale is a function argument, not a constant: not fused.
#id4b = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#scalar4b = affine_map<(d0, d1, d2, d3) -> ()>
// CHECK-LABEL: func.func @non_constant_scale
// CHECK-NOT: dsk.attention
// CHECK: linalg.softmax
func.func @non_constant_scale(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %c: tensor<f32>) -> tensor<1x2x8x4xf32> {
  %s = dsk.matmul %q, %k {transpose_rhs} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  %e0 = tensor.empty() : tensor<1x2x8x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id4b, #scalar4b, #id4b], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %c : tensor<1x2x8x8xf32>, tensor<f32>) outs(%e0 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<1x2x8x8xf32>
  %e1 = tensor.empty() : tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s1 : tensor<1x2x8x8xf32>) outs(%e1 : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = dsk.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// The attention weights are also returned: fusing would compute them twice.
// CHECK-LABEL: func.func @weights_used_twice
// CHECK-NOT: dsk.attention
func.func @weights_used_twice(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x8xf32>) {
  %s = dsk.matmul %q, %k {transpose_rhs} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = dsk.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o, %p : tensor<1x2x8x4xf32>, tensor<1x2x8x8xf32>
}

// -----

// The head and key transposes come as one (as PyTorch exports
// k.transpose(0, 1).transpose(-2, -1)): the key is the source permuted by
// the same permutation without the final swap.
// CHECK-LABEL: func.func @merged_key_transpose
// CHECK-SAME: (%[[Q:.+]]: tensor<4x4x4x4xf32>, %[[K:.+]]: tensor<4x4x4x4xf32>, %[[V:.+]]: tensor<4x4x4x4xf32>)
// CHECK: %[[KT:.+]] = linalg.transpose ins(%[[K]] : tensor<4x4x4x4xf32>) outs(%{{.+}} : tensor<4x4x4x4xf32>) permutation = [1, 0, 2, 3]
// CHECK: dsk.attention %[[Q]], %[[KT]], %[[V]] {scale = 1.000000e+00 : f64}
func.func @merged_key_transpose(%q: tensor<4x4x4x4xf32>, %k: tensor<4x4x4x4xf32>, %v: tensor<4x4x4x4xf32>) -> tensor<4x4x4x4xf32> {
  %e0 = tensor.empty() : tensor<4x4x4x4xf32>
  %kt = linalg.transpose ins(%k : tensor<4x4x4x4xf32>) outs(%e0 : tensor<4x4x4x4xf32>) permutation = [1, 0, 3, 2]
  %s = dsk.matmul %q, %kt : (tensor<4x4x4x4xf32>, tensor<4x4x4x4xf32>) -> tensor<4x4x4x4xf32>
  %e1 = tensor.empty() : tensor<4x4x4x4xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<4x4x4x4xf32>) outs(%e1 : tensor<4x4x4x4xf32>) -> tensor<4x4x4x4xf32>
  %o = dsk.matmul %p, %v : (tensor<4x4x4x4xf32>, tensor<4x4x4x4xf32>) -> tensor<4x4x4x4xf32>
  return %o : tensor<4x4x4x4xf32>
}

// -----

// The key arrives already transposed (no transpose op to look through): not
// fused.
// CHECK-LABEL: func.func @opaque_key
// CHECK-NOT: dsk.attention
func.func @opaque_key(%q: tensor<1x2x8x4xf32>, %kt: tensor<1x2x4x8xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %s = dsk.matmul %q, %kt : (tensor<1x2x8x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  %e = tensor.empty() : tensor<1x2x8x8xf32>
  %p = linalg.softmax dimension(3) ins(%s : tensor<1x2x8x8xf32>) outs(%e : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = dsk.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
