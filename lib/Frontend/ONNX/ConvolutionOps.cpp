//===- ConvolutionOps.cpp - ONNX convolutions and pooling
//-------------------===//
//
// Conv, ConvTranspose, ConvInteger, and the max/average/Lp pooling ops, on
// one window geometry (strides, dilations, explicit and auto padding, ceil
// mode): tensor.pad plus linalg named convolutions or linalg.generic
// windows.
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
// Windows: convolution and pooling geometry
//===----------------------------------------------------------------------===//

/// The geometry of a sliding window over the spatial dims of [N, C, ...].
struct Window {
  SmallVector<int64_t> kernel, strides, dilations;
  /// Pads before and after (the latter with the extra that ceil_mode
  /// needs), and after without that extra.
  SmallVector<OpFoldResult> padLow, padHigh, padHighExplicit;
  SmallVector<OpFoldResult> in, out;
};

/// The largest kernel size, stride, dilation or pad a window attribute may
/// have. Far beyond any real model, and small enough that the window
/// arithmetic on them stays well inside int64.
constexpr int64_t kMaxWindowValue = int64_t(1) << 31;

FailureOr<SmallVector<int64_t>> spatialInts(NodeContext &ctx, StringRef name,
                                            size_t count, int64_t fill,
                                            int64_t minValue) {
  SmallVector<int64_t> values = ctx.intsAttr(name);
  if (values.empty())
    values.assign(count, fill);
  if (values.size() != count)
    return ctx.emitError() << "'" << name << "' must have " << count
                           << " values, got " << values.size(),
           failure();
  for (int64_t v : values)
    if (v < minValue || v > kMaxWindowValue)
      return ctx.emitError()
                 << "'" << name << "' values must be in [" << minValue << ", "
                 << kMaxWindowValue << "], got " << v,
             failure();
  return values;
}

FailureOr<Window> computeWindow(NodeContext &ctx, Value x,
                                ArrayRef<int64_t> kernel, bool ceilMode) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  IndexMath im(b, loc);
  size_t rank = kernel.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  for (int64_t k : kernel)
    if (k <= 0 || k > kMaxWindowValue)
      return ctx.emitError() << "kernel sizes must be in [1, "
                             << kMaxWindowValue << "], got " << k,
             failure();
  // Pooling materializes a kernel-shaped tensor: the window must be a
  // tensor a program can hold.
  if (failed(checkTensorBounds(
          RankedTensorType::get(kernel, getElementTypeOrSelf(x)),
          [&] { return ctx.emitError() << "the window "; })))
    return failure();
  FailureOr<SmallVector<int64_t>> strides =
      spatialInts(ctx, "strides", rank, 1, 1);
  FailureOr<SmallVector<int64_t>> dilations =
      spatialInts(ctx, "dilations", rank, 1, 1);
  FailureOr<SmallVector<int64_t>> pads =
      spatialInts(ctx, "pads", 2 * rank, 0, 0);
  if (failed(strides) || failed(dilations) || failed(pads))
    return failure();
  w.strides = *strides;
  w.dilations = *dilations;
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && autoPad != "VALID")
    return ctx.emitError() << "unknown auto_pad '" << autoPad << "'", failure();
  for (size_t i = 0; i < rank; ++i) {
    OpFoldResult in = dimOf(b, loc, x, 2 + i);
    int64_t s = w.strides[i];
    int64_t span = (w.kernel[i] - 1) * w.dilations[i] + 1;
    OpFoldResult pb, pe, out;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out = im.ceilDiv(in, s);
      OpFoldResult total =
          im.max(im.c(0), im.sub(im.add(im.mul(im.add(out, -1), s), span), in));
      OpFoldResult half = im.floorDiv(total, 2);
      pb = autoPad == "SAME_UPPER" ? half : im.sub(total, half);
      pe = im.sub(total, pb);
    } else {
      bool valid = autoPad == "VALID";
      pb = im.c(valid ? 0 : (*pads)[i]);
      pe = im.c(valid ? 0 : (*pads)[rank + i]);
      OpFoldResult room = im.add(im.add(im.add(in, pb), pe), -span);
      if (auto r = getConstantIntValue(room); r && *r < 0)
        return ctx.emitError()
                   << "the window (" << span << ") is larger than the padded "
                   << "input (" << *r + span << ") along spatial dim " << i,
               failure();
      if (ceilMode) {
        out = im.add(im.ceilDiv(room, s), 1);
        // A last window that would start in the end padding is dropped.
        OpFoldResult lastStart = im.mul(im.add(out, -1), s);
        out = im.selectGe(lastStart, im.add(in, pb), im.add(out, -1), out);
      } else {
        out = im.add(im.floorDiv(room, s), 1);
      }
    }
    OpFoldResult high = pe;
    if (ceilMode) {
      OpFoldResult needed = im.add(im.mul(im.add(out, -1), s), span);
      OpFoldResult have = im.add(im.add(in, pb), pe);
      high = im.add(pe, im.max(im.c(0), im.sub(needed, have)));
    }
    w.in.push_back(in);
    w.out.push_back(out);
    w.padLow.push_back(pb);
    w.padHigh.push_back(high);
    w.padHighExplicit.push_back(pe);
  }
  return w;
}

/// Pads the spatial dims of [N, C, ...] with `padValue`.
Value padSpatial(OpBuilder &b, Location loc, Value x,
                 ArrayRef<OpFoldResult> low, ArrayRef<OpFoldResult> high,
                 Value padValue) {
  if (llvm::all_of(low, isZero) && llvm::all_of(high, isZero))
    return x;
  IndexMath im(b, loc);
  SmallVector<OpFoldResult> fullLow = {im.c(0), im.c(0)};
  SmallVector<OpFoldResult> fullHigh = {im.c(0), im.c(0)};
  fullLow.append(low.begin(), low.end());
  fullHigh.append(high.begin(), high.end());
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(shapeOf(x))) {
    auto l = getConstantIntValue(fullLow[i]);
    auto h = getConstantIntValue(fullHigh[i]);
    CheckedInt checked;
    int64_t padded = ShapedType::isDynamic(dim) || !l || !h
                         ? ShapedType::kDynamic
                         : checked.add(checked.add(dim, *l), *h);
    shape.push_back(checked.overflowed() ? ShapedType::kDynamic : padded);
  }
  auto type = RankedTensorType::get(shape, getElementTypeOrSelf(x));
  return tensor::PadOp::create(b, loc, type, x, fullLow, fullHigh, padValue);
}

/// `values` as the i64 tensor attribute of linalg's strides and dilations.
DenseIntElementsAttr i64Elements(OpBuilder &b, ArrayRef<int64_t> values) {
  return DenseIntElementsAttr::get(
      RankedTensorType::get({static_cast<int64_t>(values.size())},
                            b.getI64Type()),
      values);
}

/// A pooling linalg.generic: out[n, c, o...] = combine over k... of
/// xp[n, c, o*s + k*d]. `init` is the filled [N, C, O...] output.
Value buildPool(OpBuilder &b, Location loc, Value xp, const Window &w,
                Value init, const CombineFn &combine) {
  MLIRContext *context = b.getContext();
  int64_t r = w.kernel.size();
  int64_t loops = 2 + 2 * r;
  SmallVector<AffineExpr> xExprs = {getAffineDimExpr(0, context),
                                    getAffineDimExpr(1, context)};
  SmallVector<AffineExpr> kExprs, outExprs = xExprs;
  for (int64_t i = 0; i < r; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, context);
    AffineExpr k = getAffineDimExpr(2 + r + i, context);
    xExprs.push_back(o * w.strides[i] + k * w.dilations[i]);
    kExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<OpFoldResult> kernelSizes = llvm::map_to_vector(
      w.kernel, [&](int64_t k) -> OpFoldResult { return b.getIndexAttr(k); });
  Value window = emptyTensor(b, loc, kernelSizes, getElementTypeOrSelf(xp));
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xExprs, context),
                                 AffineMap::get(loops, 0, kExprs, context),
                                 AffineMap::get(loops, 0, outExprs, context)};
  SmallVector<utils::IteratorType> iterators(2 + r,
                                             utils::IteratorType::parallel);
  iterators.append(r, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{xp, window},
      ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, combine(nb, nl, args[0], args[2]));
      });
  return generic.getResult(0);
}

SmallVector<OpFoldResult> poolOutputSizes(OpBuilder &b, Location loc, Value x,
                                          const Window &w) {
  SmallVector<OpFoldResult> sizes = {dimOf(b, loc, x, 0), dimOf(b, loc, x, 1)};
  sizes.append(w.out.begin(), w.out.end());
  return sizes;
}

enum class PoolKind { Max, Average, Lp };

/// The `p` of an Lp pool (LpPool, GlobalLpPool: a float before opset 2, an
/// int from it), which must be positive; 2 for the other pools.
FailureOr<double> poolExponent(NodeContext &ctx, PoolKind kind) {
  if (kind != PoolKind::Lp)
    return 2.0;
  double p = ctx.opset < 2 ? ctx.floatAttr("p", 2.0f)
                           : static_cast<double>(ctx.intAttr("p", 2));
  if (!(p > 0))
    return ctx.emitError() << "p must be positive", failure();
  return p;
}

/// One input element `in` of a pool window combined into `acc`: the
/// maximum, the sum, or the sum of |in|^p.
Value combinePool(OpBuilder &b, Location loc, Type type, PoolKind kind,
                  double p, bool isUnsigned, Value in, Value acc) {
  if (!isa<FloatType>(type)) {
    // Only max pools take integers.
    if (isUnsigned)
      return arith::MaxUIOp::create(b, loc, in, acc);
    return arith::MaxSIOp::create(b, loc, in, acc);
  }
  FloatOps f{b, loc, type};
  switch (kind) {
  case PoolKind::Max:
    return f.max(in, acc);
  case PoolKind::Average:
    return f.add(in, acc);
  case PoolKind::Lp: {
    Value term = f.abs(in);
    if (p == 2.0)
      term = f.mul(term, term);
    else if (p != 1.0)
      term = math::PowFOp::create(b, loc, term, f.c(p));
    return f.add(term, acc);
  }
  }
  llvm_unreachable("unknown pool kind");
}

/// A 2-D f32 max or sum pool as linalg's named op, which the pooling
/// kernels of the kernel table take; none for other pools (a generic).
std::optional<Value> buildNamedPool(OpBuilder &b, Location loc, Value xp,
                                    const Window &w, Value init,
                                    PoolKind kind) {
  if (rankOf(xp) != 4 || !getElementTypeOrSelf(xp).isF32() ||
      kind == PoolKind::Lp)
    return std::nullopt;
  SmallVector<OpFoldResult> kernelSizes = llvm::map_to_vector(
      w.kernel, [&](int64_t k) -> OpFoldResult { return b.getIndexAttr(k); });
  Value window = emptyTensor(b, loc, kernelSizes, b.getF32Type());
  auto strides = i64Elements(b, w.strides);
  auto dilations = i64Elements(b, w.dilations);
  if (kind == PoolKind::Max)
    return linalg::PoolingNchwMaxOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{xp, window},
               ValueRange{init}, strides, dilations)
        .getResult(0);
  return linalg::PoolingNchwSumOp::create(b, loc, TypeRange{init.getType()},
                                          ValueRange{xp, window},
                                          ValueRange{init}, strides, dilations)
      .getResult(0);
}

LogicalResult convertPool(NodeContext &ctx, PoolKind kind) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  Type type = getElementTypeOrSelf(x);
  bool isUnsigned = ctx.isUnsigned(0);
  bool isFloat = isa<FloatType>(type);
  if (!isFloat && (kind != PoolKind::Max || type.isInteger(1)))
    return ctx.emitError() << "element type " << type << " is not supported";
  if (rankOf(x) < 3)
    return ctx.emitError() << "input must have rank >= 3 ([N, C, ...]), got "
                           << x.getType();
  if (kind == PoolKind::Max && ctx.hasOutput(1))
    return ctx.emitError() << "the Indices output is not supported";
  SmallVector<int64_t> kernel = ctx.intsAttr("kernel_shape");
  if (kernel.size() != static_cast<size_t>(rankOf(x) - 2))
    return ctx.emitError() << "kernel_shape must have one size per spatial "
                              "dimension ("
                           << rankOf(x) - 2 << ")";
  bool ceilMode = ctx.intAttr("ceil_mode", 0) != 0;
  FailureOr<Window> w = computeWindow(ctx, x, kernel, ceilMode);
  if (failed(w))
    return failure();

  FailureOr<double> exponent = poolExponent(ctx, kind);
  if (failed(exponent))
    return failure();
  double p = *exponent;
  Value init = kind == PoolKind::Max ? lowestOf(b, loc, type, isUnsigned)
                                     : scalarConstant(b, loc, type, 0.0);
  Value xp = padSpatial(b, loc, x, w->padLow, w->padHigh, init);
  SmallVector<OpFoldResult> outSizes = poolOutputSizes(b, loc, x, *w);
  Value acc = filledTensor(b, loc, outSizes, init);
  std::optional<Value> named = buildNamedPool(b, loc, xp, *w, acc, kind);
  Value pooled =
      named ? *named
            : buildPool(b, loc, xp, *w, acc,
                        [&](OpBuilder &nb, Location nl, Value in, Value a) {
                          return combinePool(nb, nl, type, kind, p, isUnsigned,
                                             in, a);
                        });

  Value result = pooled;
  if (kind == PoolKind::Lp) {
    FailureOr<Value> root = buildBroadcastElementwise(
        ctx, {pooled}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
          FloatOps f{nb, nl, type};
          if (p == 1.0)
            return args[0];
          if (p == 2.0)
            return f.sqrt(args[0]);
          return math::PowFOp::create(nb, nl, args[0], f.c(1.0 / p))
              .getResult();
        });
    if (failed(root))
      return failure();
    result = *root;
  } else if (kind == PoolKind::Average) {
    bool countPad = ctx.intAttr("count_include_pad", 0) != 0;
    bool noPadding =
        llvm::all_of(w->padLow, isZero) && llvm::all_of(w->padHigh, isZero);
    int64_t r = w->kernel.size();
    if (noPadding) {
      // Kernel sizes are at most kMaxWindowValue each; the product of
      // several may still not fit, and only its value as a double is used.
      double count = 1;
      for (int64_t k : w->kernel)
        count *= static_cast<double>(k);
      FailureOr<Value> avg = buildBroadcastElementwise(
          ctx, {pooled}, type,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            FloatOps f{nb, nl, type};
            return f.div(args[0], f.c(count));
          });
      if (failed(avg))
        return failure();
      result = *avg;
    } else {
      // The divisor at each output position: the number of window taps
      // inside [lo, hi) in padded coordinates, where [lo, hi) is the input
      // (count_include_pad = 0) or the input with its explicit pads.
      IndexMath im(b, loc);
      SmallVector<Value> lo, hi;
      for (int64_t i = 0; i < r; ++i) {
        OpFoldResult l = countPad ? im.c(0) : w->padLow[i];
        OpFoldResult h = countPad ? im.add(im.add(w->in[i], w->padLow[i]),
                                           w->padHighExplicit[i])
                                  : im.add(w->in[i], w->padLow[i]);
        lo.push_back(im.value(l));
        hi.push_back(im.value(h));
      }
      FailureOr<Value> avg = buildBroadcastElementwise(
          ctx, {pooled}, type,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            IndexMath bm(nb, nl);
            OpFoldResult count = bm.c(1);
            for (int64_t i = 0; i < r; ++i) {
              Value o = linalg::IndexOp::create(nb, nl, 2 + i);
              OpFoldResult start = bm.mul(o, w->strides[i]);
              int64_t d = w->dilations[i];
              // Taps k in [0, K) with lo <= start + k*d < hi.
              OpFoldResult first =
                  bm.max(bm.c(0), bm.ceilDiv(bm.sub(lo[i], start), d));
              OpFoldResult last = bm.ceilDiv(bm.sub(hi[i], start), d);
              Value lastV = arith::MinSIOp::create(
                  nb, nl, bm.value(last), bm.value(bm.c(w->kernel[i])));
              OpFoldResult taps = bm.max(bm.c(0), bm.sub(lastV, first));
              count = bm.mul(count, taps);
            }
            Value i64 = arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                                   bm.value(count));
            Value divisor = arith::SIToFPOp::create(nb, nl, type, i64);
            return arith::DivFOp::create(nb, nl, args[0], divisor).getResult();
          });
      if (failed(avg))
        return failure();
      result = *avg;
    }
  }
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

LogicalResult convertGlobalPool(NodeContext &ctx, PoolKind kind) {
  if (failed(requireInputs(ctx, 1)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0);
  Type type = getElementTypeOrSelf(x);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  if (rankOf(x) < 2)
    return ctx.emitError() << "input must have rank >= 2, got " << x.getType();
  SmallVector<int64_t> dims;
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 2; i < rankOf(x); ++i) {
    dims.push_back(i);
    sizes.push_back(dimOf(b, loc, x, i));
  }
  FailureOr<double> exponent = poolExponent(ctx, kind);
  if (failed(exponent))
    return failure();
  double p = *exponent;
  Value init = kind == PoolKind::Max ? lowestOf(b, loc, type, false)
                                     : scalarConstant(b, loc, type, 0.0);
  Value reduced =
      reduceKeepDims(b, loc, x, dims, init,
                     [&](OpBuilder &nb, Location nl, Value in, Value acc) {
                       return combinePool(nb, nl, type, kind, p,
                                          /*isUnsigned=*/false, in, acc);
                     });
  Value result = reduced;
  if (kind != PoolKind::Max) {
    Value count = countOf(b, loc, sizes, type);
    FailureOr<Value> finished = buildBroadcastElementwise(
        ctx, {reduced}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
          FloatOps f{nb, nl, type};
          if (kind == PoolKind::Average)
            return f.div(args[0], count);
          if (p == 1.0)
            return args[0];
          if (p == 2.0)
            return f.sqrt(args[0]);
          return math::PowFOp::create(nb, nl, args[0], f.c(1.0 / p))
              .getResult();
        });
    if (failed(finished))
      return failure();
    result = *finished;
  }
  ctx.setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// out[n, m, o...] = bias[m], or zeros without a bias.
Value convInit(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
               Type type, Value bias) {
  if (!bias)
    return filledTensor(b, loc, sizes, scalarConstant(b, loc, type, 0.0));
  MLIRContext *context = b.getContext();
  int64_t rank = sizes.size();
  Value empty = emptyTensor(b, loc, sizes, type);
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, {getAffineDimExpr(1, context)}, context),
      b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{empty.getType()}, ValueRange{bias},
             ValueRange{empty}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nl, castScalar(nb, nl, args[0], type, false, false));
             })
      .getResult(0);
}

/// A grouped convolution as a linalg.generic over
/// xe [N, G, Cg, P...], we and init [N, G, Mg, O...]:
///   out[n, g, f, o...] += xe[n, g, c, o*s + k*d + offset] * w(g, f, c, k)
/// where w reads we [G, Mg, Cg, K...] (forward) or we [G, Cg, Mg, K...] with
/// the kernel flipped (transposed convolution).
Value buildGroupedConv(OpBuilder &b, Location loc, Value xe, Value we,
                       Value init, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> dilations, ArrayRef<int64_t> offsets,
                       ArrayRef<int64_t> kernel, bool transposed) {
  MLIRContext *context = b.getContext();
  int64_t r = kernel.size();
  int64_t loops = 4 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, context); };
  AffineExpr n = d(0), g = d(1), f = d(2), c = d(3 + r);
  SmallVector<AffineExpr> xExprs = {n, g, c}, wExprs, outExprs = {n, g, f};
  wExprs = transposed ? SmallVector<AffineExpr>{g, c, f}
                      : SmallVector<AffineExpr>{g, f, c};
  for (int64_t i = 0; i < r; ++i) {
    AffineExpr o = d(3 + i), k = d(4 + r + i);
    xExprs.push_back(o * strides[i] + k * dilations[i] + offsets[i]);
    wExprs.push_back(transposed ? (kernel[i] - 1) - k : k);
    outExprs.push_back(o);
  }
  SmallVector<Value> inputs = {xe, we};
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xExprs, context),
                                 AffineMap::get(loops, 0, wExprs, context)};
  if (transposed) {
    // The flipped kernel reads do not give the window's extent; a
    // shape-only window operand does (as in the named pooling ops).
    SmallVector<AffineExpr> kExprs;
    SmallVector<OpFoldResult> kSizes;
    for (int64_t i = 0; i < r; ++i) {
      kExprs.push_back(d(4 + r + i));
      kSizes.push_back(b.getIndexAttr(kernel[i]));
    }
    inputs.push_back(emptyTensor(b, loc, kSizes, getElementTypeOrSelf(xe)));
    maps.push_back(AffineMap::get(loops, 0, kExprs, context));
  }
  maps.push_back(AffineMap::get(loops, 0, outExprs, context));
  SmallVector<utils::IteratorType> iterators(3 + r,
                                             utils::IteratorType::parallel);
  iterators.append(1 + r, utils::IteratorType::reduction);
  Type type = getElementTypeOrSelf(init);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value acc = args.back();
               Value product;
               if (isa<FloatType>(type)) {
                 FloatOps fo{nb, nl, type};
                 product = fo.add(acc, fo.mul(fo.cast(args[0], type),
                                              fo.cast(args[1], type)));
               } else {
                 product = arith::AddIOp::create(
                     nb, nl, acc,
                     arith::MulIOp::create(nb, nl, args[0], args[1]));
               }
               linalg::YieldOp::create(nb, nl, product);
             })
      .getResult(0);
}

/// The static kernel of a weight [*, *, K...], checked against kernel_shape.
FailureOr<SmallVector<int64_t>> convKernel(NodeContext &ctx, Value w) {
  SmallVector<int64_t> kernel(shapeOf(w).drop_front(2));
  SmallVector<int64_t> attr = ctx.intsAttr("kernel_shape");
  if (!attr.empty()) {
    if (attr.size() != kernel.size())
      return ctx.emitError()
                 << "kernel_shape has " << attr.size() << " sizes for "
                 << kernel.size() << " spatial dimensions",
             failure();
    for (auto [i, k] : llvm::enumerate(kernel)) {
      if (!ShapedType::isDynamic(k) && k != attr[i])
        return ctx.emitError() << "kernel_shape " << attr[i]
                               << " differs from the weight's " << k,
               failure();
      k = attr[i];
    }
  }
  for (int64_t k : kernel) {
    if (ShapedType::isDynamic(k))
      return ctx.emitError()
                 << "the kernel's spatial sizes must be known at import time",
             failure();
    if (k <= 0 || k > kMaxWindowValue)
      return ctx.emitError() << "kernel sizes must be in [1, "
                             << kMaxWindowValue << "], got " << k,
             failure();
  }
  return kernel;
}

/// Checks the bias [M] of a convolution.
LogicalResult checkConvBias(NodeContext &ctx, Value bias, int64_t m) {
  if (rankOf(bias) != 1 ||
      (!ShapedType::isDynamic(m) && !typeOf(bias).isDynamicDim(0) &&
       shapeOf(bias)[0] != m))
    return ctx.emitError() << "bias must have shape [" << m << "], got "
                           << bias.getType();
  return success();
}

/// A grouped 2-D f32 convolution with a constant filter as one
/// linalg.conv_2d_nchw_fchw per group, each on its channels of the (padded)
/// input `xp`, accumulating into its channels of `init`, so that every
/// group gets the convolution kernels. None when the groups are too narrow
/// for those kernels to pay (linalg's grouped convolution, without a kernel,
/// does as well) or the shapes are not static.
std::optional<Value> buildConvPerGroup(OpBuilder &b, Location loc, Value xp,
                                       Value w, Value init, int64_t group,
                                       const Window &win) {
  DenseElementsAttr filter;
  auto xType = dyn_cast<RankedTensorType>(xp.getType());
  auto wType = dyn_cast<RankedTensorType>(w.getType());
  auto initType = dyn_cast<RankedTensorType>(init.getType());
  if (!xType || !wType || !initType || !xType.hasStaticShape() ||
      !initType.hasStaticShape() || xType.getRank() != 4 ||
      !wType.getElementType().isF32() || !initType.getElementType().isF32() ||
      !matchPattern(w, m_Constant(&filter)))
    return std::nullopt;
  ArrayRef<int64_t> shape = wType.getShape();
  int64_t filters = shape[0] / group, channels = shape[1];
  // Narrow groups (ResNeXt's 4 channels) fill the kernels' vectors of
  // output channels and their K loop too little.
  constexpr int64_t kMinFiltersPerGroup = 8, kMinPatchRowsPerGroup = 32;
  if (filters < kMinFiltersPerGroup ||
      channels * shape[2] * shape[3] < kMinPatchRowsPerGroup)
    return std::nullopt;
  SmallVector<float> values = llvm::to_vector(filter.getValues<float>());
  int64_t perGroup = filters * channels * shape[2] * shape[3];
  auto groupFilterType = RankedTensorType::get(
      {filters, channels, shape[2], shape[3]}, b.getF32Type());
  ArrayRef<int64_t> inShape = xType.getShape();
  ArrayRef<int64_t> outShape = initType.getShape();
  SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
  Value result = init;
  for (int64_t g = 0; g < group; ++g) {
    Value groupFilter = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(groupFilterType,
                               ArrayRef(values).slice(g * perGroup, perGroup)));
    Value groupInput = tensor::ExtractSliceOp::create(
        b, loc, xp,
        getAsIndexOpFoldResult(b.getContext(), {0, g * channels, 0, 0}),
        getAsIndexOpFoldResult(b.getContext(),
                               {inShape[0], channels, inShape[2], inShape[3]}),
        unit);
    SmallVector<OpFoldResult> outOffsets =
        getAsIndexOpFoldResult(b.getContext(), {0, g * filters, 0, 0});
    SmallVector<OpFoldResult> outSizes = getAsIndexOpFoldResult(
        b.getContext(), {outShape[0], filters, outShape[2], outShape[3]});
    Value groupInit = tensor::ExtractSliceOp::create(b, loc, result, outOffsets,
                                                     outSizes, unit);
    Value conv = linalg::Conv2DNchwFchwOp::create(
                     b, loc, TypeRange{groupInit.getType()},
                     ValueRange{groupInput, groupFilter}, ValueRange{groupInit},
                     i64Elements(b, win.strides), i64Elements(b, win.dilations))
                     .getResult(0);
    result = tensor::InsertSliceOp::create(b, loc, conv, result, outOffsets,
                                           outSizes, unit);
  }
  return result;
}

} // namespace

FailureOr<Value> buildConv(NodeContext &ctx, Value x, Value w, Value bias) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type type = getElementTypeOrSelf(x);
  if (getElementTypeOrSelf(w) != type ||
      (bias && getElementTypeOrSelf(bias) != type))
    return ctx.emitError() << "X, W and B must have one element type";
  int64_t rank = rankOf(x);
  if (rank < 3 || rankOf(w) != rank)
    return ctx.emitError() << "X and W must have the same rank >= 3, got "
                           << x.getType() << " and " << w.getType();
  int64_t r = rank - 2;
  int64_t group = ctx.intAttr("group", 1);
  if (group < 1)
    return ctx.emitError() << "group must be positive";
  int64_t c = shapeOf(x)[1], m = shapeOf(w)[0], cg = shapeOf(w)[1];
  CheckedInt checked;
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(cg) &&
      (c != checked.mul(cg, group) || checked.overflowed()))
    return ctx.emitError() << "X has " << c << " channels but W expects " << cg
                           << " x " << group << " groups";
  if (!ShapedType::isDynamic(m) && m % group != 0)
    return ctx.emitError() << "W's " << m
                           << " output channels do not divide into " << group
                           << " groups";
  if (bias && failed(checkConvBias(ctx, bias, m)))
    return failure();
  FailureOr<SmallVector<int64_t>> kernel = convKernel(ctx, w);
  if (failed(kernel))
    return failure();
  FailureOr<Window> win = computeWindow(ctx, x, *kernel, false);
  if (failed(win))
    return failure();
  Value zero = scalarConstant(b, loc, type, 0.0);
  Value xp = padSpatial(b, loc, x, win->padLow, win->padHigh, zero);
  SmallVector<OpFoldResult> outSizes = {dimOf(b, loc, x, 0),
                                        dimOf(b, loc, w, 0)};
  outSizes.append(win->out.begin(), win->out.end());
  // Narrow floats accumulate in f32, as dsk.matmul does (and other runtimes
  // do): f16 sums over a window lose several ulps.
  Type acc = type;
  if (isa<FloatType>(type) && type.getIntOrFloatBitWidth() < 32)
    acc = b.getF32Type();
  Value init = convInit(b, loc, outSizes, acc, bias);
  Value result;
  if (group == 1 && r <= 3) {
    SmallVector<Type> resultTypes = {init.getType()};
    SmallVector<Value> inputs = {xp, w}, outputs = {init};
    Attribute strides = i64Elements(b, win->strides);
    Attribute dilations = i64Elements(b, win->dilations);
    if (r == 1)
      result = linalg::Conv1DNcwFcwOp::create(b, loc, resultTypes, inputs,
                                              outputs, strides, dilations)
                   .getResult(0);
    else if (r == 2)
      result = linalg::Conv2DNchwFchwOp::create(b, loc, resultTypes, inputs,
                                                outputs, strides, dilations)
                   .getResult(0);
    else
      result = linalg::Conv3DNcdhwFcdhwOp::create(b, loc, resultTypes, inputs,
                                                  outputs, strides, dilations)
                   .getResult(0);
  } else if (r == 2 && type.isF32() && cg == 1 && m == group) {
    // Depthwise (one filter per channel): the named op, which kernel
    // selection recognizes; the filter [C, 1, KH, KW] drops its unit dim.
    Value filter = tensor::CollapseShapeOp::create(
        b, loc, w, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    result = linalg::DepthwiseConv2DNchwChwOp::create(
                 b, loc, TypeRange{init.getType()}, ValueRange{xp, filter},
                 ValueRange{init}, i64Elements(b, win->strides),
                 i64Elements(b, win->dilations))
                 .getResult(0);
  } else if (std::optional<Value> perGroup =
                 r == 2 ? buildConvPerGroup(b, loc, xp, w, init, group, *win)
                        : std::nullopt) {
    result = *perGroup;
  } else {
    Value xe = splitDim(b, loc, xp, 1, group);
    Value we = splitDim(b, loc, w, 0, group);
    Value ie = splitDim(b, loc, init, 1, group);
    Value out;
    // 2-D f32: linalg's named grouped convolution (the same loops), which
    // kernel selection reports; other ranks and types: the generic.
    if (r == 2 && type.isF32())
      out = linalg::Conv2DNgchwGfchwOp::create(
                b, loc, TypeRange{ie.getType()}, ValueRange{xe, we},
                ValueRange{ie}, i64Elements(b, win->strides),
                i64Elements(b, win->dilations))
                .getResult(0);
    else
      out = buildGroupedConv(b, loc, xe, we, ie, win->strides, win->dilations,
                             SmallVector<int64_t>(r, 0), *kernel, false);
    result = collapseDims(b, loc, out, 1, 2);
  }
  if (acc == type)
    return result;
  return buildBroadcastElementwise(
      ctx, {result}, type, [&](OpBuilder &nb, Location nl, ValueRange args) {
        return castScalar(nb, nl, args[0], type, false, false);
      });
}

namespace {

LogicalResult convertConv(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value x = ctx.input(0);
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  FailureOr<Value> result =
      buildConv(ctx, x, ctx.input(1), ctx.hasInput(2) ? ctx.input(2) : Value());
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertConvInteger(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  FailureOr<Value> x = subtractZeroPoint(ctx, 0, 2, ParamAxis::Last);
  if (failed(x))
    return failure();
  FailureOr<Value> w = subtractZeroPoint(ctx, 1, 3, ParamAxis::Leading);
  if (failed(w))
    return failure();
  FailureOr<Value> result = buildConv(ctx, *x, *w, Value());
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertConvTranspose(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.input(0), w = ctx.input(1);
  Value bias = ctx.hasInput(2) ? ctx.input(2) : Value();
  if (failed(requireFloat(ctx, x, "X")))
    return failure();
  Type type = getElementTypeOrSelf(x);
  if (getElementTypeOrSelf(w) != type ||
      (bias && getElementTypeOrSelf(bias) != type))
    return ctx.emitError() << "X, W and B must have one element type";
  int64_t rank = rankOf(x);
  if (rank < 3 || rankOf(w) != rank)
    return ctx.emitError() << "X and W must have the same rank >= 3, got "
                           << x.getType() << " and " << w.getType();
  int64_t r = rank - 2;
  int64_t group = ctx.intAttr("group", 1);
  if (group < 1)
    return ctx.emitError() << "group must be positive";
  int64_t c = shapeOf(x)[1], wc = shapeOf(w)[0], mg = shapeOf(w)[1];
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(wc) && c != wc)
    return ctx.emitError() << "X has " << c << " channels but W has " << wc;
  if (ShapedType::isDynamic(wc) || ShapedType::isDynamic(mg))
    return ctx.emitError()
           << "W's channel dimensions must be known at import time";
  if (wc % group != 0 || group > std::max<int64_t>(wc, 1))
    return ctx.emitError() << "W's " << wc << " input channels do not divide "
                           << "into " << group << " groups";
  CheckedInt checked;
  int64_t m = checked.mul(mg, group);
  if (checked.overflowed())
    return ctx.emitError() << "W's " << mg
                           << " output channels per group times " << group
                           << " groups do not fit in 64 bits";
  if (bias && failed(checkConvBias(ctx, bias, m)))
    return failure();
  for (int64_t i = 0; i < r; ++i)
    if (ShapedType::isDynamic(shapeOf(x)[2 + i]))
      return ctx.emitError() << "dynamic spatial dimensions are not "
                                "supported for ConvTranspose";
  FailureOr<SmallVector<int64_t>> kernel = convKernel(ctx, w);
  if (failed(kernel))
    return failure();
  FailureOr<SmallVector<int64_t>> strides =
      spatialInts(ctx, "strides", r, 1, 1);
  FailureOr<SmallVector<int64_t>> dilations =
      spatialInts(ctx, "dilations", r, 1, 1);
  FailureOr<SmallVector<int64_t>> pads = spatialInts(ctx, "pads", 2 * r, 0, 0);
  FailureOr<SmallVector<int64_t>> outputPadding =
      spatialInts(ctx, "output_padding", r, 0, 0);
  if (failed(strides) || failed(dilations) || failed(pads) ||
      failed(outputPadding))
    return failure();
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && autoPad != "VALID")
    return ctx.emitError() << "unknown auto_pad '" << autoPad << "'";
  SmallVector<int64_t> outputShape = ctx.intsAttr("output_shape");
  if (!outputShape.empty()) {
    // Either the spatial sizes or the full [N, M, ...] shape.
    if (outputShape.size() == static_cast<size_t>(rank))
      outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
    if (outputShape.size() != static_cast<size_t>(r))
      return ctx.emitError() << "output_shape must have " << r << " sizes";
  }
  SmallVector<int64_t> pb(r), pe(r), out(r), lowP(r), highP(r), crop(r);
  // output_shape is any int64 the model holds: the geometry is computed
  // checked, and an overflow is an error.
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = shapeOf(x)[2 + i], s = (*strides)[i];
    int64_t span = checked.add(
        checked.mul(checked.sub((*kernel)[i], 1), (*dilations)[i]), 1);
    int64_t full = checked.add(
        checked.add(checked.mul(s, checked.sub(in, 1)), (*outputPadding)[i]),
        span);
    if (!outputShape.empty() || autoPad == "SAME_UPPER" ||
        autoPad == "SAME_LOWER") {
      int64_t target =
          outputShape.empty() ? checked.mul(in, s) : outputShape[i];
      // A negative total pads the end of the output (with the bias).
      int64_t total = checked.sub(full, target);
      int64_t half = llvm::divideFloorSigned(total, 2);
      if (autoPad == "SAME_UPPER") {
        pb[i] = half;
        pe[i] = checked.sub(total, half);
      } else {
        pb[i] = checked.sub(total, half);
        pe[i] = half;
      }
    } else if (autoPad == "NOTSET") {
      pb[i] = (*pads)[i];
      pe[i] = (*pads)[r + i];
    }
    out[i] = checked.sub(checked.sub(full, pb[i]), pe[i]);
    int64_t low = checked.sub(checked.sub(span, 1), pb[i]);
    int64_t high = checked.add(checked.sub(checked.sub(span, 1), pe[i]),
                               (*outputPadding)[i]);
    lowP[i] = std::max<int64_t>(0, low);
    highP[i] = std::max<int64_t>(0, high);
    crop[i] = std::max<int64_t>(0, checked.sub(0, low));
    // The spread input's size, below.
    checked.add(checked.add(checked.add(checked.mul(checked.sub(in, 1), s), 1),
                            lowP[i]),
                highP[i]);
    if (checked.overflowed())
      return ctx.emitError() << "the output geometry along spatial dim " << i
                             << " does not fit in 64 bits (output_shape, "
                                "pads or output_padding too large)";
    if (out[i] <= 0)
      return ctx.emitError()
             << "the output would be empty along spatial dim " << i;
  }
  // Spread the input by the strides into a zero tensor with the padding.
  SmallVector<OpFoldResult> zSizes = {dimOf(b, loc, x, 0), dimOf(b, loc, x, 1)};
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sliceStrides = {b.getIndexAttr(1),
                                            b.getIndexAttr(1)};
  for (int64_t i = 0; i < r; ++i) {
    int64_t in = shapeOf(x)[2 + i];
    zSizes.push_back(
        b.getIndexAttr((in - 1) * (*strides)[i] + 1 + lowP[i] + highP[i]));
    offsets.push_back(b.getIndexAttr(lowP[i]));
    sliceStrides.push_back(b.getIndexAttr((*strides)[i]));
  }
  Value zero = scalarConstant(b, loc, type, 0.0);
  Value z = filledTensor(b, loc, zSizes, zero);
  z = tensor::InsertSliceOp::create(b, loc, x, z, offsets, sizesOf(b, loc, x),
                                    sliceStrides);
  SmallVector<OpFoldResult> outSizes = {dimOf(b, loc, x, 0), b.getIndexAttr(m)};
  for (int64_t o : out)
    outSizes.push_back(b.getIndexAttr(o));
  Value init = convInit(b, loc, outSizes, type, bias);
  Value ze = splitDim(b, loc, z, 1, group);
  Value we = splitDim(b, loc, w, 0, group);
  Value ie = splitDim(b, loc, init, 1, group);
  SmallVector<int64_t> ones(r, 1);
  Value result = buildGroupedConv(b, loc, ze, we, ie, ones, *dilations, crop,
                                  *kernel, /*transposed=*/true);
  ctx.setOutput(0, collapseDims(b, loc, result, 1, 2));
  return success();
}

} // namespace

void registerConvolutionOps(OpRegistry &registry) {
  registry.add("", "Conv", convertConv);
  registry.add("", "ConvTranspose", convertConvTranspose);
  registry.add("", "ConvInteger", convertConvInteger);
  registry.add(
      "", "MaxPool",
      +[](NodeContext &ctx) { return convertPool(ctx, PoolKind::Max); });
  registry.add(
      "", "AveragePool",
      +[](NodeContext &ctx) { return convertPool(ctx, PoolKind::Average); });
  registry.add(
      "", "LpPool",
      +[](NodeContext &ctx) { return convertPool(ctx, PoolKind::Lp); });
  registry.add(
      "", "GlobalMaxPool",
      +[](NodeContext &ctx) { return convertGlobalPool(ctx, PoolKind::Max); });
  registry.add(
      "", "GlobalAveragePool", +[](NodeContext &ctx) {
        return convertGlobalPool(ctx, PoolKind::Average);
      });
  registry.add(
      "", "GlobalLpPool",
      +[](NodeContext &ctx) { return convertGlobalPool(ctx, PoolKind::Lp); });
}

} // namespace dsk::onnx_import
