//===- ImporterImpl.h - internals of the ONNX importer ----------*- C++ -*-===//
//
// The pieces shared by the graph importer and the op converters: element
// type conversion, the tensor payload reader, and NodeContext, the view of
// one node that a converter works with.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_FRONTEND_ONNX_IMPORTERIMPL_H
#define DSK_LIB_FRONTEND_ONNX_IMPORTERIMPL_H

#include "onnx/onnx-ml.pb.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace dsk::onnx_import {

using EmitErrorFn = llvm::function_ref<mlir::InFlightDiagnostic()>;

/// An ONNX element type as the importer represents it: signless storage in
/// the IR, plus whether integers are to be read as unsigned.
struct ElementType {
  mlir::Type type;
  bool isUnsigned = false;
};

/// The most dimensions a tensor of the importer may have (NumPy's limit):
/// a shape, axes or pads operand longer than this is an error before any
/// op is built per element.
constexpr int64_t kMaxRank = 64;

/// The most bytes a statically sized tensor may span: x86-64's and
/// AArch64's 47-bit user address space.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 47;

/// Checks that `type` is a tensor a program can hold: at most kMaxRank
/// dimensions, and static dimensions whose product (in bytes) neither
/// overflows nor exceeds kMaxTensorBytes.
mlir::LogicalResult checkTensorBounds(mlir::RankedTensorType type,
                                      EmitErrorFn emitError);

/// The name of an ONNX TensorProto::DataType, e.g. "FLOAT".
llvm::StringRef dataTypeName(int32_t dataType);

/// The IR element type of an ONNX data type, or none for the types the
/// importer does not represent (strings, complex numbers).
std::optional<ElementType> lookupDataType(mlir::MLIRContext *context,
                                          int32_t dataType);

/// lookupDataType, with an error for the types it does not represent.
mlir::FailureOr<ElementType> convertDataType(mlir::MLIRContext *context,
                                             int32_t dataType,
                                             EmitErrorFn emitError);

/// The inverse of lookupDataType: the ONNX data type of an IR element type
/// read as unsigned or not, 0 for none.
int32_t dataTypeOf(mlir::Type type, bool isUnsigned);

/// Reads tensor payloads (initializers, Constant nodes, attribute tensors).
/// Sizes are checked against the declared dims and type before anything is
/// allocated; external data must stay inside the model's folder.
class TensorReader {
public:
  TensorReader(mlir::MLIRContext *context, std::string modelDir)
      : context(context), modelDir(std::move(modelDir)) {}

  mlir::FailureOr<mlir::DenseElementsAttr> read(const onnx::TensorProto &tensor,
                                                EmitErrorFn emitError);

  /// The element count of `dims`, or an error for negative dims and
  /// products that overflow int64.
  static mlir::FailureOr<int64_t>
  elementCount(const google::protobuf::RepeatedField<int64_t> &dims,
               EmitErrorFn emitError);

private:
  mlir::FailureOr<std::string> readExternal(const onnx::TensorProto &tensor,
                                            uint64_t expectedBytes,
                                            EmitErrorFn emitError);

  mlir::MLIRContext *context;
  std::string modelDir;
};

/// A graph value during import: the IR value, how its integers are read, and
/// its contents when they are known at import time (initializers, Constant
/// nodes and what shape computations fold to).
struct ImportedValue {
  mlir::Value value;
  bool isUnsigned = false;
  mlir::DenseElementsAttr constant;
};

class GraphImporter;

/// The node a converter is converting, its inputs, attributes and outputs.
class NodeContext {
public:
  /// `label` names the node in diagnostics: its name, or `#index` when
  /// the model leaves it unnamed.
  NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
              std::string label, int64_t opset, mlir::OpBuilder &builder,
              mlir::Location loc);

  const onnx::NodeProto &node;
  const int64_t opset;
  mlir::OpBuilder &b;
  const mlir::Location loc;

  mlir::MLIRContext *getContext() const { return b.getContext(); }

  /// Inputs. An optional input that is absent or named "" is not present.
  size_t numInputs() const { return node.input_size(); }
  bool hasInput(size_t i) const;
  mlir::Value input(size_t i) const;
  mlir::RankedTensorType inputType(size_t i) const;
  bool isUnsigned(size_t i) const;
  /// The most elements a constant folded at import time may have
  /// (ImportOptions::maxFoldElements).
  int64_t maxFoldElements() const;
  /// The input's contents if known at import time, else null.
  mlir::DenseElementsAttr constantInput(size_t i) const;
  /// An integer input that must be known at import time (axes, shapes,
  /// pads...); reports an error naming `what` otherwise.
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  requireConstantInts(size_t i, llvm::StringRef what) const;
  /// requireConstantInts for an input that holds exactly one integer (a
  /// scalar or a 1-element tensor: an axis, a length, K).
  mlir::FailureOr<int64_t> requireConstantInt(size_t i,
                                              llvm::StringRef what) const;
  /// The length of input `i`, a 1-D integer tensor of static length at most
  /// `maxLength` (a shape, axes, pads or split operand, whose elements become
  /// one value each); reports an error naming `what` otherwise.
  mlir::FailureOr<int64_t>
  shapeOperandLength(size_t i, llvm::StringRef what,
                     int64_t maxLength = kMaxRank) const;

  /// Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue) const;
  /// An attribute naming an ONNX data type (Cast's `to`, `dtype`, ...):
  /// values beyond int32 saturate, so that they stay invalid data types
  /// instead of wrapping around to valid ones.
  int32_t dataTypeAttr(llvm::StringRef name, int32_t defaultValue) const;
  float floatAttr(llvm::StringRef name, float defaultValue) const;
  std::string stringAttr(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  llvm::SmallVector<int64_t> intsAttr(llvm::StringRef name) const;
  llvm::SmallVector<float> floatsAttr(llvm::StringRef name) const;
  /// A tensor attribute (Constant's `value`), read with full checks.
  mlir::FailureOr<mlir::DenseElementsAttr>
  tensorAttr(const onnx::AttributeProto &attribute) const;

  /// Outputs. An output named "" is not requested.
  size_t numOutputs() const { return node.output_size(); }
  bool hasOutput(size_t i) const;
  void setOutput(size_t i, mlir::Value value, bool isUnsigned = false,
                 mlir::DenseElementsAttr constant = {});
  /// A constant output (folded at import time), materialized as
  /// arith.constant.
  void setConstantOutput(size_t i, mlir::DenseElementsAttr constant,
                         bool isUnsigned = false);

  /// Imports a subgraph attribute (a branch or loop body) at the builder's
  /// insertion point, its inputs bound to `arguments`; returns its outputs.
  mlir::FailureOr<llvm::SmallVector<ImportedValue>>
  importSubgraph(const onnx::GraphProto &graph,
                 llvm::ArrayRef<ImportedValue> arguments);

  /// An error about this node: the message starts with the node's name, op
  /// type, domain and opset.
  mlir::InFlightDiagnostic emitError() const;

private:
  GraphImporter &importer;
  std::string label;
};

using ConverterFn = mlir::LogicalResult (*)(NodeContext &);

/// Checks `ctx`'s node against ONNX's schema of its op at its opset (domain
/// "" or "ai.onnx.preview"): input and output counts, required inputs,
/// input element types, attribute names and types, required attributes.
/// Ops of domains without ONNX schemas pass (their converters check).
mlir::LogicalResult checkNodeSignature(const NodeContext &ctx,
                                       llvm::StringRef domain);

/// Op converters by domain ("" for ai.onnx) and op type.
class OpRegistry {
public:
  void add(llvm::StringRef domain, llvm::StringRef opType, ConverterFn fn) {
    converters[key(domain, opType)] = fn;
  }
  ConverterFn lookup(llvm::StringRef domain, llvm::StringRef opType) const {
    auto it = converters.find(key(domain, opType));
    return it == converters.end() ? nullptr : it->second;
  }
  static const OpRegistry &get();

private:
  static std::string key(llvm::StringRef domain, llvm::StringRef opType) {
    return (domain + "::" + opType).str();
  }
  llvm::StringMap<ConverterFn> converters;
};

/// Converter families, one per file.
void registerElementwiseOps(OpRegistry &registry);
void registerShapeOps(OpRegistry &registry);
void registerSliceOps(OpRegistry &registry);
void registerGatherScatterOps(OpRegistry &registry);
void registerGenerateOps(OpRegistry &registry);
void registerMatMulOps(OpRegistry &registry);
void registerConvolutionOps(OpRegistry &registry);
void registerNormalizationOps(OpRegistry &registry);
void registerActivationOps(OpRegistry &registry);
void registerQuantizationOps(OpRegistry &registry);
void registerReductionOps(OpRegistry &registry);
void registerDskDomainOps(OpRegistry &registry);
void registerAttentionOps(OpRegistry &registry);
void registerLossOps(OpRegistry &registry);
void registerImageOps(OpRegistry &registry);
void registerControlFlowOps(OpRegistry &registry);
void registerRecurrentOps(OpRegistry &registry);
void registerRandomOps(OpRegistry &registry);

/// Training-mode Dropout of `x` (RandomOps.cpp): `ratio` and `training` are
/// scalar tensors or null (0.5, true); sets `mask` to the kept positions.
mlir::Value buildTrainingDropout(NodeContext &ctx, mlir::Value x,
                                 mlir::Value ratio, mlir::Value training,
                                 int64_t seed, mlir::Value &mask);

} // namespace dsk::onnx_import

#endif // DSK_LIB_FRONTEND_ONNX_IMPORTERIMPL_H
