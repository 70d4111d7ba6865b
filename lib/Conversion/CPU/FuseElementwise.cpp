//===- FuseElementwise.cpp - one loop nest for chains of elementwise ops --===//
//
// Fuses an elementwise linalg.generic into the generic that consumes it, so
// that a chain such as LayerNorm's subtract, square and mean, or GELU's
// divide, erf, add and multiplies, makes one pass over memory instead of
// one per ONNX node. Upstream's fuseElementwiseOps does the rewriting; this
// pass decides what may fuse, and leaves everything else as it is (upstream's
// pattern set would also rewrite the ops' outs to empty tensors, which
// costs elementwise chains their in-place buffers).
//
//===----------------------------------------------------------------------===//

#include "dsk/Conversion/Passes.h"
#include "dsk/Dialect/Dsk/IR/DskDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseSet.h"

namespace dsk {
#define GEN_PASS_DEF_DSKCPUFUSEELEMENTWISE
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

/// Whether the producer of `operand` may fuse into its consumer: neither
/// carries a kernel (its lowering matches the op as selected), the producer
/// has no other use (it would be computed twice), and the consumer reads
/// each of its elements once (a broadcast would recompute it per use).
bool mayFuse(OpOperand *operand) {
  Operation *producer = operand->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  if (!producer || !consumer || !producer->hasOneUse())
    return false;
  StringRef kernel = dsk::DskDialect::kKernelAttrName;
  if (producer->hasAttr(kernel) || consumer->hasAttr(kernel))
    return false;
  return consumer.getMatchingIndexingMap(operand).isPermutation();
}

/// The number of operations in the body of `op`.
int64_t bodySize(Operation *op) {
  return static_cast<int64_t>(
      cast<linalg::GenericOp>(op).getBody()->getOperations().size());
}

/// Fuses one producer of `consumer`'s operands into it and returns the
/// fused op, or null when none may fuse. The erased producer goes into
/// `erased`.
linalg::GenericOp fuseOneProducer(RewriterBase &rewriter,
                                  linalg::GenericOp consumer,
                                  int64_t maxBodyOps,
                                  llvm::DenseSet<Operation *> &erased) {
  for (OpOperand &operand : consumer->getOpOperands()) {
    if (!mayFuse(&operand) || !linalg::areElementwiseOpsFusable(&operand) ||
        bodySize(operand.get().getDefiningOp()) + bodySize(consumer) >
            maxBodyOps)
      continue;
    Operation *producer = operand.get().getDefiningOp();
    rewriter.setInsertionPoint(consumer);
    FailureOr<linalg::ElementwiseOpFusionResult> fused =
        linalg::fuseElementwiseOps(rewriter, &operand);
    if (failed(fused))
      continue;
    for (auto [original, replacement] : fused->replacements)
      rewriter.replaceAllUsesExcept(original, replacement, fused->fusedOp);
    erased.insert(consumer);
    rewriter.eraseOp(consumer);
    if (producer->use_empty()) {
      erased.insert(producer);
      rewriter.eraseOp(producer);
    }
    // Each fusion appends the producer's inputs: a chain that reads one
    // tensor at every step would otherwise read it through as many operands,
    // and bufferization's analysis is quadratic in a buffer's uses.
    auto fusedOp = cast<linalg::GenericOp>(fused->fusedOp);
    FailureOr<linalg::GenericOp> deduplicated =
        linalg::deduplicateOperandsAndRemoveDeadResults(
            rewriter, fusedOp,
            /*removeOutputs=*/false);
    return succeeded(deduplicated) ? *deduplicated : fusedOp;
  }
  return {};
}

struct FuseElementwisePass
    : public dsk::impl::DskCpuFuseElementwiseBase<FuseElementwisePass> {
  using DskCpuFuseElementwiseBase::DskCpuFuseElementwiseBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Consumers last to first, each absorbing its producers until none may
    // fuse: a chain collapses from its end in one sweep, without a walk of
    // the function per fusion.
    SmallVector<linalg::GenericOp> consumers;
    getOperation().walk([&](linalg::GenericOp op) { consumers.push_back(op); });
    llvm::DenseSet<Operation *> erased;
    for (linalg::GenericOp consumer : llvm::reverse(consumers)) {
      if (erased.contains(consumer))
        continue;
      while (consumer)
        consumer = fuseOneProducer(rewriter, consumer, maxBodyOps, erased);
    }
  }
};

} // namespace
