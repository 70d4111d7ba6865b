// RUN: dsk-opt %s -dsk-lower-to-linalg -split-input-file | FileCheck %s
// RUN: dsk-opt %s -dsk-lower-to-linalg -split-input-file | grep -v dsk.attention_kernel | FileCheck %s --check-prefix=NODSK

// Nothing of the dsk dialect survives: no op, no encoding, no attribute,
// except dsk.attention_kernel, which carries an attention that has a kernel
// (with its #dsk.kernel) to the kernel's lowering.
// NODSK-NOT: dsk.

//===----------------------------------------------------------------------===//
// dsk.matmul
//===----------------------------------------------------------------------===//

// Batch dims [2, 1] and [3] broadcast to [2, 3]: the lhs's stretched size-1
// batch dim is read at the constant index 0, and the rhs (one batch dim
// fewer) is aligned from the right.
// CHECK-DAG: #[[$BC_LHS:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[$BC_RHS:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[$BC_OUT:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast(
// CHECK-SAME: %[[A:[^:]+]]: tensor<2x1x4x8xf32>, %[[B:[^:]+]]: tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32>
// CHECK-NOT: dsk.
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[EMPTY:.+]] = tensor.empty() : tensor<2x3x4x16xf32>
// CHECK: %[[INIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<2x3x4x16xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$BC_LHS]], #[[$BC_RHS]], #[[$BC_OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x1x4x8xf32>, tensor<3x8x16xf32>) outs(%[[INIT]] : tensor<2x3x4x16xf32>)
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %[[Y:[^:]+]]: f32, %[[ACC:[^:]+]]: f32):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[X]], %[[Y]] : f32
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[R]] : tensor<2x3x4x16xf32>
func.func @matmul_broadcast(%a: tensor<2x1x4x8xf32>, %b: tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32> {
  %r = dsk.matmul %a, %b : (tensor<2x1x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x3x4x16xf32>
  return %r : tensor<2x3x4x16xf32>
}

// -----

// Both operands transposed: A[m, k] = lhs[k, m] and B[k, n] = rhs[n, k]. The
// bias broadcasts over the rows and is the initial accumulator.
// CHECK-DAG: #[[$TB_BIAS:map[0-9]*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$TB_ID2:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$TB_LHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[$TB_RHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$TB_OUT:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul_transpose_bias(
// CHECK-SAME: %[[A:[^:]+]]: tensor<8x4xf32>, %[[B:[^:]+]]: tensor<16x8xf32>, %[[C:[^:]+]]: tensor<16xf32>) -> tensor<4x16xf32>
// CHECK-NOT: dsk.
// CHECK: %[[EMPTY:.+]] = tensor.empty() : tensor<4x16xf32>
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[$TB_BIAS]], #[[$TB_ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[C]] : tensor<16xf32>) outs(%[[EMPTY]] : tensor<4x16xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$TB_LHS]], #[[$TB_RHS]], #[[$TB_OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<8x4xf32>, tensor<16x8xf32>) outs(%[[INIT]] : tensor<4x16xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return %[[R]] : tensor<4x16xf32>
func.func @matmul_transpose_bias(%a: tensor<8x4xf32>, %b: tensor<16x8xf32>, %c: tensor<16xf32>) -> tensor<4x16xf32> {
  %r = dsk.matmul %a, %b bias %c {transpose_lhs, transpose_rhs} : (tensor<8x4xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// Integer product in the default i32 accumulator: signless storage is
// sign-extended, ui storage zero-extended; ui becomes signless in the
// signature. The [1, 16] bias stretches its size-1 row dim (index 0).
// CHECK-DAG: #[[$INT_BIAS:map[0-9]*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG: #[[$INT_LHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$INT_RHS:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @matmul_integer(
// CHECK-SAME: %[[A:[^:]+]]: tensor<4x8xi8>, %[[B:[^:]+]]: tensor<8x16xi8>, %[[C:[^:]+]]: tensor<1x16xi8>) -> tensor<4x16xi32>
// CHECK-NOT: dsk.
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[$INT_BIAS]], #{{.+}}]
// CHECK-SAME: ins(%[[C]] : tensor<1x16xi8>)
// CHECK-NEXT: ^bb0(%[[BV:[^:]+]]: i8, %{{[^:]+}}: i32):
// CHECK-NEXT: %[[BE:.+]] = arith.extui %[[BV]] : i8 to i32
// CHECK-NEXT: linalg.yield %[[BE]] : i32
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$INT_LHS]], #[[$INT_RHS]], #{{.+}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<4x8xi8>, tensor<8x16xi8>) outs(%[[INIT]] : tensor<4x16xi32>)
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: i8, %[[Y:[^:]+]]: i8, %[[ACC:[^:]+]]: i32):
// CHECK-NEXT: %[[XE:.+]] = arith.extsi %[[X]] : i8 to i32
// CHECK-NEXT: %[[YE:.+]] = arith.extui %[[Y]] : i8 to i32
// CHECK-NEXT: %[[P:.+]] = arith.muli %[[XE]], %[[YE]] : i32
// CHECK-NEXT: %[[S:.+]] = arith.addi %[[ACC]], %[[P]] : i32
// CHECK-NEXT: linalg.yield %[[S]] : i32
// CHECK: return %[[R]] : tensor<4x16xi32>
func.func @matmul_integer(%a: tensor<4x8xi8>, %b: tensor<8x16xui8>, %c: tensor<1x16xui8>) -> tensor<4x16xi32> {
  %r = dsk.matmul %a, %b bias %c : (tensor<4x8xi8>, tensor<8x16xui8>, tensor<1x16xui8>) -> tensor<4x16xi32>
  return %r : tensor<4x16xi32>
}

// -----

// A bf16 product accumulates in f32 and is rounded to the result type.
// CHECK-LABEL: func.func @matmul_bf16(
// CHECK-NOT: dsk.
// CHECK: %[[ACC:.+]] = linalg.generic
// CHECK-SAME: ins(%{{.+}}, %{{.+}} : tensor<4x8xbf16>, tensor<8x2xbf16>) outs(%{{.+}} : tensor<4x2xf32>)
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: arith.mulf %{{.+}}, %{{.+}} : f32
// CHECK: arith.addf %{{.+}}, %{{.+}} : f32
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: ins(%[[ACC]] : tensor<4x2xf32>) outs(%{{.+}} : tensor<4x2xbf16>)
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK: return %[[R]] : tensor<4x2xbf16>
func.func @matmul_bf16(%a: tensor<4x8xbf16>, %b: tensor<8x2xbf16>) -> tensor<4x2xbf16> {
  %r = dsk.matmul %a, %b : (tensor<4x8xbf16>, tensor<8x2xbf16>) -> tensor<4x2xbf16>
  return %r : tensor<4x2xbf16>
}

// -----

// A quantized rhs is dequantized (to the f32 accumulator) before the product,
// which then reads the dequantized tensor.
// CHECK-LABEL: func.func @matmul_quantized_rhs(
// CHECK-SAME: %[[A:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<8x5xi8>) -> tensor<4x5xf32>
// CHECK-NOT: dsk.
// CHECK: %[[DQ:.+]] = linalg.generic
// CHECK-SAME: ins(%[[B]] : tensor<8x5xi8>) outs(%{{.+}} : tensor<8x5xf32>)
// CHECK-DAG: %[[SCALE:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[ZP:.+]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[CODE:.+]] = arith.extsi %{{.+}} : i8 to i32
// CHECK: %[[REAL:.+]] = arith.sitofp %[[CODE]] : i32 to f32
// CHECK: %[[SHIFTED:.+]] = arith.subf %[[REAL]], %[[ZP]] : f32
// CHECK: %[[SCALED:.+]] = arith.mulf %[[SHIFTED]], %[[SCALE]] : f32
// CHECK: linalg.yield %[[SCALED]] : f32
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: ins(%[[A]], %[[DQ]] : tensor<4x8xf32>, tensor<8x5xf32>)
// CHECK: return %[[R]] : tensor<4x5xf32>
func.func @matmul_quantized_rhs(%a: tensor<4x8xf32>, %b: tensor<8x5xi8, #dsk.uniform<scale = 0.5, zero_point = 3>>) -> tensor<4x5xf32> {
  %r = dsk.matmul %a, %b : (tensor<4x8xf32>, tensor<8x5xi8, #dsk.uniform<scale = 0.5, zero_point = 3>>) -> tensor<4x5xf32>
  return %r : tensor<4x5xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.lowrank_matmul / dsk.sparse_matmul
//===----------------------------------------------------------------------===//

// (x · U) · V + bias: the inner product starts from zeros, the outer one from
// the broadcast bias.
// CHECK-DAG: #[[$LR_IN:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$LR_W:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[$LR_OUT:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$LR_BIAS:map[0-9]*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @lowrank_matmul(
// CHECK-SAME: %[[X:[^:]+]]: tensor<4x64xf32>, %[[U:[^:]+]]: tensor<64x8xf32>, %[[V:[^:]+]]: tensor<8x32xf32>, %[[BIAS:[^:]+]]: tensor<32xf32>)
// CHECK-NOT: dsk.
// CHECK: %[[ZEROS:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<4x8xf32>)
// CHECK: %[[INNER:.+]] = linalg.generic {indexing_maps = [#[[$LR_IN]], #[[$LR_W]], #[[$LR_OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[U]] : tensor<4x64xf32>, tensor<64x8xf32>) outs(%[[ZEROS]] : tensor<4x8xf32>)
// CHECK: %[[INIT:.+]] = linalg.generic {indexing_maps = [#[[$LR_BIAS]], #{{.+}}]
// CHECK-SAME: ins(%[[BIAS]] : tensor<32xf32>) outs(%{{.+}} : tensor<4x32xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$LR_IN]], #[[$LR_W]], #[[$LR_OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[INNER]], %[[V]] : tensor<4x8xf32>, tensor<8x32xf32>) outs(%[[INIT]] : tensor<4x32xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return %[[R]] : tensor<4x32xf32>
func.func @lowrank_matmul(%x: tensor<4x64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x32xf32>, %b: tensor<32xf32>) -> tensor<4x32xf32> {
  %y = dsk.lowrank_matmul %x, %u, %v bias %b : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// BSR with 2x2 blocks: the weight is densified by scattering every stored
// block into a zero [8, 4] tensor (a loop over the 4 block rows, and inside
// it over the row's entries [row_offsets[r], row_offsets[r + 1]), index
// tensors read unsigned), then multiplied like a dense weight.
// CHECK-LABEL: func.func @sparse_matmul(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x8xf32>, %[[VALS:[^:]+]]: tensor<5x2x2xf32>, %[[COLS:[^:]+]]: tensor<5xi32>, %[[ROWS:[^:]+]]: tensor<5xi32>, %[[BIAS:[^:]+]]: tensor<4xf32>)
// CHECK-NOT: dsk.
// CHECK: %[[ZEROS:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<8x4xf32>)
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK: %[[W:.+]] = scf.for %[[ROW:.+]] = %[[C0]] to %[[C4]] step %[[C1]] iter_args(%[[WROW:.+]] = %[[ZEROS]]) -> (tensor<8x4xf32>) {
// CHECK: %[[BEGIN_I:.+]] = tensor.extract %[[ROWS]][%[[ROW]]] : tensor<5xi32>
// CHECK: %[[BEGIN:.+]] = arith.index_castui %[[BEGIN_I]] : i32 to index
// CHECK: %[[NEXT:.+]] = arith.addi %[[ROW]], %{{.+}} : index
// CHECK: %[[END_I:.+]] = tensor.extract %[[ROWS]][%[[NEXT]]] : tensor<5xi32>
// CHECK: %[[END:.+]] = arith.index_castui %[[END_I]] : i32 to index
// CHECK: %[[WNEXT:.+]] = scf.for %[[ENTRY:.+]] = %[[BEGIN]] to %[[END]] step %{{.+}} iter_args(%[[WENTRY:.+]] = %[[WROW]]) -> (tensor<8x4xf32>) {
// CHECK: %[[COL_I:.+]] = tensor.extract %[[COLS]][%[[ENTRY]]] : tensor<5xi32>
// CHECK: %[[COL:.+]] = arith.index_castui %[[COL_I]] : i32 to index
// CHECK: %[[TILE:.+]] = tensor.extract_slice %[[VALS]][%[[ENTRY]], 0, 0] [1, 2, 2] [1, 1, 1] : tensor<5x2x2xf32> to tensor<2x2xf32>
// CHECK: %[[R0:.+]] = arith.muli %[[ROW]], %{{.+}} : index
// CHECK: %[[C0_:.+]] = arith.muli %[[COL]], %{{.+}} : index
// CHECK: %[[INS:.+]] = tensor.insert_slice %[[TILE]] into %[[WENTRY]][%[[R0]], %[[C0_]]] [2, 2] [1, 1] : tensor<2x2xf32> into tensor<8x4xf32>
// CHECK: scf.yield %[[INS]] : tensor<8x4xf32>
// CHECK: }
// CHECK: scf.yield %[[WNEXT]] : tensor<8x4xf32>
// CHECK: }
// CHECK: %[[INIT:.+]] = linalg.generic
// CHECK-SAME: ins(%[[BIAS]] : tensor<4xf32>) outs(%{{.+}} : tensor<2x4xf32>)
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<2x8xf32>, tensor<8x4xf32>) outs(%[[INIT]] : tensor<2x4xf32>)
// CHECK: return %[[R]] : tensor<2x4xf32>
func.func @sparse_matmul(%x: tensor<2x8xf32>, %vals: tensor<5x2x2xf32>, %cols: tensor<5xi32>, %rows: tensor<5xi32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %y = dsk.sparse_matmul %x, %vals, %cols, %rows bias %b {block = array<i64: 2, 2>, weight_shape = array<i64: 8, 4>}
      : (tensor<2x8xf32>, tensor<5x2x2xf32>, tensor<5xi32>, tensor<5xi32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.attention
//===----------------------------------------------------------------------===//

// scores = q·kᵀ * 1/sqrt(16) + mask ([8, 8] broadcast over batch and heads),
// then a max-subtracted softmax over j and the product with v.
// CHECK-DAG: #[[$AT_Q:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$AT_K:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[$AT_S:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$AT_ID:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$AT_MASK:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[$AT_ROW:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$AT_V:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-LABEL: func.func @attention_float_mask(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x2x8x16xf32>, %[[K:[^:]+]]: tensor<1x2x8x16xf32>, %[[V:[^:]+]]: tensor<1x2x8x16xf32>, %[[M:[^:]+]]: tensor<8x8xf32>)
// CHECK-NOT: dsk.
// CHECK: %[[DOTS:.+]] = linalg.generic {indexing_maps = [#[[$AT_Q]], #[[$AT_K]], #[[$AT_S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[Q]], %[[K]] : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%{{.+}} : tensor<1x2x8x8xf32>)
// CHECK: %[[SCORES:.+]] = linalg.generic {indexing_maps = [#[[$AT_ID]], #[[$AT_MASK]], #[[$AT_ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[DOTS]], %[[M]] : tensor<1x2x8x8xf32>, tensor<8x8xf32>)
// CHECK-NEXT: ^bb0(%[[DOT:[^:]+]]: f32, %[[MV:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK: %[[SCALE:.+]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[SCALED:.+]] = arith.mulf %[[DOT]], %[[SCALE]] : f32
// CHECK: %[[MASKED:.+]] = arith.addf %[[SCALED]], %[[MV]] : f32
// CHECK: linalg.yield %[[MASKED]] : f32
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.+}} : tensor<1x2x8xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$AT_ID]], #[[$AT_ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[SCORES]] : tensor<1x2x8x8xf32>) outs(%[[MAXINIT]] : tensor<1x2x8xf32>)
// CHECK: arith.maximumf
// CHECK: %[[EXP:.+]] = linalg.generic {indexing_maps = [#[[$AT_ID]], #[[$AT_ROW]], #[[$AT_ID]]]
// CHECK-SAME: ins(%[[SCORES]], %[[MAX]] : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[$AT_ID]], #[[$AT_ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[EXP]] : tensor<1x2x8x8xf32>)
// CHECK: arith.addf
// CHECK: %[[PV:.+]] = linalg.generic {indexing_maps = [#[[$AT_Q]], #[[$AT_V]], #[[$AT_S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[EXP]], %[[V]] : tensor<1x2x8x8xf32>, tensor<1x2x8x16xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$AT_ID]], #[[$AT_ROW]], #[[$AT_ID]]]
// CHECK-SAME: ins(%[[PV]], %[[SUM]] : tensor<1x2x8x16xf32>, tensor<1x2x8xf32>)
// CHECK: arith.divf
// CHECK: return %[[R]] : tensor<1x2x8x16xf32>
func.func @attention_float_mask(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<8x8xf32>) -> tensor<1x2x8x16xf32> {
  %o = dsk.attention %q, %k, %v mask %m : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// An i1 mask [1, 1, 8] (stretched size-1 dims read at 0) selects the score or
// -inf. f16 operands are computed in f32 and the result rounded back.
// CHECK-DAG: #[[$BM_MASK:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (0, 0, d3)>
// CHECK-LABEL: func.func @attention_bool_mask(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x2x8x16xf16>, %{{[^:]+}}: tensor<1x2x8x16xf16>, %{{[^:]+}}: tensor<1x2x8x16xf16>, %[[M:[^:]+]]: tensor<1x1x8xi1>)
// CHECK-NOT: dsk.
// CHECK: %[[DOTS:.+]] = linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<1x2x8x8xf32>)
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: %[[SCORES:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[$BM_MASK]], #{{.+}}]
// CHECK-SAME: ins(%[[DOTS]], %[[M]] : tensor<1x2x8x8xf32>, tensor<1x1x8xi1>)
// CHECK-NEXT: ^bb0(%[[DOT:[^:]+]]: f32, %[[KEEP:[^:]+]]: i1, %{{[^:]+}}: f32):
// CHECK: %[[SCALED:.+]] = arith.mulf %[[DOT]], %{{.+}} : f32
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[SEL:.+]] = arith.select %[[KEEP]], %[[SCALED]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[SEL]] : f32
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<1x2x8x16xf16>)
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: return %[[R]] : tensor<1x2x8x16xf16>
func.func @attention_bool_mask(%q: tensor<1x2x8x16xf16>, %k: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xf16>, %m: tensor<1x1x8xi1>) -> tensor<1x2x8x16xf16> {
  %o = dsk.attention %q, %k, %v mask %m : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x1x8xi1>) -> tensor<1x2x8x16xf16>
  return %o : tensor<1x2x8x16xf16>
}

// -----

// Causal: scores with j > i become -inf (keep j <= i); an explicit scale
// replaces 1/sqrt(D).
// CHECK-LABEL: func.func @attention_causal(
// CHECK-NOT: dsk.
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: %[[SCORES:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-NEXT: ^bb0(%[[DOT:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK: %[[SCALE:.+]] = arith.constant 1.250000e-01 : f32
// CHECK: %[[SCALED:.+]] = arith.mulf %[[DOT]], %[[SCALE]] : f32
// CHECK-DAG: %[[I:.+]] = linalg.index 2 : index
// CHECK-DAG: %[[J:.+]] = linalg.index 3 : index
// CHECK: %[[CAUSAL:.+]] = arith.cmpi ule, %[[J]], %[[I]] : index
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[SEL:.+]] = arith.select %[[CAUSAL]], %[[SCALED]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[SEL]] : f32
// CHECK: math.exp
// CHECK: return
func.func @attention_causal(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = dsk.attention %q, %k, %v {causal, scale = 0.125} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.multiscale_attention
//===----------------------------------------------------------------------===//

// Two scales: a local window mask |i - j| <= 2, an unmasked global one, the
// gate logits q·W + b, and result = g * A_local + (1 - g) * A_global with
// g = sigmoid(logit).
// CHECK-DAG: #[[$MS2_GB:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[$MS2_GW:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[$MS2_G0:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
// CHECK-DAG: #[[$MS2_ID:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @multiscale_two_scales(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x2x16x8xf32>, %{{[^:]+}}: tensor<1x2x16x8xf32>, %{{[^:]+}}: tensor<1x2x16x8xf32>, %[[W:[^:]+]]: tensor<2x8x1xf32>, %[[B:[^:]+]]: tensor<2x1xf32>)
// CHECK-NOT: dsk.
// Scale 1: local window.
// CHECK: linalg.generic
// CHECK: ^bb0(%[[DOT1:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK: %[[SCALED1:.+]] = arith.mulf %[[DOT1]], %{{.+}} : f32
// CHECK: %[[I1:.+]] = linalg.index 2 : index
// CHECK: %[[J1:.+]] = linalg.index 3 : index
// CHECK: %[[W1:.+]] = arith.constant 2 : index
// CHECK: %[[IJ:.+]] = arith.subi %[[I1]], %[[J1]] : index
// CHECK: %[[LE1:.+]] = arith.cmpi sle, %[[IJ]], %[[W1]] : index
// CHECK: %[[JI:.+]] = arith.subi %[[J1]], %[[I1]] : index
// CHECK: %[[LE2:.+]] = arith.cmpi sle, %[[JI]], %[[W1]] : index
// CHECK: %[[LOCAL:.+]] = arith.andi %[[LE1]], %[[LE2]] : i1
// CHECK: arith.select %[[LOCAL]], %[[SCALED1]], %{{.+}} : f32
// CHECK: %[[A1:[^ ]+]] = linalg.generic {{.+}} ins(%{{[^ ]+}}, %{{[^ ]+}} : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.divf
// Scale 2: global, no masking.
// CHECK: linalg.generic
// CHECK: ^bb0(%[[DOT2:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: arith.constant
// CHECK-NEXT: %[[SCALED2:.+]] = arith.mulf %[[DOT2]], %{{.+}} : f32
// CHECK-NEXT: linalg.yield %[[SCALED2]] : f32
// CHECK: %[[A2:[^ ]+]] = linalg.generic {{.+}} ins(%{{[^ ]+}}, %{{[^ ]+}} : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.divf
// Gate.
// CHECK: %[[BIAS:.+]] = linalg.generic {indexing_maps = [#[[$MS2_GB]], #[[$MS2_ID]]]
// CHECK-SAME: ins(%[[B]] : tensor<2x1xf32>) outs(%{{.+}} : tensor<1x2x16x1xf32>)
// CHECK: %[[LOGITS:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[$MS2_GW]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[Q]], %[[W]] : tensor<1x2x16x8xf32>, tensor<2x8x1xf32>) outs(%[[BIAS]] : tensor<1x2x16x1xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$MS2_ID]], #[[$MS2_ID]], #[[$MS2_G0]], #[[$MS2_ID]]]
// CHECK-SAME: ins(%[[A1]], %[[A2]], %[[LOGITS]] : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x1xf32>)
// CHECK-NEXT: ^bb0(%[[X1:[^:]+]]: f32, %[[X2:[^:]+]]: f32, %[[LOGIT:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[NEG:.+]] = arith.negf %[[LOGIT]] : f32
// CHECK-NEXT: %[[E:.+]] = math.exp %[[NEG]] : f32
// CHECK-NEXT: %[[DEN:.+]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT: %[[G:.+]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK-NEXT: %[[REST:.+]] = arith.subf %[[ONE]], %[[G]] : f32
// CHECK-NEXT: %[[T1:.+]] = arith.mulf %[[G]], %[[X1]] : f32
// CHECK-NEXT: %[[T2:.+]] = arith.mulf %[[REST]], %[[X2]] : f32
// CHECK-NEXT: %[[MIX:.+]] = arith.addf %[[T1]], %[[T2]] : f32
// CHECK-NEXT: linalg.yield %[[MIX]] : f32
// CHECK: return %[[R]] : tensor<1x2x16x8xf32>
func.func @multiscale_two_scales(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %w: tensor<2x8x1xf32>, %b: tensor<2x1xf32>) -> tensor<1x2x16x8xf32> {
  %o = dsk.multiscale_attention %q, %k, %v gate %w, %b
      scales [#dsk.scale<local, window = 2>, #dsk.scale<global>]
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x8x1xf32>, tensor<2x1xf32>) -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

// -----

// Three scales (segment ids, fixed-length segments, global tokens) mixed by a
// softmax over three logits.
// CHECK-DAG: #[[$MS3_IDI:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
// CHECK-DAG: #[[$MS3_IDJ:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[$MS3_G0:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
// CHECK-DAG: #[[$MS3_G1:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 1)>
// CHECK-DAG: #[[$MS3_G2:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 2)>
// CHECK-DAG: #[[$MS3_ID:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @multiscale_three_scales(
// CHECK-SAME: %[[IDS:[^:]+]]: tensor<2x12xi32>)
// CHECK-NOT: dsk.
// Scale 1: ids[b, i] == ids[b, j].
// CHECK: linalg.generic {indexing_maps = [#[[$MS3_ID]], #[[$MS3_IDI]], #[[$MS3_IDJ]], #[[$MS3_ID]]]
// CHECK-SAME: ins(%{{.+}}, %[[IDS]], %[[IDS]] : tensor<2x2x12x12xf32>, tensor<2x12xi32>, tensor<2x12xi32>)
// CHECK-NEXT: ^bb0(%{{[^:]+}}: f32, %[[SI:[^:]+]]: i32, %[[SJ:[^:]+]]: i32, %{{[^:]+}}: f32):
// CHECK: %[[SAME:.+]] = arith.cmpi eq, %[[SI]], %[[SJ]] : i32
// CHECK: arith.select %[[SAME]]
// CHECK: %[[A1:[^ ]+]] = linalg.generic {{.+}} ins(%{{[^ ]+}}, %{{[^ ]+}} : tensor<2x2x12x4xf32>, tensor<2x2x12xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.divf
// Scale 2: i / 4 == j / 4.
// CHECK: linalg.index 2
// CHECK: %[[L:.+]] = arith.constant 4 : index
// CHECK: %[[SEGI:.+]] = arith.divui %{{.+}}, %[[L]] : index
// CHECK: %[[SEGJ:.+]] = arith.divui %{{.+}}, %[[L]] : index
// CHECK: %[[SAMESEG:.+]] = arith.cmpi eq, %[[SEGI]], %[[SEGJ]] : index
// CHECK: arith.select %[[SAMESEG]]
// CHECK: %[[A2:[^ ]+]] = linalg.generic {{.+}} ins(%{{[^ ]+}}, %{{[^ ]+}} : tensor<2x2x12x4xf32>, tensor<2x2x12xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.divf
// Scale 3: j is one of the global tokens 0 and 5.
// CHECK: %[[J3:.+]] = linalg.index 3 : index
// CHECK: %[[T0:.+]] = arith.constant 0 : index
// CHECK: arith.cmpi eq, %[[J3]], %[[T0]] : index
// CHECK: %[[T5:.+]] = arith.constant 5 : index
// CHECK: arith.cmpi eq, %[[J3]], %[[T5]] : index
// CHECK: %[[A3:[^ ]+]] = linalg.generic {{.+}} ins(%{{[^ ]+}}, %{{[^ ]+}} : tensor<2x2x12x4xf32>, tensor<2x2x12xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.divf
// Mix.
// CHECK: %[[LOGITS:[^ ]+]] = linalg.generic {{.+}} "reduction"]} ins(%{{.+}}) outs(%{{.+}} : tensor<2x2x12x3xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$MS3_ID]], #[[$MS3_ID]], #[[$MS3_ID]], #[[$MS3_G0]], #[[$MS3_G1]], #[[$MS3_G2]], #[[$MS3_ID]]]
// CHECK-SAME: ins(%[[A1]], %[[A2]], %[[A3]], %[[LOGITS]], %[[LOGITS]], %[[LOGITS]] :
// CHECK-NEXT: ^bb0(%[[X1:[^:]+]]: f32, %[[X2:[^:]+]]: f32, %[[X3:[^:]+]]: f32, %[[L0:[^:]+]]: f32, %[[L1:[^:]+]]: f32, %[[L2:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK: %[[M01:.+]] = arith.maximumf %[[L0]], %[[L1]] : f32
// CHECK: %[[M:.+]] = arith.maximumf %[[M01]], %[[L2]] : f32
// CHECK: %[[D0:.+]] = arith.subf %[[L0]], %[[M]] : f32
// CHECK: %[[E0:.+]] = math.exp %[[D0]] : f32
// CHECK: arith.mulf %[[E0]], %[[X1]] : f32
// CHECK: %[[D1:.+]] = arith.subf %[[L1]], %[[M]] : f32
// CHECK: %[[E1:.+]] = math.exp %[[D1]] : f32
// CHECK: arith.mulf %[[E1]], %[[X2]] : f32
// CHECK: %[[D2:.+]] = arith.subf %[[L2]], %[[M]] : f32
// CHECK: %[[E2:.+]] = math.exp %[[D2]] : f32
// CHECK: %[[SUM:.+]] = arith.addf %{{.+}}, %[[E2]] : f32
// CHECK: %[[P2:.+]] = arith.mulf %[[E2]], %[[X3]] : f32
// CHECK: %[[ACC:.+]] = arith.addf %{{.+}}, %[[P2]] : f32
// CHECK: %[[MIX:.+]] = arith.divf %[[ACC]], %[[SUM]] : f32
// CHECK-NEXT: linalg.yield %[[MIX]] : f32
// CHECK: return %[[R]] : tensor<2x2x12x4xf32>
func.func @multiscale_three_scales(%q: tensor<2x2x12x4xf32>, %k: tensor<2x2x12x4xf32>, %v: tensor<2x2x12x4xf32>, %w: tensor<2x4x3xf32>, %b: tensor<2x3xf32>, %ids: tensor<2x12xi32>) -> tensor<2x2x12x4xf32> {
  %o = dsk.multiscale_attention %q, %k, %v gate %w, %b segment_ids %ids
      scales [#dsk.scale<segment>, #dsk.scale<segment, length = 4>, #dsk.scale<global, tokens = [0, 5]>]
      : (tensor<2x2x12x4xf32>, tensor<2x2x12x4xf32>, tensor<2x2x12x4xf32>, tensor<2x4x3xf32>, tensor<2x3xf32>, tensor<2x12xi32>) -> tensor<2x2x12x4xf32>
  return %o : tensor<2x2x12x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.sparse_attention
//===----------------------------------------------------------------------===//

// Low-rank summaries k' = E·k and v' = F·v are concatenated after the 16 keys
// and values (insert_slice at offsets 0 and 16 of a [1, 2, 20, D] tensor);
// every query may attend to the positions j >= 16.
// CHECK-DAG: #[[$SA_PROJ:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
// CHECK-DAG: #[[$SA_KV:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[$SA_SUM:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @sparse_attention_lowrank(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x2x16x8xf32>, %[[K:[^:]+]]: tensor<1x2x16x8xf32>, %[[V:[^:]+]]: tensor<1x2x16x6xf32>, %[[E:[^:]+]]: tensor<2x4x16xf32>, %[[F:[^:]+]]: tensor<2x4x16xf32>)
// CHECK-NOT: dsk.
// CHECK: %[[KS:.+]] = linalg.generic {indexing_maps = [#[[$SA_PROJ]], #[[$SA_KV]], #[[$SA_SUM]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[E]], %[[K]] : tensor<2x4x16xf32>, tensor<1x2x16x8xf32>) outs(%{{.+}} : tensor<1x2x4x8xf32>)
// CHECK: %[[KE:.+]] = tensor.empty() : tensor<1x2x20x8xf32>
// CHECK: %[[K1:.+]] = tensor.insert_slice %[[K]] into %[[KE]][0, 0, 0, 0] [1, 2, 16, 8] [1, 1, 1, 1] : tensor<1x2x16x8xf32> into tensor<1x2x20x8xf32>
// CHECK: %[[KJ:.+]] = tensor.insert_slice %[[KS]] into %[[K1]][0, 0, 16, 0] [1, 2, 4, 8] [1, 1, 1, 1] : tensor<1x2x4x8xf32> into tensor<1x2x20x8xf32>
// CHECK: %[[VS:.+]] = linalg.generic {indexing_maps = [#[[$SA_PROJ]], #[[$SA_KV]], #[[$SA_SUM]]]
// CHECK-SAME: ins(%[[F]], %[[V]] : tensor<2x4x16xf32>, tensor<1x2x16x6xf32>) outs(%{{.+}} : tensor<1x2x4x6xf32>)
// CHECK: %[[VE:.+]] = tensor.empty() : tensor<1x2x20x6xf32>
// CHECK: %[[V1:.+]] = tensor.insert_slice %[[V]] into %[[VE]][0, 0, 0, 0] [1, 2, 16, 6] [1, 1, 1, 1]
// CHECK: %[[VJ:.+]] = tensor.insert_slice %[[VS]] into %[[V1]][0, 0, 16, 0] [1, 2, 4, 6] [1, 1, 1, 1] : tensor<1x2x4x6xf32> into tensor<1x2x20x6xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[Q]], %[[KJ]] : tensor<1x2x16x8xf32>, tensor<1x2x20x8xf32>) outs(%{{.+}} : tensor<1x2x16x20xf32>)
// CHECK: %[[I:.+]] = linalg.index 2 : index
// CHECK: %[[J:.+]] = linalg.index 3 : index
// CHECK: %[[DIAG:.+]] = arith.cmpi eq, %[[I]], %[[J]] : index
// CHECK: %[[CAUSAL:.+]] = arith.cmpi ule, %[[J]], %[[I]] : index
// CHECK: %[[PATTERN:.+]] = arith.andi %{{.+}}, %[[CAUSAL]] : i1
// CHECK: %[[S:.+]] = arith.constant 16 : index
// CHECK: %[[SUMMARY:.+]] = arith.cmpi uge, %[[J]], %[[S]] : index
// CHECK: %[[ALLOWED:.+]] = arith.ori %[[PATTERN]], %[[SUMMARY]] : i1
// CHECK: arith.select %[[ALLOWED]]
// CHECK: linalg.generic {{.+}} ins(%{{[^ ]+}}, %[[VJ]] : tensor<1x2x16x20xf32>, tensor<1x2x20x6xf32>) outs(%{{.+}} : tensor<1x2x16x6xf32>)
// CHECK: return %{{.+}} : tensor<1x2x16x6xf32>
func.func @sparse_attention_lowrank(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x6xf32>, %e: tensor<2x4x16xf32>, %f: tensor<2x4x16xf32>) -> tensor<1x2x16x6xf32> {
  %o = dsk.sparse_attention %q, %k, %v lowrank %e, %f {window = 2 : i64, global_tokens = array<i64: 0>, log_strides, causal}
      : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x6xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>) -> tensor<1x2x16x6xf32>
  return %o : tensor<1x2x16x6xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.quantize / dsk.dequantize
//===----------------------------------------------------------------------===//

// Uniform per axis 0, ui8: per-row scale and zero point read from constant
// vectors; q = clamp(roundeven(x / scale) + zp, 0, 255) (NaN -> zp). The ui8
// storage is signless i8 in the signature.
// CHECK-DAG: #[[$QU_ID:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$QU_AXIS:map[0-9]*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @quantize_uniform(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x4xf32>) -> tensor<2x4xi8> {
// CHECK-NOT: dsk.
// CHECK-DAG: %[[SCALES:.+]] = arith.constant dense<[1.000000e-01, 2.000000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[ZPS:.+]] = arith.constant dense<[1.280000e+02, 1.200000e+02]> : tensor<2xf32>
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$QU_ID]], #[[$QU_AXIS]], #[[$QU_AXIS]], #[[$QU_ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[SCALES]], %[[ZPS]] : tensor<2x4xf32>, tensor<2xf32>, tensor<2xf32>) outs(%{{.+}} : tensor<2x4xi8>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: f32, %[[SCALE:[^:]+]]: f32, %[[ZP:[^:]+]]: f32, %{{[^:]+}}: i8):
// CHECK-NEXT: %[[DIV:.+]] = arith.divf %[[V]], %[[SCALE]] : f32
// CHECK-NEXT: %[[RND:.+]] = math.roundeven %[[DIV]] : f32
// CHECK-NEXT: %[[SH:.+]] = arith.addf %[[RND]], %[[ZP]] : f32
// CHECK-NEXT: %[[LO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[MAX:.+]] = arith.maximumf %[[SH]], %[[LO]] : f32
// CHECK-NEXT: %[[HI:.+]] = arith.constant 2.550000e+02 : f32
// CHECK-NEXT: %[[CLAMPED:.+]] = arith.minimumf %[[MAX]], %[[HI]] : f32
// CHECK-NEXT: %[[NAN:.+]] = arith.cmpf uno, %[[V]], %[[V]] : f32
// CHECK: %[[SEL:.+]] = arith.select %[[NAN]], %{{.+}}, %[[CLAMPED]] : f32
// CHECK-NEXT: %[[CODE:.+]] = arith.fptosi %[[SEL]] : f32 to i32
// CHECK-NEXT: %[[ST:.+]] = arith.trunci %[[CODE]] : i32 to i8
// CHECK-NEXT: linalg.yield %[[ST]] : i8
// CHECK: return %[[R]] : tensor<2x4xi8>
func.func @quantize_uniform(%x: tensor<2x4xf32>) -> tensor<2x4xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>> {
  %q = dsk.quantize %x : tensor<2x4xf32> -> tensor<2x4xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>
  return %q : tensor<2x4xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>
}

// -----

// Uniform ui8 storage is zero-extended before (q - zp) * scale.
// CHECK-LABEL: func.func @dequantize_uniform(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x4xi8>) -> tensor<2x4xf32> {
// CHECK-NOT: dsk.
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: ins(%[[Q]], %{{.+}}, %{{.+}} : tensor<2x4xi8>, tensor<2xf32>, tensor<2xf32>) outs(%{{.+}} : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: i8, %[[SCALE:[^:]+]]: f32, %[[ZP:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[CODE:.+]] = arith.extui %[[V]] : i8 to i32
// CHECK-NEXT: %[[REAL:.+]] = arith.sitofp %[[CODE]] : i32 to f32
// CHECK-NEXT: %[[SH:.+]] = arith.subf %[[REAL]], %[[ZP]] : f32
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SH]], %[[SCALE]] : f32
// CHECK-NEXT: linalg.yield %[[X]] : f32
// CHECK: return %[[R]] : tensor<2x4xf32>
func.func @dequantize_uniform(%q: tensor<2x4xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>>) -> tensor<2x4xf32> {
  %x = dsk.dequantize %q : tensor<2x4xui8, #dsk.uniform<axis = 0, scales = [0.1, 0.2], zero_points = [128, 120]>> -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// -----

// Log2, i4, per tensor (scale 0.75): r = log2(scale / |x|); zero code 7 when
// x is 0/NaN or r > 6.5; otherwise sign bit 8 | clamp(roundeven(r), 0, 6).
// An f16 input is extended to f32 first.
// CHECK-LABEL: func.func @quantize_log2(
// CHECK-SAME: %[[X:[^:]+]]: tensor<8xf16>) -> tensor<8xi4> {
// CHECK-NOT: dsk.
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<8xf16>) outs(%{{.+}} : tensor<8xi4>)
// CHECK: %[[SCALE:.+]] = arith.constant 7.500000e-01 : f32
// CHECK: %[[V:.+]] = arith.extf %{{.+}} : f16 to f32
// CHECK: %[[ABS:.+]] = math.absf %[[V]] : f32
// CHECK: %[[RATIO:.+]] = arith.divf %[[SCALE]], %[[ABS]] : f32
// CHECK: %[[LOG:.+]] = math.log2 %[[RATIO]] : f32
// CHECK: arith.cmpf ogt, %[[ABS]], %{{.+}} : f32
// CHECK: %[[HALF:.+]] = arith.constant 6.500000e+00 : f32
// CHECK: arith.cmpf ogt, %[[LOG]], %[[HALF]] : f32
// CHECK: %[[RND:.+]] = math.roundeven %[[LOG]] : f32
// CHECK: %[[LO:.+]] = arith.maximumf %[[RND]], %{{.+}} : f32
// CHECK: %[[EMAX:.+]] = arith.constant 6.000000e+00 : f32
// CHECK: %[[EXP:.+]] = arith.minimumf %[[LO]], %[[EMAX]] : f32
// CHECK: %[[NEG:.+]] = arith.cmpf olt, %[[V]], %{{.+}} : f32
// CHECK: %[[SIGNBIT:.+]] = arith.constant 8 : i32
// CHECK: %[[SIGN:.+]] = arith.select %[[NEG]], %[[SIGNBIT]], %{{.+}} : i32
// CHECK: %[[E:.+]] = arith.fptosi %[[EXP]] : f32 to i32
// CHECK: %[[CODE:.+]] = arith.ori %[[SIGN]], %[[E]] : i32
// CHECK: %[[ZERO:.+]] = arith.constant 7 : i32
// CHECK: %[[SEL:.+]] = arith.select %{{.+}}, %[[ZERO]], %[[CODE]] : i32
// CHECK: %[[ST:.+]] = arith.trunci %[[SEL]] : i32 to i4
// CHECK: linalg.yield %[[ST]] : i4
// CHECK: return %[[R]] : tensor<8xi4>
func.func @quantize_log2(%x: tensor<8xf16>) -> tensor<8xi4, #dsk.log2<scale = 0.75>> {
  %q = dsk.quantize %x : tensor<8xf16> -> tensor<8xi4, #dsk.log2<scale = 0.75>>
  return %q : tensor<8xi4, #dsk.log2<scale = 0.75>>
}

// -----

// Log2 codes are read unsigned: e = code & 7, 2^-e from the f32 bits
// (127 - e) << 23, sign from bit 3, exponent code 7 is zero.
// CHECK-LABEL: func.func @dequantize_log2(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<8xi4>) -> tensor<8xf32> {
// CHECK-NOT: dsk.
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: ins(%[[Q]] : tensor<8xi4>) outs(%{{.+}} : tensor<8xf32>)
// CHECK: %[[SCALE:.+]] = arith.constant 7.500000e-01 : f32
// CHECK: %[[CODE:.+]] = arith.extui %{{.+}} : i4 to i32
// CHECK: %[[MASK:.+]] = arith.constant 7 : i32
// CHECK: %[[E:.+]] = arith.andi %[[CODE]], %[[MASK]] : i32
// CHECK: %[[BIAS:.+]] = arith.constant 127 : i32
// CHECK: %[[BE:.+]] = arith.subi %[[BIAS]], %[[E]] : i32
// CHECK: %[[MANT:.+]] = arith.constant 23 : i32
// CHECK: %[[BITS:.+]] = arith.shli %[[BE]], %[[MANT]] : i32
// CHECK: %[[POW:.+]] = arith.bitcast %[[BITS]] : i32 to f32
// CHECK: %[[MAG:.+]] = arith.mulf %[[SCALE]], %[[POW]] : f32
// CHECK: %[[SHIFT:.+]] = arith.constant 3 : i32
// CHECK: arith.shrui %[[CODE]], %[[SHIFT]] : i32
// CHECK: %[[NEG:.+]] = arith.negf %[[MAG]] : f32
// CHECK: %[[SIGNED:.+]] = arith.select %{{.+}}, %[[NEG]], %[[MAG]] : f32
// CHECK: %[[ISZERO:.+]] = arith.cmpi eq, %[[E]], %{{.+}} : i32
// CHECK: %[[X:.+]] = arith.select %[[ISZERO]], %{{.+}}, %[[SIGNED]] : f32
// CHECK: linalg.yield %[[X]] : f32
// CHECK: return %[[R]] : tensor<8xf32>
func.func @dequantize_log2(%q: tensor<8xi4, #dsk.log2<scale = 0.75>>) -> tensor<8xf32> {
  %x = dsk.dequantize %q : tensor<8xi4, #dsk.log2<scale = 0.75>> -> tensor<8xf32>
  return %x : tensor<8xf32>
}

// -----

// Codebook, per tensor: the nearest of the 4 entries, by a chain of strict
// comparisons (lowest index on ties).
// CHECK-LABEL: func.func @quantize_codebook(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x8xf32>) -> tensor<2x8xi2> {
// CHECK-NOT: dsk.
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<2x8xf32>) outs(%{{.+}} : tensor<2x8xi2>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: f32, %{{[^:]+}}: i2):
// CHECK-DAG: %[[E0:.+]] = arith.constant -1.000000e+00 : f32
// CHECK-DAG: %[[E1:.+]] = arith.constant -2.500000e-01 : f32
// CHECK-DAG: %[[E2:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[E3:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[INF:.+]] = arith.constant 0x7F800000 : f32
// CHECK: %[[D0:.+]] = arith.subf %[[V]], %[[E0]] : f32
// CHECK: %[[A0:.+]] = math.absf %[[D0]] : f32
// CHECK: %[[L0:.+]] = arith.cmpf olt, %[[A0]], %[[INF]] : f32
// CHECK: %[[B0:.+]] = arith.select %[[L0]], %{{.+}}, %{{.+}} : i32
// CHECK: %[[BD0:.+]] = arith.select %[[L0]], %[[A0]], %[[INF]] : f32
// CHECK: %[[D1:.+]] = arith.subf %[[V]], %[[E1]] : f32
// CHECK: %[[A1:.+]] = math.absf %[[D1]] : f32
// CHECK: %[[L1:.+]] = arith.cmpf olt, %[[A1]], %[[BD0]] : f32
// CHECK: %[[I1:.+]] = arith.constant 1 : i32
// CHECK: %[[B1:.+]] = arith.select %[[L1]], %[[I1]], %[[B0]] : i32
// CHECK: %[[BD1:.+]] = arith.select %[[L1]], %[[A1]], %[[BD0]] : f32
// CHECK: %[[D2:.+]] = arith.subf %[[V]], %[[E2]] : f32
// CHECK: %[[A2:.+]] = math.absf %[[D2]] : f32
// CHECK: %[[L2:.+]] = arith.cmpf olt, %[[A2]], %[[BD1]] : f32
// CHECK: %[[I2:.+]] = arith.constant 2 : i32
// CHECK: %[[B2:.+]] = arith.select %[[L2]], %[[I2]], %[[B1]] : i32
// CHECK: %[[BD2:.+]] = arith.select %[[L2]], %[[A2]], %[[BD1]] : f32
// CHECK: %[[D3:.+]] = arith.subf %[[V]], %[[E3]] : f32
// CHECK: %[[A3:.+]] = math.absf %[[D3]] : f32
// CHECK: %[[L3:.+]] = arith.cmpf olt, %[[A3]], %[[BD2]] : f32
// CHECK: %[[I3:.+]] = arith.constant 3 : i32
// CHECK: %[[B3:.+]] = arith.select %[[L3]], %[[I3]], %[[B2]] : i32
// CHECK: %[[ST:.+]] = arith.trunci %[[B3]] : i32 to i2
// CHECK: linalg.yield %[[ST]] : i2
// CHECK: return %[[R]] : tensor<2x8xi2>
func.func @quantize_codebook(%x: tensor<2x8xf32>) -> tensor<2x8xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>> {
  %q = dsk.quantize %x : tensor<2x8xf32> -> tensor<2x8xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>>
  return %q : tensor<2x8xi2, #dsk.codebook<values = [-1.0, -0.25, 0.25, 1.0]>>
}

// -----

// Codebook per axis 0: entry e of every row's table is a constant vector read
// along the axis; the (unsigned) code picks one by a select chain.
// CHECK-DAG: #[[$DC_ID:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$DC_AXIS:map[0-9]*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @dequantize_codebook(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x8xi4>) -> tensor<2x8xf32> {
// CHECK-NOT: dsk.
// CHECK-DAG: %[[T0:.+]] = arith.constant dense<[-1.000000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[T1:.+]] = arith.constant dense<[-2.500000e-01, 0.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[T2:.+]] = arith.constant dense<[2.500000e-01, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[T3:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[$DC_ID]], #[[$DC_AXIS]], #[[$DC_AXIS]], #[[$DC_AXIS]], #[[$DC_AXIS]], #[[$DC_ID]]]
// CHECK-SAME: ins(%[[Q]], %[[T0]], %[[T1]], %[[T2]], %[[T3]] : tensor<2x8xi4>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: i4, %[[V0:[^:]+]]: f32, %[[V1:[^:]+]]: f32, %[[V2:[^:]+]]: f32, %[[V3:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT: %[[CODE:.+]] = arith.extui %[[V]] : i4 to i32
// CHECK: %[[S0:.+]] = arith.select %{{.+}}, %[[V0]], %[[V0]] : f32
// CHECK: %[[C1:.+]] = arith.constant 1 : i32
// CHECK: %[[EQ1:.+]] = arith.cmpi eq, %[[CODE]], %[[C1]] : i32
// CHECK: %[[S1:.+]] = arith.select %[[EQ1]], %[[V1]], %[[S0]] : f32
// CHECK: %[[C2:.+]] = arith.constant 2 : i32
// CHECK: %[[EQ2:.+]] = arith.cmpi eq, %[[CODE]], %[[C2]] : i32
// CHECK: %[[S2:.+]] = arith.select %[[EQ2]], %[[V2]], %[[S1]] : f32
// CHECK: %[[C3:.+]] = arith.constant 3 : i32
// CHECK: %[[EQ3:.+]] = arith.cmpi eq, %[[CODE]], %[[C3]] : i32
// CHECK: %[[S3:.+]] = arith.select %[[EQ3]], %[[V3]], %[[S2]] : f32
// CHECK-NEXT: linalg.yield %[[S3]] : f32
// CHECK: return %[[R]] : tensor<2x8xf32>
func.func @dequantize_codebook(%q: tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[-1.0, -0.25, 0.25, 1.0], [-2.0, 0.0, 0.5, 2.0]]>>) -> tensor<2x8xf32> {
  %x = dsk.dequantize %q : tensor<2x8xi4, #dsk.codebook<axis = 0, values = [[-1.0, -0.25, 0.25, 1.0], [-2.0, 0.0, 0.5, 2.0]]>> -> tensor<2x8xf32>
  return %x : tensor<2x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// dsk.precision_region / dsk.dynamic_precision
//===----------------------------------------------------------------------===//

// bf16 region: float inputs are rounded in (truncf), the body is inlined and
// lowered, the yielded value is extended out (extf).
// CHECK-LABEL: func.func @precision_region_bf16(
// CHECK-SAME: %[[A:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<8x4xf32>) -> tensor<4x4xf32>
// CHECK-NOT: dsk.
// CHECK: %[[ABF:.+]] = linalg.generic
// CHECK-SAME: ins(%[[A]] : tensor<4x8xf32>) outs(%{{.+}} : tensor<4x8xbf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.truncf %{{.+}} : f32 to bf16
// CHECK: %[[BBF:.+]] = linalg.generic
// CHECK-SAME: ins(%[[B]] : tensor<8x4xf32>) outs(%{{.+}} : tensor<8x4xbf16>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.truncf %{{.+}} : f32 to bf16
// CHECK: %[[ACC:.+]] = linalg.generic
// CHECK-SAME: ins(%[[ABF]], %[[BBF]] : tensor<4x8xbf16>, tensor<8x4xbf16>) outs(%{{.+}} : tensor<4x4xf32>)
// CHECK: %[[M:.+]] = linalg.generic
// CHECK-SAME: ins(%[[ACC]] : tensor<4x4xf32>) outs(%{{.+}} : tensor<4x4xbf16>)
// CHECK: %[[R:.+]] = linalg.generic
// CHECK-SAME: ins(%[[M]] : tensor<4x4xbf16>) outs(%{{.+}} : tensor<4x4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.extf %{{.+}} : bf16 to f32
// CHECK: return %[[R]] : tensor<4x4xf32>
func.func @precision_region_bf16(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %r = dsk.precision_region bf16 ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) {
  ^bb0(%x: tensor<4x8xbf16>, %y: tensor<8x4xbf16>):
    %m = dsk.matmul %x, %y : (tensor<4x8xbf16>, tensor<8x4xbf16>) -> tensor<4x4xbf16>
    dsk.yield %m : tensor<4x4xbf16>
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// max_abs of input 0 reduced into a 0-d tensor; the index is the number of
// thresholds reached (s >= 4.0); alternative 0 is the default region.
// CHECK-DAG: #[[$DP_ID:map[0-9]*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$DP_ALL:map[0-9]*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @dynamic_precision_max_abs(
// CHECK-SAME: %[[X:[^:]+]]: tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NOT: dsk.
// CHECK: %[[INIT:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<f32>)
// CHECK: %[[RED:.+]] = linalg.generic {indexing_maps = [#[[$DP_ID]], #[[$DP_ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<4x8xf32>) outs(%[[INIT]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: f32, %[[ACC:[^:]+]]: f32):
// CHECK-NEXT: %[[ABS:.+]] = math.absf %[[V]] : f32
// CHECK-NEXT: %[[MAX:.+]] = arith.maximumf %[[ACC]], %[[ABS]] : f32
// CHECK-NEXT: linalg.yield %[[MAX]] : f32
// CHECK: %[[STAT:.+]] = tensor.extract %[[RED]][] : tensor<f32>
// CHECK-NOT: arith.divf
// CHECK: %[[T:.+]] = arith.constant 4.000000e+00 : f32
// CHECK: %[[GE:.+]] = arith.cmpf oge, %[[STAT]], %[[T]] : f32
// CHECK: %[[GE64:.+]] = arith.extui %[[GE]] : i1 to i64
// CHECK: %[[GEIDX:.+]] = arith.index_cast %[[GE64]] : i64 to index
// CHECK: %[[IDX:.+]] = arith.addi %{{.+}}, %[[GEIDX]] : index
// CHECK: %[[R:.+]] = scf.index_switch %[[IDX]] -> tensor<4x8xf32>
// CHECK-NEXT: case 1 {
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: default {
// CHECK-NEXT: scf.yield %[[X]] : tensor<4x8xf32>
// CHECK-NEXT: }
// CHECK: return %[[R]] : tensor<4x8xf32>
func.func @dynamic_precision_max_abs(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = dsk.dynamic_precision ins(%x : tensor<4x8xf32>)
      policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%a: tensor<4x8xf32>):
    dsk.yield %a : tensor<4x8xf32>
  }, {
  ^bb0(%a: tensor<4x8xf32>):
    %rb = dsk.precision_region bf16 ins(%a : tensor<4x8xf32>) {
    ^bb0(%b: tensor<4x8xbf16>):
      dsk.yield %b : tensor<4x8xbf16>
    } -> tensor<4x8xbf16>
    %e = dsk.precision_region f32 ins(%rb : tensor<4x8xbf16>) {
    ^bb0(%c: tensor<4x8xf32>):
      dsk.yield %c : tensor<4x8xf32>
    } -> tensor<4x8xf32>
    dsk.yield %e : tensor<4x8xf32>
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// rms of input 1 (bf16): sqrt(sum(x^2) / 8); two thresholds select among
// three alternatives (cases 1 and 2, default 0).
// CHECK-LABEL: func.func @dynamic_precision_rms(
// CHECK-SAME: %[[A:[^:]+]]: tensor<8xf32>, %[[X:[^:]+]]: tensor<8xbf16>) -> tensor<8xf32>
// CHECK-NOT: dsk.
// CHECK: %[[RED:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: ins(%[[X]] : tensor<8xbf16>) outs(%{{.+}} : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: bf16, %[[ACC:[^:]+]]: f32):
// CHECK-NEXT: %[[VF:.+]] = arith.extf %[[V]] : bf16 to f32
// CHECK-NEXT: %[[SQ:.+]] = arith.mulf %[[VF]], %[[VF]] : f32
// CHECK-NEXT: %[[SUM:.+]] = arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: %[[TOTAL:.+]] = tensor.extract %[[RED]][] : tensor<f32>
// CHECK: %[[N:.+]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[MEAN:.+]] = arith.divf %[[TOTAL]], %[[N]] : f32
// CHECK: %[[RMS:.+]] = math.sqrt %[[MEAN]] : f32
// CHECK: %[[T0:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: arith.cmpf oge, %[[RMS]], %[[T0]] : f32
// CHECK: %[[T1:.+]] = arith.constant 1.600000e+01 : f32
// CHECK: arith.cmpf oge, %[[RMS]], %[[T1]] : f32
// CHECK: %[[IDX:.+]] = arith.addi
// CHECK: %[[R:.+]] = scf.index_switch %[[IDX]] -> tensor<8xf32>
// CHECK-NEXT: case 1 {
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK: scf.yield
// CHECK: case 2 {
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: scf.yield
// CHECK: default {
// CHECK-NEXT: scf.yield %[[A]] : tensor<8xf32>
// CHECK: return %[[R]] : tensor<8xf32>
func.func @dynamic_precision_rms(%a: tensor<8xf32>, %x: tensor<8xbf16>) -> tensor<8xf32> {
  %r = dsk.dynamic_precision ins(%a, %x : tensor<8xf32>, tensor<8xbf16>)
      policy #dsk.policy<rms(1), thresholds = [1.0, 16.0], choices = [f32, bf16, f16]> {
  ^bb0(%p: tensor<8xf32>, %u: tensor<8xbf16>):
    dsk.yield %p : tensor<8xf32>
  }, {
  ^bb0(%p: tensor<8xf32>, %u: tensor<8xbf16>):
    %r1 = dsk.precision_region bf16 ins(%p : tensor<8xf32>) {
    ^bb0(%b: tensor<8xbf16>):
      dsk.yield %b : tensor<8xbf16>
    } -> tensor<8xf32>
    dsk.yield %r1 : tensor<8xf32>
  }, {
  ^bb0(%p: tensor<8xf32>, %u: tensor<8xbf16>):
    %r2 = dsk.precision_region f16 ins(%p : tensor<8xf32>) {
    ^bb0(%b: tensor<8xf16>):
      dsk.yield %b : tensor<8xf16>
    } -> tensor<8xf32>
    dsk.yield %r2 : tensor<8xf32>
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Quantized types outside dsk ops
//===----------------------------------------------------------------------===//

// A quantized constant keeps its bits under the plain storage type (ui8 200
// and 255 are i8 -56 and -1); the encoding is gone.
// CHECK-LABEL: func.func @quantized_constant() -> (tensor<4xi8>, tensor<4xi4>, tensor<3xi8>)
// CHECK-NOT: dsk.
// CHECK-DAG: %[[U:.+]] = arith.constant dense<[1, 2, -56, -1]> : tensor<4xi8>
// CHECK-DAG: %[[L:.+]] = arith.constant dense<[1, -2, 3, 7]> : tensor<4xi4>
// CHECK-DAG: %[[S:.+]] = arith.constant dense<-3> : tensor<3xi8>
// CHECK: return %[[U]], %[[L]], %[[S]] : tensor<4xi8>, tensor<4xi4>, tensor<3xi8>
func.func @quantized_constant() -> (tensor<4xui8, #dsk.uniform<scale = 0.5, zero_point = 128>>, tensor<4xi4, #dsk.log2<scale = 1.0>>, tensor<3xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) {
  %u = arith.constant dense<[1, 2, 200, 255]> : tensor<4xui8, #dsk.uniform<scale = 0.5, zero_point = 128>>
  %l = arith.constant dense<[1, -2, 3, 7]> : tensor<4xi4, #dsk.log2<scale = 1.0>>
  %s = arith.constant dense<-3> : tensor<3xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>
  return %u, %l, %s : tensor<4xui8, #dsk.uniform<scale = 0.5, zero_point = 128>>, tensor<4xi4, #dsk.log2<scale = 1.0>>, tensor<3xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>
}

// -----

// Function signatures, calls and returns carry plain storage types.
// CHECK-LABEL: func.func private @callee(tensor<4x2xi8>) -> tensor<4xi4>
// CHECK-LABEL: func.func @caller(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<4x2xi8>) -> (tensor<4xi4>, tensor<4x2xf32>)
// CHECK-NOT: dsk.
// CHECK: %[[C:.+]] = call @callee(%[[Q]]) : (tensor<4x2xi8>) -> tensor<4xi4>
// CHECK: %[[D:.+]] = linalg.generic
// CHECK-SAME: ins(%[[Q]], %{{.+}}, %{{.+}} : tensor<4x2xi8>, tensor<2xf32>, tensor<2xf32>)
// CHECK: arith.extui %{{.+}} : i8 to i32
// CHECK: return %[[C]], %[[D]] : tensor<4xi4>, tensor<4x2xf32>
func.func private @callee(tensor<4x2xui8, #dsk.uniform<axis = 1, scales = [0.5, 0.25], zero_points = [128, 100]>>) -> tensor<4xi4, #dsk.codebook<values = [-1.0, 0.0, 1.0]>>
func.func @caller(%q: tensor<4x2xui8, #dsk.uniform<axis = 1, scales = [0.5, 0.25], zero_points = [128, 100]>>) -> (tensor<4xi4, #dsk.codebook<values = [-1.0, 0.0, 1.0]>>, tensor<4x2xf32>) {
  %c = call @callee(%q) : (tensor<4x2xui8, #dsk.uniform<axis = 1, scales = [0.5, 0.25], zero_points = [128, 100]>>) -> tensor<4xi4, #dsk.codebook<values = [-1.0, 0.0, 1.0]>>
  %d = dsk.dequantize %q : tensor<4x2xui8, #dsk.uniform<axis = 1, scales = [0.5, 0.25], zero_points = [128, 100]>> -> tensor<4x2xf32>
  return %c, %d : tensor<4xi4, #dsk.codebook<values = [-1.0, 0.0, 1.0]>>, tensor<4x2xf32>
}

// -----

// Non-float inputs enter a precision region unchanged (as signless storage).
// CHECK-LABEL: func.func @precision_region_unsigned_input
// CHECK-SAME: (%[[A:.+]]: tensor<4xi8>) -> tensor<4xi8>
// CHECK-NEXT: return %[[A]] : tensor<4xi8>
func.func @precision_region_unsigned_input(%a: tensor<4xui8>) -> tensor<4xui8> {
  %r = dsk.precision_region i8 ins(%a : tensor<4xui8>) {
  ^bb0(%x: tensor<4xui8>):
    dsk.yield %x : tensor<4xui8>
  } -> tensor<4xui8>
  return %r : tensor<4xui8>
}

// -----

// Upstream ops on quantized tensors are rebuilt on the storage type.
// CHECK-LABEL: func.func @slice_of_quantized
// CHECK-SAME: (%[[Q:.+]]: tensor<4x8xi8>)
// CHECK: %[[S:.+]] = tensor.extract_slice %[[Q]][0, 0] [2, 8] [1, 1] : tensor<4x8xi8> to tensor<2x8xi8>
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<2x8xi8>)
// CHECK-NOT: dsk.
func.func @slice_of_quantized(%q: tensor<4x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>) -> tensor<2x8xf32> {
  %s = tensor.extract_slice %q[0, 0] [2, 8] [1, 1] : tensor<4x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>> to tensor<2x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>
  %x = dsk.dequantize %s : tensor<2x8xi8, #dsk.uniform<scale = 0.5, zero_point = 0>> -> tensor<2x8xf32>
  return %x : tensor<2x8xf32>
}

// -----

// Quantized resource constants keep their blob under the storage type.
// CHECK-LABEL: func.func @resource_constant
// CHECK: arith.constant dense_resource<blob1> : tensor<4xi8>
func.func @resource_constant() -> tensor<4xf32> {
  %c = arith.constant dense_resource<blob1> : tensor<4xi8, #dsk.uniform<scale = 0.5, zero_point = 0>>
  %x = dsk.dequantize %c : tensor<4xi8, #dsk.uniform<scale = 0.5, zero_point = 0>> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob1: "0x0400000001020304"
    }
  }
#-}

// -----

// An attention with a kernel becomes dsk.attention_kernel into an empty
// tensor, its default scale (1/sqrt(D)) resolved and its kernel kept.
// CHECK-LABEL: func.func @attention_kernel
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<1x2x8x4xf32>
// CHECK: %[[OUT:.+]] = dsk.attention_kernel %{{.+}}, %{{.+}}, %{{.+}} mask %{{.+}} into %[[INIT]] {causal, dsk.kernel = #dsk.kernel<"generic.attention_f32", tiles = [4, 4]>, scale = 2.500000e-01 : f64}
// CHECK: return %[[OUT]]
func.func @attention_kernel(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x6x16xf32>, %v: tensor<1x2x6x4xf32>, %m: tensor<8x6xf32>) -> tensor<1x2x8x4xf32> {
  %0 = dsk.attention %q, %k, %v mask %m {causal, dsk.kernel = #dsk.kernel<"generic.attention_f32", tiles = [4, 4]>} : (tensor<1x2x8x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x4xf32>, tensor<8x6xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}
