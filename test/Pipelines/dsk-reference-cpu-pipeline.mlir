// RUN: dsk-opt %s --dsk-reference-cpu-pipeline | FileCheck %s
// RUN: dsk-opt %s --dsk-reference-cpu-pipeline | FileCheck %s --check-prefix=NONLLVM
// RUN: dsk-opt %s --dsk-reference-cpu-pipeline --mlir-print-ir-after-all -o /dev/null 2>&1 | FileCheck %s --check-prefix=STAGES

// The named pipeline takes a program with a quantized matmul, quantize /
// dequantize, a run-time precision switch and a bf16 precision region all the
// way to the LLVM dialect.

// Nothing but the LLVM dialect (and the builtin module) is left anywhere in
// the output: no op of the dialects on the way, no tensor or memref type, no
// dsk encoding.
// NONLLVM-NOT: dsk.
// NONLLVM-NOT: linalg.
// NONLLVM-NOT: tensor.
// NONLLVM-NOT: memref.
// NONLLVM-NOT: bufferization.
// NONLLVM-NOT: affine.
// NONLLVM-NOT: scf.
// NONLLVM-NOT: cf.
// NONLLVM-NOT: arith.
// NONLLVM-NOT: math.
// NONLLVM-NOT: func.func
// NONLLVM-NOT: func.return
// NONLLVM-NOT: unrealized_conversion_cast
// NONLLVM-NOT: tensor<
// NONLLVM-NOT: memref<

// CHECK-LABEL: llvm.func @small(
// The memref descriptors of the three arguments (ranks 3, 2, 1; the i8
// storage of the quantized weight) and of the rank-3 result.
// CHECK-SAME: -> !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>
// Dequantization of the weight, the product, log2 quantization and its
// inverse, the statistic, the bf16 round trip, the switch.
// CHECK-DAG: llvm.sitofp
// CHECK-DAG: llvm.fmul
// CHECK-DAG: llvm.fadd
// CHECK-DAG: llvm.intr.log2
// CHECK-DAG: llvm.intr.roundeven
// CHECK-DAG: llvm.bitcast
// CHECK-DAG: llvm.intr.fabs
// CHECK-DAG: llvm.switch
// The bf16 round trip is integer arithmetic (arith-expand), so that no
// compiler-rt call is needed.
// CHECK-DAG: llvm.bitcast %{{.+}} : i16 to bf16
// CHECK-DAG: llvm.bitcast %{{.+}} : bf16 to i16
// CHECK-NOT: llvm.fptrunc %{{.+}} : f32 to bf16
// CHECK: llvm.return

// The first stage is the dsk lowering: its output is on tensors and free of
// dsk (checked up to the next stage's dump).
// STAGES: // -----// IR Dump After DskLowerToLinalg (dsk-lower-to-linalg) //----- //
// STAGES-NOT: dsk.
// STAGES: func.func @small(%{{[^:]+}}: tensor<2x4x8xf32>, %{{[^:]+}}: tensor<8x16xi8>, %{{[^:]+}}: tensor<16xf32>) -> tensor<2x4x16xf32>
// STAGES-NOT: dsk.
// STAGES: linalg.generic
// STAGES-NOT: dsk.
// STAGES: scf.index_switch
// STAGES-NOT: dsk.
// STAGES: // -----// IR Dump After {{.+}} //----- //

func.func @small(%a: tensor<2x4x8xf32>, %b: tensor<8x16xi8, #dsk.uniform<scale = 0.05, zero_point = -3>>, %c: tensor<16xf32>) -> tensor<2x4x16xf32> {
  %m = dsk.matmul %a, %b bias %c : (tensor<2x4x8xf32>, tensor<8x16xi8, #dsk.uniform<scale = 0.05, zero_point = -3>>, tensor<16xf32>) -> tensor<2x4x16xf32>
  %q = dsk.quantize %m : tensor<2x4x16xf32> -> tensor<2x4x16xi4, #dsk.log2<scale = 2.0>>
  %d = dsk.dequantize %q : tensor<2x4x16xi4, #dsk.log2<scale = 2.0>> -> tensor<2x4x16xf32>
  %r = dsk.dynamic_precision ins(%d : tensor<2x4x16xf32>)
      policy #dsk.policy<max_abs(0), thresholds = [4.0], choices = [f32, bf16]> {
  ^bb0(%x: tensor<2x4x16xf32>):
    dsk.yield %x : tensor<2x4x16xf32>
  }, {
  ^bb0(%x: tensor<2x4x16xf32>):
    %p = dsk.precision_region bf16 ins(%x : tensor<2x4x16xf32>) {
    ^bb0(%y: tensor<2x4x16xbf16>):
      dsk.yield %y : tensor<2x4x16xbf16>
    } -> tensor<2x4x16xf32>
    dsk.yield %p : tensor<2x4x16xf32>
  } -> tensor<2x4x16xf32>
  return %r : tensor<2x4x16xf32>
}
