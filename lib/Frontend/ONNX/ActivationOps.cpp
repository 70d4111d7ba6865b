//===- ActivationOps.cpp - ONNX softmax and activations
//---------------------===//
//
// Softmax, LogSoftmax and Hardmax (numerically stable: the maximum is
// subtracted first), and the activations with attributes (Selu, Celu, Gelu,
// PRelu, Swish, Shrink, ...) as elementwise linalg.generic bodies.
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

LogicalResult convertSelu(NodeContext &ctx) {
  double alpha = ctx.floatAttr("alpha", 1.67326319217681884765625f);
  double gamma = ctx.floatAttr("gamma", 1.05070102214813232421875f);
  return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
    Value negative = f.mul(f.c(alpha), math::ExpM1Op::create(f.b, f.loc, x));
    Value v = f.select(f.cmp(CmpFPredicate::OGT, x, f.c(0.0)), x, negative);
    return f.mul(f.c(gamma), v);
  });
}

LogicalResult convertCelu(NodeContext &ctx) {
  double alpha = ctx.floatAttr("alpha", 1.0f);
  if (alpha == 0.0)
    return ctx.emitError() << "alpha must be non-zero", failure();
  return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
    Value em1 = math::ExpM1Op::create(f.b, f.loc, f.div(x, f.c(alpha)));
    return f.add(f.max(f.c(0.0), x), f.min(f.c(0.0), f.mul(f.c(alpha), em1)));
  });
}

LogicalResult convertThresholdedRelu(NodeContext &ctx) {
  double alpha = ctx.floatAttr("alpha", 1.0f);
  return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
    return f.select(f.cmp(CmpFPredicate::OGT, x, f.c(alpha)), x, f.c(0.0));
  });
}

LogicalResult convertHardSwish(NodeContext &ctx) {
  return convertFloatActivation(ctx, [](const FloatOps &f, Value x) {
    Value gate = f.add(f.mul(x, f.c(1.0 / 6.0)), f.c(0.5));
    gate = f.min(f.max(gate, f.c(0.0)), f.c(1.0));
    return f.mul(x, gate);
  });
}

LogicalResult convertMish(NodeContext &ctx) {
  return convertFloatActivation(ctx, [](const FloatOps &f, Value x) {
    Value softplus = math::Log1pOp::create(f.b, f.loc, f.exp(x)).getResult();
    return f.mul(x, f.tanh(softplus));
  });
}

LogicalResult convertSwish(NodeContext &ctx) {
  double alpha = ctx.floatAttr("alpha", 1.0f);
  return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
    Value e = f.exp(f.sub(f.c(0.0), f.mul(f.c(alpha), x)));
    return f.div(x, f.add(f.c(1.0), e));
  });
}

LogicalResult convertShrink(NodeContext &ctx) {
  double lambd = ctx.floatAttr("lambd", 0.5f);
  double bias = ctx.floatAttr("bias", 0.0f);
  return convertFloatActivation(ctx, [=](const FloatOps &f, Value x) {
    Value below = f.cmp(CmpFPredicate::OLT, x, f.c(-lambd));
    Value above = f.cmp(CmpFPredicate::OGT, x, f.c(lambd));
    return f.select(below, f.add(x, f.c(bias)),
                    f.select(above, f.sub(x, f.c(bias)), f.c(0.0)));
  });
}

} // namespace

void registerActivationOps(OpRegistry &registry) {
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
  registry.add("", "Selu", convertSelu);
  registry.add("", "Celu", convertCelu);
  registry.add("", "ThresholdedRelu", convertThresholdedRelu);
  registry.add("", "HardSwish", convertHardSwish);
  registry.add("", "Mish", convertMish);
  registry.add("", "PRelu", convertPRelu);
  registry.add("", "Swish", convertSwish);
  registry.add("", "Shrink", convertShrink);
}

} // namespace dsk::onnx_import
