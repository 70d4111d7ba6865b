//===- SelectKernels.cpp - choose kernels from the target's table ---------===//

#include "dsk/Dialect/Dsk/Transforms/KernelTable.h"
#include "dsk/Dialect/Dsk/Transforms/Passes.h"

namespace dsk {
#define GEN_PASS_DEF_DSKSELECTKERNELS
#include "dsk/Dialect/Dsk/Transforms/Passes.h.inc"
} // namespace dsk

using namespace mlir;
using namespace dsk;

namespace {

struct SelectKernelsPass
    : public dsk::impl::DskSelectKernelsBase<SelectKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    TargetAttr target = getTarget(module);
    if (!target)
      return;
    module.walk([&](Operation *op) {
      // A kernel chosen earlier (by hand, or a tuner) is honoured.
      if (!isSelectableComputeOp(op) ||
          op->hasAttr(DskDialect::kKernelAttrName))
        return;
      KernelSelection selection = selectKernel(op, target);
      if (selection.kernel)
        op->setAttr(DskDialect::kKernelAttrName, selection.kernel);
    });
  }
};

} // namespace
