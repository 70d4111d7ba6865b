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

def DskSelectKernels : Pass<"dsk-select-kernels", "mlir::ModuleOp"> {
  let summary = "Choose a kernel for every compute op from the target's table";
  let description = [{
    Reads the module's `dsk.target` and, for every compute operation (the
    dsk products and attention ops, linalg convolutions), picks the first
    row of the kernel table (`KernelTable.h`) whose required features the
    target provides and that computes the op (element types, shapes,
    constant operands), and records it as a `#dsk.kernel` attribute with the
    row's tile sizes. The backend's lowerings read the attribute; an op
    without one keeps the reference lowering (`dsk-compile --print-kernels`
    says why). An op that already carries a kernel keeps it. Without a target
    the pass does nothing.

    ```mlir
    module attributes {dsk.target = #dsk.target<cpu, arch = "x86_64",
        cpu = "skylake-avx512", features = ["avx2", "avx512f", "fma"]>} {
      %y = dsk.matmul %x, %w : (tensor<8x64xf32>, tensor<64x32xf32>)
          -> tensor<8x32xf32>
    }
    // %w a constant: the matmul gets
    //   {dsk.kernel = #dsk.kernel<"x86.avx512f.gemm_f32",
    //                 requires = ["avx512f"], tiles = [12, 32, 256, 16]>}
    ```
  }];
  let dependentDialects = ["::dsk::DskDialect"];
}

#endif // DSK_DIALECT_DSK_TRANSFORMS_PASSES_TD
