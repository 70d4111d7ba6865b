//===- NormalizationOps.cpp - ONNX normalizations
//---------------------------===//
//
// Batch, instance, layer, group, RMS, Lp and mean-variance normalization
// and LRN, as reductions that keep their dims (moments in f32 or wider)
// followed by an elementwise scale and shift.
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
      ctx.getContext(), ctx.dataTypeAttr("stash_type", 1), error);
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
        ctx.getContext(), ctx.dataTypeAttr("stash_type", 1), error);
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
      ctx.getContext(), ctx.dataTypeAttr("stash_type", 1), error);
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
  if (!ctx.hasAttr("size") || ctx.intAttr("size", 0) <= 0 ||
      ctx.intAttr("size", 0) > kMaxTensorBytes)
    return ctx.emitError() << "needs a positive 'size' attribute no larger "
                              "than a tensor";
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
  // The channel-padded squares and the window are real buffers.
  if (failed(checkTensorBounds(RankedTensorType::get(paddedShape, type), [&] {
        return ctx.emitError() << "with size " << size << ", the padded input ";
      })))
    return failure();
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

} // namespace

void registerNormalizationOps(OpRegistry &registry) {
  registry.add("", "BatchNormalization", convertBatchNormalization);
  registry.add("", "InstanceNormalization", convertInstanceNormalization);
  registry.add("", "LayerNormalization", convertLayerNormalization);
  registry.add("", "GroupNormalization", convertGroupNormalization);
  registry.add("", "RMSNormalization", convertRMSNormalization);
  registry.add("", "LpNormalization", convertLpNormalization);
  registry.add("", "MeanVarianceNormalization",
               convertMeanVarianceNormalization);
  registry.add("", "LRN", convertLRN);
}

} // namespace dsk::onnx_import
