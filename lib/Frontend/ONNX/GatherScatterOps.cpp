//===- GatherScatterOps.cpp - ONNX gathers and scatters
//---------------------===//
//
// Gather, GatherElements and GatherND as linalg.generic with linalg.index
// and tensor.extract (negative indices wrap); ScatterElements and ScatterND
// (with their reductions) as scf.for nests of tensor.insert, in index order
// so that duplicates resolve as the reference does.
//
//===----------------------------------------------------------------------===//

#include "ShapeBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include <numeric>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

//===----------------------------------------------------------------------===//
// Gather, GatherElements, GatherND
//===----------------------------------------------------------------------===//

LogicalResult convertGather(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value data = ctx.input(0), indices = ctx.input(1);
  auto dataType = ctx.inputType(0);
  auto indicesType = ctx.inputType(1);
  if (!isa<IntegerType>(indicesType.getElementType()) ||
      indicesType.getElementType().isInteger(1))
    return ctx.emitError() << "indices must be integers, got " << indicesType;
  int64_t rank = dataType.getRank(), q = indicesType.getRank();
  if (rank == 0)
    return ctx.emitError() << "data must have rank >= 1";
  FailureOr<int64_t> axisOr = normalizeAxis(ctx, ctx.intAttr("axis", 0), rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = *axisOr;
  int64_t axisSize = dataType.getDimSize(axis);
  bool isUnsigned = ctx.isUnsigned(0);
  Type elementType = dataType.getElementType();

  SmallVector<int64_t> shape(dataType.getShape().take_front(axis));
  llvm::append_range(shape, indicesType.getShape());
  llvm::append_range(shape, dataType.getShape().drop_front(axis + 1));

  DenseElementsAttr constIndices = ctx.constantInput(1);
  SmallVector<int64_t> indexValues;
  if (constIndices && constIndices.getNumElements() <= ctx.maxFoldElements()) {
    indexValues = intValues(constIndices);
    if (!ShapedType::isDynamic(axisSize))
      for (int64_t &v : indexValues) {
        if (v < -axisSize || v >= axisSize)
          return ctx.emitError() << "index " << v << " is out of range for "
                                 << "axis " << axis << " of size " << axisSize;
        if (v < 0)
          v += axisSize;
      }
  }
  bool staticIndices = constIndices &&
                       constIndices.getNumElements() <= ctx.maxFoldElements() &&
                       !ShapedType::isDynamic(axisSize);
  if (staticIndices && !ShapedType::isDynamicShape(shape)) {
    SmallVector<int64_t> strides = stridesOf(dataType.getShape());
    SmallVector<int64_t> indexStrides = stridesOf(indicesType.getShape());
    auto sourceLinear = [&](ArrayRef<int64_t> index) {
      int64_t linear = 0;
      for (int64_t d = 0; d < axis; ++d)
        linear += index[d] * strides[d];
      int64_t position = 0;
      for (int64_t d = 0; d < q; ++d)
        position += index[axis + d] * indexStrides[d];
      linear += indexValues[position] * strides[axis];
      for (int64_t d = axis + 1; d < rank; ++d)
        linear += index[d - 1 + q] * strides[d];
      return linear;
    };
    if (isFoldable(ctx.constantInput(0), ctx.maxFoldElements())) {
      if (DenseElementsAttr folded =
              remap(ctx.constantInput(0), shape, ctx.maxFoldElements(),
                    sourceLinear)) {
        ctx.setConstantOutput(0, folded, isUnsigned);
        return success();
      }
    }
    if (rank == 1 && product(shape) <= kMaxKnownElements)
      if (auto known = knownElements(ctx, 0)) {
        SmallVector<Value> scalars;
        for (int64_t v : indexValues)
          scalars.push_back((*known)[v]);
        setElementsOutput(ctx, 0, shape, elementType, scalars, isUnsigned);
        return success();
      }
  }
  IndexArith m{ctx.b, ctx.loc};
  // A single constant index: a rank-reducing slice.
  if (constIndices && q == 0) {
    int64_t v = intValues(constIndices).front();
    Value index = m.c(v);
    if (ShapedType::isDynamic(axisSize))
      index = m.wrapNegative(index, dimValue(ctx.b, ctx.loc, data, axis));
    else
      index = m.c(indexValues.front());
    SmallVector<OpFoldResult> offsets(rank, ctx.b.getIndexAttr(0)),
        sizes = dimsOf(ctx.b, ctx.loc, data),
        strides(rank, ctx.b.getIndexAttr(1));
    offsets[axis] = getAsOpFoldResult(index);
    sizes[axis] = ctx.b.getIndexAttr(1);
    auto resultType = RankedTensorType::get(shape, elementType);
    ctx.setOutput(0,
                  tensor::ExtractSliceOp::create(ctx.b, ctx.loc, resultType,
                                                 data, offsets, sizes, strides),
                  isUnsigned);
    return success();
  }
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < axis; ++d)
    sizes.push_back(dimOf(ctx.b, ctx.loc, data, d));
  for (int64_t d = 0; d < q; ++d)
    sizes.push_back(dimOf(ctx.b, ctx.loc, indices, d));
  for (int64_t d = axis + 1; d < rank; ++d)
    sizes.push_back(dimOf(ctx.b, ctx.loc, data, d));
  unsigned outRank = sizes.size();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < q; ++d)
    exprs.push_back(ctx.b.getAffineDimExpr(axis + d));
  AffineMap indicesMap = AffineMap::get(outRank, 0, exprs, ctx.b.getContext());
  Value axisDim = dimValue(ctx.b, ctx.loc, data, axis);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, sizes, elementType, {indices}, {indicesMap},
      [&](OpBuilder &b, Location loc, ValueRange ivs,
          ValueRange args) -> Value {
        IndexArith im{b, loc};
        Value index = im.wrapNegative(im.toIndex(args[0]), axisDim);
        SmallVector<Value> position(ivs.take_front(axis));
        position.push_back(index);
        llvm::append_range(position, ivs.drop_front(axis + q));
        return tensor::ExtractOp::create(b, loc, data, position);
      });
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

LogicalResult convertGatherElements(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value data = ctx.input(0), indices = ctx.input(1);
  auto dataType = ctx.inputType(0);
  auto indicesType = ctx.inputType(1);
  int64_t rank = dataType.getRank();
  if (indicesType.getRank() != rank || rank == 0)
    return ctx.emitError() << "data and indices must have one rank >= 1, got "
                           << dataType << " and " << indicesType;
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  Value axisDim = dimValue(ctx.b, ctx.loc, data, *axis);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, dimsOf(ctx.b, ctx.loc, indices),
      dataType.getElementType(), {indices},
      {ctx.b.getMultiDimIdentityMap(rank)},
      [&](OpBuilder &b, Location loc, ValueRange ivs,
          ValueRange args) -> Value {
        IndexArith im{b, loc};
        SmallVector<Value> position(ivs);
        position[*axis] = im.wrapNegative(im.toIndex(args[0]), axisDim);
        return tensor::ExtractOp::create(b, loc, data, position);
      });
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

LogicalResult convertGatherND(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value data = ctx.input(0), indices = ctx.input(1);
  auto dataType = ctx.inputType(0);
  auto indicesType = ctx.inputType(1);
  int64_t r = dataType.getRank(), q = indicesType.getRank();
  int64_t batch = ctx.opset >= 12 ? ctx.intAttr("batch_dims", 0) : 0;
  if (q < 1 || r < 1 || indicesType.isDynamicDim(q - 1))
    return ctx.emitError() << "needs data and indices of rank >= 1 and a "
                              "static last indices dim, got "
                           << dataType << " and " << indicesType;
  int64_t k = indicesType.getDimSize(q - 1);
  if (batch < 0 || batch >= std::min(q, r) || k < 1 || batch + k > r)
    return ctx.emitError() << "batch_dims " << batch << " and index depth " << k
                           << " do not fit " << dataType;
  // Output: indices.shape[:-1] + data.shape[batch + k:].
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < q - 1; ++d)
    sizes.push_back(dimOf(ctx.b, ctx.loc, indices, d));
  for (int64_t d = batch + k; d < r; ++d)
    sizes.push_back(dimOf(ctx.b, ctx.loc, data, d));
  SmallVector<Value> dataDims;
  for (int64_t d = 0; d < r; ++d)
    dataDims.push_back(dimValue(ctx.b, ctx.loc, data, d));
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, sizes, dataType.getElementType(), {}, {},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange) -> Value {
        IndexArith im{b, loc};
        SmallVector<Value> position(ivs.take_front(batch));
        SmallVector<Value> at(ivs.take_front(q - 1));
        at.push_back({});
        for (int64_t j = 0; j < k; ++j) {
          at.back() = im.c(j);
          Value index =
              im.toIndex(tensor::ExtractOp::create(b, loc, indices, at));
          position.push_back(im.wrapNegative(index, dataDims[batch + j]));
        }
        llvm::append_range(position, ivs.drop_front(q - 1));
        return tensor::ExtractOp::create(b, loc, data, position);
      });
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Scatter
//===----------------------------------------------------------------------===//

/// A loop nest over `bounds`; `body` maps the indices and the carried tensor
/// to its next value.
Value loopNest(
    OpBuilder &b, Location loc, ArrayRef<Value> bounds, Value init,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body) {
  SmallVector<Value> ivs;
  std::function<Value(OpBuilder &, Location, size_t, Value)> build =
      [&](OpBuilder &nb, Location nl, size_t depth, Value carried) -> Value {
    if (depth == bounds.size())
      return body(nb, nl, ivs, carried);
    Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
    Value one = arith::ConstantIndexOp::create(nb, nl, 1);
    auto loop = scf::ForOp::create(
        nb, nl, zero, bounds[depth], one, ValueRange{carried},
        [&](OpBuilder &lb, Location ll, Value iv, ValueRange args) {
          ivs.push_back(iv);
          Value next = build(lb, ll, depth + 1, args[0]);
          ivs.pop_back();
          scf::YieldOp::create(lb, ll, next);
        });
    return loop.getResult(0);
  };
  return build(b, loc, 0, init);
}

/// The reduction of a scatter: how an update combines with the old value.
FailureOr<std::function<Value(OpBuilder &, Location, Value, Value)>>
scatterReduction(NodeContext &ctx, Type elementType, bool isUnsigned) {
  std::string reduction = ctx.stringAttr("reduction", "none");
  bool isFloat = isa<FloatType>(elementType);
  using Fn = std::function<Value(OpBuilder &, Location, Value, Value)>;
  if (reduction == "none")
    return Fn(
        [](OpBuilder &, Location, Value, Value update) { return update; });
  if (elementType.isInteger(1))
    return ctx.emitError() << "reduction '" << reduction
                           << "' on bool is not supported";
  if (reduction == "add")
    return Fn([=](OpBuilder &b, Location loc, Value old, Value u) -> Value {
      if (isFloat)
        return arith::AddFOp::create(b, loc, old, u);
      return arith::AddIOp::create(b, loc, old, u);
    });
  if (reduction == "mul")
    return Fn([=](OpBuilder &b, Location loc, Value old, Value u) -> Value {
      if (isFloat)
        return arith::MulFOp::create(b, loc, old, u);
      return arith::MulIOp::create(b, loc, old, u);
    });
  if (reduction == "max" && ctx.opset >= 18)
    return Fn([=](OpBuilder &b, Location loc, Value old, Value u) -> Value {
      if (isFloat)
        return arith::MaximumFOp::create(b, loc, old, u);
      if (isUnsigned)
        return arith::MaxUIOp::create(b, loc, old, u);
      return arith::MaxSIOp::create(b, loc, old, u);
    });
  if (reduction == "min" && ctx.opset >= 18)
    return Fn([=](OpBuilder &b, Location loc, Value old, Value u) -> Value {
      if (isFloat)
        return arith::MinimumFOp::create(b, loc, old, u);
      if (isUnsigned)
        return arith::MinUIOp::create(b, loc, old, u);
      return arith::MinSIOp::create(b, loc, old, u);
    });
  return ctx.emitError() << "unknown reduction '" << reduction << "'";
}

LogicalResult convertScatterElements(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 3)))
    return failure();
  Value data = ctx.input(0), indices = ctx.input(1), updates = ctx.input(2);
  auto dataType = ctx.inputType(0);
  int64_t rank = dataType.getRank();
  if (ctx.inputType(1).getRank() != rank ||
      ctx.inputType(2).getRank() != rank || rank == 0 ||
      ctx.inputType(2).getElementType() != dataType.getElementType())
    return ctx.emitError() << "data, indices and updates must have one rank "
                              ">= 1 (and data and updates one type)";
  if (failed(verifyCompatibleShape(ctx.inputType(1), ctx.inputType(2))))
    return ctx.emitError() << "indices and updates must have one shape";
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  bool isUnsigned = ctx.isUnsigned(0);
  auto combine = scatterReduction(ctx, dataType.getElementType(), isUnsigned);
  if (failed(combine))
    return failure();
  SmallVector<Value> bounds;
  for (int64_t d = 0; d < rank; ++d)
    bounds.push_back(dimValue(ctx.b, ctx.loc, updates, d));
  Value axisDim = dimValue(ctx.b, ctx.loc, data, *axis);
  Value result = loopNest(
      ctx.b, ctx.loc, bounds, data,
      [&](OpBuilder &b, Location loc, ValueRange ivs, Value acc) -> Value {
        IndexArith im{b, loc};
        Value u = tensor::ExtractOp::create(b, loc, updates, ivs);
        Value i = im.toIndex(tensor::ExtractOp::create(b, loc, indices, ivs));
        SmallVector<Value> position(ivs);
        position[*axis] = im.wrapNegative(i, axisDim);
        Value old = tensor::ExtractOp::create(b, loc, acc, position);
        return tensor::InsertOp::create(b, loc, (*combine)(b, loc, old, u), acc,
                                        position);
      });
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

LogicalResult convertScatterND(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 3)))
    return failure();
  Value data = ctx.input(0), indices = ctx.input(1), updates = ctx.input(2);
  auto dataType = ctx.inputType(0);
  auto indicesType = ctx.inputType(1);
  int64_t r = dataType.getRank(), q = indicesType.getRank();
  if (q < 1 || r < 1 || indicesType.isDynamicDim(q - 1))
    return ctx.emitError() << "needs data and indices of rank >= 1 and a "
                              "static last indices dim";
  int64_t k = indicesType.getDimSize(q - 1);
  if (k > r || ctx.inputType(2).getRank() != q - 1 + r - k ||
      ctx.inputType(2).getElementType() != dataType.getElementType())
    return ctx.emitError() << "updates must have rank q - 1 + r - k and the "
                              "data's type";
  bool isUnsigned = ctx.isUnsigned(0);
  auto combine = scatterReduction(ctx, dataType.getElementType(), isUnsigned);
  if (failed(combine))
    return failure();
  SmallVector<Value> bounds, dataDims;
  for (int64_t d = 0; d < q - 1 + r - k; ++d)
    bounds.push_back(dimValue(ctx.b, ctx.loc, updates, d));
  for (int64_t d = 0; d < r; ++d)
    dataDims.push_back(dimValue(ctx.b, ctx.loc, data, d));
  Value result = loopNest(
      ctx.b, ctx.loc, bounds, data,
      [&](OpBuilder &b, Location loc, ValueRange ivs, Value acc) -> Value {
        IndexArith im{b, loc};
        Value u = tensor::ExtractOp::create(b, loc, updates, ivs);
        SmallVector<Value> at(ivs.take_front(q - 1));
        at.push_back({});
        SmallVector<Value> position;
        for (int64_t j = 0; j < k; ++j) {
          at.back() = im.c(j);
          Value i = im.toIndex(tensor::ExtractOp::create(b, loc, indices, at));
          position.push_back(im.wrapNegative(i, dataDims[j]));
        }
        llvm::append_range(position, ivs.drop_front(q - 1));
        Value old = tensor::ExtractOp::create(b, loc, acc, position);
        return tensor::InsertOp::create(b, loc, (*combine)(b, loc, old, u), acc,
                                        position);
      });
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

} // namespace

void registerGatherScatterOps(OpRegistry &registry) {
  registry.add("", "Gather", convertGather);
  registry.add("", "GatherElements", convertGatherElements);
  registry.add("", "GatherND", convertGatherND);
  registry.add("", "ScatterElements", convertScatterElements);
  registry.add("", "Scatter", convertScatterElements);
  registry.add("", "ScatterND", convertScatterND);
}

} // namespace dsk::onnx_import
