//===- FuseAttention.cpp - recognise scaled dot-product attention ---------===//
//
// Matches, from the final product backwards, the attention subgraph that
// ONNX exporters emit (as imported: dsk.matmul, elementwise linalg.generic
// for the scale and the mask, linalg.softmax) and replaces it with one
// dsk.attention. Nothing is matched unless every intermediate value has a
// single use, so the rewrite never duplicates work.
//
//===----------------------------------------------------------------------===//

#include "dsk/Dialect/Dsk/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dsk {
#define GEN_PASS_DEF_DSKFUSEATTENTION
#include "dsk/Dialect/Dsk/Transforms/Passes.h.inc"
} // namespace dsk

using namespace mlir;
using namespace dsk;

namespace {

/// The two inputs of an elementwise, two-input linalg.generic whose body is a
/// single `OpTy` of its block arguments, in the order the body uses them.
template <typename OpTy>
std::optional<std::pair<OpOperand *, OpOperand *>>
matchBinaryElementwise(Value value) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() != generic.getNumParallelLoops() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return std::nullopt;
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return std::nullopt;
  auto op = dyn_cast<OpTy>(body.front());
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (!op || yield.getValues().size() != 1 ||
      yield.getValues()[0] != op.getResult())
    return std::nullopt;
  auto lhs = dyn_cast<BlockArgument>(op.getLhs());
  auto rhs = dyn_cast<BlockArgument>(op.getRhs());
  if (!lhs || !rhs || lhs.getOwner() != &body || rhs.getOwner() != &body ||
      lhs.getArgNumber() > 1 || rhs.getArgNumber() > 1 || lhs == rhs)
    return std::nullopt;
  return std::make_pair(generic.getDpsInputOperand(lhs.getArgNumber()),
                        generic.getDpsInputOperand(rhs.getArgNumber()));
}

/// The value of a splat float constant tensor, if `value` is one.
std::optional<double> splatConstant(Value value) {
  SplatElementsAttr splat;
  if (!matchPattern(value, m_Constant(&splat)) ||
      !isa<FloatType>(splat.getElementType()))
    return std::nullopt;
  return splat.getSplatValue<APFloat>().convertToDouble();
}

/// True if `operand` reads its tensor whole, element for element.
bool isFullOperand(OpOperand *operand) {
  auto generic = cast<linalg::GenericOp>(operand->getOwner());
  return generic.getMatchingIndexingMap(operand).isIdentity() &&
         operand->get().getType() == generic.getResult(0).getType();
}

/// Peels `x * c`, `c * x` or `x / c` (c a constant scalar) off `value`,
/// multiplying `scale` by the factor. Only single-use values are peeled.
Value peelConstantScale(Value value, double &scale) {
  while (true) {
    if (auto mul = matchBinaryElementwise<arith::MulFOp>(value)) {
      auto [a, b] = *mul;
      OpOperand *x = isFullOperand(a) ? a : b;
      OpOperand *c = x == a ? b : a;
      std::optional<double> factor = splatConstant(c->get());
      if (!factor || !isFullOperand(x) || !value.hasOneUse())
        return value;
      scale *= *factor;
      value = x->get();
      continue;
    }
    if (auto div = matchBinaryElementwise<arith::DivFOp>(value)) {
      auto [x, c] = *div;
      std::optional<double> divisor = splatConstant(c->get());
      if (!divisor || *divisor == 0.0 || !isFullOperand(x) ||
          !value.hasOneUse())
        return value;
      scale /= *divisor;
      value = x->get();
      continue;
    }
    return value;
  }
}

/// The key, as `source` permuted by `perm` (identity: `source` itself), when
/// `value` is the key transposed in its last two dimensions: exporters fold
/// that transpose into the head transpose (e.g. [S, N, D] → [N, D, S]).
struct KeySource {
  Value source;
  SmallVector<int64_t> perm;
};

std::optional<KeySource> peelKeyTranspose(Value value) {
  auto transpose = value.getDefiningOp<linalg::TransposeOp>();
  if (!transpose || !value.hasOneUse())
    return std::nullopt;
  SmallVector<int64_t> perm(transpose.getPermutation());
  if (perm.size() < 2)
    return std::nullopt;
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return KeySource{transpose.getInput(), perm};
}

/// Materializes a KeySource.
Value buildKey(PatternRewriter &rewriter, Location loc, const KeySource &key) {
  if (llvm::equal(key.perm, llvm::seq<int64_t>(0, key.perm.size())))
    return key.source;
  auto type = cast<RankedTensorType>(key.source.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : key.perm)
    sizes.push_back(tensor::getMixedSize(rewriter, loc, key.source, d));
  Value init =
      tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(rewriter, loc, key.source, init, key.perm)
      .getResult()[0];
}

/// The shape of `source` permuted by `perm`.
SmallVector<int64_t> permutedShape(const KeySource &key) {
  auto shape = cast<RankedTensorType>(key.source.getType()).getShape();
  return llvm::to_vector(
      llvm::map_range(key.perm, [&](int64_t d) { return shape[d]; }));
}

/// Views a rank-3 `[N, S, D]` tensor as `[1, N, S, D]`.
Value expandToHeads(PatternRewriter &rewriter, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == 4)
    return value;
  SmallVector<int64_t> shape = {1};
  llvm::append_range(shape, type.getShape());
  SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(
        type.isDynamicDim(i)
            ? OpFoldResult(
                  tensor::DimOp::create(rewriter, loc, value, i).getResult())
            : OpFoldResult(rewriter.getIndexAttr(type.getDimSize(i))));
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<ReassociationIndices> reassociation = {{0, 1}, {2}, {3}};
  return tensor::ExpandShapeOp::create(rewriter, loc, resultType, value,
                                       reassociation, sizes);
}

struct FuseAttentionPattern : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp output,
                                PatternRewriter &rewriter) const override {
    // o = p · v
    if (output.getBias() || output.getTransposeLhs() ||
        output.getTransposeRhs())
      return rewriter.notifyMatchFailure(output, "not a plain p·v product");
    auto softmax = output.getLhs().getDefiningOp<linalg::SoftmaxOp>();
    if (!softmax || !output.getLhs().hasOneUse())
      return rewriter.notifyMatchFailure(output, "lhs is not a softmax");
    auto scoresType = cast<RankedTensorType>(softmax.getInput().getType());
    int64_t rank = scoresType.getRank();
    if ((rank != 3 && rank != 4) ||
        softmax.getDimension() != static_cast<uint64_t>(rank - 1))
      return rewriter.notifyMatchFailure(output,
                                         "softmax is not over the keys");

    // s = scale · (q·kᵀ) (+ mask): peel the mask, then constant factors.
    double scale = 1.0;
    Value scores = peelConstantScale(softmax.getInput(), scale);
    Value mask;
    if (auto add = matchBinaryElementwise<arith::AddFOp>(scores)) {
      auto [a, b] = *add;
      if (!scores.hasOneUse())
        return failure();
      OpOperand *full = isFullOperand(a) ? a : b;
      OpOperand *other = full == a ? b : a;
      if (!isFullOperand(full))
        return rewriter.notifyMatchFailure(output, "mask shape is unclear");
      mask = other->get();
      scores = peelConstantScale(full->get(), scale);
    }
    auto product = scores.getDefiningOp<MatmulOp>();
    if (!product || !scores.hasOneUse() || product.getBias() ||
        product.getTransposeLhs())
      return rewriter.notifyMatchFailure(output, "no q·kᵀ product");
    Value query = peelConstantScale(product.getLhs(), scale);
    std::optional<KeySource> keySource;
    if (product.getTransposeRhs()) {
      Value key = peelConstantScale(product.getRhs(), scale);
      auto rank = cast<RankedTensorType>(key.getType()).getRank();
      keySource = KeySource{key, llvm::to_vector(llvm::seq<int64_t>(0, rank))};
    } else {
      keySource = peelKeyTranspose(product.getRhs());
      if (!keySource)
        return rewriter.notifyMatchFailure(output, "the key is not transposed");
    }
    Value value = output.getRhs();

    // Shapes: q [.., Sq, D], k [.., Sk, D], v [.., Sk, Dv], one element type,
    // equal leading dims (no broadcasting inside attention).
    auto qType = cast<RankedTensorType>(query.getType());
    auto kType = RankedTensorType::get(
        permutedShape(*keySource),
        cast<RankedTensorType>(keySource->source.getType()).getElementType());
    auto vType = cast<RankedTensorType>(value.getType());
    if (qType.getRank() != rank || kType.getRank() != rank ||
        vType.getRank() != rank || qType.getEncoding() ||
        cast<RankedTensorType>(keySource->source.getType()).getEncoding() ||
        vType.getEncoding())
      return rewriter.notifyMatchFailure(output, "operand ranks differ");
    Type elementType = qType.getElementType();
    if (!isa<FloatType>(elementType) || kType.getElementType() != elementType ||
        vType.getElementType() != elementType ||
        output.getType().getElementType() != elementType ||
        (mask && cast<RankedTensorType>(mask.getType()).getElementType() !=
                     elementType))
      return rewriter.notifyMatchFailure(output, "element types differ");
    if (qType.getShape().drop_back(2) != kType.getShape().drop_back(2) ||
        qType.getShape().drop_back(2) != vType.getShape().drop_back(2))
      return rewriter.notifyMatchFailure(output, "batch dims differ");
    if (mask && cast<RankedTensorType>(mask.getType()).getRank() > rank)
      return rewriter.notifyMatchFailure(output, "mask rank too large");

    Location loc = output.getLoc();
    Value key = buildKey(rewriter, loc, *keySource);
    Value q4 = expandToHeads(rewriter, loc, query);
    Value k4 = expandToHeads(rewriter, loc, key);
    Value v4 = expandToHeads(rewriter, loc, value);
    auto resultType = cast<RankedTensorType>(output.getType());
    RankedTensorType result4 = resultType;
    if (rank == 3) {
      SmallVector<int64_t> shape = {1};
      llvm::append_range(shape, resultType.getShape());
      result4 = RankedTensorType::get(shape, elementType);
    }
    auto attention =
        AttentionOp::create(rewriter, loc, result4, q4, k4, v4, mask,
                            rewriter.getF64FloatAttr(scale), UnitAttr());
    Value fused = attention.getResult();
    if (rank == 3)
      fused = tensor::CollapseShapeOp::create(
          rewriter, loc, resultType, fused,
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    rewriter.replaceOp(output, fused);
    return success();
  }
};

struct DskFuseAttentionPass
    : dsk::impl::DskFuseAttentionBase<DskFuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
