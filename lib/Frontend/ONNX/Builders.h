//===- Builders.h - IR builders of the ONNX op converters -------*- C++ -*-===//
//
// The one set of helpers the converter families share: shapes and sizes of
// tensor values, scalar arithmetic inside linalg bodies (FloatOps) and on
// sizes (IndexMath), NumPy-style broadcasting, elementwise and reducing
// linalg.generic construction (static and dynamic dimensions), reshapes,
// and import-time evaluation of the small integer computations that ONNX
// exporters use to compute shapes.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_LIB_FRONTEND_ONNX_BUILDERS_H
#define DSK_LIB_FRONTEND_ONNX_BUILDERS_H

#include "ImporterImpl.h"
#include "dsk/Dialect/Dsk/Utils/ScalarCasts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/MathExtras.h"

#include <functional>

namespace dsk::onnx_import {

//===----------------------------------------------------------------------===//
// Tensor values: types, sizes, layout
//===----------------------------------------------------------------------===//

inline mlir::RankedTensorType typeOf(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}
inline int64_t rankOf(mlir::Value v) { return typeOf(v).getRank(); }
inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value v) {
  return typeOf(v).getShape();
}

/// The size of dim `i` of tensor `v`: an attribute when static, tensor.dim
/// otherwise.
mlir::OpFoldResult dimOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                         int64_t i);

/// The sizes of all dims of tensor `v`, as dimOf.
llvm::SmallVector<mlir::OpFoldResult>
sizesOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

/// Whether `x` is the constant 0.
bool isZero(mlir::OpFoldResult x);

mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        mlir::Type elementType);

/// linalg.transpose of `x` by `perm` (result dim i is x's dim perm[i]).
mlir::Value transpose(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      llvm::ArrayRef<int64_t> perm);

/// A per-channel 1-D tensor [C] reshaped to [C, 1, ..., 1] so that it
/// broadcasts against [N, C, ...] of rank `rank`. Other shapes are returned
/// as they are.
mlir::Value channelParam(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                         int64_t rank);

/// Collapses dims [first, first + count) of `v` into one.
mlir::Value collapseDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                         int64_t first, int64_t count);

/// Splits dim `dim` of `v` into [outer, size / outer] (outer static).
mlir::Value splitDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                     int64_t dim, int64_t outer);

/// Reports an error on the node unless `v` is a float tensor; `what` names
/// it in the message.
mlir::LogicalResult requireFloat(NodeContext &ctx, mlir::Value v,
                                 llvm::StringRef what);

/// Converts a tensor to another element type (elementwise).
mlir::FailureOr<mlir::Value> convertTensor(NodeContext &ctx, mlir::Value v,
                                           mlir::Type to,
                                           bool srcUnsigned = false,
                                           bool dstUnsigned = false);

/// The accumulator type dsk.matmul should be given for operands of
/// `elementType`: f64 and integers accumulate in their own type; null for
/// the op's default (f32, also for f16 and bf16).
mlir::Type matmulAccumulatorType(mlir::Type elementType);

/// int64 arithmetic on values a model controls (attributes, constant
/// inputs, static dims): each step records whether it overflowed instead of
/// invoking undefined behaviour, and the converter checks `overflowed()`
/// once before using the results.
class CheckedInt {
public:
  int64_t add(int64_t a, int64_t b) {
    int64_t r;
    failed |= llvm::AddOverflow(a, b, r);
    return r;
  }
  int64_t sub(int64_t a, int64_t b) {
    int64_t r;
    failed |= llvm::SubOverflow(a, b, r);
    return r;
  }
  int64_t mul(int64_t a, int64_t b) {
    int64_t r;
    failed |= llvm::MulOverflow(a, b, r);
    return r;
  }
  /// The product of `values`.
  int64_t product(llvm::ArrayRef<int64_t> values) {
    int64_t r = 1;
    for (int64_t v : values)
      r = mul(r, v);
    return r;
  }
  bool overflowed() const { return failed; }

private:
  bool failed = false;
};

//===----------------------------------------------------------------------===//
// Scalar arithmetic
//===----------------------------------------------------------------------===//

/// Float scalar arithmetic inside a body.
struct FloatOps {
  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Type type;
  mlir::Value c(double v) const { return scalarConstant(b, loc, type, v); }
  mlir::Value add(mlir::Value x, mlir::Value y) const {
    return mlir::arith::AddFOp::create(b, loc, x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) const {
    return mlir::arith::SubFOp::create(b, loc, x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) const {
    return mlir::arith::MulFOp::create(b, loc, x, y);
  }
  mlir::Value div(mlir::Value x, mlir::Value y) const {
    return mlir::arith::DivFOp::create(b, loc, x, y);
  }
  mlir::Value max(mlir::Value x, mlir::Value y) const {
    return mlir::arith::MaximumFOp::create(b, loc, x, y);
  }
  mlir::Value min(mlir::Value x, mlir::Value y) const {
    return mlir::arith::MinimumFOp::create(b, loc, x, y);
  }
  mlir::Value exp(mlir::Value x) const {
    return mlir::math::ExpOp::create(b, loc, x);
  }
  mlir::Value log(mlir::Value x) const {
    return mlir::math::LogOp::create(b, loc, x);
  }
  mlir::Value sqrt(mlir::Value x) const {
    return mlir::math::SqrtOp::create(b, loc, x);
  }
  mlir::Value tanh(mlir::Value x) const {
    return mlir::math::TanhOp::create(b, loc, x);
  }
  mlir::Value abs(mlir::Value x) const {
    return mlir::math::AbsFOp::create(b, loc, x);
  }
  mlir::Value cmp(mlir::arith::CmpFPredicate p, mlir::Value x,
                  mlir::Value y) const {
    return mlir::arith::CmpFOp::create(b, loc, p, x, y);
  }
  mlir::Value select(mlir::Value cond, mlir::Value x, mlir::Value y) const {
    return mlir::arith::SelectOp::create(b, loc, cond, x, y);
  }
  mlir::Value cast(mlir::Value x, mlir::Type to) const {
    return castScalar(b, loc, x, to, false, false);
  }
};

/// Index arithmetic on OpFoldResults that folds when both sides are static.
/// Sizes derived from a model's attributes can be anything: a sum or
/// product that would overflow int64 is not folded but built as an op,
/// which wraps like any index arithmetic at run time (and leaves the size
/// dynamic, so the lowering reports it instead of computing with it).
class IndexMath {
public:
  IndexMath(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}

  mlir::OpFoldResult c(int64_t v) const { return b.getIndexAttr(v); }
  mlir::Value value(mlir::OpFoldResult x) const {
    return mlir::getValueOrCreateConstantIndexOp(b, loc, x);
  }
  mlir::OpFoldResult add(mlir::OpFoldResult x, mlir::OpFoldResult y) const {
    auto cx = mlir::getConstantIntValue(x), cy = mlir::getConstantIntValue(y);
    int64_t folded;
    if (cx && cy && !llvm::AddOverflow(*cx, *cy, folded))
      return c(folded);
    if (cy && *cy == 0)
      return x;
    if (cx && *cx == 0)
      return y;
    return mlir::arith::AddIOp::create(b, loc, value(x), value(y)).getResult();
  }
  mlir::OpFoldResult add(mlir::OpFoldResult x, int64_t y) const {
    return add(x, c(y));
  }
  mlir::OpFoldResult sub(mlir::OpFoldResult x, mlir::OpFoldResult y) const {
    auto cx = mlir::getConstantIntValue(x), cy = mlir::getConstantIntValue(y);
    int64_t folded;
    if (cx && cy && !llvm::SubOverflow(*cx, *cy, folded))
      return c(folded);
    if (cy && *cy == 0)
      return x;
    return mlir::arith::SubIOp::create(b, loc, value(x), value(y)).getResult();
  }
  mlir::OpFoldResult mul(mlir::OpFoldResult x, mlir::OpFoldResult y) const {
    auto cx = mlir::getConstantIntValue(x), cy = mlir::getConstantIntValue(y);
    int64_t folded;
    if (cx && cy && !llvm::MulOverflow(*cx, *cy, folded))
      return c(folded);
    if (cy && *cy == 1)
      return x;
    if (cx && *cx == 1)
      return y;
    return mlir::arith::MulIOp::create(b, loc, value(x), value(y)).getResult();
  }
  mlir::OpFoldResult mul(mlir::OpFoldResult x, int64_t y) const {
    return mul(x, c(y));
  }
  mlir::OpFoldResult floorDiv(mlir::OpFoldResult x, int64_t d) const {
    if (auto cx = mlir::getConstantIntValue(x))
      return c(llvm::divideFloorSigned(*cx, d));
    if (d == 1)
      return x;
    return mlir::arith::FloorDivSIOp::create(b, loc, value(x), value(c(d)))
        .getResult();
  }
  mlir::OpFoldResult ceilDiv(mlir::OpFoldResult x, int64_t d) const {
    if (auto cx = mlir::getConstantIntValue(x))
      return c(llvm::divideCeilSigned(*cx, d));
    if (d == 1)
      return x;
    return mlir::arith::CeilDivSIOp::create(b, loc, value(x), value(c(d)))
        .getResult();
  }
  mlir::OpFoldResult max(mlir::OpFoldResult x, mlir::OpFoldResult y) const {
    auto cx = mlir::getConstantIntValue(x), cy = mlir::getConstantIntValue(y);
    if (cx && cy)
      return c(std::max(*cx, *cy));
    return mlir::arith::MaxSIOp::create(b, loc, value(x), value(y)).getResult();
  }
  /// `x >= y ? t : f`.
  mlir::OpFoldResult selectGe(mlir::OpFoldResult x, mlir::OpFoldResult y,
                              mlir::OpFoldResult t,
                              mlir::OpFoldResult f) const {
    auto cx = mlir::getConstantIntValue(x), cy = mlir::getConstantIntValue(y);
    if (cx && cy)
      return *cx >= *cy ? t : f;
    mlir::Value cond = mlir::arith::CmpIOp::create(
        b, loc, mlir::arith::CmpIPredicate::sge, value(x), value(y));
    return mlir::arith::SelectOp::create(b, loc, cond, value(t), value(f))
        .getResult();
  }

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
};

/// `value` truncated to int64 when it is finite and fits, else none: floats
/// from a model (scales, seeds) may be NaN, infinite or huge, and casting
/// those is undefined behaviour.
inline std::optional<int64_t> toInt64(double value) {
  if (!(value >= -0x1p63 && value < 0x1p63))
    return std::nullopt;
  return static_cast<int64_t>(value);
}

/// The product of `sizes` as a float scalar of `type`.
mlir::Value countOf(mlir::OpBuilder &b, mlir::Location loc,
                    llvm::ArrayRef<mlir::OpFoldResult> sizes, mlir::Type type);

/// The lowest value of an element type (-inf for floats), the neutral
/// element of max.
mlir::Value lowestOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                     bool isUnsigned);

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

using CombineFn = std::function<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::Value input, mlir::Value acc)>;

/// Reduces `x` over the sorted `dims`, keeping them as size-1 dimensions.
/// The combiner runs inside a linalg.generic over `x`'s dimensions, so it
/// may read linalg.index.
mlir::Value reduceKeepDims(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, llvm::ArrayRef<int64_t> dims,
                           mlir::Value init, const CombineFn &combine);

/// `x + acc` for floats or integers: the combiner of sums.
mlir::Value addCombine(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value acc);

//===----------------------------------------------------------------------===//
// Broadcasting, elementwise ops, import-time folding
//===----------------------------------------------------------------------===//

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
                   mlir::Type resultElementType, int64_t maxElements,
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
