// RUN: dsk-opt %s -split-input-file | dsk-opt -split-input-file | FileCheck %s
// RUN: dsk-opt %s -split-input-file -mlir-print-op-generic | dsk-opt -split-input-file | FileCheck %s

// Every dsk operation, attribute and quantized encoding, in each of its
// syntactic forms, printed and parsed back (once through the custom form and
// once through the generic form). Floats in dsk attributes are printed with
// AsmPrinter::printFloat: `%e` form when it round-trips exactly, the shortest
// exact decimal otherwise.

// CHECK-LABEL: func.func @matmul_2d(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xf32>) -> tensor<4x16xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.matmul %[[A]], %[[B]] : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT:  return %[[R]] : tensor<4x16xf32>
func.func @matmul_2d(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %r = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_bias_transpose_rhs(
// CHECK-SAME:    %[[A:.+]]: tensor<2x4x8xf32>, %[[B:.+]]: tensor<16x8xf32>, %[[C:.+]]: tensor<16xf32>) -> tensor<2x4x16xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.matmul %[[A]], %[[B]] bias %[[C]] {transpose_rhs} : (tensor<2x4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
// CHECK-NEXT:  return %[[R]] : tensor<2x4x16xf32>
func.func @matmul_bias_transpose_rhs(%a: tensor<2x4x8xf32>, %b: tensor<16x8xf32>, %c: tensor<16xf32>) -> tensor<2x4x16xf32> {
  %r = dsk.matmul %a, %b bias %c {transpose_rhs} : (tensor<2x4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  return %r : tensor<2x4x16xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_transposes(
// CHECK-SAME:    %[[A:.+]]: tensor<8x4xf32>, %[[B:.+]]: tensor<8x16xf32>, %[[C:.+]]: tensor<16x8xf32>, %[[BIAS:.+]]: tensor<4x1xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] bias %[[BIAS]] {transpose_lhs} : (tensor<8x4xf32>, tensor<8x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.matmul %[[A]], %[[C]] {transpose_lhs, transpose_rhs} : (tensor<8x4xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<4x16xf32>, tensor<4x16xf32>
func.func @matmul_transposes(%a: tensor<8x4xf32>, %b: tensor<8x16xf32>, %c: tensor<16x8xf32>, %bias: tensor<4x1xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = dsk.matmul %a, %b bias %bias {transpose_lhs} : (tensor<8x4xf32>, tensor<8x16xf32>, tensor<4x1xf32>) -> tensor<4x16xf32>
  %1 = dsk.matmul %a, %c {transpose_lhs, transpose_rhs} : (tensor<8x4xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  return %0, %1 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_acc_type(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xbf16>, %[[B:.+]]: tensor<8x16xbf16>, %[[C:.+]]: tensor<4x8xf16>, %[[D:.+]]: tensor<8x16xf16>) -> (tensor<4x16xbf16>, tensor<4x16xf16>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] {acc_type = f32} : (tensor<4x8xbf16>, tensor<8x16xbf16>) -> tensor<4x16xbf16>
// CHECK-NEXT:  %[[R1:.+]] = dsk.matmul %[[C]], %[[D]] {acc_type = f16} : (tensor<4x8xf16>, tensor<8x16xf16>) -> tensor<4x16xf16>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<4x16xbf16>, tensor<4x16xf16>
func.func @matmul_acc_type(%a: tensor<4x8xbf16>, %b: tensor<8x16xbf16>, %c: tensor<4x8xf16>, %d: tensor<8x16xf16>) -> (tensor<4x16xbf16>, tensor<4x16xf16>) {
  %0 = dsk.matmul %a, %b {acc_type = f32} : (tensor<4x8xbf16>, tensor<8x16xbf16>) -> tensor<4x16xbf16>
  %1 = dsk.matmul %c, %d {acc_type = f16} : (tensor<4x8xf16>, tensor<8x16xf16>) -> tensor<4x16xf16>
  return %0, %1 : tensor<4x16xbf16>, tensor<4x16xf16>
}

// -----

// CHECK-LABEL: func.func @matmul_integer(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xi8>, %[[B:.+]]: tensor<8x16xui8>, %[[C:.+]]: tensor<8x16xi8>, %[[BIAS:.+]]: tensor<16xi16>) -> (tensor<4x16xi32>, tensor<4x16xi16>, tensor<4x16xi64>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] : (tensor<4x8xi8>, tensor<8x16xui8>) -> tensor<4x16xi32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.matmul %[[A]], %[[C]] bias %[[BIAS]] {acc_type = i16} : (tensor<4x8xi8>, tensor<8x16xi8>, tensor<16xi16>) -> tensor<4x16xi16>
// CHECK-NEXT:  %[[R2:.+]] = dsk.matmul %[[A]], %[[B]] {acc_type = i64} : (tensor<4x8xi8>, tensor<8x16xui8>) -> tensor<4x16xi64>
// CHECK-NEXT:  return %[[R0]], %[[R1]], %[[R2]] : tensor<4x16xi32>, tensor<4x16xi16>, tensor<4x16xi64>
func.func @matmul_integer(%a: tensor<4x8xi8>, %b: tensor<8x16xui8>, %c: tensor<8x16xi8>, %bias: tensor<16xi16>) -> (tensor<4x16xi32>, tensor<4x16xi16>, tensor<4x16xi64>) {
  %0 = dsk.matmul %a, %b : (tensor<4x8xi8>, tensor<8x16xui8>) -> tensor<4x16xi32>
  %1 = dsk.matmul %a, %c bias %bias {acc_type = i16} : (tensor<4x8xi8>, tensor<8x16xi8>, tensor<16xi16>) -> tensor<4x16xi16>
  %2 = dsk.matmul %a, %b {acc_type = i64} : (tensor<4x8xi8>, tensor<8x16xui8>) -> tensor<4x16xi64>
  return %0, %1, %2 : tensor<4x16xi32>, tensor<4x16xi16>, tensor<4x16xi64>
}

// -----

// CHECK-LABEL: func.func @matmul_batch_broadcast(
// CHECK-SAME:    %[[A:.+]]: tensor<2x1x4x8xf32>, %[[B:.+]]: tensor<3x8x16xf32>, %[[C:.+]]: tensor<1x1x16xf32>) -> tensor<2x3x4x16xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.matmul %[[A]], %[[B]] bias %[[C]] : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>, tensor<1x1x16xf32>) -> tensor<2x3x4x16xf32>
// CHECK-NEXT:  return %[[R]] : tensor<2x3x4x16xf32>
func.func @matmul_batch_broadcast(%a: tensor<2x1x4x8xf32>, %b: tensor<3x8x16xf32>, %c: tensor<1x1x16xf32>) -> tensor<2x3x4x16xf32> {
  %r = dsk.matmul %a, %b bias %c : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>, tensor<1x1x16xf32>) -> tensor<2x3x4x16xf32>
  return %r : tensor<2x3x4x16xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_dynamic(
// CHECK-SAME:    %[[A:.+]]: tensor<?x?x8xf32>, %[[B:.+]]: tensor<?x16xf32>, %[[C:.+]]: tensor<4x?xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x?xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] : (tensor<?x?x8xf32>, tensor<?x16xf32>) -> tensor<?x?x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.matmul %[[A]], %[[C]] {transpose_rhs} : (tensor<?x?x8xf32>, tensor<4x?xf32>) -> tensor<?x?x?xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<?x?x16xf32>, tensor<?x?x?xf32>
func.func @matmul_dynamic(%a: tensor<?x?x8xf32>, %b: tensor<?x16xf32>, %c: tensor<4x?xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x?xf32>) {
  %0 = dsk.matmul %a, %b : (tensor<?x?x8xf32>, tensor<?x16xf32>) -> tensor<?x?x16xf32>
  %1 = dsk.matmul %a, %c {transpose_rhs} : (tensor<?x?x8xf32>, tensor<4x?xf32>) -> tensor<?x?x?xf32>
  return %0, %1 : tensor<?x?x16xf32>, tensor<?x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_quantized_uniform(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xi8, #dsk.uniform<scale = 5.000000e-02, zero_point = -3>>, %[[C:.+]]: tensor<2x8xui8, #dsk.uniform<axis = 0, scales = [1.000000e-01, 2.000000e-01], zero_points = [128, 120]>>, %[[D:.+]]: tensor<8x16xi4, #dsk.uniform<axis = 1, scales = [5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 2.500000e-01], zero_points = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -8, 7]>>) -> (tensor<4x16xf32>, tensor<4x2xf32>, tensor<4x16xf16>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] : (tensor<4x8xf32>, tensor<8x16xi8, #dsk.uniform<scale = 5.000000e-02, zero_point = -3>>) -> tensor<4x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.matmul %[[A]], %[[C]] {transpose_rhs} : (tensor<4x8xf32>, tensor<2x8xui8, #dsk.uniform<axis = 0, scales = [1.000000e-01, 2.000000e-01], zero_points = [128, 120]>>) -> tensor<4x2xf32>
// CHECK-NEXT:  %[[R2:.+]] = dsk.matmul %[[A]], %[[D]] {acc_type = f16} : (tensor<4x8xf32>, tensor<8x16xi4, #dsk.uniform<axis = 1, scales = [5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 5.000000e-01, 2.500000e-01], zero_points = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -8, 7]>>) -> tensor<4x16xf16>
// CHECK-NEXT:  return %[[R0]], %[[R1]], %[[R2]] : tensor<4x16xf32>, tensor<4x2xf32>, tensor<4x16xf16>
func.func @matmul_quantized_uniform(%a: tensor<4x8xf32>,
    %b: tensor<8x16xi8, #dsk.uniform<scale = 0.05, zero_point = -3>>,
    %c: tensor<2x8xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>,
    %d: tensor<8x16xi4, #dsk.uniform<axis = 1, scales = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25], zero_points = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -8, 7]>>)
    -> (tensor<4x16xf32>, tensor<4x2xf32>, tensor<4x16xf16>) {
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xi8, #dsk.uniform<scale = 0.05, zero_point = -3>>) -> tensor<4x16xf32>
  %1 = dsk.matmul %a, %c {transpose_rhs} : (tensor<4x8xf32>, tensor<2x8xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>) -> tensor<4x2xf32>
  %2 = dsk.matmul %a, %d {acc_type = f16} : (tensor<4x8xf32>, tensor<8x16xi4, #dsk.uniform<axis = 1, scales = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25], zero_points = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -8, 7]>>) -> tensor<4x16xf16>
  return %0, %1, %2 : tensor<4x16xf32>, tensor<4x2xf32>, tensor<4x16xf16>
}

// -----

// CHECK-LABEL: func.func @matmul_quantized_log2(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xi4, #dsk.log2<scale = 7.500000e-01>>, %[[C:.+]]: tensor<8x2xi3, #dsk.log2<axis = 1, scales = [1.000000e+00, 5.000000e-01]>>, %[[BIAS:.+]]: tensor<2xf32>) -> (tensor<4x16xf32>, tensor<4x2xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] : (tensor<4x8xf32>, tensor<8x16xi4, #dsk.log2<scale = 7.500000e-01>>) -> tensor<4x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.matmul %[[A]], %[[C]] bias %[[BIAS]] : (tensor<4x8xf32>, tensor<8x2xi3, #dsk.log2<axis = 1, scales = [1.000000e+00, 5.000000e-01]>>, tensor<2xf32>) -> tensor<4x2xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<4x16xf32>, tensor<4x2xf32>
func.func @matmul_quantized_log2(%a: tensor<4x8xf32>,
    %b: tensor<8x16xi4, #dsk.log2<scale = 0.75>>,
    %c: tensor<8x2xi3, #dsk.log2<axis = 1, scales = [1.0, 0.5]>>,
    %bias: tensor<2xf32>) -> (tensor<4x16xf32>, tensor<4x2xf32>) {
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xi4, #dsk.log2<scale = 0.75>>) -> tensor<4x16xf32>
  %1 = dsk.matmul %a, %c bias %bias : (tensor<4x8xf32>, tensor<8x2xi3, #dsk.log2<axis = 1, scales = [1.0, 0.5]>>, tensor<2xf32>) -> tensor<4x2xf32>
  return %0, %1 : tensor<4x16xf32>, tensor<4x2xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_quantized_codebook(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xi2, #dsk.codebook<values = [-1.000000e+00, -2.500000e-01, 2.500000e-01, 1.000000e+00]>>, %[[C:.+]]: tensor<2x8xi4, #dsk.codebook<axis = 0, values = {{\[\[}}-1.000000e+00, -2.500000e-01, 2.500000e-01], [-2.000000e+00, 0.000000e+00, 5.000000e-01]]>>) -> (tensor<4x16xf32>, tensor<4x2xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] : (tensor<4x8xf32>, tensor<8x16xi2, #dsk.codebook<values = [-1.000000e+00, -2.500000e-01, 2.500000e-01, 1.000000e+00]>>) -> tensor<4x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.matmul %[[A]], %[[C]] {transpose_rhs} : (tensor<4x8xf32>, tensor<2x8xi4, #dsk.codebook<axis = 0, values = {{\[\[}}-1.000000e+00, -2.500000e-01, 2.500000e-01], [-2.000000e+00, 0.000000e+00, 5.000000e-01]]>>) -> tensor<4x2xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<4x16xf32>, tensor<4x2xf32>
func.func @matmul_quantized_codebook(%a: tensor<4x8xf32>,
    %b: tensor<8x16xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>>,
    %c: tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[-1.0, -0.25, 0.25], [-2.0, 0.0, 0.5]]>>) -> (tensor<4x16xf32>, tensor<4x2xf32>) {
  %0 = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>>) -> tensor<4x16xf32>
  %1 = dsk.matmul %a, %c {transpose_rhs} : (tensor<4x8xf32>, tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[-1.0, -0.25, 0.25], [-2.0, 0.0, 0.5]]>>) -> tensor<4x2xf32>
  return %0, %1 : tensor<4x16xf32>, tensor<4x2xf32>
}

// -----

// CHECK-LABEL: func.func @lowrank_matmul(
// CHECK-SAME:    %[[X:.+]]: tensor<4x64xf32>, %[[U:.+]]: tensor<64x8xf32>, %[[V:.+]]: tensor<8x32xf32>, %[[B:.+]]: tensor<32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.lowrank_matmul %[[X]], %[[U]], %[[V]] bias %[[B]] : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.lowrank_matmul %[[X]], %[[U]], %[[V]] : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<4x32xf32>, tensor<4x32xf32>
func.func @lowrank_matmul(%x: tensor<4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>, %b: tensor<32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  %0 = dsk.lowrank_matmul %x, %u, %v bias %b : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %1 = dsk.lowrank_matmul %x, %u, %v : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
  return %0, %1 : tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

// CHECK-LABEL: func.func @lowrank_matmul_shapes(
// CHECK-SAME:    %[[X:.+]]: tensor<64xf16>, %[[Y:.+]]: tensor<2x?x64xf16>, %[[U:.+]]: tensor<64x?xf16>, %[[V:.+]]: tensor<8x32xf16>) -> (tensor<32xf16>, tensor<2x?x32xf16>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.lowrank_matmul %[[X]], %[[U]], %[[V]] : (tensor<64xf16>, tensor<64x?xf16>, tensor<8x32xf16>) -> tensor<32xf16>
// CHECK-NEXT:  %[[R1:.+]] = dsk.lowrank_matmul %[[Y]], %[[U]], %[[V]] : (tensor<2x?x64xf16>, tensor<64x?xf16>, tensor<8x32xf16>) -> tensor<2x?x32xf16>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<32xf16>, tensor<2x?x32xf16>
func.func @lowrank_matmul_shapes(%x: tensor<64xf16>, %y: tensor<2x?x64xf16>, %u: tensor<64x?xf16>, %v: tensor<8x32xf16>) -> (tensor<32xf16>, tensor<2x?x32xf16>) {
  %0 = dsk.lowrank_matmul %x, %u, %v : (tensor<64xf16>, tensor<64x?xf16>, tensor<8x32xf16>) -> tensor<32xf16>
  %1 = dsk.lowrank_matmul %y, %u, %v : (tensor<2x?x64xf16>, tensor<64x?xf16>, tensor<8x32xf16>) -> tensor<2x?x32xf16>
  return %0, %1 : tensor<32xf16>, tensor<2x?x32xf16>
}

// -----

// CHECK-LABEL: func.func @sparse_matmul_csr(
// CHECK-SAME:    %[[X:.+]]: tensor<2x8xf32>, %[[VALS:.+]]: tensor<5x1x1xf32>, %[[COLS:.+]]: tensor<5xi32>, %[[ROWS:.+]]: tensor<9xi32>) -> tensor<2x4xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.sparse_matmul %[[X]], %[[VALS]], %[[COLS]], %[[ROWS]] {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
// CHECK-NEXT:  return %[[R]] : tensor<2x4xf32>
func.func @sparse_matmul_csr(%x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> tensor<2x4xf32> {
  %r = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @sparse_matmul_bsr(
// CHECK-SAME:    %[[X:.+]]: tensor<3x2x8xf32>, %[[VALS:.+]]: tensor<?x2x4xf32>, %[[COLS:.+]]: tensor<?xindex>, %[[ROWS:.+]]: tensor<5xi64>, %[[B:.+]]: tensor<16xf32>) -> tensor<3x2x16xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.sparse_matmul %[[X]], %[[VALS]], %[[COLS]], %[[ROWS]] bias %[[B]] {block = array<i64: 2, 4>, weight_shape = array<i64: 8, 16>} : (tensor<3x2x8xf32>, tensor<?x2x4xf32>, tensor<?xindex>, tensor<5xi64>, tensor<16xf32>) -> tensor<3x2x16xf32>
// CHECK-NEXT:  return %[[R]] : tensor<3x2x16xf32>
func.func @sparse_matmul_bsr(%x: tensor<3x2x8xf32>, %vals: tensor<?x2x4xf32>, %cols: tensor<?xindex>, %rows: tensor<5xi64>, %b: tensor<16xf32>) -> tensor<3x2x16xf32> {
  %r = dsk.sparse_matmul %x, %vals, %cols, %rows bias %b {block = array<i64: 2, 4>, weight_shape = array<i64: 8, 16>} : (tensor<3x2x8xf32>, tensor<?x2x4xf32>, tensor<?xindex>, tensor<5xi64>, tensor<16xf32>) -> tensor<3x2x16xf32>
  return %r : tensor<3x2x16xf32>
}

// -----

// CHECK-LABEL: func.func @attention(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x8x16xf32>, %[[K:.+]]: tensor<1x2x12x16xf32>, %[[V:.+]]: tensor<1x2x12x32xf32>) -> tensor<1x2x8x32xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.attention %[[Q]], %[[K]], %[[V]] : (tensor<1x2x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x12x32xf32>) -> tensor<1x2x8x32xf32>
// CHECK-NEXT:  return %[[O]] : tensor<1x2x8x32xf32>
func.func @attention(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x12x16xf32>, %v: tensor<1x2x12x32xf32>) -> tensor<1x2x8x32xf32> {
  %o = dsk.attention %q, %k, %v : (tensor<1x2x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x12x32xf32>) -> tensor<1x2x8x32xf32>
  return %o : tensor<1x2x8x32xf32>
}

// -----

// CHECK-LABEL: func.func @attention_float_mask(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x8x16xf32>, %[[M:.+]]: tensor<8x8xf32>, %[[M4:.+]]: tensor<1x2x8x8xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.attention %[[Q]], %[[Q]], %[[Q]] mask %[[M]] {causal} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf32>) -> tensor<1x2x8x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.attention %[[Q]], %[[Q]], %[[Q]] mask %[[M4]] : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x16xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
func.func @attention_float_mask(%q: tensor<1x2x8x16xf32>, %m: tensor<8x8xf32>, %m4: tensor<1x2x8x8xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %0 = dsk.attention %q, %q, %q mask %m {causal} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf32>) -> tensor<1x2x8x16xf32>
  %1 = dsk.attention %q, %q, %q mask %m4 : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x16xf32>
  return %0, %1 : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @attention_bool_mask(
// CHECK-SAME:    %[[Q:.+]]: tensor<2x4x8x16xbf16>, %[[M:.+]]: tensor<2x1x1x8xi1>) -> tensor<2x4x8x16xbf16> {
// CHECK-NEXT:  %[[O:.+]] = dsk.attention %[[Q]], %[[Q]], %[[Q]] mask %[[M]] {causal, scale = 1.250000e-01 : f64} : (tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>, tensor<2x1x1x8xi1>) -> tensor<2x4x8x16xbf16>
// CHECK-NEXT:  return %[[O]] : tensor<2x4x8x16xbf16>
func.func @attention_bool_mask(%q: tensor<2x4x8x16xbf16>, %m: tensor<2x1x1x8xi1>) -> tensor<2x4x8x16xbf16> {
  %o = dsk.attention %q, %q, %q mask %m {causal, scale = 0.125 : f64} : (tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>, tensor<2x1x1x8xi1>) -> tensor<2x4x8x16xbf16>
  return %o : tensor<2x4x8x16xbf16>
}

// -----

// CHECK-LABEL: func.func @attention_causal_scale(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.attention %[[Q]], %[[Q]], %[[Q]] {causal} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.attention %[[Q]], %[[Q]], %[[Q]] {scale = 0.33333333333333331 : f64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
func.func @attention_causal_scale(%q: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %0 = dsk.attention %q, %q, %q {causal} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %1 = dsk.attention %q, %q, %q {scale = 0.3333333333333333 : f64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %0, %1 : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @attention_dynamic(
// CHECK-SAME:    %[[Q:.+]]: tensor<?x2x?x16xf32>, %[[K:.+]]: tensor<1x?x?x?xf32>, %[[V:.+]]: tensor<?x?x12x32xf32>, %[[M:.+]]: tensor<?x12xi1>) -> tensor<?x2x?x32xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] : (tensor<?x2x?x16xf32>, tensor<1x?x?x?xf32>, tensor<?x?x12x32xf32>, tensor<?x12xi1>) -> tensor<?x2x?x32xf32>
// CHECK-NEXT:  return %[[O]] : tensor<?x2x?x32xf32>
func.func @attention_dynamic(%q: tensor<?x2x?x16xf32>, %k: tensor<1x?x?x?xf32>, %v: tensor<?x?x12x32xf32>, %m: tensor<?x12xi1>) -> tensor<?x2x?x32xf32> {
  %o = dsk.attention %q, %k, %v mask %m : (tensor<?x2x?x16xf32>, tensor<1x?x?x?xf32>, tensor<?x?x12x32xf32>, tensor<?x12xi1>) -> tensor<?x2x?x32xf32>
  return %o : tensor<?x2x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @multiscale_attention_two_scales(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x16x8xf32>, %[[W:.+]]: tensor<2x8x1xf32>, %[[B:.+]]: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.multiscale_attention %[[Q]], %[[Q]], %[[Q]] gate %[[W]], %[[B]] scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  return %[[O]] : tensor<1x2x16x8xf32>
func.func @multiscale_attention_two_scales(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  %o = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @multiscale_attention_three_scales(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x16x8xf32>, %[[W:.+]]: tensor<2x8x3xf32>, %[[B:.+]]: tensor<2x3xf32>) -> tensor<1x2x16x8xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.multiscale_attention %[[Q]], %[[Q]], %[[Q]] gate %[[W]], %[[B]] scales [#dsk.scale<local, window = 0>, #dsk.scale<segment, length = 4>, #dsk.scale<global, tokens = [0, 15]>] {scale = 2.500000e-01 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x3xf32>, tensor<2x3xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  return %[[O]] : tensor<1x2x16x8xf32>
func.func @multiscale_attention_three_scales(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x3xf32>, %b: tensor<2x3xf32>) -> tensor<1x2x16x8xf32> {
  %o = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 0>, #dsk.scale<segment, length = 4>, #dsk.scale<global, tokens = [0, 15]>] {scale = 2.5e-01 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x3xf32>, tensor<2x3xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @multiscale_attention_segment_ids(
// CHECK-SAME:    %[[Q:.+]]: tensor<2x4x16x8xf16>, %[[W:.+]]: tensor<4x8x4xf16>, %[[B:.+]]: tensor<4x4xf16>, %[[IDS:.+]]: tensor<2x16xi32>) -> tensor<2x4x16x8xf16> {
// CHECK-NEXT:  %[[O:.+]] = dsk.multiscale_attention %[[Q]], %[[Q]], %[[Q]] gate %[[W]], %[[B]] segment_ids %[[IDS]] scales [#dsk.scale<segment>, #dsk.scale<local, window = 3>, #dsk.scale<segment, length = 8>, #dsk.scale<global>] : (tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>, tensor<4x8x4xf16>, tensor<4x4xf16>, tensor<2x16xi32>) -> tensor<2x4x16x8xf16>
// CHECK-NEXT:  return %[[O]] : tensor<2x4x16x8xf16>
func.func @multiscale_attention_segment_ids(%q: tensor<2x4x16x8xf16>, %w: tensor<4x8x4xf16>, %b: tensor<4x4xf16>, %ids: tensor<2x16xi32>) -> tensor<2x4x16x8xf16> {
  %o = dsk.multiscale_attention %q, %q, %q gate %w, %b segment_ids %ids scales [#dsk.scale<segment>, #dsk.scale<local, window = 3>, #dsk.scale<segment, length = 8>, #dsk.scale<global>] : (tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>, tensor<2x4x16x8xf16>, tensor<4x8x4xf16>, tensor<4x4xf16>, tensor<2x16xi32>) -> tensor<2x4x16x8xf16>
  return %o : tensor<2x4x16x8xf16>
}

// -----

// CHECK-LABEL: func.func @multiscale_attention_dynamic(
// CHECK-SAME:    %[[Q:.+]]: tensor<?x2x?x8xf32>, %[[K:.+]]: tensor<1x?x?x?xf32>, %[[W:.+]]: tensor<?x8x1xf32>, %[[B:.+]]: tensor<2x?xf32>, %[[IDS:.+]]: tensor<?x?xi8>) -> tensor<?x2x?x8xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.multiscale_attention %[[Q]], %[[K]], %[[K]] gate %[[W]], %[[B]] segment_ids %[[IDS]] scales [#dsk.scale<segment>, #dsk.scale<global, tokens = [100]>] : (tensor<?x2x?x8xf32>, tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>, tensor<?x8x1xf32>, tensor<2x?xf32>, tensor<?x?xi8>) -> tensor<?x2x?x8xf32>
// CHECK-NEXT:  return %[[O]] : tensor<?x2x?x8xf32>
func.func @multiscale_attention_dynamic(%q: tensor<?x2x?x8xf32>, %k: tensor<1x?x?x?xf32>, %w: tensor<?x8x1xf32>, %b: tensor<2x?xf32>, %ids: tensor<?x?xi8>) -> tensor<?x2x?x8xf32> {
  %o = dsk.multiscale_attention %q, %k, %k gate %w, %b segment_ids %ids scales [#dsk.scale<segment>, #dsk.scale<global, tokens = [100]>] : (tensor<?x2x?x8xf32>, tensor<1x?x?x?xf32>, tensor<1x?x?x?xf32>, tensor<?x8x1xf32>, tensor<2x?xf32>, tensor<?x?xi8>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @sparse_attention(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x16x8xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.sparse_attention %[[Q]], %[[Q]], %[[Q]] {window = 2 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.sparse_attention %[[Q]], %[[Q]], %[[Q]] {global_tokens = array<i64: 0, 7>} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  %[[R2:.+]] = dsk.sparse_attention %[[Q]], %[[Q]], %[[Q]] {causal, log_strides} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]], %[[R2]] : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
func.func @sparse_attention(%q: tensor<1x2x16x8xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  %0 = dsk.sparse_attention %q, %q, %q {window = 2 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  %1 = dsk.sparse_attention %q, %q, %q {global_tokens = array<i64: 0, 7>} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  %2 = dsk.sparse_attention %q, %q, %q {log_strides, causal} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %0, %1, %2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @sparse_attention_all_attributes(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x16x8xf32>, %[[V:.+]]: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.sparse_attention %[[Q]], %[[Q]], %[[V]] {causal, global_tokens = array<i64: 3>, log_strides, scale = 5.000000e-01 : f64, window = 0 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:  return %[[O]] : tensor<1x2x16x4xf32>
func.func @sparse_attention_all_attributes(%q: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = dsk.sparse_attention %q, %q, %v {window = 0 : i64, global_tokens = array<i64: 3>, log_strides, causal, scale = 5.0e-01 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  return %o : tensor<1x2x16x4xf32>
}

// -----

// CHECK-LABEL: func.func @sparse_attention_lowrank(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x16x8xf32>, %[[E:.+]]: tensor<2x4x16xf32>, %[[F:.+]]: tensor<2x4x16xf32>) -> tensor<1x2x16x8xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.sparse_attention %[[Q]], %[[Q]], %[[Q]] lowrank %[[E]], %[[F]] {global_tokens = array<i64: 0>, log_strides, window = 2 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  return %[[O]] : tensor<1x2x16x8xf32>
func.func @sparse_attention_lowrank(%q: tensor<1x2x16x8xf32>, %e: tensor<2x4x16xf32>, %f: tensor<2x4x16xf32>) -> tensor<1x2x16x8xf32> {
  %o = dsk.sparse_attention %q, %q, %q lowrank %e, %f {window = 2 : i64, global_tokens = array<i64: 0>, log_strides} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @sparse_attention_dynamic(
// CHECK-SAME:    %[[Q:.+]]: tensor<?x?x?x8xf32>, %[[E:.+]]: tensor<?x4x?xf32>, %[[F:.+]]: tensor<2x?x16xf32>) -> tensor<?x?x?x8xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.sparse_attention %[[Q]], %[[Q]], %[[Q]] lowrank %[[E]], %[[F]] {global_tokens = array<i64: 1000>} : (tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x4x?xf32>, tensor<2x?x16xf32>) -> tensor<?x?x?x8xf32>
// CHECK-NEXT:  return %[[O]] : tensor<?x?x?x8xf32>
func.func @sparse_attention_dynamic(%q: tensor<?x?x?x8xf32>, %e: tensor<?x4x?xf32>, %f: tensor<2x?x16xf32>) -> tensor<?x?x?x8xf32> {
  %o = dsk.sparse_attention %q, %q, %q lowrank %e, %f {global_tokens = array<i64: 1000>} : (tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x4x?xf32>, tensor<2x?x16xf32>) -> tensor<?x?x?x8xf32>
  return %o : tensor<?x?x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_uniform(
// CHECK-SAME:    %[[X:.+]]: tensor<4x8xf32>, %[[Y:.+]]: tensor<2x32xf16>) -> (tensor<4x8xi8, #dsk.uniform<scale = 1.000000e-01, zero_point = 0>>, tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [1.000000e-01, 2.000000e-01], zero_points = [128, 120]>>, tensor<4x8xi4, #dsk.uniform<axis = 1, scales = [1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 5.000000e-01], zero_points = [-8, 0, 0, 0, 0, 0, 0, 7]>>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.quantize %[[X]] : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 1.000000e-01, zero_point = 0>>
// CHECK-NEXT:  %[[R1:.+]] = dsk.quantize %[[Y]] : tensor<2x32xf16> -> tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [1.000000e-01, 2.000000e-01], zero_points = [128, 120]>>
// CHECK-NEXT:  %[[R2:.+]] = dsk.quantize %[[X]] : tensor<4x8xf32> -> tensor<4x8xi4, #dsk.uniform<axis = 1, scales = [1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 5.000000e-01], zero_points = [-8, 0, 0, 0, 0, 0, 0, 7]>>
// CHECK-NEXT:  return %[[R0]], %[[R1]], %[[R2]] : tensor<4x8xi8, #dsk.uniform<scale = 1.000000e-01, zero_point = 0>>, tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [1.000000e-01, 2.000000e-01], zero_points = [128, 120]>>, tensor<4x8xi4, #dsk.uniform<axis = 1, scales = [1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 5.000000e-01], zero_points = [-8, 0, 0, 0, 0, 0, 0, 7]>>
func.func @quantize_uniform(%x: tensor<4x8xf32>, %y: tensor<2x32xf16>) -> (tensor<4x8xi8, #dsk.uniform<scale = 0.1, zero_point = 0>>, tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>, tensor<4x8xi4, #dsk.uniform<axis = 1, scales = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5], zero_points = [-8, 0, 0, 0, 0, 0, 0, 7]>>) {
  %0 = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 0.1, zero_point = 0>>
  %1 = dsk.quantize %y : tensor<2x32xf16> -> tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>
  %2 = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi4, #dsk.uniform<axis = 1, scales = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5], zero_points = [-8, 0, 0, 0, 0, 0, 0, 7]>>
  return %0, %1, %2 : tensor<4x8xi8, #dsk.uniform<scale = 0.1, zero_point = 0>>, tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>, tensor<4x8xi4, #dsk.uniform<axis = 1, scales = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5], zero_points = [-8, 0, 0, 0, 0, 0, 0, 7]>>
}

// -----

// CHECK-LABEL: func.func @dequantize_uniform(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xi8, #dsk.uniform<scale = 1.000000e-01, zero_point = -128>>, %[[B:.+]]: tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [1.000000e-01, 2.000000e-01], zero_points = [0, 255]>>, %[[C:.+]]: tensor<16xi4, #dsk.uniform<scale = 2.000000e+00, zero_point = 7>>) -> (tensor<4x8xf32>, tensor<2x32xbf16>, tensor<16xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.dequantize %[[A]] : tensor<4x8xi8, #dsk.uniform<scale = 1.000000e-01, zero_point = -128>> -> tensor<4x8xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.dequantize %[[B]] : tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [1.000000e-01, 2.000000e-01], zero_points = [0, 255]>> -> tensor<2x32xbf16>
// CHECK-NEXT:  %[[R2:.+]] = dsk.dequantize %[[C]] : tensor<16xi4, #dsk.uniform<scale = 2.000000e+00, zero_point = 7>> -> tensor<16xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]], %[[R2]] : tensor<4x8xf32>, tensor<2x32xbf16>, tensor<16xf32>
func.func @dequantize_uniform(%a: tensor<4x8xi8, #dsk.uniform<scale = 0.1, zero_point = -128>>, %b: tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [0, 255]>>, %c: tensor<16xi4, #dsk.uniform<scale = 2.0, zero_point = 7>>) -> (tensor<4x8xf32>, tensor<2x32xbf16>, tensor<16xf32>) {
  %0 = dsk.dequantize %a : tensor<4x8xi8, #dsk.uniform<scale = 0.1, zero_point = -128>> -> tensor<4x8xf32>
  %1 = dsk.dequantize %b : tensor<2x32xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [0, 255]>> -> tensor<2x32xbf16>
  %2 = dsk.dequantize %c : tensor<16xi4, #dsk.uniform<scale = 2.0, zero_point = 7>> -> tensor<16xf32>
  return %0, %1, %2 : tensor<4x8xf32>, tensor<2x32xbf16>, tensor<16xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_log2(
// CHECK-SAME:    %[[X:.+]]: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.quantize %[[X]] : tensor<8x16xf32> -> tensor<8x16xi4, #dsk.log2<scale = 7.500000e-01>>
// CHECK-NEXT:  %[[R1:.+]] = dsk.quantize %[[X]] : tensor<8x16xf32> -> tensor<8x16xi4, #dsk.log2<axis = 0, scales = [1.000000e+00, 5.000000e-01, 2.500000e-01, 2.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00]>>
// CHECK-NEXT:  %[[R2:.+]] = dsk.dequantize %[[R0]] : tensor<8x16xi4, #dsk.log2<scale = 7.500000e-01>> -> tensor<8x16xf32>
// CHECK-NEXT:  %[[R3:.+]] = dsk.dequantize %[[R1]] : tensor<8x16xi4, #dsk.log2<axis = 0, scales = [1.000000e+00, 5.000000e-01, 2.500000e-01, 2.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00]>> -> tensor<8x16xf32>
// CHECK-NEXT:  return %[[R2]], %[[R3]] : tensor<8x16xf32>, tensor<8x16xf32>
func.func @quantize_log2(%x: tensor<8x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %0 = dsk.quantize %x : tensor<8x16xf32> -> tensor<8x16xi4, #dsk.log2<scale = 0.75>>
  %1 = dsk.quantize %x : tensor<8x16xf32> -> tensor<8x16xi4, #dsk.log2<axis = 0, scales = [1.0, 0.5, 0.25, 2.0, 1.0, 1.0, 1.0, 1.0]>>
  %2 = dsk.dequantize %0 : tensor<8x16xi4, #dsk.log2<scale = 0.75>> -> tensor<8x16xf32>
  %3 = dsk.dequantize %1 : tensor<8x16xi4, #dsk.log2<axis = 0, scales = [1.0, 0.5, 0.25, 2.0, 1.0, 1.0, 1.0, 1.0]>> -> tensor<8x16xf32>
  return %2, %3 : tensor<8x16xf32>, tensor<8x16xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_codebook(
// CHECK-SAME:    %[[X:.+]]: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x64xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.quantize %[[X]] : tensor<2x64xf32> -> tensor<2x64xi2, #dsk.codebook<values = [-1.000000e+00, -2.500000e-01, 2.500000e-01, 1.000000e+00]>>
// CHECK-NEXT:  %[[R1:.+]] = dsk.quantize %[[X]] : tensor<2x64xf32> -> tensor<2x64xi4, #dsk.codebook<axis = 0, values = {{\[\[}}-1.000000e+00, -2.500000e-01, 2.500000e-01, 1.000000e+00], [-2.000000e+00, 0.000000e+00, 5.000000e-01, 2.000000e+00]]>>
// CHECK-NEXT:  %[[R2:.+]] = dsk.dequantize %[[R0]] : tensor<2x64xi2, #dsk.codebook<values = [-1.000000e+00, -2.500000e-01, 2.500000e-01, 1.000000e+00]>> -> tensor<2x64xf32>
// CHECK-NEXT:  %[[R3:.+]] = dsk.dequantize %[[R1]] : tensor<2x64xi4, #dsk.codebook<axis = 0, values = {{\[\[}}-1.000000e+00, -2.500000e-01, 2.500000e-01, 1.000000e+00], [-2.000000e+00, 0.000000e+00, 5.000000e-01, 2.000000e+00]]>> -> tensor<2x64xf32>
// CHECK-NEXT:  return %[[R2]], %[[R3]] : tensor<2x64xf32>, tensor<2x64xf32>
func.func @quantize_codebook(%x: tensor<2x64xf32>) -> (tensor<2x64xf32>, tensor<2x64xf32>) {
  %0 = dsk.quantize %x : tensor<2x64xf32> -> tensor<2x64xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>>
  %1 = dsk.quantize %x : tensor<2x64xf32> -> tensor<2x64xi4, #dsk.codebook<axis = 0, values = [[-1.0, -0.25, 0.25, 1.0], [-2.0, 0.0, 0.5, 2.0]]>>
  %2 = dsk.dequantize %0 : tensor<2x64xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>> -> tensor<2x64xf32>
  %3 = dsk.dequantize %1 : tensor<2x64xi4, #dsk.codebook<axis = 0, values = [[-1.0, -0.25, 0.25, 1.0], [-2.0, 0.0, 0.5, 2.0]]>> -> tensor<2x64xf32>
  return %2, %3 : tensor<2x64xf32>, tensor<2x64xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_dynamic(
// CHECK-SAME:    %[[X:.+]]: tensor<?x?xf32>) -> tensor<4x?xf32> {
// CHECK-NEXT:  %[[R0:.+]] = dsk.quantize %[[X]] : tensor<?x?xf32> -> tensor<4x?xi8, #dsk.uniform<axis = 1, scales = [5.000000e-01, 2.500000e-01, 1.250000e-01], zero_points = [0, 1, 2]>>
// CHECK-NEXT:  %[[R1:.+]] = dsk.dequantize %[[R0]] : tensor<4x?xi8, #dsk.uniform<axis = 1, scales = [5.000000e-01, 2.500000e-01, 1.250000e-01], zero_points = [0, 1, 2]>> -> tensor<4x?xf32>
// CHECK-NEXT:  return %[[R1]] : tensor<4x?xf32>
func.func @quantize_dynamic(%x: tensor<?x?xf32>) -> tensor<4x?xf32> {
  %0 = dsk.quantize %x : tensor<?x?xf32> -> tensor<4x?xi8, #dsk.uniform<axis = 1, scales = [0.5, 0.25, 0.125], zero_points = [0, 1, 2]>>
  %1 = dsk.dequantize %0 : tensor<4x?xi8, #dsk.uniform<axis = 1, scales = [0.5, 0.25, 0.125], zero_points = [0, 1, 2]>> -> tensor<4x?xf32>
  return %1 : tensor<4x?xf32>
}

// -----

// CHECK-LABEL: func.func @precision_region_bf16(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x4xf32>) -> tensor<4x4xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.precision_region bf16 ins(%[[A]], %[[B]] : tensor<4x8xf32>, tensor<8x4xf32>) {
// CHECK-NEXT:  ^bb0(%[[X:.+]]: tensor<4x8xbf16>, %[[Y:.+]]: tensor<8x4xbf16>):
// CHECK-NEXT:    %[[M:.+]] = dsk.matmul %[[X]], %[[Y]] : (tensor<4x8xbf16>, tensor<8x4xbf16>) -> tensor<4x4xbf16>
// CHECK-NEXT:    dsk.yield %[[M]] : tensor<4x4xbf16>
// CHECK-NEXT:  } -> tensor<4x4xf32>
// CHECK-NEXT:  return %[[R]] : tensor<4x4xf32>
func.func @precision_region_bf16(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %r = dsk.precision_region bf16 ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) {
  ^bb0(%x: tensor<4x8xbf16>, %y: tensor<8x4xbf16>):
    %m = dsk.matmul %x, %y : (tensor<4x8xbf16>, tensor<8x4xbf16>) -> tensor<4x4xbf16>
    dsk.yield %m : tensor<4x4xbf16>
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// CHECK-LABEL: func.func @precision_region_f32_f16(
// CHECK-SAME:    %[[A:.+]]: tensor<4xf16>, %[[B:.+]]: tensor<4xf32>, %[[I:.+]]: tensor<4xi32>) -> (tensor<4xf16>, tensor<4xi32>, tensor<4xbf16>) {
// CHECK-NEXT:  %[[R0:.+]]:2 = dsk.precision_region f32 ins(%[[A]], %[[I]] : tensor<4xf16>, tensor<4xi32>) {
// CHECK-NEXT:  ^bb0(%[[X:.+]]: tensor<4xf32>, %[[J:.+]]: tensor<4xi32>):
// CHECK-NEXT:    dsk.yield %[[X]], %[[J]] : tensor<4xf32>, tensor<4xi32>
// CHECK-NEXT:  } -> tensor<4xf16>, tensor<4xi32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.precision_region f16 ins(%[[B]] : tensor<4xf32>) {
// CHECK-NEXT:  ^bb0(%[[X_2:.+]]: tensor<4xf16>):
// CHECK-NEXT:    dsk.yield %[[X_2]] : tensor<4xf16>
// CHECK-NEXT:  } -> tensor<4xbf16>
// CHECK-NEXT:  return %[[R0]]#0, %[[R0]]#1, %[[R1]] : tensor<4xf16>, tensor<4xi32>, tensor<4xbf16>
func.func @precision_region_f32_f16(%a: tensor<4xf16>, %b: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf16>, tensor<4xi32>, tensor<4xbf16>) {
  %0:2 = dsk.precision_region f32 ins(%a, %i : tensor<4xf16>, tensor<4xi32>) {
  ^bb0(%x: tensor<4xf32>, %j: tensor<4xi32>):
    dsk.yield %x, %j : tensor<4xf32>, tensor<4xi32>
  } -> tensor<4xf16>, tensor<4xi32>
  %1 = dsk.precision_region f16 ins(%b : tensor<4xf32>) {
  ^bb0(%x: tensor<4xf16>):
    dsk.yield %x : tensor<4xf16>
  } -> tensor<4xbf16>
  return %0#0, %0#1, %1 : tensor<4xf16>, tensor<4xi32>, tensor<4xbf16>
}

// -----

// CHECK-LABEL: func.func @precision_region_i8(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xi8>, %[[B:.+]]: tensor<8x4xi8>) -> tensor<4x4xi32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.precision_region i8 ins(%[[A]], %[[B]] : tensor<4x8xi8>, tensor<8x4xi8>) {
// CHECK-NEXT:  ^bb0(%[[X:.+]]: tensor<4x8xi8>, %[[Y:.+]]: tensor<8x4xi8>):
// CHECK-NEXT:    %[[M:.+]] = dsk.matmul %[[X]], %[[Y]] : (tensor<4x8xi8>, tensor<8x4xi8>) -> tensor<4x4xi32>
// CHECK-NEXT:    dsk.yield %[[M]] : tensor<4x4xi32>
// CHECK-NEXT:  } -> tensor<4x4xi32>
// CHECK-NEXT:  return %[[R]] : tensor<4x4xi32>
func.func @precision_region_i8(%a: tensor<4x8xi8>, %b: tensor<8x4xi8>) -> tensor<4x4xi32> {
  %r = dsk.precision_region i8 ins(%a, %b : tensor<4x8xi8>, tensor<8x4xi8>) {
  ^bb0(%x: tensor<4x8xi8>, %y: tensor<8x4xi8>):
    %m = dsk.matmul %x, %y : (tensor<4x8xi8>, tensor<8x4xi8>) -> tensor<4x4xi32>
    dsk.yield %m : tensor<4x4xi32>
  } -> tensor<4x4xi32>
  return %r : tensor<4x4xi32>
}

// -----

// CHECK-LABEL: func.func @precision_region_i8_quantized(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xi8, #dsk.uniform<scale = 5.000000e-01, zero_point = 0>>) -> tensor<4x8xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.precision_region i8 ins(%[[A]] : tensor<4x8xi8, #dsk.uniform<scale = 5.000000e-01, zero_point = 0>>) {
// CHECK-NEXT:  ^bb0(%[[X:.+]]: tensor<4x8xi8, #dsk.uniform<scale = 5.000000e-01, zero_point = 0>>):
// CHECK-NEXT:    %[[D:.+]] = dsk.dequantize %[[X]] : tensor<4x8xi8, #dsk.uniform<scale = 5.000000e-01, zero_point = 0>> -> tensor<4x8xf32>
// CHECK-NEXT:    dsk.yield %[[D]] : tensor<4x8xf32>
// CHECK-NEXT:  } -> tensor<4x8xf32>
// CHECK-NEXT:  return %[[R]] : tensor<4x8xf32>
func.func @precision_region_i8_quantized(%a: tensor<4x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) -> tensor<4x8xf32> {
  %r = dsk.precision_region i8 ins(%a : tensor<4x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) {
  ^bb0(%x: tensor<4x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>):
    %d = dsk.dequantize %x : tensor<4x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>> -> tensor<4x8xf32>
    dsk.yield %d : tensor<4x8xf32>
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @precision_region_no_inputs(
// CHECK-SAME:    ) {
// CHECK-NEXT:  dsk.precision_region f16 {
// CHECK-NEXT:    dsk.yield
// CHECK-NEXT:  }
// CHECK-NEXT:  return
func.func @precision_region_no_inputs() {
  dsk.precision_region f16 {
    dsk.yield
  }
  return
}

// -----

// CHECK-LABEL: func.func @dynamic_precision_two(
// CHECK-SAME:    %[[X:.+]]: tensor<8xf32>) -> tensor<8xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.dynamic_precision ins(%[[X]] : tensor<8xf32>) policy <max_abs(0), thresholds = [4.000000e+00], choices = [f32, bf16]> {
// CHECK-NEXT:  ^bb0(%[[A:.+]]: tensor<8xf32>):
// CHECK-NEXT:    dsk.yield %[[A]] : tensor<8xf32>
// CHECK-NEXT:  }, {
// CHECK-NEXT:  ^bb0(%[[A_2:.+]]: tensor<8xf32>):
// CHECK-NEXT:    %[[R_2:.+]] = dsk.precision_region bf16 ins(%[[A_2]] : tensor<8xf32>) {
// CHECK-NEXT:    ^bb0(%[[B:.+]]: tensor<8xbf16>):
// CHECK-NEXT:      dsk.yield %[[B]] : tensor<8xbf16>
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NEXT:    dsk.yield %[[R_2]] : tensor<8xf32>
// CHECK-NEXT:  } -> tensor<8xf32>
// CHECK-NEXT:  return %[[R]] : tensor<8xf32>
func.func @dynamic_precision_two(%x: tensor<8xf32>) -> tensor<8xf32> {
  %r = dsk.dynamic_precision ins(%x : tensor<8xf32>) policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield %a : tensor<8xf32>
  }, {
  ^bb0(%a: tensor<8xf32>):
    %r = dsk.precision_region bf16 ins(%a : tensor<8xf32>) {
    ^bb0(%b: tensor<8xbf16>):
      dsk.yield %b : tensor<8xbf16>
    } -> tensor<8xf32>
    dsk.yield %r : tensor<8xf32>
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_precision_three(
// CHECK-SAME:    %[[W:.+]]: tensor<8x4xi8>, %[[X:.+]]: tensor<2x8xf32>) -> tensor<2x4xf32> {
// CHECK-NEXT:  %[[R:.+]] = dsk.dynamic_precision ins(%[[W]], %[[X]] : tensor<8x4xi8>, tensor<2x8xf32>) policy <rms(1), thresholds = [-1.500000e+00, 8.000000e+00], choices = [i8, f16, f32]> {
// CHECK-NEXT:  ^bb0(%[[A:.+]]: tensor<8x4xi8>, %[[B:.+]]: tensor<2x8xf32>):
// CHECK-NEXT:    %[[E:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK-NEXT:    dsk.yield %[[E]] : tensor<2x4xf32>
// CHECK-NEXT:  }, {
// CHECK-NEXT:  ^bb0(%[[A_2:.+]]: tensor<8x4xi8>, %[[B_2:.+]]: tensor<2x8xf32>):
// CHECK-NEXT:    %[[E_2:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK-NEXT:    dsk.yield %[[E_2]] : tensor<2x4xf32>
// CHECK-NEXT:  }, {
// CHECK-NEXT:  ^bb0(%[[A_3:.+]]: tensor<8x4xi8>, %[[B_3:.+]]: tensor<2x8xf32>):
// CHECK-NEXT:    %[[E_3:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK-NEXT:    dsk.yield %[[E_3]] : tensor<2x4xf32>
// CHECK-NEXT:  } -> tensor<2x4xf32>
// CHECK-NEXT:  return %[[R]] : tensor<2x4xf32>
func.func @dynamic_precision_three(%w: tensor<8x4xi8>, %x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %r = dsk.dynamic_precision ins(%w, %x : tensor<8x4xi8>, tensor<2x8xf32>) policy #dsk.policy<rms(1), thresholds = [-1.5, 8.0], choices = [i8, f16, f32]> {
  ^bb0(%a: tensor<8x4xi8>, %b: tensor<2x8xf32>):
    %e = tensor.empty() : tensor<2x4xf32>
    dsk.yield %e : tensor<2x4xf32>
  }, {
  ^bb0(%a: tensor<8x4xi8>, %b: tensor<2x8xf32>):
    %e = tensor.empty() : tensor<2x4xf32>
    dsk.yield %e : tensor<2x4xf32>
  }, {
  ^bb0(%a: tensor<8x4xi8>, %b: tensor<2x8xf32>):
    %e = tensor.empty() : tensor<2x4xf32>
    dsk.yield %e : tensor<2x4xf32>
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_precision_mean_abs(
// CHECK-SAME:    %[[X:.+]]: tensor<8xf16>) {
// CHECK-NEXT:  dsk.dynamic_precision ins(%[[X]] : tensor<8xf16>) policy <mean_abs(0), thresholds = [5.000000e-01], choices = [f16, f32]> {
// CHECK-NEXT:  ^bb0(%[[A:.+]]: tensor<8xf16>):
// CHECK-NEXT:    dsk.yield
// CHECK-NEXT:  }, {
// CHECK-NEXT:  ^bb0(%[[A_2:.+]]: tensor<8xf16>):
// CHECK-NEXT:    dsk.yield
// CHECK-NEXT:  }
// CHECK-NEXT:  return
func.func @dynamic_precision_mean_abs(%x: tensor<8xf16>) {
  dsk.dynamic_precision ins(%x : tensor<8xf16>) policy #dsk.policy<mean_abs(0), thresholds = [0.5], choices = [f16, f32]> {
  ^bb0(%a: tensor<8xf16>):
    dsk.yield
  }, {
  ^bb0(%a: tensor<8xf16>):
    dsk.yield
  }
  return
}

// -----

// CHECK:       module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "znver5", features = ["avx512f", "avx512vnni"]>} {
// CHECK-LABEL: func.func @kernels(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xf32>, %[[Q:.+]]: tensor<1x2x8x16xf32>) -> (tensor<4x16xf32>, tensor<1x2x8x16xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] {dsk.kernel = #dsk.kernel<"x86.avx512.gemm_f32", requires = ["avx512f"], tiles = [16, 32, 1]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.attention %[[Q]], %[[Q]], %[[Q]] {causal, dsk.kernel = #dsk.kernel<"x86.attention", requires = ["avx512f", "avx512vnni"]>} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]] : tensor<4x16xf32>, tensor<1x2x8x16xf32>
module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "znver5", features = ["avx512f", "avx512vnni"]>} {
  func.func @kernels(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %q: tensor<1x2x8x16xf32>) -> (tensor<4x16xf32>, tensor<1x2x8x16xf32>) {
    %0 = dsk.matmul %a, %b {dsk.kernel = #dsk.kernel<"x86.avx512.gemm_f32", requires = ["avx512f"], tiles = [16, 32, 1]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %1 = dsk.attention %q, %q, %q {causal, dsk.kernel = #dsk.kernel<"x86.attention", requires = ["avx512f", "avx512vnni"]>} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
    return %0, %1 : tensor<4x16xf32>, tensor<1x2x8x16xf32>
  }
}

// -----

// CHECK:       module attributes {dsk.target = #dsk.target<cpu, arch = "aarch64">} {
// CHECK-LABEL: func.func @kernels_no_features(
// CHECK-SAME:    %[[X:.+]]: tensor<4x64xf32>, %[[U:.+]]: tensor<64x8xf32>, %[[V:.+]]: tensor<8x32xf32>) -> tensor<4x32xf32> {
// CHECK-NEXT:  %[[R0:.+]] = dsk.lowrank_matmul %[[X]], %[[U]], %[[V]] {dsk.kernel = #dsk.kernel<"generic.lowrank", tiles = [4]>} : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
// CHECK-NEXT:  return %[[R0]] : tensor<4x32xf32>
module attributes {dsk.target = #dsk.target<cpu, arch = "aarch64">} {
  func.func @kernels_no_features(%x: tensor<4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>) -> tensor<4x32xf32> {
    %0 = dsk.lowrank_matmul %x, %u, %v {dsk.kernel = #dsk.kernel<"generic.lowrank", tiles = [4]>} : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
    return %0 : tensor<4x32xf32>
  }
}

// -----

// CHECK:       module attributes {dsk.target = #dsk.target<gpu, chip = "sm_90a", ptx = 80>} {
// CHECK-LABEL: func.func @kernels_gpu(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x16x8xf32>, %[[W:.+]]: tensor<2x8x1xf32>, %[[B:.+]]: tensor<2x1xf32>, %[[X:.+]]: tensor<2x8xf32>, %[[VALS:.+]]: tensor<5x1x1xf32>, %[[COLS:.+]]: tensor<5xi32>, %[[ROWS:.+]]: tensor<9xi32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4xf32>) {
// CHECK-NEXT:  %[[R0:.+]] = dsk.multiscale_attention %[[Q]], %[[Q]], %[[Q]] gate %[[W]], %[[B]] scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] {dsk.kernel = #dsk.kernel<"sm90.msa">} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  %[[R1:.+]] = dsk.sparse_attention %[[Q]], %[[Q]], %[[Q]] {dsk.kernel = #dsk.kernel<"sm90.sparse_attention", tiles = [64, 64]>, window = 4 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  %[[R2:.+]] = dsk.sparse_matmul %[[X]], %[[VALS]], %[[COLS]], %[[ROWS]] {block = array<i64: 1, 1>, dsk.kernel = #dsk.kernel<"sm90.spmm">, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
// CHECK-NEXT:  return %[[R0]], %[[R1]], %[[R2]] : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4xf32>
module attributes {dsk.target = #dsk.target<gpu, chip = "sm_90a", ptx = 80>} {
  func.func @kernels_gpu(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>, %x: tensor<2x8xf32>, %vals: tensor<5x1x1xf32>, %cols: tensor<5xi32>, %rows: tensor<9xi32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4xf32>) {
    %0 = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<local, window = 2>, #dsk.scale<global>] {dsk.kernel = #dsk.kernel<"sm90.msa">} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
    %1 = dsk.sparse_attention %q, %q, %q {dsk.kernel = #dsk.kernel<"sm90.sparse_attention", tiles = [64, 64]>, window = 4 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
    %2 = dsk.sparse_matmul %x, %vals, %cols, %rows {block = array<i64: 1, 1>, dsk.kernel = #dsk.kernel<"sm90.spmm">, weight_shape = array<i64: 8, 4>} : (tensor<2x8xf32>, tensor<5x1x1xf32>, tensor<5xi32>, tensor<9xi32>) -> tensor<2x4xf32>
    return %0, %1, %2 : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x4xf32>
  }
}

// -----

// CHECK:       module attributes {dsk.target = #dsk.target<gpu, chip = "sm_80">} {
// CHECK-LABEL: func.func @target_gpu_no_ptx(
// CHECK-SAME:    ) {
// CHECK-NEXT:  return
module attributes {dsk.target = #dsk.target<gpu, chip = "sm_80">} {
  func.func @target_gpu_no_ptx() {
    return
  }
}

// -----

// CHECK-LABEL: func.func @kernel_without_target(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xf32>) -> tensor<4x16xf32> {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] {dsk.kernel = #dsk.kernel<"x86.avx512.gemm_f32", requires = ["avx512f"]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT:  return %[[R0]] : tensor<4x16xf32>
func.func @kernel_without_target(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = dsk.matmul %a, %b {dsk.kernel = #dsk.kernel<"x86.avx512.gemm_f32", requires = ["avx512f"]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @float_printing(
// CHECK-SAME:    %[[X:.+]]: tensor<4x8xf32>, %[[Q:.+]]: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
// CHECK-NEXT:  %[[R0:.+]] = dsk.quantize %[[X]] : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 1.000000e-01, zero_point = 0>>
// CHECK-NEXT:  %[[R1:.+]] = dsk.quantize %[[X]] : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 0.33333333333333331, zero_point = 0>>
// CHECK-NEXT:  %[[R2:.+]] = dsk.quantize %[[X]] : tensor<4x8xf32> -> tensor<4x8xi4, #dsk.codebook<values = [-0.000000e+00, 1.000000e+300, 1.500000e-300, 1.500000e+00]>>
// CHECK-NEXT:  %[[R3:.+]] = dsk.quantize %[[X]] : tensor<4x8xf32> -> tensor<4x8xi4, #dsk.log2<axis = 0, scales = [3.000000e-05, 1.000000e+00, 12345.678, 6.103515625E-5]>>
// CHECK-NEXT:  %[[R4:.+]] = dsk.attention %[[Q]], %[[Q]], %[[Q]] {scale = 1.250000e-01 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
// CHECK-NEXT:  return %[[R4]] : tensor<1x1x4x4xf32>
func.func @float_printing(%x: tensor<4x8xf32>, %q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %0 = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 0x3FB999999999999A, zero_point = 0>>
  %1 = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi8, #dsk.uniform<scale = 0.3333333333333333, zero_point = 0>>
  %2 = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi4, #dsk.codebook<values = [-0.0, 1.0e300, 1.5e-300, 0x3FF8000000000000]>>
  %3 = dsk.quantize %x : tensor<4x8xf32> -> tensor<4x8xi4, #dsk.log2<axis = 0, scales = [3.0e-05, 1.0, 12345.678, 6.103515625e-05]>>
  %4 = dsk.attention %q, %q, %q {scale = 0x3FC0000000000000 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %4 : tensor<1x1x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @scale_global_empty_tokens(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x2x16x8xf32>, %[[W:.+]]: tensor<2x8x1xf32>, %[[B:.+]]: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
// CHECK-NEXT:  %[[O:.+]] = dsk.multiscale_attention %[[Q]], %[[Q]], %[[Q]] gate %[[W]], %[[B]] scales [#dsk.scale<global>, #dsk.scale<local, window = 100>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:  return %[[O]] : tensor<1x2x16x8xf32>
func.func @scale_global_empty_tokens(%q: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  %o = dsk.multiscale_attention %q, %q, %q gate %w, %b scales [#dsk.scale<global, tokens = []>, #dsk.scale<local, window = 100>] : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @policy_short_form(
// CHECK-SAME:    %[[X:.+]]: tensor<8xf32>) {
// CHECK-NEXT:  dsk.dynamic_precision ins(%[[X]] : tensor<8xf32>) policy <max_abs(0), thresholds = [2.000000e+00], choices = [i8, f32]> {
// CHECK-NEXT:  ^bb0(%[[A:.+]]: tensor<8xf32>):
// CHECK-NEXT:    dsk.yield
// CHECK-NEXT:  }, {
// CHECK-NEXT:  ^bb0(%[[A_2:.+]]: tensor<8xf32>):
// CHECK-NEXT:    dsk.yield
// CHECK-NEXT:  }
// CHECK-NEXT:  return
func.func @policy_short_form(%x: tensor<8xf32>) {
  dsk.dynamic_precision ins(%x : tensor<8xf32>) policy <max_abs(0), thresholds = [0x4000000000000000], choices = [i8, f32]> {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield
  }, {
  ^bb0(%a: tensor<8xf32>):
    dsk.yield
  }
  return
}

// -----

// CHECK:       module attributes {dsk.target = #dsk.target<cpu, arch = "aarch64", cpu = "apple-m4", features = ["neon", "dotprod"]>} {
// CHECK-LABEL: func.func @target_key_order(
// CHECK-SAME:    %[[A:.+]]: tensor<4x8xf32>, %[[B:.+]]: tensor<8x16xf32>) -> tensor<4x16xf32> {
// CHECK-NEXT:  %[[R0:.+]] = dsk.matmul %[[A]], %[[B]] {dsk.kernel = #dsk.kernel<"neon.gemm", requires = ["neon", "dotprod"], tiles = [8, 12]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT:  return %[[R0]] : tensor<4x16xf32>
module attributes {dsk.target = #dsk.target<cpu, features = ["neon", "dotprod"], cpu = "apple-m4", arch = "aarch64">} {
  func.func @target_key_order(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
    %0 = dsk.matmul %a, %b {dsk.kernel = #dsk.kernel<"neon.gemm", tiles = [8, 12], requires = ["neon", "dotprod"]>} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    return %0 : tensor<4x16xf32>
  }
}

// -----

// CHECK:       module attributes {dsk.target = #dsk.target<cpu, arch = "riscv64">} {
// CHECK-LABEL: func.func @target_empty_features(
// CHECK-SAME:    ) {
// CHECK-NEXT:  return
module attributes {dsk.target = #dsk.target<cpu, arch = "riscv64", features = []>} {
  func.func @target_empty_features() {
    return
  }
}

// -----

// Strings in targets and kernels are escaped when printed.
// CHECK: module attributes {dsk.target = #dsk.target<cpu, arch = "x\22y", cpu = "a\\b">}
module attributes {dsk.target = #dsk.target<cpu, arch = "x\"y", cpu = "a\\b">} {
}

// -----

// A CPU target with an LLVM triple.
// CHECK:       module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64", cpu = "haswell", features = ["avx2", "fma"], triple = "x86_64-pc-linux-gnu">} {
module attributes {dsk.target = #dsk.target<cpu, triple = "x86_64-pc-linux-gnu", arch = "x86_64", cpu = "haswell", features = ["avx2", "fma"]>} {
}

// -----

// dsk.attention_kernel on tensors (with a mask, and a kernel) and on
// buffers (causal).
// CHECK-LABEL: func.func @attention_kernel
// CHECK: %{{.+}} = dsk.attention_kernel %{{.+}}, %{{.+}}, %{{.+}} mask %{{.+}} into %{{.+}} {dsk.kernel = #dsk.kernel<"generic.attention_f32", tiles = [4, 4]>, scale = 2.500000e-01 : f64} : tensor<1x2x8x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x4xf32>, tensor<8x6xf32> into tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
// CHECK: dsk.attention_kernel %{{.+}}, %{{.+}}, %{{.+}} into %{{.+}} {causal, scale = 1.000000e+00 : f64} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32> into memref<1x1x4x8xf32>{{$}}
func.func @attention_kernel(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x6x16xf32>, %v: tensor<1x2x6x4xf32>, %m: tensor<8x6xf32>, %init: tensor<1x2x8x4xf32>, %bq: memref<1x1x4x8xf32>, %bo: memref<1x1x4x8xf32>) -> tensor<1x2x8x4xf32> {
  %0 = dsk.attention_kernel %q, %k, %v mask %m into %init {scale = 0.25 : f64, dsk.kernel = #dsk.kernel<"generic.attention_f32", tiles = [4, 4]>} : tensor<1x2x8x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x4xf32>, tensor<8x6xf32> into tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  dsk.attention_kernel %bq, %bq, %bq into %bo {scale = 1.0 : f64, causal} : memref<1x1x4x8xf32>, memref<1x1x4x8xf32>, memref<1x1x4x8xf32> into memref<1x1x4x8xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// The importer's argument and result attributes.
// CHECK-LABEL: func.func @onnx_value_attributes
// CHECK-SAME: (%{{.+}}: tensor<?x4xi8> {dsk.onnx.dim_params = ["N", ""], dsk.onnx.name = "x", dsk.onnx.unsigned})
// CHECK-SAME: -> (tensor<?x4xi8> {dsk.onnx.name = "y"})
func.func @onnx_value_attributes(%x: tensor<?x4xi8> {dsk.onnx.name = "x", dsk.onnx.unsigned, dsk.onnx.dim_params = ["N", ""]}) -> (tensor<?x4xi8> {dsk.onnx.name = "y"}) {
  return %x : tensor<?x4xi8>
}
