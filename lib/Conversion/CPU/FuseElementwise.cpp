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

/// Fuses one producer into its consumer; false when nothing may fuse.
bool fuseOne(RewriterBase &rewriter, func::FuncOp func) {
  OpOperand *candidate = nullptr;
  func.walk([&](linalg::GenericOp consumer) {
    for (OpOperand &operand : consumer->getOpOperands())
      if (mayFuse(&operand) && linalg::areElementwiseOpsFusable(&operand)) {
        candidate = &operand;
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (!candidate)
    return false;
  Operation *producer = candidate->get().getDefiningOp();
  Operation *consumer = candidate->getOwner();
  rewriter.setInsertionPoint(consumer);
  FailureOr<linalg::ElementwiseOpFusionResult> fused =
      linalg::fuseElementwiseOps(rewriter, candidate);
  if (failed(fused))
    return false;
  for (auto [original, replacement] : fused->replacements)
    rewriter.replaceAllUsesExcept(original, replacement, fused->fusedOp);
  rewriter.eraseOp(consumer);
  if (producer->use_empty())
    rewriter.eraseOp(producer);
  return true;
}

struct FuseElementwisePass
    : public dsk::impl::DskCpuFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    while (fuseOne(rewriter, getOperation())) {
    }
  }
};

} // namespace
