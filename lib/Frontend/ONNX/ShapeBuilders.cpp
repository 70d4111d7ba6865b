//===- ShapeBuilders.cpp - shape arithmetic of the tensor converters
//--------===//

#include "ShapeBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>
#include <numeric>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

/// Strips tensor.cast (the importer's refinement casts).
Value stripCasts(Value v) {
  while (auto cast = v.getDefiningOp<tensor::CastOp>())
    v = cast.getSource();
  return v;
}

/// Groups the dims of `big` into contiguous runs whose products are the dims
/// of `small`, or failure.
FailureOr<SmallVector<ReassociationIndices>>
groupDims(ArrayRef<TargetDim> big, ArrayRef<TargetDim> small) {
  SmallVector<ReassociationIndices> groups;
  size_t i = 0;
  for (const TargetDim &target : small) {
    DimProduct want, have;
    want.multiply(target);
    ReassociationIndices group;
    do {
      if (i >= big.size())
        return failure();
      have.multiply(big[i]);
      group.push_back(i++);
    } while (!(have == want));
    groups.push_back(group);
  }
  for (; i < big.size(); ++i) {
    if (!big[i].isStatic() || big[i].size != 1 || groups.empty())
      return failure();
    groups.back().push_back(i);
  }
  return groups;
}

} // namespace

std::optional<int64_t> constantInt(Value v) {
  APInt value;
  if (v && matchPattern(v, m_ConstantInt(&value)))
    return v.getType().isInteger(1) ? value.getZExtValue()
                                    : value.getSExtValue();
  return std::nullopt;
}

Value dimValue(OpBuilder &b, Location loc, Value x, int64_t i) {
  return getValueOrCreateConstantIndexOp(b, loc, dimOf(b, loc, x, i));
}

SmallVector<OpFoldResult> dimsOf(OpBuilder &b, Location loc, Value x) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0, e = cast<RankedTensorType>(x.getType()).getRank(); i < e;
       ++i)
    sizes.push_back(dimOf(b, loc, x, i));
  return sizes;
}

SmallVector<int64_t> staticShape(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes)
    shape.push_back(getConstantIntValue(size).value_or(kDynamic));
  return shape;
}

int64_t product(ArrayRef<int64_t> values) {
  CheckedInt checked;
  int64_t p = checked.product(values);
  return checked.overflowed() ? std::numeric_limits<int64_t>::max() : p;
}

bool isFoldable(DenseElementsAttr attr, int64_t maxElements) {
  return attr && isa<IntegerType>(attr.getElementType()) &&
         attr.getNumElements() <= maxElements;
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i) {
    // Only a static shape has strides; for one with dynamic dims (which
    // callers compute this for before deciding not to fold) the outer
    // strides are 0 rather than a product with the kDynamic sentinel.
    int64_t dim = shape[i + 1];
    if (ShapedType::isDynamic(dim) ||
        llvm::MulOverflow(strides[i + 1], dim, strides[i]))
      strides[i] = 0;
  }
  return strides;
}

DenseElementsAttr
remap(DenseElementsAttr source, ArrayRef<int64_t> shape, int64_t maxElements,
      llvm::function_ref<int64_t(ArrayRef<int64_t>)> sourceLinear) {
  if (ShapedType::isDynamicShape(shape))
    return {};
  int64_t count = product(shape);
  if (count > maxElements)
    return {};
  auto resultType = RankedTensorType::get(shape, source.getElementType());
  if (source.isSplat())
    return DenseElementsAttr::get(resultType,
                                  source.getSplatValue<Attribute>());
  SmallVector<APInt> values(source.getValues<APInt>());
  SmallVector<APInt> result;
  result.reserve(count);
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t rest = linear;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      index[d] = rest % shape[d];
      rest /= shape[d];
    }
    result.push_back(values[sourceLinear(index)]);
  }
  return DenseElementsAttr::get(resultType, result);
}

SmallVector<int64_t> intValues(DenseElementsAttr attr) {
  SmallVector<int64_t> result;
  bool isBool = attr.getElementType().isInteger(1);
  for (const APInt &v : attr.getValues<APInt>())
    result.push_back(isBool ? static_cast<int64_t>(v.getZExtValue())
                            : v.getSExtValue());
  return result;
}

std::optional<SmallVector<Value>>
knownElements(OpBuilder &b, Location loc, Value v, DenseElementsAttr constant) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!isa<IntegerType>(type.getElementType()) || type.getRank() > 1 ||
      !type.hasStaticShape() || type.getNumElements() > kMaxKnownElements)
    return std::nullopt;
  if (constant) {
    SmallVector<Value> scalars;
    for (const APInt &value : constant.getValues<APInt>())
      scalars.push_back(arith::ConstantOp::create(
          b, loc, b.getIntegerAttr(type.getElementType(), value)));
    return scalars;
  }
  if (auto fromElements = stripCasts(v).getDefiningOp<tensor::FromElementsOp>())
    return SmallVector<Value>(fromElements.getElements());
  return std::nullopt;
}

std::optional<SmallVector<Value>> knownElements(NodeContext &ctx, size_t i) {
  return knownElements(ctx.b, ctx.loc, ctx.input(i), ctx.constantInput(i));
}

void setElementsOutput(NodeContext &ctx, size_t i, ArrayRef<int64_t> shape,
                       Type elementType, ArrayRef<Value> scalars,
                       bool isUnsigned) {
  auto type = RankedTensorType::get(shape, elementType);
  SmallVector<APInt> values;
  for (Value scalar : scalars) {
    APInt value;
    if (!matchPattern(scalar, m_ConstantInt(&value)))
      break;
    values.push_back(value);
  }
  if (values.size() == scalars.size()) {
    ctx.setConstantOutput(i, DenseElementsAttr::get(type, values), isUnsigned);
    return;
  }
  ctx.setOutput(i,
                tensor::FromElementsOp::create(ctx.b, ctx.loc, type, scalars),
                isUnsigned);
}

std::optional<int64_t> dimOfValue(Value scalar, Value x) {
  if (auto cast = scalar.getDefiningOp<arith::IndexCastOp>())
    scalar = cast.getIn();
  auto dim = scalar.getDefiningOp<tensor::DimOp>();
  if (!dim || stripCasts(dim.getSource()) != stripCasts(x))
    return std::nullopt;
  return dim.getConstantIndex();
}

Value reshapeTo(OpBuilder &b, Location loc, Value x,
                ArrayRef<TargetDim> target) {
  auto xType = cast<RankedTensorType>(x.getType());
  Type elementType = xType.getElementType();
  SmallVector<TargetDim> source;
  for (auto [i, dim] : llvm::enumerate(xType.getShape()))
    source.push_back(ShapedType::isDynamic(dim) ? TargetDim::copyOf(i)
                                                : TargetDim::fixed(dim));
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  bool symbolic = true;
  for (const TargetDim &d : target) {
    shape.push_back(d.size);
    if (d.isStatic())
      sizes.push_back(b.getIndexAttr(d.size));
    else if (d.symbol >= 0)
      sizes.push_back(dimOf(b, loc, x, d.symbol));
    else {
      sizes.push_back(d.runtime);
      symbolic = false;
    }
  }
  auto resultType = RankedTensorType::get(shape, elementType);
  if (!symbolic) {
    SmallVector<Value> values;
    for (OpFoldResult size : sizes)
      values.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
    Value shapeTensor = tensor::FromElementsOp::create(
        b, loc,
        RankedTensorType::get({static_cast<int64_t>(values.size())},
                              b.getIndexType()),
        values);
    return tensor::ReshapeOp::create(b, loc, resultType, x, shapeTensor);
  }
  bool same = source.size() == target.size();
  for (size_t i = 0; same && i < source.size(); ++i)
    same = source[i].size == target[i].size &&
           source[i].symbol == target[i].symbol;
  if (same)
    return x;
  if (target.size() < source.size()) {
    if (auto groups = groupDims(source, target); succeeded(groups))
      return tensor::CollapseShapeOp::create(b, loc, resultType, x, *groups);
  } else if (target.size() > source.size()) {
    if (auto groups = groupDims(target, source); succeeded(groups))
      return tensor::ExpandShapeOp::create(b, loc, resultType, x, *groups,
                                           sizes);
  }
  // Through 1-D: collapse everything, then expand to the target.
  Value flat = x;
  if (xType.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < xType.getRank(); ++i)
      all.push_back(i);
    SmallVector<ReassociationIndices> groups;
    if (!all.empty())
      groups.push_back(all);
    flat = tensor::CollapseShapeOp::create(b, loc, x, groups);
  }
  if (target.size() == 1)
    return tensor::CastOp::create(b, loc, resultType, flat);
  ReassociationIndices all;
  for (size_t i = 0; i < target.size(); ++i)
    all.push_back(i);
  SmallVector<ReassociationIndices> groups;
  if (!all.empty())
    groups.push_back(all);
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat, groups, sizes);
}

void setReshapedOutput(NodeContext &ctx, size_t i, Value x,
                       DenseElementsAttr constant, bool isUnsigned,
                       ArrayRef<TargetDim> target) {
  bool allStatic = llvm::all_of(target, [](auto &d) { return d.isStatic(); });
  SmallVector<int64_t> shape;
  for (const TargetDim &d : target)
    shape.push_back(d.size);
  auto elementType = getElementTypeOrSelf(x);
  if (allStatic && isFoldable(constant, ctx.maxFoldElements())) {
    ctx.setConstantOutput(
        i, constant.reshape(RankedTensorType::get(shape, elementType)),
        isUnsigned);
    return;
  }
  if (allStatic && product(shape) <= kMaxKnownElements && shape.size() <= 1)
    if (auto known = knownElements(ctx.b, ctx.loc, x, DenseElementsAttr())) {
      setElementsOutput(ctx, i, shape, elementType, *known, isUnsigned);
      return;
    }
  ctx.setOutput(i, reshapeTo(ctx.b, ctx.loc, x, target), isUnsigned);
}

Value buildIndexedGeneric(OpBuilder &b, Location loc,
                          ArrayRef<OpFoldResult> sizes, Type elementType,
                          ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                          IndexBodyFn body) {
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  unsigned rank = sizes.size();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> ivs;
        for (unsigned d = 0; d < rank; ++d)
          ivs.push_back(linalg::IndexOp::create(nb, nl, d));
        linalg::YieldOp::create(nb, nl, body(nb, nl, ivs, args.drop_back()));
      });
  return generic.getResult(0);
}

Value sliceOrEmpty(OpBuilder &b, Location loc, Value x,
                   ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                   ArrayRef<OpFoldResult> strides) {
  if (llvm::any_of(sizes,
                   [](OpFoldResult s) { return isConstantIntValue(s, 0); }))
    return tensor::EmptyOp::create(b, loc, sizes, getElementTypeOrSelf(x));
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
}

Value reverse(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes) {
  SmallVector<OpFoldResult> sizes = dimsOf(b, loc, x);
  return buildIndexedGeneric(
      b, loc, sizes, getElementTypeOrSelf(x), {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) -> Value {
        IndexArith m{nb, nl};
        SmallVector<Value> index(ivs);
        for (int64_t axis : axes)
          index[axis] =
              m.sub(m.sub(getValueOrCreateConstantIndexOp(nb, nl, sizes[axis]),
                          m.c(1)),
                    ivs[axis]);
        return tensor::ExtractOp::create(nb, nl, x, index);
      });
}

Value scalarInput(NodeContext &ctx, size_t i) {
  Value v = ctx.input(i);
  auto type = ctx.inputType(i);
  if (DenseElementsAttr c = ctx.constantInput(i); c && c.getNumElements() == 1)
    return arith::ConstantOp::create(
        ctx.b, ctx.loc, cast<TypedAttr>(c.getValues<Attribute>()[0]));
  IndexArith m{ctx.b, ctx.loc};
  SmallVector<Value> zeros(type.getRank(), m.c(0));
  return tensor::ExtractOp::create(ctx.b, ctx.loc, v, zeros);
}

FailureOr<SmallVector<Value>> indexElements(NodeContext &ctx, size_t i,
                                            StringRef what, int64_t maxLength) {
  FailureOr<int64_t> length = ctx.shapeOperandLength(i, what, maxLength);
  if (failed(length))
    return failure();
  IndexArith m{ctx.b, ctx.loc};
  SmallVector<Value> result;
  if (DenseElementsAttr c = ctx.constantInput(i)) {
    for (int64_t v : intValues(c))
      result.push_back(m.c(v));
    return result;
  }
  if (auto known = knownElements(ctx, i)) {
    for (Value v : *known)
      result.push_back(m.toIndex(v));
    return result;
  }
  for (int64_t k = 0; k < *length; ++k)
    result.push_back(m.toIndex(
        tensor::ExtractOp::create(ctx.b, ctx.loc, ctx.input(i), m.c(k))));
  return result;
}

FailureOr<std::optional<SmallVector<int64_t>>>
axesOperand(NodeContext &ctx, int64_t inputSince, size_t index) {
  SmallVector<int64_t> axes;
  if (ctx.opset < inputSince) {
    if (!ctx.hasAttr("axes"))
      return std::optional<SmallVector<int64_t>>();
    axes = ctx.intsAttr("axes");
  } else {
    if (!ctx.hasInput(index))
      return std::optional<SmallVector<int64_t>>();
    FailureOr<SmallVector<int64_t>> values =
        ctx.requireConstantInts(index, "axes");
    if (failed(values))
      return failure();
    axes = std::move(*values);
  }
  // Unsqueeze's result rank grows with the axes: bound them before anything
  // is computed per axis.
  if (static_cast<int64_t>(axes.size()) > kMaxRank)
    return ctx.emitError() << "axes has " << axes.size()
                           << " entries, more than the " << kMaxRank
                           << " dimensions a tensor may have",
           failure();
  return std::optional<SmallVector<int64_t>>(std::move(axes));
}

FailureOr<SmallVector<int64_t>>
normalizeAxes(NodeContext &ctx, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = normalizeAxis(ctx, axis, rank);
    if (failed(a))
      return failure();
    if (llvm::is_contained(result, *a))
      return ctx.emitError() << "axis " << axis << " is repeated";
    result.push_back(*a);
  }
  return result;
}

FailureOr<SmallVector<Value>> runtimeAxes(NodeContext &ctx, size_t i,
                                          int64_t rank) {
  FailureOr<SmallVector<Value>> axes = indexElements(ctx, i, "axes");
  if (failed(axes))
    return failure();
  IndexArith m{ctx.b, ctx.loc};
  for (Value &axis : *axes)
    axis = m.wrapNegative(axis, m.c(rank));
  return axes;
}

} // namespace dsk::onnx_import
