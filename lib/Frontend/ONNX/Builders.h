//===- Builders.h - IR builders shared by the ONNX op converters -*- C++
//-*-===//
//
// NumPy-style broadcasting, elementwise linalg.generic construction (static
// and dynamic dimensions), and import-time evaluation of the small integer
// computations that ONNX exporters use to compute shapes.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_FRONTEND_ONNX_BUILDERS_H
#define DSK_LIB_FRONTEND_ONNX_BUILDERS_H

#include "ImporterImpl.h"
#include "dsk/Dialect/Dsk/Utils/ScalarCasts.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <functional>

namespace dsk::onnx_import {

/// The NumPy broadcast of `shapes`, or failure when two static dims differ
/// and neither is 1. A dynamic dim against a static dim other than 1 takes
/// the static one; two dynamic dims are assumed equal.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes);

/// Sizes of a result of static shape `shape` whose dynamic dims come from
/// the first of `operands` (broadcast-aligned from the right) that has that
/// dim dynamic and not broadcast.
llvm::SmallVector<mlir::OpFoldResult> resultSizes(mlir::OpBuilder &b,
                                                  mlir::Location loc,
                                                  llvm::ArrayRef<int64_t> shape,
                                                  mlir::ValueRange operands);

/// `tensor.empty` with the given static shape; dynamic dims from `operands`
/// as in resultSizes.
mlir::Value emptyLike(mlir::OpBuilder &b, mlir::Location loc,
                      llvm::ArrayRef<int64_t> shape, mlir::Type elementType,
                      mlir::ValueRange operands);

using ScalarBodyFn = std::function<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// An elementwise linalg.generic over the broadcast of `inputs`, producing
/// `resultElementType`; `body` maps the input scalars to the result.
mlir::FailureOr<mlir::Value>
buildBroadcastElementwise(NodeContext &ctx, mlir::ValueRange inputs,
                          mlir::Type resultElementType,
                          const ScalarBodyFn &body);

/// Int64 evaluation of an elementwise op on constant integer inputs, used to
/// fold shape computations at import time. Returns null when any input is
/// not a small constant integer tensor.
mlir::DenseElementsAttr
foldIntElementwise(llvm::ArrayRef<mlir::DenseElementsAttr> inputs,
                   mlir::Type resultElementType,
                   const std::function<int64_t(llvm::ArrayRef<int64_t>)> &fn);

/// A 1-D i64 constant attribute.
mlir::DenseElementsAttr int64Attr(mlir::MLIRContext *context,
                                  llvm::ArrayRef<int64_t> values,
                                  llvm::ArrayRef<int64_t> shape);

/// Normalizes a possibly negative axis against `rank`; reports an error on
/// the node when out of range.
mlir::FailureOr<int64_t> normalizeAxis(NodeContext &ctx, int64_t axis,
                                       int64_t rank);

/// A tensor of `sizes` filled with `scalar`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value scalar);

/// Reports an error unless inputs 0 .. count-1 are all present.
/// A linalg.generic with no inputs that writes every element of `init`
/// (parallel over all its dimensions); `body` computes one element from the
/// linalg.index values and yields it. Returns the filled tensor.
mlir::Value
generateElements(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init,
                 llvm::function_ref<void(mlir::OpBuilder &, mlir::Location,
                                         mlir::ValueRange)>
                     body);

mlir::LogicalResult requireInputs(NodeContext &ctx, size_t count);

using dsk::castScalar;
using dsk::scalarConstant;

} // namespace dsk::onnx_import

#endif // DSK_LIB_FRONTEND_ONNX_BUILDERS_H
