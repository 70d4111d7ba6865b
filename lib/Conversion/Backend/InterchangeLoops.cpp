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

/// Whether `expr` is `d<dim>` plus terms that do not involve d<dim>, i.e.
/// walking d<dim> moves one element at a time.
bool isUnitStrideIn(AffineExpr expr, unsigned dim) {
  if (auto d = dyn_cast<AffineDimExpr>(expr))
    return d.getPosition() == dim;
  auto add = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!add || add.getKind() != AffineExprKind::Add)
    return false;
  AffineExpr lhs = add.getLHS(), rhs = add.getRHS();
  if (isUnitStrideIn(lhs, dim))
    return !rhs.isFunctionOfDim(dim);
  if (isUnitStrideIn(rhs, dim))
    return !lhs.isFunctionOfDim(dim);
  return false;
}

/// How well loop `dim` suits the innermost position: +1 per operand it walks
/// with unit stride, -1 per operand it walks with a larger stride.
int innermostScore(linalg::GenericOp op, unsigned dim) {
  int score = 0;
  for (AffineMap map : op.getIndexingMapsArray()) {
    if (map.getNumResults() == 0 || !map.isFunctionOfDim(dim))
      continue;
    ArrayRef<AffineExpr> results = map.getResults();
    bool innerOnly = isUnitStrideIn(results.back(), dim) &&
                     llvm::none_of(results.drop_back(), [&](AffineExpr e) {
                       return e.isFunctionOfDim(dim);
                     });
    score += innerOnly ? 1 : -1;
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
  if (!best || bestScore < innermostScore(op, numLoops - 1))
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
