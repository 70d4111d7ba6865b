//===- DskToLinalg.cpp - reference lowering of dsk to upstream MLIR -------===//
//
// Lowers every dsk operation to linalg/tensor/arith/math/scf on tensors.
// Clarity beats speed here: this is the semantic baseline that optimised
// kernels are compared with, so each op lowers to the direct loop nest of its
// definition in DskOps.td.
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/IR/DskOps.h"
#include "dsk/Dialect/Dsk/Utils/QuantMath.h"

#include "LinalgBuilders.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>
#include <limits>

namespace dsk {
#define GEN_PASS_DEF_DSKLOWERTOLINALG
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;
using namespace dsk;
using namespace dsk::lowering;
using utils::IteratorType;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

bool isUnsignedTensor(Value value) {
  return getElementTypeOrSelf(value).isUnsignedInteger();
}

/// Default attention scale 1/sqrt(D).
double attentionScale(FloatAttr scale, Value query) {
  if (scale)
    return scale.getValueAsDouble();
  return 1.0 / std::sqrt(double(tensorTypeOf(query).getShape()[3]));
}

//===----------------------------------------------------------------------===//
// Quantized storage
//===----------------------------------------------------------------------===//

/// Per-channel parameters of an encoding, as float vectors of equal length
/// (one entry when per tensor).
struct QuantParams {
  std::optional<int64_t> axis;
  SmallVector<SmallVector<double>> columns;
};

QuantParams getQuantParams(Attribute encoding) {
  QuantParams params;
  params.axis = getQuantAxis(encoding);
  if (auto uniform = dyn_cast<UniformAttr>(encoding)) {
    params.columns.emplace_back(uniform.getScales().asArrayRef());
    params.columns.emplace_back(llvm::map_range(
        uniform.getZeroPoints(), [](int64_t zp) { return double(zp); }));
  } else if (auto log2 = dyn_cast<Log2Attr>(encoding)) {
    params.columns.emplace_back(log2.getScales().asArrayRef());
  } else {
    auto codebook = cast<CodebookAttr>(encoding);
    // Column e holds entry e of every channel's table.
    for (int64_t entry = 0; entry < codebook.getNumEntries(); ++entry) {
      SmallVector<double> column;
      for (int64_t table = 0; table < codebook.getNumTables(); ++table)
        column.push_back(codebook.getTable(table)[entry]);
      params.columns.push_back(column);
    }
  }
  return params;
}

using QuantBodyFn = function_ref<Value(OpBuilder &, Location, Value element,
                                       ArrayRef<Value> params)>;

/// An elementwise generic from `input` to a tensor of `resultElementType`
/// whose body also sees the encoding's parameters as f32 scalars: constants
/// when per tensor, elements of 1-D constant tensors read along the axis
/// when per channel.
Value buildQuantElementwise(OpBuilder &b, Location loc, Value input,
                            Type resultElementType, const QuantParams &params,
                            QuantBodyFn body) {
  RankedTensorType inputType = tensorTypeOf(input);
  unsigned rank = inputType.getRank();
  Type f32 = b.getF32Type();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<Value> inputs = {input};
  SmallVector<AffineMap> maps = {identity};
  if (params.axis) {
    for (ArrayRef<double> column : params.columns) {
      SmallVector<float> values(column.begin(), column.end());
      auto type = RankedTensorType::get({int64_t(values.size())}, f32);
      inputs.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(type, ArrayRef<float>(values))));
      maps.push_back(
          projectionMap(b.getContext(), rank, {unsigned(*params.axis)}));
    }
  }
  Value init = emptyTensor(b, loc, inputType.getShape(), resultElementType);
  SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
  return buildGeneric(
      b, loc, inputs, maps, init, identity, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> scalars;
        if (params.axis)
          scalars.append(args.begin() + 1,
                         args.begin() + 1 + params.columns.size());
        else
          for (ArrayRef<double> column : params.columns)
            scalars.push_back(scalarConstant(nb, nl, f32, column.front()));
        return body(nb, nl, args[0], scalars);
      });
}

/// Element bodies of quantization, one per encoding. `x` is f32; the result
/// is the i32 code.
Value quantizeElement(OpBuilder &b, Location loc, Attribute encoding,
                      IntegerType storage, Value x, ArrayRef<Value> params) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto f32Const = [&](double v) { return scalarConstant(b, loc, f32, v); };
  auto i32Const = [&](int64_t v) { return scalarConstant(b, loc, i32, v); };
  unsigned bits = storage.getWidth();

  if (isa<UniformAttr>(encoding)) {
    quant::IntRange range = quant::storageRange(bits, !storage.isUnsigned());
    Value scaled = arith::DivFOp::create(b, loc, x, params[0]);
    Value rounded = math::RoundEvenOp::create(b, loc, scaled);
    Value shifted = arith::AddFOp::create(b, loc, rounded, params[1]);
    Value clamped = arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, shifted, f32Const(range.min)),
        f32Const(range.max));
    // NaN maps to the zero point (QuantMath does the same).
    Value isNan =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
    Value zeroPoint = arith::MinimumFOp::create(
        b, loc,
        arith::MaximumFOp::create(b, loc, params[1], f32Const(range.min)),
        f32Const(range.max));
    Value value = arith::SelectOp::create(b, loc, isNan, zeroPoint, clamped);
    return arith::FPToSIOp::create(b, loc, i32, value);
  }

  if (isa<Log2Attr>(encoding)) {
    uint64_t zeroCode = quant::log2ZeroCode(bits);
    double maxExponent = double(zeroCode - 1);
    Value magnitude = math::AbsFOp::create(b, loc, x);
    Value ratio = math::Log2Op::create(
        b, loc, arith::DivFOp::create(b, loc, params[0], magnitude));
    // Not (|x| > 0) also catches NaN.
    Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                           magnitude, f32Const(0.0));
    Value tooSmall = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                           ratio, f32Const(maxExponent + 0.5));
    Value isZero = arith::OrIOp::create(
        b, loc, tooSmall,
        arith::XOrIOp::create(
            b, loc, positive,
            arith::ConstantOp::create(b, loc, b.getBoolAttr(true))));
    Value exponent = arith::MinimumFOp::create(
        b, loc,
        arith::MaximumFOp::create(
            b, loc, math::RoundEvenOp::create(b, loc, ratio), f32Const(0.0)),
        f32Const(maxExponent));
    Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                           f32Const(0.0));
    Value sign = arith::SelectOp::create(
        b, loc, negative, i32Const(int64_t(1) << (bits - 1)), i32Const(0));
    Value code = arith::OrIOp::create(
        b, loc, sign, arith::FPToSIOp::create(b, loc, i32, exponent));
    return arith::SelectOp::create(b, loc, isZero, i32Const(zeroCode), code);
  }

  // Codebook: the nearest entry; strict comparison keeps the lowest index on
  // ties, and NaN compares false everywhere and gets code 0.
  Value best = i32Const(0);
  Value bestDistance = f32Const(std::numeric_limits<double>::infinity());
  for (auto [entry, value] : llvm::enumerate(params)) {
    Value distance =
        math::AbsFOp::create(b, loc, arith::SubFOp::create(b, loc, x, value));
    Value closer = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                         distance, bestDistance);
    best = arith::SelectOp::create(b, loc, closer, i32Const(entry), best);
    bestDistance =
        arith::SelectOp::create(b, loc, closer, distance, bestDistance);
  }
  return best;
}

/// Element bodies of dequantization. `code` is the i32 code (sign- or
/// zero-extended from storage as the encoding reads it); the result is f32.
Value dequantizeElement(OpBuilder &b, Location loc, Attribute encoding,
                        IntegerType storage, Value code,
                        ArrayRef<Value> params) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto i32Const = [&](int64_t v) { return scalarConstant(b, loc, i32, v); };

  if (isa<UniformAttr>(encoding)) {
    Value real = castScalar(b, loc, code, f32);
    return arith::MulFOp::create(
        b, loc, arith::SubFOp::create(b, loc, real, params[1]), params[0]);
  }

  if (isa<Log2Attr>(encoding)) {
    unsigned bits = storage.getWidth();
    int64_t zeroCode = quant::log2ZeroCode(bits);
    Value exponent = arith::AndIOp::create(b, loc, code, i32Const(zeroCode));
    // 2^-e built from its IEEE bits: exact, and no libm call.
    Value powBits = arith::ShLIOp::create(
        b, loc, arith::SubIOp::create(b, loc, i32Const(127), exponent),
        i32Const(23));
    Value power = arith::BitcastOp::create(b, loc, f32, powBits);
    Value magnitude = arith::MulFOp::create(b, loc, params[0], power);
    Value signBit = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, code, i32Const(bits - 1)),
        i32Const(1));
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                           signBit, i32Const(0));
    Value signedValue = arith::SelectOp::create(
        b, loc, negative, arith::NegFOp::create(b, loc, magnitude), magnitude);
    Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         exponent, i32Const(zeroCode));
    return arith::SelectOp::create(
        b, loc, isZero, scalarConstant(b, loc, f32, 0.0), signedValue);
  }

  // Codebook: a select chain over the table (codes past the table read
  // entry 0).
  Value value = params[0];
  for (auto [entry, candidate] : llvm::enumerate(params))
    value = arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, code,
                              i32Const(entry)),
        candidate, value);
  return value;
}

/// Dequantizes `storage` (the converted, signless operand) whose original
/// type carries `encoding` into a tensor of `elementType`.
Value buildDequantize(OpBuilder &b, Location loc, Value storage,
                      RankedTensorType originalType, Type elementType) {
  Attribute encoding = originalType.getEncoding();
  auto storageType = cast<IntegerType>(originalType.getElementType());
  // Uniform storage is read with its signedness; log2 and codebook codes are
  // bit patterns / indices and read unsigned.
  bool readUnsigned = !isa<UniformAttr>(encoding) || storageType.isUnsigned();
  Type f32 = b.getF32Type();
  return buildQuantElementwise(
      b, loc, storage, elementType, getQuantParams(encoding),
      [&](OpBuilder &nb, Location nl, Value element, ArrayRef<Value> params) {
        Value code = castScalar(nb, nl, element, nb.getI32Type(), readUnsigned);
        Value real =
            dequantizeElement(nb, nl, encoding, storageType, code, params);
        (void)f32;
        return castScalar(nb, nl, real, elementType);
      });
}

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getResult().getType();
    Attribute encoding = resultType.getEncoding();
    auto storage = cast<IntegerType>(resultType.getElementType());
    Type signlessStorage = rewriter.getIntegerType(storage.getWidth());
    Location loc = op.getLoc();
    Value codes = buildQuantElementwise(
        rewriter, loc, adaptor.getInput(), signlessStorage,
        getQuantParams(encoding),
        [&](OpBuilder &nb, Location nl, Value element, ArrayRef<Value> params) {
          Value x = castScalar(nb, nl, element, nb.getF32Type());
          Value code = quantizeElement(nb, nl, encoding, storage, x, params);
          return castScalar(nb, nl, code, signlessStorage);
        });
    rewriter.replaceOp(op, codes);
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, buildDequantize(rewriter, op.getLoc(), adaptor.getInput(),
                            op.getInput().getType(),
                            op.getResult().getType().getElementType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Products
//===----------------------------------------------------------------------===//

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type accType = op.getAccumulatorType();
    bool isFloat = isa<FloatType>(accType);
    RankedTensorType resultType = op.getResult().getType();
    ArrayRef<int64_t> resultShape = resultType.getShape();

    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    bool lhsUnsigned = isUnsignedTensor(op.getLhs());
    bool rhsUnsigned = isUnsignedTensor(op.getRhs());
    if (isQuantEncoding(op.getRhs().getType().getEncoding())) {
      rhs = buildDequantize(rewriter, loc, rhs, op.getRhs().getType(), accType);
      rhsUnsigned = false;
    }

    // Loops: result batch dims, m, n, k.
    unsigned batchRank = resultShape.size() - 2;
    unsigned m = batchRank, n = batchRank + 1, k = batchRank + 2;
    unsigned numLoops = batchRank + 3;
    SmallVector<int64_t> batchShape(resultShape.drop_back(2));
    auto batchLoops = llvm::to_vector(llvm::seq<unsigned>(0, batchRank));
    auto operandMap = [&](Value operand, unsigned row, unsigned col,
                          bool transposed) {
      ArrayRef<int64_t> shape = tensorTypeOf(operand).getShape();
      AffineMap batch = broadcastMap(ctx, numLoops, shape.drop_back(2),
                                     batchShape, batchLoops);
      SmallVector<AffineExpr> exprs(batch.getResults());
      if (transposed)
        std::swap(row, col);
      exprs.push_back(rewriter.getAffineDimExpr(row));
      exprs.push_back(rewriter.getAffineDimExpr(col));
      return AffineMap::get(numLoops, 0, exprs, ctx);
    };
    SmallVector<AffineMap> maps = {operandMap(lhs, m, k, op.getTransposeLhs()),
                                   operandMap(rhs, k, n, op.getTransposeRhs())};
    SmallVector<unsigned> outDims(batchLoops);
    outDims.append({m, n});

    Value init = biasOrZeros(rewriter, loc, adaptor.getBias(),
                             op.getBias() && isUnsignedTensor(op.getBias()),
                             resultShape, accType);
    SmallVector<IteratorType> iterators(numLoops, IteratorType::parallel);
    iterators[k] = IteratorType::reduction;
    Value product = buildGeneric(
        rewriter, loc, {lhs, rhs}, maps, init,
        projectionMap(ctx, numLoops, outDims), iterators,
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value a = castScalar(nb, nl, args[0], accType, lhsUnsigned);
          Value c = castScalar(nb, nl, args[1], accType, rhsUnsigned);
          if (isFloat)
            return arith::AddFOp::create(nb, nl, args[2],
                                         arith::MulFOp::create(nb, nl, a, c));
          return arith::AddIOp::create(nb, nl, args[2],
                                       arith::MulIOp::create(nb, nl, a, c));
        });
    rewriter.replaceOp(
        op, convertTensor(rewriter, loc, product, resultType.getElementType()));
    return success();
  }
};

struct LowRankMatmulLowering : OpConversionPattern<LowRankMatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LowRankMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type compute = attentionComputeType(getElementTypeOrSelf(op.getInput()));
    ArrayRef<int64_t> inputShape = op.getInput().getType().getShape();
    SmallVector<int64_t> innerShape(inputShape.drop_back());
    innerShape.push_back(op.getU().getType().getShape()[1]);
    Value inner = buildRowTimesMatrix(
        rewriter, loc, adaptor.getInput(), adaptor.getU(),
        filledTensor(rewriter, loc, innerShape, compute, 0.0));
    ArrayRef<int64_t> resultShape = op.getResult().getType().getShape();
    Value init = biasOrZeros(rewriter, loc, adaptor.getBias(), false,
                             resultShape, compute);
    Value result =
        buildRowTimesMatrix(rewriter, loc, inner, adaptor.getV(), init);
    rewriter.replaceOp(op, convertTensor(rewriter, loc, result,
                                         getElementTypeOrSelf(op.getResult())));
    return success();
  }
};

struct SparseMatmulLowering : OpConversionPattern<SparseMatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SparseMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type elementType = getElementTypeOrSelf(op.getValues());
    Type compute = attentionComputeType(getElementTypeOrSelf(op.getInput()));
    ArrayRef<int64_t> weightShape = op.getWeightShape(), block = op.getBlock();
    Type indexType = rewriter.getIndexType();
    auto indexConst = [&](OpBuilder &b, int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    // Reads an index tensor element as an (unsigned) index.
    auto readIndex = [&](OpBuilder &b, Value tensor, Value position) -> Value {
      Value element = tensor::ExtractOp::create(b, loc, tensor, position);
      if (element.getType().isIndex())
        return element;
      return arith::IndexCastUIOp::create(b, loc, indexType, element);
    };

    // Densify: scatter each stored block into a zero [K, N] weight.
    Value dense = filledTensor(rewriter, loc, weightShape, elementType, 0.0);
    Value numBlockRows = indexConst(rewriter, weightShape[0] / block[0]);
    Value zero = indexConst(rewriter, 0), one = indexConst(rewriter, 1);
    auto rowLoop = scf::ForOp::create(
        rewriter, loc, zero, numBlockRows, one, ValueRange{dense},
        [&](OpBuilder &b, Location, Value row, ValueRange rowIter) {
          Value begin = readIndex(b, adaptor.getRowOffsets(), row);
          Value next = arith::AddIOp::create(b, loc, row, indexConst(b, 1));
          Value end = readIndex(b, adaptor.getRowOffsets(), next);
          auto entryLoop = scf::ForOp::create(
              b, loc, begin, end, indexConst(b, 1), rowIter,
              [&](OpBuilder &eb, Location, Value entry, ValueRange iter) {
                Value col = readIndex(eb, adaptor.getColIndices(), entry);
                auto blockType = RankedTensorType::get(block, elementType);
                SmallVector<OpFoldResult> srcOffsets = {
                    entry, eb.getIndexAttr(0), eb.getIndexAttr(0)};
                SmallVector<OpFoldResult> srcSizes = {
                    eb.getIndexAttr(1), eb.getIndexAttr(block[0]),
                    eb.getIndexAttr(block[1])};
                SmallVector<OpFoldResult> strides3(3, eb.getIndexAttr(1));
                Value tile = tensor::ExtractSliceOp::create(
                    eb, loc, blockType, adaptor.getValues(), srcOffsets,
                    srcSizes, strides3);
                Value rowStart = arith::MulIOp::create(
                    eb, loc, row, indexConst(eb, block[0]));
                Value colStart = arith::MulIOp::create(
                    eb, loc, col, indexConst(eb, block[1]));
                SmallVector<OpFoldResult> dstOffsets = {rowStart, colStart};
                SmallVector<OpFoldResult> dstSizes = {
                    eb.getIndexAttr(block[0]), eb.getIndexAttr(block[1])};
                SmallVector<OpFoldResult> strides2(2, eb.getIndexAttr(1));
                Value updated = tensor::InsertSliceOp::create(
                    eb, loc, tile, iter[0], dstOffsets, dstSizes, strides2);
                scf::YieldOp::create(eb, loc, updated);
              });
          scf::YieldOp::create(b, loc, entryLoop.getResults());
        });
    Value weight = rowLoop.getResult(0);

    ArrayRef<int64_t> resultShape = op.getResult().getType().getShape();
    Value init = biasOrZeros(rewriter, loc, adaptor.getBias(), false,
                             resultShape, compute);
    Value result =
        buildRowTimesMatrix(rewriter, loc, adaptor.getInput(), weight, init);
    rewriter.replaceOp(op, convertTensor(rewriter, loc, result,
                                         getElementTypeOrSelf(op.getResult())));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Index-typed helpers for mask predicates.
struct IndexMath {
  OpBuilder &b;
  Location loc;
  Value constant(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value cmp(arith::CmpIPredicate pred, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  }
  Value any(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value all(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value boolean(bool v) {
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(v));
  }
  /// |i - j| <= w, without leaving unsigned index arithmetic.
  Value within(Value i, Value j, int64_t w) {
    Value wc = constant(w);
    return all(
        cmp(arith::CmpIPredicate::sle, arith::SubIOp::create(b, loc, i, j), wc),
        cmp(arith::CmpIPredicate::sle, arith::SubIOp::create(b, loc, j, i),
            wc));
  }
  /// x is one of `values`.
  Value oneOf(Value x, ArrayRef<int64_t> values) {
    Value result = boolean(false);
    for (int64_t v : values)
      result = any(result, cmp(arith::CmpIPredicate::eq, x, constant(v)));
    return result;
  }
  /// score if `allowed`, -inf otherwise.
  Value keepIf(Value allowed, Value score) {
    Value negInf = scalarConstant(b, loc, score.getType(), kNegInf);
    return arith::SelectOp::create(b, loc, allowed, score, negInf);
  }
};

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    // A selected kernel computes the whole attention: the op that carries
    // it to the kernel's lowering, in destination-passing style.
    if (auto kernel =
            op->getAttrOfType<KernelAttr>(DskDialect::kKernelAttrName)) {
      auto resultType = op.getResult().getType();
      Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                           resultType.getElementType());
      auto kernelOp = AttentionKernelOp::create(
          rewriter, loc, TypeRange{resultType}, adaptor.getQuery(),
          adaptor.getKey(), adaptor.getValue(), adaptor.getMask(), init,
          rewriter.getF64FloatAttr(
              attentionScale(op.getScaleAttr(), op.getQuery())),
          op.getCausalAttr());
      kernelOp->setAttr(DskDialect::kKernelAttrName, kernel);
      rewriter.replaceOp(op, kernelOp.getResult()[0]);
      return success();
    }
    ScoreMask mask;
    Value maskValue = adaptor.getMask();
    bool boolMask = maskValue && getElementTypeOrSelf(maskValue).isInteger(1);
    if (maskValue) {
      ArrayRef<int64_t> q = op.getQuery().getType().getShape();
      ArrayRef<int64_t> k = op.getKey().getType().getShape();
      SmallVector<int64_t> scores = {q[0], q[1], q[2], k[2]};
      mask.inputs.push_back(maskValue);
      mask.maps.push_back(broadcastMap(
          ctx, 4, tensorTypeOf(maskValue).getShape(), scores, {0, 1, 2, 3}));
    }
    bool causal = op.getCausal();
    if (maskValue || causal)
      mask.apply = [&](OpBuilder &b, Location l, ValueRange idx,
                       ValueRange inputs, Value score) {
        IndexMath im{b, l};
        if (maskValue) {
          if (boolMask)
            score = im.keepIf(inputs[0], score);
          else
            score = arith::AddFOp::create(
                b, l, score, castScalar(b, l, inputs[0], score.getType()));
        }
        if (causal)
          score = im.keepIf(im.cmp(arith::CmpIPredicate::ule, idx[3], idx[2]),
                            score);
        return score;
      };
    Value out = buildAttention(
        rewriter, loc, adaptor.getQuery(), adaptor.getKey(), adaptor.getValue(),
        attentionScale(op.getScaleAttr(), op.getQuery()), mask);
    rewriter.replaceOp(op, convertTensor(rewriter, loc, out,
                                         getElementTypeOrSelf(op.getResult())));
    return success();
  }
};

struct MultiScaleAttentionLowering
    : OpConversionPattern<MultiScaleAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MultiScaleAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    double scale = attentionScale(op.getScaleAttr(), op.getQuery());
    ArrayRef<int64_t> shape = op.getQuery().getType().getShape();
    const auto par = IteratorType::parallel, red = IteratorType::reduction;

    // One attention per scale, each with its own mask predicate.
    SmallVector<Value> perScale;
    for (ScaleAttr scaleAttr : op.getScales().getAsRange<ScaleAttr>()) {
      ScoreMask mask;
      if (scaleAttr.usesSegmentIds()) {
        mask.inputs = {adaptor.getSegmentIds(), adaptor.getSegmentIds()};
        mask.maps = {projectionMap(ctx, 4, {0, 2}),
                     projectionMap(ctx, 4, {0, 3})};
      }
      bool unmasked = scaleAttr.getKind() == ScaleKind::Global &&
                      scaleAttr.getTokens().empty();
      if (!unmasked)
        mask.apply = [scaleAttr](OpBuilder &b, Location l, ValueRange idx,
                                 ValueRange inputs, Value score) {
          IndexMath im{b, l};
          Value i = idx[2], j = idx[3], allowed;
          switch (scaleAttr.getKind()) {
          case ScaleKind::Local:
            allowed = im.within(i, j, *scaleAttr.getWindow());
            break;
          case ScaleKind::Segment:
            if (std::optional<int64_t> length = scaleAttr.getLength()) {
              Value l0 = im.constant(*length);
              allowed = im.cmp(arith::CmpIPredicate::eq,
                               arith::DivUIOp::create(b, l, i, l0),
                               arith::DivUIOp::create(b, l, j, l0));
            } else {
              allowed = im.cmp(arith::CmpIPredicate::eq, inputs[0], inputs[1]);
            }
            break;
          case ScaleKind::Global:
            allowed = im.oneOf(j, scaleAttr.getTokens());
            break;
          }
          return im.keepIf(allowed, score);
        };
      perScale.push_back(buildAttention(rewriter, loc, adaptor.getQuery(),
                                        adaptor.getKey(), adaptor.getValue(),
                                        scale, mask));
    }

    // logits[b, h, i, g] = sum_d q[b, h, i, d] * W[h, d, g] + bias[h, g]
    Type compute = getElementTypeOrSelf(perScale.front());
    int64_t numScales = perScale.size();
    int64_t gates = numScales == 2 ? 1 : numScales;
    SmallVector<int64_t> logitShape = {shape[0], shape[1], shape[2], gates};
    enum : unsigned { B = 0, H = 1, I = 2, G = 3, D = 4 };
    Value biasInit = buildGeneric(
        rewriter, loc, {adaptor.getGateBias()}, {projectionMap(ctx, 4, {H, G})},
        emptyTensor(rewriter, loc, logitShape, compute),
        rewriter.getMultiDimIdentityMap(4), {par, par, par, par},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return castScalar(b, l, args[0], compute);
        });
    Value logits = buildGeneric(
        rewriter, loc, {adaptor.getQuery(), adaptor.getGateWeight()},
        {projectionMap(ctx, 5, {B, H, I, D}), projectionMap(ctx, 5, {H, D, G})},
        biasInit, projectionMap(ctx, 5, {B, H, I, G}),
        {par, par, par, par, red},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value product =
              arith::MulFOp::create(b, l, castScalar(b, l, args[0], compute),
                                    castScalar(b, l, args[1], compute));
          return arith::AddFOp::create(b, l, args[2], product).getResult();
        });

    // Mix: sigmoid gate for two scales, softmax over the logits otherwise.
    AffineMap outMap = rewriter.getMultiDimIdentityMap(4);
    SmallVector<AffineMap> logitMaps;
    for (int64_t g = 0; g < gates; ++g)
      logitMaps.push_back(AffineMap::get(
          4, 0,
          {rewriter.getAffineDimExpr(B), rewriter.getAffineDimExpr(H),
           rewriter.getAffineDimExpr(I), rewriter.getAffineConstantExpr(g)},
          ctx));
    SmallVector<Value> inputs(perScale);
    SmallVector<AffineMap> maps(numScales, outMap);
    inputs.append(gates, logits);
    maps.append(logitMaps);
    Value mixed = buildGeneric(
        rewriter, loc, inputs, maps, emptyTensor(rewriter, loc, shape, compute),
        outMap, {par, par, par, par},
        [&](OpBuilder &b, Location l, ValueRange args) {
          ValueRange attn = args.take_front(numScales);
          ValueRange logit = args.slice(numScales, gates);
          Value one = scalarConstant(b, l, compute, 1.0);
          if (numScales == 2) {
            Value expNeg = math::ExpOp::create(
                b, l, arith::NegFOp::create(b, l, logit[0]));
            Value gate = arith::DivFOp::create(
                b, l, one, arith::AddFOp::create(b, l, one, expNeg));
            Value rest = arith::SubFOp::create(b, l, one, gate);
            return arith::AddFOp::create(
                       b, l, arith::MulFOp::create(b, l, gate, attn[0]),
                       arith::MulFOp::create(b, l, rest, attn[1]))
                .getResult();
          }
          Value maxLogit = logit[0];
          for (Value v : logit.drop_front())
            maxLogit = arith::MaximumFOp::create(b, l, maxLogit, v);
          Value sum = scalarConstant(b, l, compute, 0.0);
          Value acc = scalarConstant(b, l, compute, 0.0);
          for (int64_t s = 0; s < numScales; ++s) {
            Value w = math::ExpOp::create(
                b, l, arith::SubFOp::create(b, l, logit[s], maxLogit));
            sum = arith::AddFOp::create(b, l, sum, w);
            acc = arith::AddFOp::create(
                b, l, acc, arith::MulFOp::create(b, l, w, attn[s]));
          }
          return arith::DivFOp::create(b, l, acc, sum).getResult();
        });
    rewriter.replaceOp(op, convertTensor(rewriter, loc, mixed,
                                         getElementTypeOrSelf(op.getResult())));
    return success();
  }
};

struct SparseAttentionLowering : OpConversionPattern<SparseAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SparseAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    ArrayRef<int64_t> shape = op.getQuery().getType().getShape();
    int64_t seqLen = shape[2];
    Value key = adaptor.getKey(), value = adaptor.getValue();
    const auto par = IteratorType::parallel, red = IteratorType::reduction;

    // The low-rank summaries become R extra key/value positions after S.
    if (Value lowrankKey = adaptor.getLowrankKey()) {
      int64_t rank = op.getLowrankKey().getType().getShape()[1];
      auto appendSummary = [&](Value tensor, Value projection) {
        RankedTensorType type = tensorTypeOf(tensor);
        ArrayRef<int64_t> s = type.getShape();
        Type elementType = type.getElementType();
        enum : unsigned { B = 0, H = 1, R = 2, D = 3, J = 4 };
        SmallVector<int64_t> summaryShape = {s[0], s[1], rank, s[3]};
        Value summary = buildGeneric(
            rewriter, loc, {projection, tensor},
            {projectionMap(ctx, 5, {H, R, J}),
             projectionMap(ctx, 5, {B, H, J, D})},
            filledTensor(rewriter, loc, summaryShape,
                         attentionComputeType(elementType), 0.0),
            projectionMap(ctx, 5, {B, H, R, D}), {par, par, par, par, red},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Type c = args[2].getType();
              Value product =
                  arith::MulFOp::create(b, l, castScalar(b, l, args[0], c),
                                        castScalar(b, l, args[1], c));
              return arith::AddFOp::create(b, l, args[2], product).getResult();
            });
        summary = convertTensor(rewriter, loc, summary, elementType);
        SmallVector<int64_t> joinedShape = {s[0], s[1], s[2] + rank, s[3]};
        Value joined = emptyTensor(rewriter, loc, joinedShape, elementType);
        SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
        auto sizesOf = [&](ArrayRef<int64_t> dims) {
          return llvm::to_vector(
              llvm::map_range(dims, [&](int64_t d) -> OpFoldResult {
                return rewriter.getIndexAttr(d);
              }));
        };
        SmallVector<OpFoldResult> zeroOffsets(4, rewriter.getIndexAttr(0));
        joined = tensor::InsertSliceOp::create(
            rewriter, loc, tensor, joined, zeroOffsets, sizesOf(s), strides);
        SmallVector<OpFoldResult> tailOffsets = zeroOffsets;
        tailOffsets[2] = rewriter.getIndexAttr(s[2]);
        return tensor::InsertSliceOp::create(rewriter, loc, summary, joined,
                                             tailOffsets, sizesOf(summaryShape),
                                             strides)
            .getResult();
      };
      key = appendSummary(key, lowrankKey);
      value = appendSummary(value, adaptor.getLowrankValue());
    }

    std::optional<int64_t> window = op.getWindow();
    SmallVector<int64_t> tokens;
    if (std::optional<ArrayRef<int64_t>> global = op.getGlobalTokens())
      tokens.assign(global->begin(), global->end());
    bool logStrides = op.getLogStrides(), causal = op.getCausal();
    bool hasSummaries = static_cast<bool>(adaptor.getLowrankKey());
    ScoreMask mask;
    mask.apply = [=](OpBuilder &b, Location l, ValueRange idx, ValueRange,
                     Value score) {
      IndexMath im{b, l};
      Value i = idx[2], j = idx[3];
      Value allowed = im.cmp(arith::CmpIPredicate::eq, i, j);
      if (window)
        allowed = im.any(allowed, im.within(i, j, *window));
      if (!tokens.empty())
        allowed =
            im.any(allowed, im.any(im.oneOf(i, tokens), im.oneOf(j, tokens)));
      if (logStrides) {
        // |i - j| is a power of two: d != 0 and d & (d - 1) == 0.
        Value ij = arith::SubIOp::create(b, l, i, j);
        Value ji = arith::SubIOp::create(b, l, j, i);
        Value d = arith::SelectOp::create(
            b, l, im.cmp(arith::CmpIPredicate::sge, ij, im.constant(0)), ij,
            ji);
        Value dm1 = arith::SubIOp::create(b, l, d, im.constant(1));
        Value pow2 =
            im.all(im.cmp(arith::CmpIPredicate::ne, d, im.constant(0)),
                   im.cmp(arith::CmpIPredicate::eq,
                          arith::AndIOp::create(b, l, d, dm1), im.constant(0)));
        allowed = im.any(allowed, pow2);
      }
      if (causal)
        allowed = im.all(allowed, im.cmp(arith::CmpIPredicate::ule, j, i));
      if (hasSummaries)
        allowed = im.any(
            allowed, im.cmp(arith::CmpIPredicate::uge, j, im.constant(seqLen)));
      return im.keepIf(allowed, score);
    };
    Value out =
        buildAttention(rewriter, loc, adaptor.getQuery(), key, value,
                       attentionScale(op.getScaleAttr(), op.getQuery()), mask);
    rewriter.replaceOp(op, convertTensor(rewriter, loc, out,
                                         getElementTypeOrSelf(op.getResult())));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Precision
//===----------------------------------------------------------------------===//

struct PrecisionRegionLowering : OpConversionPattern<PrecisionRegionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PrecisionRegionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Block &body = op.getBody().front();
    // Entry conversions: float inputs to the region's precision; other
    // inputs enter unchanged (as their converted storage).
    SmallVector<Value> entryValues;
    for (auto [input, arg] :
         llvm::zip(adaptor.getInputs(), body.getArguments())) {
      Type argElement = getElementTypeOrSelf(arg.getType());
      entryValues.push_back(
          isa<FloatType>(argElement)
              ? convertTensor(rewriter, loc, input, argElement)
              : input);
    }
    auto yield = cast<YieldOp>(body.getTerminator());
    SmallVector<Value> yielded(yield.getValues());
    rewriter.inlineBlockBefore(&body, op, entryValues);
    rewriter.eraseOp(yield);
    // Exit conversions: each yielded value to its result's element type.
    SmallVector<Value> results;
    for (auto [value, result] : llvm::zip(yielded, op.getResults()))
      results.push_back(convertTensor(rewriter, loc, value,
                                      getElementTypeOrSelf(result.getType())));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct DynamicPrecisionLowering : OpConversionPattern<DynamicPrecisionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DynamicPrecisionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    PrecisionPolicyAttr policy = op.getPolicy();
    Value selected = adaptor.getInputs()[policy.getInput()];
    RankedTensorType selectedType = tensorTypeOf(selected);
    Type f32 = rewriter.getF32Type();
    unsigned rank = selectedType.getRank();

    // The statistic: one reduction over all elements into a 0-d tensor.
    SelectorStatistic statistic = policy.getStatistic();
    Value init = filledTensor(rewriter, loc, {}, f32, 0.0);
    Value reduced = buildGeneric(
        rewriter, loc, {selected}, {rewriter.getMultiDimIdentityMap(rank)},
        init, AffineMap::get(rank, 0, {}, rewriter.getContext()),
        SmallVector<IteratorType>(rank, IteratorType::reduction),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value x = castScalar(b, l, args[0], f32);
          switch (statistic) {
          case SelectorStatistic::MaxAbs:
            return arith::MaximumFOp::create(b, l, args[1],
                                             math::AbsFOp::create(b, l, x));
          case SelectorStatistic::MeanAbs:
            return arith::AddFOp::create(b, l, args[1],
                                         math::AbsFOp::create(b, l, x));
          case SelectorStatistic::Rms:
            return arith::AddFOp::create(b, l, args[1],
                                         arith::MulFOp::create(b, l, x, x));
          }
          llvm_unreachable("unknown statistic");
        });
    Value stat =
        tensor::ExtractOp::create(rewriter, loc, reduced, ValueRange{});
    if (statistic != SelectorStatistic::MaxAbs) {
      Value count = scalarConstant(rewriter, loc, f32,
                                   double(selectedType.getNumElements()));
      stat = arith::DivFOp::create(rewriter, loc, stat, count);
      if (statistic == SelectorStatistic::Rms)
        stat = math::SqrtOp::create(rewriter, loc, stat);
    }

    // The alternative's index: how many thresholds the statistic reaches.
    Value index = arith::ConstantIndexOp::create(rewriter, loc, 0);
    for (double threshold : policy.getThresholds().asArrayRef()) {
      Value reached =
          arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGE, stat,
                                scalarConstant(rewriter, loc, f32, threshold));
      index = arith::AddIOp::create(
          rewriter, loc, index,
          arith::IndexCastOp::create(
              rewriter, loc, rewriter.getIndexType(),
              arith::ExtUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                     reached)));
    }

    // Alternative 0 is the default region; alternatives 1.. are cases 1...
    SmallVector<Type> resultTypes;
    if (failed(
            getTypeConverter()->convertTypes(op.getResultTypes(), resultTypes)))
      return rewriter.notifyMatchFailure(op, "unconvertible result types");
    int64_t numAlternatives = op.getAlternatives().size();
    auto cases = llvm::to_vector(llvm::seq<int64_t>(1, numAlternatives));
    auto switchOp = scf::IndexSwitchOp::create(rewriter, loc, resultTypes,
                                               index, cases, cases.size());
    for (auto [position, alternative] : llvm::enumerate(op.getAlternatives())) {
      Region &target = position == 0 ? switchOp.getDefaultRegion()
                                     : switchOp.getCaseRegions()[position - 1];
      Block *block = rewriter.createBlock(&target);
      Block &source = alternative.front();
      auto yield = cast<YieldOp>(source.getTerminator());
      rewriter.inlineBlockBefore(&source, block, block->end(),
                                 adaptor.getInputs());
      rewriter.setInsertionPoint(yield);
      rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, yield.getValues());
    }
    rewriter.replaceOp(op, switchOp.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

/// Quantized tensors become their plain signless storage.
struct StorageTypeConverter : TypeConverter {
  StorageTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](RankedTensorType type) -> Type {
      Type element = type.getElementType();
      if (auto intType = dyn_cast<IntegerType>(element);
          intType && !intType.isSignless())
        element = IntegerType::get(type.getContext(), intType.getWidth());
      if (element == type.getElementType() &&
          !isQuantEncoding(type.getEncoding()))
        return type;
      Attribute encoding = isQuantEncoding(type.getEncoding())
                               ? Attribute()
                               : type.getEncoding();
      return RankedTensorType::get(type.getShape(), element, encoding);
    });
  }
};

/// Constants of quantized type keep their bits under the storage type.
struct ConstantLowering : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
    auto newType = dyn_cast_or_null<ShapedType>(
        getTypeConverter()->convertType(op.getType()));
    if (!newType || newType == op.getType())
      return failure();
    if (dense) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseElementsAttr::getFromRawBuffer(newType, dense.getRawData()));
      return success();
    }
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(op.getValue())) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseResourceElementsAttr::get(newType, resource.getRawHandle()));
      return success();
    }
    return rewriter.notifyMatchFailure(op, "unsupported constant attribute");
  }
};

/// Any other region-free op that produces or consumes quantized tensors
/// (tensor.extract_slice, tensor.cast, ...) is rebuilt on the storage types.
struct StorageTypeRewrite : ConversionPattern {
  StorageTypeRewrite(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/0, ctx) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (isa<DskDialect>(op->getDialect()) || op->getNumRegions() != 0)
      return failure();
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return failure();
    // A cast that only changed the encoding or the signedness is now the
    // identity.
    if (isa<tensor::CastOp, tensor::BitcastOp>(op) &&
        operands.front().getType() == resultTypes.front()) {
      rewriter.replaceOp(op, operands.front());
      return success();
    }
    OperationState state(op->getLoc(), op->getName().getStringRef(), operands,
                         resultTypes, op->getAttrs(), op->getSuccessors());
    rewriter.replaceOp(op, rewriter.create(state)->getResults());
    return success();
  }
};

/// dsk ops whose tensors have dynamic dimensions, reported before lowering.
LogicalResult checkStaticShapes(ModuleOp module) {
  bool ok = true;
  module.walk([&](Operation *op) {
    // A yield is reported through its parent and needs no static shape.
    if (!isa<DskDialect>(op->getDialect()) || isa<YieldOp>(op))
      return;
    auto isDynamic = [](Type type) {
      auto shaped = dyn_cast<ShapedType>(type);
      return shaped && !shaped.hasStaticShape();
    };
    if (llvm::any_of(op->getOperandTypes(), isDynamic) ||
        llvm::any_of(op->getResultTypes(), isDynamic)) {
      op->emitError("dsk-lower-to-linalg needs static shapes; this operation "
                    "has a dynamic dimension");
      ok = false;
    }
  });
  return success(ok);
}

/// A linalg.softmax over narrow floats (f16, bf16) recomputed in f32, as
/// matmuls accumulate: its row sums in f16 lose several ulps. Returns the
/// softmax to decompose (the original one when it is f32 or wider).
linalg::AggregatedOpInterface widenSoftmax(IRRewriter &rewriter,
                                           linalg::AggregatedOpInterface op) {
  auto softmax = dyn_cast<linalg::SoftmaxOp>(op.getOperation());
  if (!softmax)
    return op;
  ShapedType type = softmax.getOutputOperandType();
  auto element = dyn_cast<FloatType>(type.getElementType());
  if (!element || element.getWidth() >= 32 || !type.hasStaticShape())
    return op;
  Location loc = softmax.getLoc();
  Type f32 = rewriter.getF32Type();
  Value input = convertTensor(rewriter, loc, softmax.getInput(), f32);
  Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), f32);
  auto wide =
      linalg::SoftmaxOp::create(rewriter, loc, TypeRange{init.getType()}, input,
                                init, softmax.getDimension());
  rewriter.replaceOp(
      softmax, convertTensor(rewriter, loc, wide.getResult()[0], element));
  rewriter.setInsertionPoint(wide);
  return cast<linalg::AggregatedOpInterface>(wide.getOperation());
}

/// Aggregated linalg ops that the ONNX importer emits (linalg.softmax) are
/// expanded into the generics they stand for, so that everything after this
/// pass sees only structured linalg ops.
LogicalResult decomposeAggregatedOps(ModuleOp module) {
  SmallVector<linalg::AggregatedOpInterface> ops;
  module.walk([&](linalg::AggregatedOpInterface op) { ops.push_back(op); });
  IRRewriter rewriter(module.getContext());
  for (linalg::AggregatedOpInterface op : ops) {
    rewriter.setInsertionPoint(op);
    op = widenSoftmax(rewriter, op);
    FailureOr<SmallVector<Value>> results = op.decomposeOperation(rewriter);
    if (failed(results))
      return op->emitError("cannot decompose this operation");
    rewriter.replaceOp(op, *results);
  }
  return success();
}

struct DskLowerToLinalgPass
    : dsk::impl::DskLowerToLinalgBase<DskLowerToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkStaticShapes(module)) ||
        failed(decomposeAggregatedOps(module)))
      return signalPassFailure();

    MLIRContext *ctx = &getContext();
    StorageTypeConverter typeConverter;
    ConversionTarget target(*ctx);
    target.addIllegalDialect<DskDialect>();
    // The op that carries an attention to its kernel (it bufferizes).
    target.addLegalOp<AttentionKernelOp>();
    // Everything else is legal once it no longer touches quantized types.
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return typeConverter.isLegal(op); });
    target.addDynamicallyLegalOp<arith::ConstantOp>([&](arith::ConstantOp op) {
      return typeConverter.isLegal(op.getType());
    });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return typeConverter.isSignatureLegal(op.getFunctionType()) &&
             typeConverter.isLegal(&op.getBody());
    });

    RewritePatternSet patterns(ctx);
    patterns
        .add<AttentionLowering, ConstantLowering, DequantizeLowering,
             DynamicPrecisionLowering, LowRankMatmulLowering, MatmulLowering,
             MultiScaleAttentionLowering, PrecisionRegionLowering,
             QuantizeLowering, SparseAttentionLowering, SparseMatmulLowering,
             StorageTypeRewrite>(typeConverter, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(
        patterns, typeConverter);
    populateCallOpTypeConversionPattern(patterns, typeConverter);
    populateReturnOpTypeConversionPattern(patterns, typeConverter);
    scf::populateSCFStructuralTypeConversionsAndLegality(typeConverter,
                                                         patterns, target);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
