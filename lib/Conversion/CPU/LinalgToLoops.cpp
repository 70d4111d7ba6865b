//===- LinalgToLoops.cpp - linalg to loops, the outer ones parallel -------===//

#include "dsk/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace dsk {
#define GEN_PASS_DEF_DSKLINALGTOLOOPS
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

/// Leading loops are made parallel until their trip counts multiply to this:
/// enough chunks for any core count we target, few enough that each chunk
/// keeps a long inner loop.
constexpr int64_t kParallelChunks = 64;

/// The number of leading loops of `op` to run in parallel (0 for none).
unsigned countParallelLoops(linalg::LinalgOp op, int64_t minIterations) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.size() < 2 || ShapedType::isDynamicShape(ranges))
    return 0;
  int64_t total = 1;
  for (int64_t range : ranges)
    total *= range;
  if (total < minIterations)
    return 0;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned count = 0;
  int64_t chunks = 1;
  // Never the innermost loop: LLVM vectorizes it.
  while (count + 1 < ranges.size() &&
         iterators[count] == utils::IteratorType::parallel &&
         chunks < kParallelChunks)
    chunks *= ranges[count++];
  return chunks > 1 ? count : 0;
}

/// Replaces the `count` outermost loops of a perfect nest of scf.for ops
/// (outermost first) by one scf.parallel. The bounds are constants (static
/// shapes); fails, changing nothing, when they are not.
LogicalResult parallelize(RewriterBase &rewriter, ArrayRef<Operation *> loops,
                          unsigned count) {
  SmallVector<scf::ForOp> nest;
  for (Operation *loop : loops.take_front(count)) {
    auto forOp = dyn_cast<scf::ForOp>(loop);
    if (!forOp || forOp.getNumRegionIterArgs() != 0)
      return failure();
    nest.push_back(forOp);
  }
  scf::ForOp outer = nest.front(), inner = nest.back();
  Location loc = outer.getLoc();
  rewriter.setInsertionPoint(outer);
  // Bounds defined above the nest are reused; others must be constants
  // (static shapes) and are rematerialized above it.
  auto hoist = [&](Value bound) -> Value {
    Operation *owner = bound.getDefiningOp();
    if (!owner)
      owner = bound.getParentBlock()->getParentOp();
    if (!outer->isAncestor(owner))
      return bound;
    std::optional<int64_t> value = getConstantIntValue(bound);
    if (!value)
      return {};
    return arith::ConstantIndexOp::create(rewriter, loc, *value);
  };
  SmallVector<Value> lbs, ubs, steps;
  for (scf::ForOp loop : nest) {
    Value lb = hoist(loop.getLowerBound()), ub = hoist(loop.getUpperBound()),
          step = hoist(loop.getStep());
    if (!lb || !ub || !step)
      return failure();
    lbs.push_back(lb);
    ubs.push_back(ub);
    steps.push_back(step);
  }
  auto parallel = scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps);
  Block *body = parallel.getBody();
  SmallVector<Value> ivs = parallel.getInductionVars();
  for (auto [loop, iv] :
       llvm::zip_equal(ArrayRef(nest).drop_back(), ArrayRef(ivs).drop_back()))
    rewriter.replaceAllUsesWith(scf::ForOp(loop).getInductionVar(), iv);
  // Move the innermost parallelized loop's body, without its scf.yield.
  Block *innerBody = inner.getBody();
  rewriter.eraseOp(innerBody->getTerminator());
  rewriter.inlineBlockBefore(innerBody, body->getTerminator(), ivs.back());
  rewriter.eraseOp(outer);
  return success();
}

/// Unrolls and jams the innermost reduction loop around an innermost
/// parallel loop by `factor` (or 2) when that divides its trip count.
void unrollJamReduction(ArrayRef<utils::IteratorType> iterators,
                        ArrayRef<Operation *> loops, int64_t factor) {
  if (factor < 2 || loops.size() != iterators.size() || iterators.size() < 2 ||
      iterators.back() != utils::IteratorType::parallel)
    return;
  for (int64_t index = static_cast<int64_t>(iterators.size()) - 2;
       index >= 0 && iterators[index] == utils::IteratorType::reduction;
       --index) {
    auto loop = dyn_cast<scf::ForOp>(loops[index]);
    std::optional<APInt> staticTripCount =
        loop ? loop.getStaticTripCount() : std::nullopt;
    if (!staticTripCount)
      return;
    std::optional<int64_t> tripCount = staticTripCount->getSExtValue();
    for (int64_t f : {factor, int64_t(2)})
      if (f >= 2 && *tripCount >= f && *tripCount % f == 0) {
        (void)loopUnrollJamByFactor(loop, f);
        return;
      }
  }
}

struct LinalgToLoopsPass
    : public dsk::impl::DskLinalgToLoopsBase<LinalgToLoopsPass> {
  using DskLinalgToLoopsBase::DskLinalgToLoopsBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitError() << "dsk-linalg-to-loops runs after bufferization; "
                          "this op still has tensor operands";
        return signalPassFailure();
      }
      unsigned parallelLoops =
          parallel ? countParallelLoops(op, minParallelIterations) : 0;
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops =
          linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op.emitError() << "cannot lower this op to loops";
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      unrollJamReduction(iterators, *loops, unrollJam);
      // A nest that cannot be parallelized stays sequential and correct.
      if (parallelLoops > 0 && loops->size() >= parallelLoops)
        (void)parallelize(rewriter, *loops, parallelLoops);
    }
  }
};

} // namespace
