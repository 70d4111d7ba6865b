//===- ScalarCasts.h - scalar constants and conversions ---------*- C++ -*-===//
//
// The scalar arithmetic that both the reference lowering and the ONNX
// importer emit inside linalg bodies: typed constants and conversions
// between float and integer types, with the signedness that signless IR
// types do not carry.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_DIALECT_DSK_UTILS_SCALARCASTS_H
#define DSK_DIALECT_DSK_UTILS_SCALARCASTS_H

#include "mlir/IR/Builders.h"

namespace dsk {

/// A scalar float or integer constant of `type`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

/// Converts a scalar between float and integer types of any width.
/// `srcUnsigned` / `dstUnsigned` say how integers are read and written;
/// i1 is read as 0/1 and written as "not zero".
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value value, mlir::Type dstType,
                       bool srcUnsigned = false, bool dstUnsigned = false);

} // namespace dsk

#endif // DSK_DIALECT_DSK_UTILS_SCALARCASTS_H
