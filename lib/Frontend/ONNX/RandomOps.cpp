//===- RandomOps.cpp - ONNX random operators and training Dropout --------===//
//
// ONNX leaves the random generator unspecified. dsk uses a counter-based one:
// element i of a tensor draws splitmix64(seed * 2^32 + i), so results are
// reproducible for a given seed and independent of evaluation order (and of
// how later passes tile or parallelize the loops). Without a seed the seed
// is 0.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

Value i64(OpBuilder &b, Location loc, uint64_t v) {
  return arith::ConstantOp::create(
      b, loc, b.getI64IntegerAttr(static_cast<int64_t>(v)));
}

/// A uniform double in [0, 1) from the 64-bit counter `x` (splitmix64).
Value uniformFromCounter(OpBuilder &b, Location loc, Value x) {
  Value z =
      arith::AddIOp::create(b, loc, x, i64(b, loc, 0x9E3779B97F4A7C15ull));
  auto mix = [&](Value v, uint64_t shift, uint64_t mult) -> Value {
    Value s = arith::ShRUIOp::create(b, loc, v, i64(b, loc, shift));
    return arith::MulIOp::create(b, loc, arith::XOrIOp::create(b, loc, v, s),
                                 i64(b, loc, mult));
  };
  z = mix(z, 30, 0xBF58476D1CE4E5B9ull);
  z = mix(z, 27, 0x94D049BB133111EBull);
  z = arith::XOrIOp::create(b, loc, z,
                            arith::ShRUIOp::create(b, loc, z, i64(b, loc, 31)));
  Value top = arith::ShRUIOp::create(b, loc, z, i64(b, loc, 11));
  Value f = arith::UIToFPOp::create(b, loc, b.getF64Type(), top);
  return arith::MulFOp::create(
      b, loc, f, scalarConstant(b, loc, b.getF64Type(), std::ldexp(1.0, -53)));
}

/// The float `seed` attribute of the random ops, as the integer it seeds
/// with; NaN, infinite and out-of-range seeds are errors.
FailureOr<int64_t> seedAttr(NodeContext &ctx) {
  double seed = ctx.floatAttr("seed", 0.0f);
  std::optional<int64_t> value = toInt64(seed);
  if (!value)
    return ctx.emitError() << "seed " << seed
                           << " is not a finite number in "
                              "the range of int64",
           failure();
  return *value;
}

/// An elementwise generic over a tensor shaped like `sizes` whose body gets
/// `draws` uniform doubles for the element (stream k uses counter
/// seed * 2^32 + k * 2^48 + linear index) plus `inputs`' scalars.
Value buildRandom(
    NodeContext &ctx, ArrayRef<OpFoldResult> sizes, Type elementType,
    ValueRange inputs, int64_t seed, unsigned draws,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value> uniforms,
                       ValueRange scalars)>
        body) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  int64_t rank = sizes.size();
  SmallVector<Value> dims;
  for (OpFoldResult size : sizes)
    dims.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputs.size() + 1, identity);
  auto base = static_cast<uint64_t>(seed) << 32;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value linear = i64(nb, nl, 0);
        for (int64_t d = 0; d < rank; ++d) {
          Value size =
              arith::IndexCastOp::create(nb, nl, nb.getI64Type(), dims[d]);
          Value index = arith::IndexCastOp::create(
              nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, d));
          linear = arith::AddIOp::create(
              nb, nl, arith::MulIOp::create(nb, nl, linear, size), index);
        }
        SmallVector<Value> uniforms;
        for (unsigned k = 0; k < draws; ++k)
          uniforms.push_back(uniformFromCounter(
              nb, nl,
              arith::AddIOp::create(
                  nb, nl, linear,
                  i64(nb, nl, base + (static_cast<uint64_t>(k) << 48)))));
        linalg::YieldOp::create(nb, nl,
                                body(nb, nl, uniforms, args.drop_back()));
      });
  return generic.getResult(0);
}

/// The output element type: `dtype` when given, else `fallback`.
FailureOr<ElementType> outputType(NodeContext &ctx, Type fallback) {
  if (!ctx.hasAttr("dtype"))
    return ElementType{fallback};
  auto error = [&]() { return ctx.emitError(); };
  return convertDataType(ctx.getContext(), ctx.dataTypeAttr("dtype", 1), error);
}

/// RandomUniform(Like) and RandomNormal(Like).
LogicalResult convertRandom(NodeContext &ctx, bool normal, bool like) {
  SmallVector<OpFoldResult> sizes;
  Type fallback = ctx.b.getF32Type();
  if (like) {
    if (!ctx.hasInput(0))
      return ctx.emitError() << "input #0 is required";
    sizes = sizesOf(ctx.b, ctx.loc, ctx.input(0));
    fallback = getElementTypeOrSelf(ctx.input(0));
  } else {
    if (!ctx.hasAttr("shape"))
      return ctx.emitError() << "needs the 'shape' attribute";
    for (int64_t dim : ctx.intsAttr("shape")) {
      if (dim < 0)
        return ctx.emitError() << "shape has a negative dimension";
      sizes.push_back(ctx.b.getIndexAttr(dim));
    }
  }
  FailureOr<ElementType> out = outputType(ctx, fallback);
  if (failed(out))
    return failure();
  if (!isa<FloatType>(out->type))
    return ctx.emitError() << "random values must be floats, got " << out->type;
  double a = ctx.floatAttr(normal ? "mean" : "low", 0.0f);
  double c = ctx.floatAttr(normal ? "scale" : "high", 1.0f);
  FailureOr<int64_t> seed = seedAttr(ctx);
  if (failed(seed))
    return failure();
  Type f64 = ctx.b.getF64Type();
  Value result = buildRandom(
      ctx, sizes, out->type, {}, *seed, normal ? 2 : 1,
      [&](OpBuilder &b, Location loc, ArrayRef<Value> u, ValueRange) {
        Value v;
        if (normal) {
          // Box-Muller; 1 - u0 is in (0, 1], so the log is finite.
          Value r = math::SqrtOp::create(
              b, loc,
              arith::MulFOp::create(
                  b, loc, scalarConstant(b, loc, f64, -2.0),
                  math::LogOp::create(
                      b, loc,
                      arith::SubFOp::create(
                          b, loc, scalarConstant(b, loc, f64, 1.0), u[0]))));
          Value theta = arith::MulFOp::create(
              b, loc, u[1], scalarConstant(b, loc, f64, 2.0 * M_PI));
          v = arith::AddFOp::create(
              b, loc, scalarConstant(b, loc, f64, a),
              arith::MulFOp::create(
                  b, loc, scalarConstant(b, loc, f64, c),
                  arith::MulFOp::create(b, loc, r,
                                        math::CosOp::create(b, loc, theta))));
        } else {
          v = arith::AddFOp::create(
              b, loc, scalarConstant(b, loc, f64, a),
              arith::MulFOp::create(b, loc, u[0],
                                    scalarConstant(b, loc, f64, c - a)));
        }
        return castScalar(b, loc, v, out->type, false, false);
      });
  ctx.setOutput(0, result);
  return success();
}

/// Bernoulli: 1 where a uniform draw is below the input probability.
LogicalResult convertBernoulli(NodeContext &ctx) {
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input #0 is required";
  Value p = ctx.input(0);
  if (!isa<FloatType>(getElementTypeOrSelf(p)))
    return ctx.emitError() << "probabilities must be floats";
  FailureOr<ElementType> out = outputType(ctx, getElementTypeOrSelf(p));
  if (failed(out))
    return failure();
  FailureOr<int64_t> seed = seedAttr(ctx);
  if (failed(seed))
    return failure();
  Type f64 = ctx.b.getF64Type();
  Value result = buildRandom(
      ctx, sizesOf(ctx.b, ctx.loc, p), out->type, {p}, *seed, 1,
      [&](OpBuilder &b, Location loc, ArrayRef<Value> u, ValueRange args) {
        Value prob = castScalar(b, loc, args[0], f64, false, false);
        Value hit = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                          u[0], prob);
        return castScalar(b, loc, hit, out->type, false, out->isUnsigned);
      });
  ctx.setOutput(0, result, out->isUnsigned);
  return success();
}

} // namespace

Value buildTrainingDropout(NodeContext &ctx, Value x, Value ratio,
                           Value training, int64_t seed, Value &mask) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type elementType = getElementTypeOrSelf(x);
  Type f64 = b.getF64Type();
  auto scalarOf = [&](Value tensor) -> Value {
    auto type = cast<RankedTensorType>(tensor.getType());
    SmallVector<Value> zeros(type.getRank(),
                             arith::ConstantIndexOp::create(b, loc, 0));
    return tensor::ExtractOp::create(b, loc, tensor, zeros);
  };
  Value p = ratio ? castScalar(b, loc, scalarOf(ratio), f64, false, false)
                  : scalarConstant(b, loc, f64, 0.5);
  Value train =
      training
          ? scalarOf(training)
          : arith::ConstantOp::create(b, loc, b.getBoolAttr(true)).getResult();
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
  // keep = !training || u >= ratio.
  auto keepOf = [&](OpBuilder &nb, Location nl, Value u) -> Value {
    Value drawn =
        arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGE, u, p);
    Value notTraining = arith::XOrIOp::create(
        nb, nl, train, arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true)));
    return arith::OrIOp::create(nb, nl, drawn, notTraining);
  };
  mask = buildRandom(ctx, sizes, b.getI1Type(), {}, seed, 1,
                     [&](OpBuilder &nb, Location nl, ArrayRef<Value> u,
                         ValueRange) { return keepOf(nb, nl, u[0]); });
  return buildRandom(
      ctx, sizes, elementType, {x}, seed, 1,
      [&](OpBuilder &nb, Location nl, ArrayRef<Value> u, ValueRange args) {
        Value keep = keepOf(nb, nl, u[0]);
        // Kept values are scaled by 1 / (1 - ratio) in training.
        Value scale = arith::DivFOp::create(
            nb, nl, scalarConstant(nb, nl, f64, 1.0),
            arith::SubFOp::create(nb, nl, scalarConstant(nb, nl, f64, 1.0), p));
        scale = arith::SelectOp::create(nb, nl, train, scale,
                                        scalarConstant(nb, nl, f64, 1.0));
        Value v = castScalar(nb, nl, args[0], f64, false, false);
        Value scaled = arith::MulFOp::create(nb, nl, v, scale);
        Value kept = arith::SelectOp::create(nb, nl, keep, scaled,
                                             scalarConstant(nb, nl, f64, 0.0));
        return castScalar(nb, nl, kept, elementType, false, false);
      });
}

void registerRandomOps(OpRegistry &registry) {
  registry.add(
      "", "RandomUniform", +[](NodeContext &ctx) {
        return convertRandom(ctx, /*normal=*/false, /*like=*/false);
      });
  registry.add(
      "", "RandomUniformLike", +[](NodeContext &ctx) {
        return convertRandom(ctx, /*normal=*/false, /*like=*/true);
      });
  registry.add(
      "", "RandomNormal", +[](NodeContext &ctx) {
        return convertRandom(ctx, /*normal=*/true, /*like=*/false);
      });
  registry.add(
      "", "RandomNormalLike", +[](NodeContext &ctx) {
        return convertRandom(ctx, /*normal=*/true, /*like=*/true);
      });
  registry.add("", "Bernoulli", convertBernoulli);
}

} // namespace dsk::onnx_import
