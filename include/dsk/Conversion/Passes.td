//===- Passes.td - dsk lowering passes ---------------------*- tablegen -*-===//

#ifndef DSK_CONVERSION_PASSES_TD
#define DSK_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def DskLowerToLinalg : Pass<"dsk-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower every dsk operation to upstream MLIR on tensors";
  let description = [{
    The reference lowering: rewrites every dsk operation into `linalg`,
    `tensor`, `arith`, `math` and `scf` operations on tensors, so that any
    dsk program runs through the upstream CPU pipeline (bufferization,
    `convert-linalg-to-loops`, the LLVM conversions), if slowly. It is the
    semantic baseline that optimised kernels are tested against.

    Quantized tensors become their plain integer storage: the dsk encodings
    are dropped and `ui` storage becomes signless, in function signatures,
    calls, returns and constants too; the encoding's parameters are baked
    into the generated arithmetic. Precision regions become explicit
    `arith.truncf`/`arith.extf` conversions around their inlined bodies, and
    `dsk.dynamic_precision` becomes an `scf.index_switch` on the index that
    its policy computes at run time.

    Aggregated linalg operations (`linalg.softmax`, as the ONNX importer
    emits for Softmax) are decomposed into the generics they stand for.

    Shapes must be static: the pass reports every dsk operation with a
    dynamic dimension and fails.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

#endif // DSK_CONVERSION_PASSES_TD
