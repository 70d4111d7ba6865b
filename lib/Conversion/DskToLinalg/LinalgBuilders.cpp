//===- LinalgBuilders.cpp - helpers of the dsk reference lowering ---------===//

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;

namespace dsk::lowering {

using utils::IteratorType;

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type elementType, double value) {
  Value fill = scalarConstant(b, loc, elementType, value);
  Value empty = emptyTensor(b, loc, shape, elementType);
  return linalg::FillOp::create(b, loc, ValueRange{fill}, ValueRange{empty})
      .getResult(0);
}

AffineMap broadcastMap(MLIRContext *ctx, unsigned numLoops,
                       ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> targetShape,
                       ArrayRef<unsigned> targetLoops) {
  assert(operandShape.size() <= targetShape.size() && "operand rank too big");
  size_t offset = targetShape.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [index, dim] : llvm::enumerate(operandShape)) {
    size_t target = index + offset;
    if (dim == 1 && targetShape[target] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(targetLoops[target], ctx));
  }
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

AffineMap projectionMap(MLIRContext *ctx, unsigned numLoops,
                        ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned dim : dims)
    exprs.push_back(getAffineDimExpr(dim, ctx));
  return AffineMap::get(numLoops, 0, exprs, ctx);
}

Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                   ArrayRef<AffineMap> inputMaps, Value init,
                   AffineMap outputMap, ArrayRef<IteratorType> iterators,
                   BodyFn body) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(outputMap);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       Type resultElementType, BodyFn body) {
  auto type = cast<RankedTensorType>(inputs.front().getType());
  unsigned rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputs.size(), identity);
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  Value init = emptyTensor(b, loc, type.getShape(), resultElementType);
  return buildGeneric(b, loc, inputs, maps, init, identity, iterators, body);
}

Value convertTensor(OpBuilder &b, Location loc, Value tensor, Type elementType,
                    bool srcUnsigned) {
  if (getElementTypeOrSelf(tensor) == elementType)
    return tensor;
  return buildElementwise(
      b, loc, tensor, elementType,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return castScalar(nested, nestedLoc, args[0], elementType, srcUnsigned);
      });
}

Value buildRowTimesMatrix(OpBuilder &b, Location loc, Value input, Value weight,
                          Value init) {
  MLIRContext *ctx = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  unsigned batchRank = inputType.getRank() - 1;
  // Loops: batch..., n, k.
  unsigned n = batchRank, k = batchRank + 1, numLoops = batchRank + 2;
  SmallVector<unsigned> inputDims, outputDims;
  for (unsigned i = 0; i < batchRank; ++i) {
    inputDims.push_back(i);
    outputDims.push_back(i);
  }
  inputDims.push_back(k);
  outputDims.push_back(n);
  SmallVector<IteratorType> iterators(numLoops, IteratorType::parallel);
  iterators[k] = IteratorType::reduction;
  Type accType = getElementTypeOrSelf(init);
  return buildGeneric(
      b, loc, {input, weight},
      {projectionMap(ctx, numLoops, inputDims),
       projectionMap(ctx, numLoops, {k, n})},
      init, projectionMap(ctx, numLoops, outputDims), iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value x = castScalar(nb, nl, args[0], accType);
        Value w = castScalar(nb, nl, args[1], accType);
        Value product = arith::MulFOp::create(nb, nl, x, w);
        return arith::AddFOp::create(nb, nl, args[2], product).getResult();
      });
}

FloatType attentionComputeType(Type elementType) {
  auto floatType = cast<FloatType>(elementType);
  if (floatType.getWidth() >= 64)
    return floatType;
  return Float32Type::get(elementType.getContext());
}

Value buildAttention(OpBuilder &b, Location loc, Value query, Value key,
                     Value value, double scale, const ScoreMask &mask) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> q = cast<RankedTensorType>(query.getType()).getShape();
  ArrayRef<int64_t> k = cast<RankedTensorType>(key.getType()).getShape();
  ArrayRef<int64_t> v = cast<RankedTensorType>(value.getType()).getShape();
  FloatType compute = attentionComputeType(getElementTypeOrSelf(query));
  const double negInf = -std::numeric_limits<double>::infinity();
  const auto par = IteratorType::parallel, red = IteratorType::reduction;

  // Loop names shared by the generics below.
  enum : unsigned { B = 0, H = 1, I = 2, J = 3, Dim = 4 };
  SmallVector<int64_t> scoresShape = {q[0], q[1], q[2], k[2]};
  SmallVector<int64_t> rowShape = {q[0], q[1], q[2]};
  AffineMap scoresMap = projectionMap(ctx, 4, {B, H, I, J});
  AffineMap rowMap = projectionMap(ctx, 4, {B, H, I});

  // dots[b, h, i, j] = sum_d q[b, h, i, d] * k[b, h, j, d]
  Value dots = buildGeneric(
      b, loc, {query, key},
      {projectionMap(ctx, 5, {B, H, I, Dim}),
       projectionMap(ctx, 5, {B, H, J, Dim})},
      filledTensor(b, loc, scoresShape, compute, 0.0),
      projectionMap(ctx, 5, {B, H, I, J}), {par, par, par, par, red},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value product =
            arith::MulFOp::create(nb, nl, castScalar(nb, nl, args[0], compute),
                                  castScalar(nb, nl, args[1], compute));
        return arith::AddFOp::create(nb, nl, args[2], product).getResult();
      });

  // scores = mask(scale * dots)
  SmallVector<Value> maskInputs = {dots};
  maskInputs.append(mask.inputs);
  SmallVector<AffineMap> maskMaps = {scoresMap};
  maskMaps.append(mask.maps);
  Value scores = buildGeneric(
      b, loc, maskInputs, maskMaps, emptyTensor(b, loc, scoresShape, compute),
      scoresMap, {par, par, par, par},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value scaled = arith::MulFOp::create(
            nb, nl, args[0], scalarConstant(nb, nl, compute, scale));
        if (!mask.apply)
          return scaled;
        SmallVector<Value> indices;
        for (unsigned dim : {B, H, I, J})
          indices.push_back(linalg::IndexOp::create(nb, nl, dim));
        return mask.apply(nb, nl, indices, args.slice(1, mask.inputs.size()),
                          scaled);
      });

  // Numerically stable softmax: subtract the row maximum.
  SmallVector<IteratorType> rowReduce = {par, par, par, red};
  Value rowMax = buildGeneric(
      b, loc, {scores}, {scoresMap},
      filledTensor(b, loc, rowShape, compute, negInf), rowMap, rowReduce,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return arith::MaximumFOp::create(nb, nl, args[0], args[1]).getResult();
      });
  Value weights = buildGeneric(
      b, loc, {scores, rowMax}, {scoresMap, rowMap},
      emptyTensor(b, loc, scoresShape, compute), scoresMap,
      {par, par, par, par}, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value shifted = arith::SubFOp::create(nb, nl, args[0], args[1]);
        return math::ExpOp::create(nb, nl, shifted).getResult();
      });
  Value rowSum = buildGeneric(
      b, loc, {weights}, {scoresMap},
      filledTensor(b, loc, rowShape, compute, 0.0), rowMap, rowReduce,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return arith::AddFOp::create(nb, nl, args[0], args[1]).getResult();
      });

  // out[b, h, i, e] = sum_j weights[b, h, i, j] * v[b, h, j, e] / rowSum
  SmallVector<int64_t> outShape = {q[0], q[1], q[2], v[3]};
  enum : unsigned { E = 3, JR = 4 };
  Value weighted = buildGeneric(
      b, loc, {weights, value},
      {projectionMap(ctx, 5, {B, H, I, JR}),
       projectionMap(ctx, 5, {B, H, JR, E})},
      filledTensor(b, loc, outShape, compute, 0.0),
      projectionMap(ctx, 5, {B, H, I, E}), {par, par, par, par, red},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value product = arith::MulFOp::create(
            nb, nl, args[0], castScalar(nb, nl, args[1], compute));
        return arith::AddFOp::create(nb, nl, args[2], product).getResult();
      });
  AffineMap outMap = b.getMultiDimIdentityMap(4);
  return buildGeneric(
      b, loc, {weighted, rowSum}, {outMap, rowMap},
      emptyTensor(b, loc, outShape, compute), outMap, {par, par, par, par},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return arith::DivFOp::create(nb, nl, args[0], args[1]).getResult();
      });
}

Value biasOrZeros(OpBuilder &b, Location loc, Value bias, bool biasUnsigned,
                  ArrayRef<int64_t> shape, Type accType) {
  if (!bias)
    return filledTensor(b, loc, shape, accType, 0.0);
  unsigned rank = shape.size();
  auto loops = llvm::to_vector(llvm::seq<unsigned>(0, rank));
  AffineMap map = broadcastMap(
      b.getContext(), rank, cast<RankedTensorType>(bias.getType()).getShape(),
      shape, loops);
  return buildGeneric(
      b, loc, {bias}, {map}, emptyTensor(b, loc, shape, accType),
      b.getMultiDimIdentityMap(rank),
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return castScalar(nb, nl, args[0], accType, biasUnsigned);
      });
}

} // namespace dsk::lowering
