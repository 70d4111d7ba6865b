//===- QuantizationOps.cpp - ONNX QDQ quantization
//--------------------------===//
//
// QuantizeLinear and DequantizeLinear (dsk.quantize / dsk.dequantize when
// the scale and zero point are constants, elementwise arithmetic
// otherwise; per-tensor, per-axis and blocked), DynamicQuantizeLinear, and
// QLinearMatMul / QLinearConv through the integer products.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"
#include "LinearOps.h"

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

} // namespace

void registerQuantizationOps(OpRegistry &registry) {
  registry.add("", "QLinearConv", convertQLinearConv);
  registry.add("", "QLinearMatMul", convertQLinearMatMul);
  registry.add("", "DynamicQuantizeLinear", convertDynamicQuantizeLinear);
  registry.add("", "QuantizeLinear", convertQuantizeLinear);
  registry.add("", "DequantizeLinear", convertDequantizeLinear);
}

} // namespace dsk::onnx_import
