//===- SliceOps.cpp - ONNX slicing, splitting and padding
//-------------------===//
//
// Slice (static and runtime starts/ends/steps, negative steps as a
// reverse), Split, Pad (constant, reflect, edge and wrap modes) and
// Compress, as tensor.extract_slice / tensor.pad or linalg.generic over the
// output's index space.
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

#include <limits>
#include <numeric>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

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
  IndexArith m{b, loc};
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
  IndexArith m{ctx.b, ctx.loc};
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
        IndexArith im{b, loc};
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
  IndexArith m{ctx.b, ctx.loc};
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
    // A step of INT64_MIN takes the same (one) element as INT64_MIN + 1 on
    // any real dim, and can be negated.
    int64_t step = std::max(steps[i], -std::numeric_limits<int64_t>::max());
    int64_t d = (*normalized)[i];
    dims[d] = sliceDim(ctx.b, ctx.loc, starts[i], ends[i], step,
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
    if (isFoldable(constant, ctx.maxFoldElements()) && xType.hasStaticShape()) {
      if (DenseElementsAttr folded =
              remap(constant, shape, ctx.maxFoldElements(), sourceLinear)) {
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
  IndexArith m{ctx.b, ctx.loc};
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
    CheckedInt checked;
    int64_t sum = 0;
    for (int64_t s : *split) {
      if (s < 0)
        return ctx.emitError() << "split has a negative entry " << s;
      sum = checked.add(sum, s);
      sizes.push_back(m.c(s));
    }
    if (checked.overflowed())
      return ctx.emitError() << "split sums to more than 64 bits hold";
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
      if (isFoldable(constant, ctx.maxFoldElements()) && xType.hasStaticShape())
        if (DenseElementsAttr folded =
                remap(constant, shape, ctx.maxFoldElements(), sourceLinear)) {
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
Value padSourceIndex(const IndexArith &m, StringRef mode, Value i, Value low,
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
  IndexArith m{ctx.b, ctx.loc};
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
        IndexArith im{b, loc};
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
  // Pads larger than any tensor can be are errors, which keeps the sizes
  // computed from them inside int64.
  for (int64_t pad : pads)
    if (pad < -kMaxTensorBytes || pad > kMaxTensorBytes)
      return ctx.emitError() << "pad " << pad << " is larger than any tensor";
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (int64_t i = 0; i < na; ++i) {
    low[axes[i]] = pads[i];
    high[axes[i]] = pads[i + na];
  }
  IndexArith m{ctx.b, ctx.loc};
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
        IndexArith im{b, loc};
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

void registerSliceOps(OpRegistry &registry) {
  registry.add("", "Compress", convertCompress);
  registry.add("", "Slice", convertSlice);
  registry.add("", "Split", convertSplit);
  registry.add("", "Pad", convertPad);
}

} // namespace dsk::onnx_import
