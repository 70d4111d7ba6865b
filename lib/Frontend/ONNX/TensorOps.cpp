//===- TensorOps.cpp - ONNX data-movement and shape operators -------------===//
//
// Constants, shape queries, reshapes, slicing, gathers and scatters, padding
// and the other operators that move data without computing on it. They
// become tensor ops (expand_shape/collapse_shape/reshape, extract_slice,
// concat, pad), linalg.transpose/fill and linalg.generic with linalg.index
// and tensor.extract for gathers; scatters are scf.for nests of
// tensor.insert.
//
// Shape computations are folded at import time: on constant integer inputs
// these operators produce constants, and small 1-D integer tensors whose
// elements are known one by one (the result of Shape on a tensor with dynamic
// dims) are kept as tensor.from_elements of scalars, so that Gather, Concat,
// Slice, Unsqueeze and Squeeze of them stay element-wise known and Reshape can
// tell which output dims are copies of which input dims.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

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

/// 1-D integer tensors up to this length are tracked element by element.
constexpr int64_t kMaxKnownElements = 64;

constexpr int64_t kDynamic = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// Index arithmetic that folds constants as it goes
//===----------------------------------------------------------------------===//

struct IndexMath {
  OpBuilder &b;
  Location loc;

  Value c(int64_t v) const { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) const {
    return b.createOrFold<arith::AddIOp>(loc, x, y);
  }
  Value sub(Value x, Value y) const {
    return b.createOrFold<arith::SubIOp>(loc, x, y);
  }
  Value mul(Value x, Value y) const {
    return b.createOrFold<arith::MulIOp>(loc, x, y);
  }
  Value div(Value x, Value y) const {
    return b.createOrFold<arith::DivSIOp>(loc, x, y);
  }
  Value ceilDiv(Value x, Value y) const {
    return b.createOrFold<arith::CeilDivSIOp>(loc, x, y);
  }
  Value rem(Value x, Value y) const {
    return b.createOrFold<arith::RemSIOp>(loc, x, y);
  }
  Value min(Value x, Value y) const {
    return b.createOrFold<arith::MinSIOp>(loc, x, y);
  }
  Value max(Value x, Value y) const {
    return b.createOrFold<arith::MaxSIOp>(loc, x, y);
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) const {
    return b.createOrFold<arith::CmpIOp>(loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) const {
    return b.createOrFold<arith::SelectOp>(loc, cond, x, y);
  }
  /// An integer scalar as an index (sign-extended).
  Value toIndex(Value v) const {
    if (v.getType().isIndex())
      return v;
    return b.createOrFold<arith::IndexCastOp>(loc, b.getIndexType(), v);
  }
  Value toI64(Value v) const {
    return b.createOrFold<arith::IndexCastOp>(loc, b.getI64Type(), v);
  }
  Value boolean(bool v) const {
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(v));
  }
  Value orI(Value x, Value y) const {
    return b.createOrFold<arith::OrIOp>(loc, x, y);
  }
  Value andI(Value x, Value y) const {
    return b.createOrFold<arith::AndIOp>(loc, x, y);
  }
  Value notI(Value x) const {
    return b.createOrFold<arith::XOrIOp>(loc, x, boolean(true));
  }
  Value eq(Value x, Value y) const {
    return cmp(arith::CmpIPredicate::eq, x, y);
  }
  /// x < 0 ? x + n : x
  Value wrapNegative(Value x, Value n) const {
    return select(cmp(arith::CmpIPredicate::slt, x, c(0)), add(x, n), x);
  }
};

std::optional<int64_t> constantInt(Value v) {
  APInt value;
  if (v && matchPattern(v, m_ConstantInt(&value)))
    return v.getType().isInteger(1) ? value.getZExtValue()
                                    : value.getSExtValue();
  return std::nullopt;
}

/// The size of dim `i` of `x`: static as an attribute, else tensor.dim.
OpFoldResult dimOf(OpBuilder &b, Location loc, Value x, int64_t i) {
  auto type = cast<RankedTensorType>(x.getType());
  if (!type.isDynamicDim(i))
    return b.getIndexAttr(type.getDimSize(i));
  return tensor::DimOp::create(b, loc, x, i).getResult();
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

/// The static shape of a list of sizes (kDynamic where not constant).
SmallVector<int64_t> staticShape(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes)
    shape.push_back(getConstantIntValue(size).value_or(kDynamic));
  return shape;
}

int64_t product(ArrayRef<int64_t> values) {
  int64_t p = 1;
  for (int64_t v : values)
    p *= v;
  return p;
}

/// Strips tensor.cast (the importer's refinement casts).
Value stripCasts(Value v) {
  while (auto cast = v.getDefiningOp<tensor::CastOp>())
    v = cast.getSource();
  return v;
}

//===----------------------------------------------------------------------===//
// Import-time folding
//===----------------------------------------------------------------------===//

/// An integer constant small enough to fold.
bool isFoldable(DenseElementsAttr attr) {
  return attr && isa<IntegerType>(attr.getElementType()) &&
         attr.getNumElements() <= kMaxFoldElements;
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// result[index] = source[sourceIndex(index)] over the static `shape`;
/// null when the result would be too large to fold.
DenseElementsAttr
remap(DenseElementsAttr source, ArrayRef<int64_t> shape,
      llvm::function_ref<int64_t(ArrayRef<int64_t>)> sourceLinear) {
  if (ShapedType::isDynamicShape(shape))
    return {};
  int64_t count = product(shape);
  if (count > kMaxFoldElements)
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

//===----------------------------------------------------------------------===//
// Element-wise known small integer tensors
//===----------------------------------------------------------------------===//

/// The scalars of a small 0-D/1-D integer tensor whose elements are known
/// one by one: a constant or a tensor.from_elements.
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

/// Output `i` made of known scalars: a constant when all of them are,
/// else tensor.from_elements.
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

/// If `scalar` is known to be the size of dim j of `x` (an index_cast of
/// tensor.dim), returns j.
std::optional<int64_t> dimOfValue(Value scalar, Value x) {
  if (auto cast = scalar.getDefiningOp<arith::IndexCastOp>())
    scalar = cast.getIn();
  auto dim = scalar.getDefiningOp<tensor::DimOp>();
  if (!dim || stripCasts(dim.getSource()) != stripCasts(x))
    return std::nullopt;
  return dim.getConstantIndex();
}

//===----------------------------------------------------------------------===//
// Reshapes
//===----------------------------------------------------------------------===//

/// A result dim of a reshape: static, equal to (dynamic) dim `symbol` of the
/// input, or computed at runtime.
struct TargetDim {
  int64_t size = kDynamic;
  int64_t symbol = -1;
  Value runtime;

  static TargetDim fixed(int64_t size) { return {size, -1, {}}; }
  static TargetDim copyOf(int64_t symbol) { return {kDynamic, symbol, {}}; }
  static TargetDim computed(Value v) { return {kDynamic, -1, v}; }
  bool isStatic() const { return !ShapedType::isDynamic(size); }
};

/// A product of dims: a static factor and the symbols multiplied in.
struct DimProduct {
  int64_t factor = 1;
  SmallVector<int64_t> symbols;
  void multiply(const TargetDim &d) {
    if (d.isStatic())
      factor *= d.size;
    else
      symbols.push_back(d.symbol);
  }
  bool operator==(const DimProduct &other) const {
    SmallVector<int64_t> a = symbols, b = other.symbols;
    llvm::sort(a);
    llvm::sort(b);
    return factor == other.factor && a == b;
  }
};

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

/// Reshapes `x` to `target`, with collapse_shape/expand_shape where the
/// dims allow, else tensor.reshape.
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

/// Output `i` as `x` reshaped to `shape` (static dims or kDynamic where the
/// dim is a copy of the dim `copies[k]` of x). Folds constants and known
/// elements.
void setReshapedOutput(NodeContext &ctx, size_t i, Value x,
                       DenseElementsAttr constant, bool isUnsigned,
                       ArrayRef<TargetDim> target) {
  bool allStatic = llvm::all_of(target, [](auto &d) { return d.isStatic(); });
  SmallVector<int64_t> shape;
  for (const TargetDim &d : target)
    shape.push_back(d.size);
  auto elementType = getElementTypeOrSelf(x);
  if (allStatic && isFoldable(constant)) {
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

//===----------------------------------------------------------------------===//
// Generic builders
//===----------------------------------------------------------------------===//

using IndexBodyFn = llvm::function_ref<Value(OpBuilder &, Location,
                                             ValueRange ivs, ValueRange args)>;

/// A parallel linalg.generic producing a tensor of `sizes`: `inputs` read
/// through `inputMaps`; the body gets the iteration indices (linalg.index)
/// and the input scalars.
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

Value transpose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t p : perm)
    sizes.push_back(dimOf(b, loc, x, p));
  Value init = tensor::EmptyOp::create(b, loc, sizes, getElementTypeOrSelf(x));
  return linalg::TransposeOp::create(b, loc, x, init, perm)->getResult(0);
}

/// tensor.extract_slice, or tensor.empty when a static size is 0 (the
/// verifier rejects slices at the end of a static dim).
Value sliceOrEmpty(OpBuilder &b, Location loc, Value x,
                   ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                   ArrayRef<OpFoldResult> strides) {
  if (llvm::any_of(sizes,
                   [](OpFoldResult s) { return isConstantIntValue(s, 0); }))
    return tensor::EmptyOp::create(b, loc, sizes, getElementTypeOrSelf(x));
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
}

/// Reverses `x` along `axes`.
Value reverse(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes) {
  SmallVector<OpFoldResult> sizes = dimsOf(b, loc, x);
  return buildIndexedGeneric(
      b, loc, sizes, getElementTypeOrSelf(x), {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) -> Value {
        IndexMath m{nb, nl};
        SmallVector<Value> index(ivs);
        for (int64_t axis : axes)
          index[axis] =
              m.sub(m.sub(getValueOrCreateConstantIndexOp(nb, nl, sizes[axis]),
                          m.c(1)),
                    ivs[axis]);
        return tensor::ExtractOp::create(nb, nl, x, index);
      });
}

/// A scalar from a 0-D or one-element tensor input, or from its constant.
Value scalarInput(NodeContext &ctx, size_t i) {
  Value v = ctx.input(i);
  auto type = ctx.inputType(i);
  if (DenseElementsAttr c = ctx.constantInput(i); c && c.getNumElements() == 1)
    return arith::ConstantOp::create(
        ctx.b, ctx.loc, cast<TypedAttr>(c.getValues<Attribute>()[0]));
  IndexMath m{ctx.b, ctx.loc};
  SmallVector<Value> zeros(type.getRank(), m.c(0));
  return tensor::ExtractOp::create(ctx.b, ctx.loc, v, zeros);
}

/// Elements of a 1-D integer input of static length as index values
/// (constants where known).
FailureOr<SmallVector<Value>> indexElements(NodeContext &ctx, size_t i,
                                            StringRef what,
                                            int64_t maxLength = kMaxRank) {
  FailureOr<int64_t> length = ctx.shapeOperandLength(i, what, maxLength);
  if (failed(length))
    return failure();
  IndexMath m{ctx.b, ctx.loc};
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

/// Axes from the attribute (before `inputSince`) or input #`index`; empty
/// when absent.
FailureOr<std::optional<SmallVector<int64_t>>>
axesOperand(NodeContext &ctx, int64_t inputSince, size_t index) {
  if (ctx.opset < inputSince) {
    if (!ctx.hasAttr("axes"))
      return std::optional<SmallVector<int64_t>>();
    return std::optional<SmallVector<int64_t>>(ctx.intsAttr("axes"));
  }
  if (!ctx.hasInput(index))
    return std::optional<SmallVector<int64_t>>();
  FailureOr<SmallVector<int64_t>> axes = ctx.requireConstantInts(index, "axes");
  if (failed(axes))
    return failure();
  return std::optional<SmallVector<int64_t>>(*axes);
}

/// Normalized, duplicate-free axes.
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

/// Axes only known at runtime, normalized against `rank`.
FailureOr<SmallVector<Value>> runtimeAxes(NodeContext &ctx, size_t i,
                                          int64_t rank) {
  FailureOr<SmallVector<Value>> axes = indexElements(ctx, i, "axes");
  if (failed(axes))
    return failure();
  IndexMath m{ctx.b, ctx.loc};
  for (Value &axis : *axes)
    axis = m.wrapNegative(axis, m.c(rank));
  return axes;
}

/// Whether `d` is one of `axes`.
Value isOneOf(const IndexMath &m, ArrayRef<Value> axes, int64_t d) {
  Value result = m.boolean(false);
  for (Value axis : axes)
    result = m.orI(result, m.eq(axis, m.c(d)));
  return result;
}

/// dims[k] for a runtime k.
Value selectDim(const IndexMath &m, ArrayRef<Value> dims, Value k) {
  Value result = m.c(0);
  for (auto [j, dim] : llvm::enumerate(dims))
    result = m.select(m.eq(k, m.c(j)), dim, result);
  return result;
}

/// A reshape target of sizes computed at runtime (constants where folded).
SmallVector<TargetDim> computedTarget(ArrayRef<Value> sizes) {
  SmallVector<TargetDim> target;
  for (Value size : sizes) {
    if (std::optional<int64_t> c = constantInt(size))
      target.push_back(TargetDim::fixed(*c));
    else
      target.push_back(TargetDim::computed(size));
  }
  return target;
}

/// Squeeze and Unsqueeze with axes known only at runtime: the result has
/// the rank the number of axes implies and sizes computed at runtime.
LogicalResult convertRuntimeSqueeze(NodeContext &ctx, bool unsqueeze) {
  Value x = ctx.input(0);
  int64_t rank = ctx.inputType(0).getRank();
  FailureOr<int64_t> numAxes = ctx.shapeOperandLength(1, "axes");
  if (failed(numAxes))
    return failure();
  int64_t n = *numAxes;
  int64_t outRank = unsqueeze ? rank + n : rank - n;
  if (outRank < 0)
    return ctx.emitError() << "more axes than dims";
  FailureOr<SmallVector<Value>> axes =
      runtimeAxes(ctx, 1, unsqueeze ? outRank : rank);
  if (failed(axes))
    return failure();
  IndexMath m{ctx.b, ctx.loc};
  SmallVector<Value> dims;
  for (int64_t j = 0; j < rank; ++j)
    dims.push_back(dimValue(ctx.b, ctx.loc, x, j));
  SmallVector<Value> sizes;
  if (unsqueeze) {
    Value before = m.c(0);
    for (int64_t i = 0; i < outRank; ++i) {
      Value isAxis = isOneOf(m, *axes, i);
      sizes.push_back(
          m.select(isAxis, m.c(1), selectDim(m, dims, m.sub(m.c(i), before))));
      before = m.add(before, m.select(isAxis, m.c(1), m.c(0)));
    }
  } else {
    sizes.assign(outRank, m.c(0));
    Value before = m.c(0);
    for (int64_t j = 0; j < rank; ++j) {
      Value squeezed = isOneOf(m, *axes, j);
      Value position = m.sub(m.c(j), before);
      for (int64_t k = 0; k < outRank; ++k)
        sizes[k] = m.select(m.andI(m.notI(squeezed), m.eq(position, m.c(k))),
                            dims[j], sizes[k]);
      before = m.add(before, m.select(squeezed, m.c(1), m.c(0)));
    }
  }
  ctx.setOutput(0, reshapeTo(ctx.b, ctx.loc, x, computedTarget(sizes)),
                ctx.isUnsigned(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Constant, Identity, Shape, Size
//===----------------------------------------------------------------------===//

LogicalResult convertConstant(NodeContext &ctx) {
  if (ctx.node.attribute_size() != 1)
    return ctx.emitError() << "needs exactly one value attribute, got "
                           << ctx.node.attribute_size();
  const onnx::AttributeProto &a = ctx.node.attribute(0);
  MLIRContext *context = ctx.getContext();
  const std::string &name = a.name();
  Type f32 = Float32Type::get(context);
  Type i64 = IntegerType::get(context, 64);
  if (name == "value") {
    if (!a.has_t())
      return ctx.emitError() << "attribute 'value' is not a tensor";
    auto error = [&]() { return ctx.emitError() << "attribute 'value': "; };
    FailureOr<ElementType> element =
        convertDataType(context, a.t().data_type(), error);
    if (failed(element))
      return failure();
    FailureOr<DenseElementsAttr> value = ctx.tensorAttr(a);
    if (failed(value))
      return failure();
    ctx.setConstantOutput(0, *value, element->isUnsigned);
    return success();
  }
  if (name == "value_float") {
    ctx.setConstantOutput(
        0, DenseElementsAttr::get(RankedTensorType::get({}, f32), a.f()));
    return success();
  }
  if (name == "value_floats") {
    SmallVector<float> values(a.floats().begin(), a.floats().end());
    ctx.setConstantOutput(
        0,
        DenseElementsAttr::get(
            RankedTensorType::get({static_cast<int64_t>(values.size())}, f32),
            ArrayRef<float>(values)));
    return success();
  }
  if (name == "value_int") {
    ctx.setConstantOutput(
        0, DenseElementsAttr::get(RankedTensorType::get({}, i64), a.i()));
    return success();
  }
  if (name == "value_ints") {
    SmallVector<int64_t> values(a.ints().begin(), a.ints().end());
    ctx.setConstantOutput(
        0,
        DenseElementsAttr::get(
            RankedTensorType::get({static_cast<int64_t>(values.size())}, i64),
            ArrayRef<int64_t>(values)));
    return success();
  }
  if (name == "sparse_value")
    return ctx.emitError() << "sparse constants are not supported";
  if (name == "value_string" || name == "value_strings")
    return ctx.emitError() << "string constants are not supported";
  return ctx.emitError() << "unknown attribute '" << name << "'";
}

LogicalResult convertIdentity(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  ctx.setOutput(0, ctx.input(0), ctx.isUnsigned(0), ctx.constantInput(0));
  return success();
}

LogicalResult convertShape(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t start = 0, end = rank;
  if (ctx.opset >= 15) {
    auto clampAxis = [&](int64_t axis) {
      if (axis < 0)
        axis += rank;
      return std::clamp<int64_t>(axis, 0, rank);
    };
    start = clampAxis(ctx.intAttr("start", 0));
    if (ctx.hasAttr("end"))
      end = clampAxis(ctx.intAttr("end", rank));
  }
  end = std::max(start, end);
  IndexMath m{ctx.b, ctx.loc};
  Type i64 = ctx.b.getI64Type();
  SmallVector<Value> scalars;
  for (int64_t i = start; i < end; ++i) {
    if (type.isDynamicDim(i))
      scalars.push_back(m.toI64(tensor::DimOp::create(ctx.b, ctx.loc, x, i)));
    else
      scalars.push_back(arith::ConstantOp::create(
          ctx.b, ctx.loc, ctx.b.getI64IntegerAttr(type.getDimSize(i))));
  }
  setElementsOutput(ctx, 0, {end - start}, i64, scalars, false);
  return success();
}

LogicalResult convertSize(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  IndexMath m{ctx.b, ctx.loc};
  Value count = m.c(1);
  for (int64_t i = 0; i < ctx.inputType(0).getRank(); ++i)
    count = m.mul(count, dimValue(ctx.b, ctx.loc, x, i));
  setElementsOutput(ctx, 0, {}, ctx.b.getI64Type(), {m.toI64(count)}, false);
  return success();
}

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult convertReshape(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  bool allowZero = ctx.opset >= 14 && ctx.intAttr("allowzero", 0) != 0;
  IndexMath m{ctx.b, ctx.loc};

  // The requested shape: constants where known, else scalars.
  SmallVector<std::optional<int64_t>> constants;
  SmallVector<Value> scalars;
  if (ctx.opset < 5) {
    if (!ctx.hasAttr("shape"))
      return ctx.emitError() << "needs the 'shape' attribute";
    for (int64_t v : ctx.intsAttr("shape")) {
      constants.push_back(v);
      scalars.push_back({});
    }
  } else {
    // Required since opset 5 (checked against the schema before).
    FailureOr<int64_t> length = ctx.shapeOperandLength(1, "shape");
    if (failed(length))
      return failure();
    if (DenseElementsAttr c = ctx.constantInput(1)) {
      for (int64_t v : intValues(c)) {
        constants.push_back(v);
        scalars.push_back({});
      }
    } else {
      std::optional<SmallVector<Value>> known = knownElements(ctx, 1);
      if (!known) {
        known.emplace();
        for (int64_t k = 0; k < *length; ++k)
          known->push_back(
              tensor::ExtractOp::create(ctx.b, ctx.loc, ctx.input(1), m.c(k)));
      }
      for (Value v : *known) {
        constants.push_back(constantInt(v));
        scalars.push_back(v);
      }
    }
  }

  // Symbolic resolution: every dim is static or a copy of an input dim.
  SmallVector<TargetDim> target;
  int64_t inferred = -1;
  bool symbolic = true;
  for (auto [k, c] : llvm::enumerate(constants)) {
    int64_t kk = static_cast<int64_t>(k);
    if (c) {
      if (*c == -1) {
        if (inferred >= 0)
          return ctx.emitError() << "shape has more than one -1";
        inferred = kk;
        target.push_back(TargetDim::fixed(1));
        continue;
      }
      if (*c < -1)
        return ctx.emitError() << "shape has a negative dim " << *c;
      if (*c == 0 && !allowZero) {
        if (kk >= rank)
          return ctx.emitError()
                 << "shape dim " << k << " is 0 (copy) but the input has rank "
                 << rank;
        target.push_back(xType.isDynamicDim(kk)
                             ? TargetDim::copyOf(kk)
                             : TargetDim::fixed(xType.getDimSize(kk)));
        continue;
      }
      target.push_back(TargetDim::fixed(*c));
      continue;
    }
    if (std::optional<int64_t> j = dimOfValue(scalars[k], x)) {
      target.push_back(TargetDim::copyOf(*j));
      continue;
    }
    symbolic = false;
    target.push_back({});
  }
  if (allowZero && inferred >= 0 &&
      llvm::any_of(target, [](auto &d) { return d.isStatic() && d.size == 0; }))
    return ctx.emitError() << "shape has both -1 and 0 with allowzero = 1";

  DimProduct in, out;
  for (int64_t i = 0; i < rank; ++i)
    in.multiply(xType.isDynamicDim(i) ? TargetDim::copyOf(i)
                                      : TargetDim::fixed(xType.getDimSize(i)));
  auto total = [&]() {
    Value t = m.c(1);
    for (int64_t i = 0; i < rank; ++i)
      t = m.mul(t, dimValue(ctx.b, ctx.loc, x, i));
    return t;
  };
  if (symbolic) {
    for (auto [k, d] : llvm::enumerate(target))
      if (static_cast<int64_t>(k) != inferred)
        out.multiply(d);
    if (inferred >= 0) {
      SmallVector<int64_t> rest = in.symbols;
      bool subset = true;
      for (int64_t s : out.symbols) {
        auto it = llvm::find(rest, s);
        if (it == rest.end()) {
          subset = false;
          break;
        }
        rest.erase(it);
      }
      if (out.factor == 0)
        return ctx.emitError() << "cannot infer the -1 dim next to a 0 dim";
      if (subset && rest.empty()) {
        if (in.factor % out.factor != 0)
          return ctx.emitError()
                 << "cannot reshape " << xType << " to a "
                 << "shape with known dims of product " << out.factor;
        target[inferred] = TargetDim::fixed(in.factor / out.factor);
      } else if (subset && rest.size() == 1 && in.factor == out.factor) {
        target[inferred] = TargetDim::copyOf(rest.front());
      } else {
        Value known = m.c(1);
        for (auto [k, d] : llvm::enumerate(target))
          if (static_cast<int64_t>(k) != inferred)
            known = m.mul(known, d.isStatic()
                                     ? m.c(d.size)
                                     : dimValue(ctx.b, ctx.loc, x, d.symbol));
        target[inferred] = TargetDim::computed(m.div(total(), known));
      }
    } else if (in.symbols.empty() && out.symbols.empty() &&
               in.factor != out.factor) {
      return ctx.emitError()
             << "cannot reshape " << xType << " (" << in.factor
             << " elements) to a shape of " << out.factor << " elements";
    }
  } else {
    // Some dims are only known at runtime: any of them may be 0 (copy) or
    // -1 (inferred).
    SmallVector<Value> dims;
    for (auto [k, c] : llvm::enumerate(constants)) {
      int64_t kk = static_cast<int64_t>(k);
      Value v;
      if (target[k].isStatic() && kk != inferred)
        v = m.c(target[k].size);
      else if (target[k].symbol >= 0)
        v = dimValue(ctx.b, ctx.loc, x, target[k].symbol);
      else if (kk == inferred)
        v = m.c(-1);
      else {
        v = m.toIndex(scalars[k]);
        if (!allowZero && kk < rank)
          v = m.select(m.cmp(arith::CmpIPredicate::eq, v, m.c(0)),
                       dimValue(ctx.b, ctx.loc, x, kk), v);
      }
      dims.push_back(v);
    }
    Value known = m.c(1);
    for (Value v : dims)
      known = m.mul(known, m.select(m.cmp(arith::CmpIPredicate::eq, v, m.c(-1)),
                                    m.c(1), v));
    Value missing = m.div(total(), known);
    for (auto [k, v] : llvm::enumerate(dims)) {
      Value size =
          m.select(m.cmp(arith::CmpIPredicate::eq, v, m.c(-1)), missing, v);
      if (std::optional<int64_t> c = constantInt(size))
        target[k] = TargetDim::fixed(*c);
      else if (target[k].symbol < 0)
        target[k] = TargetDim::computed(size);
    }
  }
  setReshapedOutput(ctx, 0, x, ctx.constantInput(0), ctx.isUnsigned(0), target);
  return success();
}

LogicalResult convertFlatten(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  int64_t axis = ctx.intAttr("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return ctx.emitError() << "axis " << ctx.intAttr("axis", 1)
                           << " is out of range for rank " << rank;
  IndexMath m{ctx.b, ctx.loc};
  auto group = [&](int64_t begin, int64_t end) {
    SmallVector<int64_t> dynamic;
    int64_t factor = 1;
    for (int64_t i = begin; i < end; ++i) {
      if (xType.isDynamicDim(i))
        dynamic.push_back(i);
      else
        factor *= xType.getDimSize(i);
    }
    if (dynamic.empty())
      return TargetDim::fixed(factor);
    if (dynamic.size() == 1 && factor == 1)
      return TargetDim::copyOf(dynamic.front());
    Value size = m.c(1);
    for (int64_t i = begin; i < end; ++i)
      size = m.mul(size, dimValue(ctx.b, ctx.loc, x, i));
    return TargetDim::computed(size);
  };
  TargetDim outer = group(0, axis), inner = group(axis, rank);
  // Both groups non-empty: one collapse_shape, whatever the dims.
  if (axis > 0 && axis < rank && !isFoldable(ctx.constantInput(0))) {
    SmallVector<ReassociationIndices> groups(2);
    for (int64_t i = 0; i < rank; ++i)
      groups[i < axis ? 0 : 1].push_back(i);
    ctx.setOutput(0, tensor::CollapseShapeOp::create(ctx.b, ctx.loc, x, groups),
                  ctx.isUnsigned(0));
    return success();
  }
  if (isFoldable(ctx.constantInput(0)) ||
      (outer.runtime == nullptr && inner.runtime == nullptr)) {
    setReshapedOutput(ctx, 0, x, ctx.constantInput(0), ctx.isUnsigned(0),
                      {outer, inner});
    return success();
  }
  // All dims on one side: collapse them, then add the unit dim.
  Value flat = x;
  if (rank != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < rank; ++i)
      all.front().push_back(i);
    flat = tensor::CollapseShapeOp::create(ctx.b, ctx.loc, x, all);
  }
  OpFoldResult size = dimOf(ctx.b, ctx.loc, flat, 0);
  SmallVector<OpFoldResult> sizes = {ctx.b.getIndexAttr(1), size};
  if (axis != 0)
    std::swap(sizes[0], sizes[1]);
  auto type = RankedTensorType::get(staticShape(sizes), xType.getElementType());
  ctx.setOutput(0,
                tensor::ExpandShapeOp::create(ctx.b, ctx.loc, type, flat,
                                              {{0, 1}}, sizes),
                ctx.isUnsigned(0));
  return success();
}

LogicalResult convertSqueeze(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  if (ctx.opset >= 13 && ctx.hasInput(1) && !ctx.constantInput(1))
    return convertRuntimeSqueeze(ctx, /*unsqueeze=*/false);
  auto axesOr = axesOperand(ctx, 13, 1);
  if (failed(axesOr))
    return failure();
  SmallVector<int64_t> axes;
  if (*axesOr) {
    FailureOr<SmallVector<int64_t>> normalized =
        normalizeAxes(ctx, **axesOr, rank);
    if (failed(normalized))
      return failure();
    axes = *normalized;
    for (int64_t axis : axes)
      if (!xType.isDynamicDim(axis) && xType.getDimSize(axis) != 1)
        return ctx.emitError() << "cannot squeeze axis " << axis << " of "
                               << xType << ": its size is not 1";
  } else {
    for (int64_t i = 0; i < rank; ++i) {
      if (xType.isDynamicDim(i))
        return ctx.emitError()
               << "without axes, the dims to squeeze must be static: " << xType;
      if (xType.getDimSize(i) == 1)
        axes.push_back(i);
    }
  }
  // Squeezed dynamic dims are 1: say so first.
  SmallVector<int64_t> refined(xType.getShape());
  for (int64_t axis : axes)
    refined[axis] = 1;
  if (refined != xType.getShape())
    x = tensor::CastOp::create(
        ctx.b, ctx.loc, RankedTensorType::get(refined, xType.getElementType()),
        x);
  SmallVector<TargetDim> target;
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(axes, i))
      continue;
    target.push_back(xType.isDynamicDim(i)
                         ? TargetDim::copyOf(i)
                         : TargetDim::fixed(xType.getDimSize(i)));
  }
  setReshapedOutput(ctx, 0, x, ctx.constantInput(0), ctx.isUnsigned(0), target);
  return success();
}

LogicalResult convertUnsqueeze(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  if (ctx.opset >= 13 && ctx.hasInput(1) && !ctx.constantInput(1))
    return convertRuntimeSqueeze(ctx, /*unsqueeze=*/true);
  auto axesOr = axesOperand(ctx, 13, 1);
  if (failed(axesOr))
    return failure();
  if (!*axesOr)
    return ctx.emitError() << "axes are required";
  int64_t outRank = xType.getRank() + static_cast<int64_t>((*axesOr)->size());
  FailureOr<SmallVector<int64_t>> axes = normalizeAxes(ctx, **axesOr, outRank);
  if (failed(axes))
    return failure();
  SmallVector<TargetDim> target;
  int64_t next = 0;
  for (int64_t i = 0; i < outRank; ++i) {
    if (llvm::is_contained(*axes, i)) {
      target.push_back(TargetDim::fixed(1));
      continue;
    }
    target.push_back(xType.isDynamicDim(next)
                         ? TargetDim::copyOf(next)
                         : TargetDim::fixed(xType.getDimSize(next)));
    ++next;
  }
  setReshapedOutput(ctx, 0, x, ctx.constantInput(0), ctx.isUnsigned(0), target);
  return success();
}

//===----------------------------------------------------------------------===//
// Transpose, Concat
//===----------------------------------------------------------------------===//

LogicalResult convertTranspose(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  SmallVector<int64_t> perm;
  if (ctx.hasAttr("perm")) {
    perm = ctx.intsAttr("perm");
    if (static_cast<int64_t>(perm.size()) != rank)
      return ctx.emitError()
             << "perm has " << perm.size() << " entries for rank " << rank;
    SmallVector<bool> seen(rank, false);
    for (int64_t &p : perm) {
      if (p < 0)
        p += rank;
      if (p < 0 || p >= rank || seen[p])
        return ctx.emitError() << "perm is not a permutation";
      seen[p] = true;
    }
  } else {
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  }
  if (llvm::equal(perm, llvm::seq<int64_t>(0, rank))) {
    ctx.setOutput(0, x, ctx.isUnsigned(0), ctx.constantInput(0));
    return success();
  }
  DenseElementsAttr constant = ctx.constantInput(0);
  if (isFoldable(constant)) {
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(xType.getDimSize(p));
    SmallVector<int64_t> strides = stridesOf(xType.getShape());
    ctx.setConstantOutput(0,
                          remap(constant, shape,
                                [&](ArrayRef<int64_t> index) {
                                  int64_t linear = 0;
                                  for (auto [i, p] : llvm::enumerate(perm))
                                    linear += index[i] * strides[p];
                                  return linear;
                                }),
                          ctx.isUnsigned(0));
    return success();
  }
  ctx.setOutput(0, transpose(ctx.b, ctx.loc, x, perm), ctx.isUnsigned(0));
  return success();
}

LogicalResult convertConcat(NodeContext &ctx) {
  if (ctx.numInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  if (ctx.opset >= 4 && !ctx.hasAttr("axis"))
    return ctx.emitError() << "needs the 'axis' attribute";
  SmallVector<Value> inputs;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
    inputs.push_back(ctx.input(i));
  }
  auto firstType = ctx.inputType(0);
  int64_t rank = firstType.getRank();
  Type elementType = firstType.getElementType();
  for (Value input : inputs) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getRank() != rank || type.getElementType() != elementType)
      return ctx.emitError() << "inputs must have one rank and element type, "
                                "got "
                             << firstType << " and " << type;
  }
  if (rank == 0)
    return ctx.emitError() << "cannot concatenate scalars";
  FailureOr<int64_t> axis = normalizeAxis(ctx, ctx.intAttr("axis", 1), rank);
  if (failed(axis))
    return failure();
  bool isUnsigned = ctx.isUnsigned(0);
  // Check the other dims.
  for (int64_t d = 0; d < rank; ++d) {
    if (d == *axis)
      continue;
    int64_t size = kDynamic;
    for (Value input : inputs) {
      int64_t s = cast<RankedTensorType>(input.getType()).getDimSize(d);
      if (ShapedType::isDynamic(s))
        continue;
      if (!ShapedType::isDynamic(size) && size != s)
        return ctx.emitError()
               << "inputs differ in dim " << d << ": " << size << " and " << s;
      size = s;
    }
  }
  if (inputs.size() == 1) {
    ctx.setOutput(0, inputs.front(), isUnsigned, ctx.constantInput(0));
    return success();
  }
  // Fold constants and element-wise known vectors.
  bool allConstant = true;
  for (size_t i = 0; i < inputs.size(); ++i)
    allConstant &=
        isFoldable(ctx.constantInput(i)) && ctx.inputType(i).hasStaticShape();
  if (allConstant) {
    SmallVector<int64_t> shape(firstType.getShape());
    shape[*axis] = 0;
    for (Value input : inputs)
      shape[*axis] += cast<RankedTensorType>(input.getType()).getDimSize(*axis);
    if (product(shape) <= kMaxFoldElements) {
      int64_t outer = product(ArrayRef(shape).take_front(*axis));
      SmallVector<APInt> values;
      SmallVector<SmallVector<APInt>> sources;
      SmallVector<int64_t> chunks;
      for (size_t i = 0; i < inputs.size(); ++i) {
        DenseElementsAttr c = ctx.constantInput(i);
        sources.push_back(SmallVector<APInt>(c.getValues<APInt>()));
        chunks.push_back(
            product(ctx.inputType(i).getShape().drop_front(*axis)));
      }
      for (int64_t o = 0; o < outer; ++o)
        for (size_t i = 0; i < inputs.size(); ++i)
          for (int64_t k = 0; k < chunks[i]; ++k)
            values.push_back(sources[i][o * chunks[i] + k]);
      ctx.setConstantOutput(
          0,
          DenseElementsAttr::get(RankedTensorType::get(shape, elementType),
                                 values),
          isUnsigned);
      return success();
    }
  }
  if (rank == 1 && isa<IntegerType>(elementType)) {
    SmallVector<Value> scalars;
    bool known = true;
    for (size_t i = 0; known && i < inputs.size(); ++i) {
      std::optional<SmallVector<Value>> elements = knownElements(ctx, i);
      if (!elements)
        known = false;
      else
        llvm::append_range(scalars, *elements);
    }
    if (known && static_cast<int64_t>(scalars.size()) <= kMaxKnownElements) {
      setElementsOutput(ctx, 0, {static_cast<int64_t>(scalars.size())},
                        elementType, scalars, isUnsigned);
      return success();
    }
  }
  // Drop empty inputs when others remain.
  SmallVector<Value> nonEmpty;
  for (Value input : inputs)
    if (cast<RankedTensorType>(input.getType()).getDimSize(*axis) != 0)
      nonEmpty.push_back(input);
  if (nonEmpty.empty())
    nonEmpty.push_back(inputs.front());
  Value result = nonEmpty.size() == 1
                     ? nonEmpty.front()
                     : tensor::ConcatOp::create(ctx.b, ctx.loc, *axis, nonEmpty)
                           .getResult();
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

/// One axis of a slice: the elements offset, offset + stride, ... (size of
/// them), reversed when the ONNX step is negative.
struct SliceDim {
  OpFoldResult offset, size, stride;
  bool reversed = false;
};

/// ONNX slice semantics of (start, end, step) on a dim of size `dim`.
SliceDim sliceDim(OpBuilder &b, Location loc, Value start, Value end,
                  int64_t step, Value dim) {
  IndexMath m{b, loc};
  Value s = m.wrapNegative(start, dim), e = m.wrapNegative(end, dim);
  SliceDim result;
  if (step > 0) {
    s = m.max(m.min(s, dim), m.c(0));
    e = m.max(m.min(e, dim), m.c(0));
    Value n = m.ceilDiv(m.max(m.sub(e, s), m.c(0)), m.c(step));
    result.offset = getAsOpFoldResult(s);
    result.size = getAsOpFoldResult(n);
    result.stride = b.getIndexAttr(step);
    return result;
  }
  Value dimMinus1 = m.sub(dim, m.c(1));
  s = m.max(m.min(s, dimMinus1), m.c(0));
  e = m.max(m.min(e, dimMinus1), m.c(-1));
  Value n = m.ceilDiv(m.max(m.sub(s, e), m.c(0)), m.c(-step));
  // The lowest index taken, then reversed.
  Value low = m.sub(s, m.mul(m.max(m.sub(n, m.c(1)), m.c(0)), m.c(-step)));
  result.offset = getAsOpFoldResult(m.max(low, m.c(0)));
  result.size = getAsOpFoldResult(n);
  result.stride = b.getIndexAttr(-step);
  result.reversed = true;
  return result;
}

/// Slice with axes or steps known only at runtime: every dim gets its
/// (start, end, step) by selection, and the result is gathered.
LogicalResult convertRuntimeSlice(NodeContext &ctx, ArrayRef<Value> starts,
                                  ArrayRef<Value> ends) {
  Value x = ctx.input(0);
  int64_t rank = ctx.inputType(0).getRank();
  IndexMath m{ctx.b, ctx.loc};
  size_t n = starts.size();
  SmallVector<Value> axes, steps;
  if (ctx.hasInput(3)) {
    FailureOr<SmallVector<Value>> a = runtimeAxes(ctx, 3, rank);
    if (failed(a))
      return failure();
    axes = *a;
  } else {
    for (size_t i = 0; i < n; ++i)
      axes.push_back(m.c(i));
  }
  if (ctx.hasInput(4)) {
    FailureOr<SmallVector<Value>> st = indexElements(ctx, 4, "steps");
    if (failed(st))
      return failure();
    steps = *st;
  } else {
    steps.assign(n, m.c(1));
  }
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return ctx.emitError() << "starts, ends, axes and steps differ in length";
  SmallVector<Value> firsts, strides;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    Value dim = dimValue(ctx.b, ctx.loc, x, d);
    Value start = m.c(0), end = dim, step = m.c(1);
    for (size_t i = 0; i < n; ++i) {
      Value selected = m.eq(axes[i], m.c(d));
      start = m.select(selected, starts[i], start);
      end = m.select(selected, ends[i], end);
      step = m.select(selected, steps[i], step);
    }
    Value s = m.wrapNegative(start, dim), e = m.wrapNegative(end, dim);
    Value forward = m.cmp(arith::CmpIPredicate::sgt, step, m.c(0));
    Value magnitude = m.select(forward, step, m.sub(m.c(0), step));
    Value sForward = m.max(m.min(s, dim), m.c(0));
    Value eForward = m.max(m.min(e, dim), m.c(0));
    Value last = m.sub(dim, m.c(1));
    Value sBackward = m.max(m.min(s, last), m.c(0));
    Value eBackward = m.max(m.min(e, last), m.c(-1));
    Value span = m.select(forward, m.sub(eForward, sForward),
                          m.sub(sBackward, eBackward));
    sizes.push_back(
        getAsOpFoldResult(m.ceilDiv(m.max(span, m.c(0)), magnitude)));
    firsts.push_back(m.select(forward, sForward, sBackward));
    strides.push_back(step);
  }
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, sizes, ctx.inputType(0).getElementType(), {}, {},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange) -> Value {
        IndexMath im{b, loc};
        SmallVector<Value> position;
        for (int64_t d = 0; d < rank; ++d)
          position.push_back(im.add(firsts[d], im.mul(ivs[d], strides[d])));
        return tensor::ExtractOp::create(b, loc, x, position);
      });
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

LogicalResult convertSlice(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  IndexMath m{ctx.b, ctx.loc};
  SmallVector<Value> starts, ends;
  SmallVector<int64_t> axes, steps;
  bool hasAxes;
  if (ctx.opset < 10) {
    if (!ctx.hasAttr("starts") || !ctx.hasAttr("ends"))
      return ctx.emitError() << "needs the 'starts' and 'ends' attributes";
    for (int64_t v : ctx.intsAttr("starts"))
      starts.push_back(m.c(v));
    for (int64_t v : ctx.intsAttr("ends"))
      ends.push_back(m.c(v));
    hasAxes = ctx.hasAttr("axes");
    axes = ctx.intsAttr("axes");
  } else {
    if (failed(requireInputs(ctx, 3)))
      return failure();
    FailureOr<SmallVector<Value>> s = indexElements(ctx, 1, "starts");
    if (failed(s))
      return failure();
    FailureOr<SmallVector<Value>> e = indexElements(ctx, 2, "ends");
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if ((ctx.hasInput(3) && !ctx.constantInput(3)) ||
        (ctx.hasInput(4) && !ctx.constantInput(4)))
      return convertRuntimeSlice(ctx, starts, ends);
    hasAxes = ctx.hasInput(3);
    if (hasAxes) {
      FailureOr<SmallVector<int64_t>> a = ctx.requireConstantInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (ctx.hasInput(4)) {
      FailureOr<SmallVector<int64_t>> st = ctx.requireConstantInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  size_t n = starts.size();
  if (!hasAxes)
    for (size_t i = 0; i < n; ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(n, 1);
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return ctx.emitError() << "starts, ends, axes and steps differ in length";
  FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(ctx, axes, rank);
  if (failed(normalized))
    return failure();

  SmallVector<SliceDim> dims(rank);
  for (int64_t d = 0; d < rank; ++d)
    dims[d] = {ctx.b.getIndexAttr(0), dimOf(ctx.b, ctx.loc, x, d),
               ctx.b.getIndexAttr(1), false};
  for (size_t i = 0; i < n; ++i) {
    if (steps[i] == 0)
      return ctx.emitError() << "step #" << i << " is 0";
    int64_t d = (*normalized)[i];
    dims[d] = sliceDim(ctx.b, ctx.loc, starts[i], ends[i], steps[i],
                       dimValue(ctx.b, ctx.loc, x, d));
  }
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<int64_t> reversed;
  for (auto [d, dim] : llvm::enumerate(dims)) {
    offsets.push_back(dim.offset);
    sizes.push_back(dim.size);
    strides.push_back(dim.stride);
    std::optional<int64_t> size = getConstantIntValue(dim.size);
    if (dim.reversed && (!size || *size > 1))
      reversed.push_back(d);
  }
  SmallVector<int64_t> shape = staticShape(sizes);
  std::optional<SmallVector<int64_t>> staticOffsets =
      getConstantIntValues(offsets);
  std::optional<SmallVector<int64_t>> staticStrides =
      getConstantIntValues(strides);
  bool isUnsigned = ctx.isUnsigned(0);
  // Fold constants and known elements.
  DenseElementsAttr constant = ctx.constantInput(0);
  if (staticOffsets && !ShapedType::isDynamicShape(shape)) {
    SmallVector<int64_t> strideOf = stridesOf(xType.getShape());
    auto sourceLinear = [&](ArrayRef<int64_t> index) {
      int64_t linear = 0;
      for (int64_t d = 0; d < rank; ++d) {
        int64_t i = llvm::is_contained(reversed, d) ? shape[d] - 1 - index[d]
                                                    : index[d];
        linear += ((*staticOffsets)[d] + i * (*staticStrides)[d]) * strideOf[d];
      }
      return linear;
    };
    if (isFoldable(constant) && xType.hasStaticShape()) {
      if (DenseElementsAttr folded = remap(constant, shape, sourceLinear)) {
        ctx.setConstantOutput(0, folded, isUnsigned);
        return success();
      }
    }
    if (rank == 1)
      if (auto known = knownElements(ctx, 0)) {
        SmallVector<Value> scalars;
        for (int64_t i = 0; i < shape[0]; ++i)
          scalars.push_back((*known)[sourceLinear({i})]);
        setElementsOutput(ctx, 0, shape, xType.getElementType(), scalars,
                          isUnsigned);
        return success();
      }
  }
  Value result = x;
  if (!llvm::all_of(llvm::enumerate(dims), [&](auto it) {
        auto [d, dim] = it;
        return isConstantIntValue(dim.offset, 0) &&
               isConstantIntValue(dim.stride, 1) && !xType.isDynamicDim(d) &&
               isConstantIntValue(dim.size, xType.getDimSize(d));
      }))
    result = sliceOrEmpty(ctx.b, ctx.loc, x, offsets, sizes, strides);
  if (!reversed.empty())
    result = reverse(ctx.b, ctx.loc, result, reversed);
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

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
  if (constIndices && constIndices.getNumElements() <= kMaxFoldElements) {
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
                       constIndices.getNumElements() <= kMaxFoldElements &&
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
    if (isFoldable(ctx.constantInput(0))) {
      if (DenseElementsAttr folded =
              remap(ctx.constantInput(0), shape, sourceLinear)) {
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
  IndexMath m{ctx.b, ctx.loc};
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
        IndexMath im{b, loc};
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
        IndexMath im{b, loc};
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
        IndexMath im{b, loc};
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
  IndexMath m{ctx.b, ctx.loc};
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
  if (isFoldable(ctx.constantInput(0)) && xType.hasStaticShape()) {
    SmallVector<int64_t> strides = stridesOf(xType.getShape());
    if (DenseElementsAttr folded =
            remap(ctx.constantInput(0), shape, [&](ArrayRef<int64_t> index) {
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
      product(shape) <= kMaxFoldElements) {
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
  IndexMath m{ctx.b, ctx.loc};
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
      // Exact integer count.
      int64_t s = intValues(c0)[0], l = intValues(c1)[0], d = intValues(c2)[0];
      n = std::max<int64_t>(
          0, (l - s) / d + (((l - s) % d != 0) && ((l - s > 0) == (d > 0))));
      if (n <= kMaxFoldElements) {
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
  IndexMath m{ctx.b, ctx.loc};
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
    shape.push_back(r && !xType.isDynamicDim(d) ? *r * xType.getDimSize(d)
                                                : kDynamic);
  }
  bool isUnsigned = ctx.isUnsigned(0);
  if (isFoldable(ctx.constantInput(0)) && xType.hasStaticShape()) {
    SmallVector<int64_t> strides = stridesOf(xType.getShape());
    if (DenseElementsAttr folded =
            remap(ctx.constantInput(0), shape, [&](ArrayRef<int64_t> index) {
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
// Split
//===----------------------------------------------------------------------===//

LogicalResult convertSplit(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  if (rank == 0)
    return ctx.emitError() << "cannot split a scalar";
  FailureOr<int64_t> axisOr = normalizeAxis(ctx, ctx.intAttr("axis", 0), rank);
  if (failed(axisOr))
    return failure();
  int64_t axis = *axisOr;
  int64_t n = ctx.numOutputs();
  if (n == 0)
    return ctx.emitError() << "needs at least one output";
  IndexMath m{ctx.b, ctx.loc};
  Value dim = dimValue(ctx.b, ctx.loc, x, axis);
  SmallVector<Value> sizes;
  std::optional<SmallVector<int64_t>> split;
  if (ctx.opset < 13 && ctx.hasAttr("split"))
    split = ctx.intsAttr("split");
  else if ((ctx.opset >= 13 || ctx.opset < 2) && ctx.hasInput(1)) {
    if (!ctx.constantInput(1)) {
      // Sizes known only at runtime.
      FailureOr<SmallVector<Value>> s = indexElements(ctx, 1, "split");
      if (failed(s))
        return failure();
      if (static_cast<int64_t>(s->size()) != n)
        return ctx.emitError() << "split has " << s->size() << " entries for "
                               << n << " outputs";
      sizes = *s;
    } else {
      FailureOr<SmallVector<int64_t>> s = ctx.requireConstantInts(1, "split");
      if (failed(s))
        return failure();
      split = *s;
    }
  }
  if (!sizes.empty()) {
    // Runtime sizes, set above.
  } else if (split) {
    if (static_cast<int64_t>(split->size()) != n)
      return ctx.emitError() << "split has " << split->size() << " entries for "
                             << n << " outputs";
    int64_t sum = 0;
    for (int64_t s : *split) {
      if (s < 0)
        return ctx.emitError() << "split has a negative entry " << s;
      sum += s;
      sizes.push_back(m.c(s));
    }
    if (!xType.isDynamicDim(axis) && sum != xType.getDimSize(axis))
      return ctx.emitError() << "split sums to " << sum << " but axis " << axis
                             << " has size " << xType.getDimSize(axis);
  } else if (ctx.opset >= 18) {
    if (!ctx.hasAttr("num_outputs"))
      return ctx.emitError() << "needs the 'split' input or the 'num_outputs' "
                                "attribute";
    int64_t parts = ctx.intAttr("num_outputs", 0);
    if (parts != n)
      return ctx.emitError() << "num_outputs is " << parts << " but the node "
                             << "has " << n << " outputs";
    Value chunk = m.ceilDiv(dim, m.c(n));
    for (int64_t i = 0; i < n; ++i)
      sizes.push_back(
          i + 1 < n ? chunk
                    : m.max(m.sub(dim, m.mul(chunk, m.c(n - 1))), m.c(0)));
    if (!xType.isDynamicDim(axis)) {
      int64_t total = xType.getDimSize(axis);
      int64_t c = (total + n - 1) / n;
      if (c * (n - 1) > total)
        return ctx.emitError()
               << "cannot split " << total << " into " << n << " parts";
    }
  } else {
    if (!xType.isDynamicDim(axis) && xType.getDimSize(axis) % n != 0)
      return ctx.emitError()
             << "axis " << axis << " of size " << xType.getDimSize(axis)
             << " does not split evenly into " << n;
    Value chunk = m.div(dim, m.c(n));
    sizes.assign(n, chunk);
  }
  bool isUnsigned = ctx.isUnsigned(0);
  DenseElementsAttr constant = ctx.constantInput(0);
  std::optional<SmallVector<Value>> known;
  if (rank == 1)
    known = knownElements(ctx, 0);
  Value offset = m.c(0);
  SmallVector<int64_t> strides = stridesOf(xType.getShape());
  for (int64_t i = 0; i < n; ++i) {
    SmallVector<OpFoldResult> offsets(rank, ctx.b.getIndexAttr(0));
    SmallVector<OpFoldResult> sliceSizes = dimsOf(ctx.b, ctx.loc, x);
    offsets[axis] = getAsOpFoldResult(offset);
    sliceSizes[axis] = getAsOpFoldResult(sizes[i]);
    std::optional<int64_t> staticOffset = constantInt(offset);
    // A slice starting at the end of a static dim is empty.
    if (staticOffset && !xType.isDynamicDim(axis) &&
        *staticOffset >= xType.getDimSize(axis)) {
      offsets[axis] = ctx.b.getIndexAttr(xType.getDimSize(axis));
      sliceSizes[axis] = ctx.b.getIndexAttr(0);
    }
    SmallVector<int64_t> shape = staticShape(sliceSizes);
    offset = m.add(offset, sizes[i]);
    if (!ctx.hasOutput(i))
      continue;
    if (staticOffset && !ShapedType::isDynamicShape(shape)) {
      auto sourceLinear = [&](ArrayRef<int64_t> index) {
        int64_t linear = 0;
        for (int64_t d = 0; d < rank; ++d)
          linear += (index[d] + (d == axis ? *staticOffset : 0)) * strides[d];
        return linear;
      };
      if (isFoldable(constant) && xType.hasStaticShape())
        if (DenseElementsAttr folded = remap(constant, shape, sourceLinear)) {
          ctx.setConstantOutput(i, folded, isUnsigned);
          continue;
        }
      if (known) {
        SmallVector<Value> scalars;
        for (int64_t k = 0; k < shape[0]; ++k)
          scalars.push_back((*known)[sourceLinear({k})]);
        setElementsOutput(ctx, i, shape, xType.getElementType(), scalars,
                          isUnsigned);
        continue;
      }
    }
    SmallVector<OpFoldResult> ones(rank, ctx.b.getIndexAttr(1));
    ctx.setOutput(i, sliceOrEmpty(ctx.b, ctx.loc, x, offsets, sliceSizes, ones),
                  isUnsigned);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

/// The input index that output index `i` reads along a dim of size `n` padded
/// by `low` in `mode` (edge, reflect or wrap).
Value padSourceIndex(const IndexMath &m, StringRef mode, Value i, Value low,
                     Value n) {
  using P = arith::CmpIPredicate;
  Value j = m.sub(i, low);
  if (mode == "edge")
    return m.max(m.min(j, m.sub(n, m.c(1))), m.c(0));
  if (mode == "reflect") {
    j = m.select(m.cmp(P::slt, j, m.c(0)), m.sub(m.c(0), j), j);
    return m.select(m.cmp(P::sge, j, n),
                    m.sub(m.mul(m.sub(n, m.c(1)), m.c(2)), j), j);
  }
  Value r = m.rem(j, n);
  return m.select(m.cmp(P::slt, r, m.c(0)), m.add(r, n), r);
}

/// Pad with pads or axes known only at runtime: one gather over the result.
LogicalResult convertRuntimePad(NodeContext &ctx, StringRef mode,
                                Value padValue) {
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  IndexMath m{ctx.b, ctx.loc};
  FailureOr<SmallVector<Value>> pads =
      indexElements(ctx, 1, "pads", 2 * kMaxRank);
  if (failed(pads))
    return failure();
  SmallVector<Value> axes;
  if (ctx.opset >= 18 && ctx.hasInput(3)) {
    FailureOr<SmallVector<Value>> a = runtimeAxes(ctx, 3, rank);
    if (failed(a))
      return failure();
    axes = *a;
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(m.c(d));
  }
  size_t na = axes.size();
  if (pads->size() != 2 * na)
    return ctx.emitError() << "pads has " << pads->size() << " entries for "
                           << na << " axes";
  SmallVector<Value> dims, lows;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    Value low = m.c(0), high = m.c(0);
    for (size_t i = 0; i < na; ++i) {
      Value selected = m.eq(axes[i], m.c(d));
      low = m.select(selected, (*pads)[i], low);
      high = m.select(selected, (*pads)[i + na], high);
    }
    Value dim = dimValue(ctx.b, ctx.loc, x, d);
    dims.push_back(dim);
    lows.push_back(low);
    sizes.push_back(getAsOpFoldResult(m.add(m.add(dim, low), high)));
  }
  Type elementType = xType.getElementType();
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, sizes, elementType, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange) -> Value {
        IndexMath im{b, loc};
        using P = arith::CmpIPredicate;
        SmallVector<Value> position;
        if (mode != "constant") {
          for (int64_t d = 0; d < rank; ++d)
            position.push_back(
                padSourceIndex(im, mode, ivs[d], lows[d], dims[d]));
          return tensor::ExtractOp::create(b, loc, x, position);
        }
        Value inside = im.boolean(true);
        for (int64_t d = 0; d < rank; ++d) {
          Value j = im.sub(ivs[d], lows[d]);
          inside = im.andI(inside, im.andI(im.cmp(P::sge, j, im.c(0)),
                                           im.cmp(P::slt, j, dims[d])));
          position.push_back(j);
        }
        auto ifOp = scf::IfOp::create(
            b, loc, inside,
            [&](OpBuilder &tb, Location tl) {
              scf::YieldOp::create(
                  tb, tl,
                  ValueRange{tensor::ExtractOp::create(tb, tl, x, position)});
            },
            [&](OpBuilder &eb, Location el) {
              scf::YieldOp::create(eb, el, ValueRange{padValue});
            });
        return ifOp.getResult(0);
      });
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

LogicalResult convertPad(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  Type elementType = xType.getElementType();
  bool isUnsigned = ctx.isUnsigned(0);
  std::string mode = ctx.stringAttr("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      !(mode == "wrap" && ctx.opset >= 19))
    return ctx.emitError() << "unknown mode '" << mode << "'";
  SmallVector<int64_t> pads;
  Value padValue;
  SmallVector<int64_t> axes;
  if (ctx.opset < 11) {
    StringRef name = ctx.opset < 2 ? "paddings" : "pads";
    if (!ctx.hasAttr(name))
      return ctx.emitError() << "needs the '" << name << "' attribute";
    pads = ctx.intsAttr(name);
    padValue = scalarConstant(ctx.b, ctx.loc, elementType,
                              ctx.floatAttr("value", 0.0f));
  } else {
    if (failed(requireInputs(ctx, 2)))
      return failure();
    if (ctx.hasInput(2)) {
      if (ctx.inputType(2).getElementType() != elementType ||
          ctx.inputType(2).getNumElements() != 1)
        return ctx.emitError()
               << "constant_value must be one element of the data's type";
      padValue = scalarInput(ctx, 2);
    } else {
      padValue = scalarConstant(ctx.b, ctx.loc, elementType, 0);
    }
    if (!ctx.constantInput(1) ||
        (ctx.opset >= 18 && ctx.hasInput(3) && !ctx.constantInput(3)))
      return convertRuntimePad(ctx, mode, padValue);
    FailureOr<SmallVector<int64_t>> p = ctx.requireConstantInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (ctx.opset >= 18 && ctx.hasInput(3)) {
      FailureOr<SmallVector<int64_t>> a = ctx.requireConstantInts(3, "axes");
      if (failed(a))
        return failure();
      FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(ctx, *a, rank);
      if (failed(normalized))
        return failure();
      axes = *normalized;
    }
  }
  if (axes.empty() && !(ctx.opset >= 18 && ctx.hasInput(3)))
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  int64_t na = axes.size();
  if (static_cast<int64_t>(pads.size()) != 2 * na)
    return ctx.emitError() << "pads has " << pads.size() << " entries for "
                           << na << " axes";
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (int64_t i = 0; i < na; ++i) {
    low[axes[i]] = pads[i];
    high[axes[i]] = pads[i + na];
  }
  IndexMath m{ctx.b, ctx.loc};
  // Negative pads crop.
  if (llvm::any_of(low, [](int64_t v) { return v < 0; }) ||
      llvm::any_of(high, [](int64_t v) { return v < 0; })) {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t cropLow = std::max<int64_t>(-low[d], 0),
              cropHigh = std::max<int64_t>(-high[d], 0);
      if (!xType.isDynamicDim(d) && cropLow + cropHigh > xType.getDimSize(d))
        return ctx.emitError()
               << "negative pads remove more than dim " << d << " holds";
      offsets.push_back(ctx.b.getIndexAttr(cropLow));
      sizes.push_back(getAsOpFoldResult(
          m.sub(dimValue(ctx.b, ctx.loc, x, d), m.c(cropLow + cropHigh))));
      strides.push_back(ctx.b.getIndexAttr(1));
      low[d] = std::max<int64_t>(low[d], 0);
      high[d] = std::max<int64_t>(high[d], 0);
    }
    x = sliceOrEmpty(ctx.b, ctx.loc, x, offsets, sizes, strides);
    xType = cast<RankedTensorType>(x.getType());
  }
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; })) {
    ctx.setOutput(0, x, isUnsigned);
    return success();
  }
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    shape.push_back(xType.isDynamicDim(d)
                        ? kDynamic
                        : xType.getDimSize(d) + low[d] + high[d]);
    sizes.push_back(getAsOpFoldResult(
        m.add(dimValue(ctx.b, ctx.loc, x, d), m.c(low[d] + high[d]))));
  }
  if (mode == "constant") {
    SmallVector<OpFoldResult> lowOfr, highOfr;
    for (int64_t d = 0; d < rank; ++d) {
      lowOfr.push_back(ctx.b.getIndexAttr(low[d]));
      highOfr.push_back(ctx.b.getIndexAttr(high[d]));
    }
    auto resultType = RankedTensorType::get(shape, elementType);
    ctx.setOutput(0,
                  tensor::PadOp::create(ctx.b, ctx.loc, resultType, x, lowOfr,
                                        highOfr, padValue),
                  isUnsigned);
    return success();
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (low[d] == 0 && high[d] == 0)
      continue;
    if (xType.getDimSize(d) == 0)
      return ctx.emitError()
             << "cannot pad the empty dim " << d << " in mode " << mode;
    if (mode == "reflect" && !xType.isDynamicDim(d) &&
        std::max(low[d], high[d]) >= xType.getDimSize(d))
      return ctx.emitError()
             << "reflect pads of dim " << d << " must be smaller than its size "
             << xType.getDimSize(d);
  }
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(dimValue(ctx.b, ctx.loc, x, d));
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, sizes, elementType, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange) -> Value {
        IndexMath im{b, loc};
        using P = arith::CmpIPredicate;
        SmallVector<Value> position;
        for (int64_t d = 0; d < rank; ++d) {
          if (low[d] == 0 && high[d] == 0) {
            position.push_back(ivs[d]);
            continue;
          }
          Value j = im.sub(ivs[d], im.c(low[d]));
          Value n = dims[d];
          if (mode == "edge") {
            j = im.max(im.min(j, im.sub(n, im.c(1))), im.c(0));
          } else if (mode == "reflect") {
            Value neg = im.cmp(P::slt, j, im.c(0));
            j = im.select(neg, im.sub(im.c(0), j), j);
            Value over = im.cmp(P::sge, j, n);
            j = im.select(over, im.sub(im.mul(im.sub(n, im.c(1)), im.c(2)), j),
                          j);
          } else {
            Value r = im.rem(j, n);
            j = im.select(im.cmp(P::slt, r, im.c(0)), im.add(r, n), r);
          }
          position.push_back(j);
        }
        return tensor::ExtractOp::create(b, loc, x, position);
      });
  ctx.setOutput(0, result, isUnsigned);
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
  std::string mode = ctx.stringAttr("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return ctx.emitError() << "unknown mode '" << mode << "'";
  IndexMath m{ctx.b, ctx.loc};
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
    if (!xType.isDynamicDim(1) && xType.getDimSize(1) % (bs * bs) != 0)
      return ctx.emitError() << "channels (" << xType.getDimSize(1)
                             << ") are not a multiple of blocksize^2";
    OpFoldResult cOut = divided(c, bs * bs);
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
        IndexMath im{b, loc};
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
        IndexMath im{b, loc};
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
  IndexMath m{ctx.b, ctx.loc};
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
        IndexMath im{b, loc};
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
    FailureOr<ElementType> element = convertDataType(
        ctx.getContext(), static_cast<int32_t>(ctx.intAttr("dtype", 0)), error);
    if (failed(element))
      return failure();
    elementType = element->type;
    isUnsigned = element->isUnsigned;
  }
  int64_t k = ctx.intAttr("k", 0);
  Value result = buildIndexedGeneric(
      ctx.b, ctx.loc, dimsOf(ctx.b, ctx.loc, x), elementType, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange) -> Value {
        IndexMath im{b, loc};
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
  IndexMath m{ctx.b, ctx.loc};
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
        IndexMath im{b, loc};
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
            {ctx.constantInput(0)}, dstType,
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

//===----------------------------------------------------------------------===//
// Compress
//===----------------------------------------------------------------------===//

/// Compress: the slices along `axis` (or the elements of the flattened input)
/// whose condition is true. The output length is only known at run time: a
/// first loop counts, a second copies.
LogicalResult convertCompress(NodeContext &ctx) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs input and condition are required";
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value input = ctx.input(0);
  Value condition = ctx.input(1);
  auto condType = ctx.inputType(1);
  if (condType.getRank() != 1 || !condType.getElementType().isInteger(1))
    return ctx.emitError() << "condition must be a 1-D bool tensor";
  auto inputType = ctx.inputType(0);
  int64_t axis;
  if (ctx.hasAttr("axis")) {
    FailureOr<int64_t> normalized =
        normalizeAxis(ctx, ctx.intAttr("axis", 0), inputType.getRank());
    if (failed(normalized))
      return failure();
    axis = *normalized;
  } else {
    // No axis: work on the flattened input.
    SmallVector<ReassociationIndices> all(1);
    for (int64_t d = 0; d < inputType.getRank(); ++d)
      all.front().push_back(d);
    int64_t count = inputType.hasStaticShape() ? inputType.getNumElements()
                                               : ShapedType::kDynamic;
    auto flatType = RankedTensorType::get({count}, inputType.getElementType());
    input = inputType.getRank() == 1
                ? input
                : tensor::CollapseShapeOp::create(b, loc, flatType, input, all)
                      .getResult();
    inputType = cast<RankedTensorType>(input.getType());
    axis = 0;
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // Conditions past the axis length are ignored, as the reference does.
  Value axisLength = tensor::DimOp::create(b, loc, input, axis);
  Value condLength = tensor::DimOp::create(b, loc, condition, 0);
  Value limit = arith::MinSIOp::create(b, loc, axisLength, condLength);
  auto counting = scf::ForOp::create(
      b, loc, zero, limit, one, ValueRange{zero},
      [&](OpBuilder &nb, Location nl, Value i, ValueRange args) {
        Value c = tensor::ExtractOp::create(nb, nl, condition, ValueRange{i});
        Value inc = arith::SelectOp::create(
            nb, nl, c, arith::ConstantIndexOp::create(nb, nl, 1),
            arith::ConstantIndexOp::create(nb, nl, 0));
        scf::YieldOp::create(
            nb, nl, ValueRange{arith::AddIOp::create(nb, nl, args[0], inc)});
      });
  Value selected = counting.getResult(0);
  int64_t rank = inputType.getRank();
  SmallVector<OpFoldResult> outSizes, sliceSizes;
  SmallVector<int64_t> outShape(inputType.getShape());
  outShape[axis] = ShapedType::kDynamic;
  for (int64_t d = 0; d < rank; ++d) {
    OpFoldResult size = tensor::getMixedSize(b, loc, input, d);
    outSizes.push_back(d == axis ? OpFoldResult(selected) : size);
    sliceSizes.push_back(d == axis ? OpFoldResult(b.getIndexAttr(1)) : size);
  }
  Value init =
      tensor::EmptyOp::create(b, loc, outSizes, inputType.getElementType());
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  auto copying = scf::ForOp::create(
      b, loc, zero, limit, one, ValueRange{init, zero},
      [&](OpBuilder &nb, Location nl, Value i, ValueRange args) {
        Value c = tensor::ExtractOp::create(nb, nl, condition, ValueRange{i});
        auto ifOp = scf::IfOp::create(
            nb, nl, c,
            [&](OpBuilder &tb, Location tl) {
              SmallVector<OpFoldResult> from(rank, tb.getIndexAttr(0)),
                  to(rank, tb.getIndexAttr(0));
              from[axis] = i;
              to[axis] = args[1];
              SmallVector<int64_t> sliceShape(inputType.getShape());
              sliceShape[axis] = 1;
              auto sliceType =
                  RankedTensorType::get(sliceShape, inputType.getElementType());
              Value slice = tensor::ExtractSliceOp::create(
                  tb, tl, sliceType, input, from, sliceSizes, strides);
              Value updated = tensor::InsertSliceOp::create(
                  tb, tl, slice, args[0], to, sliceSizes, strides);
              Value next = arith::AddIOp::create(
                  tb, tl, args[1], arith::ConstantIndexOp::create(tb, tl, 1));
              scf::YieldOp::create(tb, tl, ValueRange{updated, next});
            },
            [&](OpBuilder &eb, Location el) {
              scf::YieldOp::create(eb, el, ValueRange{args[0], args[1]});
            });
        scf::YieldOp::create(nb, nl, ifOp.getResults());
      });
  Value result = copying.getResult(0);
  if (result.getType() !=
      RankedTensorType::get(outShape, inputType.getElementType()))
    result = tensor::CastOp::create(
        b, loc, RankedTensorType::get(outShape, inputType.getElementType()),
        result);
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

} // namespace

void registerTensorOps(OpRegistry &registry) {
  registry.add("", "Compress", convertCompress);
  registry.add("", "Constant", convertConstant);
  registry.add("", "Identity", convertIdentity);
  registry.add("", "Shape", convertShape);
  registry.add("", "Size", convertSize);
  registry.add("", "Reshape", convertReshape);
  registry.add("", "Flatten", convertFlatten);
  registry.add("", "Squeeze", convertSqueeze);
  registry.add("", "Unsqueeze", convertUnsqueeze);
  registry.add("", "Transpose", convertTranspose);
  registry.add("", "Concat", convertConcat);
  registry.add("", "Slice", convertSlice);
  registry.add("", "Gather", convertGather);
  registry.add("", "GatherElements", convertGatherElements);
  registry.add("", "GatherND", convertGatherND);
  registry.add("", "Expand", convertExpand);
  registry.add("", "ConstantOfShape", convertConstantOfShape);
  registry.add("", "Range", convertRange);
  registry.add("", "Tile", convertTile);
  registry.add("", "Split", convertSplit);
  registry.add("", "Pad", convertPad);
  registry.add(
      "", "DepthToSpace",
      +[](NodeContext &ctx) { return convertBlockShuffle(ctx, true); });
  registry.add(
      "", "SpaceToDepth",
      +[](NodeContext &ctx) { return convertBlockShuffle(ctx, false); });
  registry.add("", "Dropout", convertDropout);
  registry.add("", "ScatterElements", convertScatterElements);
  registry.add("", "Scatter", convertScatterElements);
  registry.add("", "ScatterND", convertScatterND);
  registry.add("", "Trilu", convertTrilu);
  registry.add("", "EyeLike", convertEyeLike);
  registry.add("", "OneHot", convertOneHot);
  registry.add("", "CastLike", convertCastLike);
}

} // namespace dsk::onnx_import
