//===- Passes.td - dsk graph passes ------------------------*- tablegen -*-===//

#ifndef DSK_DIALECT_DSK_TRANSFORMS_PASSES_TD
#define DSK_DIALECT_DSK_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DskFuseAttention : Pass<"dsk-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Fuse scaled dot-product attention subgraphs into dsk.attention";
  let description = [{
    Recognises the attention subgraph that ONNX exporters emit, as the ONNX
    importer represents it:

    ```
    s = dsk.matmul(q', kᵀ)        kᵀ: transpose_rhs, or a linalg.transpose
                                  (head and key transposes merged are fine)
    s = s * c  or  s / c          optional, c a constant scalar (also on q)
    s = s + mask                  optional, mask broadcast to s
    p = linalg.softmax(s) over the last dimension
    o = dsk.matmul(p, v)
    ```

    and replaces it with one `dsk.attention` whose `scale` is the product of
    the constant factors (1 when there is none). Operands of rank 3
    (`[B*H, S, D]`, as PyTorch's MultiheadAttention exports them) are viewed
    as `[1, B*H, S, D]`. Every intermediate value must have a single use;
    softmax over another dimension, a scale that is not a constant, or a
    value used elsewhere leaves the subgraph alone.
  }];
  let dependentDialects = [
    "::dsk::DskDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // DSK_DIALECT_DSK_TRANSFORMS_PASSES_TD
