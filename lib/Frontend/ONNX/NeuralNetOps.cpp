//===- NeuralNetOps.cpp - ONNX neural-network operators -------------------===//
//
// Matrix products (dsk.matmul), convolutions and pooling (tensor.pad plus
// linalg named convolutions or linalg.generic windows), normalizations,
// the softmax family, activations with attributes, and QDQ quantization
// (dsk.quantize / dsk.dequantize for constant parameters).
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "dsk/Dialect/Dsk/IR/DskOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

using arith::CmpFPredicate;
using arith::CmpIPredicate;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }
int64_t rankOf(Value v) { return typeOf(v).getRank(); }
ArrayRef<int64_t> shapeOf(Value v) { return typeOf(v).getShape(); }

LogicalResult requireFloat(NodeContext &ctx, Value v, StringRef what) {
  Type type = getElementTypeOrSelf(v);
  if (!isa<FloatType>(type))
    return ctx.emitError() << what << " must be a float tensor, got " << type;
  return success();
}

/// Float scalar arithmetic inside a body.
struct FloatOps {
  OpBuilder &b;
  Location loc;
  Type type;
  Value c(double v) const { return scalarConstant(b, loc, type, v); }
  Value add(Value x, Value y) const {
    return arith::AddFOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) const {
    return arith::SubFOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) const {
    return arith::MulFOp::create(b, loc, x, y);
  }
  Value div(Value x, Value y) const {
    return arith::DivFOp::create(b, loc, x, y);
  }
  Value max(Value x, Value y) const {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value min(Value x, Value y) const {
    return arith::MinimumFOp::create(b, loc, x, y);
  }
  Value exp(Value x) const { return math::ExpOp::create(b, loc, x); }
  Value log(Value x) const { return math::LogOp::create(b, loc, x); }
  Value sqrt(Value x) const { return math::SqrtOp::create(b, loc, x); }
  Value tanh(Value x) const { return math::TanhOp::create(b, loc, x); }
  Value abs(Value x) const { return math::AbsFOp::create(b, loc, x); }
  Value cmp(CmpFPredicate p, Value x, Value y) const {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value cast(Value x, Type to) const {
    return castScalar(b, loc, x, to, false, false);
  }
};

/// Index arithmetic on OpFoldResults that folds when both sides are static.
class IndexMath {
public:
  IndexMath(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  OpFoldResult c(int64_t v) const { return b.getIndexAttr(v); }
  Value value(OpFoldResult x) const {
    return getValueOrCreateConstantIndexOp(b, loc, x);
  }
  OpFoldResult add(OpFoldResult x, OpFoldResult y) const {
    auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    if (cx && cy)
      return c(*cx + *cy);
    if (cy && *cy == 0)
      return x;
    if (cx && *cx == 0)
      return y;
    return arith::AddIOp::create(b, loc, value(x), value(y)).getResult();
  }
  OpFoldResult add(OpFoldResult x, int64_t y) const { return add(x, c(y)); }
  OpFoldResult sub(OpFoldResult x, OpFoldResult y) const {
    auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    if (cx && cy)
      return c(*cx - *cy);
    if (cy && *cy == 0)
      return x;
    return arith::SubIOp::create(b, loc, value(x), value(y)).getResult();
  }
  OpFoldResult mul(OpFoldResult x, OpFoldResult y) const {
    auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    if (cx && cy)
      return c(*cx * *cy);
    if (cy && *cy == 1)
      return x;
    if (cx && *cx == 1)
      return y;
    return arith::MulIOp::create(b, loc, value(x), value(y)).getResult();
  }
  OpFoldResult mul(OpFoldResult x, int64_t y) const { return mul(x, c(y)); }
  OpFoldResult floorDiv(OpFoldResult x, int64_t d) const {
    if (auto cx = getConstantIntValue(x))
      return c(llvm::divideFloorSigned(*cx, d));
    if (d == 1)
      return x;
    return arith::FloorDivSIOp::create(b, loc, value(x), value(c(d)))
        .getResult();
  }
  OpFoldResult ceilDiv(OpFoldResult x, int64_t d) const {
    if (auto cx = getConstantIntValue(x))
      return c(llvm::divideCeilSigned(*cx, d));
    if (d == 1)
      return x;
    return arith::CeilDivSIOp::create(b, loc, value(x), value(c(d)))
        .getResult();
  }
  OpFoldResult max(OpFoldResult x, OpFoldResult y) const {
    auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    if (cx && cy)
      return c(std::max(*cx, *cy));
    return arith::MaxSIOp::create(b, loc, value(x), value(y)).getResult();
  }
  /// `x >= y ? t : f`.
  OpFoldResult selectGe(OpFoldResult x, OpFoldResult y, OpFoldResult t,
                        OpFoldResult f) const {
    auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    if (cx && cy)
      return *cx >= *cy ? t : f;
    Value cond =
        arith::CmpIOp::create(b, loc, CmpIPredicate::sge, value(x), value(y));
    return arith::SelectOp::create(b, loc, cond, value(t), value(f))
        .getResult();
  }

private:
  OpBuilder &b;
  Location loc;
};

bool isZero(OpFoldResult x) {
  std::optional<int64_t> v = getConstantIntValue(x);
  return v && *v == 0;
}

OpFoldResult dimOf(OpBuilder &b, Location loc, Value v, int64_t i) {
  return tensor::getMixedSize(b, loc, v, i);
}

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

/// The product of `sizes` as a float scalar of `type`.
Value countOf(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
              Type type) {
  IndexMath im(b, loc);
  OpFoldResult count = im.c(1);
  for (OpFoldResult size : sizes)
    count = im.mul(count, size);
  if (auto c = getConstantIntValue(count))
    return scalarConstant(b, loc, type, static_cast<double>(*c));
  Value i64 =
      arith::IndexCastOp::create(b, loc, b.getI64Type(), im.value(count));
  return arith::SIToFPOp::create(b, loc, type, i64);
}

/// The lowest value of an element type (-inf for floats), the neutral
/// element of max.
Value lowestOf(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, -std::numeric_limits<double>::infinity()));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt lowest =
      isUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, lowest));
}

using CombineFn =
    std::function<Value(OpBuilder &, Location, Value input, Value acc)>;

/// Reduces `x` over the sorted `dims`, keeping them as size-1 dimensions.
/// The combiner runs inside a linalg.generic over `x`'s dimensions, so it
/// may read linalg.index.
Value reduceKeepDims(OpBuilder &b, Location loc, Value x,
                     ArrayRef<int64_t> dims, Value init,
                     const CombineFn &combine) {
  int64_t rank = rankOf(x);
  MLIRContext *context = b.getContext();
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(dims, i)) {
      sizes.push_back(b.getIndexAttr(1));
      outExprs.push_back(getAffineConstantExpr(0, context));
      iterators.push_back(utils::IteratorType::reduction);
    } else {
      sizes.push_back(dimOf(b, loc, x, i));
      outExprs.push_back(getAffineDimExpr(i, context));
      iterators.push_back(utils::IteratorType::parallel);
    }
  }
  Value acc = filledTensor(b, loc, sizes, init);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, outExprs, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, ValueRange{x}, ValueRange{acc}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, combine(nb, nl, args[0], args[1]));
      });
  return generic.getResult(0);
}

Value addCombine(OpBuilder &b, Location loc, Value x, Value acc) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, acc);
  return arith::AddIOp::create(b, loc, x, acc);
}

/// Converts a tensor to another element type (elementwise).
FailureOr<Value> convertTensor(NodeContext &ctx, Value v, Type to,
                               bool srcUnsigned = false,
                               bool dstUnsigned = false) {
  if (getElementTypeOrSelf(v) == to)
    return v;
  return buildBroadcastElementwise(
      ctx, {v}, to, [&](OpBuilder &b, Location loc, ValueRange args) {
        return castScalar(b, loc, args[0], to, srcUnsigned, dstUnsigned);
      });
}

/// A per-channel 1-D tensor [C] reshaped to [C, 1, ..., 1] so that it
/// broadcasts against [N, C, ...] of rank `rank`. Other shapes are returned
/// as they are.
Value channelParam(OpBuilder &b, Location loc, Value v, int64_t rank) {
  RankedTensorType type = typeOf(v);
  if (type.getRank() != 1 || rank <= 2)
    return v;
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = type.getDimSize(0);
  ReassociationIndices group;
  for (int64_t i = 0; i < rank - 1; ++i)
    group.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v,
      ArrayRef<ReassociationIndices>{group});
}

/// Collapses dims [first, first + count) of `v` into one.
Value collapseDims(OpBuilder &b, Location loc, Value v, int64_t first,
                   int64_t count) {
  SmallVector<ReassociationIndices> groups;
  int64_t rank = rankOf(v);
  for (int64_t i = 0; i < rank;) {
    ReassociationIndices group;
    int64_t n = i == first ? count : 1;
    for (int64_t j = 0; j < n; ++j)
      group.push_back(i + j);
    groups.push_back(group);
    i += n;
  }
  return tensor::CollapseShapeOp::create(b, loc, v, groups);
}

/// Splits dim `dim` of `v` into [outer, size / outer] (outer static).
Value splitDim(OpBuilder &b, Location loc, Value v, int64_t dim,
               int64_t outer) {
  RankedTensorType type = typeOf(v);
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t next = static_cast<int64_t>(shape.size());
    if (i == dim) {
      int64_t size = type.getDimSize(i);
      shape.push_back(outer);
      shape.push_back(ShapedType::isDynamic(size) ? size : size / outer);
      groups.push_back({next, next + 1});
    } else {
      shape.push_back(type.getDimSize(i));
      groups.push_back({next});
    }
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, groups);
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

/// The accumulator dsk.matmul should use for `elementType` (null: its
/// default, f32 for narrow floats).
Type accumulatorFor(Type elementType) {
  if (elementType.isF64() || isa<IntegerType>(elementType))
    return elementType;
  return {};
}

/// dsk.matmul of rank >= 2 operands; the result type follows the verifier.
FailureOr<Value> buildMatmul(NodeContext &ctx, Value lhs, Value rhs, Value bias,
                             bool transposeLhs, bool transposeRhs,
                             Type resultElement, Type acc) {
  ArrayRef<int64_t> a = shapeOf(lhs), bShape = shapeOf(rhs);
  int64_t m = a[a.size() - 2], lhsK = a.back();
  if (transposeLhs)
    std::swap(m, lhsK);
  int64_t rhsK = bShape[bShape.size() - 2], n = bShape.back();
  if (transposeRhs)
    std::swap(rhsK, n);
  if (!ShapedType::isDynamic(lhsK) && !ShapedType::isDynamic(rhsK) &&
      lhsK != rhsK)
    return ctx.emitError() << "contracting dimensions differ: " << lhsK
                           << " vs " << rhsK << " (" << lhs.getType() << ", "
                           << rhs.getType() << ")";
  FailureOr<SmallVector<int64_t>> batch =
      broadcastShapes({a.drop_back(2), bShape.drop_back(2)});
  if (failed(batch))
    return ctx.emitError() << "batch dimensions do not broadcast: "
                           << lhs.getType() << " and " << rhs.getType();
  SmallVector<int64_t> shape = *batch;
  shape.append({m, n});
  if (bias) {
    FailureOr<SmallVector<int64_t>> withBias =
        broadcastShapes({shapeOf(bias), shape});
    if (failed(withBias) || withBias->size() != shape.size())
      return ctx.emitError() << "bias " << bias.getType()
                             << " does not broadcast to the product shape";
  }
  auto type = RankedTensorType::get(shape, resultElement);
  return dsk::MatmulOp::create(ctx.b, ctx.loc, type, lhs, rhs, bias,
                               transposeLhs, transposeRhs,
                               acc ? TypeAttr::get(acc) : TypeAttr())
      .getResult();
}

/// MatMul semantics (NumPy matmul): 1-D operands are promoted to matrices
/// and the added dimension removed from the result.
FailureOr<Value> buildNumpyMatmul(NodeContext &ctx, Value lhs, Value rhs,
                                  Type resultElement, Type acc) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  if (rankOf(lhs) < 1 || rankOf(rhs) < 1)
    return ctx.emitError() << "operands must have rank >= 1";
  bool lhsVector = rankOf(lhs) == 1, rhsVector = rankOf(rhs) == 1;
  if (lhsVector) {
    int64_t k = shapeOf(lhs)[0];
    lhs = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, k}, getElementTypeOrSelf(lhs)), lhs,
        ArrayRef<ReassociationIndices>{{0, 1}});
  }
  if (rhsVector) {
    int64_t k = shapeOf(rhs)[0];
    rhs = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({k, 1}, getElementTypeOrSelf(rhs)), rhs,
        ArrayRef<ReassociationIndices>{{0, 1}});
  }
  FailureOr<Value> product =
      buildMatmul(ctx, lhs, rhs, Value(), false, false, resultElement, acc);
  if (failed(product))
    return failure();
  Value result = *product;
  int64_t rank = rankOf(result);
  if (lhsVector && rhsVector)
    return tensor::CollapseShapeOp::create(b, loc, result,
                                           ArrayRef<ReassociationIndices>{})
        .getResult();
  if (lhsVector || rhsVector)
    return collapseDims(b, loc, result, rank - 2, 2);
  return result;
}

/// A float weight that is the dequantization of a quantized tensor: the
/// quantized tensor, which dsk.matmul takes as its rhs directly (it
/// dequantizes to the f32 accumulator, so only f32 products qualify).
Value quantizedRhs(Value rhs, Type elementType) {
  auto dequantize = rhs.getDefiningOp<dsk::DequantizeOp>();
  if (!dequantize || !elementType.isF32() || rankOf(rhs) < 2)
    return rhs;
  return dequantize.getInput();
}

LogicalResult convertMatMul(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value lhs = ctx.input(0), rhs = ctx.input(1);
  Type elementType = getElementTypeOrSelf(lhs);
  if (getElementTypeOrSelf(rhs) != elementType)
    return ctx.emitError() << "operands must have one element type, got "
                           << lhs.getType() << " and " << rhs.getType();
  if (elementType.isInteger(1) ||
      !(isa<FloatType>(elementType) || isa<IntegerType>(elementType)))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  FailureOr<Value> result =
      buildNumpyMatmul(ctx, lhs, quantizedRhs(rhs, elementType), elementType,
                       accumulatorFor(elementType));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ctx.isUnsigned(0));
  return success();
}

LogicalResult convertGemm(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value a = ctx.input(0), bm = ctx.input(1);
  Value c = ctx.hasInput(2) ? ctx.input(2) : Value();
  Type elementType = getElementTypeOrSelf(a);
  if (getElementTypeOrSelf(bm) != elementType ||
      (c && getElementTypeOrSelf(c) != elementType))
    return ctx.emitError() << "A, B and C must have one element type";
  if (rankOf(a) != 2 || rankOf(bm) != 2)
    return ctx.emitError() << "A and B must be matrices, got " << a.getType()
                           << " and " << bm.getType();
  if (c && rankOf(c) > 2)
    return ctx.emitError() << "C must have rank <= 2, got " << c.getType();
  bool isFloat = isa<FloatType>(elementType);
  if (elementType.isInteger(1) || !(isFloat || isa<IntegerType>(elementType)))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  double alpha = ctx.floatAttr("alpha", 1.0f);
  double beta = ctx.floatAttr("beta", 1.0f);
  bool transA = ctx.intAttr("transA", 0) != 0;
  bool transB = ctx.intAttr("transB", 0) != 0;
  if (!isFloat && (alpha != 1.0 || beta != 1.0))
    return ctx.emitError()
           << "integer Gemm with alpha or beta other than 1 is not supported";
  if (beta == 0.0)
    c = Value();
  Type acc = accumulatorFor(elementType);
  bool fuseBias = c && beta == 1.0 && alpha == 1.0;
  FailureOr<Value> product =
      buildMatmul(ctx, a, quantizedRhs(bm, elementType), fuseBias ? c : Value(),
                  transA, transB, elementType, acc);
  if (failed(product))
    return failure();
  Value result = *product;
  if (!fuseBias && (c || alpha != 1.0)) {
    SmallVector<Value> inputs = {result};
    if (c)
      inputs.push_back(c);
    FailureOr<Value> scaled = buildBroadcastElementwise(
        ctx, inputs, elementType,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          FloatOps f{b, loc, elementType};
          Value v = alpha == 1.0 ? args[0] : f.mul(args[0], f.c(alpha));
          if (args.size() > 1)
            v = f.add(v, beta == 1.0 ? args[1] : f.mul(args[1], f.c(beta)));
          return v;
        });
    if (failed(scaled))
      return failure();
    if (shapeOf(*scaled).size() != 2 ||
        failed(verifyCompatibleShape(shapeOf(*scaled), shapeOf(result))))
      return ctx.emitError()
             << "C " << c.getType() << " does not broadcast to the product "
             << result.getType();
    result = *scaled;
  }
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

/// Where a 1-D zero point (or scale) of several elements applies.
enum class ParamAxis {
  Last,    // per column of a matrix: broadcasts as it is
  Row,     // per row of a matrix: reshaped to [M, 1]
  Leading, // per output channel of a weight [M, ...]: [M, 1, ..., 1]
};

/// A 1-D per-row or per-leading-dim parameter reshaped to broadcast against
/// a tensor of rank `rank`.
Value alignParam(OpBuilder &b, Location loc, Value param, int64_t rank,
                 ParamAxis axis) {
  if (rankOf(param) != 1 || typeOf(param).getNumElements() == 1 ||
      axis == ParamAxis::Last)
    return param;
  int64_t count = axis == ParamAxis::Row ? 2 : rank;
  if (count < 2)
    return param;
  SmallVector<int64_t> shape(count, 1);
  shape[0] = shapeOf(param)[0];
  ReassociationIndices group;
  for (int64_t i = 0; i < count; ++i)
    group.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, getElementTypeOrSelf(param)), param,
      ArrayRef<ReassociationIndices>{group});
}

/// An integer operand of MatMulInteger/ConvInteger/QLinear* minus its zero
/// point, widened to i32.
FailureOr<Value> subtractZeroPoint(NodeContext &ctx, size_t input,
                                   size_t zeroPoint, ParamAxis axis) {
  Value x = ctx.input(input);
  Type i32 = ctx.b.getI32Type();
  bool xUnsigned = ctx.isUnsigned(input);
  Type elementType = getElementTypeOrSelf(x);
  if (!isa<IntegerType>(elementType) || elementType.getIntOrFloatBitWidth() > 8)
    return ctx.emitError() << "input #" << input
                           << " must be an 8-bit integer tensor, got "
                           << x.getType();
  SmallVector<Value> inputs = {x};
  bool zpUnsigned = false;
  if (ctx.hasInput(zeroPoint)) {
    Value zp = ctx.input(zeroPoint);
    zpUnsigned = ctx.isUnsigned(zeroPoint);
    if (getElementTypeOrSelf(zp) != elementType || zpUnsigned != xUnsigned)
      return ctx.emitError() << "zero point #" << zeroPoint
                             << " must have the element type of its input";
    if (rankOf(x) >= 2)
      zp = alignParam(ctx.b, ctx.loc, zp, rankOf(x), axis);
    inputs.push_back(zp);
  }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, inputs, i32, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value v = castScalar(b, loc, args[0], i32, xUnsigned, false);
        if (args.size() > 1)
          v = arith::SubIOp::create(
              b, loc, v, castScalar(b, loc, args[1], i32, zpUnsigned, false));
        return v;
      });
  if (failed(result))
    return failure();
  if (failed(verifyCompatibleShape(shapeOf(*result), shapeOf(x))))
    return ctx.emitError() << "zero point #" << zeroPoint
                           << " does not broadcast to its input "
                           << x.getType();
  return result;
}

LogicalResult convertMatMulInteger(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  FailureOr<Value> a = subtractZeroPoint(ctx, 0, 2, ParamAxis::Row);
  if (failed(a))
    return failure();
  FailureOr<Value> bm = subtractZeroPoint(ctx, 1, 3, ParamAxis::Last);
  if (failed(bm))
    return failure();
  Type i32 = ctx.b.getI32Type();
  FailureOr<Value> result = buildNumpyMatmul(ctx, *a, *bm, i32, i32);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Windows: convolution and pooling geometry
//===----------------------------------------------------------------------===//

/// The geometry of a sliding window over the spatial dims of [N, C, ...].
struct Window {
  SmallVector<int64_t> kernel, strides, dilations;
  /// Pads before and after (the latter with the extra that ceil_mode
  /// needs), and after without that extra.
  SmallVector<OpFoldResult> padLow, padHigh, padHighExplicit;
  SmallVector<OpFoldResult> in, out;
};

FailureOr<SmallVector<int64_t>> spatialInts(NodeContext &ctx, StringRef name,
                                            size_t count, int64_t fill,
                                            int64_t minValue) {
  SmallVector<int64_t> values = ctx.intsAttr(name);
  if (values.empty())
    values.assign(count, fill);
  if (values.size() != count)
    return ctx.emitError() << "'" << name << "' must have " << count
                           << " values, got " << values.size(),
           failure();
  for (int64_t v : values)
    if (v < minValue)
      return ctx.emitError()
                 << "'" << name << "' values must be >= " << minValue
                 << ", got " << v,
             failure();
  return values;
}

FailureOr<Window> computeWindow(NodeContext &ctx, Value x,
                                ArrayRef<int64_t> kernel, bool ceilMode) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  IndexMath im(b, loc);
  size_t rank = kernel.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  for (int64_t k : kernel)
    if (k <= 0)
      return ctx.emitError() << "kernel sizes must be positive", failure();
  FailureOr<SmallVector<int64_t>> strides =
      spatialInts(ctx, "strides", rank, 1, 1);
  FailureOr<SmallVector<int64_t>> dilations =
      spatialInts(ctx, "dilations", rank, 1, 1);
  FailureOr<SmallVector<int64_t>> pads =
      spatialInts(ctx, "pads", 2 * rank, 0, 0);
  if (failed(strides) || failed(dilations) || failed(pads))
    return failure();
  w.strides = *strides;
  w.dilations = *dilations;
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && autoPad != "VALID")
    return ctx.emitError() << "unknown auto_pad '" << autoPad << "'", failure();
  for (size_t i = 0; i < rank; ++i) {
    OpFoldResult in = dimOf(b, loc, x, 2 + i);
    int64_t s = w.strides[i];
    int64_t span = (w.kernel[i] - 1) * w.dilations[i] + 1;
    OpFoldResult pb, pe, out;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out = im.ceilDiv(in, s);
      OpFoldResult total =
          im.max(im.c(0), im.sub(im.add(im.mul(im.add(out, -1), s), span), in));
      OpFoldResult half = im.floorDiv(total, 2);
      pb = autoPad == "SAME_UPPER" ? half : im.sub(total, half);
      pe = im.sub(total, pb);
    } else {
      bool valid = autoPad == "VALID";
      pb = im.c(valid ? 0 : (*pads)[i]);
      pe = im.c(valid ? 0 : (*pads)[rank + i]);
      OpFoldResult room = im.add(im.add(im.add(in, pb), pe), -span);
      if (auto r = getConstantIntValue(room); r && *r < 0)
        return ctx.emitError()
                   << "the window (" << span << ") is larger than the padded "
                   << "input (" << *r + span << ") along spatial dim " << i,
               failure();
      if (ceilMode) {
        out = im.add(im.ceilDiv(room, s), 1);
        // A last window that would start in the end padding is dropped.
        OpFoldResult lastStart = im.mul(im.add(out, -1), s);
        out = im.selectGe(lastStart, im.add(in, pb), im.add(out, -1), out);
      } else {
        out = im.add(im.floorDiv(room, s), 1);
      }
    }
    OpFoldResult high = pe;
    if (ceilMode) {
      OpFoldResult needed = im.add(im.mul(im.add(out, -1), s), span);
      OpFoldResult have = im.add(im.add(in, pb), pe);
      high = im.add(pe, im.max(im.c(0), im.sub(needed, have)));
    }
    w.in.push_back(in);
    w.out.push_back(out);
    w.padLow.push_back(pb);
    w.padHigh.push_back(high);
    w.padHighExplicit.push_back(pe);
  }
  return w;
}

/// Pads the spatial dims of [N, C, ...] with `padValue`.
Value padSpatial(OpBuilder &b, Location loc, Value x,
                 ArrayRef<OpFoldResult> low, ArrayRef<OpFoldResult> high,
                 Value padValue) {
  if (llvm::all_of(low, isZero) && llvm::all_of(high, isZero))
    return x;
  IndexMath im(b, loc);
  SmallVector<OpFoldResult> fullLow = {im.c(0), im.c(0)};
  SmallVector<OpFoldResult> fullHigh = {im.c(0), im.c(0)};
  fullLow.append(low.begin(), low.end());
  fullHigh.append(high.begin(), high.end());
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(shapeOf(x))) {
    auto l = getConstantIntValue(fullLow[i]);
    auto h = getConstantIntValue(fullHigh[i]);
    shape.push_back(ShapedType::isDynamic(dim) || !l || !h
                        ? ShapedType::kDynamic
                        : dim + *l + *h);
  }
  auto type = RankedTensorType::get(shape, getElementTypeOrSelf(x));
  return tensor::PadOp::create(b, loc, type, x, fullLow, fullHigh, padValue);
}

/// `values` as the i64 tensor attribute of linalg's strides and dilations.
DenseIntElementsAttr i64Elements(OpBuilder &b, ArrayRef<int64_t> values) {
  return DenseIntElementsAttr::get(
      RankedTensorType::get({static_cast<int64_t>(values.size())},
                            b.getI64Type()),
      values);
}

/// A pooling linalg.generic: out[n, c, o...] = combine over k... of
/// xp[n, c, o*s + k*d]. `init` is the filled [N, C, O...] output.
Value buildPool(OpBuilder &b, Location loc, Value xp, const Window &w,
                Value init, const CombineFn &combine) {
  MLIRContext *context = b.getContext();
  int64_t r = w.kernel.size();
  int64_t loops = 2 + 2 * r;
  SmallVector<AffineExpr> xExprs = {getAffineDimExpr(0, context),
                                    getAffineDimExpr(1, context)};
  SmallVector<AffineExpr> kExprs, outExprs = xExprs;
  for (int64_t i = 0; i < r; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, context);
    AffineExpr k = getAffineDimExpr(2 + r + i, context);
    xExprs.push_back(o * w.strides[i] + k * w.dilations[i]);
    kExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<OpFoldResult> kernelSizes = llvm::map_to_vector(
      w.kernel, [&](int64_t k) -> OpFoldResult { return b.getIndexAttr(k); });
  Value window = emptyTensor(b, loc, kernelSizes, getElementTypeOrSelf(xp));
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xExprs, context),
                                 AffineMap::get(loops, 0, kExprs, context),
                                 AffineMap::get(loops, 0, outExprs, context)};
  SmallVector<utils::IteratorType> iterators(2 + r,
                                             utils::IteratorType::parallel);
  iterators.append(r, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{xp, window},
      ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, combine(nb, nl, args[0], args[2]));
      });
  return generic.getResult(0);
}

SmallVector<OpFoldResult> poolOutputSizes(OpBuilder &b, Location loc, Value x,
                                          const Window &w) {
  SmallVector<OpFoldResult> sizes = {dimOf(b, loc, x, 0), dimOf(b, loc, x, 1)};
  sizes.append(w.out.begin(), w.out.end());
  return sizes;
}

enum class PoolKind { Max, Average, Lp };

/// The `p` of an Lp pool (LpPool, GlobalLpPool: a float before opset 2, an
/// int from it), which must be positive; 2 for the other pools.
FailureOr<double> poolExponent(NodeContext &ctx, PoolKind kind) {
  if (kind != PoolKind::Lp)
    return 2.0;
  double p = ctx.opset < 2 ? ctx.floatAttr("p", 2.0f)
                           : static_cast<double>(ctx.intAttr("p", 2));
  if (!(p > 0))
    return ctx.emitError() << "p must be positive", failure();
  return p;
}

/// One input element `in` of a pool window combined into `acc`: the
/// maximum, the sum, or the sum of |in|^p.
Value combinePool(OpBuilder &b, Location loc, Type type, PoolKind kind,
                  double p, bool isUnsigned, Value in, Value acc) {
  if (!isa<FloatType>(type)) {
    // Only max pools take integers.
    if (isUnsigned)
      return arith::MaxUIOp::create(b, loc, in, acc);
    return arith::MaxSIOp::create(b, loc, in, acc);
  }
  FloatOps f{b, loc, type};
  switch (kind) {
  case PoolKind::Max:
    return f.max(in, acc);
  case PoolKind::Average:
    return f.add(in, acc);
  case PoolKind::Lp: {
    Value term = f.abs(in);
    if (p == 2.0)
      term = f.mul(term, term);
    else if (p != 1.0)
      term = math::PowFOp::create(b, loc, term, f.c(p));
    return f.add(term, acc);
  }
  }
  llvm_unreachable("unknown pool kind");
}

/// A 2-D f32 max or sum pool as linalg's named op, which the pooling
/// kernels of the kernel table take; none for other pools (a generic).
std::optional<Value> buildNamedPool(OpBuilder &b, Location loc, Value xp,
                                    const Window &w, Value init,
                                    PoolKind kind) {
  if (rankOf(xp) != 4 || !getElementTypeOrSelf(xp).isF32() ||
      kind == PoolKind::Lp)
    return std::nullopt;
  SmallVector<OpFoldResult> kernelSizes = llvm::map_to_vector(
      w.kernel, [&](int64_t k) -> OpFoldResult { return b.getIndexAttr(k); });
  Value window = emptyTensor(b, loc, kernelSizes, b.getF32Type());
  auto strides = i64Elements(b, w.strides);
  auto dilations = i64Elements(b, w.dilations);
  if (kind == PoolKind::Max)
    return linalg::PoolingNchwMaxOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{xp, window},
               ValueRange{init}, strides, dilations)
        .getResult(0);
  return linalg::PoolingNchwSumOp::create(b, loc, TypeRange{init.getType()},
                                          ValueRange{xp, window},
                                          ValueRange{init}, strides, dilations)
      .getResult(0);
}

LogicalResult convertPool(NodeContext &ctx, PoolKind kind) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  Type type = getElementTypeOrSelf(x);
  bool isUnsigned = ctx.isUnsigned(0);
  bool isFloat = isa<FloatType>(type);
  if (!isFloat && (kind != PoolKind::Max || type.isInteger(1)))
    return ctx.emitError() << "element type " << type << " is not supported";
  if (rankOf(x) < 3)
    return ctx.emitError() << "input must have rank >= 3 ([N, C, ...]), got "
                           << x.getType();
  if (kind == PoolKind::Max && ctx.hasOutput(1))
    return ctx.emitError() << "the Indices output is not supported";
  SmallVector<int64_t> kernel = ctx.intsAttr("kernel_shape");
  if (kernel.size() != static_cast<size_t>(rankOf(x) - 2))
    return ctx.emitError() << "kernel_shape must have one size per spatial "
                              "dimension ("
                           << rankOf(x) - 2 << ")";
  bool ceilMode = ctx.intAttr("ceil_mode", 0) != 0;
  FailureOr<Window> w = computeWindow(ctx, x, kernel, ceilMode);
  if (failed(w))
    return failure();

  FailureOr<double> exponent = poolExponent(ctx, kind);
  if (failed(exponent))
    return failure();
  double p = *exponent;
  Value init = kind == PoolKind::Max ? lowestOf(b, loc, type, isUnsigned)
                                     : scalarConstant(b, loc, type, 0.0);
  Value xp = padSpatial(b, loc, x, w->padLow, w->padHigh, init);
  SmallVector<OpFoldResult> outSizes = poolOutputSizes(b, loc, x, *w);
  Value acc = filledTensor(b, loc, outSizes, init);
  std::optional<Value> named = buildNamedPool(b, loc, xp, *w, acc, kind);
  Value pooled =
      named ? *named
            : buildPool(b, loc, xp, *w, acc,
                        [&](OpBuilder &nb, Location nl, Value in, Value a) {
                          return combinePool(nb, nl, type, kind, p, isUnsigned,
                                             in, a);
                        });

  Value result = pooled;
  if (kind == PoolKind::Lp) {
    FailureOr<Value> root = buildBroadcastElementwise(
        ctx, {pooled}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
          FloatOps f{nb, nl, type};
          if (p == 1.0)
            return args[0];
          if (p == 2.0)
            return f.sqrt(args[0]);
          return math::PowFOp::create(nb, nl, args[0], f.c(1.0 / p))
              .getResult();
        });
    if (failed(root))
      return failure();
    result = *root;
  } else if (kind == PoolKind::Average) {
    bool countPad = ctx.intAttr("count_include_pad", 0) != 0;
    bool noPadding =
        llvm::all_of(w->padLow, isZero) && llvm::all_of(w->padHigh, isZero);
    int64_t r = w->kernel.size();
    if (noPadding) {
      int64_t count = 1;
      for (int64_t k : w->kernel)
        count *= k;
      FailureOr<Value> avg = buildBroadcastElementwise(
          ctx, {pooled}, type,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            FloatOps f{nb, nl, type};
            return f.div(args[0], f.c(static_cast<double>(count)));
          });
      if (failed(avg))
        return failure();
      result = *avg;
    } else {
      // The divisor at each output position: the number of window taps
      // inside [lo, hi) in padded coordinates, where [lo, hi) is the input
      // (count_include_pad = 0) or the input with its explicit pads.
      IndexMath im(b, loc);
      SmallVector<Value> lo, hi;
      for (int64_t i = 0; i < r; ++i) {
        OpFoldResult l = countPad ? im.c(0) : w->padLow[i];
        OpFoldResult h = countPad ? im.add(im.add(w->in[i], w->padLow[i]),
                                           w->padHighExplicit[i])
                                  : im.add(w->in[i], w->padLow[i]);
        lo.push_back(im.value(l));
        hi.push_back(im.value(h));
      }
      FailureOr<Value> avg = buildBroadcastElementwise(
          ctx, {pooled}, type,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            IndexMath bm(nb, nl);
            OpFoldResult count = bm.c(1);
            for (int64_t i = 0; i < r; ++i) {
              Value o = linalg::IndexOp::create(nb, nl, 2 + i);
              OpFoldResult start = bm.mul(o, w->strides[i]);
              int64_t d = w->dilations[i];
              // Taps k in [0, K) with lo <= start + k*d < hi.
              OpFoldResult first =
                  bm.max(bm.c(0), bm.ceilDiv(bm.sub(lo[i], start), d));
              OpFoldResult last = bm.ceilDiv(bm.sub(hi[i], start), d);
              Value lastV = arith::MinSIOp::create(
                  nb, nl, bm.value(last), bm.value(bm.c(w->kernel[i])));
              OpFoldResult taps = bm.max(bm.c(0), bm.sub(lastV, first));
              count = bm.mul(count, taps);
            }
            Value i64 = arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                                   bm.value(count));
            Value divisor = arith::SIToFPOp::create(nb, nl, type, i64);
            return arith::DivFOp::create(nb, nl, args[0], divisor).getResult();
          });
      if (failed(avg))
        return failure();
      result = *avg;
    }
  }
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

LogicalResult convertGlobalPool(NodeContext &ctx, PoolKind kind) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  Type type = getElementTypeOrSelf(x);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  if (rankOf(x) < 2)
    return ctx.emitError() << "input must have rank >= 2, got " << x.getType();
  SmallVector<int64_t> dims;
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 2; i < rankOf(x); ++i) {
    dims.push_back(i);
    sizes.push_back(dimOf(b, loc, x, i));
  }
  FailureOr<double> exponent = poolExponent(ctx, kind);
  if (failed(exponent))
    return failure();
  double p = *exponent;
  Value init = kind == PoolKind::Max ? lowestOf(b, loc, type, false)
                                     : scalarConstant(b, loc, type, 0.0);
  Value reduced =
      reduceKeepDims(b, loc, x, dims, init,
                     [&](OpBuilder &nb, Location nl, Value in, Value acc) {
                       return combinePool(nb, nl, type, kind, p,
                                          /*isUnsigned=*/false, in, acc);
                     });
  Value result = reduced;
  if (kind != PoolKind::Max) {
    Value count = countOf(b, loc, sizes, type);
    FailureOr<Value> finished = buildBroadcastElementwise(
        ctx, {reduced}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
          FloatOps f{nb, nl, type};
          if (kind == PoolKind::Average)
            return f.div(args[0], count);
          if (p == 1.0)
            return args[0];
          if (p == 2.0)
            return f.sqrt(args[0]);
          return math::PowFOp::create(nb, nl, args[0], f.c(1.0 / p))
              .getResult();
        });
    if (failed(finished))
      return failure();
    result = *finished;
  }
  ctx.setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// out[n, m, o...] = bias[m], or zeros without a bias.
Value convInit(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
               Type type, Value bias) {
  if (!bias)
    return filledTensor(b, loc, sizes, scalarConstant(b, loc, type, 0.0));
  MLIRContext *context = b.getContext();
  int64_t rank = sizes.size();
  Value empty = emptyTensor(b, loc, sizes, type);
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, {getAffineDimExpr(1, context)}, context),
      b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{empty.getType()}, ValueRange{bias},
             ValueRange{empty}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nl, castScalar(nb, nl, args[0], type, false, false));
             })
      .getResult(0);
}

/// A grouped convolution as a linalg.generic over
/// xe [N, G, Cg, P...], we and init [N, G, Mg, O...]:
///   out[n, g, f, o...] += xe[n, g, c, o*s + k*d + offset] * w(g, f, c, k)
/// where w reads we [G, Mg, Cg, K...] (forward) or we [G, Cg, Mg, K...] with
/// the kernel flipped (transposed convolution).
Value buildGroupedConv(OpBuilder &b, Location loc, Value xe, Value we,
                       Value init, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> dilations, ArrayRef<int64_t> offsets,
                       ArrayRef<int64_t> kernel, bool transposed) {
  MLIRContext *context = b.getContext();
  int64_t r = kernel.size();
  int64_t loops = 4 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, context); };
  AffineExpr n = d(0), g = d(1), f = d(2), c = d(3 + r);
  SmallVector<AffineExpr> xExprs = {n, g, c}, wExprs, outExprs = {n, g, f};
  wExprs = transposed ? SmallVector<AffineExpr>{g, c, f}
                      : SmallVector<AffineExpr>{g, f, c};
  for (int64_t i = 0; i < r; ++i) {
    AffineExpr o = d(3 + i), k = d(4 + r + i);
    xExprs.push_back(o * strides[i] + k * dilations[i] + offsets[i]);
    wExprs.push_back(transposed ? (kernel[i] - 1) - k : k);
    outExprs.push_back(o);
  }
  SmallVector<Value> inputs = {xe, we};
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xExprs, context),
                                 AffineMap::get(loops, 0, wExprs, context)};
  if (transposed) {
    // The flipped kernel reads do not give the window's extent; a
    // shape-only window operand does (as in the named pooling ops).
    SmallVector<AffineExpr> kExprs;
    SmallVector<OpFoldResult> kSizes;
    for (int64_t i = 0; i < r; ++i) {
      kExprs.push_back(d(4 + r + i));
      kSizes.push_back(b.getIndexAttr(kernel[i]));
    }
    inputs.push_back(emptyTensor(b, loc, kSizes, getElementTypeOrSelf(xe)));
    maps.push_back(AffineMap::get(loops, 0, kExprs, context));
  }
  maps.push_back(AffineMap::get(loops, 0, outExprs, context));
  SmallVector<utils::IteratorType> iterators(3 + r,
                                             utils::IteratorType::parallel);
  iterators.append(1 + r, utils::IteratorType::reduction);
  Type type = getElementTypeOrSelf(init);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value acc = args.back();
               Value product;
               if (isa<FloatType>(type)) {
                 FloatOps fo{nb, nl, type};
                 product = fo.add(acc, fo.mul(fo.cast(args[0], type),
                                              fo.cast(args[1], type)));
               } else {
                 product = arith::AddIOp::create(
                     nb, nl, acc,
                     arith::MulIOp::create(nb, nl, args[0], args[1]));
               }
               linalg::YieldOp::create(nb, nl, product);
             })
      .getResult(0);
}

/// The static kernel of a weight [*, *, K...], checked against kernel_shape.
FailureOr<SmallVector<int64_t>> convKernel(NodeContext &ctx, Value w) {
  SmallVector<int64_t> kernel(shapeOf(w).drop_front(2));
  SmallVector<int64_t> attr = ctx.intsAttr("kernel_shape");
  if (!attr.empty()) {
    if (attr.size() != kernel.size())
      return ctx.emitError()
                 << "kernel_shape has " << attr.size() << " sizes for "
                 << kernel.size() << " spatial dimensions",
             failure();
    for (auto [i, k] : llvm::enumerate(kernel)) {
      if (!ShapedType::isDynamic(k) && k != attr[i])
        return ctx.emitError() << "kernel_shape " << attr[i]
                               << " differs from the weight's " << k,
               failure();
      k = attr[i];
    }
  }
  for (int64_t k : kernel)
    if (ShapedType::isDynamic(k))
      return ctx.emitError()
                 << "the kernel's spatial sizes must be known at import time",
             failure();
  return kernel;
}

/// Checks the bias [M] of a convolution.
LogicalResult checkConvBias(NodeContext &ctx, Value bias, int64_t m) {
  if (rankOf(bias) != 1 ||
      (!ShapedType::isDynamic(m) && !typeOf(bias).isDynamicDim(0) &&
       shapeOf(bias)[0] != m))
    return ctx.emitError() << "bias must have shape [" << m << "], got "
                           << bias.getType();
  return success();
}

/// A grouped 2-D f32 convolution with a constant filter as one
/// linalg.conv_2d_nchw_fchw per group, each on its channels of the (padded)
/// input `xp`, accumulating into its channels of `init`, so that every
/// group gets the convolution kernels. None when the groups are too narrow
/// for those kernels to pay (linalg's grouped convolution, without a kernel,
/// does as well) or the shapes are not static.
std::optional<Value> buildConvPerGroup(OpBuilder &b, Location loc, Value xp,
                                       Value w, Value init, int64_t group,
                                       const Window &win) {
  DenseElementsAttr filter;
  auto xType = dyn_cast<RankedTensorType>(xp.getType());
  auto wType = dyn_cast<RankedTensorType>(w.getType());
  auto initType = dyn_cast<RankedTensorType>(init.getType());
  if (!xType || !wType || !initType || !xType.hasStaticShape() ||
      !initType.hasStaticShape() || xType.getRank() != 4 ||
      !wType.getElementType().isF32() || !initType.getElementType().isF32() ||
      !matchPattern(w, m_Constant(&filter)))
    return std::nullopt;
  ArrayRef<int64_t> shape = wType.getShape();
  int64_t filters = shape[0] / group, channels = shape[1];
  // Narrow groups (ResNeXt's 4 channels) fill the kernels' vectors of
  // output channels and their K loop too little.
  constexpr int64_t kMinFiltersPerGroup = 8, kMinPatchRowsPerGroup = 32;
  if (filters < kMinFiltersPerGroup ||
      channels * shape[2] * shape[3] < kMinPatchRowsPerGroup)
    return std::nullopt;
  SmallVector<float> values = llvm::to_vector(filter.getValues<float>());
  int64_t perGroup = filters * channels * shape[2] * shape[3];
  auto groupFilterType = RankedTensorType::get(
      {filters, channels, shape[2], shape[3]}, b.getF32Type());
  ArrayRef<int64_t> inShape = xType.getShape();
  ArrayRef<int64_t> outShape = initType.getShape();
  SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
  Value result = init;
  for (int64_t g = 0; g < group; ++g) {
    Value groupFilter = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(groupFilterType,
                               ArrayRef(values).slice(g * perGroup, perGroup)));
    Value groupInput = tensor::ExtractSliceOp::create(
        b, loc, xp,
        getAsIndexOpFoldResult(b.getContext(), {0, g * channels, 0, 0}),
        getAsIndexOpFoldResult(b.getContext(),
                               {inShape[0], channels, inShape[2], inShape[3]}),
        unit);
    SmallVector<OpFoldResult> outOffsets =
        getAsIndexOpFoldResult(b.getContext(), {0, g * filters, 0, 0});
    SmallVector<OpFoldResult> outSizes = getAsIndexOpFoldResult(
        b.getContext(), {outShape[0], filters, outShape[2], outShape[3]});
    Value groupInit = tensor::ExtractSliceOp::create(b, loc, result, outOffsets,
                                                     outSizes, unit);
    Value conv = linalg::Conv2DNchwFchwOp::create(
                     b, loc, TypeRange{groupInit.getType()},
                     ValueRange{groupInput, groupFilter}, ValueRange{groupInit},
                     i64Elements(b, win.strides), i64Elements(b, win.dilations))
                     .getResult(0);
    result = tensor::InsertSliceOp::create(b, loc, conv, result, outOffsets,
                                           outSizes, unit);
  }
  return result;
}

/// A convolution of x [N, C, ...] with w [M, C/group, K...] plus an
/// optional bias [M], all of one element type (float, or i32 for the
/// integer forms).
FailureOr<Value> buildConv(NodeContext &ctx, Value x, Value w, Value bias) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type type = getElementTypeOrSelf(x);
  if (getElementTypeOrSelf(w) != type ||
      (bias && getElementTypeOrSelf(bias) != type))
    return ctx.emitError() << "X, W and B must have one element type";
  int64_t rank = rankOf(x);
  if (rank < 3 || rankOf(w) != rank)
    return ctx.emitError() << "X and W must have the same rank >= 3, got "
                           << x.getType() << " and " << w.getType();
  int64_t r = rank - 2;
  int64_t group = ctx.intAttr("group", 1);
  if (group < 1)
    return ctx.emitError() << "group must be positive";
  int64_t c = shapeOf(x)[1], m = shapeOf(w)[0], cg = shapeOf(w)[1];
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(cg) &&
      c != cg * group)
    return ctx.emitError() << "X has " << c << " channels but W expects " << cg
                           << " x " << group << " groups";
  if (!ShapedType::isDynamic(m) && m % group != 0)
    return ctx.emitError() << "W's " << m
                           << " output channels do not divide into " << group
                           << " groups";
  if (bias && failed(checkConvBias(ctx, bias, m)))
    return failure();
  FailureOr<SmallVector<int64_t>> kernel = convKernel(ctx, w);
  if (failed(kernel))
    return failure();
  FailureOr<Window> win = computeWindow(ctx, x, *kernel, false);
  if (failed(win))
    return failure();
  Value zero = scalarConstant(b, loc, type, 0.0);
  Value xp = padSpatial(b, loc, x, win->padLow, win->padHigh, zero);
  SmallVector<OpFoldResult> outSizes = {dimOf(b, loc, x, 0),
                                        dimOf(b, loc, w, 0)};
  outSizes.append(win->out.begin(), win->out.end());
  // Narrow floats accumulate in f32, as dsk.matmul does (and other runtimes
  // do): f16 sums over a window lose several ulps.
  Type acc = type;
  if (isa<FloatType>(type) && type.getIntOrFloatBitWidth() < 32)
    acc = b.getF32Type();
  Value init = convInit(b, loc, outSizes, acc, bias);
  Value result;
  if (group == 1 && r <= 3) {
    SmallVector<Type> resultTypes = {init.getType()};
    SmallVector<Value> inputs = {xp, w}, outputs = {init};
    Attribute strides = i64Elements(b, win->strides);
    Attribute dilations = i64Elements(b, win->dilations);
    if (r == 1)
      result = linalg::Conv1DNcwFcwOp::create(b, loc, resultTypes, inputs,
                                              outputs, strides, dilations)
                   .getResult(0);
    else if (r == 2)
      result = linalg::Conv2DNchwFchwOp::create(b, loc, resultTypes, inputs,
                                                outputs, strides, dilations)
                   .getResult(0);
    else
      result = linalg::Conv3DNcdhwFcdhwOp::create(b, loc, resultTypes, inputs,
                                                  outputs, strides, dilations)
                   .getResult(0);
  } else if (r == 2 && type.isF32() && cg == 1 && m == group) {
    // Depthwise (one filter per channel): the named op, which kernel
    // selection recognizes; the filter [C, 1, KH, KW] drops its unit dim.
    Value filter = tensor::CollapseShapeOp::create(
        b, loc, w, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    result = linalg::DepthwiseConv2DNchwChwOp::create(
                 b, loc, TypeRange{init.getType()}, ValueRange{xp, filter},
                 ValueRange{init}, i64Elements(b, win->strides),
                 i64Elements(b, win->dilations))
                 .getResult(0);
  } else if (std::optional<Value> perGroup =
                 r == 2 ? buildConvPerGroup(b, loc, xp, w, init, group, *win)
                        : std::nullopt) {
    result = *perGroup;
  } else {
    Value xe = splitDim(b, loc, xp, 1, group);
    Value we = splitDim(b, loc, w, 0, group);
    Value ie = splitDim(b, loc, init, 1, group);
    Value out;
    // 2-D f32: linalg's named grouped convolution (the same loops), which
    // kernel selection reports; other ranks and types: the generic.
    if (r == 2 && type.isF32())
      out = linalg::Conv2DNgchwGfchwOp::create(
                b, loc, TypeRange{ie.getType()}, ValueRange{xe, we},
                ValueRange{ie}, i64Elements(b, win->strides),
                i64Elements(b, win->dilations))
                .getResult(0);
    else
      out = buildGroupedConv(b, loc, xe, we, ie, win->strides, win->dilations,
                             SmallVector<int64_t>(r, 0), *kernel, false);
    result = collapseDims(b, loc, out, 1, 2);
  }
  if (acc == type)
    return result;
  return buildBroadcastElementwise(
      ctx, {result}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        return castScalar(nb, nl, args[0], type, false, false);
      });
}

LogicalResult convertConv(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  FailureOr<Value> result =
      buildConv(ctx, x, ctx.input(1), ctx.hasInput(2) ? ctx.input(2) : Value());
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertConvInteger(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  FailureOr<Value> x = subtractZeroPoint(ctx, 0, 2, ParamAxis::Last);
  if (failed(x))
    return failure();
  FailureOr<Value> w = subtractZeroPoint(ctx, 1, 3, ParamAxis::Leading);
  if (failed(w))
    return failure();
  FailureOr<Value> result = buildConv(ctx, *x, *w, Value());
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertConvTranspose(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0), w = ctx.input(1);
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  Type type = getElementTypeOrSelf(x);
  if (getElementTypeOrSelf(w) != type ||
      (bias && getElementTypeOrSelf(bias) != type))
    return ctx.emitError() << "X, W and B must have one element type";
  int64_t rank = rankOf(x);
  if (rank < 3 || rankOf(w) != rank)
    return ctx.emitError() << "X and W must have the same rank >= 3, got "
                           << x.getType() << " and " << w.getType();
  int64_t r = rank - 2;
  int64_t group = ctx.intAttr("group", 1);
  if (group < 1)
    return ctx.emitError() << "group must be positive";
  int64_t c = shapeOf(x)[1], wc = shapeOf(w)[0], mg = shapeOf(w)[1];
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(wc) && c != wc)
    return ctx.emitError() << "X has " << c << " channels but W has " << wc;
  if (ShapedType::isDynamic(wc) || ShapedType::isDynamic(mg))
    return ctx.emitError()
           << "W's channel dimensions must be known at import time";
  if (wc % group != 0)
    return ctx.emitError() << "W's " << wc << " input channels do not divide "
                           << "into " << group << " groups";
  int64_t m = mg * group;
  if (bias && failed(checkConvBias(ctx, bias, m)))
    return failure();
  for (int64_t i = 0; i < r; ++i)
    if (ShapedType::isDynamic(shapeOf(x)[2 + i]))
      return ctx.emitError() << "dynamic spatial dimensions are not "
                                "supported for ConvTranspose";
  FailureOr<SmallVector<int64_t>> kernel = convKernel(ctx, w);
  if (failed(kernel))
    return failure();
  FailureOr<SmallVector<int64_t>> strides =
      spatialInts(ctx, "strides", r, 1, 1);
  FailureOr<SmallVector<int64_t>> dilations =
      spatialInts(ctx, "dilations", r, 1, 1);
  FailureOr<SmallVector<int64_t>> pads = spatialInts(ctx, "pads", 2 * r, 0, 0);
  FailureOr<SmallVector<int64_t>> outputPadding =
      spatialInts(ctx, "output_padding", r, 0, 0);
  if (failed(strides) || failed(dilations) || failed(pads) ||
      failed(outputPadding))
    return failure();
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && autoPad != "VALID")
    return ctx.emitError() << "unknown auto_pad '" << autoPad << "'";
  SmallVector<int64_t> outputShape = ctx.intsAttr("output_shape");
  if (!outputShape.empty()) {
    // Either the spatial sizes or the full [N, M, ...] shape.
    if (outputShape.size() == static_cast<size_t>(rank))
      outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
    if (outputShape.size() != static_cast<size_t>(r))
      return ctx.emitError() << "output_shape must have " << r << " sizes";
  }
  SmallVector<int64_t> pb(r), pe(r), out(r), lowP(r), highP(r), crop(r);
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = shapeOf(x)[2 + i], s = (*strides)[i];
    int64_t span = ((*kernel)[i] - 1) * (*dilations)[i] + 1;
    int64_t full = s * (in - 1) + (*outputPadding)[i] + span;
    if (!outputShape.empty() || autoPad == "SAME_UPPER" ||
        autoPad == "SAME_LOWER") {
      int64_t target = outputShape.empty() ? in * s : outputShape[i];
      // A negative total pads the end of the output (with the bias).
      int64_t total = full - target;
      int64_t half = llvm::divideFloorSigned(total, 2);
      if (autoPad == "SAME_UPPER") {
        pb[i] = half;
        pe[i] = total - half;
      } else {
        pb[i] = total - half;
        pe[i] = half;
      }
    } else if (autoPad == "NOTSET") {
      pb[i] = (*pads)[i];
      pe[i] = (*pads)[r + i];
    }
    out[i] = full - pb[i] - pe[i];
    if (out[i] <= 0)
      return ctx.emitError()
             << "the output would be empty along spatial dim " << i;
    int64_t low = span - 1 - pb[i];
    int64_t high = span - 1 - pe[i] + (*outputPadding)[i];
    lowP[i] = std::max<int64_t>(0, low);
    highP[i] = std::max<int64_t>(0, high);
    crop[i] = std::max<int64_t>(0, -low);
  }
  // Spread the input by the strides into a zero tensor with the padding.
  SmallVector<OpFoldResult> zSizes = {dimOf(b, loc, x, 0), dimOf(b, loc, x, 1)};
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sliceStrides = {b.getIndexAttr(1),
                                            b.getIndexAttr(1)};
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = shapeOf(x)[2 + i];
    zSizes.push_back(
        b.getIndexAttr((in - 1) * (*strides)[i] + 1 + lowP[i] + highP[i]));
    offsets.push_back(b.getIndexAttr(lowP[i]));
    sliceStrides.push_back(b.getIndexAttr((*strides)[i]));
  }
  Value zero = scalarConstant(b, loc, type, 0.0);
  Value z = filledTensor(b, loc, zSizes, zero);
  z = tensor::InsertSliceOp::create(b, loc, x, z, offsets, sizesOf(b, loc, x),
                                    sliceStrides);
  SmallVector<OpFoldResult> outSizes = {dimOf(b, loc, x, 0), b.getIndexAttr(m)};
  for (int64_t o : out)
    outSizes.push_back(b.getIndexAttr(o));
  Value init = convInit(b, loc, outSizes, type, bias);
  Value ze = splitDim(b, loc, z, 1, group);
  Value we = splitDim(b, loc, w, 0, group);
  Value ie = splitDim(b, loc, init, 1, group);
  SmallVector<int64_t> ones(r, 1);
  Value result = buildGroupedConv(b, loc, ze, we, ie, ones, *dilations, crop,
                                  *kernel, /*transposed=*/true);
  ctx.setOutput(0, collapseDims(b, loc, result, 1, 2));
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

struct Moments {
  Value centered; // x - mean
  Value mean, variance;
};

/// Mean and (biased) variance of `x` over `dims`, kept as size-1 dims.
FailureOr<Moments> moments(NodeContext &ctx, Value x, ArrayRef<int64_t> dims) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type type = getElementTypeOrSelf(x);
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : dims)
    sizes.push_back(dimOf(b, loc, x, d));
  Value count = countOf(b, loc, sizes, type);
  Value zero = scalarConstant(b, loc, type, 0.0);
  Value sum = reduceKeepDims(b, loc, x, dims, zero, addCombine);
  FailureOr<Value> mean = buildBroadcastElementwise(
      ctx, {sum}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        return FloatOps{nb, nl, type}.div(args[0], count);
      });
  if (failed(mean))
    return failure();
  FailureOr<Value> centered = buildBroadcastElementwise(
      ctx, {x, *mean}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        return FloatOps{nb, nl, type}.sub(args[0], args[1]);
      });
  if (failed(centered))
    return failure();
  Value squares =
      reduceKeepDims(b, loc, *centered, dims, zero,
                     [&](OpBuilder &nb, Location nl, Value in, Value acc) {
                       FloatOps f{nb, nl, type};
                       return f.add(acc, f.mul(in, in));
                     });
  FailureOr<Value> variance = buildBroadcastElementwise(
      ctx, {squares}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        return FloatOps{nb, nl, type}.div(args[0], count);
      });
  if (failed(variance))
    return failure();
  return Moments{*centered, *mean, *variance};
}

/// 1 / sqrt(variance + epsilon).
FailureOr<Value> inverseStdDev(NodeContext &ctx, Value variance,
                               double epsilon) {
  Type type = getElementTypeOrSelf(variance);
  return buildBroadcastElementwise(
      ctx, {variance}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, type};
        return f.div(f.c(1.0), f.sqrt(f.add(args[0], f.c(epsilon))));
      });
}

/// y = cast(centered * invStd) * scale + bias, in `type`.
FailureOr<Value> normalizeAffine(NodeContext &ctx, Value centered, Value invStd,
                                 Value scale, Value bias, Type type) {
  SmallVector<Value> inputs = {centered, invStd};
  if (scale)
    inputs.push_back(scale);
  if (bias)
    inputs.push_back(bias);
  bool hasScale = static_cast<bool>(scale);
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, inputs, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, type};
        Value v = f.cast(
            arith::MulFOp::create(nb, nl, args[0], args[1]).getResult(), type);
        size_t next = 2;
        if (hasScale)
          v = f.mul(v, args[next++]);
        if (next < args.size())
          v = f.add(v, args[next]);
        return v;
      });
  if (failed(result))
    return failure();
  if (failed(verifyCompatibleShape(shapeOf(*result), shapeOf(centered))))
    return ctx.emitError() << "scale or bias does not broadcast to the input "
                           << centered.getType();
  return result;
}

/// The type statistics are computed in: f32 for narrow floats.
Type statsTypeFor(OpBuilder &b, Type type) {
  return type.getIntOrFloatBitWidth() < 32 ? b.getF32Type() : type;
}

LogicalResult convertBatchNormalization(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 5)))
    return failure();
  if (ctx.opset >= 14 && ctx.intAttr("training_mode", 0) != 0)
    return ctx.emitError() << "training mode is not supported";
  for (size_t i = 1; i < ctx.numOutputs(); ++i)
    if (ctx.hasOutput(i))
      return ctx.emitError() << "the training outputs (running statistics) "
                                "are not supported";
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  int64_t rank = rankOf(x);
  if (rank < 2)
    return ctx.emitError() << "X must have rank >= 2, got " << x.getType();
  Type type = getElementTypeOrSelf(x);
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  SmallVector<Value> inputs = {x};
  for (size_t i = 1; i < 5; ++i) {
    Value param = ctx.input(i);
    if (failed(requireFloat(ctx, param, "parameter")))
      return failure();
    inputs.push_back(channelParam(ctx.b, ctx.loc, param, rank));
  }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, inputs, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, type};
        auto in = [&](size_t i) { return f.cast(args[i], type); };
        Value norm =
            f.div(f.sub(args[0], in(3)), f.sqrt(f.add(in(4), f.c(epsilon))));
        return f.add(f.mul(norm, in(1)), in(2));
      });
  if (failed(result))
    return failure();
  if (failed(verifyCompatibleShape(shapeOf(*result), shapeOf(x))))
    return ctx.emitError() << "parameters do not broadcast to X";
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertInstanceNormalization(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 3)))
    return failure();
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "input")))
    return failure();
  int64_t rank = rankOf(x);
  if (rank < 3)
    return ctx.emitError() << "input must have rank >= 3, got " << x.getType();
  Type type = getElementTypeOrSelf(x);
  Type stats = statsTypeFor(ctx.b, type);
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  FailureOr<Value> xs = convertTensor(ctx, x, stats);
  if (failed(xs))
    return failure();
  SmallVector<int64_t> dims;
  for (int64_t i = 2; i < rank; ++i)
    dims.push_back(i);
  FailureOr<Moments> mv = moments(ctx, *xs, dims);
  if (failed(mv))
    return failure();
  FailureOr<Value> invStd = inverseStdDev(ctx, mv->variance, epsilon);
  if (failed(invStd))
    return failure();
  Value scale = channelParam(ctx.b, ctx.loc, ctx.input(1), rank);
  Value bias = channelParam(ctx.b, ctx.loc, ctx.input(2), rank);
  FailureOr<Value> result =
      normalizeAffine(ctx, mv->centered, *invStd, scale, bias, type);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertLayerNormalization(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  int64_t rank = rankOf(x);
  Type type = getElementTypeOrSelf(x);
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", -1), rank);
  if (failed(axis))
    return failure();
  if (rank == 0)
    return ctx.emitError() << "X must have rank >= 1";
  auto error = [&]() { return ctx.emitError(); };
  FailureOr<ElementType> stash = convertDataType(
      ctx.getContext(), static_cast<int32_t>(ctx.intAttr("stash_type", 1)),
      error);
  if (failed(stash))
    return failure();
  if (!isa<FloatType>(stash->type))
    return ctx.emitError() << "stash_type must be a float type";
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  Value scale = ctx.input(1);
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  for (Value param : {scale, bias})
    if (param && rankOf(param) > rank - *axis)
      return ctx.emitError() << "Scale and B must broadcast to X's "
                                "normalized dimensions, got "
                             << param.getType();
  FailureOr<Value> xs = convertTensor(ctx, x, stash->type);
  if (failed(xs))
    return failure();
  SmallVector<int64_t> dims;
  for (int64_t i = *axis; i < rank; ++i)
    dims.push_back(i);
  FailureOr<Moments> mv = moments(ctx, *xs, dims);
  if (failed(mv))
    return failure();
  FailureOr<Value> invStd = inverseStdDev(ctx, mv->variance, epsilon);
  if (failed(invStd))
    return failure();
  FailureOr<Value> result =
      normalizeAffine(ctx, mv->centered, *invStd, scale, bias, type);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  ctx.setOutput(1, mv->mean);
  ctx.setOutput(2, *invStd);
  return success();
}

LogicalResult convertGroupNormalization(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 3)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  int64_t rank = rankOf(x);
  if (rank < 3)
    return ctx.emitError() << "X must have rank >= 3, got " << x.getType();
  if (!ctx.hasAttr("num_groups"))
    return ctx.emitError() << "needs the 'num_groups' attribute";
  int64_t groups = ctx.intAttr("num_groups", 1);
  int64_t c = shapeOf(x)[1];
  if (groups < 1 || (!ShapedType::isDynamic(c) && c % groups != 0))
    return ctx.emitError() << "num_groups " << groups
                           << " must divide the channels (" << c << ")";
  Type type = getElementTypeOrSelf(x);
  Type stats = statsTypeFor(b, type);
  if (ctx.opset >= 21) {
    auto error = [&]() { return ctx.emitError(); };
    FailureOr<ElementType> stash = convertDataType(
        ctx.getContext(), static_cast<int32_t>(ctx.intAttr("stash_type", 1)),
        error);
    if (failed(stash))
      return failure();
    if (!isa<FloatType>(stash->type))
      return ctx.emitError() << "stash_type must be a float type";
    stats = stash->type;
  }
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  FailureOr<Value> xs = convertTensor(ctx, x, stats);
  if (failed(xs))
    return failure();
  // [N, C, ...] -> [N, G, C/G, ...], statistics over all but N and G.
  Value grouped = splitDim(b, loc, *xs, 1, groups);
  SmallVector<int64_t> dims;
  for (int64_t i = 2; i < rank + 1; ++i)
    dims.push_back(i);
  FailureOr<Moments> mv = moments(ctx, grouped, dims);
  if (failed(mv))
    return failure();
  FailureOr<Value> invStd = inverseStdDev(ctx, mv->variance, epsilon);
  if (failed(invStd))
    return failure();
  Value scale = ctx.input(1), bias = ctx.input(2);
  Value result;
  if (ctx.opset < 21) {
    // Per-group scale and bias: [G] -> [G, 1, ...] against [N, G, C/G, ...].
    FailureOr<Value> normalized = normalizeAffine(
        ctx, mv->centered, *invStd, channelParam(b, loc, scale, rank + 1),
        channelParam(b, loc, bias, rank + 1), type);
    if (failed(normalized))
      return failure();
    result = collapseDims(b, loc, *normalized, 1, 2);
  } else {
    FailureOr<Value> normalized =
        normalizeAffine(ctx, mv->centered, *invStd, Value(), Value(), type);
    if (failed(normalized))
      return failure();
    Value flat = collapseDims(b, loc, *normalized, 1, 2);
    SmallVector<Value> inputs = {flat, channelParam(b, loc, scale, rank),
                                 channelParam(b, loc, bias, rank)};
    FailureOr<Value> affine = buildBroadcastElementwise(
        ctx, inputs, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
          FloatOps f{nb, nl, type};
          return f.add(f.mul(args[0], args[1]), args[2]);
        });
    if (failed(affine))
      return failure();
    result = *affine;
  }
  if (failed(verifyCompatibleShape(shapeOf(result), shapeOf(x))))
    return ctx.emitError() << "scale and bias do not match the channels";
  ctx.setOutput(0, result);
  return success();
}

/// The stash type of LayerNormalization/RMSNormalization.
FailureOr<Type> stashType(NodeContext &ctx) {
  auto error = [&]() { return ctx.emitError(); };
  FailureOr<ElementType> stash = convertDataType(
      ctx.getContext(), static_cast<int32_t>(ctx.intAttr("stash_type", 1)),
      error);
  if (failed(stash))
    return failure();
  if (!isa<FloatType>(stash->type))
    return ctx.emitError() << "stash_type must be a float type";
  return stash->type;
}

LogicalResult convertRMSNormalization(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0), scale = ctx.input(1);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  int64_t rank = rankOf(x);
  if (rank == 0)
    return ctx.emitError() << "X must have rank >= 1";
  Type type = getElementTypeOrSelf(x);
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", -1), rank);
  FailureOr<Type> stash = stashType(ctx);
  if (failed(axis) || failed(stash))
    return failure();
  if (rankOf(scale) > rank - *axis)
    return ctx.emitError() << "scale must broadcast to X's normalized "
                              "dimensions, got "
                           << scale.getType();
  double epsilon = ctx.floatAttr("epsilon", 1e-5f);
  FailureOr<Value> xs = convertTensor(ctx, x, *stash);
  if (failed(xs))
    return failure();
  SmallVector<int64_t> dims;
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = *axis; i < rank; ++i) {
    dims.push_back(i);
    sizes.push_back(dimOf(b, loc, x, i));
  }
  Type st = *stash;
  Value count = countOf(b, loc, sizes, st);
  Value squares =
      reduceKeepDims(b, loc, *xs, dims, scalarConstant(b, loc, st, 0.0),
                     [&](OpBuilder &nb, Location nl, Value in, Value acc) {
                       FloatOps f{nb, nl, st};
                       return f.add(acc, f.mul(in, in));
                     });
  FailureOr<Value> invRms = buildBroadcastElementwise(
      ctx, {squares}, st, [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, st};
        return f.div(f.c(1.0),
                     f.sqrt(f.add(f.div(args[0], count), f.c(epsilon))));
      });
  if (failed(invRms))
    return failure();
  FailureOr<Value> result =
      normalizeAffine(ctx, *xs, *invRms, scale, Value(), type);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertLpNormalization(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "input")))
    return failure();
  int64_t rank = rankOf(x);
  if (rank == 0)
    return ctx.emitError() << "input must have rank >= 1";
  Type type = getElementTypeOrSelf(x);
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", -1), rank);
  if (failed(axis))
    return failure();
  int64_t p = ctx.intAttr("p", 2);
  if (p != 1 && p != 2)
    return ctx.emitError() << "p must be 1 or 2, got " << p;
  Value norm =
      reduceKeepDims(b, loc, x, {*axis}, scalarConstant(b, loc, type, 0.0),
                     [&](OpBuilder &nb, Location nl, Value in, Value acc) {
                       FloatOps f{nb, nl, type};
                       return f.add(acc, p == 1 ? f.abs(in) : f.mul(in, in));
                     });
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {x, norm}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, type};
        // A zero norm gives 0, not 0/0 (as ONNX's reference does).
        Value quotient = f.div(args[0], p == 1 ? args[1] : f.sqrt(args[1]));
        return f.select(f.cmp(CmpFPredicate::OEQ, args[1], f.c(0.0)), f.c(0.0),
                        quotient);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertMeanVarianceNormalization(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  int64_t rank = rankOf(x);
  Type type = getElementTypeOrSelf(x);
  SmallVector<int64_t> axes = ctx.hasAttr("axes")
                                  ? ctx.intsAttr("axes")
                                  : SmallVector<int64_t>{0, 2, 3};
  SmallVector<int64_t> dims;
  for (int64_t a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(ctx, a, rank);
    if (failed(axis))
      return failure();
    if (!llvm::is_contained(dims, *axis))
      dims.push_back(*axis);
  }
  llvm::sort(dims);
  FailureOr<Moments> mv = moments(ctx, x, dims);
  if (failed(mv))
    return failure();
  // (x - mean) / (sqrt(variance) + 1e-9), as the ONNX function body.
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {mv->centered, mv->variance}, type,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, type};
        return f.div(args[0], f.add(f.sqrt(args[1]), f.c(1e-9)));
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertLRN(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  int64_t rank = rankOf(x);
  if (rank < 2)
    return ctx.emitError() << "X must have rank >= 2, got " << x.getType();
  if (!ctx.hasAttr("size") || ctx.intAttr("size", 0) <= 0)
    return ctx.emitError() << "needs a positive 'size' attribute";
  int64_t size = ctx.intAttr("size", 0);
  double alpha = ctx.floatAttr("alpha", 1e-4f);
  double beta = ctx.floatAttr("beta", 0.75f);
  double bias = ctx.floatAttr("bias", 1.0f);
  Type type = getElementTypeOrSelf(x);
  // Sum of squares over a channel window [c - (size-1)/2, c + size/2].
  FailureOr<Value> squares = buildBroadcastElementwise(
      ctx, {x}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        return FloatOps{nb, nl, type}.mul(args[0], args[0]);
      });
  if (failed(squares))
    return failure();
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
      high(rank, b.getIndexAttr(0));
  low[1] = b.getIndexAttr(before);
  high[1] = b.getIndexAttr(after);
  SmallVector<int64_t> paddedShape(shapeOf(x));
  if (!ShapedType::isDynamic(paddedShape[1]))
    paddedShape[1] += size - 1;
  Value padded = tensor::PadOp::create(
      b, loc, RankedTensorType::get(paddedShape, type), *squares, low, high,
      scalarConstant(b, loc, type, 0.0));
  int64_t loops = rank + 1;
  SmallVector<AffineExpr> inExprs, outExprs;
  for (int64_t i = 0; i < rank; ++i) {
    AffineExpr d = getAffineDimExpr(i, context);
    inExprs.push_back(i == 1 ? d + getAffineDimExpr(rank, context) : d);
    outExprs.push_back(d);
  }
  Value window = emptyTensor(b, loc, {b.getIndexAttr(size)}, type);
  Value init = filledTensor(b, loc, sizesOf(b, loc, x),
                            scalarConstant(b, loc, type, 0.0));
  SmallVector<AffineMap> maps = {
      AffineMap::get(loops, 0, inExprs, context),
      AffineMap::get(loops, 0, {getAffineDimExpr(rank, context)}, context),
      AffineMap::get(loops, 0, outExprs, context)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value sums =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{padded, window},
          ValueRange{init}, maps, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(
                nb, nl, FloatOps{nb, nl, type}.add(args[0], args[2]));
          })
          .getResult(0);
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {x, sums}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, type};
        Value base = f.add(f.c(bias), f.mul(f.c(alpha / size), args[1]));
        return f.div(args[0],
                     math::PowFOp::create(nb, nl, base, f.c(beta)).getResult());
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax family
//===----------------------------------------------------------------------===//

enum class SoftmaxKind { Softmax, LogSoftmax, Hardmax };

LogicalResult convertSoftmax(NodeContext &ctx, SoftmaxKind kind) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "input")))
    return failure();
  Type type = getElementTypeOrSelf(x);
  int64_t rank = rankOf(x);
  if (rank == 0)
    return ctx.emitError() << "input must have rank >= 1";
  bool coerce2d = ctx.opset < 13;
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.intAttr("axis", coerce2d ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  // Before opset 13 the input is coerced to 2-D at `axis`: the reduction
  // covers every dimension from `axis` on.
  SmallVector<int64_t> dims;
  for (int64_t i = *axis; i < (coerce2d ? rank : *axis + 1); ++i)
    dims.push_back(i);
  if (dims.empty()) {
    // Coerced to [N, 1]: every row has one element.
    FailureOr<Value> trivial = buildBroadcastElementwise(
        ctx, {x}, type, [&](OpBuilder &nb, Location nl, ValueRange) {
          return FloatOps{nb, nl, type}.c(
              kind == SoftmaxKind::LogSoftmax ? 0.0 : 1.0);
        });
    if (failed(trivial))
      return failure();
    ctx.setOutput(0, *trivial);
    return success();
  }
  if (kind == SoftmaxKind::Softmax && dims.size() == 1) {
    // One axis: linalg.softmax, which graph passes (dsk-fuse-attention)
    // recognise and dsk-lower-to-linalg decomposes.
    auto shape = cast<RankedTensorType>(x.getType()).getShape();
    Value init = emptyLike(b, loc, shape, type, {x});
    auto softmax =
        linalg::SoftmaxOp::create(b, loc, x.getType(), x, init, dims.front());
    ctx.setOutput(0, softmax.getResult()[0]);
    return success();
  }
  Value max = reduceKeepDims(
      b, loc, x, dims, lowestOf(b, loc, type, false),
      [&](OpBuilder &nb, Location nl, Value in, Value acc) -> Value {
        return arith::MaximumFOp::create(nb, nl, in, acc);
      });
  if (kind == SoftmaxKind::Hardmax) {
    // One at the first maximum (in row-major order over `dims`).
    SmallVector<Value> sizes;
    for (int64_t d : dims)
      sizes.push_back(
          getValueOrCreateConstantIndexOp(b, loc, dimOf(b, loc, x, d)));
    auto linearIndex = [&](OpBuilder &nb, Location nl) {
      Value index = arith::ConstantIndexOp::create(nb, nl, 0);
      for (auto [i, d] : llvm::enumerate(dims)) {
        index = arith::MulIOp::create(nb, nl, index, sizes[i]);
        index = arith::AddIOp::create(nb, nl, index,
                                      linalg::IndexOp::create(nb, nl, d));
      }
      return arith::IndexCastOp::create(nb, nl, nb.getI64Type(), index)
          .getResult();
    };
    FailureOr<Value> isMax = buildBroadcastElementwise(
        ctx, {x, max}, b.getI1Type(),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          return FloatOps{nb, nl, type}.cmp(CmpFPredicate::OEQ, args[0],
                                            args[1]);
        });
    if (failed(isMax))
      return failure();
    Value none = arith::ConstantOp::create(
        b, loc, b.getI64IntegerAttr(std::numeric_limits<int64_t>::max()));
    Value first = reduceKeepDims(
        b, loc, *isMax, dims, none,
        [&](OpBuilder &nb, Location nl, Value in, Value acc) -> Value {
          Value index = linearIndex(nb, nl);
          Value smaller = arith::MinSIOp::create(nb, nl, index, acc);
          return arith::SelectOp::create(nb, nl, in, smaller, acc);
        });
    FailureOr<Value> result = buildBroadcastElementwise(
        ctx, {x, first}, type,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          FloatOps f{nb, nl, type};
          Value hit = arith::CmpIOp::create(nb, nl, CmpIPredicate::eq,
                                            linearIndex(nb, nl), args[1]);
          return f.select(hit, f.c(1.0), f.c(0.0));
        });
    if (failed(result))
      return failure();
    ctx.setOutput(0, *result);
    return success();
  }
  FailureOr<Value> exps = buildBroadcastElementwise(
      ctx, {x, max}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, type};
        return f.exp(f.sub(args[0], args[1]));
      });
  if (failed(exps))
    return failure();
  Value sum = reduceKeepDims(b, loc, *exps, dims,
                             scalarConstant(b, loc, type, 0.0), addCombine);
  FailureOr<Value> result;
  if (kind == SoftmaxKind::Softmax)
    result = buildBroadcastElementwise(
        ctx, {*exps, sum}, type,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          return FloatOps{nb, nl, type}.div(args[0], args[1]);
        });
  else
    result = buildBroadcastElementwise(
        ctx, {x, max, sum}, type,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          FloatOps f{nb, nl, type};
          return f.sub(f.sub(args[0], args[1]), f.log(args[2]));
        });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Activations with attributes
//===----------------------------------------------------------------------===//

using FloatBodyFn = std::function<Value(const FloatOps &, Value)>;

LogicalResult convertFloatActivation(NodeContext &ctx,
                                     const FloatBodyFn &body) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "input")))
    return failure();
  Type type = getElementTypeOrSelf(x);
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {x}, type, [&](OpBuilder &b, Location loc, ValueRange args) {
        return body(FloatOps{b, loc, type}, args[0]);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertGelu(NodeContext &ctx) {
  std::string approximate = ctx.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return ctx.emitError() << "unknown approximate '" << approximate << "'";
  bool useTanh = approximate == "tanh";
  return convertFloatActivation(ctx, [&](const FloatOps &f, Value x) {
    Value inner;
    if (useTanh) {
      // tanh(sqrt(2 / pi) * (x + 0.044715 x^3))
      Value cube = f.mul(f.mul(x, x), x);
      Value arg = f.mul(f.c(std::sqrt(2.0 / M_PI)),
                        f.add(x, f.mul(f.c(0.044715), cube)));
      inner = f.tanh(arg);
    } else {
      inner = math::ErfOp::create(f.b, f.loc, f.mul(x, f.c(M_SQRT1_2)));
    }
    return f.mul(f.mul(f.c(0.5), x), f.add(f.c(1.0), inner));
  });
}

LogicalResult convertPRelu(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value x = ctx.input(0), slope = ctx.input(1);
  Type type = getElementTypeOrSelf(x);
  if (getElementTypeOrSelf(slope) != type)
    return ctx.emitError() << "X and slope must have one element type";
  if (type.isInteger(1))
    return ctx.emitError() << "element type " << type << " is not supported";
  bool isUnsigned = ctx.isUnsigned(0);
  // A per-channel slope [C] of [N, C, ...] (the pre-broadcasting form).
  if (rankOf(slope) == 1 && rankOf(x) >= 3 &&
      failed(broadcastShapes({shapeOf(x), shapeOf(slope)})))
    slope = channelParam(ctx.b, ctx.loc, slope, rankOf(x));
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {x, slope}, type, [&](OpBuilder &b, Location loc, ValueRange args) {
        if (isa<FloatType>(type)) {
          FloatOps f{b, loc, type};
          return f.select(f.cmp(CmpFPredicate::OLT, args[0], f.c(0.0)),
                          f.mul(args[0], args[1]), args[0]);
        }
        if (isUnsigned)
          return args[0];
        Value negative =
            arith::CmpIOp::create(b, loc, CmpIPredicate::slt, args[0],
                                  scalarConstant(b, loc, type, 0));
        return arith::SelectOp::create(
                   b, loc, negative,
                   arith::MulIOp::create(b, loc, args[0], args[1]), args[0])
            .getResult();
      });
  if (failed(result))
    return failure();
  if (failed(verifyCompatibleShape(shapeOf(*result), shapeOf(x))))
    return ctx.emitError() << "slope " << slope.getType()
                           << " does not broadcast to X " << x.getType();
  ctx.setOutput(0, *result, isUnsigned);
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// How a scale or zero point indexes the data: per tensor, per axis, or
/// blocked along an axis.
struct QuantLayout {
  std::optional<int64_t> axis; // per axis or blocked
  int64_t blockSize = 0;       // > 0: blocked
};

FailureOr<QuantLayout> quantLayout(NodeContext &ctx, Value x, Value scale) {
  int64_t rank = rankOf(x);
  RankedTensorType scaleType = typeOf(scale);
  QuantLayout layout;
  int64_t blockSize = ctx.opset >= 21 ? ctx.intAttr("block_size", 0) : 0;
  if (blockSize < 0)
    return ctx.emitError() << "block_size must be non-negative", failure();
  if (scaleType.getRank() == 0 ||
      (scaleType.getRank() == 1 && scaleType.getDimSize(0) == 1 &&
       blockSize == 0))
    return layout;
  if (ctx.opset < 13)
    return ctx.emitError() << "the scale must be a scalar before opset 13",
           failure();
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", 1), rank);
  if (failed(axis))
    return failure();
  if (rank == 0)
    return ctx.emitError() << "per-axis parameters need a tensor input",
           failure();
  layout.axis = *axis;
  int64_t dim = shapeOf(x)[*axis];
  if (blockSize == 0) {
    if (scaleType.getRank() != 1)
      return ctx.emitError()
                 << "a per-axis scale must be 1-D, got " << scale.getType(),
             failure();
    int64_t count = scaleType.getDimSize(0);
    if (!ShapedType::isDynamic(dim) && !ShapedType::isDynamic(count) &&
        dim != count)
      return ctx.emitError() << "expected " << dim << " scales along axis "
                             << *axis << ", got " << count,
             failure();
    return layout;
  }
  layout.blockSize = blockSize;
  if (scaleType.getRank() != rank)
    return ctx.emitError() << "a blocked scale must have the input's rank",
           failure();
  for (int64_t i = 0; i < rank; ++i) {
    int64_t expected = shapeOf(x)[i];
    if (i == *axis && !ShapedType::isDynamic(expected))
      expected = llvm::divideCeil(expected, blockSize);
    int64_t got = scaleType.getDimSize(i);
    if (!ShapedType::isDynamic(expected) && !ShapedType::isDynamic(got) &&
        expected != got)
      return ctx.emitError() << "blocked scale " << scale.getType()
                             << " does not match the input " << x.getType()
                             << " with block size " << blockSize,
             failure();
  }
  return layout;
}

/// The indexing map of a scale or zero point of rank `paramRank` over an
/// iteration space of rank `rank`.
AffineMap quantParamMap(MLIRContext *context, int64_t rank, int64_t paramRank,
                        const QuantLayout &layout) {
  SmallVector<AffineExpr> exprs;
  if (!layout.axis) {
    exprs.assign(paramRank, getAffineConstantExpr(0, context));
  } else if (layout.blockSize == 0) {
    exprs.push_back(getAffineDimExpr(*layout.axis, context));
  } else {
    for (int64_t i = 0; i < rank; ++i) {
      AffineExpr d = getAffineDimExpr(i, context);
      exprs.push_back(i == *layout.axis ? d.floorDiv(layout.blockSize) : d);
    }
  }
  return AffineMap::get(rank, 0, exprs, context);
}

/// A linalg.generic over `x` reading the scale and zero point through
/// their layout.
Value buildQuantGeneric(OpBuilder &b, Location loc, Value x, Value scale,
                        Value zeroPoint, const QuantLayout &layout,
                        Type resultType, const ScalarBodyFn &body) {
  MLIRContext *context = b.getContext();
  int64_t rank = rankOf(x);
  SmallVector<Value> inputs = {x, scale};
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(rank),
      quantParamMap(context, rank, rankOf(scale), layout)};
  if (zeroPoint) {
    inputs.push_back(zeroPoint);
    maps.push_back(quantParamMap(context, rank, rankOf(zeroPoint), layout));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = emptyTensor(b, loc, sizesOf(b, loc, x), resultType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
             })
      .getResult(0);
}

/// The #dsk.uniform encoding of constant parameters, or null when they are
/// not constant (or not representable: the caller falls back to a generic).
UniformAttr constantEncoding(NodeContext &ctx, Value scale, size_t scaleInput,
                             size_t zpInput, const QuantLayout &layout,
                             IntegerType storage, bool zpUnsigned) {
  if (layout.blockSize > 0)
    return {};
  auto scales =
      dyn_cast_or_null<DenseFPElementsAttr>(ctx.constantInput(scaleInput));
  if (!scales)
    return {};
  SmallVector<double> scaleValues;
  for (const APFloat &v : scales.getValues<APFloat>()) {
    double d = v.convertToDouble();
    if (!std::isfinite(d) || d <= 0)
      return {};
    scaleValues.push_back(d);
  }
  SmallVector<int64_t> zeroPoints(scaleValues.size(), 0);
  if (ctx.hasInput(zpInput)) {
    auto zps =
        dyn_cast_or_null<DenseIntElementsAttr>(ctx.constantInput(zpInput));
    if (!zps ||
        zps.getNumElements() != static_cast<int64_t>(scaleValues.size()))
      return {};
    zeroPoints.clear();
    for (const APInt &v : zps.getValues<APInt>())
      zeroPoints.push_back(zpUnsigned ? static_cast<int64_t>(v.getZExtValue())
                                      : v.getSExtValue());
  }
  (void)storage;
  return UniformAttr::get(ctx.getContext(), layout.axis,
                          DenseF64ArrayAttr::get(ctx.getContext(), scaleValues),
                          zeroPoints);
}

/// The storage range of an integer type.
std::pair<double, double> storageRange(unsigned width, bool isUnsigned) {
  if (isUnsigned)
    return {0.0, std::ldexp(1.0, width) - 1};
  return {-std::ldexp(1.0, width - 1), std::ldexp(1.0, width - 1) - 1};
}

LogicalResult convertQuantizeLinear(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0), scale = ctx.input(1);
  Value zp = ctx.hasInput(2) ? ctx.input(2) : Value();
  Type xType = getElementTypeOrSelf(x);
  if (!isa<FloatType>(xType) && !xType.isInteger(32))
    return ctx.emitError() << "x must be a float or int32 tensor, got "
                           << x.getType();
  if (failed(requireFloat(ctx, scale, "y_scale")))
    return failure();
  // The output type: the zero point's, else output_dtype, else uint8.
  auto error = [&]() { return ctx.emitError(); };
  ElementType out{b.getIntegerType(8), true};
  int64_t outputDtype = ctx.opset >= 21 ? ctx.intAttr("output_dtype", 0) : 0;
  if (zp) {
    out = {getElementTypeOrSelf(zp), ctx.isUnsigned(2)};
    if (outputDtype != 0) {
      FailureOr<ElementType> declared = convertDataType(
          ctx.getContext(), static_cast<int32_t>(outputDtype), error);
      if (failed(declared))
        return failure();
      if (declared->type != out.type || declared->isUnsigned != out.isUnsigned)
        return ctx.emitError()
               << "output_dtype differs from the zero point's type";
    }
  } else if (outputDtype != 0) {
    FailureOr<ElementType> declared = convertDataType(
        ctx.getContext(), static_cast<int32_t>(outputDtype), error);
    if (failed(declared))
      return failure();
    out = *declared;
  }
  auto storageInt = dyn_cast<IntegerType>(out.type);
  if (!storageInt || storageInt.getWidth() < 2 || storageInt.getWidth() > 16)
    return ctx.emitError() << "quantization to " << out.type
                           << " is not supported (integer types of 2 to 16 "
                              "bits are)";
  int64_t precision = ctx.intAttr("precision", 0);
  if (precision != 0 && precision != onnx::TensorProto::FLOAT)
    return ctx.emitError() << "only float32 division precision is supported";
  FailureOr<QuantLayout> layout = quantLayout(ctx, x, scale);
  if (failed(layout))
    return failure();
  if (zp && failed(verifyCompatibleShape(shapeOf(zp), shapeOf(scale))) &&
      !(typeOf(zp).getNumElements() == 1 &&
        typeOf(scale).getNumElements() == 1))
    return ctx.emitError() << "y_zero_point must have y_scale's shape";

  unsigned width = storageInt.getWidth();
  auto plainType = RankedTensorType::get(shapeOf(x), out.type);
  auto storage = IntegerType::get(ctx.getContext(), width,
                                  out.isUnsigned ? IntegerType::Unsigned
                                                 : IntegerType::Signless);
  if (UniformAttr encoding = constantEncoding(ctx, scale, 1, 2, *layout,
                                              storage, out.isUnsigned)) {
    auto encodedType = RankedTensorType::getChecked(
        [&]() { return ctx.emitError(); }, shapeOf(x), storage, encoding);
    if (!encodedType)
      return failure();
    Value input = x;
    if (!isa<FloatType>(xType)) {
      FailureOr<Value> converted = convertTensor(ctx, x, b.getF32Type());
      if (failed(converted))
        return failure();
      input = *converted;
    }
    Value q = dsk::QuantizeOp::create(b, loc, encodedType, input);
    // Later consumers read plain integers; DequantizeLinear looks through
    // the cast to the encoded value.
    Value plain =
        out.isUnsigned
            ? tensor::BitcastOp::create(b, loc, plainType, q).getResult()
            : tensor::CastOp::create(b, loc, plainType, q).getResult();
    ctx.setOutput(0, plain, out.isUnsigned);
    return success();
  }

  // Non-constant parameters: y = saturate(round(x / scale) + zero_point).
  bool zpUnsigned = out.isUnsigned;
  std::pair<double, double> range = storageRange(width, out.isUnsigned);
  double qmin = range.first, qmax = range.second;
  Type f32 = b.getF32Type();
  Value result = buildQuantGeneric(
      b, loc, x, scale, zp, *layout, out.type,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        FloatOps f{nb, nl, f32};
        Value v = castScalar(nb, nl, args[0], f32, false, false);
        v = f.div(v, f.cast(args[1], f32));
        v = math::RoundEvenOp::create(nb, nl, v);
        if (args.size() > 2)
          v = f.add(v, castScalar(nb, nl, args[2], f32, zpUnsigned, false));
        v = f.min(f.max(v, f.c(qmin)), f.c(qmax));
        return castScalar(nb, nl, v, out.type, false, out.isUnsigned);
      });
  ctx.setOutput(0, result, out.isUnsigned);
  return success();
}

LogicalResult convertDequantizeLinear(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0), scale = ctx.input(1);
  Value zp = ctx.hasInput(2) ? ctx.input(2) : Value();
  Type xType = getElementTypeOrSelf(x);
  bool xUnsigned = ctx.isUnsigned(0);
  if (xType.isInteger(1))
    return ctx.emitError() << "x must be a quantized tensor, got "
                           << x.getType();
  if (failed(requireFloat(ctx, scale, "x_scale")))
    return failure();
  if (zp && getElementTypeOrSelf(zp) != xType)
    return ctx.emitError() << "x_zero_point must have x's element type";
  Type resultType = getElementTypeOrSelf(scale);
  if (int64_t dtype = ctx.opset >= 21 ? ctx.intAttr("output_dtype", 0) : 0) {
    auto error = [&]() { return ctx.emitError(); };
    FailureOr<ElementType> declared =
        convertDataType(ctx.getContext(), static_cast<int32_t>(dtype), error);
    if (failed(declared))
      return failure();
    if (!isa<FloatType>(declared->type))
      return ctx.emitError() << "output_dtype must be a float type";
    resultType = declared->type;
  }
  FailureOr<QuantLayout> layout = quantLayout(ctx, x, scale);
  if (failed(layout))
    return failure();
  auto result = RankedTensorType::get(shapeOf(x), resultType);

  auto xInt = dyn_cast<IntegerType>(xType);
  if (xInt && xInt.getWidth() >= 2 && xInt.getWidth() <= 16) {
    unsigned width = xInt.getWidth();
    auto storage = IntegerType::get(ctx.getContext(), width,
                                    xUnsigned ? IntegerType::Unsigned
                                              : IntegerType::Signless);
    if (UniformAttr encoding =
            constantEncoding(ctx, scale, 1, 2, *layout, storage, xUnsigned)) {
      auto encodedType = RankedTensorType::getChecked(
          [&]() { return ctx.emitError(); }, shapeOf(x), storage, encoding);
      if (!encodedType)
        return failure();
      Value encoded;
      // The output of a QuantizeLinear with the same parameters.
      Operation *def = x.getDefiningOp();
      if (def && isa<tensor::CastOp, tensor::BitcastOp>(def) &&
          def->getOperand(0).getType() == encodedType)
        encoded = def->getOperand(0);
      else if (auto constant =
                   dyn_cast_or_null<DenseIntElementsAttr>(ctx.constantInput(0)))
        encoded = arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(
                encodedType, llvm::to_vector(constant.getValues<APInt>())));
      else if (xUnsigned)
        encoded = tensor::BitcastOp::create(b, loc, encodedType, x);
      else
        encoded = tensor::CastOp::create(b, loc, encodedType, x);
      ctx.setOutput(0, dsk::DequantizeOp::create(b, loc, result, encoded));
      return success();
    }
  }

  // y = (x - zero_point) * scale, generically.
  Value out = buildQuantGeneric(
      b, loc, x, scale, zp, *layout, resultType,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Type f32 = nb.getF32Type();
        FloatOps f{nb, nl, f32};
        Value v;
        if (isa<FloatType>(xType)) {
          v = f.cast(args[0], f32);
          if (args.size() > 2)
            v = f.sub(v, f.cast(args[2], f32));
        } else {
          Type i64 = nb.getI64Type();
          v = castScalar(nb, nl, args[0], i64, xUnsigned, false);
          if (args.size() > 2)
            v = arith::SubIOp::create(
                nb, nl, v, castScalar(nb, nl, args[2], i64, xUnsigned, false));
          v = castScalar(nb, nl, v, f32, false, false);
        }
        v = f.mul(v, f.cast(args[1], f32));
        return f.cast(v, resultType);
      });
  ctx.setOutput(0, out);
  return success();
}

/// y = saturate(round(acc * scaleA * scaleB / scaleY) + zeroPointY) for an
/// i32 accumulator; the output type is the zero point's (else `fallback`).
FailureOr<Value> requantize(NodeContext &ctx, Value acc, Value scaleA,
                            Value scaleB, size_t scaleYInput, size_t zpYInput,
                            ElementType fallback, bool &outUnsigned) {
  if (!ctx.hasInput(scaleYInput))
    return ctx.emitError() << "input #" << scaleYInput << " is required";
  for (Value scale : {scaleA, scaleB, ctx.input(scaleYInput)})
    if (failed(requireFloat(ctx, scale, "scale")))
      return failure();
  ElementType out = fallback;
  SmallVector<Value> inputs = {acc, scaleA, scaleB, ctx.input(scaleYInput)};
  if (ctx.hasInput(zpYInput)) {
    out = {getElementTypeOrSelf(ctx.input(zpYInput)), ctx.isUnsigned(zpYInput)};
    inputs.push_back(ctx.input(zpYInput));
  }
  auto outInt = dyn_cast<IntegerType>(out.type);
  if (!outInt || outInt.getWidth() > 16 || outInt.getWidth() < 2)
    return ctx.emitError() << "output type " << out.type << " is not supported";
  std::pair<double, double> range =
      storageRange(outInt.getWidth(), out.isUnsigned);
  Type f32 = ctx.b.getF32Type();
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, inputs, out.type, [&](OpBuilder &b, Location loc, ValueRange args) {
        FloatOps f{b, loc, f32};
        Value v = castScalar(b, loc, args[0], f32, false, false);
        Value multiplier =
            f.div(f.mul(f.cast(args[1], f32), f.cast(args[2], f32)),
                  f.cast(args[3], f32));
        v = math::RoundEvenOp::create(b, loc, f.mul(v, multiplier));
        if (args.size() > 4)
          v = f.add(v, castScalar(b, loc, args[4], f32, out.isUnsigned, false));
        v = f.min(f.max(v, f.c(range.first)), f.c(range.second));
        return castScalar(b, loc, v, out.type, false, out.isUnsigned);
      });
  if (failed(result))
    return failure();
  if (failed(verifyCompatibleShape(shapeOf(*result), shapeOf(acc))))
    return ctx.emitError() << "scales and zero points do not broadcast to the "
                              "result "
                           << acc.getType();
  outUnsigned = out.isUnsigned;
  return result;
}

LogicalResult convertQLinearMatMul(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 7)))
    return failure();
  FailureOr<Value> a = subtractZeroPoint(ctx, 0, 2, ParamAxis::Row);
  if (failed(a))
    return failure();
  FailureOr<Value> bm = subtractZeroPoint(ctx, 3, 5, ParamAxis::Last);
  if (failed(bm))
    return failure();
  Type i32 = ctx.b.getI32Type();
  FailureOr<Value> acc = buildNumpyMatmul(ctx, *a, *bm, i32, i32);
  if (failed(acc))
    return failure();
  Value scaleA = ctx.input(1);
  if (rankOf(ctx.input(0)) >= 2 && rankOf(*acc) >= 2)
    scaleA = alignParam(ctx.b, ctx.loc, scaleA, 2, ParamAxis::Row);
  bool outUnsigned = false;
  FailureOr<Value> result = requantize(
      ctx, *acc, scaleA, ctx.input(4), 6, 7,
      {getElementTypeOrSelf(ctx.input(0)), ctx.isUnsigned(0)}, outUnsigned);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, outUnsigned);
  return success();
}

LogicalResult convertQLinearConv(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 7)))
    return failure();
  FailureOr<Value> x = subtractZeroPoint(ctx, 0, 2, ParamAxis::Last);
  if (failed(x))
    return failure();
  FailureOr<Value> w = subtractZeroPoint(ctx, 3, 5, ParamAxis::Leading);
  if (failed(w))
    return failure();
  Value bias = ctx.hasInput(8) ? ctx.input(8) : Value();
  if (bias && !getElementTypeOrSelf(bias).isInteger(32))
    return ctx.emitError() << "B must be an int32 tensor";
  FailureOr<Value> acc = buildConv(ctx, *x, *w, bias);
  if (failed(acc))
    return failure();
  Value scaleW = channelParam(ctx.b, ctx.loc, ctx.input(4), rankOf(*acc));
  bool outUnsigned = false;
  FailureOr<Value> result = requantize(
      ctx, *acc, ctx.input(1), scaleW, 6, 7,
      {getElementTypeOrSelf(ctx.input(0)), ctx.isUnsigned(0)}, outUnsigned);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, outUnsigned);
  return success();
}

LogicalResult convertDynamicQuantizeLinear(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "x")))
    return failure();
  Type type = getElementTypeOrSelf(x);
  Type f32 = b.getF32Type(), u8 = b.getIntegerType(8);
  SmallVector<int64_t> dims;
  for (int64_t i = 0; i < rankOf(x); ++i)
    dims.push_back(i);
  Value inf = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type, std::numeric_limits<double>::infinity()));
  Value minimum = reduceKeepDims(
      b, loc, x, dims, inf,
      [](OpBuilder &nb, Location nl, Value in, Value acc) {
        return arith::MinimumFOp::create(nb, nl, in, acc).getResult();
      });
  Value maximum = reduceKeepDims(
      b, loc, x, dims, lowestOf(b, loc, type, false),
      [](OpBuilder &nb, Location nl, Value in, Value acc) {
        return arith::MaximumFOp::create(nb, nl, in, acc).getResult();
      });
  // The range always includes zero.
  FailureOr<Value> scale = buildBroadcastElementwise(
      ctx, {minimum, maximum}, f32,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, f32};
        Value lo = f.min(f.cast(args[0], f32), f.c(0.0));
        Value hi = f.max(f.cast(args[1], f32), f.c(0.0));
        return f.div(f.sub(hi, lo), f.c(255.0));
      });
  if (failed(scale))
    return failure();
  auto saturate = [&](const FloatOps &f, Value v) {
    v = math::RoundEvenOp::create(f.b, f.loc, v);
    v = f.min(f.max(v, f.c(0.0)), f.c(255.0));
    return castScalar(f.b, f.loc, v, u8, false, true);
  };
  FailureOr<Value> zeroPoint = buildBroadcastElementwise(
      ctx, {minimum, *scale}, u8,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, f32};
        Value lo = f.min(f.cast(args[0], f32), f.c(0.0));
        return saturate(f, f.div(f.sub(f.c(0.0), lo), args[1]));
      });
  if (failed(zeroPoint))
    return failure();
  FailureOr<Value> y = buildBroadcastElementwise(
      ctx, {x, *scale, *zeroPoint}, u8,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        FloatOps f{nb, nl, f32};
        Value v = math::RoundEvenOp::create(
            nb, nl, f.div(f.cast(args[0], f32), args[1]));
        v = f.add(v, castScalar(nb, nl, args[2], f32, true, false));
        v = f.min(f.max(v, f.c(0.0)), f.c(255.0));
        return castScalar(nb, nl, v, u8, false, true);
      });
  if (failed(y))
    return failure();
  auto toScalar = [&](Value v) -> Value {
    if (rankOf(v) == 0)
      return v;
    return tensor::CollapseShapeOp::create(b, loc, v,
                                           ArrayRef<ReassociationIndices>{});
  };
  ctx.setOutput(0, *y, true);
  ctx.setOutput(1, toScalar(*scale));
  ctx.setOutput(2, toScalar(*zeroPoint), true);
  return success();
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// A parsed einsum term: labels, with -1 standing for the ellipsis.
FailureOr<SmallVector<int>> parseEinsumTerm(NodeContext &ctx, StringRef term) {
  SmallVector<int> labels;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    char ch = term[i];
    if (ch == '.') {
      if (term.substr(i, 3) != "..." || ellipsis)
        return ctx.emitError()
                   << "malformed ellipsis in einsum term '" << term << "'",
               failure();
      ellipsis = true;
      labels.push_back(-1);
      i += 2;
    } else if (llvm::isAlpha(ch)) {
      labels.push_back(static_cast<unsigned char>(ch));
    } else {
      return ctx.emitError()
                 << "unexpected character '" << ch << "' in einsum equation",
             failure();
    }
  }
  return labels;
}

LogicalResult convertEinsum(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  std::string equation;
  for (char ch : ctx.stringAttr("equation", ""))
    if (!llvm::isSpace(ch))
      equation.push_back(ch);
  if (ctx.numInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  if (failed(requireInputs(ctx, ctx.numInputs())))
    return failure();
  StringRef eq(equation);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != ctx.numInputs())
    return ctx.emitError() << "the equation has " << terms.size()
                           << " input terms for " << ctx.numInputs()
                           << " inputs";
  Type type = getElementTypeOrSelf(ctx.input(0));
  if (type.isInteger(1))
    return ctx.emitError() << "bool einsum is not supported";
  bool isUnsigned = ctx.isUnsigned(0);

  // Labels of each input and the ellipsis sub-shapes.
  SmallVector<SmallVector<int>> inputLabels;
  SmallVector<int64_t> ellipsisRanks;
  SmallVector<SmallVector<int64_t>> ellipsisShapes;
  llvm::DenseMap<int, int> counts;
  SmallVector<int> order; // letters in order of first appearance
  for (auto [i, term] : llvm::enumerate(terms)) {
    Value input = ctx.input(i);
    if (getElementTypeOrSelf(input) != type)
      return ctx.emitError() << "inputs must have one element type";
    FailureOr<SmallVector<int>> labels = parseEinsumTerm(ctx, term);
    if (failed(labels))
      return failure();
    int64_t letters = llvm::count_if(*labels, [](int l) { return l >= 0; });
    bool hasEllipsis = letters != static_cast<int64_t>(labels->size());
    int64_t rank = rankOf(input);
    int64_t e = rank - letters;
    if (e < 0 || (!hasEllipsis && e != 0))
      return ctx.emitError() << "term '" << term << "' does not match input #"
                             << i << " of rank " << rank;
    ellipsisRanks.push_back(e);
    SmallVector<int64_t> sub;
    int64_t dim = 0;
    for (int l : *labels) {
      if (l < 0) {
        for (int64_t t = 0; t < e; ++t)
          sub.push_back(shapeOf(input)[dim++]);
        continue;
      }
      if (!counts.count(l))
        order.push_back(l);
      ++counts[l];
      ++dim;
    }
    ellipsisShapes.push_back(sub);
    inputLabels.push_back(*labels);
  }
  SmallVector<ArrayRef<int64_t>> subShapes(ellipsisShapes.begin(),
                                           ellipsisShapes.end());
  FailureOr<SmallVector<int64_t>> ellipsisShape = broadcastShapes(subShapes);
  if (failed(ellipsisShape))
    return ctx.emitError() << "the ellipsis dimensions do not broadcast";
  int64_t e = ellipsisShape->size();
  bool anyEllipsis = llvm::any_of(inputLabels, [](ArrayRef<int> labels) {
    return llvm::is_contained(labels, -1);
  });

  // Output labels.
  SmallVector<int> outLabels;
  if (explicitOutput) {
    FailureOr<SmallVector<int>> parsed = parseEinsumTerm(ctx, rhs);
    if (failed(parsed))
      return failure();
    outLabels = *parsed;
    llvm::SmallDenseSet<int> seen;
    for (int l : outLabels) {
      if (l >= 0 && !counts.count(l))
        return ctx.emitError() << "output label '" << static_cast<char>(l)
                               << "' appears in no input";
      if (!seen.insert(l).second)
        return ctx.emitError() << "output label repeated";
    }
  } else {
    if (anyEllipsis)
      outLabels.push_back(-1);
    SmallVector<int> once;
    for (int l : order)
      if (counts[l] == 1)
        once.push_back(l);
    llvm::sort(once);
    outLabels.append(once);
  }

  // Loop dims: the ellipsis dims, then each letter.
  llvm::DenseMap<int, int64_t> loopOf;
  int64_t loops = e;
  for (int l : order)
    loopOf[l] = loops++;
  // Sizes of the loop dims (from the first input that has each).
  SmallVector<int64_t> loopSize(loops, ShapedType::kDynamic);
  SmallVector<OpFoldResult> loopSizeOfr(loops);
  for (int64_t t = 0; t < e; ++t) {
    loopSize[t] = (*ellipsisShape)[t];
    if (!ShapedType::isDynamic(loopSize[t]))
      loopSizeOfr[t] = b.getIndexAttr(loopSize[t]);
  }
  SmallVector<AffineMap> maps;
  for (auto [i, labels] : llvm::enumerate(inputLabels)) {
    Value input = ctx.input(i);
    int64_t ei = ellipsisRanks[i];
    SmallVector<AffineExpr> exprs;
    int64_t dim = 0;
    for (int l : labels) {
      if (l < 0) {
        for (int64_t t = 0; t < ei; ++t, ++dim) {
          int64_t loop = e - ei + t;
          int64_t size = shapeOf(input)[dim];
          if (size == 1 && loopSize[loop] != 1) {
            exprs.push_back(getAffineConstantExpr(0, context));
            continue;
          }
          exprs.push_back(getAffineDimExpr(loop, context));
          if (!loopSizeOfr[loop] && ShapedType::isDynamic(size))
            loopSizeOfr[loop] = dimOf(b, loc, input, dim);
        }
        continue;
      }
      int64_t loop = loopOf[l];
      int64_t size = shapeOf(input)[dim];
      if (!ShapedType::isDynamic(size)) {
        if (!ShapedType::isDynamic(loopSize[loop]) && loopSize[loop] != size)
          return ctx.emitError()
                 << "label '" << static_cast<char>(l) << "' has sizes "
                 << loopSize[loop] << " and " << size;
        loopSize[loop] = size;
        loopSizeOfr[loop] = b.getIndexAttr(size);
      } else if (!loopSizeOfr[loop]) {
        loopSizeOfr[loop] = dimOf(b, loc, input, dim);
      }
      exprs.push_back(getAffineDimExpr(loop, context));
      ++dim;
    }
    maps.push_back(AffineMap::get(loops, 0, exprs, context));
  }
  SmallVector<AffineExpr> outExprs;
  SmallVector<OpFoldResult> outSizes;
  llvm::SmallDenseSet<int64_t> parallel;
  for (int l : outLabels) {
    if (l < 0) {
      for (int64_t t = 0; t < e; ++t) {
        outExprs.push_back(getAffineDimExpr(t, context));
        outSizes.push_back(loopSizeOfr[t]);
        parallel.insert(t);
      }
      continue;
    }
    int64_t loop = loopOf[l];
    outExprs.push_back(getAffineDimExpr(loop, context));
    outSizes.push_back(loopSizeOfr[loop]);
    parallel.insert(loop);
  }
  for (OpFoldResult size : outSizes)
    if (!size)
      return ctx.emitError() << "cannot determine an output dimension";
  maps.push_back(AffineMap::get(loops, 0, outExprs, context));
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < loops; ++i)
    iterators.push_back(parallel.contains(i) ? utils::IteratorType::parallel
                                             : utils::IteratorType::reduction);
  Value init =
      filledTensor(b, loc, outSizes, scalarConstant(b, loc, type, 0.0));
  SmallVector<Value> inputs;
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    inputs.push_back(ctx.input(i));
  bool isFloat = isa<FloatType>(type);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value product = args[0];
            for (Value v : args.drop_front().drop_back())
              product =
                  isFloat
                      ? arith::MulFOp::create(nb, nl, product, v).getResult()
                      : arith::MulIOp::create(nb, nl, product, v).getResult();
            linalg::YieldOp::create(nb, nl,
                                    addCombine(nb, nl, product, args.back()));
          })
          .getResult(0);
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

} // namespace

void registerNeuralNetOps(OpRegistry &registry) {
  registry.add("", "MatMul", convertMatMul);
  registry.add("", "Gemm", convertGemm);
  registry.add("", "MatMulInteger", convertMatMulInteger);
  registry.add("", "Conv", convertConv);
  registry.add("", "ConvTranspose", convertConvTranspose);
  registry.add("", "ConvInteger", convertConvInteger);
  registry.add("", "QLinearConv", convertQLinearConv);
  registry.add("", "QLinearMatMul", convertQLinearMatMul);
  registry.add("", "DynamicQuantizeLinear", convertDynamicQuantizeLinear);
  registry.add("", "Einsum", convertEinsum);
  registry.add(
      "", "MaxPool",
      +[](NodeContext &ctx) { return convertPool(ctx, PoolKind::Max); });
  registry.add(
      "", "AveragePool",
      +[](NodeContext &ctx) { return convertPool(ctx, PoolKind::Average); });
  registry.add(
      "", "LpPool",
      +[](NodeContext &ctx) { return convertPool(ctx, PoolKind::Lp); });
  registry.add(
      "", "GlobalMaxPool",
      +[](NodeContext &ctx) { return convertGlobalPool(ctx, PoolKind::Max); });
  registry.add(
      "", "GlobalAveragePool", +[](NodeContext &ctx) {
        return convertGlobalPool(ctx, PoolKind::Average);
      });
  registry.add(
      "", "GlobalLpPool",
      +[](NodeContext &ctx) { return convertGlobalPool(ctx, PoolKind::Lp); });
  registry.add("", "BatchNormalization", convertBatchNormalization);
  registry.add("", "InstanceNormalization", convertInstanceNormalization);
  registry.add("", "LayerNormalization", convertLayerNormalization);
  registry.add("", "GroupNormalization", convertGroupNormalization);
  registry.add("", "RMSNormalization", convertRMSNormalization);
  registry.add("", "LpNormalization", convertLpNormalization);
  registry.add("", "MeanVarianceNormalization",
               convertMeanVarianceNormalization);
  registry.add("", "LRN", convertLRN);
  registry.add(
      "", "Softmax", +[](NodeContext &ctx) {
        return convertSoftmax(ctx, SoftmaxKind::Softmax);
      });
  registry.add(
      "", "LogSoftmax", +[](NodeContext &ctx) {
        return convertSoftmax(ctx, SoftmaxKind::LogSoftmax);
      });
  registry.add(
      "", "Hardmax", +[](NodeContext &ctx) {
        return convertSoftmax(ctx, SoftmaxKind::Hardmax);
      });
  registry.add("", "Gelu", convertGelu);
  registry.add(
      "", "Selu", +[](NodeContext &ctx) {
        double alpha = ctx.floatAttr("alpha", 1.67326319217681884765625f);
        double gamma = ctx.floatAttr("gamma", 1.05070102214813232421875f);
        return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
          Value negative =
              f.mul(f.c(alpha), math::ExpM1Op::create(f.b, f.loc, x));
          Value v =
              f.select(f.cmp(CmpFPredicate::OGT, x, f.c(0.0)), x, negative);
          return f.mul(f.c(gamma), v);
        });
      });
  registry.add(
      "", "Celu", +[](NodeContext &ctx) {
        double alpha = ctx.floatAttr("alpha", 1.0f);
        if (alpha == 0.0)
          return ctx.emitError() << "alpha must be non-zero", failure();
        return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
          Value em1 = math::ExpM1Op::create(f.b, f.loc, f.div(x, f.c(alpha)));
          return f.add(f.max(f.c(0.0), x),
                       f.min(f.c(0.0), f.mul(f.c(alpha), em1)));
        });
      });
  registry.add(
      "", "ThresholdedRelu", +[](NodeContext &ctx) {
        double alpha = ctx.floatAttr("alpha", 1.0f);
        return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
          return f.select(f.cmp(CmpFPredicate::OGT, x, f.c(alpha)), x,
                          f.c(0.0));
        });
      });
  registry.add(
      "", "HardSwish", +[](NodeContext &ctx) {
        return convertFloatActivation(ctx, [](const FloatOps &f, Value x) {
          Value gate = f.add(f.mul(x, f.c(1.0 / 6.0)), f.c(0.5));
          gate = f.min(f.max(gate, f.c(0.0)), f.c(1.0));
          return f.mul(x, gate);
        });
      });
  registry.add(
      "", "Mish", +[](NodeContext &ctx) {
        return convertFloatActivation(ctx, [](const FloatOps &f, Value x) {
          Value softplus =
              math::Log1pOp::create(f.b, f.loc, f.exp(x)).getResult();
          return f.mul(x, f.tanh(softplus));
        });
      });
  registry.add("", "PRelu", convertPRelu);
  registry.add(
      "", "Swish", +[](NodeContext &ctx) {
        double alpha = ctx.floatAttr("alpha", 1.0f);
        return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
          Value e = f.exp(f.sub(f.c(0.0), f.mul(f.c(alpha), x)));
          return f.div(x, f.add(f.c(1.0), e));
        });
      });
  registry.add(
      "", "Shrink", +[](NodeContext &ctx) {
        double lambd = ctx.floatAttr("lambd", 0.5f);
        double bias = ctx.floatAttr("bias", 0.0f);
        return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
          Value below = f.cmp(CmpFPredicate::OLT, x, f.c(-lambd));
          Value above = f.cmp(CmpFPredicate::OGT, x, f.c(lambd));
          return f.select(below, f.add(x, f.c(bias)),
                          f.select(above, f.sub(x, f.c(bias)), f.c(0.0)));
        });
      });
  registry.add("", "QuantizeLinear", convertQuantizeLinear);
  registry.add("", "DequantizeLinear", convertDequantizeLinear);
}

} // namespace dsk::onnx_import
