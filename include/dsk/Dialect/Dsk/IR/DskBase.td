//===- DskBase.td - dsk dialect definition -----------------*- tablegen -*-===//
//
// The dsk dialect: the operations, attributes and encodings that the dsk
// compiler reasons about (attention, multi-scale gated attention, quantized
// storage, precision regions, decompositions, kernel and target choices).
//
//===----------------------------------------------------------------------===//

#ifndef DSK_DIALECT_DSK_IR_DSKBASE_TD
#define DSK_DIALECT_DSK_IR_DSKBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Dsk_Dialect : Dialect {
  let name = "dsk";
  let cppNamespace = "::dsk";
  let summary = "Operations and encodings of the dsk model compiler";
  let description = [{
    The `dsk` dialect holds what the dsk compiler reasons about and what no
    upstream dialect expresses: fused (multi-scale, sparse) attention,
    quantized tensors with uniform and non-uniform (log2, codebook) storage,
    regions computed at a chosen precision, run-time precision selection,
    low-rank and block-sparse matrix products, and the compilation target and
    kernel choices.

    All operations have value semantics on ranked tensors. Everything else a
    model needs is expressed with upstream dialects (`arith`, `math`,
    `tensor`, `linalg`) next to dsk operations. `dsk-lower-to-linalg` lowers
    every dsk operation to upstream MLIR on tensors.

    Quantized tensors are builtin ranked tensors of integer storage type whose
    encoding is one of `#dsk.uniform`, `#dsk.log2` or `#dsk.codebook`, e.g.
    `tensor<64x32xi4, #dsk.log2<axis = 0, scales = [...]>>`. Signless integer
    storage is read as two's complement, `ui` storage as unsigned.

    Two discardable attributes are verified by the dialect:
    `dsk.target` (a `#dsk.target`) may only be placed on a `builtin.module`,
    and `dsk.kernel` (a `#dsk.kernel`) only on a dsk compute operation or a
    linalg operation (convolutions, packed products); the
    CPU features a kernel requires must be provided by the enclosing module's
    target when one is set.

    Three argument and result attributes of a function carry what the ONNX
    importer knows about a model's inputs and outputs to model export (the
    compiled library's metadata), and are verified by the dialect too:
    `dsk.onnx.name` (a string: the ONNX value's name), `dsk.onnx.unsigned`
    (a unit attribute on an integer tensor whose elements are unsigned; IR
    integers are signless) and `dsk.onnx.dim_params` (an array of strings,
    one per dimension: the ONNX `dim_param` of each dynamic dimension, `?`
    for an unnamed one, and the empty string for a static one).
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let extraClassDeclaration = [{
    /// Name of the module attribute that holds the compilation target.
    static constexpr ::llvm::StringLiteral kTargetAttrName = "dsk.target";
    /// Name of the operation attribute that records the selected kernel.
    static constexpr ::llvm::StringLiteral kKernelAttrName = "dsk.kernel";
    /// Argument/result attributes of a model's entry function (see the
    /// dialect's description): the ONNX name, unsignedness, and the ONNX
    /// names of the dynamic dimensions.
    static constexpr ::llvm::StringLiteral kOnnxNameAttrName = "dsk.onnx.name";
    static constexpr ::llvm::StringLiteral kOnnxUnsignedAttrName =
        "dsk.onnx.unsigned";
    static constexpr ::llvm::StringLiteral kOnnxDimParamsAttrName =
        "dsk.onnx.dim_params";

  private:
    void registerAttributes();

  public:
  }];
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Dsk_ScaleKind : I32EnumAttr<"ScaleKind", "mask family of one attention scale", [
    I32EnumAttrCase<"Local", 0, "local">,
    I32EnumAttrCase<"Segment", 1, "segment">,
    I32EnumAttrCase<"Global", 2, "global">
  ]> {
  let cppNamespace = "::dsk";
  let genSpecializedAttr = 0;
}

def Dsk_SelectorStatistic : I32EnumAttr<"SelectorStatistic",
    "cheap run-time statistic that selects a precision alternative", [
    I32EnumAttrCase<"MaxAbs", 0, "max_abs">,
    I32EnumAttrCase<"MeanAbs", 1, "mean_abs">,
    I32EnumAttrCase<"Rms", 2, "rms">
  ]> {
  let cppNamespace = "::dsk";
  let genSpecializedAttr = 0;
}

def Dsk_TargetKind : I32EnumAttr<"TargetKind", "kind of compilation target", [
    I32EnumAttrCase<"CPU", 0, "cpu">,
    I32EnumAttrCase<"GPU", 1, "gpu">
  ]> {
  let cppNamespace = "::dsk";
  let genSpecializedAttr = 0;
}

class Dsk_Op<string mnemonic, list<Trait> traits = []>
    : Op<Dsk_Dialect, mnemonic, traits>;

#endif // DSK_DIALECT_DSK_IR_DSKBASE_TD
