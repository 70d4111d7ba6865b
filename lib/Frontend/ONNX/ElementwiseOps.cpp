//===- ElementwiseOps.cpp - ONNX elementwise operators --------------------===//
//
// Unary, binary (broadcasting) and variadic elementwise operators, Cast and
// Where. Each becomes one linalg.generic; on constant integer inputs the
// integer ops are also evaluated at import time so that shape computations
// fold to constants.
//
//===----------------------------------------------------------------------===//

#include "Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace dsk::onnx_import {
namespace {

using arith::CmpFPredicate;
using arith::CmpIPredicate;

/// How a scalar body sees its operands.
struct Scalars {
  OpBuilder &b;
  Location loc;
  ValueRange args;
  bool isUnsigned;
  Value operator[](size_t i) const { return args[i]; }
  Type type() const { return args[0].getType(); }
  bool isFloat() const { return isa<FloatType>(type()); }
  Value constant(double v) const { return scalarConstant(b, loc, type(), v); }
};

/// Two's-complement int64 arithmetic for import-time folding: constants
/// from the model may overflow, and wrap as the compiled code would instead
/// of being undefined behaviour in the compiler.
int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) +
                              static_cast<uint64_t>(b));
}
int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) -
                              static_cast<uint64_t>(b));
}
int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) *
                              static_cast<uint64_t>(b));
}
/// Division by 0 folds to 0 (the reference's value is undefined);
/// INT64_MIN / -1 wraps.
int64_t wrapDiv(int64_t a, int64_t b) {
  if (b == 0)
    return 0;
  return b == -1 ? wrapSub(0, a) : a / b;
}

using BodyFn = Value (*)(Scalars &);
using FoldFn = int64_t (*)(ArrayRef<int64_t>);

/// Which element types an operator accepts.
enum class Accepts { Float, Integer, Bool, Numeric, Any };

bool accepts(Accepts kind, Type type) {
  switch (kind) {
  case Accepts::Float:
    return isa<FloatType>(type);
  case Accepts::Integer:
    return type.isSignlessInteger() && !type.isInteger(1);
  case Accepts::Bool:
    return type.isInteger(1);
  case Accepts::Numeric:
    return !type.isInteger(1);
  case Accepts::Any:
    return true;
  }
  return false;
}

/// Converts an elementwise node whose inputs all have one element type:
/// the result has that type (or i1 for comparisons).
LogicalResult convertElementwise(NodeContext &ctx, Accepts kind, BodyFn body,
                                 FoldFn fold, bool resultIsBool = false) {
  SmallVector<Value> inputs;
  SmallVector<DenseElementsAttr> constants;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
    inputs.push_back(ctx.input(i));
    constants.push_back(ctx.constantInput(i));
  }
  if (inputs.empty())
    return ctx.emitError() << "needs at least one input";
  Type elementType = getElementTypeOrSelf(inputs.front());
  for (Value input : inputs)
    if (getElementTypeOrSelf(input) != elementType)
      return ctx.emitError()
             << "inputs must have one element type, got " << elementType
             << " and " << getElementTypeOrSelf(input);
  if (!accepts(kind, elementType))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  bool isUnsigned = ctx.isUnsigned(0);
  Type resultType = resultIsBool ? ctx.b.getI1Type() : elementType;
  if (fold && isa<IntegerType>(elementType) && !isUnsigned)
    if (DenseElementsAttr folded = foldIntElementwise(
            constants, resultType, ctx.maxFoldElements(), fold)) {
      ctx.setConstantOutput(0, folded, isUnsigned && !resultIsBool);
      return success();
    }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, inputs, resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Scalars s{b, loc, args, isUnsigned};
        return body(s);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, isUnsigned && !resultIsBool);
  return success();
}

/// Whether a shift amount is in [0, bit width). Compared as unsigned, a
/// negative signed amount is out of range too.
Value shiftInRange(Scalars &s) {
  unsigned width = s.type().getIntOrFloatBitWidth();
  return arith::CmpIOp::create(s.b, s.loc, arith::CmpIPredicate::ult, s[1],
                               s.constant(width));
}

/// BitShift LEFT: amounts outside [0, bit width) give 0 (arith's shifts
/// would give poison); signed values shift their bits like unsigned ones.
Value shiftLeft(Scalars &s) {
  Value shifted = arith::ShLIOp::create(s.b, s.loc, s[0], s[1]);
  return arith::SelectOp::create(s.b, s.loc, shiftInRange(s), shifted,
                                 s.constant(0));
}

/// BitShift RIGHT: logical for unsigned types, arithmetic for signed ones
/// (the schema lists unsigned types only, but ONNX's reference and node tests
/// shift signed ones too); amounts outside [0, bit width) give what shifting
/// one bit at a time would: 0, or -1 for negative signed values.
Value shiftRight(Scalars &s) {
  if (s.isUnsigned) {
    Value shifted = arith::ShRUIOp::create(s.b, s.loc, s[0], s[1]);
    return arith::SelectOp::create(s.b, s.loc, shiftInRange(s), shifted,
                                   s.constant(0));
  }
  unsigned width = s.type().getIntOrFloatBitWidth();
  Value shifted = arith::ShRSIOp::create(s.b, s.loc, s[0], s[1]);
  Value sign = arith::ShRSIOp::create(s.b, s.loc, s[0], s.constant(width - 1));
  return arith::SelectOp::create(s.b, s.loc, shiftInRange(s), shifted, sign);
}

#define FLOAT_UNARY(NAME, OP)                                                  \
  registry.add(                                                                \
      "", NAME, +[](NodeContext &ctx) {                                        \
        return convertElementwise(                                             \
            ctx, Accepts::Float,                                               \
            +[](Scalars &s) -> Value { return OP::create(s.b, s.loc, s[0]); }, \
            nullptr);                                                          \
      })

Value addPair(Scalars &s, Value x, Value y);

/// Binary arithmetic with float and integer forms.
Value add(Scalars &s) { return addPair(s, s[0], s[1]); }
Value sub(Scalars &s) {
  return s.isFloat()
             ? arith::SubFOp::create(s.b, s.loc, s[0], s[1]).getResult()
             : arith::SubIOp::create(s.b, s.loc, s[0], s[1]).getResult();
}
Value mul(Scalars &s) {
  return s.isFloat()
             ? arith::MulFOp::create(s.b, s.loc, s[0], s[1]).getResult()
             : arith::MulIOp::create(s.b, s.loc, s[0], s[1]).getResult();
}
Value div(Scalars &s) {
  if (s.isFloat())
    return arith::DivFOp::create(s.b, s.loc, s[0], s[1]);
  if (s.isUnsigned)
    return arith::DivUIOp::create(s.b, s.loc, s[0], s[1]);
  // ONNX integer division truncates, like C.
  return arith::DivSIOp::create(s.b, s.loc, s[0], s[1]);
}
Value maxOf(Scalars &s, Value x, Value y) {
  if (s.isFloat())
    return arith::MaximumFOp::create(s.b, s.loc, x, y);
  if (s.isUnsigned)
    return arith::MaxUIOp::create(s.b, s.loc, x, y);
  return arith::MaxSIOp::create(s.b, s.loc, x, y);
}
Value minOf(Scalars &s, Value x, Value y) {
  if (s.isFloat())
    return arith::MinimumFOp::create(s.b, s.loc, x, y);
  if (s.isUnsigned)
    return arith::MinUIOp::create(s.b, s.loc, x, y);
  return arith::MinSIOp::create(s.b, s.loc, x, y);
}
Value compare(Scalars &s, CmpFPredicate f, CmpIPredicate si, CmpIPredicate ui) {
  if (s.isFloat())
    return arith::CmpFOp::create(s.b, s.loc, f, s[0], s[1]);
  return arith::CmpIOp::create(s.b, s.loc, s.isUnsigned ? ui : si, s[0], s[1]);
}
Value sigmoid(Scalars &s, Value x) {
  Value one = s.constant(1.0);
  Value e =
      math::ExpOp::create(s.b, s.loc, arith::NegFOp::create(s.b, s.loc, x));
  return arith::DivFOp::create(s.b, s.loc, one,
                               arith::AddFOp::create(s.b, s.loc, one, e));
}
Value select(Scalars &s, Value cond, Value x, Value y) {
  return arith::SelectOp::create(s.b, s.loc, cond, x, y);
}
Value lessThanZero(Scalars &s, Value x) {
  return arith::CmpFOp::create(s.b, s.loc, CmpFPredicate::OLT, x,
                               s.constant(0.0));
}

/// Variadic Max/Min/Sum/Mean fold left over their inputs.
template <Value (*Combine)(Scalars &, Value, Value)>
Value foldLeft(Scalars &s) {
  Value acc = s[0];
  for (Value v : s.args.drop_front())
    acc = Combine(s, acc, v);
  return acc;
}
Value maxPair(Scalars &s, Value x, Value y) { return maxOf(s, x, y); }
Value minPair(Scalars &s, Value x, Value y) { return minOf(s, x, y); }
Value addPair(Scalars &s, Value x, Value y) {
  if (s.isFloat())
    return arith::AddFOp::create(s.b, s.loc, x, y);
  return arith::AddIOp::create(s.b, s.loc, x, y);
}

/// Clip: bounds from inputs (opset >= 11) or attributes.
LogicalResult convertClip(NodeContext &ctx) {
  Value x = ctx.input(0);
  Type elementType = getElementTypeOrSelf(x);
  bool isUnsigned = ctx.isUnsigned(0);
  SmallVector<Value> inputs = {x};
  bool hasMin = false, hasMax = false;
  std::optional<double> minAttr, maxAttr;
  if (ctx.opset < 11) {
    if (ctx.hasAttr("min"))
      minAttr = ctx.floatAttr("min", 0);
    if (ctx.hasAttr("max"))
      maxAttr = ctx.floatAttr("max", 0);
  } else {
    for (size_t i : {1, 2}) {
      if (!ctx.hasInput(i))
        continue;
      if (ctx.inputType(i).getRank() != 0)
        return ctx.emitError() << "bound #" << i << " must be a scalar";
      inputs.push_back(ctx.input(i));
      (i == 1 ? hasMin : hasMax) = true;
    }
  }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, inputs, elementType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Scalars s{b, loc, args, isUnsigned};
        Value v = args[0];
        size_t next = 1;
        if (hasMin || minAttr)
          v = maxOf(s, v, hasMin ? args[next++] : s.constant(*minAttr));
        if (hasMax || maxAttr)
          v = minOf(s, v, hasMax ? args[next++] : s.constant(*maxAttr));
        return v;
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, isUnsigned);
  return success();
}

/// Cast and CastLike: to an ONNX data type.
LogicalResult convertCastTo(NodeContext &ctx, int32_t toType) {
  auto error = [&]() { return ctx.emitError(); };
  FailureOr<ElementType> to = convertDataType(ctx.getContext(), toType, error);
  if (failed(to))
    return failure();
  Value x = ctx.input(0);
  bool srcUnsigned = ctx.isUnsigned(0);
  Type srcType = getElementTypeOrSelf(x);
  if (isa<IntegerType>(srcType) && isa<IntegerType>(to->type))
    if (DenseElementsAttr folded = foldIntElementwise(
            {ctx.constantInput(0)}, to->type, ctx.maxFoldElements(),
            +[](ArrayRef<int64_t> v) { return v[0]; })) {
      if (!srcUnsigned && !to->isUnsigned) {
        ctx.setConstantOutput(0, folded, false);
        return success();
      }
    }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {x}, to->type, [&](OpBuilder &b, Location loc, ValueRange args) {
        return castScalar(b, loc, args[0], to->type, srcUnsigned,
                          to->isUnsigned);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, to->isUnsigned);
  return success();
}

LogicalResult convertWhere(NodeContext &ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.hasInput(i))
      return ctx.emitError() << "input #" << i << " is required";
  if (!getElementTypeOrSelf(ctx.input(0)).isInteger(1))
    return ctx.emitError() << "condition must be a bool tensor";
  Type elementType = getElementTypeOrSelf(ctx.input(1));
  if (getElementTypeOrSelf(ctx.input(2)) != elementType)
    return ctx.emitError() << "X and Y must have one element type";
  bool isUnsigned = ctx.isUnsigned(1);
  if (isa<IntegerType>(elementType) && !isUnsigned)
    if (DenseElementsAttr folded = foldIntElementwise(
            {ctx.constantInput(0), ctx.constantInput(1), ctx.constantInput(2)},
            elementType, ctx.maxFoldElements(),
            +[](ArrayRef<int64_t> v) { return v[0] ? v[1] : v[2]; })) {
      ctx.setConstantOutput(0, folded);
      return success();
    }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {ctx.input(0), ctx.input(1), ctx.input(2)}, elementType,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, isUnsigned);
  return success();
}

/// Hann, Hamming and Blackman windows: w[n] = sum_k c_k cos(2 pi k n / M)
/// with M = N (periodic) or N - 1 (symmetric).
LogicalResult convertWindow(NodeContext &ctx, ArrayRef<double> coefficients) {
  if (!ctx.hasInput(0) || ctx.inputType(0).getNumElements() != 1 ||
      !isa<IntegerType>(ctx.inputType(0).getElementType()))
    return ctx.emitError() << "size must be an integer scalar";
  auto error = [&]() { return ctx.emitError(); };
  FailureOr<ElementType> out = convertDataType(
      ctx.getContext(), ctx.dataTypeAttr("output_datatype", 1), error);
  if (failed(out))
    return failure();
  bool periodic = ctx.intAttr("periodic", 1) != 0;
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value sizeTensor = ctx.input(0);
  SmallVector<Value> zeros(ctx.inputType(0).getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  Value size = tensor::ExtractOp::create(b, loc, sizeTensor, zeros);
  int64_t staticSize = ShapedType::kDynamic;
  if (DenseElementsAttr constant = ctx.constantInput(0))
    staticSize = (*constant.getValues<APInt>().begin()).getSExtValue();
  if (!ShapedType::isDynamic(staticSize) && staticSize < 0)
    return ctx.emitError() << "size must be non-negative, got " << staticSize;
  Value sizeIndex = arith::IndexCastOp::create(b, loc, b.getIndexType(), size);
  SmallVector<OpFoldResult> dims = {
      ShapedType::isDynamic(staticSize)
          ? OpFoldResult(sizeIndex)
          : OpFoldResult(b.getIndexAttr(staticSize))};
  Type f64 = b.getF64Type();
  Value period = arith::SIToFPOp::create(b, loc, f64, size);
  if (!periodic)
    period =
        arith::SubFOp::create(b, loc, period, scalarConstant(b, loc, f64, 1.0));
  Value init = tensor::EmptyOp::create(b, loc, dims, out->type);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
      SmallVector<AffineMap>{b.getMultiDimIdentityMap(1)},
      SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange) {
        Value n = arith::SIToFPOp::create(
            nb, nl, f64,
            arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                       linalg::IndexOp::create(nb, nl, 0)));
        Value phase = arith::DivFOp::create(
            nb, nl,
            arith::MulFOp::create(nb, nl, n,
                                  scalarConstant(nb, nl, f64, 2.0 * M_PI)),
            period);
        Value w = scalarConstant(nb, nl, f64, coefficients[0]);
        for (size_t k = 1; k < coefficients.size(); ++k) {
          Value angle = arith::MulFOp::create(
              nb, nl, phase, scalarConstant(nb, nl, f64, double(k)));
          Value term = arith::MulFOp::create(
              nb, nl, math::CosOp::create(nb, nl, angle),
              scalarConstant(nb, nl, f64, coefficients[k]));
          w = arith::AddFOp::create(nb, nl, w, term);
        }
        linalg::YieldOp::create(
            nb, nl, castScalar(nb, nl, w, out->type, false, out->isUnsigned));
      });
  ctx.setOutput(0, generic.getResult(0), out->isUnsigned);
  return success();
}

/// ReverseSequence: out[.., t, .., b, ..] = in[.., t', .., b, ..] with
/// t' = len[b] - 1 - t for t < len[b], else t.
LogicalResult convertReverseSequence(NodeContext &ctx) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "inputs input and sequence_lens are required";
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t timeAxis = ctx.intAttr("time_axis", 0);
  int64_t batchAxis = ctx.intAttr("batch_axis", 1);
  if (rank < 2 ||
      !((timeAxis == 0 && batchAxis == 1) || (timeAxis == 1 && batchAxis == 0)))
    return ctx.emitError() << "time_axis and batch_axis must be 0 and 1 "
                              "(in either order) of an input of rank >= 2";
  if (ctx.inputType(1).getRank() != 1 ||
      !isa<IntegerType>(ctx.inputType(1).getElementType()))
    return ctx.emitError() << "sequence_lens must be a 1-D integer tensor";
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value input = ctx.input(0), lengths = ctx.input(1);
  Value init =
      emptyLike(b, loc, type.getShape(), type.getElementType(), {input});
  Value reversed = generateElements(
      b, loc, init, [&](OpBuilder &nb, Location nl, ValueRange) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < rank; ++d)
          idx.push_back(linalg::IndexOp::create(nb, nl, d));
        Value length = tensor::ExtractOp::create(nb, nl, lengths,
                                                 ValueRange{idx[batchAxis]});
        Value len =
            arith::IndexCastOp::create(nb, nl, nb.getIndexType(), length);
        Value t = idx[timeAxis];
        Value inside =
            arith::CmpIOp::create(nb, nl, CmpIPredicate::slt, t, len);
        Value one = arith::ConstantIndexOp::create(nb, nl, 1);
        Value mirrored = arith::SubIOp::create(
            nb, nl, arith::SubIOp::create(nb, nl, len, one), t);
        idx[timeAxis] = arith::SelectOp::create(nb, nl, inside, mirrored, t);
        Value v = tensor::ExtractOp::create(nb, nl, input, idx);
        linalg::YieldOp::create(nb, nl, v);
      });
  ctx.setOutput(0, reversed, ctx.isUnsigned(0));
  return success();
}

/// DFT (opsets 17, 20): a direct O(N^2) transform along the signal axis of
/// an input [batch, ..., N, 1 | 2] (real or complex as a trailing pair).
LogicalResult convertDFT(NodeContext &ctx) {
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input #0 is required";
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  Type elementType = type.getElementType();
  if (!isa<FloatType>(elementType) || rank < 3 ||
      (type.getShape().back() != 1 && type.getShape().back() != 2))
    return ctx.emitError() << "input must be a float tensor [batch, ..., N, "
                              "1 or 2], got "
                           << type;
  bool complexInput = type.getShape().back() == 2;
  int64_t axis = ctx.intAttr("axis", 1);
  if (ctx.opset >= 20) {
    axis = -2;
    if (ctx.hasInput(2)) {
      FailureOr<int64_t> value = ctx.requireConstantInt(2, "axis");
      if (failed(value))
        return failure();
      axis = *value;
    }
  }
  // The axis counts the trailing pair in; it must be a signal axis.
  if (axis < 0)
    axis += rank;
  if (axis < 1 || axis >= rank - 1)
    return ctx.emitError() << "axis must name a signal dimension";
  int64_t inputLength = type.getDimSize(axis);
  int64_t length = inputLength;
  if (ctx.hasInput(1)) {
    FailureOr<int64_t> value = ctx.requireConstantInt(1, "dft_length");
    if (failed(value))
      return failure();
    length = *value;
  }
  if (ShapedType::isDynamic(length) || length < 1)
    return ctx.emitError() << "the transform length must be a positive "
                              "constant";
  bool inverse = ctx.intAttr("inverse", 0) != 0;
  bool onesided = ctx.intAttr("onesided", 0) != 0;
  if (inverse && onesided)
    return ctx.emitError() << "an inverse onesided transform (irfft) is not "
                              "supported";
  int64_t outLength = onesided ? length / 2 + 1 : length;

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  SmallVector<int64_t> outShape(type.getShape());
  outShape[axis] = outLength;
  outShape.back() = 2;
  // Loops: the output dims, then n (the reduction over the signal).
  int64_t numLoops = rank + 1;
  Type f64 = b.getF64Type();
  Value input = ctx.input(0);
  Value init = emptyLike(b, loc, outShape, f64, {input});
  Value zeroF = scalarConstant(b, loc, f64, 0.0);
  init = linalg::FillOp::create(b, loc, ValueRange{zeroF}, ValueRange{init})
             .getResult(0);
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < rank; ++d)
    outExprs.push_back(getAffineDimExpr(d, context));
  AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, context);
  // The reduction dim must appear in some operand map for the loop bounds:
  // iterate n over an index-only tensor of the transform length.
  Value counter =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{length}, b.getI1Type());
  AffineMap counterMap =
      AffineMap::get(numLoops, 0, {getAffineDimExpr(rank, context)}, context);
  double sign = inverse ? 1.0 : -1.0;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{counter}, ValueRange{init},
      SmallVector<AffineMap>{counterMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < numLoops; ++d)
          idx.push_back(linalg::IndexOp::create(nb, nl, d));
        Value n = idx[rank], k = idx[axis], c = idx[rank - 1];
        // Samples past the input's length are zero (dft_length pads).
        Value inRange = arith::CmpIOp::create(
            nb, nl, arith::CmpIPredicate::slt, n,
            arith::ConstantIndexOp::create(nb, nl, inputLength));
        Value safeN = arith::SelectOp::create(
            nb, nl, inRange, n, arith::ConstantIndexOp::create(nb, nl, 0));
        SmallVector<Value> at(idx.begin(), idx.begin() + rank);
        at[axis] = safeN;
        at[rank - 1] = arith::ConstantIndexOp::create(nb, nl, 0);
        Value re =
            castScalar(nb, nl, tensor::ExtractOp::create(nb, nl, input, at),
                       f64, false, false);
        Value im = zeroF;
        if (complexInput) {
          at[rank - 1] = arith::ConstantIndexOp::create(nb, nl, 1);
          im = castScalar(nb, nl, tensor::ExtractOp::create(nb, nl, input, at),
                          f64, false, false);
        }
        re = arith::SelectOp::create(nb, nl, inRange, re, zeroF);
        im = arith::SelectOp::create(nb, nl, inRange, im, zeroF);
        // angle = sign * 2 pi (k n mod N) / N, reduced for accuracy.
        Value kn = arith::RemUIOp::create(
            nb, nl, arith::MulIOp::create(nb, nl, k, n),
            arith::ConstantIndexOp::create(nb, nl, length));
        Value knF = arith::UIToFPOp::create(
            nb, nl, f64,
            arith::IndexCastOp::create(nb, nl, nb.getI64Type(), kn));
        Value angle = arith::MulFOp::create(
            nb, nl, knF,
            scalarConstant(nb, nl, f64, sign * 2.0 * M_PI / double(length)));
        Value cosA = math::CosOp::create(nb, nl, angle);
        Value sinA = math::SinOp::create(nb, nl, angle);
        // (re + i im)(cos + i sin)
        Value realPart = arith::SubFOp::create(
            nb, nl, arith::MulFOp::create(nb, nl, re, cosA),
            arith::MulFOp::create(nb, nl, im, sinA));
        Value imagPart = arith::AddFOp::create(
            nb, nl, arith::MulFOp::create(nb, nl, re, sinA),
            arith::MulFOp::create(nb, nl, im, cosA));
        Value isReal =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, c,
                                  arith::ConstantIndexOp::create(nb, nl, 0));
        Value term =
            arith::SelectOp::create(nb, nl, isReal, realPart, imagPart);
        linalg::YieldOp::create(
            nb, nl, ValueRange{arith::AddFOp::create(nb, nl, args[1], term)});
      });
  Value result = generic.getResult(0);
  double scale = inverse ? 1.0 / double(length) : 1.0;
  FailureOr<Value> out = buildBroadcastElementwise(
      ctx, {result}, elementType,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value v = arith::MulFOp::create(nb, nl, args[0],
                                        scalarConstant(nb, nl, f64, scale));
        return castScalar(nb, nl, v, elementType, false, false);
      });
  if (failed(out))
    return failure();
  ctx.setOutput(0, *out);
  return success();
}

/// A float activation with attributes: `body` maps each element. Integer
/// inputs are rejected here rather than failing verification later.
LogicalResult
convertFloatActivation(NodeContext &ctx,
                       llvm::function_ref<Value(Scalars &, Value)> body) {
  if (!ctx.hasInput(0))
    return ctx.emitError() << "input #0 is required";
  Type type = getElementTypeOrSelf(ctx.input(0));
  if (!isa<FloatType>(type))
    return ctx.emitError() << "element type " << type << " is not supported";
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {ctx.input(0)}, type,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Scalars s{b, loc, args, false};
        return body(s, args[0]);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertHannWindow(NodeContext &ctx) {
  return convertWindow(ctx, {0.5, -0.5});
}

LogicalResult convertHammingWindow(NodeContext &ctx) {
  return convertWindow(ctx, {25.0 / 46.0, -21.0 / 46.0});
}

LogicalResult convertBlackmanWindow(NodeContext &ctx) {
  return convertWindow(ctx, {0.42, -0.5, 0.08});
}

LogicalResult convertBitCast(NodeContext &ctx) {
  auto error = [&]() { return ctx.emitError(); };
  FailureOr<ElementType> to =
      convertDataType(ctx.getContext(), ctx.dataTypeAttr("to", 0), error);
  if (failed(to))
    return failure();
  Type from = getElementTypeOrSelf(ctx.input(0));
  // ONNX bools occupy a byte; MLIR's are one bit.
  auto width = [](Type t) {
    return t.isInteger(1) ? 8u : t.getIntOrFloatBitWidth();
  };
  if (width(from) != width(to->type))
    return ctx.emitError() << "cannot reinterpret " << from << " as "
                           << to->type << ": the widths differ",
           failure();
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {ctx.input(0)}, to->type,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = args[0];
        if (x.getType().isInteger(1))
          x = arith::ExtUIOp::create(b, loc, b.getI8Type(), x);
        if (to->type.isInteger(1)) {
          Value bits = x.getType().isInteger(8)
                           ? x
                           : arith::BitcastOp::create(b, loc, b.getI8Type(), x)
                                 .getResult();
          return arith::CmpIOp::create(
              b, loc, CmpIPredicate::ne, bits,
              scalarConstant(b, loc, bits.getType(), 0));
        }
        if (x.getType() == to->type)
          return x;
        return arith::BitcastOp::create(b, loc, to->type, x);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, to->isUnsigned);
  return success();
}

LogicalResult convertIsInf(NodeContext &ctx) {
  bool negative = ctx.intAttr("detect_negative", 1) != 0;
  bool positive = ctx.intAttr("detect_positive", 1) != 0;
  Type type = getElementTypeOrSelf(ctx.input(0));
  if (!isa<FloatType>(type))
    return ctx.emitError() << "element type " << type << " is not supported",
           failure();
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {ctx.input(0)}, ctx.b.getI1Type(),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Scalars s{b, loc, args, false};
        double inf = std::numeric_limits<double>::infinity();
        Value result = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
        if (positive)
          result = arith::OrIOp::create(
              b, loc, result,
              arith::CmpFOp::create(b, loc, CmpFPredicate::OEQ, args[0],
                                    s.constant(inf)));
        if (negative)
          result = arith::OrIOp::create(
              b, loc, result,
              arith::CmpFOp::create(b, loc, CmpFPredicate::OEQ, args[0],
                                    s.constant(-inf)));
        return result;
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

LogicalResult convertAbs(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) -> Value {
        if (s.isFloat())
          return math::AbsFOp::create(s.b, s.loc, s[0]);
        if (s.isUnsigned)
          return s[0];
        return math::AbsIOp::create(s.b, s.loc, s[0]);
      },
      +[](ArrayRef<int64_t> v) { return v[0] < 0 ? wrapSub(0, v[0]) : v[0]; });
}

LogicalResult convertNeg(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) -> Value {
        if (s.isFloat())
          return arith::NegFOp::create(s.b, s.loc, s[0]);
        return arith::SubIOp::create(s.b, s.loc, s.constant(0), s[0]);
      },
      +[](ArrayRef<int64_t> v) { return wrapSub(0, v[0]); });
}

LogicalResult convertReciprocal(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Float,
      +[](Scalars &s) -> Value {
        return arith::DivFOp::create(s.b, s.loc, s.constant(1.0), s[0]);
      },
      nullptr);
}

LogicalResult convertSign(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) -> Value {
        Value zero = s.constant(0), one = s.constant(1),
              minusOne = s.constant(-1);
        Value positive, negative;
        if (s.isFloat()) {
          positive =
              arith::CmpFOp::create(s.b, s.loc, CmpFPredicate::OGT, s[0], zero);
          negative =
              arith::CmpFOp::create(s.b, s.loc, CmpFPredicate::OLT, s[0], zero);
        } else {
          positive = arith::CmpIOp::create(s.b, s.loc,
                                           s.isUnsigned ? CmpIPredicate::ugt
                                                        : CmpIPredicate::sgt,
                                           s[0], zero);
          negative = arith::CmpIOp::create(s.b, s.loc,
                                           s.isUnsigned ? CmpIPredicate::ult
                                                        : CmpIPredicate::slt,
                                           s[0], zero);
        }
        return select(s, positive, one, select(s, negative, minusOne, zero));
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return (v[0] > 0) - (v[0] < 0); });
}

LogicalResult convertRelu(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) -> Value { return maxOf(s, s[0], s.constant(0)); },
      nullptr);
}

LogicalResult convertSigmoid(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Float, +[](Scalars &s) { return sigmoid(s, s[0]); },
      nullptr);
}

LogicalResult convertSoftplus(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Float,
      +[](Scalars &s) -> Value {
        return math::Log1pOp::create(s.b, s.loc,
                                     math::ExpOp::create(s.b, s.loc, s[0]));
      },
      nullptr);
}

LogicalResult convertSoftsign(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Float,
      +[](Scalars &s) -> Value {
        Value denom =
            arith::AddFOp::create(s.b, s.loc, s.constant(1.0),
                                  math::AbsFOp::create(s.b, s.loc, s[0]));
        return arith::DivFOp::create(s.b, s.loc, s[0], denom);
      },
      nullptr);
}

LogicalResult convertIsNaN(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Float,
      +[](Scalars &s) -> Value {
        return arith::CmpFOp::create(s.b, s.loc, CmpFPredicate::UNO, s[0],
                                     s[0]);
      },
      nullptr, /*resultIsBool=*/true);
}

LogicalResult convertAdd(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric, add,
      +[](ArrayRef<int64_t> v) { return wrapAdd(v[0], v[1]); });
}

LogicalResult convertSub(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric, sub,
      +[](ArrayRef<int64_t> v) { return wrapSub(v[0], v[1]); });
}

LogicalResult convertMul(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric, mul,
      +[](ArrayRef<int64_t> v) { return wrapMul(v[0], v[1]); });
}

LogicalResult convertDiv(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric, div,
      +[](ArrayRef<int64_t> v) { return wrapDiv(v[0], v[1]); });
}

LogicalResult convertPow(NodeContext &ctx) {
  // Pow allows a different exponent type; bring it to the base's.
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.emitError() << "needs two inputs", failure();
  Type base = getElementTypeOrSelf(ctx.input(0));
  Type exponentType = getElementTypeOrSelf(ctx.input(1));
  bool baseUnsigned = ctx.isUnsigned(0);
  bool exponentUnsigned = ctx.isUnsigned(1);
  if (base.isInteger(1) || exponentType.isInteger(1))
    return ctx.emitError() << "bool operands are not supported", failure();
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, {ctx.input(0), ctx.input(1)}, base,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        if (isa<FloatType>(base)) {
          Value exponent =
              castScalar(b, loc, args[1], base, exponentUnsigned, false);
          return math::PowFOp::create(b, loc, args[0], exponent);
        }
        if (isa<IntegerType>(exponentType)) {
          // Integer powers stay exact.
          Value exponent =
              castScalar(b, loc, args[1], base, exponentUnsigned, baseUnsigned);
          return math::IPowIOp::create(b, loc, args[0], exponent);
        }
        // An integer base with a float exponent: compute in f64 and
        // truncate toward zero, as the reference does.
        Type f64 = b.getF64Type();
        Value x = castScalar(b, loc, args[0], f64, baseUnsigned, false);
        Value y = castScalar(b, loc, args[1], f64, false, false);
        return castScalar(b, loc, math::PowFOp::create(b, loc, x, y), base,
                          false, baseUnsigned);
      });
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, baseUnsigned);
  return success();
}

LogicalResult convertMod(NodeContext &ctx) {
  bool fmod = ctx.intAttr("fmod", 0) != 0;
  Type type = getElementTypeOrSelf(ctx.input(0));
  if (isa<FloatType>(type) && !fmod)
    // Floats with fmod = 0 take the divisor's sign, like Python.
    return convertElementwise(
        ctx, Accepts::Float,
        +[](Scalars &s) -> Value {
          Value r = arith::RemFOp::create(s.b, s.loc, s[0], s[1]);
          Value zero = s.constant(0.0);
          Value rNeg =
              arith::CmpFOp::create(s.b, s.loc, CmpFPredicate::OLT, r, zero);
          Value dNeg =
              arith::CmpFOp::create(s.b, s.loc, CmpFPredicate::OLT, s[1], zero);
          Value rNonZero =
              arith::CmpFOp::create(s.b, s.loc, CmpFPredicate::ONE, r, zero);
          Value fix = arith::AndIOp::create(
              s.b, s.loc, rNonZero,
              arith::XOrIOp::create(s.b, s.loc, rNeg, dNeg));
          return select(s, fix, arith::AddFOp::create(s.b, s.loc, r, s[1]), r);
        },
        nullptr);
  if (fmod)
    return convertElementwise(
        ctx, Accepts::Numeric,
        +[](Scalars &s) -> Value {
          if (s.isFloat())
            return arith::RemFOp::create(s.b, s.loc, s[0], s[1]);
          if (s.isUnsigned)
            return arith::RemUIOp::create(s.b, s.loc, s[0], s[1]);
          return arith::RemSIOp::create(s.b, s.loc, s[0], s[1]);
        },
        nullptr);
  // Integer Mod takes the divisor's sign, like Python.
  return convertElementwise(
      ctx, Accepts::Integer,
      +[](Scalars &s) -> Value {
        if (s.isUnsigned)
          return arith::RemUIOp::create(s.b, s.loc, s[0], s[1]);
        Value r = arith::RemSIOp::create(s.b, s.loc, s[0], s[1]);
        Value zero = s.constant(0);
        Value rNeg =
            arith::CmpIOp::create(s.b, s.loc, CmpIPredicate::slt, r, zero);
        Value dNeg =
            arith::CmpIOp::create(s.b, s.loc, CmpIPredicate::slt, s[1], zero);
        Value rNonZero =
            arith::CmpIOp::create(s.b, s.loc, CmpIPredicate::ne, r, zero);
        Value fix = arith::AndIOp::create(
            s.b, s.loc, rNonZero,
            arith::XOrIOp::create(s.b, s.loc, rNeg, dNeg));
        return select(s, fix, arith::AddIOp::create(s.b, s.loc, r, s[1]), r);
      },
      +[](ArrayRef<int64_t> v) -> int64_t {
        // x % -1 is 0 (and INT64_MIN % -1 would trap).
        if (v[1] == 0 || v[1] == -1)
          return 0;
        int64_t r = v[0] % v[1];
        return (r != 0 && ((r < 0) != (v[1] < 0))) ? r + v[1] : r;
      });
}

LogicalResult convertMax(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric, foldLeft<maxPair>, +[](ArrayRef<int64_t> v) {
        return *std::max_element(v.begin(), v.end());
      });
}

LogicalResult convertMin(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric, foldLeft<minPair>, +[](ArrayRef<int64_t> v) {
        return *std::min_element(v.begin(), v.end());
      });
}

LogicalResult convertSum(NodeContext &ctx) {
  return convertElementwise(ctx, Accepts::Numeric, foldLeft<addPair>, nullptr);
}

LogicalResult convertEqual(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Any,
      +[](Scalars &s) {
        return compare(s, CmpFPredicate::OEQ, CmpIPredicate::eq,
                       CmpIPredicate::eq);
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return v[0] == v[1]; }, true);
}

LogicalResult convertLess(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) {
        return compare(s, CmpFPredicate::OLT, CmpIPredicate::slt,
                       CmpIPredicate::ult);
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return v[0] < v[1]; }, true);
}

LogicalResult convertLessOrEqual(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) {
        return compare(s, CmpFPredicate::OLE, CmpIPredicate::sle,
                       CmpIPredicate::ule);
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return v[0] <= v[1]; }, true);
}

LogicalResult convertGreater(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) {
        return compare(s, CmpFPredicate::OGT, CmpIPredicate::sgt,
                       CmpIPredicate::ugt);
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return v[0] > v[1]; }, true);
}

LogicalResult convertGreaterOrEqual(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Numeric,
      +[](Scalars &s) {
        return compare(s, CmpFPredicate::OGE, CmpIPredicate::sge,
                       CmpIPredicate::uge);
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return v[0] >= v[1]; }, true);
}

LogicalResult convertAnd(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Bool,
      +[](Scalars &s) -> Value {
        return arith::AndIOp::create(s.b, s.loc, s[0], s[1]);
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return v[0] && v[1]; });
}

LogicalResult convertOr(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Bool,
      +[](Scalars &s) -> Value {
        return arith::OrIOp::create(s.b, s.loc, s[0], s[1]);
      },
      +[](ArrayRef<int64_t> v) -> int64_t { return v[0] || v[1]; });
}

LogicalResult convertXor(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Bool,
      +[](Scalars &s) -> Value {
        return arith::XOrIOp::create(s.b, s.loc, s[0], s[1]);
      },
      +[](ArrayRef<int64_t> v) -> int64_t {
        return (v[0] != 0) != (v[1] != 0);
      });
}

LogicalResult convertBitwiseAnd(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Integer,
      +[](Scalars &s) -> Value {
        return arith::AndIOp::create(s.b, s.loc, s[0], s[1]);
      },
      +[](ArrayRef<int64_t> v) { return v[0] & v[1]; });
}

LogicalResult convertBitwiseOr(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Integer,
      +[](Scalars &s) -> Value {
        return arith::OrIOp::create(s.b, s.loc, s[0], s[1]);
      },
      +[](ArrayRef<int64_t> v) { return v[0] | v[1]; });
}

LogicalResult convertBitwiseXor(NodeContext &ctx) {
  return convertElementwise(
      ctx, Accepts::Integer,
      +[](Scalars &s) -> Value {
        return arith::XOrIOp::create(s.b, s.loc, s[0], s[1]);
      },
      +[](ArrayRef<int64_t> v) { return v[0] ^ v[1]; });
}

LogicalResult convertLeakyRelu(NodeContext &ctx) {
  float a = ctx.floatAttr("alpha", 0.01f);
  return convertFloatActivation(ctx, [&](Scalars &s, Value x) {
    Value scaled = arith::MulFOp::create(s.b, s.loc, x, s.constant(a));
    return select(s, lessThanZero(s, x), scaled, x);
  });
}

LogicalResult convertElu(NodeContext &ctx) {
  float a = ctx.floatAttr("alpha", 1.0f);
  return convertFloatActivation(ctx, [&](Scalars &s, Value x) {
    Value em1 = math::ExpM1Op::create(s.b, s.loc, x);
    Value scaled = arith::MulFOp::create(s.b, s.loc, em1, s.constant(a));
    return select(s, lessThanZero(s, x), scaled, x);
  });
}

LogicalResult convertHardSigmoid(NodeContext &ctx) {
  float a = ctx.floatAttr("alpha", 0.2f), beta = ctx.floatAttr("beta", 0.5f);
  return convertFloatActivation(ctx, [&](Scalars &s, Value x) {
    Value v = arith::AddFOp::create(
        s.b, s.loc, arith::MulFOp::create(s.b, s.loc, x, s.constant(a)),
        s.constant(beta));
    return minOf(s, maxOf(s, v, s.constant(0.0)), s.constant(1.0));
  });
}

LogicalResult convertCast(NodeContext &ctx) {
  if (!ctx.hasAttr("to"))
    return ctx.emitError() << "needs the 'to' attribute", failure();
  return convertCastTo(ctx, ctx.dataTypeAttr("to", 0));
}

} // namespace

void registerElementwiseOps(OpRegistry &registry) {
  registry.add("", "DFT", convertDFT);
  registry.add("", "ReverseSequence", convertReverseSequence);
  registry.add("", "HannWindow", convertHannWindow);
  registry.add("", "HammingWindow", convertHammingWindow);
  registry.add("", "BlackmanWindow", convertBlackmanWindow);
  registry.add("", "BitCast", convertBitCast);
  registry.add("", "IsInf", convertIsInf);
  registry.add(
      "", "BitShift", +[](NodeContext &ctx) {
        std::string direction = ctx.stringAttr("direction", "");
        if (direction == "LEFT")
          return convertElementwise(ctx, Accepts::Integer, shiftLeft, nullptr);
        if (direction == "RIGHT")
          return convertElementwise(ctx, Accepts::Integer, shiftRight, nullptr);
        return ctx.emitError() << "direction must be LEFT or RIGHT, got '"
                               << direction << "'",
               failure();
      });
  FLOAT_UNARY("Exp", math::ExpOp);
  FLOAT_UNARY("Log", math::LogOp);
  FLOAT_UNARY("Sqrt", math::SqrtOp);
  FLOAT_UNARY("Floor", math::FloorOp);
  FLOAT_UNARY("Ceil", math::CeilOp);
  FLOAT_UNARY("Round", math::RoundEvenOp);
  FLOAT_UNARY("Sin", math::SinOp);
  FLOAT_UNARY("Cos", math::CosOp);
  FLOAT_UNARY("Tan", math::TanOp);
  FLOAT_UNARY("Asin", math::AsinOp);
  FLOAT_UNARY("Acos", math::AcosOp);
  FLOAT_UNARY("Atan", math::AtanOp);
  FLOAT_UNARY("Sinh", math::SinhOp);
  FLOAT_UNARY("Cosh", math::CoshOp);
  FLOAT_UNARY("Asinh", math::AsinhOp);
  FLOAT_UNARY("Acosh", math::AcoshOp);
  FLOAT_UNARY("Atanh", math::AtanhOp);
  FLOAT_UNARY("Tanh", math::TanhOp);
  FLOAT_UNARY("Erf", math::ErfOp);

  registry.add("", "Abs", convertAbs);
  registry.add("", "Neg", convertNeg);
  registry.add("", "Reciprocal", convertReciprocal);
  registry.add("", "Sign", convertSign);
  registry.add("", "Relu", convertRelu);
  registry.add("", "Sigmoid", convertSigmoid);
  registry.add("", "Softplus", convertSoftplus);
  registry.add("", "Softsign", convertSoftsign);
  registry.add("", "IsNaN", convertIsNaN);
  registry.add(
      "", "Not", +[](NodeContext &ctx) {
        return convertElementwise(
            ctx, Accepts::Bool,
            +[](Scalars &s) -> Value {
              Value one =
                  arith::ConstantOp::create(s.b, s.loc, s.b.getBoolAttr(true));
              return arith::XOrIOp::create(s.b, s.loc, s[0], one);
            },
            +[](ArrayRef<int64_t> v) -> int64_t { return !v[0]; });
      });

  // Binary arithmetic.
  registry.add("", "Add", convertAdd);
  registry.add("", "Sub", convertSub);
  registry.add("", "Mul", convertMul);
  registry.add("", "Div", convertDiv);
  registry.add("", "Pow", convertPow);
  registry.add("", "Mod", convertMod);
  registry.add("", "Max", convertMax);
  registry.add("", "Min", convertMin);
  registry.add("", "Sum", convertSum);
  registry.add(
      "", "Mean", +[](NodeContext &ctx) {
        return convertElementwise(
            ctx, Accepts::Float,
            +[](Scalars &s) -> Value {
              Value sum = foldLeft<addPair>(s);
              return arith::DivFOp::create(s.b, s.loc, sum,
                                           s.constant(double(s.args.size())));
            },
            nullptr);
      });

  // Comparisons and logic.
  registry.add("", "Equal", convertEqual);
  registry.add("", "Less", convertLess);
  registry.add("", "LessOrEqual", convertLessOrEqual);
  registry.add("", "Greater", convertGreater);
  registry.add("", "GreaterOrEqual", convertGreaterOrEqual);
  registry.add("", "And", convertAnd);
  registry.add("", "Or", convertOr);
  registry.add("", "Xor", convertXor);
  registry.add("", "BitwiseAnd", convertBitwiseAnd);
  registry.add("", "BitwiseOr", convertBitwiseOr);
  registry.add("", "BitwiseXor", convertBitwiseXor);
  registry.add(
      "", "BitwiseNot", +[](NodeContext &ctx) {
        return convertElementwise(
            ctx, Accepts::Integer,
            +[](Scalars &s) -> Value {
              return arith::XOrIOp::create(s.b, s.loc, s[0], s.constant(-1));
            },
            +[](ArrayRef<int64_t> v) { return ~v[0]; });
      });

  // Activations with attributes.
  registry.add("", "LeakyRelu", convertLeakyRelu);
  registry.add("", "Elu", convertElu);
  registry.add("", "HardSigmoid", convertHardSigmoid);
  registry.add("", "Clip", convertClip);
  registry.add("", "Where", convertWhere);
  registry.add("", "Cast", convertCast);
}

} // namespace dsk::onnx_import
