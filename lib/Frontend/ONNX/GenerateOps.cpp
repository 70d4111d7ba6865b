//===- GenerateOps.cpp - ONNX generated tensors
//-----------------------------===//
//
// Ops whose output is generated from a shape or a pattern: Expand,
// ConstantOfShape, Range, Tile, DepthToSpace/SpaceToDepth, inference-mode
// Dropout, Trilu, EyeLike, OneHot and CastLike.
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
// Expand, ConstantOfShape, Range, Tile
//===----------------------------------------------------------------------===//

LogicalResult convertExpand(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  FailureOr<SmallVector<Value>> shapeOr = indexElements(ctx, 1, "shape");
  if (failed(shapeOr))
    return failure();
  IndexArith m{ctx.b, ctx.loc};
  int64_t xRank = xType.getRank();
  int64_t rank = std::max<int64_t>(xRank, shapeOr->size());
  int64_t xOffset = rank - xRank;
  int64_t sOffset = rank - static_cast<int64_t>(shapeOr->size());
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d) {
    Value s = d >= sOffset ? (*shapeOr)[d - sOffset] : Value();
    std::optional<int64_t> sc = s ? constantInt(s) : std::optional<int64_t>(1);
    if (sc && *sc < 0)
      return ctx.emitError() << "shape has a negative dim " << *sc;
    if (d < xOffset) {
      sizes.push_back(getAsOpFoldResult(s));
      continue;
    }
    int64_t xd = d - xOffset;
    int64_t xs = xType.getDimSize(xd);
    bool broadcast = false;
    if (xs == 1) {
      sizes.push_back(s ? getAsOpFoldResult(s) : ctx.b.getIndexAttr(1));
      broadcast = !sc || *sc != 1;
    } else if (!ShapedType::isDynamic(xs)) {
      if (sc && *sc != 1 && *sc != xs)
        return ctx.emitError()
               << "cannot expand " << xType << ": dim " << xd << " is " << xs
               << ", the shape asks for " << *sc;
      sizes.push_back(ctx.b.getIndexAttr(xs));
    } else if (sc && *sc != 1) {
      // A dynamic dim against a static one other than 1 takes it.
      sizes.push_back(ctx.b.getIndexAttr(*sc));
    } else if (sc) {
      sizes.push_back(dimOf(ctx.b, ctx.loc, x, xd));
    } else {
      Value xDim = dimValue(ctx.b, ctx.loc, x, xd);
      sizes.push_back(getAsOpFoldResult(
          m.select(m.cmp(arith::CmpIPredicate::eq, s, m.c(1)), xDim, s)));
    }
    exprs.push_back(broadcast ? ctx.b.getAffineConstantExpr(0)
                              : ctx.b.getAffineDimExpr(d));
  }
  SmallVector<int64_t> shape = staticShape(sizes);
  bool isUnsigned = ctx.isUnsigned(0);
  if (isFoldable(ctx.constantInput(0), ctx.maxFoldElements()) &&
      xType.hasStaticShape()) {
    SmallVector<int64_t> strides = stridesOf(xType.getShape());
    if (DenseElementsAttr folded =
            remap(ctx.constantInput(0), shape, ctx.maxFoldElements(),
                  [&](ArrayRef<int64_t> index) {
                    int64_t linear = 0;
                    for (int64_t d = 0; d < xRank; ++d)
                      if (xType.getDimSize(d) != 1)
                        linear += index[d + xOffset] * strides[d];
                    return linear;
                  })) {
      ctx.setConstantOutput(0, folded, isUnsigned);
      return success();
    }
  }
  if (xType.getShape() == ArrayRef(shape)) {
    ctx.setOutput(0, x, isUnsigned, ctx.constantInput(0));
    return success();
  }
  AffineMap map = AffineMap::get(rank, 0, exprs, ctx.getContext());
  Value result = buildIndexedGeneric(ctx.b, ctx.loc, sizes,
                                     xType.getElementType(), {x}, {map},
                                     [](OpBuilder &, Location, ValueRange,
                                        ValueRange args) { return args[0]; });
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

LogicalResult convertConstantOfShape(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  MLIRContext *context = ctx.getContext();
  TypedAttr value = FloatAttr::get(Float32Type::get(context), 0.0);
  bool isUnsigned = false;
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    if (!a->has_t())
      return ctx.emitError() << "attribute 'value' is not a tensor";
    auto error = [&]() { return ctx.emitError() << "attribute 'value': "; };
    FailureOr<ElementType> element =
        convertDataType(context, a->t().data_type(), error);
    if (failed(element))
      return failure();
    FailureOr<DenseElementsAttr> attr = ctx.tensorAttr(*a);
    if (failed(attr))
      return failure();
    if (attr->getNumElements() != 1)
      return ctx.emitError() << "attribute 'value' must have one element";
    value = cast<TypedAttr>(attr->getValues<Attribute>()[0]);
    isUnsigned = element->isUnsigned;
  }
  FailureOr<SmallVector<Value>> dims = indexElements(ctx, 0, "shape");
  if (failed(dims))
    return failure();
  SmallVector<OpFoldResult> sizes;
  for (Value d : *dims) {
    std::optional<int64_t> c = constantInt(d);
    if (c && *c < 0)
      return ctx.emitError() << "shape has a negative dim " << *c;
    sizes.push_back(getAsOpFoldResult(d));
  }
  SmallVector<int64_t> shape = staticShape(sizes);
  if (!ShapedType::isDynamicShape(shape) &&
      product(shape) <= ctx.maxFoldElements()) {
    ctx.setConstantOutput(
        0,
        DenseElementsAttr::get(RankedTensorType::get(shape, value.getType()),
                               value),
        isUnsigned);
    return success();
  }
  Value scalar = arith::ConstantOp::create(ctx.b, ctx.loc, value);
  ctx.setOutput(0, filledTensor(ctx.b, ctx.loc, sizes, scalar), isUnsigned);
  return success();
}

LogicalResult convertRange(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 3)))
    return failure();
  Type type = ctx.inputType(0).getElementType();
  for (size_t i = 0; i < 3; ++i)
    if (ctx.inputType(i).getElementType() != type ||
        ctx.inputType(i).getNumElements() != 1)
      return ctx.emitError()
             << "start, limit and delta must be scalars of one type";
  bool isUnsigned = ctx.isUnsigned(0);
  bool isFloat = isa<FloatType>(type);
  if (!isFloat && (type.isInteger(1) || isUnsigned))
    return ctx.emitError() << "element type " << type << " is not supported";
  IndexArith m{ctx.b, ctx.loc};
  // Known at import time: the length, and for integers the values.
  DenseElementsAttr c0 = ctx.constantInput(0), c1 = ctx.constantInput(1),
                    c2 = ctx.constantInput(2);
  OpFoldResult length;
  if (c0 && c1 && c2) {
    double start, limit, delta;
    if (isFloat) {
      start = c0.getValues<APFloat>()[0].convertToDouble();
      limit = c1.getValues<APFloat>()[0].convertToDouble();
      delta = c2.getValues<APFloat>()[0].convertToDouble();
    } else {
      start = static_cast<double>(intValues(c0)[0]);
      limit = static_cast<double>(intValues(c1)[0]);
      delta = static_cast<double>(intValues(c2)[0]);
    }
    if (delta == 0)
      return ctx.emitError() << "delta is 0";
    double count = std::max(std::ceil((limit - start) / delta), 0.0);
    if (!(count < 1e15))
      return ctx.emitError() << "the range has too many elements";
    int64_t n = static_cast<int64_t>(count);
    if (!isFloat) {
      // Exact integer count, in 128 bits: limit - start of two int64 values
      // need 65.
      __int128 s = intValues(c0)[0], l = intValues(c1)[0], d = intValues(c2)[0];
      __int128 span = l - s;
      __int128 exact = span / d + ((span % d != 0) && ((span > 0) == (d > 0)));
      if (exact > static_cast<__int128>(1e15))
        return ctx.emitError() << "the range has too many elements";
      n = static_cast<int64_t>(std::max<__int128>(exact, 0));
      if (n <= ctx.maxFoldElements()) {
        SmallVector<APInt> values;
        unsigned width = type.getIntOrFloatBitWidth();
        for (int64_t i = 0; i < n; ++i)
          values.push_back(APInt(width, static_cast<uint64_t>(s + i * d),
                                 /*isSigned=*/true, /*implicitTrunc=*/true));
        ctx.setConstantOutput(
            0, DenseElementsAttr::get(RankedTensorType::get({n}, type), values),
            isUnsigned);
        return success();
      }
    }
    length = ctx.b.getIndexAttr(n);
  }
  // Scalars, computed in f32 for the 16-bit floats.
  Type computeType = type;
  if (isFloat && type.getIntOrFloatBitWidth() < 32)
    computeType = ctx.b.getF32Type();
  auto scalar = [&](size_t i) {
    return castScalar(ctx.b, ctx.loc, scalarInput(ctx, i), computeType, false,
                      false);
  };
  Value start = scalar(0), delta = scalar(2);
  if (!length) {
    Value limit = scalar(1);
    Value n;
    if (isFloat) {
      Value diff = arith::SubFOp::create(ctx.b, ctx.loc, limit, start);
      Value q = math::CeilOp::create(
          ctx.b, ctx.loc, arith::DivFOp::create(ctx.b, ctx.loc, diff, delta));
      n = arith::FPToSIOp::create(ctx.b, ctx.loc, ctx.b.getI64Type(), q);
    } else {
      Value diff = arith::SubIOp::create(ctx.b, ctx.loc, limit, start);
      n = arith::CeilDivSIOp::create(ctx.b, ctx.loc, diff, delta);
    }
    length = getAsOpFoldResult(m.max(m.toIndex(n), m.c(0)));
  }
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, {length}, type, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange) -> Value {
        Value i = arith::IndexCastOp::create(b, loc, b.getI64Type(), ivs[0]);
        Value v;
        if (isFloat) {
          Value fi = arith::SIToFPOp::create(b, loc, computeType, i);
          v = arith::AddFOp::create(b, loc, start,
                                    arith::MulFOp::create(b, loc, fi, delta));
        } else {
          Value ii = castScalar(b, loc, i, computeType, false, false);
          v = arith::AddIOp::create(b, loc, start,
                                    arith::MulIOp::create(b, loc, ii, delta));
        }
        return castScalar(b, loc, v, type, false, false);
      });
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

LogicalResult convertTile(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  IndexArith m{ctx.b, ctx.loc};
  SmallVector<Value> repeats;
  if (ctx.opset < 6) {
    if (failed(requireInputs(ctx, 3)))
      return failure();
    FailureOr<SmallVector<int64_t>> tiles = ctx.requireConstantInts(1, "tiles");
    if (failed(tiles))
      return failure();
    FailureOr<SmallVector<int64_t>> axisOr = ctx.requireConstantInts(2, "axis");
    if (failed(axisOr))
      return failure();
    if (tiles->size() != 1 || axisOr->size() != 1)
      return ctx.emitError() << "tiles and axis must be scalars";
    FailureOr<int64_t> axis = normalizeAxis(ctx, axisOr->front(), rank);
    if (failed(axis))
      return failure();
    for (int64_t d = 0; d < rank; ++d)
      repeats.push_back(m.c(d == *axis ? tiles->front() : 1));
  } else {
    FailureOr<SmallVector<Value>> r = indexElements(ctx, 1, "repeats");
    if (failed(r))
      return failure();
    repeats = *r;
  }
  if (static_cast<int64_t>(repeats.size()) != rank)
    return ctx.emitError() << "repeats has " << repeats.size()
                           << " entries for rank " << rank;
  SmallVector<int64_t> shape;
  SmallVector<std::optional<int64_t>> constRepeats;
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<int64_t> r = constantInt(repeats[d]);
    if (r && *r < 0)
      return ctx.emitError() << "repeats has a negative entry " << *r;
    constRepeats.push_back(r);
    CheckedInt checked;
    shape.push_back(r && !xType.isDynamicDim(d)
                        ? checked.mul(*r, xType.getDimSize(d))
                        : kDynamic);
    if (checked.overflowed())
      return ctx.emitError()
             << "repeats " << *r << " times dim " << d << " ("
             << xType.getDimSize(d) << ") do not fit in 64 bits";
  }
  bool isUnsigned = ctx.isUnsigned(0);
  if (isFoldable(ctx.constantInput(0), ctx.maxFoldElements()) &&
      xType.hasStaticShape()) {
    SmallVector<int64_t> strides = stridesOf(xType.getShape());
    if (DenseElementsAttr folded =
            remap(ctx.constantInput(0), shape, ctx.maxFoldElements(),
                  [&](ArrayRef<int64_t> index) {
                    int64_t linear = 0;
                    for (int64_t d = 0; d < rank; ++d)
                      linear += (index[d] % xType.getDimSize(d)) * strides[d];
                    return linear;
                  })) {
      ctx.setConstantOutput(0, folded, isUnsigned);
      return success();
    }
  }
  // Broadcast to [r0, d0, r1, d1, ...] (dims repeated once skip r), then
  // collapse the pairs.
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> exprs;
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d) {
    ReassociationIndices group;
    if (!constRepeats[d] || *constRepeats[d] != 1) {
      group.push_back(sizes.size());
      sizes.push_back(getAsOpFoldResult(repeats[d]));
    }
    group.push_back(sizes.size());
    exprs.push_back(ctx.b.getAffineDimExpr(sizes.size()));
    sizes.push_back(dimOf(ctx.b, ctx.loc, x, d));
    groups.push_back(group);
  }
  if (static_cast<int64_t>(sizes.size()) == rank) {
    ctx.setOutput(0, x, isUnsigned, ctx.constantInput(0));
    return success();
  }
  AffineMap map = AffineMap::get(sizes.size(), 0, exprs, ctx.getContext());
  Value broadcast = buildIndexedGeneric(
      ctx.b, ctx.loc, sizes, xType.getElementType(), {x}, {map},
      [](OpBuilder &, Location, ValueRange, ValueRange args) {
        return args[0];
      });
  ctx.setOutput(
      0, tensor::CollapseShapeOp::create(ctx.b, ctx.loc, broadcast, groups),
      isUnsigned);
  return success();
}

//===----------------------------------------------------------------------===//
// DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

/// expand_shape of dim `d` of `x` into `parts` (sizes; one may be null, the
/// rest of the dim), then a transpose and a collapse.
LogicalResult convertBlockShuffle(NodeContext &ctx, bool toSpace) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  if (xType.getRank() != 4)
    return ctx.emitError() << "input must have rank 4, got " << xType;
  int64_t bs = ctx.intAttr("blocksize", 0);
  if (bs <= 0)
    return ctx.emitError() << "blocksize must be positive";
  // The static dims the shuffle multiplies by the block must stay
  // representable (a hostile blocksize of 2^62 would overflow them).
  int64_t blockArea;
  if (llvm::MulOverflow(bs, bs, blockArea))
    return ctx.emitError() << "blocksize " << bs << " is too large";
  SmallVector<int64_t, 2> grownDims =
      toSpace ? SmallVector<int64_t, 2>{2, 3} : SmallVector<int64_t, 2>{1};
  for (int64_t d : grownDims) {
    int64_t size = xType.getDimSize(d), grown;
    if (!xType.isDynamicDim(d) &&
        llvm::MulOverflow(size, toSpace ? bs : blockArea, grown))
      return ctx.emitError() << "blocksize " << bs << " is too large for dim "
                             << d << " (" << size << ")";
  }
  std::string mode = ctx.stringAttr("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return ctx.emitError() << "unknown mode '" << mode << "'";
  IndexArith m{ctx.b, ctx.loc};
  OpFoldResult n = dimOf(ctx.b, ctx.loc, x, 0), c = dimOf(ctx.b, ctx.loc, x, 1),
               h = dimOf(ctx.b, ctx.loc, x, 2), w = dimOf(ctx.b, ctx.loc, x, 3);
  OpFoldResult block = ctx.b.getIndexAttr(bs);
  auto divided = [&](OpFoldResult v, int64_t by) {
    return getAsOpFoldResult(
        m.div(getValueOrCreateConstantIndexOp(ctx.b, ctx.loc, v), m.c(by)));
  };
  SmallVector<OpFoldResult> expanded;
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> perm;
  if (toSpace) {
    if (!xType.isDynamicDim(1) && xType.getDimSize(1) % blockArea != 0)
      return ctx.emitError() << "channels (" << xType.getDimSize(1)
                             << ") are not a multiple of blocksize^2";
    OpFoldResult cOut = divided(c, blockArea);
    if (mode == "DCR") {
      expanded = {n, block, block, cOut, h, w};
      groups = {{0}, {1, 2, 3}, {4}, {5}};
      perm = {0, 3, 4, 1, 5, 2};
    } else {
      expanded = {n, cOut, block, block, h, w};
      groups = {{0}, {1, 2, 3}, {4}, {5}};
      perm = {0, 1, 4, 2, 5, 3};
    }
  } else {
    for (int64_t d : {2, 3})
      if (!xType.isDynamicDim(d) && xType.getDimSize(d) % bs != 0)
        return ctx.emitError() << "dim " << d << " (" << xType.getDimSize(d)
                               << ") is not a multiple of blocksize";
    expanded = {n, c, divided(h, bs), block, divided(w, bs), block};
    groups = {{0}, {1}, {2, 3}, {4, 5}};
    perm = mode == "DCR" ? SmallVector<int64_t>{0, 3, 5, 1, 2, 4}
                         : SmallVector<int64_t>{0, 1, 3, 5, 2, 4};
  }
  auto expandedType =
      RankedTensorType::get(staticShape(expanded), xType.getElementType());
  Value e = tensor::ExpandShapeOp::create(ctx.b, ctx.loc, expandedType, x,
                                          groups, expanded);
  Value t = transpose(ctx.b, ctx.loc, e, perm);
  SmallVector<ReassociationIndices> collapse =
      toSpace ? SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}}
              : SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4}, {5}};
  ctx.setOutput(0, tensor::CollapseShapeOp::create(ctx.b, ctx.loc, t, collapse),
                ctx.isUnsigned(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Dropout
//===----------------------------------------------------------------------===//

LogicalResult convertDropout(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  if (ctx.opset >= 12 && ctx.hasInput(2)) {
    // Training mode, unless it is known to be off: a random mask.
    DenseElementsAttr training = ctx.constantInput(2);
    if (!training || intValues(training).front() != 0) {
      if (!isa<FloatType>(getElementTypeOrSelf(ctx.input(0))))
        return ctx.emitError() << "training-mode dropout needs a float input";
      Value mask;
      Value out = buildTrainingDropout(
          ctx, ctx.input(0), ctx.hasInput(1) ? ctx.input(1) : Value(),
          ctx.input(2), ctx.intAttr("seed", 0), mask);
      ctx.setOutput(0, out);
      ctx.setOutput(1, mask);
      return success();
    }
  }
  Value x = ctx.input(0);
  ctx.setOutput(0, x, ctx.isUnsigned(0), ctx.constantInput(0));
  if (ctx.hasOutput(1)) {
    Type maskType =
        ctx.opset >= 10 ? ctx.b.getI1Type() : getElementTypeOrSelf(x);
    Value one = scalarConstant(ctx.b, ctx.loc, maskType, 1);
    if (maskType.isInteger(1))
      one = arith::ConstantOp::create(ctx.b, ctx.loc, ctx.b.getBoolAttr(true));
    ctx.setOutput(1,
                  filledTensor(ctx.b, ctx.loc, dimsOf(ctx.b, ctx.loc, x), one));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Trilu, EyeLike, OneHot, CastLike
//===----------------------------------------------------------------------===//

LogicalResult convertTrilu(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  if (rank < 2)
    return ctx.emitError() << "input must have rank >= 2, got " << xType;
  bool upper = ctx.intAttr("upper", 1) != 0;
  IndexArith m{ctx.b, ctx.loc};
  Value k = m.c(0);
  if (ctx.hasInput(1)) {
    if (ctx.inputType(1).getNumElements() != 1 ||
        !isa<IntegerType>(ctx.inputType(1).getElementType()))
      return ctx.emitError() << "k must be an integer scalar";
    k = m.toIndex(scalarInput(ctx, 1));
  }
  Type elementType = xType.getElementType();
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, dimsOf(ctx.b, ctx.loc, x), elementType, {x},
      {ctx.b.getMultiDimIdentityMap(rank)},
      [&](OpBuilder &b, Location loc, ValueRange ivs,
          ValueRange args) -> Value {
        IndexArith im{b, loc};
        Value diff = im.sub(ivs[rank - 1], ivs[rank - 2]);
        Value keep = im.cmp(upper ? arith::CmpIPredicate::sge
                                  : arith::CmpIPredicate::sle,
                            diff, k);
        Value zero =
            elementType.isInteger(1)
                ? arith::ConstantOp::create(b, loc, b.getBoolAttr(false))
                      .getResult()
                : scalarConstant(b, loc, elementType, 0);
        return arith::SelectOp::create(b, loc, keep, args[0], zero);
      });
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

LogicalResult convertEyeLike(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  if (xType.getRank() != 2)
    return ctx.emitError() << "input must have rank 2, got " << xType;
  Type elementType = xType.getElementType();
  bool isUnsigned = ctx.isUnsigned(0);
  if (ctx.hasAttr("dtype")) {
    auto error = [&]() { return ctx.emitError(); };
    FailureOr<ElementType> element =
        convertDataType(ctx.getContext(), ctx.dataTypeAttr("dtype", 0), error);
    if (failed(element))
      return failure();
    elementType = element->type;
    isUnsigned = element->isUnsigned;
  }
  int64_t k = ctx.intAttr("k", 0);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, dimsOf(ctx.b, ctx.loc, x), elementType, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange) -> Value {
        IndexArith im{b, loc};
        Value on =
            im.cmp(arith::CmpIPredicate::eq, im.sub(ivs[1], ivs[0]), im.c(k));
        if (elementType.isInteger(1))
          return on;
        return arith::SelectOp::create(b, loc, on,
                                       scalarConstant(b, loc, elementType, 1),
                                       scalarConstant(b, loc, elementType, 0));
      });
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

LogicalResult convertOneHot(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 3)))
    return failure();
  Value indices = ctx.input(0);
  auto indicesType = ctx.inputType(0);
  int64_t rank = indicesType.getRank() + 1;
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", -1), rank);
  if (failed(axis))
    return failure();
  if (ctx.inputType(1).getNumElements() != 1)
    return ctx.emitError() << "depth must be a scalar";
  auto valuesType = ctx.inputType(2);
  if (valuesType.getRank() != 1 || valuesType.getDimSize(0) != 2)
    return ctx.emitError() << "values must be [off_value, on_value], got "
                           << valuesType;
  IndexArith m{ctx.b, ctx.loc};
  Value depthScalar = scalarInput(ctx, 1);
  Value depth = isa<FloatType>(depthScalar.getType())
                    ? m.toIndex(arith::FPToSIOp::create(
                          ctx.b, ctx.loc, ctx.b.getI64Type(), depthScalar))
                    : m.toIndex(depthScalar);
  if (std::optional<int64_t> d = constantInt(depth); d && *d < 1)
    return ctx.emitError() << "depth must be positive, got " << *d;
  Value values = ctx.input(2);
  Value off = tensor::ExtractOp::create(ctx.b, ctx.loc, values, m.c(0));
  Value on = tensor::ExtractOp::create(ctx.b, ctx.loc, values, m.c(1));
  SmallVector<OpFoldResult> sizes = dimsOf(ctx.b, ctx.loc, indices);
  sizes.insert(sizes.begin() + *axis, getAsOpFoldResult(depth));
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (d != *axis)
      exprs.push_back(ctx.b.getAffineDimExpr(d));
  AffineMap map = AffineMap::get(rank, 0, exprs, ctx.getContext());
  bool indicesUnsigned = ctx.isUnsigned(0);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, sizes, valuesType.getElementType(), {indices}, {map},
      [&](OpBuilder &b, Location loc, ValueRange ivs,
          ValueRange args) -> Value {
        IndexArith im{b, loc};
        Value i = args[0];
        if (isa<FloatType>(i.getType()))
          i = arith::FPToSIOp::create(b, loc, b.getI64Type(), i);
        else if (indicesUnsigned)
          i = castScalar(b, loc, i, b.getI64Type(), true, false);
        Value index = im.wrapNegative(im.toIndex(i), depth);
        Value hit = im.cmp(arith::CmpIPredicate::eq, index, ivs[*axis]);
        return arith::SelectOp::create(b, loc, hit, on, off);
      });
  ctx.setOutput(0, result, ctx.isUnsigned(2));
  return success();
}

LogicalResult convertCastLike(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value x = ctx.input(0);
  Type srcType = getElementTypeOrSelf(x);
  Type dstType = ctx.inputType(1).getElementType();
  bool srcUnsigned = ctx.isUnsigned(0), dstUnsigned = ctx.isUnsigned(1);
  if (srcType == dstType && srcUnsigned == dstUnsigned) {
    ctx.setOutput(0, x, srcUnsigned, ctx.constantInput(0));
    return success();
  }
  if (isa<IntegerType>(srcType) && isa<IntegerType>(dstType) && !srcUnsigned &&
      !dstUnsigned)
    if (DenseElementsAttr folded = foldIntElementwise(
            {ctx.constantInput(0)}, dstType, ctx.maxFoldElements(),
            +[](ArrayRef<int64_t> v) { return v[0]; })) {
      ctx.setConstantOutput(0, folded, false);
      return success();
    }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {x}, dstType, [&](OpBuilder &b, Location loc, ValueRange args) {
        return castScalar(b, loc, args[0], dstType, srcUnsigned, dstUnsigned);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, dstUnsigned);
  return success();
}

} // namespace

void registerGenerateOps(OpRegistry &registry) {
  registry.add("", "Expand", convertExpand);
  registry.add("", "ConstantOfShape", convertConstantOfShape);
  registry.add("", "Range", convertRange);
  registry.add("", "Tile", convertTile);
  registry.add(
      "", "DepthToSpace",
      +[](NodeContext &ctx) { return convertBlockShuffle(ctx, true); });
  registry.add(
      "", "SpaceToDepth",
      +[](NodeContext &ctx) { return convertBlockShuffle(ctx, false); });
  registry.add("", "Dropout", convertDropout);
  registry.add("", "Trilu", convertTrilu);
  registry.add("", "EyeLike", convertEyeLike);
  registry.add("", "OneHot", convertOneHot);
  registry.add("", "CastLike", convertCastLike);
}

} // namespace dsk::onnx_import
