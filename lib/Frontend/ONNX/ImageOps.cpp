//===- ImageOps.cpp - ONNX image operators
//---------------------------------===//
//
// Resize (and its predecessor Upsample). A resize is one linalg.generic over
// the output: its body maps each output index of a resized axis to a source
// coordinate (the coordinate transformation mode, in f64 like the ONNX
// reference implementation), picks the neighbours (edge-clamped) and their
// weights (nearest, linear, cubic, optionally antialiased), and gathers the
// input with tensor.extract. Scales, sizes and roi may be known at import
// time (static output shapes) or only at run time (the output dims are then
// computed in the IR).
//
// GridSample (16, 20, 22), AffineGrid (20) and CenterCropPad (18) are one
// linalg.generic over their output each, gathering with clamped
// tensor.extract the same way.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <optional>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

using arith::CmpFPredicate;
using arith::CmpIPredicate;

/// f64 and index scalar arithmetic.
struct Sc {
  OpBuilder &b;
  Location loc;
  Value f(double v) const {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
  }
  Value idx(int64_t v) const {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value add(Value x, Value y) const {
    if (x.getType().isIndex())
      return arith::AddIOp::create(b, loc, x, y);
    return arith::AddFOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) const {
    if (x.getType().isIndex())
      return arith::SubIOp::create(b, loc, x, y);
    return arith::SubFOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) const {
    if (x.getType().isIndex())
      return arith::MulIOp::create(b, loc, x, y);
    return arith::MulFOp::create(b, loc, x, y);
  }
  Value div(Value x, Value y) const {
    return arith::DivFOp::create(b, loc, x, y);
  }
  Value floor(Value x) const { return math::FloorOp::create(b, loc, x); }
  Value ceil(Value x) const { return math::CeilOp::create(b, loc, x); }
  Value abs(Value x) const { return math::AbsFOp::create(b, loc, x); }
  Value minF(Value x, Value y) const {
    return arith::MinimumFOp::create(b, loc, x, y);
  }
  Value maxF(Value x, Value y) const {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value cmpF(CmpFPredicate p, Value x, Value y) const {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value cmpI(CmpIPredicate p, Value x, Value y) const {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value orI(Value x, Value y) const {
    return arith::OrIOp::create(b, loc, x, y);
  }
  Value andI(Value x, Value y) const {
    return arith::AndIOp::create(b, loc, x, y);
  }
  /// index -> f64.
  Value toF(Value index) const {
    Value i = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
    return arith::SIToFPOp::create(b, loc, b.getF64Type(), i);
  }
  /// f64 (integral) -> index.
  Value toIndex(Value x) const {
    Value i = arith::FPToSIOp::create(b, loc, b.getI64Type(), x);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  }
  Value clampIndex(Value i, Value lo, Value hi) const {
    return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, i, hi),
                                  lo);
  }
};

enum class InterpMode { Nearest, Linear, Cubic };
enum class NearestMode { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };
enum class CoordMode {
  HalfPixel,
  HalfPixelSymmetric,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNN,
  TfCropAndResize
};

struct ResizeConfig {
  InterpMode mode = InterpMode::Nearest;
  NearestMode nearest = NearestMode::RoundPreferFloor;
  CoordMode coord = CoordMode::HalfPixel;
  double cubicA = -0.75;
  bool excludeOutside = false;
  double extrapolation = 0.0;
  bool antialias = false;
};

/// One resized axis: its sizes and scale (f64 and index values created
/// before the generic), and for tf_crop_and_resize its roi.
struct AxisPlan {
  int64_t dim;
  int64_t staticOut; // ShapedType::kDynamic when only known at run time
  Value inIdx, inF, outIdx, outF, scale, outWidth;
  Value roiStart, roiEnd;
};

/// The f64 value of element `i` of a 1-D float or integer tensor.
Value elementAsF64(OpBuilder &b, Location loc, Value tensor, int64_t i,
                   bool isUnsigned) {
  Value e = tensor::ExtractOp::create(
      b, loc, tensor, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
  return castScalar(b, loc, e, b.getF64Type(), isUnsigned, false);
}

/// The constant values of a float input, or nullopt.
std::optional<SmallVector<double>> constantFloats(DenseElementsAttr attr) {
  auto floats = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  if (!floats)
    return std::nullopt;
  SmallVector<double> values;
  for (APFloat v : floats.getValues<APFloat>()) {
    bool losesInfo = false;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(v.convertToDouble());
  }
  return values;
}

std::optional<SmallVector<int64_t>> constantInts(DenseElementsAttr attr) {
  auto ints = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!ints)
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &v : ints.getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

/// Whether optional input `i` is given and not an empty tensor.
bool isGiven(NodeContext &ctx, size_t i) {
  if (i >= ctx.numInputs() || !ctx.hasInput(i))
    return false;
  RankedTensorType type = ctx.inputType(i);
  return !(type.hasStaticShape() && type.getNumElements() == 0);
}

/// The type linear/cubic interpolation computes in for `elementType`: f64 for
/// integers (their results round, so they must match the f64 reference
/// exactly) and f64 data, f32 otherwise.
Type interpolationType(OpBuilder &b, Type elementType) {
  if (elementType.isF64() || isa<IntegerType>(elementType))
    return b.getF64Type();
  return b.getF32Type();
}

/// Converts an interpolated accumulator value to the element type the way
/// the reference does (numpy saturate_cast: integers round half to even and
/// saturate).
Value toElement(OpBuilder &b, Location loc, Value v, Type elementType,
                bool isUnsigned) {
  if (isa<FloatType>(elementType))
    return castScalar(b, loc, v, elementType, false, false);
  unsigned width = elementType.getIntOrFloatBitWidth();
  Type acc = v.getType();
  APInt lo =
      isUnsigned ? APInt::getMinValue(width) : APInt::getSignedMinValue(width);
  APInt hi =
      isUnsigned ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width);
  double loD = isUnsigned ? lo.roundToDouble(false) : lo.roundToDouble(true);
  double hiD = isUnsigned ? hi.roundToDouble(false) : hi.roundToDouble(true);
  Value r = math::RoundEvenOp::create(b, loc, v);
  r = arith::MaximumFOp::create(b, loc, r, scalarConstant(b, loc, acc, loD));
  r = arith::MinimumFOp::create(b, loc, r, scalarConstant(b, loc, acc, hiD));
  // The upper bound of a 64-bit type rounds up to 2^63 (2^64) in f64; it
  // converts to poison. Keep it in range by comparing before converting.
  if (width == 64) {
    Value big = arith::CmpFOp::create(b, loc, CmpFPredicate::OGE, r,
                                      scalarConstant(b, loc, acc, hiD));
    Value conv =
        isUnsigned
            ? arith::FPToUIOp::create(b, loc, elementType, r).getResult()
            : arith::FPToSIOp::create(b, loc, elementType, r).getResult();
    Value max =
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(elementType, hi));
    return arith::SelectOp::create(b, loc, big, max, conv);
  }
  if (isUnsigned)
    return arith::FPToUIOp::create(b, loc, elementType, r);
  return arith::FPToSIOp::create(b, loc, elementType, r);
}

/// The source coordinate of output index `y` (f64) on one axis.
struct Coord {
  Value base;    // index: ceil(x) - 1, the neighbour left of x
  Value ratio;   // f64 in (0, 1]: x - base
  Value outside; // i1, tf_crop_and_resize only: x outside [0, in - 1]
};

Coord sourceCoord(Sc &s, const ResizeConfig &cfg, const AxisPlan &a,
                  Value yIndex) {
  Value y = s.toF(yIndex);
  Value half = s.f(0.5), one = s.f(1.0);
  auto halfPixel = [&]() {
    return s.sub(s.div(s.add(y, half), a.scale), half);
  };
  Value x;
  Value outside;
  auto isOne = [&]() { return s.cmpF(CmpFPredicate::OEQ, a.outWidth, one); };
  auto widthM1 = [&]() { return s.sub(a.outWidth, one); };
  auto inM1 = [&]() { return s.sub(a.inF, one); };
  switch (cfg.coord) {
  case CoordMode::HalfPixel:
    x = halfPixel();
    break;
  case CoordMode::HalfPixelSymmetric: {
    Value adjustment = s.div(a.outF, a.outWidth);
    Value center = s.div(a.inF, s.f(2.0));
    Value offset = s.mul(center, s.sub(one, adjustment));
    x = s.add(offset, halfPixel());
    break;
  }
  case CoordMode::PytorchHalfPixel:
    x = s.select(isOne(), s.f(-0.5), halfPixel());
    break;
  case CoordMode::AlignCorners:
    x = s.select(isOne(), s.f(0.0), s.div(s.mul(y, inM1()), widthM1()));
    break;
  case CoordMode::Asymmetric:
    x = s.div(y, a.scale);
    break;
  case CoordMode::TfHalfPixelForNN:
    x = s.div(s.add(y, half), a.scale);
    break;
  case CoordMode::TfCropAndResize: {
    Value extent = s.sub(a.roiEnd, a.roiStart);
    Value inLast = inM1();
    Value single = s.div(s.mul(extent, inLast), s.f(2.0));
    Value many = s.div(s.mul(s.mul(y, extent), inLast), widthM1());
    x = s.add(s.select(isOne(), single, many), s.mul(a.roiStart, inLast));
    outside = s.orI(s.cmpF(CmpFPredicate::OLT, x, s.f(0.0)),
                    s.cmpF(CmpFPredicate::OGT, x, inLast));
    break;
  }
  }
  Value baseF = s.sub(s.ceil(x), one);
  return {s.toIndex(baseF), s.sub(x, baseF), outside};
}

/// Cubic convolution kernel at distance |d| (antialias form).
Value cubicKernel(Sc &s, Value d, double a) {
  Value x = s.abs(d);
  Value x2 = s.mul(x, x);
  Value x3 = s.mul(x, x2);
  Value near =
      s.add(s.sub(s.mul(s.f(a + 2), x3), s.mul(s.f(a + 3), x2)), s.f(1.0));
  Value far = s.sub(s.add(s.sub(s.mul(s.f(a), x3), s.mul(s.f(5 * a), x2)),
                          s.mul(s.f(8 * a), x)),
                    s.f(4 * a));
  Value zero = s.f(0.0);
  return s.select(s.cmpF(CmpFPredicate::OLE, x, s.f(1.0)), near,
                  s.select(s.cmpF(CmpFPredicate::OLT, x, s.f(2.0)), far, zero));
}

/// The weights of the fixed (non-antialiased) linear and cubic kernels for
/// taps base + j, j = first, first + 1, ...
SmallVector<Value> fixedWeights(Sc &s, const ResizeConfig &cfg, Value r,
                                int64_t &first) {
  Value one = s.f(1.0);
  if (cfg.mode == InterpMode::Linear) {
    first = 0;
    return {s.sub(one, r), r};
  }
  first = -1;
  double a = cfg.cubicA;
  Value A = s.f(a);
  auto outer = [&](Value t) { // t = ratio + 1 or (1 - ratio) + 1
    return s.sub(
        s.mul(s.add(s.mul(s.sub(s.mul(A, t), s.f(5 * a)), t), s.f(8 * a)), t),
        s.f(4 * a));
  };
  auto inner = [&](Value t) { // t = ratio or 1 - ratio
    return s.add(s.mul(s.mul(s.sub(s.mul(s.f(a + 2), t), s.f(a + 3)), t), t),
                 one);
  };
  Value rm = s.sub(one, r);
  return {outer(s.add(r, one)), inner(r), inner(rm), outer(s.add(rm, one))};
}

/// Builds the resize of `x` over `axes` as one linalg.generic.
Value buildResize(NodeContext &ctx, Value x, bool isUnsigned,
                  const ResizeConfig &cfg, ArrayRef<AxisPlan> axes) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  RankedTensorType xType = typeOf(x);
  Type elementType = xType.getElementType();
  int64_t rank = xType.getRank();

  SmallVector<int64_t> shape(xType.getShape());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    const AxisPlan *plan = nullptr;
    for (const AxisPlan &a : axes)
      if (a.dim == d)
        plan = &a;
    if (plan) {
      shape[d] = plan->staticOut;
      if (ShapedType::isDynamic(plan->staticOut))
        sizes.push_back(plan->outIdx);
      else
        sizes.push_back(b.getIndexAttr(plan->staticOut));
    } else if (xType.isDynamicDim(d)) {
      sizes.push_back(tensor::DimOp::create(b, loc, x, d).getResult());
    } else {
      sizes.push_back(b.getIndexAttr(shape[d]));
    }
  }
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  Type acc = interpolationType(b, elementType);

  // Per-axis index bounds, outside the body.
  Sc outer{b, loc};
  Value zeroIndex = outer.idx(0);
  SmallVector<Value> lastIndex;
  for (const AxisPlan &a : axes)
    lastIndex.push_back(outer.sub(a.inIdx, outer.idx(1)));

  auto body = [&](OpBuilder &nb, Location nl, ValueRange) {
    Sc s{nb, nl};
    SmallVector<Value> indices;
    for (int64_t d = 0; d < rank; ++d)
      indices.push_back(linalg::IndexOp::create(nb, nl, d));
    SmallVector<Coord> coords;
    Value outside;
    for (const AxisPlan &a : axes) {
      coords.push_back(sourceCoord(s, cfg, a, indices[a.dim]));
      if (Value o = coords.back().outside)
        outside = outside ? s.orI(outside, o) : o;
    }
    auto inRange = [&](Sc &s2, size_t i, Value index) {
      return s2.andI(s2.cmpI(CmpIPredicate::sge, index, zeroIndex),
                     s2.cmpI(CmpIPredicate::sle, index, lastIndex[i]));
    };

    Value result;
    if (cfg.mode == InterpMode::Nearest) {
      Value valid;
      for (auto [i, a] : llvm::enumerate(axes)) {
        Value r = coords[i].ratio;
        Value pick;
        switch (cfg.nearest) {
        case NearestMode::RoundPreferFloor:
          pick = s.cmpF(CmpFPredicate::OGT, r, s.f(0.5));
          break;
        case NearestMode::RoundPreferCeil:
          pick = s.cmpF(CmpFPredicate::OGE, r, s.f(0.5));
          break;
        case NearestMode::Floor:
          pick = s.cmpF(CmpFPredicate::OEQ, r, s.f(1.0));
          break;
        case NearestMode::Ceil:
          pick = arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true));
          break;
        }
        Value index = s.add(coords[i].base, s.select(pick, s.idx(1), s.idx(0)));
        if (cfg.excludeOutside) {
          Value in = inRange(s, i, index);
          valid = valid ? s.andI(valid, in) : in;
        }
        indices[a.dim] = s.clampIndex(index, zeroIndex, lastIndex[i]);
      }
      result = tensor::ExtractOp::create(nb, nl, x, indices);
      if (valid) // exclude_outside zeroes the weight of the only tap.
        result = s.select(valid, result,
                          toElement(nb, nl, scalarConstant(nb, nl, acc, 0.0),
                                    elementType, isUnsigned));
    } else {
      // Per axis: the taps' (clamped) indices and normalized weights, or
      // for antialias a loop over a scale-dependent number of taps.
      struct Taps {
        SmallVector<Value> index, weight;      // fixed kernels
        Value count, first, kernelScale, norm; // antialias
      };
      SmallVector<Taps> taps(axes.size());
      // The raw weight and clamped index of antialias tap `k` of axis `i`.
      auto aaTap = [&](Sc &s2, size_t i, Value k) -> std::pair<Value, Value> {
        Value j = s2.add(taps[i].first, k);
        Value index = s2.add(coords[i].base, j);
        Value d =
            s2.mul(s2.sub(s2.toF(j), coords[i].ratio), taps[i].kernelScale);
        Value w;
        if (cfg.mode == InterpMode::Linear)
          w = s2.maxF(s2.minF(s2.sub(s2.f(1.0), s2.abs(d)), s2.f(1.0)),
                      s2.f(0.0));
        else
          w = cubicKernel(s2, d, cfg.cubicA);
        if (cfg.excludeOutside)
          w = s2.select(inRange(s2, i, index), w, s2.f(0.0));
        return {s2.clampIndex(index, zeroIndex, lastIndex[i]), w};
      };
      auto guard = [&](Sc &s2, Value sum) {
        return s2.select(s2.cmpF(CmpFPredicate::OEQ, sum, s2.f(0.0)), s2.f(1.0),
                         sum);
      };
      for (size_t i = 0; i < axes.size(); ++i) {
        const AxisPlan &a = axes[i];
        Taps &t = taps[i];
        if (!cfg.antialias) {
          int64_t first = 0;
          SmallVector<Value> w = fixedWeights(s, cfg, coords[i].ratio, first);
          SmallVector<Value> idx;
          for (auto [k, wk] : llvm::enumerate(w)) {
            Value index =
                s.add(coords[i].base, s.idx(first + static_cast<int64_t>(k)));
            if (cfg.excludeOutside)
              wk = s.select(inRange(s, i, index), wk, s.f(0.0));
            idx.push_back(s.clampIndex(index, zeroIndex, lastIndex[i]));
          }
          if (cfg.excludeOutside) {
            Value sum = w.front();
            for (Value wk : ArrayRef<Value>(w).drop_front())
              sum = s.add(sum, wk);
            sum = guard(s, sum);
            for (Value &wk : w)
              wk = s.div(wk, sum);
          }
          for (Value &wk : w)
            wk = castScalar(nb, nl, wk, acc, false, false);
          t.index = idx;
          t.weight = w;
          continue;
        }
        // Antialias: the kernel is stretched by 1 / min(scale, 1).
        t.kernelScale = s.minF(a.scale, s.f(1.0));
        double support = cfg.mode == InterpMode::Linear ? 1.0 : 2.0;
        Value startF =
            s.add(s.floor(s.div(s.f(-support), t.kernelScale)), s.f(1.0));
        t.first = s.toIndex(startF);
        t.count = s.sub(s.idx(2), s.mul(s.idx(2), t.first));
        auto sumLoop = scf::ForOp::create(
            nb, nl, s.idx(0), t.count, s.idx(1), ValueRange{s.f(0.0)},
            [&](OpBuilder &fb, Location fl, Value k, ValueRange iter) {
              Sc s2{fb, fl};
              Value w = aaTap(s2, i, k).second;
              scf::YieldOp::create(fb, fl, s2.add(iter[0], w));
            });
        t.norm = guard(s, sumLoop.getResult(0));
      }

      // sum over taps of weight * (interpolation over the remaining axes).
      std::function<Value(OpBuilder &, Location, size_t, SmallVector<Value>)>
          interp = [&](OpBuilder &ib, Location il, size_t i,
                       SmallVector<Value> idx) -> Value {
        if (i == axes.size()) {
          Value v = tensor::ExtractOp::create(ib, il, x, idx);
          return castScalar(ib, il, v, acc, isUnsigned, false);
        }
        Sc s2{ib, il};
        int64_t dim = axes[i].dim;
        if (!cfg.antialias) {
          Value sum;
          for (auto [index, w] : llvm::zip(taps[i].index, taps[i].weight)) {
            idx[dim] = index;
            Value term = s2.mul(w, interp(ib, il, i + 1, idx));
            sum = sum ? s2.add(sum, term) : term;
          }
          return sum;
        }
        auto loop = scf::ForOp::create(
            ib, il, s2.idx(0), taps[i].count, s2.idx(1),
            ValueRange{scalarConstant(ib, il, acc, 0.0)},
            [&](OpBuilder &fb, Location fl, Value k, ValueRange iter) {
              Sc s3{fb, fl};
              auto [index, w] = aaTap(s3, i, k);
              SmallVector<Value> next = idx;
              next[dim] = index;
              Value weight = castScalar(fb, fl, s3.div(w, taps[i].norm), acc,
                                        false, false);
              Value term = s3.mul(weight, interp(fb, fl, i + 1, next));
              scf::YieldOp::create(fb, fl, s3.add(iter[0], term));
            });
        return loop.getResult(0);
      };
      result = toElement(nb, nl, interp(nb, nl, 0, indices), elementType,
                         isUnsigned);
    }
    if (outside)
      result = s.select(
          outside,
          toElement(nb, nl, scalarConstant(nb, nl, acc, cfg.extrapolation),
                    elementType, isUnsigned),
          result);
    linalg::YieldOp::create(nb, nl, result);
  };

  Value result = generateElements(b, loc, init, body);
  // The result type is the most precise that the plan allows.
  auto resultType = RankedTensorType::get(shape, elementType);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(b, loc, resultType, result);
  return result;
}

/// Where the output sizes come from.
struct ResizeTarget {
  SmallVector<int64_t> axes;
  // Exactly one of scales / sizes is set (input index), or staticScales.
  std::optional<size_t> scalesInput, sizesInput;
  std::optional<SmallVector<double>> staticScales; // Upsample-7 attribute
  std::string keepAspectRatio = "stretch";
  std::optional<size_t> roiInput;
};

/// Plans the resized axes: scales, output sizes, roi.
FailureOr<SmallVector<AxisPlan>> planAxes(NodeContext &ctx, Value x,
                                          const ResizeConfig &cfg,
                                          const ResizeTarget &target) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Sc s{b, loc};
  RankedTensorType xType = typeOf(x);
  size_t n = target.axes.size();
  SmallVector<AxisPlan> plans(n);
  for (auto [i, d] : llvm::enumerate(target.axes)) {
    AxisPlan &p = plans[i];
    p.dim = d;
    if (xType.isDynamicDim(d)) {
      p.inIdx = tensor::DimOp::create(b, loc, x, d);
      p.inF = s.toF(p.inIdx);
    } else {
      p.inIdx = s.idx(xType.getDimSize(d));
      p.inF = s.f(static_cast<double>(xType.getDimSize(d)));
    }
  }
  auto checkLength = [&](size_t input, StringRef what,
                         int64_t expected) -> LogicalResult {
    RankedTensorType type = ctx.inputType(input);
    if (type.getRank() != 1)
      return ctx.emitError() << what << " must be a 1-D tensor, got " << type;
    if (!type.isDynamicDim(0) && type.getDimSize(0) != expected)
      return ctx.emitError() << what << " has " << type.getDimSize(0)
                             << " elements, expected " << expected;
    return success();
  };

  if (target.scalesInput || target.staticScales) {
    std::optional<SmallVector<double>> constant = target.staticScales;
    Value scales;
    if (target.scalesInput) {
      size_t in = *target.scalesInput;
      if (!isa<FloatType>(ctx.inputType(in).getElementType()))
        return ctx.emitError()
               << "scales must be a float tensor, got " << ctx.inputType(in);
      if (failed(checkLength(in, "scales", n)))
        return failure();
      scales = ctx.input(in);
      constant = constantFloats(ctx.constantInput(in));
    } else if (constant->size() != n) {
      return ctx.emitError() << "scales has " << constant->size()
                             << " elements, expected " << n;
    }
    for (auto [i, p] : llvm::enumerate(plans)) {
      if (constant) {
        double scale = (*constant)[i];
        if (!(scale > 0))
          return ctx.emitError() << "scales must be positive, got " << scale;
        p.scale = s.f(scale);
        if (!xType.isDynamicDim(p.dim)) {
          std::optional<int64_t> out = toInt64(
              std::floor(scale * static_cast<double>(xType.getDimSize(p.dim))));
          if (!out || *out > kMaxTensorBytes)
            return ctx.emitError() << "scale " << scale << " makes dim "
                                   << p.dim << " larger than any tensor";
          p.staticOut = *out;
          p.outIdx = s.idx(p.staticOut);
          p.outF = s.f(static_cast<double>(p.staticOut));
          p.outWidth = s.mul(p.scale, p.inF);
          continue;
        }
      } else {
        p.scale = elementAsF64(b, loc, scales, i, false);
      }
      p.staticOut = ShapedType::kDynamic;
      p.outWidth = s.mul(p.scale, p.inF);
      // max(0, ...): a bad run-time scale must not make a negative size.
      p.outIdx = arith::MaxSIOp::create(b, loc, s.toIndex(s.floor(p.outWidth)),
                                        s.idx(0));
      p.outF = s.toF(p.outIdx);
    }
  } else {
    size_t in = *target.sizesInput;
    if (!ctx.inputType(in).getElementType().isInteger(64))
      return ctx.emitError()
             << "sizes must be an int64 tensor, got " << ctx.inputType(in);
    if (failed(checkLength(in, "sizes", n)))
      return failure();
    Value sizesValue = ctx.input(in);
    std::optional<SmallVector<int64_t>> constant =
        constantInts(ctx.constantInput(in));
    if (constant)
      for (int64_t size : *constant)
        if (size < 0)
          return ctx.emitError() << "sizes must not be negative, got " << size;
    const std::string &policy = target.keepAspectRatio;
    bool allStatic = constant.has_value();
    SmallVector<Value> outIdx(n);
    SmallVector<Value> ratio(n);
    for (auto [i, p] : llvm::enumerate(plans)) {
      allStatic = allStatic && !xType.isDynamicDim(p.dim);
      if (constant)
        outIdx[i] = s.idx((*constant)[i]);
      else
        outIdx[i] = arith::MaxSIOp::create(
            b, loc,
            arith::IndexCastOp::create(
                b, loc, b.getIndexType(),
                tensor::ExtractOp::create(b, loc, sizesValue,
                                          ValueRange{s.idx(i)})),
            s.idx(0));
      ratio[i] = s.div(s.toF(outIdx[i]), p.inF);
    }
    // Static output sizes, computed like the reference.
    SmallVector<int64_t> staticOut(n, ShapedType::kDynamic);
    if (allStatic) {
      SmallVector<double> ratios;
      for (auto [i, p] : llvm::enumerate(plans))
        ratios.push_back(static_cast<double>((*constant)[i]) /
                         static_cast<double>(xType.getDimSize(p.dim)));
      for (auto [i, p] : llvm::enumerate(plans)) {
        if (policy == "stretch") {
          staticOut[i] = (*constant)[i];
          continue;
        }
        double scale = ratios[0];
        for (double r : ratios)
          scale =
              policy == "not_larger" ? std::min(scale, r) : std::max(scale, r);
        std::optional<int64_t> out =
            toInt64(scale * static_cast<double>(xType.getDimSize(p.dim)) + 0.5);
        if (!out || *out > kMaxTensorBytes)
          return ctx.emitError() << "the sizes make dim " << p.dim
                                 << " of an empty or huge input larger than "
                                    "any tensor";
        staticOut[i] = *out;
      }
    } else if (constant && policy == "stretch") {
      for (size_t i = 0; i < n; ++i)
        staticOut[i] = (*constant)[i];
    }
    Value common;
    if (policy != "stretch") {
      common = ratio[0];
      for (Value r : ArrayRef<Value>(ratio).drop_front())
        common = policy == "not_larger" ? s.minF(common, r) : s.maxF(common, r);
    }
    for (auto [i, p] : llvm::enumerate(plans)) {
      p.staticOut = staticOut[i];
      if (policy == "stretch") {
        p.scale = ratio[i];
        p.outIdx = outIdx[i];
      } else {
        p.scale = common;
        p.outIdx = s.toIndex(s.floor(s.add(s.mul(common, p.inF), s.f(0.5))));
      }
      if (!ShapedType::isDynamic(p.staticOut))
        p.outIdx = s.idx(p.staticOut);
      p.outF = s.toF(p.outIdx);
      p.outWidth = s.mul(p.scale, p.inF);
    }
  }

  if (cfg.coord == CoordMode::TfCropAndResize) {
    if (!target.roiInput || !isGiven(ctx, *target.roiInput))
      return ctx.emitError() << "tf_crop_and_resize needs the roi input";
    size_t in = *target.roiInput;
    if (!isa<FloatType>(ctx.inputType(in).getElementType()))
      return ctx.emitError()
             << "roi must be a float tensor, got " << ctx.inputType(in);
    if (failed(checkLength(in, "roi", 2 * static_cast<int64_t>(n))))
      return failure();
    std::optional<SmallVector<double>> constant =
        constantFloats(ctx.constantInput(in));
    for (auto [i, p] : llvm::enumerate(plans)) {
      if (constant) {
        p.roiStart = s.f((*constant)[i]);
        p.roiEnd = s.f((*constant)[n + i]);
      } else {
        p.roiStart = elementAsF64(b, loc, ctx.input(in), i, false);
        p.roiEnd = elementAsF64(b, loc, ctx.input(in), n + i, false);
      }
    }
  }
  return plans;
}

std::optional<double> constantF64(Value v) {
  if (auto c = v.getDefiningOp<arith::ConstantOp>())
    if (auto f = dyn_cast<FloatAttr>(c.getValue()))
      return f.getValueAsDouble();
  return std::nullopt;
}

/// Drops the axes that the reference leaves alone: scale 1 and size kept
/// (known at import time), except under tf_crop_and_resize.
SmallVector<AxisPlan> resizedAxes(ArrayRef<AxisPlan> plans, Value x,
                                  const ResizeConfig &cfg) {
  SmallVector<AxisPlan> kept;
  RankedTensorType xType = typeOf(x);
  for (const AxisPlan &p : plans) {
    bool identity = false;
    if (cfg.coord != CoordMode::TfCropAndResize && !xType.isDynamicDim(p.dim) &&
        p.staticOut == xType.getDimSize(p.dim))
      if (auto scale = constantF64(p.scale))
        identity = *scale == 1.0;
    if (!identity)
      kept.push_back(p);
  }
  return kept;
}

LogicalResult checkElementType(NodeContext &ctx, Type elementType,
                               const ResizeConfig &cfg) {
  if (cfg.mode == InterpMode::Nearest)
    return success();
  if (isa<FloatType>(elementType) ||
      (isa<IntegerType>(elementType) && !elementType.isInteger(1)))
    return success();
  return ctx.emitError() << "linear and cubic modes need a numeric input, got "
                         << elementType;
}

FailureOr<InterpMode> parseMode(NodeContext &ctx, bool allowCubic) {
  std::string mode = ctx.stringAttr("mode", "nearest");
  if (mode == "nearest")
    return InterpMode::Nearest;
  if (mode == "linear")
    return InterpMode::Linear;
  if (mode == "cubic" && allowCubic)
    return InterpMode::Cubic;
  return ctx.emitError() << "mode '" << mode << "' is not supported (expected "
                         << (allowCubic ? "nearest, linear or cubic"
                                        : "nearest or linear")
                         << ")";
}

/// Upsample-7/9 and Resize-10: asymmetric coordinates, nearest rounds down.
LogicalResult convertLegacyResize(NodeContext &ctx) {
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input X is required";
  Value x = ctx.input(0);
  RankedTensorType xType = typeOf(x);
  ResizeConfig cfg;
  FailureOr<InterpMode> mode = parseMode(ctx, /*allowCubic=*/false);
  if (failed(mode))
    return failure();
  cfg.mode = *mode;
  cfg.coord = CoordMode::Asymmetric;
  cfg.nearest = NearestMode::Floor;
  if (failed(checkElementType(ctx, xType.getElementType(), cfg)))
    return failure();
  ResizeTarget target;
  for (int64_t d = 0; d < xType.getRank(); ++d)
    target.axes.push_back(d);
  bool attrScales = ctx.node.op_type() == "Upsample" && ctx.opset < 9;
  if (attrScales) {
    if (!ctx.hasAttr("scales"))
      return ctx.emitError() << "needs the 'scales' attribute";
    SmallVector<double> scales;
    for (float f : ctx.floatsAttr("scales"))
      scales.push_back(f);
    target.staticScales = scales;
  } else {
    if (!ctx.hasInput(1))
      return ctx.emitError() << "input scales is required";
    target.scalesInput = 1;
  }
  if (xType.getRank() == 0)
    return ctx.emitError() << "input must have rank >= 1";
  FailureOr<SmallVector<AxisPlan>> plans = planAxes(ctx, x, cfg, target);
  if (failed(plans))
    return failure();
  ctx.setOutput(
      0,
      buildResize(ctx, x, ctx.isUnsigned(0), cfg, resizedAxes(*plans, x, cfg)),
      ctx.isUnsigned(0));
  return success();
}

LogicalResult convertResize(NodeContext &ctx) {
  if (ctx.opset < 11)
    return convertLegacyResize(ctx);
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input X is required";
  Value x = ctx.input(0);
  RankedTensorType xType = typeOf(x);
  int64_t rank = xType.getRank();
  if (rank == 0)
    return ctx.emitError() << "input must have rank >= 1";
  ResizeConfig cfg;
  FailureOr<InterpMode> mode = parseMode(ctx, /*allowCubic=*/true);
  if (failed(mode))
    return failure();
  cfg.mode = *mode;

  std::string coord =
      ctx.stringAttr("coordinate_transformation_mode", "half_pixel");
  if (coord == "half_pixel")
    cfg.coord = CoordMode::HalfPixel;
  else if (coord == "half_pixel_symmetric" && ctx.opset >= 19)
    cfg.coord = CoordMode::HalfPixelSymmetric;
  else if (coord == "pytorch_half_pixel")
    cfg.coord = CoordMode::PytorchHalfPixel;
  else if (coord == "align_corners")
    cfg.coord = CoordMode::AlignCorners;
  else if (coord == "asymmetric")
    cfg.coord = CoordMode::Asymmetric;
  else if (coord == "tf_half_pixel_for_nn" && ctx.opset < 13)
    cfg.coord = CoordMode::TfHalfPixelForNN;
  else if (coord == "tf_crop_and_resize")
    cfg.coord = CoordMode::TfCropAndResize;
  else
    return ctx.emitError() << "coordinate_transformation_mode '" << coord
                           << "' is not supported in opset " << ctx.opset;

  std::string nearest = ctx.stringAttr("nearest_mode", "round_prefer_floor");
  if (nearest == "round_prefer_floor")
    cfg.nearest = NearestMode::RoundPreferFloor;
  else if (nearest == "round_prefer_ceil")
    cfg.nearest = NearestMode::RoundPreferCeil;
  else if (nearest == "floor")
    cfg.nearest = NearestMode::Floor;
  else if (nearest == "ceil")
    cfg.nearest = NearestMode::Ceil;
  else
    return ctx.emitError() << "nearest_mode '" << nearest
                           << "' is not supported";
  cfg.cubicA = ctx.floatAttr("cubic_coeff_a", -0.75f);
  cfg.excludeOutside = ctx.intAttr("exclude_outside", 0) != 0;
  cfg.extrapolation = ctx.floatAttr("extrapolation_value", 0.0f);

  ResizeTarget target;
  if (ctx.opset >= 18) {
    cfg.antialias = ctx.intAttr("antialias", 0) != 0;
    if (cfg.antialias && cfg.mode == InterpMode::Nearest)
      return ctx.emitError() << "antialias is not defined for mode 'nearest'";
    target.keepAspectRatio =
        ctx.stringAttr("keep_aspect_ratio_policy", "stretch");
    if (target.keepAspectRatio != "stretch" &&
        target.keepAspectRatio != "not_larger" &&
        target.keepAspectRatio != "not_smaller")
      return ctx.emitError() << "keep_aspect_ratio_policy '"
                             << target.keepAspectRatio << "' is not supported";
    if (ctx.hasAttr("axes")) {
      for (int64_t axis : ctx.intsAttr("axes")) {
        FailureOr<int64_t> d = normalizeAxis(ctx, axis, rank);
        if (failed(d))
          return failure();
        if (llvm::is_contained(target.axes, *d))
          return ctx.emitError() << "axes repeats axis " << axis;
        target.axes.push_back(*d);
      }
    }
  }
  if (target.axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      target.axes.push_back(d);
  if (failed(checkElementType(ctx, xType.getElementType(), cfg)))
    return failure();

  bool hasScales = isGiven(ctx, 2), hasSizes = isGiven(ctx, 3);
  if (hasScales && hasSizes) {
    // A dynamic-shaped scales next to sizes is the opset-11 "empty scales"
    // idiom when its contents say so; otherwise the model is ambiguous.
    DenseElementsAttr scalesConst = ctx.constantInput(2);
    if (scalesConst && scalesConst.getNumElements() == 0)
      hasScales = false;
    else
      return ctx.emitError() << "only one of scales and sizes may be given";
  }
  if (!hasScales && !hasSizes)
    return ctx.emitError() << "one of scales and sizes must be given";
  if (hasScales)
    target.scalesInput = 2;
  else
    target.sizesInput = 3;
  if (hasScales && target.keepAspectRatio != "stretch")
    target.keepAspectRatio = "stretch"; // Only applies to sizes.
  target.roiInput = 1;

  FailureOr<SmallVector<AxisPlan>> plans = planAxes(ctx, x, cfg, target);
  if (failed(plans))
    return failure();
  ctx.setOutput(
      0,
      buildResize(ctx, x, ctx.isUnsigned(0), cfg, resizedAxes(*plans, x, cfg)),
      ctx.isUnsigned(0));
  return success();
}

//===----------------------------------------------------------------------===//
// GridSample: one linalg.generic over the output (N, C, D1_out, ...); its
// body reads the grid, denormalizes each coordinate like the ONNX reference
// (f64 math, stored as f32), applies the padding mode to the coordinate and
// again to each tap index, and gathers the taps with clamped tensor.extract.
//===----------------------------------------------------------------------===//

enum class GridMode { Nearest, Linear, Cubic };
enum class GridPadding { Zeros, Border, Reflection };

/// Rounds an f64 value through f32 (the reference stores coordinates in an
/// f32 array).
Value throughF32(Sc &s, Value v) {
  Value f = arith::TruncFOp::create(s.b, s.loc, s.b.getF32Type(), v);
  return arith::ExtFOp::create(s.b, s.loc, s.b.getF64Type(), f);
}

/// The reference's _gs_reflect: reflects `x` by the near border until it
/// lies in [lo, hi]. A zero-width range (where the reference divides by
/// zero) maps to lo.
Value gridReflect(Sc &s, Value x, Value lo, Value hi) {
  Value range = s.sub(hi, lo);
  Value below = s.cmpF(CmpFPredicate::OLT, x, lo);
  Value above = s.cmpF(CmpFPredicate::OGT, x, hi);
  Value dx = s.select(below, s.sub(lo, x), s.sub(x, hi));
  Value n = s.floor(s.div(dx, range));
  Value rem = s.sub(dx, s.mul(n, range));
  Value even =
      s.cmpF(CmpFPredicate::OEQ,
             s.sub(n, s.mul(s.f(2.0), s.floor(s.mul(n, s.f(0.5))))), s.f(0.0));
  Value fromLo = s.add(lo, rem), fromHi = s.sub(hi, rem);
  Value belowRes = s.select(even, fromLo, fromHi);
  Value aboveRes = s.select(even, fromHi, fromLo);
  Value res = s.select(below, belowRes, s.select(above, aboveRes, x));
  Value empty = s.cmpF(CmpFPredicate::OLE, range, s.f(0.0));
  Value out = s.orI(below, above);
  return s.select(s.andI(empty, out), lo, res);
}

/// The reference's cubic coefficients (Keys, alpha -0.75) for taps
/// x0 - 1 .. x0 + 2 at fraction `t`.
SmallVector<Value> gridCubicCoeffs(Sc &s, Value t) {
  const double a = -0.75;
  Value A = s.f(a);
  auto outer = [&](Value u) {
    return s.sub(
        s.mul(s.add(s.mul(s.sub(s.mul(A, u), s.f(5 * a)), u), s.f(8 * a)), u),
        s.f(4 * a));
  };
  auto inner = [&](Value u) {
    return s.add(s.mul(s.mul(s.sub(s.mul(s.f(a + 2), u), s.f(a + 3)), u), u),
                 s.f(1.0));
  };
  Value one = s.f(1.0), two = s.f(2.0);
  return {outer(s.add(t, one)), inner(t), inner(s.sub(one, t)),
          outer(s.sub(two, t))};
}

LogicalResult convertGridSample(NodeContext &ctx) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs X and grid are required";
  Value x = ctx.input(0), grid = ctx.input(1);
  RankedTensorType xType = typeOf(x), gType = typeOf(grid);
  int64_t rank = xType.getRank();
  if (rank < 3)
    return ctx.emitError() << "X must have rank >= 3 (N, C, spatial dims), got "
                           << xType;
  if (ctx.opset < 20 && rank != 4)
    return ctx.emitError() << "GridSample-" << ctx.opset
                           << " supports only 4-D X, got " << xType;
  int64_t r = rank - 2;
  if (gType.getRank() != rank)
    return ctx.emitError() << "grid must have rank " << rank << ", got "
                           << gType;
  if (!gType.isDynamicDim(rank - 1) && gType.getDimSize(rank - 1) != r)
    return ctx.emitError() << "the last dim of grid must be " << r << ", got "
                           << gType;
  if (!isa<FloatType>(gType.getElementType()))
    return ctx.emitError() << "grid must be a float tensor, got " << gType;
  if (!xType.isDynamicDim(0) && !gType.isDynamicDim(0) &&
      xType.getDimSize(0) != gType.getDimSize(0))
    return ctx.emitError() << "X and grid disagree on the batch size: " << xType
                           << " vs " << gType;

  bool legacy = ctx.opset < 20;
  std::string modeName = ctx.stringAttr("mode", legacy ? "bilinear" : "linear");
  GridMode mode;
  if (modeName == "nearest")
    mode = GridMode::Nearest;
  else if (modeName == (legacy ? "bilinear" : "linear"))
    mode = GridMode::Linear;
  else if (modeName == (legacy ? "bicubic" : "cubic"))
    mode = GridMode::Cubic;
  else
    return ctx.emitError() << "mode '" << modeName
                           << "' is not supported in opset " << ctx.opset;
  std::string padName = ctx.stringAttr("padding_mode", "zeros");
  GridPadding padding;
  if (padName == "zeros")
    padding = GridPadding::Zeros;
  else if (padName == "border")
    padding = GridPadding::Border;
  else if (padName == "reflection")
    padding = GridPadding::Reflection;
  else
    return ctx.emitError() << "padding_mode '" << padName
                           << "' is not supported";
  bool alignCorners = ctx.intAttr("align_corners", 0) != 0;

  Type elementType = xType.getElementType();
  if (mode != GridMode::Nearest && !isa<FloatType>(elementType))
    return ctx.emitError() << "mode '" << modeName << "' needs a float X, got "
                           << xType;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Sc s{b, loc};

  // Output shape (N, C, grid dims 1..r).
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  auto addDim = [&](Value src, int64_t d) {
    RankedTensorType t = typeOf(src);
    shape.push_back(t.getDimSize(d));
    if (t.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, src, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
  };
  addDim(xType.isDynamicDim(0) ? grid : x, 0);
  addDim(x, 1);
  for (int64_t d = 1; d <= r; ++d)
    addDim(grid, d);
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);

  // Spatial sizes and borders of X, outside the body.
  SmallVector<Value> lastIdx, inF, lo, hi;
  Value zeroIdx = s.idx(0);
  for (int64_t k = 0; k < r; ++k) {
    Value size;
    if (xType.isDynamicDim(k + 2))
      size = tensor::DimOp::create(b, loc, x, k + 2);
    else
      size = s.idx(xType.getDimSize(k + 2));
    lastIdx.push_back(s.sub(size, s.idx(1)));
    Value f = s.toF(size);
    inF.push_back(f);
    if (alignCorners) {
      lo.push_back(s.f(0.0));
      hi.push_back(s.sub(f, s.f(1.0)));
    } else {
      lo.push_back(s.f(-0.5));
      hi.push_back(s.sub(f, s.f(0.5)));
    }
  }
  Type acc = elementType; // the reference computes in X's type

  auto body = [&](OpBuilder &nb, Location nl, ValueRange) {
    Sc t{nb, nl};
    SmallVector<Value> out;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(linalg::IndexOp::create(nb, nl, d));
    // Per spatial axis k (X's order; the grid lists them reversed): the taps'
    // clamped indices, whether they lie inside X (zeros padding), weights.
    SmallVector<SmallVector<Value>> tapIdx(r), tapValid(r), tapWeight(r);
    for (int64_t k = 0; k < r; ++k) {
      SmallVector<Value> gIdx{out[0]};
      for (int64_t d = 2; d < rank; ++d)
        gIdx.push_back(out[d]);
      gIdx.push_back(t.idx(r - 1 - k));
      Value g =
          castScalar(nb, nl, tensor::ExtractOp::create(nb, nl, grid, gIdx),
                     nb.getF64Type(), false, false);
      Value one = t.f(1.0);
      Value c;
      if (alignCorners)
        c = t.mul(t.div(t.add(g, one), t.f(2.0)), t.sub(inF[k], one));
      else
        c = t.div(t.sub(t.mul(t.add(g, one), inF[k]), one), t.f(2.0));
      c = throughF32(t, c);
      if (mode == GridMode::Nearest)
        c = math::RoundEvenOp::create(nb, nl, c);
      if (padding == GridPadding::Border) {
        Value outside = t.orI(t.cmpF(CmpFPredicate::OLT, c, lo[k]),
                              t.cmpF(CmpFPredicate::OGT, c, hi[k]));
        Value last = t.sub(inF[k], one);
        Value clamped =
            t.select(t.cmpF(CmpFPredicate::OLT, c, t.f(0.0)), t.f(0.0),
                     t.select(t.cmpF(CmpFPredicate::OGT, c, last), last, c));
        c = t.select(outside, clamped, c);
      } else if (padding == GridPadding::Reflection) {
        c = throughF32(t, gridReflect(t, c, lo[k], hi[k]));
      }
      // The tap positions and weights.
      SmallVector<Value> positions;
      if (mode == GridMode::Nearest) {
        Value i = arith::FPToSIOp::create(nb, nl, nb.getI64Type(), c);
        positions.push_back(
            arith::IndexCastOp::create(nb, nl, nb.getIndexType(), i));
      } else {
        Value floorF = t.floor(c);
        Value base = t.toIndex(floorF);
        Value frac = t.sub(c, floorF);
        SmallVector<Value> w;
        int64_t first;
        if (mode == GridMode::Linear) {
          first = 0;
          w = {t.sub(one, frac), frac};
        } else {
          first = -1;
          w = gridCubicCoeffs(t, frac);
        }
        for (auto [j, wj] : llvm::enumerate(w)) {
          positions.push_back(
              t.add(base, t.idx(first + static_cast<int64_t>(j))));
          tapWeight[k].push_back(castScalar(nb, nl, wj, acc, false, false));
        }
      }
      // The padding mode applied to each tap index.
      for (Value p : positions) {
        switch (padding) {
        case GridPadding::Zeros:
          tapValid[k].push_back(
              t.andI(t.cmpI(CmpIPredicate::sge, p, zeroIdx),
                     t.cmpI(CmpIPredicate::sle, p, lastIdx[k])));
          break;
        case GridPadding::Border:
          break;
        case GridPadding::Reflection: {
          Value f = gridReflect(t, t.toF(p), lo[k], hi[k]);
          Value i = arith::FPToSIOp::create(nb, nl, nb.getI64Type(), f);
          p = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), i);
          break;
        }
        }
        tapIdx[k].push_back(t.clampIndex(p, zeroIdx, lastIdx[k]));
      }
    }

    Value zero = arith::ConstantOp::create(nb, nl, nb.getZeroAttr(elementType));
    Value result;
    SmallVector<Value> xIdx{out[0], out[1]};
    if (mode == GridMode::Nearest) {
      Value valid;
      for (int64_t k = 0; k < r; ++k) {
        xIdx.push_back(tapIdx[k][0]);
        if (padding == GridPadding::Zeros)
          valid = valid ? t.andI(valid, tapValid[k][0]) : tapValid[k][0];
      }
      result = tensor::ExtractOp::create(nb, nl, x, xIdx);
      if (valid)
        result = t.select(valid, result, zero);
    } else {
      Value accZero = scalarConstant(nb, nl, acc, 0.0);
      std::function<Value(int64_t, SmallVector<Value> &)> interp =
          [&](int64_t k, SmallVector<Value> &idx) -> Value {
        if (k == r)
          return castScalar(nb, nl, tensor::ExtractOp::create(nb, nl, x, idx),
                            acc, false, false);
        Value sum;
        for (size_t j = 0; j < tapIdx[k].size(); ++j) {
          idx.push_back(tapIdx[k][j]);
          Value v = interp(k + 1, idx);
          idx.pop_back();
          if (padding == GridPadding::Zeros)
            v = t.select(tapValid[k][j], v, accZero);
          Value term = t.mul(tapWeight[k][j], v);
          sum = sum ? t.add(sum, term) : term;
        }
        return sum;
      };
      result = castScalar(nb, nl, interp(0, xIdx), elementType, false, false);
    }
    linalg::YieldOp::create(nb, nl, result);
  };

  Value result = generateElements(b, loc, init, body);
  auto resultType = RankedTensorType::get(shape, elementType);
  if (resultType != result.getType())
    result = tensor::CastOp::create(b, loc, resultType, result);
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

/// AffineGrid-20: grid[n, (d,) h, w, j] = sum_k theta[n, j, k] * base[k],
/// base = (x_w, y_h, (z_d,) 1), the normalized pixel centers (or corners)
/// that the reference builds with np.arange, in f64 like the reference.
LogicalResult convertAffineGrid(NodeContext &ctx) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs theta and size are required";
  Value theta = ctx.input(0);
  RankedTensorType tType = typeOf(theta), sType = ctx.inputType(1);
  Type elementType = tType.getElementType();
  if (!isa<FloatType>(elementType))
    return ctx.emitError() << "theta must be a float tensor, got " << tType;
  if (tType.getRank() != 3)
    return ctx.emitError() << "theta must have rank 3 (N, 2, 3) or (N, 3, 4), "
                           << "got " << tType;
  if (!sType.getElementType().isInteger(64) || sType.getRank() != 1)
    return ctx.emitError() << "size must be a 1-D int64 tensor, got " << sType;
  // The number of spatial dims: from size's length or theta's shape.
  int64_t r = ShapedType::kDynamic;
  if (!sType.isDynamicDim(0)) {
    if (sType.getDimSize(0) != 4 && sType.getDimSize(0) != 5)
      return ctx.emitError() << "size must have 4 (N, C, H, W) or 5 "
                             << "(N, C, D, H, W) elements, got " << sType;
    r = sType.getDimSize(0) - 2;
  }
  for (int64_t d = 1; d <= 2; ++d) {
    if (tType.isDynamicDim(d))
      continue;
    int64_t fromTheta = tType.getDimSize(d) - (d - 1);
    if (fromTheta != 2 && fromTheta != 3)
      return ctx.emitError() << "theta must have shape (N, 2, 3) or (N, 3, 4), "
                             << "got " << tType;
    if (!ShapedType::isDynamic(r) && r != fromTheta)
      return ctx.emitError()
             << "theta " << tType << " does not match size " << sType;
    r = fromTheta;
  }
  if (ShapedType::isDynamic(r))
    return ctx.emitError() << "the number of spatial dims is unknown: neither "
                              "the length of size nor the shape of theta is "
                              "static";
  bool alignCorners = ctx.intAttr("align_corners", 0) != 0;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Sc s{b, loc};
  std::optional<SmallVector<int64_t>> constSize =
      constantInts(ctx.constantInput(1));
  if (constSize)
    for (int64_t v : llvm::drop_begin(*constSize, 2))
      if (v <= 0)
        return ctx.emitError()
               << "size must have positive spatial dims, got " << v;

  // Output (N, spatial..., r).
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  SmallVector<Value> dimF; // spatial sizes (f64), in size's order
  shape.push_back(tType.getDimSize(0));
  if (tType.isDynamicDim(0))
    sizes.push_back(tensor::DimOp::create(b, loc, theta, 0).getResult());
  else
    sizes.push_back(b.getIndexAttr(tType.getDimSize(0)));
  for (int64_t k = 0; k < r; ++k) {
    if (constSize) {
      int64_t v = (*constSize)[k + 2];
      shape.push_back(v);
      sizes.push_back(b.getIndexAttr(v));
      dimF.push_back(s.f(static_cast<double>(v)));
      continue;
    }
    Value e = tensor::ExtractOp::create(b, loc, ctx.input(1),
                                        ValueRange{s.idx(k + 2)});
    Value idx = arith::MaxSIOp::create(
        b, loc,
        arith::IndexCastOp::create(b, loc, b.getIndexType(), e).getResult(),
        s.idx(0));
    shape.push_back(ShapedType::kDynamic);
    sizes.push_back(idx);
    dimF.push_back(s.toF(idx));
  }
  shape.push_back(r);
  sizes.push_back(b.getIndexAttr(r));
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  int64_t rank = r + 2;

  auto body = [&](OpBuilder &nb, Location nl, ValueRange) {
    Sc t{nb, nl};
    SmallVector<Value> out;
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(linalg::IndexOp::create(nb, nl, d));
    // base[0] is along the last spatial dim (x = w), base[r] = 1.
    SmallVector<Value> base;
    for (int64_t k = r - 1; k >= 0; --k) {
      Value i = t.toF(out[k + 1]);
      Value size = dimF[k];
      Value v;
      if (alignCorners) {
        Value step = t.div(t.f(2.0), t.sub(size, t.f(1.0)));
        v = t.select(t.cmpF(CmpFPredicate::OEQ, i, t.f(0.0)), t.f(-1.0),
                     t.add(t.f(-1.0), t.mul(i, step)));
      } else {
        Value step = t.div(t.f(2.0), size);
        v = t.add(t.add(t.f(-1.0), t.div(step, t.f(2.0))), t.mul(i, step));
      }
      base.push_back(v);
    }
    base.push_back(t.f(1.0));
    Value sum;
    for (int64_t k = 0; k <= r; ++k) {
      Value th = tensor::ExtractOp::create(
          nb, nl, theta, ValueRange{out[0], out[rank - 1], t.idx(k)});
      Value term =
          t.mul(castScalar(nb, nl, th, nb.getF64Type(), false, false), base[k]);
      sum = sum ? t.add(sum, term) : term;
    }
    linalg::YieldOp::create(nb, nl,
                            castScalar(nb, nl, sum, elementType, false, false));
  };
  Value result = generateElements(b, loc, init, body);
  auto resultType = RankedTensorType::get(shape, elementType);
  if (resultType != result.getType())
    result = tensor::CastOp::create(b, loc, resultType, result);
  ctx.setOutput(0, result);
  return success();
}

/// CenterCropPad-18: each listed axis is center-cropped or zero-padded to
/// its target size (the extra element of an odd difference goes to the
/// end). One linalg.generic over the output: out[i] = in[i + offset], offset
/// = (in - target) / 2 rounded toward zero, zero where that is outside.
LogicalResult convertCenterCropPad(NodeContext &ctx) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs input_data and shape are required";
  Value x = ctx.input(0);
  RankedTensorType xType = typeOf(x), sType = ctx.inputType(1);
  int64_t rank = xType.getRank();
  if (!isa<IntegerType>(sType.getElementType()) || sType.getRank() != 1)
    return ctx.emitError() << "shape must be a 1-D integer tensor, got "
                           << sType;
  SmallVector<int64_t> axes;
  if (ctx.hasAttr("axes")) {
    for (int64_t axis : ctx.intsAttr("axes")) {
      FailureOr<int64_t> d = normalizeAxis(ctx, axis, rank);
      if (failed(d))
        return failure();
      if (llvm::is_contained(axes, *d))
        return ctx.emitError() << "axes repeats axis " << axis;
      axes.push_back(*d);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  int64_t n = static_cast<int64_t>(axes.size());
  if (!sType.isDynamicDim(0) && sType.getDimSize(0) != n)
    return ctx.emitError() << "shape has " << sType.getDimSize(0)
                           << " elements, expected " << n;
  std::optional<SmallVector<int64_t>> constShape =
      constantInts(ctx.constantInput(1));
  if (constShape)
    for (int64_t v : *constShape)
      if (v < 0)
        return ctx.emitError() << "shape must not be negative, got " << v;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Sc s{b, loc};
  SmallVector<int64_t> shape(xType.getShape());
  SmallVector<OpFoldResult> sizes;
  SmallVector<Value> inSize(rank), offset(rank);
  for (int64_t d = 0; d < rank; ++d) {
    inSize[d] = xType.isDynamicDim(d)
                    ? tensor::DimOp::create(b, loc, x, d).getResult()
                    : s.idx(xType.getDimSize(d));
    sizes.push_back(xType.isDynamicDim(d) ? OpFoldResult(inSize[d])
                                          : b.getIndexAttr(shape[d]));
  }
  for (auto [i, d] : llvm::enumerate(axes)) {
    Value target;
    if (constShape) {
      shape[d] = (*constShape)[i];
      target = s.idx(shape[d]);
      sizes[d] = b.getIndexAttr(shape[d]);
    } else {
      Value e = tensor::ExtractOp::create(
          b, loc, ctx.input(1), ValueRange{s.idx(static_cast<int64_t>(i))});
      target = arith::MaxSIOp::create(
          b, loc,
          arith::IndexCastOp::create(b, loc, b.getIndexType(), e).getResult(),
          s.idx(0));
      shape[d] = ShapedType::kDynamic;
      sizes[d] = target;
    }
    offset[d] =
        arith::DivSIOp::create(b, loc, s.sub(inSize[d], target), s.idx(2));
  }
  Type elementType = xType.getElementType();
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);

  auto body = [&](OpBuilder &nb, Location nl, ValueRange) {
    Sc t{nb, nl};
    SmallVector<Value> idx;
    Value valid;
    for (int64_t d = 0; d < rank; ++d) {
      Value i = linalg::IndexOp::create(nb, nl, d);
      if (offset[d]) {
        i = t.add(i, offset[d]);
        Value in = t.andI(t.cmpI(CmpIPredicate::sge, i, t.idx(0)),
                          t.cmpI(CmpIPredicate::slt, i, inSize[d]));
        valid = valid ? t.andI(valid, in) : in;
        i = t.clampIndex(i, t.idx(0), t.sub(inSize[d], t.idx(1)));
      }
      idx.push_back(i);
    }
    Value v = tensor::ExtractOp::create(nb, nl, x, idx);
    if (valid)
      v = t.select(
          valid, v,
          arith::ConstantOp::create(nb, nl, nb.getZeroAttr(elementType)));
    linalg::YieldOp::create(nb, nl, v);
  };
  Value result = generateElements(b, loc, init, body);
  auto resultType = RankedTensorType::get(shape, elementType);
  if (resultType != result.getType())
    result = tensor::CastOp::create(b, loc, resultType, result);
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

} // namespace

void registerImageOps(OpRegistry &registry) {
  registry.add("", "Resize", convertResize);
  registry.add("", "Upsample", convertLegacyResize);
  registry.add("", "GridSample", convertGridSample);
  registry.add("", "AffineGrid", convertAffineGrid);
  registry.add("", "CenterCropPad", convertCenterCropPad);
}

} // namespace dsk::onnx_import
