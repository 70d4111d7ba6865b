//===- LossOps.cpp - ONNX loss operators ---------------------------------===//
//
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. The per-element
// loss gathers x[n, target[n, d...], d...] with tensor.extract inside a
// linalg.generic over the target; the reductions (sum, weighted mean) are
// linalg.generic reductions into rank-0 tensors. The semantics follow the
// ONNX operator spec and its reference implementation: the weight of a
// target is weight[target] (clamped into [0, C) as numpy.take(mode='clip')),
// zero for ignored targets, and 'mean' divides the weighted sum by the sum of
// the weights of the non-ignored targets.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>
#include <optional>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

/// `tensor.empty` of `shape` whose dynamic dims are x's dims `xDims[i]`.
Value emptyFromX(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> xDims,
                 Type elementType) {
  ArrayRef<int64_t> xShape = typeOf(x).getShape();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : xDims) {
    if (ShapedType::isDynamic(xShape[d]))
      sizes.push_back(tensor::DimOp::create(b, loc, x, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(xShape[d]));
  }
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

/// A rank-0 tensor holding `value`.
Value filledScalar(OpBuilder &b, Location loc, Type elementType, double value) {
  Value init =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, elementType);
  return linalg::FillOp::create(
             b, loc, scalarConstant(b, loc, elementType, value), init)
      .getResult(0);
}

struct LossInputs {
  Value x;      // [N, C, d1, ...], float
  Value target; // [N, d1, ...], integer
  Value weight; // [C] or null
  bool targetUnsigned = false;
};

/// Checks the inputs of either loss and refines x and target to the join of
/// their shapes (x's dims 0, 2, 3... are target's dims).
FailureOr<LossInputs> checkLossInputs(NodeContext &ctx) {
  for (size_t i : {0, 1})
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  LossInputs in{ctx.input(0), ctx.input(1),
                ctx.hasInput(2) ? ctx.input(2) : Value(), ctx.isUnsigned(1)};
  RankedTensorType xType = typeOf(in.x), tType = typeOf(in.target);
  Type elementType = xType.getElementType();
  if (!isa<FloatType>(elementType))
    return ctx.emitError() << "input must be a float tensor, got " << xType;
  if (!(tType.getElementType().isInteger(32) ||
        tType.getElementType().isInteger(64)) ||
      in.targetUnsigned)
    return ctx.emitError() << "target must be an int32 or int64 tensor, got "
                           << (in.targetUnsigned ? "unsigned " : "") << tType;
  if (xType.getRank() < 2)
    return ctx.emitError() << "input must have rank >= 2 ([N, C, d1, ...]), "
                           << "got " << xType;
  if (tType.getRank() != xType.getRank() - 1)
    return ctx.emitError() << "target must have rank " << xType.getRank() - 1
                           << " ([N, d1, ...]), got " << tType;
  SmallVector<int64_t> xShape(xType.getShape());
  for (int64_t t = 0; t < tType.getRank(); ++t) {
    int64_t xd = t == 0 ? 0 : t + 1;
    int64_t a = xShape[xd], bDim = tType.getDimSize(t);
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(bDim) && a != bDim)
      return ctx.emitError()
             << "target " << tType << " does not match the input " << xType;
    if (ShapedType::isDynamic(a))
      xShape[xd] = bDim;
  }
  if (in.weight) {
    RankedTensorType wType = typeOf(in.weight);
    if (wType.getElementType() != elementType || wType.getRank() != 1)
      return ctx.emitError() << "weight must be a 1-D " << elementType
                             << " tensor, got " << wType;
    if (!ShapedType::isDynamic(wType.getDimSize(0)) &&
        !ShapedType::isDynamic(xShape[1]) && wType.getDimSize(0) != xShape[1])
      return ctx.emitError() << "weight " << wType
                             << " does not match the class count of " << xType;
    if (ShapedType::isDynamic(xShape[1]))
      xShape[1] = wType.getDimSize(0);
  }
  SmallVector<int64_t> tShape = {xShape[0]};
  tShape.append(xShape.begin() + 2, xShape.end());
  auto refinedX = RankedTensorType::get(xShape, elementType);
  auto refinedT = RankedTensorType::get(tShape, tType.getElementType());
  if (refinedX != xType)
    in.x = tensor::CastOp::create(ctx.b, ctx.loc, refinedX, in.x);
  if (refinedT != tType)
    in.target = tensor::CastOp::create(ctx.b, ctx.loc, refinedT, in.target);
  return in;
}

/// The reduction attribute, checked.
FailureOr<std::string> reductionAttr(NodeContext &ctx) {
  std::string reduction = ctx.stringAttr("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return ctx.emitError() << "reduction must be 'none', 'sum' or 'mean', got '"
                           << reduction << "'";
  return reduction;
}

/// The negative log likelihood of `logProb` ([N, C, d...]) at `target`.
FailureOr<Value> buildNll(NodeContext &ctx, Value logProb, Value target,
                          Value weight, std::optional<int64_t> ignoreIndex,
                          StringRef reduction) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = ctx.getContext();
  Type elementType = typeOf(logProb).getElementType();
  Type targetType = typeOf(target).getElementType();
  int64_t rank = typeOf(target).getRank();
  SmallVector<int64_t> targetDims = {0};
  for (int64_t d = 2; d <= rank; ++d)
    targetDims.push_back(d);

  // The largest valid class, for clamping gathers.
  Value classes = typeOf(logProb).isDynamicDim(1)
                      ? tensor::DimOp::create(b, loc, logProb, 1).getResult()
                      : arith::ConstantIndexOp::create(
                            b, loc, typeOf(logProb).getDimSize(1))
                            .getResult();
  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  Value lastClass = arith::SubIOp::create(
      b, loc, classes, arith::ConstantIndexOp::create(b, loc, 1));
  std::optional<int64_t> ignore = ignoreIndex;
  if (ignore && targetType.isInteger(32) &&
      (*ignore < std::numeric_limits<int32_t>::min() ||
       *ignore > std::numeric_limits<int32_t>::max()))
    ignore.reset(); // No int32 target can equal it.

  // Loss and weight of one target element.
  auto lossAndWeight = [&](OpBuilder &nb, Location nl,
                           Value t) -> std::pair<Value, Value> {
    Value index = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), t);
    Value clamped = arith::MaxSIOp::create(
        nb, nl, arith::MinSIOp::create(nb, nl, index, lastClass), zeroIndex);
    SmallVector<Value> indices;
    for (int64_t d = 0; d < rank; ++d) {
      indices.push_back(linalg::IndexOp::create(nb, nl, d));
      if (d == 0)
        indices.push_back(clamped);
    }
    Value v = tensor::ExtractOp::create(nb, nl, logProb, indices);
    Value loss = arith::NegFOp::create(nb, nl, v);
    Value w;
    if (weight) {
      w = tensor::ExtractOp::create(nb, nl, weight, ValueRange{clamped});
      loss = arith::MulFOp::create(nb, nl, w, loss);
    } else if (ignore) {
      w = scalarConstant(nb, nl, elementType, 1.0);
    }
    if (ignore) {
      Value ignored =
          arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, t,
                                scalarConstant(nb, nl, targetType, *ignore));
      Value zero = scalarConstant(nb, nl, elementType, 0.0);
      loss = arith::SelectOp::create(nb, nl, ignored, zero, loss);
      if (w)
        w = arith::SelectOp::create(nb, nl, ignored, zero, w);
    }
    return {loss, w};
  };

  AffineMap identity = b.getMultiDimIdentityMap(rank);
  if (reduction == "none") {
    Value init = emptyFromX(b, loc, logProb, targetDims, elementType);
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{init.getType()}, ValueRange{target}, ValueRange{init},
        ArrayRef<AffineMap>{identity, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(nb, nl, lossAndWeight(nb, nl, args[0]).first);
        });
    return generic.getResult(0);
  }

  // Sum of the losses, and of the weights when 'mean' divides by them.
  bool weightedMean = reduction == "mean" && (weight || ignore);
  AffineMap toScalar = AffineMap::get(rank, 0, {}, context);
  SmallVector<Value> inits = {filledScalar(b, loc, elementType, 0.0)};
  if (weightedMean)
    inits.push_back(filledScalar(b, loc, elementType, 0.0));
  SmallVector<AffineMap> maps = {identity};
  maps.append(inits.size(), toScalar);
  SmallVector<Type> resultTypes(inits.size(), inits.front().getType());
  auto sums = linalg::GenericOp::create(
      b, loc, resultTypes, ValueRange{target}, inits, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        auto [loss, w] = lossAndWeight(nb, nl, args[0]);
        SmallVector<Value> results = {
            arith::AddFOp::create(nb, nl, args[1], loss)};
        if (weightedMean)
          results.push_back(arith::AddFOp::create(nb, nl, args[2], w));
        linalg::YieldOp::create(nb, nl, results);
      });
  if (reduction == "sum")
    return sums.getResult(0);

  // mean: divide by the weight sum, or by the element count.
  Value count;
  if (!weightedMean) {
    Value n = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = 0; d < rank; ++d)
      n = arith::MulIOp::create(
          b, loc, n,
          typeOf(target).isDynamicDim(d)
              ? tensor::DimOp::create(b, loc, target, d).getResult()
              : arith::ConstantIndexOp::create(b, loc,
                                               typeOf(target).getDimSize(d))
                    .getResult());
    n = arith::IndexCastOp::create(b, loc, b.getI64Type(), n);
    count = arith::SIToFPOp::create(b, loc, elementType, n);
  }
  Value init =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, elementType);
  SmallVector<Value> operands = {sums.getResult(0)};
  if (weightedMean)
    operands.push_back(sums.getResult(1));
  AffineMap scalarMap = AffineMap::get(0, 0, {}, context);
  SmallVector<AffineMap> divMaps(operands.size() + 1, scalarMap);
  auto mean = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, operands, ValueRange{init}, divMaps,
      ArrayRef<utils::IteratorType>{},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value divisor = weightedMean ? args[1] : count;
        linalg::YieldOp::create(
            nb, nl,
            arith::DivFOp::create(nb, nl, args[0], divisor).getResult());
      });
  return mean.getResult(0);
}

std::optional<int64_t> ignoreIndexAttr(NodeContext &ctx) {
  if (!ctx.hasAttr("ignore_index"))
    return std::nullopt;
  return ctx.intAttr("ignore_index", 0);
}

LogicalResult convertNegativeLogLikelihoodLoss(NodeContext &ctx) {
  FailureOr<LossInputs> in = checkLossInputs(ctx);
  FailureOr<std::string> reduction = reductionAttr(ctx);
  if (failed(in) || failed(reduction))
    return failure();
  FailureOr<Value> loss = buildNll(ctx, in->x, in->target, in->weight,
                                   ignoreIndexAttr(ctx), *reduction);
  if (failed(loss))
    return failure();
  ctx.setOutput(0, *loss);
  return success();
}

/// `combine` over the class dim (1) of x, one value per [N, d...].
Value reduceClasses(
    OpBuilder &b, Location loc, ValueRange inputs, double initValue,
    function_ref<Value(OpBuilder &, Location, ValueRange)> combine) {
  Value x = inputs.front();
  RankedTensorType xType = typeOf(x);
  int64_t rank = xType.getRank();
  MLIRContext *context = b.getContext();
  SmallVector<int64_t> outDims = {0};
  SmallVector<AffineExpr> outExprs = {getAffineDimExpr(0, context)};
  for (int64_t d = 2; d < rank; ++d) {
    outDims.push_back(d);
    outExprs.push_back(getAffineDimExpr(d, context));
  }
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, context);
  Type elementType = xType.getElementType();
  Value init = emptyFromX(b, loc, x, outDims, elementType);
  init = linalg::FillOp::create(
             b, loc, scalarConstant(b, loc, elementType, initValue), init)
             .getResult(0);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  for (size_t i = 1; i < inputs.size(); ++i)
    maps.push_back(outMap);
  maps.push_back(outMap);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[1] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, combine(nb, nl, args));
             })
      .getResult(0);
}

LogicalResult convertSoftmaxCrossEntropyLoss(NodeContext &ctx) {
  FailureOr<LossInputs> in = checkLossInputs(ctx);
  FailureOr<std::string> reduction = reductionAttr(ctx);
  if (failed(in) || failed(reduction))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = in->x;
  RankedTensorType xType = typeOf(x);
  int64_t rank = xType.getRank();
  MLIRContext *context = ctx.getContext();

  // log_softmax over the class dim: x - max - log(sum(exp(x - max))).
  Value max = reduceClasses(
      b, loc, {x}, -std::numeric_limits<double>::infinity(),
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::MaximumFOp::create(nb, nl, args[0], args[1]);
      });
  Value sum = reduceClasses(
      b, loc, {x, max}, 0.0,
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value e = math::ExpOp::create(
            nb, nl, arith::SubFOp::create(nb, nl, args[0], args[1]));
        return arith::AddFOp::create(nb, nl, args[2], e);
      });
  SmallVector<AffineExpr> outExprs = {getAffineDimExpr(0, context)};
  for (int64_t d = 2; d < rank; ++d)
    outExprs.push_back(getAffineDimExpr(d, context));
  AffineMap reducedMap = AffineMap::get(rank, 0, outExprs, context);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<int64_t> allDims;
  for (int64_t d = 0; d < rank; ++d)
    allDims.push_back(d);
  Value init = emptyFromX(b, loc, x, allDims, xType.getElementType());
  Value logProb =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, ValueRange{x, max, sum},
          ValueRange{init},
          ArrayRef<AffineMap>{identity, reducedMap, reducedMap, identity},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value shifted = arith::SubFOp::create(nb, nl, args[0], args[1]);
            Value logSum = math::LogOp::create(nb, nl, args[2]);
            linalg::YieldOp::create(
                nb, nl,
                arith::SubFOp::create(nb, nl, shifted, logSum).getResult());
          })
          .getResult(0);

  FailureOr<Value> loss = buildNll(ctx, logProb, in->target, in->weight,
                                   ignoreIndexAttr(ctx), *reduction);
  if (failed(loss))
    return failure();
  ctx.setOutput(0, *loss);
  if (ctx.numOutputs() > 1 && ctx.hasOutput(1))
    ctx.setOutput(1, logProb);
  return success();
}

} // namespace

void registerLossOps(OpRegistry &registry) {
  registry.add("", "NegativeLogLikelihoodLoss",
               convertNegativeLogLikelihoodLoss);
  registry.add("", "SoftmaxCrossEntropyLoss", convertSoftmaxCrossEntropyLoss);
}

} // namespace dsk::onnx_import
