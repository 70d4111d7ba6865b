//===- MatMulOps.cpp - ONNX matrix products
//---------------------------------===//
//
// MatMul, Gemm and Einsum as dsk.matmul (with the accumulator the element
// type needs, and quantized weights taken directly), MatMulInteger with its
// zero points, and the integer-operand helpers the quantized ops share.
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
// Matrix products
//===----------------------------------------------------------------------===//

/// dsk.matmul of rank >= 2 operands; the result type follows the verifier.
FailureOr<Value> buildMatmul(NodeContext &ctx, Value lhs, Value rhs, Value bias,
                             bool transposeLhs, bool transposeRhs,
                             Type resultElement, Type acc) {
  ArrayRef<int64_t> a = shapeOf(lhs), bShape = shapeOf(rhs);
  int64_t m = a[a.size() - 2], lhsK = a.back();
  if (transposeLhs)
    std::swap(m, lhsK);
  int64_t rhsK = bShape[bShape.size() - 2], n = bShape.back();
  if (transposeRhs)
    std::swap(rhsK, n);
  if (!ShapedType::isDynamic(lhsK) && !ShapedType::isDynamic(rhsK) &&
      lhsK != rhsK)
    return ctx.emitError() << "contracting dimensions differ: " << lhsK
                           << " vs " << rhsK << " (" << lhs.getType() << ", "
                           << rhs.getType() << ")";
  FailureOr<SmallVector<int64_t>> batch =
      broadcastShapes({a.drop_back(2), bShape.drop_back(2)});
  if (failed(batch))
    return ctx.emitError() << "batch dimensions do not broadcast: "
                           << lhs.getType() << " and " << rhs.getType();
  SmallVector<int64_t> shape = *batch;
  shape.append({m, n});
  if (bias) {
    FailureOr<SmallVector<int64_t>> withBias =
        broadcastShapes({shapeOf(bias), shape});
    if (failed(withBias) || withBias->size() != shape.size())
      return ctx.emitError() << "bias " << bias.getType()
                             << " does not broadcast to the product shape";
  }
  auto type = RankedTensorType::get(shape, resultElement);
  return dsk::MatmulOp::create(ctx.b, ctx.loc, type, lhs, rhs, bias,
                               transposeLhs, transposeRhs,
                               acc ? TypeAttr::get(acc) : TypeAttr())
      .getResult();
}

} // namespace

FailureOr<Value> buildNumpyMatmul(NodeContext &ctx, Value lhs, Value rhs,
                                  Type resultElement, Type acc) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  if (rankOf(lhs) < 1 || rankOf(rhs) < 1)
    return ctx.emitError() << "operands must have rank >= 1";
  bool lhsVector = rankOf(lhs) == 1, rhsVector = rankOf(rhs) == 1;
  if (lhsVector) {
    int64_t k = shapeOf(lhs)[0];
    lhs = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, k}, getElementTypeOrSelf(lhs)), lhs,
        ArrayRef<ReassociationIndices>{{0, 1}});
  }
  if (rhsVector) {
    int64_t k = shapeOf(rhs)[0];
    rhs = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({k, 1}, getElementTypeOrSelf(rhs)), rhs,
        ArrayRef<ReassociationIndices>{{0, 1}});
  }
  FailureOr<Value> product =
      buildMatmul(ctx, lhs, rhs, Value(), false, false, resultElement, acc);
  if (failed(product))
    return failure();
  Value result = *product;
  int64_t rank = rankOf(result);
  if (lhsVector && rhsVector)
    return tensor::CollapseShapeOp::create(b, loc, result,
                                           ArrayRef<ReassociationIndices>{})
        .getResult();
  if (lhsVector || rhsVector)
    return collapseDims(b, loc, result, rank - 2, 2);
  return result;
}

namespace {

/// A float weight that is the dequantization of a quantized tensor: the
/// quantized tensor, which dsk.matmul takes as its rhs directly (it
/// dequantizes to the f32 accumulator, so only f32 products qualify).
Value quantizedRhs(Value rhs, Type elementType) {
  auto dequantize = rhs.getDefiningOp<dsk::DequantizeOp>();
  if (!dequantize || !elementType.isF32() || rankOf(rhs) < 2)
    return rhs;
  return dequantize.getInput();
}

LogicalResult convertMatMul(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value lhs = ctx.input(0), rhs = ctx.input(1);
  Type elementType = getElementTypeOrSelf(lhs);
  if (getElementTypeOrSelf(rhs) != elementType)
    return ctx.emitError() << "operands must have one element type, got "
                           << lhs.getType() << " and " << rhs.getType();
  if (elementType.isInteger(1) ||
      !(isa<FloatType>(elementType) || isa<IntegerType>(elementType)))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  FailureOr<Value> result =
      buildNumpyMatmul(ctx, lhs, quantizedRhs(rhs, elementType), elementType,
                       matmulAccumulatorType(elementType));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ctx.isUnsigned(0));
  return success();
}

LogicalResult convertGemm(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  Value a = ctx.input(0), bm = ctx.input(1);
  Value c = ctx.hasInput(2) ? ctx.input(2) : Value();
  Type elementType = getElementTypeOrSelf(a);
  if (getElementTypeOrSelf(bm) != elementType ||
      (c && getElementTypeOrSelf(c) != elementType))
    return ctx.emitError() << "A, B and C must have one element type";
  if (rankOf(a) != 2 || rankOf(bm) != 2)
    return ctx.emitError() << "A and B must be matrices, got " << a.getType()
                           << " and " << bm.getType();
  if (c && rankOf(c) > 2)
    return ctx.emitError() << "C must have rank <= 2, got " << c.getType();
  bool isFloat = isa<FloatType>(elementType);
  if (elementType.isInteger(1) || !(isFloat || isa<IntegerType>(elementType)))
    return ctx.emitError() << "element type " << elementType
                           << " is not supported";
  double alpha = ctx.floatAttr("alpha", 1.0f);
  double beta = ctx.floatAttr("beta", 1.0f);
  bool transA = ctx.intAttr("transA", 0) != 0;
  bool transB = ctx.intAttr("transB", 0) != 0;
  if (!isFloat && (alpha != 1.0 || beta != 1.0))
    return ctx.emitError()
           << "integer Gemm with alpha or beta other than 1 is not supported";
  if (beta == 0.0)
    c = Value();
  Type acc = matmulAccumulatorType(elementType);
  bool fuseBias = c && beta == 1.0 && alpha == 1.0;
  FailureOr<Value> product =
      buildMatmul(ctx, a, quantizedRhs(bm, elementType), fuseBias ? c : Value(),
                  transA, transB, elementType, acc);
  if (failed(product))
    return failure();
  Value result = *product;
  if (!fuseBias && (c || alpha != 1.0)) {
    SmallVector<Value> inputs = {result};
    if (c)
      inputs.push_back(c);
    FailureOr<Value> scaled = buildBroadcastElementwise(
        ctx, inputs, elementType,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          FloatOps f{b, loc, elementType};
          Value v = alpha == 1.0 ? args[0] : f.mul(args[0], f.c(alpha));
          if (args.size() > 1)
            v = f.add(v, beta == 1.0 ? args[1] : f.mul(args[1], f.c(beta)));
          return v;
        });
    if (failed(scaled))
      return failure();
    if (shapeOf(*scaled).size() != 2 ||
        failed(verifyCompatibleShape(shapeOf(*scaled), shapeOf(result))))
      return ctx.emitError()
             << "C " << c.getType() << " does not broadcast to the product "
             << result.getType();
    result = *scaled;
  }
  ctx.setOutput(0, result, ctx.isUnsigned(0));
  return success();
}

} // namespace

Value alignParam(OpBuilder &b, Location loc, Value param, int64_t rank,
                 ParamAxis axis) {
  if (rankOf(param) != 1 || typeOf(param).getNumElements() == 1 ||
      axis == ParamAxis::Last)
    return param;
  int64_t count = axis == ParamAxis::Row ? 2 : rank;
  if (count < 2)
    return param;
  SmallVector<int64_t> shape(count, 1);
  shape[0] = shapeOf(param)[0];
  ReassociationIndices group;
  for (int64_t i = 0; i < count; ++i)
    group.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, getElementTypeOrSelf(param)), param,
      ArrayRef<ReassociationIndices>{group});
}

FailureOr<Value> subtractZeroPoint(NodeContext &ctx, size_t input,
                                   size_t zeroPoint, ParamAxis axis) {
  Value x = ctx.input(input);
  Type i32 = ctx.b.getI32Type();
  bool xUnsigned = ctx.isUnsigned(input);
  Type elementType = getElementTypeOrSelf(x);
  if (!isa<IntegerType>(elementType) || elementType.getIntOrFloatBitWidth() > 8)
    return ctx.emitError() << "input #" << input
                           << " must be an 8-bit integer tensor, got "
                           << x.getType();
  SmallVector<Value> inputs = {x};
  bool zpUnsigned = false;
  if (ctx.hasInput(zeroPoint)) {
    Value zp = ctx.input(zeroPoint);
    zpUnsigned = ctx.isUnsigned(zeroPoint);
    if (getElementTypeOrSelf(zp) != elementType || zpUnsigned != xUnsigned)
      return ctx.emitError() << "zero point #" << zeroPoint
                             << " must have the element type of its input";
    if (rankOf(x) >= 2)
      zp = alignParam(ctx.b, ctx.loc, zp, rankOf(x), axis);
    inputs.push_back(zp);
  }
  FailureOr<Value> result = buildBroadcastElementwise(
      ctx, inputs, i32, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value v = castScalar(b, loc, args[0], i32, xUnsigned, false);
        if (args.size() > 1)
          v = arith::SubIOp::create(
              b, loc, v, castScalar(b, loc, args[1], i32, zpUnsigned, false));
        return v;
      });
  if (failed(result))
    return failure();
  if (failed(verifyCompatibleShape(shapeOf(*result), shapeOf(x))))
    return ctx.emitError() << "zero point #" << zeroPoint
                           << " does not broadcast to its input "
                           << x.getType();
  return result;
}

namespace {

LogicalResult convertMatMulInteger(NodeContext &ctx) {
  if (failed(requireInputs(ctx, 2)))
    return failure();
  FailureOr<Value> a = subtractZeroPoint(ctx, 0, 2, ParamAxis::Row);
  if (failed(a))
    return failure();
  FailureOr<Value> bm = subtractZeroPoint(ctx, 1, 3, ParamAxis::Last);
  if (failed(bm))
    return failure();
  Type i32 = ctx.b.getI32Type();
  FailureOr<Value> result = buildNumpyMatmul(ctx, *a, *bm, i32, i32);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// Einsum
//===----------------------------------------------------------------------===//

/// A parsed einsum term: labels, with -1 standing for the ellipsis.
FailureOr<SmallVector<int>> parseEinsumTerm(NodeContext &ctx, StringRef term) {
  SmallVector<int> labels;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    char ch = term[i];
    if (ch == '.') {
      if (term.substr(i, 3) != "..." || ellipsis)
        return ctx.emitError()
                   << "malformed ellipsis in einsum term '" << term << "'",
               failure();
      ellipsis = true;
      labels.push_back(-1);
      i += 2;
    } else if (llvm::isAlpha(ch)) {
      labels.push_back(static_cast<unsigned char>(ch));
    } else {
      return ctx.emitError()
                 << "unexpected character '" << ch << "' in einsum equation",
             failure();
    }
  }
  return labels;
}

LogicalResult convertEinsum(NodeContext &ctx) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *context = b.getContext();
  std::string equation;
  for (char ch : ctx.stringAttr("equation", ""))
    if (!llvm::isSpace(ch))
      equation.push_back(ch);
  if (ctx.numInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  if (failed(requireInputs(ctx, ctx.numInputs())))
    return failure();
  StringRef eq(equation);
  auto [lhs, rhs] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != ctx.numInputs())
    return ctx.emitError() << "the equation has " << terms.size()
                           << " input terms for " << ctx.numInputs()
                           << " inputs";
  Type type = getElementTypeOrSelf(ctx.input(0));
  if (type.isInteger(1))
    return ctx.emitError() << "bool einsum is not supported";
  bool isUnsigned = ctx.isUnsigned(0);

  // Labels of each input and the ellipsis sub-shapes.
  SmallVector<SmallVector<int>> inputLabels;
  SmallVector<int64_t> ellipsisRanks;
  SmallVector<SmallVector<int64_t>> ellipsisShapes;
  llvm::DenseMap<int, int> counts;
  SmallVector<int> order; // letters in order of first appearance
  for (auto [i, term] : llvm::enumerate(terms)) {
    Value input = ctx.input(i);
    if (getElementTypeOrSelf(input) != type)
      return ctx.emitError() << "inputs must have one element type";
    FailureOr<SmallVector<int>> labels = parseEinsumTerm(ctx, term);
    if (failed(labels))
      return failure();
    int64_t letters = llvm::count_if(*labels, [](int l) { return l >= 0; });
    bool hasEllipsis = letters != static_cast<int64_t>(labels->size());
    int64_t rank = rankOf(input);
    int64_t e = rank - letters;
    if (e < 0 || (!hasEllipsis && e != 0))
      return ctx.emitError() << "term '" << term << "' does not match input #"
                             << i << " of rank " << rank;
    ellipsisRanks.push_back(e);
    SmallVector<int64_t> sub;
    int64_t dim = 0;
    for (int l : *labels) {
      if (l < 0) {
        for (int64_t t = 0; t < e; ++t)
          sub.push_back(shapeOf(input)[dim++]);
        continue;
      }
      if (!counts.count(l))
        order.push_back(l);
      ++counts[l];
      ++dim;
    }
    ellipsisShapes.push_back(sub);
    inputLabels.push_back(*labels);
  }
  SmallVector<ArrayRef<int64_t>> subShapes(ellipsisShapes.begin(),
                                           ellipsisShapes.end());
  FailureOr<SmallVector<int64_t>> ellipsisShape = broadcastShapes(subShapes);
  if (failed(ellipsisShape))
    return ctx.emitError() << "the ellipsis dimensions do not broadcast";
  int64_t e = ellipsisShape->size();
  bool anyEllipsis = llvm::any_of(inputLabels, [](ArrayRef<int> labels) {
    return llvm::is_contained(labels, -1);
  });

  // Output labels.
  SmallVector<int> outLabels;
  if (explicitOutput) {
    FailureOr<SmallVector<int>> parsed = parseEinsumTerm(ctx, rhs);
    if (failed(parsed))
      return failure();
    outLabels = *parsed;
    llvm::SmallDenseSet<int> seen;
    for (int l : outLabels) {
      if (l >= 0 && !counts.count(l))
        return ctx.emitError() << "output label '" << static_cast<char>(l)
                               << "' appears in no input";
      if (!seen.insert(l).second)
        return ctx.emitError() << "output label repeated";
    }
  } else {
    if (anyEllipsis)
      outLabels.push_back(-1);
    SmallVector<int> once;
    for (int l : order)
      if (counts[l] == 1)
        once.push_back(l);
    llvm::sort(once);
    outLabels.append(once);
  }

  // Loop dims: the ellipsis dims, then each letter.
  llvm::DenseMap<int, int64_t> loopOf;
  int64_t loops = e;
  for (int l : order)
    loopOf[l] = loops++;
  // Sizes of the loop dims (from the first input that has each).
  SmallVector<int64_t> loopSize(loops, ShapedType::kDynamic);
  SmallVector<OpFoldResult> loopSizeOfr(loops);
  for (int64_t t = 0; t < e; ++t) {
    loopSize[t] = (*ellipsisShape)[t];
    if (!ShapedType::isDynamic(loopSize[t]))
      loopSizeOfr[t] = b.getIndexAttr(loopSize[t]);
  }
  SmallVector<AffineMap> maps;
  for (auto [i, labels] : llvm::enumerate(inputLabels)) {
    Value input = ctx.input(i);
    int64_t ei = ellipsisRanks[i];
    SmallVector<AffineExpr> exprs;
    int64_t dim = 0;
    for (int l : labels) {
      if (l < 0) {
        for (int64_t t = 0; t < ei; ++t, ++dim) {
          int64_t loop = e - ei + t;
          int64_t size = shapeOf(input)[dim];
          if (size == 1 && loopSize[loop] != 1) {
            exprs.push_back(getAffineConstantExpr(0, context));
            continue;
          }
          exprs.push_back(getAffineDimExpr(loop, context));
          if (!loopSizeOfr[loop] && ShapedType::isDynamic(size))
            loopSizeOfr[loop] = dimOf(b, loc, input, dim);
        }
        continue;
      }
      int64_t loop = loopOf[l];
      int64_t size = shapeOf(input)[dim];
      if (!ShapedType::isDynamic(size)) {
        if (!ShapedType::isDynamic(loopSize[loop]) && loopSize[loop] != size)
          return ctx.emitError()
                 << "label '" << static_cast<char>(l) << "' has sizes "
                 << loopSize[loop] << " and " << size;
        loopSize[loop] = size;
        loopSizeOfr[loop] = b.getIndexAttr(size);
      } else if (!loopSizeOfr[loop]) {
        loopSizeOfr[loop] = dimOf(b, loc, input, dim);
      }
      exprs.push_back(getAffineDimExpr(loop, context));
      ++dim;
    }
    maps.push_back(AffineMap::get(loops, 0, exprs, context));
  }
  SmallVector<AffineExpr> outExprs;
  SmallVector<OpFoldResult> outSizes;
  llvm::SmallDenseSet<int64_t> parallel;
  for (int l : outLabels) {
    if (l < 0) {
      for (int64_t t = 0; t < e; ++t) {
        outExprs.push_back(getAffineDimExpr(t, context));
        outSizes.push_back(loopSizeOfr[t]);
        parallel.insert(t);
      }
      continue;
    }
    int64_t loop = loopOf[l];
    outExprs.push_back(getAffineDimExpr(loop, context));
    outSizes.push_back(loopSizeOfr[loop]);
    parallel.insert(loop);
  }
  for (OpFoldResult size : outSizes)
    if (!size)
      return ctx.emitError() << "cannot determine an output dimension";
  maps.push_back(AffineMap::get(loops, 0, outExprs, context));
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < loops; ++i)
    iterators.push_back(parallel.contains(i) ? utils::IteratorType::parallel
                                             : utils::IteratorType::reduction);
  Value init =
      filledTensor(b, loc, outSizes, scalarConstant(b, loc, type, 0.0));
  SmallVector<Value> inputs;
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    inputs.push_back(ctx.input(i));
  bool isFloat = isa<FloatType>(type);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value product = args[0];
            for (Value v : args.drop_front().drop_back())
              product =
                  isFloat
                      ? arith::MulFOp::create(nb, nl, product, v).getResult()
                      : arith::MulIOp::create(nb, nl, product, v).getResult();
            linalg::YieldOp::create(nb, nl,
                                    addCombine(nb, nl, product, args.back()));
          })
          .getResult(0);
  ctx.setOutput(0, result, isUnsigned);
  return success();
}

} // namespace

void registerMatMulOps(OpRegistry &registry) {
  registry.add("", "MatMul", convertMatMul);
  registry.add("", "Gemm", convertGemm);
  registry.add("", "MatMulInteger", convertMatMulInteger);
  registry.add("", "Einsum", convertEinsum);
}

} // namespace dsk::onnx_import
