//===- ShapeOps.cpp - ONNX constants, shapes and reshapes
//-------------------===//
//
// Constant, Identity, Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose and Concat: constants fold at import time, shape computations
// stay element-wise known (ShapeBuilders.h), and reshapes become
// tensor.expand_shape/collapse_shape where the dims they copy are known,
// tensor.reshape otherwise.
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
  IndexArith m{ctx.b, ctx.loc};
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
  IndexArith m{ctx.b, ctx.loc};
  Value count = m.c(1);
  for (int64_t i = 0; i < ctx.inputType(0).getRank(); ++i)
    count = m.mul(count, dimValue(ctx.b, ctx.loc, x, i));
  setElementsOutput(ctx, 0, {}, ctx.b.getI64Type(), {m.toI64(count)}, false);
  return success();
}

/// Whether `d` is one of `axes`.
Value isOneOf(const IndexArith &m, ArrayRef<Value> axes, int64_t d) {
  Value result = m.boolean(false);
  for (Value axis : axes)
    result = m.orI(result, m.eq(axis, m.c(d)));
  return result;
}

/// dims[k] for a runtime k.
Value selectDim(const IndexArith &m, ArrayRef<Value> dims, Value k) {
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
  IndexArith m{ctx.b, ctx.loc};
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
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

LogicalResult convertReshape(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  Value x = ctx.input(0);
  auto xType = ctx.inputType(0);
  int64_t rank = xType.getRank();
  bool allowZero = ctx.opset >= 14 && ctx.intAttr("allowzero", 0) != 0;
  IndexArith m{ctx.b, ctx.loc};

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
    if (out.overflowed)
      return ctx.emitError() << "the shape's sizes multiply to more than 64 "
                                "bits hold";
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
  IndexArith m{ctx.b, ctx.loc};
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
  if (axis > 0 && axis < rank &&
      !isFoldable(ctx.constantInput(0), ctx.maxFoldElements())) {
    SmallVector<ReassociationIndices> groups(2);
    for (int64_t i = 0; i < rank; ++i)
      groups[i < axis ? 0 : 1].push_back(i);
    ctx.setOutput(0, tensor::CollapseShapeOp::create(ctx.b, ctx.loc, x, groups),
                  ctx.isUnsigned(0));
    return success();
  }
  if (isFoldable(ctx.constantInput(0), ctx.maxFoldElements()) ||
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
  if (isFoldable(constant, ctx.maxFoldElements())) {
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(xType.getDimSize(p));
    SmallVector<int64_t> strides = stridesOf(xType.getShape());
    ctx.setConstantOutput(0,
                          remap(constant, shape, ctx.maxFoldElements(),
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
    allConstant &= isFoldable(ctx.constantInput(i), ctx.maxFoldElements()) &&
                   ctx.inputType(i).hasStaticShape();
  if (allConstant) {
    SmallVector<int64_t> shape(firstType.getShape());
    shape[*axis] = 0;
    for (Value input : inputs)
      shape[*axis] += cast<RankedTensorType>(input.getType()).getDimSize(*axis);
    if (product(shape) <= ctx.maxFoldElements()) {
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

} // namespace

void registerShapeOps(OpRegistry &registry) {
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
}

} // namespace dsk::onnx_import
