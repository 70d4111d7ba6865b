//===- ReductionOps.cpp - ONNX reduction operators ------------------------===//
//
// Reduce* become a linalg.generic reduction into a linalg.fill of the
// reduction's identity, an elementwise post-op (mean division, sqrt, log)
// and a tensor.expand_shape for keepdims. Axes known at import time give
// precise types; axes only known at run time (an input the graph computes)
// reduce in an scf loop nest over the input. ArgMax/ArgMin are two-result
// reductions (value, index); CumSum is a loop nest over the input; TopK
// selects its k results one reduction at a time.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

using arith::CmpFPredicate;
using arith::CmpIPredicate;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// The smallest (or largest) value of a type: -inf/+inf for floats, the
/// integer bounds otherwise (bool reads as unsigned).
Value extremeValue(OpBuilder &b, Location loc, Type type, bool isUnsigned,
                   bool largest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                  /*Negative=*/!largest)));
  unsigned width = type.getIntOrFloatBitWidth();
  bool asUnsigned = isUnsigned || width == 1;
  APInt value = asUnsigned ? (largest ? APInt::getMaxValue(width)
                                      : APInt::getMinValue(width))
                           : (largest ? APInt::getSignedMaxValue(width)
                                      : APInt::getSignedMinValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value addValues(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value mulValues(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

/// x > y (or x < y when !greater), with the signedness of the type.
Value compareValues(OpBuilder &b, Location loc, Value x, Value y,
                    bool isUnsigned, bool greater) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(
        b, loc, greater ? CmpFPredicate::OGT : CmpFPredicate::OLT, x, y);
  bool asUnsigned = isUnsigned || x.getType().isInteger(1);
  CmpIPredicate predicate =
      greater ? (asUnsigned ? CmpIPredicate::ugt : CmpIPredicate::sgt)
              : (asUnsigned ? CmpIPredicate::ult : CmpIPredicate::slt);
  return arith::CmpIOp::create(b, loc, predicate, x, y);
}

Value equalValues(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, CmpFPredicate::OEQ, x, y);
  return arith::CmpIOp::create(b, loc, CmpIPredicate::eq, x, y);
}

Value isNaN(OpBuilder &b, Location loc, Value x) {
  return arith::CmpFOp::create(b, loc, CmpFPredicate::UNO, x, x);
}

Value andValues(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}
Value orValues(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::OrIOp::create(b, loc, x, y);
}

Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
}

/// Expands `reduced`, the result of reducing `x` over the dims marked in
/// `isReduced` without keepdims, to the keepdims shape (those dims as 1).
Value expandReduced(OpBuilder &b, Location loc, Value reduced, Value x,
                    ArrayRef<bool> isReduced) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rank = xType.getRank();
  if (llvm::none_of(isReduced, [](bool r) { return r; }))
    return reduced;
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t d = 0; d < rank; ++d) {
    shape.push_back(isReduced[d] ? 1 : xType.getDimSize(d));
    sizes.push_back(isReduced[d] ? b.getIndexAttr(1)
                                 : tensor::getMixedSize(b, loc, x, d));
    pending.push_back(d);
    if (!isReduced[d]) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!groups.empty())
    groups.back().append(pending.begin(), pending.end());
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(reduced.getType()).getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, reduced, groups, sizes);
}

//===----------------------------------------------------------------------===//
// Reduce*
//===----------------------------------------------------------------------===//

enum class Reduce {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L1,
  L2,
  LogSum,
  LogSumExp,
  SumSquare
};

/// How one Reduce* op computes: the accumulator type, the identity it
/// starts from, the per-element pre-op, the combination and the post-op.
struct Reducer {
  Reduce kind;
  Type elementType;
  Type accType;
  bool isUnsigned;

  bool isMinMax() const { return kind == Reduce::Max || kind == Reduce::Min; }

  Value identity(OpBuilder &b, Location loc) const {
    switch (kind) {
    case Reduce::Max:
      return extremeValue(b, loc, accType, isUnsigned, /*largest=*/false);
    case Reduce::Min:
      return extremeValue(b, loc, accType, isUnsigned, /*largest=*/true);
    case Reduce::Prod:
      return scalarConstant(b, loc, accType, 1.0);
    default:
      return scalarConstant(b, loc, accType, 0.0);
    }
  }

  /// The element as it enters the accumulation; `shift` is LogSumExp's max.
  Value pre(OpBuilder &b, Location loc, Value x, Value shift) const {
    x = castScalar(b, loc, x, accType, isUnsigned, isUnsigned);
    switch (kind) {
    case Reduce::L1:
      if (isa<FloatType>(accType))
        return math::AbsFOp::create(b, loc, x);
      return isUnsigned ? x : math::AbsIOp::create(b, loc, x).getResult();
    case Reduce::L2:
    case Reduce::SumSquare:
      return mulValues(b, loc, x, x);
    case Reduce::LogSumExp:
      return math::ExpOp::create(b, loc,
                                 arith::SubFOp::create(b, loc, x, shift));
    default:
      return x;
    }
  }

  Value combine(OpBuilder &b, Location loc, Value acc, Value x) const {
    bool asUnsigned = isUnsigned || accType.isInteger(1);
    bool isFloat = isa<FloatType>(accType);
    switch (kind) {
    case Reduce::Max:
      if (isFloat)
        return arith::MaximumFOp::create(b, loc, acc, x);
      return asUnsigned ? arith::MaxUIOp::create(b, loc, acc, x).getResult()
                        : arith::MaxSIOp::create(b, loc, acc, x).getResult();
    case Reduce::Min:
      if (isFloat)
        return arith::MinimumFOp::create(b, loc, acc, x);
      return asUnsigned ? arith::MinUIOp::create(b, loc, acc, x).getResult()
                        : arith::MinSIOp::create(b, loc, acc, x).getResult();
    case Reduce::Prod:
      return mulValues(b, loc, acc, x);
    default:
      return addValues(b, loc, acc, x);
    }
  }

  bool needsPost() const {
    switch (kind) {
    case Reduce::Mean:
    case Reduce::L2:
    case Reduce::LogSum:
    case Reduce::LogSumExp:
      return true;
    default:
      return accType != elementType;
    }
  }

  /// The accumulated value to the result element: `count` (acc type) is the
  /// number of reduced elements, `shift` LogSumExp's max.
  Value post(OpBuilder &b, Location loc, Value r, Value count,
             Value shift) const {
    switch (kind) {
    case Reduce::Mean:
      if (isa<FloatType>(accType))
        r = arith::DivFOp::create(b, loc, r, count);
      else if (isUnsigned)
        r = arith::DivUIOp::create(b, loc, r, count);
      else
        r = arith::DivSIOp::create(b, loc, r, count);
      break;
    case Reduce::L2:
      if (isa<FloatType>(accType)) {
        r = math::SqrtOp::create(b, loc, r);
      } else {
        Value f = castScalar(b, loc, r, b.getF64Type(), isUnsigned, false);
        r = castScalar(b, loc, math::SqrtOp::create(b, loc, f), accType, false,
                       isUnsigned);
      }
      break;
    case Reduce::LogSum:
      r = math::LogOp::create(b, loc, r);
      break;
    case Reduce::LogSumExp:
      r = arith::AddFOp::create(b, loc, math::LogOp::create(b, loc, r), shift);
      break;
    default:
      break;
    }
    return castScalar(b, loc, r, elementType, isUnsigned, isUnsigned);
  }

  /// LogSumExp subtracts the max, or 0 where the max is infinite (all -inf,
  /// an empty set, or +inf), so that exp never sees inf - inf.
  Value shiftOf(OpBuilder &b, Location loc, Value max) const {
    Value inf = extremeValue(b, loc, accType, false, /*largest=*/true);
    Value isInf = arith::CmpFOp::create(b, loc, CmpFPredicate::OEQ,
                                        math::AbsFOp::create(b, loc, max), inf);
    return arith::SelectOp::create(b, loc, isInf,
                                   scalarConstant(b, loc, accType, 0.0), max);
  }
};

/// Reduce of a constant signed integer tensor, evaluated at import time
/// (exporters compute element counts with ReduceProd of a Shape). Null when
/// not applicable.
DenseElementsAttr foldReduce(DenseElementsAttr constant, Reduce kind,
                             ArrayRef<bool> isReduced,
                             ArrayRef<int64_t> resultShape,
                             int64_t maxElements) {
  auto ints = dyn_cast_or_null<DenseIntElementsAttr>(constant);
  if (!ints || ints.getElementType().isInteger(1) ||
      ints.getNumElements() == 0 || ints.getNumElements() > maxElements)
    return {};
  if (kind != Reduce::Sum && kind != Reduce::Prod && kind != Reduce::Max &&
      kind != Reduce::Min)
    return {};
  ArrayRef<int64_t> shape = ints.getType().getShape();
  int64_t resultCount = 1;
  for (auto [d, dim] : llvm::enumerate(shape))
    if (!isReduced[d])
      resultCount *= dim;
  SmallVector<uint64_t> acc(resultCount);
  SmallVector<bool> seen(resultCount, false);
  SmallVector<int64_t> index(shape.size(), 0);
  for (auto [linear, v] : llvm::enumerate(ints.getValues<APInt>())) {
    int64_t rest = linear;
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      index[d] = rest % shape[d];
      rest /= shape[d];
    }
    int64_t out = 0;
    for (auto [d, dim] : llvm::enumerate(shape))
      if (!isReduced[d])
        out = out * dim + index[d];
    uint64_t x = static_cast<uint64_t>(v.getSExtValue());
    if (!seen[out]) {
      acc[out] = x;
      seen[out] = true;
      continue;
    }
    switch (kind) {
    case Reduce::Sum:
      acc[out] += x;
      break;
    case Reduce::Prod:
      acc[out] *= x;
      break;
    case Reduce::Max:
      acc[out] = static_cast<uint64_t>(
          std::max(static_cast<int64_t>(acc[out]), static_cast<int64_t>(x)));
      break;
    default:
      acc[out] = static_cast<uint64_t>(
          std::min(static_cast<int64_t>(acc[out]), static_cast<int64_t>(x)));
      break;
    }
  }
  auto type = RankedTensorType::get(resultShape, ints.getElementType());
  unsigned width = ints.getElementType().getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (uint64_t v : acc)
    values.push_back(
        APInt(width, v, /*isSigned=*/true, /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}

/// The number of reduced elements, in the accumulator type.
Value reducedCount(OpBuilder &b, Location loc, Value x,
                   ArrayRef<bool> isReduced, const Reducer &reducer) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!isReduced[d])
      continue;
    if (!type.isDynamicDim(d)) {
      staticCount *= type.getDimSize(d);
      continue;
    }
    Value dim = tensor::DimOp::create(b, loc, x, d);
    dynamicCount =
        dynamicCount
            ? arith::MulIOp::create(b, loc, dynamicCount, dim).getResult()
            : dim;
  }
  Value count = arith::ConstantIndexOp::create(b, loc, staticCount);
  if (dynamicCount)
    count = arith::MulIOp::create(b, loc, count, dynamicCount);
  if (!isa<FloatType>(reducer.accType)) {
    // Integer means divide by at least 1: an empty mean is undefined.
    count = arith::MaxUIOp::create(b, loc, count,
                                   arith::ConstantIndexOp::create(b, loc, 1));
  }
  Value count64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return castScalar(b, loc, count64, reducer.accType, /*srcUnsigned=*/true,
                    reducer.isUnsigned);
}

/// Reduces `x` over the dims marked in `isReduced` (known at import time).
Value reduceKnownAxes(NodeContext &ctx, Value x, const Reducer &reducer,
                      ArrayRef<bool> isReduced, bool keepdims) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rank = xType.getRank();
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    if (isReduced[d]) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    sizes.push_back(tensor::getMixedSize(b, loc, x, d));
    outExprs.push_back(getAffineDimExpr(d, context));
  }
  AffineMap inMap = b.getMultiDimIdentityMap(rank);
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, context);

  // One reduction of x (and extra reduced-shape inputs) into a filled init.
  auto reduce = [&](Value init, ValueRange extra,
                    function_ref<Value(OpBuilder &, Location, Value x,
                                       ValueRange extra, Value acc)>
                        body) {
    SmallVector<Value> inputs = {x};
    inputs.append(extra.begin(), extra.end());
    SmallVector<AffineMap> maps = {inMap};
    maps.append(extra.size(), outMap);
    maps.push_back(outMap);
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
               maps, iterators,
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value result =
                     body(nb, nl, args.front(), args.drop_front().drop_back(),
                          args.back());
                 linalg::YieldOp::create(nb, nl, result);
               })
        .getResult(0);
  };

  Value shift;
  SmallVector<Value> extra;
  if (reducer.kind == Reduce::LogSumExp) {
    Reducer maxReducer = reducer;
    maxReducer.kind = Reduce::Max;
    Value init = filledTensor(b, loc, sizes, maxReducer.identity(b, loc));
    shift = reduce(
        init, {},
        [&](OpBuilder &nb, Location nl, Value v, ValueRange, Value acc) {
          return maxReducer.combine(nb, nl, acc, maxReducer.pre(nb, nl, v, {}));
        });
    extra.push_back(shift);
  }
  Value init = filledTensor(b, loc, sizes, reducer.identity(b, loc));
  Value result = reduce(
      init, extra,
      [&](OpBuilder &nb, Location nl, Value v, ValueRange ex, Value acc) {
        Value s = ex.empty() ? Value() : reducer.shiftOf(nb, nl, ex[0]);
        return reducer.combine(nb, nl, acc, reducer.pre(nb, nl, v, s));
      });

  if (reducer.needsPost()) {
    Value count;
    if (reducer.kind == Reduce::Mean)
      count = reducedCount(b, loc, x, isReduced, reducer);
    SmallVector<Value> postInputs = {result};
    if (shift)
      postInputs.push_back(shift);
    auto resultType = cast<RankedTensorType>(result.getType());
    Value postInit =
        tensor::EmptyOp::create(b, loc, sizes, reducer.elementType);
    SmallVector<AffineMap> maps(postInputs.size() + 1,
                                b.getMultiDimIdentityMap(resultType.getRank()));
    SmallVector<utils::IteratorType> parallel(resultType.getRank(),
                                              utils::IteratorType::parallel);
    result = linalg::GenericOp::create(
                 b, loc, TypeRange{postInit.getType()}, postInputs,
                 ValueRange{postInit}, maps, parallel,
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   Value s = shift ? reducer.shiftOf(nb, nl, args[1]) : Value();
                   linalg::YieldOp::create(
                       nb, nl, reducer.post(nb, nl, args[0], count, s));
                 })
                 .getResult(0);
  }
  if (keepdims)
    result = expandReduced(b, loc, result, x, isReduced);
  return result;
}

/// Extracts element `i` of a small 1-D (or 0-D) integer tensor as i64.
Value extractInt(OpBuilder &b, Location loc, Value tensor, int64_t i,
                 bool isUnsigned) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> indices;
  if (type.getRank() == 1)
    indices.push_back(arith::ConstantIndexOp::create(b, loc, i));
  Value v = tensor::ExtractOp::create(b, loc, tensor, indices);
  return castScalar(b, loc, v, b.getI64Type(), isUnsigned, false);
}

/// Reduces `x` over axes only known at run time (`axes`, a 1-D tensor of
/// `numAxes` distinct axes): a loop nest over the input accumulates into a
/// keepdims-shaped result whose reduced dims are 1.
FailureOr<Value> reduceRuntimeAxes(NodeContext &ctx, Value x,
                                   const Reducer &reducer, Value axes,
                                   int64_t numAxes, bool axesUnsigned,
                                   bool keepdims) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t rank = xType.getRank();
  if (numAxes > rank)
    return ctx.emitError() << numAxes << " axes for a rank-" << rank
                           << " input";
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value falseV = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  // isReduced[d]: some axis (normalized) equals d.
  SmallVector<Value> isReduced(rank, falseV);
  for (int64_t k = 0; k < numAxes; ++k) {
    Value a = extractInt(b, loc, axes, k, axesUnsigned);
    Value negative = arith::CmpIOp::create(b, loc, CmpIPredicate::slt, a,
                                           i64Constant(b, loc, 0));
    a = arith::SelectOp::create(
        b, loc, negative,
        arith::AddIOp::create(b, loc, a, i64Constant(b, loc, rank)), a);
    for (int64_t d = 0; d < rank; ++d)
      isReduced[d] = orValues(b, loc, isReduced[d],
                              arith::CmpIOp::create(b, loc, CmpIPredicate::eq,
                                                    a, i64Constant(b, loc, d)));
  }
  SmallVector<Value> dims;
  SmallVector<OpFoldResult> keptSizes;
  SmallVector<int64_t> keptShape;
  for (int64_t d = 0; d < rank; ++d) {
    dims.push_back(getValueOrCreateConstantIndexOp(
        b, loc, tensor::getMixedSize(b, loc, x, d)));
    keptSizes.push_back(
        arith::SelectOp::create(b, loc, isReduced[d], one, dims[d])
            .getResult());
    keptShape.push_back(xType.getDimSize(d) == 1 ? 1 : ShapedType::kDynamic);
  }
  SmallVector<Value> steps(rank, one), lbs(rank, zero);

  // One pass over x accumulating into `init` (keepdims shape); `shiftT` is
  // LogSumExp's max, read at the output position.
  auto pass = [&](const Reducer &r, Value shiftT) {
    Value init = filledTensor(b, loc, keptSizes, r.identity(b, loc));
    scf::LoopNest nest = scf::buildLoopNest(
        b, loc, lbs, dims, steps, ValueRange{init},
        [&](OpBuilder &nb, Location nl, ValueRange ivs,
            ValueRange iterArgs) -> scf::ValueVector {
          SmallVector<Value> out;
          for (int64_t d = 0; d < rank; ++d)
            out.push_back(
                arith::SelectOp::create(nb, nl, isReduced[d], zero, ivs[d]));
          Value v = tensor::ExtractOp::create(nb, nl, x, ivs);
          Value acc = tensor::ExtractOp::create(nb, nl, iterArgs[0], out);
          Value s;
          if (shiftT)
            s = r.shiftOf(nb, nl,
                          tensor::ExtractOp::create(nb, nl, shiftT, out));
          Value next = r.combine(nb, nl, acc, r.pre(nb, nl, v, s));
          return {tensor::InsertOp::create(nb, nl, next, iterArgs[0], out)
                      .getResult()};
        });
    return nest.results.empty() ? init : nest.results[0];
  };
  Value shift;
  if (reducer.kind == Reduce::LogSumExp) {
    Reducer maxReducer = reducer;
    maxReducer.kind = Reduce::Max;
    shift = pass(maxReducer, {});
  }
  Value result = pass(reducer, shift);

  if (reducer.needsPost()) {
    Value count;
    if (reducer.kind == Reduce::Mean) {
      Value c = one;
      for (int64_t d = 0; d < rank; ++d)
        c = arith::MulIOp::create(
            b, loc, c,
            arith::SelectOp::create(b, loc, isReduced[d], dims[d], one));
      if (!isa<FloatType>(reducer.accType))
        c = arith::MaxUIOp::create(b, loc, c, one);
      count = castScalar(b, loc,
                         arith::IndexCastOp::create(b, loc, b.getI64Type(), c),
                         reducer.accType, true, reducer.isUnsigned);
    }
    Value postInit =
        tensor::EmptyOp::create(b, loc, keptSizes, reducer.elementType);
    SmallVector<Value> postInputs = {result};
    if (shift)
      postInputs.push_back(shift);
    SmallVector<AffineMap> maps(postInputs.size() + 1,
                                b.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> parallel(rank,
                                              utils::IteratorType::parallel);
    result = linalg::GenericOp::create(
                 b, loc, TypeRange{postInit.getType()}, postInputs,
                 ValueRange{postInit}, maps, parallel,
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   Value s = shift ? reducer.shiftOf(nb, nl, args[1]) : Value();
                   linalg::YieldOp::create(
                       nb, nl, reducer.post(nb, nl, args[0], count, s));
                 })
                 .getResult(0);
  }
  auto keptType = RankedTensorType::get(keptShape, reducer.elementType);
  if (result.getType() != keptType)
    result = tensor::CastOp::create(b, loc, keptType, result);
  if (keepdims || numAxes == 0)
    return result;

  // Without keepdims: reshape to the kept dims, in order. Output dim m is
  // the input dim d that is the m-th one not reduced.
  int64_t outRank = rank - numAxes;
  SmallVector<Value> outDims(outRank, zero);
  Value position = zero;
  for (int64_t d = 0; d < rank; ++d) {
    Value kept = arith::XOrIOp::create(
        b, loc, isReduced[d],
        arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
    for (int64_t m = 0; m < outRank; ++m) {
      Value here = andValues(
          b, loc, kept,
          arith::CmpIOp::create(b, loc, CmpIPredicate::eq, position,
                                arith::ConstantIndexOp::create(b, loc, m)));
      outDims[m] = arith::SelectOp::create(b, loc, here, dims[d], outDims[m]);
    }
    position = arith::AddIOp::create(
        b, loc, position,
        arith::SelectOp::create(b, loc, kept, one, zero).getResult());
  }
  SmallVector<Value> shapeValues;
  for (Value dim : outDims)
    shapeValues.push_back(
        arith::IndexCastOp::create(b, loc, b.getI64Type(), dim));
  Value shapeTensor = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({outRank}, b.getI64Type()), shapeValues);
  SmallVector<int64_t> outShape(outRank, ShapedType::kDynamic);
  return tensor::ReshapeOp::create(
             b, loc, RankedTensorType::get(outShape, reducer.elementType),
             result, shapeTensor)
      .getResult();
}

LogicalResult convertReduce(NodeContext &ctx, Reduce kind,
                            int64_t axesInputSince) {
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input #0 (data) is required";
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  Type elementType = xType.getElementType();
  bool isUnsigned = ctx.isUnsigned(0);
  bool isFloat = isa<FloatType>(elementType);
  bool isBool = elementType.isInteger(1);
  bool floatOnly = kind == Reduce::LogSum || kind == Reduce::LogSumExp;
  if ((floatOnly && !isFloat) ||
      (isBool && kind != Reduce::Max && kind != Reduce::Min))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";

  Reducer reducer{kind, elementType, elementType, isUnsigned};
  if (isFloat && elementType.getIntOrFloatBitWidth() < 32 &&
      !reducer.isMinMax())
    reducer.accType = ctx.b.getF32Type();

  bool keepdims = ctx.intAttr("keepdims", 1) != 0;
  bool noop = ctx.opset >= axesInputSince &&
              ctx.intAttr("noop_with_empty_axes", 0) != 0;
  SmallVector<int64_t> axes;
  if (ctx.opset < axesInputSince) {
    axes = ctx.intsAttr("axes");
  } else if (ctx.hasInput(1)) {
    auto axesType = ctx.inputType(1);
    if (axesType.getRank() != 1 || !isa<IntegerType>(axesType.getElementType()))
      return ctx.emitError()
             << "axes must be a 1-D integer tensor, got " << axesType;
    if (!ctx.constantInput(1)) {
      if (axesType.isDynamicDim(0))
        return ctx.emitError()
               << "axes of unknown length are not supported (the result "
                  "rank would be unknown)";
      if (axesType.getDimSize(0) != 0) {
        FailureOr<Value> result = reduceRuntimeAxes(
            ctx, x, reducer, ctx.input(1), axesType.getDimSize(0),
            ctx.isUnsigned(1), keepdims);
        if (failed(result))
          return failure();
        ctx.setOutput(0, *result, isUnsigned);
        return success();
      }
    } else {
      FailureOr<SmallVector<int64_t>> values =
          ctx.requireConstantInts(1, "axes");
      if (failed(values))
        return failure();
      axes = *values;
    }
  }
  SmallVector<bool> isReduced(rank, axes.empty() && !noop);
  for (int64_t axis : axes) {
    FailureOr<int64_t> d = normalizeAxis(ctx, axis, rank);
    if (failed(d))
      return failure();
    if (*d >= rank || isReduced[*d])
      return ctx.emitError()
             << "axis " << axis << " is repeated or out of range for rank "
             << rank;
    isReduced[*d] = true;
  }

  SmallVector<int64_t> resultShape;
  for (int64_t d = 0; d < rank; ++d)
    if (!isReduced[d] || keepdims)
      resultShape.push_back(isReduced[d] ? 1 : xType.getDimSize(d));
  if (isa<IntegerType>(elementType) && !isUnsigned)
    if (DenseElementsAttr folded =
            foldReduce(ctx.constantInput(0), kind, isReduced, resultShape,
                       ctx.maxFoldElements())) {
      ctx.setConstantOutput(0, folded);
      return success();
    }
  ctx.setOutput(0, reduceKnownAxes(ctx, x, reducer, isReduced, keepdims),
                isUnsigned);
  return success();
}

//===----------------------------------------------------------------------===//
// ArgMax / ArgMin
//===----------------------------------------------------------------------===//

LogicalResult convertArgExtreme(NodeContext &ctx, bool isMax) {
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input #0 (data) is required";
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  Type elementType = xType.getElementType();
  bool isUnsigned = ctx.isUnsigned(0);
  if (elementType.isInteger(1))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  if (rank == 0)
    return ctx.emitError() << "the input must have rank >= 1";
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  if (xType.getDimSize(*axis) == 0)
    return ctx.emitError() << "cannot take the "
                           << (isMax ? "argmax" : "argmin")
                           << " of an empty axis";
  bool keepdims = ctx.intAttr("keepdims", 1) != 0;
  bool selectLast = ctx.opset >= 12 && ctx.intAttr("select_last_index", 0) != 0;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  SmallVector<bool> isReduced(rank, false);
  isReduced[*axis] = true;
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == *axis) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    sizes.push_back(tensor::getMixedSize(b, loc, x, d));
    outExprs.push_back(getAffineDimExpr(d, context));
  }
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, context);
  Value valueInit =
      filledTensor(b, loc, sizes, scalarConstant(b, loc, elementType, 0.0));
  // Index -1: nothing seen yet.
  Value indexInit = filledTensor(b, loc, sizes, i64Constant(b, loc, -1));
  int64_t axisDim = *axis;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valueInit.getType(), indexInit.getType()},
      ValueRange{x}, ValueRange{valueInit, indexInit},
      {b.getMultiDimIdentityMap(rank), outMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = args[0], best = args[1], bestIndex = args[2];
        Value i = arith::IndexCastOp::create(
            nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, axisDim));
        // NaN wins over numbers, as in NumPy.
        Value better = compareValues(nb, nl, v, best, isUnsigned, isMax);
        Value same = equalValues(nb, nl, v, best);
        if (isa<FloatType>(elementType)) {
          Value vNaN = isNaN(nb, nl, v), bestNaN = isNaN(nb, nl, best);
          Value notBestNaN = arith::XOrIOp::create(
              nb, nl, bestNaN,
              arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true)));
          better =
              orValues(nb, nl, better, andValues(nb, nl, vNaN, notBestNaN));
          better =
              andValues(nb, nl, better, orValues(nb, nl, notBestNaN, vNaN));
          same = orValues(nb, nl, same, andValues(nb, nl, vNaN, bestNaN));
        }
        Value tie = arith::CmpIOp::create(
            nb, nl, selectLast ? CmpIPredicate::sgt : CmpIPredicate::slt, i,
            bestIndex);
        Value none = arith::CmpIOp::create(nb, nl, CmpIPredicate::slt,
                                           bestIndex, i64Constant(nb, nl, 0));
        Value take =
            orValues(nb, nl, none,
                     orValues(nb, nl, better, andValues(nb, nl, same, tie)));
        linalg::YieldOp::create(
            nb, nl,
            ValueRange{arith::SelectOp::create(nb, nl, take, v, best),
                       arith::SelectOp::create(nb, nl, take, i, bestIndex)});
      });
  Value result = generic.getResult(1);
  if (keepdims)
    result = expandReduced(b, loc, result, x, isReduced);
  ctx.setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// CumSum, CumProd
//===----------------------------------------------------------------------===//

/// Cumulative sums (or products, with `product`) along an axis.
LogicalResult convertCumulative(NodeContext &ctx, bool product) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs x and axis are required";
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  Type elementType = xType.getElementType();
  bool isUnsigned = ctx.isUnsigned(0);
  if (elementType.isInteger(1))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  if (rank == 0)
    return ctx.emitError() << "the input must have rank >= 1";
  auto axisType = ctx.inputType(1);
  if (!isa<IntegerType>(axisType.getElementType()) ||
      axisType.getNumElements() != 1 || axisType.getRank() > 1)
    return ctx.emitError() << "axis must be an integer scalar, got "
                           << axisType;
  bool exclusive = ctx.intAttr("exclusive", 0) != 0;
  bool reverse = ctx.intAttr("reverse", 0) != 0;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value trueV = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value falseV = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  // isAxis[d]: whether d is the summed axis (known now or at run time).
  SmallVector<Value> isAxis(rank, falseV);
  if (DenseElementsAttr constant = ctx.constantInput(1)) {
    FailureOr<int64_t> value = ctx.requireConstantInt(1, "axis");
    if (failed(value))
      return failure();
    FailureOr<int64_t> axis = normalizeAxis(ctx, *value, rank);
    if (failed(axis))
      return failure();
    isAxis[*axis] = trueV;
  } else {
    Value a = extractInt(b, loc, ctx.input(1), 0, ctx.isUnsigned(1));
    Value negative = arith::CmpIOp::create(b, loc, CmpIPredicate::slt, a,
                                           i64Constant(b, loc, 0));
    a = arith::SelectOp::create(
        b, loc, negative,
        arith::AddIOp::create(b, loc, a, i64Constant(b, loc, rank)), a);
    for (int64_t d = 0; d < rank; ++d)
      isAxis[d] = arith::CmpIOp::create(b, loc, CmpIPredicate::eq, a,
                                        i64Constant(b, loc, d));
  }
  SmallVector<Value> dims;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    sizes.push_back(tensor::getMixedSize(b, loc, x, d));
    dims.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes.back()));
  }
  // The identity of the combination: what an exclusive scan starts from.
  Value zeroElement = scalarConstant(b, loc, elementType, product ? 1.0 : 0.0);
  auto combine = [&](OpBuilder &nb, Location nl, Value acc, Value v) -> Value {
    if (!product)
      return addValues(nb, nl, acc, v);
    if (isa<FloatType>(elementType))
      return arith::MulFOp::create(nb, nl, acc, v);
    return arith::MulIOp::create(nb, nl, acc, v);
  };
  Value init = filledTensor(b, loc, sizes, zeroElement);
  SmallVector<Value> lbs(rank, zero), steps(rank, one);
  // Every dim runs in the same direction, so the previous element along the
  // axis is always computed first.
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, dims, steps, ValueRange{init},
      [&](OpBuilder &nb, Location nl, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        SmallVector<Value> j;
        for (int64_t d = 0; d < rank; ++d) {
          Value idx = ivs[d];
          if (reverse)
            idx = arith::SubIOp::create(
                nb, nl, arith::SubIOp::create(nb, nl, dims[d], one), idx);
          j.push_back(idx);
        }
        // Whether j has a predecessor along the axis, and where it is.
        Value hasPrev = falseV;
        for (int64_t d = 0; d < rank; ++d) {
          Value here =
              reverse ? arith::CmpIOp::create(
                            nb, nl, CmpIPredicate::slt,
                            arith::AddIOp::create(nb, nl, j[d], one), dims[d])
                            .getResult()
                      : arith::CmpIOp::create(nb, nl, CmpIPredicate::sgt, j[d],
                                              zero)
                            .getResult();
          hasPrev =
              orValues(nb, nl, hasPrev, andValues(nb, nl, isAxis[d], here));
        }
        SmallVector<Value> p;
        for (int64_t d = 0; d < rank; ++d) {
          Value moved =
              reverse ? arith::AddIOp::create(nb, nl, j[d], one).getResult()
                      : arith::SubIOp::create(nb, nl, j[d], one).getResult();
          p.push_back(arith::SelectOp::create(
              nb, nl, andValues(nb, nl, isAxis[d], hasPrev), moved, j[d]));
        }
        Value prevSum = tensor::ExtractOp::create(nb, nl, iterArgs[0], p);
        Value value;
        if (exclusive) {
          Value prevX = tensor::ExtractOp::create(nb, nl, x, p);
          value = arith::SelectOp::create(
              nb, nl, hasPrev, combine(nb, nl, prevSum, prevX), zeroElement);
        } else {
          Value xj = tensor::ExtractOp::create(nb, nl, x, j);
          value = arith::SelectOp::create(nb, nl, hasPrev,
                                          combine(nb, nl, prevSum, xj), xj);
        }
        return {tensor::InsertOp::create(nb, nl, value, iterArgs[0], j)
                    .getResult()};
      });
  ctx.setOutput(0, nest.results[0], isUnsigned);
  return success();
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

LogicalResult convertTopK(NodeContext &ctx) {
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input #0 (X) is required";
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  Type elementType = xType.getElementType();
  bool isUnsigned = ctx.isUnsigned(0);
  if (elementType.isInteger(1))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  if (rank == 0)
    return ctx.emitError() << "the input must have rank >= 1";
  FailureOr<int64_t> axisOr = normalizeAxis(ctx, ctx.intAttr("axis", -1), rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = *axisOr;
  bool largest = ctx.opset < 11 || ctx.intAttr("largest", 1) != 0;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  // k, known now (staticK) or at run time (kValue).
  int64_t staticK = ShapedType::kDynamic;
  Value kValue;
  if (ctx.opset < 10) {
    if (!ctx.hasAttr("k"))
      return ctx.emitError() << "needs the 'k' attribute";
    staticK = ctx.intAttr("k", 0);
  } else {
    if (!ctx.hasInput(1))
      return ctx.emitError() << "input #1 (K) is required";
    auto kType = ctx.inputType(1);
    if (!isa<IntegerType>(kType.getElementType()) || kType.getRank() > 1 ||
        kType.getNumElements() != 1)
      return ctx.emitError()
             << "K must be a 1-element integer tensor, got " << kType;
    if (ctx.constantInput(1)) {
      FailureOr<int64_t> value = ctx.requireConstantInt(1, "K");
      if (failed(value))
        return failure();
      staticK = *value;
    } else {
      kValue = arith::IndexCastOp::create(
          b, loc, b.getIndexType(),
          extractInt(b, loc, ctx.input(1), 0, ctx.isUnsigned(1)));
    }
  }
  // (Checked before the sentinel test: a k of INT64_MIN is kDynamic.)
  if (!kValue && staticK < 0)
    return ctx.emitError() << "k = " << staticK << " is negative";
  if (!ShapedType::isDynamic(staticK)) {
    if (staticK < 0 ||
        (!xType.isDynamicDim(axis) && staticK > xType.getDimSize(axis)))
      return ctx.emitError() << "k = " << staticK << " is out of range for "
                             << "an axis of size " << xType.getDimSize(axis);
    kValue = arith::ConstantIndexOp::create(b, loc, staticK);
  }

  SmallVector<int64_t> outShape(xType.getShape());
  outShape[axis] = staticK;
  SmallVector<OpFoldResult> outSizes, rowSizes, sliceSizes;
  SmallVector<AffineExpr> rowExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == axis) {
      outSizes.push_back(kValue);
      sliceSizes.push_back(b.getIndexAttr(1));
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    outSizes.push_back(tensor::getMixedSize(b, loc, x, d));
    rowSizes.push_back(outSizes.back());
    sliceSizes.push_back(outSizes.back());
    rowExprs.push_back(getAffineDimExpr(d, context));
    iterators.push_back(utils::IteratorType::parallel);
  }
  AffineMap rowMap = AffineMap::get(rank, 0, rowExprs, context);
  AffineMap inMap = b.getMultiDimIdentityMap(rank);
  Type i64 = b.getI64Type();
  Value valuesInit = tensor::EmptyOp::create(b, loc, outSizes, elementType);
  Value indicesInit = tensor::EmptyOp::create(b, loc, outSizes, i64);

  // Iteration j selects, in each row, the best element that comes after the
  // previous selection in the order (value, then lower index first).
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), kValue,
      arith::ConstantIndexOp::create(b, loc, 1),
      ValueRange{valuesInit, indicesInit},
      [&](OpBuilder &lb, Location ll, Value j, ValueRange iterArgs) {
        // The previous selection: slice j - 1 of the results so far (unused
        // when j == 0).
        Value c0 = arith::ConstantIndexOp::create(lb, ll, 0);
        Value c1 = arith::ConstantIndexOp::create(lb, ll, 1);
        Value first = arith::CmpIOp::create(lb, ll, CmpIPredicate::eq, j, c0);
        Value prevPos = arith::SelectOp::create(
            lb, ll, first, c0, arith::SubIOp::create(lb, ll, j, c1));
        SmallVector<OpFoldResult> offsets(rank, lb.getIndexAttr(0));
        SmallVector<OpFoldResult> strides(rank, lb.getIndexAttr(1));
        offsets[axis] = prevPos;
        auto rowType = [&](Type element) {
          SmallVector<int64_t> shape;
          for (int64_t d = 0; d < rank; ++d)
            if (d != axis)
              shape.push_back(xType.getDimSize(d));
          return RankedTensorType::get(shape, element);
        };
        Value prevValues = tensor::ExtractSliceOp::create(
            lb, ll, rowType(elementType), iterArgs[0], offsets, sliceSizes,
            strides);
        Value prevIndices = tensor::ExtractSliceOp::create(
            lb, ll, rowType(i64), iterArgs[1], offsets, sliceSizes, strides);
        Value bestValue0 = filledTensor(
            lb, ll, rowSizes, scalarConstant(lb, ll, elementType, 0.0));
        Value bestIndex0 =
            filledTensor(lb, ll, rowSizes, i64Constant(lb, ll, -1));
        auto generic = linalg::GenericOp::create(
            lb, ll, TypeRange{bestValue0.getType(), bestIndex0.getType()},
            ValueRange{x, prevValues, prevIndices},
            ValueRange{bestValue0, bestIndex0},
            {inMap, rowMap, rowMap, rowMap, rowMap}, iterators,
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value v = args[0], prev = args[1], prevIndex = args[2],
                    best = args[3], bestIndex = args[4];
              Value i = arith::IndexCastOp::create(
                  nb, nl, i64, linalg::IndexOp::create(nb, nl, axis));
              Value zero64 = i64Constant(nb, nl, 0);
              Value eligible = orValues(
                  nb, nl, first,
                  orValues(nb, nl,
                           compareValues(nb, nl, v, prev, isUnsigned, !largest),
                           andValues(nb, nl, equalValues(nb, nl, v, prev),
                                     arith::CmpIOp::create(nb, nl,
                                                           CmpIPredicate::sgt,
                                                           i, prevIndex))));
              Value none = arith::CmpIOp::create(nb, nl, CmpIPredicate::slt,
                                                 bestIndex, zero64);
              Value better = orValues(
                  nb, nl, none,
                  orValues(nb, nl,
                           compareValues(nb, nl, v, best, isUnsigned, largest),
                           andValues(nb, nl, equalValues(nb, nl, v, best),
                                     arith::CmpIOp::create(nb, nl,
                                                           CmpIPredicate::slt,
                                                           i, bestIndex))));
              Value take = andValues(nb, nl, eligible, better);
              linalg::YieldOp::create(
                  nb, nl,
                  ValueRange{
                      arith::SelectOp::create(nb, nl, take, v, best),
                      arith::SelectOp::create(nb, nl, take, i, bestIndex)});
            });
        offsets[axis] = j;
        Value values = tensor::InsertSliceOp::create(
            lb, ll, generic.getResult(0), iterArgs[0], offsets, sliceSizes,
            strides);
        Value indices = tensor::InsertSliceOp::create(
            lb, ll, generic.getResult(1), iterArgs[1], offsets, sliceSizes,
            strides);
        scf::YieldOp::create(lb, ll, ValueRange{values, indices});
      });
  auto castTo = [&](Value v, Type element) -> Value {
    auto type = RankedTensorType::get(outShape, element);
    return v.getType() == type
               ? v
               : tensor::CastOp::create(b, loc, type, v).getResult();
  };
  ctx.setOutput(0, castTo(loop.getResult(0), elementType), isUnsigned);
  ctx.setOutput(1, castTo(loop.getResult(1), i64));
  return success();
}

} // namespace

void registerReductionOps(OpRegistry &registry) {
#define REDUCE(NAME, KIND, SINCE)                                              \
  registry.add(                                                                \
      "", NAME, +[](NodeContext &ctx) {                                        \
        return convertReduce(ctx, Reduce::KIND, SINCE);                        \
      })
  REDUCE("ReduceSum", Sum, 13);
  REDUCE("ReduceMean", Mean, 18);
  REDUCE("ReduceMax", Max, 18);
  REDUCE("ReduceMin", Min, 18);
  REDUCE("ReduceProd", Prod, 18);
  REDUCE("ReduceL1", L1, 18);
  REDUCE("ReduceL2", L2, 18);
  REDUCE("ReduceLogSum", LogSum, 18);
  REDUCE("ReduceLogSumExp", LogSumExp, 18);
  REDUCE("ReduceSumSquare", SumSquare, 18);
#undef REDUCE
  registry.add(
      "", "ArgMax",
      +[](NodeContext &ctx) { return convertArgExtreme(ctx, true); });
  registry.add(
      "", "ArgMin",
      +[](NodeContext &ctx) { return convertArgExtreme(ctx, false); });
  registry.add(
      "", "CumSum", +[](NodeContext &ctx) {
        return convertCumulative(ctx, /*product=*/false);
      });
  registry.add(
      "", "CumProd", +[](NodeContext &ctx) {
        return convertCumulative(ctx, /*product=*/true);
      });
  registry.add("", "TopK", convertTopK);
}

} // namespace dsk::onnx_import
