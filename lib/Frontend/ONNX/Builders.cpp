//===- Builders.cpp - IR builders shared by the ONNX op converters --------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;

namespace dsk::onnx_import {

LogicalResult requireFloat(NodeContext &ctx, Value v, StringRef what) {
  Type type = getElementTypeOrSelf(v);
  if (!isa<FloatType>(type))
    return ctx.emitError() << what << " must be a float tensor, got " << type;
  return success();
}

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

FailureOr<Value> convertTensor(NodeContext &ctx, Value v, Type to,
                               bool srcUnsigned, bool dstUnsigned) {
  if (getElementTypeOrSelf(v) == to)
    return v;
  return buildBroadcastElementwise(
      ctx, {v}, to, [&](OpBuilder &b, Location loc, ValueRange args) {
        return castScalar(b, loc, args[0], to, srcUnsigned, dstUnsigned);
      });
}

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

Value transpose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t p : perm)
    sizes.push_back(dimOf(b, loc, x, p));
  Value init = tensor::EmptyOp::create(b, loc, sizes, getElementTypeOrSelf(x));
  return linalg::TransposeOp::create(b, loc, x, init, perm)->getResult(0);
}

Type matmulAccumulatorType(Type elementType) {
  if (elementType.isF64() || isa<IntegerType>(elementType))
    return elementType;
  return {};
}

FailureOr<SmallVector<int64_t>>
broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> shape : shapes)
    rank = std::max(rank, shape.size());
  SmallVector<int64_t> result(rank, 1);
  for (ArrayRef<int64_t> shape : shapes) {
    size_t offset = rank - shape.size();
    for (auto [i, dim] : llvm::enumerate(shape)) {
      int64_t &out = result[offset + i];
      if (dim == 1)
        continue;
      if (out == 1 ||
          (ShapedType::isDynamic(out) && !ShapedType::isDynamic(dim))) {
        out = dim;
        continue;
      }
      if (ShapedType::isDynamic(dim) || out == dim)
        continue;
      return failure();
    }
  }
  return result;
}

SmallVector<OpFoldResult> resultSizes(OpBuilder &b, Location loc,
                                      ArrayRef<int64_t> shape,
                                      ValueRange operands) {
  SmallVector<OpFoldResult> sizes;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (!ShapedType::isDynamic(dim)) {
      sizes.push_back(b.getIndexAttr(dim));
      continue;
    }
    Value size;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t offset = static_cast<int64_t>(shape.size()) - type.getRank();
      int64_t j = static_cast<int64_t>(i) - offset;
      if (j < 0 || !type.isDynamicDim(j))
        continue;
      size = tensor::DimOp::create(b, loc, operand, j);
      break;
    }
    assert(size && "dynamic result dim without a dynamic operand dim");
    sizes.push_back(size);
  }
  return sizes;
}

Value emptyLike(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                Type elementType, ValueRange operands) {
  return tensor::EmptyOp::create(b, loc, resultSizes(b, loc, shape, operands),
                                 elementType);
}

FailureOr<Value> buildBroadcastElementwise(NodeContext &ctx, ValueRange inputs,
                                           Type resultElementType,
                                           const ScalarBodyFn &body) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value input : inputs)
    shapes.push_back(cast<RankedTensorType>(input.getType()).getShape());
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(shapes);
  if (failed(shape)) {
    InFlightDiagnostic diag = ctx.emitError();
    diag << "input shapes do not broadcast:";
    for (Value input : inputs)
      diag << " " << input.getType();
    return diag;
  }
  OpBuilder &b = ctx.b;
  MLIRContext *context = b.getContext();
  unsigned rank = shape->size();
  SmallVector<AffineMap> maps;
  for (Value input : inputs) {
    ArrayRef<int64_t> inputShape =
        cast<RankedTensorType>(input.getType()).getShape();
    unsigned offset = rank - inputShape.size();
    SmallVector<AffineExpr> exprs;
    for (auto [i, dim] : llvm::enumerate(inputShape)) {
      if (dim == 1 && (*shape)[offset + i] != 1)
        exprs.push_back(getAffineConstantExpr(0, context));
      else
        exprs.push_back(getAffineDimExpr(offset + i, context));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, context));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = emptyLike(b, ctx.loc, *shape, resultElementType, inputs);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, ctx.loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value result = body(nb, nl, args.drop_back());
        linalg::YieldOp::create(nb, nl, result);
      });
  return generic.getResult(0);
}

DenseElementsAttr int64Attr(MLIRContext *context, ArrayRef<int64_t> values,
                            ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, IntegerType::get(context, 64));
  return DenseElementsAttr::get(type, values);
}

DenseElementsAttr
foldIntElementwise(ArrayRef<DenseElementsAttr> inputs, Type resultElementType,
                   int64_t maxElements,
                   const std::function<int64_t(ArrayRef<int64_t>)> &fn) {
  auto resultInt = dyn_cast<IntegerType>(resultElementType);
  if (!resultInt)
    return {};
  SmallVector<ArrayRef<int64_t>> shapes;
  SmallVector<SmallVector<int64_t>> values;
  for (DenseElementsAttr input : inputs) {
    auto ints = dyn_cast_or_null<DenseIntElementsAttr>(input);
    if (!ints || ints.getNumElements() > maxElements)
      return {};
    bool isBool = ints.getElementType().isInteger(1);
    values.push_back(llvm::to_vector(
        llvm::map_range(ints.getValues<APInt>(), [&](const APInt &v) {
          return isBool ? static_cast<int64_t>(v.getZExtValue())
                        : v.getSExtValue();
        })));
    shapes.push_back(ints.getType().getShape());
  }
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(shapes);
  if (failed(shape))
    return {};
  CheckedInt checked;
  int64_t count = checked.product(*shape);
  if (checked.overflowed() || count > maxElements)
    return {};
  // Signed: rank - 1 below must be -1 for scalars.
  auto rank = static_cast<int64_t>(shape->size());
  SmallVector<APInt> results;
  SmallVector<int64_t> index(rank, 0), operands(inputs.size());
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t rest = linear;
    for (int64_t d = rank - 1; d >= 0; --d) {
      index[d] = rest % (*shape)[d];
      rest /= (*shape)[d];
    }
    for (auto [k, inputShape] : llvm::enumerate(shapes)) {
      int64_t offset = rank - static_cast<int64_t>(inputShape.size());
      int64_t position = 0;
      for (auto [d, dim] : llvm::enumerate(inputShape))
        position = position * dim + (dim == 1 ? 0 : index[offset + d]);
      operands[k] = values[k][position];
    }
    results.push_back(APInt(resultInt.getWidth(),
                            static_cast<uint64_t>(fn(operands)),
                            /*isSigned=*/true, /*implicitTrunc=*/true));
  }
  return DenseElementsAttr::get(
      RankedTensorType::get(*shape, resultElementType), results);
}

FailureOr<int64_t> normalizeAxis(NodeContext &ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return ctx.emitError() << "axis " << axis << " is out of range for rank "
                           << rank;
  return axis < 0 ? axis + rank : axis;
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Value scalar) {
  Value init = tensor::EmptyOp::create(b, loc, sizes, scalar.getType());
  return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{init})
      .getResult(0);
}

LogicalResult requireInputs(NodeContext &ctx, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  return success();
}

Value generateElements(
    OpBuilder &b, Location loc, Value init,
    function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = cast<ShapedType>(init.getType()).getRank();
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             body)
      .getResult(0);
}

} // namespace dsk::onnx_import
