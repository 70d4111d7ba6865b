//===- UntieEmptyTensors.cpp - one tensor.empty per use -------------------===//

#include "dsk/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace dsk {
#define GEN_PASS_DEF_DSKUNTIEEMPTYTENSORS
#include "dsk/Conversion/Passes.h.inc"
} // namespace dsk

using namespace mlir;

namespace {

struct UntieEmptyTensorsPass
    : public dsk::impl::DskUntieEmptyTensorsBase<UntieEmptyTensorsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<tensor::EmptyOp> shared;
    getOperation().walk([&](tensor::EmptyOp empty) {
      if (!empty->hasOneUse() && !empty->use_empty())
        shared.push_back(empty);
    });
    for (tensor::EmptyOp empty : shared) {
      // Each use gets a clone just before its user, or, for a user in a
      // nested region (a loop body), just after the original, so that no
      // allocation moves into a loop; the original then goes.
      for (OpOperand &use : llvm::make_early_inc_range(empty->getUses())) {
        Operation *user = use.getOwner();
        if (user->getBlock() == empty->getBlock())
          rewriter.setInsertionPoint(user);
        else
          rewriter.setInsertionPointAfter(empty);
        Operation *clone = rewriter.clone(*empty);
        rewriter.modifyOpInPlace(user, [&] { use.set(clone->getResult(0)); });
      }
      rewriter.eraseOp(empty);
    }
  }
};

} // namespace
