//===- DskDialect.h - dsk dialect, enums and attributes ---------*- C++ -*-===//
//
// Declares the dsk dialect, its enums and its attributes (quantized storage
// encodings, attention scales, precision policies, targets and kernels).
//
//===----------------------------------------------------------------------===//

#ifndef DSK_DIALECT_DSK_IR_DSKDIALECT_H
#define DSK_DIALECT_DSK_IR_DSKDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/TensorEncoding.h"

#include "dsk/Dialect/Dsk/IR/DskEnums.h.inc"

#include "dsk/Dialect/Dsk/IR/DskOpsDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dsk/Dialect/Dsk/IR/DskAttrs.h.inc"

namespace dsk {

/// True if `encoding` is one of the dsk quantized storage encodings.
inline bool isQuantEncoding(mlir::Attribute encoding) {
  return llvm::isa_and_nonnull<UniformAttr, Log2Attr, CodebookAttr>(encoding);
}

/// The dsk quantized storage encoding of `type`, or null.
inline mlir::Attribute getQuantEncoding(mlir::Type type) {
  auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
  if (!tensor || !isQuantEncoding(tensor.getEncoding()))
    return {};
  return tensor.getEncoding();
}

/// The per-axis quantization axis of a dsk encoding, if any.
std::optional<int64_t> getQuantAxis(mlir::Attribute encoding);

/// The compilation target of `op`: the `dsk.target` of the innermost module
/// that encloses `op` (or is `op`) and sets one; null when none does.
TargetAttr getTarget(mlir::Operation *op);

/// Whether `op` is one of dsk's compute ops (products and attentions), the
/// ops kernel selection considers besides linalg convolutions.
bool isDskComputeOp(mlir::Operation *op);

/// The name of the model node an op came from: the first NameLoc in `loc`
/// (the ONNX importer names every op's location after its node).
std::optional<llvm::StringRef> getNodeName(mlir::Location loc);

/// A type as reports and profiles show it: "4x8xf32" for a ranked shaped
/// type (a dynamic dimension is "?"), the type itself otherwise.
std::string describeType(mlir::Type type);

} // namespace dsk

#endif // DSK_DIALECT_DSK_IR_DSKDIALECT_H
