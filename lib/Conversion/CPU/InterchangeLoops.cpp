//===- InterchangeLoops.cpp - loop order that LLVM can vectorize ----------===//

#include "dsk/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/PatternMatch.h"

namespace dsk {
#define GEN_PASS_DEF_DSKINTERCHANGELOOPS
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

/// The stride at which `expr` walks d<dim>: c for `c * d<dim> + terms that
/// do not involve d<dim>`, nothing for any other use of d<dim>.
std::optional<int64_t> strideOf(AffineExpr expr, unsigned dim) {
  if (auto d = dyn_cast<AffineDimExpr>(expr))
    return d.getPosition() == dim ? std::optional<int64_t>(1) : std::nullopt;
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return std::nullopt;
  AffineExpr lhs = binary.getLHS(), rhs = binary.getRHS();
  if (binary.getKind() == AffineExprKind::Add) {
    if (!rhs.isFunctionOfDim(dim))
      return strideOf(lhs, dim);
    if (!lhs.isFunctionOfDim(dim))
      return strideOf(rhs, dim);
    return std::nullopt;
  }
  if (binary.getKind() == AffineExprKind::Mul) {
    auto d = dyn_cast<AffineDimExpr>(lhs);
    auto c = dyn_cast<AffineConstantExpr>(rhs);
    if (d && c && d.getPosition() == dim)
      return c.getValue();
  }
  return std::nullopt;
}

/// How well loop `dim` suits the innermost position, in half points per
/// operand that it walks: +2 with unit stride (its last index is the
/// dimension, possibly plus others), +1 with a small stride in the last
/// index (2 to 4: convolutions and pooling with strides, which LLVM
/// vectorizes as interleaved accesses), -2 otherwise (a row or more apart).
int innermostScore(linalg::GenericOp op, unsigned dim) {
  int score = 0;
  for (AffineMap map : op.getIndexingMapsArray()) {
    if (map.getNumResults() == 0 || !map.isFunctionOfDim(dim))
      continue;
    ArrayRef<AffineExpr> results = map.getResults();
    bool onlyLast = llvm::none_of(results.drop_back(), [&](AffineExpr e) {
      return e.isFunctionOfDim(dim);
    });
    std::optional<int64_t> stride = strideOf(results.back(), dim);
    if (onlyLast && stride == 1)
      score += 2;
    else if (onlyLast && stride && *stride >= 2 && *stride <= 4)
      score += 1;
    else
      score -= 2;
  }
  return score;
}

/// The loop order (old dimensions, outermost first) that makes the best
/// parallel dimension innermost, or an empty vector to leave `op` alone.
SmallVector<unsigned> chooseOrder(linalg::GenericOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned numLoops = iterators.size();
  if (numLoops < 2 || iterators.back() != utils::IteratorType::reduction)
    return {};
  std::optional<unsigned> best;
  int bestScore = 0;
  for (unsigned dim = 0; dim < numLoops; ++dim) {
    if (iterators[dim] != utils::IteratorType::parallel)
      continue;
    int score = innermostScore(op, dim);
    if (!best || score > bestScore) {
      best = dim;
      bestScore = score;
    }
  }
  // A parallel innermost loop vectorizes without reassociating the
  // reduction, which is worth half a point.
  if (!best || bestScore + 1 < innermostScore(op, numLoops - 1))
    return {};
  SmallVector<unsigned> order;
  for (unsigned dim = 0; dim < numLoops; ++dim)
    if (dim != *best && iterators[dim] == utils::IteratorType::parallel)
      order.push_back(dim);
  for (unsigned dim = 0; dim < numLoops; ++dim)
    if (iterators[dim] == utils::IteratorType::reduction)
      order.push_back(dim);
  order.push_back(*best);
  return order;
}

struct InterchangeLoopsPass
    : public dsk::impl::DskInterchangeLoopsBase<InterchangeLoopsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() > 0)
        candidates.push_back(op);
    });
    for (linalg::LinalgOp candidate : candidates) {
      rewriter.setInsertionPoint(candidate);
      auto generic = dyn_cast<linalg::GenericOp>(candidate.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, candidate);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      SmallVector<unsigned> order = chooseOrder(generic);
      if (order.empty())
        continue;
      // Only fails for an invalid permutation, which chooseOrder never makes.
      (void)linalg::interchangeGenericOp(rewriter, generic, order);
    }
  }
};

} // namespace
